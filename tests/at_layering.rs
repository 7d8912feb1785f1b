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

/// The modules of `cert/` form no import cycle: each can be read knowing only those below it.
#[test]
fn cert_modules_import_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cert");
    let mut modules: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "mod" {
            continue;
        }
        let mut files = Vec::new();
        if path.is_dir() {
            sources(&path, &mut files);
        } else {
            let code: Vec<String> = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(str::to_owned)
                .collect();
            files.push((path.display().to_string(), code.join("\n")));
        }
        modules.push((name, files));
    }
    let names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
    assert!(names.len() >= 10, "{names:?}");
    // `a` uses `b` when its code names `super::b`, `super::super::b` (from a folder) or
    // `crate::cert::b`.
    let uses = |files: &[(String, String)], folder: bool, other: &str| {
        files.iter().any(|(_, text)| {
            let up = if folder { "super::super::" } else { "super::" };
            [format!("{up}{other}::"), format!("crate::cert::{other}::")]
                .iter()
                .chain(&[format!("{up}{{{other}"), format!("{up}{other}}}")])
                .any(|p| text.contains(p.as_str()))
        })
    };
    let edges: Vec<Vec<usize>> = modules
        .iter()
        .map(|(name, files)| {
            let folder =
                files.len() > 1 || files.iter().any(|(p, _)| p.contains(&format!("/{name}/")));
            names
                .iter()
                .enumerate()
                .filter(|(_, other)| *other != name && uses(files, folder, other))
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    // Depth-first search for a back edge.
    fn visit(
        n: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[n] = 1;
        path.push(n);
        for &m in &edges[n] {
            if state[m] == 1 {
                let start = path.iter().position(|x| *x == m).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(m);
                return Some(cycle);
            }
            if state[m] == 0
                && let Some(c) = visit(m, edges, state, path)
            {
                return Some(c);
            }
        }
        path.pop();
        state[n] = 2;
        None
    }
    let mut state = vec![0u8; names.len()];
    for n in 0..names.len() {
        if state[n] == 0
            && let Some(cycle) = visit(n, &edges, &mut state, &mut Vec::new())
        {
            let cycle: Vec<&str> = cycle.iter().map(|i| names[*i].as_str()).collect();
            panic!("import cycle in cert/: {}", cycle.join(" -> "));
        }
    }
}
