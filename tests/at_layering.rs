//! `at/`, `cert/` and `modules/` are platform-free (architecture.md, "One package, layered
//! modules"): no clock, no port, no file system, no browser, no threads, no async runtime,
//! and nothing of ours above them.
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

/// What every platform-free layer must not use: the browser, the file system, ports,
/// threads, clocks, and the layers that do.
const PLATFORM: [&str; 14] = [
    "web_sys",
    "js_sys",
    "leptos",
    "wasm_bindgen",
    "std::fs",
    "serialport",
    "std::thread",
    "std::time::Instant",
    "SystemTime",
    "Instant::now",
    "tokio",
    "crate::serial",
    "crate::ui",
    "crate::web",
];

fn layer(dir: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir),
        &mut files,
    );
    assert!(files.len() >= 4, "{dir}: {} files", files.len());
    files
}

#[test]
fn cert_touches_no_platform_and_nothing_of_ours_above_it() {
    for (path, text) in &layer("cert") {
        for word in PLATFORM.iter().chain(&[
            "crate::at",
            "crate::session",
            "crate::modules",
            "crate::sim",
        ]) {
            assert!(!text.contains(word), "{path} uses {word}");
        }
        // Where a credential goes is data; the module drivers write the commands.
        for at in ["\"AT", "AT#", "AT+"] {
            assert!(!text.contains(at), "{path} writes AT text ({at})");
        }
    }
}

#[test]
fn modules_touch_no_platform_and_no_simulator() {
    for (path, text) in &layer("modules") {
        for word in PLATFORM.iter().chain(&["crate::sim"]) {
            assert!(!text.contains(word), "{path} uses {word}");
        }
    }
}
