//! Golden transcripts: every file in `tests/transcripts/` replayed through the engine.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use support::fixture::{expected, load_all, replay};
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn every_transcript_replays_to_its_events() {
    let fixtures = load_all();
    assert!(fixtures.len() >= 30, "fixtures missing: {}", fixtures.len());
    let mut failures = Vec::new();
    for f in &fixtures {
        let got = replay(f, &mut |_| Vec::new());
        let want = expected(f);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            if g != w {
                failures.push(format!(
                    "{} exchange {i}:\n  sent {:?}\n  want {:?}\n  events {:#?}\n  want   {:#?}",
                    f.name,
                    String::from_utf8_lossy(&g.sent),
                    String::from_utf8_lossy(&w.sent),
                    g.events,
                    w.events
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixtures_cover_every_family_config() {
    let fixtures = load_all();
    for family in [
        "sim800_", "sim7600_", "spwf04_", "telit_", "ichip_", "sim70xx_", "ublox_", "nrf91_",
        "sequans_", "espat_", "quectel_",
    ] {
        let n = fixtures
            .iter()
            .filter(|f| f.name.starts_with(family))
            .count();
        assert!(n >= 3, "{family}: only {n} transcripts");
    }
}

#[cfg(not(target_family = "wasm"))]
#[test]
fn compiled_in_list_matches_the_directory() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = support::fixture::FILES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    assert_eq!(
        listed, on_disk,
        "add new transcripts to FILES in tests/support/fixture.rs"
    );
}
