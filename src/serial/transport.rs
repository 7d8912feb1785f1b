//! [`SerialTransport`]: an OS serial port as a [`Transport`], on the `serialport` crate.
//!
//! A reader thread does the blocking reads and leaves the bytes in a shared queue; the
//! async `read` only takes from that queue, so dropping a read (the runner races it against
//! its deadline) never loses a byte. Writes block the calling thread, which is the module's
//! own: every module runs on a thread of its own.

use core::future::poll_fn;
use core::task::{Poll, Waker};
use core::time::Duration;
use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::session::Transport;
use crate::session::{CancelToken, TransportError};

/// Parity as firmware people name it.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    #[default]
    None,
    Even,
    Odd,
}

/// How to open a port: the page's settings (baud, data bits, parity, stop bits, RTS/CTS),
/// plus the DTR and RTS levels to set after opening (`None` leaves what the OS set).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LineSettings {
    pub baud: u32,
    pub data_bits: u8,
    pub parity: Parity,
    pub stop_bits: u8,
    pub rts_cts: bool,
    pub dtr: Option<bool>,
    pub rts: Option<bool>,
}

impl Default for LineSettings {
    fn default() -> Self {
        Self {
            baud: 115_200,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            rts_cts: false,
            dtr: None,
            rts: None,
        }
    }
}

impl LineSettings {
    /// "115200 8N1", as firmware people write it.
    pub fn summary(&self) -> String {
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        };
        let flow = if self.rts_cts { ", RTS/CTS" } else { "" };
        format!(
            "{} {}{}{}{flow}",
            self.baud, self.data_bits, parity, self.stop_bits
        )
    }

    fn builder(&self, path: &str) -> Result<serialport::SerialPortBuilder, String> {
        use serialport::{DataBits, FlowControl, StopBits};
        let data_bits = match self.data_bits {
            5 => DataBits::Five,
            6 => DataBits::Six,
            7 => DataBits::Seven,
            8 => DataBits::Eight,
            n => return Err(format!("{n} data bits: use 5, 6, 7 or 8")),
        };
        let stop_bits = match self.stop_bits {
            1 => StopBits::One,
            2 => StopBits::Two,
            n => return Err(format!("{n} stop bits: use 1 or 2")),
        };
        let parity = match self.parity {
            Parity::None => serialport::Parity::None,
            Parity::Even => serialport::Parity::Even,
            Parity::Odd => serialport::Parity::Odd,
        };
        let flow = if self.rts_cts {
            FlowControl::Hardware
        } else {
            FlowControl::None
        };
        Ok(serialport::new(path, self.baud)
            .data_bits(data_bits)
            .stop_bits(stop_bits)
            .parity(parity)
            .flow_control(flow)
            .timeout(WRITE_TIMEOUT))
    }
}

/// A write that the port does not take within this long has stalled (CTS held low, a
/// wedged driver).
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the reader thread looks up from a quiet line to see whether it should stop.
const READER_TICK: Duration = Duration::from_millis(20);

/// Why a port could not be opened, with what to do about it.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum OpenError {
    #[error(
        "{path}: no such port. Check the path (`atcert ports` lists them), the USB cable (some \
         are charge-only) and that the module is powered"
    )]
    Missing { path: String },
    #[error(
        "{path} is busy: another program holds it ({detail}). Close it there (a terminal such \
         as minicom or screen, ModemManager, another atcert); on Linux `fuser -v {path}` shows \
         which process"
    )]
    Busy { path: String, detail: String },
    #[error(
        "{path}: permission denied ({detail}). On Linux add yourself to the group that owns \
         the port, usually dialout (`sudo usermod -aG dialout $USER`, then log in again)"
    )]
    Denied { path: String, detail: String },
    #[error("{path}: cannot open the port: {detail}")]
    Other { path: String, detail: String },
}

impl OpenError {
    fn classify(path: &str, e: &serialport::Error) -> Self {
        use serialport::ErrorKind as K;
        let path = path.to_owned();
        let detail = e.description.clone();
        match e.kind {
            K::Io(std::io::ErrorKind::NotFound) => Self::Missing { path },
            K::Io(std::io::ErrorKind::PermissionDenied) => Self::Denied { path, detail },
            // serialport reports both a TIOCEXCL refusal (EBUSY) and a held flock as
            // NoDevice; on Windows an open port is "access denied", also NoDevice.
            K::NoDevice if !cfg!(unix) || std::path::Path::new(&path).exists() => {
                Self::Busy { path, detail }
            }
            K::NoDevice => Self::Missing { path },
            _ => Self::Other { path, detail },
        }
    }
}

fn disconnected(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    // EIO: a USB adapter that went away, or a pty whose other side closed; ENXIO, ENODEV:
    // the device node no longer has a device behind it.
    matches!(
        e.kind(),
        K::BrokenPipe | K::UnexpectedEof | K::NotConnected | K::ConnectionReset
    ) || matches!(e.raw_os_error(), Some(5 | 6 | 19))
}

fn transport_error(e: &std::io::Error) -> TransportError {
    if disconnected(e) {
        TransportError::Disconnected {
            detail: e.to_string(),
        }
    } else {
        TransportError::Io {
            detail: e.to_string(),
        }
    }
}

#[derive(Default)]
struct Inbox {
    bytes: VecDeque<u8>,
    error: Option<TransportError>,
    waker: Option<Waker>,
}

struct Shared {
    inbox: Mutex<Inbox>,
    /// Set when the transport is dropped: the reader thread ends.
    closed: AtomicBool,
    /// Set by Ctrl+C (or whoever holds the [`StopSignal`]).
    stop: StopSignal,
}

impl Shared {
    fn inbox(&self) -> std::sync::MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Shared by every port of one run: once raised, each running flow stops at its next
/// read or data chunk, as if its Cancel button had been pressed.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// An open serial port. Implements [`Transport`].
pub struct SerialTransport {
    path: String,
    /// Joined on drop: the reader's copy of the port must be closed before anyone (a baud
    /// scan's next attempt) opens it again, or the exclusive lock would still be held.
    reader: Option<std::thread::JoinHandle<()>>,
    port: Box<dyn serialport::SerialPort>,
    shared: Arc<Shared>,
    cancel: Option<CancelToken>,
    written: Arc<AtomicU64>,
    settings: LineSettings,
}

impl SerialTransport {
    /// Opens `path` exclusively (TIOCEXCL and an flock on Unix, so a second atcert, or any
    /// program that honours either, is refused) and starts its reader thread.
    pub fn open(path: &str, settings: &LineSettings, stop: StopSignal) -> Result<Self, OpenError> {
        let builder = settings.builder(path).map_err(|detail| OpenError::Other {
            path: path.to_owned(),
            detail,
        })?;
        let mut port = builder.open().map_err(|e| OpenError::classify(path, &e))?;
        let other = |detail: String| OpenError::Other {
            path: path.to_owned(),
            detail,
        };
        if let Some(level) = settings.dtr {
            port.write_data_terminal_ready(level)
                .map_err(|e| other(format!("cannot set DTR: {e}")))?;
        }
        if let Some(level) = settings.rts {
            port.write_request_to_send(level)
                .map_err(|e| other(format!("cannot set RTS: {e}")))?;
        }
        // Whatever the module said before we opened is stale.
        let _ = port.clear(serialport::ClearBuffer::Input);
        let mut reader = port
            .try_clone()
            .map_err(|e| other(format!("cannot start reading: {e}")))?;
        reader
            .set_timeout(READER_TICK)
            .map_err(|e| other(e.to_string()))?;
        let shared = Arc::new(Shared {
            inbox: Mutex::new(Inbox::default()),
            closed: AtomicBool::new(false),
            stop,
        });
        let for_thread = shared.clone();
        let reader = std::thread::Builder::new()
            .name(format!("read {path}"))
            .spawn(move || read_loop(reader.as_mut(), &for_thread))
            .map_err(|e| other(format!("cannot start the reader thread: {e}")))?;
        Ok(Self {
            path: path.to_owned(),
            reader: Some(reader),
            port,
            shared,
            cancel: None,
            written: Arc::new(AtomicU64::new(0)),
            settings: settings.clone(),
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn settings(&self) -> &LineSettings {
        &self.settings
    }

    /// The session's cancel token: a raised [`StopSignal`] cancels it.
    pub fn set_cancel(&mut self, token: CancelToken) {
        self.cancel = Some(token);
    }

    /// Bytes written so far, readable from another thread (progress lines).
    pub fn written_counter(&self) -> Arc<AtomicU64> {
        self.written.clone()
    }

    /// Drops stale input: what the OS buffered, and what arrives until the line has been
    /// quiet for `quiet`. Returns the bytes dropped.
    pub fn drain(&mut self, quiet: Duration) -> Vec<u8> {
        let _ = self.port.clear(serialport::ClearBuffer::Input);
        let mut dropped = Vec::new();
        let limit = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            std::thread::sleep(quiet);
            let got: Vec<u8> = self.shared.inbox().bytes.drain(..).collect();
            if got.is_empty() || std::time::Instant::now() >= limit {
                dropped.extend(got);
                return dropped;
            }
            dropped.extend(got);
        }
    }

    /// Sets DTR (some modules reset or wake on it).
    pub fn set_dtr(&mut self, level: bool) -> Result<(), TransportError> {
        self.port
            .write_data_terminal_ready(level)
            .map_err(|e| TransportError::Io {
                detail: format!("cannot set DTR: {e}"),
            })
    }

    /// Sets RTS (it matters with hardware flow control).
    pub fn set_rts(&mut self, level: bool) -> Result<(), TransportError> {
        self.port
            .write_request_to_send(level)
            .map_err(|e| TransportError::Io {
                detail: format!("cannot set RTS: {e}"),
            })
    }

    /// On a raised stop signal, cancels the session (the runner then stops cleanly).
    /// `true` when stopped and nobody can be told.
    fn check_stop(&self) -> bool {
        if !self.shared.stop.is_raised() {
            return false;
        }
        match &self.cancel {
            Some(token) => {
                if !token.is_cancelled() {
                    token.cancel();
                }
                false
            }
            None => true,
        }
    }
}

fn read_loop(reader: &mut dyn serialport::SerialPort, shared: &Shared) {
    let mut buf = [0u8; 4096];
    loop {
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let result = reader.read(&mut buf);
        let mut inbox = shared.inbox();
        match result {
            Ok(0) => {
                inbox.error = Some(TransportError::Disconnected {
                    detail: "the port reported end of file".into(),
                });
            }
            Ok(n) => inbox
                .bytes
                .extend(buf.get(..n).unwrap_or_default().iter().copied()),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                if !shared.stop.is_raised() {
                    continue;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => inbox.error = Some(transport_error(&e)),
        }
        let failed = inbox.error.is_some();
        if let Some(w) = inbox.waker.take() {
            w.wake();
        }
        drop(inbox);
        if failed {
            return;
        }
    }
}

impl Drop for SerialTransport {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        // The reader looks up at least every READER_TICK.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Transport for SerialTransport {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        if self.check_stop() {
            return Err(TransportError::Io {
                detail: "stopped (Ctrl+C)".into(),
            });
        }
        if let Some(e) = self.shared.inbox().error.clone() {
            return Err(e);
        }
        self.port.write_all(bytes).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut => TransportError::Io {
                detail: format!(
                    "the port took no data for {} s (hardware flow control with CTS low?)",
                    WRITE_TIMEOUT.as_secs()
                ),
            },
            _ => transport_error(&e),
        })?;
        self.written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            if self.check_stop() {
                return Poll::Ready(Err(TransportError::Io {
                    detail: "stopped (Ctrl+C)".into(),
                }));
            }
            let mut inbox = self.shared.inbox();
            if !inbox.bytes.is_empty() {
                let n = buf.len().min(inbox.bytes.len());
                for (slot, b) in buf.iter_mut().zip(inbox.bytes.drain(..n)) {
                    *slot = b;
                }
                return Poll::Ready(Ok(n));
            }
            if let Some(e) = &inbox.error {
                return Poll::Ready(Err(e.clone()));
            }
            inbox.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}
