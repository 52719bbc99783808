//! A file of lines formatted by all threads at once, for the large files an
//! evaluation writes.
//!
//! Items are formatted in parallel chunks; each batch of chunks is handed to
//! the file while the next batch is formatted. The lines come out in item
//! order, so the file is the same on any number of threads.
//!
//! How the text reaches the disk depends on what the file system takes. On
//! Linux the file is written directly, past the page cache, by a writer
//! thread (`direct`). Elsewhere, or where the file system rejects direct
//! writes, each batch is copied through a memory map of its byte range
//! (`mapped`).

#[cfg(target_os = "linux")]
mod direct;
mod mapped;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

/// Items formatted by one parallel task.
const FORMAT_CHUNK: usize = 1_024;

/// Chunks formatted before their text is handed to the file, which bounds
/// the text held in memory.
const FORMAT_BATCH: usize = 32;

/// A file being written line by line; see the module documentation.
pub(super) struct LinesFile {
    sink: Sink,
}

/// The destination of a `LinesFile`'s text.
enum Sink {
    #[cfg(target_os = "linux")]
    Direct(direct::DirectFile),
    Mapped(mapped::MappedFile),
}

impl LinesFile {
    /// Creates the file at `path` with its header line, written directly
    /// where the file system allows it.
    pub(super) fn create(path: &Path, header: &str) -> std::io::Result<LinesFile> {
        #[cfg(target_os = "linux")]
        if let Some(file) = direct::DirectFile::create(path)? {
            return LinesFile::with_header(Sink::Direct(file), header);
        }
        LinesFile::create_mapped(path, header)
    }

    /// Creates the file at `path` with its header line, written through
    /// memory maps.
    fn create_mapped(path: &Path, header: &str) -> std::io::Result<LinesFile> {
        LinesFile::with_header(Sink::Mapped(mapped::MappedFile::create(path)?), header)
    }

    /// Wraps `sink` and writes the header line to it.
    fn with_header(sink: Sink, header: &str) -> std::io::Result<LinesFile> {
        let mut out = LinesFile { sink };
        out.sink.copy(&[format!("{header}\n").into_bytes()])?;
        Ok(out)
    }

    /// Appends the lines `format` appends for items `0..count`, in order.
    pub(super) fn append(
        &mut self,
        count: usize,
        format: impl Fn(usize, &mut Vec<u8>) + Sync,
    ) -> std::io::Result<()> {
        let batch = FORMAT_CHUNK * FORMAT_BATCH;
        let sizes = ChunkSizes::default();
        let format_batch = |start: usize| -> Vec<Vec<u8>> {
            let end = (start + batch).min(count);
            (start..end)
                .into_par_iter()
                .step_by(FORMAT_CHUNK)
                .map(|first| {
                    let mut text = Vec::with_capacity(sizes.expected());
                    for item in first..(first + FORMAT_CHUNK).min(end) {
                        format(item, &mut text);
                    }
                    sizes.add(text.len());
                    text
                })
                .collect()
        };
        let mut pending: Option<Vec<Vec<u8>>> = None;
        for start in (0..count).step_by(batch) {
            let (copied, texts) = rayon::join(
                || {
                    pending
                        .take()
                        .map_or(Ok(()), |texts| self.sink.copy(&texts))
                },
                || format_batch(start),
            );
            copied?;
            pending = Some(texts);
        }
        pending.map_or(Ok(()), |texts| self.sink.copy(&texts))
    }

    /// Writes out what is still held and waits until every write has
    /// completed. A file dropped without `finish` may be cut short.
    pub(super) fn finish(self) -> std::io::Result<()> {
        match self.sink {
            #[cfg(target_os = "linux")]
            Sink::Direct(file) => file.finish(),
            Sink::Mapped(_) => Ok(()),
        }
    }
}

/// The text lengths of the chunks formatted so far. A chunk reserves a
/// little over their mean, so that its text rarely grows, and so is rarely
/// copied, while it is formatted.
#[derive(Default)]
struct ChunkSizes {
    chunks: AtomicUsize,
    bytes: AtomicUsize,
}

impl ChunkSizes {
    fn add(&self, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.chunks.fetch_add(1, Ordering::Relaxed);
    }

    /// Returns the mean length so far plus an eighth, or zero before the
    /// first chunk.
    fn expected(&self) -> usize {
        let chunks = self.chunks.load(Ordering::Relaxed).max(1);
        let mean = self.bytes.load(Ordering::Relaxed) / chunks;
        mean + mean / 8
    }
}

impl Sink {
    /// Appends `texts` to the file, in order.
    fn copy(&mut self, texts: &[Vec<u8>]) -> std::io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Sink::Direct(file) => texts.iter().try_for_each(|text| file.push(text)),
            Sink::Mapped(file) => file.copy(texts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends the test line of item `n`. Lengths vary, and every seventh
    /// item writes nothing.
    pub(super) fn line(n: usize, text: &mut Vec<u8>) {
        if n % 7 != 3 {
            let width = n % 13;
            text.extend_from_slice(format!("{n:0width$},ÉÀ{}\n", "x".repeat(n % 5)).as_bytes());
        }
    }

    /// Writes the appends of `counts` through the file `create` makes and
    /// checks the file against the same lines written one by one.
    fn check_appends(create: impl Fn(&Path) -> LinesFile) {
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).expect("temp dir");
        let path = dir.path().join("lines.csv");
        let batch = FORMAT_CHUNK * FORMAT_BATCH;
        // Each case: the item counts of successive appends. The last one
        // fills many buffers of a direct file.
        let cases: [&[usize]; 4] = [&[], &[0], &[5, 0, 3], &[batch * 2 + 17, 1, batch - 1]];
        for counts in cases {
            let mut out = create(&path);
            let mut expected = b"a,b\n".to_vec();
            for count in counts {
                out.append(*count, line).expect("appended");
                (0..*count).for_each(|n| line(n, &mut expected));
            }
            out.finish().expect("finished");
            let written = std::fs::read(&path).expect("read back");
            assert_eq!(written.len(), expected.len(), "{counts:?}");
            assert!(written == expected, "{counts:?}: contents differ");
        }
    }

    #[test]
    fn mapped_lines_match_sequential_writing() {
        check_appends(|path| LinesFile::create_mapped(path, "a,b").expect("created"));
    }

    /// The temporary directory is made in the checkout, not in `/tmp`, which
    /// may be a file system that rejects direct writes.
    #[cfg(target_os = "linux")]
    #[test]
    fn direct_lines_match_sequential_writing() {
        check_appends(|path| {
            let file = direct::DirectFile::create(path).expect("created");
            let file = file.expect("the checkout's file system rejected direct writes");
            LinesFile::with_header(Sink::Direct(file), "a,b").expect("header")
        });
    }
}
