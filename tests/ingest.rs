//! Ingest tests on a small vehicle-registration feed: validation errors go to
//! quarantine with precise reasons, counts reconcile, re-sending is a no-op,
//! versions supersede, and replay after a mapping fix accepts the fixed records.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ciss::graph::cypher::FalkorTransport;
use ciss::graph::{CypherStore, GraphStore, QuarantineStatus, SqliteStore};
use ciss::ingest::mapping::SourceMapping;
use ciss::ingest::{
    IngestError, IngestOptions, IngestReport, InputFields, MAX_RECORD_BYTES, ingest_file,
    ingest_reader, map_record, replay_quarantine,
};
use ciss::normalize::vin_check_digit;

const MAPPING: &str = r#"
name = "regs"
agency = "Test Motor Vehicles"
format = "csv"
date_format = "%m/%d/%Y"

[record]
id = { path = "REG_ID", required = true }
version = "REV"
kind = { value = "vehicle_registration" }
date = "ISSUED"
end_date = "EXPIRES"
status = { path = "STATUS", codes = { A = "active", X = "expired" } }

[[parties]]
role = { value = "owner" }
required = true
name = { path = "OWNER", style = "last_first" }
dob = "DOB"
licence = "LICENCE"

[[vehicles]]
required = true
plate = "PLATE"
vin = { path = "VIN", required = true }
make = "MAKE"
"#;

/// Returns a VIN with a valid check digit, built from a 16-character stem.
fn vin(serial: u32) -> String {
    let mut vin: Vec<char> = format!("1HGCM8263{serial:08}").chars().collect();
    vin.truncate(17);
    let check = vin_check_digit(&vin.iter().collect::<String>()).expect("vin stem is valid");
    vin[8] = check;
    vin.into_iter().collect()
}

fn with_wrong_check_digit(vin: &str) -> String {
    let mut chars: Vec<char> = vin.chars().collect();
    chars[8] = if chars[8] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

struct Fixture {
    _dir: tempfile::TempDir,
    sources: PathBuf,
    feed: PathBuf,
    store: Arc<SqliteStore>,
}

fn fixture(feed: &str) -> Fixture {
    fixture_bytes(feed.as_bytes())
}

fn fixture_bytes(feed: &[u8]) -> Fixture {
    fixture_with(MAPPING, "regs.csv", feed)
}

/// Builds a fixture whose `regs` source reads JSON Lines with the same fields.
fn fixture_jsonl(feed: &[u8]) -> Fixture {
    let mapping = MAPPING.replace("format = \"csv\"", "format = \"jsonl\"");
    fixture_with(&mapping, "regs.jsonl", feed)
}

fn fixture_with(mapping: &str, feed_name: &str, feed: &[u8]) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).expect("sources dir");
    std::fs::write(sources.join("regs.toml"), mapping).expect("mapping");
    let path = dir.path().join(feed_name);
    std::fs::write(&path, feed).expect("feed");
    let store = Arc::new(SqliteStore::open(&dir.path().join("ciss.db")).expect("store"));
    Fixture {
        sources,
        feed: path,
        store,
        _dir: dir,
    }
}

/// Ingests the fixture's feed, which must be rejected whole, and returns
/// the error's text.
async fn rejected_whole(fixture: &Fixture) -> String {
    try_ingest(fixture)
        .await
        .expect_err("the feed is rejected whole")
        .to_string()
}

async fn ingest(fixture: &Fixture) -> IngestReport {
    try_ingest(fixture).await.expect("ingest runs")
}

/// Ingests the fixture's feed as the source `regs`.
async fn try_ingest(fixture: &Fixture) -> Result<IngestReport, IngestError> {
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    ingest_file(
        fixture.store.as_ref(),
        &mapping,
        &fixture.feed,
        &IngestOptions::default(),
    )
    .await
}

const HEADER: &str = "REG_ID,REV,ISSUED,EXPIRES,STATUS,OWNER,DOB,LICENCE,PLATE,VIN,MAKE";

fn mixed_feed() -> String {
    let good = vin(1);
    let bad_vin = with_wrong_check_digit(&vin(2));
    [
        HEADER.to_string(),
        format!("R1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET A\",03/04/1971,123456789,AB 1234,{good},TOYOTA"),
        format!("R2,1,02/01/2026,02/01/2027,A,\"PRZYBYLSKI, TOMASZ\",11/30/1988,223456789,CT-77,{},FORD", vin(3)),
        "R3,1,03/01/2026,only,four".to_string(),
        format!("R4,1,03/02/2026,03/02/2027,A,,,,XY 9,{},HONDA", vin(4)),
        format!("R5,1,03/03/2026,03/03/2027,A,\"QUINTERO, ALMA\",07/08/1990,323456789,ZZ 5,{bad_vin},KIA"),
        format!("R6,1,03/04/2026,03/04/2027,S,\"VOSS, ERIKA\",01/02/1965,423456789,VV 6,{},SUBARU", vin(5)),
        format!("R7,1,04/01/2026,04/01/2027,A,\"ODUYA, BENJAMIN\",09/09/1979,523456789,OB 7,{},MAZDA", vin(6)),
    ]
    .join("\n")
}

#[tokio::test]
async fn bad_records_are_quarantined_with_precise_errors() {
    let fixture = fixture(&mixed_feed());
    let report = ingest(&fixture).await;

    assert_eq!(report.received, 7);
    assert_eq!(report.inserted, 3);
    assert_eq!(report.quarantined, 4);
    assert!(report.reconciles(), "{report:?}");

    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine lists");
    let by_line = |line: u64| {
        entries
            .iter()
            .find(|e| e.line == Some(line))
            .unwrap_or_else(|| panic!("no entry for line {line}: {entries:?}"))
    };
    assert_eq!(entries.len(), 4);
    assert_eq!(
        by_line(4).reason,
        "malformed csv: expected 11 fields, found 5"
    );
    assert_eq!(
        by_line(4).record_id.as_deref(),
        Some("R3"),
        "the id column before the damage still names the record"
    );
    assert_eq!(by_line(5).record_id.as_deref(), Some("R4"));
    assert_eq!(by_line(5).reason, "OWNER: missing required party");
    assert_eq!(by_line(6).record_id.as_deref(), Some("R5"));
    assert_eq!(by_line(6).field.as_deref(), Some("VIN"));
    assert!(
        by_line(6).reason.starts_with("VIN: invalid value \""),
        "{}",
        by_line(6).reason
    );
    assert!(
        by_line(6).reason.contains("check digit"),
        "{}",
        by_line(6).reason
    );
    assert_eq!(by_line(7).field.as_deref(), Some("STATUS"));
    assert_eq!(
        by_line(7).reason,
        "STATUS: unknown code \"S\" (expected one of A, X)"
    );
}

#[tokio::test]
async fn stored_records_give_back_their_source_text() {
    let fixture = fixture(&mixed_feed());
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    // Two records per batch, so the texts are packed in several batches.
    let options = IngestOptions {
        batch_size: 2,
        ..IngestOptions::default()
    };
    ingest_file(fixture.store.as_ref(), &mapping, &fixture.feed, &options)
        .await
        .expect("ingest runs");
    let text = |id: &'static str| {
        let store = Arc::clone(&fixture.store);
        async move { store.source_text("regs", id, 1).await.expect("text reads") }
    };
    // A CSV record's text is the object of its non-empty columns.
    let r2 = text("R2").await.expect("R2 is stored");
    assert_eq!(
        r2,
        format!(
            r#"{{"REG_ID":"R2","REV":"1","ISSUED":"02/01/2026","EXPIRES":"02/01/2027","STATUS":"A","OWNER":"PRZYBYLSKI, TOMASZ","DOB":"11/30/1988","LICENCE":"223456789","PLATE":"CT-77","VIN":"{}","MAKE":"FORD"}}"#,
            vin(3)
        )
    );
    for id in ["R1", "R7"] {
        let text = text(id).await.unwrap_or_else(|| panic!("{id} is stored"));
        assert!(
            text.contains(&format!(r#""REG_ID":"{id}""#)),
            "{id}: {text}"
        );
    }
    assert_eq!(text("R3").await, None, "a quarantined record is not stored");
}

#[tokio::test]
async fn reingesting_the_same_file_changes_nothing() {
    let fixture = fixture(&mixed_feed());
    ingest(&fixture).await;
    let before = fixture.store.counts().await.expect("counts");

    let again = ingest(&fixture).await;

    assert_eq!(again.inserted, 0);
    assert_eq!(again.duplicates, 3);
    assert_eq!(again.quarantined, 4);
    assert!(again.reconciles());
    let after = fixture.store.counts().await.expect("counts");
    assert_eq!(after.records, before.records);
    assert_eq!(after.mentions, before.mentions);
    assert_eq!(after.quarantined, before.quarantined);
}

#[tokio::test]
async fn higher_version_supersedes_without_deleting() {
    let v1 = format!(
        "{HEADER}\nR1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB 1234,{},TOYOTA",
        vin(1)
    );
    let fixture = fixture(&v1);
    ingest(&fixture).await;
    let v2_and_late_v1 = format!(
        "{HEADER}\nR1,2,01/15/2026,01/15/2027,X,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB 1234,{v},TOYOTA\n\
         R1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB 1234,{v},TOYOTA",
        v = vin(1)
    );
    std::fs::write(&fixture.feed, v2_and_late_v1).expect("feed");

    let report = ingest(&fixture).await;

    assert_eq!(report.inserted, 1);
    assert_eq!(report.superseded, 1);
    assert_eq!(report.duplicates, 1);
    let counts = fixture.store.counts().await.expect("counts");
    assert_eq!(counts.records, 2, "both versions are kept");
    assert_eq!(counts.current_records, 1, "only the newest is current");
}

#[tokio::test]
async fn replay_after_mapping_fix_accepts_fixed_records() {
    let fixture = fixture(&mixed_feed());
    ingest(&fixture).await;
    let fixed = MAPPING.replace(
        "codes = { A = \"active\", X = \"expired\" }",
        "codes = { A = \"active\", X = \"expired\", S = \"revoked\" }",
    );
    std::fs::write(fixture.sources.join("regs.toml"), fixed).expect("mapping");
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("fixed mapping loads");

    let report = replay_quarantine(fixture.store.as_ref(), &mapping, &IngestOptions::default())
        .await
        .expect("replay");

    assert_eq!(report.received, 4);
    assert_eq!(report.inserted, 1);
    assert_eq!(report.quarantined, 3);
    assert!(report.reconciles());
    let open = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    assert_eq!(open.len(), 3);
    assert!(open.iter().all(|e| e.record_id.as_deref() != Some("R6")));
    let all = fixture
        .store
        .quarantine(Some("regs"), true)
        .await
        .expect("quarantine");
    assert_eq!(all.len(), 4, "replayed entries are kept for audit");
}

#[tokio::test]
async fn invalid_utf8_is_quarantined_and_never_replayed() {
    let mut feed = format!("{HEADER}\nR1,1,01/15/2026,01/15/2027,A,\"").into_bytes();
    feed.extend_from_slice(b"HOLLOWAY\xff, MARGARET");
    feed.extend_from_slice(
        format!("\",03/04/1971,123456789,AB 1234,{},TOYOTA\n", vin(1)).as_bytes(),
    );
    let fixture = fixture_bytes(&feed);

    let report = ingest(&fixture).await;

    assert_eq!(report.quarantined, 1);
    let entries = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    assert_eq!(entries[0].reason, "OWNER: invalid utf-8");
    assert_eq!(
        entries[0].record_id.as_deref(),
        Some("R1"),
        "the id column is intact"
    );
    assert!(
        entries[0].raw.contains("HOLLOWAY\u{fffd}"),
        "{}",
        entries[0].raw
    );
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping");
    let replay = replay_quarantine(fixture.store.as_ref(), &mapping, &IngestOptions::default())
        .await
        .expect("replay");
    assert_eq!(
        replay.quarantined, 1,
        "bytes broken at the source stay quarantined"
    );
    let after = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    assert_eq!(
        after[0].reason, "OWNER: invalid utf-8",
        "replay keeps the reason"
    );
    assert_eq!(after[0].field.as_deref(), Some("OWNER"));
}

#[tokio::test]
async fn unterminated_quote_keeps_later_lines() {
    let feed = [
        HEADER.to_string(),
        format!("R1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET A\",03/04/1971,123456789,AB 1234,{},TOYOTA", vin(1)),
        format!("R2,1,02/01/2026,02/01/2027,A,\"PRZYBYLSKI, TOMASZ,11/30/1988,223456789,CT-77,{},FORD", vin(3)),
        format!("R3,1,03/04/2026,03/04/2027,A,\"VOSS, ERIKA\",01/02/1965,423456789,VV 6,{},SUBARU", vin(5)),
        format!("R4,1,04/01/2026,04/01/2027,A,\"ODUYA, BENJAMIN\",09/09/1979,523456789,OB 7,{},MAZDA", vin(6)),
    ]
    .join("\n");
    let fixture = fixture(&feed);

    let report = ingest(&fixture).await;

    assert_eq!(report.received, 4, "every data line is counted");
    assert_eq!(
        report.inserted, 3,
        "the lines after the bad quote are stored"
    );
    assert_eq!(report.quarantined, 1);
    assert!(report.reconciles(), "{report:?}");
    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.line, Some(3));
    assert_eq!(entry.record_id.as_deref(), Some("R2"));
    assert_eq!(entry.field.as_deref(), Some("OWNER"));
    assert_eq!(
        entry.reason,
        "malformed csv: unterminated quote in OWNER; line 4 was read as its value, \
         so it is read again as a record"
    );
}

#[tokio::test]
async fn too_long_surname_is_one_error() {
    let mapping = MAPPING.replace(
        r#"name = { path = "OWNER", style = "last_first" }"#,
        "surname = \"OWNER\"\ngiven = \"MAKE\"",
    );
    let feed = format!(
        "{HEADER}\nR1,1,01/15/2026,01/15/2027,A,{},03/04/1971,123456789,AB 1,{},ERIKA",
        "Q".repeat(201),
        vin(1)
    );
    let fixture = fixture_with(&mapping, "regs.csv", feed.as_bytes());

    let report = ingest(&fixture).await;

    assert_eq!(report.quarantined, 1, "{report:?}");
    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    assert_eq!(
        entries[0].reason,
        "OWNER: surname is 201 characters long, more than the maximum of 200"
    );
    assert_eq!(entries[0].field.as_deref(), Some("OWNER"));
}

#[tokio::test]
async fn unusable_record_ids_name_no_record() {
    let row = |id: &str, serial: u32| {
        format!(
            "{id},1,01/15/2026,01/15/2027,A,\"VOSS, ERIKA\",01/02/1965,423456789,VV {serial},{},SUBARU",
            vin(serial)
        )
    };
    let feed = [
        HEADER.to_string(),
        // The first column opens a quote it never closes: read as one long
        // id, it would hold the whole row, name and date of birth included.
        format!("\"{}", row("Q1", 1)),
        row("C\u{7}2", 2),
        row("B\u{202e}3", 3),
        row("R4", 4),
    ]
    .join("\n");
    let fixture = fixture(&feed);

    let report = ingest(&fixture).await;

    assert_eq!((report.inserted, report.quarantined), (1, 3), "{report:?}");
    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    let named: Vec<(Option<u64>, Option<&str>, Option<&str>)> = entries
        .iter()
        .map(|e| (e.line, e.record_id.as_deref(), e.field.as_deref()))
        .collect();
    assert_eq!(
        named,
        [
            (Some(2), None, None),
            (Some(3), None, Some("REG_ID")),
            (Some(4), None, Some("REG_ID")),
        ]
    );
    let reasons: Vec<&str> = entries[1..].iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "REG_ID: record id contains the control character U+0007",
            "REG_ID: record id contains the text-direction character U+202E",
        ]
    );
}

/// Returns one registration as a JSON line with the fields of [`HEADER`].
fn registration_json(id: &str, owner: &str, plate: &str, serial: u32) -> String {
    serde_json::json!({
        "REG_ID": id,
        "REV": "1",
        "ISSUED": "01/15/2026",
        "EXPIRES": "01/15/2027",
        "STATUS": "A",
        "OWNER": owner,
        "DOB": "03/04/1971",
        "PLATE": plate,
        "VIN": vin(serial),
        "MAKE": "TOYOTA",
    })
    .to_string()
}

#[tokio::test]
async fn jsonl_invalid_utf8_line_is_quarantined() {
    let mut feed = Vec::new();
    feed.extend_from_slice(registration_json("J1", "HOLLOWAY, MARGARET", "AB 1", 1).as_bytes());
    feed.extend_from_slice(b"\r\n");
    // Line 2 is Latin-1: "RENÉE" with É as the single byte 0xC9.
    let line2 = registration_json("J2", "VOSS, RENEE", "AB 2", 2);
    let at = line2.find("RENEE").expect("owner") + 3;
    let mut line2 = line2.into_bytes();
    line2[at] = 0xC9;
    feed.extend_from_slice(&line2);
    feed.push(b'\n');
    feed.extend_from_slice(registration_json("J3", "ODUYA, BENJAMIN", "AB 3", 3).as_bytes());
    feed.push(b'\n');
    feed.extend_from_slice(registration_json("J4", "ABARA, NIA", "AB 4", 4).as_bytes());
    let fixture = fixture_jsonl(&feed);

    let report = ingest(&fixture).await;

    assert_eq!(report.received, 4);
    assert_eq!(report.inserted, 3, "the lines after the bad one are stored");
    assert_eq!(report.quarantined, 1);
    assert!(report.reconciles(), "{report:?}");
    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.line, Some(2));
    assert_eq!(entry.record_id.as_deref(), Some("J2"), "the id is intact");
    assert_eq!(entry.field.as_deref(), Some("OWNER"));
    assert_eq!(
        entry.reason,
        format!("OWNER: invalid utf-8 at byte {} of the line (0xc9)", at + 1)
    );
    assert!(entry.raw.contains("REN\\xc9E"), "{}", entry.raw);

    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping");
    let replay = replay_quarantine(fixture.store.as_ref(), &mapping, &IngestOptions::default())
        .await
        .expect("replay");
    assert_eq!(replay.quarantined, 1, "a broken byte is never replayed");
}

#[tokio::test]
async fn oversized_records_are_quarantined_and_the_rest_kept() {
    let long_make = "X".repeat(MAX_RECORD_BYTES + 10);
    let csv_feed = [
        HEADER.to_string(),
        format!(
            "R1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456781,AB 1,{},KIA",
            vin(1)
        ),
        format!(
            "R2,1,01/15/2026,01/15/2027,A,\"VOSS, ERIKA\",03/04/1971,123456782,AB 2,{},{long_make}",
            vin(2)
        ),
        format!(
            "R3,1,01/15/2026,01/15/2027,A,\"ODUYA, BENJAMIN\",03/04/1971,123456783,AB 3,{},KIA",
            vin(3)
        ),
    ]
    .join("\n");
    let oversized_json =
        registration_json("J2", "VOSS, ERIKA", "AB 2", 2).replace("TOYOTA", &long_make);
    let jsonl_feed = [
        registration_json("J1", "HOLLOWAY, MARGARET", "AB 1", 1),
        oversized_json,
        registration_json("J3", "ODUYA, BENJAMIN", "AB 3", 3),
    ]
    .join("\n");
    // (format, fixture, line of the oversized record, the id it is named by)
    let cases = [
        ("csv", fixture(&csv_feed), 3, Some("R2")),
        ("jsonl", fixture_jsonl(jsonl_feed.as_bytes()), 2, None),
    ];
    for (format, fixture, line, record_id) in cases {
        let report = ingest(&fixture).await;
        assert_eq!(report.received, 3, "{format}: {report:?}");
        assert_eq!(
            report.inserted, 2,
            "{format}: the records around it are stored"
        );
        assert_eq!(report.quarantined, 1, "{format}");
        let entries = fixture
            .store
            .quarantine(None, false)
            .await
            .expect("quarantine");
        assert_eq!(entries.len(), 1, "{format}");
        let entry = &entries[0];
        assert_eq!(entry.line, Some(line), "{format}");
        assert_eq!(entry.record_id.as_deref(), record_id, "{format}");
        let expected = format!(
            "record is longer than {MAX_RECORD_BYTES} bytes, the limit for one record; \
             its first {MAX_RECORD_BYTES} bytes are kept"
        );
        assert!(
            entry.reason.contains(&expected),
            "{format}: {}",
            entry.reason
        );
        assert_eq!(entry.raw.len(), MAX_RECORD_BYTES, "{format}: the kept text");
    }
}

#[tokio::test]
async fn jsonl_cr_only_lines_after_the_first_are_quarantined_one_by_one() {
    // Line 1 ends with \n; line 2 contains J2 to J4 separated by carriage
    // returns alone; line 3 ends with \n again.
    let line = |id: &str, owner: &str, serial: u32| registration_json(id, owner, "AB 1", serial);
    let feed = format!(
        "{}\n{}\r{}\r{}\n{}\n",
        line("J1", "HOLLOWAY, MARGARET", 1),
        line("J2", "VOSS, RENEE", 2),
        line("J3", "ODUYA, BENJAMIN", 3),
        line("J4", "ABARA, NIA", 4),
        line("J5", "QUINTERO, ALMA", 5),
    );
    let fixture = fixture_jsonl(feed.as_bytes());

    let report = ingest(&fixture).await;

    assert_eq!(report.received, 5, "every record is counted: {report:?}");
    assert_eq!(report.inserted, 2, "J1 and J5 are stored: {report:?}");
    assert_eq!(report.quarantined, 3, "{report:?}");
    assert!(report.reconciles(), "{report:?}");
    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    let seen: Vec<(Option<u64>, Option<&str>, &str)> = entries
        .iter()
        .map(|e| (e.line, e.record_id.as_deref(), e.reason.as_str()))
        .collect();
    let reason = |n: u32| {
        format!(
            "record {n} of 3 on this line, which carriage returns alone split \
             (CR-only line endings); end each JSON Lines record with \\n or \\r\\n"
        )
    };
    let (first, second, third) = (reason(1), reason(2), reason(3));
    assert_eq!(
        seen,
        [
            (Some(2), Some("J2"), first.as_str()),
            (Some(2), Some("J3"), second.as_str()),
            (Some(2), Some("J4"), third.as_str()),
        ]
    );
    assert_eq!(entries[1].raw, line("J3", "ODUYA, BENJAMIN", 3));
}

#[tokio::test]
async fn csv_sent_as_jsonl_is_rejected_whole() {
    let fixture = fixture_jsonl(format!("\n{HEADER}\nR1,1,01/15/2026").as_bytes());
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");

    let err = ingest_file(
        fixture.store.as_ref(),
        &mapping,
        &fixture.feed,
        &IngestOptions::default(),
    )
    .await
    .expect_err("a CSV file is rejected");

    assert!(
        err.to_string()
            .ends_with("line 2 is not a JSON object (a CSV file?); each line must hold one object"),
        "{err}"
    );
    let counts = fixture.store.counts().await.expect("counts");
    assert_eq!(counts.records, 0);
}

#[tokio::test]
async fn jsonl_array_or_pretty_json_rejected() {
    let record = registration_json("J1", "HOLLOWAY, MARGARET", "AB 1", 1);
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(&record).expect("json"),
    )
    .expect("pretty");
    // (input, the error's end)
    let cases = [
        (
            format!("[{record}]"),
            "line 1 starts a JSON array; send one object per line, not an array",
        ),
        (
            pretty,
            "line 1 holds only the start of an object (pretty-printed JSON?); \
             each line must hold one whole object",
        ),
        (
            format!("{{\"REG_ID\": \"J1\",\n{}", &record[1..]),
            "line 1 holds only the start of an object (pretty-printed JSON?); \
             each line must hold one whole object",
        ),
    ];
    for (input, expected) in cases {
        let fixture = fixture_jsonl(input.as_bytes());
        let err = rejected_whole(&fixture).await;
        assert!(err.ends_with(expected), "{err}");
        let counts = fixture.store.counts().await.expect("counts");
        assert_eq!(counts.records, 0, "{expected}");
    }
}

#[tokio::test]
async fn cut_off_first_jsonl_record_is_quarantined_alone() {
    let good = registration_json("J2", "VOSS, ERIKA", "AB 2", 2);
    let feed = format!("{{\"REG_ID\": \"J1\", \"OWNER\": \"HOLL\n{good}\n");
    let fixture = fixture_jsonl(feed.as_bytes());
    let report = ingest(&fixture).await;
    assert_eq!(report.received, 2, "{report:?}");
    assert_eq!(report.inserted, 1, "{report:?}");
    assert_eq!(report.quarantined, 1, "{report:?}");
}

#[tokio::test]
async fn jsonl_utf16_input_is_rejected_whole() {
    let text = registration_json("J1", "HOLLOWAY, MARGARET", "AB 1", 1);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let fixture = fixture_jsonl(&utf16);
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");

    let err = ingest_file(
        fixture.store.as_ref(),
        &mapping,
        &fixture.feed,
        &IngestOptions::default(),
    )
    .await
    .expect_err("a UTF-16 file is rejected");

    assert!(
        err.to_string()
            .ends_with("line 1 is not UTF-8 text (a UTF-16 export?); save the file as UTF-8"),
        "{err}"
    );
}

#[tokio::test]
async fn address_errors_name_the_column_at_fault() {
    let mapping = MAPPING.replace(
        "licence = \"LICENCE\"",
        "licence = \"LICENCE\"\nstreet = \"STREET\"\ncity = \"CITY\"\nzip = \"ZIP\"",
    );
    let feed = format!(
        "{HEADER},STREET,CITY,ZIP\nR1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB 1234,{},TOYOTA,12 Elm Street,Hartford,ABCDE",
        vin(1)
    );
    let fixture = fixture(&feed);
    std::fs::write(fixture.sources.join("regs.toml"), mapping).expect("mapping");

    let report = ingest(&fixture).await;

    assert_eq!(report.quarantined, 1);
    let entries = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    assert_eq!(entries[0].field.as_deref(), Some("ZIP"));
    assert!(
        entries[0].reason.starts_with("ZIP: invalid value \""),
        "{}",
        entries[0].reason
    );
}

#[tokio::test]
async fn plate_errors_name_the_column_at_fault() {
    let mapping = MAPPING.replace(
        "plate = \"PLATE\"",
        "plate = \"PLATE\"\nplate_state = \"PLATE_ST\"",
    );
    let feed = format!(
        "{HEADER},PLATE_ST\n\
         R1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB 1234,{},TOYOTA,QQ\n\
         R2,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB#1234,{},TOYOTA,CT",
        vin(1),
        vin(2)
    );
    let fixture = fixture(&feed);
    std::fs::write(fixture.sources.join("regs.toml"), mapping).expect("mapping");

    let report = ingest(&fixture).await;

    assert_eq!(report.quarantined, 2);
    let entries = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    let field_of = |id: &str| {
        entries
            .iter()
            .find(|e| e.record_id.as_deref() == Some(id))
            .and_then(|e| e.field.clone())
    };
    assert_eq!(field_of("R1").as_deref(), Some("PLATE_ST"), "{entries:?}");
    assert_eq!(field_of("R2").as_deref(), Some("PLATE"), "{entries:?}");
}

#[tokio::test]
async fn plate_state_and_number_are_both_checked() {
    let mapping = MAPPING.replace(
        "plate = \"PLATE\"",
        "plate = \"PLATE\"\nplate_state = \"PLATE_ST\"",
    );
    // R1 has a bad state and a bad number, R2 a bad state and no number.
    let feed = format!(
        "{HEADER},PLATE_ST\n\
         R1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB#1234,{},TOYOTA,QQ\n\
         R2,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,,{},TOYOTA,QQ",
        vin(1),
        vin(2)
    );
    let fixture = fixture(&feed);
    std::fs::write(fixture.sources.join("regs.toml"), mapping).expect("mapping");

    let report = ingest(&fixture).await;

    assert_eq!(report.received, 2);
    assert_eq!(report.quarantined, 2, "{report:?}");
    let entries = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    let entry_of = |id: &str| {
        entries
            .iter()
            .find(|e| e.record_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} is not quarantined: {entries:?}"))
    };
    let first = entry_of("R1");
    assert_eq!(first.field.as_deref(), Some("PLATE_ST, PLATE"), "{first:?}");
    assert!(first.reason.contains("invalid plate number"), "{first:?}");
    assert!(first.reason.contains("invalid plate state"), "{first:?}");
    let second = entry_of("R2");
    assert_eq!(second.field.as_deref(), Some("PLATE_ST"), "{second:?}");
    assert!(second.reason.contains("invalid plate state"), "{second:?}");
}

#[tokio::test]
async fn plate_state_without_a_plate_is_an_error_on_the_state() {
    let mapping = MAPPING
        .replace(
            "plate = \"PLATE\"",
            "plate = \"PLATE\"\nplate_state = \"PLATE_ST\"",
        )
        .replace(
            r#"vin = { path = "VIN", required = true }"#,
            r#"vin = "VIN""#,
        )
        .replace("[[vehicles]]\nrequired = true", "[[vehicles]]");
    let row = |id: &str, plate: &str, vin: &str, make: &str, state: &str| {
        format!(
            "{id},1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,\
             {plate},{vin},{make},{state}"
        )
    };
    // Each case: a row, and the errors of its quarantine entry, or `None`
    // when it is accepted.
    let cases: [(String, Option<&str>); 5] = [
        (
            row("R1", "", &vin(1), "TOYOTA", "CT"),
            Some("PLATE_ST: \"CT\" without a plate number in PLATE"),
        ),
        (
            row("R2", "", "", "", "CT"),
            Some(
                "PLATE_ST: \"CT\" without a plate number in PLATE; \
                 PLATE: a vehicle registration needs a plate or a vin",
            ),
        ),
        (
            row("R3", "", "", "", "QQ"),
            Some(
                "PLATE_ST: invalid plate state \"QQ\": not a US state or territory code; \
                 PLATE: a vehicle registration needs a plate or a vin",
            ),
        ),
        (row("R4", "AB 4", &vin(4), "TOYOTA", "NY"), None),
        (row("R5", "", &vin(5), "TOYOTA", ""), None),
    ];
    let header = format!("{HEADER},PLATE_ST");
    let (report, reasons) = reasons_by_row(&header, &mapping, &cases).await;
    for (index, ((_, expected), reason)) in cases.iter().zip(&reasons).enumerate() {
        assert_eq!(reason.as_deref(), *expected, "row {}", index + 1);
    }
    assert_eq!(report.quarantined, 3, "{report:?}");
    assert!(report.reconciles(), "{report:?}");
}

/// Ingests a feed of `header` and the rows of `cases` through `mapping`, as
/// the source `regs`, and returns the report with each row's quarantine
/// reason, or `None` for a row that was accepted.
async fn reasons_by_row<T>(
    header: &str,
    mapping: &str,
    cases: &[(String, T)],
) -> (IngestReport, Vec<Option<String>>) {
    let rows: Vec<&str> = cases.iter().map(|(row, _)| row.as_str()).collect();
    let fixture = fixture(&format!("{header}\n{}", rows.join("\n")));
    std::fs::write(fixture.sources.join("regs.toml"), mapping).expect("mapping");
    let report = ingest(&fixture).await;
    let entries = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    let reasons = (0..cases.len())
        .map(|index| {
            // The header is line 1.
            let line = index as u64 + 2;
            let entry = entries.iter().find(|e| e.line == Some(line));
            entry.map(|e| e.reason.clone())
        })
        .collect();
    (report, reasons)
}

/// The header of the shipped `dmv` mapping's feed, as `ciss generate` writes it.
const DMV_HEADER: &str = "TXN_ID,REV,REC_TYPE,PLATE_NO,PLATE_ST,CLASS,VIN,MAKE,MODEL,MODEL_YR,\
    COLOR,ISSUE_DT,EXPIR_DT,STATUS_CD,O1_TYPE,O1_LIC_NO,O1_LNAME,O1_FNAME,O1_MNAME,O1_SFX,O1_DOB,\
    O1_SEX,O1_STREET,O1_CITY,O1_ST,O1_ZIP,O2_TYPE,O2_LIC_NO,O2_LNAME,O2_FNAME,O2_MNAME,O2_SFX,\
    O2_DOB,O2_SEX,O2_STREET,O2_CITY,O2_ST,O2_ZIP";

#[test]
fn dmv_registration_with_only_a_plate_state_names_plate_st() {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mapping = SourceMapping::load(&sources, "dmv").expect("dmv mapping");
    let owner = "PO,520947055,GARCIA,JOSEPH,,,11-06-1992,M,327 FAIRFIELD AVE,PLAINVILLE,CT,06062";
    let empty_co_owner = ",,,,,,,,,,,";
    // Each case: the vehicle cells from PLATE_NO to COLOR, and the errors.
    let cases: [(&str, &[&str]); 3] = [
        (
            ",CT,PAS,,,,,",
            &[
                "PLATE_ST: \"CT\" without a plate number in PLATE_NO",
                "PLATE_NO: a vehicle registration needs a plate or a vin",
            ],
        ),
        (
            ",CT,PAS,WDCEVHGE4K0553934,MERCEDES-BENZ,E350,2019,RED",
            &["PLATE_ST: \"CT\" without a plate number in PLATE_NO"],
        ),
        (
            "KP19669,CT,PAS,WDCEVHGE4K0553934,MERCEDES-BENZ,E350,2019,RED",
            &[],
        ),
    ];
    for (vehicle, expected) in cases {
        let row = format!("T1,1,REG,{vehicle},11-26-2023,11-26-2025,A,{owner},{empty_co_owner}");
        let input = format!("{DMV_HEADER}\n{row}\n");
        let mut records = Vec::new();
        ciss::ingest::read_records(
            mapping.format,
            input.as_bytes(),
            &mapping.paths(),
            &mut |r| records.push(r),
        )
        .expect("the feed reads");
        let fields = records[0].parsed.as_ref().expect("the row parses");
        let errors: Vec<String> = match map_record(&mapping, fields) {
            Ok(_) => Vec::new(),
            Err(failure) => failure
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect(),
        };
        assert_eq!(errors, expected, "{vehicle}");
    }
}

#[test]
fn reasons_name_their_field_once() {
    // Field names that name the value they contain, as many JSON sources use.
    let mapping = SourceMapping::from_toml(
        r#"
name = "plain"
agency = "Test Records"
format = "jsonl"

[record]
id = { path = "record_id", required = true }
version = "version"
kind = { path = "kind", required = true }
date = "date"
end_date = "end_date"
status = "status"

[[parties]]
role = { value = "subject" }
required = true
name = { path = "name", style = "last_first" }
dob = "dob"
state_id = "state_id"

[[vehicles]]
plate = "plate"
plate_state = "plate_state"
vin = "vin"
"#,
        Path::new("plain.toml"),
    )
    .expect("mapping");
    let long = "9".repeat(600);
    // Each case: fields that replace those of a valid record, and the
    // errors, each shown as `field: reason`.
    let cases: Vec<(serde_json::Value, Vec<String>)> = vec![
        (
            serde_json::json!({"version": "x"}),
            vec![r#"version: invalid value "x": expected a whole number of at least 1"#.into()],
        ),
        (
            serde_json::json!({"version": "0"}),
            vec![r#"version: invalid value "0": expected a whole number of at least 1"#.into()],
        ),
        (
            serde_json::json!({"version": "9223372036854775807"}),
            vec![
                r#"version: invalid value "9223372036854775807": too large; the largest accepted version is 4294967295"#
                    .into(),
            ],
        ),
        (
            serde_json::json!({"kind": "bogus"}),
            vec![r#"kind: invalid value "bogus""#.into()],
        ),
        (
            serde_json::json!({"kind": null}),
            vec!["kind: missing required value".into()],
        ),
        (
            serde_json::json!({"status": "bogus"}),
            vec![r#"status: invalid value "bogus""#.into()],
        ),
        (
            serde_json::json!({"dob": "1850-01-01"}),
            vec!["dob: 1850-01-01 is before 1880".into()],
        ),
        (
            serde_json::json!({"dob": long}),
            vec!["dob: value is 600 characters long, more than the maximum of 500".into()],
        ),
        (
            serde_json::json!({"date": "1850-01-01"}),
            vec!["date: 1850-01-01 is before 1880".into()],
        ),
        (
            serde_json::json!({"end_date": "2020-01-01"}),
            vec!["end_date: 2020-01-01 is before the record date 2024-05-06".into()],
        ),
        (
            serde_json::json!({"record_id": "R\u{202e}1"}),
            vec!["record_id: value contains the text-direction character U+202E".into()],
        ),
        (
            serde_json::json!({"record_id": "R\u{200b}1"}),
            vec!["record_id: value contains the invisible format character U+200B".into()],
        ),
        (
            serde_json::json!({"status": "active\u{0}"}),
            vec!["status: value contains the control character U+0000".into()],
        ),
        (
            serde_json::json!({"name": "HOLLOWAY\u{1b}[2J, MARGARET"}),
            vec!["name: value contains the control character U+001B".into()],
        ),
        (
            serde_json::json!({"name": "QUILL\u{200b}FEATHER, ANN"}),
            vec!["name: value contains the invisible format character U+200B".into()],
        ),
        (
            serde_json::json!({"status": "active\u{202e}evitcani"}),
            vec!["status: value contains the text-direction character U+202E".into()],
        ),

        (
            serde_json::from_str(r#"{"state_id": 123456789012345678901234}"#).expect("json"),
            vec![
                "state_id: wrong type: expected text or a number of at most 64 bits \
                 (send long numbers as strings), found a longer whole number"
                    .into(),
            ],
        ),
        (
            serde_json::json!({"vin": "123"}),
            vec![r#"vin: invalid value "123": expected 17 letters or digits, found 3"#.into()],
        ),
        (
            serde_json::json!({"plate_state": "ZZ"}),
            vec![r#"plate_state: invalid value "ZZ": not a US state or territory code"#.into()],
        ),
        (
            serde_json::json!({"state_id": "!"}),
            vec![r#"state_id: invalid value "!": "#.into()],
        ),
    ];
    for (changes, expected) in cases {
        let mut record = serde_json::json!({
            "record_id": "R1", "version": "2", "kind": "arrest", "date": "2024-05-06",
            "end_date": "2025-05-06", "status": "active", "name": "HOLLOWAY, MARGARET",
            "dob": "1971-03-04", "state_id": "CT-1234567", "plate": "AB 1",
            "plate_state": "CT", "vin": vin(1),
        });
        for (key, value) in changes.as_object().expect("object") {
            record[key] = value.clone();
        }
        let failure = map_record(&mapping, &InputFields::Json(record)).expect_err("quarantined");
        let errors: Vec<String> = failure
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect();
        assert_eq!(errors.len(), expected.len(), "{changes}: {errors:?}");
        for (error, expected) in errors.iter().zip(&expected) {
            assert!(
                error.starts_with(expected.as_str()),
                "{changes}: {errors:?}"
            );
        }
    }
}

#[tokio::test]
async fn impossible_dates_are_quarantined() {
    let feed = [
        HEADER.to_string(),
        format!("R1,1,01/15/2026,01/15/2025,A,\"HOLLOWAY, MARGARET\",03/04/1971,123456789,AB 1234,{},TOYOTA", vin(1)),
        format!("R2,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET\",03/04/2999,123456789,AB 1234,{},TOYOTA", vin(2)),
    ]
    .join("\n");
    let fixture = fixture(&feed);

    let report = ingest(&fixture).await;

    assert_eq!(report.quarantined, 2);
    let entries = fixture
        .store
        .quarantine(None, false)
        .await
        .expect("quarantine");
    assert_eq!(
        entries[0].reason,
        "EXPIRES: end date 2025-01-15 is before the record date 2026-01-15"
    );
    assert_eq!(entries[1].reason, "DOB: 2999-03-04 is in the future");
}

/// Formats a registration row of [`HEADER`] with the cells the cases vary.
fn registration(id: &str, issued: &str, owner: &str, dob: &str, plate: &str, vin: &str) -> String {
    format!("{id},1,{issued},01/15/2027,A,\"{owner}\",{dob},123456789,{plate},{vin},TOYOTA")
}

#[tokio::test]
async fn end_date_9999_means_no_end() {
    let owner = "HOLLOWAY, MARGARET";
    let feed = [
        HEADER.to_string(),
        format!(
            "E1,1,01/15/2026,12/31/9999,A,\"{owner}\",03/04/1971,123456789,EE 1,{},KIA",
            vin(11)
        ),
        format!(
            "E2,1,01/15/2026,12/31/2999,A,\"{owner}\",03/04/1971,123456789,EE 2,{},KIA",
            vin(12)
        ),
    ]
    .join("\n");
    let fixture = fixture(&feed);

    let report = ingest(&fixture).await;
    assert_eq!(report.inserted, 1, "{report:?}");
    assert_eq!(report.quarantined, 1, "{report:?}");

    let plate = ciss::normalize::Plate::parse("CT", "EE 1").expect("plate");
    let stored = fixture
        .store
        .registrations_by_plate(&plate)
        .await
        .expect("lookup");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].record.end_date, None);

    let entries = fixture
        .store
        .quarantine(Some("regs"), false)
        .await
        .expect("list");
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]
            .reason
            .starts_with("EXPIRES: end date 2999-12-31 is after "),
        "{}",
        entries[0].reason
    );
}

#[tokio::test]
async fn implausible_values_are_quarantined_with_reasons() {
    let owner = "HOLLOWAY, MARGARET";
    let good_vin = vin(1);
    let long_surname = format!("{}, MARGARET", "Q".repeat(300));
    let long_id = "R".repeat(1_000);
    let long_vin = "A".repeat(100);
    let row = |id: &str, issued: &str, owner: &str, dob: &str, plate: &str, vin: &str| {
        registration(id, issued, owner, dob, plate, vin)
    };
    // Each row and the start of its quarantine reason; `None` means accepted.
    let cases: Vec<(String, Option<&str>)> = vec![
        (
            row("R1", "01/15/2026", owner, "01/01/1800", "AB 1", &good_vin),
            Some("DOB: 1800-01-01 is before 1880"),
        ),
        (
            row("R2", "01/15/2026", owner, "01/01/1066", "AB 2", &good_vin),
            Some("DOB: 1066-01-01 is before 1880"),
        ),
        (
            row("R3", "01/15/2026", owner, "01/01/1900", "AB 3", &good_vin),
            None,
        ),
        (
            row("R4", "12/31/9999", owner, "03/04/1971", "AB 4", &good_vin),
            Some("ISSUED: date 9999-12-31 is after "),
        ),
        (
            row("R5", "01/01/1066", owner, "03/04/1971", "AB 5", &good_vin),
            Some("ISSUED: date 1066-01-01 is before 1880"),
        ),
        (
            row("R6", "20260115", owner, "03/04/1971", "AB 6", &good_vin),
            Some("ISSUED: invalid date \"20260115\": does not match the expected format %m/%d/%Y"),
        ),
        (
            row(
                "R7",
                "01/15/2026",
                owner,
                "03/04/1971",
                "ZZ 10$0@3",
                &good_vin,
            ),
            Some("PLATE: invalid plate number \"ZZ 10$0@3\": character '$' is not allowed"),
        ),
        (
            row("R8", "01/15/2026", owner, "03/04/1971", "", ""),
            Some("PLATE: a vehicle registration needs a plate or a vin"),
        ),
        (
            row(
                "R9",
                "01/15/2026",
                &long_surname,
                "03/04/1971",
                "AB 9",
                &good_vin,
            ),
            Some("OWNER: name is 310 characters long, more than the maximum of 200"),
        ),
        (
            row(
                &long_id,
                "01/15/2026",
                owner,
                "03/04/1971",
                "AB 10",
                &good_vin,
            ),
            Some("REG_ID: record id is 1000 characters long, more than the maximum of 100"),
        ),
        (
            row("R11", "01/15/2026", owner, "03/04/1971", "AB 11", &long_vin),
            Some(
                "VIN: invalid value \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"... (100 characters)",
            ),
        ),
    ];
    let mapping = MAPPING.replace(
        r#"vin = { path = "VIN", required = true }"#,
        r#"vin = "VIN""#,
    );
    let (report, reasons) = reasons_by_row(HEADER, &mapping, &cases).await;
    for (index, ((_, expected), reason)) in cases.iter().zip(&reasons).enumerate() {
        let line = index + 2;
        match (expected, reason) {
            (None, None) => {}
            (None, Some(reason)) => panic!("line {line} was quarantined: {reason}"),
            (Some(expected), None) => panic!("line {line} was accepted, expected {expected}"),
            (Some(expected), Some(reason)) => {
                assert!(reason.starts_with(expected), "line {line}: {reason}");
                assert!(reason.len() < 300, "line {line}: reason too long: {reason}");
            }
        }
    }
    assert_eq!(
        report.quarantined,
        cases.iter().filter(|(_, e)| e.is_some()).count()
    );
    assert!(report.reconciles(), "{report:?}");
}

#[tokio::test]
async fn unreadable_headers_are_named() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(mixed_feed().encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let cases: [(&[u8], &str); 3] = [
        (
            b" \nREG_ID,REV\n1,1\n",
            "first line is blank: expected a header row",
        ),
        (
            &utf16,
            "header is not UTF-8 text (a UTF-16 export?); save the file as UTF-8",
        ),
        (
            b"REG_ID,R\xc9V\n",
            "header is not UTF-8 text (a UTF-16 export?); save the file as UTF-8",
        ),
    ];
    for (feed, expected) in cases {
        let fixture = fixture_bytes(feed);
        let err = rejected_whole(&fixture).await;
        assert!(err.ends_with(expected), "{err}");
    }
}

#[tokio::test]
async fn read_errors_name_the_input() {
    let fixture = fixture("");
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    let err = ingest_reader(
        fixture.store.as_ref(),
        &mapping,
        std::io::Cursor::new(b" \nREG_ID,REV\n1,1\n".to_vec()),
        Some("http".to_string()),
        &IngestOptions::default(),
    )
    .await
    .expect_err("a blank first line is no header");
    assert!(
        err.to_string()
            .starts_with("cannot read http: first line is blank"),
        "{err}"
    );
}

#[tokio::test]
async fn header_without_a_mapped_column_rejects_the_file() {
    let fixture = fixture(&mixed_feed().replacen("VIN", "VNI", 1));
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");

    let err = ingest_file(
        fixture.store.as_ref(),
        &mapping,
        &fixture.feed,
        &IngestOptions::default(),
    )
    .await
    .expect_err("a file missing a mapped column must be rejected");

    assert!(
        err.to_string().contains("header lacks mapped columns VIN"),
        "{err}"
    );
    assert_eq!(
        fixture.store.counts().await.expect("counts").records,
        0,
        "nothing is stored"
    );
}

#[test]
fn source_names_cannot_leave_the_mapping_directory() {
    let fixture = fixture(HEADER);
    for name in [
        "../regs",
        "/etc/passwd",
        "regs/../regs",
        "Regs",
        "",
        "regs\u{1b}[2J",
    ] {
        let err = SourceMapping::load(&fixture.sources, name).expect_err(name);
        assert!(
            err.to_string().starts_with("invalid source name"),
            "{name:?}: {err}"
        );
    }
}

#[test]
fn unknown_mapping_key_is_rejected() {
    let text = MAPPING.replace("date_format", "date_fromat");
    let err = SourceMapping::from_toml(&text, Path::new("regs.toml")).expect_err("typo must fail");
    assert!(err.to_string().contains("date_fromat"), "{err}");
}

#[test]
fn mapping_mistakes_are_rejected_at_load() {
    // Each replacement in the test mapping and the error it must cause.
    let cases = [
        (
            r#"date_format = "%m/%d/%Y""#,
            r#"date_format = "%Y-%q""#,
            r#"invalid mapping regs.toml: date_format: date format "%Y-%q" does not give a year, month and day"#,
        ),
        (
            r#"date_format = "%m/%d/%Y""#,
            r#"date_format = "%Y-%m""#,
            r#"invalid mapping regs.toml: date_format: date format "%Y-%m" does not give a year, month and day"#,
        ),
        (
            r#"date = "ISSUED""#,
            r#"date = { path = "ISSUED", format = "%Y-%!" }"#,
            r#"invalid mapping regs.toml: record.date.format: "%Y-%!" is not a valid date format"#,
        ),
        (
            r#"X = "expired""#,
            r#"X = "expired", GRT = "parole_grnt""#,
            r#"invalid mapping regs.toml: record.status: code "GRT" maps to "parole_grnt", which is not one of "#,
        ),
        (
            r#"role = { value = "owner" }"#,
            r#"role = { value = "boss" }"#,
            r#"invalid mapping regs.toml: parties[0].role: value "boss" is not one of "#,
        ),
        (
            r#"licence = "LICENCE""#,
            r#"licence = "LICENCE"
sex = { path = "SEX", codes = { M = "mail", F = "female" } }"#,
            r#"invalid mapping regs.toml: parties[0].sex: code "M" maps to "mail", which is not one of "#,
        ),
        (
            r#"kind = { value = "vehicle_registration" }"#,
            r#"kind = { value = "vehicle_registrations" }"#,
            r#"invalid mapping regs.toml: record.kind: value "vehicle_registrations" is not one of "#,
        ),
    ];
    for (from, to, expected) in cases {
        assert!(MAPPING.contains(from), "the test mapping lacks {from}");
        let text = MAPPING.replace(from, to);
        let err = SourceMapping::from_toml(&text, Path::new("regs.toml"))
            .expect_err(&format!("{to} must be rejected"));
        assert!(err.to_string().starts_with(expected), "{to}: {err}");
    }
    SourceMapping::from_toml(MAPPING, Path::new("regs.toml")).expect("the test mapping loads");
}

#[test]
fn shipped_mappings_pass_the_load_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dirs = [root.join("sources"), root.join("febrl")];
    let mut loaded = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).expect("mapping dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("mapping reads");
                if text.contains("[record]") {
                    SourceMapping::from_toml(&text, &path).expect("shipped mapping loads");
                    loaded += 1;
                }
            }
        }
    }
    assert!(loaded >= 8, "only {loaded} mappings found");
}

/// Maps one rms JSON line with the shipped mapping and returns its field
/// errors as `field: reason`, or nothing when it maps.
fn rms_errors(line: &str) -> Vec<String> {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mapping = SourceMapping::load(&sources, "rms").expect("rms mapping");
    let value = serde_json::from_str(line).expect("test line is JSON");
    match map_record(&mapping, &InputFields::Json(value)) {
        Ok(_) => Vec::new(),
        Err(failure) => failure
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect(),
    }
}

#[test]
fn wrong_json_types_are_named() {
    let record = r#""incident_no":"R1","report_type":"ARR","report_date":"03/04/2024""#;
    let subject = r#""subject":{"name":"TESTER, PAT","dob":"05/06/1980"}"#;
    // Each case: the fields after the record's own, and the errors expected.
    let cases: [(String, &[&str]); 8] = [
        (subject.to_string(), &[]),
        (
            r#""subject":"x""#.to_string(),
            &["subject: wrong type: expected an object, found a string"],
        ),
        (
            r#""subject":["TESTER, PAT"]"#.to_string(),
            &["subject: wrong type: expected an object, found an array"],
        ),
        (
            r#""subject":{"name":{"last":"TESTER"}}"#.to_string(),
            &["subject.name: wrong type: expected text, a number or a boolean, found an object"],
        ),
        (
            r#""subject":{"name":"TESTER, PAT","ids":"123456"}"#.to_string(),
            &["subject.ids: wrong type: expected an object, found a string"],
        ),
        (
            format!(r#"{subject},"involved":"x""#),
            &["involved: wrong type: expected an array, found a string"],
        ),
        (
            format!(r#"{subject},"involved":{{"name":"ROE, ALEX","role":"V"}}"#),
            &["involved: wrong type: expected an array, found an object"],
        ),
        (
            r#""subject":null"#.to_string(),
            &["subject.name: missing required party"],
        ),
    ];
    for (fields, expected) in cases {
        let line = format!("{{{record},{fields}}}");
        assert_eq!(rms_errors(&line), expected, "{line}");
    }
}

/// Maps one rms JSON line with the shipped mapping and returns the record.
fn rms_record(line: &str) -> ciss::model::CanonicalRecord {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mapping = SourceMapping::load(&sources, "rms").expect("rms mapping");
    let value = serde_json::from_str(line).expect("test line is JSON");
    map_record(&mapping, &InputFields::Json(value)).expect("the line maps")
}

#[test]
fn address_parts_without_a_street_are_errors() {
    let record = r#""incident_no":"R1","report_type":"ARR","report_date":"03/04/2024""#;
    let street = "without a street in subject.address.street";
    // Each case: the subject's address, and the errors expected.
    let cases: [(&str, Vec<String>); 5] = [
        (
            r#"{"city":"Hartford","zip":"06105"}"#,
            vec![format!("subject.address.city: \"Hartford\" {street}")],
        ),
        (
            r#"{"zip":"ABCDE","state":"QQ"}"#,
            vec![format!("subject.address.state: \"QQ\" {street}")],
        ),
        (
            r#"{"apt":"3B"}"#,
            vec![format!("subject.address.apt: \"3B\" {street}")],
        ),
        (r#"{"street":"12 Elm St","city":"Hartford"}"#, Vec::new()),
        (r#"{"city":""}"#, Vec::new()),
    ];
    for (address, expected) in cases {
        let line =
            format!(r#"{{{record},"subject":{{"name":"TESTER, PAT","address":{address}}}}}"#);
        assert_eq!(rms_errors(&line), expected, "{line}");
    }
}

#[test]
fn vehicle_year_or_colour_alone_is_kept() {
    let record = r#""incident_no":"R1","report_type":"ARR","report_date":"03/04/2024""#;
    let subject = r#""subject":{"name":"TESTER, PAT"}"#;

    let bad_year = format!(r#"{{{record},{subject},"vehicle":{{"year":"nineteen"}}}}"#);
    assert_eq!(
        rms_errors(&bad_year),
        ["vehicle.year: invalid value \"nineteen\": expected a year between 1900 and 2100"]
    );

    let year = rms_record(&format!(
        r#"{{{record},{subject},"vehicle":{{"year":2019}}}}"#
    ));
    assert_eq!(year.vehicles.len(), 1, "{year:?}");
    assert_eq!(year.vehicles[0].year, Some(2019));

    let colour = rms_record(&format!(
        r#"{{{record},{subject},"vehicle":{{"color":"BLU"}}}}"#
    ));
    assert_eq!(colour.vehicles.len(), 1, "{colour:?}");
    assert_eq!(colour.vehicles[0].colour.as_deref(), Some("BLU"));
}

#[test]
fn party_list_maps_every_person() {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mapping = SourceMapping::load(&sources, "rms").expect("rms mapping");
    let record = r#""incident_no":"R2","report_type":"INC","report_date":"03/04/2024""#;
    let subject = r#""subject":{"name":"TESTER, PAT","dob":"05/06/1980"}"#;
    let person = |name: &str, role: &str| format!(r#"{{"name":"{name}","role":"{role}"}}"#);
    // Each case: the entries of `involved`, and each party's surname and role.
    type Parties = &'static [(&'static str, &'static str)];
    let cases: [(Vec<String>, Parties); 3] = [
        (Vec::new(), &[("TESTER", "subject")]),
        (
            vec![person("ROE, ALEX", "V")],
            &[("TESTER", "subject"), ("ROE", "victim")],
        ),
        (
            vec![
                person("ROE, ALEX", "V"),
                person("DOE, SAM", "W"),
                person("POE, LEE", "A"),
            ],
            &[
                ("TESTER", "subject"),
                ("ROE", "victim"),
                ("DOE", "witness"),
                ("POE", "associate"),
            ],
        ),
    ];
    for (involved, expected) in cases {
        let line = format!(
            r#"{{{record},{subject},"involved":[{}]}}"#,
            involved.join(",")
        );
        let value = serde_json::from_str(&line).expect("test line is JSON");
        let mapped = map_record(&mapping, &InputFields::Json(value)).expect("maps");
        let parties: Vec<(String, String)> = mapped
            .parties
            .iter()
            .map(|p| {
                let surname = p.person.name.as_ref().map(|n| n.surname.clone());
                (surname.unwrap_or_default(), p.role.as_str().to_string())
            })
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(s, r)| (s.to_string(), r.to_string()))
            .collect();
        assert_eq!(parties, expected, "{line}");
    }
}

#[test]
fn party_list_entry_without_person_fails() {
    let record = r#""incident_no":"R3","report_type":"INC","report_date":"03/04/2024""#;
    let subject = r#""subject":{"name":"TESTER, PAT","dob":"05/06/1980"}"#;
    // Each case: the value of `involved`, and the errors expected.
    let cases: [(&str, &[&str]); 5] = [
        (
            r#"[{"role":"V"}]"#,
            &["involved.0.name: missing required party"],
        ),
        (
            r#"[{"name":"ROE, ALEX","role":"V"},{}]"#,
            &["involved.1.name: missing required party"],
        ),
        (
            r#"[{"name":"ROE, ALEX","role":"V"},"x"]"#,
            &["involved.1: wrong type: expected an object, found a string"],
        ),
        ("null", &[]),
        (
            r#"[{"name":"ROE, ALEX","role":"V"},null]"#,
            &["involved.1: null entry: expected a person"],
        ),
    ];
    for (involved, expected) in cases {
        let line = format!(r#"{{{record},{subject},"involved":{involved}}}"#);
        assert_eq!(rms_errors(&line), expected, "{line}");
    }
}

/// Returns a `regs` mapping in `format` with one party table that reads the
/// list at `each`, its other keys given by `fields`, one per line.
fn list_mapping(format: &str, each: &str, fields: &str) -> String {
    format!(
        r#"
name = "regs"
agency = "Test registry"
format = "{format}"
[record]
id = "ID"
kind = {{ value = "incident" }}
[[parties]]
each = "{each}"
{fields}
"#
    )
}

#[test]
fn party_list_mapping_errors() {
    let csv_only = "a list of parties needs a jsonl source";
    let empty_step = "invalid list path";
    // Each case: the source format, the list path, and the error expected.
    let cases = [
        ("csv", "OWNERS", csv_only),
        ("jsonl", "", empty_step),
        ("jsonl", ".", empty_step),
        ("jsonl", "owners.", empty_step),
        ("jsonl", ".owners", empty_step),
        ("jsonl", "case..owners", empty_step),
    ];
    for (format, each, expected) in cases {
        let fields = "role = { value = \"owner\" }\nname = \"NAME\"";
        let text = list_mapping(format, each, fields);
        let err = SourceMapping::from_toml(&text, Path::new("regs.toml")).expect_err(each);
        let message = err.to_string();
        let expected = format!("parties[0].each: {expected}");
        assert!(message.contains(&expected), "{each:?}: {message}");
    }
}

#[test]
fn unnamed_entries_get_one_error_each() {
    // Without a name or surname path, each entry's error must still name
    // the entry, or the errors of several entries would read as one.
    let fields = "role = { value = \"victim\" }\ngiven = \"first\"\nstate_id = \"sid\"";
    let text = list_mapping("jsonl", "owners", fields);
    let mapping = SourceMapping::from_toml(&text, Path::new("regs.toml")).expect("mapping");
    let line = r#"{"ID":"R1","owners":[{"sid":"AB12345"},{"x":1},{"x":2}]}"#;
    let value = serde_json::from_str(line).expect("test line is JSON");
    let failure = map_record(&mapping, &InputFields::Json(value)).expect_err("quarantined");
    let errors: Vec<String> = failure
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect();
    let expected = [
        "owners.1.first: missing required party",
        "owners.2.first: missing required party",
    ];
    assert_eq!(errors, expected);
}

/// Writes a feed of `rows` valid registrations.
pub fn large_feed(path: &Path, rows: u32) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("feed"));
    writeln!(out, "{HEADER}").expect("write");
    for i in 0..rows {
        writeln!(
            out,
            "L{i},1,01/15/2026,01/15/2027,A,\"TESTER, PAT\",03/04/1971,{:09},P{i},{},FORD",
            100_000_000 + i,
            vin(i)
        )
        .expect("write");
    }
}

#[test]
fn killed_ingest_leaves_whole_batches() {
    let fixture = fixture(HEADER);
    let rows = 200_000;
    large_feed(&fixture.feed, rows);
    let db = fixture.store.path().to_path_buf();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ciss"))
            .args(["--store", &format!("sqlite:{}", db.display())])
            .args(["--sources", &fixture.sources.display().to_string()])
            .args([
                "ingest",
                "--source",
                "regs",
                "--no-resolve",
                "--batch-size",
                "1000",
            ])
            .arg(&fixture.feed)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ciss starts")
    };

    let mut child = run();
    wait_for_batches(&db, 3);
    child.kill().expect("kill");
    child.wait().expect("reaped");

    let (batches, records, inserted) = batch_totals(&db);
    assert!(batches >= 3, "killed after {batches} batches");
    assert!(
        records < rows as i64,
        "the kill came before the end ({records} records)"
    );
    assert_eq!(records, inserted, "every committed batch is whole");
    assert_eq!(records % 1000, 0, "no partial batch");

    let status = run().wait().expect("second run");
    assert!(status.success());
    let (_, records, inserted) = batch_totals(&db);
    assert_eq!(records, rows as i64, "nothing lost and nothing duplicated");
    assert_eq!(inserted, rows as i64);
}

fn wait_for_batches(db: &Path, wanted: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if db.exists() && batch_totals(db).0 >= wanted {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no {wanted} batches committed within 60 s");
}

/// Returns (committed batches, stored records, records the batches report as inserted).
fn batch_totals(db: &Path) -> (i64, i64, i64) {
    let conn = rusqlite::Connection::open(db).expect("store opens");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("timeout");
    let batches = conn
        .query_row("SELECT COUNT(*) FROM batches", [], |r| r.get(0))
        .unwrap_or(0);
    let records = conn
        .query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))
        .unwrap_or(0);
    let inserted = conn
        .query_row(
            "SELECT COALESCE(SUM(inserted + stale), 0) FROM batches",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    (batches, records, inserted)
}

/// Returns the names of the store's secondary indexes (those declared with SQL).
fn index_names(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("store opens");
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .expect("prepare");
    stmt.query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names")
}

#[test]
fn killed_bulk_ingest_gets_its_indexes_back() {
    let fixture = fixture(HEADER);
    let rows = 60_000;
    large_feed(&fixture.feed, rows);
    let db = fixture.store.path().to_path_buf();
    let indexes = index_names(&db);
    assert!(indexes.len() >= 10, "schema declares indexes: {indexes:?}");
    // No --source: the file regs.csv belongs to the source regs.
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ciss"))
            .args(["--store", &format!("sqlite:{}", db.display())])
            .args(["--sources", &fixture.sources.display().to_string()])
            .args(["ingest", "--bulk", "--no-resolve", "--batch-size", "1000"])
            .arg(&fixture.feed)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ciss starts")
    };

    let mut child = run();
    wait_for_batches(&db, 3);
    // The two indexes whose keys only grow (or, for entities, stay absent
    // until resolution) stay; the others are dropped.
    assert_eq!(
        index_names(&db),
        ["mentions_entity", "mentions_record"],
        "a bulk load drops the secondary indexes with keys in random order"
    );
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let (_, records, inserted) = batch_totals(&db);
    assert_eq!(records, inserted, "every committed batch is whole");

    SqliteStore::open(&db).expect("store reopens");
    assert_eq!(index_names(&db), indexes, "opening rebuilds them");

    let status = run().wait().expect("second run");
    assert!(status.success());
    assert_eq!(
        index_names(&db),
        indexes,
        "a finished bulk load builds them"
    );
    let (_, records, _) = batch_totals(&db);
    assert_eq!(
        records,
        i64::from(rows),
        "nothing lost and nothing duplicated"
    );
}

#[tokio::test]
async fn bulk_load_answers_like_a_normal_load() {
    let fixture = fixture(&mixed_feed());
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    let store = fixture.store.as_ref();
    store.begin_bulk_load().await.expect("bulk starts");
    let report = ingest_file(store, &mapping, &fixture.feed, &IngestOptions::default())
        .await
        .expect("ingest runs");
    store.end_bulk_load().await.expect("bulk ends");
    let journal: String = rusqlite::Connection::open(store.path())
        .expect("open")
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(journal, "wal", "the store is back in WAL mode");
    assert_eq!(report.inserted, 3);
    assert_eq!(report.quarantined, 4);
    let plate = ciss::normalize::Plate::parse("CT", "AB 1234").expect("plate");
    let found = store.registrations_by_plate(&plate).await.expect("lookup");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].record.key.record_id, "R1");
    assert_eq!(found[0].record.parties.len(), 1);
}

#[tokio::test]
async fn same_version_with_new_content_is_a_conflict() {
    let fixture = fixture(&mixed_feed());
    ingest(&fixture).await;
    let changed = format!(
        "{HEADER}\nR1,1,01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET A\",03/04/1971,123456789,ZZ 4321,{},TOYOTA\n\
         R9,1,05/01/2026,05/01/2027,A,\"ABARA, NIA\",02/02/1992,623456789,NA 9,{},FIAT\n\
         R9,1,05/01/2026,05/01/2027,A,\"ABARA, NIA\",02/02/1992,623456789,NA 99,{},FIAT",
        vin(1),
        vin(9),
        vin(9)
    );
    let path = fixture.feed.with_file_name("changed.csv");
    std::fs::write(&path, changed).expect("feed");
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    let store = fixture.store.as_ref();
    let report = ingest_file(store, &mapping, &path, &IngestOptions::default())
        .await
        .expect("ingest runs");

    assert_eq!(report.received, 3);
    assert_eq!(report.inserted, 1, "the first R9");
    assert_eq!(report.duplicates, 0);
    assert_eq!(report.quarantined, 2, "R1 and the second R9");
    assert!(report.reconciles(), "{report:?}");
    let sampled: Vec<(Option<u64>, Option<&str>, Option<&str>)> = report
        .sample_errors
        .iter()
        .map(|e| (e.line, e.record_id.as_deref(), e.field.as_deref()))
        .collect();
    assert_eq!(
        sampled,
        [
            (Some(2), Some("R1"), Some("version")),
            (Some(4), Some("R9"), Some("version")),
        ],
        "the report names the conflicts it counts"
    );
    assert_eq!(report.omitted_errors(), 0);
    let entries = store.quarantine(Some("regs"), false).await.expect("list");
    let conflicts: Vec<_> = entries
        .iter()
        .filter(|e| e.field.as_deref() == Some("version"))
        .collect();
    assert_eq!(conflicts.len(), 2, "{entries:?}");
    assert_eq!(conflicts[0].record_id.as_deref(), Some("R1"));
    assert_eq!(conflicts[0].line, Some(2));
    assert_eq!(
        conflicts[0].reason,
        "version: record R1 already has a version 1 with different content; send the change as a higher version"
    );
    assert_eq!(conflicts[1].record_id.as_deref(), Some("R9"));

    let stored = |state: &str, number: &str| {
        let plate = ciss::normalize::Plate::parse(state, number).expect("plate");
        async move { store.registrations_by_plate(&plate).await.expect("lookup") }
    };
    assert_eq!(
        stored("CT", "AB 1234").await.len(),
        1,
        "the stored R1 stays"
    );
    assert!(stored("CT", "ZZ 4321").await.is_empty());
    assert_eq!(stored("CT", "NA 9").await.len(), 1);
    assert!(stored("CT", "NA 99").await.is_empty());

    let replayed = replay_quarantine(store, &mapping, &IngestOptions::default())
        .await
        .expect("replay runs");
    assert_eq!(replayed.inserted, 0);
    let open = store.quarantine(Some("regs"), false).await.expect("list");
    let still: Vec<_> = open
        .iter()
        .filter(|e| e.field.as_deref() == Some("version"))
        .collect();
    assert_eq!(still.len(), 2, "a replayed conflict stays open: {open:?}");
}

/// Ingests `rows` (CSV lines after [`HEADER`]) into `store` from a new file
/// next to the fixture's feed.
async fn ingest_rows(
    fixture: &Fixture,
    store: &dyn GraphStore,
    name: &str,
    rows: &[String],
) -> IngestReport {
    let path = fixture.feed.with_file_name(name);
    std::fs::write(&path, format!("{HEADER}\n{}\n", rows.join("\n"))).expect("feed");
    ingest_path(fixture, store, &path).await
}

async fn ingest_path(fixture: &Fixture, store: &dyn GraphStore, path: &Path) -> IngestReport {
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    ingest_file(store, &mapping, path, &IngestOptions::default())
        .await
        .expect("ingest runs")
}

/// Returns the record ids of the open quarantine entries, in id order.
async fn open_record_ids(store: &dyn GraphStore) -> Vec<Option<String>> {
    let entries = store
        .quarantine(Some("regs"), false)
        .await
        .expect("quarantine");
    entries.into_iter().map(|e| e.record_id).collect()
}

/// Runs `check` on the fixture's SQLite store, then on FalkorDB in a graph of
/// its own when `CISS_TEST_FALKOR_URI` (`falkor://HOST:PORT`) is set.
async fn on_every_store<F>(check: F)
where
    F: AsyncFn(&Fixture, &dyn GraphStore),
{
    let fixture = fixture(&mixed_feed());
    check(&fixture, fixture.store.as_ref()).await;

    let Ok(uri) = std::env::var("CISS_TEST_FALKOR_URI") else {
        eprintln!("skipping the falkordb run: CISS_TEST_FALKOR_URI is not set");
        return;
    };
    let address = uri.trim_start_matches("falkor://").trim_end_matches('/');
    let graph = format!(
        "ciss-ingest-test-{}-{}",
        std::process::id(),
        fixture_serial()
    );
    let transport = Arc::new(
        FalkorTransport::connect(address, &graph)
            .await
            .expect("falkordb connects"),
    );
    let store = CypherStore::open(transport.clone())
        .await
        .expect("falkordb store opens");
    check(&fixture, &store).await;
    transport.delete_graph().await.expect("test graph deleted");
}

fn fixture_serial() -> usize {
    static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test]
async fn corrected_copy_resolves_quarantine() {
    on_every_store(async |fixture: &Fixture, store: &dyn GraphStore| {
        ingest_path(fixture, store, &fixture.feed).await;
        let before = open_record_ids(store).await;
        assert!(before.contains(&Some("R5".to_string())), "{before:?}");
        assert!(before.contains(&Some("R6".to_string())), "{before:?}");

        let corrected = format!(
            "R5,1,03/03/2026,03/03/2027,A,\"QUINTERO, ALMA\",07/08/1990,323456789,ZZ 5,{},KIA",
            vin(7)
        );
        let report = ingest_rows(fixture, store, "corrected.csv", &[corrected]).await;
        assert_eq!(report.inserted, 1);

        let open = open_record_ids(store).await;
        assert!(!open.contains(&Some("R5".to_string())), "{open:?}");
        assert!(
            open.contains(&Some("R6".to_string())),
            "R6 is not corrected"
        );
        assert_eq!(open.len(), before.len() - 1);
        let all = store
            .quarantine(Some("regs"), true)
            .await
            .expect("quarantine");
        assert_eq!(
            all.len(),
            before.len(),
            "the resolved entry is kept for audit"
        );
        for entry in &all {
            let resolved = matches!(entry.status, QuarantineStatus::Resolved(_));
            let corrected = entry.record_id.as_deref() == Some("R5");
            assert_eq!(resolved, corrected, "{entry:?}");
        }
        let counts = store.counts().await.expect("counts");
        assert_eq!(counts.quarantined, open.len() as u64);

        let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping");
        let replay = replay_quarantine(store, &mapping, &IngestOptions::default())
            .await
            .expect("replay");
        assert_eq!(
            replay.received,
            open.len(),
            "a resolved entry is not replayed"
        );
    })
    .await;
}

#[tokio::test]
async fn older_copy_leaves_quarantine_open() {
    on_every_store(async |fixture: &Fixture, store: &dyn GraphStore| {
        ingest_path(fixture, store, &fixture.feed).await;
        let row = |version: u32, dob: &str| {
            format!(
                "R8,{version},05/01/2026,05/01/2027,A,\"ABARA, NIA\",{dob},623456789,NA 8,{},FIAT",
                vin(8)
            )
        };
        let bad = ingest_rows(fixture, store, "bad.csv", &[row(3, "13/45/1992")]).await;
        assert_eq!(bad.quarantined, 1, "{bad:?}");

        let older = ingest_rows(fixture, store, "older.csv", &[row(2, "02/02/1992")]).await;
        assert_eq!(older.inserted, 1);
        let open = open_record_ids(store).await;
        assert!(
            open.contains(&Some("R8".to_string())),
            "version 2 does not correct version 3: {open:?}"
        );

        let fixed = ingest_rows(fixture, store, "fixed.csv", &[row(3, "02/02/1992")]).await;
        assert_eq!(fixed.inserted, 1);
        let open = open_record_ids(store).await;
        assert!(!open.contains(&Some("R8".to_string())), "{open:?}");
    })
    .await;
}

#[tokio::test]
async fn higher_version_resolves_a_conflict() {
    on_every_store(async |fixture: &Fixture, store: &dyn GraphStore| {
        ingest_path(fixture, store, &fixture.feed).await;
        let row = |version: u32, plate: &str| {
            format!(
                "R1,{version},01/15/2026,01/15/2027,A,\"HOLLOWAY, MARGARET A\",03/04/1971,123456789,{plate},{},TOYOTA",
                vin(1)
            )
        };
        let conflict = ingest_rows(fixture, store, "conflict.csv", &[row(1, "ZZ 4321")]).await;
        assert_eq!(conflict.quarantined, 1, "{conflict:?}");
        assert!(open_record_ids(store).await.contains(&Some("R1".to_string())));

        let changed = ingest_rows(fixture, store, "changed.csv", &[row(2, "ZZ 4321")]).await;
        assert_eq!(changed.inserted, 1);
        let open = open_record_ids(store).await;
        assert!(!open.contains(&Some("R1".to_string())), "{open:?}");

        let again = ingest_rows(fixture, store, "conflict-again.csv", &[row(1, "ZZ 4321")]).await;
        assert_eq!(again.quarantined, 1, "{again:?}");
        let open = open_record_ids(store).await;
        assert!(
            open.contains(&Some("R1".to_string())),
            "a rejected copy sent again is open again: {open:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn bulk_load_with_another_reader_stays_in_wal() {
    let fixture = fixture(&mixed_feed());
    let reader = rusqlite::Connection::open(fixture.store.path()).expect("reader opens");
    let records: i64 = reader
        .query_row("SELECT COUNT(*) FROM records", [], |row| row.get(0))
        .expect("reader reads");
    assert_eq!(records, 0);
    let mapping = SourceMapping::load(&fixture.sources, "regs").expect("mapping loads");
    let store = fixture.store.as_ref();
    store
        .begin_bulk_load()
        .await
        .expect("bulk starts beside a reader");
    let report = ingest_file(store, &mapping, &fixture.feed, &IngestOptions::default())
        .await
        .expect("ingest runs");
    store.end_bulk_load().await.expect("bulk ends");
    assert_eq!(report.inserted, 3);
    let journal: String = reader
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(journal, "wal");
}

/// Returns the fields of one registration row of [`HEADER`], read as JSON.
fn registration_fields(id: &str, vin: &str, dob: &str) -> ciss::ingest::InputFields {
    ciss::ingest::InputFields::Json(serde_json::json!({
        "REG_ID": id, "REV": "2", "ISSUED": "01/15/2026", "EXPIRES": "01/15/2027",
        "STATUS": "A", "OWNER": "HOLLOWAY, MARGARET", "DOB": dob,
        "LICENCE": "123456789", "PLATE": "MP 1", "VIN": vin, "MAKE": "KIA",
    }))
}

#[test]
fn map_parties_reads_the_parties_map_record_reads() {
    use ciss::ingest::{map_parties, map_record};
    let mapping = SourceMapping::from_toml(MAPPING, Path::new("regs.toml")).expect("mapping");

    let good = registration_fields("M1", &vin(21), "03/04/1971");
    let record = map_record(&mapping, &good).expect("a valid row maps");
    let (key, parties) = map_parties(&mapping, &good).expect("its parties map");
    assert_eq!(key, record.key);
    assert_eq!(key.version, 2);
    assert_eq!(parties, record.parties);
    assert_eq!(parties.len(), 1);

    // A bad VIN is not a party field: the record is refused, its parties are not.
    let bad_vin = registration_fields("M2", &with_wrong_check_digit(&vin(22)), "03/04/1971");
    assert!(map_record(&mapping, &bad_vin).is_err());
    let (_, parties) = map_parties(&mapping, &bad_vin).expect("parties map");
    assert_eq!(parties, record.parties);

    // A bad date of birth is a party field: both refuse the record.
    let bad_dob = registration_fields("M3", &vin(23), "03/04/2999");
    let failure = map_parties(&mapping, &bad_dob).expect_err("future dob");
    assert_eq!(failure.record_id.as_deref(), Some("M3"));
    assert_eq!(failure.errors[0].field, "DOB");
}

#[test]
fn name_errors_name_the_column_at_fault() {
    use ciss::ingest::map_record;
    let mapping = SourceMapping::from_toml(
        r#"
name = "people"
agency = "Test Records"
format = "jsonl"

[record]
id = { path = "ID", required = true }
kind = { value = "arrest" }

[[parties]]
role = { value = "subject" }
required = true
surname = { path = "LNAME", required = true }
given = "FNAME"
suffix = "SFX"
"#,
        Path::new("people.toml"),
    )
    .expect("mapping");
    // Each case: the given name, surname and suffix cells, then the column
    // the error must name.
    let cases = [
        ("   ", "HOLLOWAY", "", "FNAME"),
        ("MARGARET", "HOLLOWAY", "XIV", "SFX"),
        ("MARGARET", "---", "", "LNAME"),
    ];
    for (given, surname, suffix, column) in cases {
        let fields = ciss::ingest::InputFields::Json(serde_json::json!({
            "ID": "N1", "FNAME": given, "LNAME": surname, "SFX": suffix,
        }));
        let failure = map_record(&mapping, &fields).expect_err("invalid name");
        assert_eq!(
            failure.errors.len(),
            1,
            "{given:?} {surname:?}: {failure:?}"
        );
        assert_eq!(
            failure.errors[0].field, column,
            "{given:?} {surname:?} {suffix:?}"
        );
    }
}

#[tokio::test]
async fn long_error_lists_are_counted() {
    let fields = "role = { value = \"victim\" }\nname = \"name\"";
    let mapping = list_mapping("jsonl", "owners", fields);
    // Each case: the number of entries that are not objects, and whether
    // some errors are counted rather than named.
    let cases = [(3, None), (20, None), (25, Some(5))];
    for (entries, counted) in cases {
        let owners = vec![r#""x""#; entries].join(",");
        let line = format!(r#"{{"ID":"R1","owners":[{owners}]}}"#);
        let fixture = fixture_with(&mapping, "regs.jsonl", line.as_bytes());
        let report = ingest(&fixture).await;
        assert_eq!(report.quarantined, 1, "{entries} entries");
        let quarantined = fixture.store.quarantine(Some("regs"), false).await;
        let entry = quarantined.expect("quarantine lists").remove(0);
        let reason = entry.reason;
        let named = reason.matches("wrong type: expected an object").count();
        assert_eq!(named, entries.min(20), "{reason}");
        let field = entry.field.unwrap_or_default();
        match counted {
            Some(more) => {
                assert!(
                    reason.ends_with(&format!("; and {more} more errors")),
                    "{reason}"
                );
                assert!(field.ends_with(&format!(", and {more} more")), "{field}");
            }
            None => assert!(!reason.contains("more errors"), "{reason}"),
        }
    }
}
