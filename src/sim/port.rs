//! The simulated serial line between a host and a module model: bytes paced at the baud
//! rate both ways, answer latency, and fault injection.

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::{Poll, Waker};
use core::time::Duration;
use std::collections::VecDeque;
use std::rc::Rc;

use super::clock::{RealTime, SimClock, VirtualClock, duration_ns};
use super::core::{Emit, Module, SimModule};
use crate::at::Instant;
use crate::session::{Clock, Transport, TransportError};

/// Serial line settings.
#[derive(Clone, Debug)]
pub struct LineConfig {
    /// Bits per second; each byte takes 10 bit times (8N1).
    pub baud: u32,
    /// From the last byte of a command (its terminator) to the first byte of the answer.
    pub latency: Duration,
}

impl Default for LineConfig {
    fn default() -> Self {
        Self {
            baud: 115_200,
            latency: Duration::from_millis(1),
        }
    }
}

impl LineConfig {
    /// One byte's time on the wire in nanoseconds, rounded to the nearest nanosecond
    /// (115200 baud: 86 806 ns).
    pub fn byte_time_ns(&self) -> u64 {
        let baud = u64::from(self.baud.max(1));
        (10_000_000_000 + baud / 2) / baud
    }

    /// The virtual time, in whole microseconds rounded up, at which the last byte of an
    /// exchange of `bytes` bytes (command plus answer, echo not counted: it overlaps the
    /// command) with one answer latency arrives. Exact when the latency is at least one
    /// byte time, so the echo has left the line before the answer starts.
    pub fn exchange_time(&self, bytes: u64) -> Duration {
        let ns = bytes * self.byte_time_ns() + duration_ns(self.latency);
        Duration::from_micros(ns.div_ceil(1000))
    }
}

/// Faults a port injects. Module-side faults (ERROR to a command, slow answers) are in
/// [`super::Faults`] on the module's configuration.
#[derive(Clone, Debug, Default)]
pub struct LineFaults {
    /// After this many host→module bytes, the link drops: the rest of that write and every
    /// later read/write fail with `Disconnected`.
    pub disconnect_after_host_bytes: Option<u64>,
    /// After this many module→host bytes have been read, the link drops.
    pub disconnect_after_module_bytes: Option<u64>,
    /// Bytes (noise, URCs) inserted into the module→host stream before the module byte at
    /// the given position (0 = before the first byte).
    pub inject: Vec<(u64, Vec<u8>)>,
    /// Largest number of bytes one read returns (1 splits at every boundary).
    pub max_read_chunk: Option<usize>,
}

fn ns_to_instant_ceil(ns: u64) -> Instant {
    Instant::from_micros(ns.div_ceil(1000))
}

struct Burst {
    start: u64,
    seq: u64,
    bytes: Vec<u8>,
}

/// Times inside are module time (ns): the port's clock plus `offset`.
struct PortState {
    module: Rc<RefCell<Module>>,
    link: u64,
    offset: u64,
    line: LineConfig,
    faults: LineFaults,
    host_free: u64,
    module_free: u64,
    bursts: Vec<Burst>,
    seq: u64,
    /// Materialized module→host bytes with the nanosecond their last bit arrives.
    rx: VecDeque<(u64, u8)>,
    module_bytes: u64,
    host_bytes: u64,
    delivered: u64,
    disconnected: Option<String>,
    /// A read waiting for anything to happen (real-time mode, or an idle virtual line).
    idle_reader: Option<Waker>,
}

impl PortState {
    fn check_link(&mut self) {
        if self.disconnected.is_none() && self.module.borrow().link() != self.link {
            self.disconnected = Some("the port was replaced by reconnect()".into());
        }
    }

    fn schedule(&mut self, trigger: u64, emits: Vec<Emit>) {
        let latency = duration_ns(self.line.latency);
        for e in emits {
            let start = if e.echo {
                trigger
            } else {
                trigger
                    .saturating_add(latency)
                    .saturating_add(duration_ns(e.delay))
            };
            self.seq += 1;
            let burst = Burst {
                start,
                seq: self.seq,
                bytes: e.bytes,
            };
            let pos = self
                .bursts
                .partition_point(|b| (b.start, b.seq) <= (burst.start, burst.seq));
            self.bursts.insert(pos, burst);
        }
    }

    fn fire_timers(&mut self, upto: u64) {
        loop {
            let fired = self.module.borrow_mut().fire_next(upto);
            match fired {
                Some((at, emits)) => self.schedule(at, emits),
                None => break,
            }
        }
    }

    /// Fixes the wire times of every burst that starts by `horizon`.
    fn materialize(&mut self, horizon: u64) {
        let bt = self.line.byte_time_ns();
        while self.bursts.first().is_some_and(|b| b.start <= horizon) {
            let burst = self.bursts.remove(0);
            for byte in burst.bytes {
                let mut injected = Vec::new();
                for (pos, bytes) in &self.faults.inject {
                    if *pos == self.module_bytes {
                        injected.extend_from_slice(bytes);
                    }
                }
                for b in injected.into_iter().chain(core::iter::once(byte)) {
                    let at = self.module_free.max(burst.start).saturating_add(bt);
                    self.module_free = at;
                    self.rx.push_back((at, b));
                }
                self.module_bytes += 1;
            }
        }
    }

    /// Module time at port-clock instant `now`.
    fn module_ns(&self, now: Instant) -> u64 {
        now.as_micros()
            .saturating_mul(1000)
            .saturating_add(self.offset)
    }

    /// The port-clock instant (rounded up) of module time `ns`.
    fn port_instant(&self, ns: u64) -> Instant {
        ns_to_instant_ceil(ns.saturating_sub(self.offset))
    }

    fn sync(&mut self, now: Instant) {
        self.check_link();
        if self.disconnected.is_some() {
            // A dead port sees nothing more: what the module says goes to the next port.
            return;
        }
        let now_ns = self.module_ns(now);
        self.fire_timers(now_ns);
        self.materialize(now_ns);
    }

    /// Bytes whose arrival is due by `now`, honouring the split and disconnect faults.
    fn take(&mut self, buf: &mut [u8], now: Instant) -> usize {
        let mut limit = buf.len();
        if let Some(chunk) = self.faults.max_read_chunk {
            limit = limit.min(chunk.max(1));
        }
        if let Some(n) = self.faults.disconnect_after_module_bytes {
            limit = limit.min(usize::try_from(n.saturating_sub(self.delivered)).unwrap_or(limit));
        }
        let mut n = 0;
        while n < limit {
            match self.rx.front() {
                Some(&(at, b)) if self.port_instant(at) <= now => {
                    if let Some(slot) = buf.get_mut(n) {
                        *slot = b;
                    }
                    self.rx.pop_front();
                    n += 1;
                }
                _ => break,
            }
        }
        self.delivered += n as u64;
        n
    }

    fn link_error(&mut self) -> Option<TransportError> {
        if let Some(n) = self.faults.disconnect_after_module_bytes
            && self.delivered >= n
            && self.disconnected.is_none()
        {
            self.disconnected = Some(format!("simulated disconnect after {n} module bytes"));
        }
        self.disconnected
            .as_ref()
            .map(|detail| TransportError::Disconnected {
                detail: detail.clone(),
            })
    }

    /// The next instant anything can happen on the module→host side: a byte's arrival or a
    /// module timer.
    fn next_event(&self) -> Option<Instant> {
        let bt = self.line.byte_time_ns();
        let byte = self.rx.front().map(|&(at, _)| at).or_else(|| {
            self.bursts
                .first()
                .map(|b| self.module_free.max(b.start).saturating_add(bt))
        });
        let timer = self.module.borrow().next_timer();
        let t = match (byte, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        t.map(|ns| self.port_instant(ns))
    }

    fn write(&mut self, now: Instant, bytes: &[u8]) -> Result<(), TransportError> {
        self.sync(now);
        if let Some(e) = self.link_error() {
            return Err(e);
        }
        let bt = self.line.byte_time_ns();
        let now_ns = self.module_ns(now);
        for &b in bytes {
            if let Some(n) = self.faults.disconnect_after_host_bytes
                && self.host_bytes >= n
            {
                self.disconnected = Some(format!("simulated disconnect after {n} host bytes"));
                break;
            }
            let arrival = self.host_free.max(now_ns).saturating_add(bt);
            self.host_free = arrival;
            self.host_bytes += 1;
            self.fire_timers(arrival);
            let emits = self.module.borrow_mut().feed(b, arrival);
            self.schedule(arrival, emits);
            if self.faults.disconnect_after_host_bytes == Some(self.host_bytes) {
                // The host never sees the answer to its last byte.
                self.disconnected = Some(format!(
                    "simulated disconnect after {} host bytes",
                    self.host_bytes
                ));
                break;
            }
        }
        if let Some(w) = self.idle_reader.take() {
            w.wake();
        }
        match self.link_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// A host's serial port onto a simulated module. Implements [`Transport`].
///
/// With a [`super::VirtualClock`], reads move virtual time to the next byte's arrival, or
/// stop short when a racing `sleep_until(deadline)` comes first; nothing sleeps for real.
/// With [`super::RealTime`], reads sleep on the wrapped clock until bytes are due.
pub struct SimPort<C: SimClock> {
    clock: C,
    state: Rc<RefCell<PortState>>,
}

impl<C: SimClock> SimPort<C> {
    pub(crate) fn open(
        module: Rc<RefCell<Module>>,
        clock: C,
        line: LineConfig,
        faults: LineFaults,
    ) -> Self {
        let port_ns = clock.now().as_micros().saturating_mul(1000);
        let (link, offset) = module.borrow_mut().new_link(port_ns);
        let now_ns = port_ns.saturating_add(offset);
        let state = PortState {
            module,
            link,
            offset,
            line,
            faults,
            host_free: now_ns,
            module_free: now_ns,
            bursts: Vec::new(),
            seq: 0,
            rx: VecDeque::new(),
            module_bytes: 0,
            host_bytes: 0,
            delivered: 0,
            disconnected: None,
            idle_reader: None,
        };
        Self {
            clock,
            state: Rc::new(RefCell::new(state)),
        }
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Host→module bytes written so far.
    pub fn host_bytes(&self) -> u64 {
        self.state.borrow().host_bytes
    }

    /// Module→host bytes read so far.
    pub fn delivered_bytes(&self) -> u64 {
        self.state.borrow().delivered
    }

    /// Module bytes (and injected bytes) already due or scheduled but not yet read.
    pub fn pending_bytes(&self) -> usize {
        let s = self.state.borrow();
        s.rx.len() + s.bursts.iter().map(|b| b.bytes.len()).sum::<usize>()
    }
}

impl<C: SimClock> Transport for SimPort<C> {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let now = self.clock.now();
        self.state.borrow_mut().write(now, bytes)
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.clock.as_virtual() {
            Some(vclock) => {
                let vclock = vclock.clone();
                let mut armed: Option<u64> = None;
                poll_fn(|cx| {
                    loop {
                        let now = vclock.now();
                        let mut st = self.state.borrow_mut();
                        st.sync(now);
                        let n = st.take(buf, now);
                        if n > 0 {
                            return Poll::Ready(Ok(n));
                        }
                        if let Some(e) = st.link_error() {
                            return Poll::Ready(Err(e));
                        }
                        let Some(next) = st.next_event() else {
                            st.idle_reader = Some(cx.waker().clone());
                            return Poll::Pending;
                        };
                        drop(st);
                        let generation = vclock.generation();
                        if armed == Some(generation) {
                            // Nobody raced us with a sleep: move time ourselves (at least
                            // one microsecond, so the loop always makes progress).
                            let floor = Instant::from_micros(now.as_micros().saturating_add(1));
                            vclock.advance_to(next.max(floor));
                            continue;
                        }
                        armed = Some(generation);
                        vclock.want(next, cx.waker());
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                })
                .await
            }
            None => loop {
                let next = {
                    let now = self.clock.now();
                    let mut st = self.state.borrow_mut();
                    st.sync(now);
                    let n = st.take(buf, now);
                    if n > 0 {
                        return Ok(n);
                    }
                    if let Some(e) = st.link_error() {
                        return Err(e);
                    }
                    st.next_event()
                };
                match next {
                    Some(at) => self.clock.sleep_until(at).await,
                    None => {
                        let mut first = true;
                        poll_fn(|cx| {
                            if first {
                                first = false;
                                self.state.borrow_mut().idle_reader = Some(cx.waker().clone());
                                Poll::Pending
                            } else {
                                Poll::Ready(())
                            }
                        })
                        .await
                    }
                }
            },
        }
    }
}

/// Opening ports onto a module lives here, beside the port, so the module model (`core.rs`)
/// does not import the port that imports it.
impl SimModule {
    /// Opens a port on a virtual clock. Opening a new port (or [`Self::reconnect`])
    /// disconnects the previous one; the module keeps its storage.
    pub fn port(&self, clock: VirtualClock, line: LineConfig) -> SimPort<VirtualClock> {
        self.port_with_faults(clock, line, LineFaults::default())
    }

    pub fn port_with_faults<C: SimClock>(
        &self,
        clock: C,
        line: LineConfig,
        faults: LineFaults,
    ) -> SimPort<C> {
        SimPort::open(self.inner.clone(), clock, line, faults)
    }

    /// A port paced by a real clock (the page's demo mode).
    pub fn port_realtime<C: Clock>(&self, clock: C, line: LineConfig) -> SimPort<RealTime<C>> {
        SimPort::open(
            self.inner.clone(),
            RealTime(clock),
            line,
            LineFaults::default(),
        )
    }

    /// A fresh port to the same module, as after unplugging and plugging the cable back
    /// (or a page reload): the module keeps everything, including a data phase still
    /// waiting for bytes, open sessions and echo. The module's time goes on from where it
    /// was even when `clock` is a new virtual clock starting at zero.
    pub fn reconnect(&self, clock: VirtualClock, line: LineConfig) -> SimPort<VirtualClock> {
        self.port(clock, line)
    }
}
