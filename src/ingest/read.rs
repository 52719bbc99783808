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
    let headers = reader.headers().map_err(csv_to_io)?.clone();
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => sink(csv_row(&headers, &row)),
            Err(err) => match err.kind() {
                csv::ErrorKind::Io(_) => return Err(csv_to_io(err)),
                _ => {
                    let line = err.position().map_or(0, |p| p.line());
                    sink(RawRecord {
                        line,
                        raw: String::new(),
                        parsed: Err(format!("malformed csv: {err}")),
                    });
                }
            },
        }
    }
}

fn csv_row(headers: &csv::StringRecord, row: &csv::StringRecord) -> RawRecord {
    let line = row.position().map_or(0, |p| p.line());
    let mut object = Map::with_capacity(headers.len());
    for (name, value) in headers.iter().zip(row.iter()) {
        object.insert(name.to_string(), Value::String(value.to_string()));
    }
    let value = Value::Object(object);
    let raw = value.to_string();
    let parsed = if row.len() == headers.len() {
        Ok(value)
    } else {
        Err(format!(
            "malformed csv: expected {} fields, found {}",
            headers.len(),
            row.len()
        ))
    };
    let raw = if parsed.is_ok() {
        raw
    } else {
        row.iter().collect::<Vec<_>>().join(",")
    };
    RawRecord { line, raw, parsed }
}

fn csv_to_io(err: csv::Error) -> std::io::Error {
    std::io::Error::other(err.to_string())
}
