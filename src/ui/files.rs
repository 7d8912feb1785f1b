//! Files out of the page: downloads and the clipboard. Nothing is uploaded anywhere; a
//! download is a blob URL the browser saves and that is revoked right after.

use wasm_bindgen::{JsCast, JsValue};

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).map_err(describe)?;
    Ok(())
}

/// Copies text to the clipboard; the browser may ask the user first, or refuse.
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(describe)
}

/// A Copy button that says whether the copy worked, for a few seconds.
#[leptos::component]
pub fn CopyButton(text: String, label: &'static str) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let said = RwSignal::new(None::<String>);
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            let feedback = match copy_text(&text).await {
                Ok(()) => "Copied".to_owned(),
                Err(e) => format!("Could not copy: {e}"),
            };
            said.set(Some(feedback));
            use crate::session::Clock;
            let clock = crate::web::BrowserClock;
            clock
                .sleep_until(clock.now() + std::time::Duration::from_millis(2500))
                .await;
            said.set(None);
        });
    };
    view! {
        <button class="small copy" on:click=copy>{label}</button>
        {move || said.get().map(|s| view! { <span class="copied" role="status">{s}</span> })}
    }
}

fn describe(error: JsValue) -> String {
    js_sys::Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
