//! Association queries for analysts: a person's links hop by hop, a path
//! between two people, and a person's records in date order. Every link and
//! event names the record behind it (source, agency, record id, date).

use std::collections::{BTreeMap, BTreeSet};
use std::num::IntErrorKind;

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::bad_input;
use super::date::{DateArg, as_of_or_today, optional_date};
use super::query::{search, to_graphql_error};
use super::types::{Person, Source};
use crate::graph::{
    AssocFilter, Edge, EdgeKind, EntityId, Evidence, MAX_NEIGHBOURHOOD_DEPTH, MAX_PATH_DEPTH,
    NodeRef,
};
use crate::model::{RecordKey, RecordKind};
use crate::search::{
    Associations, MAX_ASSOCIATION_NODES, MAX_TIMELINE_EVENTS, RecordRef, Timeline, TimelineEvent,
    TimelineFilter,
};

/// Nodes an association query returns when `maxNodes` is not set.
const DEFAULT_MAX_NODES: usize = 200;

/// Events a timeline returns when `limit` is not set.
const DEFAULT_TIMELINE_LIMIT: usize = 200;

/// Type of a link between two nodes.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AssociationKind {
    /// Person to vehicle: a registered owner on a current registration.
    Owns,
    /// Person to address: the record gives it as the person's residence.
    ResidesAt,
    /// Person to record: the person is a party, in the role the link carries.
    InvolvedIn,
    /// Person to protective order: the person is the restrained party.
    RestrainedBy,
    /// Protective order to person: the person is the protected party.
    Protects,
    /// Person to supervision record (probation, pretrial supervision, parole).
    SupervisedBy,
    /// Person to person: both are parties of one record.
    AssociatedWith,
}

impl From<AssociationKind> for EdgeKind {
    fn from(kind: AssociationKind) -> EdgeKind {
        match kind {
            AssociationKind::Owns => EdgeKind::Owns,
            AssociationKind::ResidesAt => EdgeKind::ResidesAt,
            AssociationKind::InvolvedIn => EdgeKind::InvolvedIn,
            AssociationKind::RestrainedBy => EdgeKind::RestrainedBy,
            AssociationKind::Protects => EdgeKind::Protects,
            AssociationKind::SupervisedBy => EdgeKind::SupervisedBy,
            AssociationKind::AssociatedWith => EdgeKind::AssociatedWith,
        }
    }
}

impl From<EdgeKind> for AssociationKind {
    fn from(kind: EdgeKind) -> AssociationKind {
        match kind {
            EdgeKind::Owns => AssociationKind::Owns,
            EdgeKind::ResidesAt => AssociationKind::ResidesAt,
            EdgeKind::InvolvedIn => AssociationKind::InvolvedIn,
            EdgeKind::RestrainedBy => AssociationKind::RestrainedBy,
            EdgeKind::Protects => AssociationKind::Protects,
            EdgeKind::SupervisedBy => AssociationKind::SupervisedBy,
            EdgeKind::AssociatedWith => AssociationKind::AssociatedWith,
        }
    }
}

/// Type of a node in an association result.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NodeKind {
    /// A resolved person.
    Person,
    /// A vehicle.
    Vehicle,
    /// An address.
    Address,
    /// A current record: an arrest, case, order, registration and so on.
    Record,
}

/// A node of an association result.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct AssociationNode {
    /// Key that links refer to: `person:ID`, `vehicle:VIN` (or `vehicle:STATE
    /// NUMBER` without a VIN), `address:STREET|CITY|STATE` or
    /// `record:SOURCE:RECORD_ID:VERSION`.
    pub key: String,
    /// Node type.
    pub kind: NodeKind,
    /// Links between this node and the person the query started from.
    pub hop: u8,
    /// Entity id, for a person.
    pub person_id: Option<ID>,
    /// The record, for a record node.
    pub record: Option<Source>,
    /// Kind of the record, such as `arrest`, for a record node.
    pub record_kind: Option<String>,
}

#[ComplexObject]
impl AssociationNode {
    /// Profile and status summary of a person node. Each profile costs a
    /// store query, so request it only when needed.
    async fn person(
        &self,
        ctx: &Context<'_>,
        as_of: Option<DateArg>,
    ) -> async_graphql::Result<Option<Person>> {
        let Some(entity) = self
            .person_id
            .as_ref()
            .and_then(|id| id.parse::<i64>().ok())
        else {
            return Ok(None);
        };
        let profile = search(ctx)
            .person(entity, as_of_or_today(as_of.as_ref())?)
            .await;
        Ok(profile.map_err(to_graphql_error)?.map(Into::into))
    }
}

/// A link between two nodes, with the record that states it.
#[derive(SimpleObject, Debug, Clone)]
pub struct AssociationLink {
    /// Key of the start node.
    pub from: String,
    /// Key of the end node.
    pub to: String,
    /// Link type.
    pub kind: AssociationKind,
    /// The person's role in the record, such as `owner` or `restrained`,
    /// where one end is a person.
    pub role: Option<String>,
    /// The record the link comes from.
    pub evidence: Source,
    /// Kind of that record, such as `vehicle_registration`.
    pub evidence_kind: String,
}

/// Nodes and links around a person, or along a path.
#[derive(SimpleObject, Debug, Clone)]
pub struct AssociationGraph {
    /// Nodes, nearest the starting person first.
    pub nodes: Vec<AssociationNode>,
    /// Links between those nodes; along a path, in path order.
    pub links: Vec<AssociationLink>,
    /// Whether a limit left nodes or links out: at most 100 records per node,
    /// and at most `maxNodes` nodes.
    pub truncated: bool,
}

/// One record of a person's timeline.
#[derive(SimpleObject, Debug, Clone)]
pub struct TimelineEntry {
    /// Event or effective date.
    pub date: Option<NaiveDate>,
    /// Kind of record, such as `arrest` or `release`.
    pub kind: String,
    /// The person's roles in the record.
    pub roles: Vec<String>,
    /// Charge, conditions or other description.
    pub description: Option<String>,
    /// Case or docket number.
    pub case_number: Option<String>,
    /// The record, with its agency, id and dates.
    pub record: Source,
}

/// Record filter of a timeline; unset fields keep everything.
#[derive(InputObject, Debug, Clone, Default)]
pub struct TimelineFilterInput {
    /// Only records with this case or docket number, which may not be blank.
    pub case_number: Option<String>,
    /// Only records dated on or after this day; undated records are left out.
    pub from: Option<DateArg>,
    /// Only records dated on or before this day; undated records are left out.
    pub to: Option<DateArg>,
    /// Only these kinds of record, such as `arrest` or `release`; not an
    /// empty list.
    pub record_kinds: Option<Vec<String>>,
}

/// A person's records in date order.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseTimeline {
    /// Events, oldest first; undated records come last.
    pub events: Vec<TimelineEntry>,
    /// Whether more records matched than `limit`.
    pub truncated: bool,
}

/// Association queries, merged into the query root.
#[derive(Debug, Default)]
pub struct AssociationQuery;

#[Object]
impl AssociationQuery {
    /// People, vehicles, addresses and records linked to a person within
    /// `depth` links (1 to 3). `kinds` keeps only those links and
    /// `recordKinds` only links stated by those kinds of record (such as
    /// `arrest`); both default to all, and neither may be an empty list. At
    /// most `maxNodes` nodes (default 200, at most 500) are returned, nearest
    /// first. Null when no such person exists.
    async fn associations(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        #[graphql(default = 1)] depth: i64,
        kinds: Option<Vec<AssociationKind>>,
        record_kinds: Option<Vec<String>>,
        max_nodes: Option<i64>,
    ) -> async_graphql::Result<Option<AssociationGraph>> {
        let entity = parse_person_id(&person_id)?;
        let depth = bounded("depth", depth, MAX_NEIGHBOURHOOD_DEPTH.into())?;
        let depth = u8::try_from(depth).unwrap_or(MAX_NEIGHBOURHOOD_DEPTH);
        let max_nodes = max_nodes
            .map(|n| bounded("maxNodes", n, MAX_ASSOCIATION_NODES))
            .transpose()?;
        let filter = AssocFilter {
            edge_kinds: non_empty("kinds", kinds)?
                .into_iter()
                .flatten()
                .map(Into::into)
                .collect(),
            record_kinds: parse_record_kinds(non_empty("recordKinds", record_kinds)?)?,
        };
        let found = search(ctx)
            .associations(
                entity,
                depth,
                &filter,
                max_nodes.unwrap_or(DEFAULT_MAX_NODES),
            )
            .await;
        Ok(found.map_err(to_graphql_error)?.map(graph))
    }

    /// A shortest chain of links, at most `maxDepth` long (1 to 6, default
    /// 4), from one person to another. Null when there is none.
    async fn association_path(
        &self,
        ctx: &Context<'_>,
        from_id: ID,
        to_id: ID,
        #[graphql(default = 4)] max_depth: i64,
    ) -> async_graphql::Result<Option<AssociationGraph>> {
        let (from, to) = (parse_person_id(&from_id)?, parse_person_id(&to_id)?);
        let max_depth = bounded("maxDepth", max_depth, MAX_PATH_DEPTH.into())?;
        let max_depth = u8::try_from(max_depth).unwrap_or(MAX_PATH_DEPTH);
        let found = search(ctx).association_path(from, to, max_depth).await;
        Ok(found.map_err(to_graphql_error)?.map(graph))
    }

    /// A person's current records from every agency in date order, such as
    /// arrest, court case, admission and release. `filter` narrows it to one
    /// case or docket number, a date range or record kinds. At most `limit`
    /// events (default 200, at most 1,000), oldest first. Null when no such
    /// person exists.
    async fn case_timeline(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        filter: Option<TimelineFilterInput>,
        limit: Option<i64>,
    ) -> async_graphql::Result<Option<CaseTimeline>> {
        let entity = parse_person_id(&person_id)?;
        let limit = limit
            .map(|n| bounded("limit", n, MAX_TIMELINE_EVENTS))
            .transpose()?;
        let filter = filter.unwrap_or_default();
        if filter
            .case_number
            .as_ref()
            .is_some_and(|number| number.trim().is_empty())
        {
            return Err(bad_input(
                "invalid caseNumber: empty; leave it out to keep every case".to_string(),
            ));
        }
        let filter = TimelineFilter {
            case_number: filter.case_number,
            from: optional_date("filter.from", filter.from.as_ref())?,
            to: optional_date("filter.to", filter.to.as_ref())?,
            kinds: parse_record_kinds(non_empty("recordKinds", filter.record_kinds)?)?,
        };
        let found = search(ctx)
            .timeline(entity, &filter, limit.unwrap_or(DEFAULT_TIMELINE_LIMIT))
            .await;
        Ok(found.map_err(to_graphql_error)?.map(timeline))
    }
}

/// Parses a person id. Ids are the smallest mention id of an entity, and
/// mention ids start at 1, so zero and negative ids are bad input rather
/// than people not found.
pub(super) fn parse_person_id(id: &ID) -> async_graphql::Result<EntityId> {
    let invalid =
        |reason: &str| bad_input(format!("invalid person id {:?}: {reason}", id.as_str()));
    match id.parse::<EntityId>() {
        Ok(entity) if entity >= 1 => Ok(entity),
        Ok(_) => Err(invalid("expected a number of at least 1")),
        Err(err) => Err(invalid(match err.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "out of range",
            _ => "expected a number",
        })),
    }
}

/// Checks that a count argument is between 1 and `max`. A value below or
/// above gets the same message, which the search layer's range checks use too.
pub(super) fn bounded(argument: &str, value: i64, max: usize) -> async_graphql::Result<usize> {
    usize::try_from(value)
        .ok()
        .filter(|count| (1..=max).contains(count))
        .ok_or_else(|| bad_input(format!("invalid {argument} {value}: expected 1 to {max}")))
}

/// Rejects a filter list given empty. The filters keep everything for an
/// empty set, so `[]` would return every kind where the caller asked for none.
fn non_empty<T>(what: &str, list: Option<Vec<T>>) -> async_graphql::Result<Option<Vec<T>>> {
    match list {
        Some(list) if list.is_empty() => Err(bad_input(format!(
            "invalid {what}: the list is empty; leave {what} out to keep every kind"
        ))),
        list => Ok(list),
    }
}

fn parse_record_kinds(kinds: Option<Vec<String>>) -> async_graphql::Result<BTreeSet<RecordKind>> {
    kinds
        .into_iter()
        .flatten()
        .map(|kind| {
            RecordKind::parse(&kind).ok_or_else(|| {
                let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
                bad_input(format!(
                    "invalid record kind {kind:?}: expected one of {}",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

fn node_key(node: &NodeRef) -> String {
    match node {
        NodeRef::Person(entity) => format!("person:{entity}"),
        NodeRef::Vehicle(key) => format!("vehicle:{key}"),
        NodeRef::Address(key) => format!("address:{key}"),
        NodeRef::Record(record) => record_key(&record.key),
    }
}

fn record_key(key: &RecordKey) -> String {
    format!("record:{}:{}:{}", key.source, key.record_id, key.version)
}

fn source_of(evidence: &Evidence) -> Source {
    Source::from(RecordRef {
        source: evidence.key.source.clone(),
        agency: evidence.agency.clone(),
        record_id: evidence.key.record_id.clone(),
        version: evidence.key.version,
        date: evidence.date,
        end_date: evidence.end_date,
        status: evidence.status,
    })
}

fn link(edge: &Edge, evidence: &BTreeMap<&RecordKey, &Evidence>) -> Option<AssociationLink> {
    let Some(record) = evidence.get(&edge.evidence) else {
        tracing::error!(
            source = %edge.evidence.source,
            record_id = %edge.evidence.record_id,
            "link left out: its evidence record is missing from the answer"
        );
        return None;
    };
    Some(AssociationLink {
        from: node_key(&edge.from),
        to: node_key(&edge.to),
        kind: edge.kind.into(),
        role: edge.role.map(|role| role.as_str().to_string()),
        evidence: source_of(record),
        evidence_kind: record.kind.as_str().to_string(),
    })
}

fn graph(found: Associations) -> AssociationGraph {
    let evidence: BTreeMap<&RecordKey, &Evidence> =
        found.evidence.iter().map(|e| (&e.key, e)).collect();
    let nodes = found
        .nodes
        .iter()
        .map(|associated| {
            let node = &associated.node;
            let record = match node {
                NodeRef::Record(record) => evidence.get(&record.key).copied(),
                _ => None,
            };
            AssociationNode {
                key: node_key(node),
                kind: match node {
                    NodeRef::Person(_) => NodeKind::Person,
                    NodeRef::Vehicle(_) => NodeKind::Vehicle,
                    NodeRef::Address(_) => NodeKind::Address,
                    NodeRef::Record(_) => NodeKind::Record,
                },
                hop: associated.hop,
                person_id: match node {
                    NodeRef::Person(entity) => Some(ID(entity.to_string())),
                    _ => None,
                },
                record: record.map(source_of),
                record_kind: match node {
                    NodeRef::Record(record) => Some(record.kind.as_str().to_string()),
                    _ => None,
                },
            }
        })
        .collect();
    let links = found
        .edges
        .iter()
        .filter_map(|edge| link(edge, &evidence))
        .collect();
    AssociationGraph {
        nodes,
        links,
        truncated: found.truncated,
    }
}

fn timeline(found: Timeline) -> CaseTimeline {
    CaseTimeline {
        events: found.events.into_iter().map(timeline_entry).collect(),
        truncated: found.truncated,
    }
}

fn timeline_entry(event: TimelineEvent) -> TimelineEntry {
    TimelineEntry {
        date: event.record.date,
        kind: event.kind.as_str().to_string(),
        roles: event
            .roles
            .iter()
            .map(|role| role.as_str().to_string())
            .collect(),
        description: event.description,
        case_number: event.case_number,
        record: event.record.into(),
    }
}

/// The caps the query descriptions above state, checked against the search layer.
const _: () = assert!(DEFAULT_MAX_NODES <= MAX_ASSOCIATION_NODES);
const _: () = assert!(DEFAULT_TIMELINE_LIMIT <= MAX_TIMELINE_EVENTS);
