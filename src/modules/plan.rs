//! A plan is the exact list of AT commands a flow sends, each with a label a person reads and
//! the check the flow applies to the answer. `atcert plan` prints plans; the flows run them,
//! so what is printed is what is sent.

use core::fmt::Write as _;
use core::time::Duration;

use crate::at::{Command, Trigger};
use crate::modules::Family;

/// What a credential is for: the lint's roles, one type for rules, lint and flows.
pub use crate::cert::lint::Role;

/// One credential, already in the form the module stores (encoding, line endings) and with
/// the name or slot it goes to. The lint (`cert::lint`) produces these; the flows only send.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Credential {
    /// The exact bytes to upload.
    pub bytes: Vec<u8>,
    /// The file name or slot name on the module (`ca.pem`, `ROOT.CER`, `<ski>.ca`); ignored
    /// by families with fixed slots (Telit, iChip).
    pub name: String,
}

/// The credential set of one provisioning run.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Credentials {
    pub ca: Option<Credential>,
    pub client_cert: Option<Credential>,
    pub client_key: Option<Credential>,
}

impl Credentials {
    pub fn get(&self, role: Role) -> Option<&Credential> {
        match role {
            Role::Ca => self.ca.as_ref(),
            Role::ClientCert => self.client_cert.as_ref(),
            Role::ClientKey => self.client_key.as_ref(),
        }
    }

    /// The roles present, in upload order.
    pub fn roles(&self) -> impl Iterator<Item = Role> + '_ {
        Role::ALL.into_iter().filter(|r| self.get(*r).is_some())
    }

    /// Mutual TLS: a client certificate and its key are both present.
    pub fn mutual(&self) -> bool {
        self.client_cert.is_some() && self.client_key.is_some()
    }
}

/// TLS protocol versions, oldest first: what a module may be told to use, and what the
/// simulated modules and servers speak (`sim::server`).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum TlsVersion {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

/// Parameters of a run that are not credentials.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Options {
    /// Current UTC time in seconds since 1970, to set the module clock where the module checks
    /// certificate dates. `None` leaves the clock alone. The core never reads a clock itself.
    pub unix_time: Option<u64>,
    /// The server for `test_connection`.
    pub host: String,
    pub port: u16,
    /// What to send once connected; `None` sends `GET / HTTP/1.1` with a Host header.
    pub request: Option<Vec<u8>>,
    /// Cellular APN for bearer bring-up before a test connection (SIM800, Telit);
    /// `None` assumes the bearer is up.
    pub apn: Option<String>,
    /// Highest TLS version to ask for; `None` lets the module negotiate its default.
    pub tls_version: Option<TlsVersion>,
    /// Send SNI where the module can.
    pub sni: bool,
    /// Vendor cipher-suite number where configurable (Telit `#SSLSECCFG`); `None` = server's
    /// choice.
    pub cipher_suite: Option<u8>,
    /// SIM7600 SSL context (0-9) / Telit SSId (1..).
    pub context: u8,
    /// The largest response `test_connection` reads back.
    pub max_response: usize,
    /// The module's firmware revision as detection read it (`AT+CGMR`, `AT+GMR`), for
    /// families whose commands differ between firmware lines (ESP-AT's `AT+SYSMFG` from
    /// v3.1, nRF91's Serial Modem after SLM). `None`: not known; the flows ask the module
    /// first where the driver needs it ([`crate::modules::Driver::needs_firmware`]).
    pub firmware: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            unix_time: None,
            host: "example.com".to_owned(),
            port: 443,
            request: None,
            apn: None,
            tls_version: None,
            sni: true,
            cipher_suite: None,
            context: 0,
            max_response: 1024,
            firmware: None,
        }
    }
}

impl Options {
    /// The request bytes for `test_connection`.
    pub fn request_bytes(&self) -> Vec<u8> {
        self.request.clone().unwrap_or_else(|| {
            format!(
                "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                self.host
            )
            .into_bytes()
        })
    }
}

/// How a step's answer is judged.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Expect {
    /// The final result must be success.
    Ok,
    /// Any final result is accepted (cleanup that may find nothing to delete, "already
    /// activated"). The answer is still recorded.
    Tolerate,
    /// Success, then an unsolicited line `<prefix><value>` within `within`; a different value
    /// is the module's error code (`+CCHOPEN: 0,15`). `fail_prefixes` are lines that mean
    /// failure outright (`0, CONNECT FAIL`).
    OkThenUrc {
        prefix: String,
        /// `None`: any rest is success.
        value: Option<String>,
        fail: Vec<String>,
        within: Duration,
    },
    /// Success and a response line starting with `prefix` whose rest equals `value`.
    Line { prefix: String, value: String },
    /// Clean-up that may find nothing to do (any final result is accepted), but that
    /// finishes later when it did something: after `OK`, wait for a line starting with
    /// `prefix` (SIM7600 `AT+CCHSTOP` then `+CCHSTOP: 0`), so the next command does not
    /// meet a service still stopping.
    TolerateThenUrc { prefix: String, within: Duration },
}

/// How a verification step proves what was written.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Check {
    /// Read back and compare with what was sent, after normalising line endings and
    /// trailing whitespace (modules reformat PEM text).
    ReadBack { expected: Vec<u8> },
    /// A line `<prefix><n>` reports the stored size, which must equal `bytes`.
    Size { prefix: String, bytes: usize },
    /// A listing line naming the file must be present.
    Listed { prefix: String, name: String },
    /// After a removal: no listing line may name the file. An empty `name`: no line may
    /// start with `prefix` at all (SIM70xx `+CFSGFIS: <size>` of a file still there).
    NotListed { prefix: String, name: String },
    /// A reported value must equal the expected one (e.g. SPWF04's Subject Key Id,
    /// iChip's key strength, Telit's "key stored" flag). `field` as in [`Capture`].
    Reported {
        prefix: String,
        field: usize,
        expected: String,
        what: String,
        /// A marker the module may put before the line (iChip's `I/`), removed first.
        marker: Option<String>,
        /// What a match proves; the plan says, the flow only reports it.
        proves: Proves,
    },
    /// Every check must pass (Quectel's upload answer: the size and the checksum). The
    /// strongest verification among them is reported.
    All(Vec<Check>),
    /// One of the checks must pass: a value the sources give in more than one form
    /// (Quectel's checksum of an odd-length file, padded either way).
    Any(Vec<Check>),
    /// Read back where the module shows the content: an answer holding PEM text must equal
    /// `expected`; one without any is judged by `otherwise` (a key the firmware may keep
    /// unreadable, reporting only that the slot is filled); no answer lines at all (the
    /// module refuses to read it) leave the credential written, not verifiable.
    ReadBackOr {
        expected: Vec<u8>,
        otherwise: Box<Check>,
    },
}

/// What a reported value that matches proves about a written credential.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Proves {
    /// The module parsed the credential and reports its identity (SPWF04's Subject Key
    /// Identifier): the same certificate, not only the same size.
    Identity,
    /// A digest or checksum the module computed over what it stored (u-blox's MD5,
    /// nRF91's SHA-256, Quectel's upload checksum), equal to the one computed here over
    /// what was sent: the content, as far as the digest can tell.
    Digest,
    /// A property of it (a key strength, a "stored" flag).
    Property,
}

/// What a step is for: the flows group and report steps by it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Purpose {
    /// The first step of every flow: the module answers in command mode. When it does
    /// not, the flow escalates as [`crate::modules::Family::recovery`] says (see
    /// `flows::recover`); a module that answers gets nothing else.
    Sync,
    /// Echo off, numeric errors, drive selection.
    Prepare,
    SetClock,
    /// Delete stale state before writing.
    Clean(Role),
    Write(Role),
    /// Tell the TLS layer to use a written file (SIM800 `SSLSETCERT`).
    Bind(Role),
    Verify(Role, Check),
    Configure,
    Remove(Role),
    /// Bearer, socket or TLS session setup.
    Open,
    Send,
    Receive,
    Close,
}

/// One labelled command of a plan.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Step {
    pub label: String,
    pub purpose: Purpose,
    pub command: Command,
    pub expect: Expect,
    /// A value this step's answer gives that later steps use (a socket id).
    pub capture: Option<Capture>,
    /// For steps that use captured values: the command line with `{name}` placeholders. The
    /// plan's `command.line` shows it filled with the values the module usually returns; the
    /// flow fills it with the values this module returned.
    pub template: Option<String>,
}

/// Where a value sits in an answer: the line starting with `prefix`, field `field` of the
/// rest split at `,` and `:` (`usize::MAX`: the whole rest).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Capture {
    pub name: String,
    pub prefix: String,
    pub field: usize,
    /// The value shown in the plan.
    pub planned: String,
    /// For a number: the range it must fall in, or the capture fails; larger numbers are
    /// lowered to the top of the range (read no more than the module holds, nor more than
    /// asked for).
    pub range: Option<(u64, u64)>,
}

impl Capture {
    /// Finds the value in a line, if the line is the one.
    pub fn find(&self, line: &str) -> Option<String> {
        let rest = line.strip_prefix(self.prefix.as_str())?;
        let value = if self.field == usize::MAX {
            Some(rest.trim().to_owned())
        } else {
            rest.split([',', ':'])
                .nth(self.field)
                .map(|v| v.trim().to_owned())
        }
        .filter(|v| !v.is_empty())?;
        match self.range {
            None => Some(value),
            Some((lo, hi)) => {
                let n: u64 = value.parse().ok()?;
                (n >= lo).then(|| n.min(hi).to_string())
            }
        }
    }
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, values: &[(String, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The commands of one flow, in order.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Plan {
    pub family: Family,
    pub title: String,
    pub steps: Vec<Step>,
    /// Things the user should know that no step shows (e.g. "no read-back on this module").
    pub notes: Vec<String>,
    /// Steps run after `steps` whatever happened, even after a failure or a cancel: they
    /// put back what the plan changed in order to run (nRF91's `AT+CFUN=1` after the
    /// `AT+CFUN=4` its credential writes need). Their failure fails a flow that had
    /// succeeded; after a failure the first error is the one reported.
    pub restore: Vec<Step>,
}

impl Plan {
    pub fn new(family: Family, title: impl Into<String>) -> Self {
        Self {
            family,
            title: title.into(),
            steps: Vec::new(),
            notes: Vec::new(),
            restore: Vec::new(),
        }
    }

    /// The steps in the order they are sent when nothing fails: `steps`, then `restore`.
    pub fn all_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().chain(&self.restore)
    }

    /// Adds a step run after the others whatever happened (see [`Plan::restore`]).
    pub fn push_restore(
        &mut self,
        label: impl Into<String>,
        purpose: Purpose,
        command: Command,
        expect: Expect,
    ) {
        self.restore.push(Step {
            label: label.into(),
            purpose,
            command,
            expect,
            capture: None,
            template: None,
        });
    }

    pub fn push(&mut self, label: impl Into<String>, purpose: Purpose, command: Command) {
        self.push_expect(label, purpose, command, Expect::Ok);
    }

    pub fn push_expect(
        &mut self,
        label: impl Into<String>,
        purpose: Purpose,
        command: Command,
        expect: Expect,
    ) {
        self.steps.push(Step {
            label: label.into(),
            purpose,
            command,
            expect,
            capture: None,
            template: None,
        });
    }

    /// The last step pushed, to add a capture or template to it.
    pub fn last_mut(&mut self) -> Option<&mut Step> {
        self.steps.last_mut()
    }

    /// Marks the last step as giving a value later steps use.
    pub fn capture_last(&mut self, name: &str, prefix: &str, field: usize, planned: &str) {
        if let Some(step) = self.steps.last_mut() {
            step.capture = Some(Capture {
                name: name.to_owned(),
                prefix: prefix.to_owned(),
                field,
                planned: planned.to_owned(),
                range: None,
            });
        }
    }

    /// As [`Plan::capture_last`], for a number that must be at least `lo` and is lowered
    /// to `hi` when larger.
    pub fn capture_last_number(
        &mut self,
        name: &str,
        prefix: &str,
        field: usize,
        planned: &str,
        (lo, hi): (u64, u64),
    ) {
        self.capture_last(name, prefix, field, planned);
        if let Some(c) = self.steps.last_mut().and_then(|s| s.capture.as_mut()) {
            c.range = Some((lo, hi));
        }
    }

    /// Pushes a step whose line uses captured values: `template` with `{name}`s, shown
    /// filled with the planned values.
    pub fn push_templated(
        &mut self,
        label: impl Into<String>,
        purpose: Purpose,
        template: &str,
        mut command: Command,
        expect: Expect,
    ) {
        let planned: Vec<(String, String)> = self
            .steps
            .iter()
            .filter_map(|s| s.capture.as_ref())
            .map(|c| (c.name.clone(), c.planned.clone()))
            .collect();
        command.line = fill(template, &planned).into_bytes();
        self.push_expect(label, purpose, command, expect);
        if let Some(step) = self.steps.last_mut() {
            step.template = Some(template.to_owned());
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Appends another plan's steps, notes and restore steps (restore steps run after all
    /// steps, in the order the plans were joined).
    pub fn extend(&mut self, other: Self) {
        self.steps.extend(other.steps);
        self.notes.extend(other.notes);
        self.restore.extend(other.restore);
    }

    /// Every byte the host writes, in order: what `--raw` prints.
    pub fn raw_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for step in self.all_steps() {
            out.extend(host_bytes(&step.command));
        }
        out
    }

    /// The script with control characters made visible, one step per block.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {} ({})", self.title, self.family);
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(out, "\n# {}. {}", i + 1, step.label);
            out.push_str(&render_command(&step.command));
        }
        if !self.restore.is_empty() {
            let _ = writeln!(
                out,
                "\n# then, whatever happened above (also after a failure):"
            );
        }
        for (i, step) in self.restore.iter().enumerate() {
            let _ = writeln!(out, "\n# {}. {}", self.steps.len() + i + 1, step.label);
            out.push_str(&render_command(&step.command));
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n# note: {note}");
        }
        out
    }
}

/// The recovery step every flow starts with: the family's probe (`AT`, iChip `AT+i`).
pub fn sync_step(family: Family) -> Step {
    Step {
        label: "check the module answers in command mode (after an interrupted run: leave \
                what it left)"
            .into(),
        purpose: Purpose::Sync,
        command: Command::new(family.recovery().probe).with_timeout(Duration::from_secs(1)),
        expect: Expect::Tolerate,
        capture: None,
        template: None,
    }
}

/// `plan` starting with [`sync_step`]; a plan that already starts with the probe gets its
/// first step marked as the sync, and an empty plan stays empty (nothing to send).
pub fn with_recovery(mut plan: Plan) -> Plan {
    if plan.steps.is_empty() {
        return plan;
    }
    let sync = sync_step(plan.family);
    match plan.steps.first_mut() {
        Some(first) if first.command.line == sync.command.line && first.command.data.is_none() => {
            first.purpose = Purpose::Sync;
            first.expect = Expect::Tolerate;
        }
        _ => plan.steps.insert(0, sync),
    }
    plan
}

/// The bytes the host writes for one command: line, terminator, payload, data terminator.
pub fn host_bytes(command: &Command) -> Vec<u8> {
    let mut out = command.line.clone();
    out.extend_from_slice(&command.terminator);
    if let Some(data) = &command.data {
        out.extend_from_slice(&data.payload);
        out.extend(data.terminator);
    }
    out
}

/// One command with CR, LF, Ctrl+Z, ESC and other control bytes made visible. Binary
/// payloads are shown as hex lines; waiting for a prompt is shown as a comment.
pub fn render_command(command: &Command) -> String {
    let mut out = String::new();
    out.push_str(&visible(&command.line));
    out.push_str(&visible(&command.terminator));
    // A CR LF terminator (nRF91, ESP-AT) already ended the line: no blank line after it.
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if let Some(data) = &command.data {
        match &data.trigger {
            Trigger::Prompt => out.push_str("#   (wait for the '>' prompt)\n"),
            Trigger::OkThenPrompt => out.push_str("#   (wait for OK, then the '>' prompt)\n"),
            Trigger::Line(line) => {
                let _ = writeln!(out, "#   (wait for '{line}')");
            }
            Trigger::Immediately => {}
        }
        let text = data
            .payload
            .iter()
            .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t'));
        if text {
            out.push_str(&visible(&data.payload));
        } else {
            let _ = writeln!(out, "#   ({} bytes of binary data:)", data.payload.len());
            for chunk in data.payload.chunks(32) {
                for b in chunk {
                    let _ = write!(out, "{b:02x}");
                }
                out.push('\n');
            }
        }
        if let Some(t) = data.terminator {
            out.push_str(&visible(&[t]));
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Printable ASCII as is; `<CR>`, `<LF>` (followed by a real newline, for reading),
/// `<Ctrl+Z>`, `<ESC>`, `<TAB>` and `<0xNN>` for the rest.
pub fn visible(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\r' => out.push_str("<CR>"),
            b'\n' => out.push_str("<LF>\n"),
            0x1a => out.push_str("<Ctrl+Z>"),
            0x1b => out.push_str("<ESC>"),
            b'\t' => out.push_str("<TAB>"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(char::from(b)),
            b => {
                let _ = write!(out, "<0x{b:02x}>");
            }
        }
    }
    out
}

/// Why a plan cannot be made: the module cannot do what was asked.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The family has no way to store this credential or do this operation.
    #[error("{family} cannot {what}: {why}")]
    Unsupported {
        family: Family,
        what: String,
        why: String,
    },
    /// A credential is larger than the module accepts.
    #[error("the {role} is {len} bytes but {family} accepts at most {max}; {hint}")]
    TooLarge {
        family: Family,
        role: Role,
        len: usize,
        max: usize,
        hint: String,
    },
    /// A credential name the module would reject.
    #[error("the {role} name '{name}' is not valid on {family}: {why}")]
    BadName {
        family: Family,
        role: Role,
        name: String,
        why: String,
    },
    /// A credential is empty.
    #[error("the {role} is empty; choose the file again")]
    Empty { role: Role },
    /// Nothing to do.
    #[error("no credentials given; add at least the root CA")]
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::{DataPhase, ResponseShape};

    #[test]
    fn renders_control_characters_visibly_and_raw_is_exact() {
        let cmd = Command {
            line: b"AT#SSLSECDATA=1,1,1".to_vec(),
            terminator: b"\r".to_vec(),
            data: Some(DataPhase {
                trigger: Trigger::Prompt,
                payload: b"-----BEGIN\nAB\n".to_vec(),
                terminator: Some(0x1a),
                trigger_timeout: Duration::from_secs(5),
            }),
            response: ResponseShape::Lines,
            timeout: Duration::from_secs(5),
        };
        let text = render_command(&cmd);
        assert_eq!(
            text,
            "AT#SSLSECDATA=1,1,1<CR>\n#   (wait for the '>' prompt)\n-----BEGIN<LF>\nAB<LF>\n<Ctrl+Z>\n"
        );
        assert_eq!(
            host_bytes(&cmd),
            b"AT#SSLSECDATA=1,1,1\r-----BEGIN\nAB\n\x1a"
        );
    }

    #[test]
    fn binary_payload_is_hex() {
        let cmd = Command {
            line: b"AT+S.TLSCERT=ca,3".to_vec(),
            terminator: b"\r".to_vec(),
            data: Some(DataPhase {
                trigger: Trigger::Immediately,
                payload: vec![0x30, 0x82, 0x00],
                terminator: None,
                trigger_timeout: Duration::from_secs(1),
            }),
            response: ResponseShape::Lines,
            timeout: Duration::from_secs(5),
        };
        assert!(render_command(&cmd).contains("308200\n"));
    }
}
