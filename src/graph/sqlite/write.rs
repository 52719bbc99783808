//! Writes one batch of records into the SQLite store, inside the caller's
//! transaction.
//!
//! A record costs a few statements (its row, its mentions, the further parts
//! of multi-part surnames, its vehicles and properties), so the statements are prepared
//! once per batch rather than looked up in the connection's cache per row.
//! During a bulk load, [`KnownKeys`] remembers which records the store holds,
//! so a record that is certainly new skips the lookup of its current version.
//! The records' raw texts go into one packed row per batch (`batch_texts`),
//! and each record row keeps the position of its text there, where
//! [`source_text`] reads it back.

use std::hash::{Hash, Hasher};

use rusqlite::{CachedStatement, Connection, OptionalExtension, Transaction, params};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use super::load_record;
use crate::graph::{Batch, BatchOutcome, IncomingRecord, QuarantineEntry, StoreError, texts};
use crate::model::CanonicalRecord;

/// Hashes of the `(source, record_id)` keys of every stored record, kept by
/// the writer during a bulk load. A key whose hash is absent is certainly
/// not stored, so its record needs no lookup. A present hash (a stored key,
/// or rarely a collision) means the record is looked up as before. The set only grows, and
/// a key left over from a rolled-back batch only costs that lookup.
///
/// The set is only valid while no other connection writes: it records the
/// database's `data_version` and [`KnownKeys::is_current`] compares it.
#[derive(Debug)]
pub(super) struct KnownKeys {
    hashes: FxHashSet<u64>,
    data_version: i64,
}

impl KnownKeys {
    /// Reads the keys of every stored record.
    pub(super) fn load(conn: &Connection) -> Result<KnownKeys, StoreError> {
        let mut keys = KnownKeys {
            hashes: FxHashSet::default(),
            data_version: data_version(conn)?,
        };
        let mut stmt = conn.prepare("SELECT source, record_id FROM records")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let source: String = row.get(0)?;
            let record_id: String = row.get(1)?;
            keys.insert(&source, &record_id);
        }
        Ok(keys)
    }

    fn hash(source: &str, record_id: &str) -> u64 {
        let mut hasher = FxHasher::default();
        (source, record_id).hash(&mut hasher);
        hasher.finish()
    }

    fn insert(&mut self, source: &str, record_id: &str) {
        self.hashes.insert(KnownKeys::hash(source, record_id));
    }

    fn may_contain(&self, source: &str, record_id: &str) -> bool {
        self.hashes.contains(&KnownKeys::hash(source, record_id))
    }

    /// Number of keys held.
    pub(super) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Checks that no other connection has committed since the keys were
    /// read. Call it inside a write transaction, which keeps other writers out.
    pub(super) fn is_current(&self, conn: &Connection) -> Result<bool, StoreError> {
        Ok(data_version(conn)? == self.data_version)
    }
}

/// Returns SQLite's `data_version`, which changes when another connection commits.
fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA data_version", [], |row| row.get(0))?)
}

/// Writes one batch inside `tx`; the caller commits. `known` is the bulk
/// load's key set, when one is running.
pub(super) fn write_batch(
    tx: &Transaction<'_>,
    batch: &Batch,
    mut known: Option<&mut KnownKeys>,
) -> Result<BatchOutcome, StoreError> {
    tx.execute(
        "INSERT INTO sources (name, agency) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET agency = excluded.agency",
        params![batch.source, batch.agency],
    )?;
    tx.execute(
        "INSERT INTO batches (source, file, committed_at, received, inserted, duplicates, superseded, stale, quarantined) \
         VALUES (?1, ?2, datetime('now'), ?3, 0, 0, 0, 0, ?4)",
        params![batch.source, batch.file, (batch.records.len() + batch.quarantined.len()) as i64, batch.quarantined.len() as i64],
    )?;
    let batch_id = tx.last_insert_rowid();
    store_texts(tx, batch_id, batch)?;

    let mut outcome = BatchOutcome {
        batch_id,
        quarantined: batch.quarantined.len(),
        ..BatchOutcome::default()
    };
    // Replayed entries are closed first, so a replayed record that turns out
    // to conflict with a stored version re-opens its entry below.
    for id in &batch.replayed {
        tx.prepare_cached("UPDATE quarantine SET replayed_batch = ?2 WHERE id = ?1")?
            .execute(params![id, batch_id])?;
    }
    let mut writer = RecordWriter::new(tx, batch_id, batch.file.as_deref())?;
    // The highest accepted version of each record id in the batch.
    let mut accepted: FxHashMap<&str, u32> = FxHashMap::default();
    for (text_index, incoming) in batch.records.iter().enumerate() {
        let key = &incoming.record.key;
        let maybe_stored = known
            .as_deref()
            .is_none_or(|keys| keys.may_contain(&key.source, &key.record_id));
        if writer.write(incoming, text_index, maybe_stored, &mut outcome)? {
            let highest = accepted
                .entry(key.record_id.as_str())
                .or_insert(key.version);
            *highest = (*highest).max(key.version);
        }
        if let Some(keys) = known.as_deref_mut() {
            keys.insert(&key.source, &key.record_id);
        }
    }
    drop(writer);

    for (index, entry) in batch.quarantined.iter().enumerate() {
        let version = batch.quarantined_versions.get(index).copied().flatten();
        store_quarantine(tx, entry, version, batch_id, false)?;
    }
    let quarantined_now: FxHashSet<&str> = batch
        .quarantined
        .iter()
        .chain(&outcome.conflicts)
        .map(|entry| entry.raw.as_str())
        .collect();
    resolve_quarantine(tx, &batch.source, batch_id, &accepted, &quarantined_now)?;

    tx.execute(
        "UPDATE batches SET inserted = ?2, duplicates = ?3, superseded = ?4, stale = ?5, quarantined = ?6 WHERE id = ?1",
        params![
            batch_id,
            outcome.inserted as i64,
            outcome.duplicates as i64,
            outcome.superseded as i64,
            outcome.stale as i64,
            outcome.quarantined as i64
        ],
    )?;
    Ok(outcome)
}

/// Stores the raw texts of the batch's records as one packed row, packing
/// them here unless the producer did. Position `n` contains the text of
/// `batch.records[n]`.
fn store_texts(tx: &Transaction<'_>, batch_id: i64, batch: &Batch) -> Result<(), StoreError> {
    let corrupt = |err: crate::graph::texts::TextsError| StoreError::Corrupt {
        id: batch_id,
        reason: err.to_string(),
    };
    if batch.records.is_empty() {
        return Ok(());
    }
    let packed_here;
    let packed = match &batch.texts {
        Some(packed) if packed.count == batch.records.len() => packed,
        _ => {
            packed_here = batch.packed_texts().map_err(corrupt)?;
            &packed_here
        }
    };
    tx.prepare_cached("INSERT INTO batch_texts (batch, texts) VALUES (?1, ?2)")?
        .execute(params![batch_id, packed.bytes])?;
    Ok(())
}

/// Returns the raw text of a stored record version, from its batch's
/// packed texts or, for rows written before texts were packed, from its own
/// row. `None` when the version is not stored.
pub(super) fn source_text(
    conn: &Connection,
    source: &str,
    record_id: &str,
    version: u32,
) -> Result<Option<String>, StoreError> {
    let row: Option<(i64, String, Option<i64>, i64)> = conn
        .prepare_cached(
            "SELECT id, raw, text_index, batch_id FROM records \
             WHERE source = ?1 AND record_id = ?2 AND version = ?3",
        )?
        .query_row(params![source, record_id, version], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let Some((id, raw, text_index, batch_id)) = row else {
        return Ok(None);
    };
    let Some(text_index) = text_index else {
        return Ok(Some(raw));
    };
    let corrupt = |reason: String| StoreError::Corrupt { id, reason };
    let packed: Vec<u8> = conn
        .prepare_cached("SELECT texts FROM batch_texts WHERE batch = ?1")?
        .query_row([batch_id], |row| row.get(0))
        .optional()?
        .ok_or_else(|| corrupt(format!("batch {batch_id} has no packed texts")))?;
    let index = usize::try_from(text_index)
        .map_err(|_| corrupt(format!("text index {text_index} is negative")))?;
    texts::unpack_one(&packed, index)
        .map(Some)
        .map_err(|err| corrupt(err.to_string()))
}

/// The statements that store one record and its parts, prepared once per batch.
struct RecordWriter<'t> {
    tx: &'t Transaction<'t>,
    batch_id: i64,
    file: Option<&'t str>,
    current: CachedStatement<'t>,
    record: CachedStatement<'t>,
    mention: CachedStatement<'t>,
    name_key: CachedStatement<'t>,
    vehicle: CachedStatement<'t>,
    property: CachedStatement<'t>,
}

impl<'t> RecordWriter<'t> {
    fn new(
        tx: &'t Transaction<'t>,
        batch_id: i64,
        file: Option<&'t str>,
    ) -> Result<RecordWriter<'t>, StoreError> {
        Ok(RecordWriter {
            tx,
            batch_id,
            file,
            current: tx.prepare_cached(
                "SELECT id, version FROM records WHERE source = ?1 AND record_id = ?2 AND current = 1",
            )?,
            record: tx.prepare_cached(
                "INSERT INTO records (source, record_id, version, kind, date, end_date, status, current, batch_id, line, raw, body, text_index) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', ?11, ?12) \
                 ON CONFLICT (source, record_id, version) DO NOTHING",
            )?,
            mention: tx.prepare_cached(
                "INSERT INTO mentions (record, idx, role, state_id, fbi, licence, inmate, sor_id, person, address_key, \
                 surname, given, dob) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?,
            name_key: tx.prepare_cached(
                "INSERT INTO name_keys (surname_part, given, dob, mention) VALUES (?1, ?2, ?3, ?4)",
            )?,
            vehicle: tx.prepare_cached(
                "INSERT INTO vehicles (record, idx, plate_state, plate_number, vin) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            property: tx
                .prepare_cached("INSERT INTO properties (record, idx, serial) VALUES (?1, ?2, ?3)")?,
        })
    }

    /// Writes one record and returns whether it was accepted (inserted,
    /// stale or duplicate) rather than quarantined as a conflict. With
    /// `maybe_stored` false the caller knows no version of the record is
    /// stored, and the lookup of the current one is skipped.
    fn write(
        &mut self,
        incoming: &IncomingRecord,
        text_index: usize,
        maybe_stored: bool,
        outcome: &mut BatchOutcome,
    ) -> Result<bool, StoreError> {
        let record = &incoming.record;
        let key = &record.key;
        let newest: Option<(i64, u32)> = if maybe_stored {
            self.current
                .query_row(params![key.source, key.record_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?
        } else {
            None
        };
        // The current version is always the highest stored one, so only a
        // version below it can already be stored; the insert below detects
        // that case.
        let current = match newest {
            Some((id, version)) if version == key.version => {
                return stored_again(self.tx, self.batch_id, self.file, id, incoming, outcome);
            }
            Some((_, version)) if version > key.version => false,
            Some((old_id, _)) => {
                self.tx
                    .prepare_cached("UPDATE records SET current = 0 WHERE id = ?1")?
                    .execute([old_id])?;
                outcome.superseded += 1;
                true
            }
            None => true,
        };
        let body =
            serde_json::to_string(&RecordBody::of(record)).map_err(|err| StoreError::Corrupt {
                id: 0,
                reason: err.to_string(),
            })?;
        let (date, end_date) = incoming.dates();
        let inserted = self.record.execute(params![
            key.source,
            key.record_id,
            key.version,
            record.kind.as_str(),
            date,
            end_date,
            record.status.map(|s| s.as_str()),
            current,
            self.batch_id,
            incoming.line.map(|n| n as i64),
            body,
            text_index as i64
        ])?;

        if inserted == 0 {
            let id = self
                .tx
                .prepare_cached(
                    "SELECT id FROM records WHERE source = ?1 AND record_id = ?2 AND version = ?3",
                )?
                .query_row(params![key.source, key.record_id, key.version], |row| {
                    row.get(0)
                })?;
            return stored_again(self.tx, self.batch_id, self.file, id, incoming, outcome);
        }
        if current {
            outcome.inserted += 1;
        } else {
            outcome.stale += 1;
        }
        let row_id = self.tx.last_insert_rowid();
        self.write_parts(row_id, incoming)?;
        Ok(true)
    }

    /// Writes the mention, name-key, vehicle and property rows of
    /// the record stored as row `row_id`.
    fn write_parts(&mut self, row_id: i64, incoming: &IncomingRecord) -> Result<(), StoreError> {
        let record = &incoming.record;
        for (idx, (party, encoded)) in incoming.parties_encoded().enumerate() {
            let ids = &party.person.ids;
            let name = party.person.name.as_ref();
            self.mention.execute(params![
                row_id,
                idx as i64,
                party.role.as_str(),
                ids.state_id,
                ids.fbi,
                ids.licence,
                ids.inmate,
                ids.sor_id,
                encoded.json,
                encoded.address_key,
                name.map(|n| n.surname.as_str()),
                name.map(|n| n.given.as_str()),
                encoded.dob.as_deref().filter(|_| name.is_some())
            ])?;
            let Some(name) = name else { continue };
            // The whole surname is in the mention row. Further parts of a
            // multi-part surname get a name key of their own.
            let mention = self.tx.last_insert_rowid();
            for part in encoded.surname_parts.iter().filter(|p| **p != name.surname) {
                self.name_key
                    .execute(params![part, name.given, encoded.dob, mention])?;
            }
        }
        for (idx, vehicle) in record.vehicles.iter().enumerate() {
            self.vehicle.execute(params![
                row_id,
                idx as i64,
                vehicle.plate.as_ref().map(|p| p.state.as_str()),
                vehicle.plate.as_ref().map(|p| p.number.as_str()),
                vehicle.vin.as_ref().map(|v| v.as_str())
            ])?;
        }
        for (idx, property) in record.properties.iter().enumerate() {
            self.property
                .execute(params![row_id, idx as i64, property.serial])?;
        }
        Ok(())
    }
}

/// Handles a record version that is already stored as row `id`. The same
/// content is a harmless re-send, counted as a duplicate. Different content
/// under the same version is a conflict: the stored version stays, and the
/// new one goes to quarantine, because silently keeping either would lose a
/// correction or hide a source's mistake. Returns whether the record was
/// accepted as a duplicate.
fn stored_again(
    tx: &Transaction<'_>,
    batch_id: i64,
    file: Option<&str>,
    id: i64,
    incoming: &IncomingRecord,
    outcome: &mut BatchOutcome,
) -> Result<bool, StoreError> {
    let stored = load_record(tx, id)?;
    if stored.record == incoming.record {
        outcome.duplicates += 1;
        return Ok(true);
    }
    let entry = QuarantineEntry::conflict(file, incoming);
    let version = Some(incoming.record.key.version);
    store_quarantine(tx, &entry, version, batch_id, true)?;
    outcome.quarantined += 1;
    outcome.conflicts.push(entry);
    Ok(false)
}

/// Stores a quarantine entry keyed by source and raw text, with its record's
/// version when known. An entry quarantined again keeps its id and first
/// batch, takes the new reason and is no longer resolved, because the source
/// has sent the rejected copy again. With `reopen`, an entry that a replay
/// has just closed is opened again.
fn store_quarantine(
    tx: &Transaction<'_>,
    entry: &QuarantineEntry,
    version: Option<u32>,
    batch_id: i64,
    reopen: bool,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO quarantine (source, file, line, record_id, field, reason, raw, first_batch, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10) \
         ON CONFLICT (source, raw) DO UPDATE SET reason = excluded.reason, field = excluded.field, \
         version = excluded.version, resolved_batch = NULL, \
         replayed_batch = CASE WHEN ?9 THEN NULL ELSE replayed_batch END",
    )?
    .execute(params![
        entry.source,
        entry.file,
        entry.line.map(|n| n as i64),
        entry.record_id,
        entry.field,
        entry.reason,
        entry.raw,
        batch_id,
        reopen,
        version
    ])?;
    Ok(())
}

/// Marks resolved, by `batch_id`, the open quarantine entries of `source`
/// whose record the batch accepted (`accepted`: record id to its highest
/// accepted version) at the entry's version or a higher one. Entries with no
/// known version are resolved by any version. Entries whose raw text the
/// batch quarantined again (`quarantined_now`) stay open.
///
/// It reads the id, record id and version of every open entry of the source
/// once per batch, so its cost grows with the open quarantine, not the store.
fn resolve_quarantine(
    tx: &Transaction<'_>,
    source: &str,
    batch_id: i64,
    accepted: &FxHashMap<&str, u32>,
    quarantined_now: &FxHashSet<&str>,
) -> Result<(), StoreError> {
    if accepted.is_empty() {
        return Ok(());
    }
    let open: Vec<(i64, String, Option<u32>)> = tx
        .prepare_cached(
            "SELECT id, record_id, version FROM quarantine WHERE source = ?1 \
             AND record_id IS NOT NULL AND replayed_batch IS NULL AND resolved_batch IS NULL",
        )?
        .query_map([source], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, record_id, version) in open {
        let Some(highest) = accepted.get(record_id.as_str()) else {
            continue;
        };
        if version.is_some_and(|version| version > *highest) {
            continue;
        }
        let raw: String = tx
            .prepare_cached("SELECT raw FROM quarantine WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        if quarantined_now.contains(raw.as_str()) {
            continue;
        }
        tx.prepare_cached("UPDATE quarantine SET resolved_batch = ?2 WHERE id = ?1")?
            .execute(params![id, batch_id])?;
    }
    Ok(())
}

/// The stored body of a record: the facts that have no column of their own.
/// The key, kind, dates and status are columns, and the parties are stored
/// once, as mention rows; [`load_record`] puts them back together. Bodies
/// written by older builds also carry the columns' values, which reading ignores.
#[derive(serde::Serialize)]
struct RecordBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    case_number: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    town: &'a Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    vehicles: &'a [crate::model::VehicleFacts],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    properties: &'a [crate::model::PropertyFacts],
}

impl<'a> RecordBody<'a> {
    fn of(record: &'a CanonicalRecord) -> RecordBody<'a> {
        RecordBody {
            case_number: &record.case_number,
            description: &record.description,
            town: &record.town,
            vehicles: &record.vehicles,
            properties: &record.properties,
        }
    }
}
