//! The rows of a generated feed's `truth.csv`: the true person of each party
//! of each record version.
//!
//! At one million generated people the file has about 4.6 million rows. They are kept in one
//! vector sorted by the hash of their record version, 40 bytes a row
//! plus the record id's text, and found by binary search.

use std::hash::{Hash, Hasher};
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use super::EvaluateError;

/// The rows of `truth.csv`, with every source, role and true person numbered.
pub(super) struct Truth {
    /// Rows in order of `hash`, and in file order among rows of equal hash.
    rows: Vec<TruthRow>,
    /// The record ids of all rows, end to end.
    record_ids: String,
    sources: Names,
    roles: Names,
    persons: Names,
}

/// One row of `truth.csv`.
struct TruthRow {
    /// Hash of the source number, record id and version.
    hash: u64,
    /// Start of the record id in [`Truth::record_ids`].
    id_start: usize,
    id_len: u32,
    version: u32,
    source: u32,
    /// Role number, or [`TAKEN`] once the row's record version has been read.
    role: u32,
    person: u32,
}

/// The role number of a row already taken.
const TAKEN: u32 = u32::MAX;

impl Truth {
    /// Returns the number of rows read.
    pub(super) fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Takes out the (role, person) numbers of one record version's parties,
    /// in file order. A record version is read once, so a second call for it
    /// returns nothing.
    pub(super) fn take(&mut self, source: &str, record_id: &str, version: u32) -> Vec<(u32, u32)> {
        let Some(source) = self.sources.find(source) else {
            return Vec::new();
        };
        let hash = key_hash(source, record_id, version);
        let first = self.rows.partition_point(|row| row.hash < hash);
        let mut found = Vec::new();
        for row in self.rows[first..].iter_mut() {
            if row.hash != hash {
                break;
            }
            let id = &self.record_ids[row.id_start..row.id_start + row.id_len as usize];
            let same = row.source == source && row.version == version && id == record_id;
            if same && row.role != TAKEN {
                found.push((row.role, row.person));
                row.role = TAKEN;
            }
        }
        found
    }

    /// Returns the name of role number `role`.
    pub(super) fn role_name(&self, role: u32) -> &str {
        &self.roles.names[role as usize]
    }

    /// Returns the id of true person number `person`.
    pub(super) fn person_id(&self, person: u32) -> &str {
        &self.persons.names[person as usize]
    }
}

/// Reads `truth.csv` line by line; lines with fewer than five fields are skipped.
pub(super) fn read_truth(path: &Path) -> Result<Truth, EvaluateError> {
    let started = Instant::now();
    let read_error = |source| EvaluateError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut truth = Truth {
        rows: Vec::new(),
        record_ids: String::new(),
        sources: Names::default(),
        roles: Names::default(),
        persons: Names::default(),
    };

    let mut line = String::new();
    let mut header = true;
    while reader.read_line(&mut line).map_err(read_error)? > 0 {
        if !std::mem::take(&mut header) {
            add_row(&mut truth, line.trim_end_matches(['\n', '\r']));
        }
        line.clear();
    }

    // The sort is stable, so one record version's rows stay in file order.
    truth.rows.par_sort_by_key(|row| row.hash);
    truth.persons.numbers = FxHashMap::default();
    tracing::debug!(
        rows = truth.rows.len(),
        load_ms = started.elapsed().as_millis() as u64,
        "truth loaded"
    );
    Ok(truth)
}

fn add_row(truth: &mut Truth, line: &str) {
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
    let source = truth.sources.number(source);
    let version = version.parse().unwrap_or(1);
    let id_start = truth.record_ids.len();
    truth.record_ids.push_str(record_id);
    truth.rows.push(TruthRow {
        hash: key_hash(source, record_id, version),
        id_start,
        id_len: record_id.len() as u32,
        version,
        source,
        role: truth.roles.number(role),
        person: truth.persons.number(person),
    });
}

fn key_hash(source: u32, record_id: &str, version: u32) -> u64 {
    let mut hasher = FxHasher::default();
    (source, record_id, version).hash(&mut hasher);
    hasher.finish()
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
}
