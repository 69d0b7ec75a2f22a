//! Several venues in one capture, and in several files, aggregate each venue separately and
//! exactly as aggregating each alone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn venue_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/venues");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "venue fixtures missing in {}",
        dir.display()
    );
    files
}

/// The rows of `tapebar aggregate -o - ARGS`, without the header.
fn rows(args: &[&Path]) -> BTreeSet<String> {
    let out = Command::cargo_bin("tapebar")
        .unwrap()
        .args(["aggregate", "-o", "-", "-q"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn one_file_of_all_venues_equals_each_venue_alone() {
    let files = venue_fixtures();
    let mut alone = BTreeSet::new();
    let mut venues = BTreeSet::new();
    for f in &files {
        for r in rows(&[f]) {
            venues.insert(r.split(',').next().unwrap().to_string());
            assert!(
                alone.insert(r.clone()),
                "two fixtures wrote the same row {r}"
            );
        }
    }
    assert!(venues.len() >= 10, "only {venues:?}");
    // All fixtures as one capture: every file's lines one after the other (each cryptofeed
    // file starts with its connection line, which starts a new recording).
    let tmp = tempfile::tempdir().unwrap();
    let mixed = tmp.path().join("mixed.jsonl");
    let mut all = Vec::new();
    for f in &files {
        let mut b = std::fs::read(f).unwrap();
        if b.last() != Some(&b'\n') {
            b.push(b'\n');
        }
        all.extend_from_slice(&b);
    }
    std::fs::write(&mixed, &all).unwrap();
    assert_eq!(rows(&[&mixed]), alone, "one mixed file");
    // And as several files at once.
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    assert_eq!(rows(&refs), alone, "all files together");
}
