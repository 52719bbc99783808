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

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

pub use falkor::FalkorTransport;
pub use neo4j::Neo4jTransport;
pub use transport::{CypherTransport, IndexSpec, Row, Statement};

use super::assoc::{self, RecordsAround};
use super::{
    AssocFilter, Batch, BatchOutcome, EntityId, GraphStore, Mention, MentionId, NameQuery, NodeRef,
    QuarantineEntry, StoreCounts, StoreError, StoredRecord, Subgraph,
};
use crate::model::{CanonicalRecord, Role};
use crate::normalize::{IdKind, Plate};
use plan::{Existing, Outcome, StoredVersion};

/// Records written per `write_records` statement.
const WRITE_CHUNK: usize = 500;

/// Rows per statement when listing or updating many mentions.
const MENTION_PAGE: usize = 10_000;

/// Attempts of a read statement before its error is returned.
const READ_ATTEMPTS: u32 = 3;

/// Indexes created at start-up; unique ones identify their node.
const INDEXES: &[IndexSpec] = &[
    IndexSpec {
        label: "Record",
        property: "key",
        unique: true,
    },
    IndexSpec {
        label: "Record",
        property: "rid",
        unique: true,
    },
    IndexSpec {
        label: "Record",
        property: "rkey",
        unique: false,
    },
    IndexSpec {
        label: "Mention",
        property: "id",
        unique: true,
    },
    IndexSpec {
        label: "Mention",
        property: "entity",
        unique: false,
    },
    IndexSpec {
        label: "NameKey",
        property: "part",
        unique: true,
    },
    IndexSpec {
        label: "Ident",
        property: "key",
        unique: true,
    },
    IndexSpec {
        label: "Address",
        property: "key",
        unique: true,
    },
    IndexSpec {
        label: "Vehicle",
        property: "key",
        unique: true,
    },
    IndexSpec {
        label: "Plate",
        property: "key",
        unique: true,
    },
    IndexSpec {
        label: "Quarantine",
        property: "qkey",
        unique: true,
    },
    IndexSpec {
        label: "Quarantine",
        property: "id",
        unique: true,
    },
    IndexSpec {
        label: "Batch",
        property: "id",
        unique: true,
    },
    IndexSpec {
        label: "Batch",
        property: "token",
        unique: false,
    },
    IndexSpec {
        label: "Counter",
        property: "name",
        unique: true,
    },
    IndexSpec {
        label: "Source",
        property: "name",
        unique: true,
    },
];

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
    /// `bolt://HOST:PORT` and opens the store there.
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
                location: location.to_string(),
                reason: "neo4j needs a user and password (CISS_NEO4J_USER, CISS_NEO4J_PASSWORD)"
                    .into(),
            })?;
            Arc::new(Neo4jTransport::connect(location, credentials).await?)
        } else {
            return Err(StoreError::Open {
                location: location.to_string(),
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

    /// Runs a statement returning `rid` column values and loads those records.
    async fn records_by(&self, statement: Statement) -> Result<Vec<StoredRecord>, StoreError> {
        let rows = self.read(statement).await?;
        let rids = rows
            .iter()
            .map(|r| int(r, "rid"))
            .collect::<Result<Vec<_>, _>>()?;
        self.load_records(&rids).await
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
                ("quarantine", plan.new_quarantine.len()),
            ])
            .await?;
        let batch_id = ids["batch"];
        let mut statements = record_statements(batch, &plan, &ids, batch_id, &token)?;
        statements.extend(tail_statements(batch, &plan, &ids, batch_id, &token));
        self.transport.run_all(statements).await?;
        Ok(BatchOutcome {
            batch_id,
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
    let rkeys: HashSet<String> = batch
        .records
        .iter()
        .map(|r| plan::rkey(&r.record))
        .collect();
    let rkeys: Vec<String> = rkeys.into_iter().collect();
    for chunk in rkeys.chunks(WRITE_CHUNK) {
        statements.push(cypher!("settle_current").param("rkeys", chunk));
    }
    Ok(statements)
}

/// The quarantine, replay and commit-marker statements; the marker comes last.
fn tail_statements(
    batch: &Batch,
    plan: &plan::Plan,
    ids: &HashMap<String, i64>,
    batch_id: i64,
    token: &str,
) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut new_ids = HashMap::new();
    let first_q = ids.get("quarantine").copied().unwrap_or(0);
    for (offset, index) in plan.new_quarantine.iter().enumerate() {
        new_ids.insert(*index, first_q + offset as i64);
    }
    let entries: Vec<Value> = batch
        .quarantined
        .iter()
        .enumerate()
        .map(|(index, e)| {
            json!({
                "qkey": plan::qkey(&e.source, &e.raw), "id": new_ids.get(&index),
                "source": e.source, "file": e.file, "line": e.line, "record_id": e.record_id,
                "field": e.field, "reason": e.reason, "raw": e.raw,
            })
        })
        .collect();
    for chunk in entries.chunks(WRITE_CHUNK) {
        statements.push(
            cypher!("write_quarantine")
                .param("entries", chunk)
                .param("batch_id", batch_id),
        );
    }
    if !batch.replayed.is_empty() {
        statements.push(
            cypher!("mark_replayed")
                .param("ids", &batch.replayed)
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
        let mut all = Vec::new();
        let mut after = 0i64;
        loop {
            let page = self
                .read(
                    cypher!("mentions_page")
                        .param("after", after)
                        .param("limit", MENTION_PAGE),
                )
                .await?;
            for row in &page {
                all.push(mention(row)?);
            }
            match all.last() {
                Some(last) if page.len() == MENTION_PAGE => after = last.id,
                _ => return Ok(all),
            }
        }
    }

    async fn assign_entities(
        &self,
        assignment: &[(MentionId, EntityId)],
    ) -> Result<(), StoreError> {
        let statements = assignment
            .chunks(MENTION_PAGE)
            .map(|chunk| {
                let rows: Vec<[i64; 2]> = chunk.iter().map(|(m, e)| [*m, *e]).collect();
                cypher!("assign_entities").param("rows", rows)
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
        self.records_by(cypher!("records_of_entity").param("entity", entity))
            .await
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
        let mut found: Vec<(NodeRef, Vec<i64>)> = Vec::new();
        let lookups = [
            (
                cypher!("around_people").param("keys", &people),
                !people.is_empty(),
            ),
            (
                cypher!("around_addresses").param("keys", &addresses),
                !addresses.is_empty(),
            ),
            (
                cypher!("around_vehicles").param("keys", &vehicles),
                !vehicles.is_empty(),
            ),
            (
                cypher!("around_records").param("keys", &records),
                !records.is_empty(),
            ),
        ];
        for (statement, wanted) in lookups {
            if !wanted {
                continue;
            }
            let name = statement.name();
            for row in self.read(statement.param("limit", limit + 1)).await? {
                let node = match (name, row.get("node")) {
                    ("around_people", Some(v)) => v.as_i64().map(NodeRef::Person),
                    ("around_addresses", Some(v)) => v.as_str().map(|k| NodeRef::Address(k.into())),
                    ("around_vehicles", Some(v)) => v.as_str().map(|k| NodeRef::Vehicle(k.into())),
                    (_, Some(v)) => v.as_str().and_then(|k| by_key.get(k).cloned()),
                    _ => None,
                };
                let node = node.ok_or_else(|| corrupt("node", &row))?;
                let rids = row
                    .get("rids")
                    .and_then(Value::as_array)
                    .ok_or_else(|| corrupt("rids", &row))?;
                found.push((node, rids.iter().filter_map(Value::as_i64).collect()));
            }
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
