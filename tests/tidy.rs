//! Repository hygiene: every Rust file opens with a `//!` line saying what it
//! is for, and no source file carries `todo!()`, `dbg!` or `#[ignore]`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(
        files.len() > 10,
        "found only {} Rust files under {}",
        files.len(),
        root.display()
    );
    files
}

#[test]
fn every_rust_file_starts_with_module_docs() {
    let missing: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|path| {
            !std::fs::read_to_string(path)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! line: {missing:?}"
    );
}

#[test]
fn no_placeholders_or_ignored_tests() {
    let banned = ["todo!(", "dbg!(", "#[ignore", "unimplemented!("];
    let mut offenders = Vec::new();
    // This file names the banned strings, so it is the one file not scanned.
    for path in all_rust_files()
        .into_iter()
        .filter(|p| !p.ends_with("tests/tidy.rs"))
    {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for needle in &banned {
            if text.contains(needle) {
                offenders.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}
