//! Shared helpers for the simulator tests: a host that talks raw AT through a `SimPort`
//! on a virtual clock, racing reads against deadlines like the runner does.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use atcert::at::Instant;
use atcert::session::{Clock, Transport, TransportError};
use atcert::sim::{LineConfig, LineFaults, SimModule, SimPort, VirtualClock};
use futures::executor::block_on;
use futures::future::{Either, select};

pub struct Host {
    pub clock: VirtualClock,
    pub port: SimPort<VirtualClock>,
}

impl Host {
    pub fn new(module: &SimModule) -> Self {
        Self::with(module, LineConfig::default(), LineFaults::default())
    }

    pub fn with(module: &SimModule, line: LineConfig, faults: LineFaults) -> Self {
        let clock = VirtualClock::new();
        let port = module.port_with_faults(clock.clone(), line, faults);
        Self { clock, port }
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        block_on(self.port.write(bytes))
    }

    /// Everything that arrives within `window`, as the runner would see it: reads raced
    /// against a sleep to the deadline, read polled first.
    pub fn read_for(&mut self, window: Duration) -> Result<Vec<u8>, TransportError> {
        let deadline = self.clock.now() + window;
        let mut got = Vec::new();
        loop {
            let mut buf = [0u8; 512];
            let clock = self.clock.clone();
            let r = block_on(async {
                let read = std::pin::pin!(self.port.read(&mut buf));
                let sleep = std::pin::pin!(clock.sleep_until(deadline));
                match select(read, sleep).await {
                    Either::Left((r, _)) => Some(r),
                    Either::Right(((), _)) => None,
                }
            });
            match r {
                Some(Ok(n)) => got.extend_from_slice(&buf[..n]),
                Some(Err(e)) => return Err(e),
                None => return Ok(got),
            }
        }
    }

    /// Reads until `needle` has arrived or `timeout` passed; returns what arrived.
    pub fn read_until(&mut self, needle: &[u8], timeout: Duration) -> Vec<u8> {
        let deadline = self.clock.now() + timeout;
        let mut got = Vec::new();
        while !got.windows(needle.len()).any(|w| w == needle) {
            let left = deadline - self.clock.now();
            if left.is_zero() {
                break;
            }
            let mut buf = [0u8; 512];
            let clock = self.clock.clone();
            let r = block_on(async {
                let read = std::pin::pin!(self.port.read(&mut buf));
                let sleep = std::pin::pin!(clock.sleep_until(deadline));
                match select(read, sleep).await {
                    Either::Left((r, _)) => Some(r),
                    Either::Right(((), _)) => None,
                }
            });
            match r {
                Some(Ok(n)) => got.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        got
    }

    /// Sends a command line (CR appended) and returns everything within `window`.
    pub fn cmd_for(&mut self, line: &str, window: Duration) -> String {
        self.write(format!("{line}\r").as_bytes()).expect("write");
        String::from_utf8_lossy(&self.read_for(window).expect("read")).into_owned()
    }

    /// Sends a command line and returns everything within 2 s of virtual time.
    pub fn cmd(&mut self, line: &str) -> String {
        self.cmd_for(line, Duration::from_secs(2))
    }

    /// Sends raw bytes and returns everything within `window`.
    pub fn raw_for(&mut self, bytes: &[u8], window: Duration) -> Vec<u8> {
        self.write(bytes).expect("write");
        self.read_for(window).expect("read")
    }
}

/// Test credentials made by the openssl CLI in a temp dir.
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// The digest every certificate is signed with (`sha256`; `sha1` for iChip).
    digest: &'static str,
}

impl Pki {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read pki file")
    }

    /// Runs openssl in the temp dir, panicking with its stderr on failure.
    pub fn openssl(&self, args: &[&str]) {
        run_openssl(self.dir.path(), args);
    }

    /// An RSA CA `ca`, a server cert for `localhost` signed by it, a second unrelated CA
    /// `other`, a client cert signed by `ca`, and DER forms of each.
    #[allow(clippy::new_without_default)] // Runs openssl: not a cheap default.
    pub fn new() -> Self {
        Self::signed_with("sha256")
    }

    /// The same set, every signature made with `digest` (`sha1` for modules that verify
    /// only MD5/SHA-1 signatures, such as iChip).
    pub fn signed_with(digest: &'static str) -> Self {
        let pki = Pki {
            dir: tempfile::tempdir().expect("tempdir"),
            digest,
        };
        pki.ca("ca", "rsa:2048", "Test Root CA");
        pki.ca("other", "rsa:2048", "Other Root CA");
        pki.leaf("server", "ca", "localhost", "rsa:2048", true);
        pki.leaf("client", "ca", "device-001", "rsa:2048", false);
        pki.leaf("rogue", "other", "device-002", "rsa:2048", false);
        for name in ["ca", "other", "server", "client", "rogue"] {
            pki.openssl(&[
                "x509",
                "-in",
                &format!("{name}.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("{name}.der"),
            ]);
        }
        // Key encodings: PKCS#8 (default), PKCS#1, DER.
        pki.openssl(&[
            "rsa",
            "-in",
            "client.key",
            "-traditional",
            "-out",
            "client.rsa.key",
        ]);
        pki.openssl(&[
            "pkey",
            "-in",
            "client.key",
            "-outform",
            "DER",
            "-out",
            "client.key.der",
        ]);
        pki
    }

    pub fn ca(&self, name: &str, newkey: &str, cn: &str) {
        self.openssl(&[
            "req",
            "-x509",
            &format!("-{}", self.digest),
            "-newkey",
            newkey,
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            "3650",
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-addext",
            "subjectKeyIdentifier=hash",
        ]);
    }

    pub fn leaf(&self, name: &str, ca: &str, cn: &str, newkey: &str, server: bool) {
        self.openssl(&[
            "req",
            "-newkey",
            newkey,
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={cn}"),
        ]);
        let ext = if server {
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        } else {
            "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        };
        std::fs::write(self.path(&format!("{name}.ext")), ext).expect("write ext");
        self.openssl(&[
            "x509",
            "-req",
            &format!("-{}", self.digest),
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "825",
            "-out",
            &format!("{name}.pem"),
            "-extfile",
            &format!("{name}.ext"),
        ]);
    }
}

pub fn run_openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The current UTC time as `AT+CCLK` wants it.
pub fn cclk_now() -> String {
    let out = Command::new("date")
        .args(["-u", "+%y/%m/%d,%H:%M:%S+00"])
        .output()
        .expect("run date");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The current Unix time in seconds.
pub fn epoch_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Phrases only the generic explanations use (session/error.rs, modules/explain.rs): an
/// explanation containing one does not say what this family's answer means.
pub const GENERIC_EXPLANATION: &[&str] = &[
    "look the result up",
    "without saying why",
    "look the code up",
];

/// `out`, a final result or an informational line a simulator of `family` can emit, gets an
/// explanation of its own from `modules::explain` / `modules::explain_line`.
pub fn assert_explained_specifically(family: atcert::modules::Family, out: &str) {
    use atcert::at::parse_final;
    use atcert::modules::{explain, explain_line};
    let e = match parse_final(&family.engine_config(), out) {
        // `0, CLOSE OK` ends a close well but reports a failure after an open: a line.
        Some(fin) if !fin.is_ok() => explain(family, &fin),
        _ => explain_line(family, out),
    };
    let e = e.unwrap_or_else(|| panic!("{family}: {out:?} has no explanation"));
    let text = format!("{} {}", e.meaning, e.next_step);
    assert!(
        !GENERIC_EXPLANATION.iter().any(|g| text.contains(g)),
        "{family}: {out:?} is explained only generically: {text}"
    );
    assert!(
        !e.meaning.is_empty() && !e.next_step.is_empty(),
        "{family}: {out:?}"
    );
}
