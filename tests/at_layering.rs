//! `at/` is platform-free (architecture.md, "One package, layered modules"): no clock, no
//! port, no browser, no threads, no async runtime, and nothing of ours above it.
#![cfg(not(target_family = "wasm"))]

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            // Code only: docs may name what the code must not use.
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn at_touches_no_platform_and_no_higher_layer() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/at"),
        &mut files,
    );
    assert!(files.len() >= 4);
    let forbidden = [
        "std::time::Instant",
        "SystemTime",
        "Instant::now",
        "std::thread",
        "web_sys",
        "js_sys",
        "leptos",
        "tokio",
        "async fn",
        "crate::session",
        "crate::modules",
        "crate::sim",
        "crate::ui",
        "crate::web",
    ];
    for (path, text) in &files {
        for word in forbidden {
            assert!(!text.contains(word), "{path} uses {word}");
        }
    }
}

#[test]
fn session_depends_only_on_at() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/session"),
        &mut files,
    );
    for (path, text) in &files {
        for word in [
            "crate::modules",
            "crate::sim",
            "crate::ui",
            "crate::web",
            "Instant::now",
            "tokio",
            "+ Send",
            ": Send",
        ] {
            assert!(!text.contains(word), "{path} uses {word}");
        }
    }
}
