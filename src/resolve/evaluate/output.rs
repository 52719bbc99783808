//! The files `ciss evaluate` writes: `pairs.csv`, `clusters.csv` and, on
//! request, `mentions.csv`.
//!
//! The lines of `pairs.csv` and `clusters.csv` are formatted in parallel, in
//! chunks that are written in order, so the files are the same on any number
//! of threads.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::lines::LinesFile;
use super::prepared::PreparedSet;
use super::{EvaluateError, LabelledSet, Members};
use crate::graph::Mention;
use crate::resolve::Resolution;

/// Creates the output directory `dir` and checks that a file can be
/// created in it, so that a path that cannot take the files fails before a
/// long run rather than after it. The file made to check is removed again,
/// so a run that fails later leaves nothing behind in `dir`.
pub fn check_output_dir(dir: &Path) -> Result<(), EvaluateError> {
    let failed = |path: &Path, source| EvaluateError::Write {
        path: path.to_path_buf(),
        source,
    };
    if dir.exists() && !dir.is_dir() {
        let source = std::io::Error::other("it is not a directory");
        return Err(failed(dir, source));
    }
    std::fs::create_dir_all(dir).map_err(|source| failed(dir, source))?;
    let probe = partial_path(&dir.join("pairs.csv"));
    std::fs::File::create(&probe).map_err(|source| failed(&probe, source))?;
    std::fs::remove_file(&probe).map_err(|source| failed(&probe, source))
}

/// Writes `pairs.csv` (id_l, id_r, match_probability for every scored pair of
/// records, exact duplicates included)
/// and `clusters.csv` (id, cluster_id for every record) into `dir`; ids are record ids.
///
/// Both are written under a `.partial` name and renamed once both are
/// complete, so a run killed while writing leaves the last finished run's
/// files whole instead of a cut, zero-filled `pairs.csv`. Its `.partial`
/// files stay until the next run overwrites them. Only a stop between the
/// two renames leaves a new `pairs.csv` beside an older `clusters.csv`.
pub fn write_outputs(
    dir: &Path,
    set: &PreparedSet,
    resolution: &Resolution,
) -> Result<(), EvaluateError> {
    std::fs::create_dir_all(dir).map_err(|source| EvaluateError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let records = resolution.copy_probability.len();
    let ids = MemberIds::new(set, Members::new(&resolution.record_of, records));
    let pairs_path = dir.join("pairs.csv");
    let path = partial_path(&pairs_path);
    let pairs = &resolution.pairs;
    let copies = &resolution.copy_probability;
    let written = LinesFile::create(&path, "id_l,id_r,match_probability").and_then(|mut out| {
        out.append(pairs.len(), |at, text| {
            let pair = &pairs[at];
            let lefts = ids.of(pair.a as usize);
            let rights = ids.of(pair.b as usize);
            write_pairs(text, &ids, lefts, rights, pair.probability());
        })?;
        out.append(copies.len(), |record, text| {
            let members = ids.of(record);
            for left in members.clone() {
                write_pairs(
                    text,
                    &ids,
                    left..left + 1,
                    left + 1..members.end,
                    copies[record],
                );
            }
        })?;
        out.finish()
    });
    written.map_err(|source| EvaluateError::Write { path, source })?;
    let clusters_path = dir.join("clusters.csv");
    let path = partial_path(&clusters_path);
    let assignment = &resolution.clustering.assignment;
    let written = LinesFile::create(&path, "id,cluster_id").and_then(|mut out| {
        out.append(assignment.len(), |index, text| {
            let (_, entity) = assignment[index];
            text.extend_from_slice(set.record_id(index).as_bytes());
            text.push(b',');
            text.extend_from_slice(itoa::Buffer::new().format(entity).as_bytes());
            text.push(b'\n');
        })?;
        out.finish()
    });
    written.map_err(|source| EvaluateError::Write { path, source })?;
    for path in [pairs_path, clusters_path] {
        std::fs::rename(partial_path(&path), &path)
            .map_err(|source| EvaluateError::Write { path, source })?;
    }
    Ok(())
}

/// Returns `path` with `.partial` appended, the name a file is written
/// under until it is complete.
fn partial_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    name.into()
}

/// The record ids of every distinct record's mentions, stored record after
/// record. The lines of one scored pair then read two short runs of memory,
/// where reading each id from the mention list took a cache miss per
/// mention and was most of the time spent formatting `pairs.csv`.
struct MemberIds {
    /// Each mention's record id followed by a comma, in `Members` order.
    text: Vec<u8>,
    /// Start of each id in `text`, and the end of the last.
    starts: Vec<usize>,
    /// Position in `starts` of each record's first mention, and the end.
    records: Vec<usize>,
}

impl MemberIds {
    /// Stores the ids in two passes on all threads: their lengths give each
    /// id's place, and the text is then copied into one buffer of the exact
    /// size, so no id is copied twice.
    fn new(set: &PreparedSet, members: Members) -> MemberIds {
        let mentions = &members.mentions;
        let mut starts = vec![0usize; mentions.len() + 1];
        starts[1..]
            .par_iter_mut()
            .zip(mentions)
            .for_each(|(length, mention)| *length = set.record_id(*mention).len() + 1);
        for at in 1..starts.len() {
            starts[at] += starts[at - 1];
        }
        let mut text = vec![0u8; starts[mentions.len()]];
        // The buffer cut at every ID_CHUNK-th id, one piece per task.
        let mut pieces = Vec::with_capacity(mentions.len() / ID_CHUNK + 1);
        let mut rest = text.as_mut_slice();
        for first in (0..mentions.len()).step_by(ID_CHUNK) {
            let end = (first + ID_CHUNK).min(mentions.len());
            let (piece, after) =
                std::mem::take(&mut rest).split_at_mut(starts[end] - starts[first]);
            pieces.push((first, piece));
            rest = after;
        }
        pieces.into_par_iter().for_each(|(first, piece)| {
            let mut at = 0;
            for mention in &mentions[first..(first + ID_CHUNK).min(mentions.len())] {
                let id = set.record_id(*mention).as_bytes();
                piece[at..at + id.len()].copy_from_slice(id);
                piece[at + id.len()] = b',';
                at += id.len() + 1;
            }
        });
        MemberIds {
            text,
            starts,
            records: members.starts,
        }
    }

    /// Returns the positions of `record`'s mentions.
    fn of(&self, record: usize) -> std::ops::Range<usize> {
        self.records[record]..self.records[record + 1]
    }

    /// Returns the record id at `position`, with its comma.
    fn id(&self, position: usize) -> &[u8] {
        &self.text[self.starts[position]..self.starts[position + 1]]
    }
}

/// Ids that one parallel task stores.
const ID_CHUNK: usize = 1 << 16;

/// Appends one `pairs.csv` line for every pair of a mention at a position in
/// `lefts` and one in `rights`, all with match probability `probability`.
fn write_pairs(
    text: &mut Vec<u8>,
    ids: &MemberIds,
    lefts: std::ops::Range<usize>,
    rights: std::ops::Range<usize>,
    probability: f64,
) {
    let mut formatted = Vec::with_capacity(9);
    write_probability(probability, &mut formatted);
    formatted.push(b'\n');
    for left in lefts {
        let left = ids.id(left);
        for right in rights.clone() {
            text.extend_from_slice(left);
            text.extend_from_slice(ids.id(right));
            text.extend_from_slice(&formatted);
        }
    }
}

/// Appends `probability` with six decimals, exactly as `{:.6}` formats it.
///
/// The standard formatter rounds the exact binary value with Grisu, and
/// with a bignum algorithm for some values. A profile at a million people
/// showed it as a tenth of the time spent writing `pairs.csv`. Scaling by a
/// million and rounding gives the same digits unless the scaled value lies
/// within a thousandth of a tie, because the product's own error is far
/// smaller. Near a tie, and outside 0 to 1 (negative zero and NaN
/// included), the standard formatter is used.
fn write_probability(probability: f64, out: &mut Vec<u8>) {
    let scaled = probability * 1e6;
    let whole = scaled.floor();
    let fraction = scaled - whole;
    let in_range = !probability.is_sign_negative() && probability <= 1.0;
    if !in_range || (fraction - 0.5).abs() < 1e-3 {
        // `io::Write` for a Vec never returns an error.
        let _ = write!(out, "{probability:.6}");
        return;
    }
    let millionths = whole as u32 + u32::from(fraction > 0.5);
    out.push(b'0' + (millionths / 1_000_000) as u8);
    out.push(b'.');
    let decimals = millionths % 1_000_000;
    for power in [100_000, 10_000, 1_000, 100, 10, 1] {
        out.push(b'0' + (decimals / power % 10) as u8);
    }
}

/// Writes `mentions.csv` into `dir`: every labelled mention's normalized
/// person facts, one column each, with its true entity. Peer tools read it so
/// they resolve exactly the records CISS resolves. Fields are not quoted: a
/// comma inside a value is written as a space.
pub fn write_mentions(dir: &Path, set: &LabelledSet) -> Result<(), EvaluateError> {
    std::fs::create_dir_all(dir).map_err(|source| EvaluateError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join("mentions.csv");
    let header = "unique_id,source_dataset,given_name,surname,suffix,date_of_birth,sex,\
                  street,city,zip,phone,state_id,fbi,licence,inmate,sor_id,truth";
    write_lines(&path, header, |out| {
        for (mention, truth) in set.mentions.iter().zip(&set.truth) {
            let row = mention_row(mention, truth);
            let fields: Vec<String> = row.iter().map(|f| f.replace(',', " ")).collect();
            writeln!(out, "{}", fields.join(","))?;
        }
        Ok(())
    })
}

fn mention_row(mention: &Mention, truth: &str) -> Vec<String> {
    let person = &mention.person;
    let text = |value: Option<&str>| value.unwrap_or_default().to_string();
    let name = person.name.as_ref();
    let address = person.address.as_ref();
    let ids = &person.ids;
    vec![
        mention.record_id.clone(),
        mention.source.clone(),
        text(name.map(|n| n.given.as_str())),
        text(name.map(|n| n.surname.as_str())),
        text(name.and_then(|n| n.suffix.as_deref())),
        person
            .dob
            .map(|d| d.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        text(person.sex.map(|s| s.as_str())),
        text(address.map(|a| a.street.as_str())),
        text(address.map(|a| a.city.as_str())),
        text(address.and_then(|a| a.zip.as_deref())),
        text(person.phone.as_ref().map(|p| p.as_str())),
        text(ids.state_id.as_deref()),
        text(ids.fbi.as_deref()),
        text(ids.licence.as_deref()),
        text(ids.inmate.as_deref()),
        text(ids.sor_id.as_deref()),
        truth.to_string(),
    ]
}

fn write_lines(
    path: &Path,
    header: &str,
    body: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<(), EvaluateError> {
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        writeln!(out, "{header}")?;
        body(&mut out)?;
        out.flush()
    };
    write().map_err(|source| EvaluateError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn standard(probability: f64) -> String {
        format!("{probability:.6}")
    }

    fn fast(probability: f64) -> String {
        let mut out = Vec::new();
        write_probability(probability, &mut out);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn probability_edges_match_standard_format() {
        // Each case: ends of the range, ties and near ties, and values
        // outside the range that take the standard path.
        let cases = [
            0.0,
            1.0,
            0.5,
            0.0000005,
            0.0000015,
            0.0000025,
            0.9999995,
            0.99999949999,
            0.12345650000001,
            1e-300,
            f64::MIN_POSITIVE,
            -0.0,
            -0.25,
            1.5,
            f64::NAN,
        ];
        for probability in cases {
            assert_eq!(fast(probability), standard(probability), "{probability:e}");
        }
    }

    proptest! {
        #[test]
        fn probability_matches_standard_format(probability in 0.0f64..=1.0) {
            prop_assert_eq!(fast(probability), standard(probability));
        }

        #[test]
        fn millionths_match_standard_format(millionths in 0u32..=1_000_000, offset in -2i32..=2) {
            // Values at and next to each printed step and each tie.
            let probability = f64::from(millionths) / 1e6 + f64::from(offset) * 2.5e-7;
            prop_assert_eq!(fast(probability), standard(probability));
        }
    }
}
