//! Writing a file of lines through memory maps, one per batch.
//!
//! Plain `write` calls to one file run one at a time, because the kernel
//! locks the file for each. Copying a batch into a map of its byte range
//! runs on all threads instead. Where the file system cannot map files, or
//! cannot allocate ahead of writing, batches are written plainly.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

/// A file written through memory maps.
pub(super) struct MappedFile {
    file: std::fs::File,
    /// Bytes written so far.
    end: u64,
}

impl MappedFile {
    /// Creates an empty file at `path`.
    pub(super) fn create(path: &Path) -> std::io::Result<MappedFile> {
        // A shared map needs the file open for reading as well as writing.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(MappedFile { file, end: 0 })
    }

    /// Copies `texts` to the end of the file, one thread per text.
    pub(super) fn copy(&mut self, texts: &[Vec<u8>]) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::super::tests::line;
    use super::*;

    #[test]
    fn reserve_grows_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reserved.csv");
        let file = MappedFile::create(&path).expect("created").file;
        assert!(reserve(&file, 0, 10_000).expect("reserved"));
        assert_eq!(file.metadata().expect("metadata").len(), 10_000);
        assert!(reserve(&file, 10_000, 5).expect("reserved"));
        assert_eq!(file.metadata().expect("metadata").len(), 10_005);
    }

    #[test]
    fn mapped_plain_writes_continue() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lines.csv");
        let mut out = MappedFile::create(&path).expect("created");
        let text = |items: std::ops::Range<usize>| {
            let mut text = Vec::new();
            items.for_each(|n| line(n, &mut text));
            text
        };
        out.copy(&[text(0..3), text(3..5)]).expect("mapped");
        let texts = vec![b"p,1\n".to_vec(), Vec::new(), b"q,2\n".to_vec()];
        out.file.set_len(out.end + 8).expect("extended");
        out.write_plain(&texts, 8).expect("written");
        out.copy(&[text(0..2)]).expect("mapped again");
        drop(out);
        let mut expected = text(0..5);
        expected.extend_from_slice(b"p,1\nq,2\n");
        expected.extend(text(0..2));
        assert_eq!(std::fs::read(&path).expect("read back"), expected);
    }
}
