//! Incremental resolution: places one new person mention among entities
//! already resolved, comparing it only with its blocking neighbours.
//!
//! An [`IncrementalResolver`] is built by one batch run and then keeps what
//! the batch run computed: the distinct records, their blocking keys (one
//! hash map per rule), the match links between records, reviewers' decisions
//! and the entity of every record. A new mention is prepared, looked up by
//! each of its keys, compared with the records found and scored with the
//! batch run's model. Its match links are added and the link component it
//! belongs to is clustered again with the batch clustering, so the result is
//! the one a batch run over all mentions with the same model would give.
//!
//! The two agree because best-first clustering treats each
//! component of the link graph on its own: links in other components never
//! change who joins whom in this one. Two exceptions are left: a block that
//! grows past the size cap keeps the pairs it gave while it was smaller,
//! where a batch run drops the whole block, and a new mention is never kept
//! apart from its exact copies the way mentions named by a decision are.
//! Callers with a decision on the new mention's record re-resolve in batch.

use std::collections::HashSet;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::cluster::{Link, Subset, cluster};
use super::compare::compare;
use super::dedup::{HasFeatures, copy_key};
use super::engine::{Decision, ProbabilisticResolver, ResolveConfig};
use super::model::{Model, probability};
use super::parties::CoParties;
use super::prepare::{Prepared, prepare_single};
use super::review::ReviewLinks;
use super::{Clustering, PossibleMatch};
use crate::graph::{EntityId, Mention, MentionId};

/// The kind of change placing a mention made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementKind {
    /// The mention is an exact copy of a stored record and shares its entity.
    Copy,
    /// No stored entity matched: the mention starts a new one.
    Started,
    /// The mention joined one stored entity.
    Joined,
    /// The mention linked two or more stored entities into one.
    Merged,
    /// The mention was placed before; nothing changed.
    Known,
}

/// The result of placing one mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// What happened.
    pub kind: PlacementKind,
    /// The entity the mention is in now.
    pub entity: EntityId,
    /// Stored entities that now share the mention's entity, by their ids
    /// before the change; one for `Joined`, two or more for `Merged`.
    pub absorbed: Vec<EntityId>,
    /// Every mention whose entity changed, with its new entity, the new
    /// mention included. Writing these keeps a store equal to a batch run.
    pub reassigned: Vec<(MentionId, EntityId)>,
    /// Stored records the mention was compared with.
    pub compared: usize,
    /// Pairs at or above the match threshold.
    pub links: usize,
    /// Pairs between the possible-match and match thresholds.
    pub possible_matches: Vec<PossibleMatch>,
}

/// Resolved state that takes new mentions one at a time.
#[derive(Debug)]
pub struct IncrementalResolver {
    config: ResolveConfig,
    model: Arc<Model>,
    /// Whether identical mentions share one record, as in the batch run.
    collapse_copies: bool,
    /// Index of each source name, as stored in [`Prepared::source`].
    sources: FxHashMap<String, u32>,
    records: Vec<Prepared>,
    /// Mentions each record stands for.
    mentions_of: Vec<Vec<MentionId>>,
    record_of_mention: FxHashMap<MentionId, u32>,
    /// Per configured rule, the records under each blocking key.
    blocks: Vec<FxHashMap<u64, Vec<u32>>>,
    /// Identifying records by the hash exact copies share.
    copies: FxHashMap<u64, Vec<u32>>,
    /// Match links of each record: the other record and the weight.
    links: Vec<Vec<(u32, f64)>>,
    /// Reviewers' decisions over record positions.
    review: ReviewLinks,
    /// Record versions whose parties are in different records.
    co_parties: CoParties,
    /// Entity of each record.
    entity: Vec<EntityId>,
}

impl IncrementalResolver {
    /// Returns the model new mentions are scored with.
    pub(crate) fn model(&self) -> Arc<Model> {
        Arc::clone(&self.model)
    }

    /// Resolves `mentions` in batch with `resolver` (training its model unless
    /// it has one) and keeps the state new mentions are placed against.
    /// `review` names mention positions, as for [`ProbabilisticResolver::resolve_reviewed`].
    pub fn build(
        resolver: &ProbabilisticResolver,
        mentions: &[Mention],
        review: &ReviewLinks,
    ) -> (IncrementalResolver, Clustering) {
        let (resolution, distinct) = resolver.resolve_distinct(mentions, review);
        let config = resolver.config().clone();
        let mut sources = FxHashMap::default();
        for mention in mentions {
            let next = sources.len() as u32;
            sources.entry(mention.source.clone()).or_insert(next);
        }
        let records = distinct.records;
        let mut mentions_of = vec![Vec::new(); records.len()];
        let mut record_of_mention = FxHashMap::default();
        for (mention, record) in mentions.iter().zip(&distinct.of_mention) {
            mentions_of[*record as usize].push(mention.id);
            record_of_mention.insert(mention.id, *record);
        }
        let mut links = vec![Vec::new(); records.len()];
        for pair in resolution
            .pairs
            .iter()
            .filter(|p| p.probability() >= config.match_probability)
        {
            links[pair.a as usize].push((pair.b, pair.weight));
            links[pair.b as usize].push((pair.a, pair.weight));
        }
        let mut entity = vec![0; records.len()];
        for ((_, id), record) in resolution
            .clustering
            .assignment
            .iter()
            .zip(&distinct.of_mention)
        {
            entity[*record as usize] = *id;
        }
        let named: HashSet<u32> = review
            .positions()
            .iter()
            .map(|m| distinct.of_mention[*m as usize])
            .collect();
        let mut state = IncrementalResolver {
            collapse_copies: !(config.across_sources_only || config.conflicts.one_per_source),
            blocks: vec![FxHashMap::default(); config.blocking.len()],
            review: review.renumbered(|m| distinct.of_mention[m as usize]),
            co_parties: distinct.co_parties,
            config,
            model: resolution.model,
            sources,
            records,
            mentions_of,
            record_of_mention,
            copies: FxHashMap::default(),
            links,
            entity,
        };
        state.index_all(&named);
        (state, resolution.clustering)
    }

    /// Returns the number of distinct records held.
    pub fn records(&self) -> usize {
        self.records.len()
    }

    /// Returns the entity of a placed mention.
    pub fn entity_of(&self, mention: MentionId) -> Option<EntityId> {
        let record = *self.record_of_mention.get(&mention)?;
        Some(self.entity[record as usize])
    }

    /// Whether a reviewer's rejection holds the entities of mentions `a`
    /// and `b` apart: a record of one must never share an entity with a
    /// record of the other.
    pub fn held_apart(&self, a: MentionId, b: MentionId) -> bool {
        let (Some(ea), Some(eb)) = (self.entity_of(a), self.entity_of(b)) else {
            return false;
        };
        self.review.cannot_pairs().any(|(x, y)| {
            let (ex, ey) = (self.entity[x as usize], self.entity[y as usize]);
            (ex, ey) == (ea, eb) || (ex, ey) == (eb, ea)
        })
    }

    /// Places `mention`: as a copy of a stored record, or as a new record
    /// compared with its blocking neighbours, joined to the entities it links
    /// to unless a conflict or a reviewer's decision forbids it.
    pub fn add(&mut self, mention: &Mention) -> Placement {
        if let Some(entity) = self.entity_of(mention.id) {
            return Placement::unchanged(PlacementKind::Known, entity);
        }
        let source = self.source_index(&mention.source);
        let prepared = prepare_single(mention, source);
        if let Some(record) = self.find_copy(&prepared) {
            self.co_parties.add(record, mention.record);
            return self.add_copy(record, mention.id);
        }
        let record = self.records.len() as u32;
        self.co_parties.add(record, mention.record);
        let candidates = self.index(record, &prepared);
        self.records.push(prepared);
        self.mentions_of.push(vec![mention.id]);
        self.record_of_mention.insert(mention.id, record);
        self.links.push(Vec::new());
        self.entity.push(mention.id);
        let (links, mut possible_matches) = self.score(record, &candidates, mention.id);
        let before = self.entities_at(&self.component(record));
        possible_matches.extend(self.recluster(record));
        let mut placement = self.placement(record, &before);
        placement.compared = candidates.len();
        placement.links = links;
        placement.possible_matches = possible_matches;
        placement
    }

    fn source_index(&mut self, source: &str) -> u32 {
        let next = self.sources.len() as u32;
        *self.sources.entry(source.to_string()).or_insert(next)
    }

    /// Fills the key index and the copy index from the batch run's records.
    /// `named` contains the records a reviewer's decision names. Each keeps
    /// its one mention and takes in no copies, since the decision would
    /// cover them too.
    fn index_all(&mut self, named: &HashSet<u32>) {
        let mut keys = Vec::new();
        for (position, record) in self.records.iter().enumerate() {
            for (rule, block) in self.config.blocking.iter().zip(&mut self.blocks) {
                keys.clear();
                rule.keys(record, &mut keys);
                keys.sort_unstable();
                keys.dedup();
                for key in &keys {
                    block.entry(*key).or_default().push(position as u32);
                }
            }
            if !self.collapse_copies || named.contains(&(position as u32)) {
                continue;
            }
            if let Some(key) = copy_key(&record.features()) {
                self.copies.entry(key).or_default().push(position as u32);
            }
        }
    }

    fn find_copy(&self, prepared: &Prepared) -> Option<u32> {
        if !self.collapse_copies {
            return None;
        }
        let features = prepared.features();
        let key = copy_key(&features)?;
        self.copies
            .get(&key)?
            .iter()
            .copied()
            .find(|r| self.records[*r as usize].features() == features)
    }

    fn add_copy(&mut self, record: u32, mention: MentionId) -> Placement {
        self.mentions_of[record as usize].push(mention);
        self.record_of_mention.insert(mention, record);
        let entity = self.entity[record as usize];
        if mention > entity {
            let mut placement = Placement::unchanged(PlacementKind::Copy, entity);
            placement.absorbed = vec![entity];
            placement.reassigned = vec![(mention, entity)];
            return placement;
        }
        // The new mention's id is the smallest in the entity, which is named after it.
        let before = self.entities_at(&self.component(record));
        let ambiguous = self.recluster(record);
        let mut placement = self.placement(record, &before);
        placement.kind = PlacementKind::Copy;
        placement.possible_matches = ambiguous;
        placement
    }

    /// Adds the keys of the new record at `record` to the index and returns
    /// the stored records that share a key in a block under the size cap.
    fn index(&mut self, record: u32, prepared: &Prepared) -> Vec<u32> {
        let mut keys = Vec::new();
        let mut candidates = Vec::new();
        for (rule, block) in self.config.blocking.iter().zip(&mut self.blocks) {
            keys.clear();
            rule.keys(prepared, &mut keys);
            keys.sort_unstable();
            keys.dedup();
            for key in &keys {
                let members = block.entry(*key).or_default();
                if members.len() < self.config.max_block_size {
                    candidates.extend_from_slice(members);
                }
                members.push(record);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        if self.config.across_sources_only {
            candidates.retain(|c| self.records[*c as usize].source != prepared.source);
        }
        if let Some(key) = copy_key(&prepared.features()).filter(|_| self.collapse_copies) {
            self.copies.entry(key).or_default().push(record);
        }
        candidates
    }

    /// Scores the new record against each candidate, the candidate first as
    /// in a batch run, and keeps the match links.
    fn score(
        &mut self,
        record: u32,
        candidates: &[u32],
        mention: MentionId,
    ) -> (usize, Vec<PossibleMatch>) {
        let t = &self.config.thresholds;
        let mut links = 0;
        let mut possible = Vec::new();
        for &candidate in candidates {
            let a = &self.records[candidate as usize];
            let b = &self.records[record as usize];
            let weight = self.model.weight(a, &compare(a, b, t));
            let p = probability(weight);
            match self.config.decide(p) {
                Decision::Match => {
                    self.links[candidate as usize].push((record, weight));
                    self.links[record as usize].push((candidate, weight));
                    links += 1;
                }
                Decision::PossibleMatch => possible.push(PossibleMatch {
                    a: latest(&self.mentions_of[candidate as usize]),
                    b: mention,
                    probability: p,
                }),
                Decision::NonMatch => {}
            }
        }
        (links, possible)
    }

    /// Returns the records linked to `start` by match links or confirmed
    /// pairs, directly or through others, in ascending order.
    fn component(&self, start: u32) -> Vec<u32> {
        let mut seen: HashSet<u32> = HashSet::from([start]);
        let mut stack = vec![start];
        while let Some(x) = stack.pop() {
            let linked = self.links[x as usize].iter().map(|(y, _)| *y);
            for y in linked.chain(self.review.must_of(x)) {
                if seen.insert(y) {
                    stack.push(y);
                }
            }
        }
        let mut members: Vec<u32> = seen.into_iter().collect();
        members.sort_unstable();
        members
    }

    /// Clusters the component of `record` again, as a batch run would, and
    /// names each cluster after its smallest mention id. Returns the match
    /// links of the records clustering left on their own as ambiguous,
    /// which a batch run queues for review.
    fn recluster(&mut self, record: u32) -> Vec<PossibleMatch> {
        let members = self.component(record);
        let subset = Subset::new(&self.records, &self.review, &self.co_parties, &members);
        let mut links = Vec::new();
        for (i, m) in members.iter().enumerate() {
            for (other, weight) in &self.links[*m as usize] {
                let j = subset
                    .local(*other)
                    .expect("a linked record is in the component");
                if (i as u32) < j {
                    links.push(Link {
                        a: i as u32,
                        b: j,
                        weight: *weight,
                    });
                }
            }
        }
        let ctx = subset.context(&self.config.conflicts, &self.config.thresholds);
        let clustered = cluster(&ctx, links);
        let roots = clustered.roots;
        let mut smallest: FxHashMap<u32, EntityId> = FxHashMap::default();
        for (i, m) in members.iter().enumerate() {
            let least = *self.mentions_of[*m as usize].iter().min().expect("mention");
            let entry = smallest.entry(roots[i]).or_insert(least);
            *entry = (*entry).min(least);
        }
        for (i, m) in members.iter().enumerate() {
            self.entity[*m as usize] = smallest[&roots[i]];
        }
        let mut queued = Vec::new();
        for (i, _) in clustered.ambiguous.iter().enumerate().filter(|(_, a)| **a) {
            let m = members[i];
            for (other, weight) in &self.links[m as usize] {
                if self.co_parties.shared(m, *other) {
                    continue;
                }
                queued.push(PossibleMatch {
                    a: latest(&self.mentions_of[m as usize]),
                    b: latest(&self.mentions_of[*other as usize]),
                    probability: probability(*weight),
                });
            }
        }
        queued
    }

    /// Returns each position with its record's entity.
    fn entities_at(&self, positions: &[u32]) -> Vec<(u32, EntityId)> {
        positions
            .iter()
            .map(|p| (*p, self.entity[*p as usize]))
            .collect()
    }

    /// Describes the change to the component of `record`, given each
    /// member's entity before it.
    fn placement(&self, record: u32, before: &[(u32, EntityId)]) -> Placement {
        let entity = self.entity[record as usize];
        let mut absorbed: Vec<EntityId> = before
            .iter()
            .filter(|(m, _)| *m != record && self.entity[*m as usize] == entity)
            .map(|(_, e)| *e)
            .collect();
        absorbed.sort_unstable();
        absorbed.dedup();
        let mut reassigned: Vec<(MentionId, EntityId)> = before
            .iter()
            .filter(|(m, e)| *m == record || self.entity[*m as usize] != *e)
            .flat_map(|(m, _)| {
                let now = self.entity[*m as usize];
                self.mentions_of[*m as usize]
                    .iter()
                    .map(move |id| (*id, now))
            })
            .collect();
        reassigned.sort_unstable();
        let kind = match absorbed.len() {
            0 => PlacementKind::Started,
            1 => PlacementKind::Joined,
            _ => PlacementKind::Merged,
        };
        Placement {
            kind,
            entity,
            absorbed,
            reassigned,
            compared: 0,
            links: 0,
            possible_matches: Vec::new(),
        }
    }
}

impl Placement {
    fn unchanged(kind: PlacementKind, entity: EntityId) -> Placement {
        Placement {
            kind,
            entity,
            absorbed: Vec::new(),
            reassigned: Vec::new(),
            compared: 0,
            links: 0,
            possible_matches: Vec::new(),
        }
    }
}

/// Returns the latest stored of a record's mentions, which names the
/// record in the review queue: it is of its record's current version unless
/// a later version changed the person.
fn latest(mentions: &[MentionId]) -> MentionId {
    mentions.iter().copied().max().unwrap_or_default()
}
