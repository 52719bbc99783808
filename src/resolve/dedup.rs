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
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use chrono::NaiveDate;

use super::parties::CoParties;
use super::prepare::{ID_SLOTS, Prepared, add_phonetic_codes, prepare_person, prepare_some};
use crate::graph::Mention;
use crate::model::{PersonFacts, Sex};

/// Distinct records and the mentions each stands for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Distinct {
    /// One record per group of identical mentions, in order of first mention.
    pub(crate) records: Vec<Prepared>,
    /// Number of mentions each record stands for.
    pub(crate) sizes: Vec<u32>,
    /// Position in `records` of each mention.
    pub(crate) of_mention: Vec<u32>,
    /// The record versions whose parties are in two or more records.
    pub(crate) co_parties: CoParties,
}

impl Distinct {
    /// Keeps every mention as its own record.
    pub(crate) fn each(prepared: Vec<Prepared>) -> Distinct {
        let n = prepared.len() as u32;
        Distinct {
            records: prepared,
            sizes: vec![1; n as usize],
            of_mention: (0..n).collect(),
            co_parties: CoParties::default(),
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
            names: [self.given(), self.surname(), self.suffix()],
            dob: self.dob,
            sex: self.sex,
            address: [
                self.street(),
                self.unit(),
                self.city(),
                self.zip(),
                self.phone(),
            ],
            ids: self.ids(),
        }
    }
}

impl HasFeatures for Mention {
    fn features(&self) -> Features<'_> {
        self.person.features()
    }
}

impl HasFeatures for PersonFacts {
    /// Reads the same values `prepare` copies into a [`Prepared`].
    fn features(&self) -> Features<'_> {
        let name = self.name.as_ref();
        let address = self.address.as_ref();
        let ids = &self.ids;
        Features {
            names: [
                name.map_or("", |n| n.given.as_str()),
                name.map_or("", |n| n.surname.as_str()),
                text(name.and_then(|n| n.suffix.as_ref())),
            ],
            dob: self.dob.map(|d| d.date()),
            sex: self.sex.filter(|s| *s != Sex::Unknown),
            address: [
                address.map_or("", |a| a.street.as_str()),
                text(address.and_then(|a| a.unit.as_ref())),
                address.map_or("", |a| a.city.as_str()),
                text(address.and_then(|a| a.zip.as_ref())),
                self.phone.as_ref().map_or("", |p| p.as_str()),
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
        co_parties: CoParties::default(),
    }
}

/// Groups mentions into distinct records as they arrive, so that only one
/// prepared record per group is kept and the mentions themselves need not be.
/// Fed the same mentions in the same order, it builds the records, sizes and
/// positions that [`collapse`] builds with no mention kept alone, or those of
/// [`Distinct::each`] when copies are not collapsed.
#[derive(Debug, Default)]
pub(crate) struct DistinctBuilder {
    distinct: Distinct,
    collapse: bool,
    /// The first record with each copy key.
    by_key: FxHashMap<u64, u32>,
    /// Further records whose features differ but whose copy key is equal.
    collided: FxHashMap<u64, Vec<u32>>,
    /// Index of each source, numbered in order of first mention.
    sources: FxHashMap<String, u32>,
}

impl DistinctBuilder {
    /// Starts an empty builder; `collapse` sets whether exact copies become one record.
    pub(crate) fn new(collapse: bool) -> DistinctBuilder {
        DistinctBuilder {
            collapse,
            ..DistinctBuilder::default()
        }
    }

    /// Adds the persons of consecutive mentions from `source`, in input order.
    pub(crate) fn add(&mut self, source: &str, persons: &[PersonFacts]) {
        let next = self.sources.len() as u32;
        let source = *self.sources.entry(source.to_string()).or_insert(next);
        let base = self.distinct.records.len() as u32;
        // Each mention's copy key and the earlier record it copies, if any.
        // This step only reads, so it runs on all threads. A mention that
        // copies no earlier record is matched against the new ones below, in
        // input order, so it gets the record a sequential search would give.
        let found: Vec<(Option<u64>, Option<u32>)> = if self.collapse {
            persons
                .par_iter()
                .map(|person| {
                    let features = person.features();
                    let key = copy_key(&features);
                    let earlier = key.and_then(|key| {
                        self.find(key, |record| {
                            record < base
                                && self.distinct.records[record as usize].features() == features
                        })
                    });
                    (key, earlier)
                })
                .collect()
        } else {
            vec![(None, None); persons.len()]
        };
        let copies = first_copies(persons, &found);
        // Positions in `persons` of the mentions that start a record.
        let mut firsts: Vec<usize> = Vec::new();
        let mut record_at: Vec<u32> = Vec::with_capacity(persons.len());
        for (at, (key, earlier)) in found.into_iter().enumerate() {
            let found = earlier.or_else(|| copies[at].map(|first| record_at[first]));
            let record = match found {
                Some(record) => record,
                None => {
                    let record = base + firsts.len() as u32;
                    firsts.push(at);
                    self.insert(key, record);
                    self.distinct.sizes.push(0);
                    record
                }
            };
            record_at.push(record);
            self.distinct.sizes[record as usize] += 1;
            self.distinct.of_mention.push(record);
        }
        // Written in place by the worker threads, which also take the page
        // faults of the room reserved for the records.
        self.distinct.records.par_extend(
            firsts
                .par_iter()
                .map(|at| prepare_person(&persons[*at], source)),
        );
    }

    /// Reserves room for `mentions` more mentions and as many records, so
    /// the records' vector does not move while it grows as long as no more
    /// mentions follow. Room that is never written takes no resident memory.
    pub(crate) fn reserve(&mut self, mentions: usize) {
        self.distinct.records.reserve_exact(mentions);
        self.distinct.sizes.reserve_exact(mentions);
        self.distinct.of_mention.reserve_exact(mentions);
    }

    /// Returns the first record with copy key `key` for which `same` holds.
    fn find(&self, key: u64, same: impl Fn(u32) -> bool) -> Option<u32> {
        let first = *self.by_key.get(&key)?;
        if same(first) {
            return Some(first);
        }
        let more = self.collided.get(&key)?;
        more.iter().copied().find(|record| same(*record))
    }

    fn insert(&mut self, key: Option<u64>, record: u32) {
        let Some(key) = key else {
            return;
        };
        match self.by_key.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(record);
            }
            Entry::Occupied(_) => self.collided.entry(key).or_default().push(record),
        }
    }

    /// Returns the distinct records with their phonetic codes filled in.
    pub(crate) fn finish(mut self) -> Distinct {
        add_phonetic_codes(&mut self.distinct.records);
        self.distinct
    }

    /// Returns the number of mentions added so far.
    pub(crate) fn mentions(&self) -> usize {
        self.distinct.of_mention.len()
    }
}

/// Returns, for each of `persons` that copies no earlier record, the first
/// mention before it in `persons` with equal features, if any. `found`
/// contains each mention's copy key and the earlier record it copies. The
/// equality tests run on all threads, and only the first mention of each
/// key is found in order.
fn first_copies(
    persons: &[PersonFacts],
    found: &[(Option<u64>, Option<u32>)],
) -> Vec<Option<usize>> {
    let new_key = |at: usize| match found[at] {
        (Some(key), None) => Some(key),
        _ => None,
    };
    let mut first_with_key: FxHashMap<u64, usize> = FxHashMap::default();
    for at in 0..persons.len() {
        if let Some(key) = new_key(at) {
            first_with_key.entry(key).or_insert(at);
        }
    }
    (0..persons.len())
        .into_par_iter()
        .map(|at| {
            let key = new_key(at)?;
            let first = first_with_key[&key];
            if first == at {
                return None;
            }
            let features = persons[at].features();
            if persons[first].features() == features {
                return Some(first);
            }
            // Another mention with this key but other features: a hash
            // collision, so rare that a scan of the chunk is cheap enough.
            (first + 1..at).find(|other| {
                new_key(*other) == Some(key) && persons[*other].features() == features
            })
        })
        .collect()
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
    use crate::resolve::prepare::TextField;

    fn record(given: &str, surname: &str, dob: Option<&str>, licence: &str) -> Prepared {
        let mut p = Prepared::default();
        p.dob = dob.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date"));
        p.set(TextField::Given, given);
        p.set(TextField::Surname, surname);
        p.set_id(2, licence);
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
    fn builder_groups_as_collapse_does() {
        use crate::model::{PersonFacts, Role};
        use crate::normalize::{Dob, PersonName};

        let person = |given: &str, year: i32| PersonFacts {
            name: PersonName::from_parts(Some(given), None, Some("Tester"), None).ok(),
            dob: Dob::new(NaiveDate::from_ymd_opt(year, 1, 2).expect("date")),
            ..PersonFacts::default()
        };
        let unnamed = PersonFacts::default();
        let persons = [
            person("Ana", 1980),
            person("Ben", 1981),
            person("Ana", 1980),
            unnamed.clone(),
            person("Ben", 1981),
            unnamed,
            person("Ana", 1980),
            person("Cid", 1990),
            person("Cid", 1990),
        ];
        let mentions: Vec<Mention> = persons
            .iter()
            .enumerate()
            .map(|(at, person)| Mention {
                id: at as i64 + 1,
                source: if at < 3 { "dmv" } else { "rms" }.into(),
                record_id: format!("r{at}"),
                record: at as i64 + 1,
                role: Role::Subject,
                person: person.clone(),
            })
            .collect();
        let expected = collapse(&mentions, &HashSet::new());
        let mut builder = DistinctBuilder::new(true);
        builder.add("dmv", &persons[..3]);
        builder.add("rms", &persons[3..]);
        let built = builder.finish();
        // Copies of a record from an earlier call (Ben, the last Ana) and of
        // one first seen in the same call (the second Cid) both find it.
        assert_eq!(built.of_mention, vec![0, 1, 0, 2, 1, 3, 0, 4, 4]);
        assert_eq!(built.of_mention, expected.of_mention);
        assert_eq!(built.sizes, expected.sizes);
        let sources: Vec<u32> = built.records.iter().map(|r| r.source).collect();
        assert_eq!(sources, vec![0, 0, 1, 1, 1]);
        for (left, right) in built.records.iter().zip(&expected.records) {
            assert_eq!(left.features(), right.features());
            assert_eq!(left.source, right.source);
            assert_eq!(left.surname_phonetic, right.surname_phonetic);
        }
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
            record: 1,
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
