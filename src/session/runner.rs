//! [`Session`]: one engine, one transport, one clock, one transcript.

use core::pin::pin;
use core::time::Duration;

use futures::FutureExt;
use futures::future::{Either, select};

use crate::at::{Command, Config, Engine, Event, Final, Instant, TransmitKind, Trigger};

use super::cancel::CancelToken;
use super::error::{ExplainFn, Explanation, Failure, StepError};
use super::transcript::{Direction, Transcript};
use super::transport::{Clock, Transport, TransportError};

/// How a session runs.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    pub engine: Config,
    /// Data phases are written in chunks of this many bytes, with a progress report and a
    /// cancellation check after each.
    pub chunk_size: usize,
    /// Before each command, whatever has already arrived is taken as stale input or URCs.
    /// When stale input is likely (the command after one that timed out or lost its
    /// answer) the runner also waits until the line has been quiet this long: a late
    /// answer must not be read as the next one. A new session does not wait: whoever
    /// opened the port has read what was there (the page's idle reader, a fresh port). After a clean final result the module has finished and nothing is waited
    /// for, so provisioning runs at wire speed. Zero never waits. [I] 20 ms follows atat's
    /// "wait after a final result for buffered URCs" advice.
    pub drain_quiet: Duration,
    /// A drain gives up after this long even when the module never goes quiet.
    pub drain_limit: Duration,
    /// Size of the read buffer handed to [`Transport::read`].
    pub read_buffer: usize,
    /// Transcript size limit in bytes.
    pub transcript_limit: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            engine: Config::default(),
            chunk_size: 256,
            drain_quiet: Duration::from_millis(20),
            drain_limit: Duration::from_secs(2),
            read_buffer: 1024,
            transcript_limit: Transcript::DEFAULT_MAX_BYTES,
        }
    }
}

impl SessionOptions {
    pub fn with_engine(engine: Config) -> Self {
        Self {
            engine,
            ..Self::default()
        }
    }
}

/// What a command got back.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Response {
    /// Answer lines, without echo, URCs or the final result.
    pub lines: Vec<String>,
    /// URCs that arrived while the command ran (and during the drain before it).
    pub urcs: Vec<String>,
    /// Binary data read under a length header, concatenated.
    pub data: Vec<u8>,
    /// Binary data that followed URCs (SIM7600 automatic receive), concatenated.
    pub urc_data: Vec<u8>,
    /// The final result; `Final::Ok` unless the command was run with [`Session::run_raw`].
    pub final_result: Final,
    /// The command's echo came back.
    pub echoed: bool,
    /// Bytes drained before the command that were neither URC nor answer.
    pub stale: Vec<u8>,
    /// Bytes the engine had to drop (over-long lines or blocks).
    pub overflowed: usize,
    /// The module asked for the data phase (prompt or trigger line).
    pub prompted: bool,
}

impl Response {
    /// The first answer line that starts with `prefix`, with the prefix removed and trimmed:
    /// `value("+CGMR:")` gives `LE20B04SIM7600G22`.
    pub fn value(&self, prefix: &str) -> Option<&str> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    }

    /// Every answer line that starts with `prefix`, prefix removed and trimmed:
    /// `values("+CCERTLIST:")` gives the stored file names.
    pub fn values<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.lines
            .iter()
            .filter_map(move |l| l.strip_prefix(prefix))
            .map(str::trim)
    }
}

/// What the runner reports while it works.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Progress {
    /// A flow began step `index` (1-based) of `total`.
    Step {
        index: usize,
        total: usize,
        label: String,
    },
    /// A command line was written.
    Command { line: String },
    /// `sent` of `total` data-phase bytes have been written.
    Sending {
        label: String,
        sent: usize,
        total: usize,
    },
}

/// What [`Session::probe`] found out about the module's line discipline.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Probe {
    /// How many commands it took to get an answer.
    pub attempts: u32,
    pub echo: bool,
    pub terminator: Terminator,
    /// The final line as the module wrote it (`OK`, `AT-S.OK`, `I/OK`).
    pub answer: String,
}

/// How the module ends its answer lines: a line terminator on the AT link, not a PEM
/// line ending (`cert::LineEnding`) nor a family's PEM rule (`cert::lint::LineEndings`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Terminator {
    CrLf,
    Cr,
    Lf,
    /// Nothing to tell from.
    Unknown,
}

impl Terminator {
    pub fn detect(bytes: &[u8]) -> Self {
        if bytes.windows(2).any(|w| w == b"\r\n") {
            Self::CrLf
        } else if bytes.contains(&b'\r') {
            Self::Cr
        } else if bytes.contains(&b'\n') {
            Self::Lf
        } else {
            Self::Unknown
        }
    }
}

type ErrorTable = Box<ExplainFn>;
type ProgressSink = Box<dyn FnMut(&Progress)>;

/// The async runner. Generic over the platform seams; never `Send`.
pub struct Session<T: Transport, C: Clock> {
    transport: T,
    clock: C,
    engine: Engine,
    options: SessionOptions,
    transcript: Transcript,
    cancel: CancelToken,
    progress: Option<ProgressSink>,
    errors: Option<ErrorTable>,
    step: Option<String>,
    /// URCs seen outside commands, for [`Session::wait_urc`] and the next response.
    urc_backlog: Vec<String>,
    urc_data_backlog: Vec<u8>,
    buf: Vec<u8>,
    /// Stale input is likely: wait for a quiet line before the next command.
    settle: bool,
}

/// Where a command run ended, before it is turned into a `Result`.
enum Outcome {
    Final(Final),
    TimedOut(Vec<u8>),
}

impl<T: Transport, C: Clock> Session<T, C> {
    pub fn new(transport: T, clock: C, options: SessionOptions) -> Self {
        Self {
            transport,
            clock,
            engine: Engine::new(options.engine.clone()),
            transcript: Transcript::new(options.transcript_limit),
            buf: vec![0; options.read_buffer.max(1)],
            settle: false,
            options,
            cancel: CancelToken::new(),
            progress: None,
            errors: None,
            step: None,
            urc_backlog: Vec::new(),
            urc_data_backlog: Vec::new(),
        }
    }

    /// Receives progress reports.
    pub fn set_progress(&mut self, sink: impl FnMut(&Progress) + 'static) {
        self.progress = Some(Box::new(sink));
    }

    /// The family's error table: meanings and next steps for its failure results.
    /// Results it does not know fall back to [`super::generic_explanation`].
    pub fn set_error_table(&mut self, table: fn(&Final) -> Option<Explanation>) {
        self.errors = Some(Box::new(move |_, result| table(result)));
    }

    /// Like [`Session::set_error_table`], for tables that depend on the command.
    pub fn set_explainer(
        &mut self,
        explain: impl Fn(&Command, &Final) -> Option<Explanation> + 'static,
    ) {
        self.errors = Some(Box::new(explain));
    }

    /// The token that cancels this session's steps. Clone it into the Cancel button.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Replaces the engine configuration (after identifying the module).
    pub fn set_engine_config(&mut self, config: Config) {
        self.engine.set_config(config.clone());
        self.options.engine = config;
    }

    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// For clearing or trimming the record between flows.
    pub fn transcript_mut(&mut self) -> &mut Transcript {
        &mut self.transcript
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives back the transport, the clock and the transcript.
    pub fn into_parts(self) -> (T, C, Transcript) {
        (self.transport, self.clock, self.transcript)
    }

    /// Starts step `index` (1-based) of `total`: reports it and names later errors after it.
    pub fn begin_step(&mut self, index: usize, total: usize, label: impl Into<String>) {
        let label = label.into();
        self.step = Some(label.clone());
        self.report(&Progress::Step {
            index,
            total,
            label,
        });
    }

    /// Runs a command. A failure result (`ERROR`, `+CME ERROR`, vendor errors) is an `Err`
    /// that names the step and explains the result.
    pub async fn run(&mut self, command: &Command) -> Result<Response, StepError> {
        let response = self.run_raw(command).await?;
        if response.final_result.is_ok() {
            Ok(response)
        } else {
            Err(self.error(
                command,
                Failure::Rejected(response.final_result.clone()),
                response.lines,
            ))
        }
    }

    /// Runs a command and returns whatever final result it got; only timeouts, port
    /// failures and cancellation are errors. For commands whose `ERROR` is an answer
    /// (deleting a file that may not exist).
    pub async fn run_raw(&mut self, command: &Command) -> Result<Response, StepError> {
        if self.cancel.is_cancelled() {
            return Err(self.error(command, Failure::Cancelled, Vec::new()));
        }
        // Older URCs first, then whatever the drain finds.
        let mut response = Response {
            urcs: core::mem::take(&mut self.urc_backlog),
            urc_data: core::mem::take(&mut self.urc_data_backlog),
            ..Response::default()
        };
        let quiet = if self.settle {
            self.options.drain_quiet
        } else {
            Duration::ZERO
        };
        self.drain_into(quiet, &mut response)
            .await
            .map_err(|f| self.error(command, f, Vec::new()))?;
        let now = self.clock.now();
        self.engine.send(command.clone(), now);
        // Cleared only by a clean final result below.
        self.settle = true;
        match self.drive(command, &mut response).await {
            Ok(Outcome::Final(result)) => {
                // Any final result, OK or not, means the module finished its answer.
                self.settle = false;
                response.final_result = result;
                Ok(response)
            }
            Ok(Outcome::TimedOut(received)) => {
                let awaiting = awaits_trigger(command, &response);
                Err(self.error_in(
                    command,
                    Failure::TimedOut { received },
                    response.lines,
                    awaiting,
                ))
            }
            Err(failure) => {
                self.engine.abort();
                let awaiting = awaits_trigger(command, &response);
                Err(self.error_in(command, failure, response.lines, awaiting))
            }
        }
    }

    /// Reads and discards until nothing has arrived for `quiet` (or the drain limit
    /// passed). Returns the stale bytes; URCs among them are kept for the next response
    /// and [`Session::wait_urc`].
    pub async fn drain(&mut self, quiet: Duration) -> Result<Vec<u8>, StepError> {
        let mut response = Response::default();
        let result = self.drain_into(quiet, &mut response).await;
        self.urc_backlog.append(&mut response.urcs);
        self.urc_data_backlog.append(&mut response.urc_data);
        match result {
            Ok(()) => Ok(response.stale),
            Err(failure) => Err(self.error(&Command::new("(drain)"), failure, Vec::new())),
        }
    }

    /// Waits for a URC starting with `prefix` (e.g. `+CCHSTART:` after `AT+CCHSTART`
    /// answered `OK`), including one that already arrived. Other URCs stay in the backlog.
    pub async fn wait_urc(&mut self, prefix: &str, timeout: Duration) -> Result<String, StepError> {
        let deadline = self.clock.now() + timeout;
        let waiting_for = Command::new(format!("(waiting for {prefix})")).with_timeout(timeout);
        loop {
            if let Some(i) = self.urc_backlog.iter().position(|u| u.starts_with(prefix)) {
                return Ok(self.urc_backlog.remove(i));
            }
            if self.cancel.is_cancelled() {
                return Err(self.error(&waiting_for, Failure::Cancelled, Vec::new()));
            }
            let read = self.read_until(deadline).await;
            let read = match read {
                // Past the deadline, bytes that keep coming do not extend the wait.
                Ok(true) if self.clock.now() >= deadline => {
                    let mut sink = Response::default();
                    self.collect_idle(&mut sink);
                    self.urc_backlog.append(&mut sink.urcs);
                    self.urc_data_backlog.append(&mut sink.urc_data);
                    if let Some(i) = self.urc_backlog.iter().position(|u| u.starts_with(prefix)) {
                        return Ok(self.urc_backlog.remove(i));
                    }
                    Ok(false)
                }
                other => other,
            };
            match read {
                Ok(true) => {
                    let mut sink = Response::default();
                    self.collect_idle(&mut sink);
                    self.urc_backlog.append(&mut sink.urcs);
                    self.urc_data_backlog.append(&mut sink.urc_data);
                }
                Ok(false) => {
                    return Err(self.error(
                        &waiting_for,
                        Failure::TimedOut {
                            received: Vec::new(),
                        },
                        Vec::new(),
                    ));
                }
                Err(failure) => return Err(self.error(&waiting_for, failure, Vec::new())),
            }
        }
    }

    /// Takes the URCs that arrived outside commands and were not yet handed out (by a
    /// response or [`Session::wait_urc`]).
    pub fn take_urcs(&mut self) -> Vec<String> {
        core::mem::take(&mut self.urc_backlog)
    }

    /// Takes the binary data that followed URCs outside commands (SIM7600 automatic
    /// receive), not yet handed out by a response.
    pub fn take_urc_data(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.urc_data_backlog)
    }

    /// Sends `AT` until the module answers (at most `attempts` times, 500 ms each) and
    /// reports its echo and line ending.
    pub async fn probe(&mut self, attempts: u32) -> Result<Probe, StepError> {
        self.probe_with(
            &Command::new("AT").with_timeout(Duration::from_millis(500)),
            attempts,
        )
        .await
    }

    /// Like [`Session::probe`] with another command (`AT+i` for iChip). Any final result
    /// counts as an answer: a module that says `ERROR` is alive.
    pub async fn probe_with(
        &mut self,
        command: &Command,
        attempts: u32,
    ) -> Result<Probe, StepError> {
        let mut last = None;
        for attempt in 1..=attempts.max(1) {
            let start = self.transcript.raw(Direction::Rx).len();
            match self.run_raw(command).await {
                Ok(response) => {
                    let rx = self.transcript.raw(Direction::Rx);
                    let got = rx.get(start..).unwrap_or_default();
                    let answer = String::from_utf8_lossy(got)
                        .split(['\r', '\n'])
                        .map(str::trim)
                        .rfind(|l| !l.is_empty())
                        .unwrap_or_default()
                        .to_owned();
                    return Ok(Probe {
                        attempts: attempt,
                        echo: response.echoed,
                        terminator: Terminator::detect(got),
                        answer,
                    });
                }
                Err(e) if matches!(e.failure, Failure::TimedOut { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            self.error(
                command,
                Failure::TimedOut {
                    received: Vec::new(),
                },
                Vec::new(),
            )
        }))
    }

    fn report(&mut self, progress: &Progress) {
        if let Some(sink) = self.progress.as_mut() {
            sink(progress);
        }
    }

    fn error(&self, command: &Command, failure: Failure, lines: Vec<String>) -> StepError {
        self.error_in(command, failure, lines, false)
    }

    fn error_in(
        &self,
        command: &Command,
        failure: Failure,
        lines: Vec<String>,
        awaiting_trigger: bool,
    ) -> StepError {
        let step = self.step.clone().unwrap_or_else(|| command.line_text());
        StepError::new(
            &step,
            command,
            failure,
            lines,
            self.errors.as_deref(),
            awaiting_trigger,
        )
    }

    /// Writes bytes outside any command (Telit's `+++` escape, an ESC to leave a stuck
    /// data prompt), recording them in the transcript.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), StepError> {
        let label = format!("(raw write \"{}\")", super::transcript::escape(bytes));
        self.write(bytes)
            .await
            .map_err(|f| self.error(&Command::new(label), f, Vec::new()))
    }

    /// Writes what the engine wants written, reads, and collects events until the command
    /// ends.
    async fn drive(
        &mut self,
        command: &Command,
        response: &mut Response,
    ) -> Result<Outcome, Failure> {
        loop {
            self.flush_transmits(command).await?;
            while let Some(event) = self.engine.poll_event() {
                match event {
                    Event::Echo(_) => response.echoed = true,
                    Event::Line(line) => response.lines.push(line),
                    Event::Urc(urc) => response.urcs.push(urc),
                    Event::Data(bytes) => response.data.extend_from_slice(&bytes),
                    Event::UrcData(bytes) => response.urc_data.extend_from_slice(&bytes),
                    Event::Stale(bytes) => response.stale.extend_from_slice(&bytes),
                    Event::Overflow { discarded } => {
                        response.overflowed = response.overflowed.saturating_add(discarded);
                    }
                    Event::Prompt => response.prompted = true,
                    Event::DataQueued { .. } => {}
                    Event::Final(result) => {
                        // Events after the final (URCs in the same chunk) wait for later.
                        self.collect_idle_into_backlog();
                        return Ok(Outcome::Final(result));
                    }
                    Event::TimedOut { received, .. } => {
                        self.collect_idle_into_backlog();
                        return Ok(Outcome::TimedOut(received));
                    }
                }
            }
            // Data queued by a prompt must go out before we wait again.
            if self.engine.has_transmit() {
                continue;
            }
            let Some(deadline) = self.engine.poll_timeout() else {
                return Ok(Outcome::TimedOut(Vec::new()));
            };
            if self.read_until(deadline).await? {
                // A module that never stops talking still times out: reads win every
                // race, so the deadline is also checked after each one.
                let now = self.clock.now();
                self.engine.handle_timeout(now);
            } else {
                let now = self.clock.now().max(deadline);
                self.engine.handle_timeout(now);
            }
        }
    }

    async fn flush_transmits(&mut self, command: &Command) -> Result<(), Failure> {
        let mut wrote = false;
        while let Some((kind, bytes)) = self.engine.poll_transmit_kind() {
            wrote = true;
            match kind {
                TransmitKind::CommandLine => {
                    self.write(&bytes).await?;
                    self.report(&Progress::Command {
                        line: command.line_text(),
                    });
                }
                TransmitKind::Data => {
                    let total = bytes.len();
                    let label = self.step.clone().unwrap_or_else(|| command.line_text());
                    let mut sent = 0;
                    for chunk in bytes.chunks(self.options.chunk_size.max(1)) {
                        if self.cancel.is_cancelled() {
                            return Err(Failure::Cancelled);
                        }
                        self.write(chunk).await?;
                        sent += chunk.len();
                        self.report(&Progress::Sending {
                            label: label.clone(),
                            sent,
                            total,
                        });
                        // Take what the module said meanwhile (its echo, or an early
                        // ERROR); once the command has ended, the rest is not sent.
                        if sent < total && !self.poll_read_once()? {
                            break;
                        }
                    }
                }
            }
        }
        if wrote {
            let now = self.clock.now();
            self.engine.handle_written(now);
        }
        Ok(())
    }

    /// Polls one read without waiting (reads are cancel-safe, so dropping it loses
    /// nothing) and feeds what came. `Ok(false)` once the running command has ended.
    fn poll_read_once(&mut self) -> Result<bool, Failure> {
        let result = self.transport.read(&mut self.buf).now_or_never();
        match result {
            None => {}
            Some(Ok(0)) => {
                return Err(Failure::Transport(TransportError::Disconnected {
                    detail: "the port returned no data".into(),
                }));
            }
            Some(Ok(n)) => {
                let now = self.clock.now();
                let bytes = self.buf.get(..n.min(self.buf.len())).unwrap_or_default();
                self.transcript.push(now, Direction::Rx, bytes);
                self.engine.handle_input_at(bytes, now);
            }
            Some(Err(e)) => return Err(Failure::Transport(e)),
        }
        Ok(self.engine.is_busy())
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let now = self.clock.now();
        self.transcript.push(now, Direction::Tx, bytes);
        self.transport
            .write(bytes)
            .await
            .map_err(Failure::Transport)
    }

    /// One read raced against `deadline` and cancellation. `Ok(true)`: bytes were read
    /// and handed to the engine; `Ok(false)`: the deadline came first.
    async fn read_until(&mut self, deadline: Instant) -> Result<bool, Failure> {
        if self.cancel.is_cancelled() {
            return Err(Failure::Cancelled);
        }
        let result = {
            let read = pin!(self.transport.read(&mut self.buf));
            let sleep = pin!(self.clock.sleep_until(deadline));
            let cancelled = pin!(self.cancel.cancelled());
            // `select` polls its first future first: a read that is ready wins over a
            // deadline that has passed at the same virtual instant (see `Transport::read`).
            match select(select(read, sleep), cancelled).await {
                Either::Left((Either::Left((read, _)), _)) => Some(read),
                Either::Left((Either::Right(((), _)), _)) => None,
                Either::Right(((), _)) => return Err(Failure::Cancelled),
            }
        };
        match result {
            // `read` promises at least one byte; a port that keeps answering with none has
            // gone away, and spinning on it would hang the step.
            Some(Ok(0)) => Err(Failure::Transport(TransportError::Disconnected {
                detail: "the port returned no data".into(),
            })),
            Some(Ok(n)) => {
                let now = self.clock.now();
                let n = n.min(self.buf.len());
                let bytes = self.buf.get(..n).unwrap_or_default();
                self.transcript.push(now, Direction::Rx, bytes);
                self.engine.handle_input_at(bytes, now);
                Ok(true)
            }
            Some(Err(e)) => Err(Failure::Transport(e)),
            None => Ok(false),
        }
    }

    async fn drain_into(
        &mut self,
        quiet: Duration,
        response: &mut Response,
    ) -> Result<(), Failure> {
        let limit = self.clock.now() + self.options.drain_limit;
        loop {
            let deadline = (self.clock.now() + quiet).min(limit);
            let got = self.read_until(deadline).await?;
            self.collect_idle(response);
            if !got || self.clock.now() >= limit {
                self.engine.flush_stale_partial();
                self.collect_idle(response);
                return Ok(());
            }
        }
    }

    /// Moves the events of an idle engine into `response`.
    fn collect_idle(&mut self, response: &mut Response) {
        while let Some(event) = self.engine.poll_event() {
            match event {
                Event::Urc(urc) => response.urcs.push(urc),
                Event::UrcData(bytes) => response.urc_data.extend_from_slice(&bytes),
                Event::Stale(bytes) => response.stale.extend_from_slice(&bytes),
                Event::Overflow { discarded } => {
                    response.overflowed = response.overflowed.saturating_add(discarded);
                }
                // Nothing runs, so nothing else can come; keep the match total.
                Event::Echo(_)
                | Event::Line(_)
                | Event::Prompt
                | Event::DataQueued { .. }
                | Event::Data(_)
                | Event::Final(_)
                | Event::TimedOut { .. } => {}
            }
        }
    }

    fn collect_idle_into_backlog(&mut self) {
        let mut sink = Response::default();
        self.collect_idle(&mut sink);
        self.urc_backlog.append(&mut sink.urcs);
        self.urc_data_backlog.append(&mut sink.urc_data);
    }
}

/// The command has a data phase whose trigger never came.
fn awaits_trigger(command: &Command, response: &Response) -> bool {
    command
        .data
        .as_ref()
        .is_some_and(|d| d.trigger != Trigger::Immediately)
        && !response.prompted
}

impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

#[cfg(test)]
mod tests {
    //! The runner over the smallest possible module: replies are ready the moment the
    //! command is written, and sleeping jumps the clock. Runs natively and in wasm.
    #![allow(clippy::unwrap_used)]

    use std::cell::Cell;
    use std::collections::VecDeque;
    use std::future::pending;

    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    struct Echoing {
        replies: VecDeque<&'static [u8]>,
        inbox: VecDeque<u8>,
    }

    impl Transport for Echoing {
        async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
            if bytes.ends_with(b"\r")
                && let Some(reply) = self.replies.pop_front()
            {
                self.inbox.extend(bytes);
                self.inbox.extend(reply);
            }
            Ok(())
        }

        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
            if self.inbox.is_empty() {
                pending::<()>().await;
            }
            let mut n = 0;
            for slot in buf.iter_mut() {
                let Some(b) = self.inbox.pop_front() else {
                    break;
                };
                *slot = b;
                n += 1;
            }
            Ok(n)
        }
    }

    #[derive(Default)]
    struct Jumping(Cell<u64>);

    impl Clock for Jumping {
        fn now(&self) -> Instant {
            Instant::from_micros(self.0.get())
        }

        async fn sleep_until(&self, deadline: Instant) {
            self.0.set(self.0.get().max(deadline.as_micros()));
        }
    }

    fn session(replies: Vec<&'static [u8]>) -> Session<Echoing, Jumping> {
        let transport = Echoing {
            replies: replies.into(),
            inbox: VecDeque::new(),
        };
        Session::new(transport, Jumping::default(), SessionOptions::default())
    }

    #[test]
    fn answers_timeouts_and_transcript() {
        let mut s = session(vec![b"\r\n+CGMM: X\r\n\r\nOK\r\n"]);
        let r = futures::executor::block_on(s.run(&Command::new("AT+CGMM"))).unwrap();
        assert!(r.echoed);
        assert_eq!(r.value("+CGMM:"), Some("X"));
        let err = futures::executor::block_on(
            s.run(&Command::new("AT").with_timeout(Duration::from_millis(50))),
        )
        .unwrap_err();
        assert!(matches!(err.failure, Failure::TimedOut { .. }));
        // No quiet-wait before the first command or after a clean answer; one 50 ms
        // timeout on the jumping clock.
        assert_eq!(s.clock().now(), Instant::from_micros(50_000));
        assert!(s.transcript().to_text().contains("<< AT+CGMM<CR>"));
        // After the timeout the line may still carry the late answer: the runner waits for
        // quiet again before the next command.
        let before = s.clock().now();
        let _ = futures::executor::block_on(
            s.run(&Command::new("AT").with_timeout(Duration::from_millis(50))),
        );
        assert_eq!(s.clock().now() - before, Duration::from_millis(70));
    }

    struct Closed;

    impl Transport for Closed {
        async fn write(&mut self, _: &[u8]) -> Result<(), TransportError> {
            Ok(())
        }

        async fn read(&mut self, _: &mut [u8]) -> Result<usize, TransportError> {
            Ok(0)
        }
    }

    #[test]
    fn a_port_that_reads_nothing_is_a_disconnect_not_a_hang() {
        let mut s = Session::new(Closed, Jumping::default(), SessionOptions::default());
        let err = futures::executor::block_on(s.run(&Command::new("AT"))).unwrap_err();
        assert!(
            matches!(
                err.failure,
                Failure::Transport(TransportError::Disconnected { .. })
            ),
            "{err}"
        );
    }

    #[test]
    fn line_endings_are_told_apart() {
        assert_eq!(Terminator::detect(b"AT\r\r\nOK\r\n"), Terminator::CrLf);
        assert_eq!(Terminator::detect(b"AT\rOK\r"), Terminator::Cr);
        assert_eq!(Terminator::detect(b"OK\n"), Terminator::Lf);
        assert_eq!(Terminator::detect(b"OK"), Terminator::Unknown);
    }
}
