//! Declarative source mappings: one TOML file per agency feed gives where each
//! canonical field sits in that agency's own layout and how to read it.
//!
//! A field path is a column name for CSV and a dotted path for JSON Lines
//! (`subject.name.last`, `owners.1.dob`). A field is either a bare path string
//! or a table:
//!
//! ```toml
//! date = { path = "ARR_DT", format = "%m/%d/%Y" }
//! kind = { path = "REC_TYPE", codes = { ARR = "arrest", OSC = "officer_safety_caution" } }
//! kind = { value = "warrant" }            # a constant for every record
//! name = { path = "DEF_NAME", style = "last_first" }
//! vin = { path = "VIN", required = true }
//! ```
//!
//! A JSON list of people, one party per entry, takes one `[[parties]]` table
//! with `each`. Its paths are read inside every entry, so no entry is left
//! unread, however long the list is:
//!
//! ```toml
//! [[parties]]
//! each = "involved"
//! role = { path = "role", codes = { V = "victim", W = "witness" } }
//! name = { path = "name", style = "last_first" }
//! ```
//!
//! The full set of keys is in [`SourceMapping`], [`RecordMapping`],
//! [`PartyMapping`], [`VehicleMapping`] and [`PropertyMapping`]; unknown keys are
//! rejected so a typo in a mapping fails loudly at load time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::{RecordKind, Role, Sex, Status};
use crate::normalize::NameStyle;

/// Input file format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// Returns the file extension of the format, without its dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// Source location of a canonical field and the rules for reading it. In TOML it is
/// either a bare path string or a table with the keys of [`FieldRule`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawFieldSpec")]
pub struct FieldSpec(FieldRule);

#[derive(Deserialize)]
#[serde(untagged)]
enum RawFieldSpec {
    Path(String),
    Detailed(FieldRule),
}

impl From<RawFieldSpec> for FieldSpec {
    fn from(raw: RawFieldSpec) -> FieldSpec {
        match raw {
            RawFieldSpec::Path(path) => FieldSpec(FieldRule {
                path: Some(path),
                ..FieldRule::default()
            }),
            RawFieldSpec::Detailed(rule) => FieldSpec(rule),
        }
    }
}

impl FieldSpec {
    /// Returns the reading rules.
    pub fn rule(&self) -> &FieldRule {
        &self.0
    }

    /// Returns the spec with `prefix` and a dot before its path; a constant
    /// stays as it is.
    fn under(&self, prefix: &str) -> FieldSpec {
        let mut rule = self.0.clone();
        if let Some(path) = &mut rule.path {
            *path = format!("{prefix}.{path}");
        }
        FieldSpec(rule)
    }
}

/// The reading rules of a [`FieldSpec`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Column name (CSV) or dotted path (JSON Lines).
    pub path: Option<String>,
    /// A constant used for every record instead of a path.
    pub value: Option<String>,
    /// chrono `strftime` pattern for dates, such as `%m/%d/%Y`.
    pub format: Option<String>,
    /// Code table from the source's codes to canonical names.
    pub codes: Option<BTreeMap<String, String>>,
    /// Layout of a single-string person name.
    pub style: Option<NameStyle>,
    /// The record is quarantined when this field is missing or empty.
    #[serde(default)]
    pub required: bool,
}

/// One agency feed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMapping {
    /// Short source name used in record keys, such as `dmv`.
    pub name: String,
    /// Agency name shown to users next to every item from this source.
    pub agency: String,
    /// Input format.
    pub format: Format,
    /// Date pattern used by date fields that give no `format` of their own.
    pub date_format: Option<String>,
    /// Record-level fields.
    pub record: RecordMapping,
    /// People named in each record, in order.
    #[serde(default)]
    pub parties: Vec<PartyMapping>,
    /// Vehicles named in each record.
    #[serde(default)]
    pub vehicles: Vec<VehicleMapping>,
    /// Property named in each record.
    #[serde(default)]
    pub properties: Vec<PropertyMapping>,
}

/// Record-level fields of a source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMapping {
    /// The record id; always required.
    pub id: FieldSpec,
    /// Version number; records without one are version 1.
    pub version: Option<FieldSpec>,
    /// Record kind, usually a code table or a constant.
    pub kind: FieldSpec,
    /// Event or effective date.
    pub date: Option<FieldSpec>,
    /// Expiry or end date.
    pub end_date: Option<FieldSpec>,
    /// Lifecycle status, usually a code table.
    pub status: Option<FieldSpec>,
    /// Docket or case number.
    pub case_number: Option<FieldSpec>,
    /// Charge, conditions, facility or other description.
    pub description: Option<FieldSpec>,
    /// Town of the event.
    pub town: Option<FieldSpec>,
}

/// Locations of one person's fields in a record.
///
/// A party is present when any of its fields has a value; a party with
/// `required = true` must be present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyMapping {
    /// The party's role: a constant name or a code table.
    pub role: FieldSpec,
    /// The record is quarantined when this party is absent.
    #[serde(default)]
    pub required: bool,
    /// Dotted path of a JSON list with one party per entry. The other paths
    /// of the party are then read inside each entry, every entry must give a
    /// name, a date of birth or an identifier, and `required` requires at
    /// least one entry.
    pub each: Option<String>,
    /// Whole name in one string; use `style` to give its layout.
    pub name: Option<FieldSpec>,
    /// Given name, when the source splits the name.
    pub given: Option<FieldSpec>,
    /// Middle name.
    pub middle: Option<FieldSpec>,
    /// Surname.
    pub surname: Option<FieldSpec>,
    /// Generational suffix.
    pub suffix: Option<FieldSpec>,
    /// Date of birth.
    pub dob: Option<FieldSpec>,
    /// Sex, usually a code table to `male`, `female` or `unknown`.
    pub sex: Option<FieldSpec>,
    /// State identification number.
    pub state_id: Option<FieldSpec>,
    /// FBI number.
    pub fbi: Option<FieldSpec>,
    /// Driver licence number.
    pub licence: Option<FieldSpec>,
    /// Inmate number.
    pub inmate: Option<FieldSpec>,
    /// Sex-offender registry number.
    pub sor_id: Option<FieldSpec>,
    /// Phone number.
    pub phone: Option<FieldSpec>,
    /// Whole address on one line: `STREET, CITY, ST ZIP`.
    pub address: Option<FieldSpec>,
    /// Street line, when the source splits the address.
    pub street: Option<FieldSpec>,
    /// Unit.
    pub unit: Option<FieldSpec>,
    /// City or town.
    pub city: Option<FieldSpec>,
    /// Two-letter state; defaults to `CT` when a street is given without one.
    pub state: Option<FieldSpec>,
    /// ZIP code.
    pub zip: Option<FieldSpec>,
}

impl PartyMapping {
    /// Returns the mapping of entry `index` of the list at [`PartyMapping::each`]:
    /// every path read inside that entry, which must give a name, a date of
    /// birth or an identifier.
    pub fn entry(&self, list: &str, index: usize) -> PartyMapping {
        let prefix = format!("{list}.{index}");
        let under = |spec: &Option<FieldSpec>| spec.as_ref().map(|s| s.under(&prefix));
        PartyMapping {
            role: self.role.under(&prefix),
            required: true,
            each: None,
            name: under(&self.name),
            given: under(&self.given),
            middle: under(&self.middle),
            surname: under(&self.surname),
            suffix: under(&self.suffix),
            dob: under(&self.dob),
            sex: under(&self.sex),
            state_id: under(&self.state_id),
            fbi: under(&self.fbi),
            licence: under(&self.licence),
            inmate: under(&self.inmate),
            sor_id: under(&self.sor_id),
            phone: under(&self.phone),
            address: under(&self.address),
            street: under(&self.street),
            unit: under(&self.unit),
            city: under(&self.city),
            state: under(&self.state),
            zip: under(&self.zip),
        }
    }
}

/// Locations of one vehicle's fields in a record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleMapping {
    /// The record is quarantined when this vehicle is absent.
    #[serde(default)]
    pub required: bool,
    /// Plate number.
    pub plate: Option<FieldSpec>,
    /// Plate issuing state; defaults to `CT`.
    pub plate_state: Option<FieldSpec>,
    /// Vehicle identification number; its check digit is validated.
    pub vin: Option<FieldSpec>,
    /// Manufacturer.
    pub make: Option<FieldSpec>,
    /// Model.
    pub model: Option<FieldSpec>,
    /// Model year.
    pub year: Option<FieldSpec>,
    /// Colour.
    pub colour: Option<FieldSpec>,
}

/// Location of one item of property in a record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyMapping {
    /// Serial number.
    pub serial: FieldSpec,
    /// Kind of property.
    pub kind: Option<FieldSpec>,
    /// Description.
    pub description: Option<FieldSpec>,
}

/// Errors loading a mapping file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The file could not be read.
    #[error("cannot read mapping {path}: {source}")]
    Read {
        /// Mapping file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid mapping.
    #[error("invalid mapping {path}: {message}")]
    Invalid {
        /// Mapping file.
        path: PathBuf,
        /// Description of the fault, with its TOML location.
        message: String,
    },
    /// The source name has characters other than lowercase letters, digits and underscores.
    #[error("invalid source name {name:?}: use lowercase letters, digits and underscores")]
    InvalidSourceName {
        /// Requested source name, with control characters escaped.
        name: String,
    },
    /// No mapping file exists for the requested source.
    #[error("no mapping for source {name:?} in {dir} (expected {dir}/{name}.toml)")]
    UnknownSource {
        /// Requested source name.
        name: String,
        /// Directory searched.
        dir: PathBuf,
    },
}

impl SourceMapping {
    /// Returns every input path the mapping reads, without duplicates.
    pub fn paths(&self) -> Vec<&str> {
        let record = &self.record;
        let mut specs: Vec<&FieldSpec> = [
            Some(&record.id),
            record.version.as_ref(),
            Some(&record.kind),
            record.date.as_ref(),
            record.end_date.as_ref(),
            record.status.as_ref(),
            record.case_number.as_ref(),
            record.description.as_ref(),
            record.town.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        for party in &self.parties {
            specs.push(&party.role);
            specs.extend(
                [
                    &party.name,
                    &party.given,
                    &party.middle,
                    &party.surname,
                    &party.suffix,
                    &party.dob,
                    &party.sex,
                    &party.state_id,
                    &party.fbi,
                    &party.licence,
                    &party.inmate,
                    &party.sor_id,
                    &party.phone,
                    &party.address,
                    &party.street,
                    &party.unit,
                    &party.city,
                    &party.state,
                    &party.zip,
                ]
                .into_iter()
                .flatten(),
            );
        }
        for vehicle in &self.vehicles {
            specs.extend(
                [
                    &vehicle.plate,
                    &vehicle.plate_state,
                    &vehicle.vin,
                    &vehicle.make,
                    &vehicle.model,
                    &vehicle.year,
                    &vehicle.colour,
                ]
                .into_iter()
                .flatten(),
            );
        }
        for property in &self.properties {
            specs.push(&property.serial);
            specs.extend(
                [&property.kind, &property.description]
                    .into_iter()
                    .flatten(),
            );
        }
        let mut paths: Vec<&str> = specs
            .iter()
            .filter_map(|s| s.rule().path.as_deref())
            .collect();
        paths.sort_unstable();
        paths.dedup();
        paths
    }

    /// Reads the mapping file at `path`, as [`SourceMapping::from_toml`]
    /// parses and checks it. A file that cannot be read is a
    /// [`MappingError::Read`]: `cannot read mapping PATH: REASON`, as for a
    /// source's mapping.
    pub fn from_file(path: &Path) -> Result<SourceMapping, MappingError> {
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        SourceMapping::from_toml(&text, path)
    }

    /// Parses a mapping from TOML text and checks its date formats and code
    /// tables; `path` is used in error messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<SourceMapping, MappingError> {
        let invalid = |message: String| MappingError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mapping: SourceMapping =
            toml::from_str(text).map_err(|err| invalid(err.to_string()))?;
        mapping.check().map_err(invalid)?;
        Ok(mapping)
    }

    /// Checks what TOML types cannot: every date format reads back a date it
    /// writes, and every code table entry or constant of an enumerated field
    /// (kind, status, role, sex) is a canonical value. A mistake here would
    /// otherwise send every record to quarantine.
    fn check(&self) -> Result<(), String> {
        let record = &self.record;
        if let Some(format) = &self.date_format {
            check_date_format("date_format", format)?;
        }
        for (field, spec) in [
            ("record.date", &record.date),
            ("record.end_date", &record.end_date),
        ] {
            check_spec_date_format(field, spec.as_ref())?;
        }
        check_canonical("record.kind", Some(&record.kind), RecordKind::ALL)?;
        check_canonical("record.status", record.status.as_ref(), Status::ALL)?;
        for (index, party) in self.parties.iter().enumerate() {
            let field = |name: &str| format!("parties[{index}].{name}");
            if party.each.is_some() && self.format == Format::Csv {
                return Err(format!(
                    "{}: a list of parties needs a jsonl source; a csv row has no lists",
                    field("each")
                ));
            }
            // An empty path, or one with an empty step, never finds a list,
            // so every record would read as naming no party, with no error.
            if let Some(list) = &party.each
                && list.split('.').any(str::is_empty)
            {
                return Err(format!(
                    "{}: invalid list path {list:?}: every step between dots must be a key or an index",
                    field("each")
                ));
            }
            check_spec_date_format(&field("dob"), party.dob.as_ref())?;
            check_canonical(&field("role"), Some(&party.role), Role::ALL)?;
            check_canonical(&field("sex"), party.sex.as_ref(), Sex::ALL)?;
        }
        Ok(())
    }

    /// Loads `DIR/NAME.toml`.
    /// Source names are lowercase letters, digits and underscores, so a name
    /// taken from a URL or command line can never reach outside `dir`.
    pub fn load(dir: &Path, name: &str) -> Result<SourceMapping, MappingError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(MappingError::InvalidSourceName {
                name: name.escape_debug().to_string(),
            });
        }
        let path = dir.join(format!("{name}.toml"));
        if !path.exists() {
            return Err(MappingError::UnknownSource {
                name: name.to_string(),
                dir: dir.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| MappingError::Read {
            path: path.clone(),
            source,
        })?;
        let mapping = SourceMapping::from_toml(&text, &path)?;
        if mapping.name != name {
            let message = format!(
                "name is {:?} but the file is named {name}.toml",
                mapping.name
            );
            return Err(MappingError::Invalid { path, message });
        }
        Ok(mapping)
    }
}

fn check_spec_date_format(field: &str, spec: Option<&FieldSpec>) -> Result<(), String> {
    match spec.and_then(|s| s.rule().format.as_deref()) {
        Some(format) => check_date_format(&format!("{field}.format"), format),
        None => Ok(()),
    }
}

/// Checks that `format` writes a sample date that it then reads back, which
/// rejects unknown specifiers (`%q`) and formats lacking the year, month or day.
fn check_date_format(field: &str, format: &str) -> Result<(), String> {
    use std::fmt::Write;
    let sample = chrono::NaiveDate::from_ymd_opt(1987, 11, 23).expect("a valid sample date");
    let mut text = String::new();
    if write!(text, "{}", sample.format(format)).is_err() {
        return Err(format!("{field}: {format:?} is not a valid date format"));
    }
    match chrono::NaiveDate::parse_from_str(&text, format) {
        Ok(date) if date == sample => Ok(()),
        _ => Err(format!(
            "{field}: date format {format:?} does not give a year, month and day"
        )),
    }
}

/// Checks that the constant and every code-table value of `spec` name one of
/// `allowed`, compared as the mapper compares them (case-insensitively).
fn check_canonical<T: Copy + std::fmt::Display>(
    field: &str,
    spec: Option<&FieldSpec>,
    allowed: &[T],
) -> Result<(), String> {
    let Some(rule) = spec.map(FieldSpec::rule) else {
        return Ok(());
    };
    let names: Vec<String> = allowed.iter().map(T::to_string).collect();
    let known = |value: &str| names.iter().any(|n| n.eq_ignore_ascii_case(value));
    let expected = || names.join(", ");
    if let Some(value) = &rule.value
        && !known(value)
    {
        return Err(format!(
            "{field}: value {value:?} is not one of {}",
            expected()
        ));
    }
    for (code, value) in rule.codes.iter().flatten() {
        if !known(value) {
            return Err(format!(
                "{field}: code {code:?} maps to {value:?}, which is not one of {}",
                expected()
            ));
        }
    }
    Ok(())
}
