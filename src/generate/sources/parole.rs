//! Board of Pardons and Paroles: CSV, `DD-Mon-YYYY` dates, one-string name as
//! `LAST, FIRST MIDDLE`, whole residence address in one column.

use rand::Rng;

use super::{Ctx, last_first, opt_date, sex_letter, split_state_id};
use crate::generate::places::StreetStyle;
use crate::generate::records::Event;
use crate::model::{RecordKind, Status};

const DATE: &str = "%d-%b-%Y";

/// Column names, in order.
#[rustfmt::skip]
pub(super) const HEADER: &[&str] = &[
    "ACTION_ID", "REV", "ACTION_TYPE", "ACTION_DATE", "EXPIRATION_DATE", "ACTION_STATUS",
    "CONDITION_TEXT", "DISTRICT_OFFICE", "INMATE_NO", "SID", "OFFENDER_NAME", "DOB", "SEX",
    "RESIDENCE",
];

fn action_code(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::ParoleGrant => "GRT",
        RecordKind::ParoleCondition => "CND",
        _ => "REV",
    }
}

fn status_code(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Active) => "ACTIVE",
        Some(Status::Completed) => "DISCHARGED",
        Some(Status::Revoked) => "REVOKED",
        Some(_) => "CLOSED",
        None => "",
    }
}

/// Writes one parole action.
pub(super) fn row<R: Rng>(event: &Event, ctx: &mut Ctx<'_, R>) -> Vec<String> {
    let (_, s) = ctx
        .spell(event, 0)
        .expect("parole actions name the parolee");
    let sid = s.state_id.as_deref().map(|id| {
        if ctx.rng.gen_bool(0.5) {
            split_state_id(id, '-')
        } else {
            id.to_string()
        }
    });
    let residence = s
        .home
        .as_ref()
        .map(|home| home.one_line(StreetStyle::Upper, ctx.rng));
    vec![
        event.id.clone(),
        event.version.to_string(),
        action_code(event.kind).to_string(),
        event.date.format(DATE).to_string(),
        opt_date(event.end, DATE),
        status_code(event.status).to_string(),
        event.description.clone().unwrap_or_default(),
        event.town.unwrap_or_default().to_string(),
        s.inmate.clone().unwrap_or_default(),
        sid.unwrap_or_default(),
        last_first(&s),
        opt_date(s.dob, DATE),
        sex_letter(s.sex).to_string(),
        residence.unwrap_or_default(),
    ]
}
