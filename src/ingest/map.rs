//! Applies a [`SourceMapping`] to one parsed input record, producing a
//! [`CanonicalRecord`] or every field error found in it.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

use super::mapping::{
    FieldRule, FieldSpec, PartyMapping, PropertyMapping, SourceMapping, VehicleMapping,
};
use super::read::InputFields;
use crate::model::{
    CanonicalRecord, Identifiers, Party, PersonFacts, PropertyFacts, RecordKey, RecordKind, Role,
    Sex, Status, VehicleFacts,
};
use crate::normalize::{
    Address, Dob, EARLIEST_BIRTH_YEAR, IdKind, NameStyle, NormalizeError, PersonName, Phone, Plate,
    Vin, clean_token, parse_date, parse_identifier, quoted,
};

/// Longest accepted record id, case number or identifier, in characters.
const MAX_ID_CHARS: usize = 100;
/// Longest accepted name or name part, in characters.
const MAX_NAME_CHARS: usize = 200;
/// Longest accepted free-text description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Longest accepted value of any other field, in characters.
const MAX_FIELD_CHARS: usize = 500;

/// Returns why `id` cannot name a record, if it contains a control
/// character, an invisible text-direction mark or another invisible format
/// character such as the zero-width space: such an id shows on screen like
/// another one and cannot be typed back in a review command. The reason
/// leaves out its subject, the record id.
fn hidden_character(id: &str) -> Option<String> {
    id.chars().find_map(|c| {
        crate::normalize::unprintable_kind(c)
            .map(|kind| format!("contains the {kind} U+{:04X}", u32::from(c)))
    })
}

/// Returns the first character of `text` that no stored value may hold,
/// with its kind: a control character other than a tab or a line break,
/// such as NUL, or an invisible format character. A control character
/// would reach every client and log that shows the value, and programs
/// that read text as C strings cut it there. A text-direction override
/// shows "NO CAUTION" after a reversed word as something else on screen,
/// and a zero-width space makes two values look alike.
fn unprintable_character(text: &str) -> Option<(char, &'static str)> {
    let control = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0x7f;
    if let Some(found) = text.bytes().find(control) {
        return Some((char::from(found), "control character"));
    }
    if text.is_ascii() {
        return None;
    }
    text.chars()
        .find_map(|c| crate::normalize::unprintable_kind(c).map(|kind| (c, kind)))
}

/// Returns whether `id`, read from a record that could not be parsed in
/// full, can name it in the quarantine: within the length limit, without
/// hidden characters, U+FFFD from invalid bytes, quotes, commas or line
/// breaks. A row whose first column opens a quote it never closes reads as
/// an id made of several columns, names and dates of birth included, which
/// must not become the record's name.
pub(crate) fn usable_salvaged_id(id: &str) -> bool {
    id.chars().count() <= MAX_ID_CHARS
        && !id.contains(['\u{fffd}', '"', ',', '\n', '\r'])
        && hidden_character(id).is_none()
}

/// Returns the longest accepted value of the field `what` reads, in characters.
/// Real values are far shorter; the limits keep a runaway field (a whole file
/// in one cell) out of the store.
fn max_chars(what: &str) -> usize {
    match what {
        "description" | "property description" => MAX_DESCRIPTION_CHARS,
        "name" | "given name" | "middle name" | "surname" | "suffix" => MAX_NAME_CHARS,
        "record id" | "case number" | "version" | "serial" => MAX_ID_CHARS,
        "state_id" | "fbi" | "licence" | "inmate" | "sor_id" => MAX_ID_CHARS,
        _ => MAX_FIELD_CHARS,
    }
}

/// Months after today that a record's own date may lie: a report dated more
/// than a year ahead is a data-entry error.
const MAX_RECORD_DATE_AHEAD: u32 = 12;
/// Months after today that a record's end date may lie. Expiries and
/// sentences run decades at most, so a date such as 2999-12-31 is an error.
/// The maximum date 9999-12-31 is different: record systems write it for
/// "no end", as for a lifetime registration, and it is read as no end date.
const MAX_END_DATE_AHEAD: u32 = 100 * 12;

/// One problem with one field of an input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field in the source's own naming (its path), or the canonical name for constants.
    pub field: String,
    /// Reason the value was rejected.
    pub reason: String,
}

/// Why a record could not be mapped: every field error found, and the record id if it was readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapFailure {
    /// Record id, when it could be read.
    pub record_id: Option<String>,
    /// Every field error, in mapping order.
    pub errors: Vec<FieldError>,
}

/// Maps one input record. All field errors are collected so one pass reports
/// everything wrong with a record.
pub fn map_record(
    mapping: &SourceMapping,
    value: &InputFields,
) -> Result<CanonicalRecord, MapFailure> {
    map_with(mapping, value, |reader, id| reader.record(id))
}

/// Maps only the key and the parties of one input record, for resolving
/// people without storing the record: the other fields are not read, so
/// their errors are not reported.
pub fn map_parties(
    mapping: &SourceMapping,
    value: &InputFields,
) -> Result<(RecordKey, Vec<Party>), MapFailure> {
    map_with(mapping, value, |reader, id| reader.key_and_parties(id))
}

/// Reads the record id, then the rest of the record through `read`.
fn map_with<T>(
    mapping: &SourceMapping,
    value: &InputFields,
    read: impl for<'r> FnOnce(&mut FieldReader<'r>, Option<String>) -> Option<T>,
) -> Result<T, MapFailure> {
    let mut reader = FieldReader {
        mapping,
        value,
        today: chrono::Utc::now().date_naive(),
        errors: Vec::new(),
    };
    let mut record_id = reader.owned_text(Some(&mapping.record.id), "record id", true);
    if let Some(reason) = record_id.as_deref().and_then(hidden_character) {
        reader.fail_about(Some(&mapping.record.id), "record id", |subject| {
            format!("{} {reason}", subject.unwrap_or("value"))
        });
        record_id = None;
    }
    let record = read(&mut reader, record_id.clone());
    match record {
        Some(record) if reader.errors.is_empty() => Ok(record),
        _ => Err(MapFailure {
            record_id,
            errors: reader.errors,
        }),
    }
}

struct FieldReader<'a> {
    mapping: &'a SourceMapping,
    value: &'a InputFields,
    /// The date that dates of birth and record dates are checked against.
    today: NaiveDate,
    errors: Vec<FieldError>,
}

impl<'a> FieldReader<'a> {
    fn record(&mut self, record_id: Option<String>) -> Option<CanonicalRecord> {
        let spec = &self.mapping.record;
        let version = self.version(spec.version.as_ref());
        let kind = self.parsed(Some(&spec.kind), "kind", true, RecordKind::parse);
        let date = self.record_date(spec.date.as_ref(), "date", MAX_RECORD_DATE_AHEAD);
        let end_date = if self.is_open_end(spec.end_date.as_ref()) {
            None
        } else {
            self.record_date(spec.end_date.as_ref(), "end date", MAX_END_DATE_AHEAD)
        };
        if let (Some(start), Some(end)) = (date, end_date)
            && end < start
        {
            self.fail_about(spec.end_date.as_ref(), "end date", |subject| {
                lead(subject, format!("{end} is before the record date {start}"))
            });
        }
        let status = self.parsed(spec.status.as_ref(), "status", false, Status::parse);
        let case_number = self.owned_text(spec.case_number.as_ref(), "case number", false);
        let description = self.owned_text(spec.description.as_ref(), "description", false);
        let town = self
            .text(spec.town.as_ref(), "town", false)
            .map(|t| clean_token(&t));
        let parties = self.parties();
        let vehicles = self
            .mapping
            .vehicles
            .iter()
            .filter_map(|v| self.vehicle(v))
            .collect();
        if kind == Some(RecordKind::VehicleRegistration) {
            self.require_plate_or_vin();
        }
        let properties = self
            .mapping
            .properties
            .iter()
            .filter_map(|p| self.property(p))
            .collect();
        let key = RecordKey {
            source: self.mapping.name.clone(),
            record_id: record_id?,
            version,
        };
        Some(CanonicalRecord {
            key,
            kind: kind?,
            date,
            end_date,
            status,
            case_number,
            description,
            town,
            parties,
            vehicles,
            properties,
        })
    }

    /// Reads the record's key and parties only.
    fn key_and_parties(&mut self, record_id: Option<String>) -> Option<(RecordKey, Vec<Party>)> {
        let version = self.version(self.mapping.record.version.as_ref());
        let parties = self.parties();
        let key = RecordKey {
            source: self.mapping.name.clone(),
            record_id: record_id?,
            version,
        };
        Some((key, parties))
    }

    fn parties(&mut self) -> Vec<Party> {
        let mapping = self.mapping;
        let mut parties = Vec::new();
        for spec in &mapping.parties {
            match &spec.each {
                None => parties.extend(self.party(spec)),
                Some(list) => self.list_parties(spec, list, &mut parties),
            }
        }
        parties
    }

    /// Reads one party from every entry of the JSON list at `list`.
    fn list_parties(&mut self, spec: &PartyMapping, list: &str, out: &mut Vec<Party>) {
        let count = match self.value.list_len(list) {
            Ok(count) => count,
            Err(wrong) => return self.fail(wrong.path.clone(), wrong.reason()),
        };
        if count == 0 && spec.required {
            return self.fail(list.to_string(), "missing required party");
        }
        for index in 0..count {
            let entry = format!("{list}.{index}");
            if self.value.is_null(&entry) {
                self.fail(entry, "null entry: expected a person");
                continue;
            }
            out.extend(self.party(&spec.entry(list, index)));
        }
    }

    fn party(&mut self, spec: &PartyMapping) -> Option<Party> {
        let fields = [
            &spec.name,
            &spec.given,
            &spec.surname,
            &spec.dob,
            &spec.state_id,
            &spec.fbi,
            &spec.licence,
            &spec.inmate,
            &spec.sor_id,
        ];
        if !fields.iter().any(|f| self.present(f.as_ref())) {
            if self.report_wrong_type(&fields) {
                return None;
            }
            if spec.required {
                // Name a mapped path, so that each entry of a list gets its own error.
                let field = spec
                    .name
                    .as_ref()
                    .or(spec.surname.as_ref())
                    .or_else(|| fields.iter().find_map(|f| f.as_ref()))
                    .map_or("party".to_string(), |f| self.label(f, "party"));
                self.fail(field, "missing required party");
            }
            return None;
        }
        let role = self.parsed(Some(&spec.role), "role", true, Role::parse)?;
        let person = PersonFacts {
            name: self.name(spec),
            dob: self.dob(spec.dob.as_ref()),
            sex: self.parsed(spec.sex.as_ref(), "sex", false, Sex::parse),
            ids: Identifiers {
                state_id: self.identifier(spec.state_id.as_ref(), IdKind::StateId),
                fbi: self.identifier(spec.fbi.as_ref(), IdKind::Fbi),
                licence: self.identifier(spec.licence.as_ref(), IdKind::Licence),
                inmate: self.identifier(spec.inmate.as_ref(), IdKind::Inmate),
                sor_id: self.identifier(spec.sor_id.as_ref(), IdKind::SorId),
            },
            address: self.address(spec),
            phone: self.normalized(spec.phone.as_ref(), "phone", Phone::parse),
        };
        Some(Party { role, person })
    }

    fn name(&mut self, spec: &PartyMapping) -> Option<PersonName> {
        if let Some(name_spec) = &spec.name {
            let style = name_spec.rule().style.unwrap_or(NameStyle::LastFirst);
            return self.normalized(Some(name_spec), "name", |raw| PersonName::parse(raw, style));
        }
        let errors_before = self.errors.len();
        let given = self.text(spec.given.as_ref(), "given name", false);
        let middle = self.text(spec.middle.as_ref(), "middle name", false);
        let surname = self.text(spec.surname.as_ref(), "surname", false);
        let suffix = self.text(spec.suffix.as_ref(), "suffix", false);
        // A part already rejected (too long, say) reads as missing, and
        // building the name without it would report a second, wrong error.
        if self.errors.len() > errors_before || (given.is_none() && surname.is_none()) {
            return None;
        }
        PersonName::from_parts(
            given.as_deref(),
            middle.as_deref(),
            surname.as_deref(),
            suffix.as_deref(),
        )
        .map_err(|err| {
            let field = name_part_field(spec, &err);
            self.fail_normalize(field, "name", &err)
        })
        .ok()
    }

    fn address(&mut self, spec: &PartyMapping) -> Option<Address> {
        if spec.address.is_some() {
            return self.normalized(spec.address.as_ref(), "address", Address::parse_line);
        }
        let Some(street) = self.text(spec.street.as_ref(), "street", false) else {
            if !self.present(spec.street.as_ref()) {
                self.check_no_address_parts(spec);
            }
            return None;
        };
        let unit = self.text(spec.unit.as_ref(), "unit", false);
        let city = self
            .text(spec.city.as_ref(), "city", false)
            .unwrap_or_default();
        let state = self
            .text(spec.state.as_ref(), "state", false)
            .unwrap_or(Cow::Borrowed("CT"));
        let zip = self.text(spec.zip.as_ref(), "zip", false);
        Address::from_parts(&street, unit.as_deref(), &city, &state, zip.as_deref())
            .map_err(|err| {
                // Name the column that contains the bad part, not always the street.
                let part = match &err {
                    NormalizeError::Invalid { what, .. } | NormalizeError::Empty { what } => *what,
                };
                let (field, what) = match part {
                    "zip" => (spec.zip.as_ref(), "zip"),
                    "city" => (spec.city.as_ref(), "city"),
                    "state" => (spec.state.as_ref(), "state"),
                    "unit" => (spec.unit.as_ref(), "unit"),
                    _ => (spec.street.as_ref(), "street"),
                };
                self.fail_normalize(field, what, &err)
            })
            .ok()
    }

    /// Records an error on the first address part (unit, city, state or
    /// ZIP) sent without a street. An address needs its street, so such a
    /// part would otherwise be dropped unseen, even an invalid one.
    fn check_no_address_parts(&mut self, spec: &PartyMapping) {
        let parts = [
            (spec.unit.as_ref(), "unit"),
            (spec.city.as_ref(), "city"),
            (spec.state.as_ref(), "state"),
            (spec.zip.as_ref(), "zip"),
        ];
        for (part, what) in parts {
            // A constant, such as a state every record shares, is not sent.
            if !self.present(part) {
                continue;
            }
            let Some(raw) = self.text(part, what, false) else {
                continue;
            };
            let street = self.field_name(spec.street.as_ref(), "street");
            let reason = format!("{} without a street in {street}", quoted(&raw));
            self.fail_at(part, what, reason);
            return;
        }
    }

    fn vehicle(&mut self, spec: &VehicleMapping) -> Option<VehicleFacts> {
        // Every field counts, so that a value sent alone (a plate state, a
        // year, a colour) is checked and kept rather than dropped.
        let fields = [
            &spec.plate,
            &spec.vin,
            &spec.make,
            &spec.model,
            &spec.plate_state,
            &spec.year,
            &spec.colour,
        ];
        if !fields.iter().any(|f| self.present(f.as_ref())) {
            if self.report_wrong_type(&fields) {
                return None;
            }
            if spec.required {
                let field = spec
                    .vin
                    .as_ref()
                    .or(spec.plate.as_ref())
                    .map_or("vehicle".to_string(), |f| self.label(f, "vehicle"));
                self.fail(field, "missing required vehicle");
            }
            return None;
        }
        // The state and the number are checked on their own, so a record
        // with both wrong names both columns, and a state sent without a
        // number is still checked. A missing state means Connecticut.
        let state = match self.text(spec.plate_state.as_ref(), "plate state", false) {
            None => Some("CT".to_string()),
            Some(raw) => match Plate::parse_state(&raw) {
                Ok(state) if !self.present(spec.plate.as_ref()) => {
                    // A state belongs to a plate number; sent alone, it
                    // may be all that is left of a plate that was lost.
                    let plate = spec
                        .plate
                        .as_ref()
                        .map(|plate| format!(" in {}", self.label(plate, "plate")))
                        .unwrap_or_default();
                    let reason = format!("{} without a plate number{plate}", quoted(&raw));
                    self.fail_at(spec.plate_state.as_ref(), "plate state", reason);
                    Some(state)
                }
                Ok(state) => Some(state),
                Err(err) => {
                    self.fail_normalize(spec.plate_state.as_ref(), "plate state", &err);
                    None
                }
            },
        };
        let number = self
            .text(spec.plate.as_ref(), "plate", false)
            .and_then(|raw| {
                Plate::parse_number(&raw)
                    .map_err(|err| self.fail_normalize(spec.plate.as_ref(), "plate", &err))
                    .ok()
            });
        let plate = match (state, number) {
            (Some(state), Some(number)) => Some(Plate { state, number }),
            _ => None,
        };
        let year = self.normalized(spec.year.as_ref(), "year", parse_year);
        Some(VehicleFacts {
            plate,
            vin: self.normalized(spec.vin.as_ref(), "vin", Vin::parse),
            make: self
                .text(spec.make.as_ref(), "make", false)
                .map(|t| clean_token(&t)),
            model: self
                .text(spec.model.as_ref(), "model", false)
                .map(|t| clean_token(&t)),
            year,
            colour: self
                .text(spec.colour.as_ref(), "colour", false)
                .map(|t| clean_token(&t)),
        })
    }

    fn property(&mut self, spec: &PropertyMapping) -> Option<PropertyFacts> {
        let serial = self.text(Some(&spec.serial), "serial", false)?;
        Some(PropertyFacts {
            serial: clean_token(&serial).replace(' ', ""),
            kind: self.owned_text(spec.kind.as_ref(), "property kind", false),
            description: self.owned_text(spec.description.as_ref(), "property description", false),
        })
    }

    fn version(&mut self, spec: Option<&FieldSpec>) -> u32 {
        let Some(raw) = self.text(spec, "version", false) else {
            return 1;
        };
        let reason = match raw.parse::<u32>() {
            Ok(version) if version >= 1 => return version,
            Err(err) if *err.kind() == std::num::IntErrorKind::PosOverflow => {
                format!("too large; the largest accepted version is {}", u32::MAX)
            }
            _ => "expected a whole number of at least 1".to_string(),
        };
        self.fail_about(spec, "version", |subject| {
            format!(
                "invalid {} {}: {reason}",
                subject.unwrap_or("value"),
                quoted(&raw)
            )
        });
        1
    }

    /// Reads a date of birth. Placeholder dates become unknown, and a date
    /// before [`EARLIEST_BIRTH_YEAR`] or in the future is an error.
    fn dob(&mut self, spec: Option<&FieldSpec>) -> Option<Dob> {
        let date = self.date(spec, "dob")?;
        Dob::from_feed(date, self.today)
            .map_err(|err| {
                self.fail_about(spec, "dob", |subject| match subject {
                    Some(_) => err.to_string(),
                    None => err.reason(),
                })
            })
            .ok()
            .flatten()
    }

    /// Returns whether an end date field contains 9999-12-31, which means "no end".
    fn is_open_end(&self, spec: Option<&FieldSpec>) -> bool {
        let Some(rule) = spec.map(FieldSpec::rule) else {
            return false;
        };
        let Some(raw) = rule
            .path
            .as_deref()
            .and_then(|path| self.value.lookup(path))
        else {
            return false;
        };
        parse_date(&raw, date_format(self.mapping, spec)).ok()
            == NaiveDate::from_ymd_opt(9999, 12, 31)
    }

    /// Reads a record date, which must lie between [`EARLIEST_BIRTH_YEAR`] and
    /// `months_ahead` months after today.
    fn record_date(
        &mut self,
        spec: Option<&FieldSpec>,
        what: &str,
        months_ahead: u32,
    ) -> Option<NaiveDate> {
        let date = self.date(spec, what)?;
        let latest = self.today + chrono::Months::new(months_ahead);
        let reason = if date.year() < EARLIEST_BIRTH_YEAR {
            format!("{date} is before {EARLIEST_BIRTH_YEAR}")
        } else if date > latest {
            format!("{date} is after {latest}, too far in the future")
        } else {
            return Some(date);
        };
        self.fail_about(spec, what, |subject| lead(subject, reason));
        None
    }

    /// Records an error when a vehicle registration names no vehicle by plate
    /// or VIN, because nothing could then find it.
    fn require_plate_or_vin(&mut self) {
        let vehicles = &self.mapping.vehicles;
        let named = vehicles
            .iter()
            .any(|v| self.present(v.plate.as_ref()) || self.present(v.vin.as_ref()));
        if named {
            return;
        }
        let field = vehicles
            .iter()
            .find_map(|v| v.plate.as_ref().or(v.vin.as_ref()))
            .map_or("vehicle".to_string(), |f| self.label(f, "plate"));
        self.fail(field, "a vehicle registration needs a plate or a vin");
    }

    fn identifier(&mut self, spec: Option<&FieldSpec>, kind: IdKind) -> Option<String> {
        self.normalized(spec, kind.name(), |raw| parse_identifier(kind, raw))
    }

    fn date(&mut self, spec: Option<&FieldSpec>, what: &str) -> Option<NaiveDate> {
        let format = date_format(self.mapping, spec);
        self.normalized(spec, what, |raw| parse_date(raw, format))
    }

    /// Reads a text field and parses it with `parse`, recording its error.
    fn normalized<T>(
        &mut self,
        spec: Option<&FieldSpec>,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, NormalizeError>,
    ) -> Option<T> {
        let raw = self.text(spec, what, false)?;
        parse(&raw)
            .map_err(|err| self.fail_normalize(spec, what, &err))
            .ok()
    }

    /// Reads a field through its code table, if any, and parses the canonical name.
    fn parsed<T>(
        &mut self,
        spec: Option<&FieldSpec>,
        what: &str,
        required: bool,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let canonical = self.text(spec, what, required)?;
        // Canonical names are lower case, as code tables usually give them.
        let value = parse(&canonical).or_else(|| parse(&canonical.to_ascii_lowercase()));
        if value.is_none() {
            self.fail_about(spec, what, |subject| {
                format!(
                    "invalid {} {}",
                    subject.unwrap_or("value"),
                    quoted(&canonical)
                )
            });
        }
        value
    }

    /// Reads a field as trimmed text, applying its code table. Missing or empty
    /// values are `None`, and an error when the field or the caller requires them.
    /// The text is borrowed from the record or the mapping where it can be.
    fn text<'s>(
        &mut self,
        spec: Option<&'s FieldSpec>,
        what: &str,
        required: bool,
    ) -> Option<Cow<'s, str>>
    where
        'a: 's,
    {
        let rule = spec?.rule();
        let value: &'a InputFields = self.value;
        let raw = match (&rule.value, &rule.path) {
            (Some(constant), _) => Some(Cow::Borrowed(constant.as_str())),
            (None, Some(path)) => match value.lookup_checked(path) {
                Ok(raw) => raw,
                Err(wrong) => {
                    self.fail(wrong.path.clone(), wrong.reason());
                    return None;
                }
            },
            (None, None) => None,
        };
        let Some(raw) = raw else {
            if required || rule.required {
                self.fail_about(spec, what, |subject| {
                    format!("missing required {}", subject.unwrap_or("value"))
                });
            }
            return None;
        };
        let max = max_chars(what);
        // A text has at least as many bytes as characters, so a short one
        // needs no count.
        if rule.value.is_none() && raw.len() > max {
            let length = raw.chars().count();
            if length > max {
                self.fail_about(spec, what, |subject| {
                    format!(
                        "{} is {length} characters long, more than the maximum of {max}",
                        subject.unwrap_or("value")
                    )
                });
                return None;
            }
        }
        if let Some((found, kind)) = unprintable_character(&raw) {
            self.fail_about(spec, what, |subject| {
                format!(
                    "{} contains the {kind} U+{:04X}",
                    subject.unwrap_or("value"),
                    u32::from(found)
                )
            });
            return None;
        }
        match &rule.codes {
            None => Some(raw),
            Some(codes) => match lookup_code(codes, &raw) {
                Some(canonical) => Some(Cow::Borrowed(canonical)),
                None => {
                    let known: Vec<&str> = codes.keys().map(String::as_str).collect();
                    let reason = format!(
                        "unknown code {} (expected one of {})",
                        quoted(&raw),
                        known.join(", ")
                    );
                    self.fail_at(spec, what, reason);
                    None
                }
            },
        }
    }

    /// Reads a field as [`FieldReader::text`] does, as a text of its own.
    fn owned_text(
        &mut self,
        spec: Option<&FieldSpec>,
        what: &str,
        required: bool,
    ) -> Option<String> {
        self.text(spec, what, required).map(Cow::into_owned)
    }

    fn present(&self, spec: Option<&FieldSpec>) -> bool {
        spec.is_some_and(|s| match s.rule() {
            FieldRule { value: Some(_), .. } => false,
            FieldRule {
                path: Some(path), ..
            } => self.value.has(path),
            _ => false,
        })
    }

    /// Records the first wrong JSON type on the paths of `fields`, such as a
    /// party sent as a string, and returns whether there was one. Without
    /// it, such a party or vehicle would read as missing.
    fn report_wrong_type(&mut self, fields: &[&Option<FieldSpec>]) -> bool {
        // A CSV value is always text, so only JSON can have the wrong type.
        if matches!(self.value, InputFields::Csv { .. }) {
            return false;
        }
        let wrong = fields
            .iter()
            .filter_map(|spec| spec.as_ref()?.rule().path.as_deref())
            .find_map(|path| self.value.lookup_checked(path).err());
        match wrong {
            Some(wrong) => {
                self.fail(wrong.path.clone(), wrong.reason());
                true
            }
            None => false,
        }
    }

    fn label(&self, spec: &FieldSpec, what: &str) -> String {
        spec.rule().path.clone().unwrap_or_else(|| what.to_string())
    }

    /// Returns the name of the field `spec` reads: its source path, or
    /// `what` for a field without one.
    fn field_name(&self, spec: Option<&FieldSpec>, what: &str) -> String {
        spec.map_or_else(|| what.to_string(), |s| self.label(s, what))
    }

    /// Records an error on the field `spec` reads, named by its source path.
    fn fail_at(&mut self, spec: Option<&FieldSpec>, what: &str, reason: impl Into<String>) {
        let field = self.field_name(spec, what);
        self.fail(field, reason);
    }

    /// Records an error on the field `spec` reads, as [`FieldReader::fail_at`]
    /// does, with a reason that `reason` builds around the value's kind:
    /// `Some(what)`, or `None` when the field's own name already says it
    /// (see [`names_field`]). Every reason is shown after its field, as in
    /// `O1_LNAME: missing required surname`, so a field `dob` reads
    /// `dob: missing required value` and not `dob: missing required dob`.
    fn fail_about(
        &mut self,
        spec: Option<&FieldSpec>,
        what: &str,
        reason: impl FnOnce(Option<&str>) -> String,
    ) {
        let field = self.field_name(spec, what);
        let subject = (!names_field(&field, what)).then_some(what);
        let reason = reason(subject);
        self.fail(field, reason);
    }

    /// Records a normalization error on the field `spec` reads, naming the
    /// value's kind only when the field's name does not (see
    /// [`FieldReader::fail_about`]).
    fn fail_normalize(&mut self, spec: Option<&FieldSpec>, what: &str, err: &NormalizeError) {
        let field = self.field_name(spec, what);
        let reason = match err {
            NormalizeError::Invalid {
                what,
                value,
                reason,
            } if names_field(&field, what) => {
                format!("invalid value {}: {reason}", quoted(value))
            }
            NormalizeError::Empty { what } if names_field(&field, what) => {
                "empty value".to_string()
            }
            other => other.to_string(),
        };
        self.fail(field, reason);
    }

    /// Records an error, once: a value of the wrong type, such as `involved`
    /// sent as a string, is on the path of several mapped fields.
    fn fail(&mut self, field: String, reason: impl Into<String>) {
        let error = FieldError {
            field,
            reason: reason.into(),
        };
        if !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }
}

/// Returns whether `field`, a column or a JSON path, already names the kind
/// of value `what`: whether the last step of the path ends with the words of
/// `what` (or, for `dob`, of another name of a date of birth), whatever their
/// case and separators. So `dob`, `O1_DOB` and `subject.dob` name `dob`,
/// `report_date` names `date`, and `O1_LNAME` does not name `surname`.
fn names_field(field: &str, what: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let last = words(field.rsplit('.').next().unwrap_or(field));
    let names: &[&str] = match what {
        "dob" => &["dob", "date of birth", "birth date", "birthdate"],
        _ => &[what],
    };
    names.iter().any(|name| {
        let name = words(name);
        !name.is_empty() && last.ends_with(&name)
    })
}

/// Returns `rest` after `subject` and a space, or `rest` alone without one.
fn lead(subject: Option<&str>, rest: String) -> String {
    match subject {
        Some(subject) => format!("{subject} {rest}"),
        None => rest,
    }
}

/// Returns the date format of `spec`: its own, else the mapping's, else ISO 8601.
fn date_format<'s>(mapping: &'s SourceMapping, spec: Option<&'s FieldSpec>) -> &'s str {
    spec.and_then(|s| s.rule().format.as_deref())
        .or(mapping.date_format.as_deref())
        .unwrap_or("%Y-%m-%d")
}

/// Returns the column of the name part that `err` is about, so that an
/// empty given name is reported against the given-name column. Errors about
/// the name as a whole name the surname column, or the given-name column
/// when the mapping has no surname.
fn name_part_field<'a>(spec: &'a PartyMapping, err: &NormalizeError) -> Option<&'a FieldSpec> {
    let what = match err {
        NormalizeError::Empty { what } | NormalizeError::Invalid { what, .. } => *what,
    };
    let part = match what {
        "given name" => spec.given.as_ref(),
        "middle name" => spec.middle.as_ref(),
        "suffix" => spec.suffix.as_ref(),
        _ => None,
    };
    part.or(spec.surname.as_ref()).or(spec.given.as_ref())
}

fn lookup_code<'a>(
    codes: &'a std::collections::BTreeMap<String, String>,
    raw: &str,
) -> Option<&'a str> {
    codes
        .get(raw)
        .or_else(|| {
            codes
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(raw))
                .map(|(_, v)| v)
        })
        .map(String::as_str)
}

fn parse_year(raw: &str) -> Result<u16, NormalizeError> {
    match raw.trim().parse::<u16>() {
        Ok(year) if (1900..=2100).contains(&year) => Ok(year),
        _ => Err(NormalizeError::Invalid {
            what: "year",
            value: raw.to_string(),
            reason: "expected a year between 1900 and 2100".to_string(),
        }),
    }
}
