//! Licence plates (issuing state plus number) and vehicle identification numbers.

use serde::{Deserialize, Serialize};

use super::NormalizeError;
use super::address::is_plate_issuer;
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
    /// Parses a plate from its issuing state and number, as
    /// [`Plate::parse_state`] and [`Plate::parse_number`] do. The state is
    /// checked first, and its error is the one returned.
    pub fn parse(state: &str, number: &str) -> Result<Plate, NormalizeError> {
        let state = Plate::parse_state(state)?;
        let number = Plate::parse_number(number)?;
        Ok(Plate { state, number })
    }

    /// Parses an issuing state: the postal code of a state, DC or a
    /// territory, returned in upper case.
    pub fn parse_state(state: &str) -> Result<String, NormalizeError> {
        let state_clean = alnum_upper(state);
        if state_clean.len() != 2 || !state_clean.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(NormalizeError::invalid(
                "plate state",
                state,
                "expected a two-letter state code",
            ));
        }
        if !is_plate_issuer(&state_clean) {
            return Err(NormalizeError::invalid(
                "plate state",
                state,
                "not a US state or territory code",
            ));
        }
        Ok(state_clean)
    }

    /// Parses a plate number of 1 to 8 letters and digits. Spaces and dashes
    /// are removed. Any other character but ASCII letters and digits is an
    /// error, because dropping it would make a different plate.
    pub fn parse_number(number: &str) -> Result<String, NormalizeError> {
        let number_clean = plate_number(number)?;
        match number_clean.len() {
            0 => Err(NormalizeError::Empty {
                what: "plate number",
            }),
            1..=8 => Ok(number_clean),
            n => Err(NormalizeError::invalid(
                "plate number",
                number,
                format!("expected at most 8 characters, found {n}"),
            )),
        }
    }
}

/// Returns `raw` upper-cased without spaces and dashes, or an error naming the
/// first character that is not an ASCII letter or digit.
fn plate_number(raw: &str) -> Result<String, NormalizeError> {
    let mut number = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            ' ' | '-' => {}
            c if c.is_ascii_alphanumeric() => number.push(c.to_ascii_uppercase()),
            c => {
                return Err(NormalizeError::invalid(
                    "plate number",
                    raw,
                    format!(
                        "character {c:?} is not allowed (only letters, digits, spaces and dashes)"
                    ),
                ));
            }
        }
    }
    Ok(number)
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
                format!("expected 17 letters or digits, found {}", vin.len()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a plate and renders it as `STATE NUMBER` or `error: MESSAGE`.
    fn plate(state: &str, number: &str) -> String {
        match Plate::parse(state, number) {
            Ok(p) => format!("{} {}", p.state, p.number),
            Err(err) => format!("error: {err}"),
        }
    }

    /// Parses a VIN and renders it as its 17 characters or `error: MESSAGE`.
    fn vin(raw: &str) -> String {
        match Vin::parse(raw) {
            Ok(v) => v.as_str().to_string(),
            Err(err) => format!("error: {err}"),
        }
    }

    fn check_digit(raw: &str) -> String {
        vin_check_digit(raw).map_or_else(|| "none".to_string(), String::from)
    }

    /// Returns `template` with its ninth character replaced by the check digit.
    fn with_check_digit(template: &str) -> String {
        let digit = vin_check_digit(template).unwrap();
        format!("{}{digit}{}", &template[..8], &template[9..])
    }

    #[track_caller]
    fn check(actual: String, expected: &str) {
        assert_eq!(actual, expected);
    }

    #[test]
    fn plate_cases() {
        check(plate("CT", "ABC123"), "CT ABC123");
        check(plate("ct", "abc123"), "CT ABC123");
        check(plate(" CT ", "AB 1234"), "CT AB1234");
        check(plate("CT", "AB-1234"), "CT AB1234");
        check(plate("C.T.", "ab - 12 34"), "CT AB1234");
        check(plate("NY", "A"), "NY A");
        check(plate("MA", "12345678"), "MA 12345678");
        check(plate("CT", ""), "error: empty plate number");
        check(plate("CT", " - "), "error: empty plate number");
        check(
            plate("CT", "ZZ 10$0@3"),
            r#"error: invalid plate number "ZZ 10$0@3": character '$' is not allowed (only letters, digits, spaces and dashes)"#,
        );
        check(
            plate("CT", "Ñ123"),
            r#"error: invalid plate number "Ñ123": character 'Ñ' is not allowed (only letters, digits, spaces and dashes)"#,
        );
        check(
            plate("CT", "!!!"),
            r#"error: invalid plate number "!!!": character '!' is not allowed (only letters, digits, spaces and dashes)"#,
        );
        check(
            plate("XX", "ABC123"),
            r#"error: invalid plate state "XX": not a US state or territory code"#,
        );
        check(
            plate("AE", "ABC123"),
            r#"error: invalid plate state "AE": not a US state or territory code"#,
        );
        check(plate("PR", "ABC123"), "PR ABC123");
        check(plate("dc", "abc123"), "DC ABC123");
        check(
            plate("CT", "ABCD12345"),
            r#"error: invalid plate number "ABCD12345": expected at most 8 characters, found 9"#,
        );
        check(
            plate("C", "ABC123"),
            r#"error: invalid plate state "C": expected a two-letter state code"#,
        );
        check(
            plate("CTX", "ABC123"),
            r#"error: invalid plate state "CTX": expected a two-letter state code"#,
        );
        check(
            plate("C1", "ABC123"),
            r#"error: invalid plate state "C1": expected a two-letter state code"#,
        );
        check(
            plate("", "ABC123"),
            r#"error: invalid plate state "": expected a two-letter state code"#,
        );
    }

    #[test]
    fn vin_known_good() {
        check(vin("1M8GDM9AXKP042788"), "1M8GDM9AXKP042788");
        check(vin("11111111111111111"), "11111111111111111");
        check(vin("1m8gdm9axkp042788"), "1M8GDM9AXKP042788");
        check(vin(" 1M8-GDM9AX KP042788 "), "1M8GDM9AXKP042788");
    }

    #[test]
    fn vin_computed_check_digits() {
        // Fictional VINs in the real layout: manufacturer, vehicle attributes,
        // a placeholder where the check digit goes, model year, plant, serial.
        let templates = [
            "1FTFW1E5_PFA12345",
            "2T1BURHE_JC123456",
            "3VWDX7AJ_BM123456",
            "5YJ3E1EA_LF123456",
            "JHMCM565_0C123456",
            "WBA3A5C5_DF123456",
            "KMHCT4AE_FU123456",
            "1G1ZD5ST_JF123456",
            "ZZZZZZZZ_ZZZZZZZZ",
            "00000000_00000000",
        ];
        for template in templates {
            let valid = with_check_digit(&template.replace('_', "0"));
            check(vin(&valid), &valid);
            check(vin(&valid.to_lowercase()), &valid);
        }
    }

    #[test]
    fn vin_errors() {
        check(
            vin("1M8GDM9A5KP042788"),
            r#"error: invalid vin "1M8GDM9A5KP042788": check digit is 5, expected X"#,
        );
        check(
            vin("11111111211111111"),
            r#"error: invalid vin "11111111211111111": check digit is 2, expected 1"#,
        );
        check(
            vin("1M8GDM9AXKP04278O"),
            r#"error: invalid vin "1M8GDM9AXKP04278O": letter O is not allowed in a vin"#,
        );
        check(
            vin("IM8GDM9AXKP042788"),
            r#"error: invalid vin "IM8GDM9AXKP042788": letter I is not allowed in a vin"#,
        );
        check(
            vin("1M8GDM9AXKQ042788"),
            r#"error: invalid vin "1M8GDM9AXKQ042788": letter Q is not allowed in a vin"#,
        );
        check(
            vin("1M8GDM9AXKP04278"),
            r#"error: invalid vin "1M8GDM9AXKP04278": expected 17 letters or digits, found 16"#,
        );
        check(
            vin("1M8GDM9AXKP0427888"),
            r#"error: invalid vin "1M8GDM9AXKP0427888": expected 17 letters or digits, found 18"#,
        );
        check(vin(""), "error: empty vin");
        check(vin(" - "), "error: empty vin");
    }

    #[test]
    fn vin_check_digit_cases() {
        check(check_digit("1M8GDM9AXKP042788"), "X");
        check(check_digit("1M8GDM9A0KP042788"), "X");
        check(check_digit("11111111111111111"), "1");
        check(check_digit("1M8GDM9AXKP04278"), "none");
        check(check_digit("1M8GDM9AXKP04278O"), "none");
        check(check_digit("1m8gdm9axkp042788"), "none");
    }
}
