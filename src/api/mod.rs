//! The GraphQL API and the HTTP routes around it. This is the only module that
//! uses GraphQL types. It converts the search layer's plain structs.

pub mod assoc;
pub mod date;
mod host;
mod http;
mod limit;
mod order;
mod query;
pub mod review;
pub mod types;

use async_graphql::{EmptySubscription, MergedObject, Schema};

pub use assoc::AssociationQuery;
pub use http::{AppState, router};
pub use query::QueryRoot;
pub use review::{MutationRoot, ReviewAccess};

/// Every query: the searches of [`QueryRoot`] and the association queries of
/// [`AssociationQuery`], served as one root type named `Query`.
#[derive(MergedObject, Default)]
pub struct Query(QueryRoot, AssociationQuery);

use crate::search::Search;

/// The CISS GraphQL schema.
pub type CissSchema = Schema<Query, MutationRoot, EmptySubscription>;

/// Deepest query accepted. The deepest data query (vehicle, owner, status
/// item, fields) is 5, but the introspection query that GraphiQL and other
/// graphql-js clients send nests type references to depth 12.
const MAX_DEPTH: usize = 15;
/// Largest query complexity accepted, counted as one per field.
const MAX_COMPLEXITY: usize = 500;
/// Most selections accepted in one document, `__typename` and aliases
/// included, which the complexity limit does not count.
const MAX_SELECTIONS: usize = 1_000;

/// Returns a GraphQL error for bad input from the caller, with the code
/// `BAD_USER_INPUT` and `message` as it is.
pub(crate) fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    async_graphql::Error::new(message.into()).extend_with(|_, e| e.set("code", "BAD_USER_INPUT"))
}

/// Builds the schema over a search service. The review service and the
/// caller's [`ReviewAccess`] are attached to each request by the HTTP layer.
pub fn build_schema(search: Search) -> CissSchema {
    Schema::build(Query::default(), MutationRoot, EmptySubscription)
        .data(search)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(limit::SelectionLimit {
            max: MAX_SELECTIONS,
        })
        .extension(order::FieldOrder)
        .finish()
}

/// Returns the schema in SDL, as `ciss export-schema` writes it to `schema.graphql`.
pub fn schema_sdl() -> String {
    Schema::build(Query::default(), MutationRoot, EmptySubscription)
        .finish()
        .sdl()
}
