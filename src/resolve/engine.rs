//! The probabilistic resolver: blocking, graded comparison, Fellegi–Sunter
//! scoring trained on the data, and clustering that refuses hard conflicts.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::block::{BlockingReport, BlockingRule, BlockingScope, Pair, candidate_pairs};
use super::cluster::{
    ClusterReport, Clustered, Conflict, ConflictRules, Context, Link, cluster, conflict,
};
use super::compare::{Comparison, Thresholds, compare};
use super::dedup::{Distinct, collapse};
use super::model::{FieldWeight, Model, probability, weight_of};
use super::parties::CoParties;
use super::prefetch::{AHEAD, prefetch};
use super::prepare::{Prepared, prepare_all, prepare_single};
use super::review::ReviewLinks;
use super::train::{Compared, TrainingReport, train};
use super::{Clustering, PossibleMatch, Resolver, TrainedModel, assign_mention_ids};
use crate::graph::{Mention, MentionId};

/// Settings of the probabilistic resolver. `Default` gives the production settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolveConfig {
    /// Blocking rules, applied in order.
    pub blocking: Vec<BlockingRule>,
    /// Blocks with more mentions than this are skipped and reported.
    pub max_block_size: usize,
    /// String-similarity thresholds of the comparison levels.
    pub thresholds: Thresholds,
    /// Pairs at or above this match probability are linked.
    pub match_probability: f64,
    /// Pairs at or above this probability, but below the match threshold, are
    /// possible matches for review; they are not linked.
    pub possible_match_probability: f64,
    /// Random pairs compared to estimate u-probabilities.
    pub u_sample_pairs: usize,
    /// Upper bound on expectation-maximization iterations.
    pub em_max_iterations: usize,
    /// Assumed share of true matches that the deterministic rules find; sets the prior.
    pub deterministic_recall: f64,
    /// Below this many mentions the model is not trained and generic defaults are used.
    pub min_training_mentions: usize,
    /// Smallest frequency used for an exact name match, so a name seen once
    /// does not outweigh everything else.
    pub tf_floor: f64,
    /// Seed of the random pair sample.
    pub seed: u64,
    /// Compare only mentions from different sources (linking deduplicated sources).
    pub across_sources_only: bool,
    /// Hard conflicts that clustering refuses.
    pub conflicts: ConflictRules,
}

impl Default for ResolveConfig {
    fn default() -> Self {
        ResolveConfig {
            blocking: BlockingRule::DEFAULT.to_vec(),
            max_block_size: 500,
            thresholds: Thresholds::default(),
            match_probability: 0.95,
            possible_match_probability: 0.5,
            u_sample_pairs: 60_000,
            em_max_iterations: 30,
            deterministic_recall: 0.8,
            min_training_mentions: 500,
            tf_floor: 1e-4,
            seed: 42,
            across_sources_only: false,
            conflicts: ConflictRules::default(),
        }
    }
}

impl ResolveConfig {
    /// Settings for linking sources that are each free of duplicates: pairs are
    /// only formed across sources and an entity holds one mention per source.
    pub fn linkage() -> ResolveConfig {
        let mut config = ResolveConfig {
            across_sources_only: true,
            ..ResolveConfig::default()
        };
        config.conflicts.one_per_source = true;
        config
    }

    /// Returns the decision for a match probability.
    pub fn decide(&self, probability: f64) -> Decision {
        if probability >= self.match_probability {
            Decision::Match
        } else if probability >= self.possible_match_probability {
            Decision::PossibleMatch
        } else {
            Decision::NonMatch
        }
    }
}

/// The decision on one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Linked: the mentions are taken to be one person.
    Match,
    /// Not linked, but worth a human look.
    PossibleMatch,
    /// Not linked.
    NonMatch,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Match => "match",
            Decision::PossibleMatch => "possible match",
            Decision::NonMatch => "non-match",
        })
    }
}

/// A scored candidate pair of distinct records (see [`Resolution::record_of`]).
/// The probability is computed from the weight rather than stored, so a pair
/// takes 16 bytes. A run on one million generated people keeps 17.6 million.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoredPair {
    /// Position of the first distinct record.
    pub a: u32,
    /// Position of the second distinct record.
    pub b: u32,
    /// Total match weight in bits.
    pub weight: f64,
}

impl ScoredPair {
    /// Returns the match probability of the pair's weight.
    pub fn probability(&self) -> f64 {
        probability(self.weight)
    }
}

/// Wall time of each stage, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageTimings {
    /// Feature preparation.
    pub prepare_ms: f64,
    /// Blocking.
    pub block_ms: f64,
    /// Comparison of candidate pairs.
    pub compare_ms: f64,
    /// Training.
    pub train_ms: f64,
    /// Scoring and clustering.
    pub cluster_ms: f64,
}

/// Everything a resolution run produced.
///
/// Mentions identical on every compared field (and identifying: given name,
/// surname and DOB, or an identifier) are resolved as one distinct record.
/// Pairs and blocking counts are between distinct records.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The entity of every mention.
    pub clustering: Clustering,
    /// Every scored candidate pair; `a` and `b` are distinct records.
    pub pairs: Vec<ScoredPair>,
    /// The distinct record of each mention, by mention position.
    pub record_of: Vec<u32>,
    /// Match probability of two copies of each distinct record. Copies are
    /// always linked; this is what the model says about them.
    pub copy_probability: Vec<f64>,
    /// Pairs per blocking rule.
    pub blocking: BlockingReport,
    /// What training estimated; default when the model was given or untrained.
    pub training: TrainingReport,
    /// Links joined and refused.
    pub clusters: ClusterReport,
    /// The model used.
    pub model: Arc<Model>,
    /// Stage timings.
    pub timings: StageTimings,
}

/// The probabilistic resolver. It trains its model on the mentions it is
/// given, unless built with a fixed model.
#[derive(Debug, Clone, Default)]
pub struct ProbabilisticResolver {
    config: ResolveConfig,
    model: Option<Arc<Model>>,
}

/// Returns the resolver `resolve_store` callers use: the probabilistic one with default settings.
pub fn default_resolver() -> ProbabilisticResolver {
    ProbabilisticResolver::new(ResolveConfig::default())
}

impl ProbabilisticResolver {
    /// Builds a resolver that trains on each input.
    pub fn new(config: ResolveConfig) -> ProbabilisticResolver {
        ProbabilisticResolver {
            config,
            model: None,
        }
    }

    /// Builds a resolver that scores with `model` and never retrains.
    pub fn with_model(config: ResolveConfig, model: Arc<Model>) -> ProbabilisticResolver {
        ProbabilisticResolver {
            config,
            model: Some(model),
        }
    }

    /// Returns the settings.
    pub fn config(&self) -> &ResolveConfig {
        &self.config
    }

    /// Returns the candidate pairs each blocking rule produces on `mentions`,
    /// counted between distinct records (see [`Resolution::record_of`]).
    pub fn blocking_report(&self, mentions: &[Mention]) -> BlockingReport {
        let distinct = self.distinct(mentions, &HashSet::new());
        candidate_pairs(&distinct.records, self.scope()).1
    }

    /// Resolves `mentions`: collapses exact duplicates, blocks, compares,
    /// trains (unless a model was given), scores and clusters.
    pub fn resolve(&self, mentions: &[Mention]) -> Resolution {
        self.resolve_reviewed(mentions, &ReviewLinks::default())
    }

    /// Resolves `mentions` as [`ProbabilisticResolver::resolve`] does,
    /// honouring reviewers' decisions while clustering.
    pub fn resolve_reviewed(&self, mentions: &[Mention], review: &ReviewLinks) -> Resolution {
        self.resolve_distinct(mentions, review).0
    }

    /// Resolves as [`ProbabilisticResolver::resolve_reviewed`] does and also
    /// returns the distinct records the pairs and clusters are numbered by.
    pub(crate) fn resolve_distinct(
        &self,
        mentions: &[Mention],
        review: &ReviewLinks,
    ) -> (Resolution, Distinct) {
        let started = Instant::now();
        let distinct = self.distinct(mentions, &review.positions());
        let prepare_ms = started.elapsed().as_secs_f64() * 1000.0;
        let ids: Vec<MentionId> = mentions.iter().map(|m| m.id).collect();
        let mut resolution = self.resolve_records(&ids, &distinct, review);
        resolution.timings.prepare_ms = prepare_ms;
        (resolution, distinct)
    }

    /// Blocks, compares, trains, scores and clusters records already grouped
    /// into `distinct`; `ids` are the ids of the mentions behind them, by
    /// position. The prepare time is left at zero for the caller to fill in.
    pub(crate) fn resolve_records(
        &self,
        ids: &[MentionId],
        distinct: &Distinct,
        review: &ReviewLinks,
    ) -> Resolution {
        let mut clock = Clock::start();
        let records = &distinct.records;
        let mut timings = StageTimings::default();
        let (pairs, blocking) = candidate_pairs(records, self.scope());
        timings.block_ms = clock.lap();
        let comparisons = self.compare_pairs(records, &pairs);
        timings.compare_ms = clock.lap();
        let compared = Compared {
            distinct,
            pairs: &pairs,
            comparisons: &comparisons,
        };
        let (model, training) = self.model_for(&compared);
        timings.train_ms = clock.lap();
        // Each chunk of comparisons is freed once scored, so the scored
        // pairs never sit in memory beside every comparison.
        let mut scored: Vec<ScoredPair> = Vec::with_capacity(pairs.len());
        for (chunk, comparisons) in pairs.chunks(COMPARE_CHUNK).zip(comparisons) {
            scored.par_extend(chunk.par_iter().zip(&comparisons).map(|((a, b), c)| {
                let weight = model.weight(&records[*a as usize], c);
                ScoredPair {
                    a: *a,
                    b: *b,
                    weight,
                }
            }));
        }
        drop(pairs);
        let copy_probability = self.copy_probabilities(distinct, &model);
        let (mut clustering, clusters) = self.cluster_scored(ids, distinct, &scored, review);
        if self.model.is_none() && model.is_trained() {
            clustering.trained_model = Some(TrainedModel(Arc::clone(&model)));
        }
        timings.cluster_ms = clock.lap();
        log_run(ids.len(), &blocking, &clusters, &timings);
        Resolution {
            clustering,
            pairs: scored,
            record_of: distinct.of_mention.clone(),
            copy_probability,
            blocking,
            training,
            clusters,
            model,
            timings,
        }
    }

    /// Trains a model on `mentions` (or returns the fixed one).
    pub fn train(&self, mentions: &[Mention]) -> Arc<Model> {
        if let Some(model) = &self.model {
            return Arc::clone(model);
        }
        let distinct = self.distinct(mentions, &HashSet::new());
        let (pairs, _) = candidate_pairs(&distinct.records, self.scope());
        let comparisons = self.compare_pairs(&distinct.records, &pairs);
        let compared = Compared {
            distinct: &distinct,
            pairs: &pairs,
            comparisons: &comparisons,
        };
        self.model_for(&compared).0
    }

    /// Explains the decision on two mentions with this resolver's model, or
    /// with the untrained defaults when it has none.
    pub fn explain(&self, a: &Mention, b: &Mention) -> Explanation {
        let model = self
            .model
            .clone()
            .unwrap_or_else(|| Arc::new(Model::untrained(self.config.thresholds)));
        explain_with(&model, &self.config, a, b)
    }

    pub(crate) fn scope(&self) -> BlockingScope<'_> {
        BlockingScope {
            rules: &self.config.blocking,
            max_block_size: self.config.max_block_size,
            across_sources_only: self.config.across_sources_only,
        }
    }

    /// Collapses exact duplicates, unless pairs are restricted by source:
    /// then two copies from one source must stay two records.
    /// Groups identical mentions into records, except those in `alone`.
    pub(crate) fn distinct(&self, mentions: &[Mention], alone: &HashSet<u32>) -> Distinct {
        let mut distinct = if self.collapses_copies() {
            collapse(mentions, alone)
        } else {
            Distinct::each(prepare_all(mentions))
        };
        if self.config.conflicts.distinct_parties {
            let records = distinct.records.len();
            distinct.co_parties = CoParties::of_mentions(mentions, &distinct.of_mention, records);
        }
        distinct
    }

    /// Returns whether exact copies become one record: not when pairs are restricted
    /// by source, since two copies from one source must stay two records.
    pub fn collapses_copies(&self) -> bool {
        !(self.config.across_sources_only || self.config.conflicts.one_per_source)
    }

    /// Compares every pair, returning the comparisons in chunks of
    /// [`COMPARE_CHUNK`] pairs so that they can be freed chunk by chunk.
    fn compare_pairs(&self, records: &[Prepared], pairs: &[Pair]) -> Vec<Vec<Comparison>> {
        let t = &self.config.thresholds;
        pairs
            .chunks(COMPARE_CHUNK)
            .map(|chunk| {
                chunk
                    .par_iter()
                    .enumerate()
                    .map(|(at, (a, b))| {
                        // Pairs come in order of their first record, so the
                        // second is the one far away in memory.
                        if let Some((_, ahead)) = chunk.get(at + AHEAD) {
                            prefetch(&records[*ahead as usize]);
                        }
                        compare(&records[*a as usize], &records[*b as usize], t)
                    })
                    .collect()
            })
            .collect()
    }

    fn model_for(&self, compared: &Compared<'_>) -> (Arc<Model>, TrainingReport) {
        if let Some(model) = &self.model {
            return (Arc::clone(model), TrainingReport::default());
        }
        if compared.distinct.mentions() < self.config.min_training_mentions {
            let model = Model::untrained(self.config.thresholds);
            return (Arc::new(model), TrainingReport::default());
        }
        let (model, report) = train(compared, &self.config);
        tracing::debug!(
            sampled_pairs = report.sampled_pairs,
            patterns = report.patterns,
            em_iterations = report.em_iterations,
            deterministic_pairs = report.deterministic_pairs,
            "model trained"
        );
        (Arc::new(model), report)
    }

    /// Match probability of two copies of each distinct record.
    ///
    /// Copies are linked whatever this says; the count of those under the
    /// match threshold is logged so a model that would not link them shows.
    fn copy_probabilities(&self, distinct: &Distinct, model: &Model) -> Vec<f64> {
        let t = &self.config.thresholds;
        let probabilities: Vec<f64> = distinct
            .records
            .par_iter()
            .map(|p| probability(model.weight(p, &compare(p, p, t))))
            .collect();
        let unlikely = probabilities
            .iter()
            .zip(&distinct.sizes)
            .filter(|(p, size)| **size > 1 && **p < self.config.match_probability)
            .count();
        if unlikely > 0 {
            tracing::warn!(
                records = unlikely,
                "exact duplicates linked although their match probability is under the threshold"
            );
        }
        probabilities
    }

    fn cluster_scored(
        &self,
        ids: &[MentionId],
        distinct: &Distinct,
        scored: &[ScoredPair],
        review: &ReviewLinks,
    ) -> (Clustering, ClusterReport) {
        let links = scored
            .par_iter()
            .filter(|p| p.probability() >= self.config.match_probability)
            .map(|p| Link {
                a: p.a,
                b: p.b,
                weight: p.weight,
            })
            .collect();
        // Decisions name mentions; clustering joins records. Every mention a
        // decision names is a record of its own (see `distinct`).
        let review = review.renumbered(|m| distinct.of_mention[m as usize]);
        let ctx = Context {
            records: &distinct.records,
            rules: &self.config.conflicts,
            thresholds: &self.config.thresholds,
            review: &review,
            co_parties: &distinct.co_parties,
        };
        let Clustered {
            roots,
            report,
            ambiguous,
        } = cluster(&ctx, links);
        let of_mention = &distinct.of_mention;
        let mut clustering = Clustering {
            assignment: assign_mention_ids(ids, |index| roots[of_mention[index] as usize] as usize),
            refused_links: report.refused,
            possible_matches: possible_matches(ids, distinct, scored, &ambiguous, &self.config),
            ..Clustering::default()
        };
        clustering
            .links_by_rule
            .insert("fellegi_sunter", report.joined);
        clustering.links_by_rule.insert(
            "exact_duplicate",
            distinct.mentions() - distinct.records.len(),
        );
        (clustering, report)
    }
}

impl Resolver for ProbabilisticResolver {
    fn cluster(&self, mentions: &[Mention]) -> Clustering {
        self.resolve(mentions).clustering
    }

    fn cluster_reviewed(&self, mentions: &[Mention], review: &ReviewLinks) -> Clustering {
        self.resolve_reviewed(mentions, review).clustering
    }

    fn with_saved_model(&self, model: Arc<Model>) -> Option<Box<dyn Resolver>> {
        let config = self.config.clone();
        Some(Box::new(ProbabilisticResolver::with_model(config, model)))
    }
}

/// Pairs compared per chunk of comparisons: 8 MB of comparisons.
const COMPARE_CHUNK: usize = 1 << 20;

/// Returns the scored pairs between the possible-match and match thresholds,
/// and the matches of records clustering left on their own as ambiguous
/// (`ambiguous`, by record, or empty when none was), except pairs of parties
/// of one record. `scored` pairs records,
/// so each is named by the last mention of its record: the latest stored,
/// which is of its record's current version unless a later version changed
/// the person.
fn possible_matches(
    ids: &[MentionId],
    distinct: &Distinct,
    scored: &[ScoredPair],
    ambiguous: &[bool],
    config: &ResolveConfig,
) -> Vec<PossibleMatch> {
    let left_alone = |record: u32| ambiguous.get(record as usize).copied().unwrap_or(false);
    let mut last = vec![usize::MAX; distinct.records.len()];
    for (mention, record) in distinct.of_mention.iter().enumerate() {
        last[*record as usize] = mention;
    }
    // Two parties of one record are two people: never a possible match.
    scored
        .par_iter()
        .filter(|p| !distinct.co_parties.shared(p.a, p.b))
        .filter(|p| match config.decide(p.probability()) {
            Decision::PossibleMatch => true,
            Decision::Match => left_alone(p.a) || left_alone(p.b),
            Decision::NonMatch => false,
        })
        .map(|p| PossibleMatch {
            a: ids[last[p.a as usize]],
            b: ids[last[p.b as usize]],
            probability: p.probability(),
        })
        .collect()
}

fn log_run(mentions: usize, blocking: &BlockingReport, clusters: &ClusterReport, t: &StageTimings) {
    let capped: usize = blocking.rules.iter().map(|r| r.capped_blocks).sum();
    tracing::info!(
        mentions,
        candidate_pairs = blocking.candidate_pairs,
        capped_blocks = capped,
        links = clusters.joined,
        refused_links = clusters.refused,
        block_ms = t.block_ms as u64,
        train_ms = t.train_ms as u64,
        "probabilistic resolution"
    );
}

struct Clock(Instant);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now())
    }

    /// Returns milliseconds since the last lap and starts a new one.
    fn lap(&mut self) -> f64 {
        let now = Instant::now();
        let ms = (now - self.0).as_secs_f64() * 1000.0;
        self.0 = now;
        ms
    }
}

/// Why two mentions were or were not linked: every field's level and weight,
/// the total, the thresholds and any hard conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Per field, in comparison order.
    pub fields: Vec<FieldWeight>,
    /// Whether given name and surname were compared swapped.
    pub names_swapped: bool,
    /// Prior weight in bits.
    pub prior: f64,
    /// Total weight in bits, prior included.
    pub total: f64,
    /// Match probability.
    pub probability: f64,
    /// Probability at or above which a pair is linked.
    pub match_probability: f64,
    /// Probability at or above which a pair is a possible match.
    pub possible_match_probability: f64,
    /// Decision from the probability alone.
    pub decision: Decision,
    /// A hard conflict that would stop the two mentions sharing an entity.
    pub conflict: Option<Conflict>,
    /// Whether the model was trained on data rather than generic defaults.
    pub trained: bool,
}

impl Explanation {
    /// Returns the level of `field` as the text explanation shows it, with
    /// `tf` when its weight was adjusted for the name's frequency and
    /// `swapped` when the names were compared swapped, such as
    /// `exact (tf, swapped)`.
    fn level_with_markers(&self, field: &FieldWeight) -> String {
        let is_name = matches!(field.field, super::Field::Given | super::Field::Surname);
        let mut markers = Vec::new();
        if field.term_frequency {
            markers.push("tf");
        }
        if self.names_swapped && is_name {
            markers.push("swapped");
        }
        if markers.is_empty() {
            return field.level.to_string();
        }
        format!("{} ({})", field.level, markers.join(", "))
    }
}

/// Returns the conflict of two different mentions of one record version.
fn party_conflict(config: &ResolveConfig, a: &Mention, b: &Mention) -> Option<Conflict> {
    (config.conflicts.distinct_parties && a.record == b.record).then_some(Conflict::Party)
}

/// Explains the decision on `a` and `b`, two different mentions, under `model`.
pub fn explain_with(
    model: &Model,
    config: &ResolveConfig,
    a: &Mention,
    b: &Mention,
) -> Explanation {
    let pa = prepare_single(a, 0);
    let pb = prepare_single(b, u32::from(a.source != b.source));
    let comparison = compare(&pa, &pb, &model.thresholds);
    let total = model.weight(&pa, &comparison);
    let p = probability(total);
    Explanation {
        fields: model.field_weights(&pa, &comparison),
        names_swapped: comparison.swapped(),
        prior: model.prior_weight(),
        total,
        probability: p,
        match_probability: config.match_probability,
        possible_match_probability: config.possible_match_probability,
        decision: config.decide(p),
        conflict: party_conflict(config, a, b)
            .or_else(|| conflict(&pa, &pb, &config.conflicts, &model.thresholds)),
        trained: model.is_trained(),
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<10} {:<20} {:>8}", "field", "level", "weight")?;
        for field in self.fields.iter().filter(|w| w.level != "missing") {
            let level = self.level_with_markers(field);
            writeln!(
                f,
                "{:<10} {:<20} {:>+8.2}",
                field.field.name(),
                level,
                field.weight
            )?;
        }
        let missing: Vec<&str> = self
            .fields
            .iter()
            .filter(|w| w.level == "missing")
            .map(|w| w.field.name())
            .collect();
        writeln!(f, "{:<31} {:>+8.2}", "prior", self.prior)?;
        writeln!(f, "{:<31} {:>+8.2}", "total", self.total)?;
        writeln!(f, "missing: {}", missing.join(", "))?;
        writeln!(
            f,
            "probability {:.6}; match at {} (weight {:+.2}), possible match at {} (weight {:+.2})",
            self.probability,
            self.match_probability,
            weight_of(self.match_probability),
            self.possible_match_probability,
            weight_of(self.possible_match_probability),
        )?;
        write!(f, "decision: {}", self.decision)?;
        if let Some(conflict) = self.conflict {
            write!(
                f,
                "; conflicting {}, so the score alone never links them",
                conflict.name()
            )?;
        }
        if !self.trained {
            write!(f, " (untrained default model)")?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::Field;

    #[test]
    fn explanation_levels_show_every_marker() {
        // (field, term frequency adjusted, names swapped, level shown)
        let cases = [
            (Field::Given, false, false, "exact"),
            (Field::Given, true, false, "exact (tf)"),
            (Field::Given, false, true, "exact (swapped)"),
            (Field::Given, true, true, "exact (tf, swapped)"),
            (Field::Surname, true, true, "exact (tf, swapped)"),
            (Field::Dob, false, true, "exact"),
        ];
        for (field, term_frequency, names_swapped, expected) in cases {
            let weight = FieldWeight {
                field,
                level: "exact",
                weight: 1.0,
                term_frequency,
            };
            let explanation = Explanation {
                fields: vec![weight.clone()],
                names_swapped,
                prior: 0.0,
                total: 1.0,
                probability: 0.5,
                match_probability: 0.95,
                possible_match_probability: 0.5,
                decision: Decision::PossibleMatch,
                conflict: None,
                trained: true,
            };
            let shown = explanation.level_with_markers(&weight);
            assert_eq!(
                shown, expected,
                "{field:?} tf {term_frequency} swapped {names_swapped}"
            );
            let text = explanation.to_string();
            assert!(text.contains(&format!(" {expected} ")), "{text}");
        }
    }
}
