//! The status summary: which of a person's current records an officer must
//! know about, by category, as of a given date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::graph::{EntityId, StoredRecord};
use crate::model::{RecordKind, Role, Status};

/// Time windows for the date-bounded categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryRules {
    /// Arrests at most this many days before the as-of date count as recent.
    pub recent_arrest_days: i64,
    /// Releases from custody at most this many days before the as-of date are shown.
    pub release_days: i64,
}

impl Default for SummaryRules {
    fn default() -> Self {
        SummaryRules {
            recent_arrest_days: 365,
            release_days: 1095,
        }
    }
}

/// A category of the status summary, in the order officers read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// An active warrant names the person.
    Wanted,
    /// Cautions that the person has been violent toward police.
    OfficerSafetyCaution,
    /// An active protective order restrains the person.
    ProtectiveOrder,
    /// Active parole, probation or pretrial supervision.
    Supervision,
    /// Active bail release conditions.
    BailCondition,
    /// An active sex-offender registration.
    SexOffenderRegistration,
    /// A court case awaiting disposition.
    PendingCase,
    /// An arrest within the recent-arrest window.
    RecentArrest,
    /// A release from custody within the release window.
    Release,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 9] = [
        Category::Wanted,
        Category::OfficerSafetyCaution,
        Category::ProtectiveOrder,
        Category::Supervision,
        Category::BailCondition,
        Category::SexOffenderRegistration,
        Category::PendingCase,
        Category::RecentArrest,
        Category::Release,
    ];

    /// Returns the snake_case name, as the generator's ground truth uses it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wanted => "wanted",
            Category::OfficerSafetyCaution => "officer_safety_caution",
            Category::ProtectiveOrder => "protective_order",
            Category::Supervision => "supervision",
            Category::BailCondition => "bail_condition",
            Category::SexOffenderRegistration => "sex_offender_registration",
            Category::PendingCase => "pending_case",
            Category::RecentArrest => "recent_arrest",
            Category::Release => "release",
        }
    }
}

/// One item of a status summary, traceable to the record that states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusItem {
    /// Summary category.
    pub category: Category,
    /// Kind of the record behind the item.
    pub kind: RecordKind,
    /// Source name.
    pub source: String,
    /// Agency that sent the record.
    pub agency: String,
    /// Record id in the source.
    pub record_id: String,
    /// Record version.
    pub version: u32,
    /// Event or effective date.
    pub date: Option<NaiveDate>,
    /// Expiry or end date.
    pub end_date: Option<NaiveDate>,
    /// Record status.
    pub status: Option<Status>,
    /// Charge, conditions or other description.
    pub description: Option<String>,
    /// Docket or case number.
    pub case_number: Option<String>,
}

/// Returns the status items of `entity` from its current records, ordered by
/// category and then newest first.
pub fn status_items(
    entity: EntityId,
    records: &[StoredRecord],
    as_of: NaiveDate,
    rules: &SummaryRules,
) -> Vec<StatusItem> {
    let mut items: Vec<StatusItem> = records
        .iter()
        .filter(|stored| stored.current)
        .flat_map(|stored| {
            stored
                .roles_of(entity)
                .filter_map(|role| categorize(stored, role, as_of, rules))
                .map(|category| item(category, stored))
                .collect::<Vec<_>>()
        })
        .collect();
    items.sort_by(|a, b| {
        a.category
            .cmp(&b.category)
            .then(b.date.cmp(&a.date))
            .then(a.record_id.cmp(&b.record_id))
    });
    items.dedup_by(|a, b| {
        a.category == b.category && a.source == b.source && a.record_id == b.record_id
    });
    items
}

/// Returns the category a record puts on a person playing `role` in it, if any.
pub fn categorize(
    stored: &StoredRecord,
    role: Role,
    as_of: NaiveDate,
    rules: &SummaryRules,
) -> Option<Category> {
    let record = &stored.record;
    // A record dated after the as-of date did not exist yet on that date.
    if record.date.is_some_and(|d| d > as_of) {
        return None;
    }
    let active = record.status.is_none_or(|s| s == Status::Active);
    let in_force =
        record.status == Some(Status::Active) && record.end_date.is_none_or(|end| end >= as_of);
    // A warrant served or a case decided after the as-of date was still
    // outstanding on it, because their end date is the day they closed.
    let closed_later = record
        .status
        .is_some_and(|s| s != Status::Active && s != Status::Pending)
        && record.end_date.is_some_and(|end| end > as_of);
    let within = |days: i64| {
        record
            .date
            .is_some_and(|d| d <= as_of && (as_of - d).num_days() <= days)
    };
    let category = match (record.kind, role) {
        (RecordKind::Warrant, Role::Subject)
            if record.status == Some(Status::Active) || closed_later =>
        {
            Category::Wanted
        }
        (RecordKind::OfficerSafetyCaution, Role::Subject) if active => {
            Category::OfficerSafetyCaution
        }
        (RecordKind::ProtectiveOrder, Role::Restrained) if in_force => Category::ProtectiveOrder,
        (
            RecordKind::Probation | RecordKind::PretrialSupervision | RecordKind::ParoleGrant,
            Role::Subject,
        ) if in_force => Category::Supervision,
        (RecordKind::BailCondition, Role::Subject) if in_force => Category::BailCondition,
        (RecordKind::SexOffenderRegistration, Role::Subject) if in_force => {
            Category::SexOffenderRegistration
        }
        (RecordKind::CourtCase, Role::Subject)
            if record.status == Some(Status::Pending) || closed_later =>
        {
            Category::PendingCase
        }
        (RecordKind::Arrest, Role::Subject) if within(rules.recent_arrest_days) => {
            Category::RecentArrest
        }
        (RecordKind::Release, Role::Subject) if within(rules.release_days) => Category::Release,
        _ => return None,
    };
    Some(category)
}

fn item(category: Category, stored: &StoredRecord) -> StatusItem {
    let record = &stored.record;
    StatusItem {
        category,
        kind: record.kind,
        source: record.key.source.clone(),
        agency: stored.agency.clone(),
        record_id: record.key.record_id.clone(),
        version: record.key.version,
        date: record.date,
        end_date: record.end_date,
        status: record.status,
        description: record.description.clone(),
        case_number: record.case_number.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CanonicalRecord, RecordKey};

    const AS_OF: &str = "2026-06-30";

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    fn stored(
        kind: RecordKind,
        status: Option<Status>,
        date_text: Option<&str>,
        end: Option<&str>,
    ) -> StoredRecord {
        StoredRecord {
            agency: "Test Agency".to_string(),
            current: true,
            record: CanonicalRecord {
                date: date_text.map(date),
                end_date: end.map(date),
                status,
                ..CanonicalRecord::new(
                    RecordKey {
                        source: "test".to_string(),
                        record_id: "T1".to_string(),
                        version: 1,
                    },
                    kind,
                )
            },
            party_entities: Vec::new(),
        }
    }

    fn check(
        kind: RecordKind,
        role: Role,
        status: Option<Status>,
        dates: (Option<&str>, Option<&str>),
        expected: Option<Category>,
    ) {
        let record = stored(kind, status, dates.0, dates.1);
        let found = categorize(&record, role, date(AS_OF), &SummaryRules::default());
        assert_eq!(
            found, expected,
            "{kind} as {role} with status {status:?} and dates {dates:?}"
        );
    }

    #[test]
    fn categorize_follows_the_summary_rules() {
        use Category as C;
        use RecordKind as K;
        use Role as R;
        use Status as S;
        let none = (None, None);
        check(
            K::Warrant,
            R::Subject,
            Some(S::Active),
            none,
            Some(C::Wanted),
        );
        check(K::Warrant, R::Subject, Some(S::Served), none, None);
        // Served after the as-of date: still wanted on it. Served before: not.
        check(
            K::Warrant,
            R::Subject,
            Some(S::Served),
            (Some("2026-01-01"), Some("2026-07-15")),
            Some(C::Wanted),
        );
        check(
            K::Warrant,
            R::Subject,
            Some(S::Served),
            (Some("2026-01-01"), Some("2026-05-01")),
            None,
        );
        check(
            K::CourtCase,
            R::Subject,
            Some(S::Closed),
            (Some("2026-01-01"), Some("2026-07-15")),
            Some(C::PendingCase),
        );
        check(
            K::Warrant,
            R::Subject,
            Some(S::Active),
            (Some("2026-07-01"), None),
            None,
        );
        check(K::Warrant, R::Victim, Some(S::Active), none, None);
        check(
            K::OfficerSafetyCaution,
            R::Subject,
            None,
            none,
            Some(C::OfficerSafetyCaution),
        );
        check(
            K::OfficerSafetyCaution,
            R::Subject,
            Some(S::Closed),
            none,
            None,
        );
        check(
            K::ProtectiveOrder,
            R::Restrained,
            Some(S::Active),
            (Some("2026-01-01"), Some("2026-12-31")),
            Some(C::ProtectiveOrder),
        );
        check(
            K::ProtectiveOrder,
            R::Restrained,
            Some(S::Active),
            (Some("2025-01-01"), Some("2026-06-29")),
            None,
        );
        check(
            K::ProtectiveOrder,
            R::Restrained,
            Some(S::Active),
            (Some("2025-01-01"), Some(AS_OF)),
            Some(C::ProtectiveOrder),
        );
        check(
            K::ProtectiveOrder,
            R::Protected,
            Some(S::Active),
            (None, None),
            None,
        );
        check(
            K::ParoleGrant,
            R::Subject,
            Some(S::Active),
            (Some("2025-02-01"), Some("2027-02-01")),
            Some(C::Supervision),
        );
        check(
            K::ParoleGrant,
            R::Subject,
            Some(S::Revoked),
            (Some("2025-02-01"), Some("2027-02-01")),
            None,
        );
        check(
            K::Probation,
            R::Subject,
            Some(S::Active),
            none,
            Some(C::Supervision),
        );
        check(
            K::PretrialSupervision,
            R::Subject,
            Some(S::Completed),
            none,
            None,
        );
        check(
            K::BailCondition,
            R::Subject,
            Some(S::Active),
            (Some("2026-03-01"), None),
            Some(C::BailCondition),
        );
        check(
            K::SexOffenderRegistration,
            R::Subject,
            Some(S::Active),
            (Some("2010-01-01"), None),
            Some(C::SexOffenderRegistration),
        );
        check(
            K::SexOffenderRegistration,
            R::Subject,
            Some(S::Expired),
            none,
            None,
        );
        check(
            K::CourtCase,
            R::Subject,
            Some(S::Pending),
            none,
            Some(C::PendingCase),
        );
        check(K::CourtCase, R::Subject, Some(S::Closed), none, None);
        check(
            K::Arrest,
            R::Subject,
            None,
            (Some("2025-06-30"), None),
            Some(C::RecentArrest),
        );
        check(
            K::Arrest,
            R::Subject,
            None,
            (Some("2025-06-29"), None),
            None,
        );
        check(
            K::Arrest,
            R::Subject,
            None,
            (Some("2026-07-01"), None),
            None,
        );
        check(
            K::Arrest,
            R::Associate,
            None,
            (Some("2026-06-01"), None),
            None,
        );
        check(
            K::Release,
            R::Subject,
            None,
            (Some("2023-07-01"), None),
            Some(C::Release),
        );
        check(
            K::Release,
            R::Subject,
            None,
            (Some("2023-06-30"), None),
            None,
        );
        check(
            K::Incident,
            R::Subject,
            None,
            (Some("2026-06-01"), None),
            None,
        );
        check(
            K::VehicleRegistration,
            R::Owner,
            Some(S::Active),
            none,
            None,
        );
    }
}
