//! Comparison-ready features of a mention: cleaned names with their nickname
//! and phonetic forms, date of birth, address parts and identifiers.
//!
//! Features are computed once per mention so blocking and comparison only
//! read them. Phonetic codes are computed once per distinct name.

use chrono::{Datelike, NaiveDate};
use compact_str::CompactString;
use rayon::prelude::*;
use rphonetic::{DoubleMetaphone, Encoder};
use rustc_hash::{FxHashMap, FxHashSet};

use super::nicknames::canonical_given;
use crate::graph::Mention;
use crate::model::{PersonFacts, Sex};

/// Number of identifier slots in [`Prepared::ids`].
pub(crate) const ID_SLOTS: usize = 5;

/// Comparison features of one mention. Empty strings mean "not recorded".
/// Text is kept in `CompactString`s, which store up to 24 bytes inline, so
/// most records need no heap allocation beyond the struct itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    /// Index of the mention's source among all sources seen.
    pub(crate) source: u32,
    pub(crate) given: CompactString,
    /// Formal form of the given name (ROBERT for BOB).
    pub(crate) given_formal: CompactString,
    pub(crate) given_phonetic: PhoneticCode,
    pub(crate) surname: CompactString,
    pub(crate) surname_phonetic: PhoneticCode,
    /// Parts of a multi-part or hyphenated surname; empty for one-part surnames.
    pub(crate) surname_parts: Vec<CompactString>,
    pub(crate) suffix: CompactString,
    pub(crate) dob: Option<NaiveDate>,
    pub(crate) sex: Option<Sex>,
    pub(crate) street: CompactString,
    pub(crate) unit: CompactString,
    pub(crate) city: CompactString,
    pub(crate) zip: CompactString,
    pub(crate) phone: CompactString,
    /// State id, FBI number, licence, inmate number, registry id.
    pub(crate) ids: PreparedIds,
}

/// The identifier slots of a prepared record, stored end to end in one
/// `CompactString` with each slot's length. This takes 48 bytes where five
/// `CompactString`s took 120 (about 140 MB at one million generated people),
/// and needs no heap allocation while the identifiers fit in 24 bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct PreparedIds {
    text: CompactString,
    lengths: [u32; ID_SLOTS],
}

impl PreparedIds {
    /// Stores one value per slot; an empty value means "not recorded".
    pub(crate) fn from_slots(values: [&str; ID_SLOTS]) -> PreparedIds {
        let mut ids = PreparedIds::default();
        for (slot, value) in values.iter().enumerate() {
            ids.text.push_str(value);
            ids.lengths[slot] = value.len() as u32;
        }
        ids
    }

    /// Returns the value of every slot.
    pub(crate) fn as_array(&self) -> [&str; ID_SLOTS] {
        let mut start = 0;
        self.lengths.map(|length| {
            let value = &self.text[start..start + length as usize];
            start += length as usize;
            value
        })
    }

    /// Returns the values of the slots in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.as_array().into_iter()
    }

    /// Replaces the value of one slot.
    #[cfg(test)]
    pub(crate) fn set(&mut self, slot: usize, value: &str) {
        let mut values: [String; ID_SLOTS] = self.as_array().map(str::to_string);
        values[slot] = value.to_string();
        *self = PreparedIds::from_slots(values.each_ref().map(String::as_str));
    }
}

impl std::ops::Index<usize> for PreparedIds {
    type Output = str;

    fn index(&self, slot: usize) -> &str {
        let start: usize = self.lengths[..slot].iter().map(|l| *l as usize).sum();
        &self.text[start..start + self.lengths[slot] as usize]
    }
}

impl Prepared {
    /// Returns the date of birth as its eight digits `YYYYMMDD`.
    pub(crate) fn dob_digits(&self) -> Option<[u8; 8]> {
        let dob = self.dob?;
        let text = format!("{:04}{:02}{:02}", dob.year(), dob.month(), dob.day());
        text.as_bytes().try_into().ok()
    }

    /// Returns the first letter of the given name.
    pub(crate) fn given_initial(&self) -> Option<u8> {
        self.given.as_bytes().first().copied()
    }
}

/// The longest Double Metaphone code [`phonetic`] makes, rphonetic's default.
const PHONETIC_LEN: usize = 4;

/// A Double Metaphone code, kept in place: 4 bytes where a `CompactString`
/// takes 24, which saves 76 MB over the 1.9 million distinct records of one
/// million generated people. Shorter codes end with zero bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PhoneticCode([u8; PHONETIC_LEN]);

impl PhoneticCode {
    /// Keeps the first [`PHONETIC_LEN`] bytes of `code`, which is ASCII.
    fn new(code: &str) -> PhoneticCode {
        let mut bytes = [0; PHONETIC_LEN];
        for (slot, byte) in bytes.iter_mut().zip(code.bytes().filter(u8::is_ascii)) {
            *slot = byte;
        }
        PhoneticCode(bytes)
    }

    /// Returns the code as text.
    pub(crate) fn as_str(&self) -> &str {
        let len = self.0.iter().position(|b| *b == 0).unwrap_or(PHONETIC_LEN);
        // Only ASCII bytes are stored, so this never fails.
        std::str::from_utf8(&self.0[..len]).unwrap_or_default()
    }
}

impl std::ops::Deref for PhoneticCode {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

/// Hashes as the text does, so blocking keys are the same as with a string.
impl std::hash::Hash for PhoneticCode {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// Prepares every mention, in parallel, with phonetic codes shared per distinct name.
pub(crate) fn prepare_all(mentions: &[Mention]) -> Vec<Prepared> {
    let all: Vec<u32> = (0..mentions.len() as u32).collect();
    prepare_some(mentions, &all)
}

/// Prepares the mentions at `positions`, with source indexes numbered over all `mentions`.
pub(crate) fn prepare_some(mentions: &[Mention], positions: &[u32]) -> Vec<Prepared> {
    let sources = source_indexes(mentions);
    let mut prepared: Vec<Prepared> = positions
        .par_iter()
        .map(|at| {
            let m = &mentions[*at as usize];
            prepare_person(&m.person, sources[m.source.as_str()])
        })
        .collect();
    add_phonetic_codes(&mut prepared);
    prepared
}

/// Fills in the phonetic codes of prepared records, computing each distinct
/// name's code once.
pub(crate) fn add_phonetic_codes(prepared: &mut [Prepared]) {
    let codes = phonetic_codes(prepared);
    prepared.par_iter_mut().for_each(|p| {
        p.given_phonetic = codes.get(p.given.as_str()).copied().unwrap_or_default();
        p.surname_phonetic = codes.get(p.surname.as_str()).copied().unwrap_or_default();
    });
}

/// Prepares one mention with its phonetic codes, for scoring a single pair.
pub(crate) fn prepare_single(mention: &Mention, source: u32) -> Prepared {
    let mut prepared = prepare_person(&mention.person, source);
    prepared.given_phonetic = phonetic(&prepared.given);
    prepared.surname_phonetic = phonetic(&prepared.surname);
    prepared
}

fn source_indexes(mentions: &[Mention]) -> FxHashMap<&str, u32> {
    let mut indexes = FxHashMap::default();
    for mention in mentions {
        let next = indexes.len() as u32;
        indexes.entry(mention.source.as_str()).or_insert(next);
    }
    indexes
}

fn phonetic_codes(prepared: &[Prepared]) -> FxHashMap<String, PhoneticCode> {
    let names: FxHashSet<&str> = prepared
        .iter()
        .flat_map(|p| [p.given.as_str(), p.surname.as_str()])
        .filter(|n| !n.is_empty())
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    names
        .par_iter()
        .map(|name| (name.to_string(), phonetic(name)))
        .collect()
}

/// Double Metaphone primary code of a name, without spaces or hyphens.
fn phonetic(name: &str) -> PhoneticCode {
    if name.is_empty() {
        return PhoneticCode::default();
    }
    let letters: String = name.chars().filter(char::is_ascii_alphabetic).collect();
    PhoneticCode::new(&DoubleMetaphone::default().encode(&letters))
}

/// Prepares one person's facts without phonetic codes; `source` is the index of its source.
pub(crate) fn prepare_person(person: &PersonFacts, source: u32) -> Prepared {
    let mut prepared = Prepared {
        source,
        dob: person.dob.map(|d| d.date()),
        sex: person.sex.filter(|s| *s != Sex::Unknown),
        phone: person
            .phone
            .as_ref()
            .map_or_else(CompactString::default, |p| p.as_str().into()),
        ..Prepared::default()
    };
    if let Some(name) = &person.name {
        prepared.given = name.given.as_str().into();
        prepared.given_formal = canonical_given(&name.given).into();
        prepared.surname = name.surname.as_str().into();
        let parts: Vec<CompactString> = name.surname_parts().map(CompactString::from).collect();
        if parts.len() > 1 {
            prepared.surname_parts = parts;
        }
        prepared.suffix = compact(name.suffix.as_ref());
    }
    if let Some(address) = &person.address {
        prepared.street = address.street.as_str().into();
        prepared.unit = compact(address.unit.as_ref());
        prepared.city = address.city.as_str().into();
        prepared.zip = compact(address.zip.as_ref());
    }
    let ids = &person.ids;
    prepared.ids = PreparedIds::from_slots(
        [
            &ids.state_id,
            &ids.fbi,
            &ids.licence,
            &ids.inmate,
            &ids.sor_id,
        ]
        .map(|value| value.as_deref().unwrap_or_default()),
    );
    prepared
}

fn compact(value: Option<&String>) -> CompactString {
    value.map_or_else(CompactString::default, |v| v.as_str().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(value: impl std::hash::Hash) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(value)
    }

    #[test]
    fn phonetic_codes_read_as_text() {
        // Each case: a name and its Double Metaphone code.
        let cases = [
            ("SMITH", "SM0"),
            ("SCHMIDT", "XMT"),
            ("KOWALCZYK", "KLSK"),
            ("O'NEILL-BAKER", "ANLP"),
            ("", ""),
        ];
        for (name, expected) in cases {
            let code = phonetic(name);
            assert_eq!(code.as_str(), expected, "{name}");
            assert_eq!(code.is_empty(), expected.is_empty(), "{name}");
            assert_eq!(hash_of(code), hash_of(expected), "{name} hashes as text");
        }
    }

    #[test]
    fn prepared_ids_keep_each_slot() {
        let mut ids = PreparedIds::from_slots(["CT123", "", "L99", "", "R7"]);
        assert_eq!(ids.as_array(), ["CT123", "", "L99", "", "R7"]);
        assert_eq!(&ids[0], "CT123");
        assert_eq!(&ids[1], "");
        assert_eq!(&ids[2], "L99");
        assert_eq!(&ids[4], "R7");
        ids.set(1, "F42");
        ids.set(4, "");
        assert_eq!(
            ids.iter().collect::<Vec<_>>(),
            ["CT123", "F42", "L99", "", ""]
        );
        assert_eq!(PreparedIds::default().as_array(), [""; ID_SLOTS]);
    }
}
