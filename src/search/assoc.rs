//! Association queries for analysts, over [`GraphStore`]'s neighbourhood,
//! path and timeline: links around a person hop by hop, the shortest chain of
//! links between two people, and a person's records in date order. Each
//! result is bounded and marked when it was cut.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::NaiveDate;
use serde::Serialize;

use super::{RecordRef, Search, SearchError};
use crate::graph::{
    AssocFilter, Edge, EntityId, Evidence, MAX_NEIGHBOURHOOD_DEPTH, MAX_PATH_DEPTH, NodeRef,
    Subgraph,
};
use crate::model::{RecordKind, Role};

/// Largest number of nodes an association result contains; the nodes nearest
/// the person are kept.
pub const MAX_ASSOCIATION_NODES: usize = 500;

/// Largest number of events a timeline returns; the oldest are kept.
pub const MAX_TIMELINE_EVENTS: usize = 1_000;

/// A node of an association result with its distance from the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssociatedNode {
    /// The node.
    pub node: NodeRef,
    /// Edges between the node and the start (the first person).
    pub hop: u8,
}

/// Nodes, edges and the records behind the edges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Associations {
    /// Nodes, nearest first, then in node order.
    pub nodes: Vec<AssociatedNode>,
    /// Edges between those nodes; along a path, in path order.
    pub edges: Vec<Edge>,
    /// The record behind each edge, sorted by key.
    pub evidence: Vec<Evidence>,
    /// Whether a fan-out or size limit left parts of the graph out.
    pub truncated: bool,
}

/// Record filter of a timeline. Empty or unset fields keep everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    /// Only records with this case or docket number.
    pub case_number: Option<String>,
    /// Only records dated on or after this day; undated records are left out.
    pub from: Option<NaiveDate>,
    /// Only records dated on or before this day; undated records are left out.
    pub to: Option<NaiveDate>,
    /// Only records of these kinds.
    pub kinds: BTreeSet<RecordKind>,
}

impl TimelineFilter {
    fn keeps(&self, event: &TimelineEvent) -> bool {
        let dated = |bound: Option<NaiveDate>, within: fn(NaiveDate, NaiveDate) -> bool| {
            bound.is_none_or(|bound| event.record.date.is_some_and(|date| within(date, bound)))
        };
        (self.kinds.is_empty() || self.kinds.contains(&event.kind))
            && self
                .case_number
                .as_ref()
                .is_none_or(|case| event.case_number.as_ref() == Some(case))
            && dated(self.from, |date, from| date >= from)
            && dated(self.to, |date, to| date <= to)
    }
}

/// One record of a person's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    /// The record, with its agency and dates.
    pub record: RecordRef,
    /// Kind of record.
    pub kind: RecordKind,
    /// The person's roles in the record.
    pub roles: Vec<Role>,
    /// Charge, conditions or other description.
    pub description: Option<String>,
    /// Case or docket number.
    pub case_number: Option<String>,
}

/// A person's records in date order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// Events, oldest first; undated records come last.
    pub events: Vec<TimelineEvent>,
    /// Whether more than `limit` records matched.
    pub truncated: bool,
}

impl Search {
    /// Returns the nodes within `depth` edges of a person that `filter`
    /// allows, at most `max_nodes` of them, or `None` when there is no such
    /// person.
    pub async fn associations(
        &self,
        entity: EntityId,
        depth: u8,
        filter: &AssocFilter,
        max_nodes: usize,
    ) -> Result<Option<Associations>, SearchError> {
        check_range("depth", depth as usize, MAX_NEIGHBOURHOOD_DEPTH as usize)?;
        check_range("maxNodes", max_nodes, MAX_ASSOCIATION_NODES)?;
        if !self.store.entity_exists(entity).await? {
            return Ok(None);
        }
        let subgraph = self.store.neighbourhood(entity, depth, filter).await?;
        Ok(Some(nearest(subgraph, &NodeRef::Person(entity), max_nodes)))
    }

    /// Returns a shortest chain of at most `max_depth` edges between two
    /// people, or `None` when there is none. Either person missing is invalid
    /// input.
    pub async fn association_path(
        &self,
        from: EntityId,
        to: EntityId,
        max_depth: u8,
    ) -> Result<Option<Associations>, SearchError> {
        check_range("maxDepth", max_depth as usize, MAX_PATH_DEPTH as usize)?;
        for entity in [from, to] {
            if !self.store.entity_exists(entity).await? {
                return Err(SearchError::InvalidInput(format!(
                    "person {entity} not found"
                )));
            }
        }
        let found = self.store.path(from, to, max_depth).await?;
        Ok(found.map(|subgraph| nearest(subgraph, &NodeRef::Person(from), MAX_ASSOCIATION_NODES)))
    }

    /// Returns a person's current records that `filter` keeps, oldest first
    /// and at most `limit`, or `None` when there is no such person.
    pub async fn timeline(
        &self,
        entity: EntityId,
        filter: &TimelineFilter,
        limit: usize,
    ) -> Result<Option<Timeline>, SearchError> {
        check_range("limit", limit, MAX_TIMELINE_EVENTS)?;
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(SearchError::InvalidInput(format!(
                "invalid date range: from {from} is after to {to}"
            )));
        }
        let records = self.store.timeline(entity).await?;
        if records.is_empty() && !self.store.entity_exists(entity).await? {
            return Ok(None);
        }
        let mut events = records.iter().map(|stored| TimelineEvent {
            record: RecordRef::of(stored),
            kind: stored.record.kind,
            roles: stored.roles_of(entity).collect(),
            description: stored.record.description.clone(),
            case_number: stored.record.case_number.clone(),
        });
        let kept: Vec<TimelineEvent> = events
            .by_ref()
            .filter(|event| filter.keeps(event))
            .take(limit)
            .collect();
        let truncated = kept.len() == limit && events.any(|event| filter.keeps(&event));
        Ok(Some(Timeline {
            events: kept,
            truncated,
        }))
    }
}

/// Checks that `value` is between 1 and `max`.
fn check_range(what: &str, value: usize, max: usize) -> Result<(), SearchError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(SearchError::InvalidInput(format!(
            "invalid {what} {value}: expected 1 to {max}"
        )))
    }
}

/// Returns the distance of every node of `subgraph` from `start`, following
/// edges in either direction. Nodes not connected to `start` are left out.
fn hops(subgraph: &Subgraph, start: &NodeRef) -> BTreeMap<NodeRef, u8> {
    let mut neighbours: BTreeMap<&NodeRef, Vec<&NodeRef>> = BTreeMap::new();
    for edge in &subgraph.edges {
        neighbours.entry(&edge.from).or_default().push(&edge.to);
        neighbours.entry(&edge.to).or_default().push(&edge.from);
    }
    let mut distance = BTreeMap::from([(start.clone(), 0u8)]);
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let next = distance[node].saturating_add(1);
        for neighbour in neighbours.get(node).into_iter().flatten() {
            if !distance.contains_key(*neighbour) {
                distance.insert((*neighbour).clone(), next);
                queue.push_back(neighbour);
            }
        }
    }
    distance
}

/// Keeps the `max_nodes` nodes nearest `start`, the edges between them and
/// the evidence of those edges.
fn nearest(subgraph: Subgraph, start: &NodeRef, max_nodes: usize) -> Associations {
    let distance = hops(&subgraph, start);
    let mut nodes: Vec<AssociatedNode> = subgraph
        .nodes
        .iter()
        .filter_map(|node| {
            distance.get(node).map(|hop| AssociatedNode {
                node: node.clone(),
                hop: *hop,
            })
        })
        .collect();
    nodes.sort_by(|a, b| (a.hop, &a.node).cmp(&(b.hop, &b.node)));
    let truncated = subgraph.truncated || nodes.len() > max_nodes;
    nodes.truncate(max_nodes);
    let kept: BTreeSet<&NodeRef> = nodes.iter().map(|n| &n.node).collect();
    let edges: Vec<Edge> = subgraph
        .edges
        .iter()
        .filter(|edge| kept.contains(&edge.from) && kept.contains(&edge.to))
        .cloned()
        .collect();
    let cited: BTreeSet<_> = edges.iter().map(|edge| &edge.evidence).collect();
    let evidence = subgraph
        .evidence
        .iter()
        .filter(|e| cited.contains(&e.key))
        .cloned()
        .collect();
    Associations {
        nodes,
        edges,
        evidence,
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EdgeKind;
    use crate::model::RecordKey;

    fn key(id: &str) -> RecordKey {
        RecordKey {
            source: "s".into(),
            record_id: id.into(),
            version: 1,
        }
    }

    fn edge(from: NodeRef, to: NodeRef, evidence: &str) -> Edge {
        Edge {
            from,
            to,
            kind: EdgeKind::AssociatedWith,
            role: None,
            evidence: key(evidence),
        }
    }

    fn evidence(id: &str) -> Evidence {
        Evidence {
            key: key(id),
            agency: "Agency".into(),
            kind: RecordKind::Arrest,
            date: None,
            end_date: None,
            status: None,
        }
    }

    /// Person 1 - 2 - 3 in a chain, and 4 linked to nothing.
    fn chain() -> Subgraph {
        let p = NodeRef::Person;
        Subgraph {
            nodes: vec![p(1), p(2), p(3), p(4)],
            edges: vec![edge(p(1), p(2), "a"), edge(p(2), p(3), "b")],
            evidence: vec![evidence("a"), evidence("b")],
            truncated: false,
        }
    }

    #[test]
    fn nearest_numbers_hops_from_start() {
        let found = nearest(chain(), &NodeRef::Person(1), 10);
        let hops: Vec<(NodeRef, u8)> = found
            .nodes
            .iter()
            .map(|n| (n.node.clone(), n.hop))
            .collect();
        let expected = vec![
            (NodeRef::Person(1), 0),
            (NodeRef::Person(2), 1),
            (NodeRef::Person(3), 2),
        ];
        assert_eq!(hops, expected, "the unconnected person 4 is left out");
        assert_eq!(found.edges.len(), 2);
        assert!(!found.truncated);
    }

    #[test]
    fn nearest_cuts_farthest_nodes_and_their_evidence() {
        let found = nearest(chain(), &NodeRef::Person(1), 2);
        assert_eq!(found.nodes.len(), 2);
        assert_eq!(
            found.edges,
            vec![edge(NodeRef::Person(1), NodeRef::Person(2), "a")]
        );
        assert_eq!(found.evidence, vec![evidence("a")]);
        assert!(found.truncated);
    }

    fn event(date: Option<&str>, kind: RecordKind, case: Option<&str>) -> TimelineEvent {
        TimelineEvent {
            record: RecordRef {
                source: "s".into(),
                agency: "Agency".into(),
                record_id: "r".into(),
                version: 1,
                date: date.map(|d| d.parse().expect("date")),
                end_date: None,
                status: None,
            },
            kind,
            roles: vec![Role::Subject],
            description: None,
            case_number: case.map(str::to_string),
        }
    }

    #[test]
    fn timeline_filter_keeps_matching_events() {
        let day = |d: &str| Some(d.parse().expect("date"));
        let by_case = TimelineFilter {
            case_number: Some("D1".into()),
            ..TimelineFilter::default()
        };
        let in_2025 = TimelineFilter {
            from: day("2025-01-01"),
            to: day("2025-12-31"),
            ..TimelineFilter::default()
        };
        let arrests = TimelineFilter {
            kinds: BTreeSet::from([RecordKind::Arrest]),
            ..TimelineFilter::default()
        };
        let arrest = RecordKind::Arrest;
        let release = RecordKind::Release;
        let cases = [
            (&by_case, event(None, arrest, Some("D1")), true),
            (&by_case, event(None, arrest, Some("D2")), false),
            (&by_case, event(None, arrest, None), false),
            (&in_2025, event(Some("2025-01-01"), arrest, None), true),
            (&in_2025, event(Some("2025-12-31"), arrest, None), true),
            (&in_2025, event(Some("2026-01-01"), arrest, None), false),
            (&in_2025, event(None, arrest, None), false),
            (&arrests, event(None, arrest, None), true),
            (&arrests, event(None, release, None), false),
        ];
        for (filter, event, expected) in cases {
            assert_eq!(filter.keeps(&event), expected, "{filter:?} {event:?}");
        }
        assert!(TimelineFilter::default().keeps(&event(None, release, None)));
    }

    #[test]
    fn range_check_rejects_zero_and_above_max() {
        let cases = [(0, false), (1, true), (3, true), (4, false)];
        for (value, ok) in cases {
            assert_eq!(check_range("depth", value, 3).is_ok(), ok, "depth {value}");
        }
    }
}
