//! The scripted featured people at the start of chunk 0, used by the demo and
//! the end-to-end test, and the `featured.json` entries that describe them.
//!
//! The first is wanted, on parole, restrained by an active protective order,
//! recently arrested, recently released, has a pending case, bail conditions
//! and an officer-safety caution, and owns a currently registered vehicle.
//! The second is a registered sex offender on probation; the third only owns
//! a vehicle. Every record about them carries the identifiers its source can
//! send, while their names, dates of birth and addresses vary by source.

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::history::{Chunk, FEATURED, RegistrationState};
use super::names::{self, Origin};
use super::places::Residence;
use super::records::{Event, Source};
use crate::model::{RecordKind, Role, Sex, Status};

/// One featured person as written to `featured.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturedPerson {
    /// Person id as used in `truth.csv`.
    pub person_id: String,
    /// Plate of a vehicle the person owns under a current registration.
    pub plate: FeaturedPlate,
    /// VIN of that vehicle.
    pub vin: String,
    /// True name as `SURNAME, GIVEN MIDDLE SUFFIX`.
    pub display_name: String,
    /// Status-summary categories the person has as of the run's date, sorted.
    pub categories: Vec<String>,
}

/// A plate in `featured.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturedPlate {
    /// Issuing state.
    pub state: String,
    /// Plate number without separators.
    pub number: String,
}

/// Index of the person the first featured person's protective order protects.
const PROTECTED: usize = FEATURED;

/// Marks the featured people, sets their names and writes their histories.
/// Returns the vehicle each featured person is shown with.
pub(crate) fn script(chunk: &mut Chunk<'_>) -> Vec<usize> {
    for at in 0..FEATURED {
        chunk.people[at].featured = Some(at);
        let index = chunk.people[at].index;
        chunk.people[at].licence = Some(chunk.ids.licence(index));
    }
    vec![
        wanted_parolee(chunk, 0),
        registrant(chunk, 1),
        owner(chunk, 2),
    ]
}

/// Emits a current licence and a current registration and returns the vehicle's index.
fn licensed_owner(chunk: &mut Chunk<'_>, p: usize) -> usize {
    let issued = chunk.ago(500);
    let id = chunk.record_id(Source::Dmv, issued);
    let licence = Event::new(
        Source::Dmv,
        id,
        RecordKind::DriverLicence,
        issued,
        Role::Subject,
        p,
    )
    .status(Status::Active)
    .end(Some(issued + Months::new(72)))
    .describe("CLASS D");
    chunk.emit(vec![licence]);
    chunk.registration(p, None, RegistrationState::Current)
}

/// Sets a name whose given part has nicknames and a birth date whose day and
/// month can be swapped.
fn rename(
    chunk: &mut Chunk<'_>,
    p: usize,
    given: &'static [&'static str],
    surname: String,
    age: i32,
) {
    let rng = &mut chunk.rng;
    let month = rng.gen_range(1..=12);
    let day = loop {
        let day = rng.gen_range(1..=12);
        if day != month {
            break day;
        }
    };
    let year = chunk.as_of.year() - age;
    let person = &mut chunk.people[p];
    person.given = given[rng.gen_range(0..given.len())];
    person.middle = Some(["Edward", "Lee", "Alan", "Jose", "Francis"][rng.gen_range(0..5)]);
    person.surname = surname;
    person.sex = Sex::Male;
    person.dob = NaiveDate::from_ymd_opt(year, month, day).unwrap_or(person.dob);
}

fn wanted_parolee(chunk: &mut Chunk<'_>, p: usize) -> usize {
    let first = names::surname_of(Origin::Hispanic, &mut chunk.rng);
    let second = loop {
        let second = names::surname_of(Origin::Hispanic, &mut chunk.rng);
        if second != first {
            break second;
        }
    };
    rename(
        chunk,
        p,
        &["Robert", "William", "Richard", "Joseph", "Anthony"],
        format!("{first}-{second}"),
        34,
    );
    chunk.people[p].suffix = Some("JR");
    let moved = chunk.ago(400);
    let old_home = Residence::random(&mut chunk.rng);
    chunk.people[p].prior = Some((old_home, moved));
    chunk.fingerprint(p, true);
    let vehicle = licensed_owner(chunk, p);
    past_robbery(chunk, p);
    recent_assault(chunk, p);
    let contact = chunk.ago(200);
    chunk.field_contact(p, contact);
    vehicle
}

/// Robbery six years ago: conviction, prison, release two years ago, parole.
fn past_robbery(chunk: &mut Chunk<'_>, p: usize) {
    let arrested = chunk.ago(6 * 365);
    let town = chunk.people[p].home_on(arrested).town;
    let charge = "53a-134 ROBBERY 1ST DEG";
    chunk.arrest(p, arrested, charge, town);
    let filed = arrested + Days::new(2);
    let docket = chunk.docket(town, filed);
    let court = town.county.court_town();
    let decided = filed + Days::new(150);
    let pending = chunk
        .court(p, RecordKind::CourtCase, filed, &docket, court)
        .status(Status::Pending)
        .describe(charge);
    let closed = pending
        .next_version()
        .status(Status::Closed)
        .end(Some(decided));
    chunk.emit(vec![pending, closed]);
    chunk.appearances(p, filed, decided, &docket, court);
    let disposition = chunk
        .court(p, RecordKind::Disposition, decided, &docket, court)
        .status(Status::Closed)
        .describe(format!("GUILTY - {charge}"));
    chunk.emit(vec![disposition]);
    let release = chunk.ago(700);
    let days = (release - decided).num_days() as u64;
    chunk.incarcerate(p, decided, days);
    let parole_end = chunk.as_of + Days::new(400);
    chunk.parole(p, release, Some(parole_end));
}

/// Assault four months ago: arrest, incident, pending case, bail, protective
/// order, a warrant for failing to appear, and a caution.
fn recent_assault(chunk: &mut Chunk<'_>, p: usize) {
    let arrested = chunk.ago(120);
    let town = chunk.people[p].home_on(arrested).town;
    let charge = "53a-61 ASSAULT 3RD DEG";
    chunk.arrest(p, arrested, charge, town);
    chunk.incident(p, PROTECTED, arrested, charge, town);
    chunk.caution_with(p, arrested, Status::Active);
    let filed = arrested + Days::new(1);
    let docket = chunk.docket(town, filed);
    let court = town.county.court_town();
    let case = chunk
        .court(p, RecordKind::CourtCase, filed, &docket, court)
        .status(Status::Pending)
        .describe(charge);
    chunk.emit(vec![case]);
    chunk.appearances(p, filed, chunk.ago(60), &docket, court);
    chunk.bail(p, filed, &docket, court, None);
    chunk.protective_order(p, PROTECTED, filed, &docket, court, true);
    let issued = chunk.ago(30);
    chunk.warrant(p, issued, &docket, court, Status::Active);
}

fn registrant(chunk: &mut Chunk<'_>, p: usize) -> usize {
    let (surname, _) = names::surname(&mut chunk.rng);
    rename(
        chunk,
        p,
        &["Thomas", "Michael", "James", "Daniel"],
        surname,
        47,
    );
    chunk.people[p].suffix = Some("SR");
    chunk.fingerprint(p, true);
    let vehicle = licensed_owner(chunk, p);
    let arrested = chunk.ago(3 * 365);
    let town = chunk.people[p].home_on(arrested).town;
    let charge = "53a-73a SEXUAL ASSAULT 4TH DEG";
    chunk.arrest(p, arrested, charge, town);
    let filed = arrested + Days::new(3);
    let docket = chunk.docket(town, filed);
    let court = town.county.court_town();
    let decided = filed + Days::new(200);
    let case = chunk
        .court(p, RecordKind::CourtCase, filed, &docket, court)
        .status(Status::Closed)
        .end(Some(decided))
        .describe(charge);
    chunk.emit(vec![case]);
    let disposition = chunk
        .court(p, RecordKind::Disposition, decided, &docket, court)
        .status(Status::Closed)
        .describe(format!("GUILTY - {charge}"));
    chunk.emit(vec![disposition]);
    let end = decided + Months::new(60);
    chunk.supervision(p, RecordKind::Probation, decided, Some(end), &docket);
    chunk.registry(p, decided, charge);
    vehicle
}

fn owner(chunk: &mut Chunk<'_>, p: usize) -> usize {
    let (surname, _) = names::surname(&mut chunk.rng);
    rename(
        chunk,
        p,
        &["Elizabeth", "Margaret", "Katherine"],
        surname,
        52,
    );
    chunk.people[p].sex = Sex::Female;
    chunk.people[p].middle = Some("Anne");
    licensed_owner(chunk, p)
}

/// Builds the `featured.json` entry for featured person `p`.
pub(crate) fn entry(
    chunk: &Chunk<'_>,
    p: usize,
    vehicle: usize,
    categories: Vec<String>,
) -> FeaturedPerson {
    let person = &chunk.people[p];
    let vehicle = &chunk.vehicles[vehicle];
    let mut display = format!("{}, {}", person.surname, person.given);
    for part in [person.middle, person.suffix].into_iter().flatten() {
        display.push(' ');
        display.push_str(part);
    }
    FeaturedPerson {
        person_id: person.person_id(),
        plate: FeaturedPlate {
            state: "CT".to_string(),
            number: vehicle.plate.clone(),
        },
        vin: vehicle.vin.clone(),
        display_name: display.to_uppercase(),
        categories,
    }
}
