//! What the stores keep for human review of resolution: the queue of possible
//! matches, and the reviewers' decisions (confirm, reject, split), which
//! resolution honours on every later run.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One person in one record: the record's key without its version, and the
/// party's position in the record (1 for the first party). A reference names
/// that position in every version of the record, so decisions survive new
/// versions; resolution follows a decided person whom a later version lists
/// at another position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartyRef {
    /// Source name.
    pub source: String,
    /// Record id in the source.
    pub record_id: String,
    /// Position of the party in the record, from 1.
    pub party: u32,
}

impl PartyRef {
    /// Builds a reference.
    pub fn new(source: impl Into<String>, record_id: impl Into<String>, party: u32) -> PartyRef {
        PartyRef {
            source: source.into(),
            record_id: record_id.into(),
            party,
        }
    }

    /// Returns whether `other` names a party of the same record.
    pub fn same_record(&self, other: &PartyRef) -> bool {
        (&self.source, &self.record_id) == (&other.source, &other.record_id)
    }
}

/// Written as `SOURCE:RECORD_ID#PARTY`, the form `ciss review` reads.
impl fmt::Display for PartyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}#{}", self.source, self.record_id, self.party)
    }
}

/// Where a mention sits: its party position, and whether its record version is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentionParty {
    /// Mention id.
    pub mention: super::MentionId,
    /// Position of the party in its record, from 1.
    pub party: u32,
    /// Whether the mention's record version is the current one.
    pub current: bool,
    /// The version number of the mention's record.
    pub version: u32,
}

/// Orders a pair so the smaller reference comes first; a pair is stored once.
pub fn ordered_pair(a: PartyRef, b: PartyRef) -> (PartyRef, PartyRef) {
    if a <= b { (a, b) } else { (b, a) }
}

/// A possible match waiting for a reviewer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuedPair {
    /// The smaller reference of the pair.
    pub a: PartyRef,
    /// The larger reference of the pair.
    pub b: PartyRef,
    /// Match probability the resolver gave the pair.
    pub probability: f64,
    /// When the pair first entered the queue; a refresh keeps it.
    pub queued_at: DateTime<Utc>,
}

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The two records are one person: a must-link.
    Confirm,
    /// The two records are different people: a cannot-link.
    Reject,
    /// Records taken out of an entity: cannot-links against the rest of it.
    Split,
}

impl DecisionKind {
    /// Returns the snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Confirm => "confirm",
            DecisionKind::Reject => "reject",
            DecisionKind::Split => "split",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(text: &str) -> Option<DecisionKind> {
        match text {
            "confirm" => Some(DecisionKind::Confirm),
            "reject" => Some(DecisionKind::Reject),
            "split" => Some(DecisionKind::Split),
            _ => None,
        }
    }

    /// Whether the decision's pairs must share an entity (confirm) rather than
    /// never share one (reject, split).
    pub fn links(self) -> bool {
        self == DecisionKind::Confirm
    }
}

/// A reviewer's decision. Decisions are only ever added, never changed or
/// removed; a later decision on the same pair overrides an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewDecision {
    /// Store id, in the order decisions were made; 0 until stored.
    pub id: i64,
    /// What was decided.
    pub kind: DecisionKind,
    /// The records the reviewer named: the pair, or the records split out.
    pub records: Vec<PartyRef>,
    /// The version of each named record current when the decision was made,
    /// aligned with `records`; `None` in decisions stored before versions
    /// were kept. Resolution follows the named person to another position
    /// in a version that lists its parties in another order.
    pub versions: Vec<Option<u32>>,
    /// The pairs the decision constrains, each ordered: must-links for a
    /// confirmation, cannot-links otherwise.
    pub pairs: Vec<(PartyRef, PartyRef)>,
    /// Who decided.
    pub who: String,
    /// Why, in the reviewer's words.
    pub why: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// A named record as the stores keep it: the reference, with the version
/// current when the decision was made.
#[derive(Serialize, Deserialize)]
struct StoredName {
    #[serde(flatten)]
    reference: PartyRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
}

impl ReviewDecision {
    /// Returns every reference the decision names: its records, and the
    /// records its pairs keep apart from them (a split's pairs name the
    /// records left in the entity too).
    pub fn references(&self) -> impl Iterator<Item = &PartyRef> {
        self.records
            .iter()
            .chain(self.pairs.iter().flat_map(|(a, b)| [a, b]))
    }

    /// Returns the named records and their versions as the JSON text the
    /// stores keep.
    pub fn records_json(&self) -> serde_json::Result<String> {
        let names: Vec<StoredName> = self
            .records
            .iter()
            .enumerate()
            .map(|(at, reference)| StoredName {
                reference: reference.clone(),
                version: self.versions.get(at).copied().flatten(),
            })
            .collect();
        serde_json::to_string(&names)
    }

    /// Reads the JSON text of [`ReviewDecision::records_json`] back into
    /// references and versions. Text stored before versions were kept
    /// gives `None` versions.
    pub fn parse_records_json(text: &str) -> serde_json::Result<(Vec<PartyRef>, Vec<Option<u32>>)> {
        let names: Vec<StoredName> = serde_json::from_str(text)?;
        Ok(names.into_iter().map(|n| (n.reference, n.version)).unzip())
    }
}
