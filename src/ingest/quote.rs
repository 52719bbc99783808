//! Detection of CSV records that an unterminated quote has run into the lines
//! after it, and the copy of the input that lets the reader read those lines
//! again.
//!
//! RFC 4180 lets a quoted field span lines, so the csv crate reads from an
//! opening quote to the next quote wherever it is. One missing closing quote
//! therefore turns the following lines into a single field of one record. A
//! record that spans lines is accepted only when its quoting is well formed
//! and it has the header's number of fields.

use std::io::Read;

/// Bytes kept before discarding what the reader has consumed.
const KEEP_BYTES: usize = 1 << 20;

/// A reader that keeps a copy of the bytes read through it, so that the text
/// of a record can be looked up by its byte offsets in the input.
#[derive(Debug)]
pub(super) struct RawCopy<R> {
    inner: R,
    bytes: Vec<u8>,
    /// Input offset of `bytes[0]`.
    base: u64,
}

impl<R: Read> RawCopy<R> {
    pub(super) fn new(inner: R) -> RawCopy<R> {
        RawCopy {
            inner,
            bytes: Vec::new(),
            base: 0,
        }
    }

    /// Returns the input between byte offsets `start` and `end`, or an empty
    /// slice when that part has been discarded.
    pub(super) fn region(&self, start: u64, end: u64) -> &[u8] {
        let from = start.saturating_sub(self.base) as usize;
        let to = (end.saturating_sub(self.base) as usize).min(self.bytes.len());
        if start < self.base || from > to {
            return &[];
        }
        &self.bytes[from..to]
    }

    /// Drops the input before byte offset `offset` once at least
    /// `KEEP_BYTES` of it have been consumed, so the copy stays small and
    /// dropping moves few bytes per record.
    pub(super) fn discard_before(&mut self, offset: u64) {
        let consumed = offset.saturating_sub(self.base) as usize;
        if consumed >= KEEP_BYTES {
            let consumed = consumed.min(self.bytes.len());
            self.bytes.drain(..consumed);
            self.base += consumed as u64;
        }
    }
}

impl<R: Read> Read for RawCopy<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bytes.extend_from_slice(&buf[..read]);
        Ok(read)
    }
}

/// Returns the position of the column whose quoted field runs past the end
/// of the record's first line when that field looks like an unterminated
/// quote, or `None` for a well-formed record.
///
/// `text` is the record as read, without its final line terminator, and
/// `width` is the header's number of fields. A multi-line record is treated
/// as a run-away quote when the input ends inside a quoted field, when a
/// closing quote is followed by text other than a comma, or when it does not
/// have `width` fields. A record on one line is a run-away quote only when
/// the input ends inside a quoted field, and then the column is the one
/// where that quote opens.
///
/// NOTE: a run-away quote that the next quote closes just before a comma or
/// a line end, with the right number of fields, reads as a valid multi-line
/// field and is not detected.
pub(super) fn runaway_column(text: &[u8], width: usize, fields: usize) -> Option<usize> {
    // Most records hold no quote at all, and a byte search finds that
    // faster than the state machine below.
    if !text.contains(&b'"') {
        return None;
    }
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut column = 0;
    // The column of the last quoted field opened.
    let mut opened = 0;
    // The column of the quoted field that contains the first line break.
    let mut spanning = None;
    let mut malformed = false;
    for &byte in text {
        state = match (state, byte) {
            (State::FieldStart, b'"') => {
                opened = column;
                State::Quoted
            }
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => {
                column += 1;
                State::FieldStart
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, b'\n' | b'\r') => {
                spanning.get_or_insert(column);
                State::Quoted
            }
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, _) => {
                malformed = true;
                State::Unquoted
            }
        };
    }
    let unterminated = state == State::Quoted;
    match spanning {
        Some(spanning) => (unterminated || malformed || fields != width).then_some(spanning),
        None => unterminated.then_some(opened),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runaway_column_cases() {
        let cases: [(&str, usize, Option<usize>); 10] = [
            ("1,x,y", 3, None),
            ("1,\"x\",y", 3, None),
            // The input ends inside a quote that opens on the record's only line.
            ("7,x,\"open", 3, Some(2)),
            ("7,\"open,y", 2, Some(1)),
            ("6,\"multi\nline\",z", 3, None),
            ("6,\"say \"\"hi\"\"\nthere\",z", 3, None),
            ("2,\"open,y\n3,a,b", 2, Some(1)),
            ("2,\"open,y\n3,a,b\n4,\"q\",c", 3, Some(1)),
            ("2,x,\"open\n3,a,b\n4,c\",d", 4, Some(2)),
            // The gap named in the NOTE on `runaway_column`.
            ("2,x,\"open\n3,a,b\n4,c\"", 3, None),
        ];
        for (text, fields, expected) in cases {
            let found = runaway_column(text.as_bytes(), 3, fields);
            assert_eq!(found, expected, "{text:?}");
        }
    }

    #[test]
    fn raw_copy_keeps_unconsumed_bytes() {
        let mut copy = RawCopy::new(&b"abcdef"[..]);
        let mut buf = [0u8; 4];
        copy.read_exact(&mut buf).unwrap();

        assert_eq!(copy.region(1, 3), b"bc");
        copy.discard_before(2);
        assert_eq!(copy.region(2, 4), b"cd", "small prefixes are kept");
        assert_eq!(copy.region(3, 9), b"d", "unread bytes are not there yet");
    }
}
