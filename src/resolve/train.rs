//! Training a [`Model`] from the mentions themselves, with no labels.
//!
//! - u-probabilities come from comparing random pairs, which are almost all
//!   non-matches. The exact level is computed in closed form from value counts
//!   (the chance two random mentions share a value), which is what sampling
//!   converges to and is precise for rare agreements such as dates of birth.
//! - m-probabilities come from expectation maximization over the blocked pairs,
//!   run on distinct comparison vectors weighted by their counts. The non-match
//!   distribution among blocked pairs is estimated alongside, because blocking
//!   makes non-matches agree far more often than random pairs do.
//! - The prior comes from deterministic rules: blocked pairs agreeing exactly
//!   on given name, surname and DOB, or on an identifier, divided by the rules'
//!   assumed recall and by the number of possible pairs.

use std::hash::{Hash, Hasher};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;

use super::ResolveConfig;
use super::block::Pair;
use super::cluster::ConflictRules;
use super::compare::{Comparison, FIELD_COUNT, FIELDS, Field, compare};
use super::dedup::Distinct;
use super::model::{Levels, Model, floor_levels, level_counts};
use super::prepare::Prepared;

/// Smallest m- or u-probability a level can have: no level is impossible.
const PROBABILITY_FLOOR: f64 = 1e-5;

/// What training estimated, for logs and reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrainingReport {
    /// Random pairs compared for the u-probabilities.
    pub sampled_pairs: usize,
    /// Distinct comparison vectors among the blocked pairs.
    pub patterns: usize,
    /// Expectation-maximization iterations run.
    pub em_iterations: usize,
    /// Share of blocked pairs the EM found to be matches.
    pub blocked_match_share: f64,
    /// Blocked pairs passing a deterministic rule.
    pub deterministic_pairs: usize,
    /// Prior probability that two random mentions are one person.
    pub prior: f64,
}

/// The compared candidate pairs of distinct records, as training reads them.
pub(crate) struct Compared<'a> {
    /// Distinct records, each standing for `sizes[i]` identical mentions.
    pub(crate) distinct: &'a Distinct,
    /// Candidate pairs, by position in `distinct.records`.
    pub(crate) pairs: &'a [Pair],
    /// Comparisons of `pairs`, in order, in consecutive chunks.
    pub(crate) comparisons: &'a [Vec<Comparison>],
}

/// Trains a model on the mentions behind `compared`, with each candidate pair
/// counted once per pair of mentions it stands for.
pub(crate) fn train(compared: &Compared<'_>, config: &ResolveConfig) -> (Model, TrainingReport) {
    let distinct = compared.distinct;
    let mut model = Model::untrained(config.thresholds);
    let mut report = TrainingReport::default();
    model.given_tf = term_frequencies(distinct, |p| p.given());
    model.surname_tf = term_frequencies(distinct, |p| p.surname());
    model.tf_floor = config.tf_floor;
    let (u, sampled) = estimate_u(distinct, config);
    report.sampled_pairs = sampled;
    model.u = u;
    let patterns = count_patterns(compared, config);
    report.patterns = patterns.len();
    let blocked: f64 = patterns.iter().map(|p| p.count).sum();
    let deterministic_pairs: f64 = patterns
        .iter()
        .filter(|p| deterministic(&p.levels))
        .map(|p| p.count)
        .sum();
    report.deterministic_pairs = deterministic_pairs as usize;
    let start_share = (deterministic_pairs / blocked.max(1.0)).clamp(0.01, 0.99);
    let em = expectation_maximization(&patterns, &model, start_share, config.em_max_iterations);
    report.em_iterations = em.iterations;
    report.blocked_match_share = em.match_share;
    model.m = em.m;
    let possible = possible_pairs(distinct, config.across_sources_only);
    let estimated_matches = report.deterministic_pairs as f64 / config.deterministic_recall;
    model.prior = (estimated_matches.max(1.0) / possible.max(2.0)).clamp(1e-12, 0.5);
    report.prior = model.prior;
    model.trained = true;
    (model, report)
}

const ID_FIELDS: [Field; 5] = [
    Field::StateId,
    Field::Fbi,
    Field::Licence,
    Field::Inmate,
    Field::SorId,
];

/// Whether a pair passes a deterministic rule: an identifier agrees exactly, or
/// given name, surname and DOB all agree exactly.
fn deterministic(levels: &[u8; FIELD_COUNT]) -> bool {
    let exact = |field: Field| levels[field.index()] == 1;
    ID_FIELDS.into_iter().any(exact)
        || (exact(Field::Given) && exact(Field::Surname) && exact(Field::Dob))
}

/// The class a comparison vector is known to belong to, if any: a hard
/// conflict makes it a non-match, an identifier agreeing exactly a match.
///
/// Expectation maximization keeps these pairs in their class. Without the
/// anchors the mixture can settle on "same household" instead of "same
/// person", since relatives at one address agree on surname and address as
/// strongly as duplicates do.
fn anchor(levels: &[u8; FIELD_COUNT], rules: &ConflictRules) -> Option<f64> {
    let level = |field: Field| levels[field.index()];
    let differs = |field: Field| level(field) >= 2;
    let conflict = (rules.distinct_fbi && differs(Field::Fbi))
        || (rules.distinct_state_id && differs(Field::StateId))
        || (rules.distinct_suffix && level(Field::Suffix) == 2);
    if conflict {
        Some(0.0)
    } else if ID_FIELDS.into_iter().any(|f| level(f) == 1) {
        Some(1.0)
    } else {
        None
    }
}

fn possible_pairs(distinct: &Distinct, across_sources_only: bool) -> f64 {
    let n = distinct.mentions() as f64;
    let all = n * (n - 1.0) / 2.0;
    if !across_sources_only {
        return all;
    }
    let mut per_source: FxHashMap<u32, f64> = FxHashMap::default();
    for (p, size) in distinct.records.iter().zip(&distinct.sizes) {
        *per_source.entry(p.source).or_default() += f64::from(*size);
    }
    all - per_source
        .values()
        .map(|k| k * (k - 1.0) / 2.0)
        .sum::<f64>()
}

fn term_frequencies(
    distinct: &Distinct,
    value: impl Fn(&Prepared) -> &str,
) -> FxHashMap<String, f64> {
    let mut counts: FxHashMap<&str, u32> = FxHashMap::default();
    for (p, size) in distinct.records.iter().zip(&distinct.sizes) {
        let v = value(p);
        if !v.is_empty() {
            *counts.entry(v).or_default() += size;
        }
    }
    let total: u32 = counts.values().sum();
    counts
        .into_iter()
        .map(|(k, c)| (k.to_string(), f64::from(c) / f64::from(total.max(1))))
        .collect()
}

/// Estimates u-probabilities: closed form for the exact level, sampled random
/// pairs for the others.
fn estimate_u(distinct: &Distinct, config: &ResolveConfig) -> (Vec<Levels>, usize) {
    let counts = level_counts();
    let sampled = sample_levels(distinct, config);
    let total_sampled = sampled_pairs(distinct.mentions(), config.u_sample_pairs);
    let u = FIELDS
        .par_iter()
        .enumerate()
        .map(|(index, field)| {
            let exact = exact_agreement(distinct, *field);
            let observed = &sampled[index];
            let others: f64 = observed.iter().skip(2).sum::<f64>();
            let mut levels = vec![0.0; counts[index]];
            levels[1] = exact;
            let share = 1.0 - exact;
            let smoothing = 0.5;
            let denominator = others + smoothing * (counts[index] - 2) as f64;
            for level in 2..counts[index] {
                levels[level] = share * (observed[level] + smoothing) / denominator;
            }
            levels
        })
        .collect();
    (u, total_sampled)
}

fn sampled_pairs(records: usize, wanted: usize) -> usize {
    let possible = records.saturating_mul(records.saturating_sub(1)) / 2;
    wanted.min(possible)
}

/// Level counts per field over random pairs of mentions.
fn sample_levels(distinct: &Distinct, config: &ResolveConfig) -> Vec<Vec<f64>> {
    let counts = level_counts();
    let n = distinct.mentions();
    let record = |mention: usize| &distinct.records[distinct.of_mention[mention] as usize];
    let wanted = sampled_pairs(n, config.u_sample_pairs);
    let chunks = 64usize;
    let per_chunk = wanted.div_ceil(chunks);
    let empty = || counts.iter().map(|c| vec![0.0; *c]).collect::<Vec<_>>();
    (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng =
                ChaCha8Rng::seed_from_u64(config.seed ^ (chunk as u64).wrapping_mul(0x9E37));
            let mut tally = empty();
            for _ in 0..per_chunk {
                let (a, b) = (rng.gen_range(0..n), rng.gen_range(0..n));
                let (ra, rb) = (record(a), record(b));
                if a == b || (config.across_sources_only && ra.source == rb.source) {
                    continue;
                }
                let c = compare(ra, rb, &config.thresholds);
                for (index, level) in c.levels().iter().enumerate() {
                    tally[index][*level as usize] += 1.0;
                }
            }
            tally
        })
        .reduce(empty, |mut acc, part| {
            for (a, p) in acc.iter_mut().zip(part) {
                for (x, y) in a.iter_mut().zip(p) {
                    *x += y;
                }
            }
            acc
        })
}

/// Probability that two random mentions both carrying the field share its value.
fn exact_agreement(distinct: &Distinct, field: Field) -> f64 {
    let mut counts: FxHashMap<u64, u64> = FxHashMap::default();
    for (p, size) in distinct.records.iter().zip(&distinct.sizes) {
        if let Some(key) = exact_key(p, field) {
            *counts.entry(key).or_default() += u64::from(*size);
        }
    }
    let n: u64 = counts.values().sum();
    if n < 2 {
        return 1e-6;
    }
    // At least one sharing pair is assumed, so a value never seen twice is rare, not impossible.
    let same: u64 = counts.values().map(|c| c * (c - 1)).sum::<u64>().max(2);
    same as f64 / (n * (n - 1)) as f64
}

fn exact_key(p: &Prepared, field: Field) -> Option<u64> {
    let mut hasher = FxHasher::default();
    let present = match field {
        Field::Given => hash_text(p.given(), &mut hasher),
        Field::Surname => hash_text(p.surname(), &mut hasher),
        Field::Dob => p.dob.inspect(|d| d.hash(&mut hasher)).is_some(),
        Field::Sex => p.sex.inspect(|s| s.hash(&mut hasher)).is_some(),
        Field::Suffix => hash_text(p.suffix(), &mut hasher),
        Field::Street => hash_text(p.street(), &mut hasher),
        Field::Unit => hash_text(p.unit(), &mut hasher),
        Field::City => hash_text(p.city(), &mut hasher),
        Field::Zip => hash_text(p.zip(), &mut hasher),
        Field::Phone => hash_text(p.phone(), &mut hasher),
        Field::StateId => hash_text(p.id(0), &mut hasher),
        Field::Fbi => hash_text(p.id(1), &mut hasher),
        Field::Licence => hash_text(p.id(2), &mut hasher),
        Field::Inmate => hash_text(p.id(3), &mut hasher),
        Field::SorId => hash_text(p.id(4), &mut hasher),
    };
    present.then(|| hasher.finish())
}

fn hash_text(text: &str, hasher: &mut FxHasher) -> bool {
    text.hash(hasher);
    !text.is_empty()
}

/// A distinct comparison vector, how many blocked pairs have it, and its anchored class.
struct Pattern {
    levels: [u8; FIELD_COUNT],
    count: f64,
    anchor: Option<f64>,
}

/// Counts the comparison vectors of mention pairs: a candidate pair counts
/// once per pair of mentions behind it, and the mentions behind one distinct
/// record count as pairs of identical records.
fn count_patterns(compared: &Compared<'_>, config: &ResolveConfig) -> Vec<Pattern> {
    let distinct = compared.distinct;
    let size = |record: u32| f64::from(distinct.sizes[record as usize]);
    let mut counts: FxHashMap<[u8; FIELD_COUNT], f64> = FxHashMap::default();
    for ((a, b), c) in compared
        .pairs
        .iter()
        .zip(compared.comparisons.iter().flatten())
    {
        *counts.entry(c.levels()).or_default() += size(*a) * size(*b);
    }
    for (p, copies) in distinct.records.iter().zip(&distinct.sizes) {
        if *copies > 1 {
            let c = compare(p, p, &config.thresholds);
            let copies = f64::from(*copies);
            *counts.entry(c.levels()).or_default() += copies * (copies - 1.0) / 2.0;
        }
    }
    let rules = &config.conflicts;
    let mut patterns: Vec<Pattern> = counts
        .into_iter()
        .map(|(levels, count)| Pattern {
            levels,
            count,
            anchor: anchor(&levels, rules),
        })
        .collect();
    patterns.sort_by_key(|p| p.levels);
    patterns
}

struct EmResult {
    m: Vec<Levels>,
    match_share: f64,
    iterations: usize,
}

/// Fits a two-class mixture to the blocked comparison vectors.
fn expectation_maximization(
    patterns: &[Pattern],
    start: &Model,
    start_share: f64,
    max_iterations: usize,
) -> EmResult {
    let mut m = start.m.clone();
    let mut u = start.u.clone();
    let mut share = start_share;
    let mut iterations = 0;
    if patterns.is_empty() {
        return EmResult {
            m,
            match_share: share,
            iterations,
        };
    }
    for _ in 0..max_iterations {
        iterations += 1;
        let (new_m, new_u, new_share) = em_step(patterns, &m, &u, share);
        let change = max_change(&m, &new_m).max((new_share - share).abs());
        (m, u, share) = (new_m, new_u, new_share);
        if change < 1e-6 {
            break;
        }
    }
    for levels in &mut m {
        floor_levels(levels, PROBABILITY_FLOOR);
    }
    EmResult {
        m,
        match_share: share,
        iterations,
    }
}

fn em_step(
    patterns: &[Pattern],
    m: &[Levels],
    u: &[Levels],
    share: f64,
) -> (Vec<Levels>, Vec<Levels>, f64) {
    let counts = level_counts();
    let mut m_sum: Vec<Levels> = counts.iter().map(|c| vec![0.0; *c]).collect();
    let mut u_sum = m_sum.clone();
    let mut matched = 0.0;
    let mut total = 0.0;
    for pattern in patterns {
        let (levels, count) = (&pattern.levels, pattern.count);
        let p = pattern
            .anchor
            .unwrap_or_else(|| match_posterior(levels, m, u, share));
        matched += p * count;
        total += count;
        for (index, level) in levels.iter().enumerate() {
            m_sum[index][*level as usize] += p * count;
            u_sum[index][*level as usize] += (1.0 - p) * count;
        }
    }
    normalize_all(&mut m_sum, m);
    normalize_all(&mut u_sum, u);
    let share = (matched / total).clamp(1e-6, 1.0 - 1e-6);
    (m_sum, u_sum, share)
}

fn match_posterior(levels: &[u8; FIELD_COUNT], m: &[Levels], u: &[Levels], share: f64) -> f64 {
    let mut log_ratio = (share / (1.0 - share)).ln();
    for (index, level) in levels.iter().enumerate() {
        if *level != 0 {
            let l = *level as usize;
            log_ratio += (m[index][l] / u[index][l]).ln();
        }
    }
    1.0 / (1.0 + (-log_ratio).exp())
}

/// Turns level sums into probabilities; a field never observed keeps `previous`.
fn normalize_all(sums: &mut [Levels], previous: &[Levels]) {
    for (levels, old) in sums.iter_mut().zip(previous) {
        let total: f64 = levels.iter().skip(1).sum();
        if total <= 0.0 {
            levels.clone_from(old);
            continue;
        }
        levels[0] = 0.0;
        for p in levels.iter_mut().skip(1) {
            *p = (*p / total).max(1e-9);
        }
    }
}

fn max_change(a: &[Levels], b: &[Levels]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::prepare::TextField;

    #[test]
    fn sampling_never_exceeds_the_possible_pairs() {
        assert_eq!(sampled_pairs(4, 1_000), 6);
        assert_eq!(sampled_pairs(10_000, 1_000), 1_000);
        assert_eq!(sampled_pairs(0, 1_000), 0);
    }

    #[test]
    fn exact_agreement_is_the_chance_two_random_records_share_a_value() {
        let mk = |s: &str| {
            let mut p = Prepared::default();
            p.set(TextField::Surname, s);
            p
        };
        let distinct = Distinct::each(vec![mk("A"), mk("A"), mk("B"), mk("C")]);
        // 2 ordered pairs of 12 share the surname.
        let expected = 2.0 / 12.0;
        assert!((exact_agreement(&distinct, Field::Surname) - expected).abs() < 1e-12);
    }

    #[test]
    fn exact_agreement_counts_every_copy_of_a_distinct_record() {
        let mk = |s: &str| {
            let mut p = Prepared::default();
            p.set(TextField::Surname, s);
            p
        };
        let distinct = Distinct {
            records: vec![mk("A"), mk("B"), mk("C")],
            sizes: vec![2, 1, 1],
            of_mention: vec![0, 0, 1, 2],
            ..Distinct::default()
        };
        let expected = 2.0 / 12.0;
        assert!((exact_agreement(&distinct, Field::Surname) - expected).abs() < 1e-12);
    }
}
