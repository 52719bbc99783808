//! Readers for CSV and JSON Lines that turn each input line into a JSON value,
//! or into the reason it cannot be read, without stopping at the first bad line.

use std::io::{BufRead, BufReader, Read};

use serde_json::{Map, Value};

use super::mapping::Format;

/// One input record before mapping.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based line number in the input (the header is line 1 in CSV).
    pub line: u64,
    /// Text kept as the record's raw form: the JSON line, or the CSV row as a JSON object.
    pub raw: String,
    /// The parsed record, or why it could not be parsed.
    pub parsed: Result<Value, String>,
}

/// Reads all records of `format` from `input`, calling `sink` for each in order.
/// Returns the number of bytes read, or the first I/O error (parse errors go to the sink).
pub fn read_records<R: Read>(
    format: Format,
    input: R,
    sink: &mut dyn FnMut(RawRecord),
) -> std::io::Result<()> {
    match format {
        Format::Jsonl => read_jsonl(input, sink),
        Format::Csv => read_csv(input, sink),
    }
}

fn read_jsonl<R: Read>(input: R, sink: &mut dyn FnMut(RawRecord)) -> std::io::Result<()> {
    let reader = BufReader::with_capacity(1 << 20, input);
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = match serde_json::from_str::<Value>(&line) {
            Ok(value @ Value::Object(_)) => Ok(value),
            Ok(_) => Err("expected a JSON object".to_string()),
            Err(err) => Err(format!("malformed json: {err}")),
        };
        sink(RawRecord {
            line: index as u64 + 1,
            raw: line,
            parsed,
        });
    }
    Ok(())
}

fn read_csv<R: Read>(input: R, sink: &mut dyn FnMut(RawRecord)) -> std::io::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, input));
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(csv_to_io)?
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let mut row = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => sink(csv_row(&headers, &row)),
            Err(err) => match err.kind() {
                csv::ErrorKind::Io(_) => return Err(csv_to_io(err)),
                _ => {
                    let line = err.position().map_or(0, |p| p.line());
                    let raw = format!("unreadable csv at line {line}");
                    sink(RawRecord {
                        line,
                        raw,
                        parsed: Err(format!("malformed csv: {err}")),
                    });
                }
            },
        }
    }
}

/// Turns a CSV row into a JSON object keyed by header. A row with the wrong
/// number of fields or invalid UTF-8 keeps its fields as plain comma-joined
/// text (bad bytes shown as U+FFFD), which replay cannot parse, so it stays
/// quarantined until the source sends it again.
fn csv_row(headers: &[String], row: &csv::ByteRecord) -> RawRecord {
    let line = row.position().map_or(0, |p| p.line());
    let mut object = Map::with_capacity(headers.len());
    let mut invalid_utf8 = None;
    for (index, value) in row.iter().enumerate() {
        let text = match std::str::from_utf8(value) {
            Ok(text) => text.to_string(),
            Err(_) => {
                invalid_utf8.get_or_insert(index);
                String::from_utf8_lossy(value).into_owned()
            }
        };
        if let Some(name) = headers.get(index) {
            object.insert(name.clone(), Value::String(text));
        }
    }
    let lossy = || {
        row.iter()
            .map(String::from_utf8_lossy)
            .collect::<Vec<_>>()
            .join(",")
    };
    let parsed = if row.len() != headers.len() {
        Err(format!(
            "malformed csv: expected {} fields, found {}",
            headers.len(),
            row.len()
        ))
    } else if let Some(index) = invalid_utf8 {
        Err(format!("{}: invalid utf-8", headers[index]))
    } else {
        let value = Value::Object(object);
        return RawRecord {
            line,
            raw: value.to_string(),
            parsed: Ok(value),
        };
    };
    RawRecord {
        line,
        raw: lossy(),
        parsed,
    }
}

fn csv_to_io(err: csv::Error) -> std::io::Error {
    std::io::Error::other(err.to_string())
}
