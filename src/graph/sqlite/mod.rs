//! The embedded store: SQLite through rusqlite (bundled build) in WAL mode.
//!
//! One writer connection serializes writes; a small pool of reader connections
//! serves queries concurrently, which WAL allows. Every call runs on tokio's
//! blocking pool so a slow query never stalls the async runtime.

mod bulk_marker;
pub(super) mod facts;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::assoc::{self, RecordsAround};
use super::schema::{MigrateError, count_missing_indexes, drop_indexes, ensure_indexes, migrate};
use super::{
    AssocFilter, Batch, BatchOutcome, DecisionKind, EntityId, GraphStore, Mention, MentionId,
    MentionParty, NameQuery, NodeRef, PartyRef, QuarantineEntry, QuarantineStatus, QueuedPair,
    ReviewDecision, StoreCounts, StoreError, StoredRecord, Subgraph,
};
use crate::model::{CanonicalRecord, Role};
use crate::normalize::{IdKind, Plate};
use write::{KnownKeys, write_batch};

/// Reader connections kept open for reuse; more are opened on demand and closed after use.
const MAX_IDLE_READERS: usize = 8;

/// The SQLite store. Cloning is cheap and shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    // Fields drop in order, so the read-only connections close before the
    // writer. The last connection to close checkpoints the write-ahead log
    // into the database file and deletes it, and a read-only connection
    // cannot, so closing the writer last leaves a complete `ciss.db`.
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
    /// The running bulk load, if any. Locked only while holding `writer`.
    bulk: Mutex<Option<BulkLoad>>,
}

/// The state a bulk load keeps from [`GraphStore::begin_bulk_load`] to
/// [`GraphStore::end_bulk_load`].
struct BulkLoad {
    /// The keys of stored records, until another connection writes.
    keys: Option<KnownKeys>,
    /// Whether batches commit without flushing to disk.
    unflushed: bool,
    /// The shared lock on [`bulk_marker::path`], which makes stores opened
    /// meanwhile leave the dropped indexes to the load.
    _marker: std::fs::File,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens or creates the database at `path`, creating or checking its schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            location: path.display().to_string(),
            reason,
        };
        // SQLite reports a directory only as "unable to open database file".
        if path.is_dir() {
            return Err(open_error(
                "the path is a directory, expected an sqlite database file".into(),
            ));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| open_error(err.to_string()))?;
        }
        let mut writer = Connection::open(path)?;
        let mut prepare = || {
            configure(&writer).and_then(|()| {
                migrate(&mut writer).map_err(|err| match err {
                    MigrateError::Sqlite(err) => StoreError::Sqlite(err),
                    other => open_error(other.to_string()),
                })
            })
        };
        // Processes that open a new store at once can deadlock on its first
        // locks (switching to WAL needs an exclusive one). SQLite then fails
        // one of them as busy at once instead of waiting, so it tries again.
        let mut prepared = prepare();
        for _ in 0..OPEN_BUSY_RETRIES {
            match &prepared {
                Err(StoreError::Sqlite(err))
                    if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    prepared = prepare();
                }
                _ => break,
            }
        }
        // The first statements read the file, so they are where a file that
        // is not a SQLite database shows.
        prepared.map_err(|err| match err {
            StoreError::Sqlite(err)
                if err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
            {
                open_error("the file is not a sqlite database".into())
            }
            other => other,
        })?;
        // The exclusive lock is held while building, so no bulk load starts
        // dropping indexes meanwhile.
        let exclusive = bulk_marker::try_exclusive(path);
        let load_running = match &exclusive {
            Ok(lock) => lock.is_none(),
            Err(err) => {
                tracing::warn!(
                    error = %err,
                    file = %bulk_marker::path(path).display(),
                    "cannot lock the bulk load marker; treating missing indexes as left by an interrupted load"
                );
                false
            }
        };
        if load_running {
            tracing::info!("a bulk load is running; it builds the missing indexes when it ends");
        } else {
            let rebuilt = build_missing_indexes(&writer)?;
            if rebuilt > 0 {
                tracing::warn!(
                    indexes = rebuilt,
                    "rebuilt indexes that an interrupted bulk load left missing"
                );
            }
        }
        drop(exclusive);
        let inner = Inner {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            bulk: Mutex::new(None),
        };
        Ok(SqliteStore {
            inner: Arc::new(inner),
        })
    }

    /// Returns the database path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = inner
                .writer
                .lock()
                .map_err(|_| StoreError::Task("writer lock poisoned".into()))?;
            work(&mut conn)
        })
        .await
    }

    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let conn = inner.checkout_reader()?;
            let result = work(&conn);
            inner.return_reader(conn);
            result
        })
        .await
    }
}

impl Inner {
    fn checkout_reader(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = self.readers.lock().ok().and_then(|mut pool| pool.pop()) {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(conn)
    }

    /// Locks the running bulk load's state; the caller holds the writer lock.
    fn bulk(&self) -> Result<std::sync::MutexGuard<'_, Option<BulkLoad>>, StoreError> {
        self.bulk
            .lock()
            .map_err(|_| StoreError::Task("bulk load lock poisoned".into()))
    }

    fn return_reader(&self, conn: Connection) {
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < MAX_IDLE_READERS
        {
            pool.push(conn);
        }
    }
}

async fn run_blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| StoreError::Task(err.to_string()))?
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL lets readers run while a batch commits. synchronous=FULL makes each
    // committed batch survive power loss, not only a process crash; with
    // thousands of records per transaction the extra fsync is negligible.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384;",
    )?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    Ok(())
}

/// Returns whether the store contains no batch (and so no record or
/// quarantine entry) and no review decision.
fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM batches) AND NOT EXISTS (SELECT 1 FROM review_decisions)",
        [],
        |row| row.get(0),
    )?)
}

/// Flushes the database file at `path` to disk, with everything that
/// commits without flushing wrote to it.
fn flush_to_disk(path: &Path) -> Result<(), StoreError> {
    let flush_error = |err: std::io::Error| StoreError::Flush {
        location: path.display().to_string(),
        reason: err.to_string(),
    };
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(flush_error)
}

/// The number of retries, 20 ms apart, when opening a store fails as busy
/// without waiting.
const OPEN_BUSY_RETRIES: usize = 50;

/// The writer's page cache: 256 MiB, given in KiB as `cache_size` takes a
/// negative number.
const CACHE_KIB: i64 = -262_144;

/// The sorter's memory while indexes are built: 16 MiB, in KiB.
const INDEX_BUILD_CACHE_KIB: i64 = -16_384;

/// Builds every missing secondary index. Each is built by sorting its
/// entries. SQLite sorts in helper threads only the runs it writes to
/// temporary files when its memory (the page cache size) is full, so a small
/// cache and file-backed temporary storage during the build let it use the
/// free cores. On one million generated people this cut the index builds
/// from 16 s to 9 s (2-core machine, measured with the SQLite shell).
fn build_missing_indexes(conn: &Connection) -> Result<usize, StoreError> {
    conn.pragma_update(None, "threads", 4)?;
    conn.pragma_update(None, "cache_size", INDEX_BUILD_CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    let built = ensure_indexes(conn);
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    conn.pragma_update(None, "threads", 0)?;
    Ok(built?)
}

#[async_trait]
impl GraphStore for SqliteStore {
    async fn apply_batch(&self, batch: Arc<Batch>) -> Result<BatchOutcome, StoreError> {
        let inner = Arc::clone(&self.inner);
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut bulk = inner.bulk()?;
            if let Some(load) = bulk.as_mut()
                && let Some(known) = &load.keys
                && !known.is_current(&tx)?
            {
                tracing::warn!("bulk load: another connection wrote to the store; looking up every record from now on");
                load.keys = None;
            }
            let keys = bulk.as_mut().and_then(|load| load.keys.as_mut());
            let outcome = write_batch(&tx, &batch, keys)?;
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn begin_bulk_load(&self) -> Result<(), StoreError> {
        let inner = Arc::clone(&self.inner);
        self.write(move |conn| {
            let marker = bulk_marker::hold_shared(&inner.path).map_err(|err| StoreError::Open {
                location: bulk_marker::path(&inner.path).display().to_string(),
                reason: format!("cannot lock: {err}"),
            })?;
            drop_indexes(conn)?;
            // `write_batch` points each row it inserts at the batch, record
            // or mention row it inserted just before, in the same
            // transaction. So the foreign-key checks (one parent lookup per
            // row) cannot fail, and the load skips them.
            conn.pragma_update(None, "foreign_keys", false)?;
            // A rollback journal writes appended pages once, where WAL writes
            // them to the log and again at each checkpoint. Each batch stays
            // atomic. The switch needs the only open connection, so with
            // other readers open the load simply stays in WAL mode.
            let mode = conn
                .query_row("PRAGMA journal_mode = TRUNCATE", [], |row| {
                    row.get::<_, String>(0)
                })
                .unwrap_or_else(|err| {
                    tracing::warn!(error = %err, "bulk load: staying in WAL mode");
                    "wal".to_string()
                });
            tracing::info!(journal = %mode, "bulk load: secondary indexes dropped");
            // Read after the journal switch, which changes `data_version`
            // as though another connection had committed.
            let keys = KnownKeys::load(conn)?;
            tracing::info!(records = keys.len(), "bulk load: stored record keys read");
            let unflushed = is_empty(conn)?;
            if unflushed {
                // Into an empty store, batches commit without waiting for
                // the disk (five flushes per batch took about a tenth of a
                // million-person load). A killed process still leaves each
                // batch whole, because the operating system keeps what was
                // written. A power failure or system crash during the load
                // can damage the store, but it contained nothing before, so
                // the load is simply run again. `end_bulk_load` flushes the file.
                conn.pragma_update(None, "synchronous", "OFF")?;
                tracing::info!("bulk load: empty store, batches are flushed to disk at the end");
            }
            *inner.bulk()? = Some(BulkLoad {
                keys: Some(keys),
                unflushed,
                _marker: marker,
            });
            Ok(())
        })
        .await
    }

    async fn end_bulk_load(&self) -> Result<(), StoreError> {
        let inner = Arc::clone(&self.inner);
        self.write(move |conn| {
            let load = inner.bulk()?.take();
            let started = std::time::Instant::now();
            if load.as_ref().is_some_and(|load| load.unflushed) {
                conn.pragma_update(None, "synchronous", "FULL")?;
                flush_to_disk(&inner.path)?;
            }
            let built = build_missing_indexes(conn)?;
            // Stores opened from now on may build missing indexes again.
            drop(load);
            conn.pragma_update(None, "foreign_keys", true)?;
            let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            tracing::info!(
                indexes = built,
                duration_ms = started.elapsed().as_millis() as u64,
                "bulk load: secondary indexes built"
            );
            Ok(())
        })
        .await
    }

    async fn mentions(&self) -> Result<Vec<Mention>, StoreError> {
        self.read(load_mentions).await
    }

    async fn assign_entities(
        &self,
        assignment: &[(MentionId, EntityId)],
    ) -> Result<(), StoreError> {
        let assignment = assignment.to_vec();
        self.write(move |conn| {
            // Immediate, so the write lock is awaited at the start: a deferred
            // transaction that has read fails at once as busy if another
            // connection committed since.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut update = tx.prepare_cached(
                    "UPDATE mentions SET entity = ?2 WHERE id = ?1 AND entity IS NOT ?2",
                )?;
                for (mention, entity) in &assignment {
                    update.execute(params![mention, entity])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn registrations_by_plate(&self, plate: &Plate) -> Result<Vec<StoredRecord>, StoreError> {
        let plate = plate.clone();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT r.id FROM vehicles v JOIN records r ON r.id = v.record \
                 WHERE v.plate_number = ?1 AND v.plate_state = ?2 AND r.current = 1 \
                 AND r.kind = 'vehicle_registration' ORDER BY r.date DESC, r.id DESC",
            )?;
            let ids = stmt.query_map(params![plate.number, plate.state], |row| row.get(0))?;
            let ids: Vec<i64> = ids.collect::<Result<_, _>>()?;
            ids.into_iter().map(|id| load_record(conn, id)).collect()
        })
        .await
    }

    async fn records_of_entity(&self, entity: EntityId) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT r.id FROM mentions m JOIN records r ON r.id = m.record \
                 WHERE m.entity = ?1 AND r.current = 1 ORDER BY r.date DESC, r.id",
            )?;
            let ids: Vec<i64> = stmt
                .query_map([entity], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            ids.into_iter().map(|id| load_record(conn, id)).collect()
        })
        .await
    }

    async fn entity_exists(&self, entity: EntityId) -> Result<bool, StoreError> {
        self.read(move |conn| {
            let found = conn
                .query_row(
                    "SELECT 1 FROM mentions m JOIN records r ON r.id = m.record \
                     WHERE m.entity = ?1 AND r.current = 1 LIMIT 1",
                    [entity],
                    |_| Ok(()),
                )
                .optional()?;
            Ok(found.is_some())
        })
        .await
    }

    async fn search_by_name(
        &self,
        query: &NameQuery,
        limit: usize,
    ) -> Result<Vec<EntityId>, StoreError> {
        let query = query.clone();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT entity FROM ( \
                 SELECT entity FROM mentions WHERE surname = ?1 AND (?2 IS NULL OR given = ?2) \
                 AND (?3 IS NULL OR dob = ?3) AND entity IS NOT NULL \
                 UNION ALL \
                 SELECT m.entity FROM name_keys k JOIN mentions m ON m.id = k.mention \
                 WHERE k.surname_part = ?1 AND (?2 IS NULL OR k.given = ?2) AND (?3 IS NULL OR k.dob = ?3) \
                 AND m.entity IS NOT NULL) ORDER BY entity LIMIT ?4",
            )?;
            let dob = query.dob.map(|d| d.to_string());
            let rows = stmt.query_map(params![query.surname, query.given, dob, limit as i64], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn search_by_identifier(
        &self,
        kind: IdKind,
        value: &str,
    ) -> Result<Vec<EntityId>, StoreError> {
        let value = value.to_string();
        self.read(move |conn| {
            // The column name comes from a closed enum, never from input.
            let sql = format!(
                "SELECT DISTINCT entity FROM mentions WHERE {} = ?1 AND entity IS NOT NULL ORDER BY entity",
                kind.name()
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([value], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn quarantine(
        &self,
        source: Option<&str>,
        include_replayed: bool,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        let source = source.map(str::to_string);
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, source, file, line, record_id, field, reason, raw, replayed_batch, \
                 resolved_batch FROM quarantine \
                 WHERE (?1 IS NULL OR source = ?1) \
                 AND (?2 OR (replayed_batch IS NULL AND resolved_batch IS NULL)) ORDER BY id",
            )?;
            let rows = stmt.query_map(params![source, include_replayed], |row| {
                Ok(QuarantineEntry {
                    id: Some(row.get(0)?),
                    source: row.get(1)?,
                    file: row.get(2)?,
                    line: row.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                    record_id: row.get(4)?,
                    field: row.get(5)?,
                    reason: row.get(6)?,
                    raw: row.get(7)?,
                    status: QuarantineStatus::from_batches(row.get(8)?, row.get(9)?),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn counts(&self) -> Result<StoreCounts, StoreError> {
        self.read(|conn| {
            let count = |sql: &str| -> Result<u64, StoreError> {
                Ok(conn.query_row(sql, [], |row| row.get::<_, i64>(0))? as u64)
            };
            Ok(StoreCounts {
                records: count("SELECT COUNT(*) FROM records")?,
                current_records: count("SELECT COUNT(*) FROM records WHERE current = 1")?,
                mentions: count("SELECT COUNT(*) FROM mentions")?,
                entities: count("SELECT COUNT(DISTINCT entity) FROM mentions WHERE entity IS NOT NULL")?,
                vehicles: count("SELECT COUNT(DISTINCT COALESCE(vin, plate_state || ' ' || plate_number)) FROM vehicles")?,
                batches: count("SELECT COUNT(*) FROM batches")?,
                quarantined: count(
                    "SELECT COUNT(*) FROM quarantine WHERE replayed_batch IS NULL AND resolved_batch IS NULL",
                )?,
            })
        })
        .await
    }

    async fn count_unresolved_mentions(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            // The entity index contains resolved mentions only, so count those
            // through it and subtract, rather than scan the table.
            let sql = "SELECT (SELECT COUNT(*) FROM mentions) \
                       - (SELECT COUNT(*) FROM mentions WHERE entity IS NOT NULL)";
            Ok(conn.query_row(sql, [], |row| row.get::<_, i64>(0))? as u64)
        })
        .await
    }

    async fn count_missing_indexes(&self) -> Result<u64, StoreError> {
        self.read(|conn| Ok(count_missing_indexes(conn)?)).await
    }

    async fn neighbourhood(
        &self,
        entity: EntityId,
        depth: u8,
        filter: &AssocFilter,
    ) -> Result<Subgraph, StoreError> {
        assoc::neighbourhood(self, entity, depth, filter).await
    }

    async fn path(
        &self,
        from: EntityId,
        to: EntityId,
        max_depth: u8,
    ) -> Result<Option<Subgraph>, StoreError> {
        assoc::path(self, from, to, max_depth).await
    }

    async fn timeline(&self, entity: EntityId) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT r.id, COALESCE(r.date, '9999-99-99') AS day, r.source, r.record_id \
                 FROM mentions m JOIN records r ON r.id = m.record \
                 WHERE m.entity = ?1 AND r.current = 1 ORDER BY day, r.source, r.record_id",
            )?;
            let ids: Vec<i64> = stmt
                .query_map([entity], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            ids.into_iter().map(|id| load_record(conn, id)).collect()
        })
        .await
    }
    async fn current_record(
        &self,
        source: &str,
        record_id: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let (source, record_id) = (source.to_string(), record_id.to_string());
        self.read(move |conn| {
            let id: Option<i64> = conn
                .prepare_cached(
                    "SELECT id FROM records WHERE source = ?1 AND record_id = ?2 AND current = 1",
                )?
                .query_row(params![source, record_id], |row| row.get(0))
                .optional()?;
            id.map(|id| load_record(conn, id)).transpose()
        })
        .await
    }

    fn packs_texts(&self) -> bool {
        true
    }

    async fn source_text(
        &self,
        source: &str,
        record_id: &str,
        version: u32,
    ) -> Result<Option<String>, StoreError> {
        let (source, record_id) = (source.to_string(), record_id.to_string());
        self.read(move |conn| write::source_text(conn, &source, &record_id, version))
            .await
    }

    async fn mention_parties(&self) -> Result<Vec<MentionParty>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT m.id, m.idx, r.current, r.version FROM mentions m JOIN records r ON r.id = m.record ORDER BY m.id",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok(MentionParty {
                    mention: row.get(0)?,
                    party: row.get::<_, u32>(1)? + 1,
                    current: row.get(2)?,
                    version: row.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn mentions_after(
        &self,
        after: MentionId,
    ) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
        self.read(move |conn| load_mentions_after(conn, after))
            .await
    }

    async fn record_mentions(
        &self,
        records: &[(String, String)],
    ) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
        let records = records.to_vec();
        self.read(move |conn| load_record_mentions(conn, &records))
            .await
    }

    async fn mention_refs(
        &self,
        ids: &[MentionId],
    ) -> Result<Vec<(MentionId, PartyRef, bool)>, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT r.source, r.record_id, m.idx, r.current FROM mentions m \
                 JOIN records r ON r.id = m.record WHERE m.id = ?1",
            )?;
            let mut refs = Vec::with_capacity(ids.len());
            for id in ids {
                let row = stmt
                    .query_row([id], |row| {
                        let party: u32 = row.get(2)?;
                        let reference = PartyRef::new(
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            party + 1,
                        );
                        Ok((id, reference, row.get::<_, bool>(3)?))
                    })
                    .optional()?;
                refs.extend(row);
            }
            Ok(refs)
        })
        .await
    }

    async fn refresh_review_queue(&self, pairs: &[QueuedPair]) -> Result<(), StoreError> {
        let pairs = pairs.to_vec();
        self.write(move |conn| {
            // Immediate, so the write lock is awaited at the start: a deferred
            // transaction that has read fails at once as busy if another
            // connection committed since.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS review_fresh AS SELECT * FROM review_queue WHERE 0; \
                 DELETE FROM review_fresh;",
            )?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR REPLACE INTO temp.review_fresh VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for p in &pairs {
                    insert.execute(params![
                        p.a.source,
                        p.a.record_id,
                        p.a.party,
                        p.b.source,
                        p.b.record_id,
                        p.b.party,
                        p.probability,
                        p.queued_at.to_rfc3339()
                    ])?;
                }
            }
            tx.execute_batch(
                "DELETE FROM review_queue WHERE NOT EXISTS (SELECT 1 FROM temp.review_fresh f \
                   WHERE f.a_source = review_queue.a_source AND f.a_record = review_queue.a_record \
                   AND f.a_party = review_queue.a_party AND f.b_source = review_queue.b_source \
                   AND f.b_record = review_queue.b_record AND f.b_party = review_queue.b_party); \
                 INSERT INTO review_queue SELECT * FROM temp.review_fresh WHERE true \
                   ON CONFLICT (a_source, a_record, a_party, b_source, b_record, b_party) \
                   DO UPDATE SET probability = excluded.probability; \
                 DELETE FROM temp.review_fresh;",
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn review_queue(&self) -> Result<Vec<QueuedPair>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a_source, a_record, a_party, b_source, b_record, b_party, probability, queued_at \
                 FROM review_queue ORDER BY probability DESC, a_source, a_record, a_party, b_source, b_record, b_party",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    PartyRef::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get(2)?),
                    PartyRef::new(row.get::<_, String>(3)?, row.get::<_, String>(4)?, row.get(5)?),
                    row.get::<_, f64>(6)?,
                    row.get::<_, String>(7)?,
                ))
            })?;
            let mut queue = Vec::new();
            for row in rows {
                let (a, b, probability, queued_at) = row?;
                queue.push(QueuedPair {
                    a,
                    b,
                    probability,
                    queued_at: parse_time(&queued_at)?,
                });
            }
            Ok(queue)
        })
        .await
    }

    async fn record_decision(&self, decision: &ReviewDecision) -> Result<i64, StoreError> {
        let decision = decision.clone();
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO review_decisions (kind, records, pairs, who, reason, decided_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                decision.kind.as_str(),
                decision
                    .records_json()
                    .map_err(|err| StoreError::InvalidArgument(err.to_string()))?,
                to_json(&decision.pairs)?,
                decision.who,
                decision.why,
                decision.decided_at.to_rfc3339()
            ])?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    async fn mark_decisions_applied(&self, through: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.prepare_cached(
                "UPDATE resolution_state SET decisions_applied = ?1 \
                 WHERE id = 1 AND decisions_applied < ?1",
            )?
            .execute([through])?;
            Ok(())
        })
        .await
    }

    async fn count_unapplied_decisions(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            let sql = "SELECT COUNT(*) FROM review_decisions \
                       WHERE id > (SELECT decisions_applied FROM resolution_state WHERE id = 1)";
            Ok(conn.query_row(sql, [], |row| row.get::<_, i64>(0))? as u64)
        })
        .await
    }

    async fn save_model(&self, json: &str) -> Result<(), StoreError> {
        let json = json.to_string();
        self.write(move |conn| {
            conn.prepare_cached("UPDATE resolution_state SET model = ?1 WHERE id = 1")?
                .execute([json])?;
            Ok(())
        })
        .await
    }

    async fn saved_model(&self) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            let sql = "SELECT model FROM resolution_state WHERE id = 1";
            Ok(conn.query_row(sql, [], |row| row.get::<_, Option<String>>(0))?)
        })
        .await
    }

    async fn decisions(&self) -> Result<Vec<ReviewDecision>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, kind, records, pairs, who, reason, decided_at FROM review_decisions ORDER BY id",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })?;
            let mut decisions = Vec::new();
            for row in rows {
                let (id, kind, records, pairs, who, why, decided_at) = row?;
                let corrupt = |reason: String| StoreError::Corrupt { id, reason };
                let (records, versions) = ReviewDecision::parse_records_json(&records)
                    .map_err(|e| corrupt(e.to_string()))?;
                decisions.push(ReviewDecision {
                    id,
                    kind: DecisionKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("unknown decision kind {kind:?}")))?,
                    records,
                    versions,
                    pairs: serde_json::from_str(&pairs).map_err(|e| corrupt(e.to_string()))?,
                    who,
                    why,
                    decided_at: parse_time(&decided_at)?,
                });
            }
            Ok(decisions)
        })
        .await
    }
}

/// Serializes a decision's references as JSON.
fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|err| StoreError::InvalidArgument(err.to_string()))
}

/// Parses a stored RFC 3339 time.
pub(super) fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|err| StoreError::Corrupt {
            id: 0,
            reason: format!("stored time {text:?}: {err}"),
        })
}

/// Order shared by every association lookup: newest first, then by source and record id.
const AROUND_ORDER: &str = "ORDER BY COALESCE(r.date, '') DESC, r.source, r.record_id LIMIT ?2";

#[async_trait]
impl RecordsAround for SqliteStore {
    async fn records_around(
        &self,
        nodes: &[NodeRef],
        limit: usize,
    ) -> Result<Vec<(NodeRef, StoredRecord)>, StoreError> {
        let nodes = nodes.to_vec();
        self.read(move |conn| {
            let mut found = Vec::new();
            for node in nodes {
                for id in record_ids_around(conn, &node, limit as i64 + 1)? {
                    found.push((node.clone(), load_record(conn, id)?));
                }
            }
            Ok(found)
        })
        .await
    }
}

/// Returns the row ids of current records touching `node`, through the index
/// on mentions' entity, vehicles' VIN or plate, address keys or record keys.
fn record_ids_around(
    conn: &Connection,
    node: &NodeRef,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let collect = |sql: &str, key: &dyn rusqlite::ToSql| -> Result<Vec<i64>, StoreError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![key, limit], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    match node {
        NodeRef::Person(entity) => collect(
            &format!(
                "SELECT DISTINCT r.id, r.date, r.source, r.record_id FROM mentions m JOIN records r ON r.id = m.record \
                      WHERE m.entity = ?1 AND r.current = 1 {AROUND_ORDER}"
            ),
            entity,
        ),
        NodeRef::Address(key) => collect(
            &format!(
                "SELECT DISTINCT r.id, r.date, r.source, r.record_id FROM mentions m \
                      JOIN records r ON r.id = m.record \
                      WHERE m.address_key = ?1 AND r.current = 1 {AROUND_ORDER}"
            ),
            key,
        ),
        NodeRef::Vehicle(key) => match key.split_once(' ') {
            Some((state, number)) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT DISTINCT r.id, r.date, r.source, r.record_id FROM vehicles v JOIN records r ON r.id = v.record \
                     WHERE v.plate_number = ?1 AND v.plate_state = ?3 AND v.vin IS NULL AND r.current = 1 \
                     AND r.kind = 'vehicle_registration' {AROUND_ORDER}"
                ))?;
                let rows = stmt.query_map(params![number, limit, state], |row| row.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
            None => collect(
                &format!(
                    "SELECT DISTINCT r.id, r.date, r.source, r.record_id FROM vehicles v JOIN records r ON r.id = v.record \
                          WHERE v.vin = ?1 AND r.current = 1 AND r.kind = 'vehicle_registration' {AROUND_ORDER}"
                ),
                key,
            ),
        },
        NodeRef::Record(node) => {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM records WHERE source = ?1 AND record_id = ?2 AND version = ?3 AND current = 1",
            )?;
            let key = &node.key;
            let rows = stmt.query_map(params![key.source, key.record_id, key.version], |row| {
                row.get(0)
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        }
    }
}

/// The columns of a `records` row that the canonical record needs.
struct RecordColumns {
    source: String,
    record_id: String,
    version: u32,
    kind: String,
    date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
}

impl RecordColumns {
    /// Combines the columns with the stored body into a record without parties.
    fn into_record(self, body: StoredBody) -> Result<CanonicalRecord, String> {
        let date = |text: Option<String>| -> Result<Option<chrono::NaiveDate>, String> {
            text.map(|t| {
                t.parse()
                    .map_err(|err| format!("invalid date {t:?}: {err}"))
            })
            .transpose()
        };
        let kind = crate::model::RecordKind::parse(&self.kind)
            .ok_or_else(|| format!("unknown record kind {:?}", self.kind))?;
        let status = match self.status {
            Some(text) => Some(
                crate::model::Status::parse(&text)
                    .ok_or_else(|| format!("unknown status {text:?}"))?,
            ),
            None => None,
        };
        Ok(CanonicalRecord {
            key: crate::model::RecordKey {
                source: self.source,
                record_id: self.record_id,
                version: self.version,
            },
            kind,
            date: date(self.date)?,
            end_date: date(self.end_date)?,
            status,
            case_number: body.case_number,
            description: body.description,
            town: body.town,
            parties: Vec::new(),
            vehicles: body.vehicles,
            properties: body.properties,
        })
    }
}

/// A record body as `write` stores it, read back.
#[derive(serde::Deserialize)]
struct StoredBody {
    #[serde(default)]
    case_number: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    town: Option<String>,
    #[serde(default)]
    vehicles: Vec<crate::model::VehicleFacts>,
    #[serde(default)]
    properties: Vec<crate::model::PropertyFacts>,
}

fn load_record(conn: &Connection, id: i64) -> Result<StoredRecord, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { id, reason };
    let (columns, body, current, agency) = conn
        .prepare_cached(
            "SELECT r.source, r.record_id, r.version, r.kind, r.date, r.end_date, r.status, \
             r.body, r.current, s.agency FROM records r JOIN sources s ON s.name = r.source WHERE r.id = ?1",
        )?
        .query_row([id], |row| {
            let columns = RecordColumns {
                source: row.get(0)?,
                record_id: row.get(1)?,
                version: row.get(2)?,
                kind: row.get(3)?,
                date: row.get(4)?,
                end_date: row.get(5)?,
                status: row.get(6)?,
            };
            Ok((columns, row.get::<_, String>(7)?, row.get(8)?, row.get(9)?))
        })?;
    let body: StoredBody = serde_json::from_str(&body).map_err(|err| corrupt(err.to_string()))?;
    let mut record = columns.into_record(body).map_err(corrupt)?;
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT m.role, m.person, m.entity, ",
        facts::columns!(),
        " FROM mentions m WHERE m.record = ?1 ORDER BY m.idx"
    ))?;
    let rows = stmt.query_map([id], |row| {
        let json = row.get_ref(1)?.as_str()?;
        Ok((
            row.get::<_, String>(0)?,
            facts::decode(json, row, 3)?,
            row.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut party_entities = Vec::new();
    for row in rows {
        let (role, person, entity) = row?;
        let role = Role::parse(&role).ok_or_else(|| corrupt(format!("unknown role {role:?}")))?;
        let person = person.map_err(corrupt)?;
        record.parties.push(crate::model::Party { role, person });
        party_entities.push(entity);
    }
    Ok(StoredRecord {
        agency,
        current,
        record,
        party_entities,
    })
}

fn load_mentions(conn: &Connection) -> Result<Vec<Mention>, StoreError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT m.id, r.source, r.record_id, m.role, m.person, ",
        facts::columns!(),
        ", m.record FROM mentions m JOIN records r ON r.id = m.record ORDER BY m.id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut mentions = Vec::new();
    while let Some(row) = rows.next()? {
        mentions.push(mention_row(row)?);
    }
    Ok(mentions)
}

/// Reads the mentions with ids above `after`, with party position and currency.
fn load_mentions_after(
    conn: &Connection,
    after: MentionId,
) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT m.id, r.source, r.record_id, m.role, m.person, ",
        facts::columns!(),
        ", m.record, m.idx, r.current, r.version FROM mentions m JOIN records r ON r.id = m.record \
         WHERE m.id > ?1 ORDER BY m.id"
    ))?;
    let mut rows = stmt.query([after])?;
    let mut mentions = Vec::new();
    while let Some(row) = rows.next()? {
        mentions.push(mention_party_row(row)?);
    }
    Ok(mentions)
}

/// Reads the mentions of every version of the named records, with party
/// position and currency, in id order.
fn load_record_mentions(
    conn: &Connection,
    records: &[(String, String)],
) -> Result<Vec<(Mention, MentionParty)>, StoreError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT m.id, r.source, r.record_id, m.role, m.person, ",
        facts::columns!(),
        ", m.record, m.idx, r.current, r.version FROM records r JOIN mentions m ON m.record = r.id \
         WHERE r.source = ?1 AND r.record_id = ?2"
    ))?;
    let mut mentions = Vec::new();
    for (source, record_id) in records {
        let mut rows = stmt.query(params![source, record_id])?;
        while let Some(row) = rows.next()? {
            mentions.push(mention_party_row(row)?);
        }
    }
    mentions.sort_by_key(|(mention, _)| mention.id);
    mentions.dedup_by_key(|(mention, _)| mention.id);
    Ok(mentions)
}

/// Decodes a row of [`mention_row`]'s columns followed by the party's
/// index, the record version's currency and its version number.
fn mention_party_row(row: &rusqlite::Row<'_>) -> Result<(Mention, MentionParty), StoreError> {
    let mention = mention_row(row)?;
    let party = MentionParty {
        mention: mention.id,
        party: row.get::<_, u32>(MENTION_COLUMNS)? + 1,
        current: row.get(MENTION_COLUMNS + 1)?,
        version: row.get(MENTION_COLUMNS + 2)?,
    };
    Ok((mention, party))
}

/// The number of columns [`mention_row`] reads.
const MENTION_COLUMNS: usize = 14;

/// Decodes a row whose first columns are id, source, record id, role, the
/// person facts as JSON, the columns of [`facts::columns!`] and the record
/// version's row id.
fn mention_row(row: &rusqlite::Row<'_>) -> Result<Mention, StoreError> {
    let id: i64 = row.get(0)?;
    let role: String = row.get(3)?;
    let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
        id,
        reason: format!("unknown role {role:?}"),
    })?;
    let json = row.get_ref(4)?.as_str().map_err(rusqlite::Error::from)?;
    let person =
        facts::decode(json, row, 5)?.map_err(|reason| StoreError::Corrupt { id, reason })?;
    Ok(Mention {
        id,
        source: row.get(1)?,
        record_id: row.get(2)?,
        record: row.get(MENTION_COLUMNS - 1)?,
        role,
        person,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::IncomingRecord;
    use crate::model::{RecordKey, RecordKind};

    #[test]
    fn open_names_a_non_database_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("feed.csv");
        std::fs::write(&path, "REG_ID,OWNER\nR1,\"VOSS, ERIKA\"\n".repeat(200)).expect("file");
        let Err(err) = SqliteStore::open(&path) else {
            panic!("a csv file opened as a store");
        };
        assert_eq!(
            err.to_string(),
            format!(
                "cannot open store {}: the file is not a sqlite database",
                path.display()
            )
        );
    }

    #[test]
    fn stores_opened_at_once_create_one_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("new.db");
        let openers = 6;
        let barrier = Arc::new(std::sync::Barrier::new(openers));
        let threads: Vec<_> = (0..openers)
            .map(|_| {
                let (path, barrier) = (path.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    SqliteStore::open(&path).map(drop)
                })
            })
            .collect();
        for thread in threads {
            thread
                .join()
                .expect("opener thread")
                .expect("every process opening a new store succeeds");
        }
    }

    fn batch(record_id: &str) -> Arc<Batch> {
        let key = RecordKey {
            source: "rms".into(),
            record_id: record_id.into(),
            version: 1,
        };
        let record = CanonicalRecord::new(key, RecordKind::Arrest);
        let incoming = IncomingRecord::new(record, record_id.into(), None).expect("encodes");
        Arc::new(Batch {
            source: "rms".into(),
            records: vec![incoming],
            ..Batch::default()
        })
    }

    /// The switch to a rollback journal changes `data_version` too; taken
    /// for another connection's commit, it would turn the key set off.
    #[tokio::test]
    async fn bulk_load_keeps_its_key_set() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("ciss.db")).expect("opens");
        store.begin_bulk_load().await.expect("bulk load starts");
        for id in ["a", "b"] {
            store.apply_batch(batch(id)).await.expect("stored");
        }
        let held = store
            .inner
            .bulk()
            .expect("lock")
            .as_ref()
            .and_then(|load| load.keys.as_ref())
            .map(KnownKeys::len);
        assert_eq!(held, Some(2));
        store.end_bulk_load().await.expect("bulk load ends");
        assert!(store.inner.bulk().expect("lock").is_none());
    }

    /// Returns how many secondary indexes the store at `path` lacks.
    fn missing_indexes(path: &Path) -> u64 {
        let conn = Connection::open(path).expect("opens");
        count_missing_indexes(&conn).expect("counts")
    }

    /// Opens a store at `path` and starts a bulk load of one batch into it.
    async fn loading_store(path: &Path) -> SqliteStore {
        let loader = SqliteStore::open(path).expect("opens");
        loader.begin_bulk_load().await.expect("load starts");
        loader.apply_batch(batch("a")).await.expect("stored");
        loader
    }

    /// A store opened while another one bulk-loads the same file, as
    /// `ciss serve` started during `ciss ingest --bulk` would be, leaves the
    /// dropped indexes to the load instead of building them under it.
    #[tokio::test]
    async fn open_during_bulk_load_keeps_indexes_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ciss.db");
        let loader = loading_store(&path).await;
        let dropped = missing_indexes(&path);
        assert!(dropped > 0, "the load drops indexes");

        let other = SqliteStore::open(&path).expect("opens during the load");
        assert_eq!(missing_indexes(&path), dropped, "left to the running load");
        drop(other);

        loader.end_bulk_load().await.expect("load ends");
        assert_eq!(missing_indexes(&path), 0, "built at the end of the load");
    }

    /// A load that never ends, as in a killed process, releases its lock,
    /// and the next open builds the indexes it dropped.
    #[tokio::test]
    async fn open_after_killed_bulk_load_builds_indexes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ciss.db");
        let loader = loading_store(&path).await;
        drop(loader);
        assert!(missing_indexes(&path) > 0, "the load dropped indexes");

        let reopened = SqliteStore::open(&path).expect("reopens");
        assert_eq!(missing_indexes(&path), 0, "built on open");
        assert_eq!(reopened.counts().await.expect("counts").records, 1);
    }

    /// Returns the writer's `synchronous` setting: 0 is OFF, 2 is FULL.
    fn synchronous(store: &SqliteStore) -> i64 {
        let writer = store.inner.writer.lock().expect("writer lock");
        writer
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("pragma reads")
    }

    /// Only a load into an empty store skips the flush after each batch,
    /// and every load ends with the store flushed after each commit again.
    #[tokio::test]
    async fn empty_store_load_skips_flushes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("ciss.db")).expect("opens");
        assert_eq!(synchronous(&store), 2);

        store.begin_bulk_load().await.expect("first load starts");
        assert_eq!(synchronous(&store), 0, "empty store");
        store.apply_batch(batch("a")).await.expect("stored");
        store.end_bulk_load().await.expect("first load ends");
        assert_eq!(synchronous(&store), 2, "after the first load");

        store.begin_bulk_load().await.expect("second load starts");
        assert_eq!(synchronous(&store), 2, "store holding a record");
        store.apply_batch(batch("b")).await.expect("stored");
        store.end_bulk_load().await.expect("second load ends");
        assert_eq!(synchronous(&store), 2, "after the second load");
        assert_eq!(store.counts().await.expect("counts").records, 2);

        // A store whose only batch was rejected is not empty either.
        let rejected = SqliteStore::open(&dir.path().join("rejected.db")).expect("opens");
        let entry = QuarantineEntry {
            id: None,
            source: "rms".into(),
            file: None,
            line: Some(2),
            record_id: None,
            field: Some("ID".into()),
            reason: "ID: missing".into(),
            raw: "{}".into(),
            status: QuarantineStatus::Open,
        };
        let only_rejected = Batch {
            source: "rms".into(),
            quarantined: vec![entry],
            ..Batch::default()
        };
        rejected
            .apply_batch(Arc::new(only_rejected))
            .await
            .expect("stored");
        rejected.begin_bulk_load().await.expect("load starts");
        assert_eq!(synchronous(&rejected), 2, "store with a quarantine entry");
        rejected.end_bulk_load().await.expect("load ends");
    }

    /// Two stores on one file, as two processes would be: one stores
    /// batches while the other rewrites the review queue and assigns
    /// entities. A transaction that reads before it writes would fail at
    /// once as busy when the other store committed in between.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queue_and_entity_writes_wait_for_other_writers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ciss.db");
        let ingesting = SqliteStore::open(&path).expect("opens");
        let resolving = SqliteStore::open(&path).expect("opens again");
        let writer = tokio::spawn(async move {
            for n in 0..300 {
                ingesting
                    .apply_batch(batch(&format!("r{n}")))
                    .await
                    .expect("batch stored");
            }
        });
        for _ in 0..300 {
            resolving
                .refresh_review_queue(&[])
                .await
                .expect("review queue rewritten while another store writes");
            resolving
                .assign_entities(&[(1, 1)])
                .await
                .expect("entities assigned while another store writes");
        }
        writer.await.expect("writer task");
    }
}
