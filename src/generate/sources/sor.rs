//! Sex offender registry: JSON Lines, ISO dates, registrant names as given and
//! family parts, registry number on every entry.

use rand::Rng;
use serde_json::Value;

use super::{Ctx, object, sex_letter, text};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::generate::vary::Spelling;
use crate::model::{RecordKind, Status};

const DATE: &str = "%Y-%m-%d";

fn entry_type(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::SexOffenderRegistration => "REGISTRATION",
        RecordKind::RegistryAddress => "ADDRESS",
        _ => "COMPLIANCE",
    }
}

fn status_code(kind: RecordKind, status: Option<Status>) -> Option<&'static str> {
    Some(match (kind, status?) {
        (RecordKind::RegistryAddress, Status::Active) => "Current",
        (RecordKind::RegistryAddress, _) => "Previous",
        (_, Status::Active) => "Active",
        (_, Status::Expired) => "Expired",
        (_, Status::Compliant) => "Compliant",
        (_, Status::NonCompliant) => "Non-Compliant",
        (_, _) => "Previous",
    })
}

/// Writes one registry entry version.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Value {
    let spelled = ctx.spell(event, 0).map(|(_, s)| s);
    let sor_number = spelled.as_ref().and_then(|s| s.sor_id.clone());
    let registrant = spelled.as_ref().map(registrant);
    let residence = spelled.as_ref().and_then(|s| s.home.as_ref()).map(|home| {
        object(vec![
            (
                "street",
                text(Some(home.street_line(StreetStyle::Typed, ctx.rng))),
            ),
            ("unit", text(home.unit_field(ctx.rng))),
            ("city", text(Some(home.town.name))),
            ("state", text(Some("CT"))),
            ("zip", text(Some(home.zip))),
        ])
    });
    object(vec![
        ("entry_id", text(Some(event.id.as_str()))),
        ("version", Some(Value::from(event.version))),
        ("entry_type", text(Some(entry_type(event.kind)))),
        ("sor_number", text(sor_number)),
        ("effective", text(Some(event.date.format(DATE).to_string()))),
        (
            "expires",
            text(event.end.map(|d| d.format(DATE).to_string())),
        ),
        ("status", text(status_code(event.kind, event.status))),
        ("offense", text(event.description.as_deref())),
        ("registrant", registrant),
        ("residence", residence),
    ])
}

fn registrant(s: &Spelling) -> Value {
    object(vec![
        ("given", text(Some(s.given.as_str()))),
        ("middle", text(s.middle.as_deref())),
        ("family", text(Some(s.surname.as_str()))),
        ("suffix", text(s.suffix.map(|x| x.to_string()))),
        ("birthdate", text(s.dob.map(|d| d.format(DATE).to_string()))),
        (
            "sex",
            text(Some(sex_letter(s.sex)).filter(|c| !c.is_empty())),
        ),
        ("state_id", text(s.state_id.as_deref())),
        ("fbi", text(s.fbi.as_deref())),
    ])
}
