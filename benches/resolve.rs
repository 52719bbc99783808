//! Criterion bench of batch resolution: the FEBRL3 deduplication task (5,000
//! records) and the FEBRL4 linkage task (2 × 5,000), training included.

// criterion_group! defines a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::path::Path;

use ciss::ingest::mapping::SourceMapping;
use ciss::resolve::ProbabilisticResolver;
use ciss::resolve::evaluate::{febrl_task, load_labelled};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench_febrl(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/febrl");
    let mapping = SourceMapping::load(&dir, "febrl").expect("febrl mapping");
    let mut group = c.benchmark_group("resolve");
    group.sample_size(20);
    for name in ["febrl3", "febrl4"] {
        let task = febrl_task(name, &dir).expect("task");
        let set = load_labelled(&task.files, &mapping, "rec_id").expect("febrl records");
        let resolver = ProbabilisticResolver::new(task.config);
        group.bench_function(name, |b| b.iter(|| resolver.resolve(&set.mentions)));
    }
    group.finish();
}

criterion_group!(benches, bench_febrl);
criterion_main!(benches);
