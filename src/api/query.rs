//! The query root: plate, person and identifier searches.

use async_graphql::{Context, ErrorExtensions, ID, Object};
use chrono::NaiveDate;

use super::date::{DateArg, as_of_or_today};
use super::review::{Decision, LapsedConfirmation, MatchExplanation, ReviewPair, review};
use super::types::{IdentifierKind, Person, Vehicle};
use crate::search::{Search, SearchError};

/// Maximum number of pairs `reviewQueue` returns in one request.
const MAX_REVIEW_QUEUE: usize = 500;

/// Read-only queries: searches, and the review queue and history.
#[derive(Debug, Default)]
pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The vehicle registered under a plate, whether its registration is
    /// current, and its owners with their status summaries. `asOf` defaults to
    /// today (UTC).
    async fn vehicle_by_plate(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret, desc = "Two-letter issuing state, such as CT")] state: String,
        #[graphql(secret, desc = "Plate number; spaces and dashes are ignored")] number: String,
        as_of: Option<DateArg>,
    ) -> async_graphql::Result<Option<Vehicle>> {
        let report = search(ctx)
            .vehicle_by_plate(&state, &number, as_of_or_today(as_of.as_ref())?)
            .await;
        Ok(report.map_err(to_graphql_error)?.map(Into::into))
    }

    /// One person by entity id.
    async fn person(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<DateArg>,
    ) -> async_graphql::Result<Option<Person>> {
        let entity = super::assoc::parse_person_id(&id)?;
        let profile = search(ctx)
            .person(entity, as_of_or_today(as_of.as_ref())?)
            .await;
        Ok(profile.map_err(to_graphql_error)?.map(Into::into))
    }

    /// People by name (`LAST, FIRST`, `First Last` or a surname alone),
    /// optionally narrowed by date of birth; at most 50.
    async fn search_persons(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] name: String,
        #[graphql(secret)] dob: Option<NaiveDate>,
        as_of: Option<DateArg>,
    ) -> async_graphql::Result<Vec<Person>> {
        let found = search(ctx)
            .search_persons(&name, dob, as_of_or_today(as_of.as_ref())?)
            .await;
        Ok(found
            .map_err(to_graphql_error)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// People carrying an identifier, such as a licence number or state id.
    async fn persons_by_identifier(
        &self,
        ctx: &Context<'_>,
        kind: IdentifierKind,
        #[graphql(secret)] value: String,
        as_of: Option<DateArg>,
    ) -> async_graphql::Result<Vec<Person>> {
        let found = search(ctx)
            .persons_by_identifier(kind.into(), &value, as_of_or_today(as_of.as_ref())?)
            .await;
        Ok(found
            .map_err(to_graphql_error)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Possible matches waiting for a reviewer, most probable first; at most
    /// `limit` (default 50, at most 500).
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] limit: i64,
    ) -> async_graphql::Result<Vec<ReviewPair>> {
        let limit = super::assoc::bounded("limit", limit, MAX_REVIEW_QUEUE)?;
        let queue = review(ctx)?
            .queue()
            .await
            .map_err(super::review::to_graphql_error)?;
        Ok(queue.iter().take(limit).map(Into::into).collect())
    }

    /// Returns every review decision, oldest first, with who, when and why. It names
    /// reviewers and their reasons, so it needs the review token, as the
    /// review mutations do.
    async fn review_decisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Decision>> {
        super::review::authorize(ctx)?;
        let decisions = review(ctx)?
            .history()
            .await
            .map_err(super::review::to_graphql_error)?;
        Ok(decisions.iter().map(Into::into).collect())
    }

    /// Confirmations in force whose two records are in different entities
    /// now, because a later version changed one of them or rejections keep
    /// them apart. Confirming such a pair again binds the current versions.
    /// Like `reviewDecisions`, it names reviewers, so it needs the review
    /// token.
    async fn lapsed_confirmations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LapsedConfirmation>> {
        super::review::authorize(ctx)?;
        let lapsed = review(ctx)?
            .lapsed_confirmations()
            .await
            .map_err(super::review::to_graphql_error)?;
        Ok(lapsed.iter().map(Into::into).collect())
    }

    /// Why the resolver scores two records as it does, field by field, with a
    /// model trained on the store. Records are `SOURCE:RECORD_ID`, with
    /// `#PARTY` when the record names more than one person.
    async fn match_explanation(
        &self,
        ctx: &Context<'_>,
        a: String,
        b: String,
    ) -> async_graphql::Result<MatchExplanation> {
        let explanation = review(ctx)?
            .explain(&a, &b)
            .await
            .map_err(super::review::to_graphql_error)?;
        Ok(explanation.score.into())
    }
}

pub(super) fn search<'a>(ctx: &Context<'a>) -> &'a Search {
    ctx.data_unchecked::<Search>()
}

pub(super) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Maps a search error to a GraphQL error. Bad input goes back to the caller
/// with its message. A store failure is logged once, with its cause, and the
/// caller gets a generic error.
pub(super) fn to_graphql_error(err: SearchError) -> async_graphql::Error {
    match err {
        SearchError::InvalidInput(message) => super::bad_input(message),
        other => {
            tracing::error!(error = %other, "search failed");
            async_graphql::Error::new("internal error")
                .extend_with(|_, e| e.set("code", "INTERNAL"))
        }
    }
}
