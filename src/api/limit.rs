//! A cap on the number of selections in a GraphQL document.
//!
//! async-graphql's complexity limit does not count `__typename`, so a request
//! made of thousands of `tN: __typename` aliases passes it and still costs
//! time and memory to execute and serialize. This extension counts every
//! selection (each field, alias, `__typename`, fragment spread and inline
//! fragment) and every directive on one, expanding fragments at each
//! spread, and rejects the document
//! when the count exceeds the limit. The count stops as soon as it passes the
//! limit, so it costs at most that many steps.
//!
//! Before any parsing, the extension also caps how deeply brackets nest.
//! async-graphql's parser recurses once per level of a list or object value
//! and has no limit of its own for them, so an argument of two thousand
//! nested lists overflowed the stack and aborted the server.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet,
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
        if !nesting_within(query, MAX_NESTING) {
            return Err(ServerError::new(
                format!("query nests brackets more than {MAX_NESTING} levels deep"),
                None,
            ));
        }
        // The count runs on a document parsed here, before `next` parses the
        // query again. async-graphql's own parse step checks nesting depth by
        // expanding every fragment spread (async-graphql 7), which takes
        // exponential time on fragments that each spread the next one twice.
        // A query the parser rejects is left to `next` to report.
        if let Ok(document) = async_graphql::parser::parse_query(query) {
            // async-graphql's parse step reports a cycle of fragments only as
            // too deep a recursion, so the cycle is named here.
            if let Some(cycle) = fragment_cycle(&document) {
                let path: Vec<&str> = cycle.iter().map(|name| name.as_str()).collect();
                return Err(ServerError::new(
                    format!("fragment {} spreads itself: {}", path[0], path.join(" -> ")),
                    None,
                ));
            }
            let mutations = max_mutation_fields(&document);
            if mutations > MAX_MUTATIONS {
                let found = match mutations {
                    usize::MAX => format!(
                        "its fragments spread each other more than {MAX_FRAGMENT_CHAIN} deep"
                    ),
                    _ => format!("found {mutations}"),
                };
                return Err(ServerError::new(
                    format!(
                        "a request may run at most {MAX_MUTATIONS} mutations, each a review \
                         decision that re-resolves the store; {found}"
                    ),
                    None,
                ));
            }
            if !within_limit(&document, self.max) {
                return Err(ServerError::new(
                    format!(
                        "query has more than {} selections (fields, aliases, __typename and \
                         directives included)",
                        self.max
                    ),
                    None,
                ));
            }
        }
        next.run(ctx, query, variables).await
    }
}

/// Deepest nesting of `{`, `[` and `(` accepted in a query. Selections are
/// limited to a depth of 15 later on, and list and object values rarely nest
/// more than a few levels.
const MAX_NESTING: usize = 64;

/// Returns whether the brackets of `query` nest at most `max` deep, not
/// counting those in strings and comments. This is a scan of the text, so
/// it cannot overflow the stack whatever the input.
fn nesting_within(query: &str, max: usize) -> bool {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // An escaped triple quote does not end the block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return false;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    true
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

/// Maximum mutations in one request. Each review mutation re-resolves the
/// whole store, so a request of hundreds of aliased mutations would hold
/// the server for that many runs.
const MAX_MUTATIONS: usize = 10;

/// Returns the most top-level fields of any mutation in `document`, with
/// fragments read in place. Cycles are rejected before this runs.
fn max_mutation_fields(document: &ExecutableDocument) -> usize {
    let mut counted = HashMap::new();
    document
        .operations
        .iter()
        .filter(|(_, operation)| operation.node.ty == OperationType::Mutation)
        .map(|(_, operation)| {
            top_level_fields(
                document,
                &operation.node.selection_set.node,
                &mut counted,
                0,
            )
        })
        .max()
        .unwrap_or(0)
}

/// Counts the fields of `set`, reading fragments in place but not the
/// fields' own selections. Each fragment is counted once and remembered in
/// `counted`, so fragments that spread the next one twice cost no more than
/// one pass. A chain of fragments deeper than [`MAX_FRAGMENT_CHAIN`], which
/// the cycle search does not follow to its end, counts as too many fields.
fn top_level_fields<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    counted: &mut HashMap<&'d Name, usize>,
    depth: usize,
) -> usize {
    if depth > MAX_FRAGMENT_CHAIN {
        return usize::MAX;
    }
    let mut fields = 0usize;
    for selection in &set.items {
        let found = match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(inline) => top_level_fields(
                document,
                &inline.node.selection_set.node,
                counted,
                depth + 1,
            ),
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                match (counted.get(name), document.fragments.get(name)) {
                    (Some(known), _) => *known,
                    (None, Some(fragment)) => {
                        let selections = &fragment.node.selection_set.node;
                        let count = top_level_fields(document, selections, counted, depth + 1);
                        counted.insert(name, count);
                        count
                    }
                    (None, None) => 0,
                }
            }
        };
        fields = fields.saturating_add(found);
    }
    fields
}

/// Returns the first cycle of fragment spreads in `document`, from a
/// fragment back to itself, such as `A`, `B`, `A`.
fn fragment_cycle(document: &ExecutableDocument) -> Option<Vec<&Name>> {
    let mut names: Vec<&Name> = document.fragments.keys().collect();
    names.sort();
    let mut finished: HashSet<&Name> = HashSet::new();
    names.into_iter().find_map(|name| {
        let mut path = Vec::new();
        cycle_from(document, name, &mut path, &mut finished)
    })
}

/// Follows the spreads of fragment `name`, with `path` the fragments that
/// led to it. Fragments in `finished` lead to no cycle. A chain longer than
/// [`MAX_FRAGMENT_CHAIN`] is not followed further: the selection limit
/// rejects it, and following it would deepen the stack without bound.
fn cycle_from<'d>(
    document: &'d ExecutableDocument,
    name: &'d Name,
    path: &mut Vec<&'d Name>,
    finished: &mut HashSet<&'d Name>,
) -> Option<Vec<&'d Name>> {
    if let Some(at) = path.iter().position(|seen| *seen == name) {
        let mut cycle = path[at..].to_vec();
        cycle.push(name);
        return Some(cycle);
    }
    if finished.contains(name) || path.len() >= MAX_FRAGMENT_CHAIN {
        return None;
    }
    let fragment = document.fragments.get(name)?;
    path.push(name);
    let mut spreads = Vec::new();
    spread_names(&fragment.node.selection_set.node, &mut spreads);
    let found = spreads
        .into_iter()
        .find_map(|next| cycle_from(document, next, path, finished));
    path.pop();
    finished.insert(name);
    found
}

/// Maximum length of a chain of fragments, each spreading the next, that
/// is searched for a cycle. Every spread counts against the selection limit, so a
/// longer chain is rejected anyway.
const MAX_FRAGMENT_CHAIN: usize = 1_000;

/// Appends the fragment names that `set` spreads, at any depth below it
/// but not through other fragments.
fn spread_names<'d>(set: &'d SelectionSet, out: &mut Vec<&'d Name>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => spread_names(&field.node.selection_set.node, out),
            Selection::InlineFragment(inline) => spread_names(&inline.node.selection_set.node, out),
            Selection::FragmentSpread(spread) => out.push(&spread.node.fragment_name.node),
        }
    }
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
            // Each directive counts too: async-graphql accepts unknown ones
            // and evaluates each `@skip` and `@include`, so thousands of
            // them on one field cost seconds.
            let directives = match &selection.node {
                Selection::Field(field) => field.node.directives.len(),
                Selection::InlineFragment(inline) => inline.node.directives.len(),
                Selection::FragmentSpread(spread) => spread.node.directives.len(),
            };
            let Some(remaining) = self.remaining.checked_sub(1 + directives) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_cycles_are_named() {
        let cases = [
            (
                "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
                Some("A B A"),
            ),
            ("{ ...A } fragment A on Query { x { ...A } }", Some("A A")),
            (
                "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { y }",
                None,
            ),
            (
                "{ ...C } fragment C on Query { ... on Query { ...C } }",
                Some("C C"),
            ),
        ];
        for (query, expected) in cases {
            let document = async_graphql::parser::parse_query(query).expect("parses");
            let found = fragment_cycle(&document).map(|cycle| {
                cycle
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            assert_eq!(found.as_deref(), expected, "{query}");
        }
    }

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        let deep_list = format!("{{ f(x: {}1{}) }}", "[".repeat(10), "]".repeat(10));
        let cases: &[(&str, bool)] = &[
            ("{ a { b { c } } }", true),
            ("{ a { b { c { d } } } }", false),
            (&deep_list, false),
            (r#"{ f(x: "[[[[[[[[") }"#, true),
            (r#"{ f(x: "\"[[[[[[[[") }"#, true),
            ("{ f(x: \"\"\"[[[[[[\\\"\"\"[[[[\"\"\") }", true),
            ("# [[[[[[[[\n{ a }", true),
            ("{ a } } } } { b }", true),
        ];
        for (query, expected) in cases {
            assert_eq!(nesting_within(query, 3), *expected, "{query}");
        }
    }
}
