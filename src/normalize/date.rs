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
    if let Some(date) = parse_fixed_width(trimmed, format) {
        return Ok(date);
    }
    let date = NaiveDate::parse_from_str(trimmed, format).map_err(|err| {
        let reason = if !same_layout(trimmed, format) {
            format!("does not match the expected format {format}")
        } else if err.kind() == ParseErrorKind::OutOfRange {
            format!("month or day out of range for format {format}")
        } else {
            format!("does not match the expected format {format} ({err})")
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

/// Reads a valid date written exactly in one of the four layouts sources use
/// most (`%Y-%m-%d`, `%m/%d/%Y`, `%m-%d-%Y`, `%Y%m%d`, with two-digit month
/// and day), or
/// returns `None` and leaves every other input, and every error, to chrono.
/// chrono parses its pattern again on each call, which made date parsing a
/// tenth of the mapping time in ingest profiles. This path reads ten bytes.
fn parse_fixed_width(raw: &str, format: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    let (year, month, day) = match format {
        "%Y-%m-%d" if b.len() == 10 && b[4] == b'-' && b[7] == b'-' => {
            (&b[0..4], &b[5..7], &b[8..10])
        }
        "%m/%d/%Y" if b.len() == 10 && b[2] == b'/' && b[5] == b'/' => {
            (&b[6..10], &b[0..2], &b[3..5])
        }
        "%m-%d-%Y" if b.len() == 10 && b[2] == b'-' && b[5] == b'-' => {
            (&b[6..10], &b[0..2], &b[3..5])
        }
        "%Y%m%d" if b.len() == 8 => (&b[0..4], &b[4..6], &b[6..8]),
        _ => return None,
    };
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |value, &c| {
            c.is_ascii_digit().then(|| value * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(year)? as i32, number(month)?, number(day)?)
}

/// Writes `date` as `YYYY-MM-DD`, exactly as chrono's `Display` does for
/// years 0 to 9999, and through chrono for any other year. chrono formats
/// through its general formatter, which showed in ingest profiles: each
/// record has up to four dates to write. This writes ten bytes.
pub fn iso_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.to_string();
    }
    let mut out = String::with_capacity(10);
    push_digits(&mut out, year as u32, 4);
    out.push('-');
    push_digits(&mut out, date.month(), 2);
    out.push('-');
    push_digits(&mut out, date.day(), 2);
    out
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// Returns whether `raw` has the separators of `format` in the same order and
/// as many digit groups as it has numeric fields. chrono reports a value laid
/// out differently (`1990-03-15` read as `%m/%d/%Y`) as out of range, which
/// would send the reader looking for a wrong month instead of a wrong format.
fn same_layout(raw: &str, format: &str) -> bool {
    let mut format_separators = String::new();
    let mut fields = 0;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            chars.next();
            fields += 1;
        } else {
            format_separators.push(c);
        }
    }
    let raw_separators: String = raw.chars().filter(|c| !c.is_alphanumeric()).collect();
    let groups = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|group| !group.is_empty())
        .count();
    // Compact formats such as %Y%m%d have one group for all their fields.
    let expected_groups = if format_separators.is_empty() {
        1
    } else {
        fields
    };
    raw_separators == format_separators && groups == expected_groups
}

/// Earliest year of birth accepted from a feed. No person in a current record
/// was born earlier, so an earlier date is a data-entry error, not a placeholder.
pub const EARLIEST_BIRTH_YEAR: i32 = 1880;

/// A date of birth known to be real: placeholder dates that systems use for
/// "unknown" are rejected by [`Dob::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dob(NaiveDate);

impl Dob {
    /// Returns `None` for placeholder dates (see [`is_placeholder_date`]) and
    /// for years outside [`EARLIEST_BIRTH_YEAR`] to 2100.
    pub fn new(date: NaiveDate) -> Option<Dob> {
        if is_placeholder_date(date) || date.year() < EARLIEST_BIRTH_YEAR || date.year() > 2100 {
            return None;
        }
        Some(Dob(date))
    }

    /// Checks a date of birth read from a feed: a placeholder is unknown
    /// (`Ok(None)`), and a date before [`EARLIEST_BIRTH_YEAR`] or after `today`
    /// is an error.
    pub fn from_feed(date: NaiveDate, today: NaiveDate) -> Result<Option<Dob>, DobError> {
        if is_placeholder_date(date) {
            return Ok(None);
        }
        if date.year() < EARLIEST_BIRTH_YEAR {
            return Err(DobError::TooEarly(date));
        }
        if date > today {
            return Err(DobError::InTheFuture(date));
        }
        Ok(Some(Dob(date)))
    }

    /// Returns the date itself.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// The reason a date read from a feed cannot be a date of birth. It displays as
/// `date of birth 1850-01-01 is before 1880`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("date of birth {}", self.reason())]
pub enum DobError {
    /// The date is before [`EARLIEST_BIRTH_YEAR`] and not a placeholder.
    TooEarly(NaiveDate),
    /// The date is after the day the feed is read.
    InTheFuture(NaiveDate),
}

impl DobError {
    /// Returns the reason without its subject, such as `1850-01-01 is before
    /// 1880`, for a message that names the date of birth already.
    pub fn reason(&self) -> String {
        match self {
            DobError::TooEarly(date) => format!("{date} is before {EARLIEST_BIRTH_YEAR}"),
            DobError::InTheFuture(date) => format!("{date} is in the future"),
        }
    }
}

/// Returns whether `date` is one that record systems write for "unknown":
/// 1900-01-01 and 1901-01-01, 1899-12-30 and 1899-12-31 (which spreadsheet
/// and OLE date serials turn a zero into), and the minimum and maximum dates
/// 0001-01-01 and 9999-12-31.
pub fn is_placeholder_date(date: NaiveDate) -> bool {
    matches!(
        (date.year(), date.month(), date.day()),
        (1900 | 1901, 1, 1) | (1899, 12, 30 | 31) | (1, 1, 1) | (9999, 12, 31)
    )
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
            r#"error: invalid date "1990-03-15": does not match the expected format %m/%d/%Y"#,
        );
        check(
            date("03/15/1990", ISO),
            r#"error: invalid date "03/15/1990": does not match the expected format %Y-%m-%d"#,
        );
        check(
            date("03/15", US),
            r#"error: invalid date "03/15": does not match the expected format %m/%d/%Y"#,
        );
        check(
            date("03/15/90", US),
            r#"error: invalid date "03/15/90": expected a four-digit year for %Y, found 90"#,
        );
        check(
            date("unknown", ISO),
            r#"error: invalid date "unknown": does not match the expected format %Y-%m-%d"#,
        );
        check(
            date("20200101", US),
            r#"error: invalid date "20200101": does not match the expected format %m/%d/%Y"#,
        );
        check(
            date("1990-01-01", US),
            r#"error: invalid date "1990-01-01": does not match the expected format %m/%d/%Y"#,
        );
        check(
            date("03/15/1990", COMPACT),
            r#"error: invalid date "03/15/1990": does not match the expected format %Y%m%d"#,
        );
        check(
            date("1990-13-01", ISO),
            r#"error: invalid date "1990-13-01": month or day out of range for format %Y-%m-%d"#,
        );
    }

    /// Checks an ISO `raw` date of birth as read from a feed on 2026-06-30.
    fn feed_dob(raw: &str) -> String {
        let today = parse_date("2026-06-30", ISO).unwrap();
        match Dob::from_feed(parse_date(raw, ISO).unwrap(), today) {
            Ok(Some(dob)) => dob.date().to_string(),
            Ok(None) => "unknown".to_string(),
            Err(reason) => format!("error: {reason}"),
        }
    }

    #[test]
    fn dob_from_feed() {
        check(feed_dob("1990-03-15"), "1990-03-15");
        check(feed_dob("1880-01-01"), "1880-01-01");
        check(feed_dob("2026-06-30"), "2026-06-30");
        check(feed_dob("1900-01-01"), "unknown");
        check(feed_dob("1899-12-30"), "unknown");
        check(feed_dob("0001-01-01"), "unknown");
        check(feed_dob("9999-12-31"), "unknown");
        check(
            feed_dob("1800-01-01"),
            "error: date of birth 1800-01-01 is before 1880",
        );
        check(
            feed_dob("1066-01-01"),
            "error: date of birth 1066-01-01 is before 1880",
        );
        check(
            feed_dob("1879-12-31"),
            "error: date of birth 1879-12-31 is before 1880",
        );
        check(
            feed_dob("2026-07-01"),
            "error: date of birth 2026-07-01 is in the future",
        );
    }

    #[test]
    fn dob_placeholders_are_unknown() {
        check(dob("1990-03-15"), "1990-03-15");
        check(dob("1900-01-02"), "1900-01-02");
        check(dob("1880-01-01"), "1880-01-01");
        check(dob("2100-12-31"), "2100-12-31");
        check(dob("1900-01-01"), "unknown");
        check(dob("1901-01-01"), "unknown");
        check(dob("1899-12-31"), "unknown");
        check(dob("1899-12-30"), "unknown");
        check(dob("1800-01-01"), "unknown");
        check(dob("0001-01-01"), "unknown");
        check(dob("9999-12-31"), "unknown");
        check(dob("1879-12-31"), "unknown");
        check(dob("2101-01-01"), "unknown");
    }

    proptest::proptest! {
        /// The fixed-width path agrees with chrono wherever it returns a date.
        #[test]
        fn fixed_width_agrees_with_chrono(
            raw in "[0-9]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}[/-][0-9]{2}[/-][0-9]{4}|[0-9/ -]{6,11}",
            format in proptest::sample::select(vec!["%Y-%m-%d", US, "%m-%d-%Y", COMPACT]),
        ) {
            if let Some(date) = parse_fixed_width(&raw, format) {
                proptest::prop_assert_eq!(Some(date), NaiveDate::parse_from_str(&raw, format).ok());
            }
        }
    }

    proptest::proptest! {
        /// The ISO writer agrees with chrono's `Display` on every date.
        #[test]
        fn iso_date_agrees_with_chrono(days in -800_000i32..4_000_000) {
            let date = NaiveDate::from_num_days_from_ce_opt(days).expect("in range");
            proptest::prop_assert_eq!(iso_date(date), date.to_string());
        }
    }

    #[test]
    fn fixed_width_reads_only_exact_layouts() {
        let cases = [
            ("1990-03-15", "%Y-%m-%d", Some("1990-03-15")),
            ("03/15/1990", US, Some("1990-03-15")),
            ("19900315", COMPACT, Some("1990-03-15")),
            ("03-15-1990", "%m-%d-%Y", Some("1990-03-15")),
            ("03/15/1990", "%m-%d-%Y", None),
            ("3/15/1990", US, None),
            ("02/30/1990", US, None),
            ("1990-3-15", "%Y-%m-%d", None),
            ("1990031", COMPACT, None),
            ("15.03.1990", "%d.%m.%Y", None),
        ];
        for (raw, format, expected) in cases {
            let got = parse_fixed_width(raw, format).map(|d| d.to_string());
            assert_eq!(got.as_deref(), expected, "{raw} as {format}");
        }
    }
}
