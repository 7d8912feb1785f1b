//! The engine: a deterministic state machine in the style of quinn-proto's `Connection`.
//!
//! Methods come in four kinds:
//! - `handle_*` feed it what happened: bytes from the module, the passing of time, and
//!   the fact that queued bytes were written;
//! - [`Engine::send`] asks it to run a command;
//! - `poll_*` take out what it wants done: bytes to write, when to wake it, events;
//! - getters.
//!
//! After any `handle_*` or `send`, drain `poll_transmit`, then `poll_event`, then read
//! `poll_timeout`. Input is handled byte by byte, so the way bytes are chunked never
//! changes the events (the property tests check this).

use std::collections::VecDeque;

use super::command::{Command, ErrorCode, Event, Final, LengthHeader, ResponseShape, Trigger};
use super::config::{Config, EchoMode};
use super::time::Instant;

/// What a transmit holds, so a runner can chunk data phases and report progress.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TransmitKind {
    /// A command line and its terminator.
    CommandLine,
    /// A data phase: payload and terminator.
    Data,
}

/// The AT engine. See the module doc for the calling pattern.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    /// The latest time the caller told us about.
    now: Instant,
    queue: VecDeque<Command>,
    running: Option<Running>,
    /// The line being received (no line ending yet).
    line: Vec<u8>,
    rx: RxMode,
    /// The previous byte ended a line with CR: a following LF belongs to it.
    after_cr: bool,
    /// A `>` prompt was just taken: one following space belongs to it.
    after_prompt: bool,
    events: VecDeque<Event>,
    transmits: VecDeque<(TransmitKind, Vec<u8>)>,
    echo_detected: Option<bool>,
}

#[derive(Debug)]
enum RxMode {
    Lines,
    /// Reading a binary block: `remaining` bytes still belong to it.
    Data {
        remaining: usize,
        buf: Vec<u8>,
        dropped: usize,
        urc: bool,
        /// iChip: the command ends when the block does.
        ends_command: bool,
    },
}

#[derive(Debug)]
struct Running {
    command: Command,
    /// `+CCHRECV` for `AT+CCHRECV=0`: lines starting with it answer this command.
    own_prefix: Option<String>,
    awaiting_trigger: bool,
    deadline: Instant,
    received: VecDeque<u8>,
    /// The command echo came back.
    echo_seen: bool,
    /// The lines the module may echo, in order: the command line, and the payload once
    /// the data phase is queued (iChip's `AT+iCA=` echoes a multi-line command).
    echo: EchoTrack,
    /// Answer lines (not echo, not URC) seen so far.
    answer_lines: usize,
    /// `Block`: a line of the block itself (not a header starting with the command's
    /// name) has arrived, so finals wait for the end marker.
    block_opened: bool,
    /// `Block`: the end marker has been seen.
    block_closed: bool,
}

/// What a complete line is, for the running command.
enum LineKind {
    Echo,
    Trigger,
    Urc,
    Final(Final),
    /// An answer line; `count` when it is a length header, `ends` when it also ends the
    /// command (iChip `I/<value>`).
    Answer {
        count: Option<usize>,
        ends: bool,
    },
}

#[derive(Debug, Default)]
struct EchoTrack {
    /// Bytes, not text: a binary payload's echo must match byte for byte.
    lines: Vec<Vec<u8>>,
    next: usize,
    /// Echo is known to be on for this command: the previous expected line came back.
    active: bool,
}

impl Engine {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            now: Instant::ZERO,
            queue: VecDeque::new(),
            running: None,
            line: Vec::new(),
            rx: RxMode::Lines,
            after_cr: false,
            after_prompt: false,
            events: VecDeque::new(),
            transmits: VecDeque::new(),
            echo_detected: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Replaces the configuration (e.g. after identifying the module). Takes effect for the
    /// next line.
    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    /// `Some(true)` once a command's echo came back, `Some(false)` once a command was
    /// answered without one, `None` before any answer.
    pub fn echo_detected(&self) -> Option<bool> {
        self.echo_detected
    }

    /// True while a command is running or queued.
    pub fn is_busy(&self) -> bool {
        self.running.is_some() || !self.queue.is_empty()
    }

    /// True while bytes are taken as a binary block (after a length header).
    pub fn is_reading_data(&self) -> bool {
        matches!(self.rx, RxMode::Data { .. })
    }

    /// True when part of a line has arrived without its line ending.
    pub fn has_partial_line(&self) -> bool {
        !self.line.is_empty()
    }

    /// The running command, if any.
    pub fn running(&self) -> Option<&Command> {
        self.running.as_ref().map(|r| &r.command)
    }

    /// Queues `command`; it starts at once when nothing else runs. Any partial line
    /// received before is reported as [`Event::Stale`], so old input never answers a new
    /// command.
    pub fn send(&mut self, command: Command, now: Instant) {
        self.advance(now);
        if self.running.is_none() {
            self.flush_stale_partial();
            self.start(command);
        } else {
            self.queue.push_back(command);
        }
    }

    /// Feeds bytes from the module, in any chunking. Never panics.
    pub fn handle_input(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.handle_byte(b);
        }
    }

    /// Like [`Engine::handle_input`], also telling the engine the time, so deadlines set
    /// by what these bytes trigger (a prompt) count from `now`.
    pub fn handle_input_at(&mut self, bytes: &[u8], now: Instant) {
        self.advance(now);
        self.handle_input(bytes);
    }

    /// Tells the engine that everything from `poll_transmit` has been written at `now`.
    /// The command's timeout counts "from the last byte sent", so a long data phase over
    /// a slow line does not eat into it.
    pub fn handle_written(&mut self, now: Instant) {
        self.advance(now);
        if let Some(r) = self.running.as_mut() {
            r.deadline = now + current_timeout(r);
        }
    }

    /// Ends the running command with [`Event::TimedOut`] when its deadline has passed, and
    /// so on for queued commands whose own deadline has passed too by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.advance(now);
        while self.running.as_ref().is_some_and(|r| r.deadline <= now) {
            if let Some(r) = self.running.take() {
                self.events.push_back(Event::TimedOut {
                    command: r.command.line.clone(),
                    received: r.received.into_iter().collect(),
                });
            }
            // Whatever was half-read belongs to the dead command.
            self.line.clear();
            self.rx = RxMode::Lines;
            self.after_prompt = false;
            self.start_next();
        }
    }

    /// The next bytes to write.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front().map(|(_, bytes)| bytes)
    }

    /// The next bytes to write, with what they are.
    pub fn poll_transmit_kind(&mut self) -> Option<(TransmitKind, Vec<u8>)> {
        self.transmits.pop_front()
    }

    /// True when [`Engine::poll_transmit`] has something.
    pub fn has_transmit(&self) -> bool {
        !self.transmits.is_empty()
    }

    /// When to call [`Engine::handle_timeout`]; `None` while idle.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.running.as_ref().map(|r| r.deadline)
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Abandons the running command and the queue without an event (the runner was
    /// cancelled). Returns the command that was running.
    pub fn abort(&mut self) -> Option<Command> {
        self.queue.clear();
        self.transmits.clear();
        self.line.clear();
        self.rx = RxMode::Lines;
        self.after_prompt = false;
        self.running.take().map(|r| r.command)
    }

    /// Reports the partial line held while idle as stale (used before a command and by
    /// drains).
    pub fn flush_stale_partial(&mut self) {
        if self.running.is_none() && !self.line.is_empty() {
            let bytes = core::mem::take(&mut self.line);
            self.events.push_back(Event::Stale(bytes));
        }
    }

    fn advance(&mut self, now: Instant) {
        if now > self.now {
            self.now = now;
        }
    }

    fn start_next(&mut self) {
        if self.running.is_none()
            && let Some(next) = self.queue.pop_front()
        {
            self.start(next);
        }
    }

    fn start(&mut self, command: Command) {
        let mut wire = command.line.clone();
        wire.extend_from_slice(&command.terminator);
        self.transmits.push_back((TransmitKind::CommandLine, wire));
        let awaiting_trigger = command
            .data
            .as_ref()
            .is_some_and(|d| d.trigger != Trigger::Immediately);
        let mut running = Running {
            own_prefix: own_prefix(&command.line),
            awaiting_trigger,
            deadline: self.now,
            received: VecDeque::new(),
            echo_seen: false,
            echo: EchoTrack {
                lines: split_lines(&echo_text(&command)),
                next: 0,
                active: false,
            },
            answer_lines: 0,
            block_opened: false,
            block_closed: false,
            command,
        };
        running.deadline = self.now + current_timeout(&running);
        self.running = Some(running);
        self.after_prompt = false;
        let immediate = self
            .running
            .as_ref()
            .and_then(|r| r.command.data.as_ref())
            .is_some_and(|d| d.trigger == Trigger::Immediately);
        if immediate {
            self.queue_data();
        }
    }

    /// Queues the running command's data phase.
    fn queue_data(&mut self) {
        let now = self.now;
        let Some(r) = self.running.as_mut() else {
            return;
        };
        r.awaiting_trigger = false;
        r.deadline = now + r.command.timeout;
        let Some(data) = r.command.data.as_ref() else {
            return;
        };
        let wire = data.wire_bytes();
        if data.trigger != Trigger::Immediately {
            // The payload's echo (if any) comes after the prompt. Without a command echo,
            // skip straight to it: the first payload line may still come back.
            if !r.echo.active {
                r.echo.next = r.echo.lines.len();
            }
            r.echo.lines.extend(split_lines(&data.payload));
        }
        let bytes = wire.len();
        self.transmits.push_back((TransmitKind::Data, wire));
        self.events.push_back(Event::DataQueued { bytes });
    }

    fn handle_byte(&mut self, b: u8) {
        if let Some(r) = self.running.as_mut() {
            if r.received.len() >= self.config.max_received.max(1) {
                r.received.pop_front();
            }
            r.received.push_back(b);
        }
        if let RxMode::Data {
            remaining,
            buf,
            dropped,
            ..
        } = &mut self.rx
        {
            // The LF of the header's CRLF is not data.
            if core::mem::take(&mut self.after_cr) && b == b'\n' {
                return;
            }
            if buf.len() < self.config.max_data {
                buf.push(b);
            } else {
                *dropped = dropped.saturating_add(1);
            }
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.finish_data();
            }
            return;
        }
        let after_cr = core::mem::take(&mut self.after_cr);
        let after_prompt = core::mem::take(&mut self.after_prompt);
        match b {
            b'\n' if after_cr => {}
            b' ' if after_prompt && self.line.is_empty() => {}
            b'\r' | b'\n' => {
                self.after_cr = b == b'\r';
                let line = core::mem::take(&mut self.line);
                self.handle_line(line);
            }
            _ => {
                if self.line.len() >= self.config.max_line {
                    let discarded = self.line.len();
                    self.line.clear();
                    self.events.push_back(Event::Overflow { discarded });
                }
                self.line.push(b);
                self.check_partial();
            }
        }
    }

    /// Things that happen without a line ending: a `>` prompt, iChip's `I/<n>:` header.
    fn check_partial(&mut self) {
        let Some(r) = self.running.as_ref() else {
            return;
        };
        // A one-character trigger line (u-blox's `@` for `AT+USOWR`) is a prompt too: it
        // comes without a line ending.
        let prompt: &[u8] = match r.command.data.as_ref().map(|d| &d.trigger) {
            Some(Trigger::Prompt | Trigger::OkThenPrompt) => b">",
            Some(Trigger::Line(want)) if want.len() == 1 => want.as_bytes(),
            _ => b"",
        };
        if r.awaiting_trigger && !prompt.is_empty() && trim(&self.line) == prompt {
            self.line.clear();
            self.after_prompt = true;
            self.events.push_back(Event::Prompt);
            self.queue_data();
            return;
        }
        let (inline, ends) = match &r.command.response {
            ResponseShape::InlineLength { header } => (Some(header), true),
            ResponseShape::InlineData { header } => (Some(header), false),
            _ => (None, false),
        };
        if let Some(header) = inline
            && self.line.last().is_some_and(|&c| c == b':' || c == b',')
            && let Some(text) = core::str::from_utf8(&self.line).ok()
            && let Some(count) = inline_count(text, header)
        {
            let text = text.trim_end_matches([':', ',']).to_owned();
            self.line.clear();
            self.events.push_back(Event::Line(text));
            self.begin_data(count, false, ends);
            return;
        }
        // `+USORD: 0,4,"` opens the quoted bytes; the closing quote is an answer line.
        if let ResponseShape::QuotedLength { header } = &r.command.response
            && self.line.ends_with(b",\"")
            && let Some(text) = self
                .line
                .split_last()
                .and_then(|(_, head)| core::str::from_utf8(head).ok())
            && let Some(count) = inline_count(text, header)
        {
            let text = text.trim_end_matches(',').to_owned();
            self.line.clear();
            self.events.push_back(Event::Line(text));
            self.begin_data(count, false, false);
        }
    }

    fn begin_data(&mut self, count: usize, urc: bool, ends_command: bool) {
        if count == 0 {
            self.events.push_back(if urc {
                Event::UrcData(Vec::new())
            } else {
                Event::Data(Vec::new())
            });
            if ends_command {
                self.finish(Final::Ok);
            }
            return;
        }
        self.rx = RxMode::Data {
            remaining: count,
            buf: Vec::new(),
            dropped: 0,
            urc,
            ends_command,
        };
    }

    fn finish_data(&mut self) {
        let RxMode::Data {
            buf,
            dropped,
            urc,
            ends_command,
            ..
        } = core::mem::replace(&mut self.rx, RxMode::Lines)
        else {
            return;
        };
        if dropped > 0 {
            self.events
                .push_back(Event::Overflow { discarded: dropped });
        }
        self.events.push_back(if urc {
            Event::UrcData(buf)
        } else {
            Event::Data(buf)
        });
        if ends_command {
            self.finish(Final::Ok);
        }
    }

    fn finish(&mut self, result: Final) {
        if let Some(r) = self.running.take() {
            // The latest answer tells: `ATE0` turns the echo off for the next command.
            self.echo_detected = Some(r.echo_seen);
            self.events.push_back(Event::Final(result));
        }
        self.after_prompt = false;
        self.start_next();
    }

    fn handle_line(&mut self, raw: Vec<u8>) {
        let trimmed = trim(&raw);
        if trimmed.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(trimmed).into_owned();
        if self.running.is_none() {
            self.handle_idle_line(raw, text);
            return;
        }
        if let Some((echo_len, result)) = self.inline_final(trimmed) {
            let echo = trimmed.get(..echo_len).unwrap_or_default().to_vec();
            if let Some(r) = self.running.as_mut() {
                r.echo_seen = true;
            }
            self.events.push_back(Event::Echo(echo));
            self.finish(result);
            return;
        }
        match self.classify(trimmed, &text) {
            LineKind::Echo => self.events.push_back(Event::Echo(trimmed.to_vec())),
            LineKind::Trigger => {
                self.events.push_back(Event::Prompt);
                self.queue_data();
            }
            LineKind::Urc => self.handle_urc_line(text),
            LineKind::Final(result) => self.finish(result),
            LineKind::Answer { count, ends } => {
                self.events.push_back(Event::Line(text));
                if let Some(count) = count {
                    self.begin_data(count, false, false);
                } else if ends {
                    self.finish(Final::Ok);
                }
            }
        }
    }

    /// A final result on the echo's own line, after the command and part (or none) of
    /// an immediate payload: iChip answers `AT+iSSND%:000,24:<bytes>` as
    /// `AT+iSSND%:000,24:I/OK` (the GEVCU iChip 2128 driver: "the AT+iSSND has the I/OK or
    /// I/ERROR in-line", e.g. `AT+iSSND%:000,24:I/ERROR (203)`). Whether the payload is
    /// echoed before the result is not documented (ichip.md 9), so any prefix of it is
    /// accepted. Returns the echo's length and the result.
    fn inline_final(&self, line: &[u8]) -> Option<(usize, Final)> {
        let r = self.running.as_ref()?;
        let data = r.command.data.as_ref()?;
        if self.config.echo == EchoMode::Off
            || data.trigger != Trigger::Immediately
            || r.answer_lines > 0
            || !(r.echo.active || r.echo.next == 0)
        {
            return None;
        }
        // Only results in the vendor's own shape (`I/...`): a bare `OK` at the end of an
        // echoed line is more likely payload.
        let prefix = self
            .config
            .value_final_prefix
            .as_deref()
            .filter(|p| !p.is_empty())?;
        let expected = r.echo.lines.get(r.echo.next)?;
        if line.eq_ignore_ascii_case(expected) {
            return None;
        }
        // The first line must carry the whole command line, so that a bare result or an
        // unrelated line is never taken for an echo.
        let shortest = if r.echo.next == 0 {
            r.command.line.len()
        } else {
            1
        };
        let longest = line.len().min(expected.len());
        (shortest..=longest).rev().find_map(|k| {
            let (echo, rest) = line.split_at_checked(k)?;
            if !echo.eq_ignore_ascii_case(expected.get(..k)?) {
                return None;
            }
            let rest = core::str::from_utf8(rest).ok()?;
            if !rest.starts_with(prefix) {
                return None;
            }
            parse_final(&self.config, rest).map(|f| (k, f))
        })
    }

    /// Decides what a complete line means for the running command, updating its state.
    fn classify(&mut self, trimmed: &[u8], text: &str) -> LineKind {
        let config = &self.config;
        let Some(r) = self.running.as_mut() else {
            return LineKind::Urc;
        };

        // 1. The echo of the command line and of the data phase, in order: a payload
        //    line that reads `OK` is data. Only before any answer, or right after the
        //    previous echoed line.
        if config.echo != EchoMode::Off
            && (r.echo.active || r.answer_lines == 0)
            && r.echo
                .lines
                .get(r.echo.next)
                .is_some_and(|l| l.eq_ignore_ascii_case(trimmed))
        {
            r.echo.active = true;
            r.echo.next = r.echo.next.saturating_add(1);
            r.echo_seen = true;
            return LineKind::Echo;
        }

        // 3. A trigger line (`CONNECT`, `DOWNLOAD`).
        if r.awaiting_trigger
            && let Some(Trigger::Line(want)) = r.command.data.as_ref().map(|d| &d.trigger)
            && (text == want
                || text
                    .strip_prefix(want.as_str())
                    .is_some_and(|rest| rest.starts_with(' ')))
        {
            return LineKind::Trigger;
        }

        // 4. A URC: a configured prefix that is not this command's own name.
        let own = r
            .own_prefix
            .as_deref()
            .is_some_and(|p| starts_with_ignore_case(text, p));
        let result = parse_final(config, text);
        if !own && result.is_none() && is_configured_urc(config, text) {
            return LineKind::Urc;
        }

        // 5. A final result, unless a block read is still open, or it is the `OK` that
        //    comes before an ESP-AT prompt.
        let ok_before_prompt = r.awaiting_trigger
            && result == Some(Final::Ok)
            && r.command
                .data
                .as_ref()
                .is_some_and(|d| d.trigger == Trigger::OkThenPrompt);
        if ok_before_prompt {
            return LineKind::Answer {
                count: None,
                ends: false,
            };
        }
        let block_open = r.block_opened && !r.block_closed;
        // An `OK` before a trigger line acknowledges the command; the trigger still follows
        // (SIM70xx firmware that prints `OK` before `DOWNLOAD`, sim70xx.md 2.1 [S1]). A
        // refusal still ends it.
        let line_trigger = r.awaiting_trigger
            && matches!(
                r.command.data.as_ref().map(|d| &d.trigger),
                Some(Trigger::Line(_))
            );
        if line_trigger && result == Some(Final::Ok) {
            return LineKind::Answer {
                count: None,
                ends: false,
            };
        }
        if !block_open && let Some(result) = result {
            return LineKind::Final(result);
        }

        // 6. An answer line, perhaps a length header or a block's end.
        r.answer_lines = r.answer_lines.saturating_add(1);
        if let ResponseShape::Block { end_marker } = &r.command.response {
            // Telit's `#SSLSECDATA: 1,0` header (nothing stored) leaves the block unopened,
            // so the `OK` after it still ends the command.
            if !own {
                r.block_opened = true;
            }
            if text.contains(end_marker.as_str()) {
                r.block_closed = true;
            }
        }
        let count = match &r.command.response {
            ResponseShape::LengthPrefixed { header } => header_count(text, header),
            // A data header of the command's own name is its answer even when the flow
            // did not ask for a binary read: the bytes must not be parsed as lines.
            _ if own => config
                .urc_data_headers
                .iter()
                .find_map(|h| header_count(text, h)),
            _ => None,
        };
        // iChip's `I/<value>` ends a command, except inside an open block: a PEM line of
        // base64 starts with `I/` once in 4096 lines and is data there.
        let in_block = r.block_opened && !r.block_closed;
        let ends = matches!(r.command.response, ResponseShape::FirstLine)
            || (!in_block
                && config
                    .value_final_prefix
                    .as_deref()
                    .is_some_and(|p| !p.is_empty() && text.starts_with(p)));
        LineKind::Answer { count, ends }
    }

    fn handle_idle_line(&mut self, raw: Vec<u8>, text: String) {
        if is_configured_urc(&self.config, &text)
            || (self.config.generic_urcs && looks_like_urc(&text))
        {
            self.handle_urc_line(text);
        } else {
            self.events.push_back(Event::Stale(raw));
        }
    }

    fn handle_urc_line(&mut self, text: String) {
        let count = self
            .config
            .urc_data_headers
            .iter()
            .find_map(|h| header_count(&text, h));
        self.events.push_back(Event::Urc(text));
        if let Some(count) = count {
            self.begin_data(count, true, false);
        }
    }
}

/// The deadline a running command counts towards: the trigger's while waiting for it.
fn current_timeout(r: &Running) -> core::time::Duration {
    match (&r.command.data, r.awaiting_trigger) {
        (Some(d), true) => d.trigger_timeout,
        _ => r.command.timeout,
    }
}

/// Recognises the final results every family shares, then the configured ones.
pub fn parse_final(config: &Config, line: &str) -> Option<Final> {
    match line {
        "OK" | "AT-S.OK" | "I/OK" => return Some(Final::Ok),
        "ERROR" => return Some(Final::Error),
        "NO CARRIER" | "NO DIALTONE" | "BUSY" | "NO ANSWER" => {
            return Some(Final::Vendor {
                code: None,
                line: line.to_owned(),
            });
        }
        _ => {}
    }
    if let Some(rest) = line.strip_prefix("+CME ERROR:") {
        return Some(Final::CmeError(error_code(rest)));
    }
    if let Some(rest) = line.strip_prefix("+CMS ERROR:") {
        return Some(Final::CmsError(error_code(rest)));
    }
    // `AT-S.OK:<free heap>:<wifi state>` with console_verbose (spwf04.md §1).
    if line.starts_with("AT-S.OK:") {
        return Some(Final::Ok);
    }
    if let Some(rest) = line.strip_prefix("AT-S.ERROR") {
        let code = rest
            .trim_start_matches(':')
            .split(':')
            .next()
            .and_then(|n| n.trim().parse().ok());
        return Some(Final::Vendor {
            code,
            line: line.to_owned(),
        });
    }
    // `I/ERROR (056)`, with a space before the parenthesis (ichip.md §1).
    if let Some(rest) = line.strip_prefix("I/ERROR") {
        let code = rest
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim()
            .parse()
            .ok();
        return Some(Final::Vendor {
            code,
            line: line.to_owned(),
        });
    }
    config
        .vendor_finals
        .iter()
        .find(|v| v.matches.matches(line))
        .map(|v| {
            if v.success {
                Final::Ok
            } else {
                Final::Vendor {
                    code: None,
                    line: line.to_owned(),
                }
            }
        })
}

fn error_code(rest: &str) -> ErrorCode {
    let rest = rest.trim();
    rest.parse()
        .map_or_else(|_| ErrorCode::Text(rest.to_owned()), ErrorCode::Number)
}

/// The name a command's own answer lines start with: `+CCHRECV` for `AT+CCHRECV=0,100`,
/// `#SSLSECDATA` for `AT#SSLSECDATA=1,2,1`. `None` for basic commands (`ATI`, `ATE0`).
fn own_prefix(line: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(line).ok()?;
    let rest = text.get(..2).filter(|p| p.eq_ignore_ascii_case("AT"))?;
    let rest = text.get(rest.len()..)?;
    let mut chars = rest.chars();
    let first = chars.next()?;
    if !matches!(first, '+' | '#' | '$' | '%' | '^' | '&') {
        return None;
    }
    let name: String = rest
        .chars()
        .take_while(|c| !matches!(c, '=' | '?' | ':' | ';' | '\r' | '\n'))
        .collect();
    (name.len() > 1).then_some(name)
}

fn is_configured_urc(config: &Config, line: &str) -> bool {
    config
        .urc_prefixes
        .iter()
        .any(|p| !p.is_empty() && line.starts_with(p.as_str()))
}

/// `+NAME:` or `#NAME:` with a short alphanumeric name: the 3GPP shape of a URC.
fn looks_like_urc(line: &str) -> bool {
    let Some(rest) = line.strip_prefix(['+', '#']) else {
        return false;
    };
    let Some((name, _)) = rest.split_once(':') else {
        return false;
    };
    !name.is_empty()
        && name.len() <= 24
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The byte count in a header line, e.g. 917 in `+CCHRECV: DATA,0,917` with prefix
/// `+CCHRECV: DATA,` and field 1.
pub fn header_count(line: &str, header: &LengthHeader) -> Option<usize> {
    let rest = line.strip_prefix(header.prefix.as_str())?;
    rest.split([',', ':'])
        .nth(header.field)
        .and_then(|f| f.trim().parse().ok())
}

/// iChip's `I/<n>:`: the count field must be complete (followed by the separator that
/// was just received) and nothing else may follow.
fn inline_count(text: &str, header: &LengthHeader) -> Option<usize> {
    let rest = text.strip_prefix(header.prefix.as_str())?;
    let body = rest.get(..rest.len().checked_sub(1)?)?;
    let fields: Vec<&str> = body.split([',', ':']).collect();
    if fields.len() != header.field.checked_add(1)? {
        return None;
    }
    let field = fields.last()?;
    if field.is_empty() || !field.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

/// Trims whitespace and the data-phase control characters (Ctrl+Z, ESC) from both ends.
fn trim(bytes: &[u8]) -> &[u8] {
    let keep = |b: &u8| !(b.is_ascii_whitespace() || *b == 0x1A || *b == 0x1B || *b == 0);
    let start = bytes.iter().position(keep).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(keep).map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// What the module may echo for a command: its line, terminator, and an immediate payload.
fn echo_text(command: &Command) -> Vec<u8> {
    let mut text = command.line.clone();
    text.extend_from_slice(&command.terminator);
    if let Some(d) = &command.data
        && d.trigger == Trigger::Immediately
    {
        text.extend_from_slice(&d.payload);
    }
    text
}

/// The non-empty lines of a payload, as the module would echo them.
fn split_lines(payload: &[u8]) -> Vec<Vec<u8>> {
    payload
        .split(|&b| b == b'\r' || b == b'\n')
        .map(trim)
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests;
