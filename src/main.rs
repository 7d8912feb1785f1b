//! The page's entry point, built by trunk for wasm32: mount the app, nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    atcert::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("atcert-web is the page's wasm entry point; build it with trunk (see README.md).");
    eprintln!("The native command-line tool is `atcert`.");
    std::process::exit(2);
}
