//! Test doubles for the session: a virtual clock and a scripted module that answers writes
//! after virtual delays. Deterministic and instant; no threads, no real time.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use atcert::at::Instant;
use atcert::session::{Clock, Transport, TransportError};

/// Virtual time shared by the clock and the transport. A sleep that would pass the
/// arrival of pending bytes stops there and wakes the read, so bytes that arrive before a
/// deadline win the race (the runner polls the read first).
#[derive(Default)]
pub struct World {
    now: Cell<u64>,
    next_arrival: Cell<Option<u64>>,
    read_waker: RefCell<Option<Waker>>,
}

#[derive(Clone, Default)]
pub struct VirtualClock {
    world: Rc<World>,
}

impl VirtualClock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn micros(&self) -> u64 {
        self.world.now.get()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        Instant::from_micros(self.world.now.get())
    }

    async fn sleep_until(&self, deadline: Instant) {
        Sleep {
            world: self.world.clone(),
            deadline: deadline.as_micros(),
        }
        .await
    }
}

struct Sleep {
    world: Rc<World>,
    deadline: u64,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let w = &self.world;
        if w.now.get() >= self.deadline {
            return Poll::Ready(());
        }
        match w.next_arrival.get() {
            Some(at) if at <= self.deadline => {
                w.now.set(w.now.get().max(at));
                if let Some(waker) = w.read_waker.borrow_mut().take() {
                    waker.wake();
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            _ => {
                w.now.set(self.deadline);
                Poll::Ready(())
            }
        }
    }
}

type Responder = Box<dyn FnMut(&[u8]) -> Vec<(u64, Vec<u8>)>>;

/// A module played by a closure: each write returns `(delay in ms, bytes)` replies.
pub struct ScriptedModule {
    world: Rc<World>,
    pending: VecDeque<(u64, Vec<u8>)>,
    responder: Responder,
    pub written: Rc<RefCell<Vec<u8>>>,
    pub writes: Rc<RefCell<Vec<Vec<u8>>>>,
    /// Fail every read after this many bytes have been read.
    pub disconnect_after: Option<usize>,
    read_total: usize,
}

impl ScriptedModule {
    pub fn new(
        clock: &VirtualClock,
        responder: impl FnMut(&[u8]) -> Vec<(u64, Vec<u8>)> + 'static,
    ) -> Self {
        Self {
            world: clock.world.clone(),
            pending: VecDeque::new(),
            responder: Box::new(responder),
            written: Rc::default(),
            writes: Rc::default(),
            disconnect_after: None,
            read_total: 0,
        }
    }

    /// Bytes the module sends `delay_ms` from now without being asked.
    pub fn push(&mut self, delay_ms: u64, bytes: &[u8]) {
        let at = self.world.now.get() + delay_ms * 1000;
        self.pending.push_back((at, bytes.to_vec()));
        self.update_arrival();
    }

    fn update_arrival(&self) {
        self.world
            .next_arrival
            .set(self.pending.iter().map(|(at, _)| *at).min());
    }
}

impl Transport for ScriptedModule {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.written.borrow_mut().extend_from_slice(bytes);
        self.writes.borrow_mut().push(bytes.to_vec());
        for (delay, reply) in (self.responder)(bytes) {
            self.push(delay, &reply);
        }
        Ok(())
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        ReadFut { module: self, buf }.await
    }
}

struct ReadFut<'a> {
    module: &'a mut ScriptedModule,
    buf: &'a mut [u8],
}

impl Future for ReadFut<'_> {
    type Output = Result<usize, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let m = &mut *this.module;
        if let Some(limit) = m.disconnect_after
            && m.read_total >= limit
        {
            return Poll::Ready(Err(TransportError::Disconnected {
                detail: "cable pulled (test)".into(),
            }));
        }
        let now = m.world.now.get();
        let ready = m.pending.iter().position(|(at, _)| *at <= now);
        let Some(i) = ready else {
            *m.world.read_waker.borrow_mut() = Some(cx.waker().clone());
            return Poll::Pending;
        };
        let (at, mut bytes) = m.pending.remove(i).unwrap();
        let mut n = bytes.len().min(this.buf.len());
        if let Some(limit) = m.disconnect_after {
            n = n.min(limit - m.read_total);
        }
        this.buf[..n].copy_from_slice(&bytes[..n]);
        if n < bytes.len() {
            let rest = bytes.split_off(n);
            m.pending.insert(i, (at, rest));
        }
        m.read_total += n;
        m.update_arrival();
        Poll::Ready(Ok(n))
    }
}

/// A responder that answers each line written with a fixed reply after `delay_ms`, in
/// order, and ignores data-phase writes that have no entry.
pub fn replies(
    script: Vec<(&'static [u8], u64, &'static [u8])>,
) -> impl FnMut(&[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut script: VecDeque<_> = script.into();
    move |written: &[u8]| {
        let Some((expect, delay, reply)) = script.front() else {
            return Vec::new();
        };
        if written.starts_with(expect) || (expect.is_empty()) {
            let out = vec![(*delay, reply.to_vec())];
            script.pop_front();
            out
        } else {
            Vec::new()
        }
    }
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
pub mod fixture;
