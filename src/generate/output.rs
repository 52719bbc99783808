//! Rendering a chunk's records into per-source byte buffers with their truth
//! rows, and appending those buffers to the output files in chunk order.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::featured::FeaturedPerson;
use super::history::{Chunk, FEATURED};
use super::records::{Event, Source};
use super::sources::{self, Ctx, Row};
use super::truth::{self, TRUTH_HEADER};
use super::{GenerateError, GenerateSummary};

/// Everything one chunk writes.
pub(crate) struct ChunkOutput {
    /// People in the chunk.
    pub people: usize,
    /// Encoded rows per source, in [`Source::ALL`] order.
    feeds: Vec<Vec<u8>>,
    /// Rows per source.
    counts: Vec<usize>,
    /// Encoded truth rows.
    truth: Vec<u8>,
    /// Number of truth rows.
    truth_rows: usize,
    /// Categories of each featured person (chunk 0 only).
    pub featured_categories: Vec<BTreeSet<&'static str>>,
    /// Featured entries (chunk 0 only), filled in by the caller.
    pub featured: Vec<FeaturedPerson>,
}

fn encode_error(source: Source, message: impl ToString) -> GenerateError {
    encode_error_in(source.name(), message)
}

fn encode_error_in(what: &'static str, message: impl ToString) -> GenerateError {
    GenerateError::Encode {
        source_name: what,
        message: message.to_string(),
    }
}

/// Per-source encoders for one chunk.
struct Encoders {
    csv: Vec<Option<csv::Writer<Vec<u8>>>>,
    json: Vec<Vec<u8>>,
}

impl Encoders {
    fn new() -> Encoders {
        let csv = Source::ALL
            .iter()
            .map(|s| (!s.is_jsonl()).then(|| csv_writer(Vec::new())))
            .collect();
        Encoders {
            csv,
            json: vec![Vec::new(); Source::ALL.len()],
        }
    }

    fn write(&mut self, source: Source, row: Row) -> Result<(), GenerateError> {
        match (row, &mut self.csv[source.index()]) {
            (Row::Csv(fields), Some(writer)) => writer
                .write_record(&fields)
                .map_err(|e| encode_error(source, e)),
            (Row::Json(value), _) => {
                let buffer = &mut self.json[source.index()];
                serde_json::to_writer(&mut *buffer, &value).map_err(|e| encode_error(source, e))?;
                buffer.push(b'\n');
                Ok(())
            }
            (Row::Csv(_), None) => Err(encode_error(source, "a CSV row for a JSON Lines source")),
        }
    }

    fn finish(self) -> Result<Vec<Vec<u8>>, GenerateError> {
        self.csv
            .into_iter()
            .zip(self.json)
            .zip(Source::ALL)
            .map(|((csv, json), source)| match csv {
                Some(writer) => writer
                    .into_inner()
                    .map_err(|e| encode_error(source, e.error())),
                None => Ok(json),
            })
            .collect()
    }
}

fn csv_writer<W: Write>(inner: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(inner)
}

/// Renders every record of `chunk` and its truth rows.
pub(crate) fn render_chunk(chunk: &mut Chunk<'_>) -> Result<ChunkOutput, GenerateError> {
    let events = std::mem::take(&mut chunk.events);
    let mut encoders = Encoders::new();
    let mut counts = vec![0; Source::ALL.len()];
    let mut truth_buffer = Vec::new();
    let mut truth_rows = 0;
    let mut featured_categories =
        vec![BTreeSet::new(); if chunk.index == 0 { FEATURED } else { 0 }];
    for event in &events {
        let mut ctx = Ctx {
            people: &chunk.people,
            vehicles: &chunk.vehicles,
            rng: &mut chunk.rng,
        };
        encoders.write(event.source, sources::render(event, &mut ctx))?;
        counts[event.source.index()] += 1;
        truth_rows += write_truth(chunk, event, &mut truth_buffer, &mut featured_categories);
    }
    Ok(ChunkOutput {
        people: chunk.people.len(),
        feeds: encoders.finish()?,
        counts,
        truth: truth_buffer,
        truth_rows,
        featured_categories,
        featured: Vec::new(),
    })
}

fn write_truth(
    chunk: &Chunk<'_>,
    event: &Event,
    out: &mut Vec<u8>,
    featured: &mut [BTreeSet<&'static str>],
) -> usize {
    for &(role, p) in &event.parties {
        let person = &chunk.people[p];
        let category = truth::category(event, role, chunk.as_of);
        truth::write_row(out, event, role, &person.person_id(), category);
        if let (Some(at), Some(category)) = (person.featured, category) {
            featured[at].insert(category.as_str());
        }
    }
    event.parties.len()
}

/// The open output files.
pub(crate) struct FeedWriters {
    dir: PathBuf,
    feeds: Vec<(PathBuf, BufWriter<File>)>,
    truth: (PathBuf, BufWriter<File>),
    counts: Vec<usize>,
    truth_rows: usize,
}

fn create(path: PathBuf) -> Result<(PathBuf, BufWriter<File>), GenerateError> {
    match File::create(&path) {
        Ok(file) => Ok((path, BufWriter::with_capacity(1 << 20, file))),
        Err(source) => Err(GenerateError::Io { path, source }),
    }
}

fn write_all(target: &mut (PathBuf, BufWriter<File>), bytes: &[u8]) -> Result<(), GenerateError> {
    target
        .1
        .write_all(bytes)
        .map_err(|source| GenerateError::Io {
            path: target.0.clone(),
            source,
        })
}

impl FeedWriters {
    /// Creates `dir` and every file in it, writing the CSV headers.
    pub(crate) fn create(dir: &Path) -> Result<FeedWriters, GenerateError> {
        if dir.exists() && !dir.is_dir() {
            return Err(GenerateError::OutIsFile {
                path: dir.to_path_buf(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|source| GenerateError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut feeds = Vec::new();
        for source in Source::ALL {
            let mut file = create(dir.join(source.file_name()))?;
            if let Some(header) = sources::header(source) {
                write_all(&mut file, format!("{}\n", header.join(",")).as_bytes())?;
            }
            feeds.push(file);
        }
        let mut truth = create(dir.join("truth.csv"))?;
        write_all(&mut truth, TRUTH_HEADER.as_bytes())?;
        Ok(FeedWriters {
            dir: dir.to_path_buf(),
            feeds,
            truth,
            counts: vec![0; Source::ALL.len()],
            truth_rows: 0,
        })
    }

    /// Appends one chunk's rows.
    pub(crate) fn write_chunk(&mut self, output: &ChunkOutput) -> Result<(), GenerateError> {
        for (at, bytes) in output.feeds.iter().enumerate() {
            write_all(&mut self.feeds[at], bytes)?;
            self.counts[at] += output.counts[at];
        }
        write_all(&mut self.truth, &output.truth)?;
        self.truth_rows += output.truth_rows;
        Ok(())
    }

    /// Flushes every file, writes `featured.json` and summarizes the run.
    pub(crate) fn finish(
        mut self,
        featured: &[FeaturedPerson],
        people: usize,
    ) -> Result<GenerateSummary, GenerateError> {
        let mut files = Vec::new();
        for target in self.feeds.iter_mut().chain([&mut self.truth]) {
            target.1.flush().map_err(|source| GenerateError::Io {
                path: target.0.clone(),
                source,
            })?;
            files.push(target.0.clone());
        }
        let path = self.dir.join("featured.json");
        let mut json =
            serde_json::to_vec_pretty(featured).map_err(|e| encode_error_in("featured", e))?;
        json.push(b'\n');
        std::fs::write(&path, json).map_err(|source| GenerateError::Io {
            path: path.clone(),
            source,
        })?;
        files.push(path);
        Ok(GenerateSummary {
            people,
            records_per_source: Source::ALL
                .iter()
                .map(|s| (s.name().to_string(), self.counts[s.index()]))
                .collect(),
            truth_rows: self.truth_rows,
            files,
        })
    }
}
