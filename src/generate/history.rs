//! Life histories of one chunk of people: licences and registrations for most,
//! and for a minority an arrest-to-release chain of police, court, correction,
//! supervision, parole and registry records whose dates and statuses hang
//! together.

use chrono::{Days, Months, NaiveDate};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::ids::{IdFormats, RECORDS_PER_CHUNK};
use super::places::Town;
use super::population::{Person, Populator};
use super::records::{Event, Source};
use super::vehicles::Vehicle;
use crate::model::{RecordKind, Role, Sex, Status};

/// People per chunk. Chunks are the unit of parallel work and of determinism.
pub(crate) const CHUNK_PEOPLE: usize = 4096;

/// Number of scripted featured people at the start of chunk 0.
pub(crate) const FEATURED: usize = 3;

/// A sequence of numbers reserved for one chunk.
#[derive(Debug, Clone)]
struct Counter {
    base: u64,
    next: u64,
    cap: u64,
}

impl Counter {
    fn new(chunk: u64, cap: u64) -> Counter {
        Counter {
            base: chunk * cap,
            next: 0,
            cap,
        }
    }

    fn take(&mut self) -> u64 {
        assert!(self.next < self.cap, "a chunk ran out of reserved numbers");
        self.next += 1;
        self.base + self.next - 1
    }
}

/// A charge with what follows from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offense {
    /// Statute and description as courts print them.
    pub text: &'static str,
    weight: u32,
    /// Can be a family-violence charge that brings a protective order.
    pub domestic: bool,
    /// A sexual offense that brings registration.
    pub sexual: bool,
    /// Only serious offenders are charged with it.
    pub serious: bool,
}

macro_rules! offense {
    ($text:literal, $weight:literal, $domestic:literal, $sexual:literal, $serious:literal) => {
        Offense {
            text: $text,
            weight: $weight,
            domestic: $domestic,
            sexual: $sexual,
            serious: $serious,
        }
    };
}

#[rustfmt::skip]
const OFFENSES: &[Offense] = &[
    offense!("53a-181 BREACH OF PEACE 2ND DEG", 14, true, false, false),
    offense!("53a-182 DISORDERLY CONDUCT", 12, true, false, false),
    offense!("53a-61 ASSAULT 3RD DEG", 10, true, false, false),
    offense!("53a-62 THREATENING 2ND DEG", 6, true, false, false),
    offense!("53a-125b LARCENY 6TH DEG", 10, false, false, false),
    offense!("21a-279 POSSESSION OF CONTROLLED SUBSTANCE", 9, false, false, false),
    offense!("14-227a OPERATING UNDER THE INFLUENCE", 9, false, false, false),
    offense!("14-215 OPERATING UNDER SUSPENSION", 6, false, false, false),
    offense!("53a-167a INTERFERING WITH AN OFFICER", 6, false, false, false),
    offense!("53a-223 CRIMINAL VIOLATION OF PROTECTIVE ORDER", 3, true, false, false),
    offense!("53a-123 LARCENY 2ND DEG", 3, false, false, true),
    offense!("21a-277 SALE OF NARCOTICS", 4, false, false, true),
    offense!("53a-103 BURGLARY 3RD DEG", 4, false, false, true),
    offense!("53a-134 ROBBERY 1ST DEG", 2, false, false, true),
    offense!("53a-60 ASSAULT 2ND DEG", 3, true, false, true),
    offense!("29-35 CARRYING PISTOL WITHOUT PERMIT", 3, false, false, true),
    offense!("53a-73a SEXUAL ASSAULT 4TH DEG", 1, false, true, true),
    offense!("53a-71 SEXUAL ASSAULT 2ND DEG", 1, false, true, true),
];

const MEN_FACILITIES: &[(&str, &str)] = &[
    ("Hartford CC", "Hartford"),
    ("New Haven CC", "New Haven"),
    ("Bridgeport CC", "Bridgeport"),
    ("Corrigan-Radgowski CC", "Montville"),
    ("MacDougall-Walker CI", "Suffield"),
    ("Osborn CI", "Somers"),
    ("Cheshire CI", "Cheshire"),
    ("Robinson CI", "Enfield"),
    ("Willard-Cybulski CI", "Enfield"),
    ("Garner CI", "Newtown"),
    ("Brooklyn CI", "Brooklyn"),
];

const WOMEN_FACILITY: (&str, &str) = ("York CI", "East Lyme");

const FIELD_REASONS: &[&str] = &[
    "TRAFFIC STOP",
    "SUSPICIOUS PERSON",
    "PARK AND WALK",
    "LOITERING COMPLAINT",
    "SUSPICIOUS VEHICLE",
];
const CAUTIONS: &[&str] = &[
    "ASSAULTED OFFICER DURING ARREST",
    "KNOWN TO CARRY EDGED WEAPON",
    "HISTORY OF FLIGHT FROM POLICE",
    "THREATENED OFFICERS",
    "FIREARM RECOVERED AT ARREST",
];
const BAIL_TERMS: &[&str] = &[
    "NO CONTACT WITH VICTIM",
    "SURRENDER FIREARMS",
    "ELECTRONIC MONITORING",
    "CURFEW 9PM-6AM",
    "SUBSTANCE ABUSE EVALUATION",
];
const SUPERVISION_TERMS: &[&str] = &[
    "REPORT AS DIRECTED",
    "SUBSTANCE ABUSE TREATMENT",
    "ANGER MANAGEMENT",
    "COMMUNITY SERVICE 100 HRS",
    "NO CONTACT WITH VICTIM",
];
const PAROLE_TERMS: &[&str] = &[
    "NO ALCOHOL",
    "CURFEW 10PM",
    "MAINTAIN EMPLOYMENT",
    "NO CONTACT WITH CO-DEFENDANTS",
    "GPS MONITORING",
];
const ORDERS: &[&str] = &[
    "FAMILY VIOLENCE PROTECTIVE ORDER - NO CONTACT",
    "CRIMINAL PROTECTIVE ORDER - STAY AWAY",
    "STANDING CRIMINAL PROTECTIVE ORDER",
];

/// The people, vehicles and records of one chunk.
pub(crate) struct Chunk<'a> {
    /// Chunk number.
    pub index: u64,
    /// Date every status is judged at. No event is dated later.
    pub as_of: NaiveDate,
    /// Seeded identifier formats.
    pub ids: &'a IdFormats,
    /// The chunk's random stream.
    pub rng: ChaCha8Rng,
    /// People, in global-number order.
    pub people: Vec<Person>,
    /// Vehicles registered by the chunk's people.
    pub vehicles: Vec<Vehicle>,
    /// Vehicles each person owns, by index into `vehicles`.
    pub owned: Vec<Vec<usize>>,
    /// Records, in writing order.
    pub events: Vec<Event>,
    /// The vehicle each featured person is shown with (chunk 0 only).
    pub featured_vehicles: Vec<usize>,
    records: Vec<Counter>,
    dockets: Counter,
    vehicle_numbers: Counter,
    inmates: Counter,
    registrants: Counter,
}

impl<'a> Chunk<'a> {
    /// Builds the people of chunk `index` and their whole history.
    pub(crate) fn build(
        index: u64,
        count: usize,
        seed: u64,
        as_of: NaiveDate,
        ids: &'a IdFormats,
    ) -> Chunk<'a> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        let start = index * CHUNK_PEOPLE as u64;
        let leading = if index == 0 { FEATURED + 1 } else { 0 };
        let people = Populator::new(&mut rng, ids, as_of, start).fill(count, leading);
        let mut chunk = Chunk {
            index,
            as_of,
            ids,
            rng,
            owned: vec![Vec::new(); people.len()],
            people,
            vehicles: Vec::new(),
            events: Vec::new(),
            featured_vehicles: Vec::new(),
            records: (0..Source::ALL.len())
                .map(|_| Counter::new(index, RECORDS_PER_CHUNK))
                .collect(),
            dockets: Counter::new(index, 40_000),
            vehicle_numbers: Counter::new(index, 4 * CHUNK_PEOPLE as u64),
            inmates: Counter::new(index, 1_024),
            registrants: Counter::new(index, 256),
        };
        chunk.histories();
        chunk
    }

    fn histories(&mut self) {
        let first = if self.index == 0 {
            self.featured_vehicles = super::featured::script(self);
            FEATURED
        } else {
            0
        };
        for p in first..self.people.len() {
            self.motor_vehicle_history(p);
            self.justice_history(p);
        }
    }

    /// Numbers the versions of one record, marks the last one the latest and
    /// appends them to the chunk's records.
    pub(crate) fn emit(&mut self, mut versions: Vec<Event>) {
        let last = versions.len().saturating_sub(1);
        for (i, event) in versions.iter_mut().enumerate() {
            event.version = i as u32 + 1;
            event.latest = i == last;
        }
        self.events.extend(versions);
    }

    /// Returns a new record id in `source`'s own format.
    pub(crate) fn record_id(&mut self, source: Source, date: NaiveDate) -> String {
        let n = self.records[source.index()].take();
        match source {
            Source::Rms => format!("{}-{n:09}", date.format("%y")),
            Source::Judicial => format!("J{n:09}"),
            Source::Correction => format!("{n:010}"),
            Source::Dmv => format!("T{n:010}"),
            Source::Cssd => format!("CS-{n:09}"),
            Source::Parole => format!("BP{n:09}"),
            Source::Sor => format!("E{n:09}"),
        }
    }

    /// Returns a new docket number at the court for `town`, such as `HHD-CR24-0012345-S`.
    pub(crate) fn docket(&mut self, town: &Town, date: NaiveDate) -> String {
        let n = self.dockets.take();
        format!(
            "{}-CR{}-{n:07}-S",
            town.county.court_code(),
            date.format("%y")
        )
    }

    /// Picks a day uniformly in `from..=to`, never after the as-of date.
    pub(crate) fn between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let to = to.min(self.as_of);
        if from >= to {
            return to;
        }
        let span = (to - from).num_days() as u64;
        from + Days::new(self.rng.gen_range(0..=span))
    }

    /// Returns `date` plus a random number of days in `days`, capped at the as-of date.
    pub(crate) fn later(&mut self, date: NaiveDate, days: std::ops::Range<u64>) -> NaiveDate {
        (date + Days::new(self.rng.gen_range(days))).min(self.as_of)
    }

    /// Returns the date `days` before the as-of date.
    pub(crate) fn ago(&self, days: u64) -> NaiveDate {
        self.as_of - Days::new(days)
    }

    /// Returns a date a random number of days in `days` before the as-of date.
    pub(crate) fn ago_in(&mut self, days: std::ops::Range<u64>) -> NaiveDate {
        let back = self.rng.gen_range(days);
        self.ago(back)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    /// Adds a new vehicle owned by `p` and returns its index.
    pub(crate) fn new_vehicle(&mut self, p: usize) -> usize {
        let number = self.vehicle_numbers.take();
        let latest = chrono::Datelike::year(&self.as_of) as u16 + 1;
        let vehicle = Vehicle::new(number, latest, self.ids, &mut self.rng);
        self.vehicles.push(vehicle);
        let at = self.vehicles.len() - 1;
        self.owned[p].push(at);
        at
    }

    /// Gives `p` the identifiers an arrest brings: state id, and usually an FBI number.
    pub(crate) fn fingerprint(&mut self, p: usize, fbi: bool) {
        let index = self.people[p].index;
        let (state_id, fbi_number) = (self.ids.state_id(index), self.ids.fbi(index));
        let person = &mut self.people[p];
        person.state_id.get_or_insert(state_id);
        if fbi && person.fbi.is_none() {
            person.fbi = Some(fbi_number);
        }
    }

    /// Gives `p` an inmate number.
    pub(crate) fn book(&mut self, p: usize) {
        if self.people[p].inmate.is_none() {
            let n = self.inmates.take();
            self.people[p].inmate = Some(self.ids.inmate(n));
        }
    }

    // ----- motor vehicles -----

    fn motor_vehicle_history(&mut self, p: usize) {
        if self.people[p].licence.is_some() {
            self.licence(p);
        }
        if self.people[p].birthday(17) > self.as_of {
            return;
        }
        let count = match self.rng.gen_range(0..100) {
            0..22 => 0,
            22..70 => 1,
            70..93 => 2,
            _ => 3,
        };
        for _ in 0..count {
            let co_owner = self.people[p].partner.filter(|_| self.rng.gen_bool(0.35));
            match self.rng.gen_range(0..100) {
                0..10 => self.registration(p, co_owner, RegistrationState::Expired),
                10..14 => self.registration(p, co_owner, RegistrationState::Cancelled),
                _ => self.registration(p, co_owner, RegistrationState::Current),
            };
        }
    }

    fn licence(&mut self, p: usize) {
        let sixteen = self.people[p].birthday(16);
        let roll = self.rng.gen_range(0..100);
        let issued = if roll < 8 {
            self.ago_in(6 * 365 + 30..10 * 365)
        } else {
            self.ago_in(0..6 * 365)
        }
        .max(sixteen);
        let expires = issued + Months::new(72);
        let status = match roll {
            0..6 => Status::Expired,
            8..10 => Status::Revoked,
            _ => Status::Active,
        };
        let id = self.record_id(Source::Dmv, issued);
        let current = Event::new(
            Source::Dmv,
            id,
            RecordKind::DriverLicence,
            issued,
            Role::Subject,
            p,
        )
        .status(status)
        .end(Some(expires))
        .describe("CLASS D");
        let mut versions = vec![current];
        if roll >= 10 && self.rng.gen_bool(0.2) && issued - Months::new(72) > sixteen {
            let mut old = versions[0].clone();
            old.date = issued - Months::new(72);
            old.end = Some(issued);
            versions.insert(0, old);
        }
        self.emit(versions);
    }

    /// Registers a new vehicle to `p` (and `co_owner`) and returns its index.
    pub(crate) fn registration(
        &mut self,
        p: usize,
        co_owner: Option<usize>,
        state: RegistrationState,
    ) -> usize {
        let v = self.new_vehicle(p);
        let (issued, status) = match state {
            RegistrationState::Current => (self.ago_in(0..730), Status::Active),
            RegistrationState::Expired => {
                let status = if self.rng.gen_bool(0.7) {
                    Status::Expired
                } else {
                    Status::Active
                };
                (self.ago_in(760..2_000), status)
            }
            RegistrationState::Cancelled => (self.ago_in(0..1_500), Status::Closed),
        };
        let class = if matches!(
            self.vehicles[v].model,
            "F-150" | "SILVERADO" | "TACOMA" | "RAM 1500"
        ) {
            "CMB"
        } else {
            "PAS"
        };
        let id = self.record_id(Source::Dmv, issued);
        let mut current = Event::new(
            Source::Dmv,
            id,
            RecordKind::VehicleRegistration,
            issued,
            Role::Owner,
            p,
        )
        .status(status)
        .end(Some(issued + Months::new(24)))
        .describe(class);
        current.vehicle = Some(v);
        if let Some(other) = co_owner {
            current.parties.push((Role::Owner, other));
        }
        let mut versions = vec![current];
        if state == RegistrationState::Current && self.rng.gen_bool(0.35) {
            let mut old = versions[0].clone();
            old.date = issued - Months::new(24);
            old.end = Some(issued);
            versions.insert(0, old);
        }
        self.emit(versions);
        v
    }

    // ----- criminal justice -----

    fn justice_history(&mut self, p: usize) {
        let person = &self.people[p];
        let age = (self.as_of - person.dob).num_days() / 365;
        let base = if person.sex == Sex::Male { 0.15 } else { 0.06 };
        let factor = match age {
            ..18 => 0.5,
            18..40 => 1.4,
            40..60 => 0.8,
            _ => 0.25,
        };
        if self.rng.gen_bool(base * factor) {
            let serious = self.rng.gen_bool(0.35);
            self.offender(p, serious);
        } else if self.rng.gen_bool(0.03) {
            let date = self.ago_in(0..3_000).max(self.people[p].birthday(16));
            self.field_contact(p, date);
        }
    }

    fn offender(&mut self, p: usize, serious: bool) {
        let fbi = self.rng.gen_bool(0.85);
        self.fingerprint(p, fbi);
        let arrests = if serious {
            self.rng.gen_range(2..=5)
        } else {
            self.rng.gen_range(1..=2)
        };
        let earliest = self.people[p].birthday(18).max(self.ago(15 * 365));
        let span = (self.as_of - earliest).num_days().max(1) as f64;
        let mut dates: Vec<NaiveDate> = (0..arrests)
            .map(|_| {
                let back = span * self.rng.gen_range(0.0f64..1.0).powf(1.6);
                self.as_of - Days::new(back as u64)
            })
            .collect();
        dates.sort();
        // A share of serious offenders start with a sexual offense, so that
        // registrations occur often enough to test in a few thousand people.
        let mut first = (serious && self.rng.gen_bool(0.25)).then(|| self.sexual_offense());
        for date in &dates {
            let offense = first.take().unwrap_or_else(|| self.offense(serious));
            self.prosecute(p, *date, offense, serious);
        }
        for _ in 0..self.rng.gen_range(0..=if serious { 4 } else { 2 }) {
            let date = self.between(earliest, self.as_of);
            self.field_contact(p, date);
        }
        if serious && self.rng.gen_bool(0.3) {
            self.caution(p, dates[dates.len() - 1]);
        }
    }

    fn offense(&mut self, serious: bool) -> Offense {
        let pool: Vec<&Offense> = OFFENSES.iter().filter(|o| serious || !o.serious).collect();
        let total: u32 = pool.iter().map(|o| o.weight).sum();
        let mut roll = self.rng.gen_range(0..total);
        for offense in pool {
            if roll < offense.weight {
                return *offense;
            }
            roll -= offense.weight;
        }
        OFFENSES[0]
    }

    /// Picks someone else in the chunk: the partner when `domestic`, else anyone.
    pub(crate) fn other_person(&mut self, p: usize, domestic: bool) -> usize {
        if let Some(partner) = self.people[p].partner.filter(|_| domestic) {
            return partner;
        }
        loop {
            let other = self.rng.gen_range(0..self.people.len());
            if other != p && self.people[other].featured.is_none() {
                return other;
            }
        }
    }

    fn sexual_offense(&mut self) -> Offense {
        let sexual: Vec<Offense> = OFFENSES.iter().filter(|o| o.sexual).copied().collect();
        self.pick(&sexual)
    }

    fn prosecute(&mut self, p: usize, date: NaiveDate, offense: Offense, serious: bool) {
        let domestic = offense.domestic && self.rng.gen_bool(0.45);
        let victim = (domestic || self.rng.gen_bool(0.3)).then(|| self.other_person(p, domestic));
        let town = self.people[p].home_on(date).town;
        self.arrest(p, date, offense.text, town);
        if let Some(victim) = victim {
            self.incident(p, victim, date, offense.text, town);
        }
        let case_date = self.later(date, 1..4);
        let docket = self.docket(town, case_date);
        let court = town.county.court_town();
        let days = (self.as_of - date).num_days();
        let pending = days < 45 || (days < 540 && self.rng.gen_bool(0.6));
        let protected = victim.filter(|_| domestic);
        if let Some(protected) = protected {
            self.protective_order(p, protected, case_date, &docket, court, pending);
        }
        if pending {
            self.pending_case(p, case_date, &docket, court, offense);
        } else {
            self.closed_case(p, case_date, &docket, court, offense, serious);
        }
    }

    /// Emits a police arrest report.
    pub(crate) fn arrest(&mut self, p: usize, date: NaiveDate, charge: &str, town: &'static Town) {
        let id = self.record_id(Source::Rms, date);
        let mut event = Event::new(Source::Rms, id, RecordKind::Arrest, date, Role::Subject, p)
            .status(Status::Closed)
            .describe(charge)
            .town(town.name);
        if self.rng.gen_bool(0.25) {
            event.vehicle = self.owned[p].first().copied();
        }
        self.emit(vec![event]);
    }

    /// Emits a police incident naming a victim and sometimes a witness or an associate.
    pub(crate) fn incident(
        &mut self,
        p: usize,
        victim: usize,
        date: NaiveDate,
        charge: &str,
        town: &'static Town,
    ) {
        let id = self.record_id(Source::Rms, date);
        let mut event = Event::new(
            Source::Rms,
            id,
            RecordKind::Incident,
            date,
            Role::Subject,
            p,
        )
        .status(Status::Closed)
        .describe(charge)
        .town(town.name);
        event.parties.push((Role::Victim, victim));
        // The feed has room for two people besides the subject.
        let other = self.other_person(p, false);
        if other != victim {
            match self.rng.gen_range(0..100) {
                0..30 => event.parties.push((Role::Witness, other)),
                30..40 => event.parties.push((Role::Associate, other)),
                _ => {}
            }
        }
        self.emit(vec![event]);
    }

    /// Emits a field interview. Most name no identifier at all.
    pub(crate) fn field_contact(&mut self, p: usize, date: NaiveDate) {
        let id = self.record_id(Source::Rms, date);
        let reason = self.pick(FIELD_REASONS);
        let town = self.people[p].home_on(date).town.name;
        let mut event = Event::new(
            Source::Rms,
            id,
            RecordKind::FieldContact,
            date,
            Role::Subject,
            p,
        )
        .describe(reason)
        .town(town);
        if reason.contains("TRAFFIC") || reason.contains("VEHICLE") {
            event.vehicle = self.owned[p].first().copied();
        }
        self.emit(vec![event]);
    }

    /// Emits an officer-safety caution, usually still in force.
    fn caution(&mut self, p: usize, date: NaiveDate) {
        let status = if self.rng.gen_bool(0.85) {
            Status::Active
        } else {
            Status::Expired
        };
        self.caution_with(p, date, status);
    }

    /// Emits an officer-safety caution with the given status.
    pub(crate) fn caution_with(&mut self, p: usize, date: NaiveDate, status: Status) {
        let id = self.record_id(Source::Rms, date);
        let text = self.pick(CAUTIONS);
        let town = self.people[p].home_on(date).town.name;
        let event = Event::new(
            Source::Rms,
            id,
            RecordKind::OfficerSafetyCaution,
            date,
            Role::Subject,
            p,
        )
        .status(status)
        .describe(text)
        .town(town);
        self.emit(vec![event]);
    }

    /// Starts a court record with the defendant as subject.
    pub(crate) fn court(
        &mut self,
        p: usize,
        kind: RecordKind,
        date: NaiveDate,
        docket: &str,
        court: &'static str,
    ) -> Event {
        let id = self.record_id(Source::Judicial, date);
        Event::new(Source::Judicial, id, kind, date, Role::Subject, p)
            .case(docket)
            .town(court)
    }

    /// Emits one to three held appearances between `from` and `to`.
    pub(crate) fn appearances(
        &mut self,
        p: usize,
        from: NaiveDate,
        to: NaiveDate,
        docket: &str,
        court: &'static str,
    ) {
        for _ in 0..self.rng.gen_range(1..=3) {
            let date = self.between(from, to);
            let event = self
                .court(p, RecordKind::CourtAppearance, date, docket, court)
                .status(Status::Closed)
                .describe("ARRAIGNMENT/PRETRIAL");
            self.emit(vec![event]);
        }
    }

    /// Emits a case still open, with bail, pretrial supervision and sometimes a
    /// warrant for failing to appear.
    pub(crate) fn pending_case(
        &mut self,
        p: usize,
        date: NaiveDate,
        docket: &str,
        court: &'static str,
        offense: Offense,
    ) {
        let case = self
            .court(p, RecordKind::CourtCase, date, docket, court)
            .status(Status::Pending)
            .describe(offense.text);
        self.emit(vec![case]);
        self.appearances(p, date, self.as_of, docket, court);
        if self.rng.gen_bool(0.5) {
            self.bail(p, date, docket, court, None);
        }
        if self.rng.gen_bool(0.3) {
            self.supervision(p, RecordKind::PretrialSupervision, date, None, docket);
        }
        if self.rng.gen_bool(0.3) {
            let issued = self.later(date, 20..200);
            self.warrant(p, issued, docket, court, Status::Active);
        }
    }

    /// Bail conditions set at arraignment, in force until the case closes;
    /// `lifted` adds a closing version on that date.
    pub(crate) fn bail(
        &mut self,
        p: usize,
        date: NaiveDate,
        docket: &str,
        court: &'static str,
        lifted: Option<NaiveDate>,
    ) {
        let terms = self.pick(BAIL_TERMS);
        let event = self
            .court(p, RecordKind::BailCondition, date, docket, court)
            .status(Status::Active)
            .describe(terms);
        let mut versions = vec![event];
        if let Some(lifted) = lifted {
            versions.push(
                versions[0]
                    .next_version()
                    .status(Status::Closed)
                    .end(Some(lifted)),
            );
        }
        self.emit(versions);
    }

    /// Emits a warrant. An `outcome` other than active adds a second version.
    pub(crate) fn warrant(
        &mut self,
        p: usize,
        issued: NaiveDate,
        docket: &str,
        court: &'static str,
        outcome: Status,
    ) {
        let text = if self.rng.gen_bool(0.5) {
            "53a-172 FAILURE TO APPEAR 1ST DEG"
        } else {
            "53a-173 FAILURE TO APPEAR 2ND DEG"
        };
        let first = self
            .court(p, RecordKind::Warrant, issued, docket, court)
            .status(Status::Active)
            .describe(text);
        let mut versions = vec![first];
        if outcome != Status::Active {
            let closed = self.later(issued, 1..120);
            versions.push(versions[0].next_version().status(outcome).end(Some(closed)));
        }
        self.emit(versions);
    }

    /// Emits a protective order restraining `p` and protecting `protected`.
    pub(crate) fn protective_order(
        &mut self,
        p: usize,
        protected: usize,
        date: NaiveDate,
        docket: &str,
        court: &'static str,
        pending: bool,
    ) {
        let years = if pending {
            self.rng.gen_range(1..=5)
        } else {
            self.rng.gen_range(1..=3)
        };
        let end = date + Months::new(12 * years);
        let text = self.pick(ORDERS);
        let mut order = self
            .court(p, RecordKind::ProtectiveOrder, date, docket, court)
            .status(Status::Active)
            .end(Some(end))
            .describe(text);
        order.parties[0].0 = Role::Restrained;
        order.parties.push((Role::Protected, protected));
        let mut versions = vec![order];
        if end < self.as_of {
            versions.push(versions[0].next_version().status(Status::Expired));
        }
        self.emit(versions);
    }

    fn closed_case(
        &mut self,
        p: usize,
        date: NaiveDate,
        docket: &str,
        court: &'static str,
        offense: Offense,
        serious: bool,
    ) {
        let decided = self.later(date, 30..400).min(self.ago(1));
        let pending = self
            .court(p, RecordKind::CourtCase, date, docket, court)
            .status(Status::Pending)
            .describe(offense.text);
        let closed = pending
            .next_version()
            .status(Status::Closed)
            .end(Some(decided));
        let versions = if self.rng.gen_bool(0.5) {
            vec![pending, closed]
        } else {
            vec![closed]
        };
        self.emit(versions);
        self.appearances(p, date, decided, docket, court);
        if self.rng.gen_bool(0.3) {
            self.bail(p, date, docket, court, Some(decided));
        }
        if self.rng.gen_bool(0.15) {
            let kind = RecordKind::PretrialSupervision;
            self.supervision(p, kind, date, Some(decided), docket);
        }
        if self.rng.gen_bool(0.2) {
            let issued = self.between(date, decided);
            let outcome = if self.rng.gen_bool(0.85) {
                Status::Served
            } else {
                Status::Recalled
            };
            self.warrant(p, issued, docket, court, outcome);
        }
        let roll = self.rng.gen_range(0..100);
        let outcome = match roll {
            0..60 => "GUILTY",
            60..85 => "NOLLE",
            _ => "DISMISSED",
        };
        let disposition = self
            .court(p, RecordKind::Disposition, decided, docket, court)
            .status(Status::Closed)
            .describe(format!("{outcome} - {}", offense.text));
        self.emit(vec![disposition]);
        if roll < 60 {
            self.sentence(p, decided, docket, offense, serious);
        }
    }

    fn sentence(
        &mut self,
        p: usize,
        date: NaiveDate,
        docket: &str,
        offense: Offense,
        serious: bool,
    ) {
        let prison = self.rng.gen_bool(if serious { 0.55 } else { 0.12 });
        if prison {
            let days = if serious {
                self.rng.gen_range(180..3_000)
            } else {
                self.rng.gen_range(30..365)
            };
            if let Some(release) = self.incarcerate(p, date, days)
                && serious
                && days >= 365
                && self.rng.gen_bool(0.5)
            {
                self.parole(p, release, None);
            }
        } else if self.rng.gen_bool(0.6) || offense.sexual {
            let years = self.rng.gen_range(1..=3);
            self.supervision(
                p,
                RecordKind::Probation,
                date,
                Some(date + Months::new(12 * years)),
                docket,
            );
        }
        if offense.sexual && self.rng.gen_bool(0.85) {
            self.registry(p, date, offense.text);
        }
    }

    /// Emits an admission, a few moves, and the release unless the term runs
    /// past the as-of date. Returns the release date.
    pub(crate) fn incarcerate(
        &mut self,
        p: usize,
        admitted: NaiveDate,
        days: u64,
    ) -> Option<NaiveDate> {
        self.book(p);
        let women = self.people[p].sex == Sex::Female;
        let mut facility = if women {
            WOMEN_FACILITY
        } else {
            self.pick(MEN_FACILITIES)
        };
        self.movement(p, RecordKind::Admission, admitted, facility, None);
        let release = admitted + Days::new(days);
        let moves = if women || days < 200 {
            0
        } else {
            self.rng.gen_range(0..=2)
        };
        let mut last = admitted;
        for _ in 0..moves {
            let to = self.pick(MEN_FACILITIES);
            let date = self.between(last, release);
            if to == facility || date >= self.as_of {
                continue;
            }
            self.movement(p, RecordKind::FacilityMove, date, to, Some(facility.0));
            facility = to;
            last = date;
        }
        (release <= self.as_of).then(|| {
            self.movement(p, RecordKind::Release, release, facility, None);
            release
        })
    }

    fn movement(
        &mut self,
        p: usize,
        kind: RecordKind,
        date: NaiveDate,
        facility: (&'static str, &'static str),
        from: Option<&'static str>,
    ) {
        let id = self.record_id(Source::Correction, date);
        let mut event = Event::new(Source::Correction, id, kind, date, Role::Subject, p)
            .describe(facility.0)
            .town(facility.1);
        event.from_facility = from;
        self.emit(vec![event]);
    }

    /// Emits probation or pretrial supervision. With `end` of `None` it runs until
    /// the case ends.
    pub(crate) fn supervision(
        &mut self,
        p: usize,
        kind: RecordKind,
        start: NaiveDate,
        end: Option<NaiveDate>,
        docket: &str,
    ) {
        let id = self.record_id(Source::Cssd, start);
        let terms = self.pick(SUPERVISION_TERMS);
        let office = self.people[p].home_on(start).town.name;
        let first = Event::new(Source::Cssd, id, kind, start, Role::Subject, p)
            .status(Status::Active)
            .end(end)
            .describe(terms)
            .case(docket)
            .town(office);
        let mut versions = vec![first];
        let revoked = self.people[p].featured.is_none() && self.rng.gen_bool(0.1);
        if let Some(end) = end.filter(|&e| e < self.as_of || revoked) {
            let last = if revoked {
                versions[0]
                    .next_version()
                    .status(Status::Revoked)
                    .end(Some(self.between(start, end)))
            } else {
                versions[0].next_version().status(Status::Completed)
            };
            versions.push(last);
        }
        self.emit(versions);
    }

    /// Emits a parole grant with its conditions, and a revocation for some.
    /// With `end` of `None` the term is one to three years.
    pub(crate) fn parole(&mut self, p: usize, released: NaiveDate, end: Option<NaiveDate>) {
        let years = self.rng.gen_range(1..=3);
        let end = end.unwrap_or(released + Months::new(12 * years));
        let office = self.people[p].home_on(released).town.county.parole_office();
        let id = self.record_id(Source::Parole, released);
        let grant = Event::new(
            Source::Parole,
            id,
            RecordKind::ParoleGrant,
            released,
            Role::Subject,
            p,
        )
        .status(Status::Active)
        .end(Some(end))
        .describe("PAROLE GRANTED")
        .town(office);
        let revoked = self.people[p].featured.is_none() && self.rng.gen_bool(0.15);
        let mut versions = vec![grant];
        let final_status = if revoked {
            let on = self.between(released, end);
            versions.push(
                versions[0]
                    .next_version()
                    .status(Status::Revoked)
                    .end(Some(on)),
            );
            let id = self.record_id(Source::Parole, on);
            let revocation = Event::new(
                Source::Parole,
                id,
                RecordKind::ParoleRevocation,
                on,
                Role::Subject,
                p,
            )
            .status(Status::Revoked)
            .describe("TECHNICAL VIOLATION")
            .town(office);
            self.emit(vec![revocation]);
            Status::Revoked
        } else if end < self.as_of {
            versions.push(versions[0].next_version().status(Status::Completed));
            Status::Completed
        } else {
            Status::Active
        };
        self.emit(versions);
        let condition_status = if final_status == Status::Active {
            Status::Active
        } else {
            Status::Closed
        };
        for _ in 0..self.rng.gen_range(1..=3) {
            let text = self.pick(PAROLE_TERMS);
            let id = self.record_id(Source::Parole, released);
            let condition = Event::new(
                Source::Parole,
                id,
                RecordKind::ParoleCondition,
                released,
                Role::Subject,
                p,
            )
            .status(condition_status)
            .end(Some(end))
            .describe(text)
            .town(office);
            self.emit(vec![condition]);
        }
    }

    /// Emits a registration with the registry, reported addresses and compliance checks.
    pub(crate) fn registry(&mut self, p: usize, date: NaiveDate, offense: &str) {
        if self.people[p].sor_id.is_none() {
            let n = self.registrants.take();
            self.people[p].sor_id = Some(self.ids.sor_id(n));
        }
        let lifetime = self.rng.gen_bool(0.3) && self.people[p].featured.is_none();
        let end = (!lifetime).then(|| date + Months::new(120));
        let id = self.record_id(Source::Sor, date);
        let registration = Event::new(
            Source::Sor,
            id,
            RecordKind::SexOffenderRegistration,
            date,
            Role::Subject,
            p,
        )
        .status(Status::Active)
        .end(end)
        .describe(offense);
        let mut versions = vec![registration];
        if end.is_some_and(|e| e < self.as_of) {
            versions.push(versions[0].next_version().status(Status::Expired));
        }
        self.emit(versions);
        let reports = self.rng.gen_range(1..=3);
        let mut dates: Vec<NaiveDate> = (0..reports)
            .map(|_| self.between(date, self.as_of))
            .collect();
        dates.sort();
        for (i, reported) in dates.iter().enumerate() {
            let status = if i + 1 == dates.len() {
                Status::Active
            } else {
                Status::Closed
            };
            let id = self.record_id(Source::Sor, *reported);
            let event = Event::new(
                Source::Sor,
                id,
                RecordKind::RegistryAddress,
                *reported,
                Role::Subject,
                p,
            )
            .status(status);
            self.emit(vec![event]);
        }
        for _ in 0..self.rng.gen_range(1..=4) {
            let checked = self.between(date, self.as_of);
            let status = if self.rng.gen_bool(0.85) {
                Status::Compliant
            } else {
                Status::NonCompliant
            };
            let id = self.record_id(Source::Sor, checked);
            let event = Event::new(
                Source::Sor,
                id,
                RecordKind::RegistryCompliance,
                checked,
                Role::Subject,
                p,
            )
            .status(status);
            self.emit(vec![event]);
        }
    }
}

/// What state a generated registration is in at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegistrationState {
    /// Active and not yet expired.
    Current,
    /// Past its expiry date.
    Expired,
    /// Cancelled by the owner.
    Cancelled,
}
