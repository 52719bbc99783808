//! Graded comparison of two prepared mentions, field by field.
//!
//! Every field has an ordered list of levels from the strongest agreement to
//! disagreement; level 0 always means "missing on either side" and carries no
//! evidence. Names are compared both ways round so a given name and surname
//! swapped between two records still agree.

use std::cell::RefCell;

use chrono::Datelike;
use serde::Serialize;

use super::prepare::{ID_SLOTS, PhoneticCode, Prepared};

/// A compared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Given name.
    Given,
    /// Surname.
    Surname,
    /// Date of birth.
    Dob,
    /// Recorded sex.
    Sex,
    /// Generational suffix (JR, SR, III).
    Suffix,
    /// Street line of the address.
    Street,
    /// Unit of the address.
    Unit,
    /// City or town.
    City,
    /// ZIP or postcode.
    Zip,
    /// Phone number.
    Phone,
    /// State identification number.
    StateId,
    /// FBI number.
    Fbi,
    /// Driver licence number.
    Licence,
    /// Inmate number.
    Inmate,
    /// Sex-offender registry number.
    SorId,
}

/// Number of compared fields.
pub(crate) const FIELD_COUNT: usize = 15;

/// Every field, in comparison-vector order.
pub const FIELDS: [Field; FIELD_COUNT] = [
    Field::Given,
    Field::Surname,
    Field::Dob,
    Field::Sex,
    Field::Suffix,
    Field::Street,
    Field::Unit,
    Field::City,
    Field::Zip,
    Field::Phone,
    Field::StateId,
    Field::Fbi,
    Field::Licence,
    Field::Inmate,
    Field::SorId,
];

const GIVEN_LEVELS: &[&str] = &[
    "missing",
    "exact",
    "nickname",
    "typo",
    "initial",
    "phonetic",
    "similar",
    "different",
];
const SURNAME_LEVELS: &[&str] = &[
    "missing",
    "exact",
    "typo",
    "one part",
    "phonetic",
    "similar",
    "different",
];
const DOB_LEVELS: &[&str] = &[
    "missing",
    "exact",
    "day/month swapped",
    "one typo",
    "year off by one",
    "different",
];
const SAME_LEVELS: &[&str] = &["missing", "same", "different"];
const TEXT_LEVELS: &[&str] = &["missing", "exact", "similar", "different"];
const CODE_LEVELS: &[&str] = &["missing", "exact", "one edit", "different"];

/// Given-name level of an exact match; the level that gets term-frequency adjustment.
pub(crate) const EXACT: u8 = 1;

impl Field {
    /// Returns the field's snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Given => "given",
            Field::Surname => "surname",
            Field::Dob => "dob",
            Field::Sex => "sex",
            Field::Suffix => "suffix",
            Field::Street => "street",
            Field::Unit => "unit",
            Field::City => "city",
            Field::Zip => "zip",
            Field::Phone => "phone",
            Field::StateId => "state_id",
            Field::Fbi => "fbi",
            Field::Licence => "licence",
            Field::Inmate => "inmate",
            Field::SorId => "sor_id",
        }
    }

    /// Returns the labels of the field's levels; index 0 is "missing".
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Given => GIVEN_LEVELS,
            Field::Surname => SURNAME_LEVELS,
            Field::Dob => DOB_LEVELS,
            Field::Sex | Field::Suffix | Field::Unit => SAME_LEVELS,
            Field::Street | Field::City => TEXT_LEVELS,
            Field::Zip | Field::Phone => CODE_LEVELS,
            Field::StateId | Field::Fbi | Field::Licence | Field::Inmate | Field::SorId => {
                CODE_LEVELS
            }
        }
    }

    /// Returns the field's position in a comparison vector.
    pub(crate) fn index(self) -> usize {
        FIELDS.iter().position(|f| *f == self).unwrap_or(0)
    }
}

/// String-similarity thresholds of the graded levels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Thresholds {
    /// Jaro-Winkler similarity at or above which two names count as a typo.
    pub name_typo: f64,
    /// Jaro-Winkler similarity at or above which two names count as similar.
    pub name_similar: f64,
    /// Jaro-Winkler similarity at or above which a street or city counts as similar.
    pub address_similar: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            name_typo: 0.92,
            name_similar: 0.80,
            address_similar: 0.88,
        }
    }
}

/// The level reached on every field, and whether names matched the other way round.
///
/// The levels are packed four bits each into one `u64`, with the swap in
/// the bit above them, so that a comparison takes 8 bytes: a run on one
/// million generated people keeps 17.6 million comparisons until they are
/// scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Comparison {
    packed: u64,
}

/// Bits per level in [`Comparison::packed`].
const LEVEL_BITS: usize = 4;

impl Comparison {
    /// Packs levels of at most 15 each, one per field in [`FIELDS`] order.
    pub(crate) fn new(levels: [u8; FIELD_COUNT], swapped: bool) -> Comparison {
        let mut packed = u64::from(swapped) << (LEVEL_BITS * FIELD_COUNT);
        for (index, level) in levels.iter().enumerate() {
            debug_assert!(*level < 1 << LEVEL_BITS, "level {level} does not fit");
            packed |= u64::from(*level) << (LEVEL_BITS * index);
        }
        Comparison { packed }
    }

    /// Returns the level of every field, in [`FIELDS`] order.
    pub(crate) fn levels(&self) -> [u8; FIELD_COUNT] {
        std::array::from_fn(|index| ((self.packed >> (LEVEL_BITS * index)) & 0xF) as u8)
    }

    /// Returns whether given name and surname were compared swapped.
    pub(crate) fn swapped(&self) -> bool {
        (self.packed >> (LEVEL_BITS * FIELD_COUNT)) & 1 == 1
    }
}

/// Compares two prepared mentions on every field.
pub(crate) fn compare(a: &Prepared, b: &Prepared, t: &Thresholds) -> Comparison {
    let mut levels = [0u8; FIELD_COUNT];
    let (given, surname, swapped) = names(a, b, t);
    levels[0] = given;
    levels[1] = surname;
    levels[2] = dob_level(a, b);
    levels[3] = same_level(
        a.sex.map(|s| s as u8).unwrap_or(0),
        b.sex.map(|s| s as u8).unwrap_or(0),
        a.sex.is_none() || b.sex.is_none(),
    );
    levels[4] = same_level(
        a.suffix(),
        b.suffix(),
        a.suffix().is_empty() || b.suffix().is_empty(),
    );
    levels[5] = text_level(a.street(), b.street(), t.address_similar);
    levels[6] = same_level(
        a.unit(),
        b.unit(),
        a.unit().is_empty() || b.unit().is_empty(),
    );
    levels[7] = text_level(a.city(), b.city(), t.address_similar);
    levels[8] = code_level(a.zip(), b.zip());
    levels[9] = code_level(a.phone(), b.phone());
    for slot in 0..ID_SLOTS {
        levels[10 + slot] = code_level(a.id(slot), b.id(slot));
    }
    Comparison::new(levels, swapped)
}

/// One name as compared: its text, formal form, phonetic code and parts.
struct NameView<'a> {
    text: &'a str,
    formal: &'a str,
    phonetic: PhoneticCode,
    /// Whether the name may have parts (surnames such as GARCIA-LOPEZ).
    split: bool,
}

impl<'a> NameView<'a> {
    /// Returns the parts of a multi-part name, or the whole name for a name
    /// of one part. It runs on most compared pairs, so it collects nothing.
    fn parts(&self) -> impl Iterator<Item = &'a str> + Clone + use<'a> {
        let parts = self.text.split([' ', '-']).filter(|p| !p.is_empty());
        let several = self.split && parts.clone().nth(1).is_some();
        let whole = (!several).then_some(self.text);
        parts.filter(move |_| several).chain(whole)
    }
}

fn given_view(p: &Prepared) -> NameView<'_> {
    NameView {
        text: p.given(),
        formal: p.given_formal(),
        phonetic: p.given_phonetic,
        split: false,
    }
}

fn surname_view(p: &Prepared) -> NameView<'_> {
    NameView {
        text: p.surname(),
        formal: p.surname(),
        phonetic: p.surname_phonetic,
        split: true,
    }
}

/// Level of given names that disagree outright.
const GIVEN_DIFFERENT: u8 = 7;

/// Returns whether two mentions' given names name different people. That is
/// so when they disagree outright: not equal, nicknames, a typo apart, an
/// initial, phonetically equal or similar, either way round. It is also so
/// when the names are neither equal nor nicknames and the sexes differ, as
/// for a brother and sister with similar names.
pub(crate) fn given_names_differ(a: &Prepared, b: &Prepared, t: &Thresholds) -> bool {
    let level = names(a, b, t).0;
    let sexes_differ = matches!((a.sex, b.sex), (Some(x), Some(y)) if x != y);
    level == GIVEN_DIFFERENT || (level > GIVEN_NICKNAME && sexes_differ)
}

/// Returns whether two mentions' given names are one name: equal, or
/// nicknames of one formal name.
pub(crate) fn given_names_alike(a: &Prepared, b: &Prepared, t: &Thresholds) -> bool {
    names(a, b, t).0 <= GIVEN_NICKNAME
}

/// Last level of given names that are the same name: equal, or nicknames of
/// one formal name.
const GIVEN_NICKNAME: u8 = 2;

/// Returns the given and surname levels, trying the names swapped on one side.
fn names(a: &Prepared, b: &Prepared, t: &Thresholds) -> (u8, u8, bool) {
    let given = given_level(&given_view(a), &given_view(b), t);
    let surname = surname_level(&surname_view(a), &surname_view(b), t);
    let straight = agrees(given, GIVEN_AGREES) as u8 + agrees(surname, SURNAME_AGREES) as u8;
    if straight == 2 {
        return (given, surname, false);
    }
    let given_swapped = given_level(&given_view(a), &surname_view(b), t);
    let given_swapped_agrees = agrees(given_swapped, GIVEN_AGREES) as u8;
    // The swapped surnames can add one agreement at most, so when that
    // cannot beat the straight names, they need not be compared.
    if given_swapped_agrees < straight {
        return (given, surname, false);
    }
    let surname_swapped = surname_level(&surname_view(a), &given_view(b), t);
    let swapped = given_swapped_agrees + agrees(surname_swapped, SURNAME_AGREES) as u8;
    if swapped > straight {
        (given_swapped, surname_swapped, true)
    } else {
        (given, surname, false)
    }
}

/// Last level of each name field that still counts as agreement when choosing
/// between the straight and swapped orientation.
const GIVEN_AGREES: u8 = 5;
const SURNAME_AGREES: u8 = 4;

fn agrees(level: u8, last_agreeing: u8) -> bool {
    level >= 1 && level <= last_agreeing
}

fn given_level(a: &NameView<'_>, b: &NameView<'_>, t: &Thresholds) -> u8 {
    if a.text.is_empty() || b.text.is_empty() {
        return 0;
    }
    if a.text == b.text {
        return 1;
    }
    if a.formal == b.formal {
        return 2;
    }
    let similarity = jaro_winkler(a.text, b.text);
    if similarity >= t.name_typo || one_edit(a.text, b.text) {
        return 3;
    }
    let initial = |x: &str, y: &str| x.len() == 1 && y.starts_with(x);
    if initial(a.text, b.text) || initial(b.text, a.text) {
        return 4;
    }
    if !a.phonetic.is_empty() && a.phonetic == b.phonetic {
        return 5;
    }
    if similarity >= t.name_similar { 6 } else { 7 }
}

fn surname_level(a: &NameView<'_>, b: &NameView<'_>, t: &Thresholds) -> u8 {
    if a.text.is_empty() || b.text.is_empty() {
        return 0;
    }
    if a.text == b.text {
        return 1;
    }
    let similarity = jaro_winkler(a.text, b.text);
    if similarity >= t.name_typo || one_edit(a.text, b.text) {
        return 2;
    }
    if shares_part(a, b) {
        return 3;
    }
    if !a.phonetic.is_empty() && a.phonetic == b.phonetic {
        return 4;
    }
    if similarity >= t.name_similar { 5 } else { 6 }
}

/// Whether one part of a multi-part surname equals the other surname or one of its parts.
fn shares_part(a: &NameView<'_>, b: &NameView<'_>) -> bool {
    let (left, right) = (a.parts(), b.parts());
    if left.clone().nth(1).is_none() && right.clone().nth(1).is_none() {
        return false;
    }
    left.filter(|p| p.len() > 1)
        .any(|p| right.clone().any(|q| q == p))
}

/// Whether two strings are at most one edit apart (one substitution,
/// insertion, deletion or transposition of neighbours).
///
/// Hand-written because strsim only offers the full distance, which allocates
/// a table per call; this runs on every random pair sampled in training and
/// needs only a yes or no.
pub(crate) fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if prefix == short.len() {
        return true;
    }
    if short.len() < long.len() {
        return short[prefix..] == long[prefix + 1..];
    }
    let rest = prefix + 1;
    short[rest..] == long[rest..]
        || (rest < short.len()
            && short[prefix] == long[rest]
            && short[rest] == long[prefix]
            && short[rest + 1..] == long[rest + 1..])
}

/// Returns the Jaro-Winkler similarity of two strings, with the result of
/// `strsim::jaro_winkler` (strsim 0.11). Prepared text is ASCII, so ASCII
/// strings of up to 64 bytes are compared byte by byte, with the matched
/// positions in two bit sets and no allocation. Any other pair goes to strsim.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > 64 || y.len() > 64 || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let jaro = ascii_jaro(x, y);
    if jaro > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Returns the Jaro similarity of two ASCII strings of at most 64 bytes each.
/// A byte of `x` matches the first unmatched equal byte of `y` within half
/// the longer length less one. Transpositions are half the matched bytes
/// that differ when both sides are read in order.
///
/// The positions of each byte value in `y` are one bit set per value, so a
/// byte of `x` finds its match with a few bit operations instead of a scan
/// of the window. This runs several times on every candidate pair and was
/// half the time of comparing them.
fn ascii_jaro(x: &[u8], y: &[u8]) -> f64 {
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    POSITIONS.with_borrow_mut(|positions| {
        for (j, byte) in y.iter().enumerate() {
            positions[usize::from(*byte)] |= 1 << j;
        }
        let jaro = jaro_with_positions(x, y, positions);
        for byte in y {
            positions[usize::from(*byte)] = 0;
        }
        jaro
    })
}

thread_local! {
    /// The positions of each ASCII byte in the second string of
    /// [`ascii_jaro`], all zero between calls: clearing only the bytes set
    /// is cheaper than zeroing a fresh table for each pair.
    static POSITIONS: RefCell<[u64; 128]> = const { RefCell::new([0; 128]) };
}

/// Returns the Jaro similarity of non-empty ASCII `x` and `y`, with
/// `positions` the bit set of the positions of each byte in `y`.
fn jaro_with_positions(x: &[u8], y: &[u8], positions: &[u64; 128]) -> f64 {
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    let mut x_matched = 0u64;
    let mut y_matched = 0u64;
    for (i, byte) in x.iter().enumerate() {
        let start = i.saturating_sub(window);
        let end = (i + window + 1).min(y.len());
        if start >= end {
            break;
        }
        let free = positions[usize::from(*byte)] & bits_below(end) & !bits_below(start);
        let free = free & !y_matched;
        if free != 0 {
            x_matched |= 1 << i;
            y_matched |= free & free.wrapping_neg();
        }
    }
    let matches = x_matched.count_ones() as usize;
    if matches == 0 {
        return 0.0;
    }
    let mut out_of_order = 0usize;
    let (mut xs, mut ys) = (x_matched, y_matched);
    while xs != 0 {
        let (i, j) = (xs.trailing_zeros() as usize, ys.trailing_zeros() as usize);
        out_of_order += usize::from(x[i] != y[j]);
        xs &= xs - 1;
        ys &= ys - 1;
    }
    let transpositions = out_of_order / 2;
    let m = matches as f64;
    (m / x.len() as f64 + m / y.len() as f64 + (matches - transpositions) as f64 / m) / 3.0
}

/// Returns a bit set of the positions below `end`, which is at most 64.
fn bits_below(end: usize) -> u64 {
    if end >= 64 {
        u64::MAX
    } else {
        (1u64 << end) - 1
    }
}

fn dob_level(a: &Prepared, b: &Prepared) -> u8 {
    let (Some(x), Some(y)) = (a.dob, b.dob) else {
        return 0;
    };
    if x == y {
        return 1;
    }
    if x.year() == y.year() && x.month() == y.day() && x.day() == y.month() {
        return 2;
    }
    if let (Some(dx), Some(dy)) = (a.dob_digits(), b.dob_digits())
        && digits_one_edit(&dx, &dy)
    {
        return 3;
    }
    if (x.year() - y.year()).abs() == 1 && x.month() == y.month() && x.day() == y.day() {
        return 4;
    }
    5
}

fn digits_one_edit(x: &[u8; 8], y: &[u8; 8]) -> bool {
    let mut differing = (0..8).filter(|&i| x[i] != y[i]);
    match (differing.next(), differing.next(), differing.next()) {
        (Some(_), None, None) => true,
        (Some(i), Some(j), None) => j == i + 1 && x[i] == y[j] && x[j] == y[i],
        _ => false,
    }
}

fn same_level<T: PartialEq>(a: T, b: T, missing: bool) -> u8 {
    match (missing, a == b) {
        (true, _) => 0,
        (false, true) => 1,
        (false, false) => 2,
    }
}

fn text_level(a: &str, b: &str, similar: f64) -> u8 {
    if a.is_empty() || b.is_empty() {
        0
    } else if a == b {
        1
    } else if jaro_winkler(a, b) >= similar {
        2
    } else {
        3
    }
}

fn code_level(a: &str, b: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        0
    } else if a == b {
        1
    } else if one_edit(a, b) {
        2
    } else {
        3
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::graph::Mention;
    use crate::model::{PersonFacts, Role};
    use crate::normalize::{Dob, PersonName};
    use crate::resolve::prepare::prepare_all;

    /// Prepares a person as resolution would; an empty given name is left out.
    fn person(given: &str, surname: &str, dob: &str) -> Prepared {
        let mut name = PersonName::from_parts(Some("X"), None, Some(surname), None).ok();
        if let Some(name) = &mut name {
            name.given = given.to_string();
        }
        let dob = NaiveDate::parse_from_str(dob, "%Y-%m-%d")
            .ok()
            .and_then(Dob::new);
        let mention = Mention {
            id: 1,
            source: "test".into(),
            record_id: "1".into(),
            record: 1,
            role: Role::Subject,
            person: PersonFacts {
                name,
                dob,
                ..PersonFacts::default()
            },
        };
        prepare_all(&[mention]).remove(0)
    }

    fn level(field: Field, a: &Prepared, b: &Prepared) -> &'static str {
        let c = compare(a, b, &Thresholds::default());
        field.levels()[c.levels()[field.index()] as usize]
    }

    #[test]
    fn given_name_levels() {
        let cases = [
            ("ROBERT", "ROBERT", "exact"),
            ("ROBERT", "BOB", "nickname"),
            ("BOBBY", "ROB", "nickname"),
            ("JONATHON", "JONATHAN", "typo"),
            ("J", "JOHN", "initial"),
            ("STEPHON", "STAVON", "phonetic"),
            ("JOHN", "MARY", "different"),
            ("", "MARY", "missing"),
        ];
        for (a, b, expected) in cases {
            let (pa, pb) = (person(a, "SMITH", ""), person(b, "SMITH", ""));
            assert_eq!(level(Field::Given, &pa, &pb), expected, "{a} / {b}");
        }
    }

    #[test]
    fn surname_levels() {
        let cases = [
            ("GARCIA", "GARCIA", "exact"),
            ("GARCIA", "GRACIA", "typo"),
            ("GARCIA-LOPEZ", "LOPEZ", "one part"),
            ("DE LA CRUZ", "CRUZ", "one part"),
            ("KNIGHT", "NITE", "phonetic"),
            ("NGUYEN", "OKAFOR", "different"),
        ];
        for (a, b, expected) in cases {
            let (pa, pb) = (person("ANA", a, ""), person("ANA", b, ""));
            assert_eq!(level(Field::Surname, &pa, &pb), expected, "{a} / {b}");
        }
    }

    #[test]
    fn date_of_birth_levels() {
        let cases = [
            ("1980-03-04", "1980-03-04", "exact"),
            ("1980-03-04", "1980-04-03", "day/month swapped"),
            ("1980-03-04", "1980-03-05", "one typo"),
            ("1980-03-04", "1890-03-04", "one typo"),
            ("1979-12-04", "1980-12-04", "year off by one"),
            ("1980-03-04", "1955-07-21", "different"),
            ("1980-03-04", "", "missing"),
        ];
        for (a, b, expected) in cases {
            let (pa, pb) = (person("ANA", "LEE", a), person("ANA", "LEE", b));
            assert_eq!(level(Field::Dob, &pa, &pb), expected, "{a} / {b}");
        }
    }

    #[test]
    fn swapped_names_compare_the_other_way_round() {
        let (a, b) = (person("JAMES", "HOWARD", ""), person("HOWARD", "JAMES", ""));
        let c = compare(&a, &b, &Thresholds::default());
        assert!(c.swapped());
        assert_eq!(level(Field::Given, &a, &b), "exact");
        assert_eq!(level(Field::Surname, &a, &b), "exact");
    }

    #[test]
    fn one_edit_agrees_with_the_restricted_damerau_levenshtein_distance() {
        let words = [
            "", "A", "AB", "BA", "ABC", "ACB", "ABD", "ABCD", "BACD", "XBCD", "ABDC", "CD",
        ];
        for a in words {
            for b in words {
                let expected = strsim::osa_distance(a, b) <= 1;
                assert_eq!(one_edit(a, b), expected, "{a:?} / {b:?}");
            }
        }
    }

    #[test]
    fn identifier_levels() {
        let cases = [
            ("1234567", "1234567", "exact"),
            ("1234567", "1234568", "one edit"),
            ("1234567", "1243567", "one edit"),
            ("1234567", "7654321", "different"),
            ("", "7654321", "missing"),
        ];
        for (a, b, expected) in cases {
            let mut pa = person("ANA", "LEE", "");
            let mut pb = pa.clone();
            pa.set_id(2, a);
            pb.set_id(2, b);
            assert_eq!(level(Field::Licence, &pa, &pb), expected, "{a} / {b}");
        }
    }

    #[test]
    fn jaro_winkler_cases_match_strsim() {
        let cases = [
            ("", ""),
            ("", "SMITH"),
            ("A", "A"),
            ("A", "B"),
            ("MARTHA", "MARHTA"),
            ("DWAYNE", "DUANE"),
            ("DIXON", "DICKSONX"),
            ("JOHNSON", "JONHSON"),
            ("ST JOHN", "STJOHN"),
            ("GARCIA-LOPEZ", "GARCIA LOPEZ"),
            (
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
                "AB",
            ),
        ];
        for (a, b) in cases {
            for (left, right) in [(a, b), (b, a)] {
                assert_eq!(
                    jaro_winkler(left, right).to_bits(),
                    strsim::jaro_winkler(left, right).to_bits(),
                    "{left:?} and {right:?}"
                );
            }
        }
    }

    #[test]
    fn jaro_winkler_long_and_unicode_fallback() {
        let long = "B".repeat(65);
        assert_eq!(jaro_winkler(&long, "BB"), strsim::jaro_winkler(&long, "BB"));
        assert_eq!(
            jaro_winkler("MÜLLER", "MULLER"),
            strsim::jaro_winkler("MÜLLER", "MULLER")
        );
    }

    proptest! {
        #[test]
        fn jaro_winkler_matches_strsim(a in "[A-E -]{0,70}", b in "[A-E -]{0,70}") {
            prop_assert_eq!(
                jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }

        #[test]
        fn jaro_winkler_matches_strsim_on_near_copies(a in "[A-Z]{1,20}", at in 0usize..20, c in "[A-Z]") {
            let mut b = a.clone();
            let at = at.min(b.len() - 1);
            b.replace_range(at..=at, &c);
            prop_assert_eq!(
                jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }
    }

    #[test]
    fn comparison_packs_levels_and_swap() {
        let levels: [u8; FIELD_COUNT] = std::array::from_fn(|i| (i % 8) as u8);
        for swapped in [false, true] {
            let c = Comparison::new(levels, swapped);
            assert_eq!(c.levels(), levels);
            assert_eq!(c.swapped(), swapped);
        }
        let mut other = levels;
        other[14] = 3;
        assert_ne!(
            Comparison::new(other, false),
            Comparison::new(levels, false)
        );
        assert_eq!(std::mem::size_of::<Comparison>(), 8);
    }
}
