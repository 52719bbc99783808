//! Human review of resolution: the queue of possible matches, and the
//! decisions reviewers make on it (confirm a pair, reject a pair, split
//! records out of an entity). Store-agnostic: everything goes through
//! [`GraphStore`], and the CLI and GraphQL both call [`Review`].
//!
//! A decision is stored first, with who, when and why, and then the store is
//! re-resolved, so its effect shows at once and holds on every later run.
//! Records are named by [`PartyRef`], written `SOURCE:RECORD_ID#PARTY`; the
//! `#PARTY` position (from 1) may be left out when the record names one person.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::Utc;

use crate::graph::{
    DecisionKind, EntityId, GraphStore, Mention, PartyRef, QueuedPair, RecordVersionId,
    ReviewDecision, StoreError, StoredRecord, ordered_pair,
};
use crate::normalize::{is_format_character, quoted, unprintable_kind};
use crate::resolve::{
    Explanation, LiveReport, LiveResolution, Model, ProbabilisticResolver, RefPair, ResolveConfig,
    ResolveReport, Resolver, ReviewLinks, decided_positions, effective_pairs, mentions_conflict,
    resolve_store, saved_model,
};

/// Longest accepted reviewer name, in characters.
pub const MAX_WHO_CHARS: usize = 100;
/// Longest accepted reason, in characters.
pub const MAX_WHY_CHARS: usize = 2_000;
/// Most records one split may name.
pub const MAX_SPLIT_RECORDS: usize = 100;

/// Errors of a review operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// Invalid caller input (a malformed reference, a missing name or
    /// reason, an unknown record, a decision that cannot hold). The message
    /// says which and why.
    #[error("{0}")]
    InvalidInput(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidInput(message.into())
}

/// A reference as typed: the party position may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRefArg {
    /// Source name.
    pub source: String,
    /// Record id.
    pub record_id: String,
    /// Party position from 1, if given.
    pub party: Option<u32>,
}

/// Parses `SOURCE:RECORD_ID` or `SOURCE:RECORD_ID#PARTY`. The source is the
/// text before the first colon (source names have none); a trailing `#N`
/// with N a number is the party position, so a record id that itself ends in
/// `#N` must be written with its party, as in `rms:A#1#1`. A trailing `#-N`
/// is rejected as a party position below 1.
pub fn parse_ref(text: &str) -> Result<RecordRefArg, ReviewError> {
    let malformed = || {
        invalid(format!(
            "invalid record reference {text:?}: expected SOURCE:RECORD_ID or SOURCE:RECORD_ID#PARTY"
        ))
    };
    let (source, rest) = text.trim().split_once(':').ok_or_else(malformed)?;
    let valid_source = !source.is_empty()
        && source
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_source {
        return Err(malformed());
    }
    let (record_id, party) = match rest.rsplit_once('#') {
        Some((id, n)) if is_number(n) => {
            let party: u32 = n.parse().map_err(|_| malformed())?;
            if party == 0 {
                return Err(invalid(format!(
                    "invalid record reference {text:?}: parties are numbered from 1"
                )));
            }
            (id, Some(party))
        }
        Some((_, n)) if n.strip_prefix('-').is_some_and(is_number) => {
            return Err(invalid(format!(
                "invalid record reference {text:?}: parties are numbered from 1"
            )));
        }
        _ => (rest, None),
    };
    if record_id.is_empty() {
        return Err(malformed());
    }
    Ok(RecordRefArg {
        source: source.to_string(),
        record_id: record_id.to_string(),
        party,
    })
}

/// Returns whether `text` is one or more ASCII digits.
fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit())
}

/// A decision as made, and where its records stand after re-resolution.
#[derive(Debug, Clone)]
pub struct DecisionOutcome {
    /// The stored decision.
    pub decision: ReviewDecision,
    /// The entity of each record the reviewer named, after re-resolution.
    pub entities: Vec<(PartyRef, Option<EntityId>)>,
    /// Other records that shared an entity with a named one before the
    /// decision and no longer share it: each with its entity before and
    /// after, which is the same when the named record left it.
    pub moved: Vec<(PartyRef, EntityId, Option<EntityId>)>,
    /// What re-resolution did.
    pub resolution: ResolveReport,
    /// The earlier decision on the same pair that this one overrides, with
    /// its kind. Its other pairs still hold, so a record named here may
    /// leave records it shared an entity with, as when a confirmation
    /// follows a split.
    pub overrides: Option<(i64, DecisionKind)>,
}

/// A pair's score from the resolver, the reviewer decisions on it, and the
/// entities of its two records now.
#[derive(Debug, Clone)]
pub struct PairExplanation {
    /// The first record named.
    pub a: PartyRef,
    /// The second record named.
    pub b: PartyRef,
    /// The resolver's score from the two records alone, field by field.
    pub score: Explanation,
    /// Every decision that constrains the pair, oldest first. The last one
    /// is in force, because a later decision on a pair overrides earlier ones.
    pub decisions: Vec<ReviewDecision>,
    /// Whether the decision in force is a confirmation that other decisions
    /// keep from holding: joining the pair would put a rejected pair in one
    /// entity.
    pub unhonoured: bool,
    /// Whether the decision in force is a confirmation that no longer holds
    /// (see [`LapsedConfirmation`]).
    pub lapsed: bool,
    /// Ids of the listed decisions that name this pair but do not bind its
    /// two records as they are now, because a later version moved or
    /// changed a decided person.
    pub unbound: Vec<i64>,
    /// The entities of `a` and `b` now, `None` for a record not yet resolved.
    pub entities: (Option<EntityId>, Option<EntityId>),
}

/// A confirmation in force whose two records are no longer in one entity.
/// Either a later version of one record names someone else, contradicts the
/// other record or lists the confirmed person at a position the decision
/// cannot follow, or rejections made since keep the pair apart. A reviewer sees
/// these with the queue, and may confirm the pair again on the current
/// versions or reject it.
#[derive(Debug, Clone)]
pub struct LapsedConfirmation {
    /// The confirmation in force on the pair.
    pub decision: ReviewDecision,
    /// The smaller reference of the pair.
    pub a: PartyRef,
    /// The larger reference of the pair.
    pub b: PartyRef,
    /// The entities of the people the confirmation named, in the current
    /// versions of `a` and `b`, found as the confirmation binds them or,
    /// where it no longer does, as a rejection would. `None` where the
    /// current version names no such person.
    pub entities: (Option<EntityId>, Option<EntityId>),
}

/// The current parties each reference a decision names binds, with their
/// entities: for confirmations (`must`) and for rejections and splits
/// (`cannot`), which follow a person across versions differently.
#[derive(Default)]
struct BoundNow {
    must: HashMap<PartyRef, Vec<(PartyRef, Option<EntityId>)>>,
    cannot: HashMap<PartyRef, Vec<(PartyRef, Option<EntityId>)>>,
}

impl BoundNow {
    /// Returns whether the decision reference `named`, of a decision of
    /// `kind`, binds the current party `party`.
    fn binds(&self, kind: DecisionKind, named: &PartyRef, party: &PartyRef) -> bool {
        let by = if kind.links() {
            &self.must
        } else {
            &self.cannot
        };
        by.get(named)
            .is_some_and(|parties| parties.iter().any(|(p, _)| p == party))
    }
}

/// A named record's current version and the party it names.
struct Located {
    reference: PartyRef,
    record: StoredRecord,
}

impl Located {
    /// Returns the version of the located record, which is its current one.
    fn version(&self) -> Option<u32> {
        Some(self.record.record.key.version)
    }

    fn entity(&self) -> Option<EntityId> {
        self.record.entity_of_party(self.reference.party)
    }

    /// Returns the located party as a mention of the record version
    /// numbered `record`.
    fn mention(&self, record: RecordVersionId) -> Mention {
        let party = &self.record.record.parties[self.reference.party as usize - 1];
        Mention {
            id: 0,
            source: self.reference.source.clone(),
            record_id: self.reference.record_id.clone(),
            record,
            role: party.role,
            person: party.person.clone(),
        }
    }
}

/// The model `explain` last trained, with the store (by address) and the
/// record and mention counts it was trained at.
type CachedModel = Option<((usize, u64, u64), Arc<Model>)>;
static EXPLAIN_MODEL: tokio::sync::Mutex<CachedModel> = tokio::sync::Mutex::const_new(None);

/// Serializes decide-then-resolve in the process, so a slower resolution
/// never overwrites the entities of a newer decision.
static DECIDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The review service over one store. Cheap to create; the HTTP layer makes
/// one per request.
#[derive(Clone)]
pub struct Review {
    store: Arc<dyn GraphStore>,
    resolver: Arc<dyn Resolver>,
    /// The server's live resolution. When set, it re-resolves after each
    /// decision, and explanations use its model.
    live: Option<Arc<LiveResolution>>,
}

impl std::fmt::Debug for Review {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Review").finish_non_exhaustive()
    }
}

impl Review {
    /// Creates the service; `resolver` re-resolves the store after each decision.
    pub fn new(store: Arc<dyn GraphStore>, resolver: Arc<dyn Resolver>) -> Review {
        Review {
            store,
            resolver,
            live: None,
        }
    }

    /// Re-resolves through `live` after each decision, keeping its model,
    /// and explains pairs with that model, so a server's explanations,
    /// queue and entities all come from one model.
    pub fn with_live(mut self, live: Arc<LiveResolution>) -> Review {
        self.live = Some(live);
        self
    }

    /// Re-resolves the store, never at the same time as a decision of this
    /// process, so the run sees every decision stored before it.
    pub async fn resolve(&self) -> Result<ResolveReport, ReviewError> {
        let _guard = DECIDING.lock().await;
        Ok(resolve_store(self.store.as_ref(), self.resolver.as_ref()).await?)
    }

    /// Resolves what was stored since the last call through `live`: one
    /// mention at a time where its state allows, in batch otherwise. Never
    /// runs at the same time as a decision of this process.
    pub async fn resolve_live(&self, live: &LiveResolution) -> Result<LiveReport, ReviewError> {
        let _guard = DECIDING.lock().await;
        Ok(live.update(self.store.as_ref()).await?)
    }

    /// Returns the possible matches waiting for review, most probable first.
    pub async fn queue(&self) -> Result<Vec<QueuedPair>, ReviewError> {
        Ok(self.store.review_queue().await?)
    }

    /// Returns the confirmations in force whose two people are now in
    /// different entities, in the order of the pairs. Each side is the
    /// person the confirmation binds in its record's current version, which
    /// may sit at another position than the one named, or be missing.
    /// Pairs with a bound person not resolved yet are left out.
    pub async fn lapsed_confirmations(&self) -> Result<Vec<LapsedConfirmation>, ReviewError> {
        let all = self.store.decisions().await?;
        if effective_pairs(&all).0.is_empty() {
            return Ok(Vec::new());
        }
        let bound = self.bound_now(&all).await?;
        Ok(lapsed_among(&all, &bound))
    }

    /// Returns, for each reference a decision names, the current parties
    /// it binds with their entities: the person it follows across versions,
    /// or the named position when the decision kept no version.
    async fn bound_now(&self, decisions: &[ReviewDecision]) -> Result<BoundNow, ReviewError> {
        // A split names the records it takes out, and its pairs also name
        // the records they stay apart from.
        let mut named: Vec<&PartyRef> = decisions
            .iter()
            .flat_map(ReviewDecision::references)
            .collect();
        named.sort();
        named.dedup();
        let mut records: Vec<(String, String)> = named
            .iter()
            .map(|r| (r.source.clone(), r.record_id.clone()))
            .collect();
        records.sort();
        records.dedup();

        let stored = self.store.record_mentions(&records).await?;
        let refs: Vec<PartyRef> = stored
            .iter()
            .map(|(m, p)| PartyRef::new(m.source.clone(), m.record_id.clone(), p.party))
            .collect();
        let versions: Vec<u32> = stored.iter().map(|(_, p)| p.version).collect();
        let mentions: Vec<Mention> = stored.iter().map(|(m, _)| m.clone()).collect();
        let followed = decided_positions(&mentions, &refs, &versions, decisions);

        let mut current: HashMap<(String, String), Option<StoredRecord>> = HashMap::new();
        let mut bound = BoundNow::default();
        for reference in named {
            for (by, into) in [
                (&followed.must, &mut bound.must),
                (&followed.cannot, &mut bound.cannot),
            ] {
                let positions: Vec<usize> = match by.get(reference) {
                    Some(positions) => positions.iter().map(|at| *at as usize).collect(),
                    None => (0..refs.len())
                        .filter(|at| refs[*at] == *reference)
                        .collect(),
                };
                let mut parties = Vec::new();
                for at in positions.into_iter().filter(|at| stored[*at].1.current) {
                    let key = (refs[at].source.clone(), refs[at].record_id.clone());
                    if !current.contains_key(&key) {
                        let record = self.store.current_record(&key.0, &key.1).await?;
                        current.insert(key.clone(), record);
                    }
                    let entity = current[&key]
                        .as_ref()
                        .and_then(|r| r.entity_of_party(refs[at].party));
                    parties.push((refs[at].clone(), entity));
                }
                into.insert(reference.clone(), parties);
            }
        }
        Ok(bound)
    }

    /// Returns every decision, oldest first.
    pub async fn history(&self) -> Result<Vec<ReviewDecision>, ReviewError> {
        Ok(self.store.decisions().await?)
    }

    /// Explains the resolver's score of two records, with a model trained on
    /// the whole store, as resolution trains it. The result also contains
    /// every reviewer decision on the pair and the records' entities now.
    pub async fn explain(&self, a: &str, b: &str) -> Result<PairExplanation, ReviewError> {
        let (a, b) = (self.locate(a).await?, self.locate(b).await?);
        if a.reference == b.reference {
            return Err(invalid(format!(
                "{} is named twice; an explanation compares two different records",
                a.reference
            )));
        }
        let config = ResolveConfig::default();
        // The kept model is the one the store's entities and queue came
        // from, even when another process trained it after this server's
        // live state was built.
        let live_model = match &self.live {
            Some(live) => live.model().await,
            None => None,
        };
        let model = match saved_model(self.store.as_ref()).await? {
            Some(model) => model,
            None => match live_model {
                Some(model) => model,
                None => self.explain_model(&config).await?,
            },
        };
        let resolver = ProbabilisticResolver::with_model(config, model);
        // Both are current versions, so two parties of one record are of one version.
        let same_record = a.reference.same_record(&b.reference);
        let score = resolver.explain(&a.mention(1), &b.mention(if same_record { 1 } else { 2 }));
        let all = self.store.decisions().await?;
        // The decisions that bind these two parties now, which may name
        // other positions when a later version moved a decided person.
        let bound = self.bound_now(&all).await?;
        let (matched, unbound) = decisions_on(&all, &bound, &a.reference, &b.reference);
        let decisions: Vec<ReviewDecision> = matched.iter().map(|(d, _)| (*d).clone()).collect();
        let in_force = matched
            .last()
            .filter(|(d, _)| d.kind.links())
            .map(|(_, p)| p);
        let unhonoured = in_force.is_some_and(|p| unhonoured_confirmations(&all).contains(p));
        let lapsed = in_force.is_some_and(|pair| {
            lapsed_among(&all, &bound)
                .iter()
                .any(|l| (&l.a, &l.b) == (&pair.0, &pair.1))
        });
        Ok(PairExplanation {
            entities: (a.entity(), b.entity()),
            a: a.reference,
            b: b.reference,
            score,
            decisions,
            unhonoured,
            lapsed,
            unbound,
        })
    }

    /// Returns a model trained on the store. Training reads every mention,
    /// so the model is kept until the store's record or mention count
    /// changes, and one caller trains while the others wait for it.
    async fn explain_model(&self, config: &ResolveConfig) -> Result<Arc<Model>, ReviewError> {
        let counts = self.store.counts().await?;
        let key = (
            Arc::as_ptr(&self.store) as *const () as usize,
            counts.records,
            counts.mentions,
        );
        let mut cached = EXPLAIN_MODEL.lock().await;
        if let Some((held, model)) = cached.as_ref()
            && *held == key
        {
            return Ok(Arc::clone(model));
        }
        let mentions = self.store.mentions().await?;
        let trainer = ProbabilisticResolver::new(config.clone());
        let model = tokio::task::spawn_blocking(move || trainer.train(&mentions))
            .await
            .map_err(|err| StoreError::Task(err.to_string()))?;
        *cached = Some((key, Arc::clone(&model)));
        Ok(model)
    }

    /// Confirms that two records name one person: they end in one entity now
    /// and on every later resolution. Refused when earlier rejections make it
    /// impossible.
    pub async fn confirm(
        &self,
        a: &str,
        b: &str,
        who: &str,
        why: &str,
    ) -> Result<DecisionOutcome, ReviewError> {
        self.decide_pair(DecisionKind::Confirm, a, b, who, why)
            .await
    }

    /// Rejects a pair: the two records never share an entity again, not even
    /// through a chain of other records.
    pub async fn reject(
        &self,
        a: &str,
        b: &str,
        who: &str,
        why: &str,
    ) -> Result<DecisionOutcome, ReviewError> {
        self.decide_pair(DecisionKind::Reject, a, b, who, why).await
    }

    /// Takes records out of their entity. All must be in the same entity,
    /// and some of its records must remain; each named record is remembered
    /// as rejected against each remaining one.
    pub async fn split(
        &self,
        records: &[String],
        who: &str,
        why: &str,
    ) -> Result<DecisionOutcome, ReviewError> {
        let (who, why) = check_reviewer(who, why)?;
        if records.is_empty() {
            return Err(invalid("name at least one record to split out"));
        }
        if records.len() > MAX_SPLIT_RECORDS {
            return Err(invalid(format!(
                "a split names at most {MAX_SPLIT_RECORDS} records"
            )));
        }
        let _guard = DECIDING.lock().await;
        let mut named: Vec<Located> = Vec::new();
        for text in records {
            let located = self.locate(text).await?;
            if named.iter().any(|n| n.reference == located.reference) {
                return Err(invalid(format!(
                    "{} is named twice; name each record to split out once",
                    located.reference
                )));
            }
            named.push(located);
        }
        let entity = named[0].entity().ok_or_else(|| {
            invalid(format!(
                "{} is not resolved yet; run resolution first",
                named[0].reference
            ))
        })?;
        if let Some(other) = named.iter().find(|n| n.entity() != Some(entity)) {
            return Err(invalid(format!(
                "{} and {} are in different entities; a split takes records out of one entity",
                named[0].reference, other.reference
            )));
        }
        named.sort_by(|x, y| x.reference.cmp(&y.reference));
        let out: Vec<PartyRef> = named.iter().map(|n| n.reference.clone()).collect();
        let versions = named.iter().map(Located::version).collect();
        let mut rest = Vec::new();
        for stored in self.store.records_of_entity(entity).await? {
            for (index, e) in stored.party_entities.iter().enumerate() {
                let reference = PartyRef::new(
                    stored.record.key.source.clone(),
                    stored.record.key.record_id.clone(),
                    index as u32 + 1,
                );
                if *e == Some(entity) && !out.contains(&reference) && !rest.contains(&reference) {
                    rest.push(reference);
                }
            }
        }
        if rest.is_empty() {
            return Err(invalid(format!(
                "entity {entity} holds only the named records; there is nothing to split them from"
            )));
        }
        let pairs = out
            .iter()
            .flat_map(|x| rest.iter().map(move |y| ordered_pair(x.clone(), y.clone())))
            .collect();
        let decision = ReviewDecision {
            id: 0,
            kind: DecisionKind::Split,
            records: out,
            versions,
            pairs,
            who,
            why,
            decided_at: Utc::now(),
        };
        // The latest confirmation now in force on one of the split's pairs,
        // which the split overrides.
        let earlier = self.store.decisions().await?;
        let overrides = decision
            .pairs
            .iter()
            .filter_map(|pair| in_force_on(&earlier, pair))
            .filter(|d| d.kind.links())
            .max_by_key(|d| d.id)
            .map(|d| (d.id, d.kind));
        let mut outcome = self.store_and_resolve(decision).await?;
        outcome.overrides = overrides;
        Ok(outcome)
    }

    async fn decide_pair(
        &self,
        kind: DecisionKind,
        a: &str,
        b: &str,
        who: &str,
        why: &str,
    ) -> Result<DecisionOutcome, ReviewError> {
        let (who, why) = check_reviewer(who, why)?;
        let _guard = DECIDING.lock().await;
        let (a, b) = (self.locate(a).await?, self.locate(b).await?);
        if a.reference == b.reference {
            return Err(invalid(format!(
                "{} is named twice; a decision is about two different records",
                a.reference
            )));
        }
        if kind == DecisionKind::Confirm && a.reference.same_record(&b.reference) {
            return Err(invalid(format!(
                "{} and {} are two parties of one record, which names them as different \
                 people; a confirmation cannot make them one",
                a.reference, b.reference
            )));
        }
        let decision = ReviewDecision {
            id: 0,
            kind,
            records: vec![a.reference.clone(), b.reference.clone()],
            versions: vec![a.version(), b.version()],
            pairs: vec![ordered_pair(a.reference.clone(), b.reference.clone())],
            who,
            why,
            decided_at: Utc::now(),
        };
        let earlier = self.store.decisions().await?;
        // A decision that follows a person to a new position binds the pair
        // named by that position too.
        let bound = self.bound_now(&earlier).await?;
        let (binding, unbound) = decisions_on(&earlier, &bound, &a.reference, &b.reference);
        let binding_now = binding
            .last()
            .map(|(d, _)| *d)
            .filter(|d| !unbound.contains(&d.id));
        let in_force = in_force_on(&earlier, &decision.pairs[0]);
        // A confirmation that no longer holds may be made again: the new
        // one binds the versions stored now.
        let pair = &decision.pairs[0];
        let lapsed = kind.links()
            && lapsed_among(&earlier, &bound)
                .iter()
                .any(|l| (&l.a, &l.b) == (&pair.0, &pair.1));
        let repeated = in_force
            .or(binding_now)
            .filter(|d| d.kind.links() == kind.links() && !lapsed);
        if let Some(same) = repeated {
            let effect = if kind.links() { "linked" } else { "kept apart" };
            // A process stopped after storing that decision leaves it
            // unapplied, and repeating it would not apply it either.
            let unapplied = if self.store.count_unapplied_decisions().await? > 0 {
                "; some stored decisions are not applied yet, so run `ciss resolve`"
            } else {
                ""
            };
            return Err(invalid(format!(
                "{} and {} are already {effect} by decision #{} ({}); nothing was stored{unapplied}",
                a.reference,
                b.reference,
                same.id,
                same.kind.as_str()
            )));
        }
        let overrides = in_force.map(|d| (d.id, d.kind));
        if kind == DecisionKind::Confirm {
            let mut all = earlier;
            let next = all.iter().map(|d| d.id).max().unwrap_or(0) + 1;
            all.push(ReviewDecision {
                id: next,
                ..decision.clone()
            });
            if unhonoured_confirmations(&all).contains(&decision.pairs[0]) {
                return Err(invalid(format!(
                    "{} and {} cannot be confirmed: earlier decisions keep records linked to one of them apart from the other; see `ciss review history`",
                    a.reference, b.reference
                )));
            }
            if let Some(why) = self.forced_conflict(&all, &a, &b).await? {
                return Err(invalid(why));
            }
        }
        let mut outcome = self.store_and_resolve(decision).await?;
        outcome.overrides = overrides;
        Ok(outcome)
    }

    /// Returns why confirming `a` and `b` cannot stand, if it would put two
    /// records that conflict in one entity together with the confirmations
    /// that hold now (both records in one entity). For example, a warrant
    /// confirmed as the son, then as the father, would make father and son
    /// one person. A conflict between two records a reviewer confirmed
    /// directly is the reviewer's to overrule, and is not checked. `all`
    /// contains the new decision.
    async fn forced_conflict(
        &self,
        all: &[ReviewDecision],
        a: &Located,
        b: &Located,
    ) -> Result<Option<String>, ReviewError> {
        let new_pair = ordered_pair(a.reference.clone(), b.reference.clone());
        let mut held = vec![new_pair.clone()];
        for pair in effective_pairs(all).0 {
            let (x, y) = (
                self.entity_of(&pair.0).await?,
                self.entity_of(&pair.1).await?,
            );
            if pair != new_pair && x.is_some() && x == y {
                held.push(pair);
            }
        }
        let joined = linked_through(&held, &new_pair.0);
        let mut mentions = Vec::new();
        for reference in joined {
            if let Some(located) = self.located(&reference).await? {
                mentions.push((reference, located.mention(0)));
            }
        }
        for (at, (x, x_mention)) in mentions.iter().enumerate() {
            for (y, y_mention) in &mentions[at + 1..] {
                if held.contains(&ordered_pair(x.clone(), y.clone())) {
                    continue;
                }
                if let Some(found) = mentions_conflict(x_mention, y_mention) {
                    return Ok(Some(format!(
                        "{} and {} cannot be confirmed: with the confirmations in force it \
                         would put {x} and {y} in one entity, though they conflict ({}); if \
                         they are one person, confirm {x} and {y} themselves",
                        a.reference,
                        b.reference,
                        found.name()
                    )));
                }
            }
        }
        Ok(None)
    }

    /// Returns the current version of the record `reference` names, if it
    /// is stored and names that party.
    async fn located(&self, reference: &PartyRef) -> Result<Option<Located>, ReviewError> {
        let record = self
            .store
            .current_record(&reference.source, &reference.record_id)
            .await?;
        Ok(record
            .filter(|r| (reference.party as usize) <= r.record.parties.len())
            .map(|record| Located {
                reference: reference.clone(),
                record,
            }))
    }

    /// Stores a decision and re-resolves. The caller holds the lock.
    async fn store_and_resolve(
        &self,
        mut decision: ReviewDecision,
    ) -> Result<DecisionOutcome, ReviewError> {
        decision.id = self.store.record_decision(&decision).await?;
        tracing::info!(
            decision = decision.id,
            kind = decision.kind.as_str(),
            records = decision.records.len(),
            "review decision stored"
        );
        let mut named_before = Vec::new();
        for reference in &decision.records {
            named_before.push(self.entity_of(reference).await?);
        }
        let before = self.parties_around(named_before.iter().flatten()).await?;
        let resolution = self.re_resolve().await?;
        let mut entities = Vec::new();
        for reference in &decision.records {
            entities.push((reference.clone(), self.entity_of(reference).await?));
        }
        // A record moved when a named record it shared an entity with is no
        // longer with it, whichever of the two kept the id. A record that
        // stays with the named record moved nothing, even when the merge
        // gave their entity another id.
        let mut moved = Vec::new();
        for (reference, was) in before {
            if decision.records.contains(&reference) {
                continue;
            }
            let now = self.entity_of(&reference).await?;
            let left = named_before
                .iter()
                .zip(&entities)
                .any(|(named_was, (_, named_now))| *named_was == Some(was) && *named_now != now);
            // A split leaves every other record of the entity behind by
            // definition, so only those whose entity changed are news.
            let news = if decision.kind == DecisionKind::Split {
                now != Some(was)
            } else {
                left
            };
            if news {
                moved.push((reference, was, now));
            }
        }
        Ok(DecisionOutcome {
            decision,
            entities,
            moved,
            resolution,
            overrides: None,
        })
    }

    /// Returns the entity of a party of a record's current version.
    async fn entity_of(&self, reference: &PartyRef) -> Result<Option<EntityId>, ReviewError> {
        Ok(self.located(reference).await?.and_then(|l| l.entity()))
    }

    /// Returns every party of a current record in `entities`, with its
    /// entity.
    async fn parties_around(
        &self,
        entities: impl Iterator<Item = &EntityId>,
    ) -> Result<BTreeMap<PartyRef, EntityId>, ReviewError> {
        let entities: BTreeSet<EntityId> = entities.copied().collect();
        let mut parties = BTreeMap::new();
        for entity in entities {
            for stored in self.store.records_of_entity(entity).await? {
                let key = &stored.record.key;
                for (index, party_entity) in stored.party_entities.iter().enumerate() {
                    if *party_entity == Some(entity) {
                        let reference =
                            PartyRef::new(&key.source, &key.record_id, index as u32 + 1);
                        parties.insert(reference, entity);
                    }
                }
            }
        }
        Ok(parties)
    }

    /// Re-resolves the store after a decision: through the live resolution
    /// when there is one, which rebuilds its state for the new decision,
    /// and in batch otherwise.
    async fn re_resolve(&self) -> Result<ResolveReport, ReviewError> {
        if let Some(live) = &self.live
            && let Some((_, report)) = live.update(self.store.as_ref()).await?.batch
        {
            return Ok(report);
        }
        // As the server does, score with the model the store keeps, so a
        // decision changes entities through itself alone.
        let saved = match saved_model(self.store.as_ref()).await? {
            Some(model) => self.resolver.with_saved_model(model),
            None => None,
        };
        let resolver = saved.as_deref().unwrap_or(self.resolver.as_ref());
        Ok(resolve_store(self.store.as_ref(), resolver).await?)
    }

    /// Returns the error for a reference to no stored record. When the
    /// reference read a trailing `#N` as the party, but the whole text after
    /// the source is a stored record id, the error shows how to name it.
    async fn not_stored(&self, arg: &RecordRefArg) -> Result<ReviewError, ReviewError> {
        let (source, id) = (&arg.source, &arg.record_id);
        let missing = format!("no record {source}:{id} is stored");
        let Some(party) = arg.party else {
            // `#x` after a stored record's id reads as part of the id.
            if let Some((stored, after)) = id.rsplit_once('#')
                && self.store.current_record(source, stored).await?.is_some()
            {
                return Ok(invalid(format!(
                    "{missing}; {source}:{stored} is, and its party number after # must \
                     be a whole number from 1, not {}",
                    quoted(after)
                )));
            }
            return Ok(invalid(missing));
        };
        let whole = format!("{id}#{party}");
        if self.store.current_record(source, &whole).await?.is_none() {
            return Ok(invalid(missing));
        }
        Ok(invalid(format!(
            "{missing}, but {source}:{whole} is: a record id that ends in #N is \
             named with its party, as in {source}:{whole}#1"
        )))
    }

    /// Finds the current version of a referenced record and its party.
    async fn locate(&self, text: &str) -> Result<Located, ReviewError> {
        let arg = parse_ref(text)?;
        let Some(record) = self
            .store
            .current_record(&arg.source, &arg.record_id)
            .await?
        else {
            return Err(self.not_stored(&arg).await?);
        };
        let parties = record.record.parties.len() as u32;
        let party = match arg.party {
            Some(n) if n <= parties => n,
            Some(n) => {
                let people = if parties == 1 {
                    "1 person".to_string()
                } else {
                    format!("{parties} people")
                };
                return Err(invalid(format!(
                    "record {}:{} names {people}; there is no party #{n}",
                    arg.source, arg.record_id
                )));
            }
            None if parties == 1 => 1,
            None => {
                let roles: Vec<String> = record
                    .record
                    .parties
                    .iter()
                    .enumerate()
                    .map(|(i, p)| format!("#{} {}", i + 1, p.role.as_str()))
                    .collect();
                return Err(invalid(format!(
                    "record {}:{} names {parties} people; add the party: {}",
                    arg.source,
                    arg.record_id,
                    roles.join(", ")
                )));
            }
        };
        Ok(Located {
            reference: PartyRef::new(arg.source, arg.record_id, party),
            record,
        })
    }
}

/// Checks and trims the reviewer's name and reason.
fn check_reviewer(who: &str, why: &str) -> Result<(String, String), ReviewError> {
    let (who, why) = (who.trim(), why.trim());
    if shows_nothing(who) {
        return Err(invalid("the reviewer's name is required"));
    }
    let who_chars = who.chars().count();
    if who_chars > MAX_WHO_CHARS {
        return Err(invalid(format!(
            "the reviewer's name must be at most {MAX_WHO_CHARS} characters (it has {who_chars})"
        )));
    }
    // Such a character makes a name show on screen as another name.
    if let Some(found) = first_unprintable(who, |c| unprintable_kind(c).is_some()) {
        return Err(invalid(format!(
            "the reviewer's name must not contain the {found}"
        )));
    }
    if shows_nothing(why) {
        return Err(invalid("a reason is required"));
    }
    // Line breaks are kept, and escaped where the history is shown. A
    // direction mark would reorder the text after it unseen, and a
    // zero-width character would hide in it.
    if let Some(found) = first_unprintable(why, is_format_character) {
        return Err(invalid(format!("the reason must not contain the {found}")));
    }
    if why.chars().count() > MAX_WHY_CHARS {
        return Err(invalid(format!(
            "the reason must be at most {MAX_WHY_CHARS} characters"
        )));
    }
    Ok((who.to_string(), why.to_string()))
}

/// Returns whether `text` shows nothing on screen. It is empty, or
/// contains only whitespace and letters drawn blank: the Hangul fillers
/// U+115F, U+1160, U+3164 and U+FFA0, and the blank braille pattern
/// U+2800. An audit entry of such text would look unsigned or unexplained.
fn shows_nothing(text: &str) -> bool {
    let blank = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{115f}' | '\u{1160}' | '\u{2800}' | '\u{3164}' | '\u{ffa0}'
            )
    };
    text.chars().all(blank)
}

/// Returns the first character of `text` that `rejects` matches, as its
/// kind and code point, such as `invisible format character U+200B`.
fn first_unprintable(text: &str, rejects: impl Fn(char) -> bool) -> Option<String> {
    let found = text.chars().find(|c| rejects(*c))?;
    let kind = unprintable_kind(found).unwrap_or("character");
    Some(format!("{kind} U+{:04X}", u32::from(found)))
}

/// Returns the decision in `decisions` now in force on `pair`: the latest
/// one that names it.
fn in_force_on<'d>(decisions: &'d [ReviewDecision], pair: &RefPair) -> Option<&'d ReviewDecision> {
    decisions
        .iter()
        .filter(|d| d.pairs.contains(pair))
        .max_by_key(|d| d.id)
}

/// Returns the confirmations in force among `all` whose two people, as
/// `bound` finds them now, are in different entities (see
/// [`Review::lapsed_confirmations`]).
fn lapsed_among(all: &[ReviewDecision], bound: &BoundNow) -> Vec<LapsedConfirmation> {
    let entities_of = |reference: &PartyRef| -> Option<Vec<Option<EntityId>>> {
        Some(bound.must.get(reference)?.iter().map(|(_, e)| *e).collect())
    };
    // Where the confirmation no longer binds a side, the person found
    // there by name or identifier still shows where they went.
    let shown = |reference: &PartyRef, bound_entities: &[Option<EntityId>]| {
        let followed = bound.cannot.get(reference).into_iter().flatten();
        bound_entities
            .iter()
            .copied()
            .chain(followed.map(|(_, e)| *e))
            .flatten()
            .next()
    };
    let resolved = |entities: &[Option<EntityId>]| entities.iter().all(Option::is_some);
    let mut lapsed = Vec::new();
    for pair in effective_pairs(all).0 {
        let (Some(ea), Some(eb)) = (entities_of(&pair.0), entities_of(&pair.1)) else {
            continue;
        };
        if !resolved(&ea) || !resolved(&eb) || ea.iter().any(|e| eb.contains(e)) {
            continue;
        }
        let Some(decision) = in_force_on(all, &pair) else {
            continue;
        };
        lapsed.push(LapsedConfirmation {
            decision: decision.clone(),
            entities: (shown(&pair.0, &ea), shown(&pair.1, &eb)),
            a: pair.0,
            b: pair.1,
        });
    }
    lapsed
}

/// Returns the decisions on the parties `x` and `y`, oldest first, each
/// with the pair it decided: those that bind the two as they are now, and
/// those that name the pair without binding it, whose ids are also
/// returned.
fn decisions_on<'d>(
    all: &'d [ReviewDecision],
    bound: &BoundNow,
    x: &PartyRef,
    y: &PartyRef,
) -> (Vec<(&'d ReviewDecision, RefPair)>, Vec<i64>) {
    let named = ordered_pair(x.clone(), y.clone());
    let mut unbound = Vec::new();
    let matched = all
        .iter()
        .filter_map(|d| {
            let binds = |named: &PartyRef, party: &PartyRef| bound.binds(d.kind, named, party);
            let binding = d
                .pairs
                .iter()
                .find(|(p, q)| (binds(p, x) && binds(q, y)) || (binds(p, y) && binds(q, x)));
            if let Some(pair) = binding {
                return Some((d, pair.clone()));
            }
            let naming = d.pairs.contains(&named).then(|| (d, named.clone()));
            if naming.is_some() {
                unbound.push(d.id);
            }
            naming
        })
        .collect();
    (matched, unbound)
}

/// Returns `start` and every reference the `links` join to it, directly or
/// through others, sorted.
fn linked_through(links: &[RefPair], start: &PartyRef) -> Vec<PartyRef> {
    let mut joined = BTreeSet::from([start.clone()]);
    let mut grew = true;
    while grew {
        grew = false;
        for (x, y) in links {
            if joined.contains(x) != joined.contains(y) {
                joined.insert(x.clone());
                joined.insert(y.clone());
                grew = true;
            }
        }
    }
    joined.into_iter().collect()
}

/// Returns the confirmed pairs that `decisions` keep from being honoured:
/// joining them, after the confirmations before them, would put a rejected
/// pair in one entity.
pub fn unhonoured_confirmations(decisions: &[ReviewDecision]) -> Vec<RefPair> {
    let (must, cannot) = effective_pairs(decisions);
    let mut refs: Vec<PartyRef> = must
        .iter()
        .chain(&cannot)
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    refs.sort();
    refs.dedup();
    // Each reference is one position here, so each confirmed pair is one
    // must-link, in the same order.
    let links = ReviewLinks::from_decisions(decisions, &refs);
    let refused = links.refused_must_links();
    must.into_iter()
        .enumerate()
        .filter(|(index, _)| refused.contains(index))
        .map(|(_, pair)| pair)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewer_name_and_reason_checks() {
        let long = "x".repeat(MAX_WHO_CHARS + 1);
        let name_error = |found: &str| format!("the reviewer's name must not contain the {found}");
        let reason_error = |found: &str| format!("the reason must not contain the {found}");
        // (name, reason, the whole error, or None when accepted)
        let cases = [
            (" Sgt. Okafor ", "two people\nseen apart", None),
            (
                "",
                "two people",
                Some("the reviewer's name is required".to_string()),
            ),
            (
                "\u{3164}\u{3164}",
                "two people",
                Some("the reviewer's name is required".to_string()),
            ),
            (
                "Det. Rivera",
                " \u{2800} ",
                Some("a reason is required".to_string()),
            ),
            (
                long.as_str(),
                "two people",
                Some(format!(
                    "the reviewer's name must be at most {MAX_WHO_CHARS} characters (it has {})",
                    MAX_WHO_CHARS + 1
                )),
            ),
            (
                "Sgt.\u{7}Okafor",
                "two people",
                Some(name_error("control character U+0007")),
            ),
            (
                "Det. \u{202e}X",
                "two people",
                Some(name_error("text-direction character U+202E")),
            ),
            (
                "Det\u{200b}. Rivera",
                "two people",
                Some(name_error("invisible format character U+200B")),
            ),
            (
                "Det. Riv\u{200c}era",
                "two people",
                Some(name_error("invisible format character U+200C")),
            ),
            (
                "Det. Riv\u{200d}era",
                "two people",
                Some(name_error("invisible format character U+200D")),
            ),
            (
                "Det. Ri\u{2060}vera",
                "two people",
                Some(name_error("invisible format character U+2060")),
            ),
            (
                "\u{feff}Det. Rivera",
                "two people",
                Some(name_error("invisible format character U+FEFF")),
            ),
            (
                "Det. Ri\u{ad}vera",
                "two people",
                Some(name_error("invisible format character U+00AD")),
            ),
            (
                "Det. Rivera\u{e0041}",
                "two people",
                Some(name_error("invisible format character U+E0041")),
            ),
            ("Sgt. Okafor", " ", Some("a reason is required".to_string())),
            (
                "Sgt. Okafor",
                "two \u{2067}people",
                Some(reason_error("text-direction character U+2067")),
            ),
            (
                "Sgt. Okafor",
                "two\u{200b} people",
                Some(reason_error("invisible format character U+200B")),
            ),
            (
                "Sgt. Okafor",
                "two peo\u{ad}ple",
                Some(reason_error("invisible format character U+00AD")),
            ),
        ];
        for (who, why, expected) in cases {
            let result = check_reviewer(who, why);
            match expected {
                None => assert_eq!(
                    result.expect("accepted"),
                    (
                        "Sgt. Okafor".to_string(),
                        "two people\nseen apart".to_string()
                    )
                ),
                Some(expected) => {
                    let message = result.expect_err(who).to_string();
                    assert_eq!(message, expected, "{who:?} {why:?}");
                }
            }
        }
    }

    #[test]
    fn visible_names_and_reasons_are_kept() {
        // Letters with accents, other scripts and emoji, none of them hidden.
        let names = [
            "Det. Rivera",
            "Insp. Nuñez-Ortega",
            "Sgt. Ōkafor",
            "巡査 田中",
        ];
        for who in names {
            let (kept, _) = check_reviewer(who, "two people").expect(who);
            assert_eq!(kept, who);
        }
        let (_, why) = check_reviewer("Sgt. Okafor", "twins 👬\tseen apart").expect("accepted");
        assert_eq!(why, "twins 👬\tseen apart");
    }

    #[test]
    fn references_parse() {
        let cases = [
            ("rms:INC-1", Some(("rms", "INC-1", None))),
            ("rms:INC-1#2", Some(("rms", "INC-1", Some(2)))),
            (" dmv:REG:7#1 ", Some(("dmv", "REG:7", Some(1)))),
            ("rms:A#B", Some(("rms", "A#B", None))),
            ("rms:A#1#1", Some(("rms", "A#1", Some(1)))),
            ("rms:A#0", None),
            ("rms:A#-1", None),
            ("rms:A#-", Some(("rms", "A#-", None))),
            ("INC-1", None),
            ("RMS:INC-1", None),
            (":INC-1", None),
            ("rms:", None),
            ("rms:#1", None),
        ];
        for (text, want) in cases {
            let got = parse_ref(text).ok();
            if let Err(ReviewError::InvalidInput(message)) = parse_ref(text)
                && text.contains("#-1")
            {
                assert!(message.contains("numbered from 1"), "{message}");
            }
            let want = want.map(|(source, record_id, party)| RecordRefArg {
                source: source.to_string(),
                record_id: record_id.to_string(),
                party,
            });
            assert_eq!(got, want, "{text:?}");
        }
    }

    fn decision(id: i64, kind: DecisionKind, pairs: &[(&str, &str)]) -> ReviewDecision {
        let r = |id: &str| PartyRef::new("rms", id, 1);
        ReviewDecision {
            id,
            kind,
            records: Vec::new(),
            versions: Vec::new(),
            pairs: pairs
                .iter()
                .map(|(a, b)| ordered_pair(r(a), r(b)))
                .collect(),
            who: "t".into(),
            why: "t".into(),
            decided_at: Utc::now(),
        }
    }

    #[test]
    fn the_latest_decision_on_a_pair_wins() {
        let decisions = [
            decision(1, DecisionKind::Reject, &[("A", "B")]),
            decision(2, DecisionKind::Confirm, &[("B", "A")]),
            decision(3, DecisionKind::Confirm, &[("C", "D")]),
            decision(4, DecisionKind::Split, &[("D", "C"), ("D", "E")]),
        ];
        let (must, cannot) = effective_pairs(&decisions);
        let r = |id: &str| PartyRef::new("rms", id, 1);
        assert_eq!(must, vec![(r("A"), r("B"))]);
        assert_eq!(cannot, vec![(r("C"), r("D")), (r("D"), r("E"))]);
    }

    #[test]
    fn a_confirmation_through_a_rejected_pair_is_not_honoured() {
        let decisions = [
            decision(1, DecisionKind::Reject, &[("A", "C")]),
            decision(2, DecisionKind::Confirm, &[("A", "B")]),
            decision(3, DecisionKind::Confirm, &[("B", "C")]),
        ];
        let r = |id: &str| PartyRef::new("rms", id, 1);
        assert_eq!(unhonoured_confirmations(&decisions), vec![(r("B"), r("C"))]);
    }
}
