//! A cap on the number of selections in a GraphQL document.
//!
//! async-graphql's complexity limit does not count `__typename`, so a request
//! made of thousands of `tN: __typename` aliases passes it and still costs
//! time and memory to execute and serialize. This extension counts every
//! selection (each field, alias, `__typename`, fragment spread and inline
//! fragment), expanding fragments at each spread, and rejects the document
//! when the count exceeds the limit. The count stops as soon as it passes the
//! limit, so it costs at most that many steps.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, Variables};

/// Rejects documents with more than `max` selections.
pub(super) struct SelectionLimit {
    /// Largest accepted number of selections.
    pub(super) max: usize,
}

impl ExtensionFactory for SelectionLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SelectionLimitExtension { max: self.max })
    }
}

struct SelectionLimitExtension {
    max: usize,
}

#[async_trait::async_trait]
impl Extension for SelectionLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The count runs on a document parsed here, before `next` parses the
        // query again. async-graphql's own parse step checks nesting depth by
        // expanding every fragment spread (async-graphql 7), which takes
        // exponential time on fragments that each spread the next one twice.
        // A query the parser rejects is left to `next` to report.
        if let Ok(document) = async_graphql::parser::parse_query(query)
            && !within_limit(&document, self.max)
        {
            return Err(ServerError::new(
                format!(
                    "query has more than {} selections (fields, aliases and __typename included)",
                    self.max
                ),
                None,
            ));
        }
        next.run(ctx, query, variables).await
    }
}

/// Checks that every operation of `document`, with fragments expanded, has
/// at most `max` selections in all.
fn within_limit(document: &ExecutableDocument, max: usize) -> bool {
    let mut counter = Counter {
        fragments: &document.fragments,
        remaining: max,
        expanding: Vec::new(),
    };
    document
        .operations
        .iter()
        .all(|(_, operation)| counter.count(&operation.node.selection_set.node))
}

/// Counts selections down from a budget, so the walk stops as soon as the
/// budget is spent, however often fragments are spread.
struct Counter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    remaining: usize,
    /// Fragments being expanded; a cycle is left to validation to reject.
    expanding: Vec<&'a Name>,
}

impl<'a> Counter<'a> {
    /// Returns false once the budget is exceeded.
    fn count(&mut self, set: &'a SelectionSet) -> bool {
        for selection in &set.items {
            let Some(remaining) = self.remaining.checked_sub(1) else {
                return false;
            };
            self.remaining = remaining;
            let within = match &selection.node {
                Selection::Field(field) => self.count(&field.node.selection_set.node),
                Selection::InlineFragment(inline) => self.count(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => self.spread(&spread.node.fragment_name.node),
            };
            if !within {
                return false;
            }
        }
        true
    }

    fn spread(&mut self, name: &'a Name) -> bool {
        let Some(fragment) = self.fragments.get(name) else {
            return true;
        };
        if self.expanding.contains(&name) {
            return true;
        }
        self.expanding.push(name);
        let within = self.count(&fragment.node.selection_set.node);
        self.expanding.pop();
        within
    }
}
