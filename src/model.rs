//! The canonical model every source is mapped into: records with their parties,
//! vehicles and property, each keyed by `(source, record_id, version)`.
//!
//! Records are facts as an agency sent them. People, vehicles and addresses in
//! the graph are derived from records and never replace them, so every item a
//! user sees can be traced back to the record that states it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::normalize::{Address, Dob, PersonName, Phone, Plate, Vin};

/// Identity of one version of one source record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordKey {
    /// Configured source name, such as `dmv` or `judicial`.
    pub source: String,
    /// The record's id in the source system.
    pub record_id: String,
    /// Version number; a higher version supersedes a lower one.
    pub version: u32,
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Returns the snake_case name used in mappings, storage and the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// Parses the snake_case name.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Kind of fact a record states. Each source sends a subset of these kinds.
    RecordKind {
        /// Police: a custodial arrest.
        Arrest = "arrest",
        /// Police: an incident report.
        Incident = "incident",
        /// Police: a field interview or stop.
        FieldContact = "field_contact",
        /// Police: a caution that the person has been violent toward officers.
        OfficerSafetyCaution = "officer_safety_caution",
        /// Courts: a criminal case and its status.
        CourtCase = "court_case",
        /// Courts: a scheduled or held appearance.
        CourtAppearance = "court_appearance",
        /// Courts: the outcome of a charge.
        Disposition = "disposition",
        /// Courts: an arrest or bench warrant.
        Warrant = "warrant",
        /// Courts: a protective or restraining order.
        ProtectiveOrder = "protective_order",
        /// Courts: conditions of release on bail.
        BailCondition = "bail_condition",
        /// Correction: admission to a facility.
        Admission = "admission",
        /// Correction: a move between facilities.
        FacilityMove = "facility_move",
        /// Correction: release from custody.
        Release = "release",
        /// Motor vehicles: a vehicle registration with its owners.
        VehicleRegistration = "vehicle_registration",
        /// Motor vehicles: a driver licence.
        DriverLicence = "driver_licence",
        /// Court support services: probation supervision.
        Probation = "probation",
        /// Court support services: pretrial supervision.
        PretrialSupervision = "pretrial_supervision",
        /// Pardons and paroles: a grant of parole.
        ParoleGrant = "parole_grant",
        /// Pardons and paroles: a condition of parole.
        ParoleCondition = "parole_condition",
        /// Pardons and paroles: revocation of parole.
        ParoleRevocation = "parole_revocation",
        /// Registry: a sex-offender registration.
        SexOffenderRegistration = "sex_offender_registration",
        /// Registry: an address reported by a registrant.
        RegistryAddress = "registry_address",
        /// Registry: a compliance check.
        RegistryCompliance = "registry_compliance",
    }
}

string_enum! {
    /// Lifecycle state of a record, mapped from each source's own codes.
    Status {
        /// In force: a warrant not yet served, an order or supervision running.
        Active = "active",
        /// Open and awaiting an outcome, such as a court case before disposition.
        Pending = "pending",
        /// Closed normally.
        Closed = "closed",
        /// A warrant that was executed.
        Served = "served",
        /// A warrant or order withdrawn by the court.
        Recalled = "recalled",
        /// Past its end date.
        Expired = "expired",
        /// Ended by revocation.
        Revoked = "revoked",
        /// Supervision or a sentence completed.
        Completed = "completed",
        /// A registry compliance check passed.
        Compliant = "compliant",
        /// A registry compliance check failed.
        NonCompliant = "non_compliant",
    }
}

string_enum! {
    /// The part a person plays in a record.
    Role {
        /// The person the record is about: the arrestee, defendant, inmate, licensee.
        Subject = "subject",
        /// A registered owner of a vehicle.
        Owner = "owner",
        /// The party restrained by a protective order.
        Restrained = "restrained",
        /// The party a protective order protects.
        Protected = "protected",
        /// A victim named in a police or court record.
        Victim = "victim",
        /// A witness named in a police record.
        Witness = "witness",
        /// Someone named with the subject, such as a co-arrestee or passenger.
        Associate = "associate",
    }
}

string_enum! {
    /// Sex as recorded by the source.
    Sex {
        /// Male.
        Male = "male",
        /// Female.
        Female = "female",
        /// Unknown or not recorded.
        Unknown = "unknown",
    }
}

/// Identifiers a source may carry for a person, each already normalized.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifiers {
    /// State identification number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_id: Option<String>,
    /// FBI number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbi: Option<String>,
    /// Driver licence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// Inmate number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inmate: Option<String>,
    /// Sex-offender registry number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sor_id: Option<String>,
}

impl Identifiers {
    /// Returns whether no identifier is known.
    pub fn is_empty(&self) -> bool {
        *self == Identifiers::default()
    }
}

/// Facts one record gives about one person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFacts {
    /// Name, if the source sent a usable one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// Date of birth, unless missing or a placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<Dob>,
    /// Recorded sex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Identifiers.
    #[serde(default, skip_serializing_if = "Identifiers::is_empty")]
    pub ids: Identifiers,
    /// Residence address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

/// A person named in a record, with the part they play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Part played in the record.
    pub role: Role,
    /// Facts the record gives about the person.
    pub person: PersonFacts,
}

/// A vehicle named in a record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleFacts {
    /// Licence plate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<Plate>,
    /// Vehicle identification number with a valid check digit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<Vin>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Model year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

/// An item of property named in a record, such as a firearm or a stolen laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyFacts {
    /// Manufacturer's serial number, upper case.
    pub serial: String,
    /// Kind of property, such as `firearm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One version of one source record in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalRecord {
    /// Identity of this version.
    pub key: RecordKey,
    /// Kind of record.
    pub kind: RecordKind,
    /// When the event happened or the record took effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// When the record stops being in force: expiry, end of supervision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// Lifecycle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Court docket or agency case number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    /// Charge, conditions, facility or other short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Town where the event happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    /// People named in the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Vehicles named in the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vehicles: Vec<VehicleFacts>,
    /// Property named in the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<PropertyFacts>,
}

impl CanonicalRecord {
    /// Creates a record of `kind` with no dates, status, text or parts.
    pub fn new(key: RecordKey, kind: RecordKind) -> CanonicalRecord {
        CanonicalRecord {
            key,
            kind,
            date: None,
            end_date: None,
            status: None,
            case_number: None,
            description: None,
            town: None,
            parties: Vec::new(),
            vehicles: Vec::new(),
            properties: Vec::new(),
        }
    }
}
