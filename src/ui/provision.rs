//! The Provision area: detect the module, pick credentials, read what the module would
//! reject and the exact plan, then write, verify, remove and test a TLS connection. The
//! page never builds AT strings: plans and flows come from `modules`. Its state lives in
//! [`AppState`] above the areas, so leaving and coming back loses nothing, a running job
//! included.

use std::cell::RefCell;

use leptos::prelude::*;

use super::files;
use super::findings::FindingItem;
use super::port::{Link, Logged, PortHub, PortState};
use super::state::{AppState, now_unix, use_state};
use crate::app::credentials::Prepared;
use crate::app::demo;
use crate::app::job::{self, Job, Outcome};
use crate::cert::generate::GeneratedSet;
use crate::cert::lint::LintReport;
use crate::modules::flows::{self, FlowError};
use crate::modules::plan::Options;
use crate::modules::{self as m, Family};
use crate::session::Session;
use crate::sim::Server;
use crate::web::BrowserClock;

pub use crate::app::demo::DEMO_HOST;

thread_local! {
    /// The demo server's CA, server and client certificates per family: made once per page.
    static DEMO_SETS: RefCell<Vec<(Family, GeneratedSet)>> = const { RefCell::new(Vec::new()) };
}

/// The demo credentials for `family`, once [`prepare_demo`] has made them (or, with
/// `inline-keygen`, made here on first use).
pub fn demo_set(family: Family) -> Option<GeneratedSet> {
    let made = DEMO_SETS.with(|cell| {
        cell.borrow()
            .iter()
            .find(|(f, _)| *f == family)
            .map(|(_, set)| set.clone())
    });
    #[cfg(feature = "inline-keygen")]
    if made.is_none() {
        let options = demo::options(family, now_unix())?;
        let set = crate::cert::generate::generate(&options, &mut rand_core::OsRng).ok()?;
        DEMO_SETS.with(|cell| cell.borrow_mut().push((family, set.clone())));
        return Some(set);
    }
    made
}

/// Makes the demo credentials for `family` if they are not made yet: in the key-generation
/// worker, so that the page does not freeze while they are made.
pub async fn prepare_demo(family: Family) -> Result<GeneratedSet, String> {
    if let Some(set) = demo_set(family) {
        return Ok(set);
    }
    let options = demo::options(family, now_unix())
        .ok_or_else(|| format!("no demo credentials fit {}", family.display_name()))?;
    let set = crate::web::worker::generate(&options).await?;
    // Two callers may have raced: the first set made stays.
    if let Some(kept) = demo_set(family) {
        return Ok(kept);
    }
    DEMO_SETS.with(|cell| cell.borrow_mut().push((family, set.clone())));
    Ok(set)
}

/// The simulated server of demo mode.
pub fn demo_server(family: Family) -> Server {
    demo::server(family, demo_set(family).as_ref())
}

/// Runs one job over the hub's port, reports progress to the board, and gives the port
/// back (or reports it lost). The board ignores the end of a job it was told to abandon.
async fn run_job(hub: PortHub, job: Job, family: Option<Family>, state: AppState, ticket: u64) {
    let board = state.board;
    let Some(port) = hub.take().await else {
        board.update(|b| {
            b.finish(ticket, job::not_connected(&job));
        });
        return;
    };
    let mut session: Session<Logged<Link>, BrowserClock> = Session::new(
        port,
        BrowserClock,
        crate::session::SessionOptions::default(),
    );
    session.set_progress(move |p| board.update(|b| b.progress(ticket, p)));
    state.cancel.set_value(Some(session.cancel_token()));

    // 1. Know the family: detect when asked or unknown, otherwise use the one chosen.
    let known = match (&job, family) {
        (Job::Detect, _) | (_, None) => match flows::detect(&mut session).await {
            Ok(identity) => {
                hub.identity.set(Some(identity.to_string()));
                Ok(identity.family)
            }
            Err(error) => Err(error),
        },
        (_, Some(family)) => {
            flows::attach(&mut session, family);
            Ok(family)
        }
    };
    // 2. Run the job.
    let mut answer_ok = true;
    let result: Result<(Family, String), FlowError> = match known {
        Err(error) => Err(error),
        Ok(family) => match &job {
            Job::Detect => Ok((family, hub.identity.get_untracked().unwrap_or_default())),
            Job::Provision(creds, opts) => flows::provision(&mut session, family, creds, opts)
                .await
                .map(|report| (family, report.to_string())),
            Job::Remove(creds, opts) => flows::remove(&mut session, family, creds, opts)
                .await
                .map(|report| (family, report.to_string())),
            Job::Test(opts, expect) => flows::test_connection(&mut session, family, opts)
                .await
                .map(|report| {
                    let (text, ok) = job::test_text(
                        &report.host,
                        report.port,
                        &report.response,
                        expect.as_deref(),
                    );
                    answer_ok = ok;
                    (family, text)
                }),
        },
    };
    // 3. Give the port back; a lost port is reported by the hub as well.
    state.cancel.set_value(None);
    let lost = result.as_ref().err().and_then(job::lost_port);
    let (port, _, _) = session.into_parts();
    hub.give_back(port, lost.as_ref()).await;
    let outcome = job::outcome(&job, &result, answer_ok);
    let counted = board
        .try_update(|b| b.finish(ticket, outcome))
        .unwrap_or(false);
    if counted && let Ok((found, _)) = result {
        state.family.set(Some(found));
    }
}

/// Starts `job` unless one is running.
pub fn start_job(hub: PortHub, state: AppState, job: Job) {
    let Some(ticket) = state.board.try_update(|b| b.start(&job)).flatten() else {
        return;
    };
    let chosen = state.family.get_untracked();
    leptos::task::spawn_local(run_job(hub, job, chosen, state, ticket));
}

/// Stops the running job, if any, and says why: used by "Leave demo".
pub fn abandon_job(state: AppState, why: &str) {
    state.cancel.with_value(|c| {
        if let Some(c) = c {
            c.cancel();
        }
    });
    state.board.update(|b| b.abandon(why));
}

#[component]
pub fn ProvisionArea(
    support: super::BrowserSupport,
    hub: StoredValue<PortHub, LocalStorage>,
) -> impl IntoView {
    let app = use_state();
    let store = app.store;
    let (state, identity, busy) = hub.with_value(|h| (h.state, h.identity, h.busy));
    let site = super::site::use_site();
    let AppState {
        family,
        ca,
        cert,
        key,
        host,
        port,
        request,
        apn,
        endpoint,
        expect,
        board,
        prepared,
        ..
    } = app;
    let client_required = move || {
        site.with(|p| p.client_certificate_required)
            .unwrap_or(false)
    };

    let options = move || Options {
        unix_time: u64::try_from(now_unix()).ok(),
        host: host.get().trim().to_owned(),
        port: port.get().trim().parse().unwrap_or(443),
        request: {
            let r = request.get();
            (!r.is_empty()).then(|| r.replace("\\r\\n", "\r\n").into_bytes())
        },
        apn: Some(apn.get().trim().to_owned()).filter(|a| !a.is_empty()),
        ..Options::default()
    };
    let plan_text = move || {
        let family = family.get()?;
        let creds = prepared.with(|p| p.creds().cloned())?;
        Some(
            m::plan_provision(family, &creds, &options())
                .map(|p| p.render())
                .map_err(|e| e.to_string()),
        )
    };
    let start = move |job: Job| start_job(hub.get_value(), app, job);
    let creds_now = move || prepared.with(|p| p.creds().cloned());
    let running = move || board.with(|b| b.is_running());
    let can_run = move || state.get().is_connected() && !busy.get() && !running();

    let files_options = move || {
        store
            .loaded
            .with(|set| {
                set.entries
                    .iter()
                    .map(|l| (l.id, l.name.clone()))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
            .collect_view()
    };
    let picker = move |label: &'static str, id: &'static str, signal: RwSignal<Option<u64>>| {
        view! {
            <label class="pick">
                {label}
                <select
                    id=id
                    prop:value=move || {
                        // Read the list too, so the choice is shown again once the options exist.
                        store.loaded.track();
                        signal.get().map(|v| v.to_string()).unwrap_or_default()
                    }
                    on:change=move |ev| signal.set(event_target_value(&ev).parse().ok())
                >
                    <option value="">"(none)"</option>
                    {files_options}
                </select>
            </label>
        }
    };
    let load_demo = move |_| {
        let Some(demo_family) = family.get_untracked() else {
            return;
        };
        if let Some(set) = demo_set(demo_family) {
            let ca_id = store.add(demo::DEMO_CA_NAME, set.ca.cert_pem().into_bytes());
            let device = store.add(demo::DEMO_DEVICE_NAME, demo::device_pem(&set));
            ca.set(Some(ca_id));
            // Offer the device credentials only where this module's plan takes them.
            let takes = demo::takes_client(demo_family, &set, now_unix());
            cert.set(takes.then_some(device));
            key.set(takes.then_some(device));
        }
    };

    view! {
        <section class="area" id="area-provision" aria-labelledby="h-provision">
            <h1 id="h-provision">"Provision"</h1>
            <Show when=move || !state.get().is_connected()>
                <div class="empty">
                    <p class="lead">"No module connected."</p>
                    <p>
                        {if support.can_connect() {
                            "Connect the module (top right; 115200 baud is the usual start), or \
                             try a simulated one with Try without hardware. atcert identifies it, \
                             shows the exact AT commands before sending anything, writes your \
                             credentials, verifies them and tests a TLS connection."
                        } else {
                            "This browser cannot reach serial ports (see the notice above), but \
                             Try without hardware (top right) runs every flow against a simulated \
                             module."
                        }}
                    </p>
                    <p>"Load the credentials to send in Certificates first."</p>
                </div>
            </Show>
            <div class="provision">
                <section class="step-box" aria-label="Module">
                    <h2>"1. Module"</h2>
                    <p id="module-identity">
                        {move || identity.get().unwrap_or_else(|| "Not identified yet.".into())}
                    </p>
                    <div class="row">
                        <button id="detect" disabled=move || !can_run() on:click=move |_| start(Job::Detect)>
                            "Detect module"
                        </button>
                        <label>
                            "Family "
                            <select
                                id="provision-family"
                                prop:value=move || family.get().map(|f| f.id()).unwrap_or_default()
                                on:change=move |ev| family.set(event_target_value(&ev).parse().ok())
                            >
                                <option value="">"(detect)"</option>
                                {move || site.families()
                                    .into_iter()
                                    .map(|f| view! {
                                        <option value=f.id() selected=family.get_untracked() == Some(f)>{f.display_name()}</option>
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                        <super::site::AllFamiliesToggle/>
                    </div>
                </section>
                <section class="step-box" aria-label="Credentials">
                    <h2>"2. Credentials"</h2>
                    <div class="row">
                        {picker("Root CA ", "pick-ca", ca)}
                        {picker("Client certificate ", "pick-cert", cert)}
                        {picker("Client key ", "pick-key", key)}
                    </div>
                    <Show when=move || matches!(state.get(), PortState::Demo { .. })>
                        <button id="load-demo" on:click=load_demo>
                            "Use the demo server's CA and a demo device certificate"
                        </button>
                    </Show>
                    {move || (client_required() && (cert.get().is_none() || key.get().is_none())).then(|| view! {
                        <p class="problem" role="alert" id="client-cert-required">
                            "This site's service requires a client certificate: choose the \
                             device's certificate and its private key above (load them in \
                             Certificates first)."
                        </p>
                    })}
                    {move || match prepared.get() {
                        Prepared::Nothing => None,
                        Prepared::Ready { reports, .. } => {
                            let family = family.get().map(|f| f.display_name()).unwrap_or("The module");
                            Some(view! { <Findings reports=reports family=family/> }.into_any())
                        }
                        Prepared::Refused(reason) => Some(view! {
                            <p class="problem" role="alert" id="prepare-error">{reason}</p>
                        }.into_any()),
                    }}
                </section>
                <section class="step-box" aria-label="Plan">
                    <h2>"3. Plan"</h2>
                    {move || match plan_text() {
                        None => view! { <p class="muted">"Choose a family and credentials to see the exact commands."</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="problem">{e}</p> }.into_any(),
                        Some(Ok(text)) => {
                            let download = text.clone();
                            let name = format!("{}-plan.txt", family.get_untracked().map(|f| f.id()).unwrap_or("atcert"));
                            view! {
                                <pre class="plan" id="plan">{text}</pre>
                                <button class="small" on:click=move |_| {
                                    let _ = files::download(&name, download.as_bytes(), "text/plain");
                                }>"Download AT script"</button>
                            }.into_any()
                        }
                    }}
                </section>
                <section class="step-box" aria-label="Run">
                    <h2>"4. Run"</h2>
                    <div class="row">
                        <button
                            class="primary"
                            id="provision-run"
                            disabled=move || {
                                !can_run()
                                    || creds_now().is_none()
                                    || (client_required() && (cert.get().is_none() || key.get().is_none()))
                            }
                            on:click=move |_| {
                                if let Some(creds) = creds_now() {
                                    start(Job::Provision(creds, options()));
                                }
                            }
                        >
                            "Write and verify"
                        </button>
                        <button
                            id="provision-remove"
                            disabled=move || !can_run() || creds_now().is_none()
                            on:click=move |_| {
                                if let Some(creds) = creds_now() {
                                    start(Job::Remove(creds, options()));
                                }
                            }
                        >
                            "Remove from module"
                        </button>
                        <Show when=running>
                            <button id="provision-cancel" on:click=move |_| {
                                app.cancel.with_value(|c| if let Some(c) = c { c.cancel() });
                            }>"Cancel"</button>
                        </Show>
                    </div>
                    {move || {
                        let list = app.endpoints();
                        (!list.is_empty()).then(|| view! {
                            <div class="row">
                                <label>
                                    "Test endpoint "
                                    <select
                                        id="test-endpoint"
                                        on:change=move |ev| app.use_endpoint(event_target_value(&ev).parse().ok())
                                    >
                                        {list
                                            .into_iter()
                                            .enumerate()
                                            .map(|(i, e)| view! {
                                                <option value=i.to_string() prop:selected=move || endpoint.get() == Some(i)>
                                                    {format!("{} ({}:{})", e.name, e.host, e.port)}
                                                </option>
                                            })
                                            .collect_view()}
                                        <option value="" prop:selected=move || endpoint.get().is_none()>"(another server)"</option>
                                    </select>
                                </label>
                                {move || expect.get().map(|want| view! {
                                    <span class="muted" id="test-expect">{format!("Expects the answer to contain \"{want}\"")}</span>
                                })}
                            </div>
                        })
                    }}
                    <div class="row">
                        <label>"Host " <input type="text" id="test-host" prop:value=move || host.get() on:input=move |ev| host.set(event_target_value(&ev))/></label>
                        <label>"Port " <input type="number" id="test-port" min="1" max="65535" prop:value=move || port.get() on:input=move |ev| port.set(event_target_value(&ev))/></label>
                        <label class="wide">"Request (optional; \\r\\n for line ends) "
                            <input type="text" id="test-request" placeholder="GET / HTTP/1.1 with a Host header" prop:value=move || request.get() on:input=move |ev| request.set(event_target_value(&ev))/>
                        </label>
                        <label>"APN (SIM800, Telit) "
                            <input type="text" id="test-apn" placeholder="bearer already up" prop:value=move || apn.get() on:input=move |ev| apn.set(event_target_value(&ev))/>
                        </label>
                        <button id="test-run" disabled=move || !can_run() on:click=move |_| start(Job::Test(options(), expect.get_untracked()))>
                            "Test connection"
                        </button>
                    </div>
                    {move || board.with(|b| b.running.clone()).map(|r| view! {
                        <div class="progress" role="status" id="provision-progress">
                            <p>{format!("{}: running", r.title)}</p>
                            {r.step.map(|(i, n, label)| view! { <p>{format!("Step {i} of {n}: {label}")}</p> })}
                            {r.sending.map(|(label, sent, total)| view! {
                                <p>{format!("{label}: {sent} of {total} bytes")}</p>
                                <progress max=total.to_string() value=sent.to_string()></progress>
                            })}
                        </div>
                    })}
                    {move || board.with(|b| b.outcome.clone()).map(|o: Outcome| view! {
                        <div class=if o.ok { "outcome ok" } else { "outcome bad" } id="provision-outcome" role="status">
                            <h3>{o.title}</h3>
                            <pre>{o.body}</pre>
                        </div>
                    })}
                </section>
            </div>
        </section>
    }
}

/// What the module would reject in the chosen credentials, and what atcert fixed.
#[component]
fn Findings(reports: Vec<LintReport>, family: &'static str) -> impl IntoView {
    let items = reports
        .into_iter()
        .flat_map(|report| {
            let role = report.role;
            let head = report.output.as_ref().map(|o| {
                view! { <li class="finding info">{format!("The {role} goes to {}.", o.destination)}</li> }
                    .into_any()
            });
            head.into_iter().chain(
                report
                    .findings
                    .into_iter()
                    .map(move |f| view! { <FindingItem finding=f module=family/> }.into_any()),
            )
        })
        .collect_view();
    view! { <ul class="findings" id="provision-findings">{items}</ul> }
}
