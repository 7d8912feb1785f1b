//! The Certificates area: load certificates and keys (pick, drop, paste), see what they
//! hold, how they chain, what a chosen module would reject and the bytes it needs; convert,
//! download, copy; generate a private CA with server and client certificates.
//!
//! Everything loaded lives in this component's memory only: never in the URL,
//! localStorage or IndexedDB. Clear all, or a reload, forgets it.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::files::{self, CopyButton};
use super::findings::FindingItem;
use super::site::AllFamiliesToggle;
use super::state::{CertStore, now_unix, use_state};
use crate::app::loaded::{Facts, ItemRef, Loaded, PASTED};
use crate::app::words::{self, file_stem, module_file_name, plain};
use crate::cert::chain::{Chain, ChainReport, build_chains_inspected};
use crate::cert::convert::{ConvertOptions, Target, convert};
use crate::cert::generate::{GenerateOptions, KeyAlgorithm, San, Subject};
use crate::cert::inspect::CertInfo;
use crate::cert::lint::{self, LintContext, LintReport};
use crate::cert::verify::SigCheck;
use crate::cert::{Item, ItemKind, KeyEncoding, parse};
use crate::modules::Family;
use crate::modules::rules::rules;

#[component]
pub fn CertificatesArea() -> impl IntoView {
    let app = use_state();
    let store = app.store;
    let loaded = store.loaded;
    let site = super::site::use_site();
    let module = app.check_family;
    let paste = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let empty = move || loaded.with(|set| set.entries.is_empty());

    let add = move |name: String, bytes: Vec<u8>| {
        message.set(None);
        store.add(&name, bytes);
    };
    let read_files = move |list: web_sys::FileList| {
        for i in 0..list.length() {
            let Some(file) = list.item(i) else { continue };
            leptos::task::spawn_local(async move {
                match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => add(file.name(), js_sys::Uint8Array::new(&buffer).to_vec()),
                    Err(_) => message.set(Some(format!("Could not read {}.", file.name()))),
                }
            });
        }
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(list) = input.files() {
            read_files(list);
        }
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            read_files(list);
        }
    };
    let on_paste_load = move |_| {
        let text = paste.get_untracked();
        if text.trim().is_empty() {
            message.set(Some(
                "Paste PEM text (or base64) into the box first.".into(),
            ));
            return;
        }
        add(PASTED.into(), text.into_bytes());
        paste.set(String::new());
    };
    let clear_all = move |_| {
        loaded.update(|set| set.clear());
        message.set(None);
    };
    let status = move || {
        message.get().or_else(|| {
            loaded
                .with(|set| set.cleared)
                .then(|| "Everything loaded was removed from this page.".to_owned())
        })
    };

    view! {
        <section class="area" id="area-certificates" aria-labelledby="h-certificates">
            <h1 id="h-certificates">"Certificates"</h1>
            <div
                class="dropzone"
                id="cert-dropzone"
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop
            >
                <div class="load-row">
                    <label class="button primary" for="cert-file">"Choose files…"</label>
                    <input
                        type="file"
                        id="cert-file"
                        class="sr-only"
                        multiple
                        accept=".pem,.crt,.cer,.der,.key,.p12,.pfx,.p7b,.txt"
                        on:change=on_pick
                    />
                    <span class="muted">"or drop them here, or paste below. PEM, DER, PKCS#12, base64."</span>
                </div>
                <textarea
                    id="cert-paste"
                    rows="4"
                    aria-label="Paste PEM text"
                    placeholder="-----BEGIN CERTIFICATE-----"
                    prop:value=move || paste.get()
                    on:input=move |ev| paste.set(event_target_value(&ev))
                ></textarea>
                <div class="load-row">
                    <button on:click=on_paste_load id="cert-paste-load">"Read pasted text"</button>
                    <label>
                        "Check against module "
                        <select id="cert-module" prop:value=move || module.get().map(|f| f.id()).unwrap_or_default() on:change=move |ev| {
                            module.set(event_target_value(&ev).parse::<Family>().ok());
                        }>
                            <option value="">"(choose a module)"</option>
                            {move || site.families()
                                .into_iter()
                                .map(|f| view! {
                                    <option value=f.id() selected=module.get_untracked() == Some(f)>{f.display_name()}</option>
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <AllFamiliesToggle/>
                    <Show when=move || !empty()>
                        <button on:click=clear_all id="cert-clear">"Clear all"</button>
                    </Show>
                </div>
            </div>
            {move || status().map(|m| view! { <p class="status" role="status" id="cert-status">{m}</p> })}
            <Show
                when=move || !empty()
                fallback=|| {
                    view! {
                        <div class="empty">
                            <p class="lead">"No certificates or keys loaded."</p>
                            <p>
                                "Start with the root CA of the server your device will talk to, \
                                 and, for mutual TLS, the device's client certificate and private \
                                 key. atcert tells you which certificate the module's CA slot \
                                 needs and what your module would reject before anything is sent."
                            </p>
                            <p>"No CA yet? Generate one below, as you would with openssl."</p>
                        </div>
                    }
                }
            >
                <ChainView store=store/>
                <For each=move || loaded.with(|set| set.entries.clone()) key=|l| (l.id, l.revision) let:entry>
                    <LoadedView entry=entry store=store module=module/>
                </For>
            </Show>
            <GenerateView on_load=add module=module/>
        </section>
    }
}

/// The loaded certificates, each inspected once, and the chains they form.
struct ChainsWorked {
    certs: Vec<Item>,
    infos: Vec<Option<CertInfo>>,
    report: ChainReport,
}

/// Every chain that the loaded certificates form, leaf first, with the CA-slot advice.
#[component]
fn ChainView(store: CertStore) -> impl IntoView {
    let loaded = store.loaded;
    // The chains are worked out in a task of their own after the files' cards are drawn, so
    // a pasted bundle is two short tasks, not one long one. A newer load wins a race.
    let worked = RwSignal::new(None::<std::sync::Arc<ChainsWorked>>);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let certs: Vec<Item> = loaded.with(|set| {
            set.entries
                .iter()
                .flat_map(|l| l.outcome.certificates().cloned())
                .collect()
        });
        latest.update_value(|n| *n += 1);
        let mine = latest.get_value();
        leptos::task::spawn_local(async move {
            use crate::session::Clock;
            let clock = crate::web::BrowserClock;
            clock.sleep_until(clock.now()).await;
            if latest.try_get_value() != Some(mine) {
                return;
            }
            let now = now_unix();
            // Each certificate inspected once, for the chains and the names drawn.
            let infos: Vec<Option<CertInfo>> = certs.iter().map(|c| c.cert_info(now)).collect();
            let ders: Vec<&[u8]> = certs.iter().map(|c| c.der.as_slice()).collect();
            let report = build_chains_inspected(&ders, &infos);
            let _ = worked.try_set(Some(std::sync::Arc::new(ChainsWorked {
                certs,
                infos,
                report,
            })));
        });
    });
    let chains = move || {
        let worked = worked.get()?;
        let ChainsWorked {
            certs,
            infos,
            report,
        } = &*worked;
        if certs.is_empty() {
            return None;
        }
        // A lone root needs no chain drawing; anything else does.
        if certs.len() < 2 && report.chains.iter().all(|c| c.has_root) {
            return None;
        }
        // Roots that stand alone (a CA bundle: each its own chain) are counted, not drawn
        // one by one: a list of 144 one-line chains says nothing and costs the page a freeze.
        let (lone, drawn): (Vec<&Chain>, Vec<&Chain>) = report
            .chains
            .iter()
            .partition(|c| c.has_root && c.order.len() == 1);
        let lone_note = (!lone.is_empty()).then(|| {
            let text = match lone.len() {
                1 => "One more certificate is a self-signed root standing alone: it is its \
                      own chain, and it can go in a module's CA slot."
                    .to_owned(),
                n => format!(
                    "{n} self-signed root certificates stand alone: each is its own chain, \
                     and any one of them can go in a module's CA slot (their cards are below)."
                ),
            };
            view! { <p class="lone-roots">{text}</p> }
        });
        let views = drawn
            .into_iter()
            .map(|chain| {
                let steps = chain
                    .order
                    .iter()
                    .enumerate()
                    .map(|(pos, &index)| {
                        let subject = infos
                            .get(index)
                            .and_then(Option::as_ref)
                            .map(|i| i.subject.clone())
                            .unwrap_or_else(|| "undecodable certificate".into());
                        let link = chain.links.get(pos).map(|check| match check {
                            SigCheck::Valid => ("ok", "signature verified by the next".to_owned()),
                            SigCheck::Invalid => ("bad", "signature does NOT verify".to_owned()),
                            SigCheck::Unsupported(a) => ("warn", format!("not checked ({a})")),
                            SigCheck::Malformed(e) => ("bad", format!("malformed: {e}")),
                        });
                        let slot = chain.ca_slot == Some(index);
                        view! {
                            <li class:slot=slot>
                                <span class="subject">{subject}</span>
                                {slot.then(|| view! { <span class="badge">"module CA slot"</span> })}
                                {link.map(|(class, text)| view! { <span class=format!("link {class}")>{text}</span> })}
                            </li>
                        }
                    })
                    .collect_view();
                let top = chain
                    .order
                    .last()
                    .and_then(|&i| certs.get(i))
                    .map(|c| c.der.clone());
                let lookup = (!chain.has_root)
                    .then_some(top)
                    .flatten()
                    .map(|top| view! { <RootLookup top=top store=store/> });
                view! {
                    <div class="chain">
                        <ol>{steps}</ol>
                        <p class="advice">{chain.advice.clone()}</p>
                        {lookup}
                    </div>
                }
            })
            .collect_view();
        Some(view! {
            <section class="chains" id="cert-chains" aria-label="Chains">
                <h2>"Chain, leaf to root"</h2>
                {views}
                {lone_note}
            </section>
        })
    };
    view! { {chains} }
}

/// Looks for the missing root of a chain in the Mozilla root store. The store is its own
/// file (`mozilla-roots.der`, same origin), fetched only when the user asks.
#[component]
fn RootLookup(top: Vec<u8>, store: CertStore) -> impl IntoView {
    let status = RwSignal::new_local(None::<Result<Option<(String, Vec<u8>)>, String>>);
    let look = move |_| {
        let top = top.clone();
        status.set(Some(Ok(None)));
        leptos::task::spawn_local(async move {
            let found = fetch_roots().await.map(|roots| {
                let store = parse(&roots, None);
                let ders: Vec<&[u8]> = store.certificates().map(|c| c.der.as_slice()).collect();
                crate::cert::roots::find_issuer_in(&ders, &top).map(|m| (m.subject, m.der))
            });
            status.set(Some(
                found.map(|f| f.or_else(|| Some((String::new(), Vec::new())))),
            ));
        });
    };
    view! {
        <div class="root-lookup">
            <button class="small" id="root-lookup" on:click=look>
                "Look for the root in the Mozilla root store"
            </button>
            {move || status.get().map(|s| match s {
                Ok(None) => view! { <span class="muted">" Loading the root store…"</span> }.into_any(),
                Ok(Some((subject, der))) if !der.is_empty() => {
                    let name = format!("root from the Mozilla store: {subject}");
                    let label = format!("Add {subject}");
                    view! {
                        <span>" Found: " {subject.clone()} " "</span>
                        <button class="small" on:click=move |_| { store.add(&name, der.clone()); }>{label}</button>
                    }.into_any()
                }
                Ok(Some(_)) => view! {
                    <span class="problem">
                        " Not in the Mozilla root store: this chain's root is private. Load it from whoever runs the server."
                    </span>
                }.into_any(),
                Err(e) => view! { <span class="problem">{format!(" Could not load the root store: {e}")}</span> }.into_any(),
            })}
        </div>
    }
}

/// Fetches `mozilla-roots.der` from the page's own origin.
async fn fetch_roots() -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str("mozilla-roots.der"))
        .await
        .map_err(|_| "the page's server did not answer".to_owned())?;
    let response: web_sys::Response = wasm_bindgen::JsCast::unchecked_into(response);
    if !response.ok() {
        return Err(format!("HTTP {} for mozilla-roots.der", response.status()));
    }
    let buffer = response
        .array_buffer()
        .map_err(|_| "unreadable answer".to_owned())?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| "unreadable answer".to_owned())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// One loaded file: its problems, passphrase prompt, item cards, and the module lint.
#[component]
fn LoadedView(entry: Loaded, store: CertStore, module: RwSignal<Option<Family>>) -> impl IntoView {
    let id = entry.id;
    let passphrase = RwSignal::new(String::new());
    let unlock = move || {
        let pass = passphrase.get_untracked();
        store.loaded.update(|set| {
            let _ = set.unlock(id, &pass);
        });
    };
    let remove = move |_| store.loaded.update(|set| set.remove(id));
    let now = now_unix();
    let problems = entry
        .outcome
        .problems
        .iter()
        .map(
            |p| view! { <li class="problem">{plain(&format!("{}: {}", p.location, p.error))}</li> },
        )
        .collect_view();
    // The name downloads of this file's items start with: its first certificate's subject.
    let stem = entry
        .first(ItemKind::Certificate)
        .and_then(|c| c.cert_info(now))
        .map(|i| file_stem(&i.subject))
        .unwrap_or_else(|| {
            file_stem(
                entry
                    .name
                    .rsplit_once('.')
                    .map_or(entry.name.as_str(), |(s, _)| s),
            )
        });
    // A bundle of a hundred certificates is shown a few cards per task, so the page never
    // freezes while it fills in (the first cards show at once).
    let items = std::sync::Arc::new(entry.outcome.items.clone());
    let shown: Vec<RwSignal<bool>> = (0..items.len())
        .map(|i| RwSignal::new(i < CARDS_PER_TASK))
        .collect();
    let cards = shown
        .iter()
        .enumerate()
        .map(|(i, visible)| {
            let (visible, items, stem) = (*visible, items.clone(), stem.clone());
            move || {
                visible
                    .get()
                    .then(|| item_card(&items[i], (id, i), store.facts, &stem, now))
            }
        })
        .collect_view();
    if shown.len() > CARDS_PER_TASK {
        leptos::task::spawn_local(async move {
            use crate::session::Clock;
            let clock = crate::web::BrowserClock;
            for batch in shown[CARDS_PER_TASK..].chunks(CARDS_PER_TASK) {
                clock.sleep_until(clock.now()).await;
                for visible in batch {
                    // The entry may have been removed meanwhile.
                    if visible.try_set(true).is_some() {
                        return;
                    }
                }
            }
        });
    }
    let bytes = entry.bytes.clone();
    let lint_stem = stem.clone();
    let lint_view = move || {
        let family = module.get()?;
        Some(lint_panel(family, &bytes, &lint_stem, now))
    };
    let passphrase_error = entry.passphrase_error.clone();
    view! {
        <article class="loaded" data-name=entry.name.clone()>
            <header>
                <h2>{entry.name.clone()}</h2>
                <span class="muted">{format!("{} bytes", entry.bytes.len())}</span>
                <button class="small" on:click=remove>"Remove"</button>
            </header>
            {(!entry.outcome.problems.is_empty() && passphrase_error.is_none()).then(|| view! { <ul class="problems">{problems}</ul> })}
            {entry.needs_passphrase().then(|| view! {
                // A form, so Enter in the field unlocks as the button does.
                <form class="passphrase" on:submit=move |ev| { ev.prevent_default(); unlock(); }>
                    <label>
                        "Passphrase "
                        <input
                            type="password"
                            class="passphrase-input"
                            autocomplete="off"
                            on:input=move |ev| passphrase.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit">"Unlock"</button>
                    {passphrase_error.map(|e| view! { <p class="problem passphrase-error" role="alert">{e}</p> })}
                </form>
            })}
            <div class="cards">{cards}</div>
            {lint_view}
        </article>
    }
}

fn row(label: &'static str, value: String) -> impl IntoView {
    view! {
        <dt>{label}</dt>
        <dd>{value}</dd>
    }
}

/// Cards rendered per main-thread task when many are loaded at once: the paste's own task
/// also parses the whole input, and with 8 cards a 144-certificate bundle made it 58 ms
/// (tests/perf_page.rs); with 2 no task passes 50 ms.
const CARDS_PER_TASK: usize = 2;

fn item_card(item: &Item, at: ItemRef, facts: Memo<Facts>, stem: &str, now: i64) -> AnyView {
    match item.kind {
        ItemKind::Certificate => {
            let Some(info) = item.cert_info(now) else {
                return view! { <div class="card bad">"A certificate that could not be decoded."</div> }
                    .into_any();
            };
            let downloads = conversions(item, file_stem(&info.subject));
            let key = match (&info.curve, info.key_bits) {
                (Some(curve), _) => format!("{} {curve}", info.key_algorithm),
                (None, Some(bits)) => format!("{} {bits} bits", info.key_algorithm),
                (None, None) => info.key_algorithm.clone(),
            };
            let ski = if info.ski_computed {
                format!(
                    "{} (computed, RFC 5280 method 1: the certificate has none)",
                    info.ski
                )
            } else {
                info.ski.clone()
            };
            let kind = match (info.is_ca, info.self_signed) {
                (true, true) => "root CA certificate",
                (true, false) => "intermediate CA certificate",
                (false, true) => "self-signed certificate",
                (false, false) => "end-entity certificate",
            };
            // From the whole loaded set, whatever was loaded first.
            let has_key = move || facts.with(|f| f.cert_has_key(at));
            view! {
                <div class="card cert" data-validity=info.validity.status.clone()>
                    <h3>{kind}</h3>
                    <dl>
                        {row("Subject", info.subject.clone())}
                        {row("Issuer", info.issuer.clone())}
                        {row("Serial", info.serial.clone())}
                        {row("Valid", format!("{} to {} ({})", info.not_before, info.not_after, info.validity.text))}
                        {row("Key", key)}
                        {row("Signature", info.signature_algorithm.clone())}
                        {row("SHA-256", info.sha256.clone())}
                        {row("SHA-1", info.sha1.clone())}
                        {row("Subject key id", ski)}
                        {info.aki.clone().map(|aki| row("Authority key id", aki))}
                        {row("CA", match info.path_len {
                            Some(n) => format!("{} (path length {n})", info.is_ca),
                            None => info.is_ca.to_string(),
                        })}
                        {(!info.key_usage.is_empty()).then(|| row("Key usage", info.key_usage.join(", ")))}
                        {(!info.extended_key_usage.is_empty()).then(|| row("Extended key usage", info.extended_key_usage.join(", ")))}
                        {(!info.subject_alt_names.is_empty()).then(|| row("Alt names", info.subject_alt_names.join(", ")))}
                        {move || has_key().then(|| row("Private key", "loaded, and it matches this certificate".into()))}
                    </dl>
                    {downloads}
                </div>
            }
            .into_any()
        }
        ItemKind::PrivateKey => {
            let info = item.private_key.as_ref().map(|k| k.info());
            let matched = move || {
                facts.with(|f| match f.key_fits.get(&at) {
                    Some(subjects) if !subjects.is_empty() => {
                        format!("matches {}", subjects.join("; "))
                    }
                    _ => "no loaded certificate has this key's public half".to_owned(),
                })
            };
            // Named after the certificate it is the key of, when that is loaded.
            let key_stem = facts
                .with_untracked(|f| f.key_fits.get(&at).and_then(|s| s.first().cloned()))
                .map(|subject| file_stem(&subject))
                .unwrap_or_else(|| stem.to_owned());
            let downloads = conversions(item, format!("{key_stem}-key"));
            view! {
                <div class="card key">
                    <h3>{item.describe()}</h3>
                    <dl>
                        {info.map(|i| {
                            let size = match (i.curve, i.bits) {
                                (Some(curve), _) => format!("{} {curve}", i.algorithm),
                                (None, Some(bits)) => format!("{} {bits} bits", i.algorithm),
                                (None, None) => i.algorithm,
                            };
                            row("Key", size)
                        })}
                        <dt>"Certificate"</dt>
                        <dd class="key-match">{matched}</dd>
                    </dl>
                    {downloads}
                </div>
            }
            .into_any()
        }
        _ => {
            let downloads = conversions(item, stem.to_owned());
            view! {
                <div class="card">
                    <h3>{item.describe()}</h3>
                    {downloads}
                </div>
            }
            .into_any()
        }
    }
}

/// Download and copy buttons for the forms this item converts to; files are named `base`.
fn conversions(item: &Item, base: String) -> impl IntoView + use<> {
    let mut targets = vec![("PEM", Target::Pem), ("DER", Target::Der)];
    if item.kind == ItemKind::PrivateKey {
        targets.push(("PKCS#8", Target::Pkcs8));
        match item.private_key.as_ref().map(|k| k.traditional_encoding()) {
            Some(KeyEncoding::Pkcs1) => targets.push(("PKCS#1", Target::Pkcs1)),
            Some(KeyEncoding::Sec1) => targets.push(("SEC1", Target::Sec1)),
            _ => {}
        }
    }
    let item = item.clone();
    let buttons = targets
        .into_iter()
        .map(|(label, target)| {
            let item = item.clone();
            let options = ConvertOptions {
                target,
                base_name: base.clone(),
                ..Default::default()
            };
            let outputs = convert(std::slice::from_ref(&item), &options);
            let on_click = move |_| {
                if let Ok(outputs) = &outputs {
                    for out in outputs {
                        let _ = files::download(&out.file_name, &out.bytes, &out.mime);
                    }
                }
            };
            view! { <button class="small" on:click=on_click>{format!("Download {label}")}</button> }
        })
        .collect_view();
    let pem = convert(std::slice::from_ref(&item), &ConvertOptions::default())
        .ok()
        .and_then(|o| o.into_iter().next())
        .map(|o| String::from_utf8_lossy(&o.bytes).into_owned());
    view! {
        <div class="actions">
            {buttons}
            {pem.map(|text| view! { <CopyButton text=text label="Copy PEM"/> })}
        </div>
    }
}

/// What the chosen module would do with this file, and the exact bytes it needs.
fn lint_panel(family: Family, bytes: &[u8], stem: &str, now: i64) -> impl IntoView + use<> {
    let rules = rules(family);
    let ctx = LintContext {
        now: Some(now),
        ..Default::default()
    };
    let reports: Vec<LintReport> = lint::guess_roles(bytes)
        .into_iter()
        .map(|role| lint::lint(&rules, role, bytes, &ctx))
        .collect();
    let views = reports
        .into_iter()
        .map(|report| {
            let module = family.display_name();
            let findings = report
                .findings
                .iter()
                .cloned()
                .map(|f| view! { <FindingItem finding=f module=module/> })
                .collect_view();
            let role = report.role.to_string();
            let output = report.output.clone().map(|out| {
                let name = module_file_name(&out.destination, stem, &role, out.encoding);
                let to_copy = String::from_utf8(out.bytes.clone()).ok();
                let label = format!("Download {name}");
                view! {
                    <div class="send">
                        <p>{format!("Send {} bytes as {}.", out.bytes.len(), out.destination)}</p>
                        <button class="small module-download" on:click=move |_| {
                            let _ = files::download(&name, &out.bytes, "application/octet-stream");
                        }>{label}</button>
                        {to_copy.map(|text| view! { <CopyButton text=text label="Copy"/> })}
                    </div>
                }
            });
            view! {
                <div class="lint" data-role=report.role.to_string()>
                    <h3>{format!("As the {} for {}", report.role, family.display_name())}</h3>
                    {if report.findings.is_empty() {
                        view! { <p class="ok">"Nothing this module would reject."</p> }.into_any()
                    } else {
                        view! { <ul>{findings}</ul> }.into_any()
                    }}
                    {output}
                </div>
            }
        })
        .collect_view();
    view! { <section class="lints">{views}</section> }
}

/// The files of a generated set: named after their subjects, and the module's own files
/// after the module's names.
fn generated_files(
    set: &crate::cert::generate::GeneratedSet,
    options: &GenerateOptions,
    family: Option<Family>,
) -> Vec<(String, Vec<u8>)> {
    let (ca, server, client) = (
        file_stem(&options.ca.common_name),
        file_stem(&options.server.common_name),
        file_stem(&options.client.common_name),
    );
    let mut out = vec![
        (format!("{ca}.pem"), set.ca.cert_pem().into_bytes()),
        (format!("{ca}.key"), set.ca.key_pem().into_bytes()),
        (
            format!("{server}-chain.pem"),
            set.server_chain_pem().into_bytes(),
        ),
        (format!("{server}.key"), set.server.key_pem().into_bytes()),
        (format!("{client}.pem"), set.client.cert_pem().into_bytes()),
        (format!("{client}.key"), set.client.key_pem().into_bytes()),
    ];
    if let Some(family) = family {
        for report in set.module_files(&rules(family), options.now) {
            if let Some(output) = report.output {
                let stem = if report.role == lint::Role::Ca {
                    &ca
                } else {
                    &client
                };
                let role = format!("{}-{}", family.id(), report.role);
                let name = module_file_name(&output.destination, stem, &role, output.encoding);
                out.push((name, output.bytes));
            }
        }
    }
    out
}

/// Generate a private CA, a server certificate and a client certificate.
#[component]
fn GenerateView(
    on_load: impl Fn(String, Vec<u8>) + Copy + Send + Sync + 'static,
    module: RwSignal<Option<Family>>,
) -> impl IntoView {
    let key = RwSignal::new("rsa2048".to_owned());
    let days = RwSignal::new("365".to_owned());
    let ca_cn = RwSignal::new("atcert test CA".to_owned());
    let server_cn = RwSignal::new("localhost".to_owned());
    let sans = RwSignal::new("localhost, 127.0.0.1".to_owned());
    let client_cn = RwSignal::new("atcert client".to_owned());
    let result = RwSignal::new_local(None::<Result<Vec<(String, Vec<u8>)>, String>>);
    let generating = RwSignal::new(false);

    let run = move |_| {
        let mut options = GenerateOptions::new(now_unix());
        options.key = match key.get_untracked().as_str() {
            "rsa3072" => KeyAlgorithm::Rsa3072,
            "p256" => KeyAlgorithm::P256,
            _ => KeyAlgorithm::Rsa2048,
        };
        options.days = match words::parse_days(&days.get_untracked()) {
            Ok(days) => days,
            Err(error) => {
                result.set(Some(Err(error)));
                return;
            }
        };
        options.ca = Subject::cn(ca_cn.get_untracked());
        options.server = Subject::cn(server_cn.get_untracked());
        options.client = Subject::cn(client_cn.get_untracked());
        let parsed: Result<Vec<San>, _> = sans
            .get_untracked()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse::<San>)
            .collect();
        let family = module.get_untracked();
        let prepared = parsed
            .map_err(|e| plain(&e.to_string()))
            .and_then(|server_sans| {
                options.server_sans = server_sans;
                if let Some(family) = family {
                    options
                        .fit_to(&rules(family))
                        .map_err(|e| plain(&e.to_string()))?;
                }
                Ok(options)
            });
        let options = match prepared {
            Ok(options) => options,
            Err(e) => return result.set(Some(Err(e))),
        };
        // Keys are made in a worker (seconds for RSA 3072): the page stays responsive.
        generating.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let outcome = crate::web::worker::generate(&options)
                .await
                .map_err(|e| plain(&e))
                .map(|set| generated_files(&set, &options, family));
            if let Ok(files) = &outcome {
                on_load(format!("generated {}", files[0].0), files[0].1.clone());
                on_load(format!("generated {} + {}", files[4].0, files[5].0), {
                    let mut both = files[4].1.clone();
                    both.extend_from_slice(&files[5].1);
                    both
                });
            }
            generating.set(false);
            result.set(Some(outcome));
        });
    };

    view! {
        <details class="generate" id="cert-generate">
            <summary>"Generate a private CA, a server certificate and a client certificate"</summary>
            <div class="generate-grid">
                <label>"Key" <select on:change=move |ev| key.set(event_target_value(&ev))>
                    <option value="rsa2048">"RSA 2048"</option>
                    <option value="rsa3072">"RSA 3072"</option>
                    <option value="p256">"ECDSA P-256"</option>
                </select></label>
                <label>"Days valid" <input type="number" id="cert-generate-days" min="1" max="36500" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/></label>
                <label>"CA name" <input type="text" prop:value=move || ca_cn.get() on:input=move |ev| ca_cn.set(event_target_value(&ev))/></label>
                <label>"Server name" <input type="text" prop:value=move || server_cn.get() on:input=move |ev| server_cn.set(event_target_value(&ev))/></label>
                <label>"Server alt names" <input type="text" prop:value=move || sans.get() on:input=move |ev| sans.set(event_target_value(&ev))/></label>
                <label>"Client name" <input type="text" prop:value=move || client_cn.get() on:input=move |ev| client_cn.set(event_target_value(&ev))/></label>
            </div>
            <p class="muted">
                "With a module chosen above, the module's CA, client certificate and key are also \
                 written in the form that module needs."
            </p>
            <button class="primary" id="cert-generate-run" on:click=run prop:disabled=move || generating.get()>
                {move || if generating.get() { "Generating\u{2026}" } else { "Generate" }}
            </button>
            {move || result.get().map(|r| match r {
                Ok(files) => view! {
                    <div class="actions generated">
                        {files.into_iter().map(|(name, bytes)| {
                            let label = format!("Download {name}");
                            view! { <button class="small" on:click=move |_| { let _ = files::download(&name, &bytes, "application/octet-stream"); }>{label}</button> }
                        }).collect_view()}
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="problem" role="alert">{format!("Could not generate: {e}")}</p> }.into_any(),
            })}
        </details>
    }
}
