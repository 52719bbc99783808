//! The command-line interface. Its printed reports are its output, so this
//! module prints to standard output; logs go to standard error.

/// Writes a line to standard output like `println!`, but a closed pipe (as
/// in `ciss ingest ... | head -1`) does not panic: the rest of the output is
/// discarded and the command carries on, so its stored work is still resolved.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to standard output like `print!`, ignoring a closed pipe as
/// [`outln!`] does.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

mod demo;
mod evaluate;
mod review;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::config::{MAX_BATCH_SIZE, OpenMode, Settings};
use crate::generate::{GenerateConfig, generate};
use crate::graph::{GraphStore, QuarantineStatus, StoreError};
use crate::ingest::mapping::SourceMapping;
use crate::ingest::{IngestOptions, IngestReport, ingest_file, replay_quarantine};
use crate::resolve::{ResolveReport, default_resolver, resolve_store};
use crate::startup::Application;

/// CISS: ingest agency records, resolve people across agencies, serve the graph.
#[derive(Debug, Parser)]
#[command(name = "ciss", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (TOML); `CISS_*` environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Store location, such as sqlite:ciss.db (overrides the settings).
    #[arg(long, global = true, value_name = "URI")]
    store: Option<String>,
    /// Directory of source mappings (overrides the settings).
    #[arg(long, global = true, value_name = "DIR")]
    sources: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write synthetic feeds for every source, with ground truth.
    Generate(GenerateArgs),
    /// Validate and store records of one source; bad records go to quarantine.
    /// Exits with status 2 when any record was quarantined.
    Ingest(IngestArgs),
    /// Re-resolve every person mention in the store.
    Resolve(ResolveArgs),
    /// List or replay quarantined records.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// Serve GraphQL, GraphiQL, health and ingestion over HTTP.
    Serve(ServeArgs),
    /// Generate feeds, ingest and resolve them, then serve, printing queries to try.
    Demo(demo::DemoArgs),
    /// Write the GraphQL schema in SDL.
    ExportSchema(ExportSchemaArgs),
    /// Resolve labelled records (a FEBRL task or any labelled file) and score the result.
    Evaluate(evaluate::EvaluateArgs),
    /// Show why two labelled records are or are not linked, field by field.
    Explain(evaluate::ExplainArgs),
    /// Review resolution: list possible matches, confirm or reject a pair,
    /// split records out of an entity, show the decision history.
    #[command(subcommand)]
    Review(review::ReviewCommand),
}

#[derive(Debug, Args)]
struct ResolveArgs {
    /// Print the candidate pairs each blocking rule produces, and the distinct
    /// pairs over all rules, without resolving or writing anything.
    #[arg(long)]
    explain_blocking: bool,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Number of people.
    #[arg(long, default_value_t = 5_000)]
    people: usize,
    /// Random seed; the same seed writes the same files.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Reference date for statuses and expiries, YYYY-MM-DD, from 1970-01-01 to a
    /// year from today (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Output directory.
    #[arg(long, default_value = "feeds")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Source name for every file; its mapping is SOURCES/NAME.toml. Without
    /// it, each file's source is its name without the extension (dmv.csv is dmv).
    #[arg(long)]
    source: Option<String>,
    /// Input files in the source's own format.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Load many records fast: drop the SQLite store's secondary indexes
    /// during the run and build them once at its end. Lookups by other
    /// clients are slow until it finishes.
    #[arg(long)]
    bulk: bool,
    /// Skip re-resolution after storing.
    #[arg(long)]
    no_resolve: bool,
    /// Records per batch and transaction (overrides the settings).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH_SIZE as u64))]
    batch_size: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum QuarantineCommand {
    /// List quarantined records with their errors.
    List {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Include entries already closed (replayed, or resolved by a later
        /// batch), each with its status.
        #[arg(long)]
        all: bool,
    },
    /// Re-map quarantined records with the current mappings and store those that now pass.
    Replay {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Listen address (overrides the settings).
    #[arg(long)]
    listen: Option<String>,
}

#[derive(Debug, Args)]
struct ExportSchemaArgs {
    /// Output file.
    #[arg(long, default_value = "schema.graphql")]
    out: PathBuf,
}

/// Parses the command line, runs the command and returns the exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // A server logs its lifecycle and requests; the other commands print a
    // report, so only warnings and errors are logged unless RUST_LOG sets a filter.
    init_tracing(if matches!(cli.command, Command::Serve(_)) {
        "info"
    } else {
        "warn"
    });
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", error_message(&err));
            ExitCode::FAILURE
        }
    }
}

/// Joins an error and its causes with `: `, leaving out a cause whose text the
/// message already contains. Library errors such as `cannot read PATH: CAUSE`
/// both show and return their cause, which would otherwise print twice.
///
/// The operating system's messages start with a capital (`No such file or
/// directory (os error 2)`); the first letter of a capitalized word is
/// lowered to match the lowercase messages around them.
fn error_message(err: &anyhow::Error) -> String {
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    for cause in err.chain() {
        if let Some(os) = cause.downcast_ref::<std::io::Error>() {
            message = message.replace(&os.to_string(), &io_reason(os));
        }
    }
    message
}

/// Returns the text of `err` with the first letter of a capitalized first
/// word lowered, as in `no such file or directory (os error 2)`. An
/// abbreviation such as `FBI` keeps its capitals.
fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    let mut letters = text.chars();
    let first = letters.next().filter(char::is_ascii_uppercase);
    let word = letters
        .clone()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase());
    match (first, word) {
        (Some(first), true) => format!("{}{}", first.to_ascii_lowercase(), letters.as_str()),
        _ => text,
    }
}

/// Writes to standard output. A broken pipe means the reader is gone, so it
/// is ignored; any other write error is logged once per call.
fn write_stdout(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_fmt(text)
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        tracing::warn!(error = %err, "failed to write to standard output");
    }
}

fn init_tracing(default_level: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = settings(&cli)?;
    match cli.command {
        Command::Generate(args) => run_generate(args),
        Command::Ingest(args) => run_ingest(&settings, args).await,
        Command::Resolve(args) => {
            let store = settings.open_store_with(OpenMode::Existing).await?;
            if args.explain_blocking {
                let mentions = store.mentions().await?;
                out!("{}", default_resolver().blocking_report(&mentions));
            } else {
                print_resolve(&resolve_store(store.as_ref(), &default_resolver()).await?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Quarantine(command) => run_quarantine(&settings, command).await,
        Command::Serve(args) => {
            let mut settings = settings;
            if let Some(listen) = args.listen {
                settings.listen = listen;
            }
            let app = Application::build(settings).await?;
            outln!(
                "serving GraphQL on http://{}/graphql (GraphiQL at /graphiql)",
                app.address()
            );
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => demo::run(settings, args, cli.store.is_some()).await,
        Command::Evaluate(args) => evaluate::run_evaluate(args, &settings.sources_dir),
        Command::Explain(args) => evaluate::run_explain(args, &settings.sources_dir),
        Command::Review(command) => review::run(&settings, command).await,
        Command::ExportSchema(args) => {
            std::fs::write(&args.out, crate::api::schema_sdl())
                .with_context(|| format!("failed to write {}", args.out.display()))?;
            outln!("wrote {}", args.out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(store) = &cli.store {
        settings.store = store.clone();
    }
    if let Some(sources) = &cli.sources {
        settings.sources_dir = sources.clone();
    }
    Ok(settings)
}

fn run_generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let config = GenerateConfig {
        people: args.people,
        seed: args.seed,
        as_of: args
            .as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        out_dir: args.out.clone(),
        progress: true,
    };
    let summary = generate(&config)?;
    for (source, count) in &summary.records_per_source {
        outln!("{source:<12} {count:>10} records");
    }
    outln!("wrote {} people to {}", summary.people, args.out.display());
    Ok(ExitCode::SUCCESS)
}

async fn run_ingest(settings: &Settings, args: IngestArgs) -> anyhow::Result<ExitCode> {
    // A file that cannot be read stops the run before anything is stored,
    // rather than after the files before it, and every such file is named. The
    // files are checked first, so a missing file is not reported as a source
    // without a mapping.
    let unreadable: Vec<String> = args
        .files
        .iter()
        .filter_map(|file| check_input_file(file).err())
        .collect();
    match unreadable.len() {
        0 => {}
        1 => anyhow::bail!("{}; nothing was stored", unreadable[0]),
        count => anyhow::bail!(
            "{count} input files cannot be read, so nothing was stored: {}",
            unreadable.join("; ")
        ),
    }
    // Every mapping is loaded next, so a wrong source name stops the run
    // before it stores anything.
    let mut inputs = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let source = match &args.source {
            Some(source) => source.clone(),
            None => source_of(file)?,
        };
        inputs.push((SourceMapping::load(&settings.sources_dir, &source)?, file));
    }
    let store = settings.open_store().await?;
    let options = IngestOptions {
        batch_size: args
            .batch_size
            .map_or(settings.batch_size, |size| size as usize),
        progress: true,
    };
    if args.bulk {
        store.begin_bulk_load().await?;
    }
    let mut quarantined = 0;
    let mut inserted = 0;
    let mut failure = None;
    for (mapping, file) in &inputs {
        match ingest_file(store.as_ref(), mapping, file, &options).await {
            Ok(report) => {
                print_ingest(file, &report);
                quarantined += report.quarantined;
                inserted += report.inserted;
            }
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    // Build the indexes even after a failed file: the committed batches stay.
    let bulk_ended = match args.bulk {
        true => store.end_bulk_load().await,
        false => Ok(()),
    };
    if let Some(err) = failure {
        return Err(after_failed_ingest(store.as_ref(), err.into(), bulk_ended, &args).await);
    }
    bulk_ended?;
    if args.no_resolve {
        if inserted > 0 {
            outln!("records are stored but not resolved; run `ciss resolve` before serving");
        }
    } else {
        let report = resolve_store(store.as_ref(), &default_resolver())
            .await
            .context("resolution failed; run `ciss resolve` to resolve the stored records")?;
        print_resolve(&report);
    }
    Ok(if quarantined > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Finishes an ingest that stopped on `failure` and returns the error to
/// report: the failure first, then anything that went wrong after it.
/// Records stored before the failure are resolved too (unless
/// `--no-resolve`), so no query is served from records that resolution never
/// saw. When nothing was stored, nothing is resolved.
async fn after_failed_ingest(
    store: &dyn GraphStore,
    failure: anyhow::Error,
    bulk_ended: Result<(), StoreError>,
    args: &IngestArgs,
) -> anyhow::Error {
    let mut later = Vec::new();
    if let Err(err) = bulk_ended {
        later.push(format!("building the indexes failed too: {err}"));
    }
    match store.count_unresolved_mentions().await {
        Ok(0) => {}
        Ok(_) if args.no_resolve => {
            outln!("records are stored but not resolved; run `ciss resolve` before serving");
        }
        Ok(_) => match resolve_store(store, &default_resolver()).await {
            Ok(report) => print_resolve(&report),
            Err(err) => later.push(format!(
                "resolving the records stored before it failed too: {err}; \
                 run `ciss resolve` once the store can be written"
            )),
        },
        Err(err) => later.push(format!("cannot count unresolved records: {err}")),
    }
    if later.is_empty() {
        return failure;
    }
    anyhow::anyhow!("{failure:#}; {}", later.join("; "))
}

/// Checks that an input file exists, can be opened, and is a regular file or
/// a pipe (as from `<(zcat feed.csv.gz)`), and returns why not.
fn check_input_file(file: &Path) -> Result<(), String> {
    let cannot_read = |reason: String| format!("cannot read {}: {reason}", file.display());
    let metadata = std::fs::metadata(file).map_err(|err| cannot_read(io_reason(&err)))?;
    let kind = metadata.file_type();
    #[cfg(unix)]
    let is_pipe = std::os::unix::fs::FileTypeExt::is_fifo(&kind);
    #[cfg(not(unix))]
    let is_pipe = false;
    if kind.is_dir() {
        return Err(cannot_read("is a directory, expected a file".to_string()));
    }
    if !kind.is_file() && !is_pipe {
        return Err(cannot_read("is not a regular file".to_string()));
    }
    std::fs::File::open(file).map_err(|err| cannot_read(io_reason(&err)))?;
    Ok(())
}

/// Returns the source a file belongs to when `--source` is not given: its
/// name without the extension.
fn source_of(file: &std::path::Path) -> anyhow::Result<String> {
    file.file_stem()
        .and_then(|stem| stem.to_str())
        .map(str::to_string)
        .with_context(|| {
            format!(
                "cannot tell the source of {}; name it with --source",
                file.display()
            )
        })
}

async fn run_quarantine(
    settings: &Settings,
    command: QuarantineCommand,
) -> anyhow::Result<ExitCode> {
    let store = settings.open_store_with(OpenMode::Existing).await?;
    match command {
        QuarantineCommand::List { source, all } => {
            let entries = store.quarantine(source.as_deref(), all).await?;
            if let (Some(name), true) = (&source, entries.is_empty()) {
                // Rejects a mistyped source instead of listing nothing. A
                // source whose mapping was removed still lists its entries.
                SourceMapping::load(&settings.sources_dir, name)?;
            }
            for entry in &entries {
                outln!(
                    "{:>6}  {:<22}  {}  {}",
                    entry.id.unwrap_or(0),
                    entry.status.to_string(),
                    entry
                        .file
                        .as_deref()
                        .map(printable)
                        .unwrap_or_else(|| "-".to_string()),
                    describe_entry(entry)
                );
            }
            let open = entries
                .iter()
                .filter(|entry| entry.status == QuarantineStatus::Open)
                .count();
            if all {
                let noun = if entries.len() == 1 {
                    "entry"
                } else {
                    "entries"
                };
                outln!("{} quarantine {noun}, {open} open", entries.len());
            } else {
                outln!("{open} quarantined");
            }
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Replay { source } => replay(settings, store.as_ref(), source).await,
    }
}

async fn replay(
    settings: &Settings,
    store: &dyn GraphStore,
    source: Option<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(name) = &source {
        SourceMapping::load(&settings.sources_dir, name)?;
    }
    let mut sources: Vec<String> = store
        .quarantine(source.as_deref(), false)
        .await?
        .into_iter()
        .map(|e| e.source)
        .collect();
    sources.sort();
    sources.dedup();
    let options = IngestOptions {
        batch_size: settings.batch_size,
        progress: false,
    };
    let mut remaining = 0;
    for name in &sources {
        let mapping = SourceMapping::load(&settings.sources_dir, name)?;
        let report = replay_quarantine(store, &mapping, &options).await?;
        print_ingest(Path::new("quarantine"), &report);
        remaining += report.quarantined;
    }
    if !sources.is_empty() {
        print_resolve(&resolve_store(store, &default_resolver()).await?);
    }
    Ok(if remaining > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_ingest(file: &Path, report: &IngestReport) {
    outln!(
        "{} {}: received {}, accepted {} (new {}, of which {} supersede an older version; \
         duplicate {}; older than stored {}), quarantined {}",
        report.source,
        file.display(),
        report.received,
        report.accepted(),
        report.inserted,
        report.superseded,
        report.duplicates,
        report.stale,
        report.quarantined
    );
    if report.received == 0 {
        outln!("  the input holds no records");
    }
    for entry in &report.sample_errors {
        outln!("  quarantined: {}", describe_entry(entry));
    }
    if report.omitted_errors() > 0 {
        outln!(
            "  ... {} more; see `ciss quarantine list`",
            report.omitted_errors()
        );
    }
}

/// Describes a quarantine entry as `source line N record ID: reason`.
fn describe_entry(entry: &crate::graph::QuarantineEntry) -> String {
    let line = entry.line.map_or("-".to_string(), |n| n.to_string());
    let record = entry
        .record_id
        .as_deref()
        .map(printable)
        .unwrap_or_else(|| "-".to_string());
    format!(
        "{} line {line} record {record}: {}",
        entry.source,
        printable(&entry.reason)
    )
}

/// Escapes control characters, so text from a feed cannot drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn print_resolve(report: &ResolveReport) {
    outln!(
        "resolved {} mentions into {} entities in {} ms ({} review decisions honoured, {} possible matches queued)",
        report.mentions,
        report.entities,
        report.duration_ms,
        report.decisions,
        report.queued
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read {path}: {source}")]
    struct ReadError {
        path: &'static str,
        source: std::io::Error,
    }

    fn read_error() -> anyhow::Error {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        ReadError {
            path: "nosuch.csv",
            source,
        }
        .into()
    }

    #[test]
    fn review_list_limit_range() {
        let parse = |limit: &str| Cli::try_parse_from(["ciss", "review", "list", "--limit", limit]);
        for limit in ["1", "50", "100000"] {
            assert!(parse(limit).is_ok(), "{limit}");
        }
        for limit in ["0", "-5"] {
            let err = Cli::try_parse_from(["ciss", "review", "list", &format!("--limit={limit}")])
                .expect_err(limit);
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{limit}"
            );
            assert!(err.to_string().contains("--limit"), "{limit}: {err}");
        }
    }

    #[test]
    fn error_message_prints_each_cause_once() {
        let cases = [
            (read_error(), "cannot read nosuch.csv: no such file"),
            (
                read_error().context("ingest failed"),
                "ingest failed: cannot read nosuch.csv: no such file",
            ),
            (anyhow::anyhow!("plain"), "plain"),
            (
                anyhow::Error::new(std::io::Error::from_raw_os_error(libc::ENOENT))
                    .context("cannot read x.csv"),
                "cannot read x.csv: no such file or directory (os error 2)",
            ),
            (
                anyhow::Error::new(std::io::Error::other("FBI number missing"))
                    .context("cannot read y.csv"),
                "cannot read y.csv: FBI number missing",
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(error_message(&err), expected);
        }
    }
}
