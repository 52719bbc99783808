//! Parties of one record version: different people by the record's own word.
//!
//! A registration with two owners, an incident with a suspect and a victim,
//! an order with a restrained and a protected party: the agency that wrote
//! the record states that these are two people. Two members at one address with one
//! surname and close dates of birth may score as a match all the same, so
//! clustering refuses to put two parties of one version in one entity.
//!
//! Only the versions whose parties fall in two or more distinct records are
//! kept, listed per distinct record. Two parties identical in every compared
//! field are one distinct record and stay together: no field distinguishes them.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::graph::{Mention, RecordVersionId};

/// The multi-party record versions behind each distinct record.
#[derive(Debug, Clone, Default)]
pub(crate) struct CoParties {
    /// Start of each record's versions in `versions`, with one more entry at
    /// the end. Empty when no version names two records.
    starts: Vec<u32>,
    /// Versions, sorted within each record.
    versions: Vec<RecordVersionId>,
    /// Versions of records, or of mentions, added after the batch run.
    added: FxHashMap<u32, Vec<RecordVersionId>>,
}

impl CoParties {
    /// Builds the versions of each distinct record from the record version
    /// of each mention and the distinct record of each mention.
    pub(crate) fn of_mentions(
        mentions: &[Mention],
        record_of: &[u32],
        records: usize,
    ) -> CoParties {
        let mut by_version: Vec<(RecordVersionId, u32)> = mentions
            .par_iter()
            .zip(record_of)
            .map(|(m, r)| (m.record, *r))
            .collect();
        by_version.par_sort_unstable();
        by_version.dedup();
        let mut kept = Vec::new();
        for run in by_version.chunk_by(|x, y| x.0 == y.0) {
            if run.len() > 1 {
                kept.extend(run.iter().map(|(version, record)| (*record, *version)));
            }
        }
        CoParties::of_pairs(kept, records)
    }

    /// Builds the versions of each distinct record from runs of consecutive
    /// mentions, each the parties of one version, given as the position of
    /// its first mention and the number of parties. The version is numbered
    /// by its first mention's position.
    pub(crate) fn of_runs(runs: &[(u32, u32)], record_of: &[u32], records: usize) -> CoParties {
        let mut kept = Vec::new();
        let mut parties: Vec<u32> = Vec::new();
        for &(first, count) in runs {
            parties.clear();
            parties.extend_from_slice(&record_of[first as usize..(first + count) as usize]);
            parties.sort_unstable();
            parties.dedup();
            if parties.len() > 1 {
                let version = RecordVersionId::from(first);
                kept.extend(parties.iter().map(|record| (*record, version)));
            }
        }
        CoParties::of_pairs(kept, records)
    }

    /// Lists the versions of `(record, version)` pairs per record.
    fn of_pairs(mut pairs: Vec<(u32, RecordVersionId)>, records: usize) -> CoParties {
        if pairs.is_empty() {
            return CoParties::default();
        }
        pairs.par_sort_unstable();
        let mut starts = vec![0u32; records + 1];
        for (record, _) in &pairs {
            starts[*record as usize + 1] += 1;
        }
        for at in 1..starts.len() {
            starts[at] += starts[at - 1];
        }
        CoParties {
            starts,
            versions: pairs.into_iter().map(|(_, version)| version).collect(),
            added: FxHashMap::default(),
        }
    }

    /// Notes that `record` is a party of `version`, for a mention placed
    /// after the batch run. Every such version is kept, since its
    /// other parties may follow.
    pub(crate) fn add(&mut self, record: u32, version: RecordVersionId) {
        let versions = self.added.entry(record).or_default();
        if !versions.contains(&version) {
            versions.push(version);
        }
    }

    /// Returns the versions of the records at `positions`, numbered by
    /// their place in it.
    pub(crate) fn subset(&self, positions: &[u32]) -> CoParties {
        let mut subset = CoParties::default();
        for (at, record) in positions.iter().enumerate() {
            for version in self.versions_of(*record) {
                subset.add(at as u32, version);
            }
        }
        subset
    }

    /// Returns whether two different records are different parties of one
    /// version.
    pub(crate) fn shared(&self, a: u32, b: u32) -> bool {
        if a == b || self.is_empty() {
            return false;
        }
        self.versions_of(a)
            .any(|x| self.versions_of(b).any(|y| x == y))
    }

    fn is_empty(&self) -> bool {
        self.starts.is_empty() && self.added.is_empty()
    }

    fn versions_of(&self, record: u32) -> impl Iterator<Item = RecordVersionId> + '_ {
        let listed = match (
            self.starts.get(record as usize),
            self.starts.get(record as usize + 1),
        ) {
            (Some(start), Some(end)) => &self.versions[*start as usize..*end as usize],
            _ => &[],
        };
        let added = self.added.get(&record).map_or(&[][..], Vec::as_slice);
        listed.iter().chain(added).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PersonFacts, Role};

    fn mention(id: i64, record: RecordVersionId) -> Mention {
        Mention {
            id,
            source: "dmv".into(),
            record_id: format!("r{record}"),
            record,
            role: Role::Owner,
            person: PersonFacts::default(),
        }
    }

    #[test]
    fn parties_in_two_records_are_shared() {
        // Mentions 1 and 2 are the two owners on version 10; mention 3 is
        // an exact copy of mention 1 on version 11, which names no one else.
        let mentions = [mention(1, 10), mention(2, 10), mention(3, 11)];
        let parties = CoParties::of_mentions(&mentions, &[0, 1, 0], 2);
        assert!(parties.shared(0, 1));
        assert!(parties.shared(1, 0));
        assert!(!parties.shared(0, 0));
    }

    #[test]
    fn identical_parties_are_not_shared() {
        let mentions = [mention(1, 10), mention(2, 10), mention(3, 12)];
        let parties = CoParties::of_mentions(&mentions, &[0, 0, 1], 2);
        assert!(!parties.shared(0, 1));
        assert!(parties.starts.is_empty(), "no version names two records");
    }

    #[test]
    fn runs_match_versions() {
        // Versions: mentions 0..2 (two parties), 2..3 (one), 3..6 (three
        // parties, two of them one record).
        let record_of = [0, 1, 2, 3, 4, 3];
        let runs = [(0, 2), (2, 1), (3, 3)];
        let from_runs = CoParties::of_runs(&runs, &record_of, 5);
        let versions = [1, 1, 2, 3, 3, 3];
        let mentions: Vec<Mention> = versions
            .iter()
            .enumerate()
            .map(|(at, v)| mention(at as i64 + 1, *v))
            .collect();
        let from_mentions = CoParties::of_mentions(&mentions, &record_of, 5);
        for a in 0..5 {
            for b in 0..5 {
                let expected = matches!((a, b), (0, 1) | (1, 0) | (3, 4) | (4, 3));
                assert_eq!(from_runs.shared(a, b), expected, "runs, {a} and {b}");
                assert_eq!(
                    from_mentions.shared(a, b),
                    expected,
                    "mentions, {a} and {b}"
                );
            }
        }
    }

    #[test]
    fn added_versions_and_subsets_are_kept() {
        let mentions = [mention(1, 10), mention(2, 10)];
        let mut parties = CoParties::of_mentions(&mentions, &[0, 1], 3);
        parties.add(2, 20);
        parties.add(5, 20);
        assert!(parties.shared(2, 5));
        assert!(!parties.shared(1, 2));
        let subset = parties.subset(&[5, 1, 0]);
        assert!(subset.shared(1, 2), "records 1 and 0 at places 1 and 2");
        assert!(!subset.shared(0, 1));
    }
}
