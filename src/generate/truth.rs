//! The status-summary rules and the ground-truth file that records, for every
//! record version and person named in it, which category that version puts
//! on that person as of the run's date.
//!
//! Superseded versions put no category on anyone: only the highest version of
//! each `(source, record_id)` counts, so their truth rows leave `category` empty.

use chrono::NaiveDate;

use super::records::Event;
use crate::model::{RecordKind, Role, Status};

/// A status-summary category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Category {
    Wanted,
    RecentArrest,
    Release,
    ProtectiveOrder,
    SexOffenderRegistration,
    PendingCase,
    BailCondition,
    Supervision,
    OfficerSafetyCaution,
}

impl Category {
    /// Name written to `truth.csv` and `featured.json`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Category::Wanted => "wanted",
            Category::RecentArrest => "recent_arrest",
            Category::Release => "release",
            Category::ProtectiveOrder => "protective_order",
            Category::SexOffenderRegistration => "sex_offender_registration",
            Category::PendingCase => "pending_case",
            Category::BailCondition => "bail_condition",
            Category::Supervision => "supervision",
            Category::OfficerSafetyCaution => "officer_safety_caution",
        }
    }
}

/// Returns the category `event` puts on the person named in `role`, as of `as_of`.
pub(crate) fn category(event: &Event, role: Role, as_of: NaiveDate) -> Option<Category> {
    if !event.latest {
        return None;
    }
    let status = event.status;
    let active = status == Some(Status::Active);
    let running = active && event.end.is_none_or(|end| end >= as_of);
    let days_ago = (as_of - event.date).num_days();
    let subject = role == Role::Subject;
    let found = match event.kind {
        RecordKind::Warrant => subject && active,
        RecordKind::Arrest => subject && (0..=365).contains(&days_ago),
        RecordKind::Release => subject && (0..=1095).contains(&days_ago),
        RecordKind::ProtectiveOrder => role == Role::Restrained && running,
        RecordKind::SexOffenderRegistration => running,
        RecordKind::CourtCase => status == Some(Status::Pending),
        RecordKind::BailCondition => running,
        RecordKind::Probation | RecordKind::PretrialSupervision | RecordKind::ParoleGrant => {
            running
        }
        RecordKind::OfficerSafetyCaution => status.is_none() || active,
        _ => false,
    };
    found.then(|| category_of(event.kind))
}

fn category_of(kind: RecordKind) -> Category {
    match kind {
        RecordKind::Warrant => Category::Wanted,
        RecordKind::Arrest => Category::RecentArrest,
        RecordKind::Release => Category::Release,
        RecordKind::ProtectiveOrder => Category::ProtectiveOrder,
        RecordKind::SexOffenderRegistration => Category::SexOffenderRegistration,
        RecordKind::CourtCase => Category::PendingCase,
        RecordKind::BailCondition => Category::BailCondition,
        RecordKind::OfficerSafetyCaution => Category::OfficerSafetyCaution,
        _ => Category::Supervision,
    }
}

/// Header of `truth.csv`.
pub(crate) const TRUTH_HEADER: &str = "source,record_id,version,role,person_id,category\n";

/// Appends one truth row. Record ids and person ids never contain commas or quotes.
pub(crate) fn write_row(
    out: &mut Vec<u8>,
    event: &Event,
    role: Role,
    person_id: &str,
    category: Option<Category>,
) {
    use std::io::Write;
    let category = category.map_or("", Category::as_str);
    // Writing to a Vec cannot fail.
    let _ = writeln!(
        out,
        "{},{},{},{},{person_id},{category}",
        event.source.name(),
        event.id,
        event.version,
        role.as_str()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::records::Source;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn event(kind: RecordKind, date: NaiveDate, status: Option<Status>) -> Event {
        let mut event = Event::new(Source::Judicial, "1".into(), kind, date, Role::Subject, 0);
        event.status = status;
        event
    }

    #[test]
    fn arrests_count_for_a_year() {
        let as_of = day(2025, 6, 1);
        let recent = event(RecordKind::Arrest, day(2024, 6, 1), None);
        let old = event(RecordKind::Arrest, day(2024, 5, 31), None);
        assert_eq!(
            category(&recent, Role::Subject, as_of),
            Some(Category::RecentArrest)
        );
        assert_eq!(category(&old, Role::Subject, as_of), None);
    }

    #[test]
    fn orders_count_only_for_the_restrained_party_until_they_end() {
        let as_of = day(2025, 6, 1);
        let order = event(
            RecordKind::ProtectiveOrder,
            day(2025, 1, 1),
            Some(Status::Active),
        )
        .end(Some(as_of));
        assert_eq!(
            category(&order, Role::Restrained, as_of),
            Some(Category::ProtectiveOrder)
        );
        assert_eq!(category(&order, Role::Protected, as_of), None);
        let ended = order.clone().end(Some(day(2025, 5, 31)));
        assert_eq!(category(&ended, Role::Restrained, as_of), None);
    }

    #[test]
    fn superseded_versions_put_nothing() {
        let as_of = day(2025, 6, 1);
        let mut warrant = event(RecordKind::Warrant, day(2025, 1, 1), Some(Status::Active));
        assert_eq!(
            category(&warrant, Role::Subject, as_of),
            Some(Category::Wanted)
        );
        warrant.latest = false;
        assert_eq!(category(&warrant, Role::Subject, as_of), None);
    }

    #[test]
    fn cautions_without_status_count() {
        let as_of = day(2025, 6, 1);
        let caution = event(RecordKind::OfficerSafetyCaution, day(2020, 1, 1), None);
        assert!(category(&caution, Role::Subject, as_of).is_some());
        let lifted = caution.status(Status::Expired);
        assert!(category(&lifted, Role::Subject, as_of).is_none());
    }
}
