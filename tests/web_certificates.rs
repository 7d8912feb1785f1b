//! Browser tests of the Certificates area, as a user works it: load a real certificate
//! through the file input, read its card, download a conversion, and see what a chosen
//! module would reject and how atcert fixes it.

#![cfg(target_arch = "wasm32")]

#[path = "web_support/mod.rs"]
mod web_support;

use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A certificate nobody on the team wrote: the system CA bundle's first one.
fn first_system_root_pem() -> String {
    let bundle = include_str!("/etc/ssl/certs/ca-certificates.crt");
    let start = bundle
        .find("-----BEGIN CERTIFICATE-----")
        .expect("a certificate");
    let end = bundle[start..]
        .find("-----END CERTIFICATE-----")
        .expect("its end")
        + start;
    format!("{}-----END CERTIFICATE-----\n", &bundle[start..end])
}

#[wasm_bindgen(inline_js = r#"
export function capture_downloads() {
  window.__downloads = [];
  const create = URL.createObjectURL;
  URL.createObjectURL = (blob) => { const url = create(blob); window.__lastBlob = blob; return url; };
  HTMLAnchorElement.prototype.click = function () {
    if (this.download) window.__downloads.push({ name: this.download, blob: window.__lastBlob });
  };
}
export function put_files(input, names, texts) {
  const dt = new DataTransfer();
  for (let i = 0; i < names.length; i++) dt.items.add(new File([texts[i]], names[i]));
  input.files = dt.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
}
export function downloads() { return window.__downloads; }
export async function blob_bytes(blob) { return new Uint8Array(await blob.arrayBuffer()); }
"#)]
extern "C" {
    fn capture_downloads();
    fn put_files(input: &web_sys::HtmlInputElement, names: js_sys::Array, texts: js_sys::Array);
    fn downloads() -> js_sys::Array;
    async fn blob_bytes(blob: JsValue) -> JsValue;
}

/// Puts a file into the file input, as the chooser would.
fn load(app: &Mounted, name: &str, text: &str) {
    let input: web_sys::HtmlInputElement =
        app.el("#cert-file").expect("a file input").unchecked_into();
    put_files(
        &input,
        js_sys::Array::of1(&name.into()),
        js_sys::Array::of1(&text.into()),
    );
}

#[wasm_bindgen_test]
async fn a_loaded_root_shows_its_card_converts_and_clears() {
    capture_downloads();
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    assert!(app.text().contains("No certificates or keys loaded."));

    load(&app, "root.pem", &first_system_root_pem());
    assert!(
        eventually(|| app.text().contains("root CA certificate")).await,
        "{}",
        app.text()
    );
    let text = app.text();
    for field in [
        "Subject",
        "Issuer",
        "Serial",
        "SHA-256",
        "SHA-1",
        "Subject key id",
        "Signature",
    ] {
        assert!(text.contains(field), "card lacks {field}:\n{text}");
    }
    assert!(
        text.contains("expires in") || text.contains("expired"),
        "{text}"
    );

    app.button("Download DER").click();
    let list = downloads();
    assert_eq!(list.length(), 1, "one download");
    let download = list.get(0);
    let name = get(&download, "name").as_string().unwrap_or_default();
    assert!(name.ends_with(".der") || name.ends_with(".cer"), "{name}");
    let bytes: js_sys::Uint8Array = blob_bytes(get(&download, "blob")).await.unchecked_into();
    let der = bytes.to_vec();
    assert_eq!(der.first(), Some(&0x30), "DER starts with a SEQUENCE");
    // The same certificate, read back from the downloaded DER, has the card's fingerprint.
    let info = atcert::cert::parse(&der, None).items[0]
        .cert_info(0)
        .expect("a certificate");
    assert!(
        text.contains(&info.sha256),
        "download differs from the card"
    );

    app.button("Clear all").click();
    assert!(eventually(|| app.text().contains("No certificates or keys loaded.")).await);
}

#[wasm_bindgen_test]
async fn a_crlf_pem_for_telit_legacy_is_flagged_and_fixed_to_lf() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    app.select("#cert-module", "telit-legacy");
    let crlf = first_system_root_pem().replace('\n', "\r\n");
    load(&app, "root-crlf.pem", &crlf);
    assert!(
        eventually(|| app.el(".lint").is_some()).await,
        "no lint shown:\n{}",
        app.text()
    );
    let lint = app.el(".lint").expect("lint").inner_text();
    assert!(lint.contains("Telit GE864 / GL865 (legacy)"), "{lint}");
    assert!(lint.contains("Fixed:"), "no automatic fix shown:\n{lint}");
    assert!(
        lint.to_lowercase().contains("lf"),
        "the fix does not mention line endings:\n{lint}"
    );
    assert!(lint.contains("Send"), "no bytes to send:\n{lint}");
}

#[wasm_bindgen_test]
async fn damaged_input_gets_a_located_error_and_the_page_keeps_working() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    let pem = first_system_root_pem();
    let damaged = pem.replacen("MII", "MI*", 1);
    load(&app, "damaged.pem", &damaged);
    assert!(
        eventually(|| app.el(".problem").is_some()).await,
        "{}",
        app.text()
    );
    let problem = app.el(".problem").expect("a problem").inner_text();
    assert!(
        problem.contains("line") || problem.contains("block"),
        "no location: {problem}"
    );
    // A good file still loads next to it.
    load(&app, "root.pem", &pem);
    assert!(eventually(|| app.text().contains("root CA certificate")).await);
}

#[wasm_bindgen_test]
async fn a_chain_is_drawn_leaf_to_root_and_a_bundle_of_roots_is_counted() {
    use atcert::cert::generate::{GenerateOptions, KeyAlgorithm, generate};
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;

    // A server certificate and the CA that issued it, in one file (leaf first).
    let mut options = GenerateOptions::new((js_sys::Date::now() / 1000.0) as i64);
    options.key = KeyAlgorithm::P256;
    options.ca.common_name = "Chain Test CA".into();
    options.server.common_name = "chain.example".into();
    let set = generate(&options, &mut rand_core::OsRng).expect("a generated set");
    load(&app, "server-chain.pem", &set.server_chain_pem());
    assert!(
        eventually(|| app
            .text_of("#cert-chains")
            .contains("signature verified by the next"))
        .await,
        "{}",
        app.text()
    );
    let chains = app.text_of("#cert-chains");
    let (leaf, root) = (
        chains.find("chain.example").expect("the leaf is drawn"),
        chains.find("Chain Test CA").expect("the CA is drawn"),
    );
    assert!(leaf < root, "leaf first: {chains}");
    assert!(chains.contains("module CA slot"), "{chains}");

    // Twenty roots of the system bundle in one file: counted in one line, each with its card.
    let bundle = include_str!("/etc/ssl/certs/ca-certificates.crt");
    let end = "-----END CERTIFICATE-----\n";
    let twenty: String = bundle
        .split_inclusive(end)
        .filter(|part| part.contains("-----BEGIN CERTIFICATE-----"))
        .take(20)
        .collect();
    load(&app, "roots.pem", &twenty);
    assert!(
        eventually(|| app
            .text_of("#cert-chains")
            .contains("20 self-signed root certificates stand alone"))
        .await,
        "{}",
        app.text_of("#cert-chains")
    );
    // The generated chain is still drawn beside them.
    assert!(app.text_of("#cert-chains").contains("chain.example"));
    assert!(
        eventually(|| {
            app.el("article.loaded[data-name='roots.pem']").map(|a| {
                a.query_selector_all(".card")
                    .map(|l| l.length())
                    .unwrap_or(0)
            }) == Some(20)
        })
        .await,
        "every root has its card"
    );
}
