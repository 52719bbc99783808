//! North American phone numbers as ten digits.

use serde::{Deserialize, Serialize};

use super::NormalizeError;

/// A ten-digit North American phone number without punctuation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses `(860) 555-0142`, `860.555.0142` or `+1 860 555 0142`.
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
        if digits.starts_with(['0', '1']) {
            return Err(NormalizeError::invalid(
                "phone",
                raw,
                "area code cannot start with 0 or 1",
            ));
        }
        Ok(Phone(digits))
    }

    /// Returns the ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
