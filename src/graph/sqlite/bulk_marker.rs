//! A lock file that distinguishes a running bulk load from an interrupted one.
//!
//! A bulk load drops the secondary indexes and builds them at its end, so
//! missing indexes alone cannot tell whether the load that dropped them is
//! still running. Each loader holds a shared `flock` on `PATH-bulk` while it
//! runs. The kernel releases the lock when the process exits, killed or
//! not, so a store opened later takes the lock exclusively only when no load
//! is running, and then builds the missing indexes. The file stays in
//! place, because removing it could race with a loader that has just opened it.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::file_lock::{Lock, flock};

/// Returns the lock file's path for the store at `store`.
pub(super) fn path(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_os_string();
    name.push("-bulk");
    PathBuf::from(name)
}

/// Takes the shared lock a running bulk load holds, waiting while a store
/// opening elsewhere holds the exclusive one. The lock lasts as long as the
/// returned file stays open.
pub(super) fn hold_shared(store: &Path) -> std::io::Result<File> {
    let file = open(store)?;
    flock(&file, Lock::Shared)?;
    Ok(file)
}

/// Takes the exclusive lock without waiting. Returns `None` while a bulk
/// load holds the shared lock, so its dropped indexes are expected.
pub(super) fn try_exclusive(store: &Path) -> std::io::Result<Option<File>> {
    let file = open(store)?;
    match flock(&file, Lock::ExclusiveNow) {
        Ok(()) => Ok(Some(file)),
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
        Err(err) => Err(err),
    }
}

fn open(store: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path(store))
}
