//! The machinery every simulated module shares: the line parser with echo and data phases,
//! timers, the module clock, and the handle that opens ports onto a module.

use core::cell::RefCell;
use core::time::Duration;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::clock::duration_ns;
use super::server::Server;
use crate::modules::Family;

/// Bytes a module sends in answer to one input byte or timer.
#[derive(Debug)]
pub(crate) struct Emit {
    /// Echo goes out at once; everything else after the line latency plus `delay`.
    pub echo: bool,
    pub delay: Duration,
    pub bytes: Vec<u8>,
}

/// How a data phase ends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DataEnd {
    /// Exactly this many bytes.
    Count(usize),
    /// Until Ctrl+Z (0x1A, not stored); ESC (0x1B) cancels.
    CtrlZ,
    /// Exactly this many bytes (0x1A among them is data), then a Ctrl+Z.
    CountCtrlZ(usize),
    /// CR-separated lines until one holding `-----END` (iChip's multi-line parameters).
    PemEnd,
    /// Online (data) mode: bytes are flushed after `idle` without input; `+++` escapes.
    Online { idle: Duration },
}

/// How a data phase ended.
#[derive(Debug)]
pub(crate) enum DataOutcome {
    Complete(Vec<u8>),
    Cancelled,
    TimedOut,
    /// The byte after the counted data was not the Ctrl+Z that should end it.
    Overrun,
    /// Online mode: bytes to forward now; the mode continues.
    Flush(Vec<u8>),
}

/// Work a module scheduled for later.
#[derive(Debug)]
pub(crate) enum Timer {
    /// Server bytes reach the module's buffer for connection `conn`; `closed` = the peer
    /// closed after them.
    Deliver {
        conn: u8,
        bytes: Vec<u8>,
        closed: bool,
    },
}

/// Largest data phase kept; a host that streams more is cut off there (the module would
/// overflow too).
const MAX_DATA: usize = 1 << 20;
/// Longest command line kept.
const MAX_LINE: usize = 4096;

/// Module-side faults.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Commands starting with one of these (case-insensitive) get the family's plain error.
    pub error_on_prefix: Vec<String>,
    /// Added to the latency of every answer.
    pub extra_latency: Duration,
    /// Added to the latency of commands starting with the prefix (case-insensitive).
    pub slow_prefix: Vec<(String, Duration)>,
    /// Stores something other than what was sent: one byte of every completed data phase
    /// of at least 64 bytes is changed before the module takes it (a base64 character of a
    /// PEM body, or the last byte of binary data), so it still parses.
    pub corrupt_data: bool,
}

/// The module's real-time clock: unset, or an epoch second at a simulation instant.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rtc {
    /// (Unix seconds, simulation ns when set).
    pub set: Option<(i64, u64)>,
    /// Seconds shown when never set (modules boot at a fixed date).
    pub boot_epoch: i64,
}

impl Rtc {
    pub fn epoch(&self, now_ns: u64) -> i64 {
        match self.set {
            Some((epoch, at)) => epoch.saturating_add(
                i64::try_from(now_ns.saturating_sub(at) / 1_000_000_000).unwrap_or(0),
            ),
            None => self
                .boot_epoch
                .saturating_add(i64::try_from(now_ns / 1_000_000_000).unwrap_or(0)),
        }
    }
}

/// What a family's handler may do: answer, start a data phase, schedule work.
pub(crate) struct Cx<'a> {
    pub now: u64,
    pub out: &'a mut Vec<Emit>,
    pub extra: Duration,
    pub echo: &'a mut bool,
    pub rtc: &'a mut Rtc,
    pub server: &'a Server,
    /// The module stores something other than it was sent ([`Faults::corrupt_data`]), for
    /// families whose credentials arrive inside the command line, not in a data phase.
    pub corrupt: bool,
    pub(crate) phase: &'a mut Option<(DataEnd, Vec<u8>)>,
    pub(crate) data_deadline: &'a mut Option<u64>,
    pub(crate) timers: &'a mut Vec<(u64, Timer)>,
}

impl Cx<'_> {
    pub fn answer(&mut self, bytes: impl Into<Vec<u8>>) {
        self.later(Duration::ZERO, bytes);
    }

    /// An answer (or URC) `delay` after the normal answer time.
    pub fn later(&mut self, delay: Duration, bytes: impl Into<Vec<u8>>) {
        self.out.push(Emit {
            echo: false,
            delay: delay + self.extra,
            bytes: bytes.into(),
        });
    }

    /// Starts collecting data; `timeout` counts from now.
    pub fn start_data(&mut self, end: DataEnd, initial: Vec<u8>, timeout: Option<Duration>) {
        *self.phase = Some((end, initial));
        *self.data_deadline = timeout.map(|t| self.now.saturating_add(duration_ns(t)));
    }

    /// Server bytes reach connection `conn` after `delay`.
    pub fn deliver(&mut self, delay: Duration, conn: u8, bytes: Vec<u8>, closed: bool) {
        let at = self.now.saturating_add(duration_ns(delay));
        self.timers.push((
            at,
            Timer::Deliver {
                conn,
                bytes,
                closed,
            },
        ));
    }

    /// Drops server bytes still on their way to connection `conn`: a family calls it when
    /// the connection closes (`AT+CIPSHUT`, `AT+CCHCLOSE`), so a later connection under
    /// the same number does not receive the old one's bytes or close.
    #[allow(dead_code)] // For the family simulators: SIM800 AT+CIPSHUT, SIM7600 AT+CCHCLOSE.
    pub fn cancel_deliveries(&mut self, conn: u8) {
        self.timers
            .retain(|(_, Timer::Deliver { conn: c, .. })| *c != conn);
    }

    pub fn epoch(&self) -> i64 {
        self.rtc.epoch(self.now)
    }

    /// Whether a data phase (or online mode) is running.
    pub fn in_data(&self) -> bool {
        self.phase.is_some()
    }

    /// Leaves a data phase from outside it (online mode ended by the peer).
    pub fn end_data(&mut self) {
        *self.phase = None;
        *self.data_deadline = None;
    }
}

/// One family's behaviour.
pub(crate) trait Personality {
    fn family(&self) -> Family;
    /// A complete command line, without its terminator.
    fn command(&mut self, cx: &mut Cx, line: &[u8]);
    /// The data phase a command started has ended.
    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome);
    /// Server bytes arrived on a connection.
    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool);
    /// Called on every byte of a command line before its terminator; a family whose data
    /// follows a header inside the line (iChip `AT+iSSND%:h,n:`) starts its phase here.
    fn inline_data(&mut self, _cx: &mut Cx, _partial: &[u8]) -> bool {
        false
    }
    /// A counted data phase timed out after `received` bytes: by default
    /// [`DataOutcome::TimedOut`]; a family that keeps what arrived (Quectel `AT+QFUPL`)
    /// takes the bytes.
    fn data_timed_out(&mut self, cx: &mut Cx, _received: Vec<u8>) {
        self.data(cx, DataOutcome::TimedOut);
    }
    /// The family's plain error answer (for the ERROR-by-prefix fault).
    fn plain_error(&self) -> Vec<u8>;
    /// Everything stored, by name: files, slots, parameters.
    fn storage(&self) -> BTreeMap<String, Vec<u8>>;
    /// Whether CR and LF inside double quotes are part of the line, not its end (nRF91's AT
    /// host: a `"` toggles the quoted state, quoted line ends are data).
    fn quote_aware(&self) -> bool {
        false
    }
    /// The longest command line the module keeps; later bytes are dropped.
    fn max_line(&self) -> usize {
        MAX_LINE
    }
    /// Whether a quote dropped from a full line is lost for the quoted state too.
    fn overflow_hangs(&self) -> bool {
        false
    }
    /// Drops open connections and volatile state when the module restarts
    /// ([`SimModule::power_cycle`]). A host that disconnects does not restart the module.
    fn link_reset(&mut self) {}
}

pub(crate) struct Module {
    personality: Box<dyn Personality>,
    echo: bool,
    line: Vec<u8>,
    phase: Option<(DataEnd, Vec<u8>)>,
    data_deadline: Option<u64>,
    timers: Vec<(u64, Timer)>,
    rtc: Rtc,
    server: Server,
    faults: Faults,
    link: u64,
    /// The latest module time seen (ns): module time never goes back, whatever clock the
    /// next port brings.
    last_ns: u64,
    /// Module time minus the current port's clock time (ns).
    offset_ns: u64,
    keep_partial_line: bool,
    /// Inside double quotes on the current line (quote-aware families only).
    in_quotes: bool,
    /// The last byte ended a command line with CR: an LF next is the rest of a CRLF line
    /// end, not data, even when the command started a data phase (hosts that end lines
    /// with CRLF send the LF before any prompt could come).
    after_cr: bool,
}

impl Module {
    pub fn link(&self) -> u64 {
        self.link
    }

    /// A new port opened at port-clock time `port_ns`. Only the wire changes: a module
    /// does not notice its host going away, so a half-received command line, a data phase
    /// waiting for bytes, timers, open sessions and echo all stay as they were. Returns the
    /// link number and the offset from the port's clock to module time.
    pub fn new_link(&mut self, port_ns: u64) -> (u64, u64) {
        self.link += 1;
        if !self.keep_partial_line {
            self.line.clear();
            self.in_quotes = false;
        }
        self.offset_ns = self.last_ns.saturating_sub(port_ns);
        (self.link, self.offset_ns)
    }

    /// What a restart loses: the line, any data phase, timers and the family's volatile
    /// state (sessions, sockets, services). Storage and settings saved to flash stay.
    fn restart(&mut self) {
        self.line.clear();
        self.in_quotes = false;
        self.phase = None;
        self.data_deadline = None;
        self.timers.clear();
        self.personality.link_reset();
    }

    fn with_cx<R>(
        &mut self,
        now: u64,
        extra: Duration,
        out: &mut Vec<Emit>,
        f: impl FnOnce(&mut dyn Personality, &mut Cx) -> R,
    ) -> R {
        let mut cx = Cx {
            now,
            out,
            extra,
            echo: &mut self.echo,
            rtc: &mut self.rtc,
            server: &self.server,
            corrupt: self.faults.corrupt_data,
            phase: &mut self.phase,
            data_deadline: &mut self.data_deadline,
            timers: &mut self.timers,
        };
        f(self.personality.as_mut(), &mut cx)
    }

    pub fn next_timer(&self) -> Option<u64> {
        let t = self.timers.iter().map(|(at, _)| *at).min();
        match (t, self.data_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires the earliest timer due by `upto`, returning its time and output.
    pub fn fire_next(&mut self, upto: u64) -> Option<(u64, Vec<Emit>)> {
        let next = self.next_timer().filter(|t| *t <= upto)?;
        self.last_ns = self.last_ns.max(next);
        let mut out = Vec::new();
        if self.data_deadline == Some(next) {
            self.data_deadline = None;
            if let Some((DataEnd::Online { .. }, data)) = &mut self.phase {
                let bytes = core::mem::take(data);
                self.with_cx(next, Duration::ZERO, &mut out, |p, cx| {
                    p.data(cx, DataOutcome::Flush(bytes))
                });
                for e in &mut out {
                    e.echo = e.delay.is_zero();
                }
                return Some((next, out));
            }
            let received = self.phase.take().map(|(_, d)| d).unwrap_or_default();
            self.with_cx(next, Duration::ZERO, &mut out, |p, cx| {
                p.data_timed_out(cx, received)
            });
            return Some((next, out));
        }
        let idx = self.timers.iter().position(|(at, _)| *at == next)?;
        let (_, timer) = self.timers.remove(idx);
        let Timer::Deliver {
            conn,
            bytes,
            closed,
        } = timer;
        self.with_cx(next, Duration::ZERO, &mut out, |p, cx| {
            p.deliver(cx, conn, bytes, closed)
        });
        // Timer outputs go out at their own time, not after a command latency.
        for e in &mut out {
            e.echo = e.delay.is_zero();
        }
        Some((next, out))
    }

    pub fn feed(&mut self, byte: u8, now: u64) -> Vec<Emit> {
        self.last_ns = self.last_ns.max(now);
        let mut out = Vec::new();
        let after_cr = core::mem::take(&mut self.after_cr);
        if after_cr && byte == b'\n' && self.phase.as_ref().is_some_and(|(_, d)| d.is_empty()) {
            return out;
        }
        if let Some((end, data)) = &mut self.phase {
            // iChip's multi-line parameters are still a command line: echoed.
            if matches!(end, DataEnd::PemEnd) && self.echo {
                out.push(Emit {
                    echo: true,
                    delay: Duration::ZERO,
                    bytes: vec![byte],
                });
            }
            let done = match *end {
                DataEnd::Count(n) => {
                    data.push(byte);
                    (data.len() >= n).then(|| DataOutcome::Complete(core::mem::take(data)))
                }
                DataEnd::Online { idle } => {
                    if data.len() < MAX_DATA {
                        data.push(byte);
                    }
                    if data.ends_with(b"+++") {
                        data.truncate(data.len() - 3);
                        Some(DataOutcome::Complete(core::mem::take(data)))
                    } else {
                        self.data_deadline = Some(now.saturating_add(duration_ns(idle)));
                        None
                    }
                }
                DataEnd::CountCtrlZ(n) if data.len() >= n => {
                    let d = core::mem::take(data);
                    Some(if byte == 0x1a {
                        DataOutcome::Complete(d)
                    } else {
                        DataOutcome::Overrun
                    })
                }
                DataEnd::CountCtrlZ(_) => {
                    data.push(byte);
                    None
                }
                DataEnd::CtrlZ => match byte {
                    0x1a => Some(DataOutcome::Complete(core::mem::take(data))),
                    0x1b => Some(DataOutcome::Cancelled),
                    _ => {
                        if data.len() < MAX_DATA {
                            data.push(byte);
                        }
                        None
                    }
                },
                DataEnd::PemEnd => {
                    if data.len() < MAX_DATA {
                        data.push(byte);
                    }
                    if byte == b'\r' {
                        let body = &data[..data.len() - 1];
                        let last = body
                            .iter()
                            .rposition(|&b| b == b'\r')
                            .map_or(body, |i| &body[i + 1..]);
                        let is_end = last.windows(8).any(|w| w == b"-----END");
                        is_end.then(|| DataOutcome::Complete(core::mem::take(data)))
                    } else {
                        None
                    }
                }
            };
            if let Some(mut outcome) = done {
                if self.faults.corrupt_data
                    && !matches!(end, DataEnd::Online { .. })
                    && let DataOutcome::Complete(d) = &mut outcome
                {
                    corrupt(d);
                }
                self.phase = None;
                self.data_deadline = None;
                self.with_cx(now, Duration::ZERO, &mut out, |p, cx| p.data(cx, outcome));
            }
            return out;
        }
        if self.echo {
            out.push(Emit {
                echo: true,
                delay: Duration::ZERO,
                bytes: vec![byte],
            });
        }
        let quoted = self.personality.quote_aware() && self.in_quotes;
        if byte == b'"'
            && self.personality.quote_aware()
            && (self.line.len() < self.personality.max_line() || !self.personality.overflow_hangs())
        {
            // Where an overflow hangs, only a quote that enters the buffer toggles: a line
            // that overflowed lost its closing quote, and every later CR is data (nRF91's
            // at_host, audit 2.2).
            self.in_quotes = !self.in_quotes;
        }
        match byte {
            b'\r' if !quoted => {
                self.after_cr = true;
                let line = core::mem::take(&mut self.line);
                self.command(now, &line, &mut out);
            }
            b'\n' if self.line.is_empty() => {}
            _ => {
                if self.line.len() < self.personality.max_line() {
                    self.line.push(byte);
                }
                let partial = self.line.clone();
                let started = self.with_cx(now, Duration::ZERO, &mut out, |p, cx| {
                    p.inline_data(cx, &partial)
                });
                if started {
                    self.line.clear();
                }
            }
        }
        out
    }

    fn command(&mut self, now: u64, raw: &[u8], out: &mut Vec<Emit>) {
        // Modules ignore what comes before "AT" (noise, a stray LF).
        let Some(start) = raw.windows(2).position(|w| w.eq_ignore_ascii_case(b"AT")) else {
            return;
        };
        let line = &raw[start..];
        let upper = String::from_utf8_lossy(line).to_ascii_uppercase();
        let mut extra = self.faults.extra_latency;
        for (prefix, d) in &self.faults.slow_prefix {
            if upper.starts_with(&prefix.to_ascii_uppercase()) {
                extra += *d;
            }
        }
        if self
            .faults
            .error_on_prefix
            .iter()
            .any(|p| upper.starts_with(&p.to_ascii_uppercase()))
        {
            let e = self.personality.plain_error();
            out.push(Emit {
                echo: false,
                delay: extra,
                bytes: e,
            });
            return;
        }
        self.with_cx(now, extra, out, |p, cx| p.command(cx, line));
    }
}

/// Changes one byte of `data` so that it still parses: in PEM, a base64 character a few
/// places before the last END line (never padding); otherwise the last byte.
pub(crate) fn corrupt(data: &mut [u8]) {
    if data.len() < 64 {
        return;
    }
    let end = data
        .windows(8)
        .rposition(|w| w == b"-----END")
        .and_then(|e| {
            // The eighth base64 letter or digit counting back from the END line.
            let body = data.get(..e)?;
            body.iter()
                .enumerate()
                .rev()
                .filter(|(_, b)| b.is_ascii_alphanumeric())
                .nth(7)
                .map(|(i, _)| i)
        });
    match end {
        Some(i) => {
            if let Some(b) = data.get_mut(i) {
                *b = if *b == b'A' { b'B' } else { b'A' };
            }
        }
        None => {
            if let Some(b) = data.last_mut() {
                *b ^= 0x01;
            }
        }
    }
}

/// Settings shared by every simulated family.
#[derive(Clone, Debug)]
pub struct CommonConfig {
    /// Echo at power-on.
    pub echo: bool,
    /// Unix seconds the module clock shows at simulation time zero when never set
    /// (\[I\]: modules boot at a fixed past date; 2004-01-01 here).
    pub boot_epoch: i64,
    pub faults: Faults,
    /// The other end of test connections.
    pub server: Server,
    /// Whether a command line cut off by a disconnect stays in the module's line buffer,
    /// so the next port's first line is appended to it. \[I\]: no manual says; a UART
    /// module has no way to notice the host left, a USB one may reset its channel.
    /// Default off; the recovery tests turn it on (the harder case).
    pub keep_partial_line: bool,
}

impl Default for CommonConfig {
    fn default() -> Self {
        Self {
            echo: true,
            boot_epoch: 1_072_915_200,
            faults: Faults::default(),
            server: Server::default(),
            keep_partial_line: false,
        }
    }
}

/// A simulated module: its storage and state survive every port opened onto it.
#[derive(Clone)]
pub struct SimModule {
    pub(super) inner: Rc<RefCell<Module>>,
}

impl SimModule {
    pub(crate) fn from_personality(p: Box<dyn Personality>, common: CommonConfig) -> Self {
        let module = Module {
            personality: p,
            echo: common.echo,
            line: Vec::new(),
            phase: None,
            data_deadline: None,
            timers: Vec::new(),
            rtc: Rtc {
                set: None,
                boot_epoch: common.boot_epoch,
            },
            server: common.server,
            faults: common.faults,
            link: 0,
            last_ns: 0,
            offset_ns: 0,
            keep_partial_line: common.keep_partial_line,
            in_quotes: false,
            after_cr: false,
        };
        Self {
            inner: Rc::new(RefCell::new(module)),
        }
    }

    pub fn family(&self) -> Family {
        self.inner.borrow().personality.family()
    }

    /// Restarts the module (power or reset pin): the open port is dropped, and the module
    /// loses its command line, data phase, timers and volatile state; storage stays.
    pub fn power_cycle(&self) {
        let mut m = self.inner.borrow_mut();
        m.link += 1;
        m.restart();
    }

    /// Everything the module stores, by name, as the module holds it: SIM800 flash files
    /// (`C:\USER\ROOT.CER`, upper case), SIM7600 certificate files (`ca.pem`), SPWF04
    /// slots and files (`tlscert:ca|cert|key|auth`, `fs:/<name>`), Telit security data
    /// (`cert`, `ca`, `key`), iChip parameters (`CA`, `CA2`..`CA4`, `CERT`, `PKEY`).
    pub fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.inner.borrow().personality.storage()
    }

    /// Replaces the server test connections reach.
    pub fn set_server(&self, server: Server) {
        self.inner.borrow_mut().server = server;
    }

    pub fn set_faults(&self, faults: Faults) {
        self.inner.borrow_mut().faults = faults;
    }

    /// The module clock in Unix seconds at simulation instant `now`.
    /// `now` is on the clock of the latest port opened.
    pub fn clock_epoch(&self, now: crate::at::Instant) -> i64 {
        let m = self.inner.borrow();
        m.rtc.epoch(
            now.as_micros()
                .saturating_mul(1000)
                .saturating_add(m.offset_ns),
        )
    }
}

/// Splits `AT+CMD=a,"b,c",d` parameters: commas outside quotes; quotes removed.
pub(crate) fn params(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(core::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// Whether the raw parameter text was quoted (SIMCom names must be).
pub(crate) fn is_quoted(raw: &str) -> bool {
    let t = raw.trim();
    t.len() >= 2 && t.starts_with('"') && t.ends_with('"')
}

/// Splits `AT+NAME=rest` / `AT+NAME?` / `AT+NAME`; the name upper-cased.
pub(crate) fn split_cmd(line: &[u8]) -> (String, Option<char>, String) {
    let text = String::from_utf8_lossy(line).into_owned();
    let body = text.get(2..).unwrap_or("");
    let cut = body.find(['=', '?', ':']).unwrap_or(body.len());
    let name = body[..cut].trim().to_ascii_uppercase();
    let rest = &body[cut..];
    let mut chars = rest.chars();
    match chars.next() {
        None => (name, None, String::new()),
        Some(c) => (name, Some(c), chars.as_str().to_owned()),
    }
}

/// A decimal parameter. Values above `u32::MAX` are refused: no module field is that
/// large, and it keeps `as usize` lossless on wasm32.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok().filter(|v| *v <= u64::from(u32::MAX))
}

/// Changes the settings every simulated family shares, before the module is built.
pub type Adjust<'a> = &'a mut dyn FnMut(&mut CommonConfig);

/// One simulated family as the registry in `sim/mod.rs` lists it: how to build one with
/// the shared settings adjusted, and every error output it can give (for the checks that
/// each is explained).
pub struct Simulator {
    pub family: Family,
    /// Builds the module with every default, after `adjust` changed the shared settings.
    pub build: fn(Adjust<'_>) -> SimModule,
    /// Every error line the simulator can answer.
    pub error_outputs: &'static [&'static str],
    /// Commands whose failure the family reads in its own way (`explain_command`).
    pub error_commands: &'static [&'static str],
}
