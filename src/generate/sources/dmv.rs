//! Motor vehicles: CSV of registrations and licences, `MM-DD-YYYY` dates, one
//! column per name part, up to two owners per registration.

use rand::Rng;

use super::{Ctx, opt_date, sex_letter, upper};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::generate::vary::Spelling;
use crate::model::{RecordKind, Status};

const DATE: &str = "%m-%d-%Y";

/// Column names, in order.
#[rustfmt::skip]
pub(super) const HEADER: &[&str] = &[
    "TXN_ID", "REV", "REC_TYPE", "PLATE_NO", "PLATE_ST", "CLASS", "VIN", "MAKE", "MODEL",
    "MODEL_YR", "COLOR", "ISSUE_DT", "EXPIR_DT", "STATUS_CD",
    "O1_TYPE", "O1_LIC_NO", "O1_LNAME", "O1_FNAME", "O1_MNAME", "O1_SFX", "O1_DOB", "O1_SEX",
    "O1_STREET", "O1_CITY", "O1_ST", "O1_ZIP",
    "O2_TYPE", "O2_LIC_NO", "O2_LNAME", "O2_FNAME", "O2_MNAME", "O2_SFX", "O2_DOB", "O2_SEX",
    "O2_STREET", "O2_CITY", "O2_ST", "O2_ZIP",
];

fn status_code(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Active) => "A",
        Some(Status::Expired) => "E",
        Some(Status::Revoked) => "R",
        Some(_) => "C",
        None => "",
    }
}

/// Writes one registration or licence.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Vec<String> {
    let registration = event.kind == RecordKind::VehicleRegistration;
    let mut fields = vec![
        event.id.clone(),
        event.version.to_string(),
        if registration { "REG" } else { "LIC" }.to_string(),
    ];
    match ctx.vehicle(event) {
        Some(v) => fields.extend([
            v.plate.clone(),
            "CT".to_string(),
            event.description.clone().unwrap_or_default(),
            v.vin.clone(),
            v.make.name.to_string(),
            v.model.to_string(),
            v.year.to_string(),
            v.colour_name().to_string(),
        ]),
        None => {
            fields.extend(vec![String::new(); 2]);
            fields.push(event.description.clone().unwrap_or_default());
            fields.extend(vec![String::new(); 5]);
        }
    }
    fields.push(event.date.format(DATE).to_string());
    fields.push(opt_date(event.end, DATE));
    fields.push(status_code(event.status).to_string());
    for at in 0..2 {
        let party = ctx.spell(event, at).map(|(_, s)| s);
        let code = match (at, registration) {
            (0, true) => "PO",
            (0, false) => "LD",
            _ => "CO",
        };
        fields.extend(owner(party.as_ref(), code, ctx.rng));
    }
    fields
}

fn owner<R: Rng>(party: Option<&Spelling>, code: &str, rng: &mut R) -> Vec<String> {
    let Some(s) = party else {
        return vec![String::new(); 12];
    };
    let mut fields = vec![
        code.to_string(),
        s.licence.clone().unwrap_or_default(),
        s.surname.to_uppercase(),
        s.given.to_uppercase(),
        upper(s.middle.as_deref()),
        s.suffix.unwrap_or_default().to_string(),
        opt_date(s.dob, DATE),
        sex_letter(s.sex).to_string(),
    ];
    match &s.home {
        Some(home) => fields.extend([
            home.street_with_unit(StreetStyle::Upper, rng),
            home.town.name.to_uppercase(),
            "CT".to_string(),
            home.zip.to_string(),
        ]),
        None => fields.extend(vec![String::new(); 4]),
    }
    fields
}
