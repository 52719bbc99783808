//! The `ciss` binary: everything lives in the library; this only runs the CLI.

// Ingest and resolution allocate many small strings; mimalloc cut the
// allocator's share of ingest time from about a fifth of samples under glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    disable_transparent_huge_pages();
    ciss::cli::run()
}

/// Turns transparent huge pages off for this process. mimalloc requests
/// them, and after it hands part of one back to the kernel, the next write
/// there faults in and zeroes a whole 2 MiB page again. Evaluating 220,000
/// generated people spent about 8% of its CPU time in that zeroing.
#[cfg(target_os = "linux")]
fn disable_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag
    // of the calling process. A kernel without it returns an error, which
    // leaves the default in place.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn disable_transparent_huge_pages() {}
