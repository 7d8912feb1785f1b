//! Benchmark, not a test: inspects every certificate of the system CA bundle in headless
//! Chromium and prints the time. Ignored by `./dev test`; run it with
//! `cargo test --target wasm32-unknown-unknown --test web_bench -- --include-ignored --nocapture`.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
#[ignore = "a benchmark: prints figures, asserts nothing about time"]
fn inspect_the_mozilla_bundle() {
    let bundle = include_bytes!("/etc/ssl/certs/ca-certificates.crt");
    let rounds = 3;
    let mut best = (f64::MAX, f64::MAX);
    let mut count = 0;
    for _ in 0..rounds {
        let start = now_ms();
        let outcome = atcert::cert::parse(bundle, None);
        let parsed = now_ms();
        count = outcome
            .items
            .iter()
            .filter_map(|item| item.cert_info(0))
            .count();
        let inspected = now_ms();
        best = (best.0.min(parsed - start), best.1.min(inspected - parsed));
    }
    assert!(count > 100, "the bundle has {count} certificates");
    web_sys::console::log_1(
        &format!(
            "bench: {count} certificates: parse {:.1} ms, inspect {:.1} ms ({:.2} ms each), best of {rounds}",
            best.0,
            best.1,
            best.1 / count as f64
        )
        .into(),
    );
}
