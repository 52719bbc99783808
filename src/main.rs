//! The `ciss` binary: everything lives in the library; this only runs the CLI.

// Ingest and resolution allocate many small strings; mimalloc cut the
// allocator's share of ingest time from about a fifth of samples under glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ciss::cli::run()
}
