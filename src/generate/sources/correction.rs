//! Department of Correction movements: CSV, `YYYYMMDD` dates, inmate number on
//! every row, middle initial only, last known address on admissions and releases.

use rand::Rng;

use super::{Ctx, opt_date, sex_letter, upper};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::model::RecordKind;

const DATE: &str = "%Y%m%d";

/// Column names, in order.
#[rustfmt::skip]
pub(super) const HEADER: &[&str] = &[
    "MOVEMENT_ID", "INMATE_NUMBER", "MOVEMENT_CODE", "MOVEMENT_DATE", "FACILITY", "FROM_FACILITY",
    "FACILITY_TOWN", "REASON", "LAST_NAME", "FIRST_NAME", "MI", "NAME_SUFFIX", "DOB", "GENDER",
    "SID", "FBI_NO", "ADDR_STREET", "ADDR_TOWN", "ADDR_ZIP",
];

fn movement_code(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Admission => "ADM",
        RecordKind::FacilityMove => "TRF",
        _ => "REL",
    }
}

fn reason<R: Rng>(kind: RecordKind, rng: &mut R) -> &'static str {
    let choices: &[&str] = match kind {
        RecordKind::Admission => &["NEW SENTENCE", "PRETRIAL", "PAROLE VIOLATION"],
        RecordKind::FacilityMove => &["CLASSIFICATION", "MEDICAL", "PROGRAM PLACEMENT"],
        _ => &[
            "END OF SENTENCE",
            "PAROLE",
            "TRANSITIONAL SUPERVISION",
            "BOND POSTED",
        ],
    };
    choices[rng.gen_range(0..choices.len())]
}

/// Writes one custody movement.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Vec<String> {
    let (_, s) = ctx.spell(event, 0).expect("movements name the inmate");
    let address = s
        .home
        .as_ref()
        .filter(|_| event.kind != RecordKind::FacilityMove);
    let (street, town, zip) = match address {
        Some(home) => (
            home.street_with_unit(StreetStyle::Upper, ctx.rng),
            home.town.name.to_uppercase(),
            home.zip.to_string(),
        ),
        None => Default::default(),
    };
    vec![
        event.id.clone(),
        s.inmate.clone().unwrap_or_default(),
        movement_code(event.kind).to_string(),
        event.date.format(DATE).to_string(),
        event.description.clone().unwrap_or_default(),
        event.from_facility.unwrap_or_default().to_string(),
        upper(event.town),
        reason(event.kind, ctx.rng).to_string(),
        s.surname.to_uppercase(),
        s.given.to_uppercase(),
        upper(s.middle.as_deref()).chars().take(1).collect(),
        s.suffix.unwrap_or_default().to_string(),
        opt_date(s.dob, DATE),
        sex_letter(s.sex).to_string(),
        s.state_id.clone().unwrap_or_default(),
        s.fbi.clone().unwrap_or_default(),
        street,
        town,
        zip,
    ]
}
