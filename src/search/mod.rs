//! Search: the flagship plate query and person lookups, each returning people
//! with their status summary. Store-agnostic: everything here goes through
//! [`GraphStore`].

mod assoc;
mod summary;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use assoc::{
    AssociatedNode, Associations, MAX_ASSOCIATION_NODES, MAX_TIMELINE_EVENTS, Timeline,
    TimelineEvent, TimelineFilter,
};
pub use summary::{Category, StatusItem, SummaryRules, categorize, status_items};

use crate::graph::{EntityId, GraphStore, NameQuery, StoreError, StoredRecord};
use crate::model::{RecordKind, Role, Sex, Status};
use crate::normalize::{
    Address, IdKind, NameStyle, PersonName, Plate, clean_token, parse_identifier, quoted,
};

/// Largest number of people a name search returns.
pub const MAX_SEARCH_RESULTS: usize = 50;
/// Most people matched on one part of a multi-part surname, before the
/// parts' matches are intersected.
const MAX_PART_MATCHES: usize = 10_000;

/// A record reference with its dates, shown next to facts so they can be verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRef {
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
}

impl RecordRef {
    fn of(stored: &StoredRecord) -> RecordRef {
        let record = &stored.record;
        RecordRef {
            source: record.key.source.clone(),
            agency: stored.agency.clone(),
            record_id: record.key.record_id.clone(),
            version: record.key.version,
            date: record.date,
            end_date: record.end_date,
            status: record.status,
        }
    }
}

/// An address a person was recorded at, with the record that names them there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressSeen {
    /// The address.
    pub address: Address,
    /// The newest record naming the person at it.
    pub seen_in: RecordRef,
}

/// A resolved person: identity facts gathered from all their records, and the
/// status summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonProfile {
    /// Entity id.
    pub id: EntityId,
    /// The name most of the person's records use.
    pub name: Option<PersonName>,
    /// Every other spelling of the name in the person's records.
    pub aliases: Vec<String>,
    /// The date of birth most records agree on.
    pub dob: Option<NaiveDate>,
    /// Recorded sex, when the records agree.
    pub sex: Option<Sex>,
    /// Distinct identifiers across the person's records.
    pub identifiers: Vec<(IdKind, String)>,
    /// Addresses, newest first.
    pub addresses: Vec<AddressSeen>,
    /// Status summary items.
    pub status: Vec<StatusItem>,
    /// Current records naming the person.
    pub record_count: usize,
}

/// Result of a plate query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VehicleReport {
    /// The plate searched for.
    pub plate: Plate,
    /// Vehicle identification number on the newest registration.
    pub vin: Option<String>,
    /// Manufacturer.
    pub make: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Model year.
    pub year: Option<u16>,
    /// Colour.
    pub colour: Option<String>,
    /// The newest current registration record naming the plate.
    pub registration: RecordRef,
    /// Whether that registration is active and unexpired on the as-of date.
    pub registration_current: bool,
    /// Registered owners with their status summaries.
    pub owners: Vec<PersonProfile>,
}

/// Errors from a search.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// Invalid caller input. The message names the value and the reason.
    #[error("{0}")]
    InvalidInput(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs searches against one store.
#[derive(Clone)]
pub struct Search {
    store: Arc<dyn GraphStore>,
    rules: SummaryRules,
}

impl Search {
    /// Creates a search over `store` with the given summary windows.
    pub fn new(store: Arc<dyn GraphStore>, rules: SummaryRules) -> Search {
        Search { store, rules }
    }

    /// Returns the vehicle registered under the plate, its owners and their
    /// status summaries, or `None` when no current registration names it.
    pub async fn vehicle_by_plate(
        &self,
        state: &str,
        number: &str,
        as_of: NaiveDate,
    ) -> Result<Option<VehicleReport>, SearchError> {
        let plate = Plate::parse(state, number)
            .map_err(|err| SearchError::InvalidInput(err.to_string()))?;
        let registrations = self.store.registrations_by_plate(&plate).await?;
        let Some(newest) = registrations.first() else {
            return Ok(None);
        };
        let vehicle = newest
            .record
            .vehicles
            .iter()
            .find(|v| v.plate.as_ref() == Some(&plate))
            .cloned()
            .unwrap_or_default();
        let mut owner_ids = Vec::new();
        for (party, entity) in newest.record.parties.iter().zip(&newest.party_entities) {
            if party.role != Role::Owner {
                continue;
            }
            match entity {
                Some(entity) => owner_ids.push(*entity),
                None => {
                    tracing::warn!(record_id = %newest.record.key.record_id, "registration owner not yet resolved")
                }
            }
        }
        // One store call for every owner: a graph server answers it in one round trip.
        let owner_records = self.store.records_of_entities(&owner_ids).await?;
        let owners = owner_ids
            .iter()
            .zip(&owner_records)
            .filter(|(_, records)| !records.is_empty())
            .map(|(entity, records)| profile(*entity, records, as_of, &self.rules))
            .collect();
        Ok(Some(VehicleReport {
            plate,
            vin: vehicle.vin.map(|v| v.as_str().to_string()),
            make: vehicle.make,
            model: vehicle.model,
            year: vehicle.year,
            colour: vehicle.colour,
            registration: RecordRef::of(newest),
            registration_current: registration_current(newest, as_of),
            owners,
        }))
    }

    /// Returns a person's profile, or `None` when no such entity exists.
    pub async fn person(
        &self,
        entity: EntityId,
        as_of: NaiveDate,
    ) -> Result<Option<PersonProfile>, SearchError> {
        let records = self.store.records_of_entity(entity).await?;
        if records.is_empty() {
            return Ok(None);
        }
        Ok(Some(profile(entity, &records, as_of, &self.rules)))
    }

    /// Finds people by name (`LAST, FIRST`, `First Last` or a surname alone),
    /// optionally narrowed by date of birth.
    pub async fn search_persons(
        &self,
        name: &str,
        dob: Option<NaiveDate>,
        as_of: NaiveDate,
    ) -> Result<Vec<PersonProfile>, SearchError> {
        let query = name_query(name, dob)?;
        let mut entities = self
            .store
            .search_by_name(&query, MAX_SEARCH_RESULTS)
            .await?;
        entities.extend(self.by_every_surname_part(&query).await?);
        entities.sort_unstable();
        entities.dedup();
        self.profiles(&entities, as_of).await
    }

    /// Finds the people whose surname has every part of a multi-part query
    /// surname, however the parts are joined. Stores match a query surname
    /// against a whole stored surname or one part of it, so `GONZALEZ COLON`
    /// would miss a stored `GONZALEZ-COLON`, and `SANCHEZ ROBLES` a stored
    /// `SANCHEZ Y ROBLES`. A part matching more than [`MAX_PART_MATCHES`]
    /// people may make this miss some.
    async fn by_every_surname_part(&self, query: &NameQuery) -> Result<Vec<EntityId>, SearchError> {
        let parts: BTreeSet<&str> = query
            .surname
            .split([' ', '-'])
            .filter(|part| !part.is_empty())
            .collect();
        if parts.len() < 2 {
            return Ok(Vec::new());
        }
        let mut common: Option<BTreeSet<EntityId>> = None;
        for part in parts {
            let part_query = NameQuery {
                surname: part.to_string(),
                ..query.clone()
            };
            let found: BTreeSet<EntityId> = self
                .store
                .search_by_name(&part_query, MAX_PART_MATCHES)
                .await?
                .into_iter()
                .collect();
            common = Some(match common {
                None => found,
                Some(common) => common.intersection(&found).copied().collect(),
            });
        }
        Ok(common.unwrap_or_default().into_iter().collect())
    }

    /// Finds people by an identifier such as a licence number or state id.
    pub async fn persons_by_identifier(
        &self,
        kind: IdKind,
        value: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<PersonProfile>, SearchError> {
        let value = parse_identifier(kind, value)
            .map_err(|err| SearchError::InvalidInput(err.to_string()))?;
        let entities = self.store.search_by_identifier(kind, &value).await?;
        self.profiles(&entities, as_of).await
    }

    async fn profiles(
        &self,
        entities: &[EntityId],
        as_of: NaiveDate,
    ) -> Result<Vec<PersonProfile>, SearchError> {
        let entities: Vec<EntityId> = entities.iter().take(MAX_SEARCH_RESULTS).copied().collect();
        // One store call for every person: a graph server answers it in one round trip.
        let records = self.store.records_of_entities(&entities).await?;
        Ok(entities
            .iter()
            .zip(&records)
            .filter(|(_, records)| !records.is_empty())
            .map(|(entity, records)| profile(*entity, records, as_of, &self.rules))
            .collect())
    }
}

/// Returns whether a registration is in force on `as_of`.
pub fn registration_current(stored: &StoredRecord, as_of: NaiveDate) -> bool {
    let record = &stored.record;
    record.kind == RecordKind::VehicleRegistration
        && record.date.is_none_or(|issued| issued <= as_of)
        && record.status.is_none_or(|s| s == Status::Active)
        && record.end_date.is_some_and(|end| end >= as_of)
}

fn name_query(name: &str, dob: Option<NaiveDate>) -> Result<NameQuery, SearchError> {
    let invalid = |err: crate::normalize::NormalizeError| {
        SearchError::InvalidInput(format!("invalid name: {err}"))
    };
    if name.contains(',') {
        return Ok(NameQuery::from_name(
            &PersonName::parse(name, NameStyle::LastFirst).map_err(invalid)?,
            dob,
        ));
    }
    let cleaned = clean_token(name);
    if name.trim().is_empty() {
        return Err(SearchError::InvalidInput("invalid name: empty".to_string()));
    }
    if cleaned.is_empty() {
        let message = format!(
            "invalid name {}: it has no letters or digits to search for",
            quoted(name)
        );
        return Err(SearchError::InvalidInput(message));
    }
    if cleaned.contains(' ') {
        return Ok(NameQuery::from_name(
            &PersonName::parse(name, NameStyle::FirstLast).map_err(invalid)?,
            dob,
        ));
    }
    Ok(NameQuery {
        surname: cleaned,
        given: None,
        dob,
    })
}

/// Builds a profile from the records naming `entity`.
fn profile(
    entity: EntityId,
    records: &[StoredRecord],
    as_of: NaiveDate,
    rules: &SummaryRules,
) -> PersonProfile {
    let mut names: BTreeMap<String, (usize, BTreeSet<&str>, PersonName)> = BTreeMap::new();
    let mut dobs: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut sexes: BTreeMap<Sex, usize> = BTreeMap::new();
    let mut identifiers = Vec::new();
    let mut addresses: Vec<AddressSeen> = Vec::new();
    for stored in records {
        for (party, _) in stored
            .record
            .parties
            .iter()
            .zip(&stored.party_entities)
            .filter(|(_, e)| **e == Some(entity))
        {
            let person = &party.person;
            if let Some(name) = &person.name {
                let seen =
                    names
                        .entry(name.display())
                        .or_insert((0, BTreeSet::new(), name.clone()));
                seen.0 += 1;
                seen.1.insert(stored.record.key.source.as_str());
            }
            if let Some(dob) = person.dob {
                *dobs.entry(dob.date()).or_default() += 1;
            }
            if let Some(sex) = person.sex.filter(|s| *s != Sex::Unknown) {
                *sexes.entry(sex).or_default() += 1;
            }
            identifiers.extend(person_identifiers(person));
            // A protected party's or victim's address is never shown: it is
            // where the person hides from the restrained party.
            let sensitive = matches!(party.role, Role::Protected | Role::Victim);
            if let Some(address) = person.address.as_ref().filter(|_| !sensitive) {
                addresses.push(AddressSeen {
                    address: address.clone(),
                    seen_in: RecordRef::of(stored),
                });
            }
        }
    }
    identifiers.sort_by(|a, b| (a.0.name(), &a.1).cmp(&(b.0.name(), &b.1)));
    identifiers.dedup();
    addresses.sort_by_key(|a| std::cmp::Reverse(a.seen_in.date));
    let mut seen = std::collections::HashSet::new();
    addresses.retain(|a| seen.insert(a.address.key()));
    let name = display_name(names.values().map(|(n, sources, name)| (*n, sources, name)));
    let aliases = names
        .keys()
        .filter(|display| Some(display.as_str()) != name.as_ref().map(|n| n.display()).as_deref())
        .cloned()
        .collect();
    PersonProfile {
        id: entity,
        name,
        aliases,
        dob: most_common(dobs.into_iter().map(|(d, n)| (n, d))),
        sex: if sexes.len() == 1 {
            sexes.into_keys().next()
        } else {
            None
        },
        identifiers,
        addresses,
        status: status_items(entity, records, as_of, rules),
        record_count: records.len(),
    }
}

fn person_identifiers(
    person: &crate::model::PersonFacts,
) -> impl Iterator<Item = (IdKind, String)> + '_ {
    let ids = &person.ids;
    [
        (IdKind::StateId, &ids.state_id),
        (IdKind::Fbi, &ids.fbi),
        (IdKind::Licence, &ids.licence),
        (IdKind::Inmate, &ids.inmate),
        (IdKind::SorId, &ids.sor_id),
    ]
    .into_iter()
    .filter_map(|(kind, value)| value.clone().map(|v| (kind, v)))
}

/// Chooses the name shown for a person from the names of their mentions,
/// each with its count and the sources that give it. The given name and the
/// surname are voted on separately, so that one agency's misspelling of one
/// part, repeated over many records, cannot outvote the spelling that most
/// records share. A tie goes to the spelling more sources give. The middle
/// name and suffix are the most common among the mentions that give one,
/// because many agencies leave them out and a suffix (JR, SR) is what tells
/// a father from his son.
fn display_name<'a>(
    names: impl Iterator<Item = (usize, &'a BTreeSet<&'a str>, &'a PersonName)> + Clone,
) -> Option<PersonName> {
    let vote = |part: fn(&PersonName) -> Option<&str>| -> Option<String> {
        let mut counts: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
        for (count, sources, name) in names.clone() {
            if let Some(value) = part(name) {
                let seen = counts.entry(value).or_default();
                seen.0 += count;
                seen.1.extend(sources.iter().copied());
            }
        }
        most_common(
            counts
                .into_iter()
                .map(|(value, (n, sources))| ((n, sources.len()), value.to_string())),
        )
    };
    Some(PersonName {
        given: vote(|n| Some(n.given.as_str()))?,
        middle: vote(|n| n.middle.as_deref()),
        surname: vote(|n| Some(n.surname.as_str()))?,
        suffix: vote(|n| n.suffix.as_deref()),
    })
}

/// Returns the value with the highest count; ties go to the first.
fn most_common<K: Ord, T>(counted: impl Iterator<Item = (K, T)>) -> Option<T> {
    let mut best: Option<(K, T)> = None;
    for (count, value) in counted {
        if best.as_ref().is_none_or(|(n, _)| count > *n) {
            best = Some((count, value));
        }
    }
    best.map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_query_rejects_blank_and_symbols() {
        // Each case: the name searched for, and the error expected.
        let cases = [
            ("", "invalid name: empty"),
            ("  ", "invalid name: empty"),
            (
                "%",
                "invalid name \"%\": it has no letters or digits to search for",
            ),
            (
                "'*'",
                "invalid name \"'*'\": it has no letters or digits to search for",
            ),
        ];
        for (name, expected) in cases {
            match name_query(name, None) {
                Err(SearchError::InvalidInput(message)) => {
                    assert_eq!(message, expected, "{name:?}")
                }
                Err(other) => panic!("{name:?}: expected invalid input, got {other}"),
                Ok(_) => panic!("{name:?}: expected an error"),
            }
        }
    }

    fn name(surname: &str, given: &str, middle: Option<&str>, suffix: Option<&str>) -> PersonName {
        PersonName {
            given: given.into(),
            middle: middle.map(str::to_string),
            surname: surname.into(),
            suffix: suffix.map(str::to_string),
        }
    }

    #[test]
    fn display_name_votes_part_by_part() {
        let correct = name("GONZALEZ-COLON", "ANTHONY", None, None);
        let misspelt = name("GONZALEZ-COLOON", "ANTHONY", Some("J"), Some("JR"));
        let initial = name("GONZALEZ-COLON", "ANTHONY", Some("J"), None);
        let nickname = name("GONZALEZ-COLON", "TONY", None, None);
        // Each case: the names with their counts, and the display expected.
        let cases = [
            // The whole misspelt name is the most common, but not its surname.
            (
                vec![(8, &correct), (5, &initial), (10, &misspelt)],
                "GONZALEZ-COLON, ANTHONY J JR",
            ),
            (
                vec![(8, &correct), (10, &misspelt)],
                "GONZALEZ-COLOON, ANTHONY J JR",
            ),
            (vec![(2, &correct), (3, &nickname)], "GONZALEZ-COLON, TONY"),
            (vec![(5, &correct)], "GONZALEZ-COLON, ANTHONY"),
        ];
        let one_source = BTreeSet::from(["rms"]);
        for (names, expected) in cases {
            let chosen = display_name(names.iter().map(|(n, name)| (*n, &one_source, *name)));
            assert_eq!(chosen.map(|n| n.display()).as_deref(), Some(expected));
        }
        assert_eq!(display_name(std::iter::empty()), None);

        // A tie in count goes to the spelling more sources give, here not
        // the first in alphabetical order.
        let registry = BTreeSet::from(["sor"]);
        let agencies = BTreeSet::from(["dmv", "judicial", "rms"]);
        let typo = name("LOPEZ", "DANEL", None, None);
        let right = name("LOPEZ", "DANIEL", None, None);
        let tied = [(5, &registry, &typo), (5, &agencies, &right)];
        let chosen = display_name(tied.iter().map(|(n, sources, name)| (*n, *sources, *name)));
        assert_eq!(
            chosen.map(|n| n.display()).as_deref(),
            Some("LOPEZ, DANIEL")
        );
    }
}
