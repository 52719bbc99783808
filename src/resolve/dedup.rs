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

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHasher;

use chrono::NaiveDate;

use super::prepare::{ID_SLOTS, Prepared, prepare_some};
use crate::graph::Mention;
use crate::model::Sex;

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

    /// Returns the number of mentions.
    pub(crate) fn mentions(&self) -> usize {
        self.of_mention.len()
    }
}

/// The compared features of a record, borrowed. The source is left out, and
/// so are the derived forms, because equal names give equal derived forms.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Features<'a> {
    names: [&'a str; 3],
    dob: Option<NaiveDate>,
    sex: Option<Sex>,
    address: [&'a str; 5],
    ids: [&'a str; ID_SLOTS],
}

impl Features<'_> {
    /// Whether the record identifies a person well enough that an exact copy
    /// of it is the same person: given name, surname and date of birth, or an
    /// identifier.
    fn identifying(&self) -> bool {
        let [given, surname, _] = self.names;
        let named = !given.is_empty() && !surname.is_empty() && self.dob.is_some();
        named || self.ids.iter().any(|id| !id.is_empty())
    }
}

/// A record whose compared features can be read before it is prepared.
pub(crate) trait HasFeatures {
    /// Returns the record's compared features.
    fn features(&self) -> Features<'_>;
}

impl HasFeatures for Prepared {
    fn features(&self) -> Features<'_> {
        Features {
            names: [&self.given, &self.surname, &self.suffix],
            dob: self.dob,
            sex: self.sex,
            address: [&self.street, &self.unit, &self.city, &self.zip, &self.phone],
            ids: self.ids.each_ref().map(String::as_str),
        }
    }
}

impl HasFeatures for Mention {
    /// Reads the same values `prepare` copies into a [`Prepared`].
    fn features(&self) -> Features<'_> {
        let person = &self.person;
        let name = person.name.as_ref();
        let address = person.address.as_ref();
        let ids = &person.ids;
        Features {
            names: [
                name.map_or("", |n| n.given.as_str()),
                name.map_or("", |n| n.surname.as_str()),
                text(name.and_then(|n| n.suffix.as_ref())),
            ],
            dob: person.dob.map(|d| d.date()),
            sex: person.sex.filter(|s| *s != Sex::Unknown),
            address: [
                address.map_or("", |a| a.street.as_str()),
                text(address.and_then(|a| a.unit.as_ref())),
                address.map_or("", |a| a.city.as_str()),
                text(address.and_then(|a| a.zip.as_ref())),
                person.phone.as_ref().map_or("", |p| p.as_str()),
            ],
            ids: [
                text(ids.state_id.as_ref()),
                text(ids.fbi.as_ref()),
                text(ids.licence.as_ref()),
                text(ids.inmate.as_ref()),
                text(ids.sor_id.as_ref()),
            ],
        }
    }
}

fn text(value: Option<&String>) -> &str {
    value.map_or("", String::as_str)
}

/// Groups identical identifying mentions and prepares one record per group.
/// Mentions from different sources are grouped too: the source is not a
/// comparison feature. Only the first mention of each group is prepared.
/// Mentions listed in `alone` (such as those a reviewer's decision names)
/// each stay a record of their own, so a decision about one copy can be
/// honoured.
pub(crate) fn collapse(mentions: &[Mention], alone: &HashSet<u32>) -> Distinct {
    let (of_mention, firsts) = group(mentions, alone);
    Distinct {
        records: prepare_some(mentions, &firsts),
        sizes: sizes(&of_mention, firsts.len()),
        of_mention,
    }
}

/// Returns the group of each item, numbered by first item, and the first
/// item of each group.
fn group<T: HasFeatures + Sync>(items: &[T], alone: &HashSet<u32>) -> (Vec<u32>, Vec<u32>) {
    let mut keys: Vec<(u64, u32)> = items
        .par_iter()
        .enumerate()
        .map(|(index, item)| {
            let key = if alone.contains(&(index as u32)) {
                own_key(index)
            } else {
                group_key(&item.features(), index)
            };
            (key, index as u32)
        })
        .collect();
    keys.par_sort_unstable();
    let mut first_of = vec![u32::MAX; items.len()];
    let mut firsts: Vec<u32> = Vec::new();
    for run in keys.chunk_by(|x, y| x.0 == y.0) {
        let mut representatives: Vec<u32> = Vec::new();
        for (_, index) in run {
            let features = items[*index as usize].features();
            let found = representatives.iter().find(|r| {
                let other = items[**r as usize].features();
                !alone.contains(index)
                    && !alone.contains(*r)
                    && other.identifying()
                    && other == features
            });
            let first = match found {
                Some(first) => *first,
                None => {
                    representatives.push(*index);
                    firsts.push(*index);
                    *index
                }
            };
            first_of[*index as usize] = first;
        }
    }
    firsts.par_sort_unstable();
    let mut position = vec![u32::MAX; items.len()];
    for (at, first) in firsts.iter().enumerate() {
        position[*first as usize] = at as u32;
    }
    let of_item = first_of.iter().map(|f| position[*f as usize]).collect();
    (of_item, firsts)
}

fn sizes(of_mention: &[u32], groups: usize) -> Vec<u32> {
    let mut sizes = vec![0u32; groups];
    for record in of_mention {
        sizes[*record as usize] += 1;
    }
    sizes
}

/// Hashes the compared features of an identifying record. A record that is
/// not identifying gets a key of its own from its position.
fn group_key(features: &Features<'_>, index: usize) -> u64 {
    copy_key(features).unwrap_or_else(|| own_key(index))
}

/// Returns the hash exact copies of an identifying record share, or `None`
/// when the record is not identifying and so never stands for copies.
pub(crate) fn copy_key(features: &Features<'_>) -> Option<u64> {
    if !features.identifying() {
        return None;
    }
    let mut hasher = FxHasher::default();
    features.hash(&mut hasher);
    Some(hasher.finish())
}

/// A key of the item's own, from its position.
fn own_key(index: usize) -> u64 {
    let mut hasher = FxHasher::default();
    (u64::MAX, index).hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
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
        let (of_record, firsts) = group(&records, &HashSet::new());
        assert_eq!(of_record, vec![0, 1, 0, 2, 2]);
        assert_eq!(firsts, vec![0, 1, 3]);
        assert_eq!(sizes(&of_record, firsts.len()), vec![2, 1, 2]);
    }

    #[test]
    fn mentions_that_identify_no_one_stay_apart() {
        let records = vec![
            record("ANA", "LEE", None, ""),
            record("ANA", "LEE", None, ""),
            record("", "LEE", Some("1980-03-04"), ""),
            record("", "LEE", Some("1980-03-04"), ""),
        ];
        let (of_record, firsts) = group(&records, &HashSet::new());
        assert_eq!(of_record, vec![0, 1, 2, 3]);
        assert_eq!(firsts, vec![0, 1, 2, 3]);
    }

    #[test]
    fn mention_and_prepared_features_agree() {
        use crate::model::{Identifiers, PersonFacts, Role};
        use crate::normalize::{Address, Dob, PersonName, Phone};
        use crate::resolve::prepare::prepare_all;

        let date = NaiveDate::from_ymd_opt(1971, 3, 4).expect("date");
        let mention = Mention {
            id: 1,
            source: "dmv".into(),
            record_id: "r1".into(),
            role: Role::Subject,
            person: PersonFacts {
                name: PersonName::from_parts(Some("Pat"), None, Some("Tester"), Some("Jr")).ok(),
                dob: Dob::new(date),
                sex: Some(Sex::Unknown),
                ids: Identifiers {
                    state_id: Some("CT123".into()),
                    licence: Some("L99".into()),
                    ..Identifiers::default()
                },
                address: Address::from_parts(
                    "12 Main Street",
                    Some("Apt 3"),
                    "Hartford",
                    "CT",
                    Some("06103"),
                )
                .ok(),
                phone: Phone::parse("(860) 555-0142").ok(),
            },
        };
        assert!(mention.person.name.is_some(), "fixture name parses");
        assert!(mention.person.address.is_some(), "fixture address parses");
        assert!(mention.person.phone.is_some(), "fixture phone parses");
        let prepared = prepare_all(std::slice::from_ref(&mention)).remove(0);
        assert!(mention.features().identifying());
        assert_eq!(mention.features(), prepared.features());
    }
}
