//! Comparison-ready features of a mention: cleaned names with their nickname
//! and phonetic forms, date of birth, address parts and identifiers.
//!
//! Features are computed once per mention so blocking and comparison only
//! read them. Phonetic codes are computed once per distinct name.

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rphonetic::{DoubleMetaphone, Encoder};
use rustc_hash::{FxHashMap, FxHashSet};

use super::nicknames::canonical_given;
use crate::graph::Mention;
use crate::model::{PersonFacts, Sex};

/// Number of identifier slots among a prepared record's text fields.
pub(crate) const ID_SLOTS: usize = 5;

/// The text fields of a prepared record other than its identifiers, which
/// follow them in the order of [`Prepared::ids`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    Given,
    /// Formal form of the given name (ROBERT for BOB).
    GivenFormal,
    Surname,
    Suffix,
    Street,
    Unit,
    City,
    Zip,
    Phone,
}

/// Position of the first identifier among the packed text fields.
const FIRST_ID: usize = TextField::Phone as usize + 1;

/// Number of packed text fields: the [`TextField`]s and the identifiers.
const TEXT_FIELDS: usize = FIRST_ID + ID_SLOTS;

/// Comparison features of one mention. Empty text means "not recorded".
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    /// Index of the mention's source among all sources seen.
    pub(crate) source: u32,
    pub(crate) given_phonetic: PhoneticCode,
    pub(crate) surname_phonetic: PhoneticCode,
    pub(crate) dob: Option<NaiveDate>,
    pub(crate) sex: Option<Sex>,
    text: PackedText,
}

/// The text fields of a prepared record end to end, with the end of each
/// field. Fourteen `CompactString`s took 24 bytes each, 336 in all. This
/// takes 128 bytes, and text of up to [`INLINE_TEXT`] bytes (nearly every
/// generated record) stays in place.
///
/// In place matters as much as small. Comparison reads two records at
/// random, and text behind a pointer costs a second cache miss that waits
/// on the first: with all text on the heap, comparison at one million
/// generated people took 28% longer.
#[derive(Debug, Clone, Default)]
struct PackedText {
    text: TextBytes,
    ends: [u16; TEXT_FIELDS],
}

/// Bytes of text a prepared record keeps in place; with the variant's tag
/// this fills 96 bytes.
const INLINE_TEXT: usize = 94;

/// The text of a [`PackedText`], in place or on the heap.
///
/// No crate keeps a string of this size in place (`compact_str` stops at 24
/// bytes), hence this type.
#[derive(Debug, Clone)]
enum TextBytes {
    /// The first `ends[TEXT_FIELDS - 1]` bytes are the text.
    Inline([u8; INLINE_TEXT]),
    Heap(Box<str>),
}

impl Default for TextBytes {
    fn default() -> TextBytes {
        TextBytes::Inline([0; INLINE_TEXT])
    }
}

impl PackedText {
    /// Packs one value per field. Text past 65,535 bytes in all is cut at a
    /// character boundary. No name, address or identifier comes near that,
    /// and the record itself is stored whole, so only its comparison changes.
    fn new(values: [&str; TEXT_FIELDS]) -> PackedText {
        let total: usize = values.iter().map(|v| v.len()).sum();
        let mut ends = [0; TEXT_FIELDS];
        if total <= INLINE_TEXT {
            let mut bytes = [0; INLINE_TEXT];
            let mut at = 0;
            for (end, value) in ends.iter_mut().zip(values) {
                bytes[at..at + value.len()].copy_from_slice(value.as_bytes());
                at += value.len();
                // `at` is at most INLINE_TEXT, so this never saturates.
                *end = u16::try_from(at).unwrap_or(u16::MAX);
            }
            let text = TextBytes::Inline(bytes);
            return PackedText { text, ends };
        }
        let mut text = String::with_capacity(total.min(usize::from(u16::MAX)));
        for (end, value) in ends.iter_mut().zip(values) {
            let room = usize::from(u16::MAX) - text.len();
            let mut take = value.len().min(room);
            while !value.is_char_boundary(take) {
                take -= 1;
            }
            text.push_str(&value[..take]);
            // `text` never exceeds u16::MAX bytes, so this never saturates.
            *end = u16::try_from(text.len()).unwrap_or(u16::MAX);
        }
        let text = TextBytes::Heap(text.into_boxed_str());
        PackedText { text, ends }
    }

    #[inline]
    fn get(&self, field: usize) -> &str {
        let start = usize::from(field.checked_sub(1).map_or(0, |before| self.ends[before]));
        let end = usize::from(self.ends[field]);
        match &self.text {
            TextBytes::Inline(bytes) => {
                let bytes = &bytes[start..end];
                // SAFETY: `new` copies whole `&str` values into `bytes`, one
                // after another, and `start..end` covers exactly one of them,
                // so the range is valid UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            TextBytes::Heap(text) => &text[start..end],
        }
    }

    #[cfg(test)]
    fn values(&self) -> [&str; TEXT_FIELDS] {
        std::array::from_fn(|field| self.get(field))
    }
}

impl Prepared {
    /// Returns the date of birth as its eight digits `YYYYMMDD`.
    /// A year outside 0 to 9999 has no such form and gives `None`.
    pub(crate) fn dob_digits(&self) -> Option<[u8; 8]> {
        let dob = self.dob?;
        let year = u32::try_from(dob.year()).ok().filter(|y| *y <= 9999)?;
        let mut rest = year * 10_000 + dob.month() * 100 + dob.day();
        let mut digits = [b'0'; 8];
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Some(digits)
    }

    /// Returns the first letter of the given name.
    #[inline]
    pub(crate) fn given_initial(&self) -> Option<u8> {
        self.given().as_bytes().first().copied()
    }

    /// Returns one text field.
    #[inline]
    pub(crate) fn text(&self, field: TextField) -> &str {
        self.text.get(field as usize)
    }

    #[inline]
    pub(crate) fn given(&self) -> &str {
        self.text(TextField::Given)
    }

    /// Returns the formal form of the given name (ROBERT for BOB).
    #[inline]
    pub(crate) fn given_formal(&self) -> &str {
        self.text(TextField::GivenFormal)
    }

    #[inline]
    pub(crate) fn surname(&self) -> &str {
        self.text(TextField::Surname)
    }

    /// Returns the parts of a multi-part or hyphenated surname, split as
    /// [`crate::model::PersonName::surname_parts`] splits them, or nothing
    /// for a surname of one part.
    pub(crate) fn surname_parts(&self) -> impl Iterator<Item = &str> {
        let surname = self.surname();
        let parts = || surname.split([' ', '-']).filter(|p| !p.is_empty());
        let several = parts().nth(1).is_some();
        parts().filter(move |_| several)
    }

    #[inline]
    pub(crate) fn suffix(&self) -> &str {
        self.text(TextField::Suffix)
    }

    #[inline]
    pub(crate) fn street(&self) -> &str {
        self.text(TextField::Street)
    }

    #[inline]
    pub(crate) fn unit(&self) -> &str {
        self.text(TextField::Unit)
    }

    #[inline]
    pub(crate) fn city(&self) -> &str {
        self.text(TextField::City)
    }

    #[inline]
    pub(crate) fn zip(&self) -> &str {
        self.text(TextField::Zip)
    }

    #[inline]
    pub(crate) fn phone(&self) -> &str {
        self.text(TextField::Phone)
    }

    /// Returns one identifier: state id, FBI number, licence, inmate number
    /// or registry id for slots 0 to 4.
    #[inline]
    pub(crate) fn id(&self, slot: usize) -> &str {
        self.text.get(FIRST_ID + slot)
    }

    /// Returns the five identifiers in slot order.
    #[inline]
    pub(crate) fn ids(&self) -> [&str; ID_SLOTS] {
        std::array::from_fn(|slot| self.id(slot))
    }

    /// Replaces one text field.
    #[cfg(test)]
    pub(crate) fn set(&mut self, field: TextField, value: &str) {
        self.set_packed(field as usize, value);
    }

    /// Replaces one identifier.
    #[cfg(test)]
    pub(crate) fn set_id(&mut self, slot: usize, value: &str) {
        self.set_packed(FIRST_ID + slot, value);
    }

    /// Replaces the packed text field at `index`.
    #[cfg(test)]
    fn set_packed(&mut self, index: usize, value: &str) {
        let mut values = self.text.values();
        values[index] = value;
        self.text = PackedText::new(values);
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

    /// Returns whether there is no code, as for a name with no letters.
    pub(crate) fn is_empty(&self) -> bool {
        self.0[0] == 0
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
        p.given_phonetic = codes.get(p.given()).copied().unwrap_or_default();
        p.surname_phonetic = codes.get(p.surname()).copied().unwrap_or_default();
    });
}

/// Prepares one mention with its phonetic codes, for scoring a single pair.
pub(crate) fn prepare_single(mention: &Mention, source: u32) -> Prepared {
    let mut prepared = prepare_person(&mention.person, source);
    prepared.given_phonetic = phonetic(prepared.given());
    prepared.surname_phonetic = phonetic(prepared.surname());
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
        .flat_map(|p| [p.given(), p.surname()])
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
    let name = person.name.as_ref();
    let address = person.address.as_ref();
    let ids = &person.ids;
    Prepared {
        source,
        dob: person.dob.map(|d| d.date()),
        sex: person.sex.filter(|s| *s != Sex::Unknown),
        text: PackedText::new([
            text(name.map(|n| &n.given)),
            name.map_or("", |n| canonical_given(&n.given)),
            text(name.map(|n| &n.surname)),
            text(name.and_then(|n| n.suffix.as_ref())),
            text(address.map(|a| &a.street)),
            text(address.and_then(|a| a.unit.as_ref())),
            text(address.map(|a| &a.city)),
            text(address.and_then(|a| a.zip.as_ref())),
            person.phone.as_ref().map_or("", |p| p.as_str()),
            text(ids.state_id.as_ref()),
            text(ids.fbi.as_ref()),
            text(ids.licence.as_ref()),
            text(ids.inmate.as_ref()),
            text(ids.sor_id.as_ref()),
        ]),
        ..Prepared::default()
    }
}

fn text(value: Option<&String>) -> &str {
    value.map_or("", String::as_str)
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
    fn text_fields_keep_each_value() {
        let mut p = Prepared::default();
        p.set(TextField::Surname, "GARCIA-LOPEZ");
        p.set(TextField::Given, "ANA");
        p.set_id(0, "CT123");
        p.set_id(2, "L99");
        p.set(TextField::Zip, "06101");
        p.set_id(4, "R7");
        assert_eq!(p.given(), "ANA");
        assert_eq!(p.given_formal(), "");
        assert_eq!(p.surname(), "GARCIA-LOPEZ");
        assert_eq!(p.zip(), "06101");
        assert_eq!(p.ids(), ["CT123", "", "L99", "", "R7"]);
        assert_eq!(p.surname_parts().collect::<Vec<_>>(), ["GARCIA", "LOPEZ"]);
        p.set_id(2, "");
        p.set(TextField::Given, "ANABEL");
        assert_eq!(p.ids(), ["CT123", "", "", "", "R7"]);
        assert_eq!((p.given(), p.surname()), ("ANABEL", "GARCIA-LOPEZ"));
        assert_eq!(Prepared::default().ids(), [""; ID_SLOTS]);
    }

    #[test]
    fn dob_digits_are_year_month_day() {
        // Each case: a date of birth (year, month, day) and its digits, or
        // nothing when it has no eight-digit form.
        let cases = [
            ((1987, 3, 9), "19870309"),
            ((2001, 12, 31), "20011231"),
            ((812, 1, 1), "08120101"),
            ((-4, 1, 1), ""),
        ];
        for ((year, month, day), digits) in cases {
            let p = Prepared {
                dob: NaiveDate::from_ymd_opt(year, month, day),
                ..Prepared::default()
            };
            let expected = (!digits.is_empty()).then(|| digits.as_bytes().try_into().unwrap());
            assert_eq!(p.dob_digits(), expected, "{year}-{month}-{day}");
        }
        assert_eq!(Prepared::default().dob_digits(), None);
    }

    #[test]
    fn surname_parts_only_for_several_parts() {
        // Each case: a surname and the parts a prepared record gives.
        let cases: [(&str, &[&str]); 5] = [
            ("SMITH", &[]),
            ("SMITH-", &[]),
            ("", &[]),
            ("DE LA CRUZ", &["DE", "LA", "CRUZ"]),
            ("BERG--SMITH", &["BERG", "SMITH"]),
        ];
        for (surname, parts) in cases {
            let mut p = Prepared::default();
            p.set(TextField::Surname, surname);
            assert_eq!(p.surname_parts().collect::<Vec<_>>(), parts, "{surname}");
        }
    }

    #[test]
    fn packed_text_inline_and_heap() {
        let long_street = "1 ".to_string() + &"Ü".repeat(60) + " ST";
        // Each case: the values of four fields, and whether they stay in place.
        let cases: [([&str; 4], bool); 5] = [
            (["", "", "", ""], true),
            (["ANA", "ÉLODIE", "12 MAIN ST", "CT123"], true),
            (["ANA", "GARCIA-LOPEZ", &long_street, "CT123"], false),
            (["ANA", "LEE", &"X".repeat(INLINE_TEXT - 9), "CT1"], true),
            (["ANA", "LEE", &"X".repeat(INLINE_TEXT - 8), "CT1"], false),
        ];
        for (four, inline) in cases {
            let mut values = [""; TEXT_FIELDS];
            values[0] = four[0];
            values[2] = four[1];
            values[4] = four[2];
            values[FIRST_ID] = four[3];
            let packed = PackedText::new(values);
            assert_eq!(packed.values(), values, "{four:?}");
            let in_place = matches!(packed.text, TextBytes::Inline(_));
            assert_eq!(in_place, inline, "{four:?}");
        }
        assert_eq!(std::mem::size_of::<PackedText>(), 128);
        assert!(
            std::mem::size_of::<Prepared>() <= 152,
            "{}",
            std::mem::size_of::<Prepared>()
        );
    }

    #[test]
    fn packed_text_is_cut_at_a_character_boundary() {
        let long = "É".repeat(40_000);
        let mut values = [""; TEXT_FIELDS];
        values[0] = "ANA";
        values[2] = &long;
        values[3] = "JR";
        let packed = PackedText::new(values);
        assert_eq!(packed.get(0), "ANA");
        let surname = packed.get(2);
        assert!(
            surname.len() <= usize::from(u16::MAX) - 3,
            "{}",
            surname.len()
        );
        assert!(surname.len() > 65_000, "{}", surname.len());
        assert!(surname.chars().all(|c| c == 'É'));
        assert_eq!(packed.get(3), "", "no room is left after the cut");
    }
}
