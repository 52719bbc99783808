//! Settings: built-in defaults, then an optional TOML file, then `CISS_*`
//! environment variables (`__` separates nested keys, as in
//! `CISS_SUMMARY__RECENT_ARREST_DAYS=180`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::graph::{GraphStore, SqliteStore, StoreError};
use crate::search::SummaryRules;

/// Every setting CISS reads. Each key is documented once, here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Store location. `sqlite:PATH` is the embedded store (the default, `sqlite:ciss.db`).
    pub store: String,
    /// Address `ciss serve` listens on, `127.0.0.1:8080` by default.
    pub listen: String,
    /// Directory holding one `NAME.toml` mapping per source, `fixtures/sources` by default.
    pub sources_dir: PathBuf,
    /// Records per ingest batch and transaction, 5000 by default.
    pub batch_size: usize,
    /// Largest accepted body of `POST /ingest/{source}`, in bytes; 64 MiB by default.
    pub max_ingest_bytes: usize,
    /// Time windows of the status summary.
    pub summary: SummaryRules,
}

/// Errors loading settings or opening the configured store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The settings file or environment could not be read or has invalid values.
    #[error("invalid settings: {0}")]
    Load(#[from] config::ConfigError),
    /// The store location has an unsupported scheme.
    #[error("unsupported store location {0:?}: expected sqlite:PATH")]
    UnsupportedStore(String),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Settings {
    /// Loads settings from the defaults, `file` (if given, it must exist) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let defaults = SummaryRules::default();
        let mut builder = config::Config::builder()
            .set_default("store", "sqlite:ciss.db")?
            .set_default("listen", "127.0.0.1:8080")?
            .set_default("sources_dir", "fixtures/sources")?
            .set_default("batch_size", 5_000)?
            .set_default("max_ingest_bytes", 64 * 1024 * 1024)?
            .set_default("summary.recent_arrest_days", defaults.recent_arrest_days)?
            .set_default("summary.release_days", defaults.release_days)?;
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let environment = config::Environment::with_prefix("CISS")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true);
        Ok(builder.add_source(environment).build()?.try_deserialize()?)
    }

    /// Opens the configured store, creating it if needed.
    pub fn open_store(&self) -> Result<Arc<dyn GraphStore>, ConfigError> {
        match self.store.strip_prefix("sqlite:") {
            Some(path) if !path.is_empty() => Ok(Arc::new(SqliteStore::open(Path::new(path))?)),
            _ => Err(ConfigError::UnsupportedStore(self.store.clone())),
        }
    }
}
