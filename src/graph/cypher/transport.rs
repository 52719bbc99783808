//! The narrow interface between [`super::CypherStore`] and a graph server:
//! run one parameterized statement, run a group of write statements, and
//! create an index. Everything a server does differently lives behind it.

use std::fmt;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::graph::StoreError;

/// One result row: column name to value.
pub type Row = Map<String, Value>;

/// A statement from `cypher/*.cypher` with its parameters. Values are always
/// passed as parameters, never formatted into the text.
#[derive(Clone)]
pub struct Statement {
    name: &'static str,
    text: &'static str,
    params: Map<String, Value>,
}

impl Statement {
    /// Creates a statement; `name` identifies it in logs and errors.
    pub fn new(name: &'static str, text: &'static str) -> Statement {
        Statement {
            name,
            text,
            params: Map::new(),
        }
    }

    /// Adds a parameter, referenced as `$key` in the text.
    pub fn param(mut self, key: &str, value: impl Serialize) -> Statement {
        // Plain data (strings, numbers, lists, maps with string keys) always
        // serializes to a JSON value, which is all the store passes here.
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.params.insert(key.to_string(), value);
        self
    }

    /// Returns the statement's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Returns the Cypher text.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// Returns the parameters.
    pub fn params(&self) -> &Map<String, Value> {
        &self.params
    }
}

/// Parameters may hold names and identifiers, so Debug shows only their keys.
impl fmt::Debug for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Statement")
            .field("name", &self.name)
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// An index the store needs: on one property of one node label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    /// Node label.
    pub label: &'static str,
    /// Property.
    pub property: &'static str,
    /// Whether values may repeat, and what keeps them from repeating.
    pub unique: Uniqueness,
}

/// Whether an indexed property identifies its node, and what enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    /// Values may repeat: a lookup index.
    No,
    /// At most one node per value, enforced by a uniqueness constraint on
    /// every server, because two processes that plan batches from the same
    /// stored state could both create the node.
    Constraint,
    /// At most one node per value because of how the store writes: ids come
    /// from a `Counter` node and shared nodes are created only by `MERGE`.
    /// Neo4j runs write transactions concurrently, so `MERGE` still needs a
    /// constraint there. FalkorDB runs write queries one at a time and needs
    /// only the index.
    ByWrites,
}

/// A connection to one graph on one server.
#[async_trait]
pub trait CypherTransport: Send + Sync + fmt::Debug {
    /// Short server name for errors and logs: `falkordb` or `neo4j`.
    fn server(&self) -> &'static str;

    /// Creates the index (and, where the server has them, the uniqueness
    /// constraint) unless it exists.
    async fn ensure_index(&self, index: IndexSpec) -> Result<(), StoreError>;

    /// Runs one statement and returns its rows.
    async fn run(&self, statement: Statement) -> Result<Vec<Row>, StoreError>;

    /// Runs write statements in order: in one transaction where the server
    /// has multi-statement transactions, one after another otherwise.
    async fn run_all(&self, statements: Vec<Statement>) -> Result<(), StoreError>;
}
