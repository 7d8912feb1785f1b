//! The Leptos page. Components render plain view state; they never build AT strings (that is
//! `modules/`) and never parse certificates themselves (that is `cert/`).

mod area;
mod certificates;
mod connection;
mod console;
mod files;
mod findings;
pub mod port;
pub mod provision;
pub mod site;
pub mod state;
mod support;
mod update;

use leptos::prelude::*;

pub use area::Area;
pub use support::BrowserSupport;

use certificates::CertificatesArea;
use connection::ConnectionArea;
use console::ConsoleArea;
use port::PortHub;
use provision::ProvisionArea;
use site::{ProfileNotice, Site, SiteIntro, SiteLinks, SiteProfile};
use state::{AppState, CertStore};
use update::UpdatePrompt;

/// Mounts the app on `<body>`. Called once by `main.rs`.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

/// The whole page: header with the connection area, navigation, and the current area.
#[component]
pub fn App() -> impl IntoView {
    let support = BrowserSupport::detect();
    let hub = StoredValue::new_local(PortHub::new());
    let store = CertStore::new();
    let site = Site::new();
    provide_context(site);
    // What the user makes lives here, above the areas, so navigation never loses it.
    let app = hub.with_value(|h| AppState::new(store, h, site));
    provide_context(app);
    // The host's profile, from the page's own folder; its CAs go into the store like a file
    // the user loaded, so every area offers them.
    leptos::task::spawn_local(async move {
        let loaded = site::load().await;
        if let SiteProfile::Ready { profile, cas } = &loaded {
            if let Some(accent) = &profile.accent {
                site::apply_accent(accent);
            }
            if let Some(name) = &profile.name {
                site::apply_title(name);
            }
            for (i, (name, pem)) in cas.iter().enumerate() {
                let id = store.add(&format!("{name} (from this site)"), pem.clone());
                if i == 0 {
                    site.preloaded_ca.set(Some(id));
                }
            }
        }
        let mut keep = vec![crate::profile::FILE_NAME.to_owned()];
        if let SiteProfile::Ready { profile, .. } = &loaded {
            keep.extend(profile.logo.clone());
            keep.extend(
                profile
                    .trusted_cas
                    .iter()
                    .filter_map(|ca| match &ca.source {
                        crate::profile::CaSource::Path(path) => Some(path.clone()),
                        crate::profile::CaSource::Inline(_) => None,
                    }),
            );
        }
        update::keep_for_offline(keep);
        site.state.set(loaded);
    });
    let waiting = RwSignal::new_local(None::<web_sys::ServiceWorker>);
    update::register(waiting);
    let brand_name = move || site.with(|p| p.name.clone()).flatten();
    let logo = move || site.with(|p| p.logo.clone()).flatten();
    let (area, set_area) = signal(current_area());
    // The fragment is the source of truth, so links, Back/Forward and typed URLs all agree.
    let listener = window_event_listener(leptos::ev::hashchange, move |_| {
        set_area.set(current_area())
    });
    on_cleanup(move || listener.remove());

    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="top">
            <div class="brand">
                {move || match logo() {
                    Some(src) => view! { <img class="logo" id="brand-logo" src=src alt=""/> }.into_any(),
                    None => view! {
                        <svg class="logo" viewBox="0 0 16 16" aria-hidden="true">
                            <rect width="16" height="16" rx="3"></rect>
                            <path d="M4 11V5h2l2 3 2-3h2v6"></path>
                        </svg>
                    }.into_any(),
                }}
                <span class="name" id="brand-name">{move || brand_name().unwrap_or_else(|| "atcert".into())}</span>
                <span class="tagline">
                    {move || if brand_name().is_some() {
                        "TLS credentials for your module, with atcert"
                    } else {
                        "TLS credentials for AT-command modules"
                    }}
                </span>
            </div>
            <ConnectionArea support=support hub=hub/>
        </header>
        <SupportNotice support=support/>
        <ProfileNotice/>
        <UpdatePrompt waiting=waiting/>
        <SiteIntro/>
        <nav class="areas" aria-label="Areas">
            <ul>
                {Area::ALL
                    .into_iter()
                    .map(|a| {
                        view! {
                            <li>
                                <a
                                    href=a.href()
                                    id=format!("nav-{}", a.slug())
                                    aria-current=move || (area.get() == a).then_some("page")
                                >
                                    {a.title()}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <main id="main" tabindex="-1">
            {move || match area.get() {
                Area::Certificates => view! { <CertificatesArea/> }.into_any(),
                Area::Provision => view! { <ProvisionArea support=support hub=hub/> }.into_any(),
                Area::Console => view! { <ConsoleArea support=support hub=hub/> }.into_any(),
                Area::Help => view! { <HelpArea/> }.into_any(),
            }}
        </main>
        <footer class="bottom">
            "Everything happens in this page: no server, no network traffic, and private keys never leave this tab."
        </footer>
    }
}

fn current_area() -> Area {
    let hash = window().location().hash().unwrap_or_default();
    Area::from_fragment(&hash)
}

/// Says plainly what this browser or this address cannot do, and what still works.
#[component]
fn SupportNotice(support: BrowserSupport) -> impl IntoView {
    let message = if !support.secure_context {
        Some((
            "insecure",
            "This page is not in a secure context, so it cannot reach serial ports. Web Serial \
             only works on pages served over HTTPS or from localhost (http://localhost or \
             http://127.0.0.1). Open atcert from such an address to talk to a module; the \
             certificate tools still work here.",
        ))
    } else if !support.web_serial {
        Some((
            "no-serial",
            "This browser cannot talk to serial ports. Talking to a module needs Chrome, Edge or \
             Opera 89 or later, or Firefox 151 or later. The certificate tools still work here: \
             inspect, check, convert and generate credentials, then provision from a supported \
             browser.",
        ))
    } else {
        None
    };
    message.map(|(kind, text)| {
        view! {
            <div class="notice" role="status" id="support-notice" data-kind=kind>
                <strong>"Serial ports unavailable. "</strong>
                {text}
            </div>
        }
    })
}

#[component]
fn HelpArea() -> impl IntoView {
    view! {
        <section class="area help" id="area-help" aria-labelledby="h-help">
            <h1 id="h-help">"Help"</h1>
            <h2>"The job, in order"</h2>
            <ol>
                <li>
                    <strong>"Certificates: "</strong>
                    "load the server's root CA (not the server's own certificate), and for \
                     mutual TLS the client certificate and its private key."
                </li>
                <li>
                    <strong>"Provision: "</strong>
                    "connect the module, let atcert identify it, review the plan, and run it. \
                     Each credential is written in the form that module needs (PEM or DER, LF \
                     line endings, the right file or slot name) and read back where the module \
                     allows."
                </li>
                <li>
                    <strong>"Test connection: "</strong>
                    "open a real TLS connection through the module to your server. A failure \
                     shows the module's own words, what they mean and what to do."
                </li>
            </ol>
            <h2 id="help-demo">"Demo mode: try without hardware"</h2>
            <p>
                "Try without hardware (top right) connects the page to a simulated module of \
                 the family you pick, at the real serial pace. Use the demo server's CA and a \
                 demo device certificate (in Provision) to run every step: write and verify, \
                 remove, and a TLS test connection to the simulated server demo.atcert.test. \
                 Nothing leaves the page. Leave demo ends it and stops a running job; what was \
                 written to the simulated module stays there until you pick another family."
            </p>
            <h2 id="help-console">"The Console"</h2>
            <p>
                "The Console shows every byte between the page and the module, a running \
                 job's exchange included, so you can watch it while Provision works: TX is \
                 what atcert sent, RX what the module answered, and the time counts seconds \
                 from the first byte, as in the downloaded transcript. Type AT commands at the \
                 bottom (Enter sends; Up and Down recall earlier ones). Hex shows the bytes \
                 in hexadecimal. The view follows new output unless you scroll up."
            </p>
            <h2 id="help-findings">"Reading the findings"</h2>
            <ul>
                <li><strong>"Would be rejected: "</strong>"the module would refuse this credential or fail with it, and atcert cannot fix it: the To do says what you can do."</li>
                <li><strong>"Fixed: "</strong>"the module would have refused the file as it was, and atcert already changed what it sends (for example PEM to DER, or CRLF to LF). Nothing for you to do."</li>
                <li><strong>"Check: "</strong>"probably a problem, from what is known of the module; worth a look."</li>
                <li><strong>"Note: "</strong>"information, such as where the credential will be stored."</li>
                <li>"Why? opens the reason and the public document it comes from (a vendor manual, application note or working driver), by title and section."</li>
            </ul>
            <h2>"Modules"</h2>
            <ul>
                {crate::modules::Family::ALL
                    .map(|f| view! { <li>{f.models()}</li> })
                    .collect_view()}
            </ul>
            {move || {
                let links = use_context::<Site>()
                    .and_then(|s| s.with(|p| p.links.clone()))
                    .unwrap_or_default();
                (!links.is_empty()).then(|| view! {
                    <h2>"From this site"</h2>
                    <SiteLinks links=links/>
                })
            }}
            <h2>"Browsers"</h2>
            <p>
                "Talking to a module needs Web Serial: Chrome, Edge or Opera 89 or later, or \
                 Firefox 151 or later, on a page served over HTTPS or from localhost. The \
                 certificate tools work in any current browser."
            </p>
            <h2>"Privacy"</h2>
            <p>
                "atcert is a static page. It makes no network requests of its own, and \
                 certificates and keys stay in this tab's memory: never in the URL, local \
                 storage or any server. Reloading the page forgets them."
            </p>
            <h2>"Offline"</h2>
            <p>
                "After one visit with the network on, this page also opens and works without \
                 a network: its own files are kept by the browser. When the site publishes a \
                 new version, the page offers to reload; it never changes in the middle of \
                 your work."
            </p>
            <h2>"When a port will not open"</h2>
            <ul>
                <li>"Close other programs using the port (terminal programs, IDE serial monitors, another atcert tab)."</li>
                <li>"On Linux, add your user to the dialout group and log in again."</li>
                <li>"Check the baud rate: most modules start at 115200; some auto-baud after a few AT commands."</li>
            </ul>
        </section>
    }
}
