//! The people of one chunk, built household by household so that the hard
//! cases for resolution occur naturally: families sharing a surname and an
//! address, twins, fathers and sons with the same name, and common names.

use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;

use super::ids::IdFormats;
use super::names::{self, COMMON_FULL_NAMES, Origin};
use super::places::Residence;
use crate::model::Sex;

/// One fictional person with their true attributes.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// Global person number, from which `person_id` in the truth file is derived.
    pub index: u64,
    /// Given name, title case.
    pub given: &'static str,
    /// Middle name, title case.
    pub middle: Option<&'static str>,
    /// Surname in title case, possibly multi-part or hyphenated.
    pub surname: String,
    /// Generational suffix, canonical form.
    pub suffix: Option<&'static str>,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub dob: NaiveDate,
    /// Current residence.
    pub home: Residence,
    /// Earlier residence and the day the person moved to `home`.
    pub prior: Option<(Residence, NaiveDate)>,
    /// Index of the household within the chunk.
    pub household: usize,
    /// Index of the spouse or partner within the chunk.
    pub partner: Option<usize>,
    /// Driver licence number, if licensed.
    pub licence: Option<String>,
    /// State id, assigned at the first fingerprinted arrest.
    pub state_id: Option<String>,
    /// FBI number, assigned with the state id for most.
    pub fbi: Option<String>,
    /// Inmate number, assigned at the first admission.
    pub inmate: Option<String>,
    /// Registry id, assigned at registration.
    pub sor_id: Option<String>,
    /// Position in `featured.json`, for the scripted demo people.
    pub featured: Option<usize>,
    /// Seed of the person's spelling in agencies that keep a master record.
    pub noise_seed: u64,
}

impl Person {
    /// Returns the person id used in the truth file.
    pub(crate) fn person_id(&self) -> String {
        format!("P{:08}", self.index)
    }

    /// Returns the residence in effect on `date`.
    pub(crate) fn home_on(&self, date: NaiveDate) -> &Residence {
        match &self.prior {
            Some((old, moved)) if date < *moved => old,
            _ => &self.home,
        }
    }

    /// Returns the date the person turns `years` old.
    pub(crate) fn birthday(&self, years: u32) -> NaiveDate {
        self.dob
            .with_year(self.dob.year() + years as i32)
            .unwrap_or_else(|| self.dob + Days::new(u64::from(years) * 365))
    }
}

/// Kinds of household, drawn by weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HouseholdKind {
    Single,
    Couple,
    Family,
    Twins,
    FatherAndSon,
}

const HOUSEHOLD_WEIGHTS: &[(HouseholdKind, u32)] = &[
    (HouseholdKind::Single, 36),
    (HouseholdKind::Couple, 24),
    (HouseholdKind::Family, 30),
    (HouseholdKind::Twins, 3),
    (HouseholdKind::FatherAndSon, 5),
];

/// Builds people for one chunk, filling exactly `count` places from global
/// number `start` on.
pub(crate) struct Populator<'r, R: Rng> {
    rng: &'r mut R,
    ids: &'r IdFormats,
    as_of: NaiveDate,
    start: u64,
    people: Vec<Person>,
    household: usize,
}

impl<'r, R: Rng> Populator<'r, R> {
    /// Starts an empty chunk.
    pub(crate) fn new(rng: &'r mut R, ids: &'r IdFormats, as_of: NaiveDate, start: u64) -> Self {
        Populator {
            rng,
            ids,
            as_of,
            start,
            people: Vec::new(),
            household: 0,
        }
    }

    /// Adds households until `count` people exist, cutting the last one short if needed.
    pub(crate) fn fill(mut self, count: usize, leading_singles: usize) -> Vec<Person> {
        while self.people.len() < count {
            let kind = if self.household < leading_singles {
                HouseholdKind::Single
            } else {
                self.household_kind()
            };
            self.add_household(kind);
        }
        self.people.truncate(count);
        // A partner cut off with the last household is no longer in the chunk.
        for person in &mut self.people {
            person.partner = person.partner.filter(|&p| p < count);
        }
        self.people
    }

    fn household_kind(&mut self) -> HouseholdKind {
        let total: u32 = HOUSEHOLD_WEIGHTS.iter().map(|w| w.1).sum();
        let mut pick = self.rng.gen_range(0..total);
        for (kind, weight) in HOUSEHOLD_WEIGHTS {
            if pick < *weight {
                return *kind;
            }
            pick -= weight;
        }
        HouseholdKind::Single
    }

    fn add_household(&mut self, kind: HouseholdKind) {
        let home = Residence::random(self.rng);
        let prior = self.rng.gen_bool(0.35).then(|| {
            let moved = self.as_of - Days::new(self.rng.gen_range(30..3_000));
            (Residence::random(self.rng), moved)
        });
        let first = self.people.len();
        match kind {
            HouseholdKind::Single => self.single(),
            HouseholdKind::Couple => {
                self.couple(35..=85);
            }
            HouseholdKind::Family => self.family(),
            HouseholdKind::Twins => self.twins(),
            HouseholdKind::FatherAndSon => self.father_and_son(),
        }
        for person in &mut self.people[first..] {
            person.home = home.clone();
            person.prior = prior.clone();
        }
        self.household += 1;
    }

    fn dob(&mut self, min_age: u32, max_age: u32) -> NaiveDate {
        let newest = self.as_of - Days::new(u64::from(min_age) * 366);
        let span = u64::from(max_age - min_age) * 365;
        newest - Days::new(self.rng.gen_range(0..=span))
    }

    fn push(&mut self, given: &'static str, surname: String, sex: Sex, dob: NaiveDate) -> usize {
        let origin = Origin::General;
        let middle = self.rng.gen_bool(0.65).then(|| {
            loop {
                let middle = names::given_name(sex, origin, self.rng);
                if middle != given {
                    break middle;
                }
            }
        });
        let licensed = self
            .rng
            .gen_bool(if dob > self.as_of - Days::new(18 * 365) {
                0.5
            } else {
                0.88
            });
        let index = self.start + self.people.len() as u64;
        self.people.push(Person {
            index,
            given,
            middle,
            surname,
            suffix: None,
            sex,
            dob,
            home: Residence::random(self.rng),
            prior: None,
            household: self.household,
            partner: None,
            licence: licensed.then(|| self.ids.licence(index)),
            state_id: None,
            fbi: None,
            inmate: None,
            sor_id: None,
            featured: None,
            noise_seed: self.rng.r#gen(),
        });
        self.people.len() - 1
    }

    /// Picks a surname for a new family, sometimes a two-part or hyphenated
    /// Hispanic one.
    fn family_surname(&mut self) -> (String, Origin) {
        let (surname, origin) = names::surname(self.rng);
        if origin == Origin::Hispanic && !surname.contains(' ') && self.rng.gen_bool(0.2) {
            let second = names::surname_of(Origin::Hispanic, self.rng);
            let joiner = if self.rng.gen_bool(0.5) { "-" } else { " " };
            if second != surname {
                return (format!("{surname}{joiner}{second}"), origin);
            }
        }
        (surname, origin)
    }

    fn new_adult(&mut self, min_age: u32, max_age: u32) -> usize {
        let (surname, origin) = self.family_surname();
        let sex = names::sample_sex(self.rng);
        let given = names::given_name(sex, origin, self.rng);
        let dob = self.dob(min_age, max_age);
        self.push(given, surname, sex, dob)
    }

    fn single(&mut self) {
        let at = self.new_adult(18, 85);
        if self.rng.gen_bool(0.012) {
            let (given, surname, sex) =
                COMMON_FULL_NAMES[self.rng.gen_range(0..COMMON_FULL_NAMES.len())];
            let person = &mut self.people[at];
            person.given = given;
            person.surname = surname.to_string();
            person.sex = sex;
        }
    }

    /// Adds a couple and returns the index of the first partner, whose surname
    /// the children take.
    fn couple(&mut self, ages: std::ops::RangeInclusive<u32>) -> usize {
        let (surname, origin) = self.family_surname();
        let age = self.rng.gen_range(ages);
        let a_dob = self.dob(age, age + 1);
        let b_dob = self.dob(age.saturating_sub(4).max(18), age + 4);
        let (a_sex, b_sex) = if self.rng.gen_bool(0.94) {
            (Sex::Male, Sex::Female)
        } else {
            let sex = names::sample_sex(self.rng);
            (sex, sex)
        };
        let a_given = names::given_name(a_sex, origin, self.rng);
        let a = self.push(a_given, surname.clone(), a_sex, a_dob);
        let b_surname = self.partner_surname(&surname);
        let b_given = names::given_name(b_sex, origin, self.rng);
        let b = self.push(b_given, b_surname, b_sex, b_dob);
        self.people[a].partner = Some(b);
        self.people[b].partner = Some(a);
        a
    }

    fn partner_surname(&mut self, spouse: &str) -> String {
        let (maiden, _) = names::surname(self.rng);
        match self.rng.gen_range(0..100) {
            0..70 => spouse.to_string(),
            70..82 if !maiden.contains([' ', '-']) && !spouse.contains([' ', '-']) => {
                format!("{maiden}-{spouse}")
            }
            _ => maiden,
        }
    }

    fn child(&mut self, parent: usize, sex: Sex, dob: NaiveDate) -> usize {
        let surname = self.people[parent].surname.clone();
        let given = loop {
            let given = names::given_name(sex, Origin::General, self.rng);
            if self
                .people
                .iter()
                .all(|p| p.household != self.household || p.given != given)
            {
                break given;
            }
        };
        self.push(given, surname, sex, dob)
    }

    fn family(&mut self) {
        let parent = self.couple(40..=70);
        let parent_age = self.as_of.year() - self.people[parent].dob.year();
        let oldest = (parent_age - 20).clamp(17, 35) as u32;
        for _ in 0..self.rng.gen_range(1..=3) {
            let dob = self.dob(16, oldest);
            let sex = names::sample_sex(self.rng);
            self.child(parent, sex, dob);
        }
    }

    fn twins(&mut self) {
        let parent = if self.rng.gen_bool(0.6) {
            self.couple(42..=65)
        } else {
            self.new_adult(42, 65)
        };
        let dob = self.dob(16, 22);
        for _ in 0..2 {
            let sex = names::sample_sex(self.rng);
            self.child(parent, sex, dob);
        }
    }

    fn father_and_son(&mut self) {
        let father = if self.rng.gen_bool(0.6) {
            self.couple(45..=75)
        } else {
            self.new_adult(45, 75)
        };
        {
            let person = &mut self.people[father];
            if person.sex != Sex::Male {
                person.sex = Sex::Male;
                person.given = names::given_name(Sex::Male, Origin::General, self.rng);
            }
            if person.middle.is_none() {
                person.middle = Some(names::given_name(Sex::Male, Origin::General, self.rng));
            }
        }
        let father_age = (self.as_of.year() - self.people[father].dob.year()) as u32;
        let son_age = father_age
            .saturating_sub(self.rng.gen_range(20..=30))
            .max(16);
        let dob = self.dob(son_age, son_age + 1);
        let son = self.child(father, Sex::Male, dob);
        let (given, middle) = (self.people[father].given, self.people[father].middle);
        self.people[son].given = given;
        self.people[son].middle = middle;
        self.people[son].suffix = Some("JR");
        if self.rng.gen_bool(0.5) {
            self.people[father].suffix = Some("SR");
        }
    }
}

/// Returns the first and last birthdays in a population as a sanity range.
#[cfg(test)]
fn dob_range(people: &[Person]) -> (NaiveDate, NaiveDate) {
    let min = people.iter().map(|p| p.dob).min().expect("people");
    let max = people.iter().map(|p| p.dob).max().expect("people");
    (min, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sample() -> Vec<Person> {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let ids = IdFormats::new(5);
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
        Populator::new(&mut rng, &ids, as_of, 100).fill(3_000, 3)
    }

    #[test]
    fn fills_exactly_and_numbers_globally() {
        let people = sample();
        assert_eq!(people.len(), 3_000);
        assert_eq!(people[0].index, 100);
        assert_eq!(people[2_999].index, 3_099);
    }

    #[test]
    fn everyone_is_at_least_sixteen() {
        let people = sample();
        let (oldest, youngest) = dob_range(&people);
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
        assert!(youngest <= as_of - Days::new(16 * 365), "{youngest}");
        assert!(oldest.year() > 1930, "{oldest}");
    }

    #[test]
    fn twins_and_juniors_occur() {
        let people = sample();
        let twins = people.iter().enumerate().any(|(i, a)| {
            people[i + 1..]
                .iter()
                .any(|b| a.household == b.household && a.dob == b.dob && a.given != b.given)
        });
        let junior = people.iter().any(|p| p.suffix == Some("JR"));
        assert!(twins, "no twins");
        assert!(junior, "no junior");
    }
}
