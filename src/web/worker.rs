//! Key generation in a Web Worker with its own wasm (`src/bin/atcert-worker.rs`).
//!
//! RSA-3072 takes seconds of big-integer arithmetic; on the page's thread that froze the page.
//! In a worker the page stays responsive, and the page's own wasm no longer carries the key
//! generator, which is fetched only when first used.
//!
//! Page and worker exchange JSON strings: `{"id":1,"options":{..}}` one way,
//! `{"id":1,"ok":{"ca":[cert,key],..}}` or `{"id":1,"err":".."}` back. The worker says
//! `"ready"` once its wasm runs (messages sent before that would be lost).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::cert::generate::{
    GenerateOptions, GeneratedSet, Issued, KeyAlgorithm, San, SignatureHash, Subject,
};

type Reply = Result<GeneratedSet, String>;

struct Client {
    worker: web_sys::Worker,
    ready: bool,
    queue: Vec<String>,
    pending: HashMap<u32, oneshot::Sender<Reply>>,
    next_id: u32,
    // Kept alive as long as the worker.
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Rc<RefCell<Client>>>> = const { RefCell::new(None) };
}

/// The worker's loader, as index.html names it (./dev post-build writes the hashed name).
fn worker_meta() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=atcert-worker]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
}

fn worker_url() -> String {
    worker_meta().unwrap_or_else(|| "./atcert-worker_loader.js".to_owned())
}

fn client() -> Result<Rc<RefCell<Client>>, String> {
    if let Some(client) = CLIENT.with(|c| c.borrow().clone()) {
        return Ok(client);
    }
    let url = worker_url();
    let worker = web_sys::Worker::new(&url).map_err(|e| {
        format!(
            "The key generator could not start ({url}): {}. Reload the page and try again.",
            js_text(&e)
        )
    })?;
    let client = Rc::new_cyclic(|weak: &std::rc::Weak<RefCell<Client>>| {
        let on_message = {
            let weak = weak.clone();
            Closure::new(move |event: web_sys::MessageEvent| {
                if let Some(client) = weak.upgrade() {
                    on_message(&client, event.data().as_string().unwrap_or_default());
                }
            })
        };
        let on_error = Closure::new(move |event: web_sys::ErrorEvent| {
            // The worker's script or wasm failed to load or crashed: every waiting caller
            // hears why, and the next request starts a fresh worker.
            let message = format!(
                "The key generator stopped: {}. Reload the page and try again; if it \
                 happens again, this copy of atcert is incomplete.",
                if event.message().is_empty() {
                    "its files did not load".to_owned()
                } else {
                    event.message()
                }
            );
            let dropped = CLIENT.with(|c| c.borrow_mut().take());
            if let Some(client) = dropped {
                let mut client = client.borrow_mut();
                client.worker.terminate();
                for (_, tx) in client.pending.drain() {
                    let _ = tx.send(Err(message.clone()));
                }
            }
        });
        RefCell::new(Client {
            worker: worker.clone(),
            ready: false,
            queue: Vec::new(),
            pending: HashMap::new(),
            next_id: 1,
            _on_message: on_message,
            _on_error: on_error,
        })
    });
    {
        let c = client.borrow();
        worker.set_onmessage(Some(c._on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(c._on_error.as_ref().unchecked_ref()));
    }
    CLIENT.with(|c| *c.borrow_mut() = Some(client.clone()));
    Ok(client)
}

fn on_message(client: &Rc<RefCell<Client>>, data: String) {
    let mut c = client.borrow_mut();
    if data == "ready" {
        c.ready = true;
        for request in std::mem::take(&mut c.queue) {
            let _ = c.worker.post_message(&JsValue::from_str(&request));
        }
        return;
    }
    let Ok(reply) = serde_json::from_str::<Value>(&data) else {
        return;
    };
    let Some(id) = reply["id"].as_u64() else {
        return;
    };
    if let Some(tx) = c.pending.remove(&(id as u32)) {
        let _ = tx.send(decode_reply(&reply));
    }
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// [`crate::cert::generate::generate`] in the worker: the same certificates, without
/// freezing the page.
pub async fn generate(options: &GenerateOptions) -> Result<GeneratedSet, String> {
    // A page without the worker (the library's browser tests) generates on its own thread.
    #[cfg(feature = "inline-keygen")]
    if worker_meta().is_none() {
        return crate::cert::generate::generate(options, &mut rand_core::OsRng)
            .map_err(|e| e.to_string());
    }
    let client = client()?;
    let rx = {
        let mut c = client.borrow_mut();
        let id = c.next_id;
        c.next_id += 1;
        let (tx, rx) = oneshot::channel();
        c.pending.insert(id, tx);
        let request = json!({ "id": id, "options": encode_options(options) }).to_string();
        if c.ready {
            let _ = c.worker.post_message(&JsValue::from_str(&request));
        } else {
            c.queue.push(request);
        }
        rx
    };
    rx.await
        .unwrap_or_else(|_| Err("The key generator stopped before answering.".to_owned()))
}

/// The worker's side: answer every request on this worker's global scope.
pub fn serve() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let request = event.data().as_string().unwrap_or_default();
            let reply = answer(&request);
            let _ = reply_to.post_message(&JsValue::from_str(&reply));
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page; so does its handler.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}

fn answer(request: &str) -> String {
    let request: Value = serde_json::from_str(request).unwrap_or(Value::Null);
    let id = request["id"].clone();
    let outcome = decode_options(&request["options"]).and_then(|options| {
        crate::cert::generate::generate(&options, &mut rand_core::OsRng).map_err(|e| e.to_string())
    });
    match outcome {
        Ok(set) => json!({ "id": id, "ok": {
            "ca": [set.ca.cert_der, set.ca.key_der],
            "server": [set.server.cert_der, set.server.key_der],
            "client": [set.client.cert_der, set.client.key_der],
        }}),
        Err(err) => json!({ "id": id, "err": err }),
    }
    .to_string()
}

fn encode_subject(s: &Subject) -> Value {
    json!({
        "cn": s.common_name,
        "o": s.organization,
        "ou": s.organizational_unit,
        "c": s.country,
    })
}

fn decode_subject(v: &Value) -> Subject {
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    Subject {
        common_name: text("cn").unwrap_or_default(),
        organization: text("o"),
        organizational_unit: text("ou"),
        country: text("c"),
    }
}

fn encode_sans(sans: &[San]) -> Value {
    sans.iter()
        .map(|san| match san {
            San::Dns(name) => format!("DNS:{name}"),
            San::Ip(ip) => format!("IP:{ip}"),
        })
        .collect()
}

fn decode_sans(v: &Value) -> Result<Vec<San>, String> {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_default()
                .parse()
                .map_err(|e| format!("{e}"))
        })
        .collect()
}

fn encode_options(o: &GenerateOptions) -> Value {
    json!({
        "key": o.key.to_string(),
        "now": o.now,
        "days": o.days,
        "ca": encode_subject(&o.ca),
        "server": encode_subject(&o.server),
        "server_sans": encode_sans(&o.server_sans),
        "client": encode_subject(&o.client),
        "client_sans": encode_sans(&o.client_sans),
        "ca_sha1": o.ca_self_signature == SignatureHash::Sha1,
    })
}

fn decode_options(v: &Value) -> Result<GenerateOptions, String> {
    let mut o = GenerateOptions::new(v["now"].as_i64().ok_or("the request has no time")?);
    o.key = v["key"]
        .as_str()
        .unwrap_or_default()
        .parse::<KeyAlgorithm>()
        .map_err(|e| e.to_string())?;
    o.days = v["days"]
        .as_u64()
        .and_then(|d| u32::try_from(d).ok())
        .ok_or("the request has no validity")?;
    o.ca = decode_subject(&v["ca"]);
    o.server = decode_subject(&v["server"]);
    o.server_sans = decode_sans(&v["server_sans"])?;
    o.client = decode_subject(&v["client"]);
    o.client_sans = decode_sans(&v["client_sans"])?;
    if v["ca_sha1"].as_bool() == Some(true) {
        o.ca_self_signature = SignatureHash::Sha1;
    }
    Ok(o)
}

fn decode_reply(v: &Value) -> Reply {
    if let Some(err) = v["err"].as_str() {
        return Err(err.to_owned());
    }
    let bytes = |v: &Value| -> Vec<u8> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b.as_u64())
                    .map(|b| b as u8)
                    .collect()
            })
            .unwrap_or_default()
    };
    let issued = |role: &str| Issued {
        cert_der: bytes(&v["ok"][role][0]),
        key_der: bytes(&v["ok"][role][1]),
    };
    Ok(GeneratedSet {
        ca: issued("ca"),
        server: issued("server"),
        client: issued("client"),
    })
}
