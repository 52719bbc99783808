//! Blocking: the candidate pairs worth comparing, from several keys.
//!
//! Each rule gives every mention zero or more keys; mentions sharing a key in
//! one rule form candidate pairs. Pairs are deduplicated across rules. A block
//! larger than the configured cap is skipped and counted, so one very common
//! key cannot make the pair count quadratic.

use std::fmt;
use std::hash::{Hash, Hasher};

use chrono::Datelike;
use rayon::prelude::*;
use rdst::RadixSort;
use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

use super::prepare::{ID_SLOTS, Prepared};
use super::text_list::TextList;

mod typo;

/// A blocking rule: which features two mentions must share to be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// One part of the surname (or the whole surname) and the date of birth;
    /// catches dropped parts of multi-part surnames.
    SurnameDob,
    /// The formal given name (BOB counts as ROBERT) and the date of birth;
    /// catches surname typos and nicknames.
    GivenDob,
    /// The surname's Double Metaphone code, the given-name initial and the
    /// ZIP code; catches corrupted DOBs.
    SurnamePhoneticZip,
    /// Surname, formal given name and birth year; catches a corrupted day or
    /// month of birth after a move. An initial in place of the given name
    /// made blocks of common surnames grow with the population.
    SurnameGivenYear,
    /// Given name and surname in either order, with the birth year; catches swaps.
    NamesAnyOrderYear,
    /// Date of birth and ZIP code; catches typos in both names.
    DobZip,
    /// Both names' phonetic codes and the ZIP code; catches a corrupted DOB with a name typo.
    NamesPhoneticZip,
    /// Any shared identifier: state id, FBI number, licence, inmate or registry number.
    Identifier,
    /// An identifier within one typo: keys are the identifier with each
    /// character deleted in turn, so one substitution, insertion, deletion or
    /// transposition of neighbours still shares a key.
    IdentifierTypo,
    /// Formal given name, surname and city; catches a corrupted DOB together
    /// with a mistyped ZIP.
    FullName,
    /// The phone number.
    Phone,
}

impl BlockingRule {
    /// The default rule set.
    pub const DEFAULT: &'static [BlockingRule] = &[
        BlockingRule::SurnameDob,
        BlockingRule::GivenDob,
        BlockingRule::SurnamePhoneticZip,
        BlockingRule::SurnameGivenYear,
        BlockingRule::NamesAnyOrderYear,
        BlockingRule::DobZip,
        BlockingRule::NamesPhoneticZip,
        BlockingRule::Identifier,
        BlockingRule::IdentifierTypo,
        BlockingRule::FullName,
        BlockingRule::Phone,
    ];

    /// Returns the rule's snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            BlockingRule::SurnameDob => "surname_dob",
            BlockingRule::GivenDob => "given_dob",
            BlockingRule::SurnamePhoneticZip => "surname_phonetic_zip",
            BlockingRule::SurnameGivenYear => "surname_given_year",
            BlockingRule::NamesAnyOrderYear => "names_any_order_year",
            BlockingRule::DobZip => "dob_zip",
            BlockingRule::NamesPhoneticZip => "names_phonetic_zip",
            BlockingRule::Identifier => "identifier",
            BlockingRule::IdentifierTypo => "identifier_typo",
            BlockingRule::FullName => "full_name",
            BlockingRule::Phone => "phone",
        }
    }

    /// Returns the number of key groups of the rule. Keys of different
    /// groups never share a block, so each group can be blocked on its own.
    /// The identifier rules have one group per identifier slot, and the typo
    /// rule splits each slot's keys further by their top bits into
    /// [`TYPO_PARTS`] groups, which keeps the keys held at once small. The
    /// typo keys of all slots at once raised resident memory by about 700 MB
    /// at one million generated people.
    fn key_groups(self) -> usize {
        match self {
            BlockingRule::Identifier => ID_SLOTS,
            BlockingRule::IdentifierTypo => ID_SLOTS * TYPO_PARTS,
            _ => 1,
        }
    }

    /// Appends the keys of `p` under this rule to `out`.
    pub(crate) fn keys(self, p: &Prepared, out: &mut Vec<u64>) {
        for group in 0..self.key_groups() {
            self.group_keys(p, group, out);
        }
    }

    /// Appends the keys of `p` in key group `group` under this rule to `out`.
    fn group_keys(self, p: &Prepared, group: usize, out: &mut Vec<u64>) {
        let year = p.dob.map(|d| d.year());
        match self {
            BlockingRule::SurnameDob => {
                if p.dob.is_some() {
                    for part in surname_keys(p) {
                        push(out, (part, p.dob));
                    }
                }
            }
            BlockingRule::GivenDob => {
                push_if(out, !p.given().is_empty() && p.dob.is_some(), || {
                    (p.given_formal(), p.dob)
                })
            }
            BlockingRule::SurnamePhoneticZip => push_if(
                out,
                !p.surname_phonetic.is_empty() && !p.zip().is_empty(),
                || (&p.surname_phonetic, p.given_initial(), p.zip()),
            ),
            BlockingRule::SurnameGivenYear => {
                push_if(out, !p.surname().is_empty() && year.is_some(), || {
                    (p.surname(), p.given_formal(), year)
                })
            }
            BlockingRule::NamesAnyOrderYear => {
                let full = !p.surname().is_empty() && !p.given().is_empty() && year.is_some();
                push_if(out, full, || {
                    let (low, high) = if p.given() <= p.surname() {
                        (p.given(), p.surname())
                    } else {
                        (p.surname(), p.given())
                    };
                    (low, high, year)
                })
            }
            BlockingRule::DobZip => push_if(out, p.dob.is_some() && !p.zip().is_empty(), || {
                (p.dob, p.zip())
            }),
            BlockingRule::NamesPhoneticZip => {
                let full = !p.given_phonetic.is_empty()
                    && !p.surname_phonetic.is_empty()
                    && !p.zip().is_empty();
                push_if(out, full, || {
                    (&p.given_phonetic, &p.surname_phonetic, p.zip())
                })
            }
            BlockingRule::Identifier => {
                let (slot, id) = (group, p.id(group));
                if !id.is_empty() {
                    push(out, (slot, id));
                }
            }
            BlockingRule::IdentifierTypo => {
                let (slot, part) = (group / TYPO_PARTS, group % TYPO_PARTS);
                let id = p.id(slot);
                if id.len() > 2 {
                    push_deletions(out, slot, id, part);
                }
            }
            BlockingRule::FullName => {
                let full = !p.given().is_empty() && !p.surname().is_empty() && !p.city().is_empty();
                push_if(out, full, || (p.given_formal(), p.surname(), p.city()))
            }
            BlockingRule::Phone => push_if(out, !p.phone().is_empty(), || p.phone()),
        }
    }
}

/// Key groups per identifier slot of [`BlockingRule::IdentifierTypo`].
const TYPO_PARTS: usize = 4;

/// Appends a key for `id` with each character deleted in turn, keeping the
/// keys whose top two bits equal `part`. An ASCII id of up to 64 bytes is
/// copied into a buffer on the stack. The key hashes the same text as an
/// owned copy would, so the keys are equal.
fn push_deletions(out: &mut Vec<u64>, slot: usize, id: &str, part: usize) {
    let mut keep = |key: u64| {
        if (key >> 62) as usize == part {
            out.push(key);
        }
    };
    let bytes = id.as_bytes();
    let mut buffer = [0u8; 64];
    if !id.is_ascii() || bytes.len() > buffer.len() {
        for (skip, c) in id.char_indices() {
            let deleted = [&id[..skip], &id[skip + c.len_utf8()..]].concat();
            keep(key_of((slot, deleted)));
        }
        return;
    }
    let length = bytes.len() - 1;
    for skip in 0..bytes.len() {
        buffer[..skip].copy_from_slice(&bytes[..skip]);
        buffer[skip..length].copy_from_slice(&bytes[skip + 1..]);
        keep(text_key(slot, &buffer[..length]));
    }
}

/// Returns the key that `key_of((slot, text))` gives for the text whose
/// bytes are `bytes`. A `str` hashes as its bytes and one 0xff byte, so
/// hashing the bytes directly skips a UTF-8 check that an ASCII id with
/// one byte left out cannot fail.
fn text_key(slot: usize, bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write_usize(slot);
    hasher.write(bytes);
    hasher.write_u8(0xff);
    hasher.finish()
}

fn surname_keys(p: &Prepared) -> impl Iterator<Item = &str> {
    let whole = (!p.surname().is_empty()).then_some(p.surname());
    whole.into_iter().chain(p.surname_parts())
}

fn push(out: &mut Vec<u64>, key: impl Hash) {
    out.push(key_of(key));
}

fn key_of(key: impl Hash) -> u64 {
    let mut hasher = FxHasher::default();
    key.hash(&mut hasher);
    hasher.finish()
}

fn push_if<K: Hash>(out: &mut Vec<u64>, condition: bool, key: impl FnOnce() -> K) {
    if condition {
        push(out, key());
    }
}

/// What one blocking rule produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    /// Rule name.
    pub rule: &'static str,
    /// Blocks (distinct keys shared by at least two mentions).
    pub blocks: usize,
    /// Candidate pairs the rule produced, before deduplication across rules.
    pub pairs: usize,
    /// Pairs no earlier rule had produced.
    pub new_pairs: usize,
    /// Blocks skipped because they exceeded the cap.
    pub capped_blocks: usize,
    /// Mentions in the skipped blocks.
    pub capped_mentions: usize,
    /// Size of the largest block kept.
    pub largest_block: usize,
}

/// Pairs per rule and in total, as `ciss resolve --explain-blocking` reports
/// them. Pairs are between distinct records: exact duplicate mentions are
/// one record (see `Resolution::record_of`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlockingReport {
    /// Per rule, in configured order.
    pub rules: Vec<RuleStats>,
    /// Distinct candidate pairs over all rules.
    pub candidate_pairs: usize,
    /// The block-size cap in force.
    pub max_block_size: usize,
}

impl fmt::Display for BlockingReport {
    /// Writes one line per rule, then the distinct pairs over all rules.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<22} {:>8} {:>10} {:>10} {:>8} {:>8}",
            "blocking rule", "blocks", "pairs", "new pairs", "capped", "largest"
        )?;
        for rule in &self.rules {
            writeln!(
                f,
                "{:<22} {:>8} {:>10} {:>10} {:>8} {:>8}",
                rule.rule,
                rule.blocks,
                rule.pairs,
                rule.new_pairs,
                rule.capped_blocks,
                rule.largest_block
            )?;
        }
        writeln!(
            f,
            "candidate pairs {} after removing pairs found by more than one rule \
             (blocks over {} records skipped)",
            self.candidate_pairs, self.max_block_size
        )
    }
}

/// A candidate pair of record indexes, the smaller first.
pub(crate) type Pair = (u32, u32);

/// How pairs are restricted beyond the blocking keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockingScope<'a> {
    pub(crate) rules: &'a [BlockingRule],
    pub(crate) max_block_size: usize,
    /// Only pairs whose mentions come from different sources.
    pub(crate) across_sources_only: bool,
}

/// Returns the distinct candidate pairs, sorted, and what each rule produced.
pub(crate) fn candidate_pairs(
    records: &[Prepared],
    scope: BlockingScope<'_>,
) -> (Vec<Pair>, BlockingReport) {
    // Pairs are kept as tuples throughout, which sort in the same order as
    // their two indexes packed into a u64 would. Converting a packed list
    // at the end held both forms, 280 MB at one million generated people.
    let mut all: Vec<Pair> = Vec::new();
    let mut report = BlockingReport {
        max_block_size: scope.max_block_size,
        ..BlockingReport::default()
    };
    for rule in scope.rules {
        let (mut pairs, mut stats) = rule_pairs(*rule, records, scope);
        sort_distinct(&mut pairs);
        stats.pairs = pairs.len();
        let before = all.len();
        all = merge_sorted(all, pairs);
        stats.new_pairs = all.len() - before;
        tracing::debug!(
            rule = stats.rule,
            pairs = stats.pairs,
            new_pairs = stats.new_pairs,
            capped_blocks = stats.capped_blocks,
            "blocking rule"
        );
        report.rules.push(stats);
    }
    report.candidate_pairs = all.len();
    tracing::debug!(
        records = records.len(),
        candidate_pairs = report.candidate_pairs,
        "blocking finished"
    );
    (all, report)
}

/// Sorts `pairs` and removes repeats. A rule gives millions of pairs at a
/// million people. Packed into `u64`s, which order as the tuples do, they
/// radix sort in about half the time a comparison sort of the tuples took
/// (measured on seven million pairs).
fn sort_distinct(pairs: &mut Vec<Pair>) {
    let mut packed: Vec<u64> = pairs
        .par_iter()
        .map(|&(a, b)| (u64::from(a) << 32) | u64::from(b))
        .collect();
    packed.radix_sort_unstable();
    packed.dedup();
    pairs.clear();
    pairs.par_extend(
        packed
            .par_iter()
            .map(|&packed| ((packed >> 32) as u32, packed as u32)),
    );
}

/// Merges two sorted, deduplicated lists into one.
fn merge_sorted(a: Vec<Pair>, b: Vec<Pair>) -> Vec<Pair> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn rule_pairs(
    rule: BlockingRule,
    records: &[Prepared],
    scope: BlockingScope<'_>,
) -> (Vec<Pair>, RuleStats) {
    if rule == BlockingRule::IdentifierTypo {
        return typo::rule_pairs(records, scope);
    }
    let mut stats = RuleStats {
        rule: rule.name(),
        ..RuleStats::default()
    };
    let mut pairs = Vec::new();
    for group in 0..rule.key_groups() {
        let mut keyed = keyed_in_chunks(records.len(), |index, keys| {
            rule.group_keys(&records[index], group, keys)
        });
        keyed.par_sort_unstable();
        keyed.dedup();
        let mut blocks: Vec<&[(u64, u32)]> = Vec::new();
        for block in keyed.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() > 1) {
            if block.len() > scope.max_block_size {
                stats.capped_blocks += 1;
                stats.capped_mentions += block.len();
            } else {
                stats.largest_block = stats.largest_block.max(block.len());
                blocks.push(block);
            }
        }
        stats.blocks += blocks.len();
        let group_pairs: Vec<Pair> = blocks
            .par_iter()
            .flat_map_iter(|block| block_pairs(block, records, scope.across_sources_only))
            .collect();
        pairs.extend(group_pairs);
    }
    (pairs, stats)
}

/// Items whose keys one task of [`keyed_in_chunks`] collects.
const KEY_CHUNK: usize = 4_096;

/// Returns each key that `keys_of` appends for each of `items` items, with
/// the item's index. The items are split into chunks on all threads, so
/// each chunk, not each item, collects its keys in a vector of its own.
fn keyed_in_chunks(items: usize, keys_of: impl Fn(usize, &mut Vec<u64>) + Sync) -> Vec<(u64, u32)> {
    (0..items.div_ceil(KEY_CHUNK))
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let mut keys = Vec::new();
            let mut keyed = Vec::new();
            for index in chunk * KEY_CHUNK..items.min((chunk + 1) * KEY_CHUNK) {
                keys.clear();
                keys_of(index, &mut keys);
                keyed.extend(keys.iter().map(|key| (*key, index as u32)));
            }
            keyed
        })
        .collect()
}

/// Returns the pairs of one block, leaving out pairs from one source when
/// `across_sources_only` is set.
fn block_pairs<'a>(
    block: &'a [(u64, u32)],
    records: &'a [Prepared],
    across_sources_only: bool,
) -> impl Iterator<Item = Pair> + 'a {
    (0..block.len()).flat_map(move |i| {
        (i + 1..block.len()).filter_map(move |j| {
            let (a, b) = (block[i].1, block[j].1);
            let same_source = records[a as usize].source == records[b as usize].source;
            (!(across_sources_only && same_source)).then(|| (a.min(b), a.max(b)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the typo keys that an owned copy of each deletion gives.
    fn owned_deletions(slot: usize, id: &str) -> Vec<u64> {
        let mut out = Vec::new();
        for (skip, c) in id.char_indices() {
            let deleted = [&id[..skip], &id[skip + c.len_utf8()..]].concat();
            push(&mut out, (slot, deleted));
        }
        out
    }

    #[test]
    fn typo_keys_equal_owned_deletions() {
        let long = "9".repeat(70);
        for id in ["123", "A1234567", "CT-99-0001", long.as_str(), "NÚM123"] {
            let mut keys = Vec::new();
            for part in 0..TYPO_PARTS {
                push_deletions(&mut keys, 2, id, part);
            }
            let mut expected = owned_deletions(2, id);
            keys.sort_unstable();
            expected.sort_unstable();
            assert_eq!(keys, expected, "id {id}");
            assert_eq!(keys.len(), id.chars().count(), "one key per letter of {id}");
        }
    }

    #[test]
    fn keys_cover_every_identifier_slot() {
        let mut p = Prepared::default();
        p.set_id(0, "S123");
        p.set_id(3, "I77");
        let mut exact = Vec::new();
        BlockingRule::Identifier.keys(&p, &mut exact);
        let mut expected = Vec::new();
        push(&mut expected, (0usize, p.id(0)));
        push(&mut expected, (3usize, p.id(3)));
        assert_eq!(exact, expected);

        let mut typos = Vec::new();
        BlockingRule::IdentifierTypo.keys(&p, &mut typos);
        let mut expected = owned_deletions(0, "S123");
        expected.extend(owned_deletions(3, "I77"));
        typos.sort_unstable();
        expected.sort_unstable();
        assert_eq!(typos, expected);
    }

    #[test]
    fn typo_rule_gives_each_pair_once() {
        // Each case: the slot-1 ids of three records, and the pairs the typo
        // rule gives before deduplication, each once.
        let cases: [([&str; 3], &[Pair]); 4] = [
            (
                ["K1234567", "K1234567", "K1234568"],
                &[(0, 1), (0, 2), (1, 2)],
            ),
            (["AAB", "AAB", "QQQ"], &[(0, 1)]),
            (["NÚM123", "NÚM123", "NUM123"], &[(0, 1), (0, 2), (1, 2)]),
            (["77", "77", "78"], &[]),
        ];
        let scope = BlockingScope {
            rules: &[BlockingRule::IdentifierTypo],
            max_block_size: 100,
            across_sources_only: false,
        };
        for (ids, expected) in cases {
            let records = with_slot_one_ids(&ids);
            let (mut pairs, _) = rule_pairs(BlockingRule::IdentifierTypo, &records, scope);
            pairs.sort_unstable();
            assert_eq!(pairs, expected, "ids {ids:?}");
        }
    }

    #[test]
    fn merge_keeps_lists_when_the_other_is_empty() {
        let some: Vec<Pair> = vec![(0, 1), (0, 2), (3, 4)];
        // Each case: two lists and their merge.
        let cases: [(&[Pair], &[Pair], &[Pair]); 4] = [
            (&[], &[], &[]),
            (&some, &[], &some),
            (&[], &some, &some),
            (&some, &[(0, 2), (5, 6)], &[(0, 1), (0, 2), (3, 4), (5, 6)]),
        ];
        for (a, b, expected) in cases {
            assert_eq!(
                merge_sorted(a.to_vec(), b.to_vec()),
                expected,
                "{a:?} and {b:?}"
            );
        }
    }

    /// Returns one record per id, each with that id in identifier slot 1.
    fn with_slot_one_ids(ids: &[impl AsRef<str>]) -> Vec<Prepared> {
        ids.iter()
            .map(|id| {
                let mut p = Prepared::default();
                p.set_id(1, id.as_ref());
                p
            })
            .collect()
    }

    /// Returns the deletions of `id`, each with one character left out.
    fn deletions(id: &str) -> std::collections::HashSet<String> {
        id.char_indices()
            .map(|(skip, c)| [&id[..skip], &id[skip + c.len_utf8()..]].concat())
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn typo_pairs_are_ids_within_one_deletion(
            ids in proptest::collection::vec("[AB1]{2,5}", 2..40),
        ) {
            let records = with_slot_one_ids(&ids);
            let scope = BlockingScope {
                rules: &[BlockingRule::IdentifierTypo],
                max_block_size: 1_000,
                across_sources_only: false,
            };
            let (mut pairs, _) = rule_pairs(BlockingRule::IdentifierTypo, &records, scope);
            pairs.sort_unstable();

            // Records with one identifier pair once. Two identifiers that
            // share several keys (a transposition) pair once per key, and
            // blocking removes the repeats later.
            let same_id_pairs = pairs.iter().filter(|(a, b)| ids[*a as usize] == ids[*b as usize]);
            let mut seen = std::collections::HashSet::new();
            proptest::prop_assert!(same_id_pairs.clone().all(|pair| seen.insert(*pair)));

            pairs.dedup();
            let mut expected = Vec::new();
            for a in 0..ids.len() {
                for b in a + 1..ids.len() {
                    let long = ids[a].len() > 2 && ids[b].len() > 2;
                    let shared = !deletions(&ids[a]).is_disjoint(&deletions(&ids[b]));
                    if long && (ids[a] == ids[b] || shared) {
                        expected.push((a as u32, b as u32));
                    }
                }
            }
            proptest::prop_assert_eq!(pairs, expected);
        }

        #[test]
        fn merge_equals_the_union(
            a in proptest::collection::btree_set((0u32..50, 0u32..50), 0..300),
            b in proptest::collection::btree_set((0u32..50, 0u32..50), 0..300),
        ) {
            let union: Vec<Pair> = a.union(&b).copied().collect();
            let merged = merge_sorted(a.into_iter().collect(), b.into_iter().collect());
            proptest::prop_assert_eq!(merged, union);
        }
    }
}
