//! North American phone numbers as ten digits.

use serde::{Deserialize, Serialize};

use super::NormalizeError;

/// A ten-digit North American phone number without punctuation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses `(860) 555-0142`, `860.555.0142` or `+1 860 555 0142`.
    ///
    /// Every character other than a digit is ignored, so an extension such as
    /// `x12` makes the number too long and is rejected.
    pub fn parse(raw: &str) -> Result<Phone, NormalizeError> {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let digits = match digits.len() {
            11 if digits.starts_with('1') => digits[1..].to_string(),
            10 => digits,
            0 => return Err(NormalizeError::Empty { what: "phone" }),
            n => {
                return Err(NormalizeError::invalid(
                    "phone",
                    raw,
                    format!("expected 10 digits, found {n}"),
                ));
            }
        };
        // North American Numbering Plan: neither the area code nor the exchange
        // (digits 4 to 6) starts with 0 or 1.
        if digits.starts_with(['0', '1']) {
            return Err(NormalizeError::invalid(
                "phone",
                raw,
                "area code cannot start with 0 or 1",
            ));
        }
        if digits[3..].starts_with(['0', '1']) {
            return Err(NormalizeError::invalid(
                "phone",
                raw,
                "exchange code cannot start with 0 or 1",
            ));
        }
        Ok(Phone(digits))
    }

    /// Returns the ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let actual = match Phone::parse(input) {
            Ok(phone) => phone.as_str().to_string(),
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(actual, expected, "Phone::parse({input:?})");
    }

    #[test]
    fn phone_accepted_formats() {
        check("(860) 555-0142", "8605550142");
        check("860-555-0142", "8605550142");
        check("860.555.0142", "8605550142");
        check("8605550142", "8605550142");
        check("+1 860 555 0142", "8605550142");
        check("+1 (860) 555-0142", "8605550142");
        check("1-860-555-0142", "8605550142");
        check("18605550142", "8605550142");
    }

    #[test]
    fn phone_rejected() {
        check("", "error: empty phone");
        check("n/a", "error: empty phone");
        check(
            "555-0142",
            r#"error: invalid phone "555-0142": expected 10 digits, found 7"#,
        );
        check(
            "860-555-014",
            r#"error: invalid phone "860-555-014": expected 10 digits, found 9"#,
        );
        check(
            "28605550142",
            r#"error: invalid phone "28605550142": expected 10 digits, found 11"#,
        );
        check(
            "860-555-0142 x12",
            r#"error: invalid phone "860-555-0142 x12": expected 10 digits, found 12"#,
        );
        check(
            "(060) 555-0142",
            r#"error: invalid phone "(060) 555-0142": area code cannot start with 0 or 1"#,
        );
        check(
            "(160) 555-0142",
            r#"error: invalid phone "(160) 555-0142": area code cannot start with 0 or 1"#,
        );
        check(
            "+1 160 555 0142",
            r#"error: invalid phone "+1 160 555 0142": area code cannot start with 0 or 1"#,
        );
        check(
            "(860) 055-0142",
            r#"error: invalid phone "(860) 055-0142": exchange code cannot start with 0 or 1"#,
        );
        check(
            "(860) 155-0142",
            r#"error: invalid phone "(860) 155-0142": exchange code cannot start with 0 or 1"#,
        );
    }
}
