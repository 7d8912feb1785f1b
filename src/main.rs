//! The page's entry point, built by trunk for wasm32: mount the app, nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    atcert::ui::mount();
    // The app is on screen: the loading frame of index.html goes.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("atcert-boot"))
    {
        boot.remove();
    }
    // The first render is synchronous: this mark is when the page became usable, which the
    // release-page test reports as navigation-to-interactive time.
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("atcert-interactive");
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("atcert-web is the page's wasm entry point; build it with trunk (see README.md).");
    eprintln!("The native command-line tool is `atcert`.");
    std::process::exit(2);
}
