//! Writing a file of lines directly to the disk, past the page cache
//! (`O_DIRECT`), from a writer thread.
//!
//! An evaluation at a million people writes a `pairs.csv` of several
//! gigabytes that nothing reads back soon. Through the page cache, the
//! kernel allocates each page of it and copies the text in, and the file
//! pushes out cached pages that other programs use. On a virtual machine
//! that returns free memory to its host, allocating those pages took more
//! time than anything else in the run. Written directly, the text goes from
//! a few reused buffers to the disk, and the disk's work overlaps the
//! formatting of the next lines.
//!
//! Direct writes must start, end and sit in memory on boundaries of the
//! disk's block size. Buffers come from anonymous maps, which start on a page
//! boundary, and every write is a whole number of pages. The last one is
//! padded with zeros, and the file is then cut to its length.

use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use memmap2::MmapMut;

/// Boundary of every direct write: a page, which is a multiple of the
/// usual logical block sizes (512 bytes and 4 KiB). A disk with larger
/// blocks rejects the first write, and the file is then written through
/// the page cache.
const BLOCK: usize = 4096;

/// Bytes of one buffer. Tests use small buffers so that small files fill
/// many of them.
const BUFFER: usize = if cfg!(test) { 4 * BLOCK } else { 1 << 22 };

/// Buffers in rotation: one being filled while the others are written.
const BUFFERS: usize = 3;

/// A buffer handed to the writer thread.
struct Filled {
    buffer: MmapMut,
    /// Bytes of `buffer` to write, a multiple of `BLOCK`.
    length: usize,
    /// File offset of the first byte.
    offset: u64,
}

/// A file written directly by a writer thread.
pub(super) struct DirectFile {
    file: File,
    /// The buffer being filled.
    buffer: MmapMut,
    /// Bytes of `buffer` filled.
    filled: usize,
    /// File offset of the first byte of `buffer`.
    offset: u64,
    /// Filled buffers to the writer, `None` after the writer is stopped.
    full: Option<SyncSender<Filled>>,
    /// Written buffers back from the writer.
    empty: Receiver<MmapMut>,
    writer: Option<JoinHandle<std::io::Result<()>>>,
}

impl DirectFile {
    /// Creates an empty file at `path`, or returns `None` when its file
    /// system rejects direct writes.
    pub(super) fn create(path: &Path) -> std::io::Result<Option<DirectFile>> {
        let rejected = |error: &std::io::Error| error.raw_os_error() == Some(libc::EINVAL);
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_DIRECT)
            .open(path);
        let file = match opened {
            Ok(file) => file,
            Err(error) if rejected(&error) => return Ok(None),
            Err(error) => return Err(error),
        };
        let buffer = MmapMut::map_anon(BUFFER)?;
        // Some file systems open a file for direct writing and then reject
        // the writes, so one block is tried.
        match file.write_all_at(&buffer[..BLOCK], 0) {
            Ok(()) => {}
            Err(error) if rejected(&error) => return Ok(None),
            Err(error) => return Err(error),
        }
        DirectFile::start(file, buffer).map(Some)
    }

    /// Starts the writer thread of `file`, with `buffer` the first to fill.
    fn start(file: File, buffer: MmapMut) -> std::io::Result<DirectFile> {
        let (full, to_write) = sync_channel(BUFFERS);
        let (written, empty) = sync_channel(BUFFERS);
        for _ in 1..BUFFERS {
            // The receiver is alive, and the channel has room for all.
            let _ = written.send(MmapMut::map_anon(BUFFER)?);
        }
        let target = file.try_clone()?;
        let writer = std::thread::Builder::new()
            .name("ciss-file-writer".to_string())
            .spawn(move || write_buffers(&target, &to_write, &written))?;
        Ok(DirectFile {
            file,
            buffer,
            filled: 0,
            offset: 0,
            full: Some(full),
            empty,
            writer: Some(writer),
        })
    }

    /// Appends `bytes` to the file.
    pub(super) fn push(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let count = (BUFFER - self.filled).min(bytes.len());
            let (now, later) = bytes.split_at(count);
            self.buffer[self.filled..self.filled + count].copy_from_slice(now);
            self.filled += count;
            bytes = later;
            if self.filled == BUFFER {
                self.hand_over(BUFFER)?;
            }
        }
        Ok(())
    }

    /// Writes the last bytes, waits for the writer thread and cuts the file
    /// to its length.
    pub(super) fn finish(mut self) -> std::io::Result<()> {
        let end = self.offset + self.filled as u64;
        let length = self.filled.next_multiple_of(BLOCK);
        self.buffer[self.filled..length].fill(0);
        if length > 0 {
            self.hand_over(length)?;
        }
        self.full = None;
        self.join_writer()?;
        self.file.set_len(end)
    }

    /// Sends the first `length` bytes of the buffer to the writer thread
    /// and takes an empty buffer in its place.
    fn hand_over(&mut self, length: usize) -> std::io::Result<()> {
        let Ok(next) = self.empty.recv() else {
            return Err(self.stopped_writer());
        };
        let buffer = std::mem::replace(&mut self.buffer, next);
        let filled = Filled {
            buffer,
            length,
            offset: self.offset,
        };
        let sent = self.full.as_ref().map(|full| full.send(filled));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.stopped_writer());
        }
        self.offset += length as u64;
        self.filled = 0;
        Ok(())
    }

    /// Waits for the writer thread and returns its result.
    fn join_writer(&mut self) -> std::io::Result<()> {
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the file writer thread panicked")),
            None => Err(std::io::Error::other("the file writer thread has stopped")),
        }
    }

    /// Stops the writer thread and returns the error that ended it.
    fn stopped_writer(&mut self) -> std::io::Error {
        self.full = None;
        match self.join_writer() {
            Err(error) => error,
            Ok(()) => std::io::Error::other("the file writer thread stopped early"),
        }
    }
}

/// Writes each filled buffer at its offset and sends it back, until the
/// sending side closes or a write fails. It runs on the writer thread.
fn write_buffers(
    file: &File,
    to_write: &Receiver<Filled>,
    written: &SyncSender<MmapMut>,
) -> std::io::Result<()> {
    for filled in to_write {
        file.write_all_at(&filled.buffer[..filled.length], filled.offset)?;
        // The other side may have finished and stopped taking buffers back.
        let _ = written.send(filled.buffer);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns a direct file whose writes all fail, because it is open for
    /// reading only.
    fn read_only_direct_file(dir: &Path) -> DirectFile {
        let path = dir.join("read-only.csv");
        std::fs::write(&path, b"").expect("created");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECT)
            .open(&path)
            .expect("opened");
        DirectFile::start(file, MmapMut::map_anon(BUFFER).expect("buffer")).expect("started")
    }

    #[test]
    fn direct_write_errors_are_reported() {
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).expect("temp dir");
        // Each case: the bytes pushed before finishing. The larger ones make
        // the failure show while pushing, the small one only at the end.
        for pushed in [10, BUFFER * (BUFFERS + 2)] {
            let mut file = read_only_direct_file(dir.path());
            let error = match file.push(&vec![b'x'; pushed]) {
                Ok(()) => file.finish().expect_err("a write failed"),
                Err(error) => error,
            };
            assert_eq!(error.raw_os_error(), Some(libc::EBADF), "{pushed}: {error}");
        }
    }

    #[test]
    fn direct_file_is_cut_to_its_length() {
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).expect("temp dir");
        let path = dir.path().join("cut.csv");
        // Each case: a length ending inside a block, on a block boundary, on a
        // buffer boundary, and none at all.
        for length in [BLOCK + 7, BLOCK * 2, BUFFER, 0] {
            let mut file = DirectFile::create(&path).expect("created").expect("direct");
            let text: Vec<u8> = (0..length).map(|n| b'a' + (n % 26) as u8).collect();
            file.push(&text).expect("pushed");
            file.finish().expect("finished");
            assert!(std::fs::read(&path).expect("read") == text, "{length}");
        }
    }
}
