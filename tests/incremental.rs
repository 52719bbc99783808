//! Incremental resolution: placing mentions one at a time gives the entities
//! a batch run gives on the same input with the same model, and each
//! placement reports whether the mention started, joined or merged entities.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use ciss::generate::{GenerateConfig, generate};
use ciss::graph::Mention;
use ciss::ingest::mapping::SourceMapping;
use ciss::model::{Identifiers, PersonFacts, Role};
use ciss::normalize::{Address, Dob, PersonName};
use ciss::resolve::evaluate::{febrl_task, load_generated, load_labelled};
use ciss::resolve::{
    IncrementalResolver, PlacementKind, ProbabilisticResolver, ResolveConfig, ReviewLinks,
};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Resolves all of `mentions` in batch and, separately, the first `split` in
/// batch and the rest one at a time, both with one model trained on all of
/// them. Returns each mention's entity from the batch run and from the
/// incremental one, and how many placements of each kind there were.
fn batch_and_incremental(
    config: ResolveConfig,
    mentions: &[Mention],
    split: usize,
) -> (Vec<i64>, Vec<i64>, HashMap<&'static str, usize>) {
    let model = ProbabilisticResolver::new(config.clone()).train(mentions);
    let resolver = ProbabilisticResolver::with_model(config, Arc::clone(&model));
    let batch = resolver.resolve(mentions);
    let capped: usize = batch.blocking.rules.iter().map(|r| r.capped_blocks).sum();
    assert_eq!(capped, 0, "a capped block would make the two runs differ");
    let batch_entities: Vec<i64> = batch.clustering.assignment.iter().map(|a| a.1).collect();

    let (mut state, _) =
        IncrementalResolver::build(&resolver, &mentions[..split], &ReviewLinks::default());
    let mut kinds: HashMap<&'static str, usize> = HashMap::new();
    for mention in &mentions[split..] {
        let placement = state.add(mention);
        *kinds.entry(kind_name(placement.kind)).or_default() += 1;
    }
    let incremental = mentions
        .iter()
        .map(|m| state.entity_of(m.id).expect("every mention placed"))
        .collect();
    (batch_entities, incremental, kinds)
}

fn kind_name(kind: PlacementKind) -> &'static str {
    match kind {
        PlacementKind::Copy => "copy",
        PlacementKind::Started => "started",
        PlacementKind::Joined => "joined",
        PlacementKind::Merged => "merged",
        PlacementKind::Known => "known",
    }
}

/// Returns the positions whose entities differ, at most ten.
fn differences(batch: &[i64], incremental: &[i64]) -> Vec<(usize, i64, i64)> {
    batch
        .iter()
        .zip(incremental)
        .enumerate()
        .filter(|(_, (b, i))| b != i)
        .map(|(at, (b, i))| (at, *b, *i))
        .take(10)
        .collect()
}

#[test]
fn incremental_equals_batch_on_generated_feeds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = GenerateConfig {
        people: 1_500,
        seed: 11,
        as_of: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        out_dir: dir.path().to_path_buf(),
        progress: false,
    };
    generate(&config).expect("generation succeeds");
    let set = load_generated(dir.path(), &root().join("fixtures/sources")).expect("load");
    let split = set.mentions.len() / 2;
    let (batch, incremental, kinds) =
        batch_and_incremental(ResolveConfig::default(), &set.mentions, split);
    assert_eq!(
        differences(&batch, &incremental),
        Vec::new(),
        "(position, batch entity, incremental entity)"
    );
    for kind in ["copy", "started", "joined", "merged"] {
        assert!(
            kinds.get(kind).is_some_and(|n| *n > 0),
            "no {kind}: {kinds:?}"
        );
    }
}

#[test]
fn incremental_equals_batch_on_febrl3() {
    let fixtures: PathBuf = root().join("fixtures/febrl");
    let task = febrl_task("febrl3", &fixtures).expect("task");
    let mapping = SourceMapping::load(&fixtures, "febrl").expect("mapping");
    let set = load_labelled(&task.files, &mapping, "rec_id").expect("load");
    let split = set.mentions.len() * 3 / 5;
    let (batch, incremental, kinds) = batch_and_incremental(task.config, &set.mentions, split);
    assert_eq!(
        differences(&batch, &incremental),
        Vec::new(),
        "(position, batch entity, incremental entity)"
    );
    assert!(kinds.get("joined").is_some_and(|n| *n > 0), "{kinds:?}");
}

fn person(id: i64, given: &str, surname: &str, dob: &str, state_id: Option<&str>) -> Mention {
    let date = NaiveDate::parse_from_str(dob, "%Y-%m-%d").expect("date");
    Mention {
        id,
        source: if id % 2 == 0 { "dmv" } else { "rms" }.to_string(),
        record_id: format!("r{id}"),
        record: id,
        role: Role::Subject,
        person: PersonFacts {
            name: PersonName::from_parts(Some(given), None, Some(surname), None).ok(),
            dob: Dob::new(date),
            sex: None,
            ids: Identifiers {
                state_id: state_id.map(str::to_string),
                ..Identifiers::default()
            },
            address: Address::from_parts("14 QUINCE LN", None, "MERIDEN", "CT", Some("06450")).ok(),
            phone: None,
        },
    }
}

/// Returns `mention` at another address in another town.
fn moved(mut mention: Mention) -> Mention {
    mention.person.address = Address::from_parts(
        "3 FERRY ST",
        Some("APT 2"),
        "NEW LONDON",
        "CT",
        Some("06320"),
    )
    .ok();
    mention
}

/// Builds from `stored` with the untrained default model, which is what a
/// handful of mentions gets.
fn state_of(stored: &[Mention], review: &ReviewLinks) -> IncrementalResolver {
    IncrementalResolver::build(
        &ProbabilisticResolver::new(ResolveConfig::default()),
        stored,
        review,
    )
    .0
}

#[test]
fn placement_starts_joins_and_copies() {
    let stored = [person(1, "ROBERT", "VANTERPOOL", "1983-07-21", None)];
    let mut state = state_of(&stored, &ReviewLinks::default());

    let stranger = state.add(&person(2, "AUGUSTIN", "PELLETREAU", "1959-01-30", None));
    assert_eq!(stranger.kind, PlacementKind::Started);
    assert_eq!(stranger.entity, 2);
    assert_eq!(stranger.reassigned, vec![(2, 2)]);

    let nickname = state.add(&person(3, "BOBBY", "VANTERPOOL", "1983-07-21", None));
    assert_eq!(nickname.kind, PlacementKind::Joined, "{nickname:?}");
    assert_eq!(nickname.entity, 1);
    assert_eq!(nickname.absorbed, vec![1]);
    assert!(nickname.compared >= 1, "compared {}", nickname.compared);

    let copy = state.add(&person(5, "BOBBY", "VANTERPOOL", "1983-07-21", None));
    assert_eq!(copy.kind, PlacementKind::Copy);
    assert_eq!(copy.entity, 1);
    assert_eq!(copy.reassigned, vec![(5, 1)]);

    let again = state.add(&person(5, "BOBBY", "VANTERPOOL", "1983-07-21", None));
    assert_eq!(again.kind, PlacementKind::Known);
    assert!(again.reassigned.is_empty());
}

#[test]
fn placement_merges_entities_it_bridges() {
    // One person twice: by nickname at a new address with day and month
    // swapped, which alone does not link. A third mention shares the state
    // id and the DOB with the first and the address with the second.
    let stored = [
        person(1, "ROBERT", "ABERNETHY", "1990-04-12", Some("CT7700112")),
        moved(person(2, "BOBBY", "ABERNETHY", "1990-12-04", None)),
    ];
    let mut state = state_of(&stored, &ReviewLinks::default());
    assert_ne!(state.entity_of(1), state.entity_of(2), "apart before");

    let bridge = state.add(&moved(person(
        3,
        "ROBERT",
        "ABERNETHY",
        "1990-04-12",
        Some("CT7700112"),
    )));
    assert_eq!(bridge.kind, PlacementKind::Merged, "{bridge:?}");
    assert_eq!(bridge.absorbed, vec![1, 2]);
    assert_eq!(bridge.entity, 1);
    assert_eq!(bridge.reassigned, vec![(2, 1), (3, 1)]);
    assert_eq!(state.entity_of(2), Some(1));
}

#[test]
fn placement_refuses_conflicting_state_ids() {
    let stored = [person(
        1,
        "EVANGELINE",
        "MCCRORY",
        "1975-05-05",
        Some("CT1000001"),
    )];
    let mut state = state_of(&stored, &ReviewLinks::default());
    let other = state.add(&person(
        2,
        "EVANGELINE",
        "MCCRORY",
        "1975-05-05",
        Some("CT2000002"),
    ));
    assert_eq!(other.kind, PlacementKind::Started);
    assert!(
        other.links >= 1,
        "scored as a match, refused by the conflict"
    );
    assert_eq!(state.entity_of(1), Some(1));
}

#[test]
fn placement_honours_a_rejected_pair() {
    // A reviewer rejected the two stored mentions as different people; a new
    // mention that matches both may join one of them, never both.
    let stored = [
        person(1, "CORNELIUS", "WHITAKER", "1988-09-09", None),
        person(2, "CORNELIUS", "WHITAKER", "1988-09-10", None),
    ];
    let review = ReviewLinks::new(Vec::new(), &[(0, 1)]);
    let mut state = state_of(&stored, &review);
    assert_ne!(state.entity_of(1), state.entity_of(2), "apart before");
    let third = state.add(&person(3, "CORNELIUS", "WHITAKER", "1988-09-09", None));
    assert!(third.links >= 2, "links to both: {}", third.links);
    assert_ne!(state.entity_of(1), state.entity_of(2), "still apart");
    assert_eq!(third.kind, PlacementKind::Joined);
    // The third is with one of the two, so the rejection holds it apart
    // from the other: the live queue leaves such pairs out.
    let other = if state.entity_of(3) == state.entity_of(1) {
        2
    } else {
        1
    };
    let fourth = state.add(&person(4, "HORTENSE", "QUIBBLE", "1950-01-01", None));
    assert_eq!(fourth.kind, PlacementKind::Started);
    let cases = [
        ((1, 2), true),
        ((3, other), true),
        ((3, 4), false),
        ((1, 4), false),
    ];
    for ((a, b), apart) in cases {
        assert_eq!(state.held_apart(a, b), apart, "{a} and {b}");
    }
}

#[test]
fn placement_keeps_the_parties_of_one_record_apart() {
    // Two owners named alike on one registration, placed one after the
    // other as a live run places the parties of a new record: they match on
    // the score alone, but the record names two people. A later copy of the
    // second owner from a record of its own joins the second owner only.
    let owner = |id, record, dob| {
        let mut mention = person(id, "LUCINDA", "HARTWELL", dob, None);
        mention.record = record;
        mention
    };
    let stored = [person(1, "AUGUSTIN", "PELLETREAU", "1959-01-30", None)];
    let mut state = state_of(&stored, &ReviewLinks::default());
    assert_eq!(
        state.add(&owner(2, 50, "1961-02-14")).kind,
        PlacementKind::Started
    );
    let second = state.add(&owner(3, 50, "1961-02-15"));
    assert!(second.links >= 1, "scored as a match: {second:?}");
    assert_eq!(second.kind, PlacementKind::Started);
    let copy = state.add(&owner(4, 51, "1961-02-15"));
    assert_eq!(copy.kind, PlacementKind::Copy);
    assert_eq!(state.entity_of(4), Some(3));
    assert_eq!(state.entity_of(2), Some(2));
}

/// Father (1) and son (2) named alike at one address, with suffixes and
/// dates of birth.
fn father_and_son() -> [Mention; 2] {
    let with_suffix = |mut mention: Mention, suffix: &str| {
        let name = mention.person.name.as_ref().expect("name");
        mention.person.name =
            PersonName::from_parts(Some(&name.given), None, Some(&name.surname), Some(suffix)).ok();
        mention
    };
    [
        with_suffix(person(1, "RAFAEL", "QUINTERO", "1965-03-02", None), "SR"),
        with_suffix(person(2, "RAFAEL", "QUINTERO", "1990-07-19", None), "JR"),
    ]
}

/// A mention of the name father and son share, at their address, with no
/// date of birth, in record version `record`.
fn name_only(id: i64, record: i64) -> Mention {
    let mut mention = person(id, "RAFAEL", "QUINTERO", "1965-03-02", None);
    mention.person.dob = None;
    mention.record = record;
    mention
}

/// Returns the placement's queued pairs, each smaller mention first, sorted.
fn queued_pairs(placement: &ciss::resolve::Placement) -> Vec<(i64, i64)> {
    let mut queued: Vec<(i64, i64)> = placement
        .possible_matches
        .iter()
        .map(|p| (p.a.min(p.b), p.a.max(p.b)))
        .collect();
    queued.sort_unstable();
    queued
}

#[test]
fn placement_leaves_alike_co_owners_alone() {
    // A registration names two owners by the name father and son share.
    // Each owner fits both men, so neither joins one, as in a batch run,
    // and the two owners, two people by the record, are not queued as a pair.
    let mut state = state_of(&father_and_son(), &ReviewLinks::default());
    let first = state.add(&name_only(3, 50));
    assert_eq!(first.kind, PlacementKind::Started, "{first:?}");
    let second = state.add(&name_only(4, 50));
    assert_eq!(second.kind, PlacementKind::Started, "{second:?}");
    assert_eq!(queued_pairs(&second), vec![(1, 3), (1, 4), (2, 3), (2, 4)]);
    let entities: Vec<Option<i64>> = (1..=4).map(|id| state.entity_of(id)).collect();
    assert_eq!(entities, vec![Some(1), Some(2), Some(3), Some(4)]);
}

#[test]
fn placement_queues_a_record_fitting_father_and_son() {
    // Father and son at one address; a warrant then names only the name
    // and the address. It fits both equally, so it starts an entity of its
    // own and both pairs go to the review queue, as in a batch run.
    let mut state = state_of(&father_and_son(), &ReviewLinks::default());
    let placement = state.add(&name_only(3, 3));
    assert_eq!(placement.kind, PlacementKind::Started, "{placement:?}");
    assert_eq!(queued_pairs(&placement), vec![(1, 3), (2, 3)]);
}
