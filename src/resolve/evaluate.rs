//! Evaluation of a resolver on labelled records, such as the FEBRL benchmark.
//!
//! Records are read through an ordinary source mapping. Unlike ingest, which
//! quarantines a record with a bad field, evaluation keeps every record: a
//! field that fails normalization is dropped and the record mapped again, and
//! a name or address missing a part the model requires is kept with the parts
//! it has. The resolver then sees every labelled record.
//!
//! The true entity of a record is the value of its truth column; a FEBRL id
//! such as `rec-12-dup-0` counts as entity `12`, so it and `rec-12-org` are one
//! person.
//!
//! Cluster scores count pairs: a pair of records is a true positive when the
//! resolver put them in one entity and the truth does too.

mod generated;
mod lines;
mod output;
mod prepared;
mod truth;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;

pub use generated::{generated_feed_names, load_generated, load_generated_prepared, unread_files};
pub use output::{check_output_dir, write_mentions, write_outputs};
pub use prepared::PreparedSet;

use super::prefetch::{AHEAD, prefetch};
use super::{ProbabilisticResolver, Resolution, ResolveConfig, ReviewLinks};
use crate::graph::{Mention, MentionId};
use crate::ingest::mapping::{FieldSpec, MappingError, PartyMapping, SourceMapping};
use crate::ingest::{InputFields, RawRecord, map_record, read_records};
use crate::model::{PersonFacts, Role};
use crate::normalize::{Address, PersonName, clean_token, quoted};

/// Errors of an evaluation run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// The mapping could not be loaded.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// An input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// Input file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Output file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A directory given as generated feeds has no `truth.csv`.
    #[error("{dir} has no truth.csv: give a directory written by `ciss generate`")]
    NotGenerated {
        /// The directory.
        dir: PathBuf,
    },
    /// A record has no value in the truth column.
    #[error("{path} line {line}: no value in truth column {column:?}")]
    MissingTruth {
        /// Input file.
        path: PathBuf,
        /// Line number.
        line: u64,
        /// Truth column.
        column: String,
    },
    /// A CSV file has no column of the truth column's name, so no record
    /// of it has a label.
    #[error(
        "{path} has no truth column {column:?} (its columns are {}): give the column that holds the true entity with --truth",
        column_list(columns)
    )]
    NoTruthColumn {
        /// Input file.
        path: PathBuf,
        /// Truth column.
        column: String,
        /// The columns of the file's header.
        columns: Vec<String>,
    },
    /// A record id appears twice in the input files, so pairs, clusters and
    /// `ciss explain`, which name records by id alone, could not tell the
    /// records apart.
    #[error(
        "{path} line {line}: duplicate record id {record_id:?} (first at {} line {first})",
        first_path.display()
    )]
    DuplicateId {
        /// Input file.
        path: PathBuf,
        /// Line number of the second record.
        line: u64,
        /// Input file of the first record with that id.
        first_path: PathBuf,
        /// Line number of the first record with that id.
        first: u64,
        /// The record id.
        record_id: String,
    },
    /// A record could not be parsed at all.
    #[error("{path} line {line}: {reason}")]
    Unreadable {
        /// Input file.
        path: PathBuf,
        /// Line number.
        line: u64,
        /// Parser message.
        reason: String,
    },
    /// The task name is not one of the known tasks.
    #[error("unknown task {0:?} (expected febrl1, febrl2, febrl3 or febrl4)")]
    UnknownTask(String),
}

/// Labelled mentions: one per input record, with its true entity.
#[derive(Debug, Clone, Default)]
pub struct LabelledSet {
    /// The mentions, with ids 1, 2, … in input order.
    pub mentions: Vec<Mention>,
    /// True entity of each mention.
    pub truth: Vec<String>,
    /// Records that needed a field dropped or a partial name or address kept.
    pub repaired: usize,
    /// Counts of what loading generated feeds left out.
    pub left_out: LeftOut,
}

/// Counts of the records, parties and truth rows that loading generated
/// feeds left out, kept so that nothing is dropped unseen. Labelled files
/// keep every record, so their counts are zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LeftOut {
    /// Records whose id or parties could not be read or mapped, which
    /// ingest would quarantine.
    pub unreadable_records: usize,
    /// Mapped records with parties, none of which a truth row names, so
    /// that the whole record is left out. Their parties are counted in
    /// `unlabelled_parties` too.
    pub unlabelled_records: usize,
    /// Parties of mapped records that no truth row names.
    pub unlabelled_parties: usize,
    /// Truth rows that name no party of a mapped record.
    pub unmatched_truth_rows: usize,
}

impl LeftOut {
    /// Returns whether anything was left out.
    pub fn any(&self) -> bool {
        *self != LeftOut::default()
    }
}

/// A benchmark task: its input files and resolver settings.
#[derive(Debug, Clone)]
pub struct Task {
    /// Task name.
    pub name: String,
    /// Input files; each file is its own source.
    pub files: Vec<PathBuf>,
    /// Resolver settings: deduplication, or linkage across files.
    pub config: ResolveConfig,
}

/// Returns a FEBRL task by name, with its files under `dir`.
pub fn febrl_task(name: &str, dir: &Path) -> Result<Task, EvaluateError> {
    let (files, mut config) = match name {
        "febrl1" | "febrl2" | "febrl3" => (
            vec![dir.join(format!("{name}.csv"))],
            ResolveConfig::default(),
        ),
        "febrl4" => (
            vec![dir.join("febrl4a.csv"), dir.join("febrl4b.csv")],
            ResolveConfig::linkage(),
        ),
        _ => return Err(EvaluateError::UnknownTask(name.to_string())),
    };
    // FEBRL's generator corrupts each field of a duplicate on its own: it
    // replaces the given name, the identifier or the whole date of birth
    // while keeping the rest. Its people have no relatives, so the two
    // conflict rules aimed at family members (twins differ in given name,
    // parent and child in DOB) only ever fire on such corruptions there, and
    // its tasks turn them off. It also corrupts the identifier (mapped as
    // the licence) by more than one typo, so the licence rule is off too.
    // Generated feeds and the service keep all three.
    config.conflicts.distinct_given_names = false;
    config.conflicts.dob_years_apart = None;
    config.conflicts.distinct_licences = false;
    Ok(Task {
        name: name.to_string(),
        files,
        config,
    })
}

/// Returns the entity a truth value names: `N` for a FEBRL id `rec-N-…`, else the value.
pub fn truth_entity(value: &str) -> &str {
    let mut parts = value.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("rec"), Some(number), Some(_)) if number.bytes().all(|b| b.is_ascii_digit()) => {
            number
        }
        _ => value,
    }
}

/// Reads labelled records from `files` through `mapping`; the true entity is in `truth_column`.
pub fn load_labelled(
    files: &[PathBuf],
    mapping: &SourceMapping,
    truth_column: &str,
) -> Result<LabelledSet, EvaluateError> {
    load_files(files, mapping, Some(truth_column))
}

/// Reads records from `files` through `mapping` as [`load_labelled`] does,
/// but without truth labels, for a command such as `ciss explain` that
/// needs none.
pub fn load_mentions(
    files: &[PathBuf],
    mapping: &SourceMapping,
) -> Result<Vec<Mention>, EvaluateError> {
    Ok(load_files(files, mapping, None)?.mentions)
}

/// Reads records from `files` through `mapping`, with the true entity of
/// each from `truth_column` when one is given. Without one, the set's
/// `truth` is left empty.
fn load_files(
    files: &[PathBuf],
    mapping: &SourceMapping,
    truth_column: Option<&str>,
) -> Result<LabelledSet, EvaluateError> {
    let mut set = LabelledSet::default();
    let mut seen = FxHashMap::default();
    for path in files {
        let source = path.file_stem().map_or_else(
            || mapping.name.clone(),
            |s| s.to_string_lossy().into_owned(),
        );
        let file = std::fs::File::open(path).map_err(|source| EvaluateError::Read {
            path: path.clone(),
            source,
        })?;
        let mut raws = Vec::new();
        let columns = mapping.paths();
        read_records(mapping.format, file, &columns, &mut |raw| raws.push(raw)).map_err(
            |source| EvaluateError::Read {
                path: path.clone(),
                source,
            },
        )?;
        if let Some(column) = truth_column {
            check_truth_column(path, &raws, column)?;
        }
        // One shared path for every record id of the file, not a copy each.
        let shared_path: Rc<Path> = Rc::from(path.as_path());
        for raw in raws {
            add_record(
                &mut set,
                &mut seen,
                mapping,
                &source,
                &shared_path,
                raw,
                truth_column,
            )?;
        }
    }
    Ok(set)
}

/// Returns an error when `raws` are rows of a CSV file whose header has no
/// column `column`, so that the error names the file once and blames no
/// row. A JSON Lines record without the key still fails on its own line.
fn check_truth_column(path: &Path, raws: &[RawRecord], column: &str) -> Result<(), EvaluateError> {
    let header = raws.iter().find_map(|raw| match &raw.parsed {
        Ok(InputFields::Csv { header, .. }) => Some(header),
        _ => None,
    });
    let Some(header) = header else {
        return Ok(());
    };
    if header.names().iter().any(|name| name == column) {
        return Ok(());
    }
    Err(EvaluateError::NoTruthColumn {
        path: path.to_path_buf(),
        column: column.to_string(),
        columns: header.names().to_vec(),
    })
}

/// Columns that [`EvaluateError::NoTruthColumn`] lists before it counts
/// the rest.
const LISTED_COLUMNS: usize = 12;

/// Returns the first [`LISTED_COLUMNS`] of `columns`, each quoted, and the
/// number of the others.
fn column_list(columns: &[String]) -> String {
    let mut list: Vec<String> = columns
        .iter()
        .take(LISTED_COLUMNS)
        .map(|name| quoted(name))
        .collect();
    if columns.len() > LISTED_COLUMNS {
        list.push(format!("and {} more", columns.len() - LISTED_COLUMNS));
    }
    list.join(", ")
}

/// File and line of each record id read so far.
type SeenIds = FxHashMap<String, (Rc<Path>, u64)>;

/// Maps `raw` and adds it to `set` with the true entity in `truth_column`,
/// or with no truth label when there is no truth column.
fn add_record(
    set: &mut LabelledSet,
    seen: &mut SeenIds,
    mapping: &SourceMapping,
    source: &str,
    path: &Rc<Path>,
    raw: RawRecord,
    truth_column: Option<&str>,
) -> Result<(), EvaluateError> {
    let value =
        raw.parsed
            .map(InputFields::into_json)
            .map_err(|reason| EvaluateError::Unreadable {
                path: path.to_path_buf(),
                line: raw.line,
                reason,
            })?;
    let truth = match truth_column {
        Some(column) => {
            let truth = text_at(&value, column).ok_or_else(|| EvaluateError::MissingTruth {
                path: path.to_path_buf(),
                line: raw.line,
                column: column.to_string(),
            })?;
            Some(truth)
        }
        None => None,
    };
    let (person, record_id, repaired) = map_lenient(mapping, &value);
    set.repaired += usize::from(repaired);
    let id = set.mentions.len() as i64 + 1;
    let record_id = record_id.unwrap_or_else(|| id.to_string());
    if let Some((first_path, first)) = seen.get(&record_id) {
        return Err(EvaluateError::DuplicateId {
            path: path.to_path_buf(),
            line: raw.line,
            first_path: first_path.to_path_buf(),
            first: *first,
            record_id,
        });
    }
    seen.insert(record_id.clone(), (Rc::clone(path), raw.line));
    set.mentions.push(Mention {
        id,
        source: source.to_string(),
        record_id,
        // Each labelled row is a record of one person.
        record: id,
        role: Role::Subject,
        person,
    });
    if let Some(truth) = truth {
        set.truth.push(truth_entity(&truth).to_string());
    }
    Ok(())
}

/// Maps a record, dropping fields that fail until it maps, then fills in a
/// partial name or address. Returns the first party, the record id and
/// whether anything was repaired.
fn map_lenient(mapping: &SourceMapping, original: &Value) -> (PersonFacts, Option<String>, bool) {
    let mut value = original.clone();
    let mut repaired = false;
    let mut mapped = None;
    for _ in 0..4 {
        match map_record(mapping, &InputFields::Json(value.clone())) {
            Ok(record) => {
                mapped = Some(record);
                break;
            }
            Err(failure) => {
                repaired = true;
                let names = name_paths(mapping);
                let addresses = address_paths(mapping);
                for error in failure.errors {
                    // A name or address error cannot be fixed field by field (an
                    // empty given name fails at the surname, an empty city at the
                    // city); drop the whole name or address and rebuild it below.
                    let fields = if names.contains(&error.field) {
                        names.clone()
                    } else if addresses.contains(&error.field) {
                        addresses.clone()
                    } else {
                        vec![error.field]
                    };
                    blank(&mut value, fields);
                }
            }
        }
    }
    let record_id = mapped.as_ref().map(|r| r.key.record_id.clone());
    let mut person = mapped
        .and_then(|r| r.parties.into_iter().next())
        .map(|p| p.person)
        .unwrap_or_default();
    if let Some(party) = mapping.parties.first() {
        if person.name.is_none() {
            person.name = partial_name(party, original);
            repaired |= person.name.is_some();
        }
        if person.address.is_none() {
            person.address = partial_address(party, original);
            repaired |= person.address.is_some();
        }
    }
    (person, record_id, repaired)
}

fn name_paths(mapping: &SourceMapping) -> Vec<String> {
    let Some(party) = mapping.parties.first() else {
        return Vec::new();
    };
    [
        &party.name,
        &party.given,
        &party.middle,
        &party.surname,
        &party.suffix,
    ]
    .into_iter()
    .flatten()
    .filter_map(|spec| spec.rule().path.clone())
    .collect()
}

fn address_paths(mapping: &SourceMapping) -> Vec<String> {
    let Some(party) = mapping.parties.first() else {
        return Vec::new();
    };
    [
        &party.address,
        &party.street,
        &party.unit,
        &party.city,
        &party.state,
        &party.zip,
    ]
    .into_iter()
    .flatten()
    .filter_map(|spec| spec.rule().path.clone())
    .collect()
}

fn blank(value: &mut Value, fields: Vec<String>) {
    if let Some(object) = value.as_object_mut() {
        for field in fields {
            object.insert(field, Value::String(String::new()));
        }
    }
}

fn field_text(spec: Option<&FieldSpec>, value: &Value) -> String {
    let Some(rule) = spec.map(FieldSpec::rule) else {
        return String::new();
    };
    match (&rule.value, &rule.path) {
        (Some(constant), _) => constant.clone(),
        (None, Some(path)) => text_at(value, path).unwrap_or_default(),
        (None, None) => String::new(),
    }
}

/// A name with whichever of given name and surname is present.
fn partial_name(party: &PartyMapping, value: &Value) -> Option<PersonName> {
    let given = clean_token(&field_text(party.given.as_ref(), value));
    let surname = clean_token(&field_text(party.surname.as_ref(), value));
    if given.is_empty() && surname.is_empty() {
        return None;
    }
    Some(PersonName {
        given,
        middle: None,
        surname,
        suffix: None,
    })
}

/// An address with whichever of street, city and ZIP is present, normalized
/// as ingest would; a placeholder stands in for a missing street or city while
/// normalizing and is removed afterwards.
fn partial_address(party: &PartyMapping, value: &Value) -> Option<Address> {
    let street = field_text(party.street.as_ref(), value);
    let city = field_text(party.city.as_ref(), value);
    let zip = field_text(party.zip.as_ref(), value);
    if street.is_empty() && city.is_empty() && zip.is_empty() {
        return None;
    }
    let unit = field_text(party.unit.as_ref(), value);
    let mut state = field_text(party.state.as_ref(), value);
    if state.is_empty() {
        state = "CT".to_string();
    }
    let placeholder = |text: &str| {
        if text.is_empty() {
            "0".to_string()
        } else {
            text.to_string()
        }
    };
    let unit = (!unit.is_empty()).then_some(unit.as_str());
    let build = |zip: Option<&str>| {
        Address::from_parts(
            &placeholder(&street),
            unit,
            &placeholder(&city),
            &state,
            zip,
        )
    };
    let mut address = build((!zip.is_empty()).then_some(zip.as_str()))
        .or_else(|_| build(None))
        .ok()?;
    if street.is_empty() {
        address.street.clear();
    }
    if city.is_empty() {
        address.city.clear();
    }
    Some(address)
}

fn text_at(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Precision, recall and F1 over pairs of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    /// Pairs predicted and true.
    pub true_positives: u64,
    /// Pairs predicted.
    pub predicted: u64,
    /// True pairs.
    pub actual: u64,
    /// `true_positives / predicted`.
    pub precision: f64,
    /// `true_positives / actual`.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Scores {
    fn new(true_positives: u64, predicted: u64, actual: u64) -> Scores {
        let ratio = |x: u64, y: u64| if y == 0 { 1.0 } else { x as f64 / y as f64 };
        let precision = ratio(true_positives, predicted);
        let recall = ratio(true_positives, actual);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Scores {
            true_positives,
            predicted,
            actual,
            precision,
            recall,
            f1,
        }
    }
}

/// Scores of one evaluation run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvaluationReport {
    /// Mentions resolved.
    pub mentions: usize,
    /// Records kept with a field dropped or a partial name or address.
    pub repaired: usize,
    /// Counts of what loading generated feeds left out.
    pub left_out: LeftOut,
    /// Candidate pairs of distinct records scored.
    pub candidate_pairs: usize,
    /// Share of true pairs among the record pairs scored: the pairs behind
    /// each candidate pair, and exact duplicates.
    pub blocking_recall: f64,
    /// Scored pairs at or above the match threshold against true pairs.
    pub pairwise: Scores,
    /// Pairs of records sharing a resolved entity against true pairs.
    pub clusters: Scores,
    /// Entities formed.
    pub entities: usize,
    /// True entities.
    pub true_entities: usize,
    /// Links refused for hard conflicts.
    pub refused_links: usize,
    /// Wall time of resolution, in milliseconds.
    pub resolve_ms: f64,
}

/// Resolves a labelled set and scores the result.
pub fn evaluate(
    set: &LabelledSet,
    resolver: &ProbabilisticResolver,
) -> (Resolution, EvaluationReport) {
    evaluate_prepared(&mut PreparedSet::from_labelled(set, resolver), resolver)
}

/// Resolves a prepared set and scores the result. The set must have been
/// grouped as `resolver` groups mentions ([`PreparedSet::from_labelled`] or
/// [`load_generated_prepared`] with `resolver.collapses_copies()`).
pub fn evaluate_prepared(
    set: &mut PreparedSet,
    resolver: &ProbabilisticResolver,
) -> (Resolution, EvaluationReport) {
    let (resolution, resolve_ms) = resolve_prepared(set, resolver);
    let report = score_resolution(set, resolver, &resolution, resolve_ms);
    (resolution, report)
}

/// Resolves a prepared set, as [`evaluate_prepared`] does, and returns the
/// resolution with its wall time in milliseconds, loading included.
///
/// The set's prepared records are released once resolved, because scoring
/// and the output files need only its mentions. At one million generated
/// people they take about 290 MB.
pub fn resolve_prepared(
    set: &mut PreparedSet,
    resolver: &ProbabilisticResolver,
) -> (Resolution, f64) {
    let started = Instant::now();
    let ids: Vec<MentionId> = (1..=set.mentions() as MentionId).collect();
    let mut resolution = resolver.resolve_records(&ids, &set.distinct, &ReviewLinks::default());
    drop(ids);
    set.distinct.records = Vec::new();
    resolution.timings.prepare_ms = set.prepare_ms;
    let resolve_ms = set.prepare_ms + started.elapsed().as_secs_f64() * 1000.0;
    (resolution, resolve_ms)
}

/// Scores a resolution of `set` against its truth. It only reads the set
/// and the resolution, so it can run while the output files are written.
pub fn score_resolution(
    set: &PreparedSet,
    resolver: &ProbabilisticResolver,
    resolution: &Resolution,
    resolve_ms: f64,
) -> EvaluationReport {
    let truth = &set.truth;
    let across_only = resolver.config().across_sources_only;
    let actual = true_pair_count(truth, &set.sources, across_only);
    let entities: Vec<i64> = resolution
        .clustering
        .assignment
        .iter()
        .map(|(_, e)| *e)
        .collect();
    let (clusters, entity_count) = numbered_cluster_scores(&entities, truth);
    drop(entities);
    let match_p = resolver.config().match_probability;
    let members = Members::new(&resolution.record_of, resolution.copy_probability.len());
    let counts = members.count_pairs(resolution, truth, |same, probability| {
        let predicted = probability >= match_p;
        PairCounts {
            found: u64::from(same),
            predicted: u64::from(predicted),
            predicted_true: u64::from(predicted && same),
        }
    });
    let PairCounts {
        found,
        predicted,
        predicted_true,
    } = counts;
    EvaluationReport {
        mentions: set.mentions(),
        repaired: set.repaired,
        left_out: set.left_out,
        candidate_pairs: resolution.pairs.len(),
        blocking_recall: if actual == 0 {
            1.0
        } else {
            found as f64 / actual as f64
        },
        pairwise: Scores::new(predicted_true, predicted, actual),
        clusters,
        entities: entity_count,
        true_entities: set.true_entities(),
        refused_links: resolution.clusters.refused,
        resolve_ms,
    }
}

fn pairs_in(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// True pairs, leaving out pairs within one source when only cross-source
/// pairs are formed; `truth` and `sources` are numbered per mention.
///
/// Counts come from one sorted vector of 8 bytes a mention, where hash maps
/// of the groups took several hundred megabytes at one million people.
fn true_pair_count(truth: &[u32], sources: &[u32], across_sources_only: bool) -> u64 {
    let mut keys: Vec<u64> = truth
        .iter()
        .zip(sources)
        .map(|(truth, source)| (u64::from(*truth) << 32) | u64::from(*source))
        .collect();
    keys.par_sort_unstable();
    let all: u64 = keys
        .chunk_by(|x, y| x >> 32 == y >> 32)
        .map(|group| pairs_in(group.len() as u64))
        .sum();
    if across_sources_only {
        let within: u64 = keys
            .chunk_by(|x, y| x == y)
            .map(|group| pairs_in(group.len() as u64))
            .sum();
        all - within
    } else {
        all
    }
}

/// Returns what [`cluster_scores`] returns for numbered true entities, and
/// the number of predicted entities, from one sorted vector of
/// (entity, true entity) where hash maps of the cells took several hundred
/// megabytes at one million people.
fn numbered_cluster_scores(predicted: &[i64], truth: &[u32]) -> (Scores, usize) {
    let mut cells: Vec<(i64, u32)> = predicted
        .iter()
        .copied()
        .zip(truth.iter().copied())
        .collect();
    cells.par_sort_unstable();
    let together: u64 = cells
        .chunk_by(|x, y| x == y)
        .map(|cell| pairs_in(cell.len() as u64))
        .sum();
    let mut entities = 0;
    let mut predicted_pairs = 0;
    for entity in cells.chunk_by(|x, y| x.0 == y.0) {
        entities += 1;
        predicted_pairs += pairs_in(entity.len() as u64);
    }
    drop(cells);
    let mut sizes = vec![0u64; truth.iter().max().map_or(0, |m| *m as usize + 1)];
    for entity in truth {
        sizes[*entity as usize] += 1;
    }
    let actual = sizes.iter().map(|n| pairs_in(*n)).sum();
    (Scores::new(together, predicted_pairs, actual), entities)
}

/// Pair-counting precision, recall and F1 of a clustering against the truth.
pub fn cluster_scores<T: std::hash::Hash + Eq>(predicted: &[i64], truth: &[T]) -> Scores {
    let mut cells: FxHashMap<(i64, &T), u64> = FxHashMap::default();
    let mut by_predicted: FxHashMap<i64, u64> = FxHashMap::default();
    let mut by_truth: FxHashMap<&T, u64> = FxHashMap::default();
    for (p, t) in predicted.iter().zip(truth) {
        *cells.entry((*p, t)).or_default() += 1;
        *by_predicted.entry(*p).or_default() += 1;
        *by_truth.entry(t).or_default() += 1;
    }
    let sum = |counts: &mut dyn Iterator<Item = u64>| counts.map(pairs_in).sum::<u64>();
    Scores::new(
        sum(&mut cells.values().copied()),
        sum(&mut by_predicted.values().copied()),
        sum(&mut by_truth.values().copied()),
    )
}

/// The mentions behind each distinct record of a resolution, in mention order.
pub(super) struct Members {
    /// Start of each record's mentions in `mentions`; one entry more than records.
    starts: Vec<usize>,
    mentions: Vec<usize>,
}

impl Members {
    pub(super) fn new(record_of: &[u32], records: usize) -> Members {
        let mut starts = vec![0usize; records + 1];
        for record in record_of {
            starts[*record as usize + 1] += 1;
        }
        for at in 1..starts.len() {
            starts[at] += starts[at - 1];
        }
        let mut next = starts.clone();
        let mut mentions = vec![0usize; record_of.len()];
        for (mention, record) in record_of.iter().enumerate() {
            mentions[next[*record as usize]] = mention;
            next[*record as usize] += 1;
        }
        Members { starts, mentions }
    }

    /// Sums what `count` returns for every pair of mentions the resolution
    /// scored: the mentions behind each candidate pair, and the copies within
    /// each distinct record. `count` receives whether the two mentions
    /// have the same entity in `truth`, numbered per mention, and the
    /// pair's probability. Pairs are counted on all threads.
    fn count_pairs(
        &self,
        resolution: &Resolution,
        truth: &[u32],
        count: impl Fn(bool, f64) -> PairCounts + Sync,
    ) -> PairCounts {
        // The true entities in member order, so that a record's mentions
        // are read from one place rather than each from anywhere.
        let truth: Vec<u32> = self.mentions.par_iter().map(|m| truth[*m]).collect();
        let of =
            |record: u32| &truth[self.starts[record as usize]..self.starts[record as usize + 1]];
        let pairs = &resolution.pairs;
        let candidates = pairs
            .par_iter()
            .enumerate()
            .map(|(at, pair)| {
                if let Some(ahead) = pairs.get(at + AHEAD) {
                    prefetch(&self.starts[ahead.b as usize]);
                }
                let probability = pair.probability();
                let mut sum = PairCounts::default();
                for a in of(pair.a) {
                    for b in of(pair.b) {
                        sum.add(count(a == b, probability));
                    }
                }
                sum
            })
            .reduce(PairCounts::default, PairCounts::plus);
        let copies = resolution
            .copy_probability
            .par_iter()
            .enumerate()
            .map(|(record, probability)| {
                let copies = of(record as u32);
                let mut sum = PairCounts::default();
                for (at, a) in copies.iter().enumerate() {
                    for b in &copies[at + 1..] {
                        sum.add(count(a == b, *probability));
                    }
                }
                sum
            })
            .reduce(PairCounts::default, PairCounts::plus);
        candidates.plus(copies)
    }
}

/// Counts of scored pairs of mentions.
#[derive(Debug, Default, Clone, Copy)]
struct PairCounts {
    /// Pairs of one true entity.
    found: u64,
    /// Pairs at or above the match probability.
    predicted: u64,
    /// Pairs of one true entity at or above the match probability.
    predicted_true: u64,
}

impl PairCounts {
    fn add(&mut self, other: PairCounts) {
        self.found += other.found;
        self.predicted += other.predicted;
        self.predicted_true += other.predicted_true;
    }

    fn plus(mut self, other: PairCounts) -> PairCounts {
        self.add(other);
        self
    }
}

/// Returns the process's peak resident memory in KiB (VmHWM), where /proc provides it.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn febrl_ids_name_their_entity() {
        assert_eq!(truth_entity("rec-12-org"), "12");
        assert_eq!(truth_entity("rec-12-dup-0"), "12");
        assert_eq!(truth_entity("P-000123"), "P-000123");
        assert_eq!(truth_entity("rec-x-org"), "rec-x-org");
    }

    #[test]
    fn numbered_scores_equal_hashed_scores() {
        let predicted = [1, 1, 3, 3, 3, 6, 7, 7, 1];
        let truth = [0u32, 0, 0, 1, 1, 2, 2, 2, 4];
        let (scores, entities) = numbered_cluster_scores(&predicted, &truth);
        assert_eq!(scores, cluster_scores(&predicted, &truth));
        assert_eq!(entities, 4);
        assert_eq!(
            numbered_cluster_scores(&[], &[]),
            (cluster_scores::<u32>(&[], &[]), 0)
        );
    }

    #[test]
    fn true_pairs_leave_out_one_source_when_linking() {
        // Person 0 has three mentions, two in source 0; person 1 has two in source 1.
        let truth = [0, 0, 0, 1, 1];
        let sources = [0, 0, 1, 1, 1];
        assert_eq!(true_pair_count(&truth, &sources, false), 4);
        assert_eq!(true_pair_count(&truth, &sources, true), 2);
    }

    #[test]
    fn labelled_input_rejects_repeated_ids() {
        let mapping = small_mapping("jsonl");
        let line = |id: &str| format!(r#"{{{id}"g":"orla","s":"venmark","t":"p1"}}"#);
        // Files, each a list of record ids; the record count, or the error's end.
        type Files<'a> = &'a [&'a [&'a str]];
        let cases: [(Files, Result<usize, &str>); 5] = [
            (&[&[r#""id":"a1","#, r#""id":"a2","#]], Ok(2)),
            (&[&[r#""id":"a1","#], &[r#""id":"a2","#]], Ok(2)),
            (
                &[&[r#""id":"a1","#, r#""id":"a2","#, r#""id":"a1","#]],
                Err(r#"f0.jsonl line 3: duplicate record id "a1" (first at "#),
            ),
            // A record without an id is numbered by its position, which
            // must not silently coincide with a real id.
            (
                &[&[r#""id":"a1","#, "", r#""id":"2","#]],
                Err(r#"f0.jsonl line 3: duplicate record id "2" (first at "#),
            ),
            // Outputs name records by id alone, so an id may not repeat
            // in another file either.
            (
                &[&[r#""id":"a1","#], &[r#""id":"a2","#, r#""id":"a1","#]],
                Err(r#"f1.jsonl line 2: duplicate record id "a1" (first at "#),
            ),
        ];
        for (files, expected) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            let paths: Vec<PathBuf> = files
                .iter()
                .enumerate()
                .map(|(n, ids)| {
                    let path = dir.path().join(format!("f{n}.jsonl"));
                    let text: Vec<String> = ids.iter().map(|id| line(id)).collect();
                    std::fs::write(&path, text.join("\n")).expect("write");
                    path
                })
                .collect();
            let got = load_labelled(&paths, &mapping, "t")
                .map(|set| set.mentions.len())
                .map_err(|e| e.to_string());
            match expected {
                Ok(count) => assert_eq!(got.ok(), Some(count), "{files:?}"),
                Err(start) => {
                    let message = got.expect_err("duplicate accepted");
                    let first = dir.path().join("f0.jsonl");
                    let first = format!("{} line ", first.display());
                    assert!(message.contains(start), "{files:?}: {message}");
                    assert!(message.contains(&first), "{files:?}: {message}");
                }
            }
        }
    }

    /// Returns a mapping of `format` that reads the record id from `id`,
    /// the given name from `g` and the surname from `s`.
    fn small_mapping(format: &str) -> SourceMapping {
        let toml = format!(
            r#"
name = "lab"
agency = "Test"
format = "{format}"
date_format = "%Y-%m-%d"
[record]
id = "id"
kind = {{ value = "driver_licence" }}
[[parties]]
role = {{ value = "subject" }}
given = "g"
surname = "s"
"#
        );
        SourceMapping::from_toml(&toml, Path::new("lab.toml")).expect("mapping")
    }

    #[test]
    fn truth_column_errors_name_file_and_line() {
        let wide_header: Vec<String> = (1..=14).map(|n| format!("c{n}")).collect();
        let wide = format!(
            "id,g,s,{}\na1,orla,venmark,{}\n",
            wide_header.join(","),
            ",".repeat(13)
        );
        // (format, file text, truth column, record count or the error after the path)
        let cases: [(&str, String, &str, Result<usize, String>); 6] = [
            ("csv", "id,g,s,t\na1,orla,venmark,p1\n".to_string(), "t", Ok(1)),
            (
                "csv",
                "id,g,s,t\na1,orla,venmark,p1\n".to_string(),
                "nosuch",
                Err(r#" has no truth column "nosuch" (its columns are "id", "g", "s", "t"): give the column that holds the true entity with --truth"#.to_string()),
            ),
            (
                "csv",
                wide,
                "t",
                Err(r#" has no truth column "t" (its columns are "id", "g", "s", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", and 5 more): give the column that holds the true entity with --truth"#.to_string()),
            ),
            (
                "csv",
                "id,g,s,t\na1,orla,venmark,p1\na2,orla,venmark,\n".to_string(),
                "t",
                Err(r#" line 3: no value in truth column "t""#.to_string()),
            ),
            (
                "jsonl",
                "{\"id\":\"a1\",\"g\":\"orla\",\"s\":\"venmark\",\"t\":\"p1\"}\n".to_string(),
                "t",
                Ok(1),
            ),
            (
                "jsonl",
                "{\"id\":\"a1\",\"g\":\"orla\",\"s\":\"venmark\",\"t\":\"p1\"}\n{\"id\":\"a2\",\"g\":\"orla\",\"s\":\"venmark\"}\n".to_string(),
                "t",
                Err(r#" line 2: no value in truth column "t""#.to_string()),
            ),
        ];
        for (format, text, column, expected) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(format!("input.{format}"));
            std::fs::write(&path, &text).expect("write");
            let got = load_labelled(std::slice::from_ref(&path), &small_mapping(format), column)
                .map(|set| set.mentions.len())
                .map_err(|e| e.to_string());
            let expected = expected.map_err(|end| format!("{}{end}", path.display()));
            assert_eq!(got, expected, "{format} {text:?} {column:?}");
        }
    }

    #[test]
    fn mentions_load_without_truth_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("input.csv");
        std::fs::write(&path, "id,g,s\na1,orla,venmark\na2,brin,tasker\n").expect("write");
        let mentions = load_mentions(std::slice::from_ref(&path), &small_mapping("csv"))
            .expect("loads without labels");
        let ids: Vec<&str> = mentions.iter().map(|m| m.record_id.as_str()).collect();
        assert_eq!(ids, ["a1", "a2"]);
        let error = load_labelled(&[path], &small_mapping("csv"), "rec_id")
            .expect_err("labels are required")
            .to_string();
        assert!(error.contains(r#"has no truth column "rec_id""#), "{error}");
    }

    #[test]
    fn cluster_scores_count_pairs() {
        let truth: Vec<String> = ["a", "a", "a", "b"].iter().map(|s| s.to_string()).collect();
        // Predicted {0,1} {2,3}: one true pair of three found, one false pair.
        let scores = cluster_scores(&[1, 1, 3, 3], &truth);
        assert_eq!(
            (scores.true_positives, scores.predicted, scores.actual),
            (1, 2, 3)
        );
        assert!((scores.precision - 0.5).abs() < 1e-12);
    }
}
