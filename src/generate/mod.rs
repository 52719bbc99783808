//! Seeded generator of realistic agency feeds with their ground truth.
//!
//! [`generate`] builds a fictional Connecticut population household by
//! household, gives most people only licences and registrations and a
//! minority a coherent arrest-to-release history, and writes what each of
//! the seven agencies would hold, in that agency's own layout:
//!
//! | file | layout |
//! | --- | --- |
//! | `rms.jsonl` | police reports, nested objects, `LAST, FIRST MIDDLE`, `MM/DD/YYYY` |
//! | `judicial.csv` | court records, one column per name part, ISO dates |
//! | `correction.csv` | custody movements, `YYYYMMDD`, inmate number |
//! | `dmv.csv` | registrations (up to two owners) and licences, `MM-DD-YYYY` |
//! | `cssd.jsonl` | probation and pretrial supervision, ISO dates |
//! | `parole.csv` | parole actions, `DD-Mon-YYYY`, one-line address |
//! | `sor.jsonl` | registry entries, ISO dates |
//!
//! `fixtures/sources/<source>.toml` maps each layout to the canonical model.
//! Beside the feeds it writes `truth.csv` (who each record really names and
//! which status category it puts on them) and `featured.json` (scripted
//! people for the demo and end-to-end tests).
//!
//! People are generated in chunks of a fixed size. Each chunk draws from its
//! own random stream, the seed with the chunk number as stream id. It also
//! owns reserved ranges of record numbers and identifiers. So chunks run in
//! parallel, and the files are byte-identical for a seed whatever the number
//! of threads. Chunks are generated a window at a time and written in order,
//! so memory stays bounded.

mod featured;
mod history;
mod ids;
mod names;
mod nicknames;
mod output;
mod places;
mod population;
mod records;
mod sources;
mod truth;
mod vary;
mod vehicles;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

pub use featured::{FeaturedPerson, FeaturedPlate};

use history::{CHUNK_PEOPLE, Chunk, FEATURED};
use ids::IdFormats;
use output::{ChunkOutput, FeedWriters};

/// Names of the generated sources, in the order their files are written.
pub const SOURCES: [&str; 7] = [
    "rms",
    "judicial",
    "correction",
    "dmv",
    "cssd",
    "parole",
    "sor",
];

/// Chunks generated in parallel before their output is written.
const WINDOW: u64 = 16;

/// Population size, seed, as-of date and output directory of one run.
#[derive(Debug, Clone)]
pub struct GenerateConfig {
    /// Number of people in the population, at least [`MIN_PEOPLE`].
    pub people: usize,
    /// Seed. The same seed and population give byte-identical files.
    pub seed: u64,
    /// Date statuses are judged at. No event is dated later.
    pub as_of: NaiveDate,
    /// Directory the files are written to, created if missing.
    pub out_dir: PathBuf,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

/// Earliest reference date. The oldest generated people are 85, and ingest
/// rejects a date of birth before 1880.
const EARLIEST_AS_OF: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

/// Months past today that a reference date may lie, as far ahead as ingest
/// accepts a record date (no generated event is dated after the reference
/// date).
const AS_OF_MONTHS_AHEAD: u32 = 12;

/// Rejects a reference date whose records ingest would reject, judged on
/// `today`.
fn check_as_of(as_of: NaiveDate, today: NaiveDate) -> Result<(), GenerateError> {
    let latest = today + chrono::Months::new(AS_OF_MONTHS_AHEAD);
    if (EARLIEST_AS_OF..=latest).contains(&as_of) {
        return Ok(());
    }
    Err(GenerateError::AsOfOutOfRange {
        as_of,
        earliest: EARLIEST_AS_OF,
        latest,
    })
}

/// Smallest population: the featured people and the person they protect.
pub const MIN_PEOPLE: usize = FEATURED + 1;

/// Summary of the files one run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Number of people generated.
    pub people: usize,
    /// Rows written per source, counting each version of a record as one row.
    pub records_per_source: BTreeMap<String, usize>,
    /// Rows written to `truth.csv`, header excluded.
    pub truth_rows: usize,
    /// Every file written, feeds first, then `truth.csv` and `featured.json`.
    pub files: Vec<PathBuf>,
}

/// Reasons a run fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A reference date whose records ingest would reject: people born
    /// before the earliest accepted date of birth, or records dated too far
    /// ahead.
    #[error(
        "invalid as-of date {as_of}: expected {earliest} to {latest}, or ingest rejects the records"
    )]
    AsOfOutOfRange {
        /// The reference date given.
        as_of: NaiveDate,
        /// Earliest accepted reference date.
        earliest: NaiveDate,
        /// Latest accepted reference date.
        latest: NaiveDate,
    },
    /// Too few people to hold the featured people.
    #[error("too few people: {people} requested, at least {min} needed")]
    TooFewPeople {
        /// People requested.
        people: usize,
        /// Smallest population.
        min: usize,
    },
    /// The output directory named is a file.
    #[error("cannot write feeds to {path}: the path is a file, expected a directory")]
    OutIsFile {
        /// The output path given.
        path: PathBuf,
    },
    /// A file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// File being written.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A record or the featured list could not be encoded.
    #[error("cannot encode a {source_name} record: {message}")]
    Encode {
        /// Source whose record failed, or `featured`.
        source_name: &'static str,
        /// Encoder's message.
        message: String,
    },
}

/// Generates the population, writes every feed, `truth.csv` and
/// `featured.json` into `config.out_dir`, and returns what was written.
pub fn generate(config: &GenerateConfig) -> Result<GenerateSummary, GenerateError> {
    check_as_of(config.as_of, chrono::Utc::now().date_naive())?;
    if config.people < MIN_PEOPLE {
        return Err(GenerateError::TooFewPeople {
            people: config.people,
            min: MIN_PEOPLE,
        });
    }
    let ids = IdFormats::new(config.seed);
    let mut writers = FeedWriters::create(&config.out_dir)?;
    let progress = progress_bar(config);
    let chunks = config.people.div_ceil(CHUNK_PEOPLE) as u64;
    let mut featured = Vec::new();
    for window in (0..chunks).step_by(WINDOW as usize) {
        let outputs: Vec<Result<ChunkOutput, GenerateError>> = (window
            ..chunks.min(window + WINDOW))
            .into_par_iter()
            .map(|index| run_chunk(index, config, &ids))
            .collect();
        for output in outputs {
            let output = output?;
            writers.write_chunk(&output)?;
            progress.inc(output.people as u64);
            featured.extend(output.featured);
        }
    }
    progress.finish_and_clear();
    writers.finish(&featured, config.people)
}

fn progress_bar(config: &GenerateConfig) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(config.people as u64);
    let style =
        ProgressStyle::with_template("{bar:40} {pos}/{len} people {elapsed_precise} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Generates and renders chunk `index`.
fn run_chunk(
    index: u64,
    config: &GenerateConfig,
    ids: &IdFormats,
) -> Result<ChunkOutput, GenerateError> {
    let start = index as usize * CHUNK_PEOPLE;
    let count = CHUNK_PEOPLE.min(config.people - start);
    let mut chunk = Chunk::build(index, count, config.seed, config.as_of, ids);
    let mut output = output::render_chunk(&mut chunk)?;
    if index == 0 {
        output.featured = featured_entries(&chunk, &output.featured_categories);
    }
    Ok(output)
}

fn featured_entries(
    chunk: &Chunk<'_>,
    categories: &[BTreeSet<&'static str>],
) -> Vec<FeaturedPerson> {
    chunk
        .featured_vehicles
        .iter()
        .enumerate()
        .map(|(p, &vehicle)| {
            let names = categories[p].iter().map(|c| c.to_string()).collect();
            featured::entry(chunk, p, vehicle, names)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_range_is_what_ingest_accepts() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date");
        let today = day("2026-12-05");
        // Each case: a reference date, and whether it is accepted.
        let cases = [
            ("1850-01-01", false),
            ("1969-12-31", false),
            ("1970-01-01", true),
            ("2026-12-05", true),
            ("2027-12-05", true),
            ("2027-12-06", false),
            ("9999-12-31", false),
        ];
        for (as_of, accepted) in cases {
            let checked = check_as_of(day(as_of), today);
            assert_eq!(checked.is_ok(), accepted, "{as_of}: {checked:?}");
        }
        let message = check_as_of(day("1850-01-01"), today)
            .err()
            .map(|e| e.to_string());
        let expected = "invalid as-of date 1850-01-01: expected 1970-01-01 to 2027-12-05, \
                        or ingest rejects the records";
        assert_eq!(message.as_deref(), Some(expected));
    }
}
