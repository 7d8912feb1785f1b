//! The Leptos page.
use leptos::prelude::*;

pub fn mount() {
    leptos::mount::mount_to_body(|| view! { <p>"atcert"</p> });
}
