//! Service start-up: build the application from settings, bind, and serve until stopped.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

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
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// Requested address.
        address: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// A bound, ready-to-run service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    address: SocketAddr,
}

impl Application {
    /// Opens the configured store, which must exist, and binds the listen address.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let store = settings.open_store_with(OpenMode::Existing).await?;
        Application::with_store(settings, store).await
    }

    /// Binds the listen address over an already opened store.
    pub async fn with_store(
        settings: Settings,
        store: Arc<dyn GraphStore>,
    ) -> Result<Application, StartupError> {
        let bind_error = |source| StartupError::Bind {
            address: settings.listen.clone(),
            source,
        };
        let listener = TcpListener::bind(&settings.listen)
            .await
            .map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
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
        })
    }

    /// Returns the bound address (useful when the port was 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(address = %self.address, "serving");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// Logs a warning when stored records have not been resolved: queries miss
/// them until `ciss resolve` runs, and `/healthz` reports the same count.
async fn warn_if_unresolved(store: &dyn GraphStore) {
    match store.count_unresolved_mentions().await {
        Ok(0) => {}
        Ok(unresolved) => tracing::warn!(
            unresolved,
            "stored person mentions are not resolved, so queries miss their records; run `ciss resolve`"
        ),
        Err(err) => tracing::error!(error = %err, "failed to count unresolved mentions"),
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
