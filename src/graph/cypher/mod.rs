//! The graph-server store: one [`CypherStore`] over a [`CypherTransport`],
//! with FalkorDB ([`FalkorTransport`]) and Neo4j ([`Neo4jTransport`])
//! transports.
//!
//! The statements are the `cypher/*.cypher` files at the crate root, always
//! parameterized, batched with `UNWIND`, and kept to the openCypher subset
//! both servers run. What the servers do differently (index and constraint
//! syntax, transactions) lives in each transport.
//!
//! Graph model: one `Record` node per stored version contains the canonical
//! record as JSON. One `Mention` node per party points `-[:IN]->` to its
//! record and carries the derived `entity`. Shared `NameKey`, `Ident`,
//! `Address`, `Vehicle` and `Plate` nodes link mentions and records that name
//! the same thing. `Batch` nodes are commit markers, `Quarantine` nodes hold rejected
//! records and `Counter` nodes hand out the numeric ids, so mention and entity
//! ids follow the same sequence as the SQLite store's.

mod falkor;
mod neo4j;
mod plan;
mod transport;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

pub use falkor::FalkorTransport;
pub use neo4j::Neo4jTransport;
pub use transport::{CypherTransport, IndexSpec, Row, Statement, Uniqueness};

use super::assoc::{self, RecordsAround};
use super::{
    AssocFilter, Batch, BatchOutcome, DecisionKind, EntityId, GraphStore, Mention, MentionId,
    MentionParty, NameQuery, NodeRef, QuarantineEntry, QuarantineStatus, QueuedPair,
    ReviewDecision, StoreCounts, StoreError, StoredRecord, Subgraph,
};
use crate::model::{CanonicalRecord, Role};
use crate::normalize::{IdKind, Plate};
use plan::{Existing, Outcome, StoredVersion};

/// Records written per `write_records` statement. FalkorDB's cost per record
/// falls as the statement grows; 2,000 records make a statement of about 4 MB.
const WRITE_CHUNK: usize = 2_000;

/// Mention ids per page when listing mentions, and rows per statement when
/// assigning entities.
const MENTION_PAGE: usize = 10_000;

/// Attempts of a read statement before its error is returned.
const READ_ATTEMPTS: u32 = 3;

/// Indexes created at start-up.
const INDEXES: &[IndexSpec] = &[
    index("Record", "key", Uniqueness::Constraint),
    index("Record", "rid", Uniqueness::ByWrites),
    index("Record", "rkey", Uniqueness::No),
    index("Mention", "id", Uniqueness::ByWrites),
    index("Mention", "entity", Uniqueness::No),
    index("NameKey", "part", Uniqueness::ByWrites),
    index("Ident", "key", Uniqueness::ByWrites),
    index("Address", "key", Uniqueness::ByWrites),
    index("Vehicle", "key", Uniqueness::ByWrites),
    index("Plate", "key", Uniqueness::ByWrites),
    index("Quarantine", "qkey", Uniqueness::ByWrites),
    index("Quarantine", "id", Uniqueness::ByWrites),
    index("Quarantine", "record_id", Uniqueness::No),
    index("Batch", "id", Uniqueness::ByWrites),
    index("Batch", "token", Uniqueness::No),
    index("Counter", "name", Uniqueness::ByWrites),
    index("Source", "name", Uniqueness::ByWrites),
    index("ReviewPair", "pkey", Uniqueness::ByWrites),
    index("ReviewDecision", "id", Uniqueness::ByWrites),
];

const fn index(label: &'static str, property: &'static str, unique: Uniqueness) -> IndexSpec {
    IndexSpec {
        label,
        property,
        unique,
    }
}

macro_rules! cypher {
    ($name:literal) => {
        Statement::new(
            $name,
            include_str!(concat!("../../../cypher/", $name, ".cypher")),
        )
    };
}

/// A password or token: Debug and Display never show it.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Returns the value, for handing to a client library only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// User name and password for a server that needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub user: String,
    /// Password.
    pub password: Secret,
}

/// The store over a graph server. Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct CypherStore {
    transport: Arc<dyn CypherTransport>,
    /// Serializes this process's batches, as the SQLite store's single writer does.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl fmt::Debug for CypherStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CypherStore")
            .field("transport", &self.transport)
            .finish()
    }
}

impl CypherStore {
    /// Returns the mentions with ids above `after`, in id order.
    async fn mentions_from(&self, after: MentionId) -> Result<Vec<Mention>, StoreError> {
        self.read_mention_pages(cypher!("mentions_page"), after, mention)
            .await
    }

    /// Returns the party position and currency of the mentions with ids
    /// above `after`, in id order.
    async fn mention_parties_from(
        &self,
        after: MentionId,
    ) -> Result<Vec<MentionParty>, StoreError> {
        self.read_mention_pages(cypher!("mention_parties_page"), after, |row| {
            Ok(MentionParty {
                mention: int(row, "id")?,
                party: int(row, "idx")? as u32 + 1,
                current: row.get("current").and_then(Value::as_bool).unwrap_or(false),
                version: u32::try_from(int(row, "version")?)
                    .map_err(|_| corrupt("version", row))?,
            })
        })
        .await
    }

    /// Runs `page`, which takes `$after` and `$span`, over every range of
    /// [`MENTION_PAGE`] mention ids above `after` and decodes each row. Id
    /// ranges keep each page an index range scan, where `ORDER BY` with
    /// `LIMIT` would sort every remaining mention on each page.
    async fn read_mention_pages<T>(
        &self,
        page: Statement,
        mut after: MentionId,
        decode: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let Some(max_id) = self.max_mention_id().await? else {
            return Ok(Vec::new());
        };
        let mut all = Vec::new();
        while after < max_id {
            let statement = page
                .clone()
                .param("after", after)
                .param("span", MENTION_PAGE);
            for row in &self.read(statement).await? {
                all.push(decode(row)?);
            }
            after += MENTION_PAGE as i64;
        }
        Ok(all)
    }

    /// Returns the largest mention id, or `None` when there are no mentions.
    async fn max_mention_id(&self) -> Result<Option<MentionId>, StoreError> {
        let rows = self.read(cypher!("max_mention_id")).await?;
        Ok(rows
            .first()
            .and_then(|row| row.get("id"))
            .and_then(Value::as_i64))
    }

    /// Opens the store over `transport`, creating missing indexes and constraints.
    pub async fn open(transport: Arc<dyn CypherTransport>) -> Result<CypherStore, StoreError> {
        for index in INDEXES {
            transport.ensure_index(*index).await?;
        }
        Ok(CypherStore {
            transport,
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Connects to `falkor://HOST:PORT/GRAPH`, `neo4j://HOST:PORT` or
    /// `bolt://HOST:PORT` and opens the store there. Errors name the location
    /// without any user and password written in it.
    pub async fn connect(
        location: &str,
        credentials: Option<&Credentials>,
    ) -> Result<CypherStore, StoreError> {
        let transport: Arc<dyn CypherTransport> = if let Some(rest) =
            location.strip_prefix("falkor://")
        {
            let (address, graph) = rest.split_once('/').unwrap_or((rest, "ciss"));
            let graph = if graph.is_empty() { "ciss" } else { graph };
            Arc::new(FalkorTransport::connect(address, graph).await?)
        } else if location.starts_with("neo4j://") || location.starts_with("bolt://") {
            let credentials = credentials.ok_or_else(|| StoreError::Open {
                location: without_credentials(location),
                reason: "neo4j needs a user and password (CISS_NEO4J_USER, CISS_NEO4J_PASSWORD)"
                    .into(),
            })?;
            Arc::new(Neo4jTransport::connect(location, credentials).await?)
        } else {
            return Err(StoreError::Open {
                location: without_credentials(location),
                reason: "expected falkor://, neo4j:// or bolt://".into(),
            });
        };
        CypherStore::open(transport).await
    }

    /// Runs a read statement, retrying a bounded number of times on retryable errors.
    async fn read(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        let mut attempt = 1;
        loop {
            match self.transport.run(statement.clone()).await {
                Err(err) if err.is_retryable() && attempt < READ_ATTEMPTS => {
                    let delay = Duration::from_millis(50 * 2u64.pow(attempt));
                    tracing::warn!(statement = statement.name(), attempt, delay_ms = delay.as_millis() as u64, error = %err, "read failed, retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Loads record versions by internal id, in the order given.
    async fn load_records(&self, rids: &[i64]) -> Result<Vec<StoredRecord>, StoreError> {
        if rids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .read(cypher!("load_records").param("rids", rids))
            .await?;
        let mut by_rid = HashMap::with_capacity(rows.len());
        for row in &rows {
            by_rid.insert(int(row, "rid")?, stored_record(row)?);
        }
        rids.iter()
            .map(|rid| {
                by_rid.remove(rid).ok_or_else(|| StoreError::Corrupt {
                    id: *rid,
                    reason: "record vanished while loading".into(),
                })
            })
            .collect()
    }

    /// Runs a statement whose rows are whole records (the columns
    /// [`stored_record`] reads) and decodes them in row order.
    async fn records_by(&self, statement: Statement) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(statement)
            .await?
            .iter()
            .map(stored_record)
            .collect()
    }

    async fn existing(&self, batch: &Batch, token: &str) -> Result<Existing, StoreError> {
        let rkeys: HashSet<String> = batch
            .records
            .iter()
            .map(|r| plan::rkey(&r.record))
            .collect();
        let rkeys: Vec<String> = rkeys.into_iter().collect();
        let mut existing = Existing::default();
        for row in self
            .read(cypher!("stored_versions").param("rkeys", &rkeys))
            .await?
        {
            existing
                .versions
                .entry(text(&row, "rkey")?)
                .or_default()
                .push(StoredVersion {
                    version: int(&row, "version")? as u32,
                    token: opt_text(&row, "token").unwrap_or_default(),
                    outcome: opt_text(&row, "outcome")
                        .as_deref()
                        .and_then(Outcome::parse),
                    content: opt_text(&row, "content"),
                });
        }
        let committed = self
            .read(cypher!("batch_committed").param("token", token))
            .await?;
        existing.committed = committed
            .first()
            .map(|r| int(r, "n"))
            .transpose()?
            .unwrap_or(0)
            > 0;
        let qkeys: Vec<String> = batch
            .quarantined
            .iter()
            .map(|e| plan::qkey(&e.source, &e.raw))
            .collect();
        if !qkeys.is_empty() {
            for row in self
                .read(cypher!("stored_quarantine").param("qkeys", &qkeys))
                .await?
            {
                existing.quarantine.insert(text(&row, "qkey")?);
            }
        }
        Ok(existing)
    }

    /// Reserves ids: returns the first id of each named range.
    async fn allocate(&self, wants: &[(&str, usize)]) -> Result<HashMap<String, i64>, StoreError> {
        let wants: Vec<Value> = wants
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| json!({"name": name, "n": n}))
            .collect();
        let sizes: HashMap<&str, i64> = wants
            .iter()
            .filter_map(|w| Some((w["name"].as_str()?, w["n"].as_i64()?)))
            .collect();
        let rows = self
            .transport
            .run(cypher!("allocate_ids").param("wants", &wants))
            .await?;
        let mut first = HashMap::new();
        for row in &rows {
            let name = text(row, "name")?;
            let n = sizes.get(name.as_str()).copied().unwrap_or(0);
            first.insert(name, int(row, "last")? - n + 1);
        }
        Ok(first)
    }

    async fn write_batch(&self, batch: &Batch) -> Result<BatchOutcome, StoreError> {
        let token = plan::batch_token(batch);
        self.transport
            .run(
                cypher!("merge_source")
                    .param("source", &batch.source)
                    .param("agency", &batch.agency),
            )
            .await?;
        let existing = self.existing(batch, &token).await?;
        let plan = plan::plan(batch, &token, &existing);
        let ids = self
            .allocate(&[
                ("batch", 1),
                ("record", plan.writes.len()),
                ("mention", plan.mention_count(batch)),
                (
                    "quarantine",
                    plan.new_quarantine.len() + plan.conflicts.len(),
                ),
            ])
            .await?;
        let batch_id = ids["batch"];
        let mut statements = record_statements(batch, &plan, &ids, batch_id, &token)?;
        statements.extend(tail_statements(batch, &plan, &ids, batch_id, &token));
        self.transport.run_all(statements).await?;
        let conflicts = plan
            .conflicts
            .iter()
            .map(|index| QuarantineEntry::conflict(batch.file.as_deref(), &batch.records[*index]))
            .collect();
        Ok(BatchOutcome {
            batch_id,
            conflicts,
            ..plan.outcome
        })
    }
}

/// The statements writing new records, then settling which versions are current.
fn record_statements(
    batch: &Batch,
    plan: &plan::Plan,
    ids: &HashMap<String, i64>,
    batch_id: i64,
    token: &str,
) -> Result<Vec<Statement>, StoreError> {
    let first_rid = ids.get("record").copied().unwrap_or(0);
    let mut next_mention = ids.get("mention").copied().unwrap_or(0);
    let mut records = Vec::with_capacity(plan.writes.len());
    for (rid, (index, how, current)) in (first_rid..).zip(&plan.writes) {
        let incoming = &batch.records[*index];
        records.push(plan::record_param(
            incoming,
            *how,
            *current,
            rid,
            next_mention,
        )?);
        next_mention += incoming.record.parties.len() as i64;
    }
    let mut statements: Vec<Statement> = records
        .chunks(WRITE_CHUNK)
        .map(|chunk| {
            cypher!("write_records")
                .param("records", chunk)
                .param("batch_id", batch_id)
                .param("token", token)
        })
        .collect();
    for chunk in plan.settle.chunks(WRITE_CHUNK) {
        statements.push(cypher!("settle_current").param("rkeys", chunk));
    }
    Ok(statements)
}

/// Splits an assignment into pages of at most `span` consecutive mention ids:
/// the first id, and the entity of each id from there (`None` where the
/// assignment does not list the id). A mention listed twice gets its last entity.
fn entity_pages(
    assignment: &[(MentionId, EntityId)],
    span: usize,
) -> Vec<(MentionId, Vec<Option<EntityId>>)> {
    let mut sorted = assignment.to_vec();
    // A stable sort keeps a repeated mention's entries in order, so the last wins.
    sorted.sort_by_key(|(mention, _)| *mention);
    let mut pages: Vec<(MentionId, Vec<Option<EntityId>>)> = Vec::new();
    for (mention, entity) in sorted {
        let fits = pages
            .last()
            .is_some_and(|(first, _)| mention - first < span as i64);
        if !fits {
            pages.push((mention, Vec::new()));
        }
        let Some((first, entities)) = pages.last_mut() else {
            continue;
        };
        let offset = (mention - *first) as usize;
        if entities.len() <= offset {
            entities.resize(offset + 1, None);
        }
        entities[offset] = Some(entity);
    }
    pages
}

/// The quarantine, replay, quarantine resolution and commit-marker
/// statements; the marker comes last.
fn tail_statements(
    batch: &Batch,
    plan: &plan::Plan,
    ids: &HashMap<String, i64>,
    batch_id: i64,
    token: &str,
) -> Vec<Statement> {
    let mut statements = Vec::new();
    // Replayed entries are closed first, so a replayed record that turns out
    // to conflict with a stored version re-opens its entry below.
    if !batch.replayed.is_empty() {
        statements.push(
            cypher!("mark_replayed")
                .param("ids", &batch.replayed)
                .param("batch_id", batch_id),
        );
    }
    let mut new_ids = HashMap::new();
    let first_q = ids.get("quarantine").copied().unwrap_or(0);
    for (offset, index) in plan.new_quarantine.iter().enumerate() {
        new_ids.insert(*index, first_q + offset as i64);
    }
    // Conflicts get ids after the new validation failures; an entry that is
    // already stored keeps its own id and leaves the allocated one unused.
    let conflicts = plan.conflicts.iter().enumerate().map(|(offset, index)| {
        let incoming = &batch.records[*index];
        let entry = QuarantineEntry::conflict(batch.file.as_deref(), incoming);
        let id = first_q + (plan.new_quarantine.len() + offset) as i64;
        (entry, Some(incoming.record.key.version), Some(id), true)
    });
    let failures = batch.quarantined.iter().enumerate().map(|(index, e)| {
        let version = batch.quarantined_versions.get(index).copied().flatten();
        (e.clone(), version, new_ids.get(&index).copied(), false)
    });
    let entries: Vec<(QuarantineEntry, Option<u32>, Option<i64>, bool)> =
        failures.chain(conflicts).collect();
    let quarantined_now: Vec<String> = entries
        .iter()
        .map(|(e, ..)| plan::qkey(&e.source, &e.raw))
        .collect();
    let params: Vec<Value> = entries
        .into_iter()
        .map(|(e, version, id, reopen)| {
            json!({
                "qkey": plan::qkey(&e.source, &e.raw), "id": id,
                "source": e.source, "file": e.file, "line": e.line, "record_id": e.record_id,
                "field": e.field, "reason": e.reason, "raw": e.raw, "reopen": reopen,
                "version": version,
            })
        })
        .collect();
    for chunk in params.chunks(WRITE_CHUNK) {
        statements.push(
            cypher!("write_quarantine")
                .param("entries", chunk)
                .param("batch_id", batch_id),
        );
    }
    let accepted = accepted_versions(batch, plan);
    for chunk in accepted.chunks(WRITE_CHUNK) {
        statements.push(
            cypher!("resolve_quarantine")
                .param("accepted", chunk)
                .param("source", &batch.source)
                .param("quarantined_now", &quarantined_now)
                .param("batch_id", batch_id),
        );
    }
    let o = &plan.outcome;
    statements.push(
        cypher!("commit_batch")
            .param("id", batch_id)
            .param("token", token)
            .param("source", &batch.source)
            .param("file", &batch.file)
            .param(
                "committed_at",
                chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            )
            .param("received", batch.records.len() + batch.quarantined.len())
            .param("inserted", o.inserted)
            .param("duplicates", o.duplicates)
            .param("superseded", o.superseded)
            .param("stale", o.stale)
            .param("quarantined", o.quarantined),
    );
    statements
}

/// Returns the `$accepted` rows of `resolve_quarantine.cypher`: each record
/// id the batch accepted (every record but the conflicts) with its highest
/// accepted version.
fn accepted_versions(batch: &Batch, plan: &plan::Plan) -> Vec<Value> {
    let conflicts: HashSet<usize> = plan.conflicts.iter().copied().collect();
    let mut highest: BTreeMap<&str, u32> = BTreeMap::new();
    for (index, incoming) in batch.records.iter().enumerate() {
        if conflicts.contains(&index) {
            continue;
        }
        let key = &incoming.record.key;
        let version = highest.entry(key.record_id.as_str()).or_insert(key.version);
        *version = (*version).max(key.version);
    }
    highest
        .into_iter()
        .map(|(record_id, version)| json!({ "record_id": record_id, "version": version }))
        .collect()
}

fn corrupt(what: &str, row: &Row) -> StoreError {
    StoreError::Corrupt {
        id: row
            .get("rid")
            .or(row.get("id"))
            .and_then(Value::as_i64)
            .unwrap_or(0),
        reason: format!("column {what} is missing or has the wrong type"),
    }
}

/// Reads an integer column. Aggregates such as `sum` come back as floats on
/// some servers, so a float with no fractional part is accepted too.
fn int(row: &Row, column: &str) -> Result<i64, StoreError> {
    let value = row.get(column);
    value
        .and_then(Value::as_i64)
        .or_else(|| {
            value
                .and_then(Value::as_f64)
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
        .ok_or_else(|| corrupt(column, row))
}

fn text(row: &Row, column: &str) -> Result<String, StoreError> {
    row.get(column)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| corrupt(column, row))
}

fn opt_text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Value::as_str).map(str::to_string)
}

fn stored_record(row: &Row) -> Result<StoredRecord, StoreError> {
    let rid = int(row, "rid")?;
    let record: CanonicalRecord =
        serde_json::from_str(&text(row, "body")?).map_err(|err| StoreError::Corrupt {
            id: rid,
            reason: err.to_string(),
        })?;
    let mut party_entities = vec![None; record.parties.len()];
    for pair in row
        .get("parties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let idx = pair.get(0).and_then(Value::as_u64);
        let entity = pair.get(1).and_then(Value::as_i64);
        if let Some(slot) = idx.and_then(|i| party_entities.get_mut(i as usize)) {
            *slot = entity;
        }
    }
    Ok(StoredRecord {
        agency: opt_text(row, "agency").unwrap_or_default(),
        current: row.get("current").and_then(Value::as_bool).unwrap_or(false),
        record,
        party_entities,
    })
}

fn mention(row: &Row) -> Result<Mention, StoreError> {
    let id = int(row, "id")?;
    let role = text(row, "role")?;
    let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
        id,
        reason: format!("unknown role {role:?}"),
    })?;
    let person =
        serde_json::from_str(&text(row, "person")?).map_err(|err| StoreError::Corrupt {
            id,
            reason: err.to_string(),
        })?;
    Ok(Mention {
        id,
        source: text(row, "source")?,
        record_id: text(row, "record_id")?,
        record: int(row, "rid")?,
        role,
        person,
    })
}

fn quarantine_entry(row: &Row) -> Result<QuarantineEntry, StoreError> {
    Ok(QuarantineEntry {
        id: Some(int(row, "id")?),
        source: text(row, "source")?,
        file: opt_text(row, "file"),
        line: row.get("line").and_then(Value::as_u64),
        record_id: opt_text(row, "record_id"),
        field: opt_text(row, "field"),
        reason: text(row, "reason")?,
        raw: text(row, "raw")?,
        status: QuarantineStatus::from_batches(
            row.get("replayed_batch").and_then(Value::as_i64),
            row.get("resolved_batch").and_then(Value::as_i64),
        ),
    })
}

fn entities(rows: &[Row]) -> Result<Vec<EntityId>, StoreError> {
    rows.iter().map(|r| int(r, "entity")).collect()
}

#[async_trait]
impl GraphStore for CypherStore {
    async fn apply_batch(&self, batch: Arc<Batch>) -> Result<BatchOutcome, StoreError> {
        let _writer = self.writer.lock().await;
        let started = std::time::Instant::now();
        let outcome = self.write_batch(&batch).await?;
        tracing::debug!(
            server = self.transport.server(),
            batch_id = outcome.batch_id,
            records = batch.records.len(),
            duration_ms = started.elapsed().as_millis() as u64,
            "batch written"
        );
        Ok(outcome)
    }

    async fn mentions(&self) -> Result<Vec<Mention>, StoreError> {
        self.mentions_from(0).await
    }

    async fn mentions_after(
        &self,
        after: MentionId,
    ) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
        let mentions = self.mentions_from(after).await?;
        let parties = self.mention_parties_from(after).await?;
        super::pair_parties(mentions, parties)
    }

    async fn record_mentions(
        &self,
        records: &[(String, String)],
    ) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
        let rkeys: Vec<String> = records
            .iter()
            .map(|(source, record_id)| serde_json::json!([source, record_id]).to_string())
            .collect();
        let rows = self
            .read(cypher!("record_mentions").param("rkeys", rkeys))
            .await?;
        rows.iter()
            .map(|row| {
                let mention = mention(row)?;
                let party = MentionParty {
                    mention: mention.id,
                    party: int(row, "idx")? as u32 + 1,
                    current: row.get("current").and_then(Value::as_bool).unwrap_or(false),
                    version: u32::try_from(int(row, "version")?)
                        .map_err(|_| corrupt("version", row))?,
                };
                Ok((mention, party))
            })
            .collect()
    }

    async fn assign_entities(
        &self,
        assignment: &[(MentionId, EntityId)],
    ) -> Result<(), StoreError> {
        let statements = entity_pages(assignment, MENTION_PAGE)
            .into_iter()
            .map(|(first, entities)| {
                cypher!("assign_entities")
                    .param("first", first)
                    .param("entities", entities)
            })
            .collect();
        self.transport.run_all(statements).await
    }

    async fn registrations_by_plate(&self, plate: &Plate) -> Result<Vec<StoredRecord>, StoreError> {
        let key = format!("{} {}", plate.state, plate.number);
        self.records_by(cypher!("registrations_by_plate").param("plate", key))
            .await
    }

    async fn records_of_entity(&self, entity: EntityId) -> Result<Vec<StoredRecord>, StoreError> {
        let mut lists = self.records_of_entities(&[entity]).await?;
        Ok(lists.pop().unwrap_or_default())
    }

    async fn records_of_entities(
        &self,
        entities: &[EntityId],
    ) -> Result<Vec<Vec<StoredRecord>>, StoreError> {
        if entities.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .read(cypher!("records_of_entities").param("entities", entities))
            .await?;
        let mut by_entity: HashMap<EntityId, Vec<StoredRecord>> = HashMap::new();
        for row in &rows {
            by_entity
                .entry(int(row, "entity")?)
                .or_default()
                .push(stored_record(row)?);
        }
        Ok(entities
            .iter()
            .map(|entity| by_entity.get(entity).cloned().unwrap_or_default())
            .collect())
    }

    async fn entity_exists(&self, entity: EntityId) -> Result<bool, StoreError> {
        let rows = self
            .read(cypher!("entity_exists").param("entity", entity))
            .await?;
        Ok(!rows.is_empty())
    }

    async fn search_by_name(
        &self,
        query: &NameQuery,
        limit: usize,
    ) -> Result<Vec<EntityId>, StoreError> {
        let statement = cypher!("search_by_name")
            .param("surname", &query.surname)
            .param("given", &query.given)
            .param("dob", query.dob.map(|d| d.to_string()))
            .param("limit", limit);
        entities(&self.read(statement).await?)
    }

    async fn search_by_identifier(
        &self,
        kind: IdKind,
        value: &str,
    ) -> Result<Vec<EntityId>, StoreError> {
        let key = format!("{}:{value}", kind.name());
        entities(
            &self
                .read(cypher!("search_by_identifier").param("key", key))
                .await?,
        )
    }

    async fn quarantine(
        &self,
        source: Option<&str>,
        include_replayed: bool,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        let statement = cypher!("quarantine")
            .param("source", source)
            .param("all", include_replayed);
        self.read(statement)
            .await?
            .iter()
            .map(quarantine_entry)
            .collect()
    }

    async fn counts(&self) -> Result<StoreCounts, StoreError> {
        let rows = self.read(cypher!("counts")).await?;
        let row = rows.first().ok_or_else(|| StoreError::Corrupt {
            id: 0,
            reason: "counts returned no row".into(),
        })?;
        let n = |column: &str| int(row, column).map(|v| v as u64);
        Ok(StoreCounts {
            records: n("records")?,
            current_records: n("current_records")?,
            mentions: n("mentions")?,
            entities: n("entities")?,
            vehicles: n("vehicles")?,
            batches: n("batches")?,
            quarantined: n("quarantined")?,
        })
    }

    async fn count_unresolved_mentions(&self) -> Result<u64, StoreError> {
        let rows = self.read(cypher!("count_unresolved")).await?;
        let row = rows.first().ok_or_else(|| StoreError::Corrupt {
            id: 0,
            reason: "count_unresolved returned no row".into(),
        })?;
        Ok(int(row, "unresolved")? as u64)
    }

    async fn neighbourhood(
        &self,
        entity: EntityId,
        depth: u8,
        filter: &AssocFilter,
    ) -> Result<Subgraph, StoreError> {
        assoc::neighbourhood(self, entity, depth, filter).await
    }

    async fn path(
        &self,
        from: EntityId,
        to: EntityId,
        max_depth: u8,
    ) -> Result<Option<Subgraph>, StoreError> {
        assoc::path(self, from, to, max_depth).await
    }

    async fn timeline(&self, entity: EntityId) -> Result<Vec<StoredRecord>, StoreError> {
        self.records_by(cypher!("timeline").param("entity", entity))
            .await
    }

    async fn current_record(
        &self,
        source: &str,
        record_id: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let rkey = json!([source, record_id]).to_string();
        let found = self
            .records_by(cypher!("current_record").param("rkey", rkey))
            .await?;
        Ok(found.into_iter().next())
    }

    async fn source_text(
        &self,
        source: &str,
        record_id: &str,
        version: u32,
    ) -> Result<Option<String>, StoreError> {
        let key = json!([source, record_id, version]).to_string();
        let rows = self.read(cypher!("source_text").param("key", key)).await?;
        rows.first().map(|row| text(row, "raw")).transpose()
    }

    async fn mention_parties(&self) -> Result<Vec<MentionParty>, StoreError> {
        self.mention_parties_from(0).await
    }

    async fn refresh_review_queue(&self, pairs: &[QueuedPair]) -> Result<(), StoreError> {
        let run = uuid_like();
        let mut rows = Vec::with_capacity(pairs.len());
        for p in pairs {
            let (a, b) = (to_json(&p.a)?, to_json(&p.b)?);
            rows.push(json!({
                "pkey": json!([a, b]).to_string(), "a": a, "b": b,
                "probability": p.probability, "queued_at": p.queued_at.to_rfc3339(),
            }));
        }
        let mut statements: Vec<Statement> = rows
            .chunks(WRITE_CHUNK)
            .map(|chunk| {
                cypher!("refresh_review_queue")
                    .param("pairs", chunk)
                    .param("run", &run)
            })
            .collect();
        statements.push(cypher!("prune_review_queue").param("run", &run));
        self.transport.run_all(statements).await
    }

    async fn review_queue(&self) -> Result<Vec<QueuedPair>, StoreError> {
        let rows = self.read(cypher!("review_queue")).await?;
        let mut queue = Vec::with_capacity(rows.len());
        for row in &rows {
            queue.push(QueuedPair {
                a: from_json(row, "a")?,
                b: from_json(row, "b")?,
                probability: row
                    .get("probability")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| corrupt("probability", row))?,
                queued_at: super::sqlite::parse_time(&text(row, "queued_at")?)?,
            });
        }
        queue.sort_by(|x, y| {
            y.probability
                .total_cmp(&x.probability)
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        Ok(queue)
    }

    async fn record_decision(&self, decision: &ReviewDecision) -> Result<i64, StoreError> {
        let _writer = self.writer.lock().await;
        let id = self.allocate(&[("decision", 1)]).await?["decision"];
        self.transport
            .run(
                cypher!("write_decision")
                    .param("id", id)
                    .param("kind", decision.kind.as_str())
                    .param(
                        "records",
                        decision
                            .records_json()
                            .map_err(|err| StoreError::InvalidArgument(err.to_string()))?,
                    )
                    .param("pairs", to_json(&decision.pairs)?)
                    .param("who", &decision.who)
                    .param("reason", &decision.why)
                    .param("decided_at", decision.decided_at.to_rfc3339()),
            )
            .await?;
        Ok(id)
    }

    async fn mark_decisions_applied(&self, through: i64) -> Result<(), StoreError> {
        self.transport
            .run(cypher!("mark_decisions_applied").param("through", through))
            .await?;
        Ok(())
    }

    async fn count_unapplied_decisions(&self) -> Result<u64, StoreError> {
        let rows = self.read(cypher!("count_unapplied_decisions")).await?;
        let row = rows.first().ok_or_else(|| StoreError::Corrupt {
            id: 0,
            reason: "count_unapplied_decisions returned no row".into(),
        })?;
        Ok(int(row, "unapplied")? as u64)
    }

    async fn save_model(&self, json: &str) -> Result<(), StoreError> {
        self.transport
            .run(cypher!("save_model").param("json", json))
            .await?;
        Ok(())
    }

    async fn saved_model(&self) -> Result<Option<String>, StoreError> {
        let rows = self.read(cypher!("saved_model")).await?;
        Ok(rows.first().and_then(|row| opt_text(row, "json")))
    }

    async fn decisions(&self) -> Result<Vec<ReviewDecision>, StoreError> {
        let rows = self.read(cypher!("decisions")).await?;
        let mut decisions = Vec::with_capacity(rows.len());
        for row in &rows {
            let id = int(row, "id")?;
            let kind = text(row, "kind")?;
            let (records, versions) = ReviewDecision::parse_records_json(&text(row, "records")?)
                .map_err(|_| corrupt("records", row))?;
            decisions.push(ReviewDecision {
                id,
                kind: DecisionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                    id,
                    reason: format!("unknown decision kind {kind:?}"),
                })?,
                records,
                versions,
                pairs: from_json(row, "pairs")?,
                who: text(row, "who")?,
                why: text(row, "reason")?,
                decided_at: super::sqlite::parse_time(&text(row, "decided_at")?)?,
            });
        }
        Ok(decisions)
    }
}

/// Serializes references as JSON text, as review nodes store them.
fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|err| StoreError::InvalidArgument(err.to_string()))
}

/// Reads a column holding JSON text.
fn from_json<T: serde::de::DeserializeOwned>(row: &Row, column: &str) -> Result<T, StoreError> {
    serde_json::from_str(&text(row, column)?).map_err(|_| corrupt(column, row))
}

/// A token unique to one queue refresh: the time in nanoseconds and the process id.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

#[async_trait]
impl RecordsAround for CypherStore {
    async fn records_around(
        &self,
        nodes: &[NodeRef],
        limit: usize,
    ) -> Result<Vec<(NodeRef, StoredRecord)>, StoreError> {
        let mut people = Vec::new();
        let mut addresses = Vec::new();
        let mut vehicles = Vec::new();
        let mut records = Vec::new();
        let mut by_key: HashMap<String, NodeRef> = HashMap::new();
        for node in nodes {
            match node {
                NodeRef::Person(entity) => people.push(*entity),
                NodeRef::Address(key) => addresses.push(key.clone()),
                NodeRef::Vehicle(key) => vehicles.push(key.clone()),
                NodeRef::Record(record) => {
                    let key = json!([record.key.source, record.key.record_id, record.key.version])
                        .to_string();
                    by_key.insert(key.clone(), node.clone());
                    records.push(key);
                }
            }
        }
        let statement = cypher!("records_around")
            .param("people", &people)
            .param("addresses", &addresses)
            .param("vehicles", &vehicles)
            .param("records", &records)
            .param("limit", limit + 1);
        let mut found: Vec<(NodeRef, Vec<i64>)> = Vec::new();
        for row in self.read(statement).await? {
            let node = match (row.get("kind").and_then(Value::as_str), row.get("node")) {
                (Some("person"), Some(v)) => v.as_i64().map(NodeRef::Person),
                (Some("address"), Some(v)) => v.as_str().map(|k| NodeRef::Address(k.into())),
                (Some("vehicle"), Some(v)) => v.as_str().map(|k| NodeRef::Vehicle(k.into())),
                (Some("record"), Some(v)) => v.as_str().and_then(|k| by_key.get(k).cloned()),
                _ => None,
            };
            let node = node.ok_or_else(|| corrupt("node", &row))?;
            let rids = row
                .get("rids")
                .and_then(Value::as_array)
                .ok_or_else(|| corrupt("rids", &row))?;
            found.push((node, rids.iter().filter_map(Value::as_i64).collect()));
        }
        let all: Vec<i64> = found
            .iter()
            .flat_map(|(_, rids)| rids.iter().copied())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let loaded: HashMap<i64, StoredRecord> = all
            .iter()
            .copied()
            .zip(self.load_records(&all).await?)
            .collect();
        Ok(found
            .into_iter()
            .flat_map(|(node, rids)| {
                rids.into_iter()
                    .filter_map(|rid| loaded.get(&rid).cloned())
                    .map(move |stored| (node.clone(), stored))
                    .collect::<Vec<_>>()
            })
            .collect())
    }
}

/// Returns `location` with the `USER:PASSWORD@` part of its authority left
/// out, so that errors and logs never show a password.
pub(crate) fn without_credentials(location: &str) -> String {
    let (scheme, rest) = match location.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, location),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{rest}"),
        None => rest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{entity_pages, without_credentials};

    #[test]
    fn locations_lose_their_credentials() {
        let cases = [
            (
                "falkor://user:pw123@127.0.0.1:1/g",
                "falkor://127.0.0.1:1/g",
            ),
            (
                "falkor://127.0.0.1:6379/ciss",
                "falkor://127.0.0.1:6379/ciss",
            ),
            ("neo4j://a@b:c@db.example:7687", "neo4j://db.example:7687"),
            ("bolt://db.example:7687/x@y", "bolt://db.example:7687/x@y"),
            ("user:pw@127.0.0.1:1/g", "127.0.0.1:1/g"),
        ];
        for (location, expected) in cases {
            assert_eq!(without_credentials(location), expected, "{location}");
        }
    }

    #[test]
    fn entity_pages_cover_ids_in_spans() {
        let assignment = [(5, 50), (1, 10), (2, 20), (4, 40), (9, 90), (2, 21)];
        let pages = entity_pages(&assignment, 4);
        let expected = vec![
            (1, vec![Some(10), Some(21), None, Some(40)]),
            (5, vec![Some(50)]),
            (9, vec![Some(90)]),
        ];
        assert_eq!(pages, expected);
    }

    #[test]
    fn entity_pages_of_nothing_are_empty() {
        assert!(entity_pages(&[], 4).is_empty());
    }
}
