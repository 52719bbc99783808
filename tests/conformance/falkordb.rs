//! The FalkorDB store, gated on `CISS_TEST_FALKOR_URI` (`falkor://HOST:PORT`).
//! Each test works in a graph of its own, named after the process and a
//! counter, and deletes it afterwards.
//!
//! The crash test starts a second server of its own with the same script,
//! kills it by pid in the middle of an ingest, restarts it on the same port
//! and data directory, and checks that re-running the ingest completes it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ciss::graph::GraphStore;
use ciss::graph::cypher::{CypherStore, CypherTransport, FalkorTransport, Statement};
use ciss::ingest::mapping::SourceMapping;
use ciss::ingest::{IngestError, IngestOptions, ingest_file};
use ciss::normalize::vin_check_digit;

static GRAPHS: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct TestStore {
    pub(crate) store: Arc<dyn GraphStore>,
    transport: Arc<FalkorTransport>,
}

impl TestStore {
    /// Deletes the test's graph.
    pub(crate) async fn finish(self) {
        if let Err(err) = self.transport.delete_graph().await {
            eprintln!("could not delete test graph: {err}");
        }
    }
}

fn server_address() -> Option<String> {
    match std::env::var("CISS_TEST_FALKOR_URI") {
        Ok(uri) => Some(
            uri.trim_start_matches("falkor://")
                .trim_end_matches('/')
                .to_string(),
        ),
        Err(_) => {
            eprintln!(
                "skipping falkordb conformance: CISS_TEST_FALKOR_URI is not set (scripts/falkordb.sh starts a server)"
            );
            None
        }
    }
}

fn graph_name() -> String {
    let n = GRAPHS.fetch_add(1, Ordering::SeqCst);
    format!("ciss-test-{}-{n}", std::process::id())
}

pub(crate) async fn make_store() -> Option<TestStore> {
    let address = server_address()?;
    let transport = Arc::new(
        FalkorTransport::connect(&address, &graph_name())
            .await
            .expect("falkordb connects"),
    );
    let store = CypherStore::open(transport.clone())
        .await
        .expect("falkordb store opens");
    Some(TestStore {
        store: Arc::new(store),
        transport,
    })
}

crate::all_conformance_tests!();

/// Waits until the server has built every index of the test's graph: the
/// planner uses an index only once it is operational, and FalkorDB builds
/// indexes in the background.
async fn wait_for_indexes(test: &TestStore) {
    let started = Instant::now();
    let listing = Statement::new(
        "indexes",
        "CALL db.indexes() YIELD label, status RETURN label, status",
    );
    loop {
        let rows = test
            .transport
            .run(listing.clone())
            .await
            .expect("indexes list");
        let building: Vec<_> = rows
            .iter()
            .filter(|row| row.get("status").and_then(|s| s.as_str()) != Some("OPERATIONAL"))
            .collect();
        if building.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "indexes still under construction after 30 s: {building:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

macro_rules! statement {
    ($name:literal) => {
        Statement::new(
            $name,
            include_str!(concat!("../../cypher/", $name, ".cypher")),
        )
    };
}

/// FalkorDB's planner may start a pattern from a scan of every node of a
/// label when a filter names the far end. Every read statement that serves a
/// query must start from an index instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_statements_start_from_an_index() {
    let Some(test) = make_store().await else {
        return;
    };
    wait_for_indexes(&test).await;
    let statements = [
        statement!("registrations_by_plate").param("plate", "CT ABC123"),
        statement!("records_of_entities").param("entities", [1, 2]),
        statement!("timeline").param("entity", 1),
        statement!("load_records").param("rids", [1, 2]),
        statement!("records_around")
            .param("people", [1])
            .param("addresses", ["1 MAIN ST|HARTFORD|CT"])
            .param("vehicles", ["1HGCM82633A004352"])
            .param("records", [r#"["dmv","T1",1]"#])
            .param("limit", 101),
        statement!("search_by_identifier").param("key", "licence:123"),
        statement!("search_by_name")
            .param("surname", "SMITH")
            .param("given", "JOHN")
            .param("dob", Option::<String>::None)
            .param("limit", 50),
        statement!("entity_exists").param("entity", 1),
        statement!("stored_versions").param("rkeys", [r#"["dmv","T1"]"#]),
        statement!("record_mentions").param("rkeys", [r#"["dmv","T1"]"#]),
        statement!("batch_committed").param("token", "abc"),
        statement!("mentions_page")
            .param("after", 0)
            .param("span", 10_000),
        statement!("assign_entities")
            .param("first", 1)
            .param("entities", [Some(1), None]),
    ];
    for statement in statements {
        let plan = test
            .transport
            .explain(&statement)
            .await
            .unwrap_or_else(|err| panic!("{}: explain failed: {err}", statement.name()));
        let scans: Vec<&String> = plan
            .iter()
            .filter(|op| op.contains("Label Scan") || op.contains("All Node Scan"))
            .collect();
        assert!(
            scans.is_empty(),
            "{} scans nodes instead of starting from an index: {plan:#?}",
            statement.name()
        );
        assert!(
            plan.iter().any(|op| op.contains("Index Scan")),
            "{} uses no index: {plan:#?}",
            statement.name()
        );
    }
    test.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_uri_selects_falkordb() {
    let Some(address) = server_address() else {
        return;
    };
    let settings = ciss::config::Settings {
        store: format!("falkor://{address}/{}", graph_name()),
        ..ciss::config::Settings::load(None).expect("default settings")
    };
    let store = settings
        .open_store()
        .await
        .expect("falkor:// opens a store");
    let counts = store.counts().await.expect("counts on an empty graph");
    assert_eq!(counts.records, 0);
}

const MAPPING: &str = r#"
name = "regs"
agency = "Crash Test Motor Vehicles"
format = "csv"
date_format = "%m/%d/%Y"

[record]
id = { path = "REG_ID", required = true }
version = "REV"
kind = { value = "vehicle_registration" }
date = "ISSUED"

[[parties]]
role = { value = "owner" }
required = true
name = { path = "OWNER", style = "last_first" }
licence = "LICENCE"

[[vehicles]]
required = true
plate = "PLATE"
vin = { path = "VIN", required = true }
"#;

fn vin(serial: u32) -> String {
    let mut chars: Vec<char> = format!("2GKAL7319{serial:08}").chars().collect();
    chars.truncate(17);
    chars[8] = vin_check_digit(&chars.iter().collect::<String>()).expect("vin stem is valid");
    chars.into_iter().collect()
}

fn write_feed(path: &Path, rows: u32) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "REG_ID,REV,ISSUED,OWNER,LICENCE,PLATE,VIN")?;
    for i in 0..rows {
        writeln!(
            out,
            "K{i},1,02/03/2026,\"ENSAYO, RUTH\",{:09},K{i},{}",
            300_000_000 + i,
            vin(i)
        )?;
    }
    // One record that fails validation, so quarantine takes part in the reconciliation.
    writeln!(out, "KBAD,1,02/03/2026,\"ENSAYO, RUTH\",1,KBAD,NOTAVIN")?;
    Ok(())
}

/// A FalkorDB server this test started with `scripts/falkordb.sh`.
struct OwnServer {
    pidfile: PathBuf,
    port: String,
}

impl OwnServer {
    fn start(dir: &Path, port: Option<&str>) -> Result<OwnServer> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/falkordb.sh");
        let pidfile = dir.join("crash.pid");
        let data = dir.join("data");
        let mut command = Command::new("bash");
        command
            .arg(&script)
            .env("CISS_TEST_FALKOR_PIDFILE", &pidfile)
            .env("FALKORDB_DATA", &data);
        if let Some(port) = port {
            command.env("FALKORDB_PORT", port);
        }
        let output = command.output().context("scripts/falkordb.sh runs")?;
        ensure!(
            output.status.success(),
            "scripts/falkordb.sh failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout)?;
        let uri = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export CISS_TEST_FALKOR_URI="))
            .context("script printed the uri")?;
        let port = uri
            .rsplit(':')
            .next()
            .context("uri has a port")?
            .to_string();
        Ok(OwnServer { pidfile, port })
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the server with SIGKILL, by the pid its pid file holds.
    fn kill(&self) -> Result<()> {
        let pid = std::fs::read_to_string(&self.pidfile)?.trim().to_string();
        let status = Command::new("kill").args(["-KILL", &pid]).status()?;
        ensure!(status.success(), "kill -KILL {pid} failed");
        std::fs::remove_file(&self.pidfile)?;
        Ok(())
    }

    fn stop(&self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/falkordb.sh");
        let _ = Command::new("bash")
            .arg(script)
            .arg("stop")
            .arg(&self.pidfile)
            .status();
    }
}

async fn open(address: &str) -> Result<(Arc<FalkorTransport>, CypherStore)> {
    let transport = Arc::new(FalkorTransport::connect(address, "crash").await?);
    let store = CypherStore::open(transport.clone()).await?;
    Ok((transport, store))
}

async fn single_int(transport: &FalkorTransport, text: &'static str) -> Result<i64> {
    let rows = transport.run(Statement::new("crash_check", text)).await?;
    rows.first()
        .and_then(|r| r.get("n"))
        .and_then(serde_json::Value::as_f64)
        .map(|n| n as i64)
        .with_context(|| format!("{text} returned no number: {rows:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_server_mid_ingest_is_completed_by_rerun() {
    if server_address().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = OwnServer::start(dir.path(), None).expect("own server starts");
    let result = crash_and_rerun(dir.path(), &server).await;
    server.stop();
    if let Err(err) = result {
        panic!("crash test failed: {err:#}");
    }
}

async fn crash_and_rerun(dir: &Path, server: &OwnServer) -> Result<()> {
    const ROWS: u32 = 12_000;
    let sources = dir.join("sources");
    std::fs::create_dir_all(&sources)?;
    std::fs::write(sources.join("regs.toml"), MAPPING)?;
    let feed = dir.join("regs.csv");
    write_feed(&feed, ROWS)?;
    let mapping = SourceMapping::load(&sources, "regs")?;
    let options = IngestOptions {
        batch_size: 200,
        progress: false,
    };

    let (_, store) = open(&server.address()).await?;
    let (watch, _) = open(&server.address()).await?;
    let ingest = {
        let (mapping, feed, options) = (mapping.clone(), feed.clone(), options.clone());
        tokio::spawn(async move { ingest_file(&store, &mapping, &feed, &options).await })
    };
    wait_for_batches(&watch, 3).await?;
    server.kill()?;
    let failed = tokio::time::timeout(Duration::from_secs(120), ingest).await??;
    let message = match failed {
        Err(err @ IngestError::Store { .. }) => err.to_string(),
        Err(other) => bail!("expected a store error naming the batch, got {other}"),
        Ok(report) => bail!("ingest finished before the kill: {report:?}"),
    };
    eprintln!("ingest stopped as expected: {message}");
    ensure!(
        message.starts_with("batch ") && message.contains(" of regs (records from line "),
        "error names the batch: {message}"
    );

    let restarted = OwnServer::start(dir, Some(&server.port))?;
    let (transport, store) = open(&restarted.address()).await?;
    let stored_before = single_int(&transport, "MATCH (r:Record) RETURN count(r) AS n").await?;
    ensure!(
        stored_before < i64::from(ROWS),
        "the kill came before the end ({stored_before} records)"
    );
    let report = ingest_file(&store, &mapping, &feed, &options).await?;
    ensure!(report.reconciles(), "second run reconciles: {report:?}");
    ensure!(
        report.received == ROWS as usize + 1 && report.quarantined == 1,
        "{report:?}"
    );

    let counts = store.counts().await?;
    ensure!(
        counts.records == u64::from(ROWS) && counts.current_records == u64::from(ROWS),
        "nothing lost or duplicated: {counts:?}"
    );
    ensure!(
        counts.mentions == u64::from(ROWS),
        "one mention per record: {counts:?}"
    );
    ensure!(counts.quarantined == 1, "one quarantine entry: {counts:?}");
    let keys = single_int(
        &transport,
        "MATCH (r:Record) RETURN count(DISTINCT r.key) AS n",
    )
    .await?;
    ensure!(keys == i64::from(ROWS), "distinct record keys: {keys}");
    let claimed = single_int(
        &transport,
        "MATCH (b:Batch) RETURN sum(b.inserted + b.stale) AS n",
    )
    .await?;
    ensure!(
        claimed == i64::from(ROWS),
        "committed batches account for every record: {claimed}"
    );
    restarted.stop();
    Ok(())
}

async fn wait_for_batches(store: &FalkorTransport, wanted: i64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if single_int(store, "MATCH (b:Batch) RETURN count(b) AS n").await? >= wanted {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("no {wanted} batches committed within 120 s")
}
