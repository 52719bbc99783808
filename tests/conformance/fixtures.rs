//! The conformance scenario: a handful of fictional people across motor
//! vehicles, police, courts and supervision, built directly as canonical records.

use chrono::NaiveDate;
use ciss::graph::{Batch, IncomingRecord, QuarantineEntry, QuarantineStatus};
use ciss::model::{
    CanonicalRecord, Identifiers, Party, PersonFacts, RecordKey, RecordKind, Role, Status,
    VehicleFacts,
};
use ciss::normalize::{Address, Dob, NameStyle, PersonName, Plate, Vin, vin_check_digit};

/// The date every status summary is computed for.
pub(crate) fn as_of() -> NaiveDate {
    day("2026-06-01")
}

pub(crate) fn day(text: &str) -> NaiveDate {
    text.parse().expect("fixture date is valid")
}

/// A VIN with a valid check digit, built from a serial number.
pub(crate) fn vin(serial: u32) -> Vin {
    let mut chars: Vec<char> = format!("1FTRX1826{serial:08}").chars().collect();
    chars.truncate(17);
    chars[8] = vin_check_digit(&chars.iter().collect::<String>()).expect("vin stem is valid");
    Vin::parse(&chars.into_iter().collect::<String>()).expect("fixture vin is valid")
}

pub(crate) fn address(street: &str) -> Address {
    Address::from_parts(street, None, "Hartford", "CT", Some("06103")).expect("fixture address")
}

/// A person named `LAST, FIRST` with an optional date of birth.
pub(crate) fn person(name: &str, dob: Option<&str>) -> PersonFacts {
    PersonFacts {
        name: Some(PersonName::parse(name, NameStyle::LastFirst).expect("fixture name")),
        dob: dob.and_then(|d| Dob::new(day(d))),
        ..PersonFacts::default()
    }
}

pub(crate) fn with_ids(mut facts: PersonFacts, ids: Identifiers) -> PersonFacts {
    facts.ids = ids;
    facts
}

pub(crate) fn at(mut facts: PersonFacts, street: &str) -> PersonFacts {
    facts.address = Some(address(street));
    facts
}

pub(crate) fn party(role: Role, person: PersonFacts) -> Party {
    Party { role, person }
}

pub(crate) struct RecordSpec {
    pub(crate) source: &'static str,
    pub(crate) id: &'static str,
    pub(crate) version: u32,
    pub(crate) kind: RecordKind,
    pub(crate) date: Option<&'static str>,
    pub(crate) end: Option<&'static str>,
    pub(crate) status: Option<Status>,
    pub(crate) parties: Vec<Party>,
    pub(crate) vehicles: Vec<VehicleFacts>,
}

pub(crate) fn record(spec: RecordSpec) -> CanonicalRecord {
    CanonicalRecord {
        key: RecordKey {
            source: spec.source.into(),
            record_id: spec.id.into(),
            version: spec.version,
        },
        kind: spec.kind,
        date: spec.date.map(day),
        end_date: spec.end.map(day),
        status: spec.status,
        case_number: None,
        description: Some(format!("{} {}", spec.kind, spec.id)),
        town: Some("HARTFORD".into()),
        parties: spec.parties,
        vehicles: spec.vehicles,
        properties: Vec::new(),
    }
}

pub(crate) fn batch(source: &str, agency: &str, records: Vec<CanonicalRecord>) -> Batch {
    Batch {
        source: source.into(),
        agency: agency.into(),
        file: Some(format!("{source}.feed")),
        records: records
            .into_iter()
            .enumerate()
            .map(|(i, record)| {
                let raw = format!("{}|{}|{}", record.key.record_id, record.key.version, i);
                IncomingRecord::new(record, raw, Some(i as u64 + 2)).expect("record encodes")
            })
            .collect(),
        ..Batch::default()
    }
}

pub(crate) fn quarantined(source: &str, raw: &str, reason: &str) -> QuarantineEntry {
    QuarantineEntry {
        id: None,
        source: source.into(),
        file: Some(format!("{source}.feed")),
        line: Some(99),
        record_id: Some("BAD-1".into()),
        field: Some("VIN".into()),
        reason: reason.into(),
        raw: raw.into(),
        status: QuarantineStatus::Open,
    }
}

/// Margaret Holloway: owner of CT AB1234, arrested with Tomasz Przybylski, wanted.
pub(crate) fn margaret() -> PersonFacts {
    let ids = Identifiers {
        licence: Some("D1234567".into()),
        ..Identifiers::default()
    };
    at(
        with_ids(person("HOLLOWAY, MARGARET", Some("1971-03-04")), ids),
        "12 Elm Street",
    )
}

/// Margaret as the police record her: state id and FBI number, same licence.
pub(crate) fn margaret_police() -> PersonFacts {
    let ids = Identifiers {
        state_id: Some("CT0012345".into()),
        fbi: Some("FB77123".into()),
        licence: Some("D1234567".into()),
        ..Identifiers::default()
    };
    with_ids(person("HOLLOWAY, MARGARET A", Some("1971-03-04")), ids)
}

/// Tomasz Przybylski: co-arrestee, on probation, restrained by a protective order.
pub(crate) fn tomasz() -> PersonFacts {
    let ids = Identifiers {
        inmate: Some("INM40404".into()),
        ..Identifiers::default()
    };
    with_ids(person("PRZYBYLSKI, TOMASZ", Some("1988-11-30")), ids)
}

/// Alma Quintero: protected by the order against Tomasz.
pub(crate) fn alma() -> PersonFacts {
    person("QUINTERO, ALMA", Some("1990-07-08"))
}

/// Erika Voss: owns a plate-only vehicle and lives at Margaret's address.
pub(crate) fn erika() -> PersonFacts {
    let ids = Identifiers {
        sor_id: Some("SOR5150".into()),
        ..Identifiers::default()
    };
    at(
        with_ids(person("VOSS-LINDQVIST, ERIKA", Some("1965-01-02")), ids),
        "12 Elm St",
    )
}

pub(crate) fn plate(state: &str, number: &str) -> Plate {
    Plate::parse(state, number).expect("fixture plate")
}

pub(crate) fn registration(
    id: &'static str,
    version: u32,
    end: &'static str,
    owner: PersonFacts,
    vehicle: VehicleFacts,
) -> CanonicalRecord {
    record(RecordSpec {
        source: "dmv",
        id,
        version,
        kind: RecordKind::VehicleRegistration,
        date: Some("2026-01-15"),
        end: Some(end),
        status: Some(Status::Active),
        parties: vec![party(Role::Owner, owner)],
        vehicles: vec![vehicle],
    })
}

pub(crate) fn margaret_car() -> VehicleFacts {
    VehicleFacts {
        plate: Some(plate("CT", "AB1234")),
        vin: Some(vin(1)),
        make: Some("TOYOTA".into()),
        model: Some("CAMRY".into()),
        year: Some(2019),
        colour: Some("BLUE".into()),
    }
}

pub(crate) fn erika_car() -> VehicleFacts {
    VehicleFacts {
        plate: Some(plate("CT", "VV6")),
        make: Some("SUBARU".into()),
        ..VehicleFacts::default()
    }
}

/// The motor-vehicle batch: two registrations and one rejected record.
pub(crate) fn dmv_batch() -> Batch {
    let mut batch = batch(
        "dmv",
        "Test Motor Vehicles",
        vec![
            registration("REG-100", 1, "2027-01-15", margaret(), margaret_car()),
            registration("REG-200", 1, "2027-03-01", erika(), erika_car()),
        ],
    );
    batch
        .quarantined
        .push(quarantined("dmv", "REG-300,1,BADVIN", "VIN: invalid vin"));
    batch
}

/// The police and court batch: an arrest, a warrant, a protective order and probation.
pub(crate) fn justice_batch() -> Batch {
    let arrest = record(RecordSpec {
        source: "police",
        id: "ARR-1",
        version: 1,
        kind: RecordKind::Arrest,
        date: Some("2026-04-20"),
        end: None,
        status: Some(Status::Closed),
        parties: vec![
            party(Role::Subject, margaret_police()),
            party(Role::Associate, tomasz()),
        ],
        vehicles: vec![margaret_car()],
    });
    let warrant = record(RecordSpec {
        source: "police",
        id: "WAR-1",
        version: 1,
        kind: RecordKind::Warrant,
        date: Some("2026-05-02"),
        end: None,
        status: Some(Status::Active),
        parties: vec![party(Role::Subject, margaret_police())],
        vehicles: Vec::new(),
    });
    let order = record(RecordSpec {
        source: "police",
        id: "PO-1",
        version: 1,
        kind: RecordKind::ProtectiveOrder,
        date: Some("2026-02-10"),
        end: Some("2027-02-10"),
        status: Some(Status::Active),
        parties: vec![
            party(Role::Restrained, tomasz()),
            party(Role::Protected, alma()),
        ],
        vehicles: Vec::new(),
    });
    let probation = record(RecordSpec {
        source: "police",
        id: "PRB-1",
        version: 1,
        kind: RecordKind::Probation,
        date: None,
        end: Some("2027-12-31"),
        status: Some(Status::Active),
        parties: vec![party(Role::Subject, tomasz())],
        vehicles: Vec::new(),
    });
    batch(
        "police",
        "Test Police",
        vec![arrest, warrant, order, probation],
    )
}

/// Version 2 of Margaret's registration: renewed to a later expiry.
pub(crate) fn renewal_batch() -> Batch {
    batch(
        "dmv",
        "Test Motor Vehicles",
        vec![registration(
            "REG-100",
            2,
            "2028-01-15",
            margaret(),
            margaret_car(),
        )],
    )
}
