//! US postal addresses with USPS street-suffix, directional and unit abbreviations.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{NormalizeError, clean_token};

/// A US address in USPS canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// House number, street name and abbreviated street type, such as `12 N MAIN ST`.
    pub street: String,
    /// Abbreviated unit designator and number, such as `APT 3B`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// City or town.
    pub city: String,
    /// Two-letter state code.
    pub state: String,
    /// Five-digit ZIP code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// Common street suffixes, each spelling that sources use mapped to its USPS
/// Publication 28 standard abbreviation. The table is a selection, not the full list. The standard abbreviations
/// themselves are recognized too, through [`street_suffix`].
const STREET_SUFFIXES: &[(&str, &str)] = &[
    ("ALLEY", "ALY"),
    ("ALLEE", "ALY"),
    ("ANNEX", "ANX"),
    ("ARCADE", "ARC"),
    ("AVENUE", "AVE"),
    ("AV", "AVE"),
    ("AVEN", "AVE"),
    ("AVENU", "AVE"),
    ("AVN", "AVE"),
    ("BEACH", "BCH"),
    ("BEND", "BND"),
    ("BLUFF", "BLF"),
    ("BOULEVARD", "BLVD"),
    ("BOUL", "BLVD"),
    ("BRANCH", "BR"),
    ("BRIDGE", "BRG"),
    ("BROOK", "BRK"),
    ("BYPASS", "BYP"),
    ("CAUSEWAY", "CSWY"),
    ("CENTER", "CTR"),
    ("CENTRE", "CTR"),
    ("CIRCLE", "CIR"),
    ("CIRCL", "CIR"),
    ("CRCL", "CIR"),
    ("CLIFF", "CLF"),
    ("COMMON", "CMN"),
    ("COMMONS", "CMNS"),
    ("CORNER", "COR"),
    ("CORNERS", "CORS"),
    ("COURT", "CT"),
    ("COURTS", "CTS"),
    ("COVE", "CV"),
    ("CREEK", "CRK"),
    ("CRESCENT", "CRES"),
    ("CREST", "CRST"),
    ("CROSSING", "XING"),
    ("CROSSROAD", "XRD"),
    ("DALE", "DL"),
    ("DRIVE", "DR"),
    ("DRV", "DR"),
    ("ESTATE", "EST"),
    ("ESTATES", "ESTS"),
    ("EXPRESSWAY", "EXPY"),
    ("EXTENSION", "EXT"),
    ("EXTN", "EXT"),
    ("FALLS", "FLS"),
    ("FERRY", "FRY"),
    ("FIELD", "FLD"),
    ("FIELDS", "FLDS"),
    ("FOREST", "FRST"),
    ("FORGE", "FRG"),
    ("FORK", "FRK"),
    ("FREEWAY", "FWY"),
    ("GARDEN", "GDN"),
    ("GARDENS", "GDNS"),
    ("GATEWAY", "GTWY"),
    ("GLEN", "GLN"),
    ("GREEN", "GRN"),
    ("GROVE", "GRV"),
    ("HARBOR", "HBR"),
    ("HAVEN", "HVN"),
    ("HEIGHTS", "HTS"),
    ("HGTS", "HTS"),
    ("HIGHWAY", "HWY"),
    ("HIWAY", "HWY"),
    ("HILL", "HL"),
    ("HILLS", "HLS"),
    ("HOLLOW", "HOLW"),
    ("ISLAND", "IS"),
    ("JUNCTION", "JCT"),
    ("KNOLL", "KNL"),
    ("KNOLLS", "KNLS"),
    ("LAKE", "LK"),
    ("LANDING", "LNDG"),
    ("LANE", "LN"),
    ("LOOP", "LOOP"),
    ("MALL", "MALL"),
    ("MANOR", "MNR"),
    ("MEADOW", "MDW"),
    ("MEADOWS", "MDWS"),
    ("MEWS", "MEWS"),
    ("MILL", "ML"),
    ("MILLS", "MLS"),
    ("ORCHARD", "ORCH"),
    ("OVAL", "OVAL"),
    ("PARK", "PARK"),
    ("PARKWAY", "PKWY"),
    ("PKY", "PKWY"),
    ("PASS", "PASS"),
    ("PATH", "PATH"),
    ("PIKE", "PIKE"),
    ("PINES", "PNES"),
    ("PLACE", "PL"),
    ("PLAIN", "PLN"),
    ("PLAINS", "PLNS"),
    ("PLAZA", "PLZ"),
    ("POINT", "PT"),
    ("PORT", "PRT"),
    ("RIDGE", "RDG"),
    ("RIVER", "RIV"),
    ("ROAD", "RD"),
    ("ROUTE", "RTE"),
    ("ROW", "ROW"),
    ("RUN", "RUN"),
    ("SHORE", "SHR"),
    ("SHORES", "SHRS"),
    ("SPRING", "SPG"),
    ("SPRINGS", "SPGS"),
    ("SQUARE", "SQ"),
    ("STATION", "STA"),
    ("STREET", "ST"),
    ("STR", "ST"),
    ("STRT", "ST"),
    ("SUMMIT", "SMT"),
    ("TERRACE", "TER"),
    ("TERR", "TER"),
    ("TRACE", "TRCE"),
    ("TRAIL", "TRL"),
    ("TRAILS", "TRL"),
    ("TURNPIKE", "TPKE"),
    ("TPK", "TPKE"),
    ("TNPK", "TPKE"),
    ("VALLEY", "VLY"),
    ("VIEW", "VW"),
    ("VILLAGE", "VLG"),
    ("VILL", "VLG"),
    ("VISTA", "VIS"),
    ("WALK", "WALK"),
    ("WAY", "WAY"),
];

const DIRECTIONALS: &[(&str, &str)] = &[
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
];

/// Unit designators that take a number (`APT 3`), with their USPS abbreviations.
const UNIT_DESIGNATORS: &[(&str, &str)] = &[
    ("APARTMENT", "APT"),
    ("BUILDING", "BLDG"),
    ("DEPARTMENT", "DEPT"),
    ("FLOOR", "FL"),
    ("LOT", "LOT"),
    ("ROOM", "RM"),
    ("SPACE", "SPC"),
    ("SUITE", "STE"),
    ("TRAILER", "TRLR"),
    ("UNIT", "UNIT"),
];

/// Unit designators that stand alone without a number (`REAR`).
const BARE_UNIT_DESIGNATORS: &[(&str, &str)] = &[
    ("BASEMENT", "BSMT"),
    ("FRONT", "FRNT"),
    ("LOWER", "LOWR"),
    ("PENTHOUSE", "PH"),
    ("REAR", "REAR"),
    ("UPPER", "UPPR"),
];

/// Postal codes of the states, the District of Columbia, the territories and
/// the armed-forces mail regions (AA, AE, AP).
const STATE_CODES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "AA", "AE", "AP",
];

/// Returns whether `code` is the postal code of a state, the District of
/// Columbia or a territory. The armed-forces mail regions and the minor
/// outlying islands issue no licence plates, so they are excluded.
pub(super) fn is_plate_issuer(code: &str) -> bool {
    STATE_CODES.contains(&code) && !matches!(code, "AA" | "AE" | "AP" | "UM")
}

/// Returns the canonical form of `token` in `table`, matching either the long
/// spelling or the abbreviation itself.
fn lookup(table: &[(&str, &'static str)], token: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(raw, canon)| *raw == token || *canon == token)
        .map(|(_, canon)| *canon)
}

/// [`STREET_SUFFIXES`] keyed by both spellings, built once: a scan of its
/// 130-odd entries for every street word showed up in ingest profiles. The
/// first entry naming a spelling wins, as in [`lookup`].
static STREET_SUFFIX_INDEX: LazyLock<FxHashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut index = FxHashMap::default();
    for &(raw, canon) in STREET_SUFFIXES {
        index.entry(raw).or_insert(canon);
        index.entry(canon).or_insert(canon);
    }
    index
});

fn street_suffix(token: &str) -> Option<&'static str> {
    STREET_SUFFIX_INDEX.get(token).copied()
}

fn directional(token: &str) -> Option<&'static str> {
    lookup(DIRECTIONALS, token)
}

impl Address {
    /// Builds an address from separate street, unit, city, state and ZIP fields.
    ///
    /// A unit in its own field wins over one found at the end of the street.
    pub fn from_parts(
        street: &str,
        unit: Option<&str>,
        city: &str,
        state: &str,
        zip: Option<&str>,
    ) -> Result<Address, NormalizeError> {
        let (street, embedded_unit) = normalize_street(street)?;
        let unit = match unit.map(normalize_unit).transpose()?.flatten() {
            Some(unit) => Some(unit),
            None => embedded_unit,
        };
        let city = clean_token(city);
        if city.is_empty() {
            return Err(NormalizeError::Empty { what: "city" });
        }
        let state = normalize_state(state)?;
        let zip = zip.map(normalize_zip).transpose()?.flatten();
        Ok(Address {
            street,
            unit,
            city,
            state,
            zip,
        })
    }

    /// Parses a one-line address such as `12 North Main Street Apt 3, Hartford, CT 06103`.
    ///
    /// The unit may also stand in its own comma-separated part after the street,
    /// the comma between city and state may be missing (`Hartford CT 06103`),
    /// and a trailing `USA` is ignored.
    pub fn parse_line(line: &str) -> Result<Address, NormalizeError> {
        let malformed =
            || NormalizeError::invalid("address", line, "expected \"STREET, CITY, STATE ZIP\"");
        let mut parts: Vec<&str> = line
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts
            .last()
            .is_some_and(|p| matches!(clean_token(p).as_str(), "USA" | "US" | "UNITED STATES"))
        {
            parts.pop();
        }
        let last = parts.pop().ok_or_else(malformed)?;
        let (city_in_last, state, zip) = split_state_zip(last).ok_or_else(malformed)?;
        let (street, unit, city) = match (parts.as_slice(), city_in_last.is_empty()) {
            ([street, city], true) => (*street, None, *city),
            ([street, unit, city], true) => (*street, Some(*unit), *city),
            ([street], false) => (*street, None, city_in_last.as_str()),
            ([street, unit], false) => (*street, Some(*unit), city_in_last.as_str()),
            _ => return Err(malformed()),
        };
        Address::from_parts(street, unit, city, &state, zip.as_deref())
    }

    /// Returns the key under which two spellings of one address compare equal.
    ///
    /// The ZIP code is left out because many sources omit it.
    pub fn key(&self) -> String {
        let mut key = format!("{}|{}|{}", self.street, self.city, self.state);
        if let Some(unit) = &self.unit {
            key.push('|');
            key.push_str(unit);
        }
        key
    }

    /// Returns the address on one line for display.
    pub fn display(&self) -> String {
        let mut out = self.street.clone();
        if let Some(unit) = &self.unit {
            out.push(' ');
            out.push_str(unit);
        }
        out.push_str(&format!(", {}, {}", self.city, self.state));
        if let Some(zip) = &self.zip {
            out.push(' ');
            out.push_str(zip);
        }
        out
    }
}

/// Splits the last part of a one-line address into the words before the
/// state (a city, when no comma preceded the state), the state and the ZIP
/// code. Returns `None` when no state is left.
fn split_state_zip(text: &str) -> Option<(String, String, Option<String>)> {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // A ZIP+4 may arrive as two words (`06103 1234`).
    let mut zip_words = Vec::new();
    while zip_words.len() < 2
        && words
            .last()
            .is_some_and(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
    {
        zip_words.insert(0, words.pop()?);
    }
    let state = words.pop()?.to_string();
    let zip = (!zip_words.is_empty()).then(|| zip_words.join(" "));
    Some((words.join(" "), state, zip))
}

/// Cleans the pieces of a street line between `#` signs, which
/// `clean_token` would drop. [`street_words`] splits them into words.
fn clean_pieces(raw: &str) -> Vec<String> {
    raw.split('#').map(clean_token).collect()
}

/// Splits the cleaned pieces of a street line into words, with `#` between
/// pieces and a designator glued to its number separated (`APT3B` becomes
/// `APT`, `3B`). The words borrow from `pieces`: a street has several
/// words and millions of streets are read, so a string per word counted.
fn street_words(pieces: &[String]) -> Vec<&str> {
    let mut words = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            words.push("#");
        }
        for word in piece.split(' ').filter(|w| !w.is_empty()) {
            match split_glued_designator(word) {
                Some((designator, number)) => words.extend([designator, number]),
                None => words.push(word),
            }
        }
    }
    words
}

fn split_glued_designator(word: &str) -> Option<(&str, &str)> {
    // Most words are a plain number or a plain word; only letters followed by
    // a digit can be a designator glued to its number.
    let letters = word.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || !word.as_bytes().get(letters).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    UNIT_DESIGNATORS
        .iter()
        .flat_map(|(long, short)| [*long, *short])
        .find_map(|designator| {
            let number = word.strip_prefix(designator)?;
            number
                .starts_with(|c: char| c.is_ascii_digit())
                .then_some((designator, number))
        })
}

fn is_ordinal_or_number(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let letters = &word[digits.len()..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(letters, "" | "ST" | "ND" | "RD" | "TH")
}

/// Abbreviates the street and splits off a trailing unit (`APT 3`, `#3`,
/// `2ND FLOOR`, `REAR`).
fn normalize_street(raw: &str) -> Result<(String, Option<String>), NormalizeError> {
    let pieces = clean_pieces(raw);
    let mut words = street_words(&pieces);
    if words.is_empty() {
        return Err(NormalizeError::Empty { what: "street" });
    }
    let house_words = usize::from(words[0].starts_with(|c: char| c.is_ascii_digit()));
    let unit = match find_unit_start(&words, house_words) {
        Some(at) => normalize_unit(&words.split_off(at).join(" "))?,
        None => None,
    };
    Ok((abbreviate_street(&words, house_words), unit))
}

/// Returns where a unit starts in `words`. A unit needs at least one street-name
/// word before it, so that `12 LOT RD` keeps its name, and a designator without
/// a number (`REAR`) counts only as the last word, so that `FRONT ST` does too.
fn find_unit_start(words: &[&str], house_words: usize) -> Option<usize> {
    let last = words.len() - 1;
    (house_words + 1..words.len()).find_map(|at| {
        let word = words[at];
        if lookup(UNIT_DESIGNATORS, word).is_some() || word == "#" {
            let ordinal_before = at > house_words + 1 && is_ordinal_or_number(words[at - 1]);
            if lookup(UNIT_DESIGNATORS, word) == Some("FL") && at == last && ordinal_before {
                return Some(at - 1);
            }
            return Some(at);
        }
        (at == last && lookup(BARE_UNIT_DESIGNATORS, word).is_some()).then_some(at)
    })
}

/// Abbreviates the street suffix and the directionals of a street without its
/// unit, following USPS Publication 28: only the last word of the name can be the
/// suffix (`SPRING HILL ROAD` gives `SPRING HILL RD`), and a directional or suffix
/// that is the whole street name stays spelled out (`NORTH STREET` gives
/// `NORTH ST`, `12 PARK` stays `12 PARK`).
fn abbreviate_street(words: &[&str], house_words: usize) -> String {
    let (house, rest) = words.split_at(house_words);
    let mut out: Vec<&str> = house.to_vec();
    // Words after the last non-directional word are post-directionals (`MAIN ST NORTH`).
    let Some(last_name_word) = rest.iter().rposition(|w| directional(w).is_none()) else {
        out.extend_from_slice(rest);
        return out.join(" ");
    };
    let suffix_at = (last_name_word >= 1 && street_suffix(rest[last_name_word]).is_some())
        .then_some(last_name_word);
    let name_end = suffix_at.unwrap_or(last_name_word + 1);
    for (i, word) in rest.iter().enumerate() {
        let canonical = if i == 0 && name_end >= 2 {
            directional(word)
        } else if Some(i) == suffix_at {
            street_suffix(word)
        } else if i > last_name_word {
            directional(word)
        } else {
            None
        };
        out.push(canonical.unwrap_or(word));
    }
    out.join(" ")
}

/// Normalizes a unit to `DESIGNATOR NUMBER`. A bare number or `#` number
/// becomes `APT` number, because that is what residential records mean by it.
fn normalize_unit(raw: &str) -> Result<Option<String>, NormalizeError> {
    let pieces = clean_pieces(raw);
    let words = street_words(&pieces);
    let invalid = |reason: &str| Err(NormalizeError::invalid("unit", raw, reason));
    match words.as_slice() {
        [] => Ok(None),
        [bare] if lookup(BARE_UNIT_DESIGNATORS, bare).is_some() => {
            Ok(lookup(BARE_UNIT_DESIGNATORS, bare).map(str::to_string))
        }
        [ordinal, floor]
            if is_ordinal_or_number(ordinal) && lookup(UNIT_DESIGNATORS, floor) == Some("FL") =>
        {
            let number = ordinal.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            Ok(Some(format!("FL {number}")))
        }
        [designator, rest @ ..]
            if lookup(UNIT_DESIGNATORS, designator).is_some() || *designator == "#" =>
        {
            let canonical = lookup(UNIT_DESIGNATORS, designator).unwrap_or("APT");
            let number: Vec<&str> = rest.iter().copied().filter(|w| *w != "#").collect();
            if number.is_empty() {
                return invalid("expected a number after the designator");
            }
            Ok(Some(format!("{canonical} {}", number.join(" "))))
        }
        [number] => Ok(Some(format!("APT {number}"))),
        _ => invalid("expected a designator and a number, such as APT 3"),
    }
}

fn normalize_state(raw: &str) -> Result<String, NormalizeError> {
    let state = clean_token(raw);
    if state.is_empty() {
        return Err(NormalizeError::Empty { what: "state" });
    }
    if !STATE_CODES.contains(&state.as_str()) {
        return Err(NormalizeError::invalid(
            "state",
            raw,
            "expected a two-letter US state or territory code",
        ));
    }
    Ok(state)
}

/// Returns the five-digit ZIP code in `raw`, or `None` when `raw` is blank.
fn normalize_zip(raw: &str) -> Result<Option<String>, NormalizeError> {
    if let Some(bad) = raw
        .chars()
        .find(|c| !c.is_ascii_digit() && !matches!(c, '-' | ' '))
    {
        return Err(NormalizeError::invalid(
            "zip",
            raw,
            format!("unexpected character {bad:?}"),
        ));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        0 => Ok(None),
        5 | 9 => Ok(Some(digits[..5].to_string())),
        // Spreadsheets drop the leading zero of New England ZIP codes, with or
        // without the +4 part.
        4 | 8 => Ok(Some(format!("0{}", &digits[..4]))),
        n => Err(NormalizeError::invalid(
            "zip",
            raw,
            format!("expected 5 or 9 digits, found {n}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders an address as `STREET | UNIT | CITY | STATE | ZIP`, with `-` for
    /// an absent part, or an error as `error: MESSAGE`.
    fn render(address: Result<Address, NormalizeError>) -> String {
        match address {
            Ok(a) => format!(
                "{} | {} | {} | {} | {}",
                a.street,
                a.unit.as_deref().unwrap_or("-"),
                a.city,
                a.state,
                a.zip.as_deref().unwrap_or("-"),
            ),
            Err(err) => format!("error: {err}"),
        }
    }

    /// Normalizes `raw` as the street field and renders `STREET | UNIT`.
    fn street(raw: &str) -> String {
        match Address::from_parts(raw, None, "Hartford", "CT", None) {
            Ok(a) => format!("{} | {}", a.street, a.unit.as_deref().unwrap_or("-")),
            Err(err) => format!("error: {err}"),
        }
    }

    /// Normalizes `raw` as the unit field of a fixed street.
    fn unit(raw: &str) -> String {
        match Address::from_parts("12 Main St", Some(raw), "Hartford", "CT", None) {
            Ok(a) => a.unit.unwrap_or_else(|| "-".to_string()),
            Err(err) => format!("error: {err}"),
        }
    }

    /// Normalizes `state` and `zip` with a fixed street and city.
    fn state_zip(state: &str, zip: &str) -> String {
        render(Address::from_parts(
            "12 Main St",
            None,
            "Hartford",
            state,
            Some(zip),
        ))
    }

    fn line(text: &str) -> String {
        render(Address::parse_line(text))
    }

    #[track_caller]
    fn check(actual: String, expected: &str) {
        assert_eq!(actual, expected);
    }

    #[test]
    fn street_suffixes() {
        check(street("12 Main Street"), "12 MAIN ST | -");
        check(street("12 Main St"), "12 MAIN ST | -");
        check(street("12 MAIN ST."), "12 MAIN ST | -");
        check(street("12 Main Str"), "12 MAIN ST | -");
        check(street("12 Main Strt"), "12 MAIN ST | -");
        check(street("12 Elm Avenue"), "12 ELM AVE | -");
        check(street("12 Elm Ave."), "12 ELM AVE | -");
        check(street("12 Elm Av"), "12 ELM AVE | -");
        check(street("Main Street"), "MAIN ST | -");
        check(street("12 Spring Hill Road"), "12 SPRING HILL RD | -");
        check(street("12 Park Avenue"), "12 PARK AVE | -");
        check(street("12 Center Street"), "12 CENTER ST | -");
        check(street("12 Berlin Turnpike"), "12 BERLIN TPKE | -");
        check(
            street("12 Wilbur Cross Parkway"),
            "12 WILBUR CROSS PKWY | -",
        );
        check(street("12 Mill Pond Alley"), "12 MILL POND ALY | -");
        check(street("12 River Bridge"), "12 RIVER BRG | -");
        check(street("12 Town Center"), "12 TOWN CTR | -");
        check(street("12 Heron Cove"), "12 HERON CV | -");
        check(street("12 Oak Crossing"), "12 OAK XING | -");
        check(street("12 Rose Gardens"), "12 ROSE GDNS | -");
        check(street("12 Maple Grove"), "12 MAPLE GRV | -");
        check(street("12 Laurel Heights"), "12 LAUREL HTS | -");
        check(street("12 Fox Knoll"), "12 FOX KNL | -");
        check(street("12 Elm Manor"), "12 ELM MNR | -");
        check(street("12 Bushnell Park"), "12 BUSHNELL PARK | -");
        check(street("12 Sachem Point"), "12 SACHEM PT | -");
        check(street("12 Pine Ridge"), "12 PINE RDG | -");
        check(street("12 Deer Run"), "12 DEER RUN | -");
        check(street("12 Hemlock Trail"), "12 HEMLOCK TRL | -");
        check(street("12 Lake View"), "12 LAKE VW | -");
        check(street("12 Farmington Village"), "12 FARMINGTON VLG | -");
        check(street("12 Main Street Extension"), "12 MAIN STREET EXT | -");
        check(street("12 Street"), "12 STREET | -");
        check(street("12 Park"), "12 PARK | -");
        check(street("12 Route 44"), "12 ROUTE 44 | -");
        check(street("P.O. Box 12"), "PO BOX 12 | -");
    }

    #[test]
    fn street_directionals() {
        check(street("12 North Main Street"), "12 N MAIN ST | -");
        check(street("12 N. Main St."), "12 N MAIN ST | -");
        check(street("12 Southwest Elm Ave"), "12 SW ELM AVE | -");
        check(street("12 Main St North"), "12 MAIN ST N | -");
        check(street("12 Main Street West"), "12 MAIN ST W | -");
        check(street("12 Main St N"), "12 MAIN ST N | -");
        check(street("12 East Main"), "12 E MAIN | -");
        check(street("12 Main North"), "12 MAIN N | -");
        check(street("12 North Street"), "12 NORTH ST | -");
        check(street("12 West Avenue"), "12 WEST AVE | -");
        check(street("12 East St West"), "12 EAST ST W | -");
        check(street("12 North"), "12 NORTH | -");
        check(street("North Main Street"), "N MAIN ST | -");
    }

    #[test]
    fn street_units() {
        check(street("12 Main St Apt 3"), "12 MAIN ST | APT 3");
        check(street("12 Main St Apt. 3"), "12 MAIN ST | APT 3");
        check(street("12 Main St Apartment 3B"), "12 MAIN ST | APT 3B");
        check(street("12 Main St #12"), "12 MAIN ST | APT 12");
        check(street("12 Main St # 12"), "12 MAIN ST | APT 12");
        check(street("12 Main St Unit 4"), "12 MAIN ST | UNIT 4");
        check(street("12 Main St Suite 200"), "12 MAIN ST | STE 200");
        check(street("12 Main St Suite #200"), "12 MAIN ST | STE 200");
        check(street("12 Main St Apt3B"), "12 MAIN ST | APT 3B");
        check(street("12 Main St 2nd Floor"), "12 MAIN ST | FL 2");
        check(street("12 Main St Floor 2"), "12 MAIN ST | FL 2");
        check(street("12 Main St Rear"), "12 MAIN ST | REAR");
        check(street("12 North Street Apt 3"), "12 NORTH ST | APT 3");
        check(street("12 Main Street North Apt 3"), "12 MAIN ST N | APT 3");
        check(street("12 Lot Rd"), "12 LOT RD | -");
        check(street("12 Front St"), "12 FRONT ST | -");
        check(
            street("12 Main St Apt"),
            r#"error: invalid unit "APT": expected a number after the designator"#,
        );
    }

    #[test]
    fn street_errors() {
        check(street(""), "error: empty street");
        check(street(" .,"), "error: empty street");
    }

    #[test]
    fn unit_field() {
        check(unit("Apt 3"), "APT 3");
        check(unit("Apartment 3B"), "APT 3B");
        check(unit("#12"), "APT 12");
        check(unit("Unit 4"), "UNIT 4");
        check(unit("Suite 200"), "STE 200");
        check(unit("Ste. 200"), "STE 200");
        check(unit("3"), "APT 3");
        check(unit("3B"), "APT 3B");
        check(unit("2nd Floor"), "FL 2");
        check(unit("Fl 2"), "FL 2");
        check(unit("Rm 101"), "RM 101");
        check(unit("Rear"), "REAR");
        check(unit("Basement"), "BSMT");
        check(unit(""), "-");
        check(
            unit("Apt"),
            r#"error: invalid unit "Apt": expected a number after the designator"#,
        );
        check(
            unit("3 B C"),
            r#"error: invalid unit "3 B C": expected a designator and a number, such as APT 3"#,
        );
    }

    #[test]
    fn state_and_zip() {
        check(
            state_zip("CT", "06103"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            state_zip("ct", "06103"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            state_zip("C.T.", "06103"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            state_zip("CT", "6103"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            state_zip("CT", "06103-1234"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            state_zip("CT", "061031234"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            state_zip("CT", "6103-1234"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(state_zip("CT", " "), "12 MAIN ST | - | HARTFORD | CT | -");
        check(
            state_zip("CT", "0610"),
            "12 MAIN ST | - | HARTFORD | CT | 00610",
        );
        check(
            state_zip("CT", "061"),
            r#"error: invalid zip "061": expected 5 or 9 digits, found 3"#,
        );
        check(
            state_zip("CT", "061031"),
            r#"error: invalid zip "061031": expected 5 or 9 digits, found 6"#,
        );
        check(
            state_zip("CT", "06I03"),
            r#"error: invalid zip "06I03": unexpected character 'I'"#,
        );
        check(
            state_zip("CT", "ABCDE"),
            r#"error: invalid zip "ABCDE": unexpected character 'A'"#,
        );
        check(
            state_zip("XX", "06103"),
            r#"error: invalid state "XX": expected a two-letter US state or territory code"#,
        );
        check(
            state_zip("Conn", "06103"),
            r#"error: invalid state "Conn": expected a two-letter US state or territory code"#,
        );
        check(state_zip("", "06103"), "error: empty state");
    }

    #[test]
    fn city_field() {
        check(
            render(Address::from_parts(
                "12 Main St",
                None,
                "West Hartford",
                "CT",
                None,
            )),
            "12 MAIN ST | - | WEST HARTFORD | CT | -",
        );
        check(
            render(Address::from_parts("12 Main St", None, " ", "CT", None)),
            "error: empty city",
        );
    }

    #[test]
    fn one_line() {
        check(
            line("12 North Main Street Apt 3, Hartford, CT 06103"),
            "12 N MAIN ST | APT 3 | HARTFORD | CT | 06103",
        );
        check(
            line("12 Main St, Apt 3, Hartford, CT 06103"),
            "12 MAIN ST | APT 3 | HARTFORD | CT | 06103",
        );
        check(
            line("12 Main St, West Hartford, CT"),
            "12 MAIN ST | - | WEST HARTFORD | CT | -",
        );
        check(
            line("12 Main St, West Hartford CT 06107"),
            "12 MAIN ST | - | WEST HARTFORD | CT | 06107",
        );
        check(
            line("12 Main St, Unit 4, Hartford CT 06103-1234"),
            "12 MAIN ST | UNIT 4 | HARTFORD | CT | 06103",
        );
        check(
            line("12 Main St, Hartford, CT 06103 1234"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            line("12 Main St, Hartford, CT 6103"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            line("12 Main St, Hartford, CT 06103, USA"),
            "12 MAIN ST | - | HARTFORD | CT | 06103",
        );
        check(
            line("12 Main St Hartford CT 06103"),
            r#"error: invalid address "12 Main St Hartford CT 06103": expected "STREET, CITY, STATE ZIP""#,
        );
        check(
            line("12 Main St, Hartford"),
            r#"error: invalid address "12 Main St, Hartford": expected "STREET, CITY, STATE ZIP""#,
        );
        check(
            line(""),
            r#"error: invalid address "": expected "STREET, CITY, STATE ZIP""#,
        );
        check(
            line("12 Main St, Hartford, CT 0610312"),
            r#"error: invalid zip "0610312": expected 5 or 9 digits, found 7"#,
        );
    }

    #[test]
    fn key_and_display() {
        let a = Address::parse_line("12 North Main Street Apt 3, Hartford, CT 06103").unwrap();
        let b = Address::from_parts("12 N. Main St.", Some("#3"), "hartford", "ct", None).unwrap();
        check(a.key(), "12 N MAIN ST|HARTFORD|CT|APT 3");
        check(b.key(), a.key().as_str());
        check(a.display(), "12 N MAIN ST APT 3, HARTFORD, CT 06103");
        check(b.display(), "12 N MAIN ST APT 3, HARTFORD, CT");
    }

    #[test]
    fn street_suffix_index_agrees_with_the_table() {
        let spellings = STREET_SUFFIXES
            .iter()
            .flat_map(|&(raw, canon)| [raw, canon])
            .chain(["MAIN", "", "STREETS"]);
        for spelling in spellings {
            assert_eq!(
                street_suffix(spelling),
                lookup(STREET_SUFFIXES, spelling),
                "{spelling}"
            );
        }
    }
}
