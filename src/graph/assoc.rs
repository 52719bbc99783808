//! Association queries for analysts: the neighbourhood of a person, the
//! shortest path between two people, and a person's timeline.
//!
//! Every edge is derived from one current record, which it names as evidence,
//! so an edge is exactly as trustworthy as the record behind it. A store only
//! supplies [`RecordsAround`]: the current records touching a set of nodes,
//! found through its own indexes. The traversal itself lives here, once, so
//! every store gives the same answer to the same question.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::Serialize;

use super::{EntityId, StoreError, StoredRecord};
use crate::model::{RecordKey, RecordKind, Role, Status, VehicleFacts};

/// Maximum number of records fetched around one node while expanding a
/// neighbourhood or path. A node with more records (a busy address, a prolific
/// offender) contributes only its newest ones, and the subgraph is marked truncated.
pub const MAX_RECORDS_PER_NODE: usize = 100;

/// Maximum number of nodes in a subgraph. Expansion stops there and the subgraph is marked truncated.
pub const MAX_SUBGRAPH_NODES: usize = 2_000;

/// Maximum neighbourhood depth, in edges.
pub const MAX_NEIGHBOURHOOD_DEPTH: u8 = 3;

/// Maximum path length searched for, in edges.
pub const MAX_PATH_DEPTH: u8 = 6;

/// A record as a node: its key (the current version), kind and date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RecordNode {
    /// Key of the current version.
    pub key: RecordKey,
    /// What the record states.
    pub kind: RecordKind,
    /// Event or effective date.
    pub date: Option<NaiveDate>,
}

/// A node of an association subgraph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum NodeRef {
    /// A resolved person.
    Person(EntityId),
    /// A vehicle, keyed by VIN, or by `STATE NUMBER` of its plate when no VIN is known.
    Vehicle(String),
    /// An address, keyed by [`crate::normalize::Address::key`].
    Address(String),
    /// An event: one current record.
    Record(RecordNode),
}

/// What an edge says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum EdgeKind {
    /// Person to vehicle: a registered owner on a current registration.
    Owns,
    /// Person to address: the record gives it as the person's residence.
    ResidesAt,
    /// Person to record: the person is a party, in the role the edge carries.
    InvolvedIn,
    /// Person to protective order: the person is the restrained party.
    RestrainedBy,
    /// Protective order to person: the person is the protected party.
    Protects,
    /// Person to supervision record (probation, pretrial supervision, parole).
    SupervisedBy,
    /// Person to person: both are parties of one record; the smaller entity id is `from`.
    AssociatedWith,
}

impl EdgeKind {
    /// Every edge kind.
    pub const ALL: &'static [EdgeKind] = &[
        EdgeKind::Owns,
        EdgeKind::ResidesAt,
        EdgeKind::InvolvedIn,
        EdgeKind::RestrainedBy,
        EdgeKind::Protects,
        EdgeKind::SupervisedBy,
        EdgeKind::AssociatedWith,
    ];
}

/// A directed edge with the record that states it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// Start node.
    pub from: NodeRef,
    /// End node.
    pub to: NodeRef,
    /// What the edge says.
    pub kind: EdgeKind,
    /// The person's role in the evidence record, where one person is an end.
    pub role: Option<Role>,
    /// The current record the edge is derived from.
    pub evidence: RecordKey,
}

impl Edge {
    fn touches(&self, node: &NodeRef) -> bool {
        self.from == *node || self.to == *node
    }

    fn other_end(&self, node: &NodeRef) -> &NodeRef {
        if self.from == *node {
            &self.to
        } else {
            &self.from
        }
    }
}

/// The current record behind one or more edges, with what a reader needs to
/// verify it with the agency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// Key of the current version.
    pub key: RecordKey,
    /// Agency that sent the record.
    pub agency: String,
    /// Kind of record.
    pub kind: RecordKind,
    /// Event or effective date.
    pub date: Option<NaiveDate>,
    /// Expiry or end date.
    pub end_date: Option<NaiveDate>,
    /// Record status.
    pub status: Option<Status>,
}

impl Evidence {
    fn of(stored: &StoredRecord) -> Evidence {
        let record = &stored.record;
        Evidence {
            key: record.key.clone(),
            agency: stored.agency.clone(),
            kind: record.kind,
            date: record.date,
            end_date: record.end_date,
            status: record.status,
        }
    }
}

/// Nodes and edges, each sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subgraph {
    /// Nodes.
    pub nodes: Vec<NodeRef>,
    /// Edges between those nodes.
    pub edges: Vec<Edge>,
    /// The record behind each edge, sorted by key, each once.
    pub evidence: Vec<Evidence>,
    /// Whether a fan-out or size limit left parts of the graph out.
    pub truncated: bool,
}

/// Which edges a neighbourhood follows. Empty sets mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssocFilter {
    /// Edge kinds to follow.
    pub edge_kinds: BTreeSet<EdgeKind>,
    /// Kinds of evidence record whose edges are followed.
    pub record_kinds: BTreeSet<RecordKind>,
}

impl AssocFilter {
    fn allows(&self, edge: &Edge, kind: RecordKind) -> bool {
        (self.edge_kinds.is_empty() || self.edge_kinds.contains(&edge.kind))
            && (self.record_kinds.is_empty() || self.record_kinds.contains(&kind))
    }
}

/// Current records touching some nodes, found through a store's indexes.
#[async_trait]
pub(crate) trait RecordsAround: Send + Sync {
    /// Returns, for every node, at most `limit + 1` current records it touches
    /// (newest first, then by source and record id), all in one list. The
    /// extra record tells the caller the node had more than `limit`.
    async fn records_around(
        &self,
        nodes: &[NodeRef],
        limit: usize,
    ) -> Result<Vec<(NodeRef, StoredRecord)>, StoreError>;
}

/// Returns the key of a vehicle node: the VIN, or `STATE NUMBER` of the plate.
pub fn vehicle_key(vehicle: &VehicleFacts) -> Option<String> {
    match (&vehicle.vin, &vehicle.plate) {
        (Some(vin), _) => Some(vin.as_str().to_string()),
        (None, Some(plate)) => Some(format!("{} {}", plate.state, plate.number)),
        (None, None) => None,
    }
}

/// Record kinds whose subject is under supervision.
fn is_supervision(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::Probation
            | RecordKind::PretrialSupervision
            | RecordKind::ParoleGrant
            | RecordKind::ParoleCondition
    )
}

/// Returns the node a current record stands for.
pub fn record_node(stored: &StoredRecord) -> NodeRef {
    let record = &stored.record;
    NodeRef::Record(RecordNode {
        key: record.key.clone(),
        kind: record.kind,
        date: record.date,
    })
}

/// Derives every edge one current record states. Unresolved parties have no edges.
pub fn edges_of_record(stored: &StoredRecord) -> Vec<Edge> {
    let record = &stored.record;
    let event = record_node(stored);
    let evidence = &record.key;
    let edge = |from: NodeRef, to: NodeRef, kind, role| Edge {
        from,
        to,
        kind,
        role,
        evidence: evidence.clone(),
    };
    let mut edges = Vec::new();
    let mut people = BTreeSet::new();
    for (party, entity) in record.parties.iter().zip(&stored.party_entities) {
        let Some(entity) = *entity else { continue };
        people.insert(entity);
        let person = NodeRef::Person(entity);
        let role = Some(party.role);
        edges.push(match (record.kind, party.role) {
            (RecordKind::ProtectiveOrder, Role::Restrained) => {
                edge(person.clone(), event.clone(), EdgeKind::RestrainedBy, role)
            }
            (RecordKind::ProtectiveOrder, Role::Protected) => {
                edge(event.clone(), person.clone(), EdgeKind::Protects, role)
            }
            (kind, Role::Subject) if is_supervision(kind) => {
                edge(person.clone(), event.clone(), EdgeKind::SupervisedBy, role)
            }
            _ => edge(person.clone(), event.clone(), EdgeKind::InvolvedIn, role),
        });
        if let Some(address) = &party.person.address {
            let to = NodeRef::Address(address.key());
            edges.push(edge(person.clone(), to, EdgeKind::ResidesAt, role));
        }
        if record.kind == RecordKind::VehicleRegistration && party.role == Role::Owner {
            for key in record.vehicles.iter().filter_map(vehicle_key) {
                let to = NodeRef::Vehicle(key);
                edges.push(edge(person.clone(), to, EdgeKind::Owns, role));
            }
        }
    }
    let people: Vec<EntityId> = people.into_iter().collect();
    for (i, a) in people.iter().enumerate() {
        for b in &people[i + 1..] {
            let (from, to) = (NodeRef::Person(*a), NodeRef::Person(*b));
            edges.push(edge(from, to, EdgeKind::AssociatedWith, None));
        }
    }
    edges
}

/// Checks a requested depth against its allowed range.
fn check_depth(what: &str, depth: u8, max: u8) -> Result<(), StoreError> {
    if (1..=max).contains(&depth) {
        Ok(())
    } else {
        Err(StoreError::InvalidArgument(format!(
            "invalid {what} {depth}: expected 1 to {max}"
        )))
    }
}

/// One level of expansion.
#[derive(Debug, Default)]
struct Level {
    /// The allowed edges touching the frontier, sorted.
    edges: Vec<Edge>,
    /// The record behind each of those edges.
    evidence: BTreeMap<RecordKey, Evidence>,
    /// Whether a node had more records than the fan-out limit.
    truncated: bool,
}

/// Expands one level: the allowed edges touching `frontier`.
async fn expand(
    store: &dyn RecordsAround,
    frontier: &[NodeRef],
    filter: &AssocFilter,
) -> Result<Level, StoreError> {
    let found = store.records_around(frontier, MAX_RECORDS_PER_NODE).await?;
    let mut per_node: BTreeMap<&NodeRef, usize> = BTreeMap::new();
    let mut level = Level::default();
    let mut edges = BTreeSet::new();
    for (node, stored) in &found {
        let seen = per_node.entry(node).or_default();
        *seen += 1;
        if *seen > MAX_RECORDS_PER_NODE {
            level.truncated = true;
            continue;
        }
        for edge in edges_of_record(stored) {
            if edge.touches(node) && filter.allows(&edge, stored.record.kind) {
                level
                    .evidence
                    .entry(edge.evidence.clone())
                    .or_insert_with(|| Evidence::of(stored));
                edges.insert(edge);
            }
        }
    }
    level.edges = edges.into_iter().collect();
    Ok(level)
}

/// Returns the evidence of `edges`, sorted by key, each record once.
fn evidence_of<'a>(
    edges: impl IntoIterator<Item = &'a Edge>,
    known: &BTreeMap<RecordKey, Evidence>,
) -> Vec<Evidence> {
    let keys: BTreeSet<&RecordKey> = edges.into_iter().map(|edge| &edge.evidence).collect();
    keys.into_iter()
        .filter_map(|key| known.get(key).cloned())
        .collect()
}

/// Returns the subgraph within `depth` edges of `entity`, following only the
/// edges `filter` allows.
pub(crate) async fn neighbourhood(
    store: &dyn RecordsAround,
    entity: EntityId,
    depth: u8,
    filter: &AssocFilter,
) -> Result<Subgraph, StoreError> {
    check_depth("depth", depth, MAX_NEIGHBOURHOOD_DEPTH)?;
    let start = NodeRef::Person(entity);
    let mut nodes: BTreeSet<NodeRef> = BTreeSet::from([start.clone()]);
    let mut edges: BTreeSet<Edge> = BTreeSet::new();
    let mut known = BTreeMap::new();
    let mut frontier = vec![start];
    let mut truncated = false;
    for _ in 0..depth {
        if frontier.is_empty() {
            break;
        }
        let level = expand(store, &frontier, filter).await?;
        truncated |= level.truncated;
        known.extend(level.evidence);
        let mut next = Vec::new();
        for edge in level.edges {
            for end in [&edge.from, &edge.to] {
                if !nodes.contains(end) {
                    if nodes.len() >= MAX_SUBGRAPH_NODES {
                        truncated = true;
                        continue;
                    }
                    nodes.insert(end.clone());
                    next.push(end.clone());
                }
            }
            if nodes.contains(&edge.from) && nodes.contains(&edge.to) {
                edges.insert(edge);
            }
        }
        frontier = next;
    }
    Ok(Subgraph {
        nodes: nodes.into_iter().collect(),
        evidence: evidence_of(&edges, &known),
        edges: edges.into_iter().collect(),
        truncated,
    })
}

/// Returns a shortest path of at most `max_depth` edges from `from` to `to`,
/// as the nodes and edges along it, or `None` when there is none. Among
/// several shortest paths the one through the smallest nodes is returned, so
/// the answer is the same on every store.
pub(crate) async fn path(
    store: &dyn RecordsAround,
    from: EntityId,
    to: EntityId,
    max_depth: u8,
) -> Result<Option<Subgraph>, StoreError> {
    check_depth("path depth", max_depth, MAX_PATH_DEPTH)?;
    let start = NodeRef::Person(from);
    let goal = NodeRef::Person(to);
    if from == to {
        return Ok(Some(Subgraph {
            nodes: vec![start],
            ..Subgraph::default()
        }));
    }
    let mut parent: BTreeMap<NodeRef, Option<Edge>> = BTreeMap::from([(start.clone(), None)]);
    let mut known = BTreeMap::new();
    let mut frontier = vec![start];
    let mut truncated = false;
    for _ in 0..max_depth {
        let level = expand(store, &frontier, &AssocFilter::default()).await?;
        truncated |= level.truncated;
        known.extend(level.evidence);
        let frontier_set: HashSet<&NodeRef> = frontier.iter().collect();
        let mut next = BTreeSet::new();
        // Edges are sorted, so each new node keeps the smallest edge reaching it.
        for edge in level.edges {
            for end in [&edge.from, &edge.to] {
                let near = edge.other_end(end);
                if frontier_set.contains(near) && !parent.contains_key(end) {
                    parent.insert(end.clone(), Some(edge.clone()));
                    next.insert(end.clone());
                }
            }
        }
        if parent.contains_key(&goal) {
            return Ok(Some(trace_back(&parent, goal, &known, truncated)));
        }
        if next.is_empty() || parent.len() >= MAX_SUBGRAPH_NODES {
            break;
        }
        frontier = next.into_iter().collect();
    }
    Ok(None)
}

fn trace_back(
    parent: &BTreeMap<NodeRef, Option<Edge>>,
    goal: NodeRef,
    known: &BTreeMap<RecordKey, Evidence>,
    truncated: bool,
) -> Subgraph {
    let mut nodes = vec![goal.clone()];
    let mut edges = VecDeque::new();
    let mut at = goal;
    while let Some(Some(edge)) = parent.get(&at) {
        at = edge.other_end(&at).clone();
        nodes.push(at.clone());
        edges.push_front(edge.clone());
    }
    nodes.reverse();
    Subgraph {
        nodes,
        evidence: evidence_of(&edges, known),
        edges: edges.into(),
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CanonicalRecord, Party, PersonFacts};

    fn stored(kind: RecordKind, parties: &[(Role, Option<EntityId>)]) -> StoredRecord {
        StoredRecord {
            agency: "Test".into(),
            current: true,
            record: CanonicalRecord {
                parties: parties
                    .iter()
                    .map(|(role, _)| Party {
                        role: *role,
                        person: PersonFacts::default(),
                    })
                    .collect(),
                ..CanonicalRecord::new(
                    RecordKey {
                        source: "s".into(),
                        record_id: "r1".into(),
                        version: 1,
                    },
                    kind,
                )
            },
            party_entities: parties.iter().map(|(_, e)| *e).collect(),
        }
    }

    #[test]
    fn edge_kinds_follow_record_kind_and_role() {
        let cases = [
            (
                RecordKind::ProtectiveOrder,
                Role::Restrained,
                EdgeKind::RestrainedBy,
            ),
            (
                RecordKind::ProtectiveOrder,
                Role::Protected,
                EdgeKind::Protects,
            ),
            (RecordKind::Probation, Role::Subject, EdgeKind::SupervisedBy),
            (
                RecordKind::ParoleGrant,
                Role::Subject,
                EdgeKind::SupervisedBy,
            ),
            (RecordKind::Arrest, Role::Subject, EdgeKind::InvolvedIn),
            (RecordKind::Incident, Role::Victim, EdgeKind::InvolvedIn),
        ];
        for (kind, role, expected) in cases {
            let edges = edges_of_record(&stored(kind, &[(role, Some(7))]));
            assert_eq!(edges.len(), 1, "{kind} {role}");
            assert_eq!(edges[0].kind, expected, "{kind} {role}");
        }
    }

    #[test]
    fn two_parties_are_associated_once_and_unresolved_ones_not_at_all() {
        let record = stored(
            RecordKind::Arrest,
            &[
                (Role::Subject, Some(9)),
                (Role::Associate, Some(3)),
                (Role::Witness, None),
            ],
        );
        let associated: Vec<_> = edges_of_record(&record)
            .into_iter()
            .filter(|e| e.kind == EdgeKind::AssociatedWith)
            .collect();
        assert_eq!(associated.len(), 1);
        assert_eq!(associated[0].from, NodeRef::Person(3));
        assert_eq!(associated[0].to, NodeRef::Person(9));
    }

    #[test]
    fn depth_outside_range_is_rejected() {
        assert!(check_depth("depth", 0, 3).is_err());
        assert!(check_depth("depth", 4, 3).is_err());
        assert!(check_depth("depth", 3, 3).is_ok());
    }
}
