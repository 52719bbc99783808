//! The files `ciss evaluate` writes: `pairs.csv`, `clusters.csv` and, on
//! request, `mentions.csv`.
//!
//! The lines of `pairs.csv` and `clusters.csv` are formatted in parallel, in
//! chunks that are written in order, so the files are the same on any number
//! of threads.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::lines::LinesFile;
use super::prepared::PreparedSet;
use super::{EvaluateError, LabelledSet, Members};
use crate::graph::Mention;
use crate::resolve::Resolution;

/// Creates the output directory `dir` and an empty `pairs.csv.partial` in
/// it, so that a path that cannot take the files fails before a long run
/// rather than after it.
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
    Ok(())
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
    let members = Members::new(&resolution.record_of, resolution.copy_probability.len());
    let pairs_path = dir.join("pairs.csv");
    let path = partial_path(&pairs_path);
    let pairs = &resolution.pairs;
    let copies = &resolution.copy_probability;
    let written = LinesFile::create(&path, "id_l,id_r,match_probability").and_then(|mut out| {
        out.append(pairs.len(), |at, text| {
            let pair = &pairs[at];
            let lefts = members.of(pair.a as usize);
            let rights = members.of(pair.b as usize);
            write_pairs(text, set, lefts, rights, pair.probability());
        })?;
        out.append(copies.len(), |record, text| {
            let members = members.of(record);
            for (at, left) in members.iter().enumerate() {
                let rights = &members[at + 1..];
                let left = std::slice::from_ref(left);
                write_pairs(text, set, left, rights, copies[record]);
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

/// Appends one `pairs.csv` line for every pair of a mention in `lefts` and
/// one in `rights`, all with match probability `probability`.
fn write_pairs(
    text: &mut Vec<u8>,
    set: &PreparedSet,
    lefts: &[usize],
    rights: &[usize],
    probability: f64,
) {
    let mut formatted = String::with_capacity(8);
    // Writing to a String cannot fail.
    let _ = write!(formatted, "{probability:.6}");
    for left in lefts {
        for right in rights {
            text.extend_from_slice(set.record_id(*left).as_bytes());
            text.push(b',');
            text.extend_from_slice(set.record_id(*right).as_bytes());
            text.push(b',');
            text.extend_from_slice(formatted.as_bytes());
            text.push(b'\n');
        }
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
