//! The files `ciss evaluate` writes: `pairs.csv`, `clusters.csv` and, on
//! request, `mentions.csv`.
//!
//! The lines of `pairs.csv` and `clusters.csv` are formatted in parallel, in
//! chunks that are written in order, so the files are the same on any number
//! of threads.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

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
        })
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
        })
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

/// Items formatted by one parallel task.
const FORMAT_CHUNK: usize = 1_024;

/// Chunks formatted before their text is copied into the file, which
/// bounds the text held in memory.
const FORMAT_BATCH: usize = 32;

/// A file of lines written by all threads at once. Chunks of items are
/// formatted in parallel. Each batch of chunks is then copied into the file
/// through a memory map of just its byte range, also in parallel, while the
/// next batch is formatted. The lines come out in item order, so the file
/// is the same on any number of threads.
///
/// Plain `write` calls to one file run one at a time, because the kernel
/// locks the file for each. On a virtual machine that faults in every new
/// page of page cache from its host, that copy was the slowest step of a
/// large evaluation. Two processes writing one 2 GB file through maps took
/// 2.6 s there, where one `dd` took 4.9 s.
struct LinesFile {
    file: std::fs::File,
    /// Bytes written so far.
    end: u64,
}

impl LinesFile {
    /// Creates the file with its header line.
    fn create(path: &Path, header: &str) -> std::io::Result<LinesFile> {
        // A shared map needs the file open for reading as well as writing.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        file.write_all(header.as_bytes())?;
        file.write_all(b"\n")?;
        let end = header.len() as u64 + 1;
        Ok(LinesFile { file, end })
    }

    /// Appends the lines `format` appends for items `0..count`, in order.
    fn append(
        &mut self,
        count: usize,
        format: impl Fn(usize, &mut Vec<u8>) + Sync,
    ) -> std::io::Result<()> {
        let batch = FORMAT_CHUNK * FORMAT_BATCH;
        let format_batch = |start: usize| -> Vec<Vec<u8>> {
            let end = (start + batch).min(count);
            (start..end)
                .into_par_iter()
                .step_by(FORMAT_CHUNK)
                .map(|first| {
                    let mut text = Vec::new();
                    for item in first..(first + FORMAT_CHUNK).min(end) {
                        format(item, &mut text);
                    }
                    text
                })
                .collect()
        };
        let mut pending: Option<Vec<Vec<u8>>> = None;
        for start in (0..count).step_by(batch) {
            let (copied, texts) = rayon::join(
                || pending.take().map_or(Ok(()), |texts| self.copy(&texts)),
                || format_batch(start),
            );
            copied?;
            pending = Some(texts);
        }
        pending.map_or(Ok(()), |texts| self.copy(&texts))
    }

    /// Copies `texts` to the end of the file, one thread per text.
    fn copy(&mut self, texts: &[Vec<u8>]) -> std::io::Result<()> {
        let total: u64 = texts.iter().map(|t| t.len() as u64).sum();
        if total == 0 {
            return Ok(());
        }
        // Writing through a map into space the disk does not have kills the
        // process (SIGBUS), so the space is taken first, where a full disk
        // is an error. Without a way to take it, plain writes report it.
        if !reserve(&self.file, self.end, total)? {
            return self.write_plain(texts, total);
        }
        // A map starts on a boundary of MAP_ALIGN, so it may begin a
        // little before the end of what is written.
        let start = self.end - self.end % MAP_ALIGN;
        let skip = (self.end - start) as usize;
        let length = skip + total as usize;
        // SAFETY: the map covers bytes of a file that this process created
        // and alone writes. Nothing else maps it, and the file is not
        // shortened while the map lives, so its pages stay valid.
        let map = unsafe {
            memmap2::MmapOptions::new()
                .offset(start)
                .len(length)
                .map_mut(&self.file)
        };
        // A file system that cannot map files still takes plain writes.
        let Ok(mut map) = map else {
            return self.write_plain(texts, total);
        };
        let mut slots: Vec<&mut [u8]> = Vec::with_capacity(texts.len());
        let mut rest = &mut map[skip..];
        for text in texts {
            let (slot, after) = std::mem::take(&mut rest).split_at_mut(text.len());
            slots.push(slot);
            rest = after;
        }
        slots
            .into_par_iter()
            .zip(texts)
            .for_each(|(slot, text)| slot.copy_from_slice(text));
        drop(map);
        self.end += total;
        Ok(())
    }

    /// Writes `texts`, `total` bytes in all, at the end of the file in order.
    fn write_plain(&mut self, texts: &[Vec<u8>], total: u64) -> std::io::Result<()> {
        use std::io::Seek;
        self.file.seek(std::io::SeekFrom::Start(self.end))?;
        for text in texts {
            self.file.write_all(text)?;
        }
        self.end += total;
        Ok(())
    }
}

/// Allocates `length` bytes of disk at `offset` of `file`, growing the file
/// to cover them. Returns false when the file system cannot allocate ahead
/// of writing, and an error when the disk is full.
#[cfg(unix)]
fn reserve(file: &std::fs::File, offset: u64, length: u64) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let too_large = || std::io::Error::other("output file too large");
    let offset = libc::off_t::try_from(offset).map_err(|_| too_large())?;
    let length = libc::off_t::try_from(length).map_err(|_| too_large())?;
    // SAFETY: posix_fallocate only reads its integer arguments, and the
    // descriptor stays open while `file` is borrowed.
    let status = unsafe { libc::posix_fallocate(file.as_raw_fd(), offset, length) };
    match status {
        0 => Ok(true),
        libc::EOPNOTSUPP | libc::EINVAL | libc::ENODEV => Ok(false),
        code => Err(std::io::Error::from_raw_os_error(code)),
    }
}

/// Grows `file` to cover `length` bytes at `offset`.
///
/// NOTE: this path is not run by the tests, and whether a full disk shows
/// here as an error, rather than later while writing through the map,
/// depends on the file system.
#[cfg(not(unix))]
fn reserve(file: &std::fs::File, offset: u64, length: u64) -> std::io::Result<bool> {
    file.set_len(offset + length)?;
    Ok(true)
}

/// Alignment of a map's offset. It must be a multiple of the page size (4 KiB
/// on most systems, 16 KiB on some) and, on Windows, of the allocation
/// granularity (64 KiB). This is a multiple of all of them.
const MAP_ALIGN: u64 = 1 << 16;

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
    use super::*;

    /// Appends the test line of item `n`. Lengths vary, and every seventh
    /// item writes nothing.
    fn line(n: usize, text: &mut Vec<u8>) {
        if n % 7 != 3 {
            let width = n % 13;
            text.extend_from_slice(format!("{n:0width$},ÉÀ{}\n", "x".repeat(n % 5)).as_bytes());
        }
    }

    #[test]
    fn lines_file_matches_sequential_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lines.csv");
        let batch = FORMAT_CHUNK * FORMAT_BATCH;
        // Each case: the item counts of successive appends.
        let cases: [&[usize]; 4] = [&[], &[0], &[5, 0, 3], &[batch * 2 + 17, 1, batch - 1]];
        for counts in cases {
            let mut out = LinesFile::create(&path, "a,b").expect("created");
            let mut expected = b"a,b\n".to_vec();
            for count in counts {
                out.append(*count, line).expect("appended");
                (0..*count).for_each(|n| line(n, &mut expected));
            }
            drop(out);
            let written = std::fs::read(&path).expect("read back");
            assert_eq!(written.len(), expected.len(), "{counts:?}");
            assert!(written == expected, "{counts:?}: contents differ");
        }
    }

    #[test]
    fn reserve_grows_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reserved.csv");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("created");
        assert!(reserve(&file, 0, 10_000).expect("reserved"));
        assert_eq!(file.metadata().expect("metadata").len(), 10_000);
        assert!(reserve(&file, 10_000, 5).expect("reserved"));
        assert_eq!(file.metadata().expect("metadata").len(), 10_005);
    }

    #[test]
    fn lines_file_plain_writes_continue() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lines.csv");
        let mut out = LinesFile::create(&path, "h").expect("created");
        out.append(3, line).expect("mapped");
        let texts = vec![b"p,1\n".to_vec(), Vec::new(), b"q,2\n".to_vec()];
        out.file.set_len(out.end + 8).expect("extended");
        out.write_plain(&texts, 8).expect("written");
        out.append(2, line).expect("mapped again");
        drop(out);
        let mut expected = b"h\n".to_vec();
        (0..3).for_each(|n| line(n, &mut expected));
        expected.extend_from_slice(b"p,1\nq,2\n");
        (0..2).for_each(|n| line(n, &mut expected));
        assert_eq!(std::fs::read(&path).expect("read back"), expected);
    }
}
