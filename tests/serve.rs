//! The served application on a real loopback socket: requests get replies,
//! a wrong token gets a 401 that names the scheme, a client that never
//! finishes its headers is disconnected, a stop signal ends the accept
//! loop, and HTTP ingestion without a sources directory fails at start-up.

use std::sync::Arc;
use std::time::Duration;

use ciss::config::Settings;
use ciss::graph::cypher::Secret;
use ciss::graph::{GraphStore, SqliteStore};
use ciss::startup::Application;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Running {
    _dir: tempfile::TempDir,
    address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

const TOKEN: &str = "a-test-token-of-32-characters-xx";

/// Serves an empty store on a free loopback port with a short header
/// timeout and HTTP ingestion on.
async fn serve() -> Running {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn GraphStore> =
        Arc::new(SqliteStore::open(&dir.path().join("ciss.db")).expect("store"));
    let mut settings = Settings::load(None).expect("settings");
    settings.listen = "127.0.0.1:0".to_string();
    settings.ingest_token = Some(Secret::new(TOKEN));
    let app = Application::with_store(settings, store)
        .await
        .expect("application")
        .with_header_read_timeout(Duration::from_millis(300));
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        _dir: dir,
        address,
        stop,
        served,
    }
}

/// Sends `request` and reads until the server closes the connection.
async fn exchange(address: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply))
        .await
        .expect("the server closes the connection")
        .expect("read");
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_health_check_answers() {
    let running = serve().await;
    let reply = exchange(
        running.address,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"status\":\"ok\""), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_names_the_bearer_scheme() {
    let running = serve().await;
    let reply = exchange(
        running.address,
        "POST /ingest/dmv HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer wrong\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\nxx",
    )
    .await
    .to_lowercase();
    assert!(reply.starts_with("http/1.1 401"), "{reply}");
    assert!(
        reply.contains("www-authenticate: bearer realm=\"ciss ingest\""),
        "{reply}"
    );
    assert!(!reply.contains(TOKEN), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_headers_close_the_connection() {
    let running = serve().await;
    // The blank line that ends the headers never comes.
    let reply = exchange(
        running.address,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\n",
    )
    .await;
    assert!(!reply.contains("200 OK"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_signal_ends_serving() {
    let running = serve().await;
    running.stop.send(()).expect("server is running");
    let result = tokio::time::timeout(Duration::from_secs(10), running.served)
        .await
        .expect("serving ends")
        .expect("task joins");
    assert!(result.is_ok(), "{result:?}");
    assert!(TcpStream::connect(running.address).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingestion_without_sources_dir_fails_to_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn GraphStore> =
        Arc::new(SqliteStore::open(&dir.path().join("ciss.db")).expect("store"));
    let missing = dir.path().join("no-such-sources");
    let mut settings = Settings::load(None).expect("settings");
    settings.listen = "127.0.0.1:0".to_string();
    settings.ingest_token = Some(Secret::new(TOKEN));
    settings.sources_dir = missing.clone();
    let Err(err) = Application::with_store(settings, store).await else {
        panic!("the service starts without its source mappings");
    };
    let message = err.to_string();
    assert!(
        message.starts_with("sources directory not found: "),
        "{message}"
    );
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains("sources_dir"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_dir_is_not_needed_without_ingestion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn GraphStore> =
        Arc::new(SqliteStore::open(&dir.path().join("ciss.db")).expect("store"));
    let mut settings = Settings::load(None).expect("settings");
    settings.listen = "127.0.0.1:0".to_string();
    settings.ingest_token = None;
    settings.sources_dir = dir.path().join("no-such-sources");
    let started = Application::with_store(settings, store).await;
    assert!(started.is_ok(), "{:?}", started.err());
}
