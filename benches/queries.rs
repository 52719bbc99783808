//! Query latency on a populated store: the plate query (`Search::vehicle_by_plate`)
//! and a two-hop neighbourhood (`GraphStore::neighbourhood(entity, 2, all edges)`).
//!
//! The store and its keys come from the environment, so one bench serves both stores:
//!
//! - `CISS_BENCH_STORE`: `sqlite:PATH` or `falkor://HOST:PORT/GRAPH`. Unset, the
//!   bench prints why it skips and exits, so `cargo test --all-targets` stays cheap.
//! - `CISS_BENCH_FEEDS`: the `ciss generate` output the store was built from. Plates
//!   are every plate in `featured.json` plus a seeded random sample of registration
//!   rows of `dmv.csv`; only plates for which the store returns an owner are kept, and
//!   those owners are the entities of the two-hop query.
//! - `CISS_BENCH_PLATES` (default 200): plates sampled from `dmv.csv`.
//! - `CISS_BENCH_ROUNDS` (default 5): timed passes over every key for the
//!   percentiles this file prints itself (criterion reports means and medians of
//!   samples, not a p99 of single calls).
//! - `CISS_BENCH_AS_OF` (default 2026-12-01): the as-of date of the plate query.
//!
//! Both passes run on a warm cache: key selection already queries every plate once.
//!
//! The bench opens the store directly rather than through `Settings::load`,
//! which rejects unknown `CISS_*` variables such as `CISS_BENCH_STORE`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ciss::graph::{AssocFilter, CypherStore, EntityId, GraphStore, SqliteStore};
use ciss::search::{Search, SummaryRules};
use criterion::Criterion;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use tokio::runtime::Runtime;

/// A plate as the plate query takes it.
#[derive(Debug, Clone)]
struct PlateKey {
    state: String,
    number: String,
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a whole number")),
        Err(_) => default,
    }
}

async fn open_store(location: &str) -> Arc<dyn GraphStore> {
    if let Some(path) = location.strip_prefix("sqlite:") {
        let store = SqliteStore::open(Path::new(path))
            .unwrap_or_else(|err| panic!("cannot open {location}: {err}"));
        return Arc::new(store);
    }
    if location.starts_with("falkor://") {
        let store = CypherStore::connect(location, None)
            .await
            .unwrap_or_else(|err| panic!("cannot open {location}: {err}"));
        return Arc::new(store);
    }
    panic!("CISS_BENCH_STORE={location:?}: expected sqlite:PATH or falkor://HOST:PORT/GRAPH");
}

/// Every plate of `featured.json`, then `sample` registration plates of
/// `dmv.csv` chosen by a seeded reservoir sample.
fn sample_plates(feeds: &Path, sample: usize) -> Vec<PlateKey> {
    let featured = feeds.join("featured.json");
    let text = std::fs::read_to_string(&featured)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", featured.display()));
    let people: Vec<serde_json::Value> = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not a JSON list: {err}", featured.display()));
    let mut plates: Vec<PlateKey> = people
        .iter()
        .filter_map(|person| {
            let plate = person.get("plate")?;
            Some(PlateKey {
                state: plate.get("state")?.as_str()?.to_string(),
                number: plate.get("number")?.as_str()?.to_string(),
            })
        })
        .collect();

    let dmv = feeds.join("dmv.csv");
    let mut reader = csv::Reader::from_path(&dmv)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dmv.display()));
    let headers = reader.headers().expect("dmv.csv has a header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("dmv.csv has no {name} column"))
    };
    let (kind, number, state) = (column("REC_TYPE"), column("PLATE_NO"), column("PLATE_ST"));
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut reservoir: Vec<PlateKey> = Vec::with_capacity(sample);
    let mut seen = 0usize;
    for row in reader.records() {
        let Ok(row) = row else { continue };
        if row.get(kind) != Some("REG") || row.get(number).is_none_or(str::is_empty) {
            continue;
        }
        let key = PlateKey {
            state: row.get(state).unwrap_or_default().to_string(),
            number: row.get(number).unwrap_or_default().to_string(),
        };
        seen += 1;
        if reservoir.len() < sample {
            reservoir.push(key);
        } else {
            let slot = rand::Rng::gen_range(&mut rng, 0..seen);
            if slot < sample {
                reservoir[slot] = key;
            }
        }
    }
    reservoir.shuffle(&mut rng);
    plates.extend(reservoir);
    plates
}

/// Times `rounds` passes of `query` over every key, one call at a time, and
/// prints the median, p90, p99 and maximum of the single-call latencies.
fn percentiles<K>(
    runtime: &Runtime,
    label: &str,
    keys: &[K],
    rounds: usize,
    query: &impl AsyncFn(&K),
) {
    let mut timings: Vec<Duration> = Vec::with_capacity(keys.len() * rounds);
    for _ in 0..rounds {
        for key in keys {
            let start = Instant::now();
            runtime.block_on(query(key));
            timings.push(start.elapsed());
        }
    }
    timings.sort_unstable();
    let at = |q: f64| {
        let index = ((timings.len() as f64 * q).ceil() as usize).clamp(1, timings.len()) - 1;
        timings[index]
    };
    eprintln!(
        "{label}: {} calls: median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        timings.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.90).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        timings[timings.len() - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let Ok(location) = std::env::var("CISS_BENCH_STORE") else {
        eprintln!(
            "queries bench skipped: CISS_BENCH_STORE is unset (set it to sqlite:PATH or \
             falkor://HOST:PORT/GRAPH, and CISS_BENCH_FEEDS to the feeds that store holds)"
        );
        return;
    };
    let Some(feeds) = std::env::var_os("CISS_BENCH_FEEDS").map(PathBuf::from) else {
        eprintln!(
            "queries bench skipped: CISS_BENCH_FEEDS is unset (the `ciss generate` output directory)"
        );
        return;
    };
    let as_of: NaiveDate = std::env::var("CISS_BENCH_AS_OF")
        .unwrap_or_else(|_| "2026-12-01".into())
        .parse()
        .expect("CISS_BENCH_AS_OF is a YYYY-MM-DD date");
    let rounds = env_number("CISS_BENCH_ROUNDS", 5);

    let runtime = Runtime::new().expect("tokio runtime");
    let opened = Instant::now();
    let store = runtime.block_on(open_store(&location));
    eprintln!(
        "opened {location} in {:.1} s",
        opened.elapsed().as_secs_f64()
    );
    let search = Search::new(store.clone(), SummaryRules::default());

    let candidates = sample_plates(&feeds, env_number("CISS_BENCH_PLATES", 200));
    let mut plates = Vec::new();
    let mut entities: Vec<EntityId> = Vec::new();
    for plate in &candidates {
        let report = runtime
            .block_on(search.vehicle_by_plate(&plate.state, &plate.number, as_of))
            .unwrap_or_else(|err| panic!("plate {} {}: {err}", plate.state, plate.number));
        let Some(report) = report.filter(|r| !r.owners.is_empty()) else {
            continue;
        };
        plates.push(plate.clone());
        entities.extend(report.owners.iter().map(|owner| owner.id));
    }
    entities.sort_unstable();
    entities.dedup();
    eprintln!(
        "{} of {} sampled plates answered with an owner; {} distinct owners",
        plates.len(),
        candidates.len(),
        entities.len()
    );
    assert!(
        !plates.is_empty(),
        "no sampled plate matched the store: do CISS_BENCH_STORE and CISS_BENCH_FEEDS belong together?"
    );

    let everything = AssocFilter::default();
    let plate_query = async |plate: &PlateKey| {
        let report = search
            .vehicle_by_plate(&plate.state, &plate.number, as_of)
            .await
            .expect("plate query");
        std::hint::black_box(report);
    };
    let two_hop = async |entity: &EntityId| {
        let subgraph = store
            .neighbourhood(*entity, 2, &everything)
            .await
            .expect("two-hop neighbourhood");
        std::hint::black_box(subgraph);
    };

    // One untimed pass warms the neighbourhood path as key selection warmed the plate path.
    for entity in &entities {
        runtime.block_on(two_hop(entity));
    }
    percentiles(&runtime, "plate", &plates, rounds, &plate_query);
    percentiles(&runtime, "two_hop", &entities, rounds, &two_hop);

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("queries");
    let mut next = 0usize;
    group.bench_function("plate", |b| {
        b.iter(|| {
            let plate = &plates[next % plates.len()];
            next += 1;
            runtime.block_on(plate_query(plate));
        })
    });
    let mut next = 0usize;
    group.bench_function("two_hop", |b| {
        b.iter(|| {
            let entity = &entities[next % entities.len()];
            next += 1;
            runtime.block_on(two_hop(entity));
        })
    });
    group.finish();
    criterion.final_summary();
}
