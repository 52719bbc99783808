//! Ingest: read agency feeds through their mappings, validate every record,
//! quarantine the bad ones with a precise reason and store the rest in batches.
//!
//! A file is read on a dedicated thread that maps chunks of records in parallel
//! (rayon) and hands finished batches to the caller's task, which commits them
//! one transaction each. Parsing and writing therefore overlap, and a crash
//! leaves every batch either fully stored or not at all.

mod map;
pub mod mapping;
mod quote;
mod read;
mod unique_keys;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

pub use map::{FieldError, MapFailure, map_parties, map_record};
pub use read::{
    CsvHeader, InputFields, MAX_RECORD_BYTES, PendingRecord, RawRecord, WrongType, read_records,
    split_records,
};

use crate::graph::{
    Batch, BatchOutcome, GraphStore, IncomingRecord, QuarantineEntry, QuarantineStatus, StoreError,
};
use mapping::{MappingError, SourceMapping};

/// Settings for one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Records per batch, and so per transaction.
    pub batch_size: usize,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            batch_size: 5_000,
            progress: false,
        }
    }
}

/// Counts of one ingest run. They reconcile: `received = accepted + quarantined`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Source name.
    pub source: String,
    /// Records read from the input.
    pub received: usize,
    /// New record versions stored as current.
    pub inserted: usize,
    /// Record versions already stored; re-sending changes nothing.
    pub duplicates: usize,
    /// Inserted versions that superseded an older one.
    pub superseded: usize,
    /// Versions older than the stored current one, kept but not current.
    pub stale: usize,
    /// Records that failed validation.
    pub quarantined: usize,
    /// Committed batches.
    pub batches: usize,
    /// The first quarantine entries of the run, for display: validation
    /// failures and version conflicts, in input order within each batch.
    pub sample_errors: Vec<QuarantineEntry>,
}

/// Quarantine entries kept in a report for display; all are stored.
const SAMPLE_ERRORS: usize = 20;

impl IngestReport {
    /// Records that passed validation: inserted, duplicate or stale.
    pub fn accepted(&self) -> usize {
        self.inserted + self.duplicates + self.stale
    }

    /// Returns whether every received record was either accepted or quarantined.
    pub fn reconciles(&self) -> bool {
        self.received == self.accepted() + self.quarantined
    }

    fn add(&mut self, outcome: &BatchOutcome, batch_errors: &[QuarantineEntry]) {
        self.inserted += outcome.inserted;
        self.duplicates += outcome.duplicates;
        self.superseded += outcome.superseded;
        self.stale += outcome.stale;
        self.quarantined += outcome.quarantined;
        self.received +=
            outcome.inserted + outcome.duplicates + outcome.stale + outcome.quarantined;
        self.batches += 1;
        // Validation failures and the store's conflicts are listed together in
        // input order, so a sample names the first quarantined lines, whichever
        // step found them.
        let mut errors: Vec<&QuarantineEntry> =
            batch_errors.iter().chain(&outcome.conflicts).collect();
        errors.sort_by_key(|entry| entry.line);
        let room = SAMPLE_ERRORS.saturating_sub(self.sample_errors.len());
        self.sample_errors
            .extend(errors.into_iter().take(room).cloned());
    }

    /// Quarantined records that `sample_errors` leaves out.
    pub fn omitted_errors(&self) -> usize {
        self.quarantined.saturating_sub(self.sample_errors.len())
    }
}

/// Errors that stop an ingest run. Bad records never do: they are quarantined.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The source mapping could not be loaded.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The input could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// Input file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A batch could not be stored; earlier batches are committed, this one is not.
    #[error(
        "batch {batch} of {source_name} (records from line {first_line}) was not stored: {error}"
    )]
    Store {
        /// Source name.
        source_name: String,
        /// 1-based batch number within this run.
        batch: usize,
        /// Input line of the batch's first record.
        first_line: u64,
        /// Store error.
        error: StoreError,
    },
}

/// Ingests one file of `mapping`'s source into `store`.
pub async fn ingest_file(
    store: &dyn GraphStore,
    mapping: &SourceMapping,
    path: &Path,
    options: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    let read_error = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(options.progress, size, &mapping.name);
    let input = bar.wrap_read(file);
    let label = path.display().to_string();
    let report = ingest_reader(store, mapping, input, Some(label), options).await;
    bar.finish_and_clear();
    report.map_err(|err| match err {
        IngestError::Read { source, .. } => read_error(source),
        other => other,
    })
}

/// Ingests every record readable from `input`; `file` names it in quarantine entries.
pub async fn ingest_reader<R: Read + Send + 'static>(
    store: &dyn GraphStore,
    mapping: &SourceMapping,
    input: R,
    file: Option<String>,
    options: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(u64, Batch)>(2);
    let reader_mapping = mapping.clone();
    // Names the input in read errors, such as `http` for a request body.
    let input_name = PathBuf::from(file.as_deref().unwrap_or("input"));
    let batch_size = options.batch_size.max(1);
    // Packing the texts here keeps that work off the store's writer.
    let pack_texts = store.packs_texts();
    let reader = std::thread::spawn(move || {
        // A batch grows as records arrive, so a large batch size reserves
        // no memory for records that never come.
        let mut chunk = Vec::with_capacity(batch_size.min(8_192));
        let send = |chunk: &mut Vec<PendingRecord>| {
            let first_line = chunk.first().map_or(0, PendingRecord::line);
            let mut batch = build_batch(&reader_mapping, file.as_deref(), std::mem::take(chunk));
            // A batch whose texts cannot be packed goes on unpacked, and
            // the store reports the reason when it packs them again.
            if pack_texts {
                batch.texts = batch.packed_texts().ok();
            }
            // A closed channel means the writer stopped on an error; stop reading.
            sender.blocking_send((first_line, batch)).is_ok()
        };
        let mut open = true;
        let columns = reader_mapping.paths();
        split_records(reader_mapping.format, input, &columns, &mut |record| {
            chunk.push(record);
            if open && chunk.len() >= batch_size {
                open = send(&mut chunk);
            }
        })?;
        if open && !chunk.is_empty() {
            send(&mut chunk);
        }
        Ok::<(), std::io::Error>(())
    });
    let mut report = IngestReport {
        source: mapping.name.clone(),
        ..IngestReport::default()
    };
    while let Some((first_line, batch)) = receiver.recv().await {
        let errors = batch
            .quarantined
            .iter()
            .take(SAMPLE_ERRORS)
            .cloned()
            .collect::<Vec<_>>();
        let outcome = apply_with_retry(store, batch)
            .await
            .map_err(|error| IngestError::Store {
                source_name: mapping.name.clone(),
                batch: report.batches + 1,
                first_line,
                error,
            })?;
        tracing::debug!(source = %mapping.name, batch_id = outcome.batch_id, inserted = outcome.inserted, quarantined = outcome.quarantined, "batch committed");
        report.add(&outcome, &errors);
    }
    let read_result = reader.join().map_err(|_| IngestError::Read {
        path: input_name.clone(),
        source: std::io::Error::other("reader thread panicked"),
    })?;
    read_result.map_err(|source| IngestError::Read {
        path: input_name,
        source,
    })?;
    tracing::info!(
        source = %mapping.name,
        received = report.received,
        inserted = report.inserted,
        duplicates = report.duplicates,
        quarantined = report.quarantined,
        batches = report.batches,
        duration_ms = started.elapsed().as_millis() as u64,
        "ingest finished"
    );
    Ok(report)
}

/// Re-maps the open quarantine entries of `mapping`'s source. Entries that now
/// pass are stored and marked replayed in the same transaction; the rest stay
/// quarantined with their new reason.
pub async fn replay_quarantine(
    store: &dyn GraphStore,
    mapping: &SourceMapping,
    options: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    let store_error = |error| IngestError::Store {
        source_name: mapping.name.clone(),
        batch: 1,
        first_line: 0,
        error,
    };
    let entries = store
        .quarantine(Some(&mapping.name), false)
        .await
        .map_err(store_error)?;
    let mut report = IngestReport {
        source: mapping.name.clone(),
        ..IngestReport::default()
    };
    for (index, chunk) in entries.chunks(options.batch_size.max(1)).enumerate() {
        let batch = replay_batch(mapping, chunk);
        let errors = batch
            .quarantined
            .iter()
            .take(SAMPLE_ERRORS)
            .cloned()
            .collect::<Vec<_>>();
        let outcome = apply_with_retry(store, batch)
            .await
            .map_err(|error| IngestError::Store {
                source_name: mapping.name.clone(),
                batch: index + 1,
                first_line: chunk.first().and_then(|e| e.line).unwrap_or(0),
                error,
            })?;
        report.add(&outcome, &errors);
    }
    tracing::info!(source = %mapping.name, received = report.received, accepted = report.accepted(), "quarantine replayed");
    Ok(report)
}

fn replay_batch(mapping: &SourceMapping, entries: &[QuarantineEntry]) -> Batch {
    let mut batch = Batch {
        source: mapping.name.clone(),
        agency: mapping.agency.clone(),
        ..Batch::default()
    };
    for entry in entries {
        // A record is kept as a JSON object of its fields once it could be
        // read. Text that is not one (a malformed CSV row, a line with bytes
        // that are not UTF-8 or with a key twice) cannot be mapped again: it
        // keeps its original reason, and only the source sending the record
        // again fixes it.
        let Some(fields) = unique_keys::parse(&entry.raw)
            .ok()
            .filter(serde_json::Value::is_object)
        else {
            batch.quarantined.push(entry.clone());
            batch.quarantined_versions.push(None);
            continue;
        };
        let raw = RawRecord {
            line: entry.line.unwrap_or(0),
            raw: entry.raw.clone(),
            parsed: Ok(InputFields::Json(fields)),
            salvaged: None,
            failed_field: None,
        };
        match validate(mapping, entry.file.as_deref(), raw) {
            Validated::Accepted(incoming) => {
                batch.records.push(incoming);
                if let Some(id) = entry.id {
                    batch.replayed.push(id);
                }
            }
            Validated::Quarantined(failed, version) => {
                batch.quarantined.push(failed);
                batch.quarantined_versions.push(version);
            }
        }
    }
    batch
}

/// Stores a batch, retrying a bounded number of times while the database is busy.
async fn apply_with_retry(
    store: &dyn GraphStore,
    batch: Batch,
) -> Result<BatchOutcome, StoreError> {
    const ATTEMPTS: u32 = 5;
    let batch = Arc::new(batch);
    let mut attempt = 1;
    loop {
        match store.apply_batch(Arc::clone(&batch)).await {
            Err(err) if err.is_retryable() && attempt < ATTEMPTS => {
                let delay = std::time::Duration::from_millis(100 * 2u64.pow(attempt));
                tracing::warn!(source = %batch.source, attempt, delay_ms = delay.as_millis() as u64, error = %err, "store busy, retrying batch");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The outcome of validating one record. A quarantined record keeps its
/// version when it could be read.
enum Validated {
    Accepted(IncomingRecord),
    Quarantined(QuarantineEntry, Option<u32>),
}

fn build_batch(mapping: &SourceMapping, file: Option<&str>, chunk: Vec<PendingRecord>) -> Batch {
    let results: Vec<Validated> = chunk
        .into_par_iter()
        .map(|pending| validate(mapping, file, pending.parse()))
        .collect();
    let mut batch = Batch {
        source: mapping.name.clone(),
        agency: mapping.agency.clone(),
        file: file.map(str::to_string),
        ..Batch::default()
    };
    for result in results {
        match result {
            Validated::Accepted(record) => batch.records.push(record),
            Validated::Quarantined(entry, version) => {
                batch.quarantined.push(entry);
                batch.quarantined_versions.push(version);
            }
        }
    }
    batch
}

/// Maps one raw record, or explains why it goes to quarantine.
fn validate(mapping: &SourceMapping, file: Option<&str>, raw: RawRecord) -> Validated {
    let version = readable_version(mapping, raw.parsed.as_ref().ok().or(raw.salvaged.as_ref()));
    let (record_id, field, reason) = match &raw.parsed {
        Err(reason) => (
            salvaged_record_id(mapping, &raw),
            raw.failed_field.clone(),
            reason.clone(),
        ),
        Ok(value) => match map_record(mapping, value) {
            Ok(record) => match IncomingRecord::new(record, raw.raw.clone(), Some(raw.line)) {
                Ok(incoming) => return Validated::Accepted(incoming),
                Err(err) => (
                    None,
                    None,
                    format!("cannot encode the mapped record: {err}"),
                ),
            },
            Err(failure) => {
                let (fields, reasons) = describe_errors(&failure.errors);
                (failure.record_id, Some(fields), reasons)
            }
        },
    };
    let entry = QuarantineEntry {
        id: None,
        source: mapping.name.clone(),
        file: file.map(str::to_string),
        line: Some(raw.line),
        record_id,
        field,
        reason,
        raw: raw.raw,
        status: QuarantineStatus::Open,
    };
    Validated::Quarantined(entry, version)
}

/// Number of field errors a quarantine entry names one by one. The rest are
/// counted, because a list of 20,000 bad entries made one reason of over a
/// million characters. The record's kept text still shows every error.
const LISTED_ERRORS: usize = 20;

/// Returns a record's failed fields and their reasons, each joined into one
/// line, with the errors past [`LISTED_ERRORS`] counted at the end.
fn describe_errors(errors: &[FieldError]) -> (String, String) {
    let listed = &errors[..errors.len().min(LISTED_ERRORS)];
    let fields: Vec<&str> = listed.iter().map(|e| e.field.as_str()).collect();
    let reasons: Vec<String> = listed
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect();
    let (mut fields, mut reasons) = (fields.join(", "), reasons.join("; "));
    let more = errors.len() - listed.len();
    if more > 0 {
        fields.push_str(&format!(", and {more} more"));
        reasons.push_str(&format!("; and {more} more errors"));
    }
    (fields, reasons)
}

/// Returns the version of a record that failed validation, read as
/// `map_record` reads it (version 1 when the mapping or the record has
/// none), or `None` when it is not a valid version.
fn readable_version(mapping: &SourceMapping, fields: Option<&InputFields>) -> Option<u32> {
    let Some(spec) = mapping.record.version.as_ref() else {
        return Some(1);
    };
    let rule = spec.rule();
    let text = match (&rule.value, &rule.path) {
        (Some(value), _) => Some(value.trim().to_string()),
        (None, Some(path)) => fields?.lookup(path),
        (None, None) => None,
    };
    match text {
        None => Some(1),
        Some(text) => text.parse::<u32>().ok().filter(|version| *version >= 1),
    }
}

/// Returns the record id of a record that could not be parsed, when its id
/// field is still readable and usable (see [`map::usable_salvaged_id`]).
fn salvaged_record_id(mapping: &SourceMapping, raw: &RawRecord) -> Option<String> {
    let path = mapping.record.id.rule().path.as_deref()?;
    let id = raw.salvaged.as_ref()?.lookup(path)?;
    map::usable_salvaged_id(&id).then_some(id)
}

fn progress_bar(enabled: bool, size: u64, source: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_prefix(source.to_string());
    bar
}
