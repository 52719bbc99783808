//! US postal addresses with USPS street-suffix, directional and unit abbreviations.

use serde::{Deserialize, Serialize};

use super::{NormalizeError, clean_token};

/// A US address in USPS canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// House number, street name and abbreviated street type, such as `12 N MAIN ST`.
    pub street: String,
    /// Abbreviated unit designator and number, such as `APT 3B`.
    pub unit: Option<String>,
    /// City or town.
    pub city: String,
    /// Two-letter state code.
    pub state: String,
    /// Five-digit ZIP code.
    pub zip: Option<String>,
}

/// USPS Publication 28 street suffixes most often seen in Connecticut records.
const STREET_SUFFIXES: &[(&str, &str)] = &[
    ("AVENUE", "AVE"),
    ("AV", "AVE"),
    ("BOULEVARD", "BLVD"),
    ("CIRCLE", "CIR"),
    ("COURT", "CT"),
    ("DRIVE", "DR"),
    ("EXTENSION", "EXT"),
    ("HIGHWAY", "HWY"),
    ("HILL", "HL"),
    ("LANE", "LN"),
    ("PARKWAY", "PKWY"),
    ("PLACE", "PL"),
    ("ROAD", "RD"),
    ("SQUARE", "SQ"),
    ("STREET", "ST"),
    ("STR", "ST"),
    ("TERRACE", "TER"),
    ("TURNPIKE", "TPKE"),
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

const UNIT_DESIGNATORS: &[(&str, &str)] = &[
    ("APARTMENT", "APT"),
    ("APT", "APT"),
    ("UNIT", "UNIT"),
    ("SUITE", "STE"),
    ("STE", "STE"),
    ("FLOOR", "FL"),
    ("FL", "FL"),
    ("ROOM", "RM"),
    ("LOT", "LOT"),
];

fn lookup(table: &[(&str, &'static str)], token: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(raw, _)| *raw == token)
        .map(|(_, canon)| *canon)
}

impl Address {
    /// Builds an address from separate street, unit, city, state and ZIP fields.
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
        let state = clean_token(state);
        if state.len() != 2 {
            return Err(NormalizeError::invalid(
                "state",
                &state,
                "expected a two-letter state code",
            ));
        }
        let zip = zip.map(normalize_zip).transpose()?.flatten();
        Ok(Address {
            street,
            unit,
            city,
            state,
            zip,
        })
    }

    /// Parses a one-line address: `12 North Main Street Apt 3, Hartford, CT 06103`.
    pub fn parse_line(line: &str) -> Result<Address, NormalizeError> {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        let [street, city, state_zip] = parts.as_slice() else {
            return Err(NormalizeError::invalid(
                "address",
                line,
                "expected \"STREET, CITY, STATE ZIP\"",
            ));
        };
        let mut state_zip = state_zip.split_whitespace();
        let state = state_zip.next().unwrap_or("");
        let zip = state_zip.next();
        Address::from_parts(street, None, city, state, zip)
    }

    /// Returns the key under which two spellings of one address compare equal.
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

/// Abbreviates the street and splits off a trailing unit (`APT 3`, `#3`).
fn normalize_street(raw: &str) -> Result<(String, Option<String>), NormalizeError> {
    let cleaned = clean_token(&raw.replace('#', " # "));
    let mut tokens: Vec<&str> = cleaned.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.is_empty() {
        return Err(NormalizeError::Empty { what: "street" });
    }
    let unit_at = tokens
        .iter()
        .position(|t| lookup(UNIT_DESIGNATORS, t).is_some() || *t == "#");
    let unit = match unit_at {
        Some(at) => {
            let unit_tokens = tokens.split_off(at);
            normalize_unit(&unit_tokens.join(" "))?
        }
        None => None,
    };
    let last = tokens.len().saturating_sub(1);
    let street: Vec<&str> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let suffix = if i == last && i > 1 {
                lookup(STREET_SUFFIXES, t)
            } else {
                None
            };
            suffix
                .or_else(|| if i > 0 { lookup(DIRECTIONALS, t) } else { None })
                .unwrap_or(t)
        })
        .collect();
    if street.is_empty() {
        return Err(NormalizeError::Empty { what: "street" });
    }
    Ok((street.join(" "), unit))
}

fn normalize_unit(raw: &str) -> Result<Option<String>, NormalizeError> {
    let cleaned = clean_token(&raw.replace('#', " # "));
    let tokens: Vec<&str> = cleaned.split(' ').filter(|t| !t.is_empty()).collect();
    match tokens.as_slice() {
        [] => Ok(None),
        ["#", number @ ..] if !number.is_empty() => Ok(Some(format!("APT {}", number.join(" ")))),
        [designator, number @ ..]
            if lookup(UNIT_DESIGNATORS, designator).is_some() && !number.is_empty() =>
        {
            let designator = lookup(UNIT_DESIGNATORS, designator).unwrap_or(designator);
            Ok(Some(format!("{designator} {}", number.join(" "))))
        }
        [number] => Ok(Some(format!("APT {number}"))),
        _ => Err(NormalizeError::invalid(
            "unit",
            raw,
            "expected a designator and a number, such as APT 3",
        )),
    }
}

fn normalize_zip(raw: &str) -> Result<Option<String>, NormalizeError> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        0 => Ok(None),
        5 | 9 => Ok(Some(digits[..5].to_string())),
        // Spreadsheets drop the leading zero of New England ZIP codes.
        4 => Ok(Some(format!("0{digits}"))),
        n => Err(NormalizeError::invalid(
            "zip",
            raw,
            format!("expected 5 or 9 digits, found {n}"),
        )),
    }
}
