//! The site profile in the page: `atcert.json` fetched from the page's own folder at start,
//! with the CA files it names. A missing profile is today's page; a broken one is shown to
//! the host, and the page runs with its defaults.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::modules::Family;
use crate::profile::{self, CaSource, Profile, ProfileError};

/// What the page knows of its site profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum SiteProfile {
    /// Still being fetched.
    #[default]
    Loading,
    /// No `atcert.json` next to the page: the defaults.
    Absent,
    /// Read and checked, with the PEM of each trusted CA (name, bytes).
    Ready {
        profile: Box<Profile>,
        cas: Vec<(String, Vec<u8>)>,
    },
    /// Could not be used: every problem found. The page runs with its defaults.
    Broken(Vec<ProfileError>),
}

impl SiteProfile {
    pub fn profile(&self) -> Option<&Profile> {
        match self {
            Self::Ready { profile, .. } => Some(profile),
            _ => None,
        }
    }
}

/// The page-wide view of the profile, shared through Leptos context.
#[derive(Clone, Copy)]
pub struct Site {
    pub state: RwSignal<SiteProfile>,
    /// Show every family in the pickers, not only the profile's.
    pub show_all_families: RwSignal<bool>,
    /// The id in the certificate store of the profile's first CA, once loaded.
    pub preloaded_ca: RwSignal<Option<u64>>,
}

impl Site {
    pub fn new() -> Self {
        Self {
            state: RwSignal::new(SiteProfile::Loading),
            show_all_families: RwSignal::new(false),
            preloaded_ca: RwSignal::new(None),
        }
    }

    /// Reads a value of the profile, if there is one.
    pub fn with<T>(&self, f: impl FnOnce(&Profile) -> T) -> Option<T> {
        self.state.with(|s| s.profile().map(f))
    }

    /// The families the pickers offer: the profile's, unless the user asked for all.
    pub fn families(&self) -> Vec<Family> {
        let preferred = self
            .with(Profile::preferred_families)
            .unwrap_or_else(|| Family::ALL.to_vec());
        if self.show_all_families.get() {
            let mut all = preferred.clone();
            all.extend(Family::ALL.into_iter().filter(|f| !preferred.contains(f)));
            all
        } else {
            preferred
        }
    }

    /// Whether the profile narrows the families (so "show all" is worth offering).
    pub fn narrows_families(&self) -> bool {
        self.with(|p| !p.families.is_empty() && p.families.len() < Family::ALL.len())
            .unwrap_or(false)
    }
}

impl Default for Site {
    fn default() -> Self {
        Self::new()
    }
}

/// The site from context (provided by `App`).
pub fn use_site() -> Site {
    use_context::<Site>().unwrap_or_default()
}

/// Fetches and checks the profile and the CA files it names.
pub async fn load() -> SiteProfile {
    let bytes = match fetch(profile::FILE_NAME).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return SiteProfile::Absent,
        Err(e) => {
            return SiteProfile::Broken(vec![ProfileError {
                field: String::new(),
                message: e,
            }]);
        }
    };
    let profile = match profile::parse_profile(&bytes) {
        Ok(profile) => profile,
        Err(errors) => return SiteProfile::Broken(errors.0),
    };
    let mut cas = Vec::new();
    let mut problems = Vec::new();
    for (i, ca) in profile.trusted_cas.iter().enumerate() {
        match &ca.source {
            CaSource::Inline(pem) => cas.push((ca.name.clone(), pem.clone())),
            CaSource::Path(path) => {
                let field = format!("trusted_cas[{i}].path");
                let read = match fetch(path).await {
                    Ok(Some(bytes)) => profile::check_ca_file(&field, &bytes).map(|()| bytes),
                    Ok(None) => Err(ProfileError {
                        field,
                        message: format!("{path} was not found on this site (HTTP 404)"),
                    }),
                    Err(message) => Err(ProfileError { field, message }),
                };
                match read {
                    Ok(bytes) => cas.push((ca.name.clone(), bytes)),
                    Err(e) => problems.push(e),
                }
            }
        }
    }
    if problems.is_empty() {
        SiteProfile::Ready {
            profile: Box::new(profile),
            cas,
        }
    } else {
        SiteProfile::Broken(problems)
    }
}

/// GETs a same-origin path relative to the page, past the HTTP cache (the service worker
/// still answers offline). `Ok(None)` for a 404.
async fn fetch(path: &str) -> Result<Option<Vec<u8>>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoCache);
    let response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| format!("{path} could not be fetched: the site did not answer"))?;
    let response: web_sys::Response = response.unchecked_into();
    if response.status() == 404 {
        return Ok(None);
    }
    if !response.ok() {
        return Err(format!(
            "{path}: the site answered HTTP {}",
            response.status()
        ));
    }
    let buffer = response
        .array_buffer()
        .map_err(|_| format!("{path}: unreadable answer"))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| format!("{path}: unreadable answer"))?;
    Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// Puts the profile's accent colour on the page (CSS variables on `<html>`; CSSOM writes
/// are allowed by the CSP, which forbids inline style attributes).
pub fn apply_accent(accent: &str) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let style = root.style();
    let _ = style.set_property("--accent", accent);
    let _ = style.set_property("--accent-text", profile::text_on(accent));
}

/// The tab title: the profile's product name, or atcert's.
pub fn apply_title(name: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(name);
    }
}

/// Tells the host what is wrong with its profile; customers see that the page runs with
/// its defaults.
#[component]
pub fn ProfileNotice() -> impl IntoView {
    let site = use_site();
    move || {
        site.state.with(|s| match s {
            SiteProfile::Broken(errors) => {
                let items = errors
                    .iter()
                    .map(|e| view! { <li>{e.to_string()}</li> })
                    .collect_view();
                Some(view! {
                    <div class="notice" role="alert" id="profile-error">
                        <strong>"This site's profile (atcert.json) could not be used. "</strong>
                        "The page works with its defaults. For the site's host: fix the \
                         following and check the file with "
                        <code>"atcert profile check atcert.json"</code>
                        ":"
                        <ul>{items}</ul>
                    </div>
                })
            }
            _ => None,
        })
    }
}

/// The host's intro for its customers, and its links.
#[component]
pub fn SiteIntro() -> impl IntoView {
    let site = use_site();
    move || {
        let (intro, links) = site.with(|p| (p.intro.clone(), p.links.clone()))?;
        if intro.is_none() && links.is_empty() {
            return None;
        }
        Some(view! {
            <section class="site-intro" id="site-intro" aria-label="About this page">
                {intro.map(|text| view! { <p>{text}</p> })}
                <SiteLinks links=links/>
            </section>
        })
    }
}

/// The host's docs and support links; they open in a new tab, never fetched by the page.
#[component]
pub fn SiteLinks(links: Vec<profile::Link>) -> impl IntoView {
    (!links.is_empty()).then(|| {
        let items = links
            .into_iter()
            .map(|l| {
                view! {
                    <li>
                        <a href=l.url target="_blank" rel="noopener noreferrer">{l.label}</a>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="site-links" id="site-links">{items}</ul> }
    })
}

/// "Show all module families", where the profile narrows them.
#[component]
pub fn AllFamiliesToggle() -> impl IntoView {
    let site = use_site();
    move || {
        site.narrows_families().then(|| {
            view! {
                <label class="all-families">
                    <input
                        type="checkbox"
                        class="show-all-families"
                        prop:checked=move || site.show_all_families.get()
                        on:change=move |ev| site.show_all_families.set(event_target_checked(&ev))
                    />
                    " Show all module families"
                </label>
            }
        })
    }
}
