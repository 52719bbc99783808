//! Resolve: group person mentions from every source into entities.
//!
//! A [`Resolver`] turns mentions into clusters; [`resolve_store`] runs one over
//! the whole store and writes the entity of every mention. Records themselves
//! are never touched, so re-running resolution with a better resolver, or
//! undoing a merge, only rewrites derived entity ids.
//!
//! [`ProbabilisticResolver`] is the default: blocking on several keys, graded
//! field comparison, Fellegi–Sunter weights trained on the data itself, and
//! clustering that refuses hard conflicts. [`RuleResolver`] is the earlier
//! deterministic resolver, kept as a baseline. [`evaluate`] scores a resolver
//! against labelled data such as the FEBRL benchmark.
//!
//! [`IncrementalResolver`] places one new mention among entities a batch run
//! formed, and [`LiveResolution`] keeps one over a store, so the server
//! resolves each ingested request without re-reading the store.

mod block;
mod cluster;
mod compare;
mod decided;
mod dedup;
mod engine;
pub mod evaluate;
mod incremental;
mod live;
mod model;
mod nicknames;
mod parties;
mod prefetch;
mod prepare;
mod review;
mod rules;
mod text_list;
mod train;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use block::{BlockingReport, BlockingRule, RuleStats};
pub use cluster::{ClusterReport, Conflict, ConflictRules};
pub use compare::{FIELDS, Field, Thresholds};
pub(crate) use decided::decided_positions;
pub use decided::mentions_conflict;
pub use engine::{
    Decision, Explanation, ProbabilisticResolver, Resolution, ResolveConfig, ScoredPair,
    StageTimings, default_resolver, explain_with,
};
pub use incremental::{IncrementalResolver, Placement, PlacementKind};
pub use live::{BatchReason, LiveReport, LiveResolution};
pub use model::{FieldWeight, Model, probability, weight_of};
pub use review::{RefPair, ReviewLinks, effective_pairs, queue_of};
pub use rules::RuleResolver;
pub use train::TrainingReport;

use crate::graph::{
    EntityId, GraphStore, Mention, MentionId, MentionParty, PartyRef, ReviewDecision, StoreError,
};

/// A candidate pair scored between the non-match and match thresholds: not
/// linked, but worth a reviewer's look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PossibleMatch {
    /// One mention.
    pub a: MentionId,
    /// The other mention.
    pub b: MentionId,
    /// Match probability.
    pub probability: f64,
}

/// The result of clustering: the entity of every mention.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Clustering {
    /// Entity of each mention, in the order the mentions were given.
    pub assignment: Vec<(MentionId, EntityId)>,
    /// Links made, by the rule that made them.
    pub links_by_rule: BTreeMap<&'static str, usize>,
    /// Links refused because they would have joined conflicting mentions.
    pub refused_links: usize,
    /// Possible matches, for the review queue; empty for resolvers that do not score pairs.
    pub possible_matches: Vec<PossibleMatch>,
    /// The model this run trained, which the store keeps; `None` when the
    /// run trained none (a given model, too few mentions, or no model).
    pub trained_model: Option<TrainedModel>,
}

/// A model a resolution run trained. Two are equal when they are the same
/// model, not merely equal in value.
#[derive(Debug, Clone)]
pub struct TrainedModel(pub Arc<Model>);

impl PartialEq for TrainedModel {
    fn eq(&self, other: &TrainedModel) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Clustering {
    /// Returns the number of distinct entities.
    pub fn entity_count(&self) -> usize {
        self.assignment
            .iter()
            .map(|(_, e)| *e)
            .collect::<std::collections::HashSet<_>>()
            .len()
    }
}

/// Groups mentions into entities.
pub trait Resolver: Send + Sync {
    /// Clusters `mentions`. The entity id of a cluster is its smallest mention id,
    /// so ids stay stable across runs while that mention stays in the cluster.
    fn cluster(&self, mentions: &[Mention]) -> Clustering;

    /// Clusters `mentions` honouring reviewers' decisions: must-linked
    /// mentions share an entity and cannot-linked ones never do, not even
    /// through a chain. The default rebuilds [`Resolver::cluster`]'s clusters
    /// under the constraints; a resolver that links best-first should
    /// override it and honour them while linking.
    fn cluster_reviewed(&self, mentions: &[Mention], review: &ReviewLinks) -> Clustering {
        let plain = self.cluster(mentions);
        if review.is_empty() {
            return plain;
        }
        review::constrain(mentions, plain, review)
    }

    /// Returns this resolver scoring with `model` instead of training one,
    /// or `None` for a resolver that scores with no model.
    fn with_saved_model(&self, _model: Arc<Model>) -> Option<Box<dyn Resolver>> {
        None
    }
}

/// Returns the model the store keeps from its last trained resolution.
/// A kept model this build cannot read (from an older version, or damaged)
/// is logged and passed over, so the caller trains a new one.
pub async fn saved_model(store: &dyn GraphStore) -> Result<Option<Arc<Model>>, StoreError> {
    let Some(json) = store.saved_model().await? else {
        return Ok(None);
    };
    match Model::from_json(&json) {
        Ok(model) => Ok(Some(Arc::new(model))),
        Err(reason) => {
            tracing::warn!(%reason, "the kept resolution model is not readable; training a new one");
            Ok(None)
        }
    }
}

/// What a resolution run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveReport {
    /// Mentions read.
    pub mentions: usize,
    /// Entities formed.
    pub entities: usize,
    /// Links made, by rule.
    pub links_by_rule: BTreeMap<&'static str, usize>,
    /// Links refused because they would have joined conflicting mentions.
    pub refused_links: usize,
    /// Reviewers' decisions honoured.
    pub decisions: usize,
    /// Possible matches in the review queue after the run.
    pub queued: usize,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

/// Re-resolves every mention in `store` and writes the entity assignment,
/// honouring every reviewer's decision, then refreshes the review queue with
/// the run's possible matches.
pub async fn resolve_store(
    store: &dyn GraphStore,
    resolver: &dyn Resolver,
) -> Result<ResolveReport, StoreError> {
    let started = Instant::now();
    let input = StoreInput::read(store).await?;
    let clustering = resolver.cluster_reviewed(&input.mentions, &input.review);
    input.write(store, &clustering, started).await
}

/// The input of a batch run over a whole store: every mention, every decision,
/// each mention's party reference and currency, and the decisions as links
/// between mention positions.
pub(crate) struct StoreInput {
    pub(crate) mentions: Vec<Mention>,
    pub(crate) decisions: Vec<ReviewDecision>,
    pub(crate) refs: Vec<PartyRef>,
    pub(crate) current: Vec<bool>,
    pub(crate) review: ReviewLinks,
}

impl StoreInput {
    pub(crate) async fn read(store: &dyn GraphStore) -> Result<StoreInput, StoreError> {
        let mentions = store.mentions().await?;
        let decisions = store.decisions().await?;
        let (refs, current, versions) = party_refs(store, &mentions).await?;
        let followed = decided::decided_positions(&mentions, &refs, &versions, &decisions);
        let review = ReviewLinks::from_decisions_followed(&decisions, &refs, &followed);
        Ok(StoreInput {
            mentions,
            decisions,
            refs,
            current,
            review,
        })
    }

    /// Writes the entity of every mention and refreshes the review queue
    /// with the run's possible matches, then reports and logs the run.
    pub(crate) async fn write(
        &self,
        store: &dyn GraphStore,
        clustering: &Clustering,
        started: Instant,
    ) -> Result<ResolveReport, StoreError> {
        store.assign_entities(&clustering.assignment).await?;
        if let Some(TrainedModel(model)) = &clustering.trained_model {
            store.save_model(&model.to_json()).await?;
        }
        let queue = queue_of(
            clustering,
            &self.refs,
            &self.current,
            &self.decisions,
            chrono::Utc::now(),
        );
        store.refresh_review_queue(&queue).await?;
        // Marked last: a process stopped before this line leaves the
        // decisions counted as not applied, never the other way round.
        if let Some(last) = self.decisions.iter().map(|d| d.id).max() {
            store.mark_decisions_applied(last).await?;
        }
        let report = ResolveReport {
            mentions: self.mentions.len(),
            entities: clustering.entity_count(),
            links_by_rule: clustering.links_by_rule.clone(),
            refused_links: clustering.refused_links,
            decisions: self.decisions.len(),
            queued: queue.len(),
            duration_ms: started.elapsed().as_millis() as u64,
        };
        tracing::info!(
            mentions = report.mentions,
            entities = report.entities,
            refused_links = report.refused_links,
            decisions = report.decisions,
            queued = report.queued,
            duration_ms = report.duration_ms,
            "resolution finished"
        );
        Ok(report)
    }
}

/// Returns the party reference of each mention, whether its record version
/// is current, and that version's number, aligned with `mentions`.
pub async fn party_refs(
    store: &dyn GraphStore,
    mentions: &[Mention],
) -> Result<(Vec<PartyRef>, Vec<bool>, Vec<u32>), StoreError> {
    let parties: std::collections::HashMap<MentionId, MentionParty> = store
        .mention_parties()
        .await?
        .into_iter()
        .map(|p| (p.mention, p))
        .collect();
    let mut refs = Vec::with_capacity(mentions.len());
    let mut current = Vec::with_capacity(mentions.len());
    let mut versions = Vec::with_capacity(mentions.len());
    for m in mentions {
        let party = parties.get(&m.id).ok_or_else(|| StoreError::Corrupt {
            id: m.id,
            reason: "mention has no party position".into(),
        })?;
        refs.push(PartyRef::new(
            m.source.clone(),
            m.record_id.clone(),
            party.party,
        ));
        current.push(party.current);
        versions.push(party.version);
    }
    Ok((refs, current, versions))
}

/// Names each cluster after its smallest mention id; `root_of` gives the
/// cluster of the mention at each position.
fn assign_ids(
    mentions: &[Mention],
    root_of: impl Fn(usize) -> usize + Sync,
) -> Vec<(MentionId, EntityId)> {
    let ids: Vec<MentionId> = mentions.iter().map(|m| m.id).collect();
    assign_mention_ids(&ids, root_of)
}

/// Names each cluster after its smallest mention id, where `ids` are the
/// mention ids by position and `root_of` gives the cluster of each position,
/// itself a position below `ids.len()` (a mention's, or a distinct record's,
/// of which there are never more than mentions).
fn assign_mention_ids(
    ids: &[MentionId],
    root_of: impl Fn(usize) -> usize + Sync,
) -> Vec<(MentionId, EntityId)> {
    let mut smallest = vec![MentionId::MAX; ids.len()];
    for (index, id) in ids.iter().enumerate() {
        let entry = &mut smallest[root_of(index)];
        *entry = (*entry).min(*id);
    }
    ids.par_iter()
        .enumerate()
        .map(|(index, id)| (*id, smallest[root_of(index)]))
        .collect()
}
