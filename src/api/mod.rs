//! The GraphQL API and the HTTP routes around it. This is the only module that
//! uses GraphQL types. It converts the search layer's plain structs.

mod http;
mod limit;
mod query;
pub mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

pub use http::{AppState, router};
pub use query::QueryRoot;

use crate::search::Search;

/// The CISS GraphQL schema.
pub type CissSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Deepest query accepted; the deepest useful query (vehicle, owner, status item, fields) is 5.
const MAX_DEPTH: usize = 10;
/// Largest query complexity accepted, counted as one per field.
const MAX_COMPLEXITY: usize = 500;
/// Most selections accepted in one document, `__typename` and aliases
/// included, which the complexity limit does not count.
const MAX_SELECTIONS: usize = 1_000;

/// Builds the schema over a search service.
pub fn build_schema(search: Search) -> CissSchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .data(search)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(limit::SelectionLimit {
            max: MAX_SELECTIONS,
        })
        .finish()
}

/// Returns the schema in SDL, as `ciss export-schema` writes it to `schema.graphql`.
pub fn schema_sdl() -> String {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}
