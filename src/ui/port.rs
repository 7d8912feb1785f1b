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
use crate::session::{Clock, Transport, TransportError};
use crate::web::{BrowserClock, SerialSettings, WebSerial};

/// Which way bytes went, or a note from atcert itself.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Direction {
    Rx,
    Tx,
    Note,
}

/// One entry of the console log.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LogEntry {
    pub id: u64,
    pub at: Instant,
    pub direction: Direction,
    pub bytes: Vec<u8>,
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
    /// The port went away or failed; the message says what to do.
    Failed {
        message: String,
    },
}

impl PortState {
    pub fn is_connected(&self) -> bool {
        matches!(self, Self::Connected { .. })
    }

    pub fn label(&self) -> String {
        match self {
            Self::Disconnected => "Port: not connected".into(),
            Self::Choosing => "Port: choosing…".into(),
            Self::Opening => "Port: opening…".into(),
            Self::Connected { port, settings } => format!("Port: {port}, {settings}"),
            Self::Failed { .. } => "Port: not connected".into(),
        }
    }

    pub fn data_state(&self) -> &'static str {
        match self {
            Self::Connected { .. } => "connected",
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
    fn record(&self, direction: Direction, bytes: &[u8]) {
        record(self.log, &self.next_id, direction, bytes.to_vec());
    }
}

fn record(
    log: RwSignal<Vec<LogEntry>, LocalStorage>,
    next_id: &Rc<RefCell<u64>>,
    direction: Direction,
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
            && last.direction == direction
            && direction != Direction::Note
            && !last.bytes.ends_with(b"\n")
        {
            last.bytes.extend_from_slice(&bytes);
            return;
        }
        entries.push(LogEntry {
            id,
            at,
            direction,
            bytes,
        });
    });
}

impl<T: Transport> Transport for Logged<T> {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let result = self.inner.write(bytes).await;
        if result.is_ok() {
            self.record(Direction::Tx, bytes);
        }
        result
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        let n = self.inner.read(buf).await?;
        self.record(Direction::Rx, &buf[..n]);
        Ok(n)
    }
}

/// The page's one connection. Cloning shares it.
#[derive(Clone)]
pub struct PortHub {
    port: Rc<Mutex<Option<Logged<WebSerial>>>>,
    pub state: RwSignal<PortState, LocalStorage>,
    pub log: RwSignal<Vec<LogEntry>, LocalStorage>,
    next_id: Rc<RefCell<u64>>,
    /// Bumped on every (re)connect so an old pump stops.
    generation: Rc<RefCell<u64>>,
}

/// The log as a transcript (atcert's own notes left out): what Export downloads.
pub fn transcript_of(entries: &[LogEntry]) -> crate::session::transcript::Transcript {
    use crate::session::transcript::{Direction as Way, Transcript};
    let mut transcript = Transcript::default();
    for entry in entries {
        let way = match entry.direction {
            Direction::Rx => Way::Rx,
            Direction::Tx => Way::Tx,
            Direction::Note => continue,
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
            next_id: Rc::new(RefCell::new(0)),
            generation: Rc::new(RefCell::new(0)),
        }
    }

    pub fn note(&self, text: impl Into<String>) {
        record(
            self.log,
            &self.next_id,
            Direction::Note,
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
                let logged = Logged {
                    inner: serial,
                    log: self.log,
                    next_id: self.next_id.clone(),
                };
                *self.port.lock().await = Some(logged);
                let generation = {
                    let mut g = self.generation.borrow_mut();
                    *g += 1;
                    *g
                };
                self.note(format!(
                    "Connected to {description} at {}",
                    settings.summary()
                ));
                self.state.set(PortState::Connected {
                    port: description,
                    settings: settings.summary(),
                });
                wasm_bindgen_futures::spawn_local(self.clone().pump(generation));
            }
            Err(error) => self.fail(error.to_string()),
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
            logged.inner.close().await;
            self.note("Disconnected");
        }
        if self.state.get_untracked().is_connected() {
            self.state.set(PortState::Disconnected);
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
                let Some(port) = guard.as_mut() else { return };
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
                    self.lost(&error);
                    let _ = self.port.lock().await.take();
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
