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

/// Returns the counts of what one batch did, without its store id.
fn tally(outcome: &ciss::graph::BatchOutcome) -> [usize; 5] {
    [
        outcome.inserted,
        outcome.duplicates,
        outcome.superseded,
        outcome.stale,
        outcome.quarantined,
    ]
}

/// Applies the fixture batches a first time, again, and then a renewal, and
/// returns each batch's tally and the final counts.
async fn first_again_renewal(store: &SqliteStore) -> (Vec<[usize; 5]>, ciss::graph::StoreCounts) {
    let mut tallies = Vec::new();
    for batch in [
        crate::fixtures::dmv_batch(),
        crate::fixtures::dmv_batch(),
        crate::fixtures::renewal_batch(),
    ] {
        let outcome = store
            .apply_batch(Arc::new(batch))
            .await
            .expect("batch stored");
        tallies.push(tally(&outcome));
    }
    (tallies, store.counts().await.expect("counts"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_load_counts_as_a_plain_load_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = SqliteStore::open(&dir.path().join("plain.db")).expect("opens");
    let bulk = SqliteStore::open(&dir.path().join("bulk.db")).expect("opens");
    let expected = first_again_renewal(&plain).await;
    bulk.begin_bulk_load().await.expect("bulk load starts");
    let got = first_again_renewal(&bulk).await;
    bulk.end_bulk_load().await.expect("bulk load ends");
    assert_eq!(got, expected);
    assert_eq!(expected.0[1][0], 0, "a re-sent batch inserts nothing");
    assert_eq!(expected.0[2][2], 1, "the renewal supersedes one record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_load_sees_records_another_connection_wrote() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ciss.db");
    let other = SqliteStore::open(&path).expect("opens");
    let bulk = SqliteStore::open(&path).expect("opens");
    bulk.begin_bulk_load().await.expect("bulk load starts");
    // The bulk writer read the empty key set before this batch arrived
    // through another connection. The renewal must still find the stored
    // registration and supersede it instead of adding a second current one.
    other
        .apply_batch(Arc::new(crate::fixtures::dmv_batch()))
        .await
        .expect("batch stored");
    let renewal = bulk
        .apply_batch(Arc::new(crate::fixtures::renewal_batch()))
        .await
        .expect("renewal stored");
    bulk.end_bulk_load().await.expect("bulk load ends");
    assert_eq!(tally(&renewal), [1, 0, 1, 0, 0]);
    let counts = bulk.counts().await.expect("counts");
    assert_eq!(counts.records, counts.current_records + 1, "{counts:?}");
}
