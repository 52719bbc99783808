//! The rows of a generated feed's `truth.csv`: the true person of each party
//! of each record version.
//!
//! At one million generated people the file has about 4.6 million rows. They are kept in one
//! vector sorted by the hash of their record version, 40 bytes a row
//! plus the record id's text. A table of where each range of hashes starts
//! finds a record's rows in one or two memory reads, where a binary search
//! over the whole vector made about 22, most of them cache misses.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use super::EvaluateError;
use crate::resolve::prefetch::{AHEAD, prefetch};

/// The rows of `truth.csv`, with every source, role and true person numbered.
pub(super) struct Truth {
    /// Rows in order of `hash`, and in file order among rows of equal hash.
    rows: Vec<TruthRow>,
    /// Position in `rows` of the first row whose hash starts with each
    /// value of its top [`Truth::bucket_bits`] bits, and the number of rows
    /// at the end.
    bucket_starts: Vec<u32>,
    bucket_bits: u32,
    /// The record ids of all rows, end to end.
    record_ids: String,
    sources: Names,
    roles: Names,
    persons: Names,
}

/// One row of `truth.csv`.
#[derive(Clone, Copy)]
struct TruthRow {
    /// Hash of the source number, record id and version.
    hash: u64,
    /// Start of the record id in [`Truth::record_ids`].
    id_start: usize,
    id_len: u32,
    version: u32,
    source: u32,
    role: u32,
    person: u32,
    /// Position of the row in the file, counting from 0.
    order: u32,
}

impl TruthRow {
    /// Returns the row's record id from `record_ids`, the text its
    /// `id_start` points into.
    fn id<'a>(&self, record_ids: &'a str) -> &'a str {
        &record_ids[self.id_start..self.id_start + self.id_len as usize]
    }
}

/// The rows of a [`Truth`] already taken, one bit a row. The bits are kept
/// apart from the rows so that mapping threads can look rows up while the
/// loader takes them.
pub(super) struct TakenRows {
    bits: Vec<u64>,
    rows: usize,
}

impl TakenRows {
    /// Takes out the (role, person) numbers of rows that [`Truth::find_all`]
    /// returned. A record version is read once, so rows already taken are
    /// left out.
    pub(super) fn take(&mut self, rows: &[TruthHit]) -> Vec<(u32, u32)> {
        let mut found = Vec::with_capacity(rows.len());
        for (at, role, person) in rows {
            let (word, bit) = (*at as usize / 64, 1u64 << (at % 64));
            if self.bits[word] & bit == 0 {
                self.bits[word] |= bit;
                found.push((*role, *person));
            }
        }
        found
    }

    /// Returns the number of rows not taken.
    pub(super) fn untaken(&self) -> usize {
        let taken: usize = self
            .bits
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum();
        self.rows - taken
    }
}

/// A row of one record version as [`Truth::find_all`] returns it: its
/// position, role number and true person number.
pub(super) type TruthHit = (u32, u32, u32);

impl Truth {
    /// Returns the number of rows read.
    pub(super) fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Returns an upper bound on the bytes of the mention ids (`source/record
    /// id/vN/pN`) of the rows, for party positions below 10^12.
    pub(super) fn mention_id_bytes(&self) -> usize {
        let longest_source = self.sources.names.iter().map(String::len).max();
        // A slash, "/v", "/p", a version of at most 10 digits and a party
        // position of at most 12.
        let per_row = longest_source.unwrap_or(0) + 5 + 10 + 12;
        self.record_ids.len() + self.rows.len() * per_row
    }

    /// Returns the taken rows of a truth from which nothing is taken yet.
    pub(super) fn none_taken(&self) -> TakenRows {
        TakenRows {
            bits: vec![0; self.rows.len().div_ceil(64)],
            rows: self.rows.len(),
        }
    }

    /// Returns the rows of each of `keys`, a record version (record id and
    /// version) of `source` each, in file order. It only reads, so mapping
    /// threads call it at once; the rows are then taken in input order by
    /// [`TakenRows::take`].
    ///
    /// The rows of a key lie anywhere among millions, so each lookup would
    /// wait on memory twice: for the start of its bucket, then for the rows.
    /// Here each lookup prefetches the bucket start of the key `2 * AHEAD`
    /// places on and the rows of the key `AHEAD` places on, whose bucket
    /// start is in the cache by then.
    pub(super) fn find_all(&self, source: &str, keys: &[(&str, u32)]) -> Vec<Vec<TruthHit>> {
        let Some(source) = self.sources.find(source) else {
            return vec![Vec::new(); keys.len()];
        };
        let hashes: Vec<u64> = keys
            .iter()
            .map(|(record_id, version)| key_hash(source, record_id, *version))
            .collect();
        let bucket = |hash: &u64| bucket_of(*hash, self.bucket_bits);
        let mut found = Vec::with_capacity(keys.len());
        for (at, ((record_id, version), hash)) in keys.iter().zip(&hashes).enumerate() {
            if let Some(ahead) = hashes.get(at + 2 * AHEAD) {
                prefetch(&self.bucket_starts[bucket(ahead)]);
            }
            if let Some(ahead) = hashes.get(at + AHEAD) {
                let start = self.bucket_starts[bucket(ahead)] as usize;
                if let Some(row) = self.rows.get(start) {
                    prefetch(row);
                }
            }
            found.push(self.find_hashed(source, *hash, record_id, *version));
        }
        found
    }

    /// Returns the rows of a record version of source number `source`
    /// whose key hashes to `hash`.
    fn find_hashed(&self, source: u32, hash: u64, record_id: &str, version: u32) -> Vec<TruthHit> {
        let bucket = bucket_of(hash, self.bucket_bits);
        let start = self.bucket_starts[bucket] as usize;
        let end = self.bucket_starts[bucket + 1] as usize;
        let first = start + self.rows[start..end].partition_point(|row| row.hash < hash);
        let mut found = Vec::new();
        for (at, row) in self.rows[first..].iter().enumerate() {
            if row.hash != hash {
                break;
            }
            if row.source == source
                && row.version == version
                && row.id(&self.record_ids) == record_id
            {
                found.push(((first + at) as u32, row.role, row.person));
            }
        }
        found
    }

    /// Takes out the (role, person) numbers of one record version's parties,
    /// in file order: [`Truth::find_all`] and [`TakenRows::take`] in one call.
    #[cfg(test)]
    fn take(
        &self,
        source: &str,
        record_id: &str,
        version: u32,
        taken_rows: &mut TakenRows,
    ) -> Vec<(u32, u32)> {
        let rows = self.find_all(source, &[(record_id, version)]).remove(0);
        taken_rows.take(&rows)
    }

    /// Returns the name of role number `role`.
    pub(super) fn role_name(&self, role: u32) -> &str {
        &self.roles.names[role as usize]
    }

    /// Returns the id of true person number `person`.
    pub(super) fn person_id(&self, person: u32) -> &str {
        &self.persons.names[person as usize]
    }
}

/// Reads `truth.csv`. Blank lines are skipped. A line with fewer than five
/// fields, with a version that is not a number, or that is not UTF-8 is an
/// error.
///
/// The file is mapped into memory and parsed in chunks on all threads. Each
/// chunk numbers the names it meets, and the chunks' numbers are then
/// merged in file order, so every name gets the number it would get read
/// line by line.
pub(super) fn read_truth(path: &Path) -> Result<Truth, EvaluateError> {
    let started = Instant::now();
    let read_error = |source| EvaluateError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    // Mapping a directory fails with "no such device"; name the real cause.
    if file.metadata().map_err(read_error)?.is_dir() {
        return Err(read_error(std::io::ErrorKind::IsADirectory.into()));
    }
    // SAFETY: the map is only read. If another program shortens the file
    // while it is read, the process stops with SIGBUS. The truth of a
    // generated feed is written once and then left alone. An empty file
    // maps as an empty slice.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(read_error)?;
    let truth =
        parse_truth(&map, TRUTH_CHUNK).map_err(|(line, reason)| EvaluateError::Unreadable {
            path: path.to_path_buf(),
            line,
            reason,
        })?;
    tracing::debug!(
        rows = truth.rows.len(),
        load_ms = started.elapsed().as_millis() as u64,
        "truth loaded"
    );
    Ok(truth)
}

/// Bytes of `truth.csv` that one parallel task parses.
const TRUTH_CHUNK: usize = 1 << 20;

/// Rows of one chunk of `truth.csv`, with names numbered within the chunk
/// and no hashes yet.
#[derive(Default)]
struct ChunkRows {
    rows: Vec<TruthRow>,
    record_ids: String,
    sources: Names,
    roles: Names,
    persons: Names,
    /// Lines in the chunk, blank ones included.
    lines: u64,
    /// The first bad line, numbered within the chunk, and its reason.
    error: Option<(u64, String)>,
}

/// Parses the text of `truth.csv` in chunks of about `chunk` bytes. An error
/// gives the line number and the reason.
fn parse_truth(bytes: &[u8], chunk: usize) -> Result<Truth, (u64, String)> {
    let mut chunks: Vec<ChunkRows> = split_lines(bytes, chunk)
        .into_par_iter()
        .enumerate()
        .map(|(at, text)| parse_chunk(text, at == 0))
        .collect();
    let mut lines_before = 0;
    for parsed in &chunks {
        if let Some((line, reason)) = &parsed.error {
            return Err((lines_before + line, reason.clone()));
        }
        lines_before += parsed.lines;
    }
    let mut truth = Truth {
        rows: Vec::with_capacity(chunks.iter().map(|c| c.rows.len()).sum()),
        bucket_starts: Vec::new(),
        bucket_bits: 0,
        record_ids: String::new(),
        sources: Names::default(),
        roles: Names::default(),
        persons: Names::default(),
    };
    // Each chunk's numbers in file order, and where its record ids start.
    let mut renumbered = Vec::with_capacity(chunks.len());
    let mut rows_before = 0;
    for parsed in &chunks {
        let renumber = |global: &mut Names, local: &Names| -> Vec<u32> {
            local.names.iter().map(|name| global.number(name)).collect()
        };
        renumbered.push((
            renumber(&mut truth.sources, &parsed.sources),
            renumber(&mut truth.roles, &parsed.roles),
            renumber(&mut truth.persons, &parsed.persons),
            truth.record_ids.len(),
            rows_before,
        ));
        truth.record_ids.push_str(&parsed.record_ids);
        rows_before += parsed.rows.len() as u32;
    }
    chunks.par_iter_mut().zip(&renumbered).for_each(
        |(parsed, (sources, roles, persons, id_base, row_base))| {
            for row in &mut parsed.rows {
                row.order += row_base;
                row.source = sources[row.source as usize];
                row.hash = key_hash(row.source, row.id(&parsed.record_ids), row.version);
                row.id_start += id_base;
                row.role = roles[row.role as usize];
                row.person = persons[row.person as usize];
            }
        },
    );
    for parsed in chunks {
        truth.rows.extend_from_slice(&parsed.rows);
    }
    // Rows of one record version stay in file order. Sorting in place on
    // the file position as well needs no second buffer of all the rows,
    // as a stable sort would.
    truth
        .rows
        .par_sort_unstable_by_key(|row| (row.hash, row.order));
    index_buckets(&mut truth);
    truth.persons.numbers = FxHashMap::default();
    Ok(truth)
}

/// Cuts `bytes` into pieces of about `chunk` bytes, each ending after a
/// line break except the last.
fn split_lines(bytes: &[u8], chunk: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let cut = match rest
            .get(chunk..)
            .and_then(|after| after.iter().position(|b| *b == b'\n'))
        {
            Some(at) => chunk + at + 1,
            None => rest.len(),
        };
        let (piece, after) = rest.split_at(cut);
        pieces.push(piece);
        rest = after;
    }
    pieces
}

/// Parses the lines of one chunk. The first line of the first chunk is the
/// header. Stops at the first bad line.
fn parse_chunk(text: &[u8], first: bool) -> ChunkRows {
    let mut parsed = ChunkRows::default();
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    for line in text.split(|b| *b == b'\n') {
        parsed.lines += 1;
        if first && parsed.lines == 1 {
            if let Err(reason) = check_header(line) {
                parsed.error = Some((1, reason));
                break;
            }
            continue;
        }
        let row = match std::str::from_utf8(line) {
            Ok(line) => line.trim_end_matches('\r'),
            Err(_) => {
                parsed.error = Some((parsed.lines, "not UTF-8 text".to_string()));
                break;
            }
        };
        if row.trim().is_empty() {
            continue;
        }
        if let Err(reason) = add_row(&mut parsed, row) {
            parsed.error = Some((parsed.lines, reason));
            break;
        }
    }
    parsed
}

/// Columns that every row of `truth.csv` starts with, in this order.
const TRUTH_COLUMNS: [&str; 5] = ["source", "record_id", "version", "role", "person_id"];

/// Checks that the header starts with [`TRUTH_COLUMNS`], since rows are read
/// by position: a file with its columns in another order would otherwise
/// give every party a wrong person. An empty header line is accepted, as an
/// empty file is.
fn check_header(line: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches('\r');
    if text.trim().is_empty() {
        return Ok(());
    }
    let found: Vec<&str> = text.split(',').map(str::trim).collect();
    if found.len() >= TRUTH_COLUMNS.len() && found[..TRUTH_COLUMNS.len()] == TRUTH_COLUMNS {
        return Ok(());
    }
    Err(format!(
        "header: expected columns {} first, found {text:?}",
        TRUTH_COLUMNS.join(",")
    ))
}

/// Adds one row; a row with fewer than five fields or a version that is not
/// a number is an error, which names the problem.
fn add_row(parsed: &mut ChunkRows, line: &str) -> Result<(), String> {
    let mut fields = line.split(',');
    let (Some(source), Some(record_id), Some(version), Some(role), Some(person)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(format!(
            "expected source, record_id, version, role and person_id, found {} fields",
            line.split(',').count()
        ));
    };
    let version: u32 = version
        .parse()
        .map_err(|_| format!("version: invalid number {version:?}"))?;
    let id_start = parsed.record_ids.len();
    parsed.record_ids.push_str(record_id);
    parsed.rows.push(TruthRow {
        hash: 0,
        id_start,
        id_len: record_id.len() as u32,
        version,
        source: parsed.sources.number(source),
        role: parsed.roles.number(role),
        person: parsed.persons.number(person),
        order: parsed.rows.len() as u32,
    });
    Ok(())
}

/// Fills in [`Truth::bucket_starts`] for rows already sorted by hash, with
/// one to two rows per bucket on average.
fn index_buckets(truth: &mut Truth) {
    let bits = truth.rows.len().max(1).ilog2();
    let mut starts = vec![0u32; (1usize << bits) + 1];
    for row in &truth.rows {
        starts[bucket_of(row.hash, bits) + 1] += 1;
    }
    for at in 1..starts.len() {
        starts[at] += starts[at - 1];
    }
    truth.bucket_starts = starts;
    truth.bucket_bits = bits;
}

/// Returns the top `bits` bits of `hash`.
fn bucket_of(hash: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (hash >> (64 - bits)) as usize
    }
}

fn key_hash(source: u32, record_id: &str, version: u32) -> u64 {
    let mut hasher = FxHasher::default();
    (source, record_id, version).hash(&mut hasher);
    hasher.finish()
}

/// Distinct names numbered in order of first appearance.
#[derive(Default)]
struct Names {
    numbers: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn number(&mut self, name: &str) -> u32 {
        if let Some(number) = self.numbers.get(name) {
            return *number;
        }
        let number = self.names.len() as u32;
        self.numbers.insert(name.to_string(), number);
        self.names.push(name.to_string());
        number
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.numbers.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `rows` under a truth.csv header and reads them back.
    fn truth_of(rows: &[&str]) -> Truth {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("truth.csv");
        let mut text = String::from("source,record_id,version,role,person_id\n");
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        std::fs::write(&path, text).expect("write truth.csv");
        read_truth(&path).expect("read truth.csv")
    }

    #[test]
    fn take_finds_every_record_version_once() {
        // Enough rows that most buckets hold one row and some hold several.
        let mut rows: Vec<String> = (0..5_000)
            .map(|n| format!("dmv,T{n},1,owner,P-{n}"))
            .collect();
        rows.push("dmv,T7,1,owner,P-second-owner".to_string());
        rows.push("dmv,T7,2,owner,P-next-version".to_string());
        rows.push("rms,T7,1,subject,P-other-source".to_string());
        // Parties of a record with an empty id: rows of equal hash and equal
        // start of their record id, which must still come in file order.
        for party in 1..=6 {
            rows.push(format!("sor,,1,subject,P-empty-{party}"));
        }
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let truth = truth_of(&rows);
        assert_eq!(truth.rows(), 5_009);
        // Persons are numbered in order of first appearance.
        for n in [0, 1, 2_500, 4_999] {
            assert_eq!(truth.person_id(n), format!("P-{n}"));
        }
        assert_eq!(truth.person_id(5_000), "P-second-owner");
        let taken_rows = &mut truth.none_taken();

        let persons = |truth: &Truth, found: Vec<(u32, u32)>| -> Vec<String> {
            found
                .into_iter()
                .map(|(_, person)| truth.person_id(person).to_string())
                .collect()
        };
        let found = truth.take("dmv", "T7", 1, taken_rows);
        assert_eq!(persons(&truth, found), ["P-7", "P-second-owner"]);
        assert!(
            truth.take("dmv", "T7", 1, taken_rows).is_empty(),
            "a version is taken once"
        );
        let found = truth.take("dmv", "T7", 2, taken_rows);
        assert_eq!(persons(&truth, found), ["P-next-version"]);
        let found = truth.take("rms", "T7", 1, taken_rows);
        assert_eq!(persons(&truth, found), ["P-other-source"]);
        for n in (0..5_000).filter(|n| *n != 7) {
            let found = truth.take("dmv", &format!("T{n}"), 1, taken_rows);
            assert_eq!(persons(&truth, found), [format!("P-{n}")], "record T{n}");
        }
        let found = truth.take("sor", "", 1, taken_rows);
        let expected: Vec<String> = (1..=6).map(|p| format!("P-empty-{p}")).collect();
        assert_eq!(persons(&truth, found), expected);
        assert!(truth.take("dmv", "T5000", 1, taken_rows).is_empty());
        assert!(truth.take("sor", "T1", 1, taken_rows).is_empty());
    }

    #[test]
    fn malformed_rows_are_errors_with_their_line() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("truth.csv");
        // Each case: the second row, and text of the error.
        let cases = [
            (
                "garbage,,",
                "line 3: expected source, record_id, version, role and person_id, found 3 fields",
            ),
            (
                "dmv,T1,one,owner,P-1",
                "line 3: version: invalid number \"one\"",
            ),
        ];
        for (row, expected) in cases {
            let text =
                format!("source,record_id,version,role,person_id\ndmv,T0,1,owner,P-0\n{row}\n");
            std::fs::write(&path, text).expect("write truth.csv");
            let message = match read_truth(&path) {
                Ok(_) => panic!("{row:?} was read"),
                Err(err) => err.to_string(),
            };
            assert!(message.contains(expected), "{row:?}: {message}");
        }
        std::fs::write(
            &path,
            "source,record_id,version,role,person_id\n\ndmv,T0,1,owner,P-0\n",
        )
        .expect("write truth.csv");
        assert_eq!(
            read_truth(&path).expect("blank lines are skipped").rows(),
            1
        );
    }

    /// Returns each row of `truth` as its hash, record id, version, source,
    /// role and person.
    fn row_values(truth: &Truth) -> Vec<(u64, &str, u32, &str, &str, &str)> {
        let rows = truth.rows.iter().map(|row| {
            let id = row.id(&truth.record_ids);
            let source = truth.sources.names[row.source as usize].as_str();
            let role = truth.role_name(row.role);
            (
                row.hash,
                id,
                row.version,
                source,
                role,
                truth.person_id(row.person),
            )
        });
        rows.collect()
    }

    #[test]
    fn truth_row_takes_forty_bytes() {
        assert_eq!(std::mem::size_of::<TruthRow>(), 40);
    }

    #[test]
    fn chunks_read_as_one_pass() {
        let mut text = String::from("source,record_id,version,role,person_id\n");
        for n in 0..300 {
            let source = ["dmv", "rms", "sor"][n % 3];
            text.push_str(&format!("{source},T{n},{},owner,P-{}\n", n % 4 + 1, n % 97));
            if n % 50 == 0 {
                text.push_str("\r\n");
            }
        }
        let whole = parse_truth(text.as_bytes(), usize::MAX).expect("one chunk");
        assert_eq!(whole.rows(), 300);
        // Each case: a chunk size, from a line a chunk to a few chunks.
        for chunk in [1, 17, 64, 1_000] {
            let chunked = parse_truth(text.as_bytes(), chunk).expect("chunks");
            assert_eq!(chunked.persons.names, whole.persons.names, "chunk {chunk}");
            assert_eq!(chunked.sources.names, whole.sources.names, "chunk {chunk}");
            assert_eq!(row_values(&chunked), row_values(&whole), "chunk {chunk}");
        }
        // 1 header line, 300 rows and 6 blank lines come before the bad one.
        let bad = format!("{text}dmv,T1,x,owner,P-1\n");
        for chunk in [1, 64, usize::MAX] {
            let error = parse_truth(bad.as_bytes(), chunk).err();
            assert_eq!(error.map(|(line, _)| line), Some(308), "chunk {chunk}");
        }
    }

    #[test]
    fn non_utf8_line_is_an_error() {
        let text = b"source,record_id,version,role,person_id\ndmv,T\xff,1,owner,P-0\n";
        let error = parse_truth(text, usize::MAX).err();
        assert_eq!(error, Some((2, "not UTF-8 text".to_string())));
    }

    #[test]
    fn truth_header_and_directory_are_checked() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("truth.csv");
        // Each case: the header line, and the error's text or None when it is read.
        let cases = [
            ("source,record_id,version,role,person_id", None),
            ("source,record_id,version,role,person_id,category\r", None),
            (
                "source,record_id,version,person_id,role",
                Some(
                    "line 1: header: expected columns source,record_id,version,role,person_id first, found \"source,record_id,version,person_id,role\"",
                ),
            ),
            (
                "source,record_id,version,role",
                Some("line 1: header: expected columns"),
            ),
            (
                "dmv,T0,1,owner,P-0",
                Some("line 1: header: expected columns"),
            ),
        ];
        for (header, expected) in cases {
            std::fs::write(&path, format!("{header}\ndmv,T1,1,owner,P-1\n")).expect("write");
            match (read_truth(&path), expected) {
                (Ok(truth), None) => assert_eq!(truth.rows(), 1, "{header:?}"),
                (Err(err), Some(text)) => {
                    let message = err.to_string();
                    assert!(message.contains(text), "{header:?}: {message}");
                }
                (Ok(_), Some(_)) => panic!("{header:?} was read"),
                (Err(err), None) => panic!("{header:?}: {err}"),
            }
        }
        std::fs::remove_file(&path).expect("remove");
        std::fs::create_dir(&path).expect("directory named truth.csv");
        let message = read_truth(&path).err().map(|e| e.to_string());
        let message = message.unwrap_or_default();
        assert!(message.ends_with("truth.csv: is a directory"), "{message}");
    }

    #[test]
    fn empty_truth_file_has_no_rows() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("truth.csv");
        std::fs::write(&path, "").expect("write truth.csv");
        assert_eq!(read_truth(&path).expect("read truth.csv").rows(), 0);
    }

    #[test]
    fn take_on_empty_truth_finds_nothing() {
        let truth = truth_of(&[]);
        assert_eq!(truth.rows(), 0);
        let taken_rows = &mut truth.none_taken();
        assert!(truth.take("dmv", "T1", 1, taken_rows).is_empty());
    }
}
