//! Exact duplicates: mentions whose comparison features are all equal are
//! resolved as one distinct record that stands for all of them.
//!
//! Across sources one person's facts are often repeated verbatim (a DMV
//! registration names the same owner as the licence record). Comparing such
//! copies with each other adds no evidence, yet the pairs grow with the
//! square of the copies. Blocking, comparison and
//! clustering therefore run on distinct records. Training weighs each
//! distinct record by its number of copies, so the estimates are those of the
//! mention-level data.
//!
//! Only identifying records are collapsed: those with given name, surname and
//! date of birth, or with an identifier. Two mentions that state nothing but a
//! common name stay separate records.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHasher;

use super::prepare::Prepared;

/// Distinct records and the mentions each stands for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Distinct {
    /// One record per group of identical mentions, in order of first mention.
    pub(crate) records: Vec<Prepared>,
    /// Number of mentions each record stands for.
    pub(crate) sizes: Vec<u32>,
    /// Position in `records` of each mention.
    pub(crate) of_mention: Vec<u32>,
}

impl Distinct {
    /// Keeps every mention as its own record.
    pub(crate) fn each(prepared: Vec<Prepared>) -> Distinct {
        let n = prepared.len() as u32;
        Distinct {
            records: prepared,
            sizes: vec![1; n as usize],
            of_mention: (0..n).collect(),
        }
    }

    /// Number of mentions.
    pub(crate) fn mentions(&self) -> usize {
        self.of_mention.len()
    }
}

/// Whether a record identifies a person well enough that an exact copy of it
/// is the same person: given name, surname and date of birth, or an identifier.
fn identifying(p: &Prepared) -> bool {
    let named = !p.given.is_empty() && !p.surname.is_empty() && p.dob.is_some();
    named || p.ids.iter().any(|id| !id.is_empty())
}

/// Groups identical identifying mentions. Mentions from different sources
/// are grouped too: the source is not a comparison feature.
pub(crate) fn collapse(prepared: Vec<Prepared>) -> Distinct {
    let keys: Vec<(u64, u32)> = prepared
        .par_iter()
        .enumerate()
        .map(|(index, p)| (group_key(p, index), index as u32))
        .collect();
    let mut sorted = keys;
    sorted.par_sort_unstable();
    let mut of_mention = vec![u32::MAX; prepared.len()];
    // First member of each group, in sorted-key order, renumbered below.
    let mut firsts: Vec<u32> = Vec::new();
    for run in sorted.chunk_by(|x, y| x.0 == y.0) {
        let mut representatives: Vec<u32> = Vec::new();
        for (_, index) in run {
            let found = representatives.iter().position(|r| {
                identifying(&prepared[*r as usize])
                    && same_features(&prepared[*r as usize], &prepared[*index as usize])
            });
            let group = match found {
                Some(at) => representatives[at],
                None => {
                    representatives.push(*index);
                    firsts.push(*index);
                    *index
                }
            };
            of_mention[*index as usize] = group;
        }
    }
    number_groups(prepared, of_mention, firsts)
}

/// Numbers groups by their first mention and keeps one record per group.
fn number_groups(prepared: Vec<Prepared>, of_mention: Vec<u32>, mut firsts: Vec<u32>) -> Distinct {
    firsts.par_sort_unstable();
    let mut position = vec![u32::MAX; prepared.len()];
    for (at, first) in firsts.iter().enumerate() {
        position[*first as usize] = at as u32;
    }
    let of_mention: Vec<u32> = of_mention
        .iter()
        .map(|first| position[*first as usize])
        .collect();
    let mut sizes = vec![0u32; firsts.len()];
    for record in &of_mention {
        sizes[*record as usize] += 1;
    }
    let mut keep = vec![false; prepared.len()];
    for first in &firsts {
        keep[*first as usize] = true;
    }
    let records = prepared
        .into_iter()
        .zip(keep)
        .filter_map(|(p, kept)| kept.then_some(p))
        .collect();
    Distinct {
        records,
        sizes,
        of_mention,
    }
}

/// Hashes the compared features of an identifying record. A record that is
/// not identifying gets a key of its own from its position.
fn group_key(p: &Prepared, index: usize) -> u64 {
    let mut hasher = FxHasher::default();
    if identifying(p) {
        features(p).hash(&mut hasher);
    } else {
        (u64::MAX, index).hash(&mut hasher);
    }
    hasher.finish()
}

fn same_features(a: &Prepared, b: &Prepared) -> bool {
    features(a) == features(b)
}

/// Returns every compared feature of a record. The source is left out, and so
/// are the derived forms, because equal names give equal derived forms.
#[allow(clippy::type_complexity)]
fn features(
    p: &Prepared,
) -> (
    (&str, &str, &str),
    (Option<chrono::NaiveDate>, Option<crate::model::Sex>),
    (&str, &str, &str, &str, &str),
    &[String],
) {
    (
        (&p.given, &p.surname, &p.suffix),
        (p.dob, p.sex),
        (&p.street, &p.unit, &p.city, &p.zip, &p.phone),
        &p.ids,
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn record(given: &str, surname: &str, dob: Option<&str>, licence: &str) -> Prepared {
        let mut p = Prepared {
            given: given.into(),
            surname: surname.into(),
            dob: dob.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date")),
            ..Prepared::default()
        };
        p.ids[2] = licence.into();
        p
    }

    #[test]
    fn identical_identifying_mentions_share_a_record() {
        let records = vec![
            record("ANA", "LEE", Some("1980-03-04"), ""),
            record("ANA", "LEE", Some("1980-03-05"), ""),
            record("ANA", "LEE", Some("1980-03-04"), ""),
            record("", "LEE", None, "L1234"),
            record("", "LEE", None, "L1234"),
        ];
        let distinct = collapse(records);
        assert_eq!(distinct.of_mention, vec![0, 1, 0, 2, 2]);
        assert_eq!(distinct.sizes, vec![2, 1, 2]);
        assert_eq!(distinct.records.len(), 3);
        assert_eq!(distinct.records[1].dob, NaiveDate::from_ymd_opt(1980, 3, 5));
    }

    #[test]
    fn mentions_that_identify_no_one_stay_apart() {
        let records = vec![
            record("ANA", "LEE", None, ""),
            record("ANA", "LEE", None, ""),
            record("", "LEE", Some("1980-03-04"), ""),
            record("", "LEE", Some("1980-03-04"), ""),
        ];
        let distinct = collapse(records);
        assert_eq!(distinct.of_mention, vec![0, 1, 2, 3]);
        assert_eq!(distinct.sizes, vec![1, 1, 1, 1]);
    }
}
