//! Offline use and updates: registers the service worker (`sw.js`, next to the page), and
//! when a new deployment has been downloaded offers "new version available, reload". The
//! new version only takes over when the user says so, never in the middle of a flow.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;

/// How often an open page asks the site whether a new version was deployed.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Registers the worker; `waiting` gets the new version's worker once it is ready.
pub fn register(waiting: RwSignal<Option<web_sys::ServiceWorker>, LocalStorage>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    // Absent outside secure contexts (plain http to another host): the page works online.
    let present = js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false);
    if !present {
        return;
    }
    let container = navigator.service_worker();
    leptos::task::spawn_local(async move {
        // Relative: the worker's scope is the page's own folder, whatever the sub-path.
        let Ok(registration) = JsFuture::from(container.register("sw.js")).await else {
            web_sys::console::warn_1(
                &"atcert: offline use is unavailable (sw.js did not register)".into(),
            );
            return;
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        let controlled = {
            let container = container.clone();
            move || container.controller().is_some()
        };
        // A version downloaded on an earlier visit and still waiting.
        if let Some(worker) = registration.waiting()
            && controlled()
        {
            waiting.set(Some(worker));
        }
        let on_found = {
            let registration = registration.clone();
            Closure::<dyn FnMut()>::new(move || {
                let Some(worker) = registration.installing() else {
                    return;
                };
                let installing = worker.clone();
                let controlled = controlled.clone();
                let on_state = Closure::<dyn FnMut()>::new(move || {
                    // The first install has no controller: nothing to replace, no prompt.
                    if installing.state() == web_sys::ServiceWorkerState::Installed && controlled()
                    {
                        waiting.set(Some(installing.clone()));
                    }
                });
                worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
                on_state.forget();
            })
        };
        registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        let check = registration.clone();
        let _ = set_interval_with_handle(
            move || {
                let _ = check.update();
            },
            CHECK_EVERY,
        );
    });
}

/// The prompt shown when a new version is ready.
#[component]
pub fn UpdatePrompt(
    waiting: RwSignal<Option<web_sys::ServiceWorker>, LocalStorage>,
) -> impl IntoView {
    let dismissed = RwSignal::new(false);
    let reload = move |_| {
        let Some(worker) = waiting.get_untracked() else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        // Reload once the new version has taken over this page.
        let container = window.navigator().service_worker();
        let on_change = Closure::<dyn FnMut()>::new(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        });
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"atcert-activate".into());
        let _ = worker.post_message(&message);
    };
    move || {
        (waiting.with(Option::is_some) && !dismissed.get()).then(|| {
            view! {
                <div class="notice update" role="status" id="update-prompt">
                    <strong>"A new version of this page is available. "</strong>
                    "Reload to use it when you are not in the middle of a flow: certificates \
                     and keys loaded in this tab are forgotten on reload."
                    " "
                    <button class="primary small" id="update-reload" on:click=reload>"Reload"</button>
                    " "
                    <button class="small" id="update-later" on:click=move |_| dismissed.set(true)>"Later"</button>
                </div>
            }
        })
    }
}

/// Asks the service worker to keep the host's files (`atcert.json` and the files it names)
/// for offline use: on the first visit the page read them before the worker controlled it.
pub fn keep_for_offline(paths: Vec<String>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let Ok(ready) = navigator.service_worker().ready() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let Ok(registration) = JsFuture::from(ready).await else {
            return;
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        let Some(active) = registration.active() else {
            return;
        };
        let list = js_sys::Array::new();
        for path in paths {
            list.push(&path.into());
        }
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"atcert-keep".into());
        let _ = js_sys::Reflect::set(&message, &"paths".into(), &list);
        let _ = active.post_message(&message);
    });
}
