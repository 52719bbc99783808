//! GraphQL object types, converted from the search layer's structs.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::NaiveDate;

use crate::normalize::IdKind;
use crate::search::{
    self, AddressSeen, Category, PersonProfile, RecordRef, StatusItem, VehicleReport,
};

/// A category of the status summary.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum StatusCategory {
    /// An active warrant names the person.
    Wanted,
    /// A caution that the person has been violent toward police.
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

impl From<Category> for StatusCategory {
    fn from(category: Category) -> StatusCategory {
        match category {
            Category::Wanted => StatusCategory::Wanted,
            Category::OfficerSafetyCaution => StatusCategory::OfficerSafetyCaution,
            Category::ProtectiveOrder => StatusCategory::ProtectiveOrder,
            Category::Supervision => StatusCategory::Supervision,
            Category::BailCondition => StatusCategory::BailCondition,
            Category::SexOffenderRegistration => StatusCategory::SexOffenderRegistration,
            Category::PendingCase => StatusCategory::PendingCase,
            Category::RecentArrest => StatusCategory::RecentArrest,
            Category::Release => StatusCategory::Release,
        }
    }
}

/// Kinds of person identifier.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum IdentifierKind {
    /// State identification number.
    StateId,
    /// FBI number.
    Fbi,
    /// Driver licence number.
    Licence,
    /// Inmate number.
    Inmate,
    /// Sex-offender registry number.
    SorId,
}

impl From<IdentifierKind> for IdKind {
    fn from(kind: IdentifierKind) -> IdKind {
        match kind {
            IdentifierKind::StateId => IdKind::StateId,
            IdentifierKind::Fbi => IdKind::Fbi,
            IdentifierKind::Licence => IdKind::Licence,
            IdentifierKind::Inmate => IdKind::Inmate,
            IdentifierKind::SorId => IdKind::SorId,
        }
    }
}

impl From<IdKind> for IdentifierKind {
    fn from(kind: IdKind) -> IdentifierKind {
        match kind {
            IdKind::StateId => IdentifierKind::StateId,
            IdKind::Fbi => IdentifierKind::Fbi,
            IdKind::Licence => IdentifierKind::Licence,
            IdKind::Inmate => IdentifierKind::Inmate,
            IdKind::SorId => IdentifierKind::SorId,
        }
    }
}

/// The record a fact comes from, so it can be verified with the agency.
#[derive(SimpleObject, Debug, Clone)]
pub struct Source {
    /// Source name, such as `judicial`.
    pub source: String,
    /// Agency that sent the record.
    pub agency: String,
    /// Record id in the agency's system.
    pub record_id: String,
    /// Record version.
    pub version: u32,
    /// Event or effective date.
    pub date: Option<NaiveDate>,
    /// Expiry or end date.
    pub end_date: Option<NaiveDate>,
    /// Record status, such as `active` or `pending`.
    pub status: Option<String>,
}

impl From<RecordRef> for Source {
    fn from(r: RecordRef) -> Source {
        Source {
            source: r.source,
            agency: r.agency,
            record_id: r.record_id,
            version: r.version,
            date: r.date,
            end_date: r.end_date,
            status: r.status.map(|s| s.as_str().to_string()),
        }
    }
}

/// One item of a person's status summary.
#[derive(SimpleObject, Debug, Clone)]
pub struct StatusEntry {
    /// Summary category.
    pub category: StatusCategory,
    /// Kind of the record behind the item, such as `warrant`.
    pub kind: String,
    /// Source name.
    pub source: String,
    /// Agency that sent the record.
    pub agency: String,
    /// Record id in the agency's system.
    pub record_id: String,
    /// Record version.
    pub version: u32,
    /// Event or effective date.
    pub date: Option<NaiveDate>,
    /// Expiry or end date.
    pub end_date: Option<NaiveDate>,
    /// Record status.
    pub status: Option<String>,
    /// Charge, conditions or other description.
    pub description: Option<String>,
    /// Docket or case number.
    pub case_number: Option<String>,
}

impl From<StatusItem> for StatusEntry {
    fn from(item: StatusItem) -> StatusEntry {
        StatusEntry {
            category: item.category.into(),
            kind: item.kind.as_str().to_string(),
            source: item.source,
            agency: item.agency,
            record_id: item.record_id,
            version: item.version,
            date: item.date,
            end_date: item.end_date,
            status: item.status.map(|s| s.as_str().to_string()),
            description: item.description,
            case_number: item.case_number,
        }
    }
}

/// A person's status summary.
#[derive(SimpleObject, Debug, Clone)]
pub struct StatusSummary {
    /// Categories with at least one item, in display order.
    pub categories: Vec<StatusCategory>,
    /// Whether an active warrant names the person.
    pub wanted: bool,
    /// Every item, by category and newest first.
    pub items: Vec<StatusEntry>,
}

/// A person's name in canonical form.
#[derive(SimpleObject, Debug, Clone)]
pub struct Name {
    /// Given name.
    pub given: String,
    /// Middle name or initial.
    pub middle: Option<String>,
    /// Surname.
    pub surname: String,
    /// Generational suffix.
    pub suffix: Option<String>,
    /// `SURNAME, GIVEN MIDDLE SUFFIX`.
    pub display: String,
}

/// A person identifier.
#[derive(SimpleObject, Debug, Clone)]
pub struct Identifier {
    /// Identifier kind.
    pub kind: IdentifierKind,
    /// Value, upper case without punctuation.
    pub value: String,
}

/// An address with the newest record naming the person at it.
#[derive(SimpleObject, Debug, Clone)]
pub struct KnownAddress {
    /// The address on one line.
    pub line: String,
    /// Street with USPS abbreviations.
    pub street: String,
    /// Unit.
    pub unit: Option<String>,
    /// City or town.
    pub city: String,
    /// State.
    pub state: String,
    /// ZIP code.
    pub zip: Option<String>,
    /// The newest record naming the person at this address.
    pub seen_in: Source,
}

impl From<AddressSeen> for KnownAddress {
    fn from(seen: AddressSeen) -> KnownAddress {
        let address = seen.address;
        KnownAddress {
            line: address.display(),
            street: address.street,
            unit: address.unit,
            city: address.city,
            state: address.state,
            zip: address.zip,
            seen_in: seen.seen_in.into(),
        }
    }
}

/// A person resolved across agencies.
#[derive(SimpleObject, Debug, Clone)]
pub struct Person {
    /// Entity id.
    pub id: ID,
    /// The name most of the person's records use.
    pub name: Option<Name>,
    /// Other spellings of the name in the person's records.
    pub aliases: Vec<String>,
    /// Date of birth most records agree on.
    pub dob: Option<NaiveDate>,
    /// Recorded sex, when the records agree.
    pub sex: Option<String>,
    /// Identifiers across the person's records.
    pub identifiers: Vec<Identifier>,
    /// Addresses, newest first.
    pub addresses: Vec<KnownAddress>,
    /// Status summary.
    pub status: StatusSummary,
    /// Current records naming the person.
    pub record_count: usize,
}

impl From<PersonProfile> for Person {
    fn from(profile: PersonProfile) -> Person {
        let categories = dedup_categories(&profile.status);
        Person {
            id: ID(profile.id.to_string()),
            name: profile.name.map(|n| Name {
                display: n.display(),
                given: n.given,
                middle: n.middle,
                surname: n.surname,
                suffix: n.suffix,
            }),
            aliases: profile.aliases,
            dob: profile.dob,
            sex: profile.sex.map(|s| s.as_str().to_string()),
            identifiers: profile
                .identifiers
                .into_iter()
                .map(|(kind, value)| Identifier {
                    kind: kind.into(),
                    value,
                })
                .collect(),
            addresses: profile.addresses.into_iter().map(Into::into).collect(),
            status: StatusSummary {
                wanted: categories.contains(&StatusCategory::Wanted),
                categories,
                items: profile.status.into_iter().map(Into::into).collect(),
            },
            record_count: profile.record_count,
        }
    }
}

fn dedup_categories(items: &[search::StatusItem]) -> Vec<StatusCategory> {
    let mut categories: Vec<Category> = items.iter().map(|i| i.category).collect();
    categories.dedup();
    categories.into_iter().map(Into::into).collect()
}

/// A licence plate.
#[derive(SimpleObject, Debug, Clone)]
pub struct PlateNumber {
    /// Issuing state.
    pub state: String,
    /// Plate number without spaces or dashes.
    pub number: String,
}

/// A vehicle found by plate, with its registration and owners.
#[derive(SimpleObject, Debug, Clone)]
pub struct Vehicle {
    /// The plate.
    pub plate: PlateNumber,
    /// Vehicle identification number.
    pub vin: Option<String>,
    /// Manufacturer.
    pub make: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Model year.
    pub year: Option<u16>,
    /// Colour.
    pub colour: Option<String>,
    /// The newest current registration naming the plate.
    pub registration: Source,
    /// Whether that registration is active and unexpired on the as-of date.
    pub registration_current: bool,
    /// Registered owners with their status summaries.
    pub owners: Vec<Person>,
}

impl From<VehicleReport> for Vehicle {
    fn from(report: VehicleReport) -> Vehicle {
        Vehicle {
            plate: PlateNumber {
                state: report.plate.state,
                number: report.plate.number,
            },
            vin: report.vin,
            make: report.make,
            model: report.model,
            year: report.year,
            colour: report.colour,
            registration: report.registration.into(),
            registration_current: report.registration_current,
            owners: report.owners.into_iter().map(Into::into).collect(),
        }
    }
}
