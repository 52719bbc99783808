//! Response fields in the order the query selects them.
//!
//! async-graphql 7 resolves the fields of an object concurrently and adds
//! each one to the response as it finishes, so `{ a: person(id: "1") { id }
//! z: __typename }` answered `z` before `a`. The GraphQL specification
//! orders a response's fields as the query selects them. This extension
//! keeps the parsed document and, once the operation has run, orders the
//! keys of every object in the response by where their field is first
//! selected, with fragments read in place. No crate does this, and the
//! fields arrive in completion order from async-graphql itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned, Response, ServerResult, Value, Variables};

/// Orders each response's fields as its query selects them.
pub(super) struct FieldOrder;

impl ExtensionFactory for FieldOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldOrderExtension::default())
    }
}

/// The per-request part: the document parsed for this request.
#[derive(Default)]
struct FieldOrderExtension {
    document: Mutex<Option<ExecutableDocument>>,
}

#[async_trait::async_trait]
impl Extension for FieldOrderExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if let Ok(mut kept) = self.document.lock() {
            *kept = Some(document.clone());
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let document = self.document.lock().ok().and_then(|mut kept| kept.take());
        if let Some(document) = document
            && let Some(operation) = find_operation(&document, operation_name)
        {
            let order = Order {
                fragments: &document.fragments,
            };
            order.apply(&[&operation.selection_set.node], &mut response.data);
        }
        response
    }
}

/// Returns the operation that ran: the named one, or the only one.
fn find_operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .iter()
            .find(|(key, _)| key.as_str() == name)
            .map(|(_, operation)| &operation.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The fields of one object in selection order: each response key with the
/// selection sets of every field selected under that key.
type Selected<'d> = Vec<(&'d Name, Vec<&'d SelectionSet>)>;

struct Order<'d> {
    fragments: &'d HashMap<Name, Positioned<FragmentDefinition>>,
}

impl<'d> Order<'d> {
    /// Orders `value`, the result of the selection sets `sets` merged, and
    /// every object below it.
    fn apply(&self, sets: &[&'d SelectionSet], value: &mut Value) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.apply(sets, item)),
            Value::Object(fields) => {
                let mut selected = Selected::new();
                let mut expanding = Vec::new();
                for set in sets {
                    self.collect(set, &mut selected, &mut expanding);
                }
                let rank: HashMap<&str, usize> = selected
                    .iter()
                    .enumerate()
                    .map(|(at, (key, _))| (key.as_str(), at))
                    .collect();
                // Keys no selection names (none are expected) keep their
                // place after the selected ones: the sort is stable.
                fields.sort_by_cached_key(|key, _| {
                    rank.get(key.as_str()).copied().unwrap_or(usize::MAX)
                });
                for (key, sets) in &selected {
                    if let Some(child) = fields.get_mut(*key) {
                        self.apply(sets, child);
                    }
                }
            }
            _ => {}
        }
    }

    /// Appends the fields of `set` to `selected` in order, reading fragment
    /// spreads and inline fragments in place. `expanding` contains the
    /// fragments being read, so a cycle (which validation rejects before
    /// execution) cannot recurse without end.
    fn collect(
        &self,
        set: &'d SelectionSet,
        selected: &mut Selected<'d>,
        expanding: &mut Vec<&'d Name>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = &field.node.response_key().node;
                    let sub = &field.node.selection_set.node;
                    match selected.iter_mut().find(|(known, _)| *known == key) {
                        Some((_, sets)) => sets.push(sub),
                        None => selected.push((key, vec![sub])),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.collect(&fragment.node.selection_set.node, selected, expanding);
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let Some(fragment) = self.fragments.get(name) else {
                        continue;
                    };
                    if expanding.contains(&name) {
                        continue;
                    }
                    expanding.push(name);
                    self.collect(&fragment.node.selection_set.node, selected, expanding);
                    expanding.pop();
                }
            }
        }
    }
}
