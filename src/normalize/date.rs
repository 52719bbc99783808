//! Dates as sources send them, and dates of birth with placeholder values removed.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::NormalizeError;

/// Parses `raw` with a chrono `strftime` pattern such as `%m/%d/%Y`, `%Y%m%d` or `%Y-%m-%d`.
pub fn parse_date(raw: &str, format: &str) -> Result<NaiveDate, NormalizeError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(NormalizeError::Empty { what: "date" });
    }
    NaiveDate::parse_from_str(trimmed, format).map_err(|err| {
        NormalizeError::invalid(
            "date",
            raw,
            format!("does not match format {format}: {err}"),
        )
    })
}

/// A date of birth known to be real: placeholder dates that systems use for
/// "unknown" are rejected by [`Dob::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dob(NaiveDate);

impl Dob {
    /// Returns `None` for placeholder dates (1900-01-01, 1901-01-01, 1800-01-01,
    /// 0001-01-01, 9999-12-31) and for years before 1890, which no living
    /// person's record carries.
    pub fn new(date: NaiveDate) -> Option<Dob> {
        let placeholder = matches!(
            (date.year(), date.month(), date.day()),
            (1900 | 1901 | 1800, 1, 1) | (9999, 12, 31)
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
