//! FalkorDB over the Redis protocol, through the `falkordb` crate's async client.
//!
//! FalkorDB runs each statement atomically but has no multi-statement
//! transactions, so [`CypherTransport::run_all`] runs statements one after
//! another: the store makes every batch statement idempotent instead, and a
//! batch cut off half-way is completed by sending it again. Unique
//! constraints need an exact-match index first and are created with
//! `GRAPH.CONSTRAINT`, which the client wraps.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use falkordb::{
    AsyncGraph, EntityType, FalkorAsyncClient, FalkorClientBuilder, FalkorConnectionInfo,
    FalkorDBError, FalkorValue, IndexType,
};
use serde_json::{Map, Number, Value};

use super::transport::{CypherTransport, IndexSpec, Row, Statement, Uniqueness};
use crate::graph::StoreError;

/// Maximum wait for one reply, so a hung server fails the call instead of stalling ingest.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// Connection to one graph on a FalkorDB server.
pub struct FalkorTransport {
    address: String,
    graph_name: String,
    graph: AsyncGraph,
    /// Kept so the connection lives as long as the transport.
    _client: FalkorAsyncClient,
}

impl std::fmt::Debug for FalkorTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FalkorTransport")
            .field("address", &super::without_credentials(&self.address))
            .field("graph", &self.graph_name)
            .finish()
    }
}

impl FalkorTransport {
    /// Connects to the server at `address` (`HOST:PORT`) and selects `graph`.
    pub async fn connect(address: &str, graph: &str) -> Result<FalkorTransport, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            location: super::without_credentials(&format!("falkor://{address}/{graph}")),
            reason,
        };
        let info: FalkorConnectionInfo = format!("falkor://{address}")
            .as_str()
            .try_into()
            .map_err(|err: FalkorDBError| open_error(err.to_string()))?;
        let client = FalkorClientBuilder::new_async()
            .with_connection_info(info)
            .with_response_timeout(Some(RESPONSE_TIMEOUT))
            .build()
            .await
            .map_err(|err| open_error(err.to_string()))?;
        Ok(FalkorTransport {
            address: address.to_string(),
            graph_name: graph.to_string(),
            graph: client.select_graph(graph),
            _client: client,
        })
    }

    /// Deletes the whole graph. Tests use it to clean up after themselves.
    pub async fn delete_graph(&self) -> Result<(), StoreError> {
        self.graph.clone().delete().await.map_err(server_error)
    }

    /// Returns the server's execution plan for a statement, one operation a
    /// line, without running it (`GRAPH.EXPLAIN`). Tests use it to check
    /// that reads start from an index.
    pub async fn explain(&self, statement: &Statement) -> Result<Vec<String>, StoreError> {
        let mut graph = self.graph.clone();
        let mut query = graph.explain(statement.text());
        for (key, value) in statement.params() {
            query = query.with_param(key, to_falkor(value));
        }
        let plan = query.execute().await.map_err(server_error)?;
        Ok(plan.plan().to_vec())
    }

    async fn ensure_unique(&self, label: &str, property: &str) -> Result<(), StoreError> {
        let mut graph = self.graph.clone();
        let attempt = graph
            .create_unique_constraint(EntityType::Node, label.to_string(), &[property])
            .await;
        match attempt {
            Ok(_) => Ok(()),
            Err(err) if mentions(&err, "already exists") => Ok(()),
            Err(err) if mentions(&err, "already indexed") => {
                if self.has_unique(label, property).await? {
                    return Ok(());
                }
                // An index without its constraint: an earlier start-up stopped between the two.
                graph
                    .drop_index(IndexType::Range, EntityType::Node, label, &[property])
                    .await
                    .map_err(server_error)?;
                graph
                    .create_unique_constraint(EntityType::Node, label.to_string(), &[property])
                    .await
                    .map(|_| ())
                    .map_err(server_error)
            }
            Err(err) => Err(server_error(err)),
        }
    }

    async fn has_unique(&self, label: &str, property: &str) -> Result<bool, StoreError> {
        let constraints = self
            .graph
            .clone()
            .list_constraints()
            .await
            .map_err(server_error)?;
        Ok(constraints
            .data
            .iter()
            .any(|c| c.label == label && c.properties.iter().any(|p| p == property)))
    }
}

fn mentions(err: &FalkorDBError, phrase: &str) -> bool {
    err.to_string().to_ascii_lowercase().contains(phrase)
}

#[async_trait]
impl CypherTransport for FalkorTransport {
    fn server(&self) -> &'static str {
        "falkordb"
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<(), StoreError> {
        // FalkorDB runs write queries one at a time, so a key kept unique by
        // the store's writes needs no constraint, and a constraint made every
        // created node several times slower to write.
        if index.unique == Uniqueness::Constraint {
            return self.ensure_unique(index.label, index.property).await;
        }
        let created = self
            .graph
            .clone()
            .create_index(
                IndexType::Range,
                EntityType::Node,
                index.label,
                &[index.property],
                None,
            )
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(err) if mentions(&err, "already indexed") => Ok(()),
            Err(err) => Err(server_error(err)),
        }
    }

    async fn run(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        let mut graph = self.graph.clone();
        let mut query = graph.query(statement.text());
        for (key, value) in statement.params() {
            query = query.with_param(key, to_falkor(value));
        }
        let started = std::time::Instant::now();
        let result = query.execute().await.map_err(|err| {
            let err = server_error(err);
            tracing::debug!(statement = statement.name(), error = %err, "statement failed");
            err
        })?;
        tracing::trace!(
            statement = statement.name(),
            duration_us = started.elapsed().as_micros() as u64,
            "statement ran"
        );
        let header = result.header.clone();
        result
            .data
            .into_values_lossy()
            .map(|values| {
                header
                    .iter()
                    .zip(values)
                    .map(|(column, value)| Ok((column.clone(), from_falkor(value)?)))
                    .collect::<Result<Row, StoreError>>()
            })
            .collect()
    }

    async fn run_all(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        for statement in statements {
            self.run(statement).await?;
        }
        Ok(())
    }
}

/// Classifies a client error: lost connections, time-outs and a server still
/// loading its data are retryable; everything else is fatal.
fn server_error(err: FalkorDBError) -> StoreError {
    let retryable = match &err {
        FalkorDBError::ConnectionDown
        | FalkorDBError::NoConnection
        | FalkorDBError::EmptyConnection
        | FalkorDBError::Timeout { .. } => true,
        FalkorDBError::RedisError(message) => transient_message(message),
        _ => false,
    };
    StoreError::Server {
        server: "falkordb",
        message: err.to_string(),
        retryable,
    }
}

fn transient_message(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "connection refused",
        "connection reset",
        "connection closed",
        "broken pipe",
        "io error",
        "timed out",
        "loading",
        "busy",
        "tryagain",
        "unexpected end",
        "terminated",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

fn to_falkor(value: &Value) -> FalkorValue {
    match value {
        Value::Null => FalkorValue::None,
        Value::Bool(b) => FalkorValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FalkorValue::I64(i),
            None => FalkorValue::F64(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => FalkorValue::String(s.clone()),
        Value::Array(items) => FalkorValue::Array(items.iter().map(to_falkor).collect()),
        Value::Object(map) => FalkorValue::Map(
            map.iter()
                .map(|(k, v)| (k.clone(), to_falkor(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

fn from_falkor(value: FalkorValue) -> Result<Value, StoreError> {
    Ok(match value {
        FalkorValue::None => Value::Null,
        FalkorValue::Bool(b) => Value::Bool(b),
        FalkorValue::I64(i) => Value::from(i),
        FalkorValue::F64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        FalkorValue::String(s) => Value::String(s),
        FalkorValue::Array(items) => Value::Array(
            items
                .into_iter()
                .map(from_falkor)
                .collect::<Result<_, _>>()?,
        ),
        FalkorValue::Map(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| Ok((k, from_falkor(v)?)))
                .collect::<Result<Map<_, _>, StoreError>>()?,
        ),
        FalkorValue::Unparseable(reason) => {
            return Err(StoreError::Server {
                server: "falkordb",
                message: format!("unreadable value in result: {reason}"),
                retryable: false,
            });
        }
        _ => {
            return Err(StoreError::Server {
                server: "falkordb",
                message: "unexpected graph entity or temporal value in result".into(),
                retryable: false,
            });
        }
    })
}
