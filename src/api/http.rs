//! HTTP routes: GraphQL, GraphiQL, health and NDJSON/CSV record ingestion.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::Extensions;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json};
use subtle::ConstantTimeEq;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutError};
use tower_http::trace::TraceLayer;

use super::CissSchema;
use super::host::{AllowedHosts, check_host};
use super::review::ReviewAccess;
use crate::config::Settings;
use crate::graph::GraphStore;
use crate::ingest::mapping::{MappingError, SourceMapping};
use crate::ingest::{IngestError, IngestOptions, ingest_reader};
use crate::normalize::quoted;
use crate::resolve::{LiveReport, LiveResolution, Resolver};
use crate::review::Review;

/// Largest accepted GraphQL request body; real queries are a few kilobytes.
const MAX_GRAPHQL_BYTES: usize = 256 * 1024;

/// Maximum duration of a GraphQL or health request, body included.
// NOTE: chosen as a generous ceiling, not measured against the slowest query.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Maximum wait for the next chunk of any request body. Ingestion bodies may
/// take long in total, but a client that stops sending is cut off.
const BODY_STALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: CissSchema,
    /// The store, for ingestion.
    pub store: Arc<dyn GraphStore>,
    /// The resolver run after each review decision.
    pub resolver: Arc<dyn Resolver>,
    /// Resolution kept current after each ingested request.
    pub live: Arc<LiveResolution>,
    /// Settings.
    pub settings: Arc<Settings>,
}

/// Builds the router: `POST /graphql`, `GET /graphiql`, `GET /healthz` and
/// `POST /ingest/{source}`. Every request, an unknown path's included, must
/// be addressed to a loopback host or to one of `allowed_hosts`.
///
/// Body limits are enforced by `DefaultBodyLimit`, which only extractors that
/// buffer through axum (such as `Bytes`) apply, so both body handlers take
/// `Bytes`. `GraphQLRequest` reads the body as a stream and would bypass it.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.max_ingest_bytes;
    let allowed_hosts = Arc::new(AllowedHosts::new(&state.settings.allowed_hosts));
    Router::new()
        .route(
            "/graphql",
            with_deadline(
                post(graphql).layer::<_, Infallible>(DefaultBodyLimit::max(MAX_GRAPHQL_BYTES)),
                graphql_error,
            ),
        )
        .route("/graphiql", get(graphiql))
        .route("/healthz", with_deadline(get(healthz), error_response))
        .route(
            "/ingest/{source}",
            post(ingest).layer(DefaultBodyLimit::max(body_limit)),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(unknown_route)
        .layer(RequestBodyTimeoutLayer::new(BODY_STALL_TIMEOUT))
        .layer(axum::middleware::from_fn_with_state(allowed_hosts, check_host))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The matched route, never the raw URI, which could carry query values.
            let route = request.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_string());
            tracing::info_span!("http", method = %request.method(), route = route.as_deref().unwrap_or("unmatched"))
        }))
        .with_state(state)
}

/// Builds a route's JSON error reply from its status and message.
type ErrorReply = fn(StatusCode, String) -> Response;

/// Limits `route` to [`REQUEST_TIMEOUT`], body included. A request that
/// takes longer gets 408 with a JSON error built by `reply`, the same form
/// as the route's other errors.
fn with_deadline<S>(route: MethodRouter<S>, reply: ErrorReply) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route.layer(axum::middleware::from_fn_with_state(reply, deadline))
}

/// Runs the request, and returns 408 when it takes longer than [`REQUEST_TIMEOUT`].
async fn deadline(State(reply): State<ErrorReply>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let seconds = REQUEST_TIMEOUT.as_secs();
            let message = format!("request timed out: the limit is {seconds} s, body included");
            tracing::warn!(reason = %message, "request rejected");
            reply(StatusCode::REQUEST_TIMEOUT, message)
        }
    }
}

/// The routes the server has, for the errors of requests that match none.
const ROUTES: &str = "POST /graphql, GET /graphiql, GET /healthz and POST /ingest/{source}";

/// Returns a JSON 404 error for a path that no route serves.
async fn unknown_route(method: Method, uri: Uri) -> Response {
    let path = quoted(uri.path());
    let message = format!("no route for {method} {path}: the routes are {ROUTES}");
    error_response(StatusCode::NOT_FOUND, message)
}

/// Returns a JSON 405 error for a method that the path's route does not
/// take. axum adds the `Allow` header.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let path = quoted(uri.path());
    let message = format!("method {method} is not allowed on {path}: the routes are {ROUTES}");
    error_response(StatusCode::METHOD_NOT_ALLOWED, message)
}

/// Executes a GraphQL request sent as JSON, with the review service and the
/// caller's review access (from the bearer token) attached. A body that is
/// too large, cannot be read or is not a GraphQL request gets a GraphQL-style
/// JSON error.
async fn graphql(
    State(state): State<AppState>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(message) = json_content_type_error(&headers) {
        tracing::warn!("graphql request rejected: not sent as json");
        return graphql_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let (status, message) = body_error(&rejection, MAX_GRAPHQL_BYTES);
            return graphql_error(status, message);
        }
    };
    let request = match parse_graphql_request(&body) {
        Ok(request) => request,
        Err(message) => return graphql_error(StatusCode::BAD_REQUEST, message),
    };
    let access = review_access(&state, &headers);
    let review = Review::new(Arc::clone(&state.store), Arc::clone(&state.resolver))
        .with_live(Arc::clone(&state.live));
    let client = ClientAddress(connect_info.map(|Extension(ConnectInfo(peer))| peer));
    let request = request.data(access).data(review).data(client);
    let mut response = state.schema.execute(request).await;
    for error in &mut response.errors {
        error.message = lowercase_message(&error.message);
    }
    GraphQLResponse::from(response).into_response()
}

/// Returns why a GraphQL request is not sent as `application/json`, or
/// `None` when it is. A web page can make a browser send `text/plain`, form
/// and untyped bodies to any address without asking it first (no CORS
/// preflight), so reading them would let any site a local user visits run
/// queries here.
fn json_content_type_error(headers: &HeaderMap) -> Option<String> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Some("missing content-type header: send the query as application/json".to_string());
    };
    let media_type = value
        .to_str()
        .ok()
        .and_then(|text| text.split(';').next())
        .map(str::trim);
    match media_type {
        Some(media_type) if media_type.eq_ignore_ascii_case("application/json") => None,
        _ => {
            let shown = String::from_utf8_lossy(value.as_bytes());
            Some(format!(
                "unsupported content type {shown:?}: send the query as application/json"
            ))
        }
    }
}

/// Returns why an ingest request's `Content-Encoding` cannot be read, or
/// `None` for an uncompressed body. The server decodes no compression, and a
/// compressed body would otherwise be read as the feed itself.
fn content_encoding_error(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_ENCODING)?;
    let identity = value
        .to_str()
        .is_ok_and(|text| text.trim().eq_ignore_ascii_case("identity"));
    if identity {
        return None;
    }
    let shown = String::from_utf8_lossy(value.as_bytes());
    Some(format!(
        "unsupported content encoding {shown:?}: send the body uncompressed"
    ))
}

/// Returns why an ingest request sent as a multipart form cannot be read, or
/// `None` otherwise. A form wraps the file in boundary lines, which would be
/// read as the feed's first record or header.
fn multipart_error(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let multipart = value
        .trim_start()
        .get(..10)
        .is_some_and(|start| start.eq_ignore_ascii_case("multipart/"));
    multipart.then(|| {
        "a multipart form is not read: send the file itself as the body, \
         as `curl --data-binary @FILE` does"
            .to_string()
    })
}

/// Parses one GraphQL request from a JSON body, or returns why it cannot.
/// A JSON array gets its own message because serde would read it as the
/// fields of one request in order. So `[]` would run an empty query, and a
/// batch would fail with "expected a string".
fn parse_graphql_request(body: &[u8]) -> Result<async_graphql::Request, String> {
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first == Some(&b'[') {
        tracing::warn!("graphql request body rejected: batch");
        return Err(
            "invalid graphql request body: a JSON array (a batch) is not supported; \
             send one object with a query"
                .to_string(),
        );
    }
    let request = match serde_json::from_slice::<async_graphql::Request>(body) {
        Ok(request) => request,
        Err(err) => {
            // The error text can quote values from the body, so only its position is logged.
            let (line, column) = (err.line(), err.column());
            tracing::warn!(line, column, "graphql request body rejected: invalid json");
            return Err(format!("invalid graphql request body: {err}"));
        }
    };
    if request.query.trim().is_empty() {
        tracing::warn!("graphql request body rejected: no query");
        return Err("invalid graphql request body: the query is missing or empty".to_string());
    }
    Ok(request)
}

/// Puts a message in the service's style: a lowercase first letter and no
/// closing full stop. async-graphql writes its own parse and limit errors
/// as sentences ("Query is too complex."); CISS's errors are already in
/// this style and pass through unchanged.
fn lowercase_message(message: &str) -> String {
    let trimmed = message.strip_suffix('.').unwrap_or(message);
    let mut chars = trimmed.chars();
    match chars.next() {
        // Keep acronyms such as "JSON" or a type name such as "Int" as they are.
        Some(first) if first.is_uppercase() && chars.next().is_some_and(char::is_lowercase) => {
            first
                .to_lowercase()
                .chain(trimmed.chars().skip(1))
                .collect()
        }
        _ => trimmed.to_string(),
    }
}

/// The client's address, for the log line of a rejected bearer token. It is
/// `None` when the router is served without `ConnectInfo`, as in tests that
/// call the router directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ClientAddress(pub(super) Option<SocketAddr>);

impl ClientAddress {
    /// Reads the address that `into_make_service_with_connect_info` stored.
    fn of(extensions: &Extensions) -> ClientAddress {
        ClientAddress(
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| *peer),
        )
    }
}

/// Written as the socket address, or `unknown`.
impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(peer) => write!(f, "{peer}"),
            None => f.write_str("unknown"),
        }
    }
}

/// Returns the review access the request has, from its bearer token.
fn review_access(state: &AppState, headers: &HeaderMap) -> ReviewAccess {
    let Some(expected) = &state.settings.review_token else {
        return ReviewAccess::Disabled;
    };
    match bearer(headers) {
        Some(token) if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) => {
            ReviewAccess::Granted
        }
        _ => ReviewAccess::Denied,
    }
}

/// Returns the bearer token of the `Authorization` header, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
}

/// Describes why a request body was rejected, in plain words, and logs it.
fn body_error(rejection: &BytesRejection, limit: usize) -> (StatusCode, String) {
    let (status, message) = describe_body_error(rejection, limit);
    tracing::warn!(status = status.as_u16(), reason = %message, "request body rejected");
    (status, message)
}

fn describe_body_error(rejection: &BytesRejection, limit: usize) -> (StatusCode, String) {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let message = format!("request body is too large: the limit is {limit} bytes");
        return (rejection.status(), message);
    }
    if is_body_timeout(rejection) {
        let seconds = BODY_STALL_TIMEOUT.as_secs();
        let message = format!("request body timed out: no data received for {seconds} s");
        return (StatusCode::REQUEST_TIMEOUT, message);
    }
    let message = format!("cannot read the request body: {}", body_failure(rejection));
    (rejection.status(), message)
}

/// Returns what broke a request body, such as a connection reset, without
/// axum's capitalized "Failed to buffer the request body" around it.
fn body_failure(rejection: &BytesRejection) -> String {
    match std::error::Error::source(rejection) {
        Some(cause) => lowercase_message(&cause.to_string()),
        None => lowercase_message(&rejection.body_text()),
    }
}

/// Returns whether the body stalled past [`BODY_STALL_TIMEOUT`].
fn is_body_timeout(rejection: &BytesRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(err) = cause {
        if err.is::<TimeoutError>() {
            return true;
        }
        cause = err.source();
    }
    false
}

fn graphql_error(status: StatusCode, message: String) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message }] });
    (status, Json(body)).into_response()
}

// NOTE: the GraphiQL page loads React and GraphiQL from unpkg.com by major
// version, without subresource integrity hashes. The page is a development
// aid and sends no credentials.
async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// Reports store counts. The status is `degraded` in three cases. Stored
/// mentions are unresolved, so queries miss those records until `ciss
/// resolve` runs. Review decisions are stored but not applied, so entities
/// still show the merges or splits a reviewer undid. Indexes are missing,
/// so queries scan whole tables.
async fn healthz(State(state): State<AppState>) -> Response {
    let counts = state.store.counts().await;
    let unresolved = state.store.count_unresolved_mentions().await;
    let unapplied = state.store.count_unapplied_decisions().await;
    let missing = state.store.count_missing_indexes().await;
    match (counts, unresolved, unapplied, missing) {
        (Ok(counts), Ok(unresolved), Ok(unapplied), Ok(missing)) => {
            let status = if unresolved == 0 && unapplied == 0 && missing == 0 {
                "ok"
            } else {
                "degraded"
            };
            Json(serde_json::json!({
                "status": status,
                "counts": counts,
                "unresolved_mentions": unresolved,
                "unapplied_decisions": unapplied,
                "missing_indexes": missing,
            }))
            .into_response()
        }
        (Err(err), ..) | (_, Err(err), ..) | (_, _, Err(err), _) | (.., Err(err)) => {
            tracing::error!(error = %err, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

/// Ingests a request body of records in the source's own format (JSON Lines or
/// CSV), then re-resolves, and returns the reconciled counts. `errors` lists
/// the first quarantined records, version conflicts included, and
/// `omitted_errors` counts the rest.
async fn ingest(
    State(state): State<AppState>,
    Path(source): Path<String>,
    request: axum::extract::Request,
) -> Response {
    let client = ClientAddress::of(request.extensions());
    if let Some(rejection) = reject_unauthorized(&state, request.headers(), client) {
        return rejection;
    }
    if let Some(message) = content_encoding_error(request.headers()) {
        tracing::warn!("ingest request rejected: compressed body");
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    if let Some(message) = multipart_error(request.headers()) {
        tracing::warn!("ingest request rejected: multipart form");
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    // The body is read only after the token check, so a caller without the
    // token cannot make the server buffer a large body.
    let body = match Bytes::from_request(request, &state).await {
        Ok(body) if body.is_empty() => {
            return error_response(StatusCode::BAD_REQUEST, "request body is empty".to_string());
        }
        Ok(body) => body,
        Err(rejection) => {
            let (status, message) = body_error(&rejection, state.settings.max_ingest_bytes);
            return error_response(status, message);
        }
    };
    let mapping = match SourceMapping::load(&state.settings.sources_dir, &source) {
        Ok(mapping) => mapping,
        Err(err @ MappingError::InvalidSourceName { .. }) => {
            return error_response(StatusCode::BAD_REQUEST, err.to_string());
        }
        Err(MappingError::UnknownSource { .. }) => {
            return error_response(StatusCode::NOT_FOUND, format!("unknown source {source:?}"));
        }
        Err(err) => {
            // The error names the mapping file's path, which stays in the log.
            tracing::error!(source = %source, error = %err, "source mapping failed to load");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("source {source} is misconfigured"),
            );
        }
    };
    let options = IngestOptions {
        batch_size: state.settings.batch_size,
        progress: false,
    };
    let cursor = std::io::Cursor::new(body);
    let report = match ingest_reader(
        state.store.as_ref(),
        &mapping,
        cursor,
        Some("http".to_string()),
        &options,
    )
    .await
    {
        Ok(report) => report,
        Err(err) => return ingest_error_response(&source, err),
    };
    let review = Review::new(Arc::clone(&state.store), Arc::clone(&state.resolver))
        .with_live(Arc::clone(&state.live));
    let resolution = match review.resolve_live(&state.live).await {
        Ok(live) => resolution_json(&live),
        Err(err) => {
            tracing::error!(error = %err, "resolution after ingest failed");
            serde_json::json!({
                "error": "resolution failed; the records are stored, and the next request or `ciss resolve` resolves them",
            })
        }
    };
    Json(serde_json::json!({
        "source": report.source,
        "received": report.received,
        "accepted": report.accepted(),
        "inserted": report.inserted,
        "duplicates": report.duplicates,
        "superseded": report.superseded,
        "stale": report.stale,
        "quarantined": report.quarantined,
        "errors": report.sample_errors.iter().map(|e| serde_json::json!({
            "line": e.line,
            "record_id": e.record_id,
            "field": e.field,
            "reason": e.reason,
        })).collect::<Vec<_>>(),
        "omitted_errors": report.omitted_errors(),
        "resolution": resolution,
    }))
    .into_response()
}

/// Describes how the request's records were resolved: placed one at a time
/// (`incremental`), or by a run over the whole store (`batch`) and why.
fn resolution_json(live: &LiveReport) -> serde_json::Value {
    let (mode, reason) = match &live.batch {
        Some((reason, _)) => ("batch", serde_json::to_value(reason).ok()),
        None => ("incremental", None),
    };
    serde_json::json!({
        "mode": mode,
        "reason": reason,
        "placed": live.placed,
        "started": live.started,
        "joined": live.joined,
        "merged": live.merged,
        "queued": live.queued,
        "duration_ms": live.duration_ms,
    })
}

/// Maps an ingest failure to a response. A body that cannot be read as the
/// source's format (no header, wrong columns, not UTF-8) is the client's
/// error, 422 with the reason. Any other failure is the server's, 500.
fn ingest_error_response(source: &str, err: IngestError) -> Response {
    if let IngestError::Read { source: cause, .. } = &err
        && cause.kind() == std::io::ErrorKind::InvalidData
    {
        tracing::warn!(source = %source, "ingest request rejected: unreadable body");
        let message = format!("request body is not a valid {source} feed: {cause}");
        return error_response(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    tracing::error!(source = %source, error = %err, "ingest request failed");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ingest failed; committed batches are kept".to_string(),
    )
}

/// Returns the rejection for a request whose bearer token is not the
/// configured ingest token, and logs it with the client's address but never
/// the token. HTTP ingestion is off unless a token is configured.
fn reject_unauthorized(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientAddress,
) -> Option<Response> {
    let Some(expected) = &state.settings.ingest_token else {
        let message = "http ingestion is disabled; set CISS_INGEST_TOKEN to enable it".to_string();
        return Some(error_response(StatusCode::FORBIDDEN, message));
    };
    match bearer(headers) {
        Some(token) if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) => None,
        _ => {
            tracing::warn!(
                peer = %client,
                "ingest request rejected: missing or wrong bearer token"
            );
            let mut response = error_response(
                StatusCode::UNAUTHORIZED,
                "missing or invalid bearer token".to_string(),
            );
            // RFC 7235 requires a 401 to name the scheme it expects.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ciss ingest\""),
            );
            Some(response)
        }
    }
}

/// Returns the token of an `Authorization: Bearer TOKEN` header value. The
/// scheme name is case-insensitive (RFC 7235, section 2.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// Compares two byte strings in time that depends only on their lengths, so
/// response timing does not reveal how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

pub(super) fn error_response(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::{ErrorReply, error_response, graphql_error, lowercase_message, with_deadline};
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn deadline_replies_in_route_form() {
        async fn slow() -> &'static str {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            "late"
        }
        // Each case: a route's error reply, and where it puts the message.
        let cases: [(ErrorReply, &str); 2] = [
            (graphql_error, "/errors/0/message"),
            (error_response, "/error"),
        ];
        for (reply, pointer) in cases {
            let app = Router::new().route("/slow", with_deadline(get(slow), reply));
            let request = Request::get("/slow").body(Body::empty()).expect("request");
            let response = app.oneshot(request).await.expect("response");
            assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT, "{pointer}");
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            let body: serde_json::Value = serde_json::from_slice(&bytes).expect("json body");
            let message = body.pointer(pointer).and_then(|m| m.as_str());
            let expected = "request timed out: the limit is 30 s, body included";
            assert_eq!(message, Some(expected), "{body}");
        }
    }

    #[test]
    fn messages_take_the_service_style() {
        let cases = [
            ("Query is too complex.", "query is too complex"),
            ("Query is nested too deep.", "query is nested too deep"),
            (
                "invalid limit -5: expected 1 to 500",
                "invalid limit -5: expected 1 to 500",
            ),
            ("JSON body expected", "JSON body expected"),
            ("", ""),
        ];
        for (message, expected) in cases {
            assert_eq!(lowercase_message(message), expected, "{message:?}");
        }
    }
}
