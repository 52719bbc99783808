//! Readers for CSV and JSON Lines that split the input into records, without
//! stopping at the first bad line, and parse each record into its fields.
//!
//! Splitting is sequential and cheap. Parsing a record (UTF-8 checks, JSON,
//! building the raw text kept with the record) is done by
//! [`PendingRecord::parse`], which the caller runs in parallel. A record with
//! invalid UTF-8 fails alone, with its line and field, in either format.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use super::mapping::Format;
use super::quote::{self, RawCopy};
use super::unique_keys;
use crate::normalize::quoted;

/// One input record before mapping.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based line number in the input (the header is line 1 in CSV).
    pub line: u64,
    /// Text kept as the record's raw form: the JSON line, or the CSV row as a
    /// JSON object of its non-empty columns.
    pub raw: String,
    /// The parsed record, or why it could not be parsed.
    pub parsed: Result<InputFields, String>,
    /// For a record that could not be parsed, the fields still readable (a CSV
    /// row with invalid UTF-8, bad bytes as U+FFFD). Used only to name the
    /// record in its quarantine entry, never to store it.
    pub salvaged: Option<InputFields>,
    /// For a record that could not be parsed, the field at fault when one can
    /// be named: a CSV column, a JSON path, or `line` for the line as a whole.
    pub failed_field: Option<String>,
}

/// The fields of one parsed input record, looked up by the paths a mapping names.
#[derive(Debug, Clone)]
pub enum InputFields {
    /// A JSON object, from JSON Lines or from a quarantined record's raw text.
    Json(Value),
    /// A CSV row, with the file's header.
    Csv {
        /// Column names and their positions, shared by every row of a file.
        header: Arc<CsvHeader>,
        /// The row's values, one per column, validated as UTF-8.
        values: csv::StringRecord,
    },
}

impl InputFields {
    /// Returns the trimmed text at `path`, or `None` for missing, null or blank
    /// values. A JSON path is followed through objects and array indexes, and
    /// only when that finds nothing is it tried as one literal key, since
    /// objects made from CSV rows may have dots in their keys.
    pub fn lookup(&self, path: &str) -> Option<String> {
        self.lookup_checked(path)
            .ok()
            .flatten()
            .map(Cow::into_owned)
    }

    /// Looks up `path` as [`InputFields::lookup`] does, but returns an error
    /// when a JSON value on the path has a type that cannot hold it, such as
    /// a string where the path goes on into an object. Text is borrowed
    /// from the record where it can be, since mapping reads every field of
    /// every record through here.
    pub fn lookup_checked(&self, path: &str) -> Result<Option<Cow<'_, str>>, WrongType> {
        let text = match self {
            InputFields::Json(value) => json_text(value, path)?,
            InputFields::Csv { header, values } => header
                .positions
                .get(path)
                .and_then(|index| values.get(*index))
                .map(|value| Cow::Borrowed(value.trim())),
        };
        Ok(text.filter(|text| !text.is_empty()))
    }

    /// Returns the number of entries of the JSON array at `path`: none when
    /// the path is missing or null, an error when it contains something else.
    /// A CSV row has no lists, so it has no entries.
    pub fn list_len(&self, path: &str) -> Result<usize, WrongType> {
        let InputFields::Json(value) = self else {
            return Ok(0);
        };
        match find_json(value, path)? {
            None | Some(Value::Null) => Ok(0),
            Some(Value::Array(items)) => Ok(items.len()),
            Some(other) => Err(WrongType {
                path: path.to_string(),
                expected: "an array",
                found: json_type(other),
            }),
        }
    }

    /// Returns whether the JSON value at `path` is an explicit null.
    pub fn is_null(&self, path: &str) -> bool {
        let InputFields::Json(value) = self else {
            return false;
        };
        matches!(find_json(value, path), Ok(Some(Value::Null)))
    }

    /// Returns whether [`InputFields::lookup`] finds a value at `path`,
    /// without copying a CSV value.
    pub fn has(&self, path: &str) -> bool {
        match self {
            InputFields::Json(_) => self.lookup(path).is_some(),
            InputFields::Csv { header, values } => header
                .positions
                .get(path)
                .and_then(|index| values.get(*index))
                .is_some_and(|value| !value.trim().is_empty()),
        }
    }

    /// Converts the fields into a JSON object; a CSV row becomes an object
    /// keyed by column name.
    pub fn into_json(self) -> Value {
        match self {
            InputFields::Json(value) => value,
            InputFields::Csv { header, values } => Value::Object(
                header
                    .names
                    .iter()
                    .cloned()
                    .zip(values.iter().map(|v| Value::String(v.to_string())))
                    .collect(),
            ),
        }
    }
}

/// A JSON value on a mapped path whose type cannot hold what the mapping
/// reads there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongType {
    /// The dotted path of the value with the wrong type.
    pub path: String,
    /// The type the mapping needs there, such as `an object`.
    pub expected: &'static str,
    /// The type found, such as `a string`.
    pub found: &'static str,
}

impl WrongType {
    /// Returns the quarantine reason, without the path.
    pub fn reason(&self) -> String {
        format!(
            "wrong type: expected {}, found {}",
            self.expected, self.found
        )
    }
}

/// Returns the text at `path`, `None` when it is missing or null, or an error
/// when a value on the path has the wrong type.
fn json_text<'a>(value: &'a Value, path: &str) -> Result<Option<Cow<'a, str>>, WrongType> {
    let Some(found) = find_json(value, path)? else {
        return Ok(None);
    };
    match found {
        Value::String(s) => Ok(Some(Cow::Borrowed(s.trim()))),
        // A whole number past 64 bits is read as a float, which keeps only
        // its first 16 or so digits: an identifier sent so would change.
        Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(lossy_whole_number) => {
            Err(WrongType {
                path: path.to_string(),
                expected: "text or a number of at most 64 bits (send long numbers as strings)",
                found: "a longer whole number",
            })
        }
        Value::Number(n) => Ok(Some(Cow::Owned(n.to_string()))),
        Value::Bool(b) => Ok(Some(Cow::Borrowed(if *b { "true" } else { "false" }))),
        Value::Null => Ok(None),
        Value::Array(_) | Value::Object(_) => Err(WrongType {
            path: path.to_string(),
            expected: "text, a number or a boolean",
            found: json_type(found),
        }),
    }
}

/// Returns whether `number` is a whole number too large for a float to hold
/// every digit of (beyond 2^53), as JSON numbers past 64 bits are read.
fn lossy_whole_number(number: f64) -> bool {
    number.fract() == 0.0 && number.abs() >= 9_007_199_254_740_992.0
}

/// Finds the value at `path` as [`InputFields::lookup`] describes. A key
/// that spells a whole dotted path is a fallback only, so a record cannot
/// hide a value behind such a key, and a nested path needs one walk.
fn find_json<'a>(value: &'a Value, path: &str) -> Result<Option<&'a Value>, WrongType> {
    if !path.contains('.') {
        return Ok(value.get(path));
    }
    match walk_json_path(value, path) {
        Ok(Some(found)) => Ok(Some(found)),
        walked => value.get(path).map_or(walked, |literal| Ok(Some(literal))),
    }
}

/// Follows a dotted path through objects and array indexes. A missing key,
/// an index past the end or a null ends it with `None`. An object where the
/// path gives an index, and that has no key of that name, is the wrong type.
/// Without this check, one party sent as an object in place of a list would
/// be dropped without an error.
fn walk_json_path<'a>(value: &'a Value, path: &str) -> Result<Option<&'a Value>, WrongType> {
    let mut node = value;
    // Byte length of the part of `path` that leads to `node`.
    let mut walked = 0;
    for step in path.split('.') {
        let next = match (node, step.parse::<usize>()) {
            (Value::Object(map), Ok(_)) if !map.contains_key(step) => {
                return Err(WrongType {
                    path: path[..walked].to_string(),
                    expected: "an array",
                    found: "an object",
                });
            }
            (Value::Object(map), _) => map.get(step),
            (Value::Array(items), Ok(index)) => items.get(index),
            (Value::Null, _) => None,
            (other, index) => {
                let expected = if index.is_ok() {
                    "an array"
                } else {
                    "an object"
                };
                return Err(WrongType {
                    path: path[..walked].to_string(),
                    expected,
                    found: json_type(other),
                });
            }
        };
        let Some(next) = next else {
            return Ok(None);
        };
        node = next;
        walked += step.len() + usize::from(walked > 0);
    }
    Ok(Some(node))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The header of a CSV file: column names in order and a name-to-position index.
#[derive(Debug)]
pub struct CsvHeader {
    names: Vec<String>,
    positions: FxHashMap<String, usize>,
}

impl CsvHeader {
    /// Indexes `names`, which `split_csv` has checked name each column once.
    fn new(names: Vec<String>) -> CsvHeader {
        let mut positions = FxHashMap::with_capacity_and_hasher(names.len(), Default::default());
        for (index, name) in names.iter().enumerate() {
            positions.entry(name.clone()).or_insert(index);
        }
        CsvHeader { names, positions }
    }

    /// Returns the column names in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Returns the reason for a row whose column `column` is not UTF-8.
    fn invalid_utf8(&self, column: usize) -> String {
        format!("{}: invalid utf-8", self.names[column])
    }
}

/// A record split from the input but not parsed yet.
#[derive(Debug)]
pub enum PendingRecord {
    /// A CSV row with its file's header.
    Csv {
        /// The file's header.
        header: Arc<CsvHeader>,
        /// The row as read, with its position.
        row: csv::ByteRecord,
    },
    /// A non-blank line of JSON Lines.
    Json {
        /// 1-based line number.
        line: u64,
        /// The line's bytes without its line ending, not yet checked as UTF-8.
        bytes: Vec<u8>,
    },
    /// A record that could not even be split out of the input.
    Unreadable(RawRecord),
}

impl PendingRecord {
    /// Returns the record's 1-based line number in the input.
    pub fn line(&self) -> u64 {
        match self {
            PendingRecord::Csv { row, .. } => row.position().map_or(0, |p| p.line()),
            PendingRecord::Json { line, .. } => *line,
            PendingRecord::Unreadable(raw) => raw.line,
        }
    }

    /// Parses the record into its fields and raw text.
    pub fn parse(self) -> RawRecord {
        match self {
            PendingRecord::Csv { header, row } => csv_row(header, row),
            PendingRecord::Json { line, bytes } => json_line(line, bytes),
            PendingRecord::Unreadable(raw) => raw,
        }
    }

    /// Parses the record into its fields as [`PendingRecord::parse`] does,
    /// without building the raw text, for callers that do not store records.
    pub fn parse_fields(self) -> Result<InputFields, String> {
        match self {
            PendingRecord::Csv { header, row } if row.len() == header.names.len() => {
                match csv::StringRecord::from_byte_record(row) {
                    Ok(values) => Ok(InputFields::Csv { header, values }),
                    Err(err) => Err(header.invalid_utf8(err.utf8_error().field())),
                }
            }
            other => other.parse().parsed,
        }
    }
}

/// Reads and parses all records of `format` from `input`, calling `sink` for each in order.
/// See [`split_records`] for the errors.
pub fn read_records<R: Read>(
    format: Format,
    input: R,
    columns: &[&str],
    sink: &mut dyn FnMut(RawRecord),
) -> std::io::Result<()> {
    split_records(format, input, columns, &mut |pending| sink(pending.parse()))
}

/// Splits `input` into records of `format`, calling `sink` for each in order.
/// A CSV file whose header lacks any of `columns` is rejected before its first
/// row, because every row would otherwise lose those fields.
/// Returns the first I/O error; records that cannot be read go to the sink.
pub fn split_records<R: Read>(
    format: Format,
    input: R,
    columns: &[&str],
    sink: &mut dyn FnMut(PendingRecord),
) -> std::io::Result<()> {
    match format {
        Format::Jsonl => split_jsonl(input, sink),
        Format::Csv => split_csv(input, columns, sink),
    }
}

/// The UTF-8 byte order mark.
const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Largest record, in bytes of input text, that is parsed. A longer one is
/// quarantined with its first `MAX_RECORD_BYTES` bytes as its raw text.
/// Generated records are under a kilobyte, and parsing a line of 60 MB
/// took about nine times its size in memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Returns the quarantined form of a record at `line` longer than
/// [`MAX_RECORD_BYTES`], of which `prefix` contains the first bytes, with
/// the fields `salvaged` from it that can name the record.
fn oversized_record(line: u64, prefix: &[u8], salvaged: Option<InputFields>) -> PendingRecord {
    // The cut may fall inside a character, whose bytes are then escaped.
    let raw = escape_invalid_bytes(&prefix[..prefix.len().min(MAX_RECORD_BYTES)]);
    PendingRecord::Unreadable(RawRecord {
        line,
        raw,
        parsed: Err(format!(
            "record is longer than {MAX_RECORD_BYTES} bytes, the limit for one record; \
             its first {MAX_RECORD_BYTES} bytes are kept"
        )),
        salvaged,
        failed_field: Some("line".to_string()),
    })
}

/// Bytes kept of each field of an oversized CSV row, enough for its id.
const SALVAGED_FIELD_BYTES: usize = 256;

/// Returns the fields of a CSV `row` that could not be parsed, as text with
/// bad bytes replaced and each cut to its first `max_bytes`, so that its
/// quarantine entry can name the record.
fn salvaged_row(header: &Arc<CsvHeader>, row: &csv::ByteRecord, max_bytes: usize) -> InputFields {
    let values: Vec<String> = row
        .iter()
        .map(|value| String::from_utf8_lossy(&value[..value.len().min(max_bytes)]).into_owned())
        .collect();
    InputFields::Csv {
        header: Arc::clone(header),
        values: csv::StringRecord::from(values),
    }
}

/// Splits JSON Lines at `\n`, dropping a `\r` before it as `BufRead::lines`
/// does. Lines are kept as bytes, so a line that is not UTF-8 becomes one
/// quarantined record instead of an I/O error that ends the input.
///
/// Input whose first record ends with a carriage return alone (CR-only line
/// endings) is rejected whole. A later line that carriage returns alone
/// split into several records, as when a file switches to CR-only endings
/// part-way, has each of those records quarantined on its own, with the
/// line's number and the reason (see [`lone_cr_parts`]).
fn split_jsonl<R: Read>(input: R, sink: &mut dyn FnMut(PendingRecord)) -> std::io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut line = 0u64;
    let mut seen_record = false;
    loop {
        let mut bytes = Vec::new();
        // At most one byte over the limit is read, so a line without end
        // cannot fill the memory.
        let limit = MAX_RECORD_BYTES as u64 + 1;
        if (&mut reader).take(limit).read_until(b'\n', &mut bytes)? == 0 {
            return Ok(());
        }
        line += 1;
        let oversized = bytes.len() > MAX_RECORD_BYTES && bytes.last() != Some(&b'\n');
        if oversized {
            reader.skip_until(b'\n')?;
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if line == 1 {
            // Editors on Windows often start UTF-8 files with a byte order
            // mark, which is not part of the first record.
            if bytes.starts_with(UTF8_BOM) {
                bytes.drain(..UTF8_BOM.len());
            }
            check_first_jsonl_line(&bytes)?;
        }
        if oversized {
            if !seen_record {
                check_first_jsonl_record(line, &bytes)?;
                seen_record = true;
            }
            sink(oversized_record(line, &bytes, None));
            continue;
        }
        if bytes.trim_ascii().is_empty() {
            continue;
        }
        // `contains` finds a byte with memchr, so lines without a carriage
        // return cost one fast scan.
        let parts = if bytes.contains(&b'\r') {
            lone_cr_parts(&bytes)
        } else {
            Vec::new()
        };
        if !seen_record {
            check_first_jsonl_record(line, &bytes)?;
            if parts.len() > 1 {
                return Err(cr_only_error(line));
            }
            seen_record = true;
        }
        if parts.len() > 1 {
            let count = parts.len();
            for (index, part) in parts.into_iter().enumerate() {
                sink(lone_cr_record(line, &bytes, part, index + 1, count));
            }
            continue;
        }
        sink(PendingRecord::Json { line, bytes });
    }
}

/// Rejects JSON Lines input whose first record is not one JSON object on
/// its line: a CSV file sent to a JSON Lines source, a JSON array, or an
/// object printed over several lines. Every line of such input would be
/// quarantined, so one error for the whole input is clearer. A first
/// record that is a whole object but malformed in another way is
/// quarantined alone, like any other.
fn check_first_jsonl_record(line: u64, bytes: &[u8]) -> std::io::Result<()> {
    let text = bytes.trim_ascii();
    let reason = if text.starts_with(b"[") {
        "starts a JSON array; send one object per line, not an array"
    } else if !text.starts_with(b"{") {
        "is not a JSON object (a CSV file?); each line must hold one object"
    } else if cut_off_object(text) {
        "holds only the start of an object (pretty-printed JSON?); \
         each line must hold one whole object"
    } else {
        return Ok(());
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("line {line} {reason}"),
    ))
}

/// Returns whether `text`, which starts with `{`, is the start of an object
/// that later lines would continue: a brace alone, or a brace and fields
/// ending with a comma. A record cut off elsewhere, such as inside a
/// string, is quarantined alone instead. Only a short line is parsed.
fn cut_off_object(text: &[u8]) -> bool {
    text == b"{"
        || (text.len() <= 256
            && text.ends_with(b",")
            && serde_json::from_slice::<Value>(text).is_err_and(|err| err.is_eof()))
}

/// Rejects JSON Lines input that is UTF-16 (a byte-order mark or NUL bytes on
/// line 1). Every line of such a file would be quarantined, so one error for
/// the whole input is clearer.
fn check_first_jsonl_line(bytes: &[u8]) -> std::io::Result<()> {
    let utf16_bom = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if utf16_bom || bytes.contains(&0) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line 1 is not UTF-8 text (a UTF-16 export?); save the file as UTF-8",
        ));
    }
    Ok(())
}

/// Returns the error for JSON Lines input whose first record, on `line`,
/// ends with a carriage return alone (classic Mac line endings). Such a file
/// reads as one line, so its records would be quarantined as a single
/// malformed one. One error for the whole input is clearer.
fn cr_only_error(line: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "line {line} ends with a carriage return alone (CR-only line endings); \
             end each JSON Lines record with \\n or \\r\\n"
        ),
    )
}

/// One record of a line that carriage returns alone split.
struct LinePart {
    /// The record's bytes within the line, without the whitespace around it.
    range: std::ops::Range<usize>,
    /// The record's JSON object, when it is one; it only names the record
    /// in its quarantine entry.
    value: Option<Value>,
}

/// Splits a JSON Lines line at each carriage return alone that ends a whole
/// JSON object with more text after it, as when a file switches to CR-only
/// line endings after its first line. Returns one part for a line with no
/// such carriage return, since a carriage return between the tokens of
/// one record is JSON whitespace. A part that is not a whole object runs
/// to the end of the line.
fn lone_cr_parts(bytes: &[u8]) -> Vec<LinePart> {
    let skip_space = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count()
    };
    let line_end = bytes.len()
        - bytes
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let mut parts = Vec::new();
    let mut start = skip_space(0);
    while start < line_end {
        let mut stream = serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<Value>();
        let object = match stream.next() {
            Some(Ok(value @ Value::Object(_))) => Some((start + stream.byte_offset(), value)),
            _ => None,
        };
        let Some((end, value)) = object else {
            parts.push(LinePart {
                range: start..line_end,
                value: None,
            });
            break;
        };
        let next = skip_space(end);
        if next >= line_end || !bytes[end..next].contains(&b'\r') {
            // The last record, or one with other text after it on the
            // line, which is then a malformed record up to the line's end.
            parts.push(LinePart {
                range: start..line_end,
                value: Some(value),
            });
            break;
        }
        parts.push(LinePart {
            range: start..end,
            value: Some(value),
        });
        start = next;
    }
    parts
}

/// Builds the quarantined record for part `number` of the `count` records
/// on `line` that carriage returns alone split. Each is quarantined on its
/// own, named by its id where it has one, so no record is hidden inside
/// another and the counts hold every one.
fn lone_cr_record(
    line: u64,
    bytes: &[u8],
    part: LinePart,
    number: usize,
    count: usize,
) -> PendingRecord {
    PendingRecord::Unreadable(RawRecord {
        line,
        raw: escape_invalid_bytes(&bytes[part.range]),
        parsed: Err(format!(
            "record {number} of {count} on this line, which carriage returns alone split \
             (CR-only line endings); end each JSON Lines record with \\n or \\r\\n"
        )),
        salvaged: part.value.map(InputFields::Json),
        failed_field: None,
    })
}

/// Describes a JSON syntax error by its column alone. serde_json's message
/// ends with "at line 1 column N", and that line 1 is the line within the
/// record, which reads as a contradiction next to the file line.
fn malformed_json_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    let reason = text.strip_suffix(&position).unwrap_or(&text);
    format!("malformed json at column {}: {reason}", err.column())
}

fn json_line(line: u64, bytes: Vec<u8>) -> RawRecord {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => return invalid_utf8_json_line(line, err),
    };
    let parsed = match unique_keys::parse(&text) {
        Ok(value @ Value::Object(_)) => Ok(InputFields::Json(value)),
        Ok(_) => Err("expected a JSON object".to_string()),
        Err(unique_keys::ParseError::Malformed(err)) => Err(malformed_json_reason(&err)),
        Err(unique_keys::ParseError::DuplicateKey { path }) => {
            return duplicate_key_json_line(line, text, path);
        }
    };
    RawRecord {
        line,
        raw: text,
        parsed,
        salvaged: None,
        failed_field: None,
    }
}

/// Builds the record for a JSON line with an object that names a key twice.
/// Which value the source meant is unknown, so the record is quarantined,
/// and the line read with the last value of each key only names the record.
fn duplicate_key_json_line(line: u64, text: String, path: String) -> RawRecord {
    let salvaged = serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object);
    RawRecord {
        line,
        raw: text,
        parsed: Err(format!("{path}: duplicate key in a JSON object")),
        salvaged: salvaged.map(InputFields::Json),
        failed_field: Some(path),
    }
}

/// Builds the record for a JSON line that is not valid UTF-8. The reason names
/// the JSON path of the first string with a bad byte (or `line`), the byte's
/// position in the line and its value. The raw text shows each bad byte as
/// `\xHH`, which keeps its value for audit and is not valid JSON, so replay
/// cannot accept the record: it stays quarantined until the source sends it
/// again.
fn invalid_utf8_json_line(line: u64, err: std::string::FromUtf8Error) -> RawRecord {
    let position = err.utf8_error().valid_up_to();
    let bytes = err.into_bytes();
    let salvaged = serde_json::from_str::<Value>(&String::from_utf8_lossy(&bytes))
        .ok()
        .filter(Value::is_object);
    // A U+FFFD that the source sent as valid UTF-8 earlier in the line would
    // be named instead, but the byte position in the reason stays exact.
    let field = salvaged
        .as_ref()
        .and_then(|value| path_of_replacement(value, ""))
        .unwrap_or_else(|| "line".to_string());
    let reason = format!(
        "{field}: invalid utf-8 at byte {} of the line (0x{:02x})",
        position + 1,
        bytes[position]
    );
    RawRecord {
        line,
        raw: escape_invalid_bytes(&bytes),
        parsed: Err(reason),
        salvaged: salvaged.map(InputFields::Json),
        failed_field: Some(field),
    }
}

/// Returns the dotted path of the first string under `value` that contains
/// U+FFFD, the character a lossy decoding puts in place of invalid bytes.
fn path_of_replacement(value: &Value, prefix: &str) -> Option<String> {
    let join = |step: &str| {
        if prefix.is_empty() {
            step.to_string()
        } else {
            format!("{prefix}.{step}")
        }
    };
    match value {
        Value::String(text) => text.contains('\u{fffd}').then(|| prefix.to_string()),
        Value::Object(map) => map
            .iter()
            .find_map(|(key, item)| path_of_replacement(item, &join(key))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| path_of_replacement(item, &join(&index.to_string()))),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// Returns `bytes` as text with each byte of an invalid UTF-8 sequence written `\xHH`.
fn escape_invalid_bytes(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02x}"));
        }
    }
    text
}

fn split_csv<R: Read>(
    input: R,
    columns: &[&str],
    sink: &mut dyn FnMut(PendingRecord),
) -> std::io::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(RawCopy::new(BufReader::with_capacity(1 << 20, input)));
    let blank = is_blank(reader.byte_headers().map_err(csv_to_io)?);
    if blank {
        // An empty file contains no records, as an empty JSON Lines file does,
        // so it needs no header. A blank line before rows does.
        let mut row = csv::ByteRecord::new();
        if !reader.read_byte_record(&mut row).map_err(csv_to_io)? {
            return Ok(());
        }
    }
    let headers = reader.byte_headers().map_err(csv_to_io)?;
    check_header(headers)?;
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    // With a name twice, a mapped path would read whichever column came first.
    let repeat = names.iter().enumerate().find_map(|(at, name)| {
        let first = names[..at].iter().position(|earlier| earlier == name)?;
        Some((first, at, name))
    });
    if let Some((first, second, name)) = repeat {
        // Columns are numbered from 1, as spreadsheets show them. The name is
        // quoted, so an empty one reads `""`.
        let (name, first, second) = (quoted(name), first + 1, second + 1);
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("header names column {name} twice, as columns {first} and {second}"),
        ));
    }
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !names.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        let mut message = format!(
            "header lacks mapped columns {} (wrong source or mapping?)",
            missing.join(", ")
        );
        for column in &missing {
            if let Some(near) = near_miss(&names, column) {
                message.push_str("; ");
                message.push_str(&near);
            }
        }
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            message,
        ));
    }
    let header = Arc::new(CsvHeader::new(names));
    // Each row moves on in its own record, so every row needs a new one. Sized
    // as the row before it, a record is rarely grown (and copied) while read.
    let (mut row_bytes, mut row_fields) = (0, header.names.len());
    loop {
        let mut row = csv::ByteRecord::with_capacity(row_bytes, row_fields);
        match reader.read_byte_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                // A huge row is not carried over to the rows after it.
                row_bytes = row.as_slice().len().min(MAX_CARRIED_ROW_BYTES);
                row_fields = row.len();
                let start = row.position().cloned().unwrap_or_else(csv::Position::new);
                let end = reader.position().byte();
                let copy = reader.get_mut();
                let text = copy.region(start.byte(), end);
                emit_csv_record(&header, row, &start, text, sink);
                copy.discard_before(end);
            }
            Err(err) => match err.kind() {
                csv::ErrorKind::Io(_) => return Err(csv_to_io(err)),
                _ => sink(unreadable_csv(&err, 0)),
            },
        }
    }
}

/// Largest row size that sizes the record of the next CSV row.
const MAX_CARRIED_ROW_BYTES: usize = 64 * 1024;

/// Describes the header column that looks like the mapped column `wanted`
/// but differs from it in surrounding spaces or in case, such as
/// `column 5 is " O1_LNAME", with spaces`. Names are matched exactly, so
/// such a column is not read as `wanted`, and the message explains why.
fn near_miss(names: &[String], wanted: &str) -> Option<String> {
    names.iter().enumerate().find_map(|(index, name)| {
        let trimmed = name.trim();
        let spaced = trimmed.len() != name.len();
        let cased = trimmed != wanted;
        if !(spaced || cased) || trimmed.to_lowercase() != wanted.to_lowercase() {
            return None;
        }
        let case = if trimmed == trimmed.to_lowercase() {
            "in lowercase"
        } else {
            "in different case"
        };
        let how = match (spaced, cased) {
            (true, true) => format!("with spaces and {case}"),
            (true, false) => "with spaces".to_string(),
            (false, _) => case.to_string(),
        };
        Some(format!("column {} is {}, {how}", index + 1, quoted(name)))
    })
}

fn unreadable_csv(err: &csv::Error, line_offset: u64) -> PendingRecord {
    let line = err.position().map_or(0, |p| p.line()) + line_offset;
    PendingRecord::Unreadable(RawRecord {
        line,
        raw: format!("unreadable csv at line {line}"),
        parsed: Err(format!("malformed csv: {err}")),
        salvaged: None,
        failed_field: None,
    })
}

/// Sends one record the csv reader returned, starting at `start`, whose input
/// text is `text`. A record that an unterminated quote ran into later lines
/// is split: its first line is quarantined and the lines after it are read
/// again as records. Quarantining them as one value would hide valid records
/// and leave them out of the counts.
fn emit_csv_record(
    header: &Arc<CsvHeader>,
    mut row: csv::ByteRecord,
    start: &csv::Position,
    text: &[u8],
    sink: &mut dyn FnMut(PendingRecord),
) {
    let (text, position) = record_start(text, start);
    let body = trim_line_end(text);
    match quote::runaway_column(body, header.names.len(), row.len()) {
        // A quote left open runs into later lines, which are read again
        // below, so only a row that ends where it should is measured.
        None if body.len() > MAX_RECORD_BYTES => {
            let salvaged = salvaged_row(header, &row, SALVAGED_FIELD_BYTES);
            sink(oversized_record(position.line(), body, Some(salvaged)));
        }
        None => {
            row.set_position(Some(position));
            sink(PendingRecord::Csv {
                header: Arc::clone(header),
                row,
            });
        }
        Some(column) => {
            let first_len = quarantine_first_line(header, body, position.line(), column, sink);
            reread_csv_lines(header, &text[first_len..], position.line(), sink);
        }
    }
}

/// Quarantines the first line of `body`, a record that the unterminated quote
/// in `column` ran into later lines or to the end of the input, and returns
/// that line's length in bytes.
fn quarantine_first_line(
    header: &Arc<CsvHeader>,
    body: &[u8],
    line: u64,
    column: usize,
    sink: &mut dyn FnMut(PendingRecord),
) -> usize {
    let first_len = body
        .iter()
        .position(|b| *b == b'\n' || *b == b'\r')
        .unwrap_or(body.len());
    let first = &body[..first_len];
    let last_line = line + body.iter().filter(|b| **b == b'\n').count() as u64;
    let column_name = header.names.get(column).cloned().unwrap_or_default();
    let swallowed = if last_line == line {
        "the input ends inside its value".to_string()
    } else if last_line == line + 1 {
        format!("line {last_line} was read as its value, so it is read again as a record")
    } else {
        format!(
            "lines {} to {last_line} were read as its value, so they are read again \
             as their own records",
            line + 1
        )
    };
    let reason = format!("malformed csv: unterminated quote in {column_name}; {swallowed}");
    sink(PendingRecord::Unreadable(RawRecord {
        line,
        raw: String::from_utf8_lossy(first).into_owned(),
        parsed: Err(reason),
        salvaged: salvage_line(header, first),
        failed_field: Some(column_name),
    }));
    first_len
}

/// Reads again, as records, the lines that an unterminated quote ran into.
/// `text` starts with the line break that ends line `line`. After each
/// further unterminated quote in it, reading starts again at the line after
/// that quote's line, so every valid line is kept.
fn reread_csv_lines(
    header: &Arc<CsvHeader>,
    text: &[u8],
    line: u64,
    sink: &mut dyn FnMut(PendingRecord),
) {
    let mut offset = 0;
    let mut line = line;
    'restart: while offset < text.len() {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&text[offset..]);
        loop {
            let mut row = csv::ByteRecord::new();
            match reader.read_byte_record(&mut row) {
                Ok(false) => return,
                Ok(true) => {
                    let local = row.position().cloned().unwrap_or_else(csv::Position::new);
                    let start = offset + local.byte() as usize;
                    let end = offset + reader.position().byte() as usize;
                    // The reader counts lines from 1 at `text[offset]`, the
                    // line break that ends line `line`.
                    let mut absolute = local.clone();
                    absolute.set_line(line - 1 + local.line());
                    absolute.set_byte(0);
                    let (record, position) = record_start(&text[start..end], &absolute);
                    let body = trim_line_end(record);
                    let width = header.names.len();
                    if let Some(column) = quote::runaway_column(body, width, row.len()) {
                        let first_len =
                            quarantine_first_line(header, body, position.line(), column, sink);
                        offset = end - record.len() + first_len;
                        line = position.line();
                        continue 'restart;
                    }
                    row.set_position(Some(position));
                    sink(PendingRecord::Csv {
                        header: Arc::clone(header),
                        row,
                    });
                }
                Err(err) => sink(unreadable_csv(&err, line - 1)),
            }
        }
    }
}

/// Skips the line breaks that the csv reader counts as the start of a record
/// (after a `\r\n` it points at the `\n`), so the position names the line
/// where the record's text begins.
fn record_start<'a>(text: &'a [u8], start: &csv::Position) -> (&'a [u8], csv::Position) {
    let mut position = start.clone();
    let mut skipped = 0;
    for &byte in text {
        match byte {
            b'\n' => {
                position.set_line(position.line() + 1);
            }
            b'\r' => {}
            _ => break,
        }
        skipped += 1;
    }
    position.set_byte(start.byte() + skipped as u64);
    (&text[skipped..], position)
}

fn trim_line_end(text: &[u8]) -> &[u8] {
    let mut end = text.len();
    while end > 0 && matches!(text[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &text[..end]
}

/// Reads the fields of one line cut off by an unterminated quote, so its
/// quarantine entry can name the record when the id comes before the quote.
fn salvage_line(header: &Arc<CsvHeader>, line: &[u8]) -> Option<InputFields> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(line);
    let mut row = csv::ByteRecord::new();
    reader.read_byte_record(&mut row).ok()?;
    Some(salvaged_row(header, &row, usize::MAX))
}

/// Returns whether a CSV line holds only whitespace and commas.
fn is_blank(headers: &csv::ByteRecord) -> bool {
    headers
        .iter()
        .all(|h| h.iter().all(u8::is_ascii_whitespace))
}

/// Rejects a CSV file with rows whose first line is not a header: a blank
/// line, or a header that is not UTF-8 text (a UTF-16 export has NUL bytes
/// or an FF FE byte-order mark). Otherwise the error would list every
/// mapped column.
fn check_header(headers: &csv::ByteRecord) -> std::io::Result<()> {
    let invalid = |message: &str| {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            message.to_string(),
        ))
    };
    if is_blank(headers) {
        return invalid("first line is blank: expected a header row");
    }
    let text = headers.as_slice();
    if std::str::from_utf8(text).is_err() || text.contains(&0) {
        return invalid("header is not UTF-8 text (a UTF-16 export?); save the file as UTF-8");
    }
    Ok(())
}

/// Parses a CSV row. A row with the wrong number of fields or invalid UTF-8
/// keeps its fields as plain comma-joined text (bad bytes shown as U+FFFD),
/// which replay cannot parse, so it stays quarantined until the source sends
/// it again.
fn csv_row(header: Arc<CsvHeader>, row: csv::ByteRecord) -> RawRecord {
    let line = row.position().map_or(0, |p| p.line());
    if row.len() != header.names.len() {
        // The columns before the first missing or extra one are usually in
        // place, so they still name the record (its id) in the quarantine.
        let salvaged: Vec<String> = row
            .iter()
            .take(header.names.len())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        return RawRecord {
            line,
            raw: lossy_text(&row),
            parsed: Err(format!(
                "malformed csv: expected {} fields, found {}",
                header.names.len(),
                row.len()
            )),
            salvaged: Some(InputFields::Csv {
                header,
                values: csv::StringRecord::from(salvaged),
            }),
            failed_field: None,
        };
    }
    // The conversion checks UTF-8 and keeps the row's single buffer.
    match csv::StringRecord::from_byte_record(row) {
        Ok(values) => RawRecord {
            line,
            raw: raw_json(&header.names, &values),
            parsed: Ok(InputFields::Csv { header, values }),
            salvaged: None,
            failed_field: None,
        },
        Err(err) => {
            let column = err.utf8_error().field();
            let row = err.into_byte_record();
            let salvaged: Vec<String> = row
                .iter()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect();
            RawRecord {
                line,
                raw: lossy_text(&row),
                parsed: Err(header.invalid_utf8(column)),
                failed_field: Some(header.names[column].clone()),
                salvaged: Some(InputFields::Csv {
                    header,
                    values: csv::StringRecord::from(salvaged),
                }),
            }
        }
    }
}

fn lossy_text(row: &csv::ByteRecord) -> String {
    row.iter()
        .map(String::from_utf8_lossy)
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes a CSV row as a JSON object of its non-empty columns, in header
/// order. An empty CSV field and a missing key map to the same thing, so
/// nothing a mapping can read is lost, and replay parses the object back.
fn raw_json(names: &[String], values: &csv::StringRecord) -> String {
    let mut out = Vec::with_capacity(values.as_slice().len() + 16 * values.len());
    // Serializing strings into a Vec cannot fail, and the output is valid UTF-8.
    let _ = write_object(&mut serde_json::Serializer::new(&mut out), names, values);
    String::from_utf8(out).unwrap_or_default()
}

fn write_object(
    serializer: &mut serde_json::Serializer<&mut Vec<u8>>,
    names: &[String],
    values: &csv::StringRecord,
) -> Result<(), serde_json::Error> {
    let mut map = serializer.serialize_map(None)?;
    for (name, value) in names.iter().zip(values) {
        if !value.is_empty() {
            map.serialize_entry(name, value)?;
        }
    }
    map.end()
}

fn csv_to_io(err: csv::Error) -> std::io::Error {
    std::io::Error::other(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(format: Format, input: &str) -> Vec<RawRecord> {
        let mut records = Vec::new();
        read_records(format, input.as_bytes(), &[], &mut |r| records.push(r)).unwrap();
        records
    }

    #[test]
    fn csv_raw_omits_empty_columns() {
        let records = read_all(Format::Csv, "ID,NAME,NOTE\n7,\"DOE, JANE\",\n");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].raw, r#"{"ID":"7","NAME":"DOE, JANE"}"#);
        assert_eq!(records[0].line, 2);
    }

    #[test]
    fn csv_and_json_lookups_agree() {
        let csv = read_all(Format::Csv, "ID,NAME,NOTE,a.b\n7, DOE ,,x\n");
        let json = read_all(
            Format::Jsonl,
            r#"{"ID":"7","NAME":" DOE ","NOTE":"","a.b":"x","n":{"list":[1,true]}}"#,
        );
        let cases = [
            ("ID", Some("7")),
            ("NAME", Some("DOE")),
            ("NOTE", None),
            ("a.b", Some("x")),
            ("MISSING", None),
        ];
        for (path, expected) in cases {
            for record in [&csv[0], &json[0]] {
                let fields = record.parsed.as_ref().unwrap();
                assert_eq!(fields.lookup(path).as_deref(), expected, "path {path}");
                assert_eq!(fields.has(path), expected.is_some(), "has {path}");
            }
        }
        let fields = json[0].parsed.as_ref().unwrap();
        assert_eq!(fields.lookup("n.list.0").as_deref(), Some("1"));
        assert_eq!(fields.lookup("n.list.1").as_deref(), Some("true"));
    }

    #[test]
    fn json_path_wins_over_a_dotted_key() {
        let line = concat!(
            r#"{"people.0.name":"HIDDEN","people":[{"name":"SHOWN"}],"#,
            r#""a":"text","a.b":"literal","c.d":"only literal"}"#,
        );
        let records = read_all(Format::Jsonl, line);
        let fields = records[0].parsed.as_ref().unwrap();
        // Each case: a path and the value found there.
        let cases = [
            ("people.0.name", Some("SHOWN")),
            ("a.b", Some("literal")),
            ("c.d", Some("only literal")),
            ("people.1.name", None),
        ];
        for (path, expected) in cases {
            assert_eq!(
                fields.lookup_checked(path).unwrap().as_deref(),
                expected,
                "{path}"
            );
        }
        let wrong = fields.lookup_checked("a.x").unwrap_err();
        assert_eq!(wrong.path, "a");
        assert_eq!(fields.list_len("people").unwrap(), 1);
    }

    #[test]
    fn csv_row_with_wrong_width_is_unparsed() {
        let records = read_all(Format::Csv, "ID,NAME\n1,A,EXTRA\n");
        let reason = records[0].parsed.as_ref().unwrap_err();
        assert_eq!(reason, "malformed csv: expected 2 fields, found 3");
        assert_eq!(records[0].raw, "1,A,EXTRA");
    }

    #[test]
    fn csv_fields_convert_to_json_object() {
        let records = read_all(Format::Csv, "ID,NOTE\n1,\n");
        let value = records[0].parsed.clone().unwrap().into_json();
        assert_eq!(value, serde_json::json!({"ID": "1", "NOTE": ""}));
    }

    #[test]
    fn csv_header_with_a_name_twice_is_rejected() {
        let input: &[u8] = b"ID,NAME,ID\n1,A,2\n";
        let err = read_records(Format::Csv, input, &[], &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "header names column \"ID\" twice, as columns 1 and 3"
        );
        let unnamed: &[u8] = b"ID,,NAME,\n1,,A,\n";
        let err = read_records(Format::Csv, unnamed, &[], &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "header names column \"\" twice, as columns 2 and 4"
        );
    }

    #[test]
    fn csv_header_names_near_the_mapped_ones_are_explained() {
        let columns = ["ID", "O1_LNAME", "VIN"];
        // Each case: a header and the error it gets.
        let cases = [
            (
                "ID, O1_LNAME,VIN",
                "header lacks mapped columns O1_LNAME (wrong source or mapping?); \
                 column 2 is \" O1_LNAME\", with spaces",
            ),
            (
                "id,O1_LNAME ,Vin",
                "header lacks mapped columns ID, O1_LNAME, VIN (wrong source or mapping?); \
                 column 1 is \"id\", in lowercase; column 2 is \"O1_LNAME \", with spaces; \
                 column 3 is \"Vin\", in different case",
            ),
            (
                "ID,\" o1_lname\",VIN",
                "header lacks mapped columns O1_LNAME (wrong source or mapping?); \
                 column 2 is \" o1_lname\", with spaces and in lowercase",
            ),
            // A column that only looks alike gets no hint.
            (
                "ID,O1_LNAM,VIN",
                "header lacks mapped columns O1_LNAME (wrong source or mapping?)",
            ),
        ];
        for (header, expected) in cases {
            let input = format!("{header}\n1,DOE,X\n");
            let err = read_records(Format::Csv, input.as_bytes(), &columns, &mut |_| {})
                .expect_err(header);
            assert_eq!(err.to_string(), expected, "{header}");
        }
    }

    #[test]
    fn jsonl_byte_order_mark_is_dropped() {
        let input: &[u8] = b"\xef\xbb\xbf{\"a\":\"x\"}\n{\"a\":\"y\"}\n";
        let mut records = Vec::new();
        read_records(Format::Jsonl, input, &[], &mut |r| records.push(r)).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].raw, r#"{"a":"x"}"#);
        assert!(records[0].parsed.is_ok());
    }

    #[test]
    fn jsonl_line_endings_and_bad_bytes() {
        let input: &[u8] = b"{\"a\":\"x\"}\r\n\n{\"a\":\"\xe9\"}\nnot json \xff\n{\"a\":1}";
        let mut records = Vec::new();
        read_records(Format::Jsonl, input, &[], &mut |r| records.push(r)).unwrap();

        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 4, 5], "blank line 2 is skipped");
        assert_eq!(records[0].raw, r#"{"a":"x"}"#, "\\r\\n is stripped");
        assert_eq!(
            records[1].parsed.as_ref().unwrap_err(),
            "a: invalid utf-8 at byte 7 of the line (0xe9)"
        );
        assert_eq!(records[1].failed_field.as_deref(), Some("a"));
        assert_eq!(records[1].raw, r#"{"a":"\xe9"}"#);
        assert_eq!(
            records[2].parsed.as_ref().unwrap_err(),
            "line: invalid utf-8 at byte 10 of the line (0xff)"
        );
        assert_eq!(records[2].failed_field.as_deref(), Some("line"));
        assert!(records[3].parsed.is_ok());
    }

    #[test]
    fn jsonl_cr_only_line_endings_are_rejected() {
        let input: &[u8] = b"{\"a\":\"x\"}\r{\"a\":\"y\"}\r{\"a\":\"z\"}\r";
        let mut records = Vec::new();
        let err = read_records(Format::Jsonl, input, &[], &mut |r| records.push(r)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "line 1 ends with a carriage return alone (CR-only line endings); \
             end each JSON Lines record with \\n or \\r\\n"
        );
        assert!(records.is_empty(), "nothing is read from such a file");
    }

    #[test]
    fn jsonl_carriage_return_between_tokens_passes() {
        // JSON allows a carriage return between tokens, so these are one
        // object each, not CR-separated records.
        let input: &[u8] = b"{\"a\":\r{\"b\":1}}\n{\"a\":\"y\"}\r\n{\"a\":\"z\"}\r \n";
        let mut records = Vec::new();
        read_records(Format::Jsonl, input, &[], &mut |r| records.push(r)).unwrap();
        assert_eq!(records.len(), 3);
        for record in &records {
            assert!(record.parsed.is_ok(), "line {}", record.line);
        }
    }

    #[test]
    fn jsonl_cr_only_after_the_first_line_quarantines_each_record() {
        // Line 2 switches to carriage returns alone; line 3 ends with \n again.
        let input: &[u8] =
            b"{\"a\":\"w\"}\n{\"a\":\"x\"}\r{\"a\":\r\"y\"}\r\r{\"a\":\"z\"}\n{\"a\":\"v\"}\n";
        let records = read_all(Format::Jsonl, std::str::from_utf8(input).unwrap());
        let seen: Vec<(u64, Option<String>, Result<String, String>)> = records
            .into_iter()
            .map(|r| {
                let named = r.salvaged.as_ref().and_then(|f| f.lookup("a"));
                let parsed = r.parsed.map(|f| f.lookup("a").unwrap_or_default());
                (
                    r.line,
                    named,
                    parsed.map_err(|reason| format!("{reason} | {}", r.raw)),
                )
            })
            .collect();
        let reason = |n: usize, raw: &str| {
            Err(format!(
                "record {n} of 3 on this line, which carriage returns alone split \
                 (CR-only line endings); end each JSON Lines record with \\n or \\r\\n | {raw}"
            ))
        };
        assert_eq!(
            seen,
            [
                (1, None, Ok("w".to_string())),
                (2, Some("x".to_string()), reason(1, r#"{"a":"x"}"#)),
                (2, Some("y".to_string()), reason(2, "{\"a\":\r\"y\"}")),
                (2, Some("z".to_string()), reason(3, r#"{"a":"z"}"#)),
                (3, None, Ok("v".to_string())),
            ]
        );
    }

    #[test]
    fn jsonl_cr_only_parts_that_are_not_objects() {
        // Each case: a line after a good first line, and the raw text of
        // each record it is split into.
        let cases: [(&str, &[&str]); 4] = [
            ("{\"a\":1}\r{\"a\":", &["{\"a\":1}", "{\"a\":"]),
            (
                "{\"a\":1}\r[1]\r{\"a\":2}",
                &["{\"a\":1}", "[1]\r{\"a\":2}"],
            ),
            (
                "{\"a\":1}\r{\"a\":2} x\r{\"a\":3} ",
                &["{\"a\":1}", "{\"a\":2} x\r{\"a\":3}"],
            ),
            // A carriage return after text that is not a whole object: one
            // malformed record.
            (
                "{\"a\":1} {\"a\":2}\r{\"a\":3}",
                &["{\"a\":1} {\"a\":2}\r{\"a\":3}"],
            ),
        ];
        for (line, expected) in cases {
            let input = format!("{{\"a\":0}}\n{line}\n");
            let records = read_all(Format::Jsonl, &input);
            let raws: Vec<&str> = records[1..].iter().map(|r| r.raw.as_str()).collect();
            assert_eq!(raws, expected, "{line:?}");
            for record in &records[1..] {
                assert_eq!(record.line, 2, "{line:?}");
                assert!(record.parsed.is_err(), "{line:?}");
            }
        }
    }

    #[test]
    fn jsonl_cr_only_first_record_after_blank_lines_is_rejected() {
        let input: &[u8] = b"\n \n{\"a\":\"x\"}\r{\"a\":\"y\"}\r";
        let mut records = Vec::new();
        let err = read_records(Format::Jsonl, input, &[], &mut |r| records.push(r)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "line 3 ends with a carriage return alone (CR-only line endings); \
             end each JSON Lines record with \\n or \\r\\n"
        );
        assert!(records.is_empty(), "nothing is read from such a file");
    }

    fn lines_and_reasons(input: &str) -> Vec<(u64, Result<String, String>)> {
        read_all(Format::Csv, input)
            .into_iter()
            .map(|r| {
                let parsed = r
                    .parsed
                    .map(|fields| fields.lookup("A").unwrap_or_default());
                (r.line, parsed)
            })
            .collect()
    }

    #[test]
    fn csv_unterminated_quote_rereads_lines() {
        let input = "A,B,C\n1,x,y\n2,\"open,y\n3,a,b\n4,\"q\",c\n5,d,e\n6,\"two\nlines\",z\n";
        let records = lines_and_reasons(input);

        let lines: Vec<u64> = records.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
        assert_eq!(
            records[1].1,
            Err(
                "malformed csv: unterminated quote in B; lines 4 to 5 were read as its value, \
                 so they are read again as their own records"
                    .to_string()
            )
        );
        let ids: Vec<&str> = records
            .iter()
            .filter_map(|(_, parsed)| parsed.as_deref().ok())
            .collect();
        assert_eq!(ids, ["1", "3", "4", "5", "6"]);
    }

    #[test]
    fn csv_unterminated_quote_on_last_line() {
        // Each case: the input, and the column where its last line (line 3)
        // opens a quote that the input never closes.
        let cases = [
            ("A,B,C\n1,x,y\n2,\"open,y", "B"),
            ("A,B,C\n1,x,y\n2,\"open,y\n", "B"),
            ("A,B,C\r\n1,x,y\r\n2,x,\"open\r\n", "C"),
            ("A,B,C\n1,x,y\n\"2,x,y", "A"),
        ];
        for (input, column) in cases {
            let records = read_all(Format::Csv, input);
            let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3], "{input:?}");
            let last = &records[1];
            let expected = format!(
                "malformed csv: unterminated quote in {column}; the input ends inside its value"
            );
            assert_eq!(last.parsed.as_ref().err(), Some(&expected), "{input:?}");
            assert_eq!(last.failed_field.as_deref(), Some(column), "{input:?}");
        }
        let records = read_all(Format::Csv, "A,B,C\n1,x,y\n2,\"open,y");
        let salvaged = records[1].salvaged.as_ref().expect("the line is salvaged");
        assert_eq!(salvaged.lookup("A").as_deref(), Some("2"), "the id is kept");
    }

    #[test]
    fn jsonl_malformed_line_names_column() {
        let input = "{\"id\":\"1\"}\n{\"id\": \n[1]\n{\"id\":\"2\"} x\n";
        let records = read_all(Format::Jsonl, input);
        let reasons: Vec<(u64, Option<&String>)> = records
            .iter()
            .map(|r| (r.line, r.parsed.as_ref().err()))
            .collect();
        let expected = [
            (1, None),
            (
                2,
                Some("malformed json at column 7: EOF while parsing a value"),
            ),
            (3, Some("expected a JSON object")),
            (4, Some("malformed json at column 12: trailing characters")),
        ];
        assert_eq!(reasons.len(), expected.len(), "{reasons:?}");
        for ((line, reason), (expected_line, expected_reason)) in reasons.iter().zip(expected) {
            assert_eq!(*line, expected_line);
            assert_eq!(reason.map(String::as_str), expected_reason, "line {line}");
        }
    }

    #[test]
    fn jsonl_duplicate_keys_are_named() {
        // Each case: the line, and the path of the duplicated key (None when
        // the line has no duplicate).
        let cases = [
            (r#"{"id":"1","id":"2"}"#, Some("id")),
            (
                r#"{"id":"1","subject":{"name":"A","dob":"x","name":"B"}}"#,
                Some("subject.name"),
            ),
            (
                r#"{"id":"1","involved":[{"role":"V"},{"role":"V","role":"W"}]}"#,
                Some("involved.1.role"),
            ),
            (r#"{"id":"1","a":{"name":"A"},"b":{"name":"A"}}"#, None),
            (r#"{"id":"1","a":[1,1],"n":null,"f":1.5,"t":true}"#, None),
        ];
        for (line, duplicate) in cases {
            let records = read_all(Format::Jsonl, line);
            let record = &records[0];
            assert_eq!(record.raw, line);
            let Some(path) = duplicate else {
                let fields = record.parsed.as_ref().expect(line).clone().into_json();
                let expected: Value = serde_json::from_str(line).expect("valid JSON");
                assert_eq!(fields, expected, "{line}");
                continue;
            };
            let expected = format!("{path}: duplicate key in a JSON object");
            assert_eq!(record.parsed.as_ref().err(), Some(&expected), "{line}");
            assert_eq!(record.failed_field.as_deref(), Some(path), "{line}");
            let salvaged = record.salvaged.as_ref().expect("the line is salvaged");
            assert!(
                salvaged.lookup("id").is_some(),
                "{line}: the record is named"
            );
        }
    }

    #[test]
    fn empty_input_has_no_records() {
        // Each case: the format, the input, and the error (None when the
        // input is read as holding no records).
        let cases = [
            (Format::Csv, "", None),
            (Format::Csv, " \n\n", None),
            (Format::Csv, "A,B\n", None),
            (Format::Jsonl, "", None),
            (Format::Jsonl, " \n\n", None),
            (
                Format::Csv,
                " \n1,x\n",
                Some("first line is blank: expected a header row"),
            ),
        ];
        for (format, input, expected) in cases {
            let mut records = 0;
            let result = read_records(format, input.as_bytes(), &[], &mut |_| records += 1);
            match expected {
                None => assert!(result.is_ok(), "{format:?} {input:?}: {result:?}"),
                Some(message) => {
                    let err = result.expect_err(input);
                    assert_eq!(err.to_string(), message, "{format:?} {input:?}");
                }
            }
            assert_eq!(records, 0, "{format:?} {input:?}");
        }
    }

    #[test]
    fn csv_quoted_line_break_is_kept() {
        let records = read_all(Format::Csv, "A,B,C\n6,\"two\nlines\",z\n7,e,f\n");
        assert_eq!(records.len(), 2);
        let fields = records[0].parsed.as_ref().unwrap();
        assert_eq!(fields.lookup("B").as_deref(), Some("two\nlines"));
        assert_eq!(records[1].line, 4);
    }

    #[test]
    fn csv_quote_open_to_end_of_input() {
        let records = lines_and_reasons("A,B,C\n1,\"x,y\n2,\"a,b\n3,c,d");
        let lines: Vec<u64> = records.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(records[0].1.is_err(), "{records:?}");
        assert!(records[1].1.is_err(), "{records:?}");
        assert_eq!(records[2].1.as_deref(), Ok("3"));
    }

    #[test]
    fn csv_crlf_lines_are_numbered() {
        let records = read_all(Format::Csv, "A,B\r\n1,x\r\n\r\n2,y\r\n");
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
    }
}
