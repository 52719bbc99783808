//! Parse-at-the-boundary newtypes for the values agencies send: person names,
//! dates of birth, US addresses, plates, VINs, phones and identifiers.
//!
//! Every type here is built by a `parse` function that either returns a value in
//! canonical form or a [`NormalizeError`] naming what was wrong. Code past the
//! ingest boundary only ever sees the canonical form.

mod address;
mod date;
mod ident;
mod name;
mod phone;
mod text;
mod vehicle;

pub use address::Address;
pub use date::{Dob, DobError, EARLIEST_BIRTH_YEAR, is_placeholder_date, iso_date, parse_date};
pub use ident::{IdKind, parse_identifier};
pub use name::{NameStyle, PersonName};
pub use phone::Phone;
pub use text::clean_token;
pub(crate) use text::{is_format_character, unprintable_kind};
pub use vehicle::{Plate, Vin, vin_check_digit};

/// Reasons a raw value cannot be turned into its canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The value was present but empty after cleaning.
    #[error("empty {what}")]
    Empty {
        /// Kind of value, such as `surname` or `plate`.
        what: &'static str,
    },
    /// The value does not have the shape its kind requires.
    #[error("invalid {what} {}: {reason}", quoted(.value))]
    Invalid {
        /// Kind of value, such as `vin` or `date`.
        what: &'static str,
        /// The raw value as received.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
}

/// Maximum characters of a value quoted in an error message. Longer values are
/// cut, so a megabyte-long field does not end up in every log line and reason.
pub const MAX_QUOTED_CHARS: usize = 64;

/// Quotes `value` for an error message like `{:?}`, cutting it after
/// [`MAX_QUOTED_CHARS`] characters and saying how long it was.
pub fn quoted(value: &str) -> String {
    let length = value.chars().count();
    if length <= MAX_QUOTED_CHARS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    format!("{head:?}... ({length} characters)")
}

impl NormalizeError {
    pub(crate) fn invalid(what: &'static str, value: &str, reason: impl Into<String>) -> Self {
        NormalizeError::Invalid {
            what,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
