//! Licence plates (issuing state plus number) and vehicle identification numbers.

use serde::{Deserialize, Serialize};

use super::NormalizeError;
use super::text::alnum_upper;

/// A licence plate: two-letter issuing state and the plate number without spaces or dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plate {
    /// Two-letter postal code of the issuing state.
    pub state: String,
    /// Plate number, upper case, letters and digits only.
    pub number: String,
}

impl Plate {
    /// Parses a plate from its issuing state and number.
    pub fn parse(state: &str, number: &str) -> Result<Plate, NormalizeError> {
        let state_clean = alnum_upper(state);
        if state_clean.len() != 2 || !state_clean.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(NormalizeError::invalid(
                "plate state",
                state,
                "expected a two-letter state code",
            ));
        }
        let number_clean = alnum_upper(number);
        match number_clean.len() {
            0 => Err(NormalizeError::Empty {
                what: "plate number",
            }),
            1..=8 => Ok(Plate {
                state: state_clean,
                number: number_clean,
            }),
            n => Err(NormalizeError::invalid(
                "plate number",
                number,
                format!("expected at most 8 characters, found {n}"),
            )),
        }
    }
}

/// A 17-character vehicle identification number whose check digit is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vin(String);

impl Vin {
    /// Parses a VIN and validates its check digit (position 9, as North American VINs carry it).
    pub fn parse(raw: &str) -> Result<Vin, NormalizeError> {
        let vin = alnum_upper(raw);
        if vin.is_empty() {
            return Err(NormalizeError::Empty { what: "vin" });
        }
        if vin.len() != 17 {
            return Err(NormalizeError::invalid(
                "vin",
                raw,
                format!("expected 17 characters, found {}", vin.len()),
            ));
        }
        if let Some(bad) = vin.chars().find(|c| matches!(c, 'I' | 'O' | 'Q')) {
            return Err(NormalizeError::invalid(
                "vin",
                raw,
                format!("letter {bad} is not allowed in a vin"),
            ));
        }
        let expected = vin_check_digit(&vin).ok_or_else(|| {
            NormalizeError::invalid("vin", raw, "contains characters outside A-Z and 0-9")
        })?;
        let found = vin.as_bytes()[8] as char;
        if found != expected {
            return Err(NormalizeError::invalid(
                "vin",
                raw,
                format!("check digit is {found}, expected {expected}"),
            ));
        }
        Ok(Vin(vin))
    }

    /// Returns the 17 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Computes the check digit of a 17-character VIN (the character at position 9
/// is ignored), as defined for North American VINs in 49 CFR 565.15.
/// Returns `None` when `vin` is not 17 characters of A-Z and 0-9.
pub fn vin_check_digit(vin: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    if vin.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, weight) in vin.chars().zip(WEIGHTS) {
        sum += transliterate(c)? * weight;
    }
    Some(match sum % 11 {
        10 => 'X',
        n => char::from_digit(n, 10)?,
    })
}

fn transliterate(c: char) -> Option<u32> {
    let value = match c {
        '0'..='9' => c.to_digit(10)?,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    };
    Some(value)
}
