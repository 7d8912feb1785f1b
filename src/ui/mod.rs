//! The Leptos page. Components render plain view state; they never build AT strings (that is
//! `modules/`) and never parse certificates themselves (that is `cert/`).

mod area;
mod certificates;
mod connection;
mod console;
mod files;
pub mod port;
pub mod provision;
mod support;

use leptos::prelude::*;

pub use area::Area;
pub use support::BrowserSupport;

use certificates::{CertStore, CertificatesArea};
use connection::ConnectionArea;
use console::ConsoleArea;
use port::PortHub;
use provision::ProvisionArea;

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
                <svg class="logo" viewBox="0 0 16 16" aria-hidden="true">
                    <rect width="16" height="16" rx="3"></rect>
                    <path d="M4 11V5h2l2 3 2-3h2v6"></path>
                </svg>
                <span class="name">"atcert"</span>
                <span class="tagline">"TLS credentials for AT-command modules"</span>
            </div>
            <ConnectionArea support=support hub=hub/>
        </header>
        <SupportNotice support=support/>
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
                Area::Certificates => view! { <CertificatesArea store=store/> }.into_any(),
                Area::Provision => view! { <ProvisionArea support=support hub=hub store=store/> }.into_any(),
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
            <h2>"Modules"</h2>
            <ul>
                <li>"SIMCom SIM800 series (SIM800L/C/H, SIM808, SIM868)"</li>
                <li>"SIMCom SIM7600 / SIM7800"</li>
                <li>"ST SPWF04"</li>
                <li>"Telit GE864 / GE865 / GL865 / GL868 and LE910 / ME910"</li>
                <li>"Connect One iChip"</li>
            </ul>
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
            <h2>"When a port will not open"</h2>
            <ul>
                <li>"Close other programs using the port (terminal programs, IDE serial monitors, another atcert tab)."</li>
                <li>"On Linux, add your user to the dialout group and log in again."</li>
                <li>"Check the baud rate: most modules start at 115200; some auto-baud after a few AT commands."</li>
            </ul>
        </section>
    }
}
