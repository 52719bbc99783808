//! Superior Court case management: CSV, one column per name part, ISO dates,
//! a defendant or respondent and an optional second party per row.

use rand::Rng;

use super::{Ctx, opt_date, sex_letter, upper};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::generate::vary::Spelling;
use crate::model::{RecordKind, Role, Status};

const DATE: &str = "%Y-%m-%d";

/// Column names, in order.
#[rustfmt::skip]
pub(super) const HEADER: &[&str] = &[
    "REC_ID", "REV", "REC_TYPE", "DOCKET_NO", "EVENT_DATE", "END_DATE", "STATUS", "DESCRIPTION",
    "COURT_TOWN", "P1_ROLE", "P1_LAST", "P1_FIRST", "P1_MIDDLE", "P1_SUFFIX", "P1_DOB", "P1_SEX",
    "P1_SID", "P1_FBI", "P1_STREET", "P1_UNIT", "P1_CITY", "P1_STATE", "P1_ZIP",
    "P2_ROLE", "P2_LAST", "P2_FIRST", "P2_MIDDLE", "P2_DOB", "P2_SEX",
    "P2_STREET", "P2_CITY", "P2_STATE", "P2_ZIP",
];

fn kind_code(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::CourtCase => "CR",
        RecordKind::CourtAppearance => "AP",
        RecordKind::Disposition => "DI",
        RecordKind::Warrant => "WA",
        RecordKind::ProtectiveOrder => "PO",
        _ => "BC",
    }
}

fn status_code(kind: RecordKind, status: Option<Status>) -> &'static str {
    match (kind, status) {
        (_, None) => "",
        (_, Some(Status::Pending)) => "PEND",
        (RecordKind::CourtCase, Some(_)) => "DISP",
        (RecordKind::CourtAppearance, Some(_)) => "HELD",
        (RecordKind::Disposition, Some(_)) => "FINAL",
        (_, Some(Status::Active)) => "ACTV",
        (_, Some(Status::Served)) => "SERV",
        (_, Some(Status::Recalled)) => "RECL",
        (_, Some(Status::Expired)) => "EXPD",
        (_, Some(_)) => "TERM",
    }
}

fn role_code(role: Role) -> &'static str {
    match role {
        Role::Restrained => "RESP",
        Role::Protected => "PROT",
        Role::Victim => "VIC",
        _ => "DEF",
    }
}

/// Writes one court record.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Vec<String> {
    let mut fields = vec![
        event.id.clone(),
        event.version.to_string(),
        kind_code(event.kind).to_string(),
        event.case_number.clone().unwrap_or_default(),
        event.date.format(DATE).to_string(),
        opt_date(event.end, DATE),
        status_code(event.kind, event.status).to_string(),
        upper(event.description.as_deref()),
        event.town.unwrap_or_default().to_string(),
    ];
    let first = ctx.spell(event, 0);
    fields.extend(party(first.as_ref(), true, ctx.rng));
    let second = ctx.spell(event, 1);
    fields.extend(party(second.as_ref(), false, ctx.rng));
    fields
}

fn party<R: Rng>(party: Option<&(Role, Spelling)>, main: bool, rng: &mut R) -> Vec<String> {
    let width = if main { 14 } else { 10 };
    let Some((role, s)) = party else {
        return vec![String::new(); width];
    };
    let mut fields = vec![
        role_code(*role).to_string(),
        s.surname.to_uppercase(),
        s.given.to_uppercase(),
        upper(s.middle.as_deref()),
    ];
    if main {
        fields.push(s.suffix.unwrap_or_default().to_string());
    }
    fields.push(opt_date(s.dob, DATE));
    fields.push(sex_letter(s.sex).to_string());
    if main {
        fields.push(s.state_id.clone().unwrap_or_default());
        fields.push(s.fbi.clone().unwrap_or_default());
    }
    match &s.home {
        Some(home) => {
            if main {
                fields.push(home.street_line(StreetStyle::Typed, rng).to_uppercase());
                fields.push(home.unit_field(rng).unwrap_or_default().to_uppercase());
            } else {
                fields.push(
                    home.street_with_unit(StreetStyle::Typed, rng)
                        .to_uppercase(),
                );
            }
            fields.push(home.town.name.to_uppercase());
            fields.push("CT".to_string());
            fields.push(home.zip.to_string());
        }
        None => fields.extend(vec![String::new(); if main { 5 } else { 4 }]),
    }
    fields
}
