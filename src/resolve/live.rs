//! Resolution kept current over a store as records arrive.
//!
//! A [`LiveResolution`] keeps an [`IncrementalResolver`] built by one batch
//! run over the store. Each update reads only the mentions stored since the
//! last one, places them, writes the entities that changed and queues the new
//! possible matches. It falls back to a batch run, and keeps the state that
//! run builds, whenever the kept state no longer matches the store:
//!
//! - on the first update;
//! - when the number of reviewers' decisions changed, since a decision can
//!   split or join entities anywhere;
//! - when a new mention belongs to a record a decision names (a new version
//!   of it), because the decision must cover the new mention too;
//! - when more than a tenth as many mentions arrived as the last batch run
//!   read, so the model is trained again on the data as it now is.
//!
//! Only a run for growth trains the model, and a first run when the store
//! keeps no model. Other runs score with the model the store keeps (the
//! last one any process trained), or else the one the state had. So a
//! decision, or a new version of a decided record, changes entities through
//! the decision alone, not through weights trained again on nearly the same
//! data. A trained model is kept in the store for every process.
//!
//! If writing to the store fails, the state is dropped and the next update
//! runs in batch, so a failed write does not leave the two apart.
//!
//! NOTE: a `ciss resolve` run by another process is not seen until this
//! state's next batch run, so placements meanwhile build on the older entities.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::Mutex;

use super::{
    IncrementalResolver, Model, PlacementKind, PossibleMatch, ProbabilisticResolver, ResolveReport,
    StoreInput, saved_model,
};
use crate::graph::{
    GraphStore, Mention, MentionId, MentionParty, PartyRef, QueuedPair, ReviewDecision, StoreError,
    ordered_pair,
};

/// The reason an update ran in batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchReason {
    /// No state was kept yet, or the last update failed.
    NoState,
    /// Reviewers' decisions were added since the state was built.
    Decisions,
    /// A new mention belongs to a record a decision names.
    Decided,
    /// More than a tenth as many mentions arrived as the state was built from.
    Growth,
}

/// The outcome of one update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LiveReport {
    /// The reason the update ran in batch, with the batch run's report; `None`
    /// when the new mentions were placed one at a time.
    pub batch: Option<(BatchReason, ResolveReport)>,
    /// Mentions placed one at a time.
    pub placed: usize,
    /// Placed mentions that started an entity.
    pub started: usize,
    /// Placed mentions that joined one entity, exact copies included.
    pub joined: usize,
    /// Placed mentions that merged two or more entities.
    pub merged: usize,
    /// Mentions of stored entities whose entity changed, placed ones included.
    pub reassigned: usize,
    /// Possible matches added to the review queue; after a batch run, every
    /// pair in the queue it rebuilt.
    pub queued: usize,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

/// The state one batch run built, and what it has taken in since.
struct LiveState {
    incremental: IncrementalResolver,
    /// Largest mention id in the state.
    last_mention: MentionId,
    /// Decisions the state honours.
    decisions: usize,
    /// Mentions the batch run read.
    built_with: usize,
    /// Mentions placed since.
    placed: usize,
}

/// Incremental resolution over one store, shared by the requests that write
/// to it.
pub struct LiveResolution {
    resolver: ProbabilisticResolver,
    state: Mutex<Option<LiveState>>,
}

impl std::fmt::Debug for LiveResolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveResolution").finish_non_exhaustive()
    }
}

impl LiveResolution {
    /// Creates it with no state; the first update runs `resolver` in batch.
    pub fn new(resolver: ProbabilisticResolver) -> LiveResolution {
        LiveResolution {
            resolver,
            state: Mutex::new(None),
        }
    }

    /// Returns the model the kept state scores with, or `None` before the
    /// first update.
    pub async fn model(&self) -> Option<Arc<Model>> {
        let guard = self.state.lock().await;
        guard.as_ref().map(|state| state.incremental.model())
    }

    /// Resolves the mentions stored since the last update, one at a time
    /// where the kept state allows and in batch otherwise. Callers
    /// serialize this with reviewers' decisions.
    pub async fn update(&self, store: &dyn GraphStore) -> Result<LiveReport, StoreError> {
        let started = Instant::now();
        let mut guard = self.state.lock().await;
        let result = self.update_kept(store, &mut guard, started).await;
        if result.is_err() {
            *guard = None;
        }
        let report = result?;
        tracing::info!(
            batch = report
                .batch
                .as_ref()
                .map(|(reason, _)| format!("{reason:?}")),
            placed = report.placed,
            started = report.started,
            joined = report.joined,
            merged = report.merged,
            reassigned = report.reassigned,
            queued = report.queued,
            duration_ms = report.duration_ms,
            "live resolution updated"
        );
        Ok(report)
    }

    async fn update_kept(
        &self,
        store: &dyn GraphStore,
        slot: &mut Option<LiveState>,
        started: Instant,
    ) -> Result<LiveReport, StoreError> {
        let decisions = store.decisions().await?;
        let state = match slot.as_mut() {
            None => {
                return self
                    .rebuild(store, slot, BatchReason::NoState, started)
                    .await;
            }
            Some(state) if state.decisions != decisions.len() => {
                return self
                    .rebuild(store, slot, BatchReason::Decisions, started)
                    .await;
            }
            Some(state) => state,
        };
        let new = store.mentions_after(state.last_mention).await?;
        if new.is_empty() {
            return Ok(LiveReport {
                duration_ms: started.elapsed().as_millis() as u64,
                ..LiveReport::default()
            });
        }
        if (state.placed + new.len()) * 10 > state.built_with {
            return self
                .rebuild(store, slot, BatchReason::Growth, started)
                .await;
        }
        if named_by_decision(&new, &decisions) {
            return self
                .rebuild(store, slot, BatchReason::Decided, started)
                .await;
        }

        let mut report = LiveReport::default();
        let mut reassigned = Vec::new();
        let mut possible = Vec::new();
        for (mention, _) in &new {
            let placement = state.incremental.add(mention);
            match placement.kind {
                PlacementKind::Started => report.started += 1,
                PlacementKind::Joined | PlacementKind::Copy => report.joined += 1,
                PlacementKind::Merged => report.merged += 1,
                PlacementKind::Known => {}
            }
            reassigned.extend(placement.reassigned);
            possible.extend(placement.possible_matches);
        }

        report.placed = new.len();
        report.reassigned = reassigned.len();
        state.placed += new.len();
        state.last_mention = new.last().map_or(state.last_mention, |(m, _)| m.id);
        store.assign_entities(&reassigned).await?;
        report.queued = enqueue(store, state, &possible, &decisions).await?;
        report.duration_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Resolves the whole store in batch, writes the result and keeps the
    /// state the run built.
    async fn rebuild(
        &self,
        store: &dyn GraphStore,
        slot: &mut Option<LiveState>,
        reason: BatchReason,
        started: Instant,
    ) -> Result<LiveReport, StoreError> {
        // The model the store keeps, which another process may have trained
        // since, else the one the state had; a run for growth trains anew.
        let kept = slot.as_ref().map(|state| state.incremental.model());
        let previous_model = match reason {
            BatchReason::Decisions | BatchReason::Decided => saved_model(store).await?.or(kept),
            BatchReason::NoState => saved_model(store).await?,
            BatchReason::Growth => None,
        };
        *slot = None;
        let input = StoreInput::read(store).await?;
        let fixed;
        let resolver = match previous_model {
            Some(model) => {
                fixed = ProbabilisticResolver::with_model(self.resolver.config().clone(), model);
                &fixed
            }
            None => &self.resolver,
        };
        let (incremental, clustering) =
            IncrementalResolver::build(resolver, &input.mentions, &input.review);
        let batch = input.write(store, &clustering, started).await?;
        *slot = Some(LiveState {
            incremental,
            last_mention: input.mentions.iter().map(|m| m.id).max().unwrap_or(0),
            decisions: input.decisions.len(),
            built_with: input.mentions.len(),
            placed: 0,
        });
        Ok(LiveReport {
            queued: batch.queued,
            batch: Some((reason, batch)),
            duration_ms: started.elapsed().as_millis() as u64,
            ..LiveReport::default()
        })
    }
}

/// Returns whether a decision names the record of one of `new`: a new
/// version of a decided record, which the decision covers.
fn named_by_decision(new: &[(Mention, MentionParty)], decisions: &[ReviewDecision]) -> bool {
    let named: HashSet<&PartyRef> = decisions
        .iter()
        .flat_map(ReviewDecision::references)
        .collect();
    !named.is_empty()
        && new.iter().any(|(mention, party)| {
            let reference = PartyRef::new(
                mention.source.clone(),
                mention.record_id.clone(),
                party.party,
            );
            named.contains(&reference)
        })
}

/// Adds the possible matches that still hold after placing to the review
/// queue, as a batch run would: both record versions current, the two in
/// different entities that no rejection holds apart, and the pair not
/// decided. Returns how many were new.
async fn enqueue(
    store: &dyn GraphStore,
    state: &LiveState,
    possible: &[PossibleMatch],
    decisions: &[ReviewDecision],
) -> Result<usize, StoreError> {
    if possible.is_empty() {
        return Ok(0);
    }
    let ids: Vec<MentionId> = possible.iter().flat_map(|p| [p.a, p.b]).collect();
    let refs: HashMap<MentionId, (PartyRef, bool)> = store
        .mention_refs(&ids)
        .await?
        .into_iter()
        .map(|(id, reference, current)| (id, (reference, current)))
        .collect();
    let decided: HashSet<(PartyRef, PartyRef)> = decisions
        .iter()
        .flat_map(|d| d.pairs.iter().cloned())
        .map(|(a, b)| ordered_pair(a, b))
        .collect();

    let mut queue = store.review_queue().await?;
    let mut at: HashMap<(PartyRef, PartyRef), usize> = queue
        .iter()
        .enumerate()
        .map(|(i, q)| ((q.a.clone(), q.b.clone()), i))
        .collect();

    let now = chrono::Utc::now();
    let mut added = 0;
    let mut changed = false;
    for pair in possible {
        let (Some((a, a_current)), Some((b, b_current))) = (refs.get(&pair.a), refs.get(&pair.b))
        else {
            continue;
        };
        let incremental = &state.incremental;
        let together = incremental.entity_of(pair.a) == incremental.entity_of(pair.b);
        if !a_current || !b_current || a == b || together || incremental.held_apart(pair.a, pair.b)
        {
            continue;
        }
        let key = ordered_pair(a.clone(), b.clone());
        if decided.contains(&key) {
            continue;
        }
        if let Some(i) = at.get(&key) {
            if pair.probability > queue[*i].probability {
                queue[*i].probability = pair.probability;
                changed = true;
            }
            continue;
        }
        at.insert(key.clone(), queue.len());
        queue.push(QueuedPair {
            a: key.0,
            b: key.1,
            probability: pair.probability,
            queued_at: now,
        });
        added += 1;
    }
    if added > 0 || changed {
        store.refresh_review_queue(&queue).await?;
    }
    Ok(added)
}
