//! Clustering that refuses hard conflicts.
//!
//! Links are applied best-first. Before two clusters are joined, every member
//! of one is checked against every member of the other; if any two conflict
//! (different FBI numbers, different state ids, different generational
//! suffixes) the link is refused. Dates of birth years apart, given names
//! with nothing in common, or licence numbers more than one typo apart
//! refuse it too, unless some member of one cluster shares an identifier,
//! letter for letter, with some member of the other. Two parties of one record version are never joined either (see
//! [`CoParties`]). A chain A~B~C therefore never joins A and C when they
//! conflict, whichever link comes first.
//!
//! Reviewers' decisions ([`ReviewLinks`]) come first: confirmed pairs are
//! joined before any scored link, and no join ever puts a rejected pair in
//! one entity, directly or through a chain.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap;

use chrono::Datelike;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{Thresholds, given_names_differ};
use super::parties::CoParties;
use super::prefetch::{AHEAD, prefetch};
use super::prepare::Prepared;
use super::review::{ReviewLinks, apply_must_links};

/// Which disagreements keep two mentions in different entities, whatever else agrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConflictRules {
    /// Different FBI numbers.
    pub distinct_fbi: bool,
    /// Different state ids.
    pub distinct_state_id: bool,
    /// Different generational suffixes, such as JR and SR.
    pub distinct_suffix: bool,
    /// Dates of birth at least this many years apart, not explained by a typo
    /// or a day/month swap, with no identifier or phone in common. `None` turns
    /// the rule off.
    pub dob_years_apart: Option<i32>,
    /// Given names that disagree outright (no nickname, typo, initial,
    /// phonetic or similar spelling links them) with no identifier or phone in
    /// common: twins and siblings at one address.
    pub distinct_given_names: bool,
    /// Licence numbers more than one typo apart, with no other identifier in
    /// common: each member of a household has a licence of their own, while
    /// one person keeps one number. Absent from older settings, it is on.
    #[serde(default = "enabled_by_default")]
    pub distinct_licences: bool,
    /// Two parties of one record version, such as the two owners of a
    /// registration: the record itself names them as two people. Absent
    /// from older settings, it is on.
    #[serde(default = "enabled_by_default")]
    pub distinct_parties: bool,
    /// At most one mention per source in an entity: for linking sources that
    /// are each free of duplicates.
    pub one_per_source: bool,
    /// A record that links to two clusters kept apart by a conflict, by
    /// links whose weights differ by at most this many bits, joins neither:
    /// it fits both, so it is left on its own for a reviewer. `None` lets
    /// the stronger link win. Absent from older settings, it is 1 bit.
    #[serde(default = "default_ambiguity_margin")]
    pub ambiguity_margin: Option<f64>,
}

impl Default for ConflictRules {
    fn default() -> Self {
        ConflictRules {
            distinct_fbi: true,
            distinct_state_id: true,
            distinct_suffix: true,
            dob_years_apart: Some(5),
            distinct_given_names: true,
            distinct_licences: true,
            distinct_parties: true,
            one_per_source: false,
            ambiguity_margin: default_ambiguity_margin(),
        }
    }
}

fn enabled_by_default() -> bool {
    true
}

/// Returns one bit: two links whose likelihood ratios differ by less than
/// two to one fit about equally well.
fn default_ambiguity_margin() -> Option<f64> {
    Some(1.0)
}

/// The reason a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    /// Two members have different FBI numbers.
    Fbi,
    /// Two members have different state ids.
    StateId,
    /// Two members have different generational suffixes.
    Suffix,
    /// Two members were born years apart with nothing else tying them.
    Dob,
    /// Two members have unrelated given names with nothing else tying them.
    GivenName,
    /// Two members hold licence numbers more than one typo apart, with no
    /// other identifier in common.
    Licence,
    /// Two members are different parties of one record version.
    Party,
    /// Two members come from the same source in one-per-source mode.
    SameSource,
}

impl Conflict {
    /// Returns the snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Conflict::Fbi => "fbi",
            Conflict::StateId => "state_id",
            Conflict::Suffix => "suffix",
            Conflict::Dob => "dob",
            Conflict::GivenName => "given_name",
            Conflict::Licence => "licence",
            Conflict::Party => "party",
            Conflict::SameSource => "same_source",
        }
    }
}

/// Returns the first hard conflict between two mentions, if any.
pub(crate) fn conflict(
    a: &Prepared,
    b: &Prepared,
    rules: &ConflictRules,
    t: &Thresholds,
) -> Option<Conflict> {
    if let Some(found) = hard_conflict(a, b, rules) {
        return Some(found);
    }
    if ids_shared(a, b) {
        return None;
    }
    soft_conflict(a, b, rules, t)
}

/// Conflicts that a shared identifier outweighs.
fn soft_conflict(
    a: &Prepared,
    b: &Prepared,
    rules: &ConflictRules,
    t: &Thresholds,
) -> Option<Conflict> {
    if rules
        .dob_years_apart
        .is_some_and(|years| dob_apart(a, b, years))
    {
        return Some(Conflict::Dob);
    }
    if rules.distinct_given_names && given_names_differ(a, b, t) {
        return Some(Conflict::GivenName);
    }
    (rules.distinct_licences && licences_differ(a, b, t)).then_some(Conflict::Licence)
}

/// Returns whether two mentions have licence numbers more than one typo
/// apart, or one typo apart under given names that are not one name. An
/// agency may number twins' licences one after the other (LENNA and LENORA,
/// 800000011 and 800000012). One person's records rarely carry a typo in
/// the licence and in the given name at once.
fn licences_differ(a: &Prepared, b: &Prepared, t: &Thresholds) -> bool {
    let (x, y) = (a.id(LICENCE_SLOT), b.id(LICENCE_SLOT));
    if x.is_empty() || y.is_empty() || x == y {
        return false;
    }
    !super::compare::one_edit(x, y) || !super::compare::given_names_alike(a, b, t)
}

/// The identifier slot of the driver's licence number.
const LICENCE_SLOT: usize = 2;

/// Conflicts that no other evidence can outweigh.
fn hard_conflict(a: &Prepared, b: &Prepared, rules: &ConflictRules) -> Option<Conflict> {
    let differ = |x: &str, y: &str| !x.is_empty() && !y.is_empty() && x != y;
    if rules.one_per_source && a.source == b.source {
        return Some(Conflict::SameSource);
    }
    if rules.distinct_fbi && differ(a.id(1), b.id(1)) {
        return Some(Conflict::Fbi);
    }
    if rules.distinct_state_id && differ(a.id(0), b.id(0)) {
        return Some(Conflict::StateId);
    }
    if rules.distinct_suffix && differ(a.suffix(), b.suffix()) {
        return Some(Conflict::Suffix);
    }
    None
}

/// Whether two dates of birth are at least `years` apart and not explained
/// by one mistyped digit or two adjacent digits transposed.
fn dob_apart(a: &Prepared, b: &Prepared, years: i32) -> bool {
    let (Some(x), Some(y)) = (a.dob, b.dob) else {
        return false;
    };
    if (x.year() - y.year()).abs() < years {
        return false;
    }
    let (Some(dx), Some(dy)) = (a.dob_digits(), b.dob_digits()) else {
        return true;
    };
    let differing = (0..8).filter(|&i| dx[i] != dy[i]).count();
    !(differing == 1 || (differing == 2 && transposed(&dx, &dy)))
}

fn transposed(x: &[u8; 8], y: &[u8; 8]) -> bool {
    (0..7).any(|i| x[i] == y[i + 1] && x[i + 1] == y[i] && x[i] != x[i + 1])
}

/// Returns whether two mentions carry the same identifier, letter for
/// letter. An identifier one typo apart does not count, because an agency
/// may number siblings' records one digit apart. Neither does a phone,
/// which a household shares.
fn ids_shared(a: &Prepared, b: &Prepared) -> bool {
    let same = |x: &str, y: &str| !x.is_empty() && x == y;
    a.ids().into_iter().zip(b.ids()).any(|(x, y)| same(x, y))
}

/// A link between two mentions, by index, with its weight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) weight: f64,
}

/// What clustering did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterReport {
    /// Match links considered.
    pub links: usize,
    /// Links that joined two clusters.
    pub joined: usize,
    /// Links within a cluster already joined.
    pub redundant: usize,
    /// Links refused because they would join conflicting mentions.
    pub refused: usize,
    /// Refused links by the first conflict found; `rejected_by_reviewer`
    /// counts links refused because a reviewer rejected a pair they would join.
    pub refused_by_conflict: BTreeMap<&'static str, usize>,
    /// Reviewer-confirmed pairs joined before the scored links.
    pub confirmed: usize,
    /// Reviewer-confirmed pairs not joined because they would put a rejected
    /// pair in one entity.
    pub confirmations_refused: usize,
    /// Records left on their own because they fit two conflicting clusters
    /// about equally well. The other counts are those of the first pass,
    /// which still linked them.
    pub ambiguous: usize,
}

/// What conflict checks read.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) records: &'a [Prepared],
    pub(crate) rules: &'a ConflictRules,
    pub(crate) thresholds: &'a Thresholds,
    /// Reviewers' decisions to honour.
    pub(crate) review: &'a ReviewLinks,
    /// Record versions whose parties are in different records; read when
    /// `rules.distinct_parties` is on.
    pub(crate) co_parties: &'a CoParties,
}

/// The outcome of clustering.
pub(crate) struct Clustered {
    /// The cluster root of every record.
    pub(crate) roots: Vec<u32>,
    pub(crate) report: ClusterReport,
    /// Whether each record was left on its own as ambiguous; empty when
    /// none was.
    pub(crate) ambiguous: Vec<bool>,
}

/// Clusters records from match links, best first.
///
/// A record that joined one cluster, and then links almost as strongly to
/// a second cluster that conflicts with the first (a warrant naming only a
/// name and address shared by father and son), fits both equally well. Such
/// records are left on their own (see [`ConflictRules::ambiguity_margin`]):
/// the components of the link graph that hold one are clustered again
/// without their links, so their other records cluster as if the ambiguous
/// ones had never been seen. Best-first linking treats each component on
/// its own, so the other components keep the first pass's clusters.
pub(crate) fn cluster(ctx: &Context<'_>, mut links: Vec<Link>) -> Clustered {
    // The pair breaks ties in weight, so the order is total and the same
    // on any number of threads.
    links.par_sort_unstable_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let margin = ctx.rules.ambiguity_margin;
    let Pass {
        sets,
        mut report,
        mut ambiguous,
    } = link_best_first(ctx, &links, margin);
    let mut roots = sets.roots();
    if !ambiguous.contains(&true) {
        return Clustered {
            roots,
            report,
            ambiguous: Vec::new(),
        };
    }
    recluster_without(ctx, &links, &mut ambiguous, margin, &mut roots);
    report.ambiguous = ambiguous.iter().filter(|a| **a).count();
    Clustered {
        roots,
        report,
        ambiguous,
    }
}

/// Clusters again, without the links of the `ambiguous` records, every
/// component of the link graph (with reviewers' must-links) that contains
/// one of them, and writes the new roots into `roots`.
///
/// Leaving a record out can leave another one ambiguous: of two co-owners
/// who each fit father and son, the second was kept from one man only by
/// the first. Each pass therefore watches for ambiguous records again and
/// adds them to `ambiguous`, until a pass finds none. The set only grows,
/// so this ends; the new ones lie in the same components.
fn recluster_without(
    ctx: &Context<'_>,
    links: &[Link],
    ambiguous: &mut [bool],
    margin: Option<f64>,
    roots: &mut [u32],
) {
    let members = affected_members(ctx, links, ambiguous);
    let subset = Subset::new(ctx.records, ctx.review, ctx.co_parties, &members);
    let local_links: Vec<Link> = links
        .iter()
        .filter_map(|l| {
            Some(Link {
                a: subset.local(l.a)?,
                b: subset.local(l.b)?,
                weight: l.weight,
            })
        })
        .collect();
    let sub = subset.context(ctx.rules, ctx.thresholds);
    let mut left_out: Vec<bool> = members.iter().map(|m| ambiguous[*m as usize]).collect();
    let sets = loop {
        let kept: Vec<Link> = local_links
            .iter()
            .filter(|l| !left_out[l.a as usize] && !left_out[l.b as usize])
            .copied()
            .collect();
        let pass = link_best_first(&sub, &kept, margin);
        let found: Vec<usize> = (0..left_out.len())
            .filter(|at| pass.ambiguous.get(*at).copied().unwrap_or(false) && !left_out[*at])
            .collect();
        if found.is_empty() {
            break pass.sets;
        }
        for at in found {
            left_out[at] = true;
            ambiguous[members[at] as usize] = true;
        }
    };
    let again = sets.roots();
    for (at, record) in members.iter().enumerate() {
        roots[*record as usize] = members[again[at] as usize];
    }
}

/// Returns, sorted, the records of every component of the link graph
/// (with reviewers' must-links) that contains an `ambiguous` record.
fn affected_members(ctx: &Context<'_>, links: &[Link], ambiguous: &[bool]) -> Vec<u32> {
    // Components only: a parent per record, without the member lists
    // that conflict checks need.
    let mut parent: Vec<u32> = (0..ctx.records.len() as u32).collect();
    let must = ctx.review.must.iter().copied();
    for (a, b) in links.iter().map(|l| (l.a, l.b)).chain(must) {
        let (ra, rb) = (find_root(&mut parent, a), find_root(&mut parent, b));
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
    let mut affected = HashSet::new();
    for (record, _) in ambiguous.iter().enumerate().filter(|(_, a)| **a) {
        affected.insert(find_root(&mut parent, record as u32));
    }
    (0..parent.len() as u32)
        .filter(|record| affected.contains(&find_root(&mut parent, *record)))
        .collect()
}

/// Some records with the decisions and co-parties among them, numbered by
/// their place in a sorted list of members, to cluster on their own.
pub(crate) struct Subset {
    records: Vec<Prepared>,
    review: ReviewLinks,
    co_parties: CoParties,
    /// The place of each member in the list.
    local: FxHashMap<u32, u32>,
}

impl Subset {
    /// Takes the `members` of `records`, `review` and `co_parties`.
    pub(crate) fn new(
        records: &[Prepared],
        review: &ReviewLinks,
        co_parties: &CoParties,
        members: &[u32],
    ) -> Subset {
        let local: FxHashMap<u32, u32> = members
            .iter()
            .enumerate()
            .map(|(at, record)| (*record, at as u32))
            .collect();
        Subset {
            records: members
                .iter()
                .map(|m| records[*m as usize].clone())
                .collect(),
            review: review.within(|x| local.get(&x).copied()),
            co_parties: co_parties.subset(members),
            local,
        }
    }

    /// Returns the place of `record` among the members, if it is one.
    pub(crate) fn local(&self, record: u32) -> Option<u32> {
        self.local.get(&record).copied()
    }

    /// Returns the context that clusters the members alone.
    pub(crate) fn context<'a>(
        &'a self,
        rules: &'a ConflictRules,
        thresholds: &'a Thresholds,
    ) -> Context<'a> {
        Context {
            records: &self.records,
            rules,
            thresholds,
            review: &self.review,
            co_parties: &self.co_parties,
        }
    }
}

/// Returns the root of `x` in a parent-only union-find, halving the path.
fn find_root(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let grand = parent[parent[x as usize] as usize];
        parent[x as usize] = grand;
        x = grand;
    }
    x
}

/// One pass of best-first linking.
struct Pass {
    sets: Sets,
    report: ClusterReport,
    /// Records found ambiguous, when the pass looked for them.
    ambiguous: Vec<bool>,
}

/// Applies reviewers' must-links, then `links` in order, refusing those
/// that conflict. With a `margin`, it also marks the ambiguous records.
fn link_best_first(ctx: &Context<'_>, links: &[Link], margin: Option<f64>) -> Pass {
    let records = ctx.records;
    let mut sets = Sets::new(records.len());
    let (confirmed, confirmations_refused) = apply_must_links(&mut sets, ctx.review);
    let mut report = ClusterReport {
        links: links.len(),
        confirmed,
        confirmations_refused,
        ..ClusterReport::default()
    };
    let mut watch = margin.map(|margin| Ambiguity::new(ctx, margin));
    for (at, link) in links.iter().enumerate() {
        if let Some(ahead) = links.get(at + AHEAD) {
            sets.prefetch(ahead, records);
        }
        let (ra, rb) = (sets.find(link.a), sets.find(link.b));
        if ra == rb {
            report.redundant += 1;
            continue;
        }
        if sets.separated(ra, rb, ctx.review) {
            report.refused += 1;
            *report
                .refused_by_conflict
                .entry("rejected_by_reviewer")
                .or_default() += 1;
            if let Some(watch) = &mut watch {
                watch.refused(ctx, &sets, link, (ra, rb), Refusal::Reviewer);
            }
            continue;
        }
        match sets.first_conflict(ra, rb, ctx) {
            Some(found) => {
                report.refused += 1;
                *report.refused_by_conflict.entry(found.name()).or_default() += 1;
                if let Some(watch) = &mut watch {
                    watch.refused(ctx, &sets, link, (ra, rb), Refusal::Conflict);
                }
            }
            None => {
                if let Some(watch) = &mut watch {
                    watch.joined(&sets, ra, rb, link.weight);
                }
                sets.union(ra, rb);
                report.joined += 1;
            }
        }
    }
    let ambiguous = watch.map(|w| w.ambiguous).unwrap_or_default();
    Pass {
        sets,
        report,
        ambiguous,
    }
}

/// Watches one linking pass for ambiguous records.
struct Ambiguity {
    margin: f64,
    /// The weight of the link by which each record, alone or in a group
    /// of confirmed records until then, joined a cluster; NaN for a record
    /// that has not.
    joined_at: Vec<f64>,
    /// Whether each cluster root has joined no other cluster by a scored
    /// link yet: a record alone, or records only confirmed together.
    fresh: Vec<bool>,
    /// Records a reviewer's rejection or split names: never ambiguous,
    /// since the decision says which side they are not on. A record only
    /// confirmed is ambiguous when its whole confirmed group is, as two
    /// warrants confirmed as one person without saying which man.
    decided: HashSet<u32>,
    /// The conflict rules without the one that keeps two parties of one
    /// record apart.
    without_parties: ConflictRules,
    ambiguous: Vec<bool>,
}

/// The reason a link was refused.
#[derive(Clone, Copy, PartialEq)]
enum Refusal {
    /// A reviewer's rejection.
    Reviewer,
    /// A conflict between members.
    Conflict,
}

impl Ambiguity {
    fn new(ctx: &Context<'_>, margin: f64) -> Ambiguity {
        let n = ctx.records.len();
        Ambiguity {
            margin,
            joined_at: vec![f64::NAN; n],
            fresh: vec![true; n],
            decided: ctx.review.kept_apart_positions(),
            without_parties: ConflictRules {
                distinct_parties: false,
                ..*ctx.rules
            },
            ambiguous: vec![false; n],
        }
    }

    /// Notes the weight of a join for each member of a side that had not
    /// joined by a scored link before. Called before the union.
    fn joined(&mut self, sets: &Sets, ra: u32, rb: u32, weight: f64) {
        for root in [ra, rb] {
            if self.fresh[root as usize] {
                for member in &sets.members[root as usize] {
                    self.joined_at[*member as usize] = weight;
                }
            }
            self.fresh[root as usize] = false;
        }
    }

    /// Marks a side of a refused link as ambiguous when it joined its
    /// cluster by a link at most the margin stronger. The refusal (a conflict
    /// or a reviewer's rejection) must come from other members of its
    /// cluster, not from the record itself.
    ///
    /// A conflict only between two parties of one record does not make the
    /// side ambiguous. Take a father's record that fits both of two
    /// co-owners named like him and his son, with no birth dates. The
    /// father's record distinguishes father from son. The co-owners cannot,
    /// and their own links to the two men mark them.
    fn refused(
        &mut self,
        ctx: &Context<'_>,
        sets: &Sets,
        link: &Link,
        roots: (u32, u32),
        why: Refusal,
    ) {
        let sides = [(link.a, roots.0, roots.1), (link.b, roots.1, roots.0)];
        for (side, own_root, other_root) in sides {
            let joined_at = self.joined_at[side as usize];
            if joined_at.is_nan()
                || joined_at - link.weight > self.margin
                || self.decided.contains(&side)
            {
                continue;
            }
            let others = &sets.members[other_root as usize];
            let rejected = ctx
                .review
                .cannot_of(side)
                .iter()
                .any(|x| others.contains(x));
            if rejected || members_conflict(&[side], others, ctx).is_some() {
                continue;
            }
            if why == Refusal::Conflict
                && !self.conflict_beyond_parties(ctx, sets, side, own_root, other_root)
            {
                continue;
            }
            self.ambiguous[side as usize] = true;
        }
    }

    /// Returns whether the other members of the cluster rooted at
    /// `own_root` conflict with the cluster rooted at `other_root` by more
    /// than being two parties of one record.
    fn conflict_beyond_parties(
        &self,
        ctx: &Context<'_>,
        sets: &Sets,
        side: u32,
        own_root: u32,
        other_root: u32,
    ) -> bool {
        let partners: Vec<u32> = sets.members[own_root as usize]
            .iter()
            .copied()
            .filter(|x| *x != side)
            .collect();
        let strict = Context {
            rules: &self.without_parties,
            ..*ctx
        };
        members_conflict(&partners, &sets.members[other_root as usize], &strict).is_some()
    }
}

/// Union-find that keeps each root's members, so joins can be checked member by member.
pub(crate) struct Sets {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Sets {
    pub(crate) fn new(n: usize) -> Sets {
        Sets {
            parent: (0..n as u32).collect(),
            members: (0..n as u32).map(|i| vec![i]).collect(),
        }
    }

    /// Asks for what joining `link` reads first: the parents of its two
    /// records and the records themselves, which begin most clusters.
    fn prefetch(&self, link: &Link, records: &[Prepared]) {
        for x in [link.a, link.b] {
            prefetch(&self.parent[x as usize]);
            prefetch(&self.members[x as usize]);
            prefetch(&records[x as usize]);
        }
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Returns the first conflict between a member of one cluster and a member
    /// of the other. Soft conflicts (dates of birth years apart, unrelated
    /// given names) only count when no member of one shares an identifier
    /// with a member of the other.
    fn first_conflict(&self, ra: u32, rb: u32, ctx: &Context<'_>) -> Option<Conflict> {
        members_conflict(&self.members[ra as usize], &self.members[rb as usize], ctx)
    }

    /// Whether joining the clusters rooted at `ra` and `rb` would put a pair a
    /// reviewer kept apart in one entity. Only members with cannot-links are
    /// looked at, so without decisions this costs one lookup per member.
    pub(crate) fn separated(&self, ra: u32, rb: u32, review: &ReviewLinks) -> bool {
        if review.is_empty() {
            return false;
        }
        let (small, other) = if self.members[ra as usize].len() <= self.members[rb as usize].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.members[small as usize]
            .iter()
            .any(|&x| review.cannot_of(x).iter().any(|&y| self.root(y) == other))
    }

    /// Returns the cluster root of every record.
    fn roots(mut self) -> Vec<u32> {
        (0..self.parent.len() as u32)
            .map(|i| self.find(i))
            .collect()
    }

    /// Returns the root of `x` without shortening paths.
    fn root(&self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    pub(crate) fn union(&mut self, ra: u32, rb: u32) {
        let (big, small) = if self.members[ra as usize].len() >= self.members[rb as usize].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        let moved = std::mem::take(&mut self.members[small as usize]);
        self.members[big as usize].extend(moved);
    }
}

/// Returns the first conflict between a record of `a_members` and one of
/// `b_members`, as [`Sets::first_conflict`] describes.
fn members_conflict(a_members: &[u32], b_members: &[u32], ctx: &Context<'_>) -> Option<Conflict> {
    let mut soft = None;
    let mut shares_id = false;
    let mut born_apart = false;
    for x in a_members {
        for y in b_members {
            let (a, b) = (&ctx.records[*x as usize], &ctx.records[*y as usize]);
            if let Some(found) = hard_conflict(a, b, ctx.rules) {
                return Some(found);
            }
            if ctx.rules.distinct_parties && ctx.co_parties.shared(*x, *y) {
                return Some(Conflict::Party);
            }
            let shared = ids_shared(a, b);
            shares_id |= shared;
            if soft.is_none() && !shares_id {
                soft = soft_conflict(a, b, ctx.rules, ctx.thresholds);
            }
            // Birth dates years apart are outweighed only by an identifier
            // the two records themselves share. One that other members of
            // the clusters share ties those members: a son's two court
            // records with one state id, one of them without a birth date
            // at the father's address, must not bring the father along.
            born_apart |= !shared
                && ctx
                    .rules
                    .dob_years_apart
                    .is_some_and(|years| dob_apart(a, b, years));
        }
    }
    if born_apart {
        return Some(Conflict::Dob);
    }
    soft.filter(|_| !shares_id)
}
