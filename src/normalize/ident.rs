//! Person identifiers: state id, FBI number, driver licence, inmate number and
//! sex-offender registry id, each cleaned to upper-case letters and digits.

use serde::{Deserialize, Serialize};

use super::NormalizeError;
use super::text::alnum_upper;

/// The identifier kinds a source can map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// State identification (bureau of identification) number.
    StateId,
    /// FBI universal control number.
    Fbi,
    /// Driver licence number.
    Licence,
    /// Department of Correction inmate number.
    Inmate,
    /// Sex-offender registry number.
    SorId,
}

impl IdKind {
    /// Returns the lowercase name used in errors and configuration.
    pub fn name(self) -> &'static str {
        match self {
            IdKind::StateId => "state_id",
            IdKind::Fbi => "fbi",
            IdKind::Licence => "licence",
            IdKind::Inmate => "inmate",
            IdKind::SorId => "sor_id",
        }
    }

    fn length_range(self) -> (usize, usize) {
        match self {
            IdKind::StateId => (5, 12),
            IdKind::Fbi => (6, 9),
            IdKind::Licence => (5, 13),
            IdKind::Inmate => (4, 10),
            IdKind::SorId => (4, 12),
        }
    }
}

/// Cleans an identifier (spaces, dashes and case removed) and checks its length.
///
/// Every identifier kind contains at least one digit, so a value without one
/// (`UNKNOWN`, `NONE`) is rejected, and so is a value of only zeros, which
/// sources use as a placeholder. A blank value is empty, and a value of only
/// other characters (`%`, `-`) is invalid.
pub fn parse_identifier(kind: IdKind, raw: &str) -> Result<String, NormalizeError> {
    if raw.trim().is_empty() {
        return Err(NormalizeError::Empty { what: kind.name() });
    }
    let cleaned = alnum_upper(raw);
    if cleaned.is_empty() {
        let reason = "contains no ASCII letters or digits";
        return Err(NormalizeError::invalid(kind.name(), raw, reason));
    }
    let (min, max) = kind.length_range();
    if cleaned.len() < min || cleaned.len() > max {
        let reason = format!(
            "expected {min} to {max} letters or digits, found {}",
            cleaned.len()
        );
        return Err(NormalizeError::invalid(kind.name(), raw, reason));
    }
    if !cleaned.contains(|c: char| c.is_ascii_digit()) {
        return Err(NormalizeError::invalid(
            kind.name(),
            raw,
            "contains no digits",
        ));
    }
    if cleaned.chars().all(|c| c == '0') {
        return Err(NormalizeError::invalid(
            kind.name(),
            raw,
            "placeholder of all zeros",
        ));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::IdKind::{Fbi, Inmate, Licence, SorId, StateId};
    use super::*;

    #[track_caller]
    fn check((kind, raw): (IdKind, &str), expected: &str) {
        let actual = match parse_identifier(kind, raw) {
            Ok(id) => id,
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(actual, expected, "parse_identifier({kind:?}, {raw:?})");
    }

    #[test]
    fn cleaning() {
        check((StateId, "CT-1234567"), "CT1234567");
        check((StateId, " 12 345 67 "), "1234567");
        check((Fbi, "123456ab1"), "123456AB1");
        check((Fbi, "123-456-AB1"), "123456AB1");
        check((Licence, "123 456 789"), "123456789");
        check((Inmate, "#123.456"), "123456");
        check((SorId, "sor-2024-0042"), "SOR20240042");
    }

    #[test]
    fn length_bounds() {
        check(
            (StateId, "1234"),
            r#"error: invalid state_id "1234": expected 5 to 12 letters or digits, found 4"#,
        );
        check((StateId, "12345"), "12345");
        check((StateId, "123456789012"), "123456789012");
        check(
            (StateId, "1234567890123"),
            r#"error: invalid state_id "1234567890123": expected 5 to 12 letters or digits, found 13"#,
        );

        check(
            (Fbi, "12345"),
            r#"error: invalid fbi "12345": expected 6 to 9 letters or digits, found 5"#,
        );
        check((Fbi, "123456"), "123456");
        check((Fbi, "123456789"), "123456789");
        check(
            (Fbi, "1234567890"),
            r#"error: invalid fbi "1234567890": expected 6 to 9 letters or digits, found 10"#,
        );

        check(
            (Licence, "1234"),
            r#"error: invalid licence "1234": expected 5 to 13 letters or digits, found 4"#,
        );
        check((Licence, "12345"), "12345");
        check((Licence, "A123456789012"), "A123456789012");
        check(
            (Licence, "A1234567890123"),
            r#"error: invalid licence "A1234567890123": expected 5 to 13 letters or digits, found 14"#,
        );

        check(
            (Inmate, "123"),
            r#"error: invalid inmate "123": expected 4 to 10 letters or digits, found 3"#,
        );
        check((Inmate, "1234"), "1234");
        check((Inmate, "1234567890"), "1234567890");
        check(
            (Inmate, "12345678901"),
            r#"error: invalid inmate "12345678901": expected 4 to 10 letters or digits, found 11"#,
        );

        check(
            (SorId, "123"),
            r#"error: invalid sor_id "123": expected 4 to 12 letters or digits, found 3"#,
        );
        check((SorId, "1234"), "1234");
        check((SorId, "123456789012"), "123456789012");
        check(
            (SorId, "1234567890123"),
            r#"error: invalid sor_id "1234567890123": expected 4 to 12 letters or digits, found 13"#,
        );

        check(
            (StateId, "12-34"),
            r#"error: invalid state_id "12-34": expected 5 to 12 letters or digits, found 4"#,
        );
    }

    #[test]
    fn empty_and_placeholders() {
        check((StateId, ""), "error: empty state_id");
        check((StateId, " \t "), "error: empty state_id");
        check(
            (StateId, "%"),
            r#"error: invalid state_id "%": contains no ASCII letters or digits"#,
        );
        check(
            (Licence, " - "),
            r#"error: invalid licence " - ": contains no ASCII letters or digits"#,
        );
        check(
            (Licence, "UNKNOWN"),
            r#"error: invalid licence "UNKNOWN": contains no digits"#,
        );
        check(
            (Inmate, "NONE"),
            r#"error: invalid inmate "NONE": contains no digits"#,
        );
        check(
            (StateId, "000000000"),
            r#"error: invalid state_id "000000000": placeholder of all zeros"#,
        );
        check((StateId, "0000012"), "0000012");
    }
}
