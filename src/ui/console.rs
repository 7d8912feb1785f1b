//! The Console: a raw AT terminal over the connected port. Every byte that crosses the port
//! is shown here, a running flow's exchange included, so the user always sees what atcert
//! really sent.

use leptos::prelude::*;

use super::BrowserSupport;
use super::files;
use super::port::{EntryKind, PortHub, PortState, Signal, transcript_of};
use crate::app::console::{History, LineEnd, stamp};
use crate::session::transcript::escape;

/// The bytes as text, or in hex with each byte its own unbreakable box, so a line wraps
/// between bytes and never inside one.
fn render_bytes(bytes: &[u8], hex: bool) -> AnyView {
    if hex {
        bytes
            .iter()
            .map(|b| view! { <span class="byte">{format!("{b:02x}")}</span> " " })
            .collect_view()
            .into_any()
    } else {
        escape(bytes).into_any()
    }
}

#[component]
pub fn ConsoleArea(
    support: BrowserSupport,
    hub: StoredValue<PortHub, LocalStorage>,
) -> impl IntoView {
    let (log, state) = hub.with_value(|hub| (hub.log, hub.state));
    let input = RwSignal::new(String::new());
    let line_end = RwSignal::new(LineEnd::Cr);
    let hex = RwSignal::new(false);
    let history = StoredValue::new(History::default());
    let status = RwSignal::new(None::<String>);

    let send_bytes = {
        move |bytes: Vec<u8>| {
            let hub = hub.get_value();
            leptos::task::spawn_local(async move {
                if let Err(error) = hub.send(&bytes).await {
                    status.set(Some(error.to_string()));
                }
            });
        }
    };
    let send_line = {
        move || {
            let line = input.get_untracked();
            history.update_value(|h| h.push(&line));
            let mut bytes = line.into_bytes();
            bytes.extend_from_slice(line_end.get_untracked().bytes());
            input.set(String::new());
            send_bytes(bytes);
        }
    };
    let on_key = {
        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
            "Enter" => {
                ev.prevent_default();
                send_line();
            }
            "ArrowUp" => {
                ev.prevent_default();
                if let Some(line) = history.try_update_value(|h| h.older()).flatten() {
                    input.set(line);
                }
            }
            "ArrowDown" => {
                ev.prevent_default();
                if let Some(line) = history.try_update_value(|h| h.newer()).flatten() {
                    input.set(line);
                }
            }
            _ => {}
        }
    };
    let export = move |_| {
        let text = transcript_of(&log.get_untracked()).to_text();
        if let Err(error) = files::download("atcert-transcript.txt", text.as_bytes(), "text/plain")
        {
            status.set(Some(format!("The download failed: {error}")));
        }
    };
    let copy = move |_| {
        let text = transcript_of(&log.get_untracked()).to_text();
        leptos::task::spawn_local(async move {
            status.set(Some(match files::copy_text(&text).await {
                Ok(()) => "Transcript copied.".into(),
                Err(e) => format!("Could not copy the transcript: {e}"),
            }));
        });
    };
    let connected = move || state.get().is_connected();
    let set_signal = move |signal: Signal, on: bool| {
        let hub = hub.get_value();
        leptos::task::spawn_local(async move {
            if let Err(error) = hub.set_signal(signal, on).await {
                status.set(Some(error));
            }
        });
    };
    let serial_port = move || matches!(state.get(), PortState::Connected { .. });
    // Times count from the first byte, as in the exported transcript, so both agree.
    let origin = Memo::new(move |_| {
        log.with(|entries| {
            entries
                .iter()
                .find(|e| e.kind != EntryKind::Note)
                .map(|e| e.at)
        })
    });
    // Follow new output unless the user scrolled up to read something.
    let log_list = NodeRef::<leptos::html::Ol>::new();
    let follow = StoredValue::new(true);
    let on_scroll = move |_| {
        if let Some(el) = log_list.get_untracked() {
            let bottom = el.scroll_top() + f64::from(el.client_height())
                >= f64::from(el.scroll_height()) - 8.0;
            follow.set_value(bottom);
        }
    };
    Effect::new(move || {
        log.track();
        hex.track();
        if follow.get_value()
            && let Some(el) = log_list.get()
        {
            el.set_scroll_top(f64::from(el.scroll_height()));
        }
    });
    let send_ctrl_z = move |_| send_bytes(vec![0x1A]);
    let send_esc = move |_| send_bytes(vec![0x1B]);

    view! {
        <section class="area" id="area-console" aria-labelledby="h-console">
            <h1 id="h-console">"Console"</h1>
            <Show when=move || !connected() && log.with(Vec::is_empty)>
                <div class="empty">
                    <p class="lead">"Not connected."</p>
                    <p>
                        {if support.can_connect() {
                            "Connect a module (top right) to type AT commands to it. Everything \
                             sent and received, including the exchange of a running provisioning \
                             flow, appears here with timestamps."
                        } else {
                            "The console talks to a module over Web Serial, which this browser \
                             or address does not offer."
                        }}
                    </p>
                </div>
            </Show>
            <Show when=move || connected() || !log.with(Vec::is_empty)>
                <div class="console">
                    <div class="console-tools">
                        <label class="check">
                            <input type="checkbox" id="console-hex" on:change=move |ev| hex.set(event_target_checked(&ev))/>
                            "Hex"
                        </label>
                        <button on:click=export id="console-export">"Download transcript"</button>
                        <button on:click=copy id="console-copy">"Copy"</button>
                        <button on:click=move |_| log.set(Vec::new()) id="console-clear">"Clear"</button>
                        <Show when=serial_port>
                            <label class="check">
                                <input type="checkbox" id="console-dtr" on:change=move |ev| set_signal(Signal::Dtr, event_target_checked(&ev))/>
                                "DTR"
                            </label>
                            <label class="check">
                                <input type="checkbox" id="console-rts" on:change=move |ev| set_signal(Signal::Rts, event_target_checked(&ev))/>
                                "RTS"
                            </label>
                        </Show>
                    </div>
                    <ol class="log" id="console-log" node_ref=log_list on:scroll=on_scroll aria-live="polite" aria-label="Exchange with the module">
                        <For each=move || log.get() key=|entry| (entry.id, entry.bytes.len()) let:entry>
                            <li data-dir=match entry.kind {
                                EntryKind::Rx => "rx",
                                EntryKind::Tx => "tx",
                                EntryKind::Note => "note",
                            }>
                                <time>{move || stamp(entry.at, origin.get())}</time>
                                <span class="dir">
                                    {match entry.kind {
                                        EntryKind::Rx => "RX",
                                        EntryKind::Tx => "TX",
                                        EntryKind::Note => "··",
                                    }}
                                </span>
                                <code class:hex=move || hex.get() && entry.kind != EntryKind::Note>
                                    {move || {
                                        if entry.kind == EntryKind::Note {
                                            String::from_utf8_lossy(&entry.bytes).into_owned().into_any()
                                        } else {
                                            render_bytes(&entry.bytes, hex.get())
                                        }
                                    }}
                                </code>
                            </li>
                        </For>
                    </ol>
                    <div class="console-input">
                        <input
                            type="text"
                            id="console-input"
                            aria-label="AT command"
                            placeholder="AT"
                            autocomplete="off"
                            spellcheck="false"
                            disabled=move || !connected()
                            prop:value=move || input.get()
                            on:input=move |ev| input.set(event_target_value(&ev))
                            on:keydown=on_key
                        />
                        <select
                            id="console-line-end"
                            aria-label="Line ending"
                            on:change=move |ev| line_end.set(LineEnd::from_value(&event_target_value(&ev)))
                        >
                            <option value="cr">"CR"</option>
                            <option value="crlf">"CR LF"</option>
                            <option value="lf">"LF"</option>
                            <option value="none">"none"</option>
                        </select>
                        <button class="primary" id="console-send" disabled=move || !connected() on:click=move |_| send_line()>
                            "Send"
                        </button>
                        <button id="console-ctrl-z" disabled=move || !connected() on:click=send_ctrl_z title="Sends 0x1A: ends a data phase">
                            "Ctrl+Z"
                        </button>
                        <button id="console-esc" disabled=move || !connected() on:click=send_esc title="Sends 0x1B: cancels a data phase">
                            "ESC"
                        </button>
                    </div>
                    {move || status.get().map(|s| view! { <p class="console-status" role="status">{s}</p> })}
                </div>
            </Show>
        </section>
    }
}
