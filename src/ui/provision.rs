//! The Provision area: detect the module, pick credentials, read what the module would
//! reject and the exact plan, then write, verify, remove and test a TLS connection. The
//! page never builds AT strings: plans and flows come from `modules`.

use std::cell::RefCell;

use leptos::prelude::*;

use super::certificates::{CertStore, Loaded};
use super::files;
use super::port::{Link, Logged, PortHub, PortState};
use crate::cert::generate::{GenerateOptions, GeneratedSet, KeyAlgorithm, generate};
use crate::cert::lint::{LintContext, LintReport, Severity};
use crate::modules::flows::{self, FlowError};
use crate::modules::plan::{Credentials, Options};
use crate::modules::prepare::{PrepareError, from_lint};
use crate::modules::{self as m, Family};
use crate::session::{CancelToken, Failure, Progress, Session, TransportError};
use crate::sim::{Server, ServerModel};
use crate::web::BrowserClock;

/// The host test connections go to in demo mode; the simulated server answers for it.
pub const DEMO_HOST: &str = "demo.atcert.test";

thread_local! {
    /// The demo server's CA, server and client certificates per family (each made to that
    /// family's rules, e.g. iChip's SHA-1 CA): made once per page, in the page.
    static DEMO_SETS: RefCell<Vec<(Family, GeneratedSet)>> = const { RefCell::new(Vec::new()) };
}

/// The demo credentials for `family`, generated on first use.
pub fn demo_set(family: Family) -> Option<GeneratedSet> {
    DEMO_SETS.with(|cell| {
        if let Some((_, set)) = cell.borrow().iter().find(|(f, _)| *f == family) {
            return Some(set.clone());
        }
        let mut options = GenerateOptions::new(now_unix());
        options.key = KeyAlgorithm::Rsa2048;
        options.ca.common_name = "atcert demo CA".into();
        options.server.common_name = DEMO_HOST.into();
        options.server_sans = vec![crate::cert::generate::San::Dns(DEMO_HOST.into())];
        options.client.common_name = "atcert demo device".into();
        options.fit_to(&crate::modules::rules::rules(family)).ok()?;
        let set = generate(&options, &mut rand_core::OsRng).ok()?;
        cell.borrow_mut().push((family, set.clone()));
        Some(set)
    })
}

/// The simulated server of demo mode: trusts the demo CA, asks for a client certificate
/// from it where the family can present one, and answers every request to [`DEMO_HOST`]
/// with a short page.
pub fn demo_server(family: Family) -> Server {
    let Some(set) = demo_set(family) else {
        return Server::default();
    };
    let mut model = ServerModel::new(
        vec![set.server.cert_der.clone(), set.ca.cert_der.clone()],
        set.ca.cert_der,
    );
    // SIM800 firmware does not present client certificates (see the sim800 reference).
    if family != Family::Sim800 {
        model.client_ca = Some(model.root.clone());
    }
    // The demo network knows only the demo host: another name fails its lookup, as on a
    // real network, and shows how the page recovers from a failed test.
    model.hosts = Some(vec![DEMO_HOST.into()]);
    model.response =
        b"HTTP/1.1 200 OK\r\nContent-Length: 22\r\nConnection: close\r\n\r\nhello from atcert demo"
            .to_vec();
    Server::Model(model)
}

fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// What the user asked the module to do.
#[derive(Clone, Debug)]
enum Job {
    Detect,
    Provision(Credentials, Options),
    Remove(Credentials, Options),
    /// With the text the answer must contain (from the site profile's test endpoint).
    Test(Options, Option<String>),
}

impl Job {
    fn title(&self) -> &'static str {
        match self {
            Self::Detect => "Detect",
            Self::Provision(..) => "Provision",
            Self::Remove(..) => "Remove",
            Self::Test(..) => "Test connection",
        }
    }
}

/// How a job ended, as the page shows it.
#[derive(Clone, Debug, Eq, PartialEq)]
struct Outcome {
    ok: bool,
    title: String,
    body: String,
}

/// Live progress of a running job.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
struct Running {
    step: Option<(usize, usize, String)>,
    sending: Option<(String, usize, usize)>,
}

fn lost_port(error: &FlowError) -> Option<TransportError> {
    match error {
        FlowError::Step(step) => match &step.failure {
            Failure::Transport(e @ TransportError::Disconnected { .. }) => Some(e.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Runs one job over the hub's port and gives the port back, or reports it lost.
async fn run_job(
    hub: PortHub,
    job: Job,
    family: Option<Family>,
    running: RwSignal<Option<Running>, LocalStorage>,
    cancel: StoredValue<Option<CancelToken>, LocalStorage>,
) -> (Outcome, Option<Family>) {
    let Some(port) = hub.take().await else {
        let outcome = Outcome {
            ok: false,
            title: format!("{}: not connected", job.title()),
            body: "Connect a module (top right) or try the demo first.".into(),
        };
        return (outcome, family);
    };
    running.set(Some(Running::default()));
    let mut session: Session<Logged<Link>, BrowserClock> = Session::new(
        port,
        BrowserClock,
        crate::session::SessionOptions::default(),
    );
    session.set_progress(move |p| match p {
        Progress::Step {
            index,
            total,
            label,
        } => running.update(|r| {
            if let Some(r) = r {
                r.step = Some((*index, *total, label.clone()));
                r.sending = None;
            }
        }),
        Progress::Sending { label, sent, total } => running.update(|r| {
            if let Some(r) = r {
                r.sending = Some((label.clone(), *sent, *total));
            }
        }),
        Progress::Command { .. } => {}
    });
    cancel.set_value(Some(session.cancel_token()));

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
    let mut unexpected = None;
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
            Job::Test(opts, expect) => flows::test_connection(&mut session, family, opts).await.map(
                |report| {
                    let text = String::from_utf8_lossy(&report.response).into_owned();
                    let verdict = match expect {
                        None => String::new(),
                        Some(want) if text.contains(want.as_str()) => {
                            format!("\n\nThe answer contains the expected text \"{want}\".")
                        }
                        Some(want) => {
                            unexpected = Some(want.clone());
                            format!(
                                "\n\nThe answer does not contain the expected text \"{want}\": \
                                 the TLS credentials work, but this is not the service this \
                                 site expects. Check the host and port."
                            )
                        }
                    };
                    (
                        family,
                        format!(
                            "TLS connection to {}:{} through the module worked. The server answered:\n\n{text}{verdict}",
                            report.host, report.port
                        ),
                    )
                },
            ),
        },
    };
    // 3. Give the port back; a lost port is reported by the hub as well.
    cancel.set_value(None);
    running.set(None);
    let lost = result.as_ref().err().and_then(lost_port);
    let (port, _, _) = session.into_parts();
    hub.give_back(port, lost.as_ref()).await;
    match result {
        Ok((family, body)) => (
            Outcome {
                ok: unexpected.is_none(),
                title: if unexpected.is_some() {
                    format!("{}: unexpected answer", job.title())
                } else {
                    format!("{}: done", job.title())
                },
                body,
            },
            Some(family),
        ),
        Err(error) => {
            let mut body = error.to_string();
            if lost.is_some() {
                body.push_str(
                    "\n\nNothing after the failed step was sent. Reconnect and run it again: \
                     the flow starts over and checks what is on the module.",
                );
            }
            let step = error.step().map(|s| format!(" at {s}")).unwrap_or_default();
            (
                Outcome {
                    ok: false,
                    title: format!("{} failed{step}", job.title()),
                    body,
                },
                family,
            )
        }
    }
}

fn pick_bytes(store: CertStore, id: Option<u64>) -> Option<Vec<u8>> {
    let id = id?;
    store
        .loaded
        .with(|all| all.iter().find(|l| l.id == id).map(|l| l.bytes.clone()))
}

#[component]
pub fn ProvisionArea(
    support: super::BrowserSupport,
    hub: StoredValue<PortHub, LocalStorage>,
    store: CertStore,
) -> impl IntoView {
    let (state, identity, busy) = hub.with_value(|h| (h.state, h.identity, h.busy));
    let site = super::site::use_site();
    let family = RwSignal::new(None::<Family>);
    let ca = RwSignal::new(None::<u64>);
    // The site's CA is the one to provision, until the user picks another.
    Effect::new(move || {
        if let Some(preloaded) = site.preloaded_ca.get()
            && ca.get_untracked().is_none()
        {
            ca.set(Some(preloaded));
        }
    });
    let endpoints = move || site.with(|p| p.test_endpoints.clone()).unwrap_or_default();
    let endpoint = RwSignal::new(None::<usize>);
    let expect = RwSignal::new(None::<String>);
    let apn = RwSignal::new(String::new());
    let client_required = move || {
        site.with(|p| p.client_certificate_required)
            .unwrap_or(false)
    };
    let cert = RwSignal::new(None::<u64>);
    let key = RwSignal::new(None::<u64>);
    let host = RwSignal::new("example.com".to_owned());
    let port = RwSignal::new("443".to_owned());
    let request = RwSignal::new(String::new());
    // A test endpoint fills host, port, request and the expected answer.
    let use_endpoint = move |index: Option<usize>| {
        endpoint.set(index);
        match index.and_then(|i| endpoints().get(i).cloned()) {
            Some(e) => {
                host.set(e.host);
                port.set(e.port.to_string());
                request.set(e.request.unwrap_or_default().replace("\r\n", "\\r\\n"));
                expect.set(e.expect);
            }
            None => expect.set(None),
        }
    };
    Effect::new(move || {
        site.state.track();
        if let Some(default_apn) = site.with(|p| p.apn.clone()).flatten() {
            apn.set(default_apn);
        }
        if !endpoints().is_empty() && endpoint.get_untracked().is_none() {
            use_endpoint(Some(0));
        }
    });
    let running = RwSignal::new_local(None::<Running>);
    let cancel = StoredValue::new_local(None::<CancelToken>);
    let outcome = RwSignal::new(None::<Outcome>);

    // Demo mode knows its family; so does a detection.
    Effect::new(move || {
        if let PortState::Demo { family: demo } = state.get() {
            family.set(Some(demo));
            // The simulated server answers as the demo host; a site endpoint stays one pick away.
            host.set(DEMO_HOST.into());
            port.set("443".into());
            request.set(String::new());
            endpoint.set(None);
            expect.set(None);
        }
    });

    let prepared = move || -> Option<Result<(Credentials, Vec<LintReport>), PrepareError>> {
        let family = family.get()?;
        let (ca, cert, key) = (
            pick_bytes(store, ca.get()),
            pick_bytes(store, cert.get()),
            pick_bytes(store, key.get()),
        );
        if ca.is_none() && cert.is_none() && key.is_none() {
            return None;
        }
        let ctx = LintContext {
            now: Some(now_unix()),
            ..Default::default()
        };
        Some(from_lint(
            family,
            ca.as_deref(),
            cert.as_deref(),
            key.as_deref(),
            &ctx,
        ))
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
        let (creds, _) = prepared()?.ok()?;
        Some(
            m::plan_provision(family, &creds, &options())
                .map(|p| p.render())
                .map_err(|e| e.to_string()),
        )
    };

    let start = move |job: Job| {
        let hub = hub.get_value();
        let chosen = family.get_untracked();
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let (result, found) = run_job(hub, job, chosen, running, cancel).await;
            if found.is_some() {
                family.set(found);
            }
            outcome.set(Some(result));
        });
    };
    let creds_now = move || prepared().and_then(Result::ok).map(|(creds, _)| creds);
    let can_run =
        move || state.get().is_connected() && !busy.get() && running.with(Option::is_none);

    let files_options = move || {
        store
            .loaded
            .get()
            .into_iter()
            .map(|l: Loaded| view! { <option value=l.id.to_string()>{l.name.clone()}</option> })
            .collect_view()
    };
    let picker = move |label: &'static str, id: &'static str, signal: RwSignal<Option<u64>>| {
        view! {
            <label class="pick">
                {label}
                <select
                    id=id
                    prop:value=move || signal.get().map(|v| v.to_string()).unwrap_or_default()
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
            store.add("demo CA (ca.pem)".into(), set.ca.cert_pem().into_bytes());
            let mut both = set.client.cert_pem().into_bytes();
            both.extend_from_slice(set.client.key_pem().as_bytes());
            store.add("demo device certificate and key".into(), both.clone());
            let ids: Vec<u64> = store
                .loaded
                .with(|all| all.iter().rev().take(2).map(|l| l.id).collect());
            if let [device, ca_id] = ids[..] {
                ca.set(Some(ca_id));
                // Offer the device credentials only where this module's plan takes them.
                let ctx = LintContext {
                    now: Some(now_unix()),
                    ..Default::default()
                };
                let ca_pem = set.ca.cert_pem().into_bytes();
                let takes_client =
                    from_lint(demo_family, Some(&ca_pem), Some(&both), Some(&both), &ctx)
                        .ok()
                        .is_some_and(|(creds, _)| {
                            m::plan_provision(demo_family, &creds, &Options::default()).is_ok()
                        });
                cert.set(takes_client.then_some(device));
                key.set(takes_client.then_some(device));
            }
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
                    {move || prepared().map(|p| match p {
                        Ok((_, reports)) => view! { <Findings reports=reports/> }.into_any(),
                        Err(error) => view! {
                            <p class="problem" role="alert" id="prepare-error">{error.to_string()}</p>
                        }.into_any(),
                    })}
                </section>
                <section class="step-box" aria-label="Plan">
                    <h2>"3. Plan"</h2>
                    {move || match plan_text() {
                        None => view! { <p class="muted">"Choose a family and credentials to see the exact commands."</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="problem">{e}</p> }.into_any(),
                        Some(Ok(text)) => {
                            let download = text.clone();
                            view! {
                                <pre class="plan" id="plan">{text}</pre>
                                <button class="small" on:click=move |_| {
                                    let _ = files::download("atcert-plan.txt", download.as_bytes(), "text/plain");
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
                        <Show when=move || running.with(Option::is_some)>
                            <button id="provision-cancel" on:click=move |_| {
                                cancel.with_value(|c| if let Some(c) = c { c.cancel() });
                            }>"Cancel"</button>
                        </Show>
                    </div>
                    {move || {
                        let list = endpoints();
                        (!list.is_empty()).then(|| view! {
                            <div class="row">
                                <label>
                                    "Test endpoint "
                                    <select
                                        id="test-endpoint"
                                        on:change=move |ev| use_endpoint(event_target_value(&ev).parse().ok())
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
                    {move || running.get().map(|r| view! {
                        <div class="progress" role="status" id="provision-progress">
                            {r.step.map(|(i, n, label)| view! { <p>{format!("Step {i} of {n}: {label}")}</p> })}
                            {r.sending.map(|(label, sent, total)| view! {
                                <p>{format!("{label}: {sent} of {total} bytes")}</p>
                                <progress max=total.to_string() value=sent.to_string()></progress>
                            })}
                        </div>
                    })}
                    {move || outcome.get().map(|o| view! {
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
fn Findings(reports: Vec<LintReport>) -> impl IntoView {
    let items = reports
        .into_iter()
        .flat_map(|report| {
            let role = report.role;
            let destination = report.output.as_ref().map(|o| o.destination.clone());
            let head = destination.map(|d| {
                view! { <li class="finding info">{format!("The {role} goes to {d}.")}</li> }
                    .into_any()
            });
            head.into_iter()
                .chain(report.findings.into_iter().map(move |f| {
                    let class = match f.severity {
                        Severity::Error => "finding error",
                        Severity::Warning => "finding warning",
                        Severity::Info => "finding info",
                    };
                    let who = capitalised(&role.to_string());
                    let text = match (&f.fix, &f.user_action) {
                        (Some(fix), _) => {
                            format!("{who}: the module would {}; fixed: {fix}.", f.module_would)
                        }
                        (None, Some(todo)) => {
                            format!("{who}: the module would {}. To do: {todo}", f.module_would)
                        }
                        (None, None) => format!("{who}: {} ({})", f.module_would, f.why),
                    };
                    view! { <li class=class>{text}</li> }.into_any()
                }))
        })
        .collect_view();
    view! { <ul class="findings" id="provision-findings">{items}</ul> }
}

/// `root CA certificate` → `Root CA certificate`, to start a sentence.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
