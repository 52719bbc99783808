//! Loading of feeds written by `ciss generate`, with the true person of every
//! party from the feeds' `truth.csv`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::prepared::{PreparedSet, PreparedSetBuilder};
use super::truth::{TakenRows, Truth, TruthHit, read_truth};
use super::{EvaluateError, LabelledSet, LeftOut};
use crate::graph::Mention;
use crate::ingest::mapping::SourceMapping;
use crate::ingest::{PendingRecord, map_parties, split_records};
use crate::model::{Party, RecordKey};
use crate::resolve::ProbabilisticResolver;

/// Reads feeds written by `ciss generate` in `dir`, each through its mapping
/// in `sources_dir`, with the true person of every party from `truth.csv`.
/// Only a record's id, version and parties are mapped, because only people
/// are resolved. A record whose id or parties fail their mapping is left out,
/// as ingest would quarantine it, and counted in the set's [`LeftOut`], as
/// are parties and truth rows that do not meet. Errors in its other fields
/// (vehicles, record dates) are not checked.
///
/// Splitting each feed into records, mapping them and grouping the mapped
/// parties run at once (see [`load_feed`]).
pub fn load_generated(dir: &Path, sources_dir: &Path) -> Result<LabelledSet, EvaluateError> {
    let truth = read_generated_truth(dir)?;
    let mut labeller = Labeller::new(&truth);
    let mut set = LabelledSet::default();
    let unreadable_records = load_feeds(dir, sources_dir, &truth, &mut |records| {
        for record in records {
            let (key, parties) = labeller.label(record);
            // The parties of one record version share its number: that of
            // its first mention.
            let version = set.mentions.len() as i64 + 1;
            for party in parties {
                let id = set.mentions.len() as i64 + 1;
                set.mentions.push(Mention {
                    id,
                    source: key.source.clone(),
                    record_id: mention_id(&key, party.index),
                    record: version,
                    role: party.party.role,
                    person: party.party.person,
                });
                set.truth.push(truth.person_id(party.person).to_string());
            }
        }
    })?;
    set.left_out = labeller.left_out(unreadable_records);
    Ok(set)
}

/// Reads feeds as [`load_generated`] does, but keeps only the distinct
/// prepared records and each mention's record id, source and true person, so
/// the full facts of every mention are never in memory at once. Records
/// are grouped and prepared as `resolver`, which will score the set, does.
pub fn load_generated_prepared(
    dir: &Path,
    sources_dir: &Path,
    resolver: &ProbabilisticResolver,
) -> Result<PreparedSet, EvaluateError> {
    let truth = read_generated_truth(dir)?;
    let mut labeller = Labeller::new(&truth);
    let mut builder = PreparedSetBuilder::new(resolver);
    // Each mention has a truth row, so the rows bound the mentions and
    // their ids.
    builder.reserve(truth.rows(), truth.mention_id_bytes());
    let unreadable_records = load_feeds(dir, sources_dir, &truth, &mut |records| {
        let Some(source) = records.first().map(|r| r.key.source.clone()) else {
            return;
        };
        let mut persons = Vec::with_capacity(records.len());
        let mut mention_id = String::new();
        for record in records {
            let (key, parties) = labeller.label(record);
            builder.start_version(parties.len());
            for party in parties {
                mention_id.clear();
                write_mention_id(&key, party.index, &mut mention_id);
                builder.push_mention(&mention_id, party.person);
                persons.push(party.party.person);
            }
        }
        builder.add_persons(&source, &persons);
    })?;
    let left_out = labeller.left_out(unreadable_records);
    drop(truth);
    Ok(builder.finish(left_out))
}

/// Reads the `truth.csv` of generated feeds in `dir`. A directory without
/// one is most likely not generator output, and the error states that.
fn read_generated_truth(dir: &Path) -> Result<Truth, EvaluateError> {
    let path = dir.join("truth.csv");
    if dir.is_dir() && !path.exists() {
        return Err(EvaluateError::NotGenerated {
            dir: dir.to_path_buf(),
        });
    }
    read_truth(&path)
}

/// Loads every source's feed in `dir` in turn, passing each chunk of mapped
/// records, with the truth rows of each, to `sink` in input order. Returns
/// the number of records left out as unreadable.
fn load_feeds(
    dir: &Path,
    sources_dir: &Path,
    truth: &Truth,
    sink: &mut dyn FnMut(Vec<FoundRecord>),
) -> Result<usize, EvaluateError> {
    let mut all_unreadable = 0;
    for source in crate::generate::SOURCES {
        let started = Instant::now();
        let mapping = SourceMapping::load(sources_dir, source)?;
        let mut records = 0usize;
        let path = dir.join(feed_name(&mapping));
        let unreadable = load_feed(&path, &mapping, truth, &mut |chunk| {
            records += chunk.len();
            sink(chunk);
        })?;
        tracing::debug!(
            source,
            records,
            unreadable,
            load_ms = started.elapsed().as_millis() as u64,
            "feed loaded"
        );
        all_unreadable += unreadable;
    }
    Ok(all_unreadable)
}

/// Records split before a chunk is handed to rayon for parsing and mapping.
const LOAD_CHUNK: usize = 8_192;

/// The parties of a mapped record and its record version's truth rows.
struct FoundRecord {
    key: RecordKey,
    parties: Vec<Party>,
    rows: Vec<TruthHit>,
}

/// Returns the file name of a generated feed of `mapping`'s source: the
/// source's name with the extension of the mapping's format.
fn feed_name(mapping: &SourceMapping) -> String {
    format!("{}.{}", mapping.name, mapping.format.extension())
}

/// Files that `ciss generate` writes beside the feeds: the truth, which
/// evaluation reads, and the featured people, which it does not need.
const GENERATED_EXTRAS: [&str; 2] = ["truth.csv", "featured.json"];

/// Returns the file names of the feeds that evaluating generated feeds
/// reads, one per source of [`crate::generate::SOURCES`], as each source's
/// mapping in `sources_dir` names it.
pub fn generated_feed_names(sources_dir: &Path) -> Result<Vec<String>, EvaluateError> {
    crate::generate::SOURCES
        .iter()
        .map(|source| Ok(feed_name(&SourceMapping::load(sources_dir, source)?)))
        .collect()
}

/// Returns the files in `dir` that evaluating generated feeds does not read,
/// sorted by path: every file but `feeds` (see [`generated_feed_names`]),
/// `truth.csv` and `featured.json`. Such a file, an extra feed dropped into
/// the directory, say, would otherwise be left out of the score unseen.
/// Directories and hidden files (their names start with a dot) are not
/// listed.
pub fn unread_files(dir: &Path, feeds: &[String]) -> Result<Vec<PathBuf>, EvaluateError> {
    let read_error = |source| EvaluateError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut unread = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let read = feeds.iter().any(|feed| *feed == name) || GENERATED_EXTRAS.contains(&&*name);
        if read || name.starts_with('.') {
            continue;
        }
        // The entry's own type does not follow a symbolic link; this does.
        let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
        if !is_dir {
            unread.push(entry.path());
        }
    }
    unread.sort();
    Ok(unread)
}

/// Loads one feed from `path`. Records that cannot be read or mapped are
/// skipped, as ingest would quarantine them, and their number returned.
///
/// Three stages overlap: a thread splits the file into records, a second
/// one has rayon parse and map each chunk and look up its truth rows, and
/// the calling thread passes the previous chunk to `sink`.
fn load_feed(
    path: &Path,
    mapping: &SourceMapping,
    truth: &Truth,
    sink: &mut dyn FnMut(Vec<FoundRecord>),
) -> Result<usize, EvaluateError> {
    let path = path.to_path_buf();
    let file = std::fs::File::open(&path).map_err(|err| EvaluateError::Read {
        path: path.clone(),
        source: err,
    })?;
    let (split_sender, split_receiver) = std::sync::mpsc::sync_channel::<Vec<PendingRecord>>(2);
    let (mapped_sender, mapped_receiver) = std::sync::mpsc::sync_channel::<Vec<FoundRecord>>(1);
    let unreadable_count = AtomicUsize::new(0);
    let unreadable = &unreadable_count;
    let read = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let columns = mapping.paths();
            let mut chunk = Vec::with_capacity(LOAD_CHUNK);
            let result = split_records(mapping.format, file, &columns, &mut |pending| {
                chunk.push(pending);
                if chunk.len() == LOAD_CHUNK {
                    // A send fails only when the receiver is gone, which it is not until the loop below ends.
                    let _ = split_sender.send(std::mem::take(&mut chunk));
                }
            });
            let _ = split_sender.send(chunk);
            result
        });
        scope.spawn(move || {
            for chunk in split_receiver {
                let mapped: Vec<(RecordKey, Vec<Party>)> = chunk
                    .into_par_iter()
                    .filter_map(|pending| {
                        let fields = pending.parse_fields().ok();
                        let mapped = fields.and_then(|f| map_parties(mapping, &f).ok());
                        if mapped.is_none() {
                            unreadable.fetch_add(1, Ordering::Relaxed);
                        }
                        mapped
                    })
                    .collect();
                // As above, the receiver outlives this loop.
                let _ = mapped_sender.send(with_truth_rows(truth, &mapping.name, mapped));
            }
        });
        for records in mapped_receiver {
            sink(records);
        }
        reader.join()
    });
    match read {
        Ok(result) => result.map_err(|err| EvaluateError::Read { path, source: err })?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    Ok(unreadable_count.into_inner())
}

/// Looks up the truth rows of mapped records of `source`, in runs on all
/// threads (see [`Truth::find_all`]).
fn with_truth_rows(
    truth: &Truth,
    source: &str,
    mapped: Vec<(RecordKey, Vec<Party>)>,
) -> Vec<FoundRecord> {
    let keys: Vec<(&str, u32)> = mapped
        .iter()
        .map(|(key, _)| (key.record_id.as_str(), key.version))
        .collect();
    let rows: Vec<Vec<TruthHit>> = keys
        .par_chunks(TRUTH_RUN)
        .flat_map_iter(|run| truth.find_all(source, run))
        .collect();
    mapped
        .into_iter()
        .zip(rows)
        .map(|((key, parties), rows)| FoundRecord { key, parties, rows })
        .collect()
}

/// Records whose truth rows one task looks up.
const TRUTH_RUN: usize = 1_024;

/// Returns the id of the party at `index` (from 0) of the record `key`
/// names, as `pairs.csv` and `clusters.csv` name it: `SOURCE/ID/vN/pK`,
/// with `K` counted from 1.
fn mention_id(key: &RecordKey, index: usize) -> String {
    let mut id = String::new();
    write_mention_id(key, index, &mut id);
    id
}

/// Appends the id [`mention_id`] returns to `out`. It runs once per mention,
/// so it copies the parts where `format!` would parse a template and
/// allocate.
fn write_mention_id(key: &RecordKey, index: usize, out: &mut String) {
    let mut number = itoa::Buffer::new();
    out.push_str(&key.source);
    out.push('/');
    out.push_str(&key.record_id);
    out.push_str("/v");
    out.push_str(number.format(key.version));
    // Parties count from 1, as `#PARTY` in review references does.
    out.push_str("/p");
    out.push_str(number.format(index + 1));
}

/// A party that has a true person, with its position in the record.
struct LabelledParty {
    index: usize,
    party: Party,
    person: u32,
}

/// Matches the parties of mapped records with their truth rows, and counts
/// the parties and rows that do not meet.
struct Labeller<'a> {
    truth: &'a Truth,
    /// Truth rows already matched; a record version is read once.
    taken_rows: TakenRows,
    /// Records with parties but no truth row for any of them.
    unlabelled_records: usize,
    unlabelled_parties: usize,
    /// Rows of a record version that none of its parties took: a row
    /// repeated, or a role the record lacks.
    unmatched_rows: usize,
}

impl<'a> Labeller<'a> {
    fn new(truth: &'a Truth) -> Labeller<'a> {
        Labeller {
            truth,
            taken_rows: truth.none_taken(),
            unlabelled_records: 0,
            unlabelled_parties: 0,
            unmatched_rows: 0,
        }
    }

    /// Returns a record's key and its parties that have a true person, in
    /// party order, and counts those without one and the rows left over.
    fn label(&mut self, found: FoundRecord) -> (RecordKey, Vec<LabelledParty>) {
        let FoundRecord { key, parties, rows } = found;
        let mut persons = self.taken_rows.take(&rows);
        let party_count = parties.len();
        let mut labelled = Vec::new();
        for (index, party) in parties.into_iter().enumerate() {
            let role = party.role.as_str();
            let Some(at) = persons
                .iter()
                .position(|(r, _)| self.truth.role_name(*r) == role)
            else {
                self.unlabelled_parties += 1;
                continue;
            };
            let (_, person) = persons.remove(at);
            labelled.push(LabelledParty {
                index,
                party,
                person,
            });
        }
        self.unmatched_rows += persons.len();
        if party_count > 0 && labelled.is_empty() {
            self.unlabelled_records += 1;
        }
        (key, labelled)
    }

    /// Returns what loading left out, with `unreadable_records` the records
    /// that could not be mapped. Rows of record versions never read count
    /// as naming no party too.
    fn left_out(self, unreadable_records: usize) -> LeftOut {
        LeftOut {
            unreadable_records,
            unlabelled_records: self.unlabelled_records,
            unlabelled_parties: self.unlabelled_parties,
            unmatched_truth_rows: self.taken_rows.untaken() + self.unmatched_rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::default_resolver;

    #[test]
    fn directory_without_truth_is_not_generated() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
        let error = load_generated_prepared(dir.path(), &sources, &default_resolver()).err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        let expected = "has no truth.csv: give a directory written by `ciss generate`";
        assert!(message.ends_with(expected), "{message}");
        let missing = dir.path().join("missing");
        let error = load_generated(&missing, &sources).err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("cannot read "), "{message}");
    }

    #[test]
    fn unread_files_are_listed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
        let feeds = generated_feed_names(&sources).expect("mappings load");
        assert_eq!(
            feeds,
            [
                "rms.jsonl",
                "judicial.csv",
                "correction.csv",
                "dmv.csv",
                "cssd.jsonl",
                "parole.csv",
                "sor.jsonl"
            ]
        );
        let names = [
            "rms.jsonl",
            "dmv.csv",
            "truth.csv",
            "featured.json",
            "dmv2.csv",
            "rms.json",
            ".hidden",
        ];
        for name in names {
            std::fs::write(dir.path().join(name), "").expect("file");
        }
        std::fs::create_dir(dir.path().join("eval")).expect("directory");
        let unread = unread_files(dir.path(), &feeds).expect("directory lists");
        let unread: Vec<&str> = unread
            .iter()
            .map(|path| path.file_name().and_then(|n| n.to_str()).unwrap_or(""))
            .collect();
        assert_eq!(unread, ["dmv2.csv", "rms.json"]);
    }

    #[test]
    fn mention_id_names_source_record_version_and_party() {
        let key = RecordKey {
            source: "dmv".to_string(),
            record_id: "T0000000042".to_string(),
            version: 12,
        };
        assert_eq!(mention_id(&key, 0), "dmv/T0000000042/v12/p1");
        assert_eq!(mention_id(&key, 1), "dmv/T0000000042/v12/p2");
        let mut out = "kept,".to_string();
        write_mention_id(&key, 3, &mut out);
        assert_eq!(out, "kept,dmv/T0000000042/v12/p4");
    }
}
