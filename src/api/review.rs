//! GraphQL for human review: the queue, the decision history and the match
//! explanation (queries), and the decisions themselves (mutations).
//!
//! Mutations change the graph, so each needs the review bearer token
//! (`review_token`, `CISS_REVIEW_TOKEN`) in the request's `Authorization`
//! header. The HTTP handler compares it in constant time and hands the
//! outcome to the schema as [`ReviewAccess`]; without a configured token the
//! mutations are off.

use async_graphql::{Context, ErrorExtensions, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::http::ClientAddress;
use crate::graph::{EntityId, PartyRef, QueuedPair, ReviewDecision};
use crate::resolve::{Explanation, FieldWeight};
use crate::review::{DecisionOutcome, Review, ReviewError};

/// Whether the request may make review decisions, as the HTTP layer found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAccess {
    /// No review token is configured: mutations are off.
    Disabled,
    /// The bearer token is missing or wrong.
    Denied,
    /// The bearer token matches.
    Granted,
}

/// One person in one record, as review decisions name them.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordParty {
    /// The reference as `ciss review` and the mutations take it: `SOURCE:RECORD_ID#PARTY`.
    pub reference: String,
    /// Source name.
    pub source: String,
    /// Record id in the source.
    pub record_id: String,
    /// Position of the person in the record, from 1.
    pub party: u32,
}

impl From<&PartyRef> for RecordParty {
    fn from(r: &PartyRef) -> RecordParty {
        RecordParty {
            reference: r.to_string(),
            source: r.source.clone(),
            record_id: r.record_id.clone(),
            party: r.party,
        }
    }
}

/// A possible match waiting for review.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReviewPair {
    /// One record.
    pub a: RecordParty,
    /// The other record.
    pub b: RecordParty,
    /// Match probability the resolver gave the pair.
    pub probability: f64,
    /// When the pair first entered the queue.
    pub queued_at: DateTime<Utc>,
}

impl From<&QueuedPair> for ReviewPair {
    fn from(p: &QueuedPair) -> ReviewPair {
        ReviewPair {
            a: (&p.a).into(),
            b: (&p.b).into(),
            probability: p.probability,
            queued_at: p.queued_at,
        }
    }
}

/// A reviewer's decision, as stored.
#[derive(SimpleObject, Debug, Clone)]
pub struct Decision {
    /// Decision id, in the order decisions were made.
    pub id: ID,
    /// `confirm`, `reject` or `split`.
    pub kind: String,
    /// The records the reviewer named.
    pub records: Vec<RecordParty>,
    /// Number of record pairs the decision constrains.
    pub constrained_pairs: usize,
    /// Who decided.
    pub who: String,
    /// Why.
    pub reason: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

impl From<&ReviewDecision> for Decision {
    fn from(d: &ReviewDecision) -> Decision {
        Decision {
            id: ID(d.id.to_string()),
            kind: d.kind.as_str().to_string(),
            records: d.records.iter().map(Into::into).collect(),
            constrained_pairs: d.pairs.len(),
            who: d.who.clone(),
            reason: d.why.clone(),
            decided_at: d.decided_at,
        }
    }
}

/// Where a named record stands after a decision.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordEntity {
    /// The record.
    pub record: RecordParty,
    /// Its person entity after re-resolution; the id `person` takes.
    pub entity: Option<ID>,
}

/// A stored decision and its effect.
#[derive(SimpleObject, Debug, Clone)]
pub struct DecisionResult {
    /// The decision.
    pub decision: Decision,
    /// The entity of each named record after re-resolution.
    pub entities: Vec<RecordEntity>,
    /// The earlier decision on the same pair that this one overrides. Its
    /// other pairs still hold, so a named record may leave records it
    /// shared an entity with, as when a confirmation follows a split.
    pub overrides: Option<ID>,
    /// Other records that shared an entity with a named one before the
    /// decision and no longer share it.
    pub moved: Vec<MovedRecord>,
}

/// A record a decision moved to another entity without naming it.
#[derive(SimpleObject, Debug, Clone)]
pub struct MovedRecord {
    /// The record.
    pub record: RecordParty,
    /// Its entity before the decision.
    pub from: ID,
    /// Its entity after re-resolution; the same as `from` when the named
    /// record left that entity.
    pub to: Option<ID>,
}

impl From<DecisionOutcome> for DecisionResult {
    fn from(o: DecisionOutcome) -> DecisionResult {
        DecisionResult {
            decision: (&o.decision).into(),
            entities: o
                .entities
                .iter()
                .map(|(r, e)| RecordEntity {
                    record: r.into(),
                    entity: e.map(|e| ID(e.to_string())),
                })
                .collect(),
            overrides: o.overrides.map(|(id, _)| ID(id.to_string())),
            moved: o
                .moved
                .iter()
                .map(|(r, from, to)| MovedRecord {
                    record: r.into(),
                    from: ID(from.to_string()),
                    to: to.map(|e| ID(e.to_string())),
                })
                .collect(),
        }
    }
}

/// A confirmation in force whose two records are in different entities
/// now: a later version changed one of them, or rejections keep them apart.
#[derive(SimpleObject, Debug, Clone)]
pub struct LapsedConfirmation {
    /// The confirmation in force on the pair.
    pub decision: Decision,
    /// One record of the pair, with the entity of the person the
    /// confirmation binds in its current version. The entity is null when
    /// that version names no such person.
    pub a: RecordEntity,
    /// The other record, likewise.
    pub b: RecordEntity,
}

impl From<&crate::review::LapsedConfirmation> for LapsedConfirmation {
    fn from(l: &crate::review::LapsedConfirmation) -> LapsedConfirmation {
        let at = |record: &PartyRef, entity: Option<EntityId>| RecordEntity {
            record: record.into(),
            entity: entity.map(|e| ID(e.to_string())),
        };
        LapsedConfirmation {
            decision: (&l.decision).into(),
            a: at(&l.a, l.entities.0),
            b: at(&l.b, l.entities.1),
        }
    }
}

/// One field's part in a match score.
#[derive(SimpleObject, Debug, Clone)]
pub struct FieldScore {
    /// Field name, such as `surname` or `dob`.
    pub field: String,
    /// Comparison level reached, such as `exact` or `missing`.
    pub level: String,
    /// Weight in bits.
    pub weight: f64,
    /// Whether the weight was adjusted for the name's frequency.
    pub term_frequency: bool,
}

impl From<&FieldWeight> for FieldScore {
    fn from(w: &FieldWeight) -> FieldScore {
        FieldScore {
            field: w.field.name().to_string(),
            level: w.level.to_string(),
            weight: w.weight,
            term_frequency: w.term_frequency,
        }
    }
}

/// Why the resolver scores two records as it does, field by field.
#[derive(SimpleObject, Debug, Clone)]
pub struct MatchExplanation {
    /// Per field, in comparison order.
    pub fields: Vec<FieldScore>,
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
    /// Probability at or above which a pair is queued for review.
    pub possible_match_probability: f64,
    /// `match`, `possible match` or `non-match`, from the probability alone.
    pub decision: String,
    /// A hard conflict that keeps the two apart, such as `fbi` or `dob`.
    pub conflict: Option<String>,
    /// Whether the model was trained on the store's data rather than defaults.
    pub trained: bool,
}

impl From<Explanation> for MatchExplanation {
    fn from(e: Explanation) -> MatchExplanation {
        MatchExplanation {
            fields: e.fields.iter().map(Into::into).collect(),
            names_swapped: e.names_swapped,
            prior: e.prior,
            total: e.total,
            probability: e.probability,
            match_probability: e.match_probability,
            possible_match_probability: e.possible_match_probability,
            decision: e.decision.to_string(),
            conflict: e.conflict.map(|c| c.name().to_string()),
            trained: e.trained,
        }
    }
}

/// Returns the review service the HTTP layer attached to the request.
pub(super) fn review<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Review> {
    ctx.data::<Review>().map_err(|_| {
        tracing::error!("review service missing from the request");
        async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", "INTERNAL"))
    })
}

/// Maps a review error: bad input goes back with its message, a store
/// failure is logged once and the caller gets a generic error.
pub(super) fn to_graphql_error(err: ReviewError) -> async_graphql::Error {
    match err {
        ReviewError::InvalidInput(message) => super::bad_input(message),
        other => {
            tracing::error!(error = %other, "review failed");
            async_graphql::Error::new("internal error")
                .extend_with(|_, e| e.set("code", "INTERNAL"))
        }
    }
}

/// Rejects the request unless it carried the review token. A rejection is
/// logged with the client's address, never with the token.
pub(super) fn authorize(ctx: &Context<'_>) -> async_graphql::Result<()> {
    match ctx.data_opt::<ReviewAccess>() {
        Some(ReviewAccess::Granted) => Ok(()),
        Some(ReviewAccess::Disabled) => Err(async_graphql::Error::new(
            "review is disabled; set CISS_REVIEW_TOKEN to enable it",
        )
        .extend_with(|_, e| e.set("code", "FORBIDDEN"))),
        _ => {
            let client = ctx.data_opt::<ClientAddress>().copied();
            let client = client.unwrap_or(ClientAddress(None));
            tracing::warn!(
                peer = %client,
                "review request rejected: missing or wrong bearer token"
            );
            Err(async_graphql::Error::new("missing or invalid bearer token")
                .extend_with(|_, e| e.set("code", "UNAUTHORIZED")))
        }
    }
}

/// Review decisions. Each needs `Authorization: Bearer <review token>`, is
/// stored with the reviewer, time and reason, and re-resolves the store.
#[derive(Debug, Default)]
pub struct MutationRoot;

#[Object]
impl MutationRoot {
    /// Confirms that two records name one person; they stay in one entity on
    /// every later resolution. Records are `SOURCE:RECORD_ID`, with `#PARTY`
    /// when the record names more than one person.
    async fn confirm_match(
        &self,
        ctx: &Context<'_>,
        a: String,
        b: String,
        #[graphql(desc = "Name of the reviewer, stored with the decision")] reviewer: String,
        #[graphql(desc = "Why, stored with the decision")] reason: String,
    ) -> async_graphql::Result<DecisionResult> {
        authorize(ctx)?;
        let outcome = review(ctx)?.confirm(&a, &b, &reviewer, &reason).await;
        Ok(outcome.map_err(to_graphql_error)?.into())
    }

    /// Rejects a pair: the two records never share an entity again, not even
    /// through a chain of other records.
    async fn reject_match(
        &self,
        ctx: &Context<'_>,
        a: String,
        b: String,
        #[graphql(desc = "Name of the reviewer, stored with the decision")] reviewer: String,
        #[graphql(desc = "Why, stored with the decision")] reason: String,
    ) -> async_graphql::Result<DecisionResult> {
        authorize(ctx)?;
        let outcome = review(ctx)?.reject(&a, &b, &reviewer, &reason).await;
        Ok(outcome.map_err(to_graphql_error)?.into())
    }

    /// Takes records out of their entity (undoes a wrong merge). They are
    /// remembered as rejected against every record left in it.
    async fn split_entity(
        &self,
        ctx: &Context<'_>,
        records: Vec<String>,
        #[graphql(desc = "Name of the reviewer, stored with the decision")] reviewer: String,
        #[graphql(desc = "Why, stored with the decision")] reason: String,
    ) -> async_graphql::Result<DecisionResult> {
        authorize(ctx)?;
        let outcome = review(ctx)?.split(&records, &reviewer, &reason).await;
        Ok(outcome.map_err(to_graphql_error)?.into())
    }
}
