//! Latency of incremental resolution: builds the resolved state from
//! generated feeds less a held-out sample of mentions, then places the
//! sample one mention at a time and prints the per-mention latency.
//!
//! Placing a mention changes the state, so a sampling harness that repeats
//! one call does not fit; each held-out mention is placed once and timed.
//!
//! ```sh
//! target/release/ciss generate --people 1000000 --seed 7 --out feeds1m
//! CISS_BENCH_FEEDS=feeds1m cargo bench --bench incremental
//! ```
//!
//! `CISS_BENCH_FEEDS` names a directory written by `ciss generate`; without
//! it the bench generates 20,000 people into a temporary directory.
//! `CISS_BENCH_HOLDOUT` sets the sample size (default 5,000).

// A bench binary reports on standard output.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ciss::generate::{GenerateConfig, generate};
use ciss::graph::Mention;
use ciss::resolve::evaluate::load_generated;
use ciss::resolve::{
    IncrementalResolver, PlacementKind, ProbabilisticResolver, ResolveConfig, ReviewLinks,
};

/// Splits off every n-th mention, up to `count` of them, so the held-out
/// sample spreads over all sources and people.
fn hold_out(mentions: Vec<Mention>, count: usize) -> (Vec<Mention>, Vec<Mention>) {
    let stride = (mentions.len() / count.max(1)).max(2);
    let mut stored = Vec::with_capacity(mentions.len());
    let mut sample = Vec::with_capacity(count);
    for (at, mention) in mentions.into_iter().enumerate() {
        if at % stride == stride - 1 && sample.len() < count {
            sample.push(mention);
        } else {
            stored.push(mention);
        }
    }
    (stored, sample)
}

fn feeds() -> (PathBuf, Option<tempfile::TempDir>) {
    if let Ok(dir) = std::env::var("CISS_BENCH_FEEDS") {
        return (PathBuf::from(dir), None);
    }
    let temp = tempfile::tempdir().expect("temp dir");
    let config = GenerateConfig {
        people: 20_000,
        seed: 7,
        as_of: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        out_dir: temp.path().to_path_buf(),
        progress: false,
    };
    generate(&config).expect("generation succeeds");
    (temp.path().to_path_buf(), Some(temp))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn main() {
    let holdout: usize = std::env::var("CISS_BENCH_HOLDOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let (dir, _temp) = feeds();
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let started = Instant::now();
    let set = load_generated(&dir, &sources).expect("feeds load");
    let loaded = started.elapsed();
    let (stored, sample) = hold_out(set.mentions, holdout);

    let started = Instant::now();
    let config = ResolveConfig::default();
    let model = ProbabilisticResolver::new(config.clone()).train(&stored);
    let resolver = ProbabilisticResolver::with_model(config, Arc::clone(&model));
    let (mut state, _) = IncrementalResolver::build(&resolver, &stored, &ReviewLinks::default());
    let built = started.elapsed();
    let base = state.records();

    let mut times = Vec::with_capacity(sample.len());
    let mut compared_times = Vec::with_capacity(sample.len());
    let mut kinds = std::collections::BTreeMap::new();
    let mut compared = 0usize;
    for mention in &sample {
        let started = Instant::now();
        let placement = state.add(mention);
        let took = started.elapsed();
        times.push(took);
        if placement.kind != PlacementKind::Copy {
            compared_times.push(took);
        }
        *kinds
            .entry(format!("{:?}", placement.kind))
            .or_insert(0usize) += 1;
        compared += placement.compared;
    }
    times.sort_unstable();
    compared_times.sort_unstable();
    println!(
        "stored mentions {}, distinct records {}, held out {}",
        stored.len(),
        base,
        sample.len()
    );
    println!(
        "load {:.1} s, train and build {:.1} s",
        loaded.as_secs_f64(),
        built.as_secs_f64()
    );
    println!("placements {kinds:?}, mean records compared {:.1}", {
        compared as f64 / sample.len().max(1) as f64
    });
    report("add latency, all placements", &times);
    report("add latency, exact copies left out", &compared_times);
}

fn report(label: &str, sorted: &[Duration]) {
    if sorted.is_empty() {
        println!("{label}: no placements");
        return;
    }
    println!(
        "{label} ({}): p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        sorted.len(),
        percentile(sorted, 0.5),
        percentile(sorted, 0.9),
        percentile(sorted, 0.99),
        sorted[sorted.len() - 1]
    );
}
