//! Neo4j over Bolt 4.x, through `neo4rs`.
//!
//! Neo4j has multi-statement transactions, so [`CypherTransport::run_all`]
//! commits a whole batch or nothing. Indexes and uniqueness constraints use
//! Neo4j 5's `IF NOT EXISTS` forms; a unique property gets only the
//! constraint, which brings its own index.
//!
//! NOTE: CI starts no Neo4j server, so this transport (connection set-up,
//! row decoding through serde, error classification) runs only where
//! `CISS_TEST_NEO4J_URI` points the conformance suite at one.

use std::time::Duration;

use async_trait::async_trait;
use neo4rs::{
    BoltBoolean, BoltFloat, BoltInteger, BoltList, BoltMap, BoltNull, BoltString, BoltType,
    ConfigBuilder, Graph, Neo4jClientErrorKind, Neo4jErrorKind, Query,
};
use serde_json::Value;

use super::Credentials;
use super::transport::{CypherTransport, IndexSpec, Row, Statement, Uniqueness};
use crate::graph::StoreError;

/// Connection pool to one Neo4j database. The neo4rs configuration holds the
/// password, so it is never kept or printed here.
pub struct Neo4jTransport {
    uri: String,
    graph: Graph,
}

impl std::fmt::Debug for Neo4jTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Neo4jTransport")
            .field("uri", &self.uri)
            .finish()
    }
}

impl Neo4jTransport {
    /// Connects to `uri` (`neo4j://HOST:PORT` or `bolt://HOST:PORT`).
    pub async fn connect(
        uri: &str,
        credentials: &Credentials,
    ) -> Result<Neo4jTransport, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            location: super::without_credentials(uri),
            reason,
        };
        let config = ConfigBuilder::default()
            .uri(uri)
            .user(credentials.user.as_str())
            .password(credentials.password.expose())
            .build()
            .map_err(|err| open_error(err.to_string()))?;
        check_reachable(&server_address(uri))
            .await
            .map_err(open_error)?;
        let graph = Graph::connect(config)
            .await
            .map_err(|err| open_error(err.to_string()))?;
        Ok(Neo4jTransport {
            uri: uri.to_string(),
            graph,
        })
    }

    /// Deletes every node and relationship in the database in one
    /// transaction. Tests use it on a small database of their own.
    pub async fn clear(&self) -> Result<(), StoreError> {
        let statement = "MATCH (n) DETACH DELETE n";
        self.graph
            .run(neo4rs::query(statement))
            .await
            .map_err(server_error)
    }
}

/// How long opening a store waits for the server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Bolt's port, for a location that names none.
const BOLT_PORT: u16 = 7687;

/// Returns the `HOST:PORT` that `uri` names, without its credentials.
fn server_address(uri: &str) -> String {
    let location = super::without_credentials(uri);
    let rest = location
        .split_once("://")
        .map_or(location.as_str(), |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    // In `[::1]` the last colon is inside the brackets, so it is no port.
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.contains(']'));
    if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{BOLT_PORT}")
    }
}

/// Checks that the server at `address` accepts a connection within
/// [`CONNECT_TIMEOUT`]. neo4rs connects only on the first query, and then
/// retries a refused connection for about a minute.
async fn check_reachable(address: &str) -> Result<(), String> {
    let connect = tokio::net::TcpStream::connect(address);
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(format!(
            "cannot reach the server: {}",
            lowercase_first(&err)
        )),
        Err(_) => Err(format!(
            "cannot reach the server: no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Returns the text of `err` with a capital that starts a word lowered, as
/// in `connection refused (os error 111)`.
fn lowercase_first(err: &std::io::Error) -> String {
    let text = err.to_string();
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text,
    }
}

fn to_query(statement: &Statement) -> Query {
    statement
        .params()
        .iter()
        .fold(neo4rs::query(statement.text()), |query, (key, value)| {
            query.param(key, to_bolt(value))
        })
}

#[async_trait]
impl CypherTransport for Neo4jTransport {
    fn server(&self) -> &'static str {
        "neo4j"
    }

    async fn ensure_index(&self, index: IndexSpec) -> Result<(), StoreError> {
        let IndexSpec {
            label,
            property,
            unique,
        } = index;
        // Labels and properties come from the store's fixed table, never from
        // input. Neo4j runs write transactions concurrently, so a `MERGE` key
        // needs its constraint too.
        let text = if unique != Uniqueness::No {
            format!(
                "CREATE CONSTRAINT {label}_{property} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{property} IS UNIQUE"
            )
        } else {
            format!(
                "CREATE INDEX {label}_{property} IF NOT EXISTS FOR (n:{label}) ON (n.{property})"
            )
        };
        self.graph
            .run(neo4rs::query(&text))
            .await
            .map_err(server_error)
    }

    async fn run(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        let mut stream = self
            .graph
            .execute(to_query(&statement))
            .await
            .map_err(server_error)?;
        let mut rows = Vec::new();
        while let Some(row) = stream.next().await.map_err(server_error)? {
            let row: Row = row.to().map_err(|err| StoreError::Server {
                server: "neo4j",
                message: format!("cannot read a row of {}: {err}", statement.name()),
                retryable: false,
            })?;
            rows.push(row);
        }
        Ok(rows)
    }

    async fn run_all(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        let mut txn = self.graph.start_txn().await.map_err(server_error)?;
        for statement in &statements {
            if let Err(err) = txn.run(to_query(statement)).await {
                // The server aborts the transaction anyway; a failed rollback adds nothing.
                let _ = txn.rollback().await;
                return Err(server_error(err));
            }
        }
        txn.commit().await.map_err(server_error)
    }
}

/// Classifies a client error: I/O and connection failures, transient server
/// errors and expired sessions are retryable; everything else is fatal.
fn server_error(err: neo4rs::Error) -> StoreError {
    let retryable = match &err {
        neo4rs::Error::IOError { .. } | neo4rs::Error::ConnectionError => true,
        neo4rs::Error::Neo4j(server) => matches!(
            server.kind(),
            Neo4jErrorKind::Transient
                | Neo4jErrorKind::Client(Neo4jClientErrorKind::SessionExpired)
        ),
        _ => false,
    };
    StoreError::Server {
        server: "neo4j",
        message: err.to_string(),
        retryable,
    }
}

fn to_bolt(value: &Value) -> BoltType {
    match value {
        Value::Null => BoltType::Null(BoltNull),
        Value::Bool(b) => BoltType::Boolean(BoltBoolean::new(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => BoltType::Integer(BoltInteger::new(i)),
            None => BoltType::Float(BoltFloat::new(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => BoltType::String(BoltString::new(s)),
        Value::Array(items) => {
            let mut list = BoltList::new();
            for item in items {
                list.push(to_bolt(item));
            }
            BoltType::List(list)
        }
        Value::Object(map) => {
            let mut bolt = BoltMap::new();
            for (key, item) in map {
                bolt.put(BoltString::new(key), to_bolt(item));
            }
            BoltType::Map(bolt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::server_address;

    #[test]
    fn server_address_of_locations() {
        let cases = [
            ("neo4j://db.example:7688", "db.example:7688"),
            ("bolt://db.example", "db.example:7687"),
            ("neo4j://ada:pw-9@127.0.0.1/neo4j", "127.0.0.1:7687"),
            ("bolt://[::1]", "[::1]:7687"),
            ("bolt://[::1]:7699?policy=x", "[::1]:7699"),
        ];
        for (uri, expected) in cases {
            assert_eq!(server_address(uri), expected, "{uri}");
        }
    }
}
