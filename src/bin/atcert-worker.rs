//! The page's second wasm, run in a Web Worker: key generation (see `atcert::web::worker`).
//! trunk builds it for wasm32 (index.html); natively it does nothing.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    atcert::web::worker::serve();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "atcert-worker is the page's key-generation worker; build it with trunk (see README.md)."
    );
    std::process::exit(2);
}
