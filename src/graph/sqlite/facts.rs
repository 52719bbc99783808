//! A mention's person facts as the SQLite store keeps them: the name, date
//! of birth and identifiers in the mention's own columns, which lookups
//! index, and only the other facts as JSON.
//!
//! Mentions written before this split carry every fact in their JSON. Both
//! forms decode to the same [`PersonFacts`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Identifiers, PersonFacts, Sex};
use crate::normalize::{Address, Dob, PersonName, Phone};

/// The mention columns [`decode`] reads, in the order it reads them. A
/// macro, so that queries take them in with `concat!` when compiled rather
/// than formatting their text on every call.
macro_rules! columns {
    () => {
        "m.surname, m.given, m.dob, m.state_id, m.fbi, m.licence, m.inmate, m.sor_id"
    };
}
pub(super) use columns;

/// The facts without a column of their own. The date of birth is written
/// here only for a person without a name, because the `dob` column is
/// filled only next to a name (it is part of the name key).
#[derive(Serialize)]
struct Written<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    middle: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suffix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dob: Option<Dob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sex: Option<Sex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a Phone>,
}

/// The JSON of either form: `name` and `ids` appear only in mentions
/// written before the split.
#[derive(Deserialize)]
struct Read {
    #[serde(default)]
    name: Option<PersonName>,
    #[serde(default)]
    middle: Option<String>,
    #[serde(default)]
    suffix: Option<String>,
    #[serde(default)]
    dob: Option<Dob>,
    #[serde(default)]
    sex: Option<Sex>,
    #[serde(default)]
    ids: Identifiers,
    #[serde(default)]
    address: Option<Address>,
    #[serde(default)]
    phone: Option<Phone>,
}

/// Encodes the facts of `person` that have no mention column.
pub(crate) fn encode(person: &PersonFacts) -> serde_json::Result<String> {
    let name = person.name.as_ref();
    serde_json::to_string(&Written {
        middle: name.and_then(|n| n.middle.as_deref()),
        suffix: name.and_then(|n| n.suffix.as_deref()),
        dob: person.dob.filter(|_| name.is_none()),
        sex: person.sex,
        address: person.address.as_ref(),
        phone: person.phone.as_ref(),
    })
}

/// Rebuilds a mention's facts from its JSON and the eight [`columns!`] read
/// from `row` starting at column `first`. The inner error is the reason
/// when the JSON and the columns do not fit together.
pub(super) fn decode(
    json: &str,
    row: &rusqlite::Row<'_>,
    first: usize,
) -> Result<Result<PersonFacts, String>, rusqlite::Error> {
    let column = |offset: usize| row.get::<_, Option<String>>(first + offset);
    let (surname, given, dob) = (column(0)?, column(1)?, column(2)?);
    let columns = Identifiers {
        state_id: column(3)?,
        fbi: column(4)?,
        licence: column(5)?,
        inmate: column(6)?,
        sor_id: column(7)?,
    };
    Ok(combine(json, surname, given, dob, columns))
}

fn combine(
    json: &str,
    surname: Option<String>,
    given: Option<String>,
    dob: Option<String>,
    columns: Identifiers,
) -> Result<PersonFacts, String> {
    let read: Read = serde_json::from_str(json).map_err(|err| err.to_string())?;
    let name = match (read.name, surname, given) {
        (Some(name), ..) => Some(name),
        (None, Some(surname), Some(given)) => Some(PersonName {
            given,
            middle: read.middle,
            surname,
            suffix: read.suffix,
        }),
        (None, None, None) => None,
        (None, ..) => return Err("mention has a surname or given name, not both".into()),
    };
    let dob = match (read.dob, dob) {
        (Some(dob), _) => Some(dob),
        (None, Some(text)) => Some(column_dob(&text)?),
        (None, None) => None,
    };
    Ok(PersonFacts {
        name,
        dob,
        sex: read.sex,
        ids: Identifiers {
            state_id: columns.state_id.or(read.ids.state_id),
            fbi: columns.fbi.or(read.ids.fbi),
            licence: columns.licence.or(read.ids.licence),
            inmate: columns.inmate.or(read.ids.inmate),
            sor_id: columns.sor_id.or(read.ids.sor_id),
        },
        address: read.address,
        phone: read.phone,
    })
}

fn column_dob(text: &str) -> Result<Dob, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(Dob::new)
        .ok_or_else(|| format!("mention date of birth {text:?} is invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: Option<(&str, &str)>, dob: Option<&str>) -> PersonFacts {
        PersonFacts {
            name: name.map(|(surname, given)| PersonName {
                given: given.into(),
                middle: Some("Q".into()),
                surname: surname.into(),
                suffix: Some("JR".into()),
            }),
            dob: dob.map(|d| column_dob(d).expect("valid date")),
            sex: Some(Sex::Female),
            ids: Identifiers {
                state_id: Some("CT1234567".into()),
                licence: Some("123456789".into()),
                ..Identifiers::default()
            },
            address: None,
            phone: None,
        }
    }

    /// Splits `person` as the writer does: JSON plus the column values.
    fn stored(person: &PersonFacts) -> (String, Option<String>, Option<String>, Option<String>) {
        let name = person.name.as_ref();
        (
            encode(person).expect("encodes"),
            name.map(|n| n.surname.clone()),
            name.map(|n| n.given.clone()),
            person
                .dob
                .filter(|_| name.is_some())
                .map(|d| d.date().to_string()),
        )
    }

    #[test]
    fn facts_survive_the_split() {
        let cases = [
            person(Some(("OKAFOR-BELL", "ADA")), Some("1984-02-29")),
            person(Some(("OKAFOR", "ADA")), None),
            person(None, Some("1984-02-29")),
            person(None, None),
        ];
        for facts in cases {
            let (json, surname, given, dob) = stored(&facts);
            assert!(!json.contains("CT1234567"), "ids stay in columns: {json}");
            let back = combine(&json, surname, given, dob, facts.ids.clone());
            assert_eq!(back.as_ref(), Ok(&facts), "{json}");
        }
    }

    #[test]
    fn mentions_written_whole_still_decode() {
        let facts = person(Some(("OKAFOR", "ADA")), Some("1984-02-29"));
        let whole = serde_json::to_string(&facts).expect("encodes");
        let back = combine(
            &whole,
            Some("OKAFOR".into()),
            Some("ADA".into()),
            Some("1984-02-29".into()),
            facts.ids.clone(),
        );
        assert_eq!(back, Ok(facts));
    }

    #[test]
    fn columns_that_do_not_fit_are_errors() {
        let cases = [
            (
                Some("OKAFOR"),
                None,
                None,
                "mention has a surname or given name, not both",
            ),
            (
                Some("OKAFOR"),
                Some("ADA"),
                Some("1900-01-01"),
                "mention date of birth \"1900-01-01\" is invalid",
            ),
        ];
        for (surname, given, dob, reason) in cases {
            let back = combine(
                "{}",
                surname.map(str::to_string),
                given.map(str::to_string),
                dob.map(str::to_string),
                Identifiers::default(),
            );
            assert_eq!(back, Err(reason.to_string()));
        }
    }
}
