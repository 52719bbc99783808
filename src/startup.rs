//! Service start-up: build the application from settings, bind, and serve until stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::Service;

use crate::api::{AppState, build_schema, router};
use crate::config::{ConfigError, OpenMode, Settings};
use crate::graph::GraphStore;
use crate::resolve::{LiveResolution, default_resolver};
use crate::search::Search;

/// Errors starting the service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// Settings or store failed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// HTTP ingestion is on, but the directory of source mappings does not
    /// exist, so every ingest request would get 404 for its source.
    #[error(
        "sources directory not found: {}; HTTP ingestion needs the source mappings, \
         so set `sources_dir` (or `--sources`) to their directory",
        path.display()
    )]
    SourcesDir {
        /// The configured `sources_dir`.
        path: std::path::PathBuf,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// Requested address.
        address: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// How long a client may take to send a request's headers before its
/// connection is closed. Without it, idle half-open connections pile up.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// A bound, ready-to-run service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    address: SocketAddr,
    header_read_timeout: Duration,
}

impl Application {
    /// Opens the configured store, which must exist, and binds the listen address.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let store = settings.open_store_with(OpenMode::Existing).await?;
        Application::with_store(settings, store).await
    }

    /// Binds the listen address over an already opened store. With HTTP
    /// ingestion on, `sources_dir` must be a directory.
    pub async fn with_store(
        settings: Settings,
        store: Arc<dyn GraphStore>,
    ) -> Result<Application, StartupError> {
        check_sources_dir(&settings)?;
        let listener = Application::bind(&settings.listen).await?;
        Application::with_listener(settings, store, listener).await
    }

    /// Binds `listen`. A caller with long work before serving, such as
    /// `ciss demo`, binds first, so an address in use stops it before that
    /// work, and then passes the listener to [`Application::with_listener`].
    pub async fn bind(listen: &str) -> Result<TcpListener, StartupError> {
        TcpListener::bind(listen)
            .await
            .map_err(|source| StartupError::Bind {
                address: listen.to_string(),
                source,
            })
    }

    /// Serves an already opened store on an already bound listener. With
    /// HTTP ingestion on, `sources_dir` must be a directory.
    pub async fn with_listener(
        settings: Settings,
        store: Arc<dyn GraphStore>,
        listener: TcpListener,
    ) -> Result<Application, StartupError> {
        check_sources_dir(&settings)?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            address: settings.listen.clone(),
            source,
        })?;
        warn_if_unresolved(store.as_ref()).await;
        let search = Search::new(Arc::clone(&store), settings.summary);
        let state = AppState {
            schema: build_schema(search),
            store,
            resolver: Arc::new(default_resolver()),
            live: Arc::new(LiveResolution::new(default_resolver())),
            settings: Arc::new(settings),
        };
        Ok(Application {
            listener,
            router: router(state),
            address,
            header_read_timeout: HEADER_READ_TIMEOUT,
        })
    }

    /// Returns the bound address (useful when the port was 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Sets how long a client may take to send its request headers
    /// (default [`HEADER_READ_TIMEOUT`]).
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Application {
        self.header_read_timeout = timeout;
        self
    }

    /// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then lets in-flight requests finish.
    ///
    /// The accept loop is written here because `axum::serve` cannot bound
    /// the time a client takes to send its headers. Hyper's connection
    /// builder can, given a timer.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> std::io::Result<()> {
        tracing::info!(address = %self.address, "serving");
        let mut builder = ConnectionBuilder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let connections = GracefulShutdown::new();
        // Each connection's requests carry its peer address as `ConnectInfo`,
        // which the handlers log when they reject a bearer token.
        let mut make_service = self
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let mut stop = std::pin::pin!(stop);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Running out of file descriptors ends one accept,
                        // not the service; the pause lets connections close.
                        tracing::warn!(error = %err, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            // axum 0.8's `IntoMakeServiceWithConnectInfo` is always ready (its
            // `poll_ready` returns `Ready`) and its error type is `Infallible`,
            // so `call` needs no `poll_ready` first and cannot fail.
            let Ok(service) = make_service.call(peer).await;
            let service = TowerToHyperService::new(service);
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            let connection = connections.watch(connection);
            tokio::spawn(async move {
                if let Err(err) = connection.await {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
            });
        }
        drop(self.listener);
        connections.shutdown().await;
        Ok(())
    }
}

/// Rejects a missing `sources_dir` when HTTP ingestion is on, since every
/// ingest request would then get 404 for its source.
fn check_sources_dir(settings: &Settings) -> Result<(), StartupError> {
    if settings.ingest_token.is_some() && !settings.sources_dir.is_dir() {
        return Err(StartupError::SourcesDir {
            path: settings.sources_dir.clone(),
        });
    }
    Ok(())
}

/// Logs a warning when stored records have not been resolved, or review
/// decisions not applied: queries miss the records, and show entities as
/// they were before the decisions, until `ciss resolve` runs. `/healthz`
/// reports the same counts.
async fn warn_if_unresolved(store: &dyn GraphStore) {
    match store.count_unresolved_mentions().await {
        Ok(0) => {}
        Ok(unresolved) => tracing::warn!(
            unresolved,
            "stored person mentions are not resolved, so queries miss their records; run `ciss resolve`"
        ),
        Err(err) => tracing::error!(error = %err, "failed to count unresolved mentions"),
    }
    match store.count_unapplied_decisions().await {
        Ok(0) => {}
        Ok(unapplied) => tracing::warn!(
            unapplied,
            "review decisions are stored but not applied, so entities do not reflect them yet; run `ciss resolve`"
        ),
        Err(err) => tracing::error!(error = %err, "failed to count unapplied review decisions"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested");
}
