//! Police records management system: JSON Lines, nested objects, names as
//! `LAST, FIRST MIDDLE`, dates as `MM/DD/YYYY`, NCIC make and colour codes.

use rand::Rng;
use serde_json::Value;

use super::{Ctx, last_first, object, sex_letter, split_state_id, text};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::generate::vary::Spelling;
use crate::model::{RecordKind, Role, Status};

const DATE: &str = "%m/%d/%Y";

fn kind_code(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Arrest => "ARR",
        RecordKind::Incident => "INC",
        RecordKind::FieldContact => "FI",
        _ => "OSC",
    }
}

fn status_code(status: Option<Status>) -> Option<&'static str> {
    match status? {
        Status::Active => Some("A"),
        Status::Expired => Some("I"),
        Status::Pending => Some("O"),
        _ => Some("C"),
    }
}

fn role_code(role: Role) -> &'static str {
    match role {
        Role::Victim => "V",
        Role::Witness => "W",
        _ => "A",
    }
}

/// Writes one police record.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Value {
    let subject = ctx.spell(event, 0).map(|(_, s)| person(&s, ctx.rng));
    let mut involved = Vec::new();
    for at in 1..event.parties.len() {
        if let Some((role, s)) = ctx.spell(event, at) {
            let mut party = person(&s, ctx.rng);
            party["role"] = Value::String(role_code(role).to_string());
            involved.push(party);
        }
    }
    let vehicles = ctx.vehicles;
    let vehicle = event.vehicle.map(|v| &vehicles[v]).map(|v| {
        object(vec![
            ("plate", text(Some(v.plate_typed(ctx.rng)))),
            ("plate_state", text(Some("CT"))),
            ("make", text(Some(v.make.ncic))),
            ("year", Some(Value::from(v.year))),
            ("color", text(Some(v.colour_code()))),
        ])
    });
    object(vec![
        ("incident_no", text(Some(event.id.as_str()))),
        ("report_type", text(Some(kind_code(event.kind)))),
        (
            "report_date",
            text(Some(event.date.format(DATE).to_string())),
        ),
        ("status", text(status_code(event.status))),
        ("agency_town", text(event.town)),
        ("offense", text(event.description.as_deref())),
        ("subject", subject),
        (
            "involved",
            (!involved.is_empty()).then_some(Value::Array(involved)),
        ),
        ("vehicle", vehicle),
    ])
}

fn person<R: Rng>(s: &Spelling, rng: &mut R) -> Value {
    let ids = object(vec![
        (
            "sid",
            text(s.state_id.as_deref().map(|id| split_state_id(id, '-'))),
        ),
        ("fbi", text(s.fbi.as_deref())),
        ("oln", text(s.licence.as_deref())),
    ]);
    let address = s.home.as_ref().map(|home| {
        let apt_field = rng.gen_bool(0.5);
        let street = if apt_field {
            home.street_line(StreetStyle::Typed, rng)
        } else {
            home.street_with_unit(StreetStyle::Typed, rng)
        };
        object(vec![
            ("street", text(Some(street))),
            (
                "apt",
                if apt_field {
                    text(home.unit_field(rng))
                } else {
                    None
                },
            ),
            ("city", text(Some(home.town.name))),
            ("state", text(Some("CT"))),
            ("zip", text(Some(home.zip))),
        ])
    });
    let has_ids = ids.as_object().is_some_and(|m| !m.is_empty());
    object(vec![
        ("name", text(Some(last_first(s)))),
        ("dob", text(s.dob.map(|d| d.format(DATE).to_string()))),
        (
            "sex",
            text(Some(sex_letter(s.sex)).filter(|c| !c.is_empty())),
        ),
        ("ids", has_ids.then_some(ids)),
        ("address", address),
    ])
}
