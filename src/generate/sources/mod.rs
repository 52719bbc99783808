//! Per-agency writers: each turns a generated record into one row of that
//! agency's own layout. The mapping files in `fixtures/sources/` describe the
//! same layouts to the ingest side.

mod correction;
mod cssd;
mod dmv;
mod judicial;
mod parole;
mod rms;
mod sor;

use chrono::NaiveDate;
use rand::Rng;
use serde_json::{Map, Value};

use super::population::Person;
use super::records::{Event, Source};
use super::vary::{self, Spelling};
use super::vehicles::Vehicle;
use crate::model::{Role, Sex};

/// One record in a source's layout.
#[derive(Debug)]
pub(crate) enum Row {
    /// Fields in header order.
    Csv(Vec<String>),
    /// One JSON object.
    Json(Value),
}

/// What a writer reads besides the record.
pub(crate) struct Ctx<'a, R: Rng> {
    /// The chunk's people.
    pub people: &'a [Person],
    /// The chunk's vehicles.
    pub vehicles: &'a [Vehicle],
    /// The chunk's random stream.
    pub rng: &'a mut R,
}

impl<R: Rng> Ctx<'_, R> {
    /// Spells party `at` of `event` as the event's source records it.
    fn spell(&mut self, event: &Event, at: usize) -> Option<(Role, Spelling)> {
        let (role, person) = *event.parties.get(at)?;
        let person = &self.people[person];
        let spelling = vary::spell(person, event.source, event.kind, role, event.date, self.rng);
        Some((role, spelling))
    }

    fn vehicle(&self, event: &Event) -> Option<&Vehicle> {
        event.vehicle.map(|v| &self.vehicles[v])
    }
}

/// Column names of a CSV source, or `None` for JSON Lines.
pub(crate) fn header(source: Source) -> Option<&'static [&'static str]> {
    match source {
        Source::Judicial => Some(judicial::HEADER),
        Source::Correction => Some(correction::HEADER),
        Source::Dmv => Some(dmv::HEADER),
        Source::Parole => Some(parole::HEADER),
        Source::Rms | Source::Cssd | Source::Sor => None,
    }
}

/// Writes `event` in its source's layout.
pub(crate) fn render<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Row {
    match event.source {
        Source::Rms => Row::Json(rms::row(event, ctx)),
        Source::Judicial => Row::Csv(judicial::row(event, ctx)),
        Source::Correction => Row::Csv(correction::row(event, ctx)),
        Source::Dmv => Row::Csv(dmv::row(event, ctx)),
        Source::Cssd => Row::Json(cssd::row(event, ctx)),
        Source::Parole => Row::Csv(parole::row(event, ctx)),
        Source::Sor => Row::Json(sor::row(event, ctx)),
    }
}

/// Formats a date with a chrono pattern.
fn date(d: NaiveDate, pattern: &str) -> String {
    d.format(pattern).to_string()
}

/// Formats an optional date, empty when absent.
fn opt_date(d: Option<NaiveDate>, pattern: &str) -> String {
    d.map(|d| date(d, pattern)).unwrap_or_default()
}

/// One-letter sex code, empty when unrecorded.
fn sex_letter(sex: Option<Sex>) -> &'static str {
    match sex {
        Some(Sex::Male) => "M",
        Some(Sex::Female) => "F",
        Some(Sex::Unknown) => "U",
        None => "",
    }
}

/// Upper-cases an optional value, empty when absent.
fn upper(value: Option<&str>) -> String {
    value.map(str::to_uppercase).unwrap_or_default()
}

/// Writes a state id as `CT-1234567` or `CT 1234567`, as some agencies do.
fn split_state_id(id: &str, separator: char) -> String {
    let (prefix, digits) = id.split_at(2.min(id.len()));
    format!("{prefix}{separator}{digits}")
}

/// Builds a JSON object, leaving out absent values.
fn object(fields: Vec<(&str, Option<Value>)>) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        if let Some(value) = value {
            map.insert(key.to_string(), value);
        }
    }
    Value::Object(map)
}

/// A JSON string from an optional text.
fn text(value: Option<impl Into<String>>) -> Option<Value> {
    value.map(|v| Value::String(v.into()))
}

/// Name as `LAST, FIRST MIDDLE SUFFIX`, upper case.
fn last_first(s: &Spelling) -> String {
    let mut name = format!("{}, {}", s.surname, s.given);
    for part in [s.middle.as_deref(), s.suffix].into_iter().flatten() {
        name.push(' ');
        name.push_str(part);
    }
    name.to_uppercase()
}
