//! Web Serial, wrapped so the rest of atcert sees a [`Transport`] and plain errors.
//!
//! The shape follows what robust tools converge on (shared/reference/webserial.md §3):
//! `requestPort()` straight from the click handler; `open()` with a large buffer; ONE
//! long-lived read loop that feeds a channel, so a `read` can be dropped mid-way without
//! losing bytes; writes through the writable stream; close that cancels and releases every
//! lock before `port.close()`, because a locked stream makes `close()` throw.

use std::cell::RefCell;
use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ParityType, ReadableStreamDefaultReader, SerialOptions, SerialOutputSignals, SerialPort,
    WritableStreamDefaultWriter,
};

use crate::session::{Transport, TransportError};

/// How to open the port. The defaults are what nearly every module ships with.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SerialSettings {
    pub baud_rate: u32,
    pub data_bits: u8,
    pub parity: Parity,
    pub stop_bits: u8,
    pub hardware_flow_control: bool,
}

impl Default for SerialSettings {
    fn default() -> Self {
        Self {
            baud_rate: 115_200,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            hardware_flow_control: false,
        }
    }
}

impl SerialSettings {
    /// Baud rates offered in the page, most common first after the usual default.
    pub const BAUD_PRESETS: [u32; 8] = crate::session::line::BAUD_PRESETS;

    /// "115200 8N1", as firmware people write it.
    pub fn summary(&self) -> String {
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        };
        let flow = if self.hardware_flow_control {
            ", RTS/CTS"
        } else {
            ""
        };
        format!(
            "{} {}{}{}{}",
            self.baud_rate, self.data_bits, parity, self.stop_bits, flow
        )
    }
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Parity {
    None,
    Even,
    Odd,
}

/// The port's read buffer. The 255-byte default drops data when the page is busy
/// (WICG/serial#164); 16 KiB holds any certificate a module reads back.
const BUFFER_SIZE: u32 = 16 * 1024;

/// What went wrong with the port, in words a user can act on.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum SerialError {
    /// The chooser was closed without picking a port.
    #[error(
        "no port was chosen. If your module is not in the list, check the USB cable (some \
         are charge-only), the adapter's driver, and on Linux that you are in the dialout group"
    )]
    Cancelled,
    /// The browser or a policy refused access.
    #[error("the browser refused access to serial ports: {detail}")]
    NotAllowed { detail: String },
    /// Opening failed, almost always because something else holds the port.
    #[error(
        "the port could not be opened ({detail}). Another program or browser tab probably has \
         it open: close serial terminals, IDE monitors and other atcert tabs, then connect again"
    )]
    Busy { detail: String },
    /// This page already has the port open.
    #[error("this port is already open in this page")]
    AlreadyOpen,
    /// Web Serial is missing here.
    #[error(
        "this browser cannot talk to serial ports; use Chrome, Edge or Opera 89+ or Firefox \
         151+, on HTTPS or localhost"
    )]
    Unsupported,
    /// The device went away while in use.
    #[error("the module disconnected ({detail}); check the cable and power, then connect again")]
    Lost { detail: String },
    /// Anything else, in the browser's own words.
    #[error("the serial port failed: {detail}")]
    Other { detail: String },
}

impl SerialError {
    /// Maps a rejected Web Serial promise to what it means for the user.
    fn from_js(error: &JsValue, while_opening: bool) -> Self {
        let name = Reflect::get(error, &"name".into())
            .ok()
            .and_then(|n| n.as_string());
        let message = Reflect::get(error, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "unknown error".into());
        let detail = match &name {
            Some(name) => format!("{name}: {message}"),
            None => message.clone(),
        };
        match name.as_deref() {
            Some("NotFoundError") => Self::Cancelled,
            Some("SecurityError" | "NotAllowedError") => Self::NotAllowed { detail },
            Some("InvalidStateError") if while_opening => Self::AlreadyOpen,
            Some("NetworkError") if while_opening => Self::Busy { detail },
            Some("NetworkError") => Self::Lost { detail },
            _ => Self::Other { detail },
        }
    }
}

impl From<SerialError> for TransportError {
    fn from(error: SerialError) -> Self {
        match error {
            SerialError::Lost { detail } => Self::Disconnected { detail },
            SerialError::Busy { detail } => Self::Busy { detail },
            other => Self::Io {
                detail: other.to_string(),
            },
        }
    }
}

fn serial() -> Result<web_sys::Serial, SerialError> {
    let navigator = web_sys::window()
        .ok_or(SerialError::Unsupported)?
        .navigator();
    let serial =
        Reflect::get(&navigator, &"serial".into()).map_err(|_| SerialError::Unsupported)?;
    if serial.is_undefined() || serial.is_null() {
        return Err(SerialError::Unsupported);
    }
    Ok(serial.unchecked_into())
}

/// Asks the user to pick a port. Call it synchronously from a click handler: the browser
/// shows the chooser only during a user gesture, so the promise is created before any await.
pub fn request_port() -> impl Future<Output = Result<SerialPort, SerialError>> {
    let promise = serial().map(|serial| serial.request_port());
    async move {
        let port = JsFuture::from(promise?)
            .await
            .map_err(|e| SerialError::from_js(&e, false))?;
        Ok(port.unchecked_into())
    }
}

/// Ports this origin was granted before, so a returning user need not pick again.
pub async fn granted_ports() -> Result<Vec<SerialPort>, SerialError> {
    let ports = JsFuture::from(serial()?.get_ports())
        .await
        .map_err(|e| SerialError::from_js(&e, false))?;
    Ok(js_sys::Array::from(&ports)
        .iter()
        .map(JsCast::unchecked_into)
        .collect())
}

/// Calls `changed` whenever a serial device is plugged in or out (the `connect` and
/// `disconnect` events bubble from ports to `navigator.serial`). For the page's lifetime.
pub fn on_plug_events(changed: impl Fn() + 'static) {
    let Ok(serial) = serial() else { return };
    let callback = wasm_bindgen::closure::Closure::<dyn Fn()>::new(changed);
    for event in ["connect", "disconnect"] {
        let _ = serial.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
    }
    // Lives as long as the page, like the listeners.
    callback.forget();
}

/// "USB 1e0e:9001", or "serial port" when the browser gives no USB ids.
pub fn describe_port(port: &SerialPort) -> String {
    let info = port.get_info();
    match (info.get_usb_vendor_id(), info.get_usb_product_id()) {
        (Some(vid), Some(pid)) => format!("USB {vid:04x}:{pid:04x}"),
        _ => "serial port".into(),
    }
}

/// State shared between the port handle and its read loop.
struct Shared {
    reader: Option<ReadableStreamDefaultReader>,
    closing: bool,
}

/// An open Web Serial port: a [`Transport`] for the session runner.
pub struct WebSerial {
    port: SerialPort,
    settings: SerialSettings,
    incoming: mpsc::UnboundedReceiver<Result<Vec<u8>, TransportError>>,
    /// Bytes of a chunk that did not fit the caller's buffer.
    pending: Vec<u8>,
    shared: Rc<RefCell<Shared>>,
    lost: Option<TransportError>,
}

impl WebSerial {
    /// Opens `port` and starts its read loop. The caller shows "connected" only after this
    /// returns `Ok`.
    pub async fn open(port: SerialPort, settings: SerialSettings) -> Result<Self, SerialError> {
        let options = SerialOptions::new(settings.baud_rate);
        options.set_data_bits(settings.data_bits);
        options.set_stop_bits(settings.stop_bits);
        options.set_parity(match settings.parity {
            Parity::None => ParityType::None,
            Parity::Even => ParityType::Even,
            Parity::Odd => ParityType::Odd,
        });
        options.set_flow_control(if settings.hardware_flow_control {
            web_sys::FlowControlType::Hardware
        } else {
            web_sys::FlowControlType::None
        });
        options.set_buffer_size(BUFFER_SIZE);
        JsFuture::from(port.open(&options))
            .await
            .map_err(|e| SerialError::from_js(&e, true))?;

        let (tx, incoming) = mpsc::unbounded();
        let shared = Rc::new(RefCell::new(Shared {
            reader: None,
            closing: false,
        }));
        wasm_bindgen_futures::spawn_local(read_loop(port.clone(), tx, shared.clone()));
        Ok(Self {
            port,
            settings,
            incoming,
            pending: Vec::new(),
            shared,
            lost: None,
        })
    }

    pub fn settings(&self) -> &SerialSettings {
        &self.settings
    }

    pub fn port(&self) -> &SerialPort {
        &self.port
    }

    /// Sets DTR. One signal per call: Chrome 139 stopped combining them (WICG/serial#216).
    pub async fn set_dtr(&self, on: bool) -> Result<(), SerialError> {
        let signals = SerialOutputSignals::new();
        signals.set_data_terminal_ready(on);
        self.set_signals(&signals).await
    }

    /// Sets RTS, then re-sends nothing else (see [`WebSerial::set_dtr`]).
    pub async fn set_rts(&self, on: bool) -> Result<(), SerialError> {
        let signals = SerialOutputSignals::new();
        signals.set_request_to_send(on);
        self.set_signals(&signals).await
    }

    async fn set_signals(&self, signals: &SerialOutputSignals) -> Result<(), SerialError> {
        JsFuture::from(self.port.set_signals_with_signals(signals))
            .await
            .map(drop)
            .map_err(|e| SerialError::from_js(&e, false))
    }

    /// Closes the port and releases every lock. Safe to call after the device was lost.
    pub async fn close(self) {
        let reader = {
            let mut shared = self.shared.borrow_mut();
            shared.closing = true;
            shared.reader.take()
        };
        if let Some(reader) = reader {
            // cancel() ends the pending read; the lock must still be released by hand.
            let _ = JsFuture::from(reader.cancel()).await;
            reader.release_lock();
        }
        // A port that is already gone rejects close(); there is nothing left to release.
        let _ = JsFuture::from(self.port.close()).await;
    }
}

/// The one reader of the port. Non-fatal line errors (overrun, break, framing, parity)
/// replace `readable` and the loop goes on; anything else ends it and is reported once.
async fn read_loop(
    port: SerialPort,
    tx: mpsc::UnboundedSender<Result<Vec<u8>, TransportError>>,
    shared: Rc<RefCell<Shared>>,
) {
    loop {
        // `readable` is typed non-null but is null once the port is closed or has failed.
        let readable = Reflect::get(&port, &"readable".into()).unwrap_or(JsValue::NULL);
        if readable.is_null() || readable.is_undefined() {
            if !shared.borrow().closing {
                let _ = tx.unbounded_send(Err(TransportError::Disconnected {
                    detail: "the port closed".into(),
                }));
            }
            return;
        }
        let readable: web_sys::ReadableStream = readable.unchecked_into();
        let reader: ReadableStreamDefaultReader = readable.get_reader().unchecked_into();
        shared.borrow_mut().reader = Some(reader.clone());
        let outcome = loop {
            match JsFuture::from(reader.read()).await {
                Ok(result) => {
                    let done = Reflect::get(&result, &"done".into())
                        .map(|d| d.is_truthy())
                        .unwrap_or(true);
                    if done {
                        break None;
                    }
                    let value = Reflect::get(&result, &"value".into()).unwrap_or(JsValue::NULL);
                    if let Some(chunk) = value.dyn_ref::<Uint8Array>()
                        && tx.unbounded_send(Ok(chunk.to_vec())).is_err()
                    {
                        break None; // nobody listens any more
                    }
                }
                Err(error) => break Some(error),
            }
        };
        if shared.borrow().closing {
            return; // close() releases the lock
        }
        reader.release_lock();
        shared.borrow_mut().reader = None;
        match outcome {
            Some(error) if is_recoverable(&error) => continue,
            Some(error) => {
                let lost = SerialError::from_js(&error, false);
                let detail = match lost {
                    SerialError::Lost { detail } | SerialError::Other { detail } => detail,
                    other => other.to_string(),
                };
                let _ = tx.unbounded_send(Err(TransportError::Disconnected { detail }));
                return;
            }
            None => {
                let _ = tx.unbounded_send(Err(TransportError::Disconnected {
                    detail: "the port stopped sending".into(),
                }));
                return;
            }
        }
    }
}

fn is_recoverable(error: &JsValue) -> bool {
    let name = Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string());
    matches!(
        name.as_deref(),
        Some("BufferOverrunError" | "BreakError" | "FramingError" | "ParityError")
    )
}

impl Transport for WebSerial {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        if let Some(lost) = &self.lost {
            return Err(lost.clone());
        }
        let writable = Reflect::get(&self.port, &"writable".into()).unwrap_or(JsValue::NULL);
        if writable.is_null() || writable.is_undefined() {
            let lost = TransportError::Disconnected {
                detail: "the port is closed".into(),
            };
            self.lost = Some(lost.clone());
            return Err(lost);
        }
        let writable: web_sys::WritableStream = writable.unchecked_into();
        let writer: WritableStreamDefaultWriter = writable
            .get_writer()
            .map_err(|e| TransportError::from(SerialError::from_js(&e, false)))?;
        let chunk = Uint8Array::from(bytes);
        let written = JsFuture::from(writer.write_with_chunk(&chunk)).await;
        writer.release_lock();
        written.map(drop).map_err(|e| {
            let error = TransportError::from(match SerialError::from_js(&e, false) {
                SerialError::Other { detail } => SerialError::Lost { detail },
                other => other,
            });
            self.lost = Some(error.clone());
            error
        })
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        if self.pending.is_empty() {
            if let Some(lost) = &self.lost {
                return Err(lost.clone());
            }
            // Cancel-safe: a chunk stays in the channel until `next` completes.
            match self.incoming.next().await {
                Some(Ok(chunk)) => self.pending = chunk,
                Some(Err(error)) => {
                    self.lost = Some(error.clone());
                    return Err(error);
                }
                None => {
                    let error = TransportError::Disconnected {
                        detail: "the port closed".into(),
                    };
                    self.lost = Some(error.clone());
                    return Err(error);
                }
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}
