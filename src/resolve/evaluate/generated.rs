//! Loading of feeds written by `ciss generate`, with the true person of every
//! party from the feeds' `truth.csv`.

use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::prepared::{PreparedSet, PreparedSetBuilder};
use super::{EvaluateError, LabelledSet};
use crate::graph::Mention;
use crate::ingest::mapping::{Format, SourceMapping};
use crate::ingest::{PendingRecord, map_record, split_records};
use crate::model::{CanonicalRecord, Party};

/// Reads feeds written by `ciss generate` in `dir`, each through its mapping
/// in `sources_dir`, with the true person of every party from `truth.csv`.
/// Records that fail their mapping are left out, as ingest would quarantine
/// them.
///
/// One thread splits each feed into records while rayon parses and maps
/// chunks of [`LOAD_CHUNK`] records, so splitting and mapping overlap.
pub fn load_generated(dir: &Path, sources_dir: &Path) -> Result<LabelledSet, EvaluateError> {
    let mut truth = read_truth(&dir.join("truth.csv"))?;
    let mut set = LabelledSet::default();
    load_feeds(dir, sources_dir, &mut |records| {
        for record in records {
            let (key, parties) = labelled_parties(&mut truth, record);
            for party in parties {
                let id = set.mentions.len() as i64 + 1;
                set.mentions.push(Mention {
                    id,
                    source: key.source.clone(),
                    record_id: key.mention_id(party.index),
                    role: party.party.role,
                    person: party.party.person,
                });
                set.truth.push(truth.persons[party.person as usize].clone());
            }
        }
    })?;
    Ok(set)
}

/// Reads feeds as [`load_generated`] does, but keeps only the distinct
/// prepared records and each mention's record id, source and true person, so
/// the full facts of every mention are never in memory at once. `collapse`
/// sets whether exact copies become one record, as the resolver that will
/// score the set does (`ProbabilisticResolver::collapses_copies`).
pub fn load_generated_prepared(
    dir: &Path,
    sources_dir: &Path,
    collapse: bool,
) -> Result<PreparedSet, EvaluateError> {
    let mut truth = read_truth(&dir.join("truth.csv"))?;
    let mut builder = PreparedSetBuilder::new(collapse);
    // Each mention has a truth row, so their number bounds the mentions.
    builder.reserve(truth.rows.values().map(Vec::len).sum());
    load_feeds(dir, sources_dir, &mut |records| {
        let Some(source) = records.first().map(|r| r.key.source.clone()) else {
            return;
        };
        let mut persons = Vec::with_capacity(records.len());
        for record in records {
            let (key, parties) = labelled_parties(&mut truth, record);
            for party in parties {
                builder.push_mention(&key.mention_id(party.index), party.person);
                persons.push(party.party.person);
            }
        }
        builder.add_persons(&source, &persons);
    })?;
    Ok(builder.finish())
}

/// Loads every source's feed in `dir` in turn, passing each chunk of mapped
/// records to `sink` in input order.
fn load_feeds(
    dir: &Path,
    sources_dir: &Path,
    sink: &mut dyn FnMut(Vec<CanonicalRecord>),
) -> Result<(), EvaluateError> {
    for source in crate::generate::SOURCES {
        let started = Instant::now();
        let mapping = SourceMapping::load(sources_dir, source)?;
        let mut records = 0usize;
        load_feed(&dir.join(source), &mapping, &mut |chunk| {
            records += chunk.len();
            sink(chunk);
        })?;
        tracing::debug!(
            source,
            records,
            load_ms = started.elapsed().as_millis() as u64,
            "feed loaded"
        );
    }
    Ok(())
}

/// Records split before a chunk is handed to rayon for parsing and mapping.
const LOAD_CHUNK: usize = 8_192;

/// Loads one feed; `stem` is its path without the extension, which the
/// mapping's format gives. Unreadable records are skipped, as they carry no
/// truth to score.
fn load_feed(
    stem: &Path,
    mapping: &SourceMapping,
    sink: &mut dyn FnMut(Vec<CanonicalRecord>),
) -> Result<(), EvaluateError> {
    let extension = match mapping.format {
        Format::Csv => "csv",
        Format::Jsonl => "jsonl",
    };
    let path = stem.with_extension(extension);
    let file = std::fs::File::open(&path).map_err(|err| EvaluateError::Read {
        path: path.clone(),
        source: err,
    })?;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<PendingRecord>>(2);
    let read = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let columns = mapping.paths();
            let mut chunk = Vec::with_capacity(LOAD_CHUNK);
            let result = split_records(mapping.format, file, &columns, &mut |pending| {
                chunk.push(pending);
                if chunk.len() == LOAD_CHUNK {
                    // A send fails only when the receiver is gone, which it is not until the loop below ends.
                    let _ = sender.send(std::mem::take(&mut chunk));
                }
            });
            let _ = sender.send(chunk);
            result
        });
        for chunk in receiver {
            let records: Vec<CanonicalRecord> = chunk
                .into_par_iter()
                .filter_map(|pending| pending.parse_fields().ok())
                .filter_map(|fields| map_record(mapping, &fields).ok())
                .collect();
            sink(records);
        }
        reader.join()
    });
    match read {
        Ok(result) => result.map_err(|err| EvaluateError::Read { path, source: err }),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The rows of `truth.csv`, with every true person numbered once.
struct Truth {
    /// True persons of each record version's parties, per role in party
    /// order, as (role, person number).
    rows: FxHashMap<TruthKey, Vec<(u32, u32)>>,
    /// Source numbers.
    sources: Names,
    /// Role names, by number.
    roles: Vec<String>,
    /// True person ids, by number.
    persons: Vec<String>,
}

/// A record version in `truth.csv`: source number, record id and version.
type TruthKey = (u32, Box<str>, u32);

/// Reads `truth.csv` line by line; lines with fewer than five fields are skipped.
fn read_truth(path: &Path) -> Result<Truth, EvaluateError> {
    let started = Instant::now();
    let read_error = |source| EvaluateError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut rows = FxHashMap::default();
    let mut numbers = Numbering::default();
    let mut line = String::new();
    let mut header = true;
    while reader.read_line(&mut line).map_err(read_error)? > 0 {
        if !std::mem::take(&mut header) {
            add_truth_row(&mut rows, &mut numbers, line.trim_end_matches(['\n', '\r']));
        }
        line.clear();
    }
    let truth = Truth {
        rows,
        sources: numbers.sources,
        roles: numbers.roles.into_names(),
        persons: numbers.persons.into_names(),
    };
    tracing::debug!(
        records = truth.rows.len(),
        load_ms = started.elapsed().as_millis() as u64,
        "truth loaded"
    );
    Ok(truth)
}

/// Numbers given to the sources, roles and persons of `truth.csv`.
#[derive(Default)]
struct Numbering {
    sources: Names,
    roles: Names,
    persons: Names,
}

fn add_truth_row(
    rows: &mut FxHashMap<TruthKey, Vec<(u32, u32)>>,
    numbers: &mut Numbering,
    line: &str,
) {
    let mut fields = line.split(',');
    let (Some(source), Some(record_id), Some(version), Some(role), Some(person)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return;
    };
    let key = (
        numbers.sources.number(source),
        Box::from(record_id),
        version.parse().unwrap_or(1),
    );
    let row = (numbers.roles.number(role), numbers.persons.number(person));
    rows.entry(key).or_default().push(row);
}

/// Distinct names numbered in order of first appearance.
#[derive(Default)]
struct Names {
    numbers: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn number(&mut self, name: &str) -> u32 {
        if let Some(number) = self.numbers.get(name) {
            return *number;
        }
        let number = self.names.len() as u32;
        self.numbers.insert(name.to_string(), number);
        self.names.push(name.to_string());
        number
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.numbers.get(name).copied()
    }

    fn into_names(self) -> Vec<String> {
        self.names
    }
}

/// The source, id and version of a mapped record.
struct LabelledKey {
    source: String,
    record_id: String,
    version: u32,
}

impl LabelledKey {
    /// Returns the id of the party at `index`, as `pairs.csv` and `clusters.csv` name it.
    fn mention_id(&self, index: usize) -> String {
        format!(
            "{}/{}/v{}/p{index}",
            self.source, self.record_id, self.version
        )
    }
}

/// A party that has a true person, with its position in the record.
struct LabelledParty {
    index: usize,
    party: Party,
    person: u32,
}

/// Returns a record's parties that have a true person, in party order. Each
/// record version's truth rows are taken out of `truth`, since a version is
/// read once.
fn labelled_parties(
    truth: &mut Truth,
    record: CanonicalRecord,
) -> (LabelledKey, Vec<LabelledParty>) {
    let key = record.key;
    let mut persons = truth
        .sources
        .find(&key.source)
        .and_then(|source| {
            let row_key: TruthKey = (source, Box::from(key.record_id.as_str()), key.version);
            truth.rows.remove(&row_key)
        })
        .unwrap_or_default();
    let mut labelled = Vec::new();
    for (index, party) in record.parties.into_iter().enumerate() {
        let role = party.role.as_str();
        let Some(at) = persons
            .iter()
            .position(|(r, _)| truth.roles[*r as usize] == role)
        else {
            continue;
        };
        let (_, person) = persons.remove(at);
        labelled.push(LabelledParty {
            index,
            party,
            person,
        });
    }
    let key = LabelledKey {
        source: key.source,
        record_id: key.record_id,
        version: key.version,
    };
    (key, labelled)
}
