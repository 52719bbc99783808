//! The SQLite store, each test in its own temporary database.

use std::sync::Arc;

use ciss::graph::{GraphStore, SqliteStore};

pub(crate) struct TestStore {
    pub(crate) store: Arc<dyn GraphStore>,
    _dir: tempfile::TempDir,
}

impl TestStore {
    pub(crate) async fn finish(self) {}
}

pub(crate) async fn make_store() -> Option<TestStore> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("ciss.db")).expect("sqlite store opens");
    Some(TestStore {
        store: Arc::new(store),
        _dir: dir,
    })
}

crate::all_conformance_tests!();
