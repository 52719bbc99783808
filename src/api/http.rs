//! HTTP routes: GraphQL, GraphiQL, health and NDJSON/CSV record ingestion.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use super::CissSchema;
use super::review::ReviewAccess;
use crate::config::Settings;
use crate::graph::GraphStore;
use crate::ingest::mapping::{MappingError, SourceMapping};
use crate::ingest::{IngestOptions, ingest_reader};
use crate::resolve::Resolver;
use crate::review::Review;

/// Largest accepted GraphQL request body; real queries are a few kilobytes.
const MAX_GRAPHQL_BYTES: usize = 256 * 1024;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: CissSchema,
    /// The store, for ingestion.
    pub store: Arc<dyn GraphStore>,
    /// The resolver run after each ingested request.
    pub resolver: Arc<dyn Resolver>,
    /// Settings.
    pub settings: Arc<Settings>,
}

/// Builds the router: `POST /graphql`, `GET /graphiql`, `GET /healthz` and
/// `POST /ingest/{source}`.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.max_ingest_bytes;
    Router::new()
        .route("/graphql", post(graphql).layer(DefaultBodyLimit::max(MAX_GRAPHQL_BYTES)))
        .route("/graphiql", get(graphiql))
        .route("/healthz", get(healthz))
        .route("/ingest/{source}", post(ingest).layer(DefaultBodyLimit::max(body_limit)))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The matched route, never the raw URI, which could carry query values.
            let route = request.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_string());
            tracing::info_span!("http", method = %request.method(), route = route.as_deref().unwrap_or("unmatched"))
        }))
        .with_state(state)
}

/// Runs a GraphQL request with the review service and the caller's review
/// access (from the bearer token) attached.
async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let access = review_access(&state, &headers);
    let review = Review::new(Arc::clone(&state.store), Arc::clone(&state.resolver));
    let request = request.into_inner().data(access).data(review);
    state.schema.execute(request).await.into()
}

/// Whether the request carries the configured review token.
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

/// The bearer token of the `Authorization` header, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.counts().await {
        Ok(counts) => Json(serde_json::json!({ "status": "ok", "counts": counts })).into_response(),
        Err(err) => {
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
/// CSV), then re-resolves, and returns the reconciled counts.
async fn ingest(
    State(state): State<AppState>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(rejection) = reject_unauthorized(&state, &headers) {
        return rejection;
    }
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
        Err(err) => {
            tracing::error!(source = %source, error = %err, "ingest request failed");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ingest failed; committed batches are kept".to_string(),
            );
        }
    };
    let review = Review::new(Arc::clone(&state.store), Arc::clone(&state.resolver));
    if let Err(err) = review.resolve().await {
        tracing::error!(error = %err, "resolution after ingest failed");
    }
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
    }))
    .into_response()
}

/// Returns the rejection for a request whose bearer token is not the
/// configured ingest token. HTTP ingestion is off unless a token is configured.
fn reject_unauthorized(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(expected) = &state.settings.ingest_token else {
        let message = "http ingestion is disabled; set CISS_INGEST_TOKEN to enable it".to_string();
        return Some(error_response(StatusCode::FORBIDDEN, message));
    };
    match bearer(headers) {
        Some(token) if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) => None,
        _ => {
            tracing::warn!("ingest request rejected: missing or wrong bearer token");
            Some(error_response(
                StatusCode::UNAUTHORIZED,
                "missing or invalid bearer token".to_string(),
            ))
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths, so
/// response timing does not reveal how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error_response(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}
