//! Court Support Services: JSON Lines of supervision cases, ISO dates, names
//! as nested parts, state id written with a space.

use rand::Rng;
use serde_json::Value;

use super::{Ctx, object, split_state_id, text};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::generate::vary::Spelling;
use crate::model::{RecordKind, Sex, Status};

const DATE: &str = "%Y-%m-%d";

fn status_code(status: Option<Status>) -> Option<&'static str> {
    Some(match status? {
        Status::Active => "ACTIVE",
        Status::Completed => "DISCHARGED",
        Status::Revoked => "REVOKED",
        _ => "CLOSED",
    })
}

fn gender(sex: Option<Sex>) -> Option<&'static str> {
    Some(match sex? {
        Sex::Male => "Male",
        Sex::Female => "Female",
        Sex::Unknown => "Unknown",
    })
}

/// Writes one supervision case version.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Value {
    let program = if event.kind == RecordKind::Probation {
        "AP"
    } else {
        "PTS"
    };
    let client = ctx.spell(event, 0).map(|(_, s)| client(&s, ctx.rng));
    object(vec![
        ("cssd_case", text(Some(event.id.as_str()))),
        ("seq", Some(Value::from(event.version))),
        ("program", text(Some(program))),
        ("docket", text(event.case_number.as_deref())),
        ("office", text(event.town)),
        ("start_dt", text(Some(event.date.format(DATE).to_string()))),
        (
            "end_dt",
            text(event.end.map(|d| d.format(DATE).to_string())),
        ),
        ("status", text(status_code(event.status))),
        ("conditions", text(event.description.as_deref())),
        ("client", client),
    ])
}

fn client<R: Rng>(s: &Spelling, rng: &mut R) -> Value {
    let name = object(vec![
        ("first", text(Some(s.given.as_str()))),
        ("middle", text(s.middle.as_deref())),
        ("last", text(Some(s.surname.as_str()))),
        ("suffix", text(s.suffix.map(|x| x.to_string()))),
    ]);
    let address = s.home.as_ref().map(|home| {
        object(vec![
            (
                "line1",
                text(Some(home.street_line(StreetStyle::Typed, rng))),
            ),
            ("line2", text(home.unit_field(rng))),
            ("town", text(Some(home.town.name))),
            ("state", text(Some("CT"))),
            ("zip", text(Some(home.zip))),
        ])
    });
    object(vec![
        ("name", Some(name)),
        (
            "birth_date",
            text(s.dob.map(|d| d.format(DATE).to_string())),
        ),
        ("gender", text(gender(s.sex))),
        (
            "sid",
            text(s.state_id.as_deref().map(|id| split_state_id(id, ' '))),
        ),
        ("address", address),
    ])
}
