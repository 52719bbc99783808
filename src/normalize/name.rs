//! Person names: given, middle, surname and generational suffix in canonical form.

use serde::{Deserialize, Serialize};

use super::{NormalizeError, clean_token};

/// How a single-string name is laid out in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NameStyle {
    /// `LAST, FIRST MIDDLE SUFFIX`, as most court and corrections systems send it.
    #[default]
    LastFirst,
    /// `First Middle Last Suffix`, as free-text fields usually hold it.
    FirstLast,
}

/// A person's name in canonical form: ASCII, upper case, no punctuation except
/// hyphens inside surnames, generational suffix split off.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName {
    /// Given (first) name.
    pub given: String,
    /// Middle name or initial, if any.
    pub middle: Option<String>,
    /// Surname; multi-part surnames keep their spaces and hyphens.
    pub surname: String,
    /// Generational suffix such as `JR`, `SR`, `II`, `III`.
    pub suffix: Option<String>,
}

const SUFFIXES: &[(&str, &str)] = &[
    ("JR", "JR"),
    ("JUNIOR", "JR"),
    ("SR", "SR"),
    ("SENIOR", "SR"),
    ("II", "II"),
    ("2ND", "II"),
    ("III", "III"),
    ("3RD", "III"),
    ("IV", "IV"),
    ("4TH", "IV"),
    ("V", "V"),
];

/// Returns the canonical suffix for `token`, if it is one.
fn canonical_suffix(token: &str) -> Option<&'static str> {
    SUFFIXES
        .iter()
        .find(|(raw, _)| *raw == token)
        .map(|(_, canon)| *canon)
}

impl PersonName {
    /// Parses a single-string name in the given layout.
    pub fn parse(full: &str, style: NameStyle) -> Result<Self, NormalizeError> {
        match style {
            NameStyle::LastFirst => Self::parse_last_first(full),
            NameStyle::FirstLast => Self::parse_first_last(full),
        }
    }

    /// Builds a name from separate fields, as sources with one column per part send it.
    pub fn from_parts(
        given: Option<&str>,
        middle: Option<&str>,
        surname: Option<&str>,
        suffix: Option<&str>,
    ) -> Result<Self, NormalizeError> {
        let mut surname_tokens = tokens(surname.unwrap_or(""));
        let mut suffix = suffix.map(clean_token).filter(|s| !s.is_empty());
        if suffix.is_none() && surname_tokens.len() > 1 {
            suffix = take_trailing_suffix(&mut surname_tokens);
        }
        let suffix = match suffix {
            Some(raw) => Some(
                canonical_suffix(&raw)
                    .ok_or_else(|| NormalizeError::invalid("suffix", &raw, "unknown suffix"))?
                    .to_string(),
            ),
            None => None,
        };
        let middle = middle.map(clean_token).filter(|m| !m.is_empty());
        Self::assemble(tokens(given.unwrap_or("")), middle, surname_tokens, suffix)
    }

    fn parse_last_first(full: &str) -> Result<Self, NormalizeError> {
        let Some((last, rest)) = full.split_once(',') else {
            return Err(NormalizeError::invalid(
                "name",
                full,
                "expected \"LAST, FIRST\"",
            ));
        };
        let mut surname = tokens(last);
        let mut rest = tokens(rest);
        let mut suffix = take_trailing_suffix(&mut rest);
        if suffix.is_none() {
            suffix = take_trailing_suffix(&mut surname);
        }
        let given = if rest.is_empty() {
            Vec::new()
        } else {
            vec![rest.remove(0)]
        };
        let middle = if rest.is_empty() {
            None
        } else {
            Some(rest.join(" "))
        };
        Self::assemble(given, middle, std::mem::take(&mut surname), suffix)
    }

    fn parse_first_last(full: &str) -> Result<Self, NormalizeError> {
        let mut parts = tokens(full);
        let suffix = take_trailing_suffix(&mut parts);
        if parts.len() < 2 {
            return Err(NormalizeError::invalid(
                "name",
                full,
                "expected a given name and a surname",
            ));
        }
        let given = vec![parts.remove(0)];
        let surname = vec![parts.pop().unwrap_or_default()];
        let middle = if parts.is_empty() {
            None
        } else {
            Some(parts.join(" "))
        };
        Self::assemble(given, middle, surname, suffix)
    }

    fn assemble(
        given: Vec<String>,
        middle: Option<String>,
        surname: Vec<String>,
        suffix: Option<String>,
    ) -> Result<Self, NormalizeError> {
        if surname.is_empty() {
            return Err(NormalizeError::Empty { what: "surname" });
        }
        if given.is_empty() {
            return Err(NormalizeError::Empty { what: "given name" });
        }
        Ok(PersonName {
            given: given.join(" "),
            middle,
            surname: surname.join(" "),
            suffix,
        })
    }

    /// Returns the parts of a multi-part or hyphenated surname (`GARCIA-LOPEZ`
    /// gives `GARCIA` and `LOPEZ`), or the surname alone.
    pub fn surname_parts(&self) -> impl Iterator<Item = &str> {
        self.surname.split([' ', '-']).filter(|p| !p.is_empty())
    }

    /// Returns the name as `SURNAME, GIVEN MIDDLE SUFFIX` for display.
    pub fn display(&self) -> String {
        let mut out = format!("{}, {}", self.surname, self.given);
        for part in [&self.middle, &self.suffix].into_iter().flatten() {
            out.push(' ');
            out.push_str(part);
        }
        out
    }
}

fn tokens(raw: &str) -> Vec<String> {
    clean_token(raw)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn take_trailing_suffix(parts: &mut Vec<String>) -> Option<String> {
    let last = parts.last()?;
    let canon = canonical_suffix(last)?;
    // A lone "V" is more often a middle initial than a suffix.
    if canon == "V" && parts.len() < 3 {
        return None;
    }
    parts.pop();
    Some(canon.to_string())
}
