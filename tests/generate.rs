//! End-to-end checks of the synthetic feed generator against its own mapping
//! files: determinism, valid VINs, mappings that describe the output exactly,
//! complete ground truth, the featured people and the hard negatives.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use ciss::generate::{FeaturedPerson, GenerateConfig, SOURCES, generate};
use ciss::ingest::mapping::{FieldSpec, Format, PartyMapping, SourceMapping};
use ciss::normalize::{Address, Plate, Vin, parse_date};
use serde_json::Value;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).expect("valid date")
}

fn mapping_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources")
}

fn run(people: usize, seed: u64, dir: &Path) {
    let config = GenerateConfig {
        people,
        seed,
        as_of: as_of(),
        out_dir: dir.to_path_buf(),
        progress: false,
    };
    generate(&config).expect("generation succeeds");
}

/// Generates 3,000 people once and returns the directory most tests read.
fn shared() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        run(3_000, 42, dir.path());
        dir
    })
    .path()
}

fn read_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("output dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        files.insert(name, std::fs::read(&path).expect("readable"));
    }
    files
}

/// A record as a lookup from field path to its non-empty text value.
type Fields = HashMap<String, String>;

fn flatten(prefix: &str, value: &Value, out: &mut Fields) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten(&join(&i.to_string()), v, out)),
        Value::String(s) if !s.is_empty() => {
            out.insert(prefix.to_string(), s.clone());
        }
        Value::Number(n) => {
            out.insert(prefix.to_string(), n.to_string());
        }
        _ => {}
    }
}

fn load_records(dir: &Path, source: &str, format: Format) -> Vec<Fields> {
    match format {
        Format::Csv => {
            let mut reader =
                csv::Reader::from_path(dir.join(format!("{source}.csv"))).expect("csv file");
            let headers = reader.headers().expect("header").clone();
            reader
                .records()
                .map(|row| {
                    let row = row.expect("csv row");
                    headers
                        .iter()
                        .zip(row.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(h, v)| (h.to_string(), v.to_string()))
                        .collect()
                })
                .collect()
        }
        Format::Jsonl => std::fs::read_to_string(dir.join(format!("{source}.jsonl")))
            .expect("jsonl file")
            .lines()
            .map(|line| {
                let mut fields = Fields::new();
                flatten(
                    "",
                    &serde_json::from_str(line).expect("json line"),
                    &mut fields,
                );
                fields
            })
            .collect(),
    }
}

fn mapping(source: &str) -> SourceMapping {
    SourceMapping::load(&mapping_dir(), source).expect("mapping loads")
}

fn value<'a>(record: &'a Fields, spec: &FieldSpec) -> Option<&'a str> {
    spec.rule()
        .path
        .as_ref()
        .and_then(|p| record.get(p))
        .map(String::as_str)
}

/// Lists every field of a party mapping with its name, role included.
fn party_fields(party: &PartyMapping) -> Vec<(&'static str, &FieldSpec)> {
    let optional = [
        ("name", &party.name),
        ("given", &party.given),
        ("middle", &party.middle),
        ("surname", &party.surname),
        ("suffix", &party.suffix),
        ("dob", &party.dob),
        ("sex", &party.sex),
        ("state_id", &party.state_id),
        ("fbi", &party.fbi),
        ("licence", &party.licence),
        ("inmate", &party.inmate),
        ("sor_id", &party.sor_id),
        ("phone", &party.phone),
        ("address", &party.address),
        ("street", &party.street),
        ("unit", &party.unit),
        ("city", &party.city),
        ("state", &party.state),
        ("zip", &party.zip),
    ];
    let mut fields = vec![("role", &party.role)];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(n, f)| f.as_ref().map(|f| (n, f))),
    );
    fields
}

/// Returns whether any non-role field of the party has a value in `record`.
/// Returns the mapping's parties as they apply to `record`: a party table
/// with `each` becomes one party per entry of its list.
fn record_parties(m: &SourceMapping, record: &Fields) -> Vec<PartyMapping> {
    let mut parties = Vec::new();
    for party in &m.parties {
        let Some(list) = &party.each else {
            parties.push(party.clone());
            continue;
        };
        let has_entry = |index: usize| {
            let prefix = format!("{list}.{index}.");
            record.keys().any(|key| key.starts_with(&prefix))
        };
        parties.extend(
            (0..)
                .take_while(|i| has_entry(*i))
                .map(|i| party.entry(list, i)),
        );
    }
    parties
}

/// Returns the mapping's parties with the first entry of every list.
fn first_entry_parties(m: &SourceMapping) -> Vec<PartyMapping> {
    m.parties
        .iter()
        .map(|p| match &p.each {
            Some(list) => p.entry(list, 0),
            None => p.clone(),
        })
        .collect()
}

fn party_present(record: &Fields, party: &PartyMapping) -> bool {
    party_fields(party)
        .into_iter()
        .any(|(name, spec)| name != "role" && value(record, spec).is_some())
}

fn record_fields(m: &SourceMapping) -> Vec<(&'static str, &FieldSpec)> {
    let r = &m.record;
    let optional = [
        ("version", &r.version),
        ("date", &r.date),
        ("end_date", &r.end_date),
        ("status", &r.status),
        ("case_number", &r.case_number),
        ("description", &r.description),
        ("town", &r.town),
    ];
    let mut fields = vec![("id", &r.id), ("kind", &r.kind)];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(n, f)| f.as_ref().map(|f| (n, f))),
    );
    fields
}

/// Checks one field value against its rule; returns a problem, if any.
fn check_field(m: &SourceMapping, name: &str, spec: &FieldSpec, record: &Fields) -> Option<String> {
    let rule = spec.rule();
    let Some(raw) = value(record, spec) else {
        return rule
            .required
            .then(|| format!("{}: required {name} missing", m.name));
    };
    if let Some(codes) = &rule.codes
        && !codes.contains_key(raw)
    {
        return Some(format!(
            "{}: {name} code {raw:?} not in the code table",
            m.name
        ));
    }
    if matches!(name, "date" | "end_date" | "dob") {
        let format = rule
            .format
            .clone()
            .or(m.date_format.clone())
            .expect("a date format");
        let parsed = parse_date(raw, &format);
        let Ok(date) = parsed else {
            return Some(format!(
                "{}: {name} {raw:?} does not parse with {format}",
                m.name
            ));
        };
        if name == "date" && date > as_of() {
            return Some(format!("{}: event date {date} after as-of", m.name));
        }
    }
    None
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_differs() {
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    let c = tempfile::tempdir().expect("temp dir");
    run(9_000, 7, a.path());
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| run(9_000, 7, b.path()));
    run(9_000, 8, c.path());
    let (fa, fb, fc) = (
        read_files(a.path()),
        read_files(b.path()),
        read_files(c.path()),
    );
    assert_eq!(fa.len(), SOURCES.len() + 2);
    assert!(
        fa == fb,
        "same seed on 1 thread and on many wrote different files"
    );
    for (name, bytes) in &fa {
        assert_ne!(
            Some(bytes),
            fc.get(name),
            "{name} did not change with the seed"
        );
    }
}

#[test]
fn every_mapping_loads_and_is_named_after_its_file() {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(mapping_dir()).expect("fixtures/sources") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        let loaded = SourceMapping::load(&mapping_dir(), &stem).expect("mapping loads");
        assert_eq!(loaded.name, stem);
        found.insert(stem);
    }
    let expected: BTreeSet<String> = SOURCES.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, expected);
}

#[test]
fn mappings_describe_the_output_exactly() {
    let dir = shared();
    for source in SOURCES {
        let m = mapping(source);
        let records = load_records(dir, source, m.format);
        assert!(!records.is_empty(), "{source} wrote nothing");
        let mut seen_paths = HashSet::new();
        for record in &records {
            seen_paths.extend(record.keys().cloned());
            let mut problems: Vec<String> = record_fields(&m)
                .into_iter()
                .filter_map(|(name, spec)| check_field(&m, name, spec, record))
                .collect();
            for party in &record_parties(&m, record) {
                let present = party_present(record, party);
                if party.required && !present {
                    problems.push(format!("{source}: required party missing"));
                }
                if present {
                    problems.extend(
                        party_fields(party)
                            .into_iter()
                            .filter_map(|(name, spec)| check_field(&m, name, spec, record)),
                    );
                }
            }
            assert!(problems.is_empty(), "{problems:?} in {record:?}");
        }
        let mut all_specs: Vec<&FieldSpec> = record_fields(&m).into_iter().map(|f| f.1).collect();
        let first_entries = first_entry_parties(&m);
        all_specs.extend(first_entries.iter().flat_map(party_fields).map(|f| f.1));
        let unseen: Vec<String> = all_specs
            .into_iter()
            .filter_map(|spec| spec.rule().path.clone())
            .filter(|path| !seen_paths.contains(path))
            .collect();
        assert!(
            unseen.is_empty(),
            "{source}: mapped paths never have a value: {unseen:?}"
        );
    }
}

#[test]
fn every_dmv_vin_and_plate_is_valid() {
    let records = load_records(shared(), "dmv", Format::Csv);
    let mut registrations = 0;
    for record in &records {
        if record.get("REC_TYPE").map(String::as_str) != Some("REG") {
            continue;
        }
        registrations += 1;
        let vin = record.get("VIN").expect("registration has a VIN");
        Vin::parse(vin).unwrap_or_else(|e| panic!("{vin}: {e}"));
        Plate::parse(&record["PLATE_ST"], &record["PLATE_NO"]).expect("plate parses");
    }
    assert!(registrations > 1_000, "only {registrations} registrations");
}

/// Truth rows keyed by `(source, record_id, version)`, in file order.
type Truth = HashMap<(String, String, String), Vec<(String, String, String)>>;

fn load_truth(dir: &Path) -> Truth {
    let mut reader = csv::Reader::from_path(dir.join("truth.csv")).expect("truth.csv");
    assert_eq!(
        reader.headers().expect("header"),
        vec![
            "source",
            "record_id",
            "version",
            "role",
            "person_id",
            "category"
        ]
    );
    let mut truth = Truth::new();
    for row in reader.records() {
        let row = row.expect("truth row");
        let key = (row[0].to_string(), row[1].to_string(), row[2].to_string());
        truth.entry(key).or_default().push((
            row[3].to_string(),
            row[4].to_string(),
            row[5].to_string(),
        ));
    }
    truth
}

fn record_key(source: &str, m: &SourceMapping, record: &Fields) -> (String, String, String) {
    let id = value(record, &m.record.id).expect("record id").to_string();
    let version = m
        .record
        .version
        .as_ref()
        .and_then(|v| value(record, v))
        .unwrap_or("1")
        .to_string();
    (source.to_string(), id, version)
}

#[test]
fn truth_covers_every_record_and_names_each_party_once() {
    let dir = shared();
    let truth = load_truth(dir);
    let mut keys = HashSet::new();
    for source in SOURCES {
        let m = mapping(source);
        for record in load_records(dir, source, m.format) {
            let key = record_key(source, &m, &record);
            let parties = record_parties(&m, &record)
                .iter()
                .filter(|p| party_present(&record, p))
                .count();
            let rows = truth.get(&key).map_or(0, Vec::len);
            assert_eq!(rows, parties, "truth rows for {key:?}");
            assert!(keys.insert(key.clone()), "duplicate record {key:?}");
        }
    }
    assert_eq!(
        keys.len(),
        truth.len(),
        "truth names records that no file holds"
    );
}

#[test]
fn every_category_occurs_for_several_people() {
    let truth = load_truth(shared());
    let mut people: HashMap<String, HashSet<String>> = HashMap::new();
    for rows in truth.values() {
        for (_, person, category) in rows {
            if !category.is_empty() {
                people
                    .entry(category.clone())
                    .or_default()
                    .insert(person.clone());
            }
        }
    }
    for category in [
        "wanted",
        "recent_arrest",
        "release",
        "protective_order",
        "sex_offender_registration",
        "pending_case",
        "bail_condition",
        "supervision",
        "officer_safety_caution",
    ] {
        let count = people.get(category).map_or(0, HashSet::len);
        assert!(count >= 5, "{category} occurs for only {count} people");
    }
}

fn featured(dir: &Path) -> Vec<FeaturedPerson> {
    let text = std::fs::read_to_string(dir.join("featured.json")).expect("featured.json");
    serde_json::from_str(&text).expect("featured.json parses")
}

/// The records naming `person`, each with the fields of that person's party.
fn records_of(dir: &Path, person: &str) -> Vec<(String, Fields, Fields)> {
    let truth = load_truth(dir);
    let mut out = Vec::new();
    for source in SOURCES {
        let m = mapping(source);
        for record in load_records(dir, source, m.format) {
            let key = record_key(source, &m, &record);
            let present: Vec<&PartyMapping> = m
                .parties
                .iter()
                .filter(|p| party_present(&record, p))
                .collect();
            for (party, row) in present.iter().zip(truth.get(&key).into_iter().flatten()) {
                if row.1 == person {
                    let fields = party_fields(party)
                        .into_iter()
                        .filter_map(|(name, spec)| {
                            value(&record, spec).map(|v| (name.to_string(), v.to_string()))
                        })
                        .collect();
                    out.push((source.to_string(), record.clone(), fields));
                }
            }
        }
    }
    out
}

#[test]
fn first_featured_person_is_wanted_paroled_restrained_and_registered() {
    let dir = shared();
    let people = featured(dir);
    assert!(people.len() >= 3);
    let first = &people[0];
    for needed in ["wanted", "supervision", "protective_order"] {
        assert!(
            first.categories.iter().any(|c| c == needed),
            "missing {needed}: {:?}",
            first.categories
        );
    }
    assert!(first.categories.len() >= 6, "{:?}", first.categories);
    let records = records_of(dir, &first.person_id);
    let truth = load_truth(dir);
    let categories: BTreeSet<String> = truth
        .values()
        .flatten()
        .filter(|row| row.1 == first.person_id && !row.2.is_empty())
        .map(|row| row.2.clone())
        .collect();
    assert_eq!(categories, first.categories.iter().cloned().collect());
    let parole_supervision = records.iter().any(|(source, record, _)| {
        source == "parole" && record.get("ACTION_TYPE").map(String::as_str) == Some("GRT")
    });
    assert!(parole_supervision, "no parole grant");
    assert_current_registration(first, &records);
}

fn assert_current_registration(person: &FeaturedPerson, records: &[(String, Fields, Fields)]) {
    let mut latest: BTreeMap<String, &Fields> = BTreeMap::new();
    for (source, record, _) in records {
        if source == "dmv" && record.get("VIN") == Some(&person.vin) {
            let id = record["TXN_ID"].clone();
            let newer = latest.get(&id).is_none_or(|old| old["REV"] < record["REV"]);
            if newer {
                latest.insert(id, record);
            }
        }
    }
    let current = latest.values().any(|r| {
        let expires = parse_date(&r["EXPIR_DT"], "%m-%d-%Y").expect("expiry parses");
        r["STATUS_CD"] == "A" && expires >= as_of() && r["PLATE_NO"] == person.plate.number
    });
    assert!(
        current,
        "no current registration for {} {}",
        person.plate.number, person.vin
    );
}

#[test]
fn featured_records_link_on_identifiers_but_are_spelled_differently() {
    let dir = shared();
    let first = &featured(dir)[0];
    let records = records_of(dir, &first.person_id);
    assert!(records.len() >= 15, "only {} records", records.len());
    let clean = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_uppercase()
    };
    let ids: Vec<Vec<String>> = records
        .iter()
        .map(|(_, _, f)| {
            ["state_id", "licence", "inmate", "sor_id"]
                .iter()
                .filter_map(|k| f.get(*k).map(|v| format!("{k}:{}", clean(v))))
                .collect()
        })
        .collect();
    for ((source, _, fields), ids) in records.iter().zip(&ids) {
        let strong = if source == "dmv" {
            "licence"
        } else {
            "state_id"
        };
        assert!(
            fields.contains_key(strong),
            "{source} record without {strong}: {fields:?}"
        );
        assert!(!ids.is_empty());
    }
    // Every record joins the first one through shared identifiers.
    let mut linked: HashSet<String> = ids[0].iter().cloned().collect();
    let mut joined = vec![false; ids.len()];
    joined[0] = true;
    let mut grew = true;
    while grew {
        grew = false;
        for (at, record_ids) in ids.iter().enumerate() {
            if !joined[at] && record_ids.iter().any(|id| linked.contains(id)) {
                joined[at] = true;
                linked.extend(record_ids.iter().cloned());
                grew = true;
            }
        }
    }
    assert!(
        joined.iter().all(|j| *j),
        "records not linked by identifiers"
    );
    let spellings: HashSet<String> = records
        .iter()
        .map(|(_, _, f)| {
            let name = ["name", "given", "middle", "surname", "suffix"]
                .iter()
                .filter_map(|k| f.get(*k))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            clean(&name)
        })
        .collect();
    let dobs: HashSet<String> = records
        .iter()
        .filter_map(|(s, _, f)| f.get("dob").map(|d| format!("{s}:{d}")))
        .collect();
    assert!(
        spellings.len() >= 4,
        "only {} spellings: {spellings:?}",
        spellings.len()
    );
    assert!(dobs.len() >= 3);
}

/// A DMV licence row reduced to what hard negatives share.
struct Licensee {
    person: String,
    given: String,
    surname: String,
    suffix: String,
    dob: String,
    address: String,
}

fn licensees(dir: &Path) -> Vec<Licensee> {
    let truth = load_truth(dir);
    let m = mapping("dmv");
    load_records(dir, "dmv", Format::Csv)
        .into_iter()
        .filter(|r| r.get("REC_TYPE").map(String::as_str) == Some("LIC"))
        .filter_map(|r| {
            let key = record_key("dmv", &m, &r);
            let person = truth.get(&key)?.first()?.1.clone();
            let get = |k: &str| r.get(k).cloned().unwrap_or_default();
            let address =
                Address::from_parts(&get("O1_STREET"), None, &get("O1_CITY"), "CT", None).ok()?;
            Some(Licensee {
                person,
                given: get("O1_FNAME"),
                surname: get("O1_LNAME"),
                suffix: get("O1_SFX"),
                dob: get("O1_DOB"),
                address: address.key(),
            })
        })
        .collect()
}

#[test]
fn hard_negatives_exist_in_two_thousand_people() {
    let dir = tempfile::tempdir().expect("temp dir");
    run(2_000, 3, dir.path());
    let people = licensees(dir.path());
    let pairs = || {
        people
            .iter()
            .enumerate()
            .flat_map(|(i, a)| people[i + 1..].iter().map(move |b| (a, b)))
    };
    let distinct = |a: &Licensee, b: &Licensee| {
        a.person != b.person && a.surname == b.surname && a.address == b.address
    };
    let twins = pairs()
        .filter(|(a, b)| distinct(a, b) && a.dob == b.dob && a.given != b.given)
        .count();
    let juniors = pairs()
        .filter(|(a, b)| {
            distinct(a, b)
                && a.given == b.given
                && a.dob != b.dob
                && (a.suffix == "JR" || b.suffix == "JR")
        })
        .count();
    let mut by_name: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for p in &people {
        by_name
            .entry((p.given.clone(), p.surname.clone()))
            .or_default()
            .insert(p.person.clone());
    }
    let shared_names = by_name.values().filter(|ids| ids.len() >= 3).count();
    assert!(twins >= 1, "no twin pair");
    assert!(juniors >= 1, "no father and son pair");
    assert!(shared_names >= 1, "no name shared by three people");
}
