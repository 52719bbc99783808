//! Settings: built-in defaults, then an optional TOML file, then `CISS_*`
//! environment variables (`__` separates nested keys, as in
//! `CISS_SUMMARY__RECENT_ARREST_DAYS=180`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::graph::cypher::{Credentials, Secret};
use crate::graph::{CypherStore, GraphStore, SqliteStore, StoreError};
use crate::search::SummaryRules;

/// Maximum records in one ingest batch. A batch is one transaction and is held
/// in memory until it is stored.
pub const MAX_BATCH_SIZE: usize = 1_000_000;

/// Every setting CISS reads. Each key is documented once, here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Store location: `sqlite:PATH` for the embedded store (the default,
    /// `sqlite:ciss.db`), `falkor://HOST:PORT/GRAPH` for FalkorDB, or
    /// `neo4j://HOST:PORT` / `bolt://HOST:PORT` for Neo4j.
    pub store: String,
    /// Neo4j user name (`CISS_NEO4J_USER`).
    #[serde(default)]
    pub neo4j_user: Option<String>,
    /// Neo4j password (`CISS_NEO4J_PASSWORD`); never logged or printed.
    #[serde(default)]
    pub neo4j_password: Option<Secret>,
    /// Address `ciss serve` listens on, `127.0.0.1:8080` by default.
    pub listen: String,
    /// Host names or addresses, without a port, that HTTP requests may be
    /// addressed to besides `localhost`, `127.0.0.1` and `[::1]`
    /// (`CISS_ALLOWED_HOSTS`, comma-separated). Requests to any other host
    /// get 421, so a web page cannot reach the API through DNS rebinding.
    /// Empty by default.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Directory holding one `NAME.toml` mapping per source, `fixtures/sources` by default.
    pub sources_dir: PathBuf,
    /// Records per ingest batch and transaction, 5000 by default.
    pub batch_size: usize,
    /// Largest accepted body of `POST /ingest/{source}`, in bytes; 64 MiB by default.
    pub max_ingest_bytes: usize,
    /// Bearer token that `POST /ingest/{source}` requires (`CISS_INGEST_TOKEN`).
    /// Unset by default, which turns HTTP ingestion off; never logged or printed.
    #[serde(default)]
    pub ingest_token: Option<Secret>,
    /// Bearer token the GraphQL review mutations (`confirmMatch`,
    /// `rejectMatch`, `splitEntity`) require (`CISS_REVIEW_TOKEN`), at least
    /// 16 characters. Unset by default, which turns the mutations off; never
    /// logged or printed.
    #[serde(default)]
    pub review_token: Option<Secret>,
    /// Time windows of the status summary.
    pub summary: SummaryRules,
}

/// Errors loading settings or opening the configured store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The settings file or environment could not be read or has invalid values.
    /// The message includes the cause, so it is not also exposed as the source.
    #[error("invalid settings: {0}")]
    Load(config::ConfigError),
    /// The settings file named is a directory.
    #[error("settings file {0} is a directory, expected a TOML file")]
    SettingsFileIsDirectory(PathBuf),
    /// A setting has a value outside its range.
    #[error("invalid settings: {0}")]
    Invalid(String),
    /// The store location has an unsupported scheme.
    #[error(
        "unsupported store location {0:?}: expected sqlite:PATH, falkor://HOST:PORT/GRAPH, neo4j://HOST:PORT or bolt://HOST:PORT"
    )]
    UnsupportedStore(String),
    /// A command that only reads was pointed at an SQLite store that does not exist.
    #[error("store not found: {0} (run `ciss ingest` or `ciss demo` first)")]
    StoreNotFound(PathBuf),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<config::ConfigError> for ConfigError {
    fn from(err: config::ConfigError) -> ConfigError {
        ConfigError::Load(err)
    }
}

/// Whether opening a store may create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the store if it does not exist (ingest, demo, replay).
    Create,
    /// Fail with [`ConfigError::StoreNotFound`] when an SQLite store does not
    /// exist, so a mistyped path is reported instead of served empty.
    Existing,
}

/// Prefix of the variables that configure test servers (`CISS_TEST_FALKOR_URI`,
/// `CISS_TEST_NEO4J_URI`, ...); they are not settings.
const TEST_VARIABLE_PREFIX: &str = "CISS_TEST_";

/// The process environment less the test-server variables, so `deny_unknown_fields`
/// does not reject them.
fn settings_environment() -> config::Map<String, String> {
    std::env::vars()
        .filter(|(name, _)| !name.starts_with(TEST_VARIABLE_PREFIX))
        .collect()
}

/// Reports a TOML syntax error in `file` by line and column only. The config
/// crate's message quotes the offending line, which can hold a token or a
/// password. A file that cannot be read is left to the config crate.
fn check_toml_syntax(file: &Path) -> Result<(), ConfigError> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(());
    };
    let Err(err) = toml::from_str::<toml::Table>(&text) else {
        return Ok(());
    };
    let start = err.span().map_or(0, |span| span.start);
    let before = &text[..start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    Err(ConfigError::Invalid(format!(
        "{}: invalid TOML at line {line}, column {column}: {}",
        file.display(),
        err.message()
    )))
}

/// Rejects an `allowed_hosts` entry that no `Host` header can match: an
/// empty one, or one with a port, a scheme, a path, whitespace, a wildcard
/// or an empty label.
fn check_allowed_host(host: &str) -> Result<(), ConfigError> {
    let invalid = |reason: &str| {
        Err(ConfigError::Invalid(format!(
            "allowed_hosts: {host:?} {reason}"
        )))
    };
    if host.is_empty() {
        return invalid("is empty");
    }
    if host.contains(|c: char| c.is_whitespace() || matches!(c, '/' | '@')) {
        return invalid("is not a host name or address: remove the scheme, path or whitespace");
    }
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    let is_ipv6 = bare.unwrap_or(host).parse::<std::net::Ipv6Addr>().is_ok();
    if host.contains(':') && !is_ipv6 {
        return invalid("has a port or is not a valid IPv6 address: give the host without a port");
    }
    if is_ipv6 {
        return Ok(());
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '.'))
    {
        let reason = format!(
            "contains {c:?}, which no host name has (there are no wildcards: list each host)"
        );
        return invalid(&reason);
    }
    if host.starts_with('.') || host.contains("..") {
        return invalid("has an empty label: a host name has no leading or double dot");
    }
    Ok(())
}

/// Settings that count something. The config crate rounds a decimal such as
/// 1.5 to a whole number and reads `true` or `yes` as 1, so these are
/// checked before the settings are read.
const COUNT_SETTINGS: [&str; 4] = [
    "batch_size",
    "max_ingest_bytes",
    "summary.recent_arrest_days",
    "summary.release_days",
];

/// Rejects a count setting whose value is not a whole number, naming the
/// setting and where its value came from: its variable, or `file`.
fn check_whole_numbers(
    config: &config::Config,
    file: Option<&Path>,
    environment: &config::Map<String, String>,
) -> Result<(), ConfigError> {
    use config::ValueKind;
    for key in COUNT_SETTINGS {
        let Some(value) = cached_value(config, key) else {
            continue;
        };
        let variable = format!("CISS_{}", key.to_uppercase().replace('.', "__"));
        let found = match &value.kind {
            ValueKind::String(text) if text.parse::<i128>().is_err() => format!("{text:?}"),
            // The config crate reads digits beyond the range of i64 as a
            // float, so the variable's own text is quoted instead.
            ValueKind::Float(_)
                if environment
                    .get(&variable)
                    .is_some_and(|text| text.trim().parse::<u128>().is_ok()) =>
            {
                return Err(ConfigError::Invalid(format!(
                    "{key}: {} is too large, in {variable}",
                    environment[&variable].trim()
                )));
            }
            ValueKind::Float(number) => format!("{number:?}"),
            ValueKind::Boolean(flag) => flag.to_string(),
            // Integers pass; the crate's type error names a table or a list.
            _ => continue,
        };
        let origin = match (value.origin(), file) {
            (Some("the environment"), _) => format!(" in {variable}"),
            (_, Some(file)) => format!(" in {}", file.display()),
            (_, None) => String::new(),
        };
        return Err(ConfigError::Invalid(format!(
            "{key}: expected a whole number, found {found}{origin}"
        )));
    }
    Ok(())
}

/// Returns the value of a dotted `key` as loaded, with its origin, which
/// `Config::get` leaves out.
fn cached_value<'c>(config: &'c config::Config, key: &str) -> Option<&'c config::Value> {
    key.split('.')
        .try_fold(&config.cache, |value, part| match &value.kind {
            config::ValueKind::Table(table) => table.get(part),
            _ => None,
        })
}

impl Settings {
    /// Loads settings from the defaults, `file` (if given, it must exist) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_with_environment(file, settings_environment())
    }

    /// Loads settings as [`Settings::load`] does, reading `CISS_*` variables
    /// from `environment` instead of the process environment.
    fn load_with_environment(
        file: Option<&Path>,
        mut environment: config::Map<String, String>,
    ) -> Result<Settings, ConfigError> {
        // `a.example, b.example` is a natural way to write the list, and no
        // host has spaces, so spaces around its commas are dropped.
        if let Some(hosts) = environment.get_mut("CISS_ALLOWED_HOSTS") {
            *hosts = hosts
                .split(',')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(",");
        }
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
            if file.is_dir() {
                return Err(ConfigError::SettingsFileIsDirectory(file.to_path_buf()));
            }
            check_toml_syntax(file)?;
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let environment_source = config::Environment::with_prefix("CISS")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("allowed_hosts")
            .source(Some(environment.clone()));
        let config = builder.add_source(environment_source).build()?;
        check_whole_numbers(&config, file, &environment)?;
        let settings: Settings = config.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid =
            |key: &str, reason: &str| Err(ConfigError::Invalid(format!("{key}: {reason}")));
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return invalid(
                "batch_size",
                &format!(
                    "must be from 1 to {MAX_BATCH_SIZE}, not {}",
                    self.batch_size
                ),
            );
        }
        if self.max_ingest_bytes == 0 {
            return invalid("max_ingest_bytes", "must be at least 1");
        }
        let windows = [
            (
                "summary.recent_arrest_days",
                self.summary.recent_arrest_days,
            ),
            ("summary.release_days", self.summary.release_days),
        ];
        for (key, days) in windows {
            if days < 0 {
                return invalid(key, &format!("cannot be negative, found {days}"));
            }
        }
        let tokens = [
            ("ingest_token", &self.ingest_token),
            ("review_token", &self.review_token),
        ];
        for (key, token) in tokens {
            let Some(token) = token else {
                continue;
            };
            let token = token.expose();
            if token.chars().count() < 16 {
                return invalid(key, "must be at least 16 characters");
            }
            // A bearer token (RFC 6750 `b64token`) has no whitespace, and a
            // blank or padded one is almost always a configuration mistake.
            if token.chars().any(char::is_whitespace) {
                return invalid(key, "must not contain whitespace");
            }
        }
        // One token for both would let every ingest client decide reviews.
        if let (Some(ingest), Some(review)) = (&self.ingest_token, &self.review_token)
            && ingest.expose() == review.expose()
        {
            return invalid("review_token", "must differ from ingest_token");
        }
        for host in &self.allowed_hosts {
            check_allowed_host(host)?;
        }
        Ok(())
    }

    /// Opens the configured store, creating it (and its indexes) if needed.
    pub async fn open_store(&self) -> Result<Arc<dyn GraphStore>, ConfigError> {
        self.open_store_with(OpenMode::Create).await
    }

    /// Opens the configured store. With [`OpenMode::Existing`] an SQLite path
    /// that does not exist is an error. A graph server's graph is always
    /// opened, because an empty graph cannot be distinguished from a new one.
    pub async fn open_store_with(
        &self,
        mode: OpenMode,
    ) -> Result<Arc<dyn GraphStore>, ConfigError> {
        let location = self.store.as_str();
        if let Some(path) = location.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(ConfigError::UnsupportedStore(self.store.clone()));
            }
            let path = Path::new(path);
            // A directory is left to the store, which names it as one.
            if mode == OpenMode::Existing && !path.is_file() && !path.is_dir() {
                return Err(ConfigError::StoreNotFound(path.to_path_buf()));
            }
            return Ok(Arc::new(SqliteStore::open(path)?));
        }
        let graph_server = ["falkor://", "neo4j://", "bolt://"]
            .iter()
            .any(|scheme| location.starts_with(scheme));
        if !graph_server {
            return Err(ConfigError::UnsupportedStore(self.store.clone()));
        }
        let credentials = match (&self.neo4j_user, &self.neo4j_password) {
            (Some(user), Some(password)) => Some(Credentials {
                user: user.clone(),
                password: password.clone(),
            }),
            _ => None,
        };
        Ok(Arc::new(
            CypherStore::connect(location, credentials.as_ref()).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_syntax_error_hides_the_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("ciss.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:8080\"\nreview_token = Sup3rSecretValue42\n",
        )
        .expect("write");
        let message = Settings::load(Some(&file)).unwrap_err().to_string();
        assert!(!message.contains("Sup3rSecret"), "{message}");
        assert!(
            message.contains("invalid TOML at line 2, column 16"),
            "{message}"
        );
    }

    #[test]
    fn settings_file_must_be_a_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.toml");
        // Each case: the path given, and text its error message contains.
        let cases = [
            (
                dir.path().to_path_buf(),
                format!(
                    "settings file {} is a directory, expected a TOML file",
                    dir.path().display()
                ),
            ),
            (missing.clone(), "not found".to_string()),
        ];
        for (path, expected) in cases {
            let message = Settings::load(Some(&path)).unwrap_err().to_string();
            assert!(message.contains(&expected), "{}: {message}", path.display());
        }
    }

    /// Validates default settings with `token` as the ingest token, or as
    /// the review token when `review` is set.
    fn with_token(token: &str, review: bool) -> Result<(), ConfigError> {
        let mut settings = Settings::load(None).expect("default settings load");
        let slot = if review {
            &mut settings.review_token
        } else {
            &mut settings.ingest_token
        };
        *slot = Some(Secret::new(token));
        settings.validate()
    }

    #[test]
    fn token_validation() {
        let cases = [
            ("a-token-of-24-characters", None),
            ("short-token", Some("must be at least 16 characters")),
            ("                ", Some("must not contain whitespace")),
            (
                "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
                Some("must not contain whitespace"),
            ),
            (
                "a-token-with a-space-in-it",
                Some("must not contain whitespace"),
            ),
        ];
        for (key, review) in [("ingest_token", false), ("review_token", true)] {
            for (token, expected) in cases {
                let result = with_token(token, review);
                match expected {
                    None => assert!(result.is_ok(), "{key} {token:?}: {result:?}"),
                    Some(reason) => {
                        let message = result.expect_err(token).to_string();
                        assert!(message.contains(reason), "{key} {token:?}: {message}");
                        assert!(message.contains(key), "{key} {token:?}: {message}");
                    }
                }
            }
        }
    }

    #[test]
    fn review_token_differs_from_ingest_token() {
        let mut settings = Settings::load(None).expect("default settings load");
        settings.ingest_token = Some(Secret::new("a-token-of-24-characters"));
        settings.review_token = Some(Secret::new("a-token-of-24-characters"));
        let message = settings
            .validate()
            .expect_err("one token for both")
            .to_string();
        assert!(message.contains("review_token"), "{message}");
        assert!(
            message.contains("must differ from ingest_token"),
            "{message}"
        );
        settings.review_token = Some(Secret::new("another-token-of-24-chars"));
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn allowed_hosts_validation() {
        let cases = [
            ("ciss.example.org", None),
            ("192.0.2.7", None),
            ("fd00::5", None),
            ("[fd00::5]", None),
            ("", Some("is empty")),
            ("ciss.example.org:8080", Some("has a port")),
            ("http://ciss.example.org", Some("remove the scheme")),
            ("ciss.example.org ", Some("whitespace")),
            ("*", Some("contains '*'")),
            ("*.example.org", Some("there are no wildcards")),
            (".", Some("empty label")),
            ("ciss..example.org", Some("empty label")),
        ];
        for (host, expected) in cases {
            let result = check_allowed_host(host);
            match expected {
                None => assert!(result.is_ok(), "{host:?}: {result:?}"),
                Some(reason) => {
                    let message = result.expect_err(host).to_string();
                    assert!(message.contains(reason), "{host:?}: {message}");
                    assert!(message.contains("allowed_hosts"), "{host:?}: {message}");
                }
            }
        }
    }

    #[test]
    fn batch_size_bounds() {
        let huge = u64::MAX.to_string();
        // (CISS_BATCH_SIZE, accepted)
        let cases = [
            ("1", true),
            ("1000000", true),
            ("0", false),
            ("1000001", false),
            (huge.as_str(), false),
        ];
        for (size, accepted) in cases {
            let environment =
                config::Map::from([("CISS_BATCH_SIZE".to_string(), size.to_string())]);
            let result = Settings::load_with_environment(None, environment);
            if accepted {
                assert!(result.is_ok(), "{size}: {result:?}");
                continue;
            }
            let message = result.expect_err(size).to_string();
            let expected = match size.len() > 18 {
                true => format!("batch_size: {size} is too large, in CISS_BATCH_SIZE"),
                false => format!("batch_size: must be from 1 to 1000000, not {size}"),
            };
            assert!(message.contains(&expected), "{size}: {message}");
        }
    }

    #[test]
    fn unknown_summary_key_is_rejected() {
        let environment =
            config::Map::from([("CISS_SUMMARY__BOGUS_DAYS".to_string(), "7".to_string())]);
        let message = Settings::load_with_environment(None, environment)
            .expect_err("an unknown key is a typo")
            .to_string();
        assert!(message.contains("bogus_days"), "{message}");
    }

    #[test]
    fn allowed_hosts_from_environment_list() {
        let environment = config::Map::from([(
            "CISS_ALLOWED_HOSTS".to_string(),
            "ciss.example.org, 192.0.2.7".to_string(),
        )]);
        let settings = Settings::load_with_environment(None, environment).expect("settings load");
        assert_eq!(settings.allowed_hosts, ["ciss.example.org", "192.0.2.7"]);
        let defaults = Settings::load_with_environment(None, config::Map::new()).expect("load");
        assert!(defaults.allowed_hosts.is_empty(), "{defaults:?}");
    }

    #[test]
    fn count_settings_must_be_whole_numbers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("ciss.toml");
        std::fs::write(&file, "batch_size = 2.5\n").expect("write");
        let from_file = Settings::load_with_environment(Some(&file), config::Map::new());
        let message = from_file.expect_err("2.5").to_string();
        let expected = format!(
            "batch_size: expected a whole number, found 2.5 in {}",
            file.display()
        );
        assert!(message.ends_with(&expected), "{message}");
        // Each case: the variable, its value, and the end of the error, if any.
        let cases = [
            ("CISS_BATCH_SIZE", "12", None),
            (
                "CISS_BATCH_SIZE",
                "1.5",
                Some("batch_size: expected a whole number, found 1.5"),
            ),
            (
                "CISS_BATCH_SIZE",
                "1e3",
                Some("batch_size: expected a whole number, found 1000.0"),
            ),
            (
                "CISS_BATCH_SIZE",
                "yes",
                Some("batch_size: expected a whole number, found \"yes\""),
            ),
            (
                "CISS_BATCH_SIZE",
                "true",
                Some("batch_size: expected a whole number, found true"),
            ),
            (
                "CISS_MAX_INGEST_BYTES",
                "0.5",
                Some("max_ingest_bytes: expected a whole number, found 0.5"),
            ),
            (
                "CISS_SUMMARY__RELEASE_DAYS",
                "30.5",
                Some("summary.release_days: expected a whole number, found 30.5"),
            ),
        ];
        for (variable, value, expected) in cases {
            let environment = config::Map::from([(variable.to_string(), value.to_string())]);
            let result = Settings::load_with_environment(None, environment);
            match expected {
                None => assert!(result.is_ok(), "{variable}={value}: {result:?}"),
                Some(expected) => {
                    let message = result.expect_err(value).to_string();
                    let expected = format!("{expected} in {variable}");
                    assert!(
                        message.ends_with(&expected),
                        "{variable}={value}: {message}"
                    );
                }
            }
        }
    }

    #[test]
    fn summary_windows_name_their_key() {
        // Each case: the variable set, and the error message it gives.
        let cases = [
            (
                "CISS_SUMMARY__RECENT_ARREST_DAYS",
                "invalid settings: summary.recent_arrest_days: cannot be negative, found -3",
            ),
            (
                "CISS_SUMMARY__RELEASE_DAYS",
                "invalid settings: summary.release_days: cannot be negative, found -3",
            ),
        ];
        for (variable, expected) in cases {
            let environment = config::Map::from([(variable.to_string(), "-3".to_string())]);
            let err = Settings::load_with_environment(None, environment).expect_err(variable);
            assert_eq!(err.to_string(), expected, "{variable}");
        }
    }

    #[tokio::test]
    async fn store_path_names_a_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::load(None).expect("default settings load");
        settings.store = format!("sqlite:{}", dir.path().display());
        let expected = format!(
            "cannot open store {}: the path is a directory, expected an sqlite database file",
            dir.path().display()
        );
        for mode in [OpenMode::Create, OpenMode::Existing] {
            let err = settings
                .open_store_with(mode)
                .await
                .err()
                .expect("an error");
            assert_eq!(err.to_string(), expected, "{mode:?}");
        }
    }

    #[tokio::test]
    async fn reading_commands_need_an_existing_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("typo").join("demo.db");
        let mut settings = Settings::load(None).expect("default settings load");
        settings.store = format!("sqlite:{}", path.display());
        let err = settings
            .open_store_with(OpenMode::Existing)
            .await
            .err()
            .expect("a missing store is an error");
        let expected = format!(
            "store not found: {} (run `ciss ingest` or `ciss demo` first)",
            path.display()
        );
        assert_eq!(err.to_string(), expected);
        assert!(!path.parent().expect("parent").exists(), "nothing created");
        settings
            .open_store_with(OpenMode::Create)
            .await
            .expect("writing commands create the store");
        assert!(path.is_file(), "the store was created");
        settings
            .open_store_with(OpenMode::Existing)
            .await
            .expect("an existing store opens");
    }
}
