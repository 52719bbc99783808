//! SQLite schema, created or migrated at start-up through `PRAGMA user_version`.

use rusqlite::Connection;

/// Schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = 9;

const SCHEMA_V1: &str = r#"
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    agency TEXT NOT NULL
);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    file TEXT,
    committed_at TEXT NOT NULL,
    received INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    superseded INTEGER NOT NULL,
    stale INTEGER NOT NULL,
    quarantined INTEGER NOT NULL
);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    date TEXT,
    end_date TEXT,
    status TEXT,
    current INTEGER NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    line INTEGER,
    raw TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (source, record_id, version)
);
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    record INTEGER NOT NULL REFERENCES records(id),
    idx INTEGER NOT NULL,
    role TEXT NOT NULL,
    state_id TEXT,
    fbi TEXT,
    licence TEXT,
    inmate TEXT,
    sor_id TEXT,
    person TEXT NOT NULL,
    entity INTEGER
);
CREATE INDEX mentions_record ON mentions (record);
CREATE INDEX mentions_entity ON mentions (entity);
CREATE INDEX mentions_state_id ON mentions (state_id) WHERE state_id IS NOT NULL;
CREATE INDEX mentions_fbi ON mentions (fbi) WHERE fbi IS NOT NULL;
CREATE INDEX mentions_licence ON mentions (licence) WHERE licence IS NOT NULL;
CREATE INDEX mentions_inmate ON mentions (inmate) WHERE inmate IS NOT NULL;
CREATE INDEX mentions_sor_id ON mentions (sor_id) WHERE sor_id IS NOT NULL;
CREATE TABLE name_keys (
    surname_part TEXT NOT NULL,
    given TEXT NOT NULL,
    dob TEXT,
    mention INTEGER NOT NULL REFERENCES mentions(id)
);
CREATE INDEX name_keys_lookup ON name_keys (surname_part, given, dob);
CREATE TABLE vehicles (
    record INTEGER NOT NULL REFERENCES records(id),
    idx INTEGER NOT NULL,
    plate_state TEXT,
    plate_number TEXT,
    vin TEXT
);
CREATE INDEX vehicles_plate ON vehicles (plate_number, plate_state);
CREATE INDEX vehicles_vin ON vehicles (vin) WHERE vin IS NOT NULL;
CREATE INDEX vehicles_record ON vehicles (record);
CREATE TABLE properties (
    record INTEGER NOT NULL REFERENCES records(id),
    idx INTEGER NOT NULL,
    serial TEXT NOT NULL
);
CREATE INDEX properties_serial ON properties (serial);
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    file TEXT,
    line INTEGER,
    record_id TEXT,
    field TEXT,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    first_batch INTEGER NOT NULL,
    replayed_batch INTEGER,
    UNIQUE (source, raw)
);
"#;

/// Version 2: the address key of each mention, so association queries find
/// everyone recorded at an address through an index.
const SCHEMA_V2: &str = r#"
CREATE TABLE mention_addresses (
    mention INTEGER PRIMARY KEY REFERENCES mentions(id),
    key TEXT NOT NULL
);
CREATE INDEX mention_addresses_key ON mention_addresses (key);
"#;

/// Version 3: human review. `review_queue` holds the possible matches of the
/// last resolution, one row per pair of party references (the smaller first).
/// `review_decisions` is the append-only log of reviewers' decisions, with
/// who, when and why; `records` and `pairs` are JSON lists of references.
const SCHEMA_V3: &str = r#"
CREATE TABLE review_queue (
    a_source TEXT NOT NULL,
    a_record TEXT NOT NULL,
    a_party INTEGER NOT NULL,
    b_source TEXT NOT NULL,
    b_record TEXT NOT NULL,
    b_party INTEGER NOT NULL,
    probability REAL NOT NULL,
    queued_at TEXT NOT NULL,
    PRIMARY KEY (a_source, a_record, a_party, b_source, b_record, b_party)
);
CREATE TABLE review_decisions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    records TEXT NOT NULL,
    pairs TEXT NOT NULL,
    who TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
"#;

/// Version 4: a quarantine entry keeps the version of its record, when it
/// could be read, and `resolved_batch`, the batch that stored an accepted copy
/// of the record with that version or a higher one. A resolved entry is kept
/// for audit but is no longer open.
const SCHEMA_V4: &str = r#"
ALTER TABLE quarantine ADD COLUMN version INTEGER;
ALTER TABLE quarantine ADD COLUMN resolved_batch INTEGER;
"#;

/// Version 5: a mention's address key is a column of the mention instead of
/// a row of its own, which saves the writer one row per mention. Keys move
/// over, then the version 2 table and its index go.
const SCHEMA_V5: &str = r#"
ALTER TABLE mentions ADD COLUMN address_key TEXT;
UPDATE mentions SET address_key = (SELECT a.key FROM mention_addresses a WHERE a.mention = mentions.id)
    WHERE id IN (SELECT mention FROM mention_addresses);
DROP TABLE mention_addresses;
CREATE INDEX mentions_address ON mentions (address_key) WHERE address_key IS NOT NULL;
"#;

/// Version 6: three changes that save the writer rows and B-tree entries.
/// The entity index contains only resolved mentions, so a mention stored
/// unresolved adds no entry to it. Queries always ask for one entity, which
/// implies it is not null. Vehicles are keyed by record and position
/// (`WITHOUT ROWID`), which replaces the index on their record. A mention's
/// name key (whole surname, given name, date of birth) moves into the
/// mention row, so `name_keys` keeps only the further parts of multi-part
/// surnames, one row per mention fewer. The whole surname is the longest of
/// a mention's name keys, because it contains each of its parts.
const SCHEMA_V6: &str = r#"
ALTER TABLE mentions ADD COLUMN surname TEXT;
ALTER TABLE mentions ADD COLUMN given TEXT;
ALTER TABLE mentions ADD COLUMN dob TEXT;
CREATE INDEX name_keys_mention_v6 ON name_keys (mention);
UPDATE mentions SET (surname, given, dob) = (
    SELECT k.surname_part, k.given, k.dob FROM name_keys k
    WHERE k.mention = mentions.id ORDER BY length(k.surname_part) DESC LIMIT 1
) WHERE id IN (SELECT mention FROM name_keys);
DELETE FROM name_keys
    WHERE surname_part = (SELECT m.surname FROM mentions m WHERE m.id = name_keys.mention);
DROP INDEX name_keys_mention_v6;
CREATE INDEX mentions_name ON mentions (surname, given, dob) WHERE surname IS NOT NULL;
DROP INDEX mentions_entity;
CREATE INDEX mentions_entity ON mentions (entity) WHERE entity IS NOT NULL;
CREATE TABLE vehicles_v6 (
    record INTEGER NOT NULL REFERENCES records(id),
    idx INTEGER NOT NULL,
    plate_state TEXT,
    plate_number TEXT,
    vin TEXT,
    PRIMARY KEY (record, idx)
) WITHOUT ROWID;
INSERT INTO vehicles_v6 (record, idx, plate_state, plate_number, vin)
    SELECT record, idx, plate_state, plate_number, vin FROM vehicles;
DROP TABLE vehicles;
ALTER TABLE vehicles_v6 RENAME TO vehicles;
CREATE INDEX vehicles_plate ON vehicles (plate_number, plate_state);
CREATE INDEX vehicles_vin ON vehicles (vin) WHERE vin IS NOT NULL;
"#;

/// Version 7: the raw texts of a batch's records are kept once per batch,
/// packed and compressed ([`crate::graph::texts`]), and a record row written
/// from then on keeps the position of its text there in `text_index` and an
/// empty `raw`. Rows written before keep their text in `raw`.
const SCHEMA_V7: &str = r#"
CREATE TABLE batch_texts (
    batch INTEGER PRIMARY KEY REFERENCES batches(id),
    texts BLOB NOT NULL
);
ALTER TABLE records ADD COLUMN text_index INTEGER;
"#;

/// Version 8: `resolution_state` keeps the id of the last review decision
/// that a finished resolution applied. Decisions after it are stored but not
/// yet reflected in the entities, as when a process stops between storing a
/// decision and re-resolving. A store upgraded from an older version starts
/// at 0, so its decisions count as not applied until the next resolution.
const SCHEMA_V8: &str = r#"
CREATE TABLE resolution_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    decisions_applied INTEGER NOT NULL
);
INSERT INTO resolution_state (id, decisions_applied) VALUES (1, 0);
"#;

/// Version 9: `resolution_state` keeps the last trained resolution model as
/// JSON, so every process scores pairs with the model the entities came from.
const SCHEMA_V9: &str = r#"
ALTER TABLE resolution_state ADD COLUMN model TEXT;
"#;

/// The secondary indexes of the current schema, as name and indexed part.
/// A bulk load drops most of them and builds them again at its end, because
/// one sort per index is far cheaper than keeping an index with keys in random
/// order up to date row by row.
/// The unique indexes that detect re-sent records are not in this list.
pub(crate) const SECONDARY_INDEXES: &[(&str, &str)] = &[
    ("mentions_record", "mentions (record)"),
    (
        "mentions_entity",
        "mentions (entity) WHERE entity IS NOT NULL",
    ),
    (
        "mentions_state_id",
        "mentions (state_id) WHERE state_id IS NOT NULL",
    ),
    ("mentions_fbi", "mentions (fbi) WHERE fbi IS NOT NULL"),
    (
        "mentions_licence",
        "mentions (licence) WHERE licence IS NOT NULL",
    ),
    (
        "mentions_inmate",
        "mentions (inmate) WHERE inmate IS NOT NULL",
    ),
    (
        "mentions_sor_id",
        "mentions (sor_id) WHERE sor_id IS NOT NULL",
    ),
    ("name_keys_lookup", "name_keys (surname_part, given, dob)"),
    (
        "mentions_name",
        "mentions (surname, given, dob) WHERE surname IS NOT NULL",
    ),
    ("vehicles_plate", "vehicles (plate_number, plate_state)"),
    ("vehicles_vin", "vehicles (vin) WHERE vin IS NOT NULL"),
    ("properties_serial", "properties (serial)"),
    (
        "mentions_address",
        "mentions (address_key) WHERE address_key IS NOT NULL",
    ),
];

/// Returns whether the database has the index `name`.
fn index_exists(conn: &Connection, name: &str) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
        [name],
        |row| row.get(0),
    )
}

/// Counts the secondary indexes the database lacks, as during a bulk load or
/// after one that was interrupted.
pub(crate) fn count_missing_indexes(conn: &Connection) -> Result<u64, rusqlite::Error> {
    Ok(missing_indexes(conn)?.len() as u64)
}

/// Returns the name and target of each secondary index the database lacks.
fn missing_indexes(
    conn: &Connection,
) -> Result<Vec<(&'static str, &'static str)>, rusqlite::Error> {
    let mut missing = Vec::new();
    for (name, target) in SECONDARY_INDEXES {
        if !index_exists(conn, name)? {
            missing.push((*name, *target));
        }
    }
    Ok(missing)
}

/// Builds every missing secondary index, for example after a bulk load that
/// was interrupted. Returns how many were missing.
pub(crate) fn ensure_indexes(conn: &Connection) -> Result<usize, rusqlite::Error> {
    let missing = missing_indexes(conn)?;
    build_indexes(conn, &missing)?;
    Ok(missing.len())
}

/// Builds `indexes`. Another bulk load into the same store may have built
/// one of them since they were found missing, and that one is left as it is.
fn build_indexes(conn: &Connection, indexes: &[(&str, &str)]) -> Result<(), rusqlite::Error> {
    for (name, target) in indexes {
        conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {name} ON {target};"))?;
    }
    Ok(())
}

/// The secondary indexes a bulk load keeps. The keys of `mentions_record`
/// arrive in ascending order (the row id of the new record), so each new
/// entry lands on the same page and costs little, where a rebuild would scan
/// the whole table again. `mentions_entity` gains no entries, because a
/// mention is stored unresolved.
const KEPT_DURING_BULK_LOAD: &[&str] = &["mentions_record", "mentions_entity"];

/// Drops the secondary indexes a bulk load rebuilds at its end.
pub(crate) fn drop_indexes(conn: &Connection) -> Result<(), rusqlite::Error> {
    for (name, _) in SECONDARY_INDEXES {
        if !KEPT_DURING_BULK_LOAD.contains(name) {
            conn.execute_batch(&format!("DROP INDEX IF EXISTS {name};"))?;
        }
    }
    Ok(())
}

/// Creates the schema on a new database, upgrades an older one, or checks an
/// existing one is one this build reads. All steps run in one transaction.
/// Version 3 adds the review tables. Version 4 adds the quarantine version
/// and resolution columns: existing entries get no version, so any later
/// accepted copy of their record resolves them. Version 5 moves mention
/// address keys into the mentions table. Version 6 rebuilds the vehicles
/// table and the entity index and moves name keys into mentions. Version 7
/// keeps record texts packed per batch. Version 8 records which review
/// decisions resolution has applied.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let version = |conn: &Connection| -> Result<i64, rusqlite::Error> {
        conn.query_row("PRAGMA user_version", [], |row| row.get(0))
    };
    if version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    // Another process may be creating or upgrading the same database at
    // this moment, so the version is read again inside a write transaction,
    // which waits for that process to commit.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    match version(&tx)? {
        0 => tx.execute_batch(&format!(
            "{SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} {SCHEMA_V6} \
             {SCHEMA_V7} {SCHEMA_V8} {SCHEMA_V9} PRAGMA user_version = {SCHEMA_VERSION};"
        ))?,
        found @ 1..SCHEMA_VERSION => {
            if found < 2 {
                upgrade_to_v2(&tx)?;
            }
            let steps: [(i64, &str); 7] = [
                (3, SCHEMA_V3),
                (4, SCHEMA_V4),
                (5, SCHEMA_V5),
                (6, SCHEMA_V6),
                (7, SCHEMA_V7),
                (8, SCHEMA_V8),
                (9, SCHEMA_V9),
            ];
            for (to, sql) in steps {
                if found < to {
                    tx.execute_batch(&format!("{sql} PRAGMA user_version = {to};"))?;
                }
            }
        }
        SCHEMA_VERSION => {}
        newer => return Err(MigrateError::TooNew { found: newer }),
    }
    tx.commit()?;
    Ok(())
}

/// Adds `mention_addresses` and fills it from the stored mentions.
fn upgrade_to_v2(tx: &Connection) -> Result<(), MigrateError> {
    tx.execute_batch(SCHEMA_V2)?;
    let mut keys = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT id, person FROM mentions")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let mention: i64 = row.get(0)?;
            let person: String = row.get(1)?;
            let facts: crate::model::PersonFacts = serde_json::from_str(&person)
                .map_err(|err| MigrateError::Corrupt(format!("mention {mention}: {err}")))?;
            if let Some(address) = facts.address {
                keys.push((mention, address.key()));
            }
        }
    }
    {
        let mut insert =
            tx.prepare("INSERT INTO mention_addresses (mention, key) VALUES (?1, ?2)")?;
        for (mention, key) in &keys {
            insert.execute(rusqlite::params![mention, key])?;
        }
    }
    tx.execute_batch("PRAGMA user_version = 2;")?;
    Ok(())
}

/// Errors creating or checking the schema.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MigrateError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "database schema version {found} is newer than this build reads ({SCHEMA_VERSION}); upgrade ciss"
    )]
    TooNew { found: i64 },
    #[error("cannot upgrade the schema: stored {0}")]
    Corrupt(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version")
    }

    fn index_names(conn: &Connection) -> Vec<String> {
        rows(
            conn,
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            |row| row.get(0),
        )
    }

    /// Returns the names in [`SECONDARY_INDEXES`], sorted.
    fn listed_indexes() -> Vec<String> {
        let mut listed: Vec<String> = SECONDARY_INDEXES
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        listed.sort();
        listed
    }

    /// Runs `sql` and collects its rows through `read`.
    fn rows<T>(
        conn: &Connection,
        sql: &str,
        read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Vec<T> {
        let mut stmt = conn.prepare(sql).expect(sql);
        stmt.query_map([], read)
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn secondary_index_list_matches_schema() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("schema");
        assert_eq!(index_names(&conn), listed_indexes());
    }

    #[test]
    fn dropped_indexes_are_built_again() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("schema");
        let before = index_names(&conn);
        drop_indexes(&conn).expect("drop");
        let mut kept: Vec<String> = KEPT_DURING_BULK_LOAD
            .iter()
            .map(|n| n.to_string())
            .collect();
        kept.sort();
        assert_eq!(index_names(&conn), kept);
        assert_eq!(
            ensure_indexes(&conn).expect("build"),
            SECONDARY_INDEXES.len() - KEPT_DURING_BULK_LOAD.len()
        );
        assert_eq!(index_names(&conn), before);
        assert_eq!(ensure_indexes(&conn).expect("no-op"), 0);
    }

    #[test]
    fn index_built_by_another_load_meanwhile() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.db");
        let mut first = Connection::open(&path).expect("open");
        migrate(&mut first).expect("schema");
        let second = Connection::open(&path).expect("second connection");
        let before = index_names(&first);
        drop_indexes(&first).expect("drop");
        let missing = missing_indexes(&first).expect("missing");
        assert!(!missing.is_empty());
        // The other load builds them between the check and the build.
        ensure_indexes(&second).expect("the other load builds them");
        build_indexes(&first, &missing).expect("already built is no error");
        assert_eq!(index_names(&first), before);
    }

    #[test]
    fn version_7_decisions_count_as_unapplied() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(&format!(
            "{SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} {SCHEMA_V6} \
             {SCHEMA_V7} PRAGMA user_version = 7;"
        ))
        .expect("v7 schema");
        migrate(&mut conn).expect("upgrade");
        assert_eq!(version(&conn), SCHEMA_VERSION);
        let applied: i64 = conn
            .query_row(
                "SELECT decisions_applied FROM resolution_state",
                [],
                |row| row.get(0),
            )
            .expect("one row");
        assert_eq!(applied, 0, "no decision is known to be applied");
    }

    #[test]
    fn a_version_2_database_gains_the_review_tables() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(&format!("{SCHEMA_V1} {SCHEMA_V2} PRAGMA user_version = 2;"))
            .expect("v2 schema");
        conn.execute(
            "INSERT INTO sources (name, agency) VALUES ('rms', 'Police')",
            [],
        )
        .expect("row");
        migrate(&mut conn).expect("upgrade");
        assert_eq!(version(&conn), SCHEMA_VERSION);
        for table in ["review_queue", "review_decisions", "sources"] {
            let n: i64 = conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .expect(table);
            assert_eq!(n, i64::from(table == "sources"), "{table}");
        }
        migrate(&mut conn).expect("a current database is left alone");
        assert_eq!(version(&conn), SCHEMA_VERSION);
    }

    #[test]
    fn a_version_1_database_is_upgraded_step_by_step() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(&format!("{SCHEMA_V1} PRAGMA user_version = 1;"))
            .expect("v1 schema");
        migrate(&mut conn).expect("upgrade");
        assert_eq!(version(&conn), SCHEMA_VERSION);
        conn.query_row(
            "SELECT COUNT(*) FROM mentions WHERE address_key IS NOT NULL",
            [],
            |row| row.get::<_, i64>(0),
        )
        .expect("v5 column");
        conn.query_row("SELECT COUNT(*) FROM review_decisions", [], |row| {
            row.get::<_, i64>(0)
        })
        .expect("v3 table");
    }

    #[test]
    fn a_version_4_database_moves_address_keys_into_mentions() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(&format!(
            "{SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} PRAGMA user_version = 4; \
             PRAGMA foreign_keys = OFF; \
             INSERT INTO mentions (id, record, idx, role, person) VALUES (7, 1, 0, 'owner', '{{}}'), \
             (8, 1, 1, 'owner', '{{}}'); \
             INSERT INTO mention_addresses (mention, key) VALUES (7, '12 MAIN ST|HARTFORD|CT|');"
        ))
        .expect("v4 schema");

        migrate(&mut conn).expect("upgrade");

        assert_eq!(version(&conn), SCHEMA_VERSION);
        let keys: Vec<(i64, Option<String>)> = rows(
            &conn,
            "SELECT id, address_key FROM mentions ORDER BY id",
            |row| Ok((row.get(0)?, row.get(1)?)),
        );
        assert_eq!(
            keys,
            [(7, Some("12 MAIN ST|HARTFORD|CT|".to_string())), (8, None)]
        );
        let old_table: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'mention_addresses'",
                [],
                |row| row.get(0),
            )
            .expect("schema");
        assert_eq!(old_table, 0);
    }

    #[test]
    fn v5_upgrade_moves_name_keys_and_vehicles() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(&format!(
            "{SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} PRAGMA user_version = 5; \
             PRAGMA foreign_keys = OFF; \
             INSERT INTO vehicles (record, idx, plate_state, plate_number, vin) VALUES \
             (3, 1, 'CT', 'AB123', NULL), (3, 0, 'CT', 'XY987', '1M8GDM9AXKP042788'); \
             INSERT INTO mentions (id, record, idx, role, person) VALUES \
             (7, 3, 0, 'owner', '{{}}'), (8, 3, 1, 'owner', '{{}}'), (9, 4, 0, 'subject', '{{}}'); \
             INSERT INTO name_keys (surname_part, given, dob, mention) VALUES \
             ('HOLLOWAY', 'MARGARET', '1971-03-04', 7), \
             ('VOSS', 'ERIKA', NULL, 8), ('VOSS-LINDQVIST', 'ERIKA', NULL, 8), ('LINDQVIST', 'ERIKA', NULL, 8);"
        ))
        .expect("v5 schema");

        migrate(&mut conn).expect("upgrade");

        type NameColumns = (i64, Option<String>, Option<String>, Option<String>);
        let names: Vec<NameColumns> = rows(
            &conn,
            "SELECT id, surname, given, dob FROM mentions ORDER BY id",
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        );
        let text = |s: &str| Some(s.to_string());
        assert_eq!(
            names,
            [
                (7, text("HOLLOWAY"), text("MARGARET"), text("1971-03-04")),
                (8, text("VOSS-LINDQVIST"), text("ERIKA"), None),
                (9, None, None, None)
            ]
        );
        let keys: Vec<(String, i64)> = rows(
            &conn,
            "SELECT surname_part, mention FROM name_keys ORDER BY surname_part",
            |row| Ok((row.get(0)?, row.get(1)?)),
        );
        assert_eq!(
            keys,
            [("LINDQVIST".to_string(), 8), ("VOSS".to_string(), 8)],
            "only the further parts of a multi-part surname stay"
        );

        assert_eq!(version(&conn), SCHEMA_VERSION);
        let vehicles: Vec<(i64, i64, String, Option<String>)> = rows(
            &conn,
            "SELECT record, idx, plate_number, vin FROM vehicles ORDER BY record, idx",
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        );
        assert_eq!(
            vehicles,
            [
                (
                    3,
                    0,
                    "XY987".to_string(),
                    Some("1M8GDM9AXKP042788".to_string())
                ),
                (3, 1, "AB123".to_string(), None)
            ]
        );
        let duplicate = conn.execute(
            "INSERT INTO vehicles (record, idx, plate_number) VALUES (3, 1, 'ZZ1')",
            [],
        );
        assert!(duplicate.is_err(), "record and position are the key");
        assert_eq!(index_names(&conn), listed_indexes());
    }

    #[test]
    fn a_version_3_database_gains_quarantine_columns() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(&format!(
            "{SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} PRAGMA user_version = 3;"
        ))
        .expect("v3 schema");
        conn.execute(
            "INSERT INTO quarantine (source, reason, raw, first_batch) VALUES ('rms', 'bad', '{}', 1)",
            [],
        )
        .expect("row");

        migrate(&mut conn).expect("upgrade");

        assert_eq!(version(&conn), SCHEMA_VERSION);
        let (version, resolved): (Option<i64>, Option<i64>) = conn
            .query_row(
                "SELECT version, resolved_batch FROM quarantine",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("new columns");
        assert_eq!(version, None);
        assert_eq!(resolved, None);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("PRAGMA user_version = 99;")
            .expect("version");
        assert!(matches!(
            migrate(&mut conn),
            Err(MigrateError::TooNew { found: 99 })
        ));
    }
}
