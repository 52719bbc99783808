//! The Neo4j store, gated on `CISS_TEST_NEO4J_URI`, `CISS_TEST_NEO4J_USER` and
//! `CISS_TEST_NEO4J_PASSWORD`. Neo4j Community has one database, so each test
//! takes a lock, clears the database and runs alone.

use std::sync::Arc;

use ciss::graph::GraphStore;
use ciss::graph::cypher::{Credentials, CypherStore, Neo4jTransport, Secret};

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) struct TestStore {
    pub(crate) store: Arc<dyn GraphStore>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl TestStore {
    pub(crate) async fn finish(self) {}
}

pub(crate) async fn make_store() -> Option<TestStore> {
    let (Ok(uri), Ok(user), Ok(password)) = (
        std::env::var("CISS_TEST_NEO4J_URI"),
        std::env::var("CISS_TEST_NEO4J_USER"),
        std::env::var("CISS_TEST_NEO4J_PASSWORD"),
    ) else {
        eprintln!(
            "skipping neo4j conformance: CISS_TEST_NEO4J_URI, CISS_TEST_NEO4J_USER and CISS_TEST_NEO4J_PASSWORD are not all set"
        );
        return None;
    };
    let turn = ONE_AT_A_TIME.lock().await;
    let credentials = Credentials {
        user,
        password: Secret::new(password),
    };
    let transport = Neo4jTransport::connect(&uri, &credentials)
        .await
        .expect("neo4j connects");
    transport.clear().await.expect("neo4j database clears");
    let store = CypherStore::open(Arc::new(transport))
        .await
        .expect("neo4j store opens");
    Some(TestStore {
        store: Arc::new(store),
        _turn: turn,
    })
}

crate::all_conformance_tests!();
