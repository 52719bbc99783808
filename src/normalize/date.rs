//! Dates as sources send them, and dates of birth with placeholder values removed.

use chrono::format::ParseErrorKind;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::NormalizeError;

/// Parses `raw` with a chrono `strftime` pattern such as `%m/%d/%Y`, `%Y%m%d` or `%Y-%m-%d`.
///
/// Surrounding whitespace is ignored. A `%Y` year must be written with four
/// digits: chrono alone would read `03/15/90` as the year 90.
pub fn parse_date(raw: &str, format: &str) -> Result<NaiveDate, NormalizeError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(NormalizeError::Empty { what: "date" });
    }
    let date = NaiveDate::parse_from_str(trimmed, format).map_err(|err| {
        let reason = match err.kind() {
            // chrono also reports this kind when the layout differs, as for `1990-03-15`
            // read as `%m/%d/%Y` (month 19), so the message does not claim a match.
            ParseErrorKind::OutOfRange => format!("month or day out of range for format {format}"),
            _ => format!("does not match format {format} ({err})"),
        };
        NormalizeError::invalid("date", raw, reason)
    })?;
    if format.contains("%Y") && !trimmed.contains(&format!("{:04}", date.year())) {
        return Err(NormalizeError::invalid(
            "date",
            raw,
            format!("expected a four-digit year for %Y, found {}", date.year()),
        ));
    }
    Ok(date)
}

/// A date of birth known to be real: placeholder dates that systems use for
/// "unknown" are rejected by [`Dob::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dob(NaiveDate);

impl Dob {
    /// Returns `None` for placeholder dates and for years outside 1890 to 2100,
    /// which no living person's record carries.
    ///
    /// The placeholders are 1900-01-01 and 1901-01-01, which record systems
    /// write for "unknown", and 1899-12-30 and 1899-12-31, which spreadsheet
    /// and OLE date serials turn a zero into. Other defaults such as 0001-01-01
    /// and 9999-12-31 fall outside the year range.
    pub fn new(date: NaiveDate) -> Option<Dob> {
        let placeholder = matches!(
            (date.year(), date.month(), date.day()),
            (1900 | 1901, 1, 1) | (1899, 12, 30 | 31)
        );
        if placeholder || date.year() < 1890 || date.year() > 2100 {
            return None;
        }
        Some(Dob(date))
    }

    /// Returns the date itself.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: &str = "%m/%d/%Y";
    const COMPACT: &str = "%Y%m%d";
    const ISO: &str = "%Y-%m-%d";

    /// Parses `raw` with `format` and renders the result as an ISO date or
    /// `error: MESSAGE`.
    fn date(raw: &str, format: &str) -> String {
        match parse_date(raw, format) {
            Ok(date) => date.to_string(),
            Err(err) => format!("error: {err}"),
        }
    }

    /// Parses an ISO `raw` into a [`Dob`] and renders it as an ISO date or
    /// `unknown`.
    fn dob(raw: &str) -> String {
        let date = parse_date(raw, ISO).unwrap();
        match Dob::new(date) {
            Some(dob) => dob.date().to_string(),
            None => "unknown".to_string(),
        }
    }

    #[track_caller]
    fn check(actual: String, expected: &str) {
        assert_eq!(actual, expected);
    }

    #[test]
    fn parse_date_formats() {
        check(date("03/15/1990", US), "1990-03-15");
        check(date("3/5/1990", US), "1990-03-05");
        check(date(" 03/15/1990 ", US), "1990-03-15");
        check(date("19900315", COMPACT), "1990-03-15");
        check(date("1990-03-15", ISO), "1990-03-15");
        check(date("02/29/2000", US), "2000-02-29");
        check(date("12/31/1999", US), "1999-12-31");
    }

    #[test]
    fn parse_date_errors() {
        check(date("", US), "error: empty date");
        check(date("   ", ISO), "error: empty date");
        check(
            date("02/30/1990", US),
            r#"error: invalid date "02/30/1990": month or day out of range for format %m/%d/%Y"#,
        );
        check(
            date("02/29/1990", US),
            r#"error: invalid date "02/29/1990": month or day out of range for format %m/%d/%Y"#,
        );
        check(
            date("13/01/1990", US),
            r#"error: invalid date "13/01/1990": month or day out of range for format %m/%d/%Y"#,
        );
        check(
            date("19900230", COMPACT),
            r#"error: invalid date "19900230": month or day out of range for format %Y%m%d"#,
        );
        check(
            date("1990-03-15", US),
            r#"error: invalid date "1990-03-15": month or day out of range for format %m/%d/%Y"#,
        );
        check(
            date("03/15/1990", ISO),
            r#"error: invalid date "03/15/1990": does not match format %Y-%m-%d (input contains invalid characters)"#,
        );
        check(
            date("03/15", US),
            r#"error: invalid date "03/15": does not match format %m/%d/%Y (premature end of input)"#,
        );
        check(
            date("03/15/90", US),
            r#"error: invalid date "03/15/90": expected a four-digit year for %Y, found 90"#,
        );
        check(
            date("unknown", ISO),
            r#"error: invalid date "unknown": does not match format %Y-%m-%d (input contains invalid characters)"#,
        );
    }

    #[test]
    fn dob_placeholders_are_unknown() {
        check(dob("1990-03-15"), "1990-03-15");
        check(dob("1900-01-02"), "1900-01-02");
        check(dob("1890-01-01"), "1890-01-01");
        check(dob("2100-12-31"), "2100-12-31");
        check(dob("1900-01-01"), "unknown");
        check(dob("1901-01-01"), "unknown");
        check(dob("1899-12-31"), "unknown");
        check(dob("1899-12-30"), "unknown");
        check(dob("1800-01-01"), "unknown");
        check(dob("0001-01-01"), "unknown");
        check(dob("9999-12-31"), "unknown");
        check(dob("1889-12-31"), "unknown");
        check(dob("2101-01-01"), "unknown");
    }
}
