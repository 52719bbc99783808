//! The checks every store must pass. Each takes a fresh, empty store; answers
//! that go through `Search` or the association queries are also compared with
//! a reference SQLite store holding the same scenario, so every store gives
//! the same answer, ids included.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use ciss::graph::{
    AssocFilter, DecisionKind, EdgeKind, EntityId, GraphStore, NameQuery, NodeRef, PartyRef,
    QuarantineStatus, QueuedPair, SqliteStore, StoreError, Subgraph,
};
use ciss::model::{RecordKind, Role};
use ciss::normalize::IdKind;
use ciss::resolve::{RuleResolver, resolve_store};
use ciss::review::Review;
use ciss::search::{Category, Search, SummaryRules};

use crate::fixtures::{self, as_of};

/// The people of the scenario, by entity id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct People {
    pub(crate) margaret: EntityId,
    pub(crate) tomasz: EntityId,
    pub(crate) alma: EntityId,
    pub(crate) erika: EntityId,
}

/// Stores the scenario's three batches, unresolved.
async fn store_scenario(store: &dyn GraphStore) -> Result<()> {
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    store
        .apply_batch(Arc::new(fixtures::renewal_batch()))
        .await?;
    Ok(())
}

/// Stores the whole scenario and resolves it.
pub(crate) async fn load_scenario(store: &dyn GraphStore) -> Result<People> {
    store_scenario(store).await?;
    resolve_store(store, &RuleResolver).await?;
    let one = |found: Vec<EntityId>, who: &str| -> Result<EntityId> {
        ensure!(
            found.len() == 1,
            "expected one entity for {who}, found {found:?}"
        );
        Ok(found[0])
    };
    Ok(People {
        margaret: one(
            store
                .search_by_identifier(IdKind::Licence, "D1234567")
                .await?,
            "margaret",
        )?,
        tomasz: one(
            store
                .search_by_identifier(IdKind::Inmate, "INM40404")
                .await?,
            "tomasz",
        )?,
        alma: one(
            store
                .search_by_name(&name("QUINTERO", Some("ALMA")), 10)
                .await?,
            "alma",
        )?,
        erika: one(
            store.search_by_identifier(IdKind::SorId, "SOR5150").await?,
            "erika",
        )?,
    })
}

fn name(surname: &str, given: Option<&str>) -> NameQuery {
    NameQuery {
        surname: surname.into(),
        given: given.map(str::to_string),
        dob: None,
    }
}

/// A SQLite store in a temporary directory holding the scenario.
pub(crate) struct Reference {
    _dir: tempfile::TempDir,
    pub(crate) store: Arc<SqliteStore>,
    pub(crate) people: People,
}

pub(crate) async fn reference() -> Result<Reference> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(&dir.path().join("reference.db"))?);
    let people = load_scenario(store.as_ref()).await?;
    Ok(Reference {
        _dir: dir,
        store,
        people,
    })
}

fn search(store: Arc<dyn GraphStore>) -> Search {
    Search::new(store, SummaryRules::default())
}

pub(crate) async fn check_ingest_counts(store: Arc<dyn GraphStore>) -> Result<()> {
    let dmv = store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    ensure!(
        dmv.inserted == 2 && dmv.duplicates == 0 && dmv.quarantined == 1,
        "dmv batch: {dmv:?}"
    );
    let justice = store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    ensure!(
        justice.inserted == 4 && justice.stale == 0,
        "justice batch: {justice:?}"
    );
    ensure!(
        justice.batch_id != dmv.batch_id,
        "batch ids repeat: {dmv:?} {justice:?}"
    );
    let counts = store.counts().await?;
    ensure!(
        counts.records == 6 && counts.current_records == 6,
        "{counts:?}"
    );
    ensure!(counts.mentions == 8, "mentions: {counts:?}");
    ensure!(counts.entities == 0, "nothing resolved yet: {counts:?}");
    ensure!(
        counts.vehicles == 2,
        "one VIN and one plate-only vehicle: {counts:?}"
    );
    ensure!(counts.batches == 2 && counts.quarantined == 1, "{counts:?}");
    Ok(())
}

pub(crate) async fn check_supersede(store: Arc<dyn GraphStore>) -> Result<()> {
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    let renewal = store
        .apply_batch(Arc::new(fixtures::renewal_batch()))
        .await?;
    ensure!(
        renewal.inserted == 1 && renewal.superseded == 1,
        "renewal: {renewal:?}"
    );
    let late_v1 = fixtures::batch(
        "dmv",
        "Test Motor Vehicles",
        vec![fixtures::registration(
            "REG-100",
            1,
            "2027-01-15",
            fixtures::margaret(),
            fixtures::margaret_car(),
        )],
    );
    let late = store.apply_batch(Arc::new(late_v1)).await?;
    ensure!(
        late.duplicates == 1 && late.inserted == 0,
        "late v1 is a duplicate: {late:?}"
    );
    let stale_v0 = fixtures::batch(
        "dmv",
        "Test Motor Vehicles",
        vec![fixtures::registration(
            "REG-100",
            0,
            "2026-01-15",
            fixtures::margaret(),
            fixtures::margaret_car(),
        )],
    );
    let stale = store.apply_batch(Arc::new(stale_v0)).await?;
    ensure!(
        stale.stale == 1 && stale.inserted == 0,
        "v0 is stale: {stale:?}"
    );
    let counts = store.counts().await?;
    ensure!(counts.records == 4, "every version kept: {counts:?}");
    ensure!(
        counts.current_records == 2,
        "one current per record: {counts:?}"
    );
    let found = store
        .registrations_by_plate(&fixtures::plate("CT", "AB1234"))
        .await?;
    ensure!(found.len() == 1, "only the current registration: {found:?}");
    ensure!(
        found[0].record.key.version == 2 && found[0].current,
        "{:?}",
        found[0].record.key
    );
    ensure!(
        found[0].agency == "Test Motor Vehicles",
        "agency: {}",
        found[0].agency
    );
    // Review reads every version of a named record, with its currency.
    let named = [("dmv".to_string(), "REG-100".to_string())];
    let versions: Vec<(u32, bool, u32)> = store
        .record_mentions(&named)
        .await?
        .iter()
        .map(|(m, p)| {
            ensure!(m.record_id == "REG-100", "another record: {m:?}");
            Ok((p.version, p.current, p.party))
        })
        .collect::<Result<_>>()?;
    ensure!(
        versions == [(1, false, 1), (2, true, 1), (0, false, 1)],
        "every version of REG-100, in the order they were stored: {versions:?}"
    );
    Ok(())
}

/// Checks that the parties of one record version share its number in the
/// mentions resolution reads, and that every other version has its own:
/// clustering keeps two parties of one version apart by that number.
pub(crate) async fn check_mentions_name_their_record_version(
    store: Arc<dyn GraphStore>,
) -> Result<()> {
    store_scenario(store.as_ref()).await?;
    let mentions = store.mentions().await?;
    let numbers = |record_id: &str| -> Vec<i64> {
        mentions
            .iter()
            .filter(|m| m.record_id == record_id)
            .map(|m| m.record)
            .collect()
    };
    for two_parties in ["ARR-1", "PO-1"] {
        let found = numbers(two_parties);
        ensure!(
            found.len() == 2 && found[0] == found[1],
            "{two_parties}: {found:?}"
        );
    }
    let versions = numbers("REG-100");
    ensure!(
        versions.len() == 2 && versions[0] != versions[1],
        "two versions of REG-100: {versions:?}"
    );
    let distinct: BTreeSet<(&str, i64)> = mentions
        .iter()
        .map(|m| (m.record_id.as_str(), m.record))
        .collect();
    let numbers: BTreeSet<i64> = distinct.iter().map(|(_, n)| *n).collect();
    ensure!(
        numbers.len() == distinct.len(),
        "one number per record version: {distinct:?}"
    );
    Ok(())
}

/// Checks that every stored version gives back the text its source sent,
/// whether the producer packed the batch's texts or left that to the store,
/// and that a re-send or a rejected record changes none of them.
pub(crate) async fn check_source_text(store: Arc<dyn GraphStore>) -> Result<()> {
    let mut packed = fixtures::justice_batch();
    if store.packs_texts() {
        packed.texts = Some(packed.packed_texts()?);
    }
    store.apply_batch(Arc::new(packed)).await?;
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    store
        .apply_batch(Arc::new(fixtures::renewal_batch()))
        .await?;
    let cases = [
        ("police", "ARR-1", 1, Some("ARR-1|1|0")),
        ("police", "PRB-1", 1, Some("PRB-1|1|3")),
        ("dmv", "REG-100", 1, Some("REG-100|1|0")),
        ("dmv", "REG-200", 1, Some("REG-200|1|1")),
        ("dmv", "REG-100", 2, Some("REG-100|2|0")),
        ("dmv", "REG-100", 3, None),
        ("dmv", "REG-300", 1, None),
        ("police", "REG-100", 1, None),
    ];
    for (source, record_id, version, expected) in cases {
        let text = store.source_text(source, record_id, version).await?;
        ensure!(
            text.as_deref() == expected,
            "{source} {record_id} v{version}: {text:?}, expected {expected:?}"
        );
    }
    Ok(())
}

pub(crate) async fn check_idempotent_resend(store: Arc<dyn GraphStore>) -> Result<()> {
    store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    let before = store.counts().await?;
    let again = store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    ensure!(
        again.duplicates == 4 && again.inserted == 0,
        "justice again: {again:?}"
    );
    let dmv_again = store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    ensure!(
        dmv_again.duplicates == 2 && dmv_again.quarantined == 1,
        "dmv again: {dmv_again:?}"
    );
    let after = store.counts().await?;
    ensure!(
        after.records == before.records && after.mentions == before.mentions,
        "{before:?} -> {after:?}"
    );
    ensure!(
        after.quarantined == before.quarantined && after.vehicles == before.vehicles,
        "{before:?} -> {after:?}"
    );
    ensure!(
        after.batches == before.batches + 2,
        "each re-send is a batch: {before:?} -> {after:?}"
    );
    Ok(())
}

/// Checks that a re-sent version with different content is quarantined once,
/// leaves the stored version alone, and that the stored content still counts
/// as a duplicate.
pub(crate) async fn check_conflicting_resend(store: Arc<dyn GraphStore>) -> Result<()> {
    store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    let before = store.counts().await?;

    let mut changed = fixtures::justice_batch();
    changed.records.truncate(1);
    changed.records[0].record.status = Some(ciss::model::Status::Active);
    changed.records[0].raw = "ARR-1|1|corrected".to_string();
    let changed = Arc::new(changed);
    for attempt in 1..=2 {
        let outcome = store.apply_batch(Arc::clone(&changed)).await?;
        ensure!(outcome.quarantined == 1, "attempt {attempt}: {outcome:?}");
        ensure!(outcome.duplicates == 0, "attempt {attempt}: {outcome:?}");
        ensure!(outcome.inserted == 0, "attempt {attempt}: {outcome:?}");
    }

    let after = store.counts().await?;
    ensure!(after.records == before.records, "{before:?} -> {after:?}");
    ensure!(
        after.quarantined == before.quarantined + 1,
        "one open entry for both attempts: {before:?} -> {after:?}"
    );

    let entries = store.quarantine(Some("police"), false).await?;
    let conflict = entries
        .iter()
        .find(|e| e.field.as_deref() == Some("version"))
        .ok_or_else(|| anyhow::anyhow!("no conflict entry in {entries:?}"))?;
    ensure!(
        conflict.record_id.as_deref() == Some("ARR-1"),
        "{conflict:?}"
    );
    ensure!(conflict.line == Some(2), "{conflict:?}");
    ensure!(
        conflict.reason
            == "version: record ARR-1 already has a version 1 with different content; \
                send the change as a higher version",
        "{conflict:?}"
    );

    let again = store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    ensure!(
        again.duplicates == 4,
        "the stored content is still a duplicate: {again:?}"
    );
    ensure!(again.quarantined == 0, "{again:?}");
    Ok(())
}

pub(crate) async fn check_resolve_is_stable(store: Arc<dyn GraphStore>) -> Result<()> {
    let people = load_scenario(store.as_ref()).await?;
    let distinct: BTreeSet<_> = [people.margaret, people.tomasz, people.alma, people.erika].into();
    ensure!(distinct.len() == 4, "four different people: {people:?}");
    let counts = store.counts().await?;
    ensure!(counts.entities == 4 && counts.mentions == 9, "{counts:?}");
    let report = resolve_store(store.as_ref(), &RuleResolver).await?;
    ensure!(report.entities == 4, "re-resolution: {report:?}");
    let again = load_scenario_ids(store.as_ref()).await?;
    ensure!(again == people, "entity ids moved: {people:?} -> {again:?}");
    let reference = reference().await?;
    ensure!(
        people == reference.people,
        "ids differ from the reference store: {people:?} vs {:?}",
        reference.people
    );
    for entity in [people.margaret, people.tomasz] {
        ensure!(store.entity_exists(entity).await?, "entity {entity} exists");
    }
    ensure!(
        !store.entity_exists(999_999).await?,
        "entity 999999 does not exist"
    );
    Ok(())
}

/// An entity whose only mention is of a superseded version, as when a
/// registration's new version names another owner, no longer exists: no
/// current record names it, so every query by person id finds nothing.
pub(crate) async fn check_superseded_entity_is_gone(store: Arc<dyn GraphStore>) -> Result<()> {
    let version = |number, owner| {
        fixtures::batch(
            "dmv",
            "Test Motor Vehicles",
            vec![fixtures::registration(
                "REG-300",
                number,
                "2027-01-15",
                owner,
                fixtures::margaret_car(),
            )],
        )
    };
    store
        .apply_batch(Arc::new(version(1, fixtures::alma())))
        .await?;
    store
        .apply_batch(Arc::new(version(2, fixtures::erika())))
        .await?;
    resolve_store(store.as_ref(), &RuleResolver).await?;
    let mentions = store.mentions().await?;
    let named = |surname: &str| {
        mentions
            .iter()
            .find(|m| m.person.name.as_ref().is_some_and(|n| n.surname == surname))
            .map(|m| m.id)
    };
    let (Some(alma), Some(erika)) = (named("QUINTERO"), named("VOSS-LINDQVIST")) else {
        anyhow::bail!("both owners stored: {mentions:?}");
    };
    // Each mention is alone in its entity, whose id is the mention's.
    ensure!(
        !store.entity_exists(alma).await?,
        "only a superseded version names {alma}"
    );
    ensure!(
        store.entity_exists(erika).await?,
        "the current owner {erika} exists"
    );
    Ok(())
}

pub(crate) async fn check_unresolved_mentions(store: Arc<dyn GraphStore>) -> Result<()> {
    ensure!(
        store.count_unresolved_mentions().await? == 0,
        "an empty store has no unresolved mentions"
    );
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    store
        .apply_batch(Arc::new(fixtures::justice_batch()))
        .await?;
    let stored = store.count_unresolved_mentions().await?;
    ensure!(stored == 8, "every stored mention is unresolved: {stored}");
    resolve_store(store.as_ref(), &RuleResolver).await?;
    let resolved = store.count_unresolved_mentions().await?;
    ensure!(resolved == 0, "resolution leaves none: {resolved}");
    store
        .apply_batch(Arc::new(fixtures::renewal_batch()))
        .await?;
    let renewed = store.count_unresolved_mentions().await?;
    ensure!(renewed == 1, "the renewal's owner is unresolved: {renewed}");
    Ok(())
}

async fn load_scenario_ids(store: &dyn GraphStore) -> Result<People> {
    let first = |v: Vec<EntityId>| v.first().copied().context("no entity");
    Ok(People {
        margaret: first(
            store
                .search_by_identifier(IdKind::Licence, "D1234567")
                .await?,
        )?,
        tomasz: first(
            store
                .search_by_identifier(IdKind::Inmate, "INM40404")
                .await?,
        )?,
        alma: first(
            store
                .search_by_name(&name("QUINTERO", Some("ALMA")), 10)
                .await?,
        )?,
        erika: first(store.search_by_identifier(IdKind::SorId, "SOR5150").await?)?,
    })
}

pub(crate) async fn check_plate_and_summary(store: Arc<dyn GraphStore>) -> Result<()> {
    let people = load_scenario(store.as_ref()).await?;
    let report = search(store.clone())
        .vehicle_by_plate("ct", "ab-1234", as_of())
        .await?
        .context("plate AB1234 is registered")?;
    ensure!(
        report.registration.version == 2 && report.registration_current,
        "{:?}",
        report.registration
    );
    ensure!(
        report.make.as_deref() == Some("TOYOTA"),
        "make: {:?}",
        report.make
    );
    ensure!(
        report.owners.len() == 1 && report.owners[0].id == people.margaret,
        "owners: {:?}",
        report.owners
    );
    let categories: Vec<Category> = report.owners[0].status.iter().map(|s| s.category).collect();
    ensure!(
        categories.contains(&Category::Wanted),
        "active warrant shown: {categories:?}"
    );
    ensure!(
        categories.contains(&Category::RecentArrest),
        "recent arrest shown: {categories:?}"
    );
    let reference = reference().await?;
    let expected = search(reference.store.clone())
        .vehicle_by_plate("CT", "AB1234", as_of())
        .await?;
    ensure!(
        Some(&report) == expected.as_ref(),
        "differs from the reference store:\n{report:#?}\nvs\n{expected:#?}"
    );
    let tomasz = search(store.clone())
        .person(people.tomasz, as_of())
        .await?
        .context("tomasz")?;
    let expected = search(reference.store.clone())
        .person(people.tomasz, as_of())
        .await?;
    ensure!(
        Some(&tomasz) == expected.as_ref(),
        "tomasz differs from the reference store"
    );
    let categories: BTreeSet<Category> = tomasz.status.iter().map(|s| s.category).collect();
    ensure!(
        categories.contains(&Category::ProtectiveOrder)
            && categories.contains(&Category::Supervision),
        "{categories:?}"
    );
    ensure!(
        search(store)
            .vehicle_by_plate("CT", "NOPE1", as_of())
            .await?
            .is_none(),
        "unknown plate"
    );
    Ok(())
}

pub(crate) async fn check_search_by_name_and_identifier(store: Arc<dyn GraphStore>) -> Result<()> {
    let people = load_scenario(store.as_ref()).await?;
    let reference = reference().await?;
    let ours = search(store.clone());
    let theirs = search(reference.store.clone());
    let names = [
        ("HOLLOWAY, MARGARET", None, vec![people.margaret]),
        (
            "Margaret Holloway",
            Some(fixtures::day("1971-03-04")),
            vec![people.margaret],
        ),
        ("holloway", Some(fixtures::day("1980-01-01")), vec![]),
        ("LINDQVIST", None, vec![people.erika]),
        ("Voss-Lindqvist, Erika", None, vec![people.erika]),
        ("VOSS LINDQVIST, ERIKA", None, vec![people.erika]),
        ("Erika Voss Lindqvist", None, vec![people.erika]),
        ("Lindqvist-Voss, Erika", None, vec![people.erika]),
        ("HOLLOWAY LINDQVIST, ERIKA", None, vec![]),
        ("Nobody", None, vec![]),
    ];
    for (query, dob, expected) in names {
        let found = ours.search_persons(query, dob, as_of()).await?;
        let ids: Vec<EntityId> = found.iter().map(|p| p.id).collect();
        ensure!(
            ids == expected,
            "name {query:?}: {ids:?}, expected {expected:?}"
        );
        ensure!(
            found == theirs.search_persons(query, dob, as_of()).await?,
            "name {query:?} differs from the reference"
        );
    }
    let identifiers = [
        (IdKind::StateId, "ct0012345", people.margaret),
        (IdKind::Fbi, "FB-77123", people.margaret),
        (IdKind::Licence, "D1234567", people.margaret),
        (IdKind::Inmate, "INM40404", people.tomasz),
        (IdKind::SorId, "sor 5150", people.erika),
    ];
    for (kind, value, expected) in identifiers {
        let found = ours.persons_by_identifier(kind, value, as_of()).await?;
        ensure!(
            found.len() == 1 && found[0].id == expected,
            "{} {value}: {found:?}",
            kind.name()
        );
        ensure!(
            found == theirs.persons_by_identifier(kind, value, as_of()).await?,
            "{} differs from the reference",
            kind.name()
        );
    }
    let limited = store.search_by_name(&name("HOLLOWAY", None), 0).await?;
    ensure!(limited.is_empty(), "limit 0: {limited:?}");
    Ok(())
}

pub(crate) async fn check_quarantine(store: Arc<dyn GraphStore>) -> Result<()> {
    store.apply_batch(Arc::new(fixtures::dmv_batch())).await?;
    let mut police = fixtures::batch("police", "Test Police", Vec::new());
    police.quarantined.push(fixtures::quarantined(
        "police",
        "ARR-9,,",
        "DATE: missing required field",
    ));
    store.apply_batch(Arc::new(police)).await?;
    let all = store.quarantine(None, false).await?;
    ensure!(all.len() == 2, "two open entries: {all:?}");
    let dmv = store.quarantine(Some("dmv"), false).await?;
    ensure!(
        dmv.len() == 1 && dmv[0].reason == "VIN: invalid vin" && dmv[0].raw == "REG-300,1,BADVIN",
        "{dmv:?}"
    );
    ensure!(
        dmv[0].line == Some(99) && dmv[0].field.as_deref() == Some("VIN"),
        "{dmv:?}"
    );
    ensure!(dmv[0].status == QuarantineStatus::Open, "{dmv:?}");
    let id = dmv[0].id.context("stored entry has an id")?;
    let mut replay = fixtures::batch(
        "dmv",
        "Test Motor Vehicles",
        vec![fixtures::registration(
            "REG-300",
            1,
            "2027-05-05",
            fixtures::alma(),
            fixtures::erika_car(),
        )],
    );
    replay.replayed.push(id);
    let outcome = store.apply_batch(Arc::new(replay)).await?;
    ensure!(outcome.inserted == 1, "replayed record stored: {outcome:?}");
    ensure!(
        store.quarantine(Some("dmv"), false).await?.is_empty(),
        "replayed entry closed"
    );
    let kept = store.quarantine(Some("dmv"), true).await?;
    ensure!(
        kept.len() == 1 && kept[0].id == Some(id),
        "replayed entry kept for audit: {kept:?}"
    );
    ensure!(
        kept[0].status == QuarantineStatus::Replayed(outcome.batch_id),
        "replayed entry names its batch {}: {kept:?}",
        outcome.batch_id
    );
    ensure!(
        store.counts().await?.quarantined == 1,
        "one entry still open"
    );
    Ok(())
}

/// Person nodes of a subgraph.
fn people_in(graph: &Subgraph) -> BTreeSet<EntityId> {
    graph
        .nodes
        .iter()
        .filter_map(|n| match n {
            NodeRef::Person(e) => Some(*e),
            _ => None,
        })
        .collect()
}

fn filter(edges: &[EdgeKind], records: &[RecordKind]) -> AssocFilter {
    AssocFilter {
        edge_kinds: edges.iter().copied().collect(),
        record_kinds: records.iter().copied().collect(),
    }
}

pub(crate) async fn check_neighbourhood(store: Arc<dyn GraphStore>) -> Result<()> {
    let p = load_scenario(store.as_ref()).await?;
    let reference = reference().await?;
    let all = AssocFilter::default();
    let one = store.neighbourhood(p.margaret, 1, &all).await?;
    ensure!(
        people_in(&one) == [p.margaret, p.tomasz].into(),
        "depth 1: {:?}",
        people_in(&one)
    );
    ensure!(
        one.nodes
            .contains(&NodeRef::Vehicle(fixtures::vin(1).as_str().to_string())),
        "owned vehicle"
    );
    ensure!(
        one.nodes
            .contains(&NodeRef::Address(fixtures::address("12 Elm St").key())),
        "home address"
    );
    let kinds: BTreeSet<EdgeKind> = one.edges.iter().map(|e| e.kind).collect();
    let expected: BTreeSet<EdgeKind> = [
        EdgeKind::Owns,
        EdgeKind::ResidesAt,
        EdgeKind::InvolvedIn,
        EdgeKind::AssociatedWith,
    ]
    .into();
    ensure!(kinds == expected, "depth 1 edge kinds: {kinds:?}");
    ensure!(!one.truncated, "small graph is whole");
    let two = store.neighbourhood(p.margaret, 2, &all).await?;
    // Alma shares the protective order with Tomasz, so they are associated.
    ensure!(
        people_in(&two) == [p.margaret, p.tomasz, p.alma, p.erika].into(),
        "depth 2: {:?}",
        people_in(&two)
    );
    ensure!(
        two.edges.iter().any(|e| e.kind == EdgeKind::RestrainedBy),
        "protective order at depth 2"
    );
    ensure!(
        two.edges.iter().any(|e| e.kind == EdgeKind::SupervisedBy),
        "probation at depth 2"
    );
    let three = store.neighbourhood(p.margaret, 3, &all).await?;
    ensure!(
        people_in(&three) == [p.margaret, p.tomasz, p.alma, p.erika].into(),
        "depth 3: {:?}",
        people_in(&three)
    );
    ensure!(
        three
            .edges
            .iter()
            .any(|e| e.kind == EdgeKind::Protects && e.to == NodeRef::Person(p.alma)),
        "order protects alma"
    );
    let parties_only = filter(
        &[
            EdgeKind::InvolvedIn,
            EdgeKind::RestrainedBy,
            EdgeKind::Protects,
        ],
        &[],
    );
    let via_records = store.neighbourhood(p.margaret, 3, &parties_only).await?;
    ensure!(
        people_in(&via_records) == [p.margaret, p.tomasz].into(),
        "alma is four record hops away: {:?}",
        people_in(&via_records)
    );
    let owns = store
        .neighbourhood(p.margaret, 3, &filter(&[EdgeKind::Owns], &[]))
        .await?;
    ensure!(
        owns.nodes.len() == 2 && owns.edges.len() == 1,
        "owns only: {owns:?}"
    );
    ensure!(
        owns.edges[0].role == Some(Role::Owner) && owns.edges[0].evidence.version == 2,
        "{:?}",
        owns.edges[0]
    );
    let dmv_only = store
        .neighbourhood(
            p.margaret,
            2,
            &filter(&[], &[RecordKind::VehicleRegistration]),
        )
        .await?;
    ensure!(
        people_in(&dmv_only) == [p.margaret, p.erika].into(),
        "registrations link margaret and erika by address: {dmv_only:?}"
    );
    for (depth, f) in [
        (1, all.clone()),
        (2, all.clone()),
        (3, all.clone()),
        (
            3,
            filter(
                &[
                    EdgeKind::InvolvedIn,
                    EdgeKind::RestrainedBy,
                    EdgeKind::Protects,
                ],
                &[],
            ),
        ),
    ] {
        let ours = store.neighbourhood(p.margaret, depth, &f).await?;
        let theirs = reference.store.neighbourhood(p.margaret, depth, &f).await?;
        ensure!(
            ours == theirs,
            "depth {depth} differs from the reference:\n{ours:#?}\nvs\n{theirs:#?}"
        );
    }
    for depth in [0, 4] {
        match store.neighbourhood(p.margaret, depth, &all).await {
            Err(StoreError::InvalidArgument(message)) => {
                ensure!(message.contains(&depth.to_string()), "{message}")
            }
            other => anyhow::bail!("depth {depth} must be rejected, got {other:?}"),
        }
    }
    Ok(())
}

pub(crate) async fn check_path(store: Arc<dyn GraphStore>) -> Result<()> {
    let p = load_scenario(store.as_ref()).await?;
    let reference = reference().await?;
    let path = store
        .path(p.margaret, p.alma, 6)
        .await?
        .context("margaret reaches alma")?;
    ensure!(
        path.edges.len() == 2,
        "associated through the arrest, then the order: {path:#?}"
    );
    ensure!(
        path.nodes.first() == Some(&NodeRef::Person(p.margaret))
            && path.nodes.last() == Some(&NodeRef::Person(p.alma)),
        "{:?}",
        path.nodes
    );
    let kinds: Vec<EdgeKind> = path.edges.iter().map(|e| e.kind).collect();
    ensure!(
        kinds == [EdgeKind::AssociatedWith, EdgeKind::AssociatedWith],
        "{kinds:?}"
    );
    ensure!(
        path.edges[1].evidence.record_id == "PO-1",
        "{:?}",
        path.edges[1]
    );
    ensure!(
        Some(&path)
            == GraphStore::path(reference.store.as_ref(), p.margaret, p.alma, 6)
                .await?
                .as_ref(),
        "path differs from the reference"
    );
    ensure!(
        store.path(p.margaret, p.alma, 1).await?.is_none(),
        "too far for one edge"
    );
    let short = store
        .path(p.margaret, p.erika, 2)
        .await?
        .context("shared address")?;
    ensure!(
        short.edges.len() == 2 && short.edges.iter().all(|e| e.kind == EdgeKind::ResidesAt),
        "{short:#?}"
    );
    let stranger = store.path(p.alma, 424_242, 6).await?;
    ensure!(stranger.is_none(), "unknown entity: {stranger:?}");
    ensure!(
        store
            .path(p.alma, p.alma, 1)
            .await?
            .is_some_and(|s| s.nodes.len() == 1),
        "a person reaches themself"
    );
    ensure!(
        store.path(p.alma, p.tomasz, 0).await.is_err(),
        "depth 0 is rejected"
    );
    Ok(())
}

pub(crate) async fn check_timeline(store: Arc<dyn GraphStore>) -> Result<()> {
    let p = load_scenario(store.as_ref()).await?;
    let margaret: Vec<String> = store
        .timeline(p.margaret)
        .await?
        .iter()
        .map(|s| s.record.key.record_id.clone())
        .collect();
    ensure!(
        margaret == ["REG-100", "ARR-1", "WAR-1"],
        "oldest first: {margaret:?}"
    );
    let tomasz = store.timeline(p.tomasz).await?;
    let ids: Vec<&str> = tomasz
        .iter()
        .map(|s| s.record.key.record_id.as_str())
        .collect();
    ensure!(ids == ["PO-1", "ARR-1", "PRB-1"], "undated last: {ids:?}");
    ensure!(tomasz.iter().all(|s| s.current), "current records only");
    let roles: Vec<Role> = tomasz[0].roles_of(p.tomasz).collect();
    ensure!(roles == [Role::Restrained], "{roles:?}");
    let reference = reference().await?;
    ensure!(
        tomasz == reference.store.timeline(p.tomasz).await?,
        "timeline differs from the reference"
    );
    ensure!(
        store.timeline(777_777).await?.is_empty(),
        "unknown entity has no timeline"
    );
    Ok(())
}

/// Entity of the first party of a record's current version.
async fn entity_of(store: &dyn GraphStore, source: &str, record_id: &str) -> Result<EntityId> {
    store
        .current_record(source, record_id)
        .await?
        .with_context(|| format!("{source}:{record_id} is stored"))?
        .party_entities
        .first()
        .copied()
        .flatten()
        .with_context(|| format!("{source}:{record_id} is resolved"))
}

/// Checks that the warrant is apart from the registration and arrest, which
/// stay together; returns the three entities.
async fn apart(s: &dyn GraphStore, round: &str) -> Result<(EntityId, EntityId, EntityId)> {
    let (reg, arrest, warrant) = (
        entity_of(s, "dmv", "REG-100").await?,
        entity_of(s, "police", "ARR-1").await?,
        entity_of(s, "police", "WAR-1").await?,
    );
    ensure!(
        reg == arrest,
        "{round}: the rest of the entity stays together"
    );
    ensure!(warrant != reg, "{round}: the split was undone");
    Ok((reg, arrest, warrant))
}

fn review_of(store: Arc<dyn GraphStore>) -> Review {
    Review::new(store, Arc::new(RuleResolver))
}

/// Undo of a merge: a warrant split out of Margaret's entity stays out of it
/// after re-resolution and a new version of her registration, and every
/// store gives the reference store's entity ids.
pub(crate) async fn check_split_is_kept(store: Arc<dyn GraphStore>) -> Result<()> {
    let people = load_scenario(store.as_ref()).await?;
    let s = store.as_ref();
    ensure!(entity_of(s, "police", "WAR-1").await? == people.margaret);
    let outcome = review_of(Arc::clone(&store))
        .split(&["police:WAR-1".to_string()], "Analyst Chen", "wrong merge")
        .await?;
    ensure!(
        outcome.decision.pairs.len() == 2,
        "WAR-1 against REG-100 and ARR-1: {:?}",
        outcome.decision.pairs
    );
    let first = apart(s, "after the split").await?;
    resolve_store(s, &RuleResolver).await?;
    ensure!(apart(s, "after re-resolution").await? == first, "ids moved");
    store
        .apply_batch(Arc::new(fixtures::renewal_batch()))
        .await?;
    resolve_store(s, &RuleResolver).await?;
    let last = apart(s, "after a new batch").await?;

    let reference = reference().await?;
    let r: Arc<dyn GraphStore> = reference.store.clone();
    review_of(Arc::clone(&r))
        .split(&["police:WAR-1".to_string()], "Analyst Chen", "wrong merge")
        .await?;
    resolve_store(r.as_ref(), &RuleResolver).await?;
    let expected = (
        entity_of(r.as_ref(), "dmv", "REG-100").await?,
        entity_of(r.as_ref(), "police", "ARR-1").await?,
        entity_of(r.as_ref(), "police", "WAR-1").await?,
    );
    ensure!(
        last == expected,
        "ids differ from the reference store: {last:?} vs {expected:?}"
    );
    let history = store.decisions().await?;
    ensure!(
        history.len() == 1 && history[0].kind == DecisionKind::Split,
        "{history:?}"
    );
    ensure!(
        history[0].records == vec![PartyRef::new("police", "WAR-1", 1)],
        "{history:?}"
    );
    ensure!(
        history[0].versions == vec![Some(1)],
        "the version decided on is kept: {history:?}"
    );
    Ok(())
}

/// A remembered rejection: two of Margaret's records that share her licence
/// with a third are rejected as a pair, and no re-resolution joins them
/// again, directly or through the third. Who, when and why are kept.
pub(crate) async fn check_rejection_is_remembered(store: Arc<dyn GraphStore>) -> Result<()> {
    load_scenario(store.as_ref()).await?;
    let s = store.as_ref();
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    reject_arrest_and_warrant(&store).await?;
    for round in 0..2 {
        let (arrest, warrant) = (
            entity_of(s, "police", "ARR-1").await?,
            entity_of(s, "police", "WAR-1").await?,
        );
        ensure!(
            arrest != warrant,
            "round {round}: the rejected pair merged again"
        );
        let reg = entity_of(s, "dmv", "REG-100").await?;
        ensure!(
            reg == arrest || reg == warrant,
            "round {round}: the registration still links to one of them"
        );
        resolve_store(s, &RuleResolver).await?;
    }
    let history = store.decisions().await?;
    ensure!(history.len() == 1, "{history:?}");
    let d = &history[0];
    ensure!(d.kind == DecisionKind::Reject, "{d:?}");
    ensure!(d.who == "Sgt. Okafor" && d.why == "two people", "{d:?}");
    ensure!(
        d.decided_at >= before && d.decided_at <= chrono::Utc::now(),
        "{d:?}"
    );
    ensure!(
        d.pairs
            == vec![(
                PartyRef::new("police", "ARR-1", 1),
                PartyRef::new("police", "WAR-1", 1)
            )],
        "{d:?}"
    );
    Ok(())
}

/// Rejects the scenario's arrest and warrant as two people, by Sgt. Okafor.
async fn reject_arrest_and_warrant(store: &Arc<dyn GraphStore>) -> Result<()> {
    review_of(Arc::clone(store))
        .reject(
            "police:ARR-1#1",
            "police:WAR-1",
            "Sgt. Okafor",
            "two people",
        )
        .await?;
    Ok(())
}

/// Checks that a decision stored without the resolution after it, as when
/// the process stops in between, counts as not applied until a resolution
/// finishes.
pub(crate) async fn check_unapplied_decisions(store: Arc<dyn GraphStore>) -> Result<()> {
    load_scenario(store.as_ref()).await?;
    let s = store.as_ref();
    ensure!(
        s.count_unapplied_decisions().await? == 0,
        "no decisions yet"
    );

    reject_arrest_and_warrant(&store).await?;
    let applied = s.count_unapplied_decisions().await?;
    ensure!(applied == 0, "review resolves after deciding: {applied}");

    // The same decision stored again, with no resolution after it.
    let stored_only = s.decisions().await?.remove(0);
    s.record_decision(&stored_only).await?;
    let unapplied = s.count_unapplied_decisions().await?;
    ensure!(unapplied == 1, "stored but not applied: {unapplied}");

    resolve_store(s, &RuleResolver).await?;
    let after = s.count_unapplied_decisions().await?;
    ensure!(after == 0, "resolution applies it: {after}");

    s.mark_decisions_applied(0).await?;
    let after_lower_mark = s.count_unapplied_decisions().await?;
    ensure!(
        after_lower_mark == 0,
        "the mark never moves back: {after_lower_mark}"
    );
    Ok(())
}

/// The review queue: a refresh keeps the time a pair was first queued,
/// updates its probability, adds new pairs and drops the ones not listed.
pub(crate) async fn check_review_queue_refresh(store: Arc<dyn GraphStore>) -> Result<()> {
    let r = |id: &str| PartyRef::new("police", id, 1);
    let at = |text: &str| -> Result<chrono::DateTime<chrono::Utc>> {
        Ok(chrono::DateTime::parse_from_rfc3339(text)?.with_timezone(&chrono::Utc))
    };
    let pair = |a: &str, b: &str, probability: f64, queued: &str| -> Result<QueuedPair> {
        Ok(QueuedPair {
            a: r(a),
            b: r(b),
            probability,
            queued_at: at(queued)?,
        })
    };
    store
        .refresh_review_queue(&[
            pair("A", "B", 0.6, "2026-01-01T00:00:00Z")?,
            pair("A", "C", 0.9, "2026-01-01T00:00:00Z")?,
        ])
        .await?;
    let first = store.review_queue().await?;
    ensure!(first.len() == 2 && first[0].b == r("C"), "{first:?}");
    store
        .refresh_review_queue(&[
            pair("A", "B", 0.7, "2026-02-02T00:00:00Z")?,
            pair("B", "C", 0.8, "2026-02-02T00:00:00Z")?,
        ])
        .await?;
    let second = store.review_queue().await?;
    let expected = vec![
        pair("B", "C", 0.8, "2026-02-02T00:00:00Z")?,
        pair("A", "B", 0.7, "2026-01-01T00:00:00Z")?,
    ];
    ensure!(second == expected, "{second:?}");
    store.refresh_review_queue(&[]).await?;
    ensure!(store.review_queue().await?.is_empty(), "emptied");
    Ok(())
}

/// Checks that a store keeps the last model text it was given, and none
/// before it was given one.
pub(crate) async fn check_model_is_kept(store: Arc<dyn GraphStore>) -> Result<()> {
    ensure!(
        store.saved_model().await?.is_none(),
        "a new store keeps no model"
    );
    for text in [r#"{"prior":0.001}"#, r#"{"prior":0.002}"#] {
        store.save_model(text).await?;
        let kept = store.saved_model().await?;
        ensure!(kept.as_deref() == Some(text), "kept {kept:?}, saved {text}");
    }
    Ok(())
}
