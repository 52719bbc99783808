//! `ciss evaluate` scores the resolver on labelled records (the FEBRL tasks or
//! any labelled file), and `ciss explain` shows why two records are or are
//! not linked.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::graph::Mention;
use crate::ingest::mapping::SourceMapping;
use crate::resolve::evaluate::{
    EvaluationReport, LabelledSet, LeftOut, PreparedSet, check_output_dir, cluster_scores,
    febrl_task, generated_feed_names, load_generated, load_generated_prepared, load_labelled,
    load_mentions, peak_memory_kib, resolve_prepared, score_resolution, unread_files,
    write_mentions, write_outputs,
};
use crate::resolve::{ProbabilisticResolver, ResolveConfig, Resolver, RuleResolver};

/// Where the labelled records come from.
#[derive(Debug, Args)]
pub(super) struct InputArgs {
    /// FEBRL task: febrl1, febrl2, febrl3 (deduplication) or febrl4 (linkage).
    #[arg(long, conflicts_with_all = ["input", "mapping", "generated"])]
    task: Option<String>,
    /// Directory written by `ciss generate`: every feed, scored against its truth.csv.
    #[arg(long, conflicts_with_all = ["input", "mapping"])]
    generated: Option<PathBuf>,
    /// Directory of source mappings, for --generated (default: the global
    /// `--sources`, or the `sources_dir` setting).
    #[arg(long)]
    mappings: Option<PathBuf>,
    /// Directory holding the FEBRL files and febrl.toml.
    #[arg(long, default_value = "fixtures/febrl")]
    fixtures: PathBuf,
    /// Labelled input files (CSV or JSON Lines, as the mapping says); each is its own source.
    #[arg(long, requires = "mapping")]
    input: Vec<PathBuf>,
    /// Source mapping (TOML) for the input files.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Link the input files to each other instead of deduplicating them together.
    #[arg(long)]
    linkage: bool,
}

/// Arguments of `ciss evaluate`.
#[derive(Debug, Args)]
pub(super) struct EvaluateArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Column (CSV) or top-level key (JSON Lines) holding the true entity; a
    /// FEBRL id `rec-N-...` names entity N.
    #[arg(long, default_value = "rec_id")]
    truth: String,
    /// Output directory for pairs.csv and clusters.csv.
    #[arg(long)]
    out: PathBuf,
    /// Also score the deterministic rule resolver on the same records, for comparison.
    #[arg(long)]
    baseline: bool,
    /// Match probability at or above which a pair is linked (default 0.95,
    /// the setting resolution uses); published FEBRL figures use 0.5.
    #[arg(long, value_parser = parse_probability)]
    match_probability: Option<f64>,
    /// Also write mentions.csv: every record's normalized facts and true
    /// entity, the input `benches/peers/run.sh` gives the peer tools.
    #[arg(long)]
    write_mentions: bool,
}

/// Arguments of `ciss explain`.
#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Record id of the first record.
    left: String,
    /// Record id of the second record.
    right: String,
}

/// Input files read through one mapping: a FEBRL task's, or those of
/// `--input` with `--mapping`.
struct FileInput {
    name: String,
    files: Vec<PathBuf>,
    mapping: SourceMapping,
    config: ResolveConfig,
}

/// Returns the input files the arguments name, with their mapping and
/// resolver settings. `--generated` names no files and is handled apart.
fn file_input(args: &InputArgs) -> anyhow::Result<FileInput> {
    let mut input = match (&args.task, &args.mapping) {
        (Some(task), _) => {
            let task = febrl_task(task, &args.fixtures)?;
            let mapping = SourceMapping::load(&args.fixtures, "febrl")?;
            FileInput {
                name: task.name,
                files: task.files,
                mapping,
                config: task.config,
            }
        }
        (None, Some(path)) => {
            let mapping = SourceMapping::from_file(path)?;
            FileInput {
                name: mapping.name.clone(),
                files: args.input.clone(),
                mapping,
                config: ResolveConfig::default(),
            }
        }
        (None, None) => bail!("give --task, --generated, or --input with --mapping"),
    };
    if args.linkage {
        if input.files.len() < 2 {
            bail!(
                "--linkage links input files to each other, so it needs at least two; {} given",
                input.files.len()
            );
        }
        input.config = ResolveConfig::linkage();
    }
    Ok(input)
}

/// Loads generated feeds from `dir`, each party with its true person, and
/// warns about files no source reads.
fn load_generated_set(
    dir: &Path,
    args: &InputArgs,
    sources_dir: &Path,
) -> anyhow::Result<LabelledSet> {
    let started = Instant::now();
    let mappings = args.mappings.as_deref().unwrap_or(sources_dir);
    let set = load_generated(dir, mappings)?;
    if set.mentions.is_empty() {
        bail!("{}", no_generated_records(dir));
    }
    warn_unread_files(dir, mappings)?;
    log_loaded(set.mentions.len(), started);
    Ok(set)
}

/// Loads the labelled set and the resolver settings the arguments name,
/// with the true entity of each input record in the column `truth`.
fn load(
    args: &InputArgs,
    truth: &str,
    sources_dir: &Path,
) -> anyhow::Result<(String, LabelledSet, ResolveConfig)> {
    if let Some(dir) = &args.generated {
        let set = load_generated_set(dir, args, sources_dir)?;
        return Ok(("generated".to_string(), set, ResolveConfig::default()));
    }
    let started = Instant::now();
    let input = file_input(args)?;
    let set = load_labelled(&input.files, &input.mapping, truth)?;
    if set.mentions.is_empty() {
        // Scoring no records would print a perfect F1 of 1.
        let names: Vec<String> = input
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        bail!(
            "no labelled records in {}: nothing to score; check that the files contain records",
            names.join(", ")
        );
    }
    log_loaded(set.mentions.len(), started);
    Ok((input.name, set, input.config))
}

/// Loads the records the arguments name, with the resolver settings, for
/// `ciss explain`. Input files need no truth column. Generated feeds are
/// read with their truth.csv, as `ciss evaluate` reads them, so that their
/// records have the same ids.
fn load_unlabelled(
    args: &InputArgs,
    sources_dir: &Path,
) -> anyhow::Result<(Vec<Mention>, ResolveConfig)> {
    if let Some(dir) = &args.generated {
        let set = load_generated_set(dir, args, sources_dir)?;
        return Ok((set.mentions, ResolveConfig::default()));
    }
    let started = Instant::now();
    let input = file_input(args)?;
    let mentions = load_mentions(&input.files, &input.mapping)?;
    log_loaded(mentions.len(), started);
    Ok((mentions, input.config))
}

fn log_loaded(mentions: usize, started: Instant) {
    tracing::info!(
        mentions,
        load_ms = started.elapsed().as_millis() as u64,
        "labelled records loaded"
    );
}

/// Fails when an input file is one of the files `ciss evaluate` writes in
/// `out`, which the run would overwrite.
fn check_inputs_kept(inputs: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    for name in ["pairs.csv", "clusters.csv", "mentions.csv"] {
        let Ok(written) = out.join(name).canonicalize() else {
            continue;
        };
        if let Some(input) = inputs
            .iter()
            .find(|i| i.canonicalize().is_ok_and(|i| i == written))
        {
            bail!(
                "input file {} is the {name} that evaluate writes in {}; give another --out",
                input.display(),
                out.display()
            );
        }
    }
    Ok(())
}

/// Runs `ciss evaluate`.
pub(super) fn run_evaluate(args: EvaluateArgs, sources_dir: &Path) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    check_output_dir(&args.out)?;
    check_inputs_kept(&args.input.input, &args.out)?;
    let (name, labelled, mut set, resolver) = load_for_evaluation(&args, sources_dir)?;
    if let (true, Some(labelled)) = (args.write_mentions, &labelled) {
        write_mentions(&args.out, labelled)?;
    }
    let (resolution, resolve_ms) = resolve_prepared(&mut set, &resolver);
    // Scoring and writing only read the resolution, so they run side by side.
    let (written, report) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let writing = Instant::now();
            let written = write_outputs(&args.out, &set, &resolution);
            let write_ms = writing.elapsed().as_millis() as u64;
            tracing::debug!(write_ms, "pairs and clusters written");
            written
        });
        let scoring = Instant::now();
        let report = score_resolution(&set, &resolver, &resolution, resolve_ms);
        let score_ms = scoring.elapsed().as_millis() as u64;
        tracing::debug!(score_ms, "pairs and clusters scored");
        let written = match writer.join() {
            Ok(written) => written,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (written, report)
    });
    written?;
    warn_left_out(&report.left_out);
    out!("{}", resolution.blocking);
    print_report(&name, &report, started.elapsed().as_secs_f64());
    let t = &resolution.timings;
    outln!(
        "stages (ms): prepare {:.1}, block {:.1}, compare {:.1}, train {:.1}, score and cluster {:.1}",
        t.prepare_ms,
        t.block_ms,
        t.compare_ms,
        t.train_ms,
        t.cluster_ms
    );
    for (conflict, count) in &resolution.clusters.refused_by_conflict {
        outln!("refused for conflicting {conflict}: {count}");
    }
    let ambiguous = resolution.clusters.ambiguous;
    if ambiguous > 0 {
        outln!(
            "left on their own as ambiguous: {ambiguous} records (their matches are queued for review)"
        );
    }
    if let (true, Some(labelled)) = (args.baseline, &labelled) {
        print_baseline(labelled);
    }
    outln!("wrote {}/pairs.csv and clusters.csv", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Loads the records `ciss evaluate` scores, with the resolver that scores
/// them. Generated feeds are loaded straight into a [`PreparedSet`], so their
/// mentions are never all in memory, unless the baseline or `mentions.csv`
/// needs the mentions themselves.
fn load_for_evaluation(
    args: &EvaluateArgs,
    sources_dir: &Path,
) -> anyhow::Result<(
    String,
    Option<LabelledSet>,
    PreparedSet,
    ProbabilisticResolver,
)> {
    let with_probability = |mut config: ResolveConfig| {
        if let Some(p) = args.match_probability {
            config.match_probability = p;
            config.possible_match_probability = config.possible_match_probability.min(p);
        }
        ProbabilisticResolver::new(config)
    };
    let input = &args.input;
    if let (Some(dir), false) = (&input.generated, args.baseline || args.write_mentions) {
        let started = Instant::now();
        let resolver = with_probability(ResolveConfig::default());
        let mappings = input.mappings.as_deref().unwrap_or(sources_dir);
        let set = load_generated_prepared(dir, mappings, &resolver)?;
        if set.mentions() == 0 {
            bail!("{}", no_generated_records(dir));
        }
        warn_unread_files(dir, mappings)?;
        tracing::info!(
            mentions = set.mentions(),
            load_ms = started.elapsed().as_millis() as u64,
            "labelled records loaded"
        );
        return Ok(("generated".to_string(), None, set, resolver));
    }
    let (name, labelled, config) = load(input, &args.truth, sources_dir)?;
    let resolver = with_probability(config);
    let set = PreparedSet::from_labelled(&labelled, &resolver);
    Ok((name, Some(labelled), set, resolver))
}

/// Warns on standard error about each file in `dir` that no source's
/// mapping in `mappings` reads, such as an extra feed dropped beside the
/// generated ones, so that it is not left out of the score unseen.
fn warn_unread_files(dir: &Path, mappings: &Path) -> anyhow::Result<()> {
    let feeds = generated_feed_names(mappings)?;
    for file in unread_files(dir, &feeds)? {
        eprintln!(
            "warning: {} is not scored: no source mapping reads it (the feeds read are {})",
            super::printable(&file.display().to_string()),
            feeds.join(", ")
        );
    }
    Ok(())
}

/// Warns on standard error about each kind of record, party or truth row
/// that loading left out, which the report's `left out` line counts, so
/// that a score over part of the input does not pass unnoticed.
fn warn_left_out(left_out: &LeftOut) {
    if left_out.unreadable_records > 0 {
        eprintln!(
            "warning: {} records could not be read or mapped and are not scored; \
             `ciss ingest` would quarantine them",
            left_out.unreadable_records
        );
    }
    if left_out.unlabelled_parties > 0 {
        let records = match left_out.unlabelled_records {
            0 => String::new(),
            records => format!(", among them every party of {records} records"),
        };
        eprintln!(
            "warning: {} parties have no row in truth.csv and are not scored{records}; \
             check that truth.csv was written with these feeds",
            left_out.unlabelled_parties
        );
    }
    if left_out.unmatched_truth_rows > 0 {
        eprintln!(
            "warning: {} rows of truth.csv name no party of the feeds",
            left_out.unmatched_truth_rows
        );
    }
}

/// Returns the error for generated feeds in which no party has a truth row;
/// scoring no records would print a perfect F1 of 1.
fn no_generated_records(dir: &Path) -> String {
    format!(
        "no labelled records in {}: nothing to score; check that truth.csv names the records of the feeds",
        dir.display()
    )
}

/// Runs `ciss explain`: trains on the records, then explains one pair.
pub(super) fn run_explain(args: ExplainArgs, sources_dir: &Path) -> anyhow::Result<ExitCode> {
    if args.left == args.right {
        anyhow::bail!(
            "{:?} is named twice; an explanation compares two different records",
            args.left
        );
    }
    let (mentions, config) = load_unlabelled(&args.input, sources_dir)?;
    let find = |id: &str| -> anyhow::Result<&Mention> {
        mentions
            .iter()
            .find(|m| m.record_id == id)
            .with_context(|| match mentions.first() {
                Some(first) => format!(
                    "no record with id {id:?}; ids are written as in pairs.csv, such as {:?}",
                    first.record_id
                ),
                None => format!("no record with id {id:?}: the input has no records"),
            })
    };
    let (left, right) = (find(&args.left)?, find(&args.right)?);
    let model = ProbabilisticResolver::new(config.clone()).train(&mentions);
    let resolver = ProbabilisticResolver::with_model(config, model);
    out!("{}", resolver.explain(left, right));
    Ok(ExitCode::SUCCESS)
}

fn print_baseline(set: &LabelledSet) {
    let started = Instant::now();
    let clustering = RuleResolver.cluster(&set.mentions);
    let entities: Vec<i64> = clustering.assignment.iter().map(|(_, e)| *e).collect();
    let s = cluster_scores(&entities, &set.truth);
    outln!(
        "rule resolver: cluster precision {:.5}  recall {:.5}  F1 {:.5} in {:.3} s",
        s.precision,
        s.recall,
        s.f1,
        started.elapsed().as_secs_f64()
    );
}

fn print_report(name: &str, report: &EvaluationReport, wall_s: f64) {
    outln!(
        "{name}: {} records ({} repaired), {} entities ({} true)",
        report.mentions,
        report.repaired,
        report.entities,
        report.true_entities
    );
    let left_out = &report.left_out;
    if left_out.any() {
        outln!(
            "left out: unreadable records {}, records without a truth row {}, \
             parties without a truth row {} (those records' parties included), \
             truth rows naming no party {}",
            left_out.unreadable_records,
            left_out.unlabelled_records,
            left_out.unlabelled_parties,
            left_out.unmatched_truth_rows
        );
    }
    for (label, s) in [
        ("pairwise", &report.pairwise),
        ("cluster", &report.clusters),
    ] {
        outln!(
            "{label:<9} precision {:.5}  recall {:.5}  F1 {:.5}  ({} of {} predicted pairs true, {} true pairs)",
            s.precision,
            s.recall,
            s.f1,
            s.true_positives,
            s.predicted,
            s.actual
        );
    }
    outln!(
        "blocking recall {:.5} over {} candidate pairs; {} links refused for conflicts",
        report.blocking_recall,
        report.candidate_pairs,
        report.refused_links
    );
    let memory = peak_memory_kib().map_or("unknown".to_string(), |k| {
        format!("{:.1} MiB", k as f64 / 1024.0)
    });
    outln!(
        "resolve {:.3} s, wall {:.3} s, peak memory {memory}",
        report.resolve_ms / 1000.0,
        wall_s
    );
}

/// Parses a probability strictly between 0 and 1.
fn parse_probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("invalid probability {text:?}: not a number"))?;
    if p > 0.0 && p < 1.0 {
        Ok(p)
    } else {
        Err(format!("invalid probability {p}: must be between 0 and 1"))
    }
}
