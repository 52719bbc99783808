//! Generated records before they are written in an agency's layout: which
//! source holds them, what they state and which people they name.

use chrono::NaiveDate;

use crate::model::{RecordKind, Role, Status};

/// The seven agency feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Rms,
    Judicial,
    Correction,
    Dmv,
    Cssd,
    Parole,
    Sor,
}

impl Source {
    /// Every source, in file-writing order.
    pub(crate) const ALL: [Source; 7] = [
        Source::Rms,
        Source::Judicial,
        Source::Correction,
        Source::Dmv,
        Source::Cssd,
        Source::Parole,
        Source::Sor,
    ];

    /// Source name used in record keys and file names.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Source::Rms => "rms",
            Source::Judicial => "judicial",
            Source::Correction => "correction",
            Source::Dmv => "dmv",
            Source::Cssd => "cssd",
            Source::Parole => "parole",
            Source::Sor => "sor",
        }
    }

    /// Returns whether the feed is JSON Lines rather than CSV.
    pub(crate) fn is_jsonl(self) -> bool {
        matches!(self, Source::Rms | Source::Cssd | Source::Sor)
    }

    /// File name in the output directory.
    pub(crate) fn file_name(self) -> String {
        let ext = if self.is_jsonl() { "jsonl" } else { "csv" };
        format!("{}.{ext}", self.name())
    }

    /// Position in [`Source::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One version of one record, with its parties as indices into the chunk's people.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Feed that sends the record.
    pub source: Source,
    /// Record id, unique within the source.
    pub id: String,
    /// Version, from 1.
    pub version: u32,
    /// Whether no higher version of this record exists.
    pub latest: bool,
    /// Record kind.
    pub kind: RecordKind,
    /// Event or effective date, never after the run's as-of date.
    pub date: NaiveDate,
    /// End or expiry date.
    pub end: Option<NaiveDate>,
    /// Lifecycle status.
    pub status: Option<Status>,
    /// Docket or case number.
    pub case_number: Option<String>,
    /// Charge, conditions, facility or similar.
    pub description: Option<String>,
    /// Town of the event.
    pub town: Option<&'static str>,
    /// People named, with their roles. The first is the subject or owner.
    pub parties: Vec<(Role, usize)>,
    /// Vehicle named, as an index into the chunk's vehicles.
    pub vehicle: Option<usize>,
    /// Facility moved from, for correction transfers.
    pub from_facility: Option<&'static str>,
}

impl Event {
    /// Starts version 1 of a record about `subject` in `role`.
    pub(crate) fn new(
        source: Source,
        id: String,
        kind: RecordKind,
        date: NaiveDate,
        role: Role,
        subject: usize,
    ) -> Event {
        Event {
            source,
            id,
            version: 1,
            latest: true,
            kind,
            date,
            end: None,
            status: None,
            case_number: None,
            description: None,
            town: None,
            parties: vec![(role, subject)],
            vehicle: None,
            from_facility: None,
        }
    }

    /// Sets the status.
    pub(crate) fn status(mut self, status: Status) -> Event {
        self.status = Some(status);
        self
    }

    /// Sets the end date.
    pub(crate) fn end(mut self, end: Option<NaiveDate>) -> Event {
        self.end = end;
        self
    }

    /// Sets the description.
    pub(crate) fn describe(mut self, text: impl Into<String>) -> Event {
        self.description = Some(text.into());
        self
    }

    /// Sets the case number.
    pub(crate) fn case(mut self, number: &str) -> Event {
        self.case_number = Some(number.to_string());
        self
    }

    /// Sets the town.
    pub(crate) fn town(mut self, town: &'static str) -> Event {
        self.town = Some(town);
        self
    }

    /// Returns the next version of this record, to be changed by the caller.
    pub(crate) fn next_version(&self) -> Event {
        let mut next = self.clone();
        next.version += 1;
        next
    }
}
