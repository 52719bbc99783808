//! The graph store: source records stay as received, and people, vehicles and
//! addresses are derived from them.
//!
//! [`GraphStore`] is the one interface the rest of the crate uses; every
//! implementation keeps records immutable (a new version supersedes an old one
//! without deleting it) and treats entity assignments as derived data that
//! resolution may rewrite at any time.

mod assoc;
pub mod cypher;
mod review;
mod schema;
mod sqlite;
pub mod texts;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use assoc::{
    AssocFilter, Edge, EdgeKind, Evidence, MAX_NEIGHBOURHOOD_DEPTH, MAX_PATH_DEPTH,
    MAX_RECORDS_PER_NODE, MAX_SUBGRAPH_NODES, NodeRef, RecordNode, Subgraph, edges_of_record,
    record_node, vehicle_key,
};
pub use cypher::CypherStore;
pub use review::{DecisionKind, MentionParty, PartyRef, QueuedPair, ReviewDecision, ordered_pair};
pub use sqlite::SqliteStore;

use crate::model::PersonFacts;
use crate::model::{CanonicalRecord, Role};
use crate::normalize::{IdKind, PersonName, Plate, iso_date};

/// Pairs each mention with its party entry, both in id order, as
/// [`GraphStore::mentions`] and [`GraphStore::mention_parties`] return them.
/// Entries that a concurrent ingest added to the later list only are left out.
pub(crate) fn pair_parties(
    mentions: Vec<Mention>,
    parties: Vec<MentionParty>,
) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
    let mut pairs = Vec::with_capacity(mentions.len());
    for (mention, party) in mentions.into_iter().zip(parties) {
        if mention.id != party.mention {
            return Err(StoreError::Corrupt {
                id: mention.id,
                reason: format!("mention list and party list differ at {}", party.mention),
            });
        }
        pairs.push((mention, party));
    }
    Ok(pairs)
}

/// Id of a derived person entity: the smallest mention id in its cluster, so it
/// stays the same across re-resolution while that mention stays in the cluster.
pub type EntityId = i64;

/// Id of one person mention: one party of one stored record version.
pub type MentionId = i64;

/// A store's internal number of one record version: the SQLite row id, or
/// the `rid` of a graph server's record node.
pub type RecordVersionId = i64;

/// A validated record on its way into the store.
#[derive(Debug, Clone)]
pub struct IncomingRecord {
    /// The record in canonical form.
    pub record: CanonicalRecord,
    /// The record as the source sent it, kept for audit and re-mapping.
    pub raw: String,
    /// Line number in the input file, when it came from a file.
    pub line: Option<u64>,
    /// The record's dates and each party's facts and lookup keys in the form
    /// both stores keep them. [`IncomingRecord::new`] encodes them on the
    /// thread that maps the record, so the store's single writer does not
    /// have to. The record must not change after that.
    encoded: EncodedRecord,
}

/// The parts of a record that the stores keep as text, encoded once.
#[derive(Debug, Clone)]
struct EncodedRecord {
    date: Option<String>,
    end_date: Option<String>,
    parties: Vec<EncodedParty>,
}

/// One party's facts and lookup keys as the stores keep them.
#[derive(Debug, Clone)]
pub struct EncodedParty {
    /// The party's facts that the SQLite store keeps as JSON: all but the
    /// name, date of birth and identifiers, which are columns there.
    pub json: String,
    /// The distinct parts of the surname that name lookups use: the whole
    /// surname and each part of a multi-part one, in sorted order.
    pub surname_parts: Vec<String>,
    /// The date of birth, `YYYY-MM-DD`.
    pub dob: Option<String>,
    /// The address key ([`crate::normalize::Address::key`]).
    pub address_key: Option<String>,
}

impl EncodedParty {
    fn of(person: &PersonFacts) -> Result<EncodedParty, serde_json::Error> {
        let surname_parts: std::collections::BTreeSet<&str> = person
            .name
            .iter()
            .flat_map(|n| std::iter::once(n.surname.as_str()).chain(n.surname_parts()))
            .collect();
        Ok(EncodedParty {
            json: sqlite::facts::encode(person)?,
            surname_parts: surname_parts.into_iter().map(str::to_string).collect(),
            dob: person.dob.map(|d| iso_date(d.date())),
            address_key: person.address.as_ref().map(|a| a.key()),
        })
    }
}

impl IncomingRecord {
    /// Wraps a mapped record with its raw text and line, encoding its dates
    /// and parties.
    pub fn new(
        record: CanonicalRecord,
        raw: String,
        line: Option<u64>,
    ) -> Result<IncomingRecord, serde_json::Error> {
        let parties = record
            .parties
            .iter()
            .map(|party| EncodedParty::of(&party.person))
            .collect::<Result<_, _>>()?;
        let encoded = EncodedRecord {
            date: record.date.map(iso_date),
            end_date: record.end_date.map(iso_date),
            parties,
        };
        Ok(IncomingRecord {
            record,
            raw,
            line,
            encoded,
        })
    }

    /// Returns each party of the record with its encoded form, in party order.
    pub fn parties_encoded(&self) -> impl Iterator<Item = (&crate::model::Party, &EncodedParty)> {
        self.record.parties.iter().zip(&self.encoded.parties)
    }

    /// Returns the record's date and end date, `YYYY-MM-DD`.
    pub fn dates(&self) -> (Option<&str>, Option<&str>) {
        (
            self.encoded.date.as_deref(),
            self.encoded.end_date.as_deref(),
        )
    }
}

/// A record that failed validation, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// Store id; `None` until stored.
    pub id: Option<i64>,
    /// Source name.
    pub source: String,
    /// Input file, when the record came from one.
    pub file: Option<String>,
    /// Line number in the input file.
    pub line: Option<u64>,
    /// Record id, when it could be read.
    pub record_id: Option<String>,
    /// Field that failed, in the source's own naming.
    pub field: Option<String>,
    /// Reason the record was rejected.
    pub reason: String,
    /// The record as the source sent it.
    pub raw: String,
    /// Whether the entry is open, or which batch closed it. Stores fill it
    /// in when they list entries and ignore it when they write one.
    #[serde(default)]
    pub status: QuarantineStatus,
}

/// Whether a quarantine entry still waits for a fix, and what closed it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineStatus {
    /// Not fixed yet, so `ciss quarantine replay` retries it.
    #[default]
    Open,
    /// A replay mapped the record again and stored it, in this batch.
    Replayed(i64),
    /// This later batch accepted a copy of the record (same source and
    /// record id) at the entry's version or a higher one.
    Resolved(i64),
}

impl QuarantineStatus {
    /// Builds the status from the batches a store keeps per entry. A store
    /// sets at most one of them, because only open entries are closed.
    pub fn from_batches(replayed: Option<i64>, resolved: Option<i64>) -> QuarantineStatus {
        match (replayed, resolved) {
            (_, Some(batch)) => QuarantineStatus::Resolved(batch),
            (Some(batch), None) => QuarantineStatus::Replayed(batch),
            (None, None) => QuarantineStatus::Open,
        }
    }
}

/// Written as `open`, `replayed in batch N` or `resolved by batch N`.
impl std::fmt::Display for QuarantineStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuarantineStatus::Open => f.write_str("open"),
            QuarantineStatus::Replayed(batch) => write!(f, "replayed in batch {batch}"),
            QuarantineStatus::Resolved(batch) => write!(f, "resolved by batch {batch}"),
        }
    }
}

impl QuarantineEntry {
    /// Builds the entry for a record whose version is already stored with
    /// different content. Stores quarantine such a record instead of counting
    /// it as a duplicate, because keeping either copy silently would lose a
    /// correction or hide a source's mistake.
    pub fn conflict(file: Option<&str>, incoming: &IncomingRecord) -> QuarantineEntry {
        let key = &incoming.record.key;
        QuarantineEntry {
            id: None,
            source: key.source.clone(),
            file: file.map(str::to_string),
            line: incoming.line,
            record_id: Some(key.record_id.clone()),
            field: Some("version".to_string()),
            reason: format!(
                "version: record {} already has a version {} with different content; \
                 send the change as a higher version",
                key.record_id, key.version
            ),
            raw: incoming.raw.clone(),
            status: QuarantineStatus::Open,
        }
    }
}

/// One unit of atomic work: every record and quarantine entry of a batch is
/// stored, or none is.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Source name.
    pub source: String,
    /// Agency name shown to users.
    pub agency: String,
    /// Input file, when the batch came from one.
    pub file: Option<String>,
    /// Records that passed validation.
    pub records: Vec<IncomingRecord>,
    /// Records that failed validation.
    pub quarantined: Vec<QuarantineEntry>,
    /// The record version of each entry in `quarantined`, by position, when
    /// it could be read. A missing or `None` version counts as unknown, and
    /// any later accepted copy of the record resolves such an entry.
    pub quarantined_versions: Vec<Option<u32>>,
    /// Quarantine entries this batch replays; they are marked replayed once the
    /// batch commits.
    pub replayed: Vec<i64>,
    /// The raw texts of `records`, in order, packed ahead of time for a store
    /// that keeps them packed ([`GraphStore::packs_texts`]). Such a store
    /// packs them itself when this is `None`.
    pub texts: Option<texts::PackedTexts>,
}

impl Batch {
    /// Packs the raw texts of the batch's records, in order.
    pub fn packed_texts(&self) -> Result<texts::PackedTexts, texts::TextsError> {
        texts::pack(self.records.iter().map(|r| r.raw.as_str()))
    }
}

/// Counts of what storing a batch changed, with the conflicts the store found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    /// Store id of the batch.
    pub batch_id: i64,
    /// Record versions stored for the first time that became current.
    pub inserted: usize,
    /// Record versions already stored; nothing changed.
    pub duplicates: usize,
    /// Of the inserted versions, how many superseded an older current version.
    pub superseded: usize,
    /// Versions older than the stored current one: kept, but not current.
    pub stale: usize,
    /// Quarantine entries in the batch (new or already quarantined before),
    /// including `conflicts`.
    pub quarantined: usize,
    /// Records quarantined by the store because their version is already
    /// stored with different content ([`QuarantineEntry::conflict`]). Only the
    /// store can find them, so the batch's own `quarantined` list lacks them.
    pub conflicts: Vec<QuarantineEntry>,
}

/// A record version as stored, with the entity of each party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRecord {
    /// Agency that sent the record.
    pub agency: String,
    /// Whether this is the highest stored version of the record.
    pub current: bool,
    /// The record.
    pub record: CanonicalRecord,
    /// Entity of each party, aligned with `record.parties`; `None` until resolved.
    pub party_entities: Vec<Option<EntityId>>,
}

impl StoredRecord {
    /// Returns the roles `entity` plays in this record.
    pub fn roles_of(&self, entity: EntityId) -> impl Iterator<Item = Role> + '_ {
        self.record
            .parties
            .iter()
            .zip(&self.party_entities)
            .filter(move |(_, e)| **e == Some(entity))
            .map(|(party, _)| party.role)
    }

    /// Returns the entity of the party at `party` (from 1), `None` when the
    /// record has no such party or it is not resolved yet.
    pub fn entity_of_party(&self, party: u32) -> Option<EntityId> {
        let index = (party as usize).checked_sub(1)?;
        self.party_entities.get(index).copied().flatten()
    }
}

/// One person mention with the facts its record gives, as resolution needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Mention id.
    pub id: MentionId,
    /// Source of the record.
    pub source: String,
    /// Record id in the source.
    pub record_id: String,
    /// The store's own number for the record version the mention is a party
    /// of. Parties of one version share it, and so are different people by
    /// the record's own word; no other meaning is given to it.
    pub record: RecordVersionId,
    /// Role in the record.
    pub role: Role,
    /// Facts the record gives about the person.
    pub person: PersonFacts,
}

/// A person search by name, optionally narrowed by date of birth.
#[derive(Debug, Clone, PartialEq)]
pub struct NameQuery {
    /// Surname in canonical form; matches any part of a multi-part surname.
    pub surname: String,
    /// Given name in canonical form, if given.
    pub given: Option<String>,
    /// Date of birth, if given.
    pub dob: Option<chrono::NaiveDate>,
}

impl NameQuery {
    /// Builds a query from a parsed name.
    pub fn from_name(name: &PersonName, dob: Option<chrono::NaiveDate>) -> NameQuery {
        NameQuery {
            surname: name.surname.clone(),
            given: Some(name.given.clone()),
            dob,
        }
    }
}

/// Row counts, for reports and health checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoreCounts {
    /// Stored record versions.
    pub records: u64,
    /// Current record versions.
    pub current_records: u64,
    /// Person mentions.
    pub mentions: u64,
    /// Distinct person entities.
    pub entities: u64,
    /// Distinct vehicles (by VIN, or plate when the VIN is missing).
    pub vehicles: u64,
    /// Committed batches.
    pub batches: u64,
    /// Quarantine entries not yet replayed.
    pub quarantined: u64,
}

/// Errors from a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The SQLite database failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record could not be decoded.
    #[error("stored record {id} is corrupt: {reason}")]
    Corrupt {
        /// Row id.
        id: i64,
        /// Decoding error.
        reason: String,
    },
    /// The store location is invalid or cannot be opened.
    #[error("cannot open store {location}: {reason}")]
    Open {
        /// Path or URI.
        location: String,
        /// Why.
        reason: String,
    },
    /// Flushing the store's file to disk failed.
    #[error("cannot flush store {location} to disk: {reason}")]
    Flush {
        /// Path.
        location: String,
        /// Why.
        reason: String,
    },
    /// A blocking task running a store call was cancelled or panicked.
    #[error("store task failed: {0}")]
    Task(String),
    /// The caller passed a value the store cannot serve; the message names it.
    #[error("{0}")]
    InvalidArgument(String),
    /// A graph server failed or could not be reached.
    #[error("{server}: {message}")]
    Server {
        /// Which server: `falkordb` or `neo4j`.
        server: &'static str,
        /// What failed, as the server or client library said it.
        message: String,
        /// Whether the same call may succeed later: the connection was lost
        /// or the server reported a transient error.
        retryable: bool,
    },
}

impl StoreError {
    /// Returns whether retrying the same call may succeed: the SQLite database
    /// was busy or locked by another process, or a graph server connection was
    /// lost or the server reported a transient error. Everything else (bad
    /// statements, constraint violations, corrupt data) is fatal.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(err, _)) => matches!(
                err.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            StoreError::Server { retryable, .. } => *retryable,
            _ => false,
        }
    }
}

/// The storage interface every store implements and the conformance tests check.
#[async_trait]
pub trait GraphStore: Send + Sync {
    /// Stores a batch atomically. Re-sending a stored `(source, record_id,
    /// version)` is a no-op counted as a duplicate; a higher version becomes
    /// current and the old one stays.
    async fn apply_batch(&self, batch: std::sync::Arc<Batch>) -> Result<BatchOutcome, StoreError>;

    /// Prepares the store for loading many records through `apply_batch`.
    /// The SQLite store drops its secondary indexes until
    /// [`GraphStore::end_bulk_load`], so lookups meanwhile scan whole tables,
    /// and a store opened after an interrupted bulk load builds them again.
    /// Stores without a cheaper bulk path keep their indexes, and for them
    /// this does nothing.
    async fn begin_bulk_load(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Ends a bulk load, building whatever `begin_bulk_load` deferred.
    async fn end_bulk_load(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether the store keeps record texts packed per batch, so producers
    /// should fill [`Batch::texts`] on their own threads.
    fn packs_texts(&self) -> bool {
        false
    }

    /// Returns the text the source sent for one stored record version, or
    /// `None` when that version is not stored.
    async fn source_text(
        &self,
        source: &str,
        record_id: &str,
        version: u32,
    ) -> Result<Option<String>, StoreError>;

    /// Returns every person mention of every stored record version.
    async fn mentions(&self) -> Result<Vec<Mention>, StoreError>;

    /// Replaces the entity of every listed mention in one transaction.
    async fn assign_entities(&self, assignment: &[(MentionId, EntityId)])
    -> Result<(), StoreError>;

    /// Returns current vehicle registrations naming `plate`, newest first.
    async fn registrations_by_plate(&self, plate: &Plate) -> Result<Vec<StoredRecord>, StoreError>;

    /// Returns every current record in which `entity` is a party.
    async fn records_of_entity(&self, entity: EntityId) -> Result<Vec<StoredRecord>, StoreError>;

    /// Returns the current records of each entity, one list per entity in the
    /// order given, each as [`GraphStore::records_of_entity`] returns it.
    /// Graph servers override it to fetch every list in one round trip.
    async fn records_of_entities(
        &self,
        entities: &[EntityId],
    ) -> Result<Vec<Vec<StoredRecord>>, StoreError> {
        let mut lists = Vec::with_capacity(entities.len());
        for entity in entities {
            lists.push(self.records_of_entity(*entity).await?);
        }
        Ok(lists)
    }

    /// Returns whether `entity` exists: a mention of a current record
    /// version belongs to it.
    async fn entity_exists(&self, entity: EntityId) -> Result<bool, StoreError>;

    /// Returns entities with a mention matching the name query, at most `limit`.
    async fn search_by_name(
        &self,
        query: &NameQuery,
        limit: usize,
    ) -> Result<Vec<EntityId>, StoreError>;

    /// Returns entities with a mention carrying the identifier.
    async fn search_by_identifier(
        &self,
        kind: IdKind,
        value: &str,
    ) -> Result<Vec<EntityId>, StoreError>;

    /// Returns quarantine entries, optionally for one source. Only open entries
    /// are returned unless `include_replayed` is set, which adds the entries
    /// closed by a replay or resolved by a later accepted copy of their record.
    async fn quarantine(
        &self,
        source: Option<&str>,
        include_replayed: bool,
    ) -> Result<Vec<QuarantineEntry>, StoreError>;

    /// Returns row counts.
    async fn counts(&self) -> Result<StoreCounts, StoreError>;

    /// Counts person mentions that have no entity yet: records stored but not
    /// resolved, because resolution was skipped, failed or was interrupted.
    /// Queries about those people miss these records until `ciss resolve` runs.
    async fn count_unresolved_mentions(&self) -> Result<u64, StoreError>;

    /// Counts the secondary indexes the store lacks, as while another process
    /// runs a bulk load or after one was killed. Queries still return results but
    /// scan whole tables. Stores that never drop indexes return 0.
    async fn count_missing_indexes(&self) -> Result<u64, StoreError> {
        Ok(0)
    }

    /// Returns the people, vehicles, addresses and records within `depth`
    /// (1 to [`MAX_NEIGHBOURHOOD_DEPTH`]) edges of `entity`, following only
    /// the edges `filter` allows. Each node contributes at most
    /// [`MAX_RECORDS_PER_NODE`] records; the result says when it was cut.
    async fn neighbourhood(
        &self,
        entity: EntityId,
        depth: u8,
        filter: &AssocFilter,
    ) -> Result<Subgraph, StoreError>;

    /// Returns a shortest path of at most `max_depth` (1 to [`MAX_PATH_DEPTH`])
    /// edges between two people, or `None` when there is none.
    async fn path(
        &self,
        from: EntityId,
        to: EntityId,
        max_depth: u8,
    ) -> Result<Option<Subgraph>, StoreError>;

    /// Returns every current record naming `entity`, oldest first; undated
    /// records come last, ties are ordered by source and record id.
    async fn timeline(&self, entity: EntityId) -> Result<Vec<StoredRecord>, StoreError>;

    /// Returns the current version of a record, or `None` when none is stored.
    async fn current_record(
        &self,
        source: &str,
        record_id: &str,
    ) -> Result<Option<StoredRecord>, StoreError>;

    /// Returns the party position (from 1) of every mention, its record's
    /// version and whether that version is current, in mention id order,
    /// aligned with [`GraphStore::mentions`].
    async fn mention_parties(&self) -> Result<Vec<MentionParty>, StoreError>;

    /// Returns the mentions with ids above `after`, in id order, each with
    /// its party position and currency, so incremental resolution reads only
    /// what arrived since its last run. The default reads every mention.
    async fn mentions_after(
        &self,
        after: MentionId,
    ) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
        let mentions = self.mentions().await?;
        let parties = self.mention_parties().await?;
        let mut pairs = pair_parties(mentions, parties)?;
        pairs.retain(|(mention, _)| mention.id > after);
        Ok(pairs)
    }

    /// Returns the mentions of every stored version of the records named by
    /// `(source, record id)`, in id order, each with its party position and
    /// currency. Review reads them to follow decided people across
    /// versions. The default reads every mention.
    async fn record_mentions(
        &self,
        records: &[(String, String)],
    ) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
        let requested: std::collections::HashSet<(&str, &str)> = records
            .iter()
            .map(|(source, id)| (source.as_str(), id.as_str()))
            .collect();
        let mentions = self.mentions().await?;
        let parties = self.mention_parties().await?;
        let mut pairs = pair_parties(mentions, parties)?;
        pairs.retain(|(m, _)| requested.contains(&(m.source.as_str(), m.record_id.as_str())));
        Ok(pairs)
    }

    /// Returns the party reference and currency of each listed mention that
    /// exists, in id order. The default reads every mention.
    async fn mention_refs(
        &self,
        ids: &[MentionId],
    ) -> Result<Vec<(MentionId, PartyRef, bool)>, StoreError> {
        let requested: std::collections::HashSet<MentionId> = ids.iter().copied().collect();
        let mentions = self.mentions().await?;
        let parties = self.mention_parties().await?;
        Ok(pair_parties(mentions, parties)?
            .into_iter()
            .filter(|(m, _)| requested.contains(&m.id))
            .map(|(m, p)| {
                (
                    m.id,
                    PartyRef::new(m.source, m.record_id, p.party),
                    p.current,
                )
            })
            .collect())
    }

    /// Replaces the review queue with `pairs` (each ordered, `a` < `b`). A
    /// pair already queued keeps its `queued_at` and takes the new
    /// probability; pairs not listed leave the queue.
    async fn refresh_review_queue(&self, pairs: &[QueuedPair]) -> Result<(), StoreError>;

    /// Returns the review queue, most probable first.
    async fn review_queue(&self) -> Result<Vec<QueuedPair>, StoreError>;

    /// Stores a decision and returns its id. Decisions are never changed or removed.
    async fn record_decision(&self, decision: &ReviewDecision) -> Result<i64, StoreError>;

    /// Returns every decision, oldest first.
    async fn decisions(&self) -> Result<Vec<ReviewDecision>, StoreError>;

    /// Records that a resolution which read every decision up to id
    /// `through` has written its entities. The mark never moves back.
    async fn mark_decisions_applied(&self, through: i64) -> Result<(), StoreError>;

    /// Counts decisions stored after the last one a finished resolution
    /// applied: stored, but not yet reflected in the entities, as when a
    /// process stops between storing a decision and re-resolving.
    async fn count_unapplied_decisions(&self) -> Result<u64, StoreError>;

    /// Keeps the JSON text of the model the last trained resolution scored
    /// with, replacing the one kept before.
    async fn save_model(&self, json: &str) -> Result<(), StoreError>;

    /// Returns the JSON text of the model kept by [`GraphStore::save_model`],
    /// or `None` when no resolution has kept one.
    async fn saved_model(&self) -> Result<Option<String>, StoreError>;
}
