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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Surname; multi-part surnames keep their spaces and hyphens.
    pub surname: String,
    /// Generational suffix such as `JR`, `SR`, `II`, `III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    ("5TH", "V"),
];

/// Particles that begin a multi-part surname (`DE LA CRUZ`, `VAN DER BERG`,
/// `ST JOHN`). Only `FirstLast` parsing needs them, because there the surname is
/// not delimited by a comma. Words that are also common given names (`AL`,
/// `BEN`) are left out so that a middle name is not pulled into the surname.
const SURNAME_PARTICLES: &[&str] = &[
    "DA", "DAL", "DAS", "DE", "DEL", "DELA", "DELLA", "DEN", "DER", "DI", "DOS", "DU", "LA", "LE",
    "SAN", "SANTA", "ST", "STE", "TEN", "TER", "VAN", "VON",
];

/// Returns the canonical suffix for `token`, if it is one.
fn canonical_suffix(token: &str) -> Option<&'static str> {
    SUFFIXES
        .iter()
        .find(|(raw, _)| *raw == token)
        .map(|(_, canon)| *canon)
}

/// Position of a trailing suffix-like token, which decides whether a lone `V`
/// counts as a suffix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SuffixPosition {
    /// After the given and middle names, where a `V` may be a middle initial.
    AfterGivenNames,
    /// After the surname, where no middle initial can stand.
    AfterSurname,
}

impl PersonName {
    /// Parses a single-string name in the given layout.
    ///
    /// `LastFirst` requires a comma after the surname. In `FirstLast` the last
    /// word is the surname, together with any particles before it (`Maria de la
    /// Cruz` has the surname `DE LA CRUZ`). A trailing generational suffix is split
    /// off in both layouts. A lone trailing `V` after only a given name is read as
    /// a middle initial, not as the suffix "the fifth".
    pub fn parse(full: &str, style: NameStyle) -> Result<Self, NormalizeError> {
        match style {
            NameStyle::LastFirst => Self::parse_last_first(full),
            NameStyle::FirstLast => Self::parse_first_last(full),
        }
    }

    /// Builds a name from separate fields, as sources with one column per part send it.
    ///
    /// A given-name field with several words keeps the first as the given name
    /// and puts the rest before the middle name, so that the result equals what
    /// [`PersonName::parse`] makes of the same name in one string. A suffix left
    /// at the end of the surname field is split off, and the suffix field wins
    /// when both are present.
    pub fn from_parts(
        given: Option<&str>,
        middle: Option<&str>,
        surname: Option<&str>,
        suffix: Option<&str>,
    ) -> Result<Self, NormalizeError> {
        let mut surname_tokens = tokens(surname.unwrap_or(""));
        let suffix_in_surname =
            take_trailing_suffix(&mut surname_tokens, SuffixPosition::AfterSurname);
        let suffix = match suffix.map(clean_token).filter(|s| !s.is_empty()) {
            Some(raw) => Some(canonical_suffix(&raw).ok_or_else(|| {
                NormalizeError::invalid("suffix", &raw, "expected JR, SR or II to V")
            })?),
            None => suffix_in_surname,
        };

        let mut given_tokens = tokens(given.unwrap_or(""));
        let mut middle_tokens = given_tokens.split_off(given_tokens.len().min(1));
        middle_tokens.extend(tokens(middle.unwrap_or("")));
        let middle = (!middle_tokens.is_empty()).then(|| middle_tokens.join(" "));
        Self::assemble(given_tokens, middle, surname_tokens, suffix)
    }

    fn parse_last_first(full: &str) -> Result<Self, NormalizeError> {
        let Some((last, rest)) = full.split_once(',') else {
            return Err(NormalizeError::invalid(
                "name",
                full,
                "expected \"LAST, FIRST\" with a comma after the surname",
            ));
        };
        let mut surname = tokens(last);
        let mut rest = tokens(rest);
        let suffix = take_trailing_suffix(&mut rest, SuffixPosition::AfterGivenNames)
            .or_else(|| take_trailing_suffix(&mut surname, SuffixPosition::AfterSurname));
        let middle_tokens = rest.split_off(rest.len().min(1));
        let middle = (!middle_tokens.is_empty()).then(|| middle_tokens.join(" "));
        Self::assemble(rest, middle, surname, suffix)
    }

    fn parse_first_last(full: &str) -> Result<Self, NormalizeError> {
        let mut parts = tokens(full);
        let suffix = if parts.len() > 2 {
            take_trailing_suffix(&mut parts, SuffixPosition::AfterSurname)
        } else {
            None
        };
        if parts.len() < 2 {
            return Err(NormalizeError::invalid(
                "name",
                full,
                "expected a given name and a surname",
            ));
        }
        // The surname is the last word plus the particles before it, but never
        // the given name.
        let mut surname_start = parts.len() - 1;
        while surname_start > 1 && SURNAME_PARTICLES.contains(&parts[surname_start - 1].as_str()) {
            surname_start -= 1;
        }
        let surname = parts.split_off(surname_start);
        let middle_tokens = parts.split_off(1);
        let middle = (!middle_tokens.is_empty()).then(|| middle_tokens.join(" "));
        Self::assemble(parts, middle, surname, suffix)
    }

    fn assemble(
        given: Vec<String>,
        middle: Option<String>,
        surname: Vec<String>,
        suffix: Option<&'static str>,
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
            suffix: suffix.map(str::to_string),
        })
    }

    /// Returns the parts of a multi-part or hyphenated surname (`GARCIA-LOPEZ`
    /// gives `GARCIA` and `LOPEZ`, `DE LA CRUZ` gives three parts), or the
    /// surname alone.
    pub fn surname_parts(&self) -> impl Iterator<Item = &str> {
        self.surname.split([' ', '-']).filter(|p| !p.is_empty())
    }

    /// Returns the name as `SURNAME, GIVEN MIDDLE SUFFIX` for display.
    ///
    /// The one exception is the suffix `V` on a name without a middle name, which
    /// is written `SURNAME V, GIVEN`, because `SURNAME, GIVEN V` parses back as a
    /// middle initial. Parsing the output in `LastFirst` style gives the name back.
    pub fn display(&self) -> String {
        if self.middle.is_none() && self.suffix.as_deref() == Some("V") {
            return format!("{} V, {}", self.surname, self.given);
        }
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

/// Removes and returns the canonical form of a trailing suffix in `parts`.
///
/// At least one word always stays behind, so the surname `SENIOR` and the given
/// name `JUNIOR` survive. After given names a lone `V` is a suffix only when two
/// or more words precede it (`JOHN PAUL V`), because `JOHN V` is more often a
/// middle initial.
fn take_trailing_suffix(parts: &mut Vec<String>, position: SuffixPosition) -> Option<&'static str> {
    let last = parts.last()?;
    let canon = canonical_suffix(last)?;
    let words_before = parts.len() - 1;
    let min_words_before = match (last.as_str(), position) {
        ("V", SuffixPosition::AfterGivenNames) => 2,
        _ => 1,
    };
    if words_before < min_words_before {
        return None;
    }
    parts.pop();
    Some(canon)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn last_first(full: &str) -> Result<PersonName, NormalizeError> {
        PersonName::parse(full, NameStyle::LastFirst)
    }

    fn first_last(full: &str) -> Result<PersonName, NormalizeError> {
        PersonName::parse(full, NameStyle::FirstLast)
    }

    fn parts(
        given: Option<&str>,
        middle: Option<&str>,
        surname: Option<&str>,
        suffix: Option<&str>,
    ) -> Result<PersonName, NormalizeError> {
        PersonName::from_parts(given, middle, surname, suffix)
    }

    /// Compares a parse result, rendered as `SURNAME | GIVEN | MIDDLE | SUFFIX`
    /// with `-` for an absent part, or as `error: MESSAGE`, with `expected`.
    #[track_caller]
    fn check(actual: Result<PersonName, NormalizeError>, expected: &str) {
        let rendered = match actual {
            Ok(name) => format!(
                "{} | {} | {} | {}",
                name.surname,
                name.given,
                name.middle.as_deref().unwrap_or("-"),
                name.suffix.as_deref().unwrap_or("-"),
            ),
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(rendered, expected);
    }

    #[test]
    fn last_first_layout() {
        check(last_first("SMITH, JOHN"), "SMITH | JOHN | - | -");
        check(last_first("smith, john"), "SMITH | JOHN | - | -");
        check(last_first("  Smith ,  John  "), "SMITH | JOHN | - | -");
        check(last_first("Rivera, José"), "RIVERA | JOSE | - | -");
        check(last_first("Müller, Zoë"), "MULLER | ZOE | - | -");
        check(last_first("O'Brien, Sean"), "OBRIEN | SEAN | - | -");
        check(last_first("O\u{2019}Brien, Sean"), "OBRIEN | SEAN | - | -");
        check(last_first("St. John, Mary"), "ST JOHN | MARY | - | -");
        check(last_first("SMITH, JOHN PAUL"), "SMITH | JOHN | PAUL | -");
        check(last_first("SMITH, JOHN P."), "SMITH | JOHN | P | -");
        check(
            last_first("SMITH, JOHN PAUL GEORGE"),
            "SMITH | JOHN | PAUL GEORGE | -",
        );
        check(last_first("SMITH,JOHN"), "SMITH | JOHN | - | -");
    }

    #[test]
    fn last_first_suffixes() {
        check(last_first("SMITH, JOHN JR"), "SMITH | JOHN | - | JR");
        check(last_first("SMITH, JOHN Jr."), "SMITH | JOHN | - | JR");
        check(last_first("SMITH, JOHN JUNIOR"), "SMITH | JOHN | - | JR");
        check(
            last_first("SMITH, JOHN PAUL SR"),
            "SMITH | JOHN | PAUL | SR",
        );
        check(last_first("SMITH, JOHN III"), "SMITH | JOHN | - | III");
        check(last_first("SMITH, JOHN 2nd"), "SMITH | JOHN | - | II");
        check(last_first("SMITH, JOHN, JR."), "SMITH | JOHN | - | JR");
        check(last_first("SMITH JR, JOHN"), "SMITH | JOHN | - | JR");
        check(last_first("SMITH III, JOHN A"), "SMITH | JOHN | A | III");
        check(
            last_first("SMITH JR, JOHN III"),
            "SMITH JR | JOHN | - | III",
        );
        check(last_first("SMITH, JOHN V"), "SMITH | JOHN | V | -");
        check(last_first("SMITH, JOHN PAUL V"), "SMITH | JOHN | PAUL | V");
        check(last_first("SMITH V, JOHN"), "SMITH | JOHN | - | V");
        check(last_first("SMITH, JOHN 5TH"), "SMITH | JOHN | - | V");
    }

    #[test]
    fn last_first_suffix_words_as_names() {
        check(last_first("SENIOR, MARY"), "SENIOR | MARY | - | -");
        check(last_first("SMITH, JUNIOR"), "SMITH | JUNIOR | - | -");
        check(last_first("SMITH, JUNIOR JR"), "SMITH | JUNIOR | - | JR");
        check(last_first("V, JOHN"), "V | JOHN | - | -");
    }

    #[test]
    fn last_first_multi_part_surnames() {
        check(
            last_first("GARCIA-LOPEZ, ANA"),
            "GARCIA-LOPEZ | ANA | - | -",
        );
        check(
            last_first("Garcia - Lopez, Ana"),
            "GARCIA-LOPEZ | ANA | - | -",
        );
        check(
            last_first("DE LA CRUZ, MARIA"),
            "DE LA CRUZ | MARIA | - | -",
        );
        check(
            last_first("van der Berg, Pieter"),
            "VAN DER BERG | PIETER | - | -",
        );
        check(
            last_first("DE LA CRUZ JR, JUAN"),
            "DE LA CRUZ | JUAN | - | JR",
        );
        check(last_first("SMITH, MARY-ANN"), "SMITH | MARY-ANN | - | -");
    }

    #[test]
    fn last_first_errors() {
        check(
            last_first("SMITH JOHN"),
            r#"error: invalid name "SMITH JOHN": expected "LAST, FIRST" with a comma after the surname"#,
        );
        check(last_first(", JOHN"), "error: empty surname");
        check(last_first("'. , JOHN"), "error: empty surname");
        check(last_first("SMITH,"), "error: empty given name");
        check(last_first("SMITH, ."), "error: empty given name");
    }

    #[test]
    fn first_last_layout() {
        check(first_last("John Smith"), "SMITH | JOHN | - | -");
        check(first_last("José Rivera"), "RIVERA | JOSE | - | -");
        check(first_last("Sean O'Brien"), "OBRIEN | SEAN | - | -");
        check(first_last("John Paul Smith"), "SMITH | JOHN | PAUL | -");
        check(first_last("John P. Smith"), "SMITH | JOHN | P | -");
        check(first_last("John Smith Jr."), "SMITH | JOHN | - | JR");
        check(first_last("John Smith, Jr."), "SMITH | JOHN | - | JR");
        check(
            first_last("John Paul Smith III"),
            "SMITH | JOHN | PAUL | III",
        );
        check(first_last("John Smith V"), "SMITH | JOHN | - | V");
        check(first_last("Mary Senior"), "SENIOR | MARY | - | -");
        check(first_last("Ana Garcia-Lopez"), "GARCIA-LOPEZ | ANA | - | -");
        check(first_last("Maria de la Cruz"), "DE LA CRUZ | MARIA | - | -");
        check(
            first_last("Maria Elena de la Cruz"),
            "DE LA CRUZ | MARIA | ELENA | -",
        );
        check(
            first_last("Pieter van der Berg Jr"),
            "VAN DER BERG | PIETER | - | JR",
        );
        check(first_last("Mary St. John"), "ST JOHN | MARY | - | -");
        check(
            first_last("Maria Del Carmen Lopez"),
            "LOPEZ | MARIA | DEL CARMEN | -",
        );
        check(first_last("John Ben Smith"), "SMITH | JOHN | BEN | -");
        check(first_last("De Cruz"), "CRUZ | DE | - | -");
    }

    #[test]
    fn first_last_errors() {
        check(
            first_last("Smith"),
            r#"error: invalid name "Smith": expected a given name and a surname"#,
        );
        check(
            first_last(""),
            r#"error: invalid name "": expected a given name and a surname"#,
        );
    }

    #[test]
    fn separate_fields() {
        check(
            parts(Some("John"), None, Some("Smith"), None),
            "SMITH | JOHN | - | -",
        );
        check(
            parts(Some("John"), Some("Paul"), Some("Smith"), None),
            "SMITH | JOHN | PAUL | -",
        );
        check(
            parts(Some("John"), Some("P."), Some("Smith"), None),
            "SMITH | JOHN | P | -",
        );
        check(
            parts(Some("John Paul"), None, Some("Smith"), None),
            "SMITH | JOHN | PAUL | -",
        );
        check(
            parts(Some("Mary Ann"), Some("Lee"), Some("Smith"), None),
            "SMITH | MARY | ANN LEE | -",
        );
        check(
            parts(Some("John"), Some(""), Some("Smith"), Some("")),
            "SMITH | JOHN | - | -",
        );
        check(
            parts(Some("Zoë"), None, Some("Müller"), None),
            "MULLER | ZOE | - | -",
        );
        check(
            parts(Some("Ana"), None, Some("Garcia-Lopez"), None),
            "GARCIA-LOPEZ | ANA | - | -",
        );
        check(
            parts(Some("Maria"), None, Some("De La Cruz"), None),
            "DE LA CRUZ | MARIA | - | -",
        );
        check(
            parts(Some("Mary"), None, Some("Senior"), None),
            "SENIOR | MARY | - | -",
        );
    }

    #[test]
    fn separate_field_suffixes() {
        check(
            parts(Some("John"), None, Some("Smith"), Some("Jr")),
            "SMITH | JOHN | - | JR",
        );
        check(
            parts(Some("John"), None, Some("Smith"), Some("Jr.")),
            "SMITH | JOHN | - | JR",
        );
        check(
            parts(Some("John"), None, Some("Smith"), Some("JUNIOR")),
            "SMITH | JOHN | - | JR",
        );
        check(
            parts(Some("John"), None, Some("Smith"), Some("III")),
            "SMITH | JOHN | - | III",
        );
        check(
            parts(Some("John"), None, Some("Smith"), Some("2nd")),
            "SMITH | JOHN | - | II",
        );
        check(
            parts(Some("John"), None, Some("Smith"), Some("V")),
            "SMITH | JOHN | - | V",
        );
        check(
            parts(Some("John"), None, Some("Smith Jr."), None),
            "SMITH | JOHN | - | JR",
        );
        check(
            parts(Some("John"), None, Some("Smith V"), None),
            "SMITH | JOHN | - | V",
        );
        check(
            parts(Some("John"), None, Some("Smith Jr"), Some("Jr")),
            "SMITH | JOHN | - | JR",
        );
        check(
            parts(Some("John"), Some("V"), Some("Smith"), None),
            "SMITH | JOHN | V | -",
        );
        check(
            parts(Some("John"), None, Some("Smith"), Some("Esq")),
            r#"error: invalid suffix "ESQ": expected JR, SR or II to V"#,
        );
    }

    #[test]
    fn separate_field_errors() {
        check(
            parts(Some("John"), None, None, None),
            "error: empty surname",
        );
        check(
            parts(Some("John"), None, Some("  "), None),
            "error: empty surname",
        );
        check(
            parts(None, Some("Paul"), Some("Smith"), None),
            "error: empty given name",
        );
        check(
            parts(Some("John"), None, Some("Jr"), None),
            "JR | JOHN | - | -",
        );
    }

    #[test]
    fn surname_parts_split_on_spaces_and_hyphens() {
        let cases: &[(&str, &[&str])] = &[
            ("SMITH, JOHN", &["SMITH"]),
            ("GARCIA-LOPEZ, ANA", &["GARCIA", "LOPEZ"]),
            ("DE LA CRUZ, MARIA", &["DE", "LA", "CRUZ"]),
            (
                "VAN DER BERG-SMITH, PIETER",
                &["VAN", "DER", "BERG", "SMITH"],
            ),
        ];
        for (full, expected) in cases {
            let name = last_first(full).unwrap();
            let actual: Vec<&str> = name.surname_parts().collect();
            assert_eq!(&actual, expected, "surname parts of {full:?}");
        }
    }

    #[test]
    fn display_parses_back() {
        let cases = [
            "SMITH, JOHN",
            "SMITH, JOHN PAUL JR",
            "SMITH, JOHN V",
            "SMITH V, JOHN",
            "SMITH JR V, JOHN",
            "SMITH JR, JOHN V",
            "DE LA CRUZ, MARIA III",
        ];
        for full in cases {
            let name = last_first(full).unwrap();
            assert_eq!(last_first(&name.display()), Ok(name), "display of {full:?}");
        }
    }

    /// Name-like input in `LAST, FIRST` layout, built from words that exercise
    /// particles, hyphens, diacritics, punctuation and suffix spellings, with an
    /// optional suffix after the surname and after the given names.
    fn name_like() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "Smith",
            "de",
            "la",
            "Cruz",
            "van",
            "Garcia-Lopez",
            "O'Brien",
            "St.",
            "José",
            "Zoë",
            "Müller",
            "Senior",
            "Junior",
            "V",
            "P.",
            "-",
            "",
        ]);
        let suffix = prop::option::of(prop::sample::select(vec![
            "Jr", "Jr.", "JUNIOR", "SR", "V", "III", "2nd", "5th",
        ]));
        let words = || prop::collection::vec(word.clone(), 0..4).prop_map(|w| w.join(" "));
        (words(), suffix.clone(), any::<bool>(), words(), suffix).prop_map(
            |(last, last_suffix, comma, rest, rest_suffix)| {
                format!(
                    "{last} {}{} {rest} {}",
                    last_suffix.unwrap_or_default(),
                    if comma { "," } else { "" },
                    rest_suffix.unwrap_or_default(),
                )
            },
        )
    }

    proptest! {
        #[test]
        fn display_round_trip_name_like(full in name_like()) {
            if let Ok(name) = last_first(&full) {
                prop_assert_eq!(last_first(&name.display()), Ok(name));
            }
        }

        #[test]
        fn display_round_trip_any_text(full in "\\PC{0,40}") {
            if let Ok(name) = last_first(&full) {
                prop_assert_eq!(last_first(&name.display()), Ok(name));
            }
        }
    }
}
