//! The HTTP layer on a small store: health reporting, request body limits,
//! timeouts, query cost limits, and JSON errors for bad requests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::Request;
use ciss::api::{AppState, build_schema, router};
use ciss::config::Settings;
use ciss::generate::{GenerateConfig, generate};
use ciss::graph::cypher::Secret;
use ciss::graph::{DecisionKind, GraphStore, ReviewDecision, SqliteStore};
use ciss::ingest::mapping::SourceMapping;
use ciss::ingest::{IngestOptions, ingest_file};
use ciss::resolve::{LiveResolution, default_resolver, resolve_store};
use ciss::search::Search;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "a-test-token-of-32-characters-xx";

struct Server {
    _dir: tempfile::TempDir,
    feeds: PathBuf,
    store: Arc<dyn GraphStore>,
    app: axum::Router,
}

fn sources_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources")
}

/// Builds a router over a store holding a small generated dmv feed, not yet resolved.
async fn server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let feeds = dir.path().join("feeds");
    let config = GenerateConfig {
        people: 20,
        seed: 11,
        as_of: "2026-06-30".parse().expect("date"),
        out_dir: feeds.clone(),
        progress: false,
    };
    generate(&config).expect("feeds generate");

    let store: Arc<dyn GraphStore> =
        Arc::new(SqliteStore::open(&dir.path().join("ciss.db")).expect("store"));
    let mapping = SourceMapping::load(&sources_dir(), "dmv").expect("mapping");
    ingest_file(
        store.as_ref(),
        &mapping,
        &feeds.join("dmv.csv"),
        &IngestOptions::default(),
    )
    .await
    .expect("ingest");

    let app = app(&store, &[]);
    Server {
        _dir: dir,
        feeds,
        store,
        app,
    }
}

/// Builds a router over `store` that also serves requests to `allowed_hosts`.
fn app(store: &Arc<dyn GraphStore>, allowed_hosts: &[&str]) -> axum::Router {
    let mut settings = Settings::load(None).expect("settings");
    settings.sources_dir = sources_dir();
    settings.ingest_token = Some(Secret::new(TOKEN));
    settings.max_ingest_bytes = 1024 * 1024;
    settings.allowed_hosts = allowed_hosts.iter().map(|h| h.to_string()).collect();
    router(AppState {
        schema: build_schema(Search::new(Arc::clone(store), settings.summary)),
        store: Arc::clone(store),
        resolver: Arc::new(default_resolver()),
        live: Arc::new(LiveResolution::new(default_resolver())),
        settings: Arc::new(settings),
    })
}

async fn send(app: &axum::Router, request: Request<Body>) -> (u16, Value) {
    let (status, _, body) = send_for_headers(app, request).await;
    (status, body)
}

/// Sends `request` as [`send`] does, and returns the response headers too.
async fn send_for_headers(
    app: &axum::Router,
    request: Request<Body>,
) -> (u16, axum::http::HeaderMap, Value) {
    let (status, headers, bytes) = send_for_bytes(app, request).await;
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| json!({ "not_json": String::from_utf8_lossy(&bytes) }));
    (status, headers, body)
}

/// Sends `request` to `app` and returns the status, headers and body bytes.
async fn send_for_bytes(
    app: &axum::Router,
    request: Request<Body>,
) -> (u16, axum::http::HeaderMap, Bytes) {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, bytes)
}

fn graphql_request(body: impl Into<Body>) -> Request<Body> {
    Request::post("/graphql")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(body.into())
        .expect("request")
}

fn ingest_request(source: &str, authorization: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(format!("/ingest/{source}"))
        .header("host", "localhost")
        .header("authorization", authorization)
        .body(body.into())
        .expect("request")
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_degraded_store() {
    let server = server().await;
    let health = || {
        Request::get("/healthz")
            .header("host", "localhost")
            .body(Body::empty())
            .expect("request")
    };

    let (status, before) = send(&server.app, health()).await;
    assert_eq!(status, 200);
    assert_eq!(before["status"], json!("degraded"), "{before}");
    let unresolved = before["unresolved_mentions"].as_u64().unwrap_or(0);
    assert!(unresolved > 0, "{before}");

    resolve_store(server.store.as_ref(), &default_resolver())
        .await
        .expect("resolve");
    let (_, after) = send(&server.app, health()).await;
    assert_eq!(after["status"], json!("ok"), "{after}");
    assert_eq!(after["unresolved_mentions"], json!(0), "{after}");
    assert_eq!(after["missing_indexes"], json!(0), "{after}");
    assert_eq!(after["unapplied_decisions"], json!(0), "{after}");

    // A review stopped between storing its decision and re-resolving.
    let decision = ReviewDecision {
        id: 0,
        kind: DecisionKind::Split,
        records: Vec::new(),
        versions: Vec::new(),
        pairs: Vec::new(),
        who: "Sgt. Okafor".to_string(),
        why: "stopped half-way".to_string(),
        decided_at: chrono::Utc::now(),
    };
    server
        .store
        .record_decision(&decision)
        .await
        .expect("stored");
    let (_, unapplied) = send(&server.app, health()).await;
    assert_eq!(unapplied["status"], json!("degraded"), "{unapplied}");
    assert_eq!(unapplied["unapplied_decisions"], json!(1), "{unapplied}");
    resolve_store(server.store.as_ref(), &default_resolver())
        .await
        .expect("resolve");
    let (_, applied) = send(&server.app, health()).await;
    assert_eq!(applied["status"], json!("ok"), "{applied}");

    // Another process, such as a killed bulk load, leaves an index missing.
    let conn = rusqlite::Connection::open(server._dir.path().join("ciss.db")).expect("opens");
    conn.execute_batch("DROP INDEX name_keys_lookup")
        .expect("drop");
    let (_, missing) = send(&server.app, health()).await;
    assert_eq!(missing["status"], json!("degraded"), "{missing}");
    assert_eq!(missing["missing_indexes"], json!(1), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_header_guards_every_route() {
    let server = server().await;
    let app = app(&server.store, &["ciss.example.org"]);
    let query = json!({ "query": "{ searchPersons(name: \"SMITH\") { id } }" }).to_string();
    // Each case: the Host header (None sends none), and the expected status.
    let cases: [(Option<&str>, u16); 11] = [
        (Some("localhost"), 200),
        (Some("localhost:8080"), 200),
        (Some("127.0.0.1:8080"), 200),
        (Some("[::1]:8080"), 200),
        (Some("ciss.example.org"), 200),
        (Some("ciss.example.org:8080"), 200),
        (Some("attacker.example"), 421),
        (Some("attacker.example:8080"), 421),
        (Some("127.0.0.1.attacker.example"), 421),
        (Some("user@localhost"), 421),
        (None, 400),
    ];
    for (host, expected) in cases {
        // Each request, and its status when the host is allowed.
        let requests = [
            (Request::get("/healthz"), 200),
            (
                Request::post("/graphql").header("content-type", "application/json"),
                200,
            ),
            (Request::get("/no-such-route"), 404),
        ];
        for (request, allowed_status) in requests {
            let request = match host {
                Some(host) => request.header("host", host),
                None => request,
            };
            let path = request
                .uri_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let request = request.body(Body::from(query.clone())).expect("request");
            let (status, body) = send(&app, request).await;
            if expected == 200 {
                assert_eq!(status, allowed_status, "{host:?} {path}: {body}");
                continue;
            }
            assert_eq!(status, expected, "{host:?} {path}: {body}");
            let message = body["error"].as_str().unwrap_or_default();
            let reason = if expected == 400 {
                "missing host header"
            } else {
                "is not allowed: use localhost or add the host to allowed_hosts"
            };
            assert!(message.contains(reason), "{host:?} {path}: {body}");
        }
    }
    let absolute = Request::get("http://attacker.example/healthz")
        .header("host", "localhost")
        .body(Body::empty())
        .expect("request");
    let (status, body) = send(&app, absolute).await;
    assert_eq!(status, 421, "the URI's authority decides: {body}");

    let two_hosts = Request::get("/healthz")
        .header("host", "localhost")
        .header("host", "attacker.example")
        .body(Body::empty())
        .expect("request");
    let (status, body) = send(&app, two_hosts).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], json!("more than one host header"), "{body}");
}

const BATCH_REJECTED: &str = "invalid graphql request body: a JSON array (a batch) is not \
     supported; send one object with a query";
const QUERY_MISSING: &str = "invalid graphql request body: the query is missing or empty";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_rejects_bad_bodies_as_json() {
    let server = server().await;
    let oversized = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(300 * 1024)) });
    let cases = [
        (
            oversized.to_string(),
            413,
            "request body is too large: the limit is 262144 bytes",
        ),
        (
            "{\"query\": ".to_string(),
            400,
            "invalid graphql request body",
        ),
        ("[1, 2]".to_string(), 400, BATCH_REJECTED),
        ("[]".to_string(), 400, BATCH_REJECTED),
        (
            " [{\"query\": \"{ __typename }\"}]".to_string(),
            400,
            BATCH_REJECTED,
        ),
        ("{}".to_string(), 400, QUERY_MISSING),
        ("{\"query\": \" \\n \"}".to_string(), 400, QUERY_MISSING),
    ];
    for (body, expected_status, expected_message) in cases {
        let (status, reply) = send(&server.app, graphql_request(body)).await;
        assert_eq!(status, expected_status, "{reply}");
        let message = reply["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(expected_message), "{reply}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_bad_dates_name_the_argument() {
    let server = server().await;
    let form = "expected a calendar date as YYYY-MM-DD, such as 2026-01-31";
    // Each case: the query, its variables, and the error message.
    let cases = [
        (
            r#"{ person(id: "1", asOf: "2026-13-45") { id } }"#,
            json!({}),
            format!("invalid asOf \"2026-13-45\": {form}"),
        ),
        (
            r#"{ person(id: "1", asOf: "yesterday") { id } }"#,
            json!({}),
            format!("invalid asOf \"yesterday\": {form}"),
        ),
        (
            r#"{ vehicleByPlate(state: "CT", number: "AB1234", asOf: "2026-02-30") { vin } }"#,
            json!({}),
            format!("invalid asOf \"2026-02-30\": {form}"),
        ),
        (
            r#"{ searchPersons(name: "LEE", asOf: "30/06/2026") { id } }"#,
            json!({}),
            format!("invalid asOf \"30/06/2026\": {form}"),
        ),
        (
            r#"{ personsByIdentifier(kind: STATE_ID, value: "X1", asOf: 20260630) { id } }"#,
            json!({}),
            format!("invalid asOf 20260630: {form}"),
        ),
        (
            r#"query ($day: NaiveDate) { person(id: "1", asOf: $day) { id } }"#,
            json!({ "day": "tomorrow" }),
            format!("invalid asOf \"tomorrow\": {form}"),
        ),
        (
            r#"{ caseTimeline(personId: "1", filter: { from: "2026-1-x" }) { truncated } }"#,
            json!({}),
            format!("invalid filter.from \"2026-1-x\": {form}"),
        ),
        (
            r#"{ caseTimeline(personId: "1", filter: { to: "soon" }) { truncated } }"#,
            json!({}),
            format!("invalid filter.to \"soon\": {form}"),
        ),
    ];
    for (query, variables, expected) in cases {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, reply) = send(&server.app, graphql_request(body)).await;
        assert_eq!(status, 200, "{query}: {reply}");
        assert_eq!(
            reply["errors"][0]["message"],
            json!(expected),
            "{query}: {reply}"
        );
        assert_eq!(
            reply["errors"][0]["extensions"]["code"],
            json!("BAD_USER_INPUT"),
            "{query}: {reply}"
        );
    }
    let valid = json!({ "query": r#"{ person(id: "1", asOf: "2026-06-30") { id } }"# });
    let (status, reply) = send(&server.app, graphql_request(valid.to_string())).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["errors"], Value::Null, "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_get_json_errors() {
    let server = server().await;
    let routes = "the routes are POST /graphql, GET /graphiql, GET /healthz and \
                  POST /ingest/{source}";
    // Each case: method, path, status, the start of the error and the Allow header.
    let cases = [
        (
            "GET",
            "/no-such-route",
            404,
            "no route for GET \"/no-such-route\"",
            None,
        ),
        (
            "POST",
            "/ingest/dmv/",
            404,
            "no route for POST \"/ingest/dmv/\"",
            None,
        ),
        (
            "GET",
            "/graphql",
            405,
            "method GET is not allowed on \"/graphql\"",
            Some("POST"),
        ),
        (
            "GET",
            "/ingest/dmv",
            405,
            "method GET is not allowed on \"/ingest/dmv\"",
            Some("POST"),
        ),
    ];
    for (method, path, expected_status, start, allow) in cases {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .body(Body::empty())
            .expect("request");
        let (status, headers, reply) = send_for_headers(&server.app, request).await;
        let allowed = headers
            .get("allow")
            .map(|value| value.to_str().expect("ascii").to_string());
        assert_eq!(status, expected_status, "{method} {path}: {reply}");
        assert_eq!(
            reply["error"],
            json!(format!("{start}: {routes}")),
            "{method} {path}"
        );
        assert_eq!(allowed.as_deref(), allow, "{method} {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_requires_json_content_type() {
    let server = server().await;
    let query = json!({ "query": "{ __typename }" }).to_string();
    // Each case: the Content-Type header (None sends none), and the status.
    let cases: [(Option<&str>, u16); 7] = [
        (Some("application/json"), 200),
        (Some("application/json; charset=utf-8"), 200),
        (Some("Application/JSON"), 200),
        (Some("text/plain"), 415),
        (Some("application/x-www-form-urlencoded"), 415),
        (Some("multipart/form-data; boundary=x"), 415),
        (None, 415),
    ];
    for (content_type, expected) in cases {
        let mut request = Request::post("/graphql").header("host", "localhost");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let request = request.body(Body::from(query.clone())).expect("request");
        let (status, reply) = send(&server.app, request).await;
        assert_eq!(status, expected, "{content_type:?}: {reply}");
        if expected == 200 {
            assert_eq!(reply["data"]["__typename"], "Query", "{reply}");
            continue;
        }
        let message = reply["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.ends_with("send the query as application/json"),
            "{content_type:?}: {reply}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_limits_hostile_documents() {
    let server = server().await;
    let aliases: String = (0..2_000).map(|n| format!("t{n}: __typename ")).collect();
    let body = json!({ "query": format!("{{ {aliases} }}") }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_query_rejected(status, &reply, "more than 1000 selections");
    let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    let body = json!({ "query": cycle }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_query_rejected(status, &reply, "fragment A spreads itself: A -> B -> A");
    let chain: String = (0..5_000)
        .map(|n| format!("fragment F{n} on Query {{ ...F{} }} ", n + 1))
        .collect();
    let body = json!({ "query": format!("{{ ...F0 }} {chain}") }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_eq!(status, 200, "{reply}");
    assert!(
        reply["errors"].is_array(),
        "a long chain is rejected: {reply}"
    );
    let decisions: String = (0..11)
        .map(|n| {
            format!(
                r#"d{n}: rejectMatch(a: "rms:A{n}", b: "rms:B{n}", reviewer: "X", reason: "Y") {{ decision {{ id }} }} "#
            )
        })
        .collect();
    let body = json!({ "query": format!("mutation {{ {decisions} }}") }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_query_rejected(status, &reply, "at most 10 mutations");
    // A cycle too long for the cycle search is still rejected, not followed.
    let cycle: String = (0..1_100)
        .map(|n| {
            format!(
                "fragment M{n} on MutationRoot {{ ...M{} }} ",
                (n + 1) % 1_100
            )
        })
        .collect();
    let body = json!({ "query": format!("mutation {{ ...M0 }} {cycle}") }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_query_rejected(status, &reply, "spread each other more than 1000 deep");
    let directives = "@skip(if: false) ".repeat(2_000);
    let body = json!({ "query": format!("{{ __typename {directives} }}") }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_query_rejected(status, &reply, "more than 1000 selections");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_fields_follow_the_query() {
    let server = server().await;
    resolve_store(server.store.as_ref(), &default_resolver())
        .await
        .expect("resolve");
    // (query, the response text, compared as text because a JSON object
    // read back into a map loses its order)
    let cases = [
        (
            r#"{ a: person(id: "1") { id } z: __typename b: __typename }"#,
            r#"{"data":{"a":{"id":"1"},"z":"Query","b":"Query"}}"#,
        ),
        (
            r#"{ ...F z: __typename } fragment F on Query { a: person(id: "1") { __typename id } }"#,
            r#"{"data":{"a":{"__typename":"Person","id":"1"},"z":"Query"}}"#,
        ),
        (
            r#"{ a: person(id: "1") { id } a: person(id: "1") { __typename } z: __typename }"#,
            r#"{"data":{"a":{"id":"1","__typename":"Person"},"z":"Query"}}"#,
        ),
    ];
    for (query, expected) in cases {
        let body = json!({ "query": query }).to_string();
        let (_, _, bytes) = send_for_bytes(&server.app, graphql_request(body)).await;
        assert_eq!(String::from_utf8_lossy(&bytes), expected, "{query}");
    }
}

/// Checks that a GraphQL reply rejects the whole query with an error whose
/// message contains `reason`.
#[track_caller]
fn assert_query_rejected(status: u16, reply: &Value, reason: &str) {
    let errors = &reply["errors"];
    assert_eq!(status, 200, "{errors}");
    assert_eq!(reply["data"], Value::Null, "{errors}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "{errors}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn stalled_body_times_out() {
    let server = server().await;
    let (_sender, body) =
        http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
    let (status, reply) = send(&server.app, graphql_request(Body::new(body))).await;
    assert_eq!(status, 408, "{reply}");
    let message = reply["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("request body timed out"), "{reply}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn slow_request_gets_json_408() {
    let server = server().await;
    let (mut sender, body) =
        http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
    // A byte every 10 s keeps the body from stalling, so only the 30 s cap
    // on the whole request ends it.
    tokio::spawn(async move {
        while sender.send_data(Bytes::from_static(b" ")).await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        }
    });
    let (status, reply) = send(&server.app, graphql_request(Body::new(body))).await;
    assert_eq!(status, 408, "{reply}");
    let message = reply["errors"][0]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message, "request timed out: the limit is 30 s, body included",
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_client_errors_are_json() {
    let server = server().await;
    let dmv = std::fs::read_to_string(server.feeds.join("dmv.csv")).expect("feed");
    let wrong_header = dmv.replacen("VIN", "VNI", 1);
    let oversized = "x".repeat(2 * 1024 * 1024);
    let cases = [
        (String::new(), 400, "request body is empty"),
        (
            wrong_header,
            422,
            "request body is not a valid dmv feed: header lacks mapped columns VIN",
        ),
        (
            oversized,
            413,
            "request body is too large: the limit is 1048576 bytes",
        ),
    ];
    for (body, expected_status, expected_message) in cases {
        let (status, reply) = send(&server.app, ingest_request("dmv", &bearer(), body)).await;
        assert_eq!(status, expected_status, "{reply}");
        let message = reply["error"].as_str().unwrap_or_default();
        assert!(message.starts_with(expected_message), "{reply}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_quarantines_a_non_utf8_line() {
    let server = server().await;
    let sor = std::fs::read_to_string(server.feeds.join("sor.jsonl")).expect("feed");
    let lines: Vec<&str> = sor.lines().collect();
    assert!(lines.len() >= 3, "the feed has a middle line");
    let mut body = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let mut bytes = line.as_bytes().to_vec();
        if index == 1 {
            let at = line.find("\"family\":\"").expect("family name") + 10;
            bytes.insert(at, 0xE9);
        }
        body.extend_from_slice(&bytes);
        body.push(b'\n');
    }

    let (status, reply) = send(&server.app, ingest_request("sor", &bearer(), body)).await;

    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["received"], lines.len(), "{reply}");
    assert_eq!(reply["accepted"], lines.len() - 1, "{reply}");
    assert_eq!(reply["quarantined"], 1, "{reply}");
    let error = &reply["errors"][0];
    assert_eq!(error["line"], 2, "{reply}");
    assert_eq!(error["field"], "registrant.family", "{reply}");
    let reason = error["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("registrant.family: invalid utf-8 at byte "),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_errors_list_version_conflicts() {
    let server = server().await;
    let dmv = std::fs::read_to_string(server.feeds.join("dmv.csv")).expect("feed");
    let lines: Vec<&str> = dmv.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect("column");
    // The first record comes back under its stored version with a new expiry
    // date, and the second with a status code the mapping does not know.
    let mut changed: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    changed[column("EXPIR_DT")] = "01-01-2040".to_string();
    let mut invalid: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    invalid[column("STATUS_CD")] = "Q".to_string();
    let body = [lines[0].to_string(), changed.join(","), invalid.join(",")].join("\n");

    let (status, reply) = send(&server.app, ingest_request("dmv", &bearer(), body)).await;

    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["quarantined"], 2, "{reply}");
    assert_eq!(reply["omitted_errors"], 0, "{reply}");
    let errors = reply["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{reply}");
    let conflict = &errors[0];
    assert_eq!(conflict["line"], 2, "{reply}");
    assert_eq!(conflict["record_id"], changed[column("TXN_ID")], "{reply}");
    assert_eq!(conflict["field"], "version", "{reply}");
    let reason = conflict["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("version: record ") && reason.contains("with different content"),
        "{reply}"
    );
    assert_eq!(errors[1]["line"], 3, "{reply}");
    assert_eq!(errors[1]["field"], "STATUS_CD", "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_errors_name_the_field_once() {
    let server = server().await;
    let dmv = std::fs::read_to_string(server.feeds.join("dmv.csv")).expect("feed");
    let lines: Vec<&str> = dmv.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let mut row: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    row[column("O1_DOB")] = "01-01-1850".to_string();
    let body = [lines[0].to_string(), row.join(",")].join("\n");

    let (status, reply) = send(&server.app, ingest_request("dmv", &bearer(), body)).await;

    assert_eq!(status, 200, "{reply}");
    let error = &reply["errors"][0];
    assert_eq!(error["field"], "O1_DOB", "{reply}");
    assert_eq!(
        error["reason"], "O1_DOB: 1850-01-01 is before 1880",
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_checks_the_token_before_the_body() {
    let server = server().await;
    let oversized = "x".repeat(2 * 1024 * 1024);
    let (status, reply) = send(
        &server.app,
        ingest_request("dmv", "Bearer wrong", oversized),
    )
    .await;
    assert_eq!(status, 401, "an oversized body is never read: {reply}");
    // A body that never arrives: reading it first would wait for the 15 s
    // body timeout, so a response within 5 s shows the token was checked first.
    let (_sender, body) =
        http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
    let request = ingest_request("dmv", "Bearer wrong", Body::new(body));
    let (status, reply) = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        send(&server.app, request),
    )
    .await
    .expect("rejected without waiting for the body");
    assert_eq!(status, 401, "a stalled body is never read: {reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_rejects_compressed_bodies() {
    let server = server().await;
    let sor = std::fs::read_to_string(server.feeds.join("sor.jsonl")).expect("feed");
    let cases = [("gzip", 415), ("br", 415), ("identity", 200)];
    for (encoding, expected) in cases {
        let mut request = ingest_request("sor", &bearer(), sor.clone());
        request
            .headers_mut()
            .insert("content-encoding", encoding.parse().expect("header value"));
        let (status, reply) = send(&server.app, request).await;
        assert_eq!(status, expected, "{encoding}: {reply}");
        if expected == 415 {
            let message =
                format!("unsupported content encoding {encoding:?}: send the body uncompressed");
            assert_eq!(reply["error"], json!(message), "{reply}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_rejects_multipart_forms() {
    let server = server().await;
    let sor = std::fs::read_to_string(server.feeds.join("sor.jsonl")).expect("feed");
    let boundary = "------------------------d74496d66958873e";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"sor.jsonl\"\r\n\r\n{sor}\r\n--{boundary}--\r\n"
    );
    let mut request = ingest_request("sor", &bearer(), form);
    let content_type = format!("multipart/form-data; boundary={boundary}");
    request
        .headers_mut()
        .insert("content-type", content_type.parse().expect("header value"));
    let (status, reply) = send(&server.app, request).await;
    assert_eq!(status, 415, "{reply}");
    assert_eq!(
        reply["error"],
        json!(
            "a multipart form is not read: send the file itself as the body, \
             as `curl --data-binary @FILE` does"
        ),
        "{reply}"
    );
    // curl --data-binary sends its default form type; the body is the file.
    let mut request = ingest_request("sor", &bearer(), sor);
    request.headers_mut().insert(
        "content-type",
        "application/x-www-form-urlencoded"
            .parse()
            .expect("header value"),
    );
    let (status, reply) = send(&server.app, request).await;
    assert_eq!(status, 200, "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_ingest_body_is_named() {
    let server = server().await;
    let (mut sender, body) = http_body_util::channel::Channel::<Bytes, std::io::Error>::new(1);
    tokio::spawn(async move {
        let header = Bytes::from_static(b"TXN_ID,REV\n");
        if sender.send_data(header).await.is_ok() {
            sender.abort(std::io::Error::other("connection reset by peer"));
        }
    });
    let request = ingest_request("dmv", &bearer(), Body::new(body));
    let (status, reply) = send(&server.app, request).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["error"],
        json!("cannot read the request body: connection reset by peer"),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_scheme_is_case_insensitive() {
    let server = server().await;
    let sor = std::fs::read_to_string(server.feeds.join("sor.jsonl")).expect("feed");
    let cases = [
        (format!("bearer {TOKEN}"), 200),
        (format!("BEARER {TOKEN}"), 200),
        (format!("Basic {TOKEN}"), 401),
        (format!("Bearer  {TOKEN}"), 401),
        (TOKEN.to_string(), 401),
    ];
    for (authorization, expected_status) in cases {
        let (status, reply) = send(
            &server.app,
            ingest_request("sor", &authorization, sor.clone()),
        )
        .await;
        assert_eq!(status, expected_status, "{authorization}: {reply}");
    }
}

/// An introspection query shaped like graphql-js `getIntrospectionQuery`,
/// which GraphiQL sends to load the schema, so the depth limit and the
/// selection cap must both allow it.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_query_is_allowed() {
    let server = server().await;
    let body = json!({ "query": INTROSPECTION }).to_string();
    let (status, reply) = send(&server.app, graphql_request(body)).await;
    assert_eq!(status, 200);
    assert_eq!(reply["errors"], Value::Null, "{}", reply["errors"]);
    assert!(reply["data"]["__schema"]["types"].is_array());
}

/// Builds a query whose fragments each spread the next one twice, so
/// expanding the spreads visits 2^levels selections in a few hundred bytes.
fn doubling_fragments(levels: usize) -> String {
    let mut query = String::from("query { ...F0 }");
    for level in 0..levels {
        let next = level + 1;
        query.push_str(&format!(
            " fragment F{level} on Query {{ ...F{next} ...F{next} }}"
        ));
    }
    query.push_str(&format!(" fragment F{levels} on Query {{ __typename }}"));
    query
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_rejects_deeply_nested_values_without_crashing() {
    let server = server().await;
    // Two thousand nested lists overflowed the parser's stack on a server
    // worker thread and aborted the whole process.
    let depth = 2_000;
    let query = format!(
        "{{ searchPersons(name: {}\"x\"{}) {{ id }} }}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let body = json!({ "query": query }).to_string();
    let app = server.app.clone();
    let (status, reply) = tokio::spawn(async move { send(&app, graphql_request(body)).await })
        .await
        .expect("request task");
    assert_query_rejected(status, &reply, "nests brackets more than 64 levels");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_rejects_doubling_fragments_quickly() {
    let server = server().await;
    // 30 levels is just within async-graphql's recursion limit of 32, and
    // expanding them all took about 45 s in a release build.
    let body = json!({ "query": doubling_fragments(30) }).to_string();
    // The request runs on its own task, so the bound can end the test even
    // though the expansion never yields. The bound is far above the
    // milliseconds a rejection takes.
    let app = server.app.clone();
    let request = tokio::spawn(async move { send(&app, graphql_request(body)).await });
    let (status, reply) = tokio::time::timeout(std::time::Duration::from_secs(20), request)
        .await
        .expect("rejected within 20 s")
        .expect("request task");
    assert_query_rejected(status, &reply, "more than 1000 selections");
}

/// A log sink that tests read back.
#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Sends one raw HTTP/1.1 request and returns the client's own address and
/// the response's status line.
async fn send_raw(server: std::net::SocketAddr, request: &str) -> (std::net::SocketAddr, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server)
        .await
        .expect("connects");
    let client = stream.local_addr().expect("client address");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut response = String::new();
    let read = stream.read_to_string(&mut response);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("response within 10 s")
        .expect("response read");
    let status = response.lines().next().unwrap_or_default().to_string();
    (client, status)
}

/// Builds a raw POST request. `authorization` is the header's value, if any.
fn raw_post(path: &str, authorization: Option<&str>, body: &str) -> String {
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         {authorization}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

// The server runs on this test's thread, so the log subscriber set for the
// thread receives the handlers' warnings.
#[tokio::test(flavor = "current_thread")]
async fn rejected_tokens_log_the_client_address() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn GraphStore> =
        Arc::new(SqliteStore::open(&dir.path().join("ciss.db")).expect("store"));
    let mut settings = Settings::load(None).expect("settings");
    settings.listen = "127.0.0.1:0".to_string();
    settings.sources_dir = sources_dir();
    settings.ingest_token = Some(Secret::new(TOKEN));
    settings.review_token = Some(Secret::new(TOKEN));
    let app = ciss::startup::Application::with_store(settings, store)
        .await
        .expect("server binds");
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let wrong = "Bearer wrong-token-of-enough-length-xx";
    let decisions = r#"{"query": "{ reviewDecisions { id } }"}"#;
    // Each case: the path, the Authorization header, the body, the status
    // line and the warning logged.
    let cases = [
        (
            "/ingest/dmv",
            None,
            "x",
            "HTTP/1.1 401",
            "ingest request rejected",
        ),
        (
            "/ingest/dmv",
            Some("Basic abc"),
            "x",
            "HTTP/1.1 401",
            "ingest request rejected",
        ),
        (
            "/ingest/dmv",
            Some(wrong),
            "x",
            "HTTP/1.1 401",
            "ingest request rejected",
        ),
        (
            "/graphql",
            None,
            decisions,
            "HTTP/1.1 200",
            "review request rejected",
        ),
        (
            "/graphql",
            Some(wrong),
            decisions,
            "HTTP/1.1 200",
            "review request rejected",
        ),
    ];
    for (path, authorization, body, status, warning) in cases {
        let before = logs.text().len();
        let (client, got) = send_raw(address, &raw_post(path, authorization, body)).await;
        assert!(got.starts_with(status), "{path} {authorization:?}: {got}");
        let logged = logs.text()[before..].to_string();
        let line = logged.lines().find(|line| line.contains(warning));
        let line =
            line.unwrap_or_else(|| panic!("{path} {authorization:?}: no warning in {logged}"));
        assert!(
            line.contains(&format!("peer={client}")),
            "{path} {authorization:?}: {line}"
        );
        assert!(
            !logged.contains("wrong-token"),
            "the token is logged: {logged}"
        );
    }

    stop.send(()).expect("server running");
    server.await.expect("server task").expect("server stops");
}
