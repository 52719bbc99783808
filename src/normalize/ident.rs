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
pub fn parse_identifier(kind: IdKind, raw: &str) -> Result<String, NormalizeError> {
    let cleaned = alnum_upper(raw);
    if cleaned.is_empty() {
        return Err(NormalizeError::Empty { what: kind.name() });
    }
    let (min, max) = kind.length_range();
    if cleaned.len() < min || cleaned.len() > max {
        let reason = format!(
            "expected {min} to {max} letters or digits, found {}",
            cleaned.len()
        );
        return Err(NormalizeError::invalid(kind.name(), raw, reason));
    }
    Ok(cleaned)
}
