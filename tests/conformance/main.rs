//! Store conformance: every `GraphStore` implementation runs the same checks
//! (`checks.rs`) on the same fictional scenario (`fixtures.rs`). SQLite always
//! runs; FalkorDB runs when `CISS_TEST_FALKOR_URI` names a server (`.ci/run`
//! starts one with `scripts/falkordb.sh`); Neo4j runs when
//! `CISS_TEST_NEO4J_URI`, `CISS_TEST_NEO4J_USER` and
//! `CISS_TEST_NEO4J_PASSWORD` are set. A store whose server is not configured
//! prints why its checks were skipped.

mod checks;
mod falkordb;
mod fixtures;
mod neo4j;
mod sqlite;

/// Generates one test per check for a store module. `make_store()` returns a
/// fresh empty store, or `None` (after printing why) when the store's server
/// is not configured.
#[macro_export]
macro_rules! conformance_tests {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(store) = make_store().await else { return };
                let result = $crate::checks::$check(store.store.clone()).await;
                store.finish().await;
                if let Err(err) = result {
                    panic!("{} failed: {err:#}", stringify!($check));
                }
            }
        )*
    };
}

/// Runs every check on the calling module's store.
#[macro_export]
macro_rules! all_conformance_tests {
    () => {
        $crate::conformance_tests!(
            check_ingest_counts,
            check_supersede,
            check_mentions_name_their_record_version,
            check_source_text,
            check_idempotent_resend,
            check_conflicting_resend,
            check_resolve_is_stable,
            check_superseded_entity_is_gone,
            check_unresolved_mentions,
            check_plate_and_summary,
            check_search_by_name_and_identifier,
            check_quarantine,
            check_neighbourhood,
            check_path,
            check_timeline,
            check_split_is_kept,
            check_rejection_is_remembered,
            check_unapplied_decisions,
            check_model_is_kept,
            check_review_queue_refresh,
        );
    };
}
