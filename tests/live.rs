//! Live resolution over a SQLite store. Mentions ingested after the first
//! batch run are placed one at a time and end in the entities a batch run
//! with the same model gives. Decisions, growth and new versions of decided
//! records send the update back to a batch run.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ciss::generate::{GenerateConfig, generate};
use ciss::graph::{EntityId, GraphStore, SqliteStore};
use ciss::ingest::mapping::{Format, SourceMapping};
use ciss::ingest::{IngestOptions, ingest_file, ingest_reader};
use ciss::resolve::{
    BatchReason, LiveReport, LiveResolution, ProbabilisticResolver, ResolveConfig, resolve_store,
};
use ciss::review::Review;

const SOURCES: [&str; 7] = [
    "rms",
    "judicial",
    "correction",
    "dmv",
    "cssd",
    "parole",
    "sor",
];

fn sources_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources")
}

fn feed_path(feeds: &Path, source: &str) -> PathBuf {
    let mapping = SourceMapping::load(&sources_dir(), source).expect("mapping");
    match mapping.format {
        Format::Csv => feeds.join(format!("{source}.csv")),
        Format::Jsonl => feeds.join(format!("{source}.jsonl")),
    }
}

async fn ingest(store: &dyn GraphStore, feeds: &Path, source: &str) {
    let mapping = SourceMapping::load(&sources_dir(), source).expect("mapping");
    let report = ingest_file(
        store,
        &mapping,
        &feed_path(feeds, source),
        &IngestOptions::default(),
    )
    .await
    .expect("ingest");
    assert_eq!(report.quarantined, 0, "{source}: {report:?}");
}

struct World {
    _dir: tempfile::TempDir,
    feeds: PathBuf,
    store: Arc<dyn GraphStore>,
    /// A resolver with the model trained on every generated mention.
    resolver: ProbabilisticResolver,
}

/// Generates feeds for `people`, trains a model on all of them in a scratch
/// store, and ingests every source but the sex offender registry into the
/// store the test uses.
async fn world(people: usize) -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let feeds = dir.path().join("feeds");
    let config = GenerateConfig {
        people,
        seed: 23,
        as_of: "2026-06-30".parse().expect("date"),
        out_dir: feeds.clone(),
        progress: false,
    };
    generate(&config).expect("feeds generate");

    let scratch = SqliteStore::open(&dir.path().join("all.db")).expect("store");
    for source in SOURCES {
        ingest(&scratch, &feeds, source).await;
    }
    let all = scratch.mentions().await.expect("mentions");
    let model = ProbabilisticResolver::new(ResolveConfig::default()).train(&all);
    let resolver = ProbabilisticResolver::with_model(ResolveConfig::default(), model);

    let store: Arc<dyn GraphStore> =
        Arc::new(SqliteStore::open(&dir.path().join("live.db")).expect("store"));
    for source in SOURCES.iter().filter(|s| **s != "sor") {
        ingest(store.as_ref(), &feeds, source).await;
    }
    World {
        _dir: dir,
        feeds,
        store,
        resolver,
    }
}

/// Returns the entity of every party of every current record, by
/// `source:record_id#party`.
async fn entities(store: &dyn GraphStore) -> BTreeMap<String, Option<EntityId>> {
    let mut out = BTreeMap::new();
    for mention in store.mentions().await.expect("mentions") {
        let record = store
            .current_record(&mention.source, &mention.record_id)
            .await
            .expect("lookup")
            .expect("record");
        for (party, entity) in record.party_entities.iter().enumerate() {
            let key = format!("{}:{}#{}", mention.source, mention.record_id, party + 1);
            out.insert(key, *entity);
        }
    }
    out
}

/// Returns the keys whose entities differ, at most ten.
fn differences(
    a: &BTreeMap<String, Option<EntityId>>,
    b: &BTreeMap<String, Option<EntityId>>,
) -> Vec<String> {
    a.iter()
        .filter(|(key, entity)| b.get(*key) != Some(entity))
        .map(|(key, entity)| format!("{key}: {entity:?} against {:?}", b.get(key)))
        .take(10)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_update_matches_batch_run() {
    let world = world(400).await;
    let live = LiveResolution::new(world.resolver.clone());

    let first = live.update(world.store.as_ref()).await.expect("update");
    let (reason, batch) = first.batch.expect("the first update runs in batch");
    assert_eq!(reason, BatchReason::NoState);
    assert!(batch.mentions > 0, "{batch:?}");

    ingest(world.store.as_ref(), &world.feeds, "sor").await;
    let second = live.update(world.store.as_ref()).await.expect("update");
    assert_eq!(second.batch, None, "{second:?}");
    assert!(second.placed > 0, "{second:?}");
    assert!(
        second.joined > 0,
        "registrants are known to other agencies: {second:?}"
    );
    let unresolved = world
        .store
        .count_unresolved_mentions()
        .await
        .expect("count");
    assert_eq!(unresolved, 0);
    let placed = entities(world.store.as_ref()).await;

    resolve_store(world.store.as_ref(), &world.resolver)
        .await
        .expect("batch run");
    let batch = entities(world.store.as_ref()).await;
    assert_eq!(differences(&placed, &batch), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_update_with_nothing_new_does_nothing() {
    let world = world(60).await;
    let live = LiveResolution::new(world.resolver.clone());
    live.update(world.store.as_ref()).await.expect("update");

    let idle = live.update(world.store.as_ref()).await.expect("update");
    assert_eq!(idle.batch, None);
    assert_eq!(idle.placed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_update_batch_after_growth() {
    let world = world(60).await;
    let live = LiveResolution::new(world.resolver.clone());
    live.update(world.store.as_ref()).await.expect("update");

    // The rms feed again under other record ids doubles the rms mentions.
    let text = std::fs::read_to_string(feed_path(&world.feeds, "rms")).expect("feed");
    let renamed = text.replace("\"incident_no\":\"", "\"incident_no\":\"X");
    assert_ne!(
        renamed, text,
        "the rms feed names its records by incident_no"
    );
    let mapping = SourceMapping::load(&sources_dir(), "rms").expect("mapping");
    ingest_reader(
        world.store.as_ref(),
        &mapping,
        Cursor::new(renamed.into_bytes()),
        None,
        &IngestOptions::default(),
    )
    .await
    .expect("ingest");
    let grown = live.update(world.store.as_ref()).await.expect("update");
    let reason = grown.batch.map(|(reason, _)| reason);
    assert_eq!(reason, Some(BatchReason::Growth));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_update_batch_for_decided_record() {
    let world = world(400).await;
    ingest(world.store.as_ref(), &world.feeds, "sor").await;
    let live = LiveResolution::new(world.resolver.clone());
    live.update(world.store.as_ref()).await.expect("update");

    // A reviewer rejects a pair naming the first registry entry.
    let text = std::fs::read_to_string(feed_path(&world.feeds, "sor")).expect("feed");
    let mut entry: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("an entry")).expect("json");
    let entry_id = entry["entry_id"].as_str().expect("entry id").to_string();
    let other = single_party_records(world.store.as_ref())
        .await
        .into_iter()
        .find(|r| !r.starts_with("sor:"))
        .expect("a record of another source");
    let review = Review::new(Arc::clone(&world.store), Arc::new(world.resolver.clone()));
    review
        .reject(
            &format!("sor:{entry_id}"),
            &other,
            "analyst",
            "different people",
        )
        .await
        .expect("reject");
    let update = review.resolve_live(&live).await.expect("update");
    let reason = update.batch.map(|(reason, _)| reason);
    assert_eq!(reason, Some(BatchReason::Decisions));

    // A new version of that entry arrives: the decision must cover it.
    let version = entry["version"].as_i64().expect("numeric version");
    entry["version"] = serde_json::json!(version + 1);
    let mapping = SourceMapping::load(&sources_dir(), "sor").expect("mapping");
    let report = ingest_reader(
        world.store.as_ref(),
        &mapping,
        Cursor::new(entry.to_string().into_bytes()),
        None,
        &IngestOptions::default(),
    )
    .await
    .expect("ingest");
    assert_eq!(report.superseded, 1, "{report:?}");
    let update = review.resolve_live(&live).await.expect("update");
    let reason = update.batch.map(|(reason, _)| reason);
    assert_eq!(reason, Some(BatchReason::Decided));
}

/// Returns `source:record_id` of every record that names one person, so a
/// reference without a party position names it.
async fn single_party_records(store: &dyn GraphStore) -> Vec<String> {
    let mentions = store.mentions().await.expect("mentions");
    let mut parties: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mentions {
        *parties
            .entry(format!("{}:{}", m.source, m.record_id))
            .or_default() += 1;
    }
    parties
        .into_iter()
        .filter(|(_, n)| *n == 1)
        .map(|(reference, _)| reference)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_update_batch_after_decision() {
    let world = world(60).await;
    let live = LiveResolution::new(world.resolver.clone());
    live.update(world.store.as_ref()).await.expect("update");

    let update = reject_two_records(&world, world.resolver.clone(), &live).await;
    let reason = update.batch.map(|(reason, _)| reason);
    assert_eq!(reason, Some(BatchReason::Decisions));
}

/// Rejects the first two single-party records as one person, through a
/// review service that resolves with `resolver`, and updates `live` after it.
async fn reject_two_records(
    world: &World,
    resolver: ProbabilisticResolver,
    live: &LiveResolution,
) -> LiveReport {
    let single = single_party_records(world.store.as_ref()).await;
    let review = Review::new(Arc::clone(&world.store), Arc::new(resolver));
    review
        .reject(&single[0], &single[1], "analyst", "different people")
        .await
        .expect("reject");
    review.resolve_live(live).await.expect("update")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_keeps_the_trained_model() {
    let world = world(60).await;
    let training = ProbabilisticResolver::new(ResolveConfig::default());
    let live = LiveResolution::new(training.clone());
    live.update(world.store.as_ref()).await.expect("update");
    let trained = live.model().await.expect("a model after the first update");

    let update = reject_two_records(&world, training, &live).await;
    let reason = update.batch.map(|(reason, _)| reason);
    assert_eq!(reason, Some(BatchReason::Decisions));
    let after_decision = live.model().await.expect("a model after the decision");
    assert!(
        Arc::ptr_eq(&trained, &after_decision),
        "a run for a decision scores with the model it had"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_through_live_resolution_resolves_once() {
    // A server's review service re-resolves through the live resolution:
    // one batch run per decision with the kept model, none left for the
    // next update, and explanations scored with that same model.
    let world = world(120).await;
    let training = ProbabilisticResolver::new(ResolveConfig::default());
    let live = Arc::new(LiveResolution::new(training.clone()));
    live.update(world.store.as_ref()).await.expect("update");
    let trained = live.model().await.expect("a model after the first update");
    assert!(trained.is_trained(), "enough mentions to train");
    // Records placed one at a time: the store now contains mentions the
    // kept model was not trained on, so a model trained again would differ.
    ingest(world.store.as_ref(), &world.feeds, "sor").await;
    let placed = live.update(world.store.as_ref()).await.expect("update");
    assert!(placed.batch.is_none(), "placed one at a time: {placed:?}");
    assert!(placed.placed > 0, "{placed:?}");

    let single = single_party_records(world.store.as_ref()).await;
    let review =
        Review::new(Arc::clone(&world.store), Arc::new(training)).with_live(Arc::clone(&live));
    let outcome = review
        .reject(&single[0], &single[1], "analyst", "different people")
        .await
        .expect("reject");
    assert!(outcome.resolution.mentions > 0, "{:?}", outcome.resolution);
    let next = live.update(world.store.as_ref()).await.expect("update");
    assert!(next.batch.is_none(), "resolved again: {next:?}");
    let after = live.model().await.expect("a model after the decision");
    assert!(
        after.to_json() == trained.to_json(),
        "the model the first update trained and the store kept scores"
    );

    let queue = review.queue().await.expect("queue");
    let first = queue.first().expect("a queued pair");
    let explained = review
        .explain(&first.a.to_string(), &first.b.to_string())
        .await
        .expect("explain");
    assert!(
        (explained.score.probability - first.probability).abs() < 1e-9,
        "queued at {}, explained at {}",
        first.probability,
        explained.score.probability
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_process_scores_with_the_kept_model() {
    // The server trains a model and the store keeps it. A decision made
    // from the command line, with no live resolution, re-resolves with that
    // model too, so the queue it leaves, its own explanations and the
    // server's all agree.
    let world = world(120).await;
    let training = ProbabilisticResolver::new(ResolveConfig::default());
    let live = Arc::new(LiveResolution::new(training.clone()));
    live.update(world.store.as_ref()).await.expect("update");
    let kept = world.store.saved_model().await.expect("read");
    assert!(kept.is_some(), "the trained model is kept");
    ingest(world.store.as_ref(), &world.feeds, "sor").await;
    live.update(world.store.as_ref()).await.expect("update");

    let single = single_party_records(world.store.as_ref()).await;
    let cli = Review::new(Arc::clone(&world.store), Arc::new(training.clone()));
    cli.reject(&single[0], &single[1], "analyst", "different people")
        .await
        .expect("reject");
    let server =
        Review::new(Arc::clone(&world.store), Arc::new(training)).with_live(Arc::clone(&live));
    let rebuilt = server.resolve_live(&live).await.expect("update");
    assert!(rebuilt.batch.is_some(), "the server sees the decision");

    let queue = cli.queue().await.expect("queue");
    let first = queue.first().expect("a queued pair");
    let (a, b) = (first.a.to_string(), first.b.to_string());
    for (who, review) in [("cli", &cli), ("server", &server)] {
        let explained = review.explain(&a, &b).await.expect("explain");
        assert!(
            (explained.score.probability - first.probability).abs() < 1e-9,
            "{who}: queued at {}, explained at {}",
            first.probability,
            explained.score.probability
        );
    }
}
