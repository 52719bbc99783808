//! Resolution: FEBRL accuracy floors, the same scores and output files when
//! generated feeds are loaded without keeping their mentions, and the cases a
//! wrong merge or a missed merge would hurt most (twins, father and son,
//! conflicting chains).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use ciss::generate::{GenerateConfig, generate};
use ciss::graph::Mention;
use ciss::ingest::mapping::SourceMapping;
use ciss::model::{Identifiers, PersonFacts, Role, Sex};
use ciss::normalize::{Address, Dob, PersonName, Phone};
use ciss::resolve::evaluate::{
    LeftOut, PreparedSet, evaluate, evaluate_prepared, febrl_task, load_generated,
    load_generated_prepared, load_labelled, write_outputs,
};
use ciss::resolve::{
    ProbabilisticResolver, ResolveConfig, Resolver, ReviewLinks, default_resolver,
};
use expect_test::expect;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/febrl")
}

/// Resolves a FEBRL task and returns its cluster F1 and blocking recall.
fn febrl(task: &str) -> (f64, f64) {
    let task = febrl_task(task, &fixtures()).expect("task");
    let mapping = SourceMapping::load(&fixtures(), "febrl").expect("mapping");
    let set = load_labelled(&task.files, &mapping, "rec_id").expect("load");
    let (_, report) = evaluate(&set, &ProbabilisticResolver::new(task.config));
    (report.clusters.f1, report.blocking_recall)
}

#[test]
fn febrl_accuracy_stays_above_its_floor() {
    // The F1 floors are the targets the engine must beat, a little under
    // what it reaches (0.99900, 0.99922, 0.99977, 0.99970), so a
    // regression fails.
    let floors = [
        ("febrl1", 0.998, 0.995),
        ("febrl2", 0.999, 0.99),
        ("febrl3", 0.999, 0.99),
        ("febrl4", 0.9995, 0.999),
    ];
    for (task, f1_floor, recall_floor) in floors {
        let (f1, recall) = febrl(task);
        assert!(
            f1 >= f1_floor,
            "{task}: cluster F1 {f1:.5} under {f1_floor}"
        );
        assert!(
            recall >= recall_floor,
            "{task}: blocking recall {recall:.5} under {recall_floor}"
        );
    }
}

/// Generates `people` people with `seed` into `dir/feeds` and returns that
/// directory.
fn generate_feeds(dir: &Path, people: usize, seed: u64) -> std::path::PathBuf {
    let feeds = dir.join("feeds");
    let config = GenerateConfig {
        people,
        seed,
        as_of: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        out_dir: feeds.clone(),
        progress: false,
    };
    generate(&config).expect("generation succeeds");
    feeds
}

#[test]
fn generated_feeds_score_alike_loaded_lean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feeds = generate_feeds(dir.path(), 1_500, 11);
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let resolver = default_resolver();

    let labelled = load_generated(&feeds, &sources).expect("load mentions");
    let mut full = PreparedSet::from_labelled(&labelled, &resolver);
    let mut lean = load_generated_prepared(&feeds, &sources, &resolver).expect("load prepared");
    assert_eq!(lean.mentions(), labelled.mentions.len());

    let (full_resolution, mut full_report) = evaluate_prepared(&mut full, &resolver);
    let (lean_resolution, mut lean_report) = evaluate_prepared(&mut lean, &resolver);
    full_report.resolve_ms = 0.0;
    lean_report.resolve_ms = 0.0;
    assert_eq!(lean_report, full_report);
    assert!(full_report.candidate_pairs > 0, "no pairs scored");

    let (full_dir, lean_dir) = (dir.path().join("full"), dir.path().join("lean"));
    write_outputs(&full_dir, &full, &full_resolution).expect("write full");
    write_outputs(&lean_dir, &lean, &lean_resolution).expect("write lean");
    for file in ["pairs.csv", "clusters.csv"] {
        let full_text = std::fs::read(full_dir.join(file)).expect("read full");
        let lean_text = std::fs::read(lean_dir.join(file)).expect("read lean");
        assert!(full_text.len() > 100, "{file} is nearly empty");
        assert!(full_text == lean_text, "{file} differs");
    }
}

#[test]
fn generated_feeds_count_what_loading_leaves_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feeds = generate_feeds(dir.path(), 300, 5);
    // A dmv row without its record id, which cannot be mapped.
    let dmv_path = feeds.join("dmv.csv");
    let mut dmv = std::fs::read_to_string(&dmv_path).expect("read dmv.csv");
    let columns = dmv.lines().next().expect("header").split(',').count();
    let mut row = vec![""; columns];
    row[1] = "1";
    row[2] = "LIC";
    dmv.push_str(&row.join(","));
    dmv.push('\n');
    std::fs::write(&dmv_path, dmv).expect("write dmv.csv");
    // The first dmv party loses its truth row, and a row names no record.
    let truth_path = feeds.join("truth.csv");
    let truth = std::fs::read_to_string(&truth_path).expect("read truth.csv");
    let mut lines: Vec<&str> = truth.lines().collect();
    let first_dmv = lines
        .iter()
        .position(|l| l.starts_with("dmv,"))
        .expect("a dmv row");
    lines.remove(first_dmv);
    lines.push("dmv,T9999999999,1,owner,P-NOBODY,");
    // Two rows repeat a party's row, one naming another person: the party
    // takes the first, and the repeats name no party.
    let repeated = lines[first_dmv].to_string();
    let mut fields: Vec<&str> = repeated.split(',').collect();
    fields[4] = "P-OTHER";
    let conflicting = fields.join(",");
    lines.push(&repeated);
    lines.push(&conflicting);
    // A record with two parties loses both rows, and so the whole record.
    let version_of = |line: &str| line.splitn(4, ',').take(3).collect::<Vec<_>>().join(",");
    let first_version = version_of(truth.lines().nth(first_dmv).expect("first dmv row"));
    let first_alone = truth
        .lines()
        .filter(|l| version_of(l) == first_version)
        .count()
        == 1;
    let dropped = lines
        .iter()
        .map(|l| version_of(l))
        .filter(|v| v.starts_with("dmv,") && *v != first_version && *v != version_of(&repeated))
        .find(|v| lines.iter().filter(|l| version_of(l) == *v).count() == 2)
        .expect("a dmv record with two parties");
    lines.retain(|l| version_of(l) != dropped);
    std::fs::write(&truth_path, lines.join("\n") + "\n").expect("write truth.csv");

    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let expected = LeftOut {
        unreadable_records: 1,
        unlabelled_records: 1 + usize::from(first_alone),
        unlabelled_parties: 3,
        unmatched_truth_rows: 3,
    };
    let labelled = load_generated(&feeds, &sources).expect("load mentions");
    assert_eq!(labelled.left_out, expected);
    let resolver = default_resolver();
    let mut lean = load_generated_prepared(&feeds, &sources, &resolver).expect("load prepared");
    let (_, report) = evaluate_prepared(&mut lean, &resolver);
    assert_eq!(report.left_out, expected);
}

/// A person as one record states them.
#[derive(Default)]
struct Person {
    given: &'static str,
    surname: &'static str,
    suffix: Option<&'static str>,
    dob: &'static str,
    sex: Option<Sex>,
    street: &'static str,
    fbi: Option<&'static str>,
    state_id: Option<&'static str>,
    licence: Option<&'static str>,
    phone: Option<&'static str>,
}

fn mention(id: i64, p: Person) -> Mention {
    let name = PersonName::from_parts(Some(p.given), None, Some(p.surname), p.suffix).ok();
    let dob = NaiveDate::parse_from_str(p.dob, "%Y-%m-%d")
        .ok()
        .and_then(Dob::new);
    let address = (!p.street.is_empty())
        .then(|| Address::from_parts(p.street, None, "HARTFORD", "CT", Some("06103")).ok())
        .flatten();
    Mention {
        id,
        source: "police".to_string(),
        record_id: format!("r{id}"),
        record: id,
        role: Role::Subject,
        person: PersonFacts {
            name,
            dob,
            sex: p.sex,
            ids: Identifiers {
                fbi: p.fbi.map(str::to_string),
                state_id: p.state_id.map(str::to_string),
                licence: p.licence.map(str::to_string),
                ..Identifiers::default()
            },
            address,
            phone: p.phone.and_then(|p| Phone::parse(p).ok()),
        },
    }
}

fn entity_of(mentions: &[Mention], resolver: &dyn Resolver) -> Vec<i64> {
    resolver
        .cluster(mentions)
        .assignment
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

#[test]
fn nickname_and_swapped_day_month_still_link() {
    let mentions = [
        mention(
            1,
            Person {
                given: "ROBERT",
                surname: "MORALES",
                dob: "1984-03-07",
                street: "12 OAK ST",
                ..Person::default()
            },
        ),
        mention(
            2,
            Person {
                given: "BOB",
                surname: "MORALES",
                dob: "1984-07-03",
                street: "12 OAK ST",
                ..Person::default()
            },
        ),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities[0], entities[1]);
}

#[test]
fn spanish_given_name_links_to_its_short_form() {
    // (short form, Spanish form): one person, same DOB and address.
    let cases = [
        ("ALEX", "ALEJANDRO"),
        ("FRANK", "FRANCISCO"),
        ("JOE", "JOSE"),
        ("MANNY", "MANUEL"),
    ];
    for (short, spanish) in cases {
        let person = |given| Person {
            given,
            surname: "RAMOS",
            dob: "1987-05-19",
            street: "88 CEDAR ST",
            ..Person::default()
        };
        let mentions = [mention(1, person(short)), mention(2, person(spanish))];
        let entities = entity_of(&mentions, &default_resolver());
        assert_eq!(entities[0], entities[1], "{short} and {spanish}");
        let explanation = default_resolver().explain(&mentions[0], &mentions[1]);
        let given = &explanation.fields[0];
        assert_eq!(given.level, "nickname", "{short} and {spanish}");
    }
}

#[test]
fn hyphenated_surname_links_to_one_of_its_parts() {
    let mentions = [
        mention(
            1,
            Person {
                given: "LUCIA",
                surname: "GARCIA-LOPEZ",
                dob: "1990-11-23",
                street: "40 ELM ST",
                ..Person::default()
            },
        ),
        mention(
            2,
            Person {
                given: "LUCIA",
                surname: "LOPEZ",
                dob: "1990-11-23",
                street: "40 ELM ST",
                ..Person::default()
            },
        ),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities[0], entities[1]);
}

#[test]
fn twins_at_one_address_stay_apart() {
    let twin = |id, given| {
        mention(
            id,
            Person {
                given,
                surname: "OKAFOR",
                dob: "2001-06-14",
                sex: Some(Sex::Male),
                street: "7 BIRCH RD",
                ..Person::default()
            },
        )
    };
    let mentions = [
        twin(1, "DANIEL"),
        twin(2, "SAMUEL"),
        twin(3, "DANIEL"),
        twin(4, "SAMUEL"),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities, vec![1, 2, 1, 2]);
}

#[test]
fn sisters_with_own_licences_stay_apart() {
    // Sisters a year apart at one address, with given names one letter
    // apart: only their licences tell them apart. A licence one typo off is
    // still the same person.
    let sister = |id, given, dob, licence| {
        mention(
            id,
            Person {
                given,
                surname: "ABERNATHY",
                dob,
                sex: Some(Sex::Female),
                street: "40 QUARRY RD",
                licence: Some(licence),
                ..Person::default()
            },
        )
    };
    let mentions = [
        sister(1, "CHRISTINE", "1983-04-02", "214539366"),
        sister(2, "CHRISTINA", "1984-09-15", "377120045"),
        sister(3, "CHRISTINE", "1983-04-02", "214539369"),
        sister(4, "CHRISTINA", "1984-09-15", "377120045"),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities, vec![1, 2, 1, 2]);
}

#[test]
fn co_owners_of_one_registration_stay_apart() {
    // Two owners of one car, one name at one address, born three years
    // apart: only the registration, which names them as two people,
    // distinguishes them. Mentions 1 and 2 are its two parties; 3 and 4 repeat them
    // in records of their own, each a little different.
    let owner = |id, record, dob, street| {
        let mut m = mention(
            id,
            Person {
                given: "MARISOL",
                surname: "QUINTERO",
                dob,
                sex: Some(Sex::Female),
                street,
                ..Person::default()
            },
        );
        m.record = record;
        m
    };
    let mentions = [
        owner(1, 100, "1970-06-29", "897 GLEN ST"),
        owner(2, 100, "1973-07-11", "897 GLEN ST"),
        owner(3, 3, "1970-06-29", "897 GLEN STREET"),
        owner(4, 4, "1973-07-11", "897 GLEN STREET"),
    ];
    let mut config = ResolveConfig::default();
    let cases = [(true, vec![1, 2, 1, 2]), (false, vec![1, 1, 1, 1])];
    for (rule, expected) in cases {
        config.conflicts.distinct_parties = rule;
        let resolver = ProbabilisticResolver::new(config.clone());
        assert_eq!(entity_of(&mentions, &resolver), expected, "rule on: {rule}");
    }
    let explanation = default_resolver().explain(&mentions[0], &mentions[1]);
    assert_eq!(explanation.conflict.map(|c| c.name()), Some("party"));
}

#[test]
fn siblings_with_licences_one_digit_apart_stay_apart() {
    // Triplets at one address with one home phone, whose licences the
    // agency numbered one after another: each pair of licences is one edit
    // apart, which must not outweigh their different given names.
    let sibling = |id, given, sex, licence| {
        mention(
            id,
            Person {
                given,
                surname: "MARCHBANKS",
                dob: "1990-05-06",
                sex: Some(sex),
                street: "12 BIRCH LN",
                licence: Some(licence),
                phone: Some("860-555-0142"),
                ..Person::default()
            },
        )
    };
    let mentions = [
        sibling(1, "PERPETUA", Sex::Female, "744444441"),
        sibling(2, "PERCIVAL", Sex::Male, "744444442"),
        sibling(3, "PERSEPHONE", Sex::Female, "744444443"),
        sibling(4, "PERCIVAL", Sex::Male, "744444442"),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities, vec![1, 2, 3, 2]);
}

#[test]
fn twins_with_sequential_licences_stay_apart() {
    // Twin sisters whose given names differ by a few letters, with licences
    // the agency numbered one after the other. A typo in the licence and
    // in the given name of one person's records at once is rare; twins are
    // not. The same licence one digit off under one given name still links.
    let twin = |id, given, licence| {
        mention(
            id,
            Person {
                given,
                surname: "MARROWICK",
                dob: "1990-01-15",
                sex: Some(Sex::Female),
                street: "7 BIRCH RD",
                licence: Some(licence),
                ..Person::default()
            },
        )
    };
    let mentions = [
        twin(1, "LENNA", "800000011"),
        twin(2, "LENORA", "800000012"),
        twin(3, "LENNA", "800000011"),
        twin(4, "LENORA", "800000012"),
        twin(5, "LENNA", "800000017"),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities, vec![1, 2, 1, 2, 1]);
}

#[test]
fn father_and_son_at_one_address_stay_apart() {
    let mentions = [
        mention(
            1,
            Person {
                given: "MARCUS",
                surname: "BELL",
                suffix: Some("SR"),
                dob: "1968-02-09",
                street: "88 MAPLE AVE",
                ..Person::default()
            },
        ),
        mention(
            2,
            Person {
                given: "MARCUS",
                surname: "BELL",
                suffix: Some("JR"),
                dob: "1994-10-30",
                street: "88 MAPLE AVE",
                ..Person::default()
            },
        ),
        // The son again without his suffix: only the DOB tells him from his father.
        mention(
            3,
            Person {
                given: "MARCUS",
                surname: "BELL",
                dob: "1994-10-30",
                street: "88 MAPLE AVE",
                ..Person::default()
            },
        ),
        mention(
            4,
            Person {
                given: "MARCUS",
                surname: "BELL",
                dob: "1968-02-09",
                street: "88 MAPLE AVE",
                ..Person::default()
            },
        ),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_eq!(entities, vec![1, 2, 2, 1]);
}

/// Rafael Quintero at 88 Oak Ave: the father (SR), the son (JR), or a
/// record with only the name and address they share.
fn rafael(id: i64, suffix: Option<&'static str>, dob: &'static str) -> Mention {
    mention(
        id,
        Person {
            given: "RAFAEL",
            surname: "QUINTERO",
            suffix,
            dob,
            street: "88 OAK AVE",
            ..Person::default()
        },
    )
}

#[test]
fn record_fitting_father_and_son_joins_neither() {
    // A warrant names only the name and the address that father and son
    // share: it fits both equally, so it joins neither and both pairs go to
    // the review queue. With the margin off, the stronger link wins.
    let mentions = [
        rafael(1, Some("SR"), "1965-03-02"),
        rafael(2, Some("JR"), "1990-07-19"),
        rafael(3, None, ""),
    ];
    let mut config = ResolveConfig::default();
    let resolution = ProbabilisticResolver::new(config.clone()).resolve(&mentions);
    let entities: Vec<i64> = resolution
        .clustering
        .assignment
        .iter()
        .map(|a| a.1)
        .collect();
    assert_eq!(entities, vec![1, 2, 3]);
    assert_eq!(resolution.clusters.ambiguous, 1);
    let mut queued: Vec<(i64, i64)> = resolution
        .clustering
        .possible_matches
        .iter()
        .map(|p| (p.a.min(p.b), p.a.max(p.b)))
        .collect();
    queued.sort_unstable();
    assert_eq!(queued, vec![(1, 3), (2, 3)]);

    config.conflicts.ambiguity_margin = None;
    let entities = entity_of(&mentions, &ProbabilisticResolver::new(config));
    assert_eq!(entities[..2], [1, 2]);
    assert!(entities[2] == 1 || entities[2] == 2, "{entities:?}");
}

#[test]
fn co_owners_fitting_parent_and_child_join_neither() {
    // A registration names two owners by the name and address a parent and
    // child share, without dates of birth. Each owner fits both equally.
    // Once one owner is left on its own, the other must not take whichever
    // of the two its links reach first. Father and son differ by suffix,
    // mother and daughter by birth date and licence.
    let family =
        |given, suffixes: [Option<&'static str>; 2], licences: [Option<&'static str>; 2]| {
            let member = |id, record, suffix, dob, licence| {
                let mut m = mention(
                    id,
                    Person {
                        given,
                        surname: "QUINTERO",
                        suffix,
                        dob,
                        street: "88 OAK AVE",
                        licence,
                        ..Person::default()
                    },
                );
                m.record = record;
                m
            };
            [
                member(1, 1, suffixes[0], "1965-03-02", licences[0]),
                member(2, 2, suffixes[1], "1990-07-19", licences[1]),
                member(3, 100, None, "", None),
                member(4, 100, None, "", None),
            ]
        };
    let cases = [
        (
            "father and son",
            family("RAFAEL", [Some("SR"), Some("JR")], [None, None]),
        ),
        (
            "mother and daughter",
            family(
                "TAMSIN",
                [None, None],
                [Some("800000001"), Some("800000777")],
            ),
        ),
    ];
    for (case, mentions) in cases {
        let resolution = default_resolver().resolve(&mentions);
        let entities: Vec<i64> = resolution
            .clustering
            .assignment
            .iter()
            .map(|a| a.1)
            .collect();
        assert_eq!(entities, vec![1, 2, 3, 4], "{case}");
        assert_eq!(resolution.clusters.ambiguous, 2, "{case}");
        let mut queued: Vec<(i64, i64)> = resolution
            .clustering
            .possible_matches
            .iter()
            .map(|p| (p.a.min(p.b), p.a.max(p.b)))
            .collect();
        queued.sort_unstable();
        assert_eq!(queued, vec![(1, 3), (1, 4), (2, 3), (2, 4)], "{case}");
    }
}

#[test]
fn confirmed_ambiguous_pair_joins_neither() {
    // Two name-only warrants, each fitting father and son equally, are
    // confirmed as one person. The confirmation does not say which man, so
    // the two stay together and apart from both. A warrant confirmed as the
    // son instead joins the son.
    let mentions = [
        rafael(1, Some("SR"), "1965-03-02"),
        rafael(2, Some("JR"), "1990-07-19"),
        rafael(3, None, ""),
        rafael(4, None, ""),
    ];
    let resolver = default_resolver();
    let entities = |review: &ReviewLinks| -> Vec<i64> {
        resolver
            .cluster_reviewed(&mentions, review)
            .assignment
            .into_iter()
            .map(|(_, e)| e)
            .collect()
    };
    let together = ReviewLinks::new(vec![(2, 3)], &[]);
    assert_eq!(entities(&together), vec![1, 2, 3, 3]);
    let as_the_son = ReviewLinks::new(vec![(2, 1)], &[]);
    assert_eq!(entities(&as_the_son)[..3], [1, 2, 2]);
}

#[test]
fn state_id_chain_keeps_birth_dates_apart() {
    // A father's licence record, and two court records of the son that
    // share a state id: one without a date of birth at the family's
    // address, one with the son's date of birth elsewhere. The first fits
    // the father by name and address, but its state id ties it to the
    // second, which was born 28 years after him. The father and the son's
    // dated record never share an entity, whichever the first record joins.
    let raymond = |id, dob, street, phone, licence, state_id| {
        mention(
            id,
            Person {
                given: "RAYMOND",
                surname: "QUILLFEATHER",
                dob,
                street,
                phone,
                licence,
                state_id,
                ..Person::default()
            },
        )
    };
    // The home phone makes the first link, father to the record without a
    // birth date, the strongest, so the state id comes second.
    let home = Some("860-555-0199");
    let mentions = [
        raymond(1, "1960-03-04", "12 OAK ST", home, Some("QF100200"), None),
        raymond(2, "", "12 OAK ST", home, None, Some("CT999")),
        raymond(3, "1988-07-09", "9 RIVER RD", None, None, Some("CT999")),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_ne!(entities[0], entities[2], "{entities:?}");
}

#[test]
fn chain_through_a_record_without_ids_does_not_join_conflicting_ids() {
    // B matches A and C well, but A and C carry different FBI numbers.
    let base = || Person {
        given: "TERRENCE",
        surname: "WALSH",
        dob: "1979-05-17",
        street: "3 HILL ST",
        ..Person::default()
    };
    let mentions = [
        mention(
            1,
            Person {
                fbi: Some("123456A"),
                ..base()
            },
        ),
        mention(2, base()),
        mention(
            3,
            Person {
                fbi: Some("987654B"),
                ..base()
            },
        ),
    ];
    let clustering = default_resolver().cluster(&mentions);
    let entities: Vec<i64> = clustering.assignment.iter().map(|(_, e)| *e).collect();
    assert_ne!(entities[0], entities[2]);
    assert!(clustering.refused_links >= 1);
}

#[test]
fn different_state_ids_never_link() {
    let mentions = [
        mention(
            1,
            Person {
                given: "ANA",
                surname: "REYES",
                dob: "1988-01-01",
                street: "5 PINE ST",
                state_id: Some("CT1234567"),
                ..Person::default()
            },
        ),
        mention(
            2,
            Person {
                given: "ANA",
                surname: "REYES",
                dob: "1988-01-01",
                street: "5 PINE ST",
                state_id: Some("CT7654321"),
                ..Person::default()
            },
        ),
    ];
    let entities = entity_of(&mentions, &default_resolver());
    assert_ne!(entities[0], entities[1]);
}

#[test]
fn explanation_lists_every_field_weight_and_the_thresholds() {
    let a = mention(
        1,
        Person {
            given: "ROBERT",
            surname: "GARCIA-LOPEZ",
            dob: "1984-03-07",
            street: "12 OAK ST",
            ..Person::default()
        },
    );
    let b = mention(
        2,
        Person {
            given: "BOB",
            surname: "LOPEZ",
            dob: "1984-07-03",
            street: "12 OAK STREET",
            ..Person::default()
        },
    );
    let explanation = ProbabilisticResolver::new(ResolveConfig::default()).explain(&a, &b);
    expect![[r#"
        field      level                  weight
        given      nickname                +2.60
        surname    one part                +2.60
        dob        day/month swapped       +2.59
        street     exact                   +9.73
        city       exact                   +6.41
        zip        exact                   +7.41
        prior                             -13.29
        total                             +18.05
        missing: sex, suffix, unit, phone, state_id, fbi, licence, inmate, sor_id
        probability 0.999996; match at 0.95 (weight +4.25), possible match at 0.5 (weight +0.00)
        decision: match (untrained default model)
    "#]]
    .assert_eq(&explanation.to_string());
}

#[test]
fn explanation_marks_frequency_and_swapped_names() {
    let people = [
        ("MINH", "TRAN", "1988-02-14", "12 OAK ST"),
        ("ORLA", "VENMARK", "1975-09-03", "40 ELM ST"),
        ("BRIN", "TASKER", "1990-12-01", "7 PINE RD"),
        ("DARA", "QUILLON", "1969-06-22", "19 BIRCH AVE"),
    ];
    let mut mentions = Vec::new();
    for (given, surname, dob, street) in people {
        for _ in 0..3 {
            let person = Person {
                given,
                surname,
                dob,
                street,
                ..Person::default()
            };
            mentions.push(mention(mentions.len() as i64 + 1, person));
        }
    }
    // Too few mentions to train by default, so the limit is lifted.
    let config = ResolveConfig {
        min_training_mentions: 0,
        ..ResolveConfig::default()
    };
    let model = ProbabilisticResolver::new(config.clone()).train(&mentions);
    let resolver = ProbabilisticResolver::with_model(config, model);
    let swapped = mention(
        100,
        Person {
            given: "TRAN",
            surname: "MINH",
            dob: "1988-02-14",
            street: "12 OAK ST",
            ..Person::default()
        },
    );
    // Trained name frequencies adjust the exact levels of both names, and
    // the names agree only when compared swapped.
    let text = resolver.explain(&mentions[0], &swapped).to_string();
    assert!(text.contains("given      exact (tf, swapped) "), "{text}");
    assert!(text.contains("surname    exact (tf, swapped) "), "{text}");
    let straight = resolver.explain(&mentions[0], &mentions[1]).to_string();
    assert!(straight.contains("given      exact (tf) "), "{straight}");
    assert!(!straight.contains("swapped"), "{straight}");
}

#[test]
fn blocking_report_counts_pairs_per_rule_and_overall() {
    let person = |given, dob| Person {
        given,
        surname: "LEE",
        dob,
        ..Person::default()
    };
    // The first two mentions are exact copies, so they are one record: the
    // pairs counted are between three distinct records.
    let mentions = vec![
        mention(1, person("ANA", "1980-03-04")),
        mention(2, person("ANA", "1980-03-04")),
        mention(3, person("ANA", "1980-03-05")),
        mention(4, person("BEA", "1980-03-04")),
    ];
    let report = default_resolver().blocking_report(&mentions);
    let pairs = |rule: &str| {
        let stats = report.rules.iter().find(|r| r.rule == rule).expect(rule);
        (stats.pairs, stats.new_pairs)
    };
    assert_eq!(
        pairs("surname_dob"),
        (1, 1),
        "ANA and BEA share LEE and a DOB"
    );
    assert_eq!(pairs("surname_given_year"), (1, 1), "the two ANAs");
    assert_eq!(pairs("names_any_order_year"), (1, 0), "the two ANAs again");
    assert_eq!(pairs("given_dob"), (0, 0), "no given name shares a DOB");
    assert_eq!(report.candidate_pairs, 2, "distinct pairs over all rules");
    expect![[r#"
        blocking rule            blocks      pairs  new pairs   capped  largest
        surname_dob                   1          1          1        0        2
        given_dob                     0          0          0        0        0
        surname_phonetic_zip          0          0          0        0        0
        surname_given_year            1          1          1        0        2
        names_any_order_year          1          1          0        0        2
        dob_zip                       0          0          0        0        0
        names_phonetic_zip            0          0          0        0        0
        identifier                    0          0          0        0        0
        identifier_typo               0          0          0        0        0
        full_name                     0          0          0        0        0
        phone                         0          0          0        0        0
        candidate pairs 2 after removing pairs found by more than one rule (blocks over 500 records skipped)
    "#]]
    .assert_eq(&report.to_string());
}

#[test]
fn rejection_between_identical_copies_is_honoured() {
    // Three identical copies: the engine would resolve them as one record.
    let copy = |id| {
        mention(
            id,
            Person {
                given: "LENORA",
                surname: "QUILLFEATHER",
                dob: "1979-11-02",
                street: "40 ELM ST",
                state_id: Some("CT4040404"),
                ..Person::default()
            },
        )
    };
    let mentions = [copy(1), copy(2), copy(3)];
    let resolver = default_resolver();
    let together = entity_of(&mentions, &resolver);
    assert!(together.iter().all(|e| *e == together[0]), "{together:?}");

    let split = ReviewLinks::new(Vec::new(), &[(0, 1), (0, 2)]);
    let entities: Vec<i64> = resolver
        .cluster_reviewed(&mentions, &split)
        .assignment
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_ne!(entities[0], entities[1], "{entities:?}");
    assert_ne!(entities[0], entities[2], "{entities:?}");
    assert_eq!(entities[1], entities[2], "the other copies stay together");
}
