//! Advisory file locks (`flock`). The kernel releases a lock when its file
//! is closed or the process exits, killed or not, so a lock never outlives
//! the process that took it. std's own file locks need a newer Rust than
//! the project requires, so the system call is made here.

use std::fs::File;

/// The kind of lock to take.
pub(crate) enum Lock {
    /// Shared with other holders of the shared lock; waits for an
    /// exclusive holder to let go.
    Shared,
    /// Held by one file alone; fails at once with `WouldBlock` while
    /// another holds any lock on the file.
    ExclusiveNow,
}

/// Takes `lock` on `file`. The lock lasts as long as `file` stays open.
#[cfg(unix)]
pub(crate) fn flock(file: &File, lock: Lock) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let operation = match lock {
        Lock::Shared => libc::LOCK_SH,
        Lock::ExclusiveNow => libc::LOCK_EX | libc::LOCK_NB,
    };
    loop {
        // SAFETY: the descriptor belongs to `file`, which outlives the call,
        // and flock takes plain integers.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

// NOTE: without flock no lock is taken, so the processes these locks keep
// apart (a bulk load and a store opening, two demos) are not kept apart.
#[cfg(not(unix))]
pub(crate) fn flock(_file: &File, _lock: Lock) -> std::io::Result<()> {
    Ok(())
}
