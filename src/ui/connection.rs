//! The connection area in the header: port state, Connect / Disconnect, serial settings.

use leptos::prelude::*;

use super::BrowserSupport;
use super::port::{PortHub, PortState};
use crate::modules::Family;
use crate::web::serial::{self, SerialError};
use crate::web::{Parity, SerialSettings};

/// What a job stopped by Disconnect says.
const DISCONNECTED: &str = "You disconnected the port while this ran: it was cancelled. \
                            Reconnect and run it again; the flow checks what is on the module.";

/// Port state, always visible; the controls to connect when the browser can.
#[component]
pub fn ConnectionArea(
    support: BrowserSupport,
    hub: StoredValue<PortHub, LocalStorage>,
) -> impl IntoView {
    let settings = RwSignal::new_local(SerialSettings::default());
    let (state, identity) = hub.with_value(|hub| (hub.state, hub.identity));
    // Ports this origin was granted before: offered without the chooser, and refreshed when
    // a device is plugged in or out.
    let granted = RwSignal::new_local(Vec::<web_sys::SerialPort>::new());
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(ports) = serial::granted_ports().await {
                granted.set(ports);
            }
        });
    };
    if support.can_connect() {
        refresh();
        serial::on_plug_events(refresh);
    }
    let reconnect = move |port: web_sys::SerialPort| {
        let hub = hub.get_value();
        let chosen = settings.get_untracked();
        leptos::task::spawn_local(async move { hub.open(port, chosen).await });
    };

    let connect = {
        move |_| {
            // The chooser only opens during the click: create the request before any await.
            let request = serial::request_port();
            let hub = hub.get_value();
            let chosen_settings = settings.get_untracked();
            state.set(PortState::Choosing);
            leptos::task::spawn_local(async move {
                match request.await {
                    Ok(port) => hub.open(port, chosen_settings).await,
                    Err(SerialError::Cancelled) => {
                        hub.note(SerialError::Cancelled.to_string());
                        state.set(PortState::Disconnected);
                    }
                    Err(error) => hub.fail(error.to_string()),
                }
            });
        }
    };
    let app = super::state::use_state();
    // Disconnecting (or leaving demo) stops a running job: it never reports success later.
    let disconnect = move |why: &'static str| {
        let hub = hub.get_value();
        super::provision::abandon_job(app, why);
        leptos::task::spawn_local(async move { hub.close().await });
    };

    let site = super::site::use_site();
    let demo_family = app.demo_family;
    let demo_picked = app.demo_picked;
    let start_demo = move |_| {
        let hub = hub.get_value();
        // The family the picker shows is the one that starts.
        let family = untrack(|| app.demo_choice(&site.families()));
        state.set(PortState::Opening);
        leptos::task::spawn_local(async move {
            // The demo server's keys are made in the key-generation worker first, so the
            // page keeps responding while "opening" shows.
            if let Err(message) = super::provision::prepare_demo(family).await {
                state.set(PortState::Failed { message });
                return;
            }
            hub.open_demo(family, || super::provision::demo_server(family))
                .await;
        });
    };

    let detail = move || match state.get() {
        PortState::Failed { message } => Some(message),
        PortState::Disconnected if !support.can_connect() => {
            Some("Serial ports are not available in this browser.".to_owned())
        }
        _ => None,
    };

    view! {
        <section class="connection" aria-label="Connection" id="connection">
            <span class="port-state" data-state=move || state.get().data_state() id="port-state">
                <span class="dot" aria-hidden="true"></span>
                {move || state.get().label()}
            </span>
            <Show when=move || support.can_connect()>
                <Show
                    when=move || {
                        matches!(state.get(), PortState::Connected { .. } | PortState::Demo { .. })
                    }
                    fallback=move || {
                            view! {
                                <SerialSettingsForm settings=settings/>
                                {move || {
                                    granted
                                        .get()
                                        .into_iter()
                                        .map(|port| {
                                            let label = format!("Reconnect {}", serial::describe_port(&port));
                                            view! {
                                                <button class="reconnect" on:click=move |_| reconnect(port.clone())>
                                                    {label}
                                                </button>
                                            }
                                        })
                                        .collect_view()
                                }}
                                <button
                                    class="primary"
                                    id="connect"
                                    on:click=connect
                                    disabled=move || {
                                        matches!(state.get(), PortState::Choosing | PortState::Opening)
                                    }
                                >
                                    "Connect"
                                </button>
                            }
                    }
                >
                    // A simulated module has no baud rate or cable: "Leave demo" ends it.
                    <Show when=move || matches!(state.get(), PortState::Connected { .. })>
                    <button
                        id="find-baud"
                        on:click=move |_| {
                            let hub = hub.get_value();
                            let chosen = settings.get_untracked();
                            leptos::task::spawn_local(async move {
                                hub.find_baud(chosen).await;
                            });
                        }
                        title="Reopen the port at each common rate until the module answers AT"
                    >
                        "Find baud rate"
                    </button>
                    <button id="disconnect" on:click=move |_| disconnect(DISCONNECTED)>
                        "Disconnect"
                    </button>
                    </Show>
                </Show>
            </Show>
            <Show when=move || !state.get().is_connected()>
                <span class="demo">
                    <select
                        id="demo-family"
                        aria-label="Module to simulate"
                        prop:value=move || app.demo_choice(&site.families()).id()
                        on:change=move |ev| {
                            if let Ok(f) = event_target_value(&ev).parse::<Family>() {
                                demo_family.set(f);
                                demo_picked.set(true);
                            }
                        }
                    >
                        {move || {
                            let chosen = app.demo_choice(&site.families());
                            site.families()
                                .into_iter()
                                .map(|f| {
                                    view! {
                                        <option value=f.id() selected=f == chosen>
                                            {f.display_name()}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <button id="demo" on:click=start_demo>"Try without hardware"</button>
                </span>
            </Show>
            <Show when=move || matches!(state.get(), PortState::Demo { .. })>
                <button id="demo-stop" on:click=move |_| disconnect(crate::app::job::LEFT_DEMO)>"Leave demo"</button>
            </Show>
            {move || {
                identity
                    .get()
                    .map(|who| view! { <span class="port-detail" id="header-identity">{who}</span> })
            }}
            {move || {
                detail().map(|text| view! { <span class="port-detail" role="status">{text}</span> })
            }}
        </section>
    }
}

/// Baud rate up front (presets and custom); the rest under "More".
#[component]
fn SerialSettingsForm(settings: RwSignal<SerialSettings, LocalStorage>) -> impl IntoView {
    let custom = RwSignal::new(false);
    let set_baud = move |value: String| {
        if value == "custom" {
            custom.set(true);
        } else if let Ok(baud) = value.parse() {
            custom.set(false);
            settings.update(|s| s.baud_rate = baud);
        }
    };
    view! {
        <label class="inline">
            <span class="sr-only">"Baud rate"</span>
            <select id="baud" aria-label="Baud rate" on:change=move |ev| set_baud(event_target_value(&ev))>
                {SerialSettings::BAUD_PRESETS
                    .into_iter()
                    .map(|baud| view! { <option value=baud.to_string()>{format!("{baud} baud")}</option> })
                    .collect_view()}
                <option value="custom">"Custom…"</option>
            </select>
        </label>
        <Show when=move || custom.get()>
            <input
                type="number"
                min="300"
                max="4000000"
                id="baud-custom"
                aria-label="Custom baud rate"
                prop:value=move || settings.get().baud_rate.to_string()
                on:change=move |ev| {
                    if let Ok(baud) = event_target_value(&ev).parse::<u32>() {
                        settings.update(|s| s.baud_rate = baud.clamp(300, 4_000_000));
                    }
                }
            />
        </Show>
        <details class="more-settings">
            <summary>"More"</summary>
            <div class="settings-grid">
                <label>
                    "Data bits"
                    <select on:change=move |ev| {
                        let bits = if event_target_value(&ev) == "7" { 7 } else { 8 };
                        settings.update(|s| s.data_bits = bits);
                    }>
                        <option value="8">"8"</option>
                        <option value="7">"7"</option>
                    </select>
                </label>
                <label>
                    "Parity"
                    <select on:change=move |ev| {
                        let parity = match event_target_value(&ev).as_str() {
                            "even" => Parity::Even,
                            "odd" => Parity::Odd,
                            _ => Parity::None,
                        };
                        settings.update(|s| s.parity = parity);
                    }>
                        <option value="none">"None"</option>
                        <option value="even">"Even"</option>
                        <option value="odd">"Odd"</option>
                    </select>
                </label>
                <label>
                    "Stop bits"
                    <select on:change=move |ev| {
                        let bits = if event_target_value(&ev) == "2" { 2 } else { 1 };
                        settings.update(|s| s.stop_bits = bits);
                    }>
                        <option value="1">"1"</option>
                        <option value="2">"2"</option>
                    </select>
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            settings.update(|s| s.hardware_flow_control = on);
                        }
                    />
                    "RTS/CTS flow control"
                </label>
            </div>
        </details>
    }
}
