//! Per-record spelling of a person: nicknames, one-edit typos, swapped
//! date-of-birth day and month, dropped surname parts, suffixes and middle
//! names present or not, missing fields, older addresses, and which
//! identifiers the record carries.
//!
//! Each source has its own noise profile; the scripted featured people get a
//! fixed, different variation in every source and always carry identifiers.

use chrono::{Datelike, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ids::splitmix;
use super::nicknames::nicknames;
use super::places::Residence;
use super::population::Person;
use super::records::Source;
use crate::model::{RecordKind, Role, Sex};

/// One person's details as a record states them.
#[derive(Debug, Clone)]
pub(crate) struct Spelling {
    /// Given name or nickname, title case.
    pub given: String,
    /// Middle name, initial, or nothing.
    pub middle: Option<String>,
    /// Surname, title case.
    pub surname: String,
    /// Generational suffix.
    pub suffix: Option<&'static str>,
    /// Date of birth as recorded, possibly wrong or a placeholder.
    pub dob: Option<NaiveDate>,
    /// Sex, if recorded.
    pub sex: Option<Sex>,
    /// Residence as recorded.
    pub home: Option<Residence>,
    /// State id, if the record carries it.
    pub state_id: Option<String>,
    /// FBI number, if the record carries it.
    pub fbi: Option<String>,
    /// Driver licence, if the record carries it.
    pub licence: Option<String>,
    /// Inmate number, if the record carries it.
    pub inmate: Option<String>,
    /// Registry id, if the record carries it.
    pub sor_id: Option<String>,
}

/// Probabilities of each kind of variation in one source.
#[derive(Debug, Clone, Copy)]
struct Noise {
    nickname: f64,
    typo: f64,
    swap_dob: f64,
    placeholder_dob: f64,
    missing_dob: f64,
    drop_surname_part: f64,
    drop_suffix: f64,
    middle_initial: f64,
    drop_middle: f64,
    missing_address: f64,
    stale_address: f64,
}

#[rustfmt::skip]
fn noise(source: Source) -> Noise {
    let n = |nickname, typo, swap_dob, placeholder_dob, missing_dob, drop_surname_part, drop_suffix, middle_initial, drop_middle, missing_address, stale_address| Noise {
        nickname, typo, swap_dob, placeholder_dob, missing_dob, drop_surname_part, drop_suffix, middle_initial, drop_middle, missing_address, stale_address,
    };
    match source {
        Source::Dmv => n(0.0, 0.01, 0.003, 0.0, 0.0, 0.05, 0.05, 0.5, 0.1, 0.0, 0.05),
        Source::Rms => n(0.12, 0.05, 0.03, 0.01, 0.04, 0.25, 0.4, 0.4, 0.35, 0.15, 0.15),
        Source::Judicial => n(0.03, 0.03, 0.015, 0.005, 0.01, 0.15, 0.2, 0.5, 0.2, 0.05, 0.05),
        Source::Correction => n(0.0, 0.02, 0.02, 0.0, 0.0, 0.1, 0.1, 1.0, 0.1, 0.3, 0.0),
        Source::Cssd => n(0.04, 0.03, 0.01, 0.01, 0.02, 0.15, 0.2, 0.3, 0.3, 0.05, 0.1),
        Source::Parole => n(0.02, 0.02, 0.01, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.05, 0.05),
        Source::Sor => n(0.02, 0.01, 0.005, 0.0, 0.0, 0.05, 0.1, 0.2, 0.2, 0.0, 0.0),
    }
}

/// Probability that a source's record carries each identifier of a party.
#[derive(Debug, Clone, Copy, Default)]
struct IdOdds {
    state_id: f64,
    fbi: f64,
    licence: f64,
    inmate: f64,
    sor_id: f64,
}

fn id_odds(source: Source, kind: RecordKind, role: Role) -> IdOdds {
    let none = IdOdds::default();
    let main = matches!(role, Role::Subject | Role::Owner | Role::Restrained);
    match (source, kind) {
        (Source::Rms, _) if !main => IdOdds {
            state_id: 0.5,
            fbi: 0.3,
            licence: 0.25,
            ..none
        },
        (Source::Rms, RecordKind::FieldContact) => IdOdds {
            state_id: 0.2,
            licence: 0.4,
            ..none
        },
        (Source::Rms, RecordKind::Incident) => IdOdds {
            state_id: 0.6,
            fbi: 0.2,
            licence: 0.3,
            ..none
        },
        (Source::Rms, _) => IdOdds {
            state_id: 0.95,
            fbi: 0.6,
            licence: 0.35,
            ..none
        },
        (Source::Judicial, _) if !main => none,
        (Source::Judicial, _) => IdOdds {
            state_id: 0.9,
            fbi: 0.4,
            ..none
        },
        (Source::Correction, _) => IdOdds {
            state_id: 0.95,
            fbi: 0.8,
            inmate: 1.0,
            ..none
        },
        (Source::Dmv, _) => IdOdds {
            licence: 1.0,
            ..none
        },
        (Source::Cssd, _) => IdOdds {
            state_id: 0.92,
            ..none
        },
        (Source::Parole, _) => IdOdds {
            state_id: 0.85,
            inmate: 1.0,
            ..none
        },
        (Source::Sor, _) => IdOdds {
            state_id: 0.95,
            fbi: 0.6,
            sor_id: 1.0,
            ..none
        },
    }
}

/// Spells `person` as `source` records them in a record of `kind` dated `date`.
pub(crate) fn spell<R: Rng>(
    person: &Person,
    source: Source,
    kind: RecordKind,
    role: Role,
    date: NaiveDate,
    rng: &mut R,
) -> Spelling {
    let mut noise = noise(source);
    if matches!(
        role,
        Role::Victim | Role::Witness | Role::Associate | Role::Protected
    ) {
        noise.missing_dob = noise.missing_dob.max(0.3);
        noise.missing_address = noise.missing_address.max(0.3);
    }
    if kind == RecordKind::FieldContact {
        noise.missing_address = 0.6;
    }
    let odds = id_odds(source, kind, role);
    // Agencies that keep one master record per person spell them the same
    // way every time, while police and court clerks retype the name on each record.
    let mut own = ChaCha8Rng::seed_from_u64(splitmix(person.noise_seed ^ source.index() as u64));
    let mut spelling = match (person.featured, source) {
        (Some(_), _) => scripted(person, source, date, &mut own),
        (None, Source::Rms | Source::Judicial) => noisy(person, noise, date, rng),
        (None, _) => noisy(person, noise, date, &mut own),
    };
    let certain = person.featured.is_some();
    attach_ids(&mut spelling, person, odds, |p| certain || rng.gen_bool(p));
    spelling
}

/// Spells `person` with this source's random variation of name, date of
/// birth and address. The caller attaches identifiers.
fn noisy<R: Rng>(person: &Person, noise: Noise, date: NaiveDate, rng: &mut R) -> Spelling {
    let (given, surname) = noisy_names(person, noise, rng);
    let middle = if rng.gen_bool(noise.drop_middle) {
        None
    } else if rng.gen_bool(noise.middle_initial) {
        person.middle.map(initial)
    } else {
        person.middle.map(str::to_string)
    };
    let suffix = person.suffix.filter(|_| !rng.gen_bool(noise.drop_suffix));
    let dob = noisy_dob(person.dob, noise, rng);

    let home = if rng.gen_bool(noise.missing_address) {
        None
    } else if rng.gen_bool(noise.stale_address) {
        Some(person.prior.as_ref().map_or(&person.home, |p| &p.0).clone())
    } else {
        Some(person.home_on(date).clone())
    };
    let sex = (!rng.gen_bool(0.01)).then_some(person.sex);
    Spelling {
        given,
        middle,
        surname,
        suffix,
        dob,
        sex,
        home,
        state_id: None,
        fbi: None,
        licence: None,
        inmate: None,
        sor_id: None,
    }
}

/// Returns the given name and surname with nickname, dropped surname part
/// and typo applied at the source's rates.
fn noisy_names<R: Rng>(person: &Person, noise: Noise, rng: &mut R) -> (String, String) {
    let mut given = person.given.to_string();
    if rng.gen_bool(noise.nickname)
        && let Some(nick) = nicknames(person.given).choose(rng)
    {
        given = nick.to_string();
    }
    let mut surname = person.surname.clone();
    if rng.gen_bool(noise.drop_surname_part) {
        surname = surname_variant(&surname, rng);
    }
    if rng.gen_bool(noise.typo) {
        if rng.gen_bool(0.6) {
            surname = typo(&surname, rng);
        } else {
            given = typo(&given, rng);
        }
    }
    (given, surname)
}

/// Returns the date of birth as recorded: missing, the 1900-01-01
/// placeholder, day and month swapped, or correct.
fn noisy_dob<R: Rng>(dob: NaiveDate, noise: Noise, rng: &mut R) -> Option<NaiveDate> {
    if rng.gen_bool(noise.missing_dob) {
        None
    } else if rng.gen_bool(noise.placeholder_dob) {
        NaiveDate::from_ymd_opt(1900, 1, 1)
    } else if rng.gen_bool(noise.swap_dob) {
        Some(swap_day_month(dob))
    } else {
        Some(dob)
    }
}

fn attach_ids(
    spelling: &mut Spelling,
    person: &Person,
    odds: IdOdds,
    mut carry: impl FnMut(f64) -> bool,
) {
    let mut pick = |id: &Option<String>, p: f64| id.clone().filter(|_| p > 0.0 && carry(p));
    spelling.state_id = pick(&person.state_id, odds.state_id);
    spelling.fbi = pick(&person.fbi, odds.fbi);
    spelling.licence = pick(&person.licence, odds.licence);
    spelling.inmate = pick(&person.inmate, odds.inmate);
    spelling.sor_id = pick(&person.sor_id, odds.sor_id);
}

/// Spells a featured person with a fixed variation per source. The caller
/// attaches every identifier the source can send, so they link on identifiers alone.
fn scripted<R: Rng>(person: &Person, source: Source, date: NaiveDate, rng: &mut R) -> Spelling {
    let full = Spelling {
        given: person.given.to_string(),
        middle: person.middle.map(str::to_string),
        surname: person.surname.clone(),
        suffix: person.suffix,
        dob: Some(person.dob),
        sex: Some(person.sex),
        home: Some(person.home_on(date).clone()),
        state_id: None,
        fbi: None,
        licence: None,
        inmate: None,
        sor_id: None,
    };
    let mut s = full;
    match source {
        Source::Dmv => {}
        Source::Rms => {
            s.given = nicknames(person.given)
                .first()
                .map_or(s.given, |n| n.to_string());
            s.middle = None;
            s.suffix = None;
        }
        Source::Judicial => {
            s.surname = typo(&person.surname, rng);
            s.middle = person.middle.map(initial);
        }
        Source::Correction => {
            s.dob = Some(swap_day_month(person.dob));
            s.middle = person.middle.map(initial);
        }
        Source::Cssd => {
            s.surname = surname_variant(&person.surname, rng);
            s.home = Some(person.prior.as_ref().map_or(&person.home, |p| &p.0).clone());
        }
        Source::Parole => {
            s.middle = None;
            s.suffix = None;
        }
        Source::Sor => {
            s.given = typo(person.given, rng);
        }
    }
    s
}

fn initial(middle: &str) -> String {
    middle.chars().take(1).collect()
}

/// Swaps day and month when the result is a different valid date.
pub(crate) fn swap_day_month(dob: NaiveDate) -> NaiveDate {
    if dob.day() <= 12 && dob.day() != dob.month() {
        NaiveDate::from_ymd_opt(dob.year(), dob.day(), dob.month()).unwrap_or(dob)
    } else {
        dob
    }
}

const PARTICLES: &[&str] = &["De", "La", "Del", "Van", "Der", "St.", "Da", "Di"];

/// Drops one part of a compound surname, or closes up a particle surname
/// (`De La Cruz` becomes `Cruz` or `Delacruz`; `O'Brien` becomes `OBrien`).
pub(crate) fn surname_variant<R: Rng>(surname: &str, rng: &mut R) -> String {
    let parts: Vec<&str> = surname
        .split([' ', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return surname.replace('\'', "");
    }
    if PARTICLES.contains(&parts[0]) {
        if rng.gen_bool(0.5) {
            return parts[parts.len() - 1].to_string();
        }
        let joined: String = parts.concat().replace('.', "");
        return title(&joined);
    }
    if rng.gen_bool(0.6) {
        parts[0].to_string()
    } else {
        parts[parts.len() - 1].to_string()
    }
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Neighbouring keys on a US keyboard, for substitution typos.
const KEYBOARD: &[&str] = &["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn neighbour<R: Rng>(c: char, rng: &mut R) -> char {
    let lower = c.to_ascii_lowercase();
    for row in KEYBOARD {
        if let Some(at) = row.find(lower) {
            let bytes = row.as_bytes();
            let choices: Vec<u8> = [at.checked_sub(1), Some(at + 1)]
                .into_iter()
                .flatten()
                .filter_map(|i| bytes.get(i).copied())
                .collect();
            let pick = choices[rng.gen_range(0..choices.len())] as char;
            return if c.is_ascii_uppercase() {
                pick.to_ascii_uppercase()
            } else {
                pick
            };
        }
    }
    c
}

/// Makes exactly one edit (substitution, deletion or doubled letter) to a
/// letter after the first; names shorter than four letters are left alone.
pub(crate) fn typo<R: Rng>(name: &str, rng: &mut R) -> String {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_ascii_alphabetic())
        .collect();
    if letters.len() < 3 {
        return name.to_string();
    }
    let at = letters[rng.gen_range(0..letters.len())];
    let mut out = chars.clone();
    match rng.gen_range(0..3) {
        0 => {
            out[at] = neighbour(chars[at], rng);
        }
        1 if chars[at - 1] != chars[at] && chars.get(at + 1) != Some(&chars[at]) => {
            out.remove(at);
        }
        _ => out.insert(at, chars[at].to_ascii_lowercase()),
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn typos_are_one_edit() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for name in [
            "Kowalski",
            "Rodriguez",
            "O'Brien",
            "Jean-Baptiste",
            "Smith",
            "Lee",
        ] {
            for _ in 0..200 {
                let changed = typo(name, &mut rng);
                let distance = strsim::levenshtein(&changed.to_uppercase(), &name.to_uppercase());
                if name.len() > 3 {
                    assert_eq!(distance, 1, "{name} -> {changed}");
                } else {
                    assert_eq!(distance, 0);
                }
            }
        }
    }

    #[test]
    fn swapped_dob_swaps_only_when_valid() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(swap_day_month(day(1980, 3, 7)), day(1980, 7, 3));
        assert_eq!(swap_day_month(day(1980, 3, 25)), day(1980, 3, 25));
        assert_eq!(swap_day_month(day(1980, 4, 4)), day(1980, 4, 4));
    }

    #[test]
    fn surname_variants_keep_one_part() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            let v = surname_variant("Rivera-Colon", &mut rng);
            assert!(v == "Rivera" || v == "Colon", "{v}");
            let v = surname_variant("De La Cruz", &mut rng);
            assert!(v == "Cruz" || v == "Delacruz", "{v}");
        }
        assert_eq!(surname_variant("O'Brien", &mut rng), "OBrien");
    }
}
