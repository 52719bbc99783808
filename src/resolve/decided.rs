//! The person a reviewer's decision names, followed across the versions of
//! their record.
//!
//! A decision names a party by position (`dmv:RG1#2`), and so that position
//! in every version of the record. A source may list the parties of a later
//! version in another order, and then another person is at that position. Each
//! decision keeps the version of every record it names as it was when the
//! reviewer decided. In any other version, the decision binds the party at
//! the named position only if it is the same person as in the decided
//! version. Otherwise it binds the one party of that version that is, or no
//! party at all. One mention may be bound by several references, as when
//! a person moved to a position that another decision names.

use std::collections::HashMap;

use super::cluster::{Conflict, conflict};
use super::engine::ResolveConfig;
use super::nicknames::canonical_given;
use super::prepare::{Prepared, prepare_single};
use super::review::effective_pairs;
use crate::graph::{Mention, PartyRef, ReviewDecision};
use crate::model::{Identifiers, PersonFacts};

/// The mention positions each reference a decision names with a version
/// binds, for the two kinds of link a decision makes.
#[derive(Debug, Default)]
pub(crate) struct Followed {
    /// Positions a confirmation binds.
    pub(crate) must: HashMap<PartyRef, Vec<u32>>,
    /// Positions a rejection or split binds: those of `must`, before the
    /// confirmations' contradiction check, and in a version where no party
    /// is the named person, the party at the named position unless it
    /// conflicts with the decided mention. A source that corrects a name
    /// (LENA to LENNA) leaves the same person at the same place, and a
    /// rejection that let go of them would let the two records merge, the
    /// one outcome the reviewer ruled out. A party who conflicts with the
    /// named person (another birth date, another licence) is someone else.
    pub(crate) cannot: HashMap<PartyRef, Vec<u32>>,
}

/// Returns, for each reference a decision names with a version, the
/// mention positions it binds. In the decided version that is the mention
/// at the named position. In every other version it is the mention at that
/// position if it is the same person, else the one mention of that version
/// that is, or none. `refs` and `versions` are aligned with `mentions`.
/// One mention may be bound by several references, as when a person moved
/// to a position another decision names in a later version.
///
/// A confirmation binds another version's mention only if that mention does
/// not conflict with the confirmed partner as decided. When a later version
/// adds a suffix and a birth date that make the person someone else, the
/// score places that mention, as if no decision named it. A rejection also
/// binds the named position of a version that holds no such mention (see
/// [`Followed::cannot`]).
pub(crate) fn decided_positions(
    mentions: &[Mention],
    refs: &[PartyRef],
    versions: &[u32],
    decisions: &[ReviewDecision],
) -> Followed {
    let decided = decided_versions(decisions);
    let mut followed = Followed::default();
    if decided.is_empty() {
        return followed;
    }
    let records = named_records(&decided, refs, versions);

    let mut bases = HashMap::new();
    for (reference, decided_version) in &decided {
        let by_version = &records[&record_of(reference)];
        let Some(base) = by_version
            .get(decided_version)
            .and_then(|parties| at_position(refs, parties, reference.party))
        else {
            continue;
        };
        bases.insert(*reference, base);
        let same = |x: usize, at: usize| same_person(&mentions[x].person, &mentions[at].person);
        let unlike = |x: usize, at: usize| mentions_conflict(&mentions[x], &mentions[at]).is_some();
        // The party of `parties` that is the decided person, or the person
        // last found in a version nearer the decided one. Versions are
        // followed one after another, so a name corrected in one version
        // and moved in the next is still found.
        let person_in = |last: usize, parties: &[usize]| {
            let is = |at: usize| same(base, at) || same(last, at);
            let now_there = at_position(refs, parties, reference.party);
            if let Some(at) = now_there.filter(|at| is(*at)) {
                return Follow::Found(at);
            }
            let found: Vec<usize> = parties.iter().copied().filter(|at| is(*at)).collect();
            match found[..] {
                [one] => Follow::Found(one),
                [] => Follow::Missing(now_there),
                _ => Follow::Several,
            }
        };
        let (mut after, mut before): (Vec<u32>, Vec<u32>) = by_version
            .keys()
            .copied()
            .filter(|version| version != decided_version)
            .partition(|version| version > decided_version);
        after.sort_unstable();
        before.sort_unstable_by(|x, y| y.cmp(x));
        let mut bound = vec![base as u32];
        let mut in_place = Vec::new();
        for run in [after, before] {
            let (mut last_same, mut last_apart) = (base, base);
            for version in run {
                let parties = &by_version[&version];
                if let Follow::Found(at) = person_in(last_same, parties) {
                    bound.push(at as u32);
                    last_same = at;
                }
                let apart_at = match person_in(last_apart, parties) {
                    Follow::Found(at) => Some(at),
                    Follow::Missing(Some(at)) if !unlike(base, at) && !unlike(last_apart, at) => {
                        Some(at)
                    }
                    _ => None,
                };
                if let Some(at) = apart_at {
                    in_place.push(at as u32);
                    last_apart = at;
                }
            }
        }
        bound.sort_unstable();
        let mut apart = bound.clone();
        apart.extend(in_place);
        apart.sort_unstable();
        apart.dedup();
        followed.cannot.insert((*reference).clone(), apart);
        followed.must.insert((*reference).clone(), bound);
    }
    drop_contradicted(mentions, decisions, &bases, &mut followed.must);
    followed
}

/// The place of a decided person in one version of their record.
enum Follow {
    /// At this mention position.
    Found(usize),
    /// Nowhere; the party at the named position, if the version has one.
    Missing(Option<usize>),
    /// At more than one party, so at none for certain.
    Several,
}

/// Returns the first conflict between two mentions by the default rules,
/// as clustering checks a pair: a hard one, or else a soft one when they
/// share no identifier.
pub fn mentions_conflict(a: &Mention, b: &Mention) -> Option<Conflict> {
    let config = ResolveConfig::default();
    conflict(
        &prepare_single(a, 0),
        &prepare_single(b, 0),
        &config.conflicts,
        &config.thresholds,
    )
}

/// Removes from each confirmed reference's positions those of other
/// versions that conflict with the decided mention of a record the
/// confirmations join it to, directly or through other confirmed records,
/// unless the decided mentions of the two conflict already (the reviewer
/// confirmed over that conflict). A warrant confirmed with another warrant
/// that was confirmed as the son must not bind a version that names the
/// father.
fn drop_contradicted(
    mentions: &[Mention],
    decisions: &[ReviewDecision],
    bases: &HashMap<&PartyRef, usize>,
    followed: &mut HashMap<PartyRef, Vec<u32>>,
) {
    let config = ResolveConfig::default();
    let prepared = |at: usize| prepare_single(&mentions[at], 0);
    let conflicts = |x: &Prepared, y: &Prepared| {
        conflict(x, y, &config.conflicts, &config.thresholds).is_some()
    };
    let (confirmed, _) = effective_pairs(decisions);
    for group in confirmed_groups(&confirmed) {
        for named in &group {
            let Some(&base) = bases.get(named) else {
                continue;
            };
            let Some(positions) = followed.get_mut(*named) else {
                continue;
            };
            let own = prepared(base);
            let partners: Vec<Prepared> = group
                .iter()
                .filter(|other| *other != named)
                .filter_map(|other| bases.get(other))
                .map(|at| prepared(*at))
                .filter(|partner| !conflicts(&own, partner))
                .collect();
            positions.retain(|at| {
                let mention = prepared(*at as usize);
                *at as usize == base || partners.iter().all(|p| !conflicts(&mention, p))
            });
        }
    }
}

/// Returns the references that confirmed pairs join, directly or through
/// others, one group per set of joined references.
fn confirmed_groups(confirmed: &[(PartyRef, PartyRef)]) -> Vec<Vec<&PartyRef>> {
    let mut groups: Vec<Vec<&PartyRef>> = Vec::new();
    for (a, b) in confirmed {
        let holding: Vec<usize> = (0..groups.len())
            .filter(|at| groups[*at].contains(&a) || groups[*at].contains(&b))
            .collect();
        let mut merged: Vec<&PartyRef> = vec![a, b];
        for at in holding.iter().rev() {
            merged.extend(groups.swap_remove(*at));
        }
        merged.sort();
        merged.dedup();
        groups.push(merged);
    }
    groups
}

/// Returns the mention positions of each record a decision names, by version.
fn named_records<'a>(
    decided: &HashMap<&'a PartyRef, u32>,
    refs: &'a [PartyRef],
    versions: &[u32],
) -> HashMap<(&'a str, &'a str), HashMap<u32, Vec<usize>>> {
    let mut records: HashMap<(&str, &str), HashMap<u32, Vec<usize>>> = decided
        .keys()
        .map(|reference| (record_of(reference), HashMap::new()))
        .collect();
    for (at, reference) in refs.iter().enumerate() {
        if let Some(by_version) = records.get_mut(&record_of(reference)) {
            by_version.entry(versions[at]).or_default().push(at);
        }
    }
    records
}

/// Returns the mention among `parties` at position `party`.
fn at_position(refs: &[PartyRef], parties: &[usize], party: u32) -> Option<usize> {
    parties.iter().copied().find(|at| refs[*at].party == party)
}

/// Returns the version each named reference was decided at, by the latest
/// decision that names it with a version.
fn decided_versions(decisions: &[ReviewDecision]) -> HashMap<&PartyRef, u32> {
    let mut sorted: Vec<&ReviewDecision> = decisions.iter().collect();
    sorted.sort_by_key(|d| d.id);
    let mut decided = HashMap::new();
    for decision in sorted {
        for (reference, version) in decision.records.iter().zip(&decision.versions) {
            if let Some(version) = version {
                decided.insert(reference, *version);
            }
        }
    }
    decided
}

fn record_of(reference: &PartyRef) -> (&str, &str) {
    (&reference.source, &reference.record_id)
}

/// Returns whether two parties of one record, in different versions, are
/// the same person. They are when they share an identifier, or when they
/// have the same surname and given name (or nicknames of one name, such as
/// GREG and GREGORY) with no date of birth or identifier that differs.
fn same_person(a: &PersonFacts, b: &PersonFacts) -> bool {
    let pairs = id_pairs(&a.ids, &b.ids);
    if pairs.iter().any(|(x, y)| x == y) {
        return true;
    }
    if !pairs.is_empty() {
        return false;
    }
    let names = match (&a.name, &b.name) {
        (Some(x), Some(y)) => {
            let same_given =
                x.given == y.given || canonical_given(&x.given) == canonical_given(&y.given);
            same_given && x.surname == y.surname
        }
        (None, None) => true,
        _ => false,
    };
    let dobs = match (a.dob, b.dob) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    names && dobs
}

/// Returns the identifiers both sides record, slot by slot.
fn id_pairs<'a>(a: &'a Identifiers, b: &'a Identifiers) -> Vec<(&'a str, &'a str)> {
    let slots = |ids: &'a Identifiers| {
        [
            &ids.state_id,
            &ids.fbi,
            &ids.licence,
            &ids.inmate,
            &ids.sor_id,
        ]
        .map(|id| id.as_deref())
    };
    slots(a)
        .into_iter()
        .zip(slots(b))
        .filter_map(|pair| match pair {
            (Some(x), Some(y)) => Some((x, y)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::graph::DecisionKind;
    use crate::model::Role;
    use crate::normalize::{Dob, PersonName};

    /// One party of version `version` of the registration `RG1`.
    fn party(id: i64, version: u32, position: u32, given: &str, dob: Option<&str>) -> Party {
        let person = PersonFacts {
            name: PersonName::from_parts(Some(given), None, Some("KOWALCZYK"), None).ok(),
            dob: dob
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .and_then(Dob::new),
            ..PersonFacts::default()
        };
        let mention = Mention {
            id,
            source: "dmv".into(),
            record_id: "RG1".into(),
            record: i64::from(version),
            role: Role::Owner,
            person,
        };
        Party {
            mention,
            reference: PartyRef::new("dmv", "RG1", position),
            version,
        }
    }

    struct Party {
        mention: Mention,
        reference: PartyRef,
        version: u32,
    }

    fn confirm(position: u32, version: Option<u32>) -> ReviewDecision {
        let named = PartyRef::new("dmv", "RG1", position);
        let other = PartyRef::new("dmv", "BL1", 1);
        ReviewDecision {
            id: 1,
            kind: DecisionKind::Confirm,
            records: vec![named.clone(), other.clone()],
            versions: vec![version, Some(1)],
            pairs: vec![(named, other)],
            who: "Det. Example".into(),
            why: "one person".into(),
            decided_at: Utc::now(),
        }
    }

    /// Returns the mention ids the decision's named reference binds.
    fn bound(parties: &[Party], decision: &ReviewDecision) -> Vec<i64> {
        let mentions: Vec<Mention> = parties.iter().map(|p| p.mention.clone()).collect();
        let refs: Vec<PartyRef> = parties.iter().map(|p| p.reference.clone()).collect();
        let versions: Vec<u32> = parties.iter().map(|p| p.version).collect();
        let followed =
            decided_positions(&mentions, &refs, &versions, std::slice::from_ref(decision));
        let named = &decision.records[0];
        let followed = if decision.kind.links() {
            followed.must
        } else {
            followed.cannot
        };
        let positions: Vec<u32> = match followed.get(named) {
            Some(positions) => positions.clone(),
            None => (0..refs.len() as u32)
                .filter(|at| refs[*at as usize] == *named)
                .collect(),
        };
        positions
            .iter()
            .map(|at| mentions[*at as usize].id)
            .collect()
    }

    #[test]
    fn decided_party_followed_across_versions() {
        let alice =
            |id, version, position| party(id, version, position, "ALICE", Some("1979-08-08"));
        // (case, parties, decision, mentions the named party binds)
        let cases = [
            (
                "same order: nothing changes",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", None),
                    alice(3, 2, 1),
                    party(4, 2, 2, "BOB", None),
                ],
                confirm(2, Some(1)),
                vec![2, 4],
            ),
            (
                "swapped: Bob moved to the first position",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", None),
                    party(3, 2, 1, "BOB", None),
                    alice(4, 2, 2),
                ],
                confirm(2, Some(1)),
                vec![2, 3],
            ),
            (
                "replaced: Bob is gone, Alice at his position is not bound",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", None),
                    party(3, 2, 1, "EDWARD", Some("1975-05-05")),
                    alice(4, 2, 2),
                ],
                confirm(2, Some(1)),
                vec![2],
            ),
            (
                "decided on the later version: the earlier one follows",
                vec![
                    party(1, 1, 1, "BOB", None),
                    alice(2, 1, 2),
                    alice(3, 2, 1),
                    party(4, 2, 2, "BOB", None),
                ],
                confirm(2, Some(2)),
                vec![1, 4],
            ),
            (
                "stored without a version: positions as named",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", None),
                    party(3, 2, 1, "BOB", None),
                    alice(4, 2, 2),
                ],
                confirm(2, None),
                vec![2, 4],
            ),
        ];
        for (case, parties, decision, expected) in cases {
            assert_eq!(bound(&parties, &decision), expected, "{case}");
        }
    }

    #[test]
    fn rejection_binds_position_without_person() {
        let reject = |position, version| ReviewDecision {
            kind: DecisionKind::Reject,
            ..confirm(position, version)
        };
        let alice =
            |id, version, position| party(id, version, position, "ALICE", Some("1979-08-08"));
        // (case, parties, decision, mentions the named party binds)
        let cases = [
            (
                "a corrected given name: the same place, bound",
                vec![
                    party(1, 1, 1, "LENA", Some("1990-01-15")),
                    party(2, 2, 1, "LENNA", Some("1990-01-15")),
                ],
                reject(1, Some(1)),
                vec![1, 2],
            ),
            (
                "replaced: nobody is Bob, and Alice at his position is someone else",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", None),
                    party(3, 2, 1, "EDWARD", Some("1975-05-05")),
                    alice(4, 2, 2),
                ],
                reject(2, Some(1)),
                vec![2],
            ),
            (
                "replaced by a namesake without a birth date: bound",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", Some("1970-02-02")),
                    party(3, 2, 1, "EDWARD", Some("1975-05-05")),
                    party(4, 2, 2, "BOBBIE", None),
                ],
                reject(2, Some(1)),
                vec![2, 4],
            ),
            (
                "corrected, then moved: followed from the corrected version",
                vec![
                    party(1, 1, 1, "LENA", Some("1985-01-01")),
                    party(2, 1, 2, "PIETER", Some("1983-03-03")),
                    party(3, 2, 1, "LENNA", Some("1985-01-01")),
                    party(4, 2, 2, "PIETER", Some("1983-03-03")),
                    party(5, 3, 1, "PIETER", Some("1983-03-03")),
                    party(6, 3, 2, "LENNA", Some("1985-01-01")),
                ],
                reject(1, Some(1)),
                vec![1, 3, 6],
            ),
            (
                "swapped: Bob is followed, Alice at his position is not bound",
                vec![
                    alice(1, 1, 1),
                    party(2, 1, 2, "BOB", None),
                    party(3, 2, 1, "BOB", None),
                    alice(4, 2, 2),
                ],
                reject(2, Some(1)),
                vec![2, 3],
            ),
        ];
        for (case, parties, decision, expected) in cases {
            assert_eq!(bound(&parties, &decision), expected, "{case}");
        }
        // A confirmation binds no version without the person.
        let corrected = [
            party(1, 1, 1, "LENA", Some("1990-01-15")),
            party(2, 2, 1, "LENNA", Some("1990-01-15")),
        ];
        assert_eq!(bound(&corrected, &confirm(1, Some(1))), vec![1]);
    }

    #[test]
    fn same_person_by_identifier_name_and_birth_date() {
        let person = |given: &str, dob: Option<&str>, licence: Option<&str>| PersonFacts {
            name: PersonName::from_parts(Some(given), None, Some("MARSDEN"), None).ok(),
            dob: dob
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .and_then(Dob::new),
            ids: Identifiers {
                licence: licence.map(str::to_string),
                ..Identifiers::default()
            },
            ..PersonFacts::default()
        };
        let cases = [
            (
                "one licence",
                person("ALICE", None, Some("L1")),
                person("ALLY", None, Some("L1")),
                true,
            ),
            (
                "two licences",
                person("ALICE", None, Some("L1")),
                person("ALICE", None, Some("L2")),
                false,
            ),
            (
                "one name, one birth date",
                person("ALICE", Some("1979-08-08"), None),
                person("ALICE", Some("1979-08-08"), None),
                true,
            ),
            (
                "one name, a birth date missing",
                person("ALICE", Some("1979-08-08"), None),
                person("ALICE", None, None),
                true,
            ),
            (
                "one name, two birth dates",
                person("ALICE", Some("1979-08-08"), None),
                person("ALICE", Some("1980-08-08"), None),
                false,
            ),
            (
                "two names",
                person("ALICE", None, None),
                person("ALINA", None, None),
                false,
            ),
            (
                "nicknames of one name",
                person("ROBERT", None, None),
                person("BOB", None, None),
                true,
            ),
        ];
        for (case, a, b, expected) in cases {
            assert_eq!(same_person(&a, &b), expected, "{case}");
        }
    }
}
