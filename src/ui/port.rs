//! The connected port as the page holds it: one owner ([`PortHub`]), a log of every byte
//! that crosses it (the Console shows it live, including a running flow's exchange), and an
//! idle pump that shows what the module says when no flow is running.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use futures::lock::Mutex;
use leptos::prelude::*;

use crate::at::Instant;
use crate::modules::Family;
use crate::session::{Clock, Transport, TransportError};
use crate::sim::{LineConfig, RealTime, Server, SimModule, SimPort};
use crate::web::{BrowserClock, SerialSettings, WebSerial};

/// What the page is connected to: a real port, or a simulated module (demo mode) paced in
/// real time on the browser clock.
pub enum Link {
    Serial(WebSerial),
    Demo(SimPort<RealTime<BrowserClock>>),
}

impl Transport for Link {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        match self {
            Self::Serial(port) => port.write(bytes).await,
            Self::Demo(port) => port.write(bytes).await,
        }
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        match self {
            Self::Serial(port) => port.read(buf).await,
            Self::Demo(port) => port.read(buf).await,
        }
    }
}

/// What a console entry is: bytes that went one way (as in a transcript), or a note from
/// atcert itself.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum EntryKind {
    Rx,
    Tx,
    Note,
}

/// One entry of the console log.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LogEntry {
    pub id: u64,
    pub at: Instant,
    pub kind: EntryKind,
    pub bytes: Vec<u8>,
}

/// A modem control line the host drives.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Signal {
    Dtr,
    Rts,
}

/// What the header shows about the port.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum PortState {
    Disconnected,
    Choosing,
    Opening,
    Connected {
        port: String,
        settings: String,
    },
    /// A simulated module of this family (demo mode).
    Demo {
        family: Family,
    },
    /// The port went away or failed; the message says what to do.
    Failed {
        message: String,
    },
}

impl PortState {
    pub fn is_connected(&self) -> bool {
        matches!(self, Self::Connected { .. } | Self::Demo { .. })
    }

    pub fn label(&self) -> String {
        match self {
            Self::Disconnected => "Port: not connected".into(),
            Self::Choosing => "Port: choosing…".into(),
            Self::Opening => "Port: opening…".into(),
            Self::Connected { port, settings } => format!("Port: {port}, {settings}"),
            Self::Demo { family } => format!("Demo: simulated {}", family.display_name()),
            Self::Failed { .. } => "Port: not connected".into(),
        }
    }

    pub fn data_state(&self) -> &'static str {
        match self {
            Self::Connected { .. } | Self::Demo { .. } => "connected",
            Self::Choosing | Self::Opening => "busy",
            Self::Disconnected | Self::Failed { .. } => "disconnected",
        }
    }
}

/// Wraps a transport so every byte in and out lands in the log, time-stamped.
pub struct Logged<T> {
    inner: T,
    log: RwSignal<Vec<LogEntry>, LocalStorage>,
    next_id: Rc<RefCell<u64>>,
}

impl<T> Logged<T> {
    fn record(&self, kind: EntryKind, bytes: &[u8]) {
        record(self.log, &self.next_id, kind, bytes.to_vec());
    }
}

fn record(
    log: RwSignal<Vec<LogEntry>, LocalStorage>,
    next_id: &Rc<RefCell<u64>>,
    kind: EntryKind,
    bytes: Vec<u8>,
) {
    let id = {
        let mut next = next_id.borrow_mut();
        *next += 1;
        *next
    };
    let at = BrowserClock.now();
    log.update(|entries| {
        // Consecutive chunks in the same direction read as one line of the exchange.
        if let Some(last) = entries.last_mut()
            && last.kind == kind
            && kind != EntryKind::Note
            && !last.bytes.ends_with(b"\n")
        {
            last.bytes.extend_from_slice(&bytes);
            return;
        }
        entries.push(LogEntry {
            id,
            at,
            kind,
            bytes,
        });
    });
}

impl<T: Transport> Transport for Logged<T> {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let result = self.inner.write(bytes).await;
        if result.is_ok() {
            self.record(EntryKind::Tx, bytes);
        }
        result
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        let n = self.inner.read(buf).await?;
        self.record(EntryKind::Rx, &buf[..n]);
        Ok(n)
    }
}

/// The page's one connection. Cloning shares it.
#[derive(Clone)]
pub struct PortHub {
    port: Rc<Mutex<Option<Logged<Link>>>>,
    pub state: RwSignal<PortState, LocalStorage>,
    pub log: RwSignal<Vec<LogEntry>, LocalStorage>,
    /// What detection found, shown in the header: "SIM7600G-H (SIMCom …), firmware …".
    pub identity: RwSignal<Option<String>, LocalStorage>,
    /// True while a flow holds the port; the console waits.
    pub busy: RwSignal<bool, LocalStorage>,
    /// The simulated module of demo mode; it keeps its storage across reconnects.
    demo: Rc<RefCell<Option<SimModule>>>,
    next_id: Rc<RefCell<u64>>,
    /// Bumped on every (re)connect so an old pump stops.
    generation: Rc<RefCell<u64>>,
    /// The generation a flow took the port in: a port closed meanwhile is not given back.
    taken_in: Rc<RefCell<u64>>,
}

/// The log as a transcript (atcert's own notes left out): what Export downloads.
pub fn transcript_of(entries: &[LogEntry]) -> crate::session::transcript::Transcript {
    use crate::session::transcript::{Direction, Transcript};
    let mut transcript = Transcript::default();
    for entry in entries {
        let way = match entry.kind {
            EntryKind::Rx => Direction::Rx,
            EntryKind::Tx => Direction::Tx,
            EntryKind::Note => continue,
        };
        transcript.push(entry.at, way, &entry.bytes);
    }
    transcript
}

impl PortHub {
    pub fn new() -> Self {
        Self {
            port: Rc::new(Mutex::new(None)),
            state: RwSignal::new_local(PortState::Disconnected),
            log: RwSignal::new_local(Vec::new()),
            identity: RwSignal::new_local(None),
            busy: RwSignal::new_local(false),
            demo: Rc::new(RefCell::new(None)),
            next_id: Rc::new(RefCell::new(0)),
            generation: Rc::new(RefCell::new(0)),
            taken_in: Rc::new(RefCell::new(0)),
        }
    }

    pub fn note(&self, text: impl Into<String>) {
        record(
            self.log,
            &self.next_id,
            EntryKind::Note,
            text.into().into_bytes(),
        );
    }

    pub fn clear_log(&self) {
        self.log.set(Vec::new());
    }

    /// Opens a chosen port and starts the idle pump.
    pub async fn open(&self, port: web_sys::SerialPort, settings: SerialSettings) {
        self.close().await;
        self.state.set(PortState::Opening);
        let description = crate::web::serial::describe_port(&port);
        match WebSerial::open(port, settings.clone()).await {
            Ok(serial) => {
                self.note(format!(
                    "Connected to {description} at {}",
                    settings.summary()
                ));
                self.attach(Link::Serial(serial)).await;
                self.state.set(PortState::Connected {
                    port: description,
                    settings: settings.summary(),
                });
            }
            Err(error) => self.fail(error.to_string()),
        }
    }

    /// Finds the baud rate the module answers at: reopens the port at each common rate and
    /// sends `AT` (twice, 0.5 s each) until something answers, then stays at that rate.
    /// Returns the rate, or `None` (the port is then closed, with a note saying what to try).
    pub async fn find_baud(&self, settings: SerialSettings) -> Option<u32> {
        let taken = self.port.lock().await.take();
        let Some(Logged {
            inner: Link::Serial(serial),
            ..
        }) = taken
        else {
            self.note("Find baud rate needs a connected serial port.");
            return None;
        };
        *self.generation.borrow_mut() += 1;
        let port = serial.port().clone();
        serial.close().await;
        let description = crate::web::serial::describe_port(&port);
        for baud in SerialSettings::BAUD_PRESETS {
            let try_settings = SerialSettings {
                baud_rate: baud,
                ..settings.clone()
            };
            self.state.set(PortState::Opening);
            self.note(format!("Trying {} baud…", baud));
            let serial = match WebSerial::open(port.clone(), try_settings.clone()).await {
                Ok(serial) => serial,
                Err(error) => {
                    self.fail(error.to_string());
                    return None;
                }
            };
            let logged = Logged {
                inner: Link::Serial(serial),
                log: self.log,
                next_id: self.next_id.clone(),
            };
            let mut session = crate::session::Session::new(
                logged,
                BrowserClock,
                crate::session::SessionOptions::default(),
            );
            let answered = crate::session::line::answers_at(&mut session).await;
            let (logged, _, _) = session.into_parts();
            if answered {
                self.note(format!("The module answers at {baud} baud."));
                self.attach(logged.inner).await;
                self.state.set(PortState::Connected {
                    port: description,
                    settings: try_settings.summary(),
                });
                return Some(baud);
            }
            if let Link::Serial(serial) = logged.inner {
                serial.close().await;
            }
        }
        self.fail(
            "No answer to AT at any common baud rate. Check that the module is powered and \
             out of sleep, that TX/RX are not swapped, and try a custom rate."
                .into(),
        );
        None
    }

    /// Connects to a simulated module of `family` (demo mode). The same module, with what
    /// was stored on it, is reused until the family changes.
    pub async fn open_demo(&self, family: Family, server: impl FnOnce() -> Server) {
        self.close().await;
        let module = {
            let mut demo = self.demo.borrow_mut();
            match demo.as_ref() {
                Some(module) if module.family() == family => module.clone(),
                _ => {
                    let module = crate::sim::module(family, server());
                    *demo = Some(module.clone());
                    module
                }
            }
        };
        let port = module.port_realtime(BrowserClock, LineConfig::default());
        self.note(format!(
            "Demo: connected to a simulated {} at 115200 baud (real-time pace)",
            family.display_name()
        ));
        self.attach(Link::Demo(port)).await;
        self.state.set(PortState::Demo { family });
    }

    /// The demo module, when demo mode has been used.
    pub fn demo_module(&self) -> Option<SimModule> {
        self.demo.borrow().clone()
    }

    async fn attach(&self, link: Link) {
        let logged = Logged {
            inner: link,
            log: self.log,
            next_id: self.next_id.clone(),
        };
        *self.port.lock().await = Some(logged);
        self.identity.set(None);
        let generation = {
            let mut g = self.generation.borrow_mut();
            *g += 1;
            *g
        };
        wasm_bindgen_futures::spawn_local(self.clone().pump(generation));
    }

    /// Takes the port for a flow; [`PortHub::give_back`] returns it. `None` when not connected.
    pub async fn take(&self) -> Option<Logged<Link>> {
        let taken = self.port.lock().await.take();
        if taken.is_some() {
            self.busy.set(true);
            *self.taken_in.borrow_mut() = *self.generation.borrow();
        }
        taken
    }

    /// Returns the port after a flow. A flow that lost the port says so with `lost`.
    pub async fn give_back(&self, port: Logged<Link>, lost: Option<&TransportError>) {
        self.busy.set(false);
        // Disconnected (or left demo) while the flow ran: the port stays closed.
        if *self.taken_in.borrow() != *self.generation.borrow() {
            if let Link::Serial(serial) = port.inner {
                serial.close().await;
            }
            return;
        }
        match lost {
            Some(error) => {
                if let Link::Serial(serial) = port.inner {
                    serial.close().await;
                }
                self.lost(error);
            }
            None => *self.port.lock().await = Some(port),
        }
    }

    /// Marks the port failed with a message for the user; the page keeps working.
    pub fn fail(&self, message: String) {
        self.note(message.clone());
        self.state.set(PortState::Failed { message });
    }

    pub async fn close(&self) {
        *self.generation.borrow_mut() += 1;
        let taken = self.port.lock().await.take();
        if let Some(logged) = taken {
            if let Link::Serial(serial) = logged.inner {
                serial.close().await;
            }
            self.note("Disconnected");
        } else if self.busy.get_untracked() {
            self.note("Disconnected; the running job was stopped");
        }
        if self.state.get_untracked().is_connected() {
            self.state.set(PortState::Disconnected);
        }
    }

    /// Sets DTR or RTS on a serial port (one signal per call; Chrome 139 stopped combining
    /// them). Some modules reset or wake on DTR; RTS matters with hardware flow control.
    pub async fn set_signal(&self, signal: Signal, on: bool) -> Result<(), String> {
        let guard = self.port.lock().await;
        let Some(Logged {
            inner: Link::Serial(serial),
            ..
        }) = guard.as_ref()
        else {
            return Err("DTR and RTS need a connected serial port".into());
        };
        let result = match signal {
            Signal::Dtr => serial.set_dtr(on).await,
            Signal::Rts => serial.set_rts(on).await,
        };
        drop(guard);
        let name = match signal {
            Signal::Dtr => "DTR",
            Signal::Rts => "RTS",
        };
        match result {
            Ok(()) => {
                self.note(format!("{name} {}", if on { "on" } else { "off" }));
                Ok(())
            }
            Err(error) => Err(format!("could not set {name}: {error}")),
        }
    }

    /// Sends raw bytes typed in the console.
    pub async fn send(&self, bytes: &[u8]) -> Result<(), TransportError> {
        let mut guard = self.port.lock().await;
        let Some(port) = guard.as_mut() else {
            return Err(TransportError::Io {
                detail: "not connected".into(),
            });
        };
        let result = port.write(bytes).await;
        drop(guard);
        if let Err(error) = &result {
            self.lost(error);
        }
        result
    }

    fn lost(&self, error: &TransportError) {
        *self.generation.borrow_mut() += 1;
        self.identity.set(None);
        self.fail(error.to_string());
    }

    /// Reads whatever the module says while nothing else holds the port. It takes the port
    /// for short slices only, so a flow that wants it waits at most one slice.
    async fn pump(self, generation: u64) {
        const SLICE: Duration = Duration::from_millis(40);
        let mut buf = [0u8; 1024];
        while *self.generation.borrow() == generation {
            let outcome = {
                let mut guard = self.port.lock().await;
                // A flow has the port: wait for it to come back.
                let Some(port) = guard.as_mut() else {
                    drop(guard);
                    BrowserClock.sleep_until(BrowserClock.now() + SLICE).await;
                    continue;
                };
                let deadline = BrowserClock.now() + SLICE;
                let read = port.read(&mut buf).fuse();
                let timer = BrowserClock.sleep_until(deadline).fuse();
                futures::pin_mut!(read, timer);
                futures::select_biased! {
                    result = read => Some(result),
                    () = timer => None,
                }
            };
            match outcome {
                Some(Err(error)) if *self.generation.borrow() == generation => {
                    if let Some(Logged {
                        inner: Link::Serial(serial),
                        ..
                    }) = self.port.lock().await.take()
                    {
                        serial.close().await;
                    }
                    self.lost(&error);
                    return;
                }
                // Let a waiting flow or console write take the port between slices.
                _ => {
                    BrowserClock
                        .sleep_until(BrowserClock.now() + Duration::from_millis(1))
                        .await
                }
            }
        }
    }
}

impl Default for PortHub {
    fn default() -> Self {
        Self::new()
    }
}
