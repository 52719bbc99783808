//! Reviewers' decisions as clustering constraints, and the review queue.
//!
//! A confirmed pair is a must-link: its records end in one entity. A rejected
//! pair, and each pair a split separated, is a cannot-link: no entity ever
//! holds both, however many other records chain them. When decisions on one
//! pair disagree, the latest wins. Must-links are applied first, in decision
//! order, and a must-link that would put a cannot-linked pair in one entity
//! is refused, so a rejection always holds. A reviewer's confirmation
//! overrides the resolver's hard-conflict rules; a rejection overrides
//! everything.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::cluster::Sets;
use super::decided::Followed;
use super::{Clustering, assign_ids};
use crate::graph::{EntityId, Mention, PartyRef, QueuedPair, ReviewDecision, ordered_pair};

/// Reviewers' decisions in terms of mention positions, as clustering reads them.
#[derive(Debug, Clone, Default)]
pub struct ReviewLinks {
    /// Pairs of mention positions that must share an entity, in decision order.
    pub(crate) must: Vec<(u32, u32)>,
    /// For each mention position, the positions it must never share an entity with.
    cannot: HashMap<u32, Vec<u32>>,
}

impl ReviewLinks {
    /// Builds the links from must-link and cannot-link pairs of mention positions.
    pub fn new(must: Vec<(u32, u32)>, cannot: &[(u32, u32)]) -> ReviewLinks {
        let mut links = ReviewLinks {
            must,
            cannot: HashMap::new(),
        };
        for &(a, b) in cannot {
            links.cannot.entry(a).or_default().push(b);
            links.cannot.entry(b).or_default().push(a);
        }
        links
    }

    /// Translates decisions into links over `refs`, the party reference of
    /// each mention position. A reference names every version of its record,
    /// so one decision constrains all their mentions.
    pub fn from_decisions(decisions: &[ReviewDecision], refs: &[PartyRef]) -> ReviewLinks {
        ReviewLinks::from_decisions_followed(decisions, refs, &Followed::default())
    }

    /// Translates decisions as [`ReviewLinks::from_decisions`] does, except
    /// that a reference in `followed` binds the mention positions listed
    /// there (for its confirmations, or its rejections and splits) instead
    /// of those whose own reference it is.
    pub(crate) fn from_decisions_followed(
        decisions: &[ReviewDecision],
        refs: &[PartyRef],
        followed: &Followed,
    ) -> ReviewLinks {
        let (must, cannot) = effective_pairs(decisions);
        if must.is_empty() && cannot.is_empty() {
            return ReviewLinks::default();
        }
        let mut positions: HashMap<&PartyRef, Vec<u32>> = HashMap::new();
        for (index, r) in refs.iter().enumerate() {
            positions.entry(r).or_default().push(index as u32);
        }
        let at = |r: &PartyRef| bound_by(&followed.must, &positions, r);
        let apart = |r: &PartyRef| bound_by(&followed.cannot, &positions, r);
        let mut must_links = Vec::new();
        for (a, b) in &must {
            let mut all = at(a).iter().chain(at(b));
            if let Some(&first) = all.next() {
                must_links.extend(all.map(|&other| (first, other)));
            }
        }
        let mut cannot_links = Vec::new();
        for (a, b) in &cannot {
            for &x in apart(a) {
                cannot_links.extend(apart(b).iter().map(|&y| (x, y)));
            }
        }
        ReviewLinks::new(must_links, &cannot_links)
    }

    /// Whether there is nothing to honour.
    pub fn is_empty(&self) -> bool {
        self.must.is_empty() && self.cannot.is_empty()
    }

    /// Returns the indexes (into the must-links, in order) of the must-links
    /// that clustering would refuse because they would join a cannot-linked pair.
    pub fn refused_must_links(&self) -> Vec<usize> {
        let n = self
            .must
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .chain(self.cannot.keys().copied())
            .max()
            .map_or(0, |m| m as usize + 1);
        let mut sets = Sets::new(n);
        let mut refused = Vec::new();
        for (index, &(a, b)) in self.must.iter().enumerate() {
            let (ra, rb) = (sets.find(a), sets.find(b));
            if ra == rb {
                continue;
            }
            if sets.separated(ra, rb, self) {
                refused.push(index);
            } else {
                sets.union(ra, rb);
            }
        }
        refused
    }

    /// Returns the positions a rejection or split names.
    pub(crate) fn kept_apart_positions(&self) -> std::collections::HashSet<u32> {
        self.cannot.keys().copied().collect()
    }

    /// Returns every position a decision names.
    pub(crate) fn positions(&self) -> std::collections::HashSet<u32> {
        self.must
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .chain(self.cannot.keys().copied())
            .collect()
    }

    /// Renumbers the positions through `map`, as when mentions are grouped
    /// into records. Must-links inside one group are dropped, because the
    /// group is one record already.
    pub(crate) fn renumbered(&self, map: impl Fn(u32) -> u32) -> ReviewLinks {
        let must = self
            .must
            .iter()
            .map(|&(a, b)| (map(a), map(b)))
            .filter(|(a, b)| a != b)
            .collect();
        let cannot: Vec<(u32, u32)> = self.cannot_pairs().map(|(a, b)| (map(a), map(b))).collect();
        ReviewLinks::new(must, &cannot)
    }

    /// Keeps the links whose two positions `local` maps, renumbered through
    /// it, in the same order: the decisions that bear on one group of records.
    pub(crate) fn within(&self, local: impl Fn(u32) -> Option<u32>) -> ReviewLinks {
        let must = self
            .must
            .iter()
            .filter_map(|&(a, b)| Some((local(a)?, local(b)?)))
            .collect();
        let cannot: Vec<(u32, u32)> = self
            .cannot_pairs()
            .filter_map(|(a, b)| Some((local(a)?, local(b)?)))
            .collect();
        ReviewLinks::new(must, &cannot)
    }

    /// Each pair of positions that must never share an entity, once, the
    /// smaller first.
    pub(crate) fn cannot_pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.cannot
            .iter()
            .flat_map(|(&a, others)| others.iter().map(move |&b| (a, b)))
            .filter(|(a, b)| a < b)
    }

    /// The positions `x` must share an entity with, directly.
    pub(crate) fn must_of(&self, x: u32) -> impl Iterator<Item = u32> + '_ {
        self.must.iter().filter_map(move |&(a, b)| {
            if a == x {
                Some(b)
            } else if b == x {
                Some(a)
            } else {
                None
            }
        })
    }

    /// The positions `x` must never share an entity with.
    pub(crate) fn cannot_of(&self, x: u32) -> &[u32] {
        self.cannot.get(&x).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Returns the positions `r` binds: those `followed` lists, or else those
/// whose own reference it is.
fn bound_by<'a>(
    followed: &'a HashMap<PartyRef, Vec<u32>>,
    positions: &'a HashMap<&PartyRef, Vec<u32>>,
    r: &PartyRef,
) -> &'a [u32] {
    followed
        .get(r)
        .or_else(|| positions.get(r))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Two party references, the smaller first.
pub type RefPair = (PartyRef, PartyRef);

/// The pairs decisions constrain, the latest decision on each pair winning:
/// must-link pairs in the order of the decision that made them, and
/// cannot-link pairs.
pub fn effective_pairs(decisions: &[ReviewDecision]) -> (Vec<RefPair>, Vec<RefPair>) {
    let mut latest: BTreeMap<RefPair, (i64, usize, bool)> = BTreeMap::new();
    let mut order = 0usize;
    let mut sorted: Vec<&ReviewDecision> = decisions.iter().collect();
    sorted.sort_by_key(|d| d.id);
    for decision in sorted {
        for (a, b) in &decision.pairs {
            order += 1;
            let pair = ordered_pair(a.clone(), b.clone());
            latest.insert(pair, (decision.id, order, decision.kind.links()));
        }
    }
    let mut must: Vec<_> = latest
        .iter()
        .filter(|(_, (_, _, links))| *links)
        .map(|(pair, (_, order, _))| (*order, pair.clone()))
        .collect();
    must.sort_by_key(|(order, _)| *order);
    let cannot = latest
        .into_iter()
        .filter(|(_, (_, _, links))| !links)
        .map(|(pair, _)| pair)
        .collect();
    (must.into_iter().map(|(_, pair)| pair).collect(), cannot)
}

/// Applies must-links to `sets`, refusing any that would join a cannot-linked
/// pair; returns how many were applied and how many refused.
pub(crate) fn apply_must_links(sets: &mut Sets, review: &ReviewLinks) -> (usize, usize) {
    let (mut joined, mut refused) = (0, 0);
    for &(a, b) in &review.must {
        let (ra, rb) = (sets.find(a), sets.find(b));
        if ra == rb {
            continue;
        }
        if sets.separated(ra, rb, review) {
            refused += 1;
        } else {
            sets.union(ra, rb);
            joined += 1;
        }
    }
    (joined, refused)
}

/// Makes any resolver's clustering honour the review: must-links first, then
/// each of the resolver's clusters is rebuilt member by member (in mention
/// order), each joining the first earlier part of its cluster that no
/// cannot-link keeps it from. Resolvers that cluster from scored links
/// (the probabilistic one) honour the review inside their clustering instead.
pub(crate) fn constrain(
    mentions: &[Mention],
    plain: Clustering,
    review: &ReviewLinks,
) -> Clustering {
    let mut sets = Sets::new(mentions.len());
    let (confirmed, _) = apply_must_links(&mut sets, review);
    let mut groups: BTreeMap<EntityId, Vec<u32>> = BTreeMap::new();
    for (index, (_, entity)) in plain.assignment.iter().enumerate() {
        groups.entry(*entity).or_default().push(index as u32);
    }
    let mut refused = 0;
    for members in groups.values() {
        for (i, &member) in members.iter().enumerate() {
            let mut roots: Vec<u32> = members[..i].iter().map(|&m| sets.find(m)).collect();
            roots.dedup();
            let mine = sets.find(member);
            if roots.contains(&mine) {
                continue;
            }
            match roots
                .into_iter()
                .find(|&root| !sets.separated(root, mine, review))
            {
                Some(root) => sets.union(root, mine),
                None if i > 0 => refused += 1,
                None => {}
            }
        }
    }
    let mut links_by_rule = plain.links_by_rule;
    if confirmed > 0 {
        links_by_rule.insert("confirmed", confirmed);
    }
    let roots: Vec<u32> = (0..mentions.len() as u32).map(|i| sets.find(i)).collect();
    Clustering {
        assignment: assign_ids(mentions, |index| roots[index] as usize),
        links_by_rule,
        refused_links: plain.refused_links + refused,
        possible_matches: plain.possible_matches,
        trained_model: plain.trained_model,
    }
}

/// Builds the review queue from a clustering: its possible matches between
/// mentions of current record versions that ended in different entities, by
/// party reference, each pair once with its highest probability, leaving out
/// pairs a reviewer already decided, pairs within one record and pairs
/// between two entities a rejection holds apart: a reviewer who said two
/// records are two people has said so of their entities.
/// (Superseded versions are resolved too, but a reviewer sees, and
/// `ciss review explain` scores, the current ones.) `now` is the queue time of
/// pairs new to the queue; the store keeps the time of pairs already queued.
pub fn queue_of(
    clustering: &Clustering,
    refs: &[PartyRef],
    current: &[bool],
    decisions: &[ReviewDecision],
    now: DateTime<Utc>,
) -> Vec<QueuedPair> {
    let position: HashMap<i64, usize> = clustering
        .assignment
        .iter()
        .enumerate()
        .map(|(index, (mention, _))| (*mention, index))
        .collect();
    let decided: HashSet<(PartyRef, PartyRef)> = decisions
        .iter()
        .flat_map(|d| d.pairs.iter())
        .map(|(a, b)| ordered_pair(a.clone(), b.clone()))
        .collect();
    let entity = |at: usize| clustering.assignment[at].1;
    let apart = rejected_entity_pairs(clustering, refs, current, decisions);
    let one_record = |x: usize, y: usize| refs[x].same_record(&refs[y]);
    let mut best: BTreeMap<(PartyRef, PartyRef), f64> = BTreeMap::new();
    for pair in &clustering.possible_matches {
        let (Some(&x), Some(&y)) = (position.get(&pair.a), position.get(&pair.b)) else {
            continue;
        };
        // A pair names each record by its latest mention, so a renewal that
        // repeats the person is named by the renewal. A superseded mention
        // here is of a version whose person has changed since: the pair is
        // stale. Two parties of one record are never one person.
        if !current[x] || !current[y] || entity(x) == entity(y) || one_record(x, y) {
            continue;
        }
        let key = ordered_pair(refs[x].clone(), refs[y].clone());
        let entities = (entity(x).min(entity(y)), entity(x).max(entity(y)));
        if decided.contains(&key) || apart.contains(&entities) {
            continue;
        }
        let slot = best.entry(key).or_insert(pair.probability);
        *slot = slot.max(pair.probability);
    }
    best.into_iter()
        .map(|((a, b), probability)| QueuedPair {
            a,
            b,
            probability,
            queued_at: now,
        })
        .collect()
}

/// Returns the entity pairs, smaller first, that rejections in force hold
/// apart, each by the current mentions of the two rejected references.
fn rejected_entity_pairs(
    clustering: &Clustering,
    refs: &[PartyRef],
    current: &[bool],
    decisions: &[ReviewDecision],
) -> HashSet<(EntityId, EntityId)> {
    let (_, cannot) = effective_pairs(decisions);
    if cannot.is_empty() {
        return HashSet::new();
    }
    let entity_of: HashMap<&PartyRef, EntityId> = refs
        .iter()
        .enumerate()
        .filter(|(at, _)| current[*at])
        .map(|(at, reference)| (reference, clustering.assignment[at].1))
        .collect();
    cannot
        .iter()
        .filter_map(|(a, b)| Some((*entity_of.get(a)?, *entity_of.get(b)?)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect()
}
