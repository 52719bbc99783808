//! The pairs of the identifier typo rule, found between distinct identifiers.
//!
//! Records that share an identifier share every one of its typo keys, and
//! at a million generated people most identifiers stand in several records.
//! So the rule keys each distinct identifier of a slot once, finds the
//! identifiers that share a key, and only then expands them to their
//! records. The pairs and counts are those of keying every record. Two
//! records with different identifiers pair in every block their
//! identifiers share. Two with the same identifier pair only in the block
//! of its first deletion, so their pair is given once, not once per
//! character.

use rayon::prelude::*;

use super::{
    BlockingScope, Pair, Prepared, RuleStats, TYPO_PARTS, TextList, key_of, push_deletions,
};
use crate::resolve::prepare::ID_SLOTS;

/// Returns the typo rule's pairs, before deduplication, with its counts.
pub(super) fn rule_pairs(records: &[Prepared], scope: BlockingScope<'_>) -> (Vec<Pair>, RuleStats) {
    let mut stats = RuleStats {
        rule: super::BlockingRule::IdentifierTypo.name(),
        ..RuleStats::default()
    };
    let mut pairs = Vec::new();
    for slot in 0..ID_SLOTS {
        let ids = DistinctIds::new(records, slot);
        for part in 0..TYPO_PARTS {
            let mut keyed = ids.typo_keys(slot, part);
            keyed.par_sort_unstable();
            keyed.dedup();
            let blocks = ids.kept_blocks(&keyed, scope.max_block_size, &mut stats);
            let block_pairs: Vec<Pair> = blocks
                .par_iter()
                .flat_map_iter(|block| ids.block_pairs(block, slot, records, scope))
                .collect();
            pairs.extend(block_pairs);
        }
    }
    (pairs, stats)
}

/// The identifiers of one slot over two characters long, each once, with
/// the records that hold it.
struct DistinctIds {
    ids: TextList,
    /// Records, grouped by identifier in the order of `ids`.
    members: Vec<u32>,
    /// Start of each identifier's records in `members`, and the end.
    starts: Vec<usize>,
}

impl DistinctIds {
    /// Groups the records of `slot` by identifier. The records are sorted
    /// by a hash of their identifier on all threads, and records whose
    /// different identifiers share a hash are separated by comparing text.
    fn new(records: &[Prepared], slot: usize) -> DistinctIds {
        let mut hashed: Vec<(u64, u32)> = records
            .par_iter()
            .enumerate()
            .filter(|(_, p)| p.id(slot).len() > 2)
            .map(|(index, p)| (key_of(p.id(slot)), index as u32))
            .collect();
        hashed.par_sort_unstable();
        let mut distinct = DistinctIds {
            ids: TextList::default(),
            members: Vec::with_capacity(hashed.len()),
            starts: vec![0],
        };
        for run in hashed.chunk_by(|x, y| x.0 == y.0) {
            let first = records[run[0].1 as usize].id(slot);
            if run
                .iter()
                .all(|(_, r)| records[*r as usize].id(slot) == first)
            {
                distinct.push(first, run.iter().map(|(_, r)| *r));
            } else {
                distinct.push_collided(records, slot, run);
            }
        }
        distinct
    }

    /// Adds the identifier `id` held by `members`.
    fn push(&mut self, id: &str, members: impl Iterator<Item = u32>) {
        self.ids.push(id);
        self.members.extend(members);
        self.starts.push(self.members.len());
    }

    /// Adds the identifiers of a run of records whose different identifiers
    /// share one hash, one identifier at a time.
    fn push_collided(&mut self, records: &[Prepared], slot: usize, run: &[(u64, u32)]) {
        let mut rest: Vec<u32> = run.iter().map(|(_, r)| *r).collect();
        while let Some(&first) = rest.first() {
            let id = records[first as usize].id(slot);
            let (same, other): (Vec<u32>, Vec<u32>) = rest
                .iter()
                .partition(|r| records[**r as usize].id(slot) == id);
            self.push(id, same.into_iter());
            rest = other;
        }
    }

    /// Returns the records that hold identifier `at`.
    fn members(&self, at: u32) -> &[u32] {
        &self.members[self.starts[at as usize]..self.starts[at as usize + 1]]
    }

    /// Returns the typo keys of part `part` of every identifier, each with
    /// the identifier's position.
    fn typo_keys(&self, slot: usize, part: usize) -> Vec<(u64, u32)> {
        super::keyed_in_chunks(self.ids.len(), |at, keys| {
            push_deletions(keys, slot, self.ids.get(at), part)
        })
    }

    /// Returns the blocks of sorted `keyed` that hold at least two records
    /// and at most `max_block_size`, counting them, and the larger ones as
    /// capped, in `stats`.
    fn kept_blocks<'k>(
        &self,
        keyed: &'k [(u64, u32)],
        max_block_size: usize,
        stats: &mut RuleStats,
    ) -> Vec<&'k [(u64, u32)]> {
        let mut blocks = Vec::new();
        for block in keyed.chunk_by(|x, y| x.0 == y.0) {
            let records: usize = block.iter().map(|(_, at)| self.members(*at).len()).sum();
            if records < 2 {
                continue;
            }
            if records > max_block_size {
                stats.capped_blocks += 1;
                stats.capped_mentions += records;
            } else {
                stats.largest_block = stats.largest_block.max(records);
                blocks.push(block);
            }
        }
        stats.blocks += blocks.len();
        blocks
    }

    /// Returns the record pairs of one block of identifiers that share a
    /// typo key: every pair across two identifiers, and the pairs within
    /// one identifier when the key is its first deletion.
    fn block_pairs(
        &self,
        block: &[(u64, u32)],
        slot: usize,
        records: &[Prepared],
        scope: BlockingScope<'_>,
    ) -> Vec<Pair> {
        let mut pairs = Vec::new();
        let mut add = |a: u32, b: u32| {
            let same_source = records[a as usize].source == records[b as usize].source;
            if !(scope.across_sources_only && same_source) {
                pairs.push((a.min(b), a.max(b)));
            }
        };
        for (i, &(key, at)) in block.iter().enumerate() {
            let members = self.members(at);
            if members.len() > 1 && key == first_deletion_key(slot, self.ids.get(at as usize)) {
                for (j, &a) in members.iter().enumerate() {
                    members[j + 1..].iter().for_each(|&b| add(a, b));
                }
            }
            for &(_, other) in &block[i + 1..] {
                for &a in members {
                    self.members(other).iter().for_each(|&b| add(a, b));
                }
            }
        }
        pairs
    }
}

/// Returns the typo key of `id` in `slot` with its first character deleted.
fn first_deletion_key(slot: usize, id: &str) -> u64 {
    let first = id.chars().next().map_or(0, char::len_utf8);
    key_of((slot, &id[first..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_sharing_a_hash_stay_apart() {
        let records: Vec<Prepared> = ["X111", "Y222", "X111"]
            .iter()
            .map(|id| {
                let mut p = Prepared::default();
                p.set_id(0, id);
                p
            })
            .collect();
        let mut distinct = DistinctIds {
            ids: TextList::default(),
            members: Vec::new(),
            starts: vec![0],
        };
        // One hash for all three, as if two different identifiers collided.
        distinct.push_collided(&records, 0, &[(7, 0), (7, 1), (7, 2)]);
        assert_eq!(distinct.ids.len(), 2);
        assert_eq!(
            (distinct.ids.get(0), distinct.members(0)),
            ("X111", &[0, 2][..])
        );
        assert_eq!(
            (distinct.ids.get(1), distinct.members(1)),
            ("Y222", &[1][..])
        );
    }
}
