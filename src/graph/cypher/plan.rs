//! Planning a batch write: which records are new, duplicate, superseding or
//! stale, computed from what the server already holds, and the statement
//! parameters that write them.
//!
//! A batch is identified by a token hashed from its content. Records written
//! by an earlier attempt of the same batch that never reached its commit
//! marker are counted as this attempt's work, so a batch interrupted half-way
//! and re-sent reports the same counts as one that ran through.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Value, json};

use crate::graph::{Batch, BatchOutcome, IncomingRecord, StoreError, vehicle_key};
use crate::model::CanonicalRecord;

/// How a stored record version entered the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// New record, current.
    Inserted,
    /// New version that replaced the current one.
    Superseded,
    /// Version older than the current one; kept, not current.
    Stale,
}

impl Outcome {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Outcome::Inserted => "inserted",
            Outcome::Superseded => "superseded",
            Outcome::Stale => "stale",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Outcome> {
        match text {
            "inserted" => Some(Outcome::Inserted),
            "superseded" => Some(Outcome::Superseded),
            "stale" => Some(Outcome::Stale),
            _ => None,
        }
    }
}

/// A stored version of a record, as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredVersion {
    /// Version number.
    pub(super) version: u32,
    /// Content token of the batch attempt that wrote it.
    pub(super) token: String,
    /// How it entered the store.
    pub(super) outcome: Option<Outcome>,
    /// [`content_hash`] of the stored record; absent on records written by
    /// builds that did not store it, which are then taken as equal.
    pub(super) content: Option<String>,
}

/// Stored data that bears on one batch.
#[derive(Debug, Clone, Default)]
pub(super) struct Existing {
    /// Stored versions by record key ([`rkey`]).
    pub(super) versions: HashMap<String, Vec<StoredVersion>>,
    /// Whether a batch with this token already committed.
    pub(super) committed: bool,
    /// Quarantine keys already stored.
    pub(super) quarantine: HashSet<String>,
}

/// The work one batch attempt has to do.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    /// Counts to report (the batch id is filled in later).
    pub(super) outcome: BatchOutcome,
    /// Records to write: index into `batch.records`, how it enters, whether current.
    pub(super) writes: Vec<(usize, Outcome, bool)>,
    /// Indexes into `batch.quarantined` of entries not yet stored.
    pub(super) new_quarantine: Vec<usize>,
    /// Indexes into `batch.records` of versions already stored with different
    /// content, which go to quarantine instead.
    pub(super) conflicts: Vec<usize>,
    /// Record keys ([`rkey`]) with more than one version once the batch is
    /// stored, sorted. Only their current flags need settling: a record's
    /// only version is written current.
    pub(super) settle: Vec<String>,
}

impl Plan {
    /// Mentions the planned writes create.
    pub(super) fn mention_count(&self, batch: &Batch) -> usize {
        self.writes
            .iter()
            .map(|(i, _, _)| batch.records[*i].record.parties.len())
            .sum()
    }
}

/// FNV-1a over 128 bits: stable across builds and platforms, unlike `std`'s hasher.
pub(super) fn fnv128(parts: &[&[u8]]) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.iter().chain(&[0x1f]) {
            hash ^= u128::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

/// Returns the content token of a batch.
pub(super) fn batch_token(batch: &Batch) -> String {
    let mut parts: Vec<Vec<u8>> = vec![
        batch.source.clone().into_bytes(),
        batch.file.clone().unwrap_or_default().into_bytes(),
    ];
    for incoming in &batch.records {
        parts.push(key(&incoming.record).into_bytes());
        parts.push(incoming.raw.clone().into_bytes());
    }
    for entry in &batch.quarantined {
        parts.push(entry.raw.clone().into_bytes());
        parts.push(entry.reason.clone().into_bytes());
    }
    for id in &batch.replayed {
        parts.push(id.to_string().into_bytes());
    }
    let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    fnv128(&slices)
}

/// Key of one record version: JSON `[source, record_id, version]`.
pub(super) fn key(record: &CanonicalRecord) -> String {
    let key = &record.key;
    json!([key.source, key.record_id, key.version]).to_string()
}

/// Key of all versions of one record: JSON `[source, record_id]`.
pub(super) fn rkey(record: &CanonicalRecord) -> String {
    json!([record.key.source, record.key.record_id]).to_string()
}

/// Hash of a record's full canonical form, to tell a harmless re-send of a
/// stored version from different content under the same version.
pub(super) fn content_hash(record: &CanonicalRecord) -> String {
    let body = serde_json::to_vec(record).unwrap_or_default();
    fnv128(&[&body])
}

/// Key of a quarantine entry: a hash of its source and raw text.
pub(super) fn qkey(source: &str, raw: &str) -> String {
    fnv128(&[source.as_bytes(), raw.as_bytes()])
}

/// Classifies every record of the batch against what is stored, in batch order.
pub(super) fn plan(batch: &Batch, token: &str, existing: &Existing) -> Plan {
    // Per record: version -> (whether an unclaimed write of an earlier
    // attempt, content hash when known).
    let mut known: HashMap<String, BTreeMap<u32, (bool, Option<String>)>> = HashMap::new();
    let mut plan = Plan::default();
    for (index, incoming) in batch.records.iter().enumerate() {
        let versions = known.entry(rkey(&incoming.record)).or_insert_with_key(|k| {
            existing
                .versions
                .get(k)
                .into_iter()
                .flatten()
                .map(|v| {
                    let unclaimed = v.token == token && !existing.committed;
                    (v.version, (unclaimed, v.content.clone()))
                })
                .collect()
        });
        let version = incoming.record.key.version;
        let content = content_hash(&incoming.record);
        let outcome = match versions.get(&version) {
            Some((true, _)) => stored_outcome(existing, incoming, token),
            Some((false, stored)) => {
                if stored.as_ref().is_some_and(|stored| *stored != content) {
                    plan.conflicts.push(index);
                } else {
                    plan.outcome.duplicates += 1;
                }
                continue;
            }
            None => {
                let outcome = match versions.keys().next_back() {
                    Some(top) if *top > version => Outcome::Stale,
                    Some(_) => Outcome::Superseded,
                    None => Outcome::Inserted,
                };
                plan.writes
                    .push((index, outcome, outcome != Outcome::Stale));
                outcome
            }
        };
        versions.insert(version, (false, Some(content)));
        count(&mut plan.outcome, outcome);
    }
    plan.settle = known
        .into_iter()
        .filter(|(_, versions)| versions.len() > 1)
        .map(|(rkey, _)| rkey)
        .collect();
    plan.settle.sort_unstable();
    plan.outcome.quarantined = batch.quarantined.len() + plan.conflicts.len();
    let mut seen = HashSet::new();
    for (index, entry) in batch.quarantined.iter().enumerate() {
        let qkey = qkey(&entry.source, &entry.raw);
        if !existing.quarantine.contains(&qkey) && seen.insert(qkey) {
            plan.new_quarantine.push(index);
        }
    }
    plan
}

/// How an earlier, uncommitted attempt of this batch stored the record.
fn stored_outcome(existing: &Existing, incoming: &IncomingRecord, token: &str) -> Outcome {
    existing
        .versions
        .get(&rkey(&incoming.record))
        .into_iter()
        .flatten()
        .find(|v| v.version == incoming.record.key.version && v.token == token)
        .and_then(|v| v.outcome)
        .unwrap_or(Outcome::Inserted)
}

fn count(outcome: &mut BatchOutcome, how: Outcome) {
    match how {
        Outcome::Inserted => outcome.inserted += 1,
        Outcome::Superseded => {
            outcome.inserted += 1;
            outcome.superseded += 1;
        }
        Outcome::Stale => outcome.stale += 1,
    }
}

/// Builds the `$records` parameter of `write_records.cypher` for one record,
/// with its record id and the id of its first mention.
pub(super) fn record_param(
    incoming: &IncomingRecord,
    how: Outcome,
    current: bool,
    rid: i64,
    first_mention: i64,
) -> Result<Value, StoreError> {
    let record = &incoming.record;
    let corrupt = |err: serde_json::Error| StoreError::Corrupt {
        id: rid,
        reason: err.to_string(),
    };
    let mut mentions = Vec::with_capacity(record.parties.len());
    for (idx, (party, encoded)) in incoming.parties_encoded().enumerate() {
        let person = &party.person;
        mentions.push(json!({
            "id": first_mention + idx as i64,
            "idx": idx,
            "role": party.role.as_str(),
            "given": person.name.as_ref().map(|n| n.given.clone()),
            "dob": encoded.dob,
            "person": serde_json::to_string(person).map_err(corrupt)?,
            "surname_parts": encoded.surname_parts,
            "identifiers": identifier_keys(person),
            "addresses": encoded.address_key.iter().collect::<Vec<_>>(),
        }));
    }
    let vehicles: BTreeSet<String> = record.vehicles.iter().filter_map(vehicle_key).collect();
    let plates: BTreeSet<String> = record
        .vehicles
        .iter()
        .filter_map(|v| v.plate.as_ref())
        .map(|p| format!("{} {}", p.state, p.number))
        .collect();
    Ok(json!({
        "rid": rid,
        "key": key(record),
        "rkey": rkey(record),
        "source": record.key.source,
        "record_id": record.key.record_id,
        "version": record.key.version,
        "kind": record.kind.as_str(),
        "date": incoming.dates().0,
        "end_date": incoming.dates().1,
        "status": record.status.map(|s| s.as_str()),
        "current": current,
        "outcome": how.as_str(),
        "line": incoming.line,
        "raw": incoming.raw,
        "body": serde_json::to_string(record).map_err(corrupt)?,
        "content": content_hash(record),
        "mentions": mentions,
        "vehicles": vehicles,
        "plates": plates,
    }))
}

/// Returns `KIND:VALUE` for every identifier a mention carries.
pub(super) fn identifier_keys(person: &crate::model::PersonFacts) -> Vec<String> {
    let ids = &person.ids;
    [
        ("state_id", &ids.state_id),
        ("fbi", &ids.fbi),
        ("licence", &ids.licence),
        ("inmate", &ids.inmate),
        ("sor_id", &ids.sor_id),
    ]
    .into_iter()
    .filter_map(|(kind, value)| value.as_ref().map(|v| format!("{kind}:{v}")))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordKey, RecordKind};

    fn incoming(record_id: &str, version: u32) -> IncomingRecord {
        let key = RecordKey {
            source: "s".into(),
            record_id: record_id.into(),
            version,
        };
        let record = CanonicalRecord::new(key, RecordKind::Arrest);
        IncomingRecord::new(record, format!("{record_id},{version}"), None).expect("record encodes")
    }

    fn batch(records: Vec<IncomingRecord>) -> Batch {
        Batch {
            source: "s".into(),
            records,
            ..Batch::default()
        }
    }

    fn stored(record_id: &str, version: u32, token: &str, how: Outcome) -> (String, StoredVersion) {
        (
            rkey(&incoming(record_id, version).record),
            StoredVersion {
                version,
                token: token.into(),
                outcome: Some(how),
                content: None,
            },
        )
    }

    fn existing(versions: &[(String, StoredVersion)], committed: bool) -> Existing {
        let mut map: HashMap<String, Vec<StoredVersion>> = HashMap::new();
        for (k, v) in versions {
            map.entry(k.clone()).or_default().push(v.clone());
        }
        Existing {
            versions: map,
            committed,
            quarantine: HashSet::new(),
        }
    }

    #[test]
    fn classifies_like_the_sqlite_store_in_batch_order() {
        let b = batch(vec![
            incoming("A", 2),
            incoming("A", 1),
            incoming("B", 1),
            incoming("B", 1),
            incoming("C", 3),
        ]);
        let have = existing(
            &[
                stored("A", 1, "old", Outcome::Inserted),
                stored("C", 5, "old", Outcome::Inserted),
            ],
            true,
        );
        let plan = plan(&b, "new", &have);
        assert_eq!(plan.outcome.inserted, 2, "A2 and B1");
        assert_eq!(plan.outcome.superseded, 1, "A2 over A1");
        assert_eq!(plan.outcome.duplicates, 2, "A1 and the second B1");
        assert_eq!(plan.outcome.stale, 1, "C3 under C5");
        assert_eq!(plan.writes.len(), 3);
        let settle: Vec<String> = ["A", "C"]
            .iter()
            .map(|id| rkey(&incoming(id, 1).record))
            .collect();
        assert_eq!(
            plan.settle, settle,
            "B has one version and is written current"
        );
    }

    #[test]
    fn same_version_with_new_content_is_a_conflict() {
        let mut changed = incoming("A", 1);
        changed.record.status = Some(crate::model::Status::Closed);
        let b = batch(vec![incoming("B", 1), changed, incoming("A", 1)]);
        let mut stored_a = stored("A", 1, "old", Outcome::Inserted);
        stored_a.1.content = Some(content_hash(&incoming("A", 1).record));
        let plan = plan(&b, "new", &existing(&[stored_a], true));
        assert_eq!(plan.conflicts, vec![1]);
        assert_eq!(plan.outcome.duplicates, 1, "the unchanged A1");
        assert_eq!(plan.outcome.quarantined, 1);
        assert_eq!(plan.outcome.inserted, 1, "B1");
    }

    #[test]
    fn records_of_an_unfinished_attempt_count_as_this_attempts_work() {
        let b = batch(vec![incoming("A", 2), incoming("B", 1)]);
        let token = batch_token(&b);
        let have = existing(
            &[
                stored("A", 1, "old", Outcome::Inserted),
                stored("A", 2, &token, Outcome::Superseded),
            ],
            false,
        );
        let plan = plan(&b, &token, &have);
        assert_eq!(plan.outcome.inserted, 2);
        assert_eq!(plan.outcome.superseded, 1);
        assert_eq!(plan.outcome.duplicates, 0);
        assert_eq!(
            plan.writes.iter().map(|w| w.0).collect::<Vec<_>>(),
            vec![1],
            "only B is written"
        );
    }

    #[test]
    fn a_committed_batch_sent_again_is_all_duplicates() {
        let b = batch(vec![incoming("A", 1)]);
        let token = batch_token(&b);
        let have = existing(&[stored("A", 1, &token, Outcome::Inserted)], true);
        let plan = plan(&b, &token, &have);
        assert_eq!(plan.outcome.duplicates, 1);
        assert!(plan.writes.is_empty());
    }

    #[test]
    fn token_depends_on_content() {
        let one = batch(vec![incoming("A", 1)]);
        let two = batch(vec![incoming("A", 2)]);
        assert_eq!(batch_token(&one), batch_token(&one.clone()));
        assert_ne!(batch_token(&one), batch_token(&two));
    }
}
