//! The `ciss` binary as a user runs it: exit statuses, messages on standard
//! error, and what a command leaves behind when a path or source is wrong.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ciss::graph::{GraphStore, SqliteStore};

/// A temporary directory with generated feeds for every source.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let workspace = Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let feeds = workspace.path("feeds");
        let generated = workspace.run(&[
            "generate",
            "--people",
            "30",
            "--as-of",
            "2026-06-30",
            "--out",
            feeds.to_str().expect("utf-8 path"),
        ]);
        assert!(generated.status.success(), "{}", stderr(&generated));
        workspace
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn store_uri(&self) -> String {
        format!("sqlite:{}", self.path("ciss.db").display())
    }

    fn command(&self, args: &[&str]) -> Command {
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
        self.command_with_sources(&sources, args)
    }

    /// Returns a `ciss` command that reads its source mappings from `sources`.
    fn command_with_sources(&self, sources: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ciss"));
        command
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .arg("--store")
            .arg(self.store_uri())
            .arg("--sources")
            .arg(sources)
            .args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("ciss runs")
    }

    fn feed(&self, name: &str) -> String {
        self.path("feeds").join(name).display().to_string()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `ciss` with `args` in `dir`, with no log filter set.
fn ciss_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ciss"))
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .expect("ciss runs")
}

#[test]
fn reading_commands_reject_a_missing_store() {
    let workspace = Workspace::new();
    let missing = workspace.path("typo").join("demo.db");
    let uri = format!("sqlite:{}", missing.display());
    let expected = format!(
        "store not found: {} (run `ciss ingest` or `ciss demo` first)",
        missing.display()
    );
    let commands: [&[&str]; 9] = [
        &["serve", "--listen", "127.0.0.1:0"],
        &["quarantine", "list"],
        &["quarantine", "replay"],
        &["resolve"],
        &["resolve", "--explain-blocking"],
        &["review", "list"],
        &["review", "history"],
        &["review", "explain", "dmv:A", "dmv:B"],
        &[
            "review", "reject", "dmv:A", "dmv:B", "--by", "analyst", "--reason", "test",
        ],
    ];
    for args in commands {
        let output = Command::new(env!("CARGO_BIN_EXE_ciss"))
            .arg("--store")
            .arg(&uri)
            .args(args)
            .output()
            .expect("ciss runs");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains(&expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            !missing.parent().expect("parent").exists(),
            "{args:?} created it"
        );
    }
}

#[test]
fn quarantine_commands_reject_an_unknown_source() {
    let workspace = Workspace::new();
    let ingested = workspace.run(&["ingest", "--source", "sor", &workspace.feed("sor.jsonl")]);
    assert!(ingested.status.success(), "{}", stderr(&ingested));
    for command in ["list", "replay"] {
        let output = workspace.run(&["quarantine", command, "--source", "nosuch"]);
        assert_eq!(output.status.code(), Some(1), "{command}");
        assert!(
            stderr(&output).contains("nosuch"),
            "{command}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn quarantine_lists_a_source_whose_mapping_is_gone() {
    let workspace = Workspace::new();
    let feed = workspace.path("sor-bad.jsonl");
    std::fs::write(&feed, "{\"not\": \"a registrant\"}\n").expect("feed");
    let ingested = workspace.run(&["ingest", "--source", "sor", feed.to_str().expect("path")]);
    assert_eq!(ingested.status.code(), Some(2), "{}", stderr(&ingested));
    let no_mappings = workspace.path("no-mappings");
    std::fs::create_dir_all(&no_mappings).expect("empty mapping directory");
    let listed = workspace
        .command_with_sources(&no_mappings, &["quarantine", "list", "--source", "sor"])
        .output()
        .expect("ciss runs");
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(
        stdout(&listed).contains("1 quarantined"),
        "{}",
        stdout(&listed)
    );
}

#[test]
fn replay_exits_2_while_records_still_fail() {
    let workspace = Workspace::new();
    let feed = workspace.path("sor-bad.jsonl");
    std::fs::write(&feed, "{\"not\": \"a registrant\"}\n").expect("feed");
    let ingested = workspace.run(&["ingest", "--source", "sor", feed.to_str().expect("path")]);
    assert_eq!(ingested.status.code(), Some(2), "{}", stderr(&ingested));
    let replayed = workspace.run(&["quarantine", "replay"]);
    assert_eq!(replayed.status.code(), Some(2), "{}", stdout(&replayed));
    assert!(
        stdout(&replayed).contains("quarantined 1"),
        "{}",
        stdout(&replayed)
    );
}

#[test]
fn failed_ingest_reports_its_own_error_first() {
    let workspace = Workspace::new();
    let first = workspace.run(&["ingest", "--no-resolve", &workspace.feed("parole.csv")]);
    assert!(first.status.success(), "{}", stderr(&first));
    let conn = rusqlite::Connection::open(workspace.path("ciss.db")).expect("store");
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM records", [], |row| row.get(0))
        .expect("count");
    // Ten more records are stored, then every insert fails; and resolution
    // cannot write entities.
    conn.execute_batch(&format!(
        "CREATE TRIGGER full_store BEFORE INSERT ON records
           WHEN (SELECT COUNT(*) FROM records) >= {}
         BEGIN SELECT RAISE(ABORT, 'store is full'); END;
         CREATE TRIGGER no_entities BEFORE UPDATE OF entity ON mentions
         BEGIN SELECT RAISE(ABORT, 'entities are frozen'); END;",
        stored + 10
    ))
    .expect("triggers");
    drop(conn);

    let output = workspace.run(&["ingest", "--batch-size", "5", &workspace.feed("dmv.csv")]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    let failure = message.find("store is full").expect("the ingest error");
    let later = message
        .find("resolving the records stored before it failed too")
        .expect("the resolution error");
    assert!(failure < later, "the ingest error comes first: {message}");
    assert!(message.contains("entities are frozen"), "{message}");
}

#[test]
fn missing_file_is_named_before_its_source() {
    let workspace = Workspace::new();
    // Without --source each file's name gives its source, and no source is
    // named "nosuch"; the file is what is missing.
    let output = workspace.run(&["ingest", &workspace.feed("parole.csv"), "nosuch.csv"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("cannot read nosuch.csv: no such file or directory"),
        "{message}"
    );
    assert!(!message.contains("no mapping"), "{message}");
}

#[tokio::test]
async fn ingest_checks_every_file_before_storing() {
    let workspace = Workspace::new();
    let output = workspace.run(&[
        "ingest",
        "--source",
        "dmv",
        &workspace.feed("dmv.csv"),
        "nosuch.csv",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("cannot read nosuch.csv"), "{message}");
    assert_eq!(
        message.matches("no such file or directory").count(),
        1,
        "the cause is printed once: {message}"
    );
    let store = SqliteStore::open(&workspace.path("ciss.db")).expect("store opens");
    let counts = store.counts().await.expect("counts");
    assert_eq!(counts.records, 0, "nothing is stored: {counts:?}");
}

#[tokio::test]
async fn ingest_names_every_unreadable_file() {
    let workspace = Workspace::new();
    let directory = workspace.path("feeds");
    let output = workspace.run(&[
        "ingest",
        "--source",
        "dmv",
        &workspace.feed("dmv.csv"),
        &directory.display().to_string(),
        "nosuch.csv",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    let expected = [
        "2 input files cannot be read, so nothing was stored".to_string(),
        format!(
            "cannot read {}: is a directory, expected a file",
            directory.display()
        ),
        "cannot read nosuch.csv: no such file or directory".to_string(),
    ];
    for text in expected {
        assert!(message.contains(&text), "{text:?} in {message}");
    }
    let store = SqliteStore::open(&workspace.path("ciss.db")).expect("store opens");
    let counts = store.counts().await.expect("counts");
    assert_eq!(counts.records, 0, "nothing is stored: {counts:?}");
}

#[test]
fn empty_feeds_hold_no_records() {
    let workspace = Workspace::new();
    // Each case: the source, the file's content, and the exit status.
    let cases = [
        ("rms", "", 0),
        ("rms", "\n \n", 0),
        ("dmv", "", 0),
        ("dmv", "\n", 0),
        ("dmv", " \n1,2\n", 1),
    ];
    for (index, (source, content, status)) in cases.into_iter().enumerate() {
        let file = workspace.path(&format!("empty-{index}.feed"));
        std::fs::write(&file, content).expect("write");
        let output = workspace.run(&["ingest", "--source", source, &file.display().to_string()]);
        let report = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(
            output.status.code(),
            Some(status),
            "{source} {content:?}: {report}"
        );
        if status == 0 {
            let counts = "received 0, accepted 0";
            assert!(report.contains(counts), "{source} {content:?}: {report}");
            let note = "the input holds no records";
            assert!(report.contains(note), "{source} {content:?}: {report}");
        }
    }
}

#[test]
fn no_resolve_note_only_after_storing() {
    let workspace = Workspace::new();
    let empty = workspace.path("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    let generated = workspace.run(&["generate", "--people", "20", "--out", "feeds"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let feed = workspace.path("feeds/rms.jsonl").display().to_string();
    // A CSV file whose header lacks the mapped columns fails before storing.
    let wrong = workspace.path("wrong.csv");
    std::fs::write(&wrong, "A,B\n1,2\n").expect("write");
    let note = "records are stored but not resolved";
    // Each case: the file ingested, whether the run succeeds, and whether
    // the note is printed.
    let cases = [
        (empty.display().to_string(), true, false),
        (wrong.display().to_string(), false, false),
        (feed, true, true),
    ];
    for (file, succeeds, printed) in cases {
        let source = if file.ends_with(".csv") { "dmv" } else { "rms" };
        let output = workspace.run(&["ingest", "--source", source, "--no-resolve", &file]);
        let report = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(output.status.success(), succeeds, "{file}: {report}");
        assert_eq!(report.contains(note), printed, "{file}: {report}");
    }
}

#[tokio::test]
async fn ingest_resolves_files_stored_before_a_read_error() {
    let workspace = Workspace::new();
    // The header lacks the mapped columns, which is found only when the
    // file is read, after the first file is stored.
    let wrong = workspace.path("wrong.csv");
    std::fs::write(&wrong, "A,B\n1,2\n").expect("write");
    let output = workspace.run(&[
        "ingest",
        "--source",
        "dmv",
        &workspace.feed("dmv.csv"),
        &wrong.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("resolved"), "{}", stdout(&output));
    let message = stderr(&output);
    assert_eq!(
        message.matches("header lacks mapped columns").count(),
        1,
        "the cause is printed once: {message}"
    );
    let store = SqliteStore::open(&workspace.path("ciss.db")).expect("store opens");
    let counts = store.counts().await.expect("counts");
    assert!(counts.mentions > 0, "the first file is stored: {counts:?}");
    let unresolved = store.count_unresolved_mentions().await.expect("count");
    assert_eq!(unresolved, 0, "every stored mention is resolved");
}

#[test]
fn ingest_survives_a_closed_output_pipe() {
    let workspace = Workspace::new();
    let mut child = workspace
        .command(&["ingest", "--source", "dmv", &workspace.feed("dmv.csv")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ciss starts");
    drop(child.stdout.take());
    let mut errors = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut errors)
        .expect("stderr reads");
    let status = child.wait().expect("ciss exits");
    assert!(status.success(), "{status}: {errors}");
    assert!(!errors.contains("panicked"), "{errors}");
}

#[test]
fn explain_unknown_id_shows_the_id_form() {
    let workspace = Workspace::new();
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let output = Command::new(env!("CARGO_BIN_EXE_ciss"))
        .current_dir(workspace.dir.path())
        .arg("--sources")
        .arg(sources)
        .args([
            "explain",
            "--generated",
            "feeds",
            "T0000000001",
            "T0000000002",
        ])
        .output()
        .expect("ciss runs");
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("no record with id \"T0000000001\"; ids are written as in pairs.csv"),
        "{message}"
    );
    assert!(message.contains("/p1\""), "an example id: {message}");
}

#[test]
fn demo_checks_mappings_before_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = ciss_in(
        dir.path(),
        &[
            "--sources",
            "no-such-sources",
            "demo",
            "--people",
            "20",
            "--no-serve",
            "--dir",
            "demo",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("no mapping for source \"rms\" in no-such-sources"),
        "{message}"
    );
    let demo = dir.path().join("demo");
    assert!(!demo.join("feeds").exists(), "no feeds are written");
    assert!(!demo.join("ciss.db").exists(), "no store is created");
}

#[test]
fn explain_rejects_one_id_named_twice() {
    let workspace = Workspace::new();
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let id = "rms/20-000000000/v1/p1";
    let output = Command::new(env!("CARGO_BIN_EXE_ciss"))
        .current_dir(workspace.dir.path())
        .arg("--sources")
        .arg(sources)
        .args(["explain", "--generated", "feeds", id, id])
        .output()
        .expect("ciss runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "{id:?} is named twice; an explanation compares two different records"
        )),
        "{message}"
    );
    assert!(output.stdout.is_empty(), "nothing is explained");
}

/// Writes `people.csv`, records without a truth column, and its mapping
/// `people.toml` into `dir`.
fn write_unlabelled_input(dir: &Path) {
    let mapping = r#"
name = "people"
agency = "Test"
format = "csv"
date_format = "%Y-%m-%d"
[record]
id = "case_no"
kind = { value = "driver_licence" }
[[parties]]
role = { value = "subject" }
given = "first"
surname = "last"
dob = "born"
"#;
    std::fs::write(dir.join("people.toml"), mapping).expect("mapping");
    let rows = "case_no,first,last,born\n\
                K-1,MINH,TRAN,1990-04-12\n\
                K-2,MINH,TRAN,1990-04-12\n\
                K-3,ORLA,VENMARK,1972-11-30\n";
    std::fs::write(dir.join("people.csv"), rows).expect("records");
}

#[test]
fn explain_needs_no_truth_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_unlabelled_input(dir.path());
    let output = ciss_in(
        dir.path(),
        &[
            "explain",
            "--input",
            "people.csv",
            "--mapping",
            "people.toml",
            "K-1",
            "K-2",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let explanation = stdout(&output);
    assert!(explanation.contains("decision: "), "{explanation}");
    assert!(explanation.contains("given      exact"), "{explanation}");
}

#[test]
fn evaluate_names_a_missing_truth_column_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_unlabelled_input(dir.path());
    let output = ciss_in(
        dir.path(),
        &[
            "evaluate",
            "--input",
            "people.csv",
            "--mapping",
            "people.toml",
            "--truth",
            "nosuch",
            "--out",
            "eval",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    let expected = r#"people.csv has no truth column "nosuch" (its columns are "case_no", "first", "last", "born")"#;
    assert!(message.contains(expected), "{message}");
    assert!(!message.contains("line"), "no row is blamed: {message}");
    assert_eq!(message.matches("nosuch").count(), 1, "{message}");
}

#[test]
fn evaluate_rejects_unusable_inputs() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_unlabelled_input(dir.path());
    std::fs::create_dir(dir.path().join("eval")).expect("output dir");
    std::fs::copy(
        dir.path().join("people.csv"),
        dir.path().join("eval/pairs.csv"),
    )
    .expect("copy");
    // (arguments, expected message)
    let cases: [(&[&str], &str); 2] = [
        (
            &["--input", "eval/pairs.csv", "--out", "eval"],
            "input file eval/pairs.csv is the pairs.csv that evaluate writes in eval; give another --out",
        ),
        (
            &["--input", "people.csv", "--linkage", "--out", "out"],
            "--linkage links input files to each other, so it needs at least two; 1 given",
        ),
    ];
    for (args, expected) in cases {
        let common = ["evaluate", "--mapping", "people.toml", "--truth", "case_no"];
        let output = ciss_in(dir.path(), &[&common[..], args].concat());
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stdout(&output)
        );
        let message = stderr(&output);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let kept = std::fs::read_to_string(dir.path().join("eval/pairs.csv")).expect("input kept");
    assert!(kept.starts_with("case_no,first"), "{kept}");
    let bare = ciss_in(dir.path(), &["evaluate", "--out", "out"]);
    assert_eq!(bare.status.code(), Some(1), "{}", stdout(&bare));
    let message = stderr(&bare);
    assert!(
        message.contains("give --task, --generated, or --input with --mapping"),
        "{message}"
    );
}

#[test]
fn evaluate_generated_uses_the_sources_setting() {
    let workspace = Workspace::new();
    let output = Command::new(env!("CARGO_BIN_EXE_ciss"))
        .current_dir(workspace.dir.path())
        .arg("--sources")
        .arg("no-such-sources")
        .args(["evaluate", "--generated", "feeds", "--out", "eval"])
        .output()
        .expect("ciss runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no-such-sources"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn evaluate_generated_warns_about_files_it_does_not_read() {
    let workspace = Workspace::new();
    let feeds = workspace.path("feeds");
    let run = || {
        let output = workspace.run(&["evaluate", "--generated", "feeds", "--out", "eval"]);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    // `ciss generate` writes the feeds, truth.csv and featured.json.
    assert!(feeds.join("featured.json").exists(), "generate writes it");
    let quiet = run();
    assert!(!quiet.contains("warning"), "{quiet}");

    std::fs::copy(feeds.join("dmv.csv"), feeds.join("dmv-2024.csv")).expect("extra feed");
    std::fs::write(feeds.join("rms.json"), "{}\n").expect("misnamed feed");
    std::fs::create_dir(feeds.join("old")).expect("directory");
    let warned = run();
    let read = "(the feeds read are rms.jsonl, judicial.csv, correction.csv, dmv.csv, \
                cssd.jsonl, parole.csv, sor.jsonl)";
    for name in ["dmv-2024.csv", "rms.json"] {
        let line = format!(
            "warning: {} is not scored: no source mapping reads it {read}",
            Path::new("feeds").join(name).display()
        );
        assert!(warned.lines().any(|l| l == line), "{line}\n{warned}");
    }
    assert_eq!(warned.lines().count(), 2, "one line per file: {warned}");
}

#[test]
fn evaluate_generated_warns_about_parties_without_truth() {
    let workspace = Workspace::new();
    let truth_path = workspace.path("feeds/truth.csv");
    let truth = std::fs::read_to_string(&truth_path).expect("truth.csv");
    // Every rms party loses its truth row.
    let (rms, kept): (Vec<&str>, Vec<&str>) = truth.lines().partition(|l| l.starts_with("rms,"));
    let mut versions: Vec<String> = rms
        .iter()
        .map(|l| l.splitn(4, ',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    versions.sort();
    versions.dedup();
    assert!(!rms.is_empty(), "the feeds have rms parties");
    std::fs::write(&truth_path, kept.join("\n") + "\n").expect("write truth.csv");

    let output = workspace.run(&["evaluate", "--generated", "feeds", "--out", "eval"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = format!(
        "warning: {} parties have no row in truth.csv and are not scored, \
         among them every party of {} records; check that truth.csv was written with these feeds",
        rms.len(),
        versions.len()
    );
    let errors = stderr(&output);
    assert!(errors.lines().any(|l| l == warning), "{warning}\n{errors}");
    let report = stdout(&output);
    let left_out = format!(
        "left out: unreadable records 0, records without a truth row {}, \
         parties without a truth row {} (those records' parties included), \
         truth rows naming no party 0",
        versions.len(),
        rms.len()
    );
    assert!(
        report.lines().any(|l| l == left_out),
        "{left_out}\n{report}"
    );
}

#[test]
fn evaluate_names_an_unreadable_mapping_like_other_read_errors() {
    let workspace = Workspace::new();
    let missing = workspace.path("missing.toml");
    let output = workspace.run(&[
        "evaluate",
        "--input",
        &workspace.feed("dmv.csv"),
        "--mapping",
        missing.to_str().expect("utf-8 path"),
        "--out",
        "eval",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "error: cannot read mapping {}: no such file or directory (os error 2)\n",
            missing.display()
        )
    );
}

#[test]
fn failed_evaluate_keeps_previous_outputs() {
    let workspace = Workspace::new();
    let out = workspace.path("eval");
    std::fs::create_dir_all(&out).expect("output dir");
    std::fs::write(out.join("pairs.csv"), "old pairs\n").expect("old pairs");
    std::fs::write(out.join("clusters.csv"), "old clusters\n").expect("old clusters");
    // A directory in the way makes writing clusters.csv fail after
    // pairs.csv is written.
    std::fs::create_dir_all(out.join("clusters.csv.partial")).expect("blocker");
    let output = workspace.run(&[
        "evaluate",
        "--generated",
        "feeds",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).expect("pairs.csv");
    assert_eq!(pairs, "old pairs\n");
    let clusters = std::fs::read_to_string(out.join("clusters.csv")).expect("clusters.csv");
    assert_eq!(clusters, "old clusters\n");
}

#[test]
fn finished_command_leaves_one_database_file() {
    let workspace = Workspace::new();
    let feed = workspace.feed("dmv.csv");
    let ingested = workspace.run(&["ingest", &feed]);
    assert!(ingested.status.success(), "{}", stderr(&ingested));

    let wal = workspace.path("ciss.db-wal");
    assert!(!wal.exists(), "the write-ahead log is folded in at exit");
    // The database file alone, copied without its log, contains every record.
    let copy = workspace.path("copy.db");
    std::fs::copy(workspace.path("ciss.db"), &copy).expect("copy");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let counts = runtime.block_on(async {
        let store = SqliteStore::open(&copy).expect("copy opens");
        store.counts().await.expect("counts")
    });
    assert!(counts.records > 0, "{counts:?}");
}

#[test]
fn evaluate_checks_its_output_path_first() {
    let workspace = Workspace::new();
    let file = workspace.path("taken");
    std::fs::write(&file, "not a directory\n").expect("file");
    let output = workspace.run(&[
        "evaluate",
        "--task",
        "febrl1",
        "--out",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("it is not a directory"), "{message}");
    let printed = stdout(&output);
    assert!(printed.is_empty(), "failed before resolving: {printed}");
}

#[test]
fn failed_evaluate_leaves_no_partial_file() {
    let workspace = Workspace::new();
    let feeds = workspace.path("no-truth");
    std::fs::create_dir_all(&feeds).expect("feeds directory");
    let out = workspace.path("eval");
    let output = workspace.run(&[
        "evaluate",
        "--generated",
        feeds.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("has no truth.csv"), "{message}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .expect("the output directory was checked, so it exists")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert!(
        left.is_empty(),
        "files left in the output directory: {left:?}"
    );
}

#[test]
fn generate_names_too_few_people() {
    let workspace = Workspace::new();
    let out = workspace.path("few");
    let output = workspace.run(&[
        "generate",
        "--people",
        "1",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("too few people: 1 requested, at least"),
        "{message}"
    );
}

#[test]
fn generate_rejects_a_file_as_out() {
    let workspace = Workspace::new();
    let out = workspace.path("notes.txt");
    std::fs::write(&out, "fictional notes\n").expect("file");
    let output = workspace.run(&["generate", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let expected = format!(
        "error: cannot write feeds to {}: the path is a file, expected a directory\n",
        out.display()
    );
    assert_eq!(stderr(&output), expected);
    let text = std::fs::read_to_string(&out).expect("file");
    assert_eq!(text, "fictional notes\n", "the file is left as it was");
}

#[test]
fn generate_rejects_an_as_of_date_ingest_cannot_take() {
    let workspace = Workspace::new();
    let out = workspace.path("dated");
    for as_of in ["1850-01-01", "9999-12-31"] {
        let output = workspace.run(&[
            "generate",
            "--people",
            "100",
            "--as-of",
            as_of,
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{as_of}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(
            message.contains(&format!(
                "invalid as-of date {as_of}: expected 1970-01-01 to "
            )),
            "{message}"
        );
        assert!(!out.exists(), "{as_of}: nothing is written");
    }
}

#[test]
fn evaluate_rejects_generated_feeds_without_labelled_records() {
    let workspace = Workspace::new();
    let truth = workspace.path("feeds/truth.csv");
    let feeds = workspace.path("feeds").display().to_string();
    let out = workspace.path("eval").display().to_string();
    // Each case: the text of truth.csv, which labels no record.
    for text in ["", "source,record_id,version,role,person_id,category\n"] {
        std::fs::write(&truth, text).expect("write truth.csv");
        let output = workspace.run(&["evaluate", "--generated", &feeds, "--out", &out]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{text:?}: {}",
            stdout(&output)
        );
        let message = stderr(&output);
        assert!(
            message.contains("no labelled records in "),
            "{text:?}: {message}"
        );
        assert!(
            !stdout(&output).contains("F1"),
            "{text:?}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn evaluate_rejects_input_without_records() {
    let workspace = Workspace::new();
    let mapping = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/febrl/febrl.toml");
    let header = workspace.path("header-only.csv");
    let febrl = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/febrl/febrl1.csv");
    let text = std::fs::read_to_string(febrl).expect("febrl1.csv");
    let first_line = text.lines().next().expect("header row");
    std::fs::write(&header, format!("{first_line}\n")).expect("input");
    let output = workspace.run(&[
        "evaluate",
        "--input",
        header.to_str().expect("utf-8 path"),
        "--mapping",
        mapping,
        "--out",
        workspace.path("eval").to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("no labelled records"), "{message}");
    assert!(message.contains("header-only.csv"), "{message}");
    assert!(!stdout(&output).contains("F1"), "{}", stdout(&output));
}

/// Runs `ciss demo` on 30 people in `dir`, without serving, listening on
/// `listen`, with `--store` when `store` is given.
fn run_demo(dir: &Path, store: Option<&Path>, listen: &str) -> Output {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ciss"));
    command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("CISS_STORE")
        .arg("--sources")
        .arg(sources);
    if let Some(store) = store {
        command
            .arg("--store")
            .arg(format!("sqlite:{}", store.display()));
    }
    command
        .args(["demo", "--people", "30", "--no-serve"])
        .args(["--listen", listen, "--dir"])
        .arg(dir.join("demo"))
        .output()
        .expect("ciss runs")
}

#[tokio::test]
async fn demo_stores_in_the_named_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let named = dir.path().join("named.db");
    let demo_store = dir.path().join("demo").join("ciss.db");

    let first = run_demo(dir.path(), Some(&named), "127.0.0.1:0");
    assert!(first.status.success(), "{}", stderr(&first));
    let storing = format!("storing records in {}", named.display());
    assert!(stdout(&first).contains(&storing), "{}", stdout(&first));
    assert!(!demo_store.exists(), "the demo directory holds no store");
    let store = SqliteStore::open(&named).expect("named store opens");
    let records = store.counts().await.expect("counts").records;
    assert!(records > 0, "the demo's records are in the named store");

    let demo_dir = dir.path().join("demo");
    std::fs::remove_dir_all(&demo_dir).expect("remove the first run's feeds");
    let second = run_demo(dir.path(), Some(&named), "127.0.0.1:0");
    assert!(!second.status.success(), "a store with records is rejected");
    assert!(
        !demo_dir.exists(),
        "nothing is written before the check, not even the demo directory"
    );
    let rejected = format!(
        "the demo needs an empty store, but {} contains {records} records",
        named.display()
    );
    assert!(stderr(&second).contains(&rejected), "{}", stderr(&second));
    let after = store.counts().await.expect("counts").records;
    assert_eq!(after, records, "the named store is left as it was");

    let default = run_demo(dir.path(), None, "127.0.0.1:0");
    assert!(default.status.success(), "{}", stderr(&default));
    assert!(
        demo_store.is_file(),
        "without --store the demo directory holds the store"
    );
}

#[test]
fn unreachable_neo4j_fails_fast() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let address = closed.local_addr().expect("bound address");
    drop(closed);
    let dir = tempfile::tempdir().expect("temp dir");
    let password = "fictional-pass-4711";
    let started = std::time::Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_ciss"))
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("CISS_NEO4J_USER", "neo4j")
        .env("CISS_NEO4J_PASSWORD", password)
        .args(["--store", &format!("neo4j://{address}"), "resolve"])
        .output()
        .expect("ciss runs");
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    let expected = format!(
        "error: cannot open store neo4j://{address}: cannot reach the server: connection refused"
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(!message.contains(password), "{message}");
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn demo_checks_listen_address_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let occupied = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let address = occupied.local_addr().expect("bound address").to_string();
    let output = run_demo(dir.path(), None, &address);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    let expected = format!("cannot listen on {address}: address already in use");
    assert!(message.contains(&expected), "{message}");
    let demo = dir.path().join("demo");
    assert!(!demo.exists(), "the demo directory is not left behind");
}

#[test]
fn second_demo_in_one_dir_is_refused() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("temp dir");
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mut first = Command::new(env!("CARGO_BIN_EXE_ciss"))
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("CISS_STORE")
        .arg("--sources")
        .arg(&sources)
        .args(["demo", "--people", "30", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir.path().join("demo"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ciss starts");
    let serving = std::io::BufReader::new(first.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("serving on"));
    assert!(serving, "the first demo serves");

    let second = run_demo(dir.path(), None, "127.0.0.1:0");
    first.kill().expect("stop the first demo");
    first.wait().expect("reaped");
    assert_eq!(second.status.code(), Some(1), "{}", stdout(&second));
    let message = stderr(&second);
    let expected = format!(
        "another ciss demo is running in {}",
        dir.path().join("demo").display()
    );
    assert!(message.contains(&expected), "{message}");
    let store = dir.path().join("demo").join("ciss.db");
    assert!(store.exists(), "the running demo's store is kept");
}

/// Writes `name`, a dmv feed of one registration for each `(id, status)`;
/// status `Q` is not in the dmv code table, so its record is quarantined.
fn write_dmv_feed(workspace: &Workspace, name: &str, rows: &[(&str, &str)]) -> PathBuf {
    let header = std::fs::read_to_string(workspace.path("feeds").join("dmv.csv"))
        .expect("dmv feed")
        .lines()
        .next()
        .expect("header")
        .to_string();
    let mut text = header + "\n";
    for (id, status) in rows {
        text.push_str(&format!(
            "{id},1,REG,QX{}1,CT,PAS,,KIA,FORTE,2021,BLUE,04-21-2026,04-21-2028,{status},PO,\
             316274999,VALE,IRIS,,,02-12-1992,F,15 GROVE ST,HARTFORD,CT,06105,,,,,,,,,,,,\n",
            &id[1..]
        ));
    }
    let path = workspace.path(name);
    std::fs::write(&path, text).expect("dmv feed");
    path
}

#[test]
fn quarantine_count_of_one_entry() {
    let workspace = Workspace::new();
    let bad = write_dmv_feed(&workspace, "bad.csv", &[("Z1", "Q")]);
    let output = workspace.run(&["ingest", "--source", "dmv", bad.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = workspace.run(&["quarantine", "list", "--all"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(
        text.lines().last(),
        Some("1 quarantine entry, 1 open"),
        "{text}"
    );
}

#[test]
fn quarantine_list_all_shows_each_status() {
    let workspace = Workspace::new();
    let bad = write_dmv_feed(&workspace, "bad.csv", &[("Z1", "Q"), ("Z2", "Q")]);
    let fixed = write_dmv_feed(&workspace, "fixed.csv", &[("Z1", "A")]);
    for (feed, status) in [(&bad, Some(2)), (&fixed, Some(0))] {
        let feed = feed.to_str().expect("utf-8 path");
        let output = workspace.run(&["ingest", "--source", "dmv", feed]);
        assert_eq!(output.status.code(), status, "{}", stderr(&output));
    }

    // Each case: the arguments, and for each record id its status, then
    // the closing count.
    let cases = [
        (
            vec!["quarantine", "list", "--all"],
            vec![("Z1", "resolved by batch 2"), ("Z2", "open")],
            "2 quarantine entries, 1 open",
        ),
        (
            vec!["quarantine", "list"],
            vec![("Z2", "open")],
            "1 quarantined",
        ),
    ];
    for (args, statuses, total) in cases {
        let output = workspace.run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), statuses.len() + 1, "{args:?}: {text}");
        for (line, (record, status)) in lines.iter().zip(&statuses) {
            let columns: Vec<&str> = line.split("  ").map(str::trim).collect();
            assert!(
                columns.contains(status),
                "{args:?}: {status:?} missing: {line}"
            );
            assert!(
                line.contains(&format!("record {record}:")),
                "{args:?}: {line}"
            );
        }
        assert_eq!(lines.last(), Some(&total), "{args:?}: {text}");
    }
}
