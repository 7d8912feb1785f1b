//! A simulated module on a real pseudo-terminal: `atcert simulate --pty`. Whatever opens
//! the pty's device path (atcert, a terminal program, the user's own tooling) talks to the
//! module through the OS's tty layer, exactly as to a USB serial port.
//!
//! The server keeps the device side open itself, so the path stays valid between clients,
//! and paces the module's answers at the configured baud rate on a real clock.

use core::future::poll_fn;
use core::pin::pin;
use core::task::{Poll, Waker};
use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::{Either, select};

use super::NativeClock;
use crate::session::{Transport, TransportError};
use crate::sim::{LineConfig, LineFaults, RealTime, SimModule};

/// An open pseudo-terminal pair.
pub struct Pty {
    master: File,
    /// The device side, held open so the path stays valid while no client has it.
    _device: OwnedFd,
    path: String,
}

impl Pty {
    /// Opens a new pty in raw mode (no echo, no line editing: a serial line).
    pub fn open() -> std::io::Result<Self> {
        use rustix::fs::{Mode, OFlags};
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        use rustix::termios::{OptionalActions, tcgetattr, tcsetattr};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
        grantpt(&master)?;
        unlockpt(&master)?;
        let name = ptsname(&master, Vec::new())?;
        let path = name.to_string_lossy().into_owned();
        let device = rustix::fs::open(
            name.as_c_str(),
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut termios = tcgetattr(&device)?;
        termios.make_raw();
        tcsetattr(&device, OptionalActions::Now, &termios)?;
        Ok(Self {
            master: File::from(master),
            _device: device,
            path,
        })
    }

    /// The device path clients open (`/dev/pts/7`).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Why serving stopped.
#[derive(Debug)]
pub enum Ended {
    /// The simulated line dropped (a `disconnect-at` fault): the pty is closed, as when a
    /// cable is pulled.
    Disconnected(String),
}

#[derive(Default)]
struct Inbox {
    bytes: VecDeque<u8>,
    error: Option<String>,
    waker: Option<Waker>,
}

fn lock(inbox: &Mutex<Inbox>) -> std::sync::MutexGuard<'_, Inbox> {
    inbox.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves `module` on `pty` at `line.baud` until the simulated line drops (or the process
/// is stopped).
/// `on_store` gets the module's storage each time it changes.
pub fn serve(
    pty: Pty,
    module: &SimModule,
    line: LineConfig,
    faults: LineFaults,
    mut on_store: impl FnMut(&BTreeMap<String, Vec<u8>>),
) -> std::io::Result<Ended> {
    let Pty {
        mut master,
        _device: device,
        ..
    } = pty;
    // The line starts at the module's rate, so a client that sets none (a plain open)
    // talks at it. A client that sets another rate is not understood, as on a real line:
    // what it sends is dropped (a UART at the wrong rate sees only framing errors).
    let mut termios = rustix::termios::tcgetattr(&device)?;
    termios.set_speed(line.baud)?;
    rustix::termios::tcsetattr(&device, rustix::termios::OptionalActions::Now, &termios)?;
    let baud = line.baud;
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let mut reader = master.try_clone()?;
    let for_thread = inbox.clone();
    std::thread::Builder::new()
        .name("pty reader".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let result = reader.read(&mut buf);
                let mut inbox = lock(&for_thread);
                match result {
                    Ok(0) => inbox.error = Some("the pty closed".into()),
                    Ok(n) => inbox
                        .bytes
                        .extend(buf.get(..n).unwrap_or_default().iter().copied()),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => inbox.error = Some(e.to_string()),
                }
                let failed = inbox.error.is_some();
                if let Some(w) = inbox.waker.take() {
                    w.wake();
                }
                if failed {
                    return;
                }
            }
        })?;
    let mut port = module.port_with_faults(RealTime(NativeClock::new()), line, faults);
    let mut stored = module.storage();
    on_store(&stored);
    let mut buf = vec![0u8; 4096];
    futures::executor::block_on(async {
        loop {
            let event = {
                let host = pin!(poll_fn(|cx| {
                    let mut inbox = lock(&inbox);
                    if !inbox.bytes.is_empty() {
                        return Poll::Ready(Ok(inbox.bytes.drain(..).collect::<Vec<u8>>()));
                    }
                    if let Some(e) = &inbox.error {
                        return Poll::Ready(Err(e.clone()));
                    }
                    inbox.waker = Some(cx.waker().clone());
                    Poll::Pending
                }));
                let answer = pin!(port.read(&mut buf));
                match select(host, answer).await {
                    Either::Left((host, _)) => Either::Left(host),
                    Either::Right((answer, _)) => Either::Right(answer),
                }
            };
            match event {
                Either::Left(Ok(bytes)) => {
                    let speed = rustix::termios::tcgetattr(&device).map(|t| t.output_speed());
                    if speed.is_ok_and(|s| s != baud) {
                        continue;
                    }
                    if let Err(e) = port.write(&bytes).await {
                        return Ok(ended(e));
                    }
                    let now = module.storage();
                    if now != stored {
                        stored = now;
                        on_store(&stored);
                    }
                }
                Either::Left(Err(e)) => return Err(std::io::Error::other(e)),
                Either::Right(Ok(n)) => {
                    master.write_all(buf.get(..n).unwrap_or_default())?;
                }
                Either::Right(Err(e)) => return Ok(ended(e)),
            }
        }
    })
}

fn ended(e: TransportError) -> Ended {
    Ended::Disconnected(match e {
        TransportError::Disconnected { detail }
        | TransportError::Busy { detail }
        | TransportError::Io { detail } => detail,
    })
}
