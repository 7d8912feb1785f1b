//! Native only: the real test connection of a module that speaks only SSL 3.0 / TLS 1.0 /
//! TLS 1.1 (SIM800, Telit GE/GL, iChip). rustls has no TLS below 1.2, so the handshake is
//! made by `openssl s_client`, given exactly the bytes stored on the simulated module
//! (written to a private temporary directory for the connection's lifetime).
//!
//! OpenSSL 3 refuses TLS 1.0/1.1 and SHA-1 signatures at its default security level; such a
//! module cannot do better, so the client runs at `@SECLEVEL=0`, as the module would.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use tempfile::TempDir;

use super::creds::KeyFormat;
use super::offer::{ClientOffer, Refusal, TlsVersion};
use super::target::RealTlsTarget;

/// An open `openssl s_client` session.
pub(crate) struct LegacyLink {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Application data from the server; `None` once the client's stdout closed.
    data: Receiver<Option<Vec<u8>>>,
    /// Holds the credential files until the connection ends.
    _dir: TempDir,
    io_timeout: Duration,
    idle_timeout: Duration,
}

/// Writes `bytes` as `name` in `dir`; returns its path for openssl's command line.
fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> Result<String, Refusal> {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).map_err(|e| Refusal::Handshake(e.to_string()))?;
    Ok(path.to_string_lossy().into_owned())
}

fn version_name(v: TlsVersion) -> &'static str {
    match v {
        // OpenSSL 3 builds carry no SSL 3.0; TLS 1.0 is the floor.
        TlsVersion::Ssl3 | TlsVersion::Tls10 => "TLSv1",
        TlsVersion::Tls11 => "TLSv1.1",
        TlsVersion::Tls12 => "TLSv1.2",
        TlsVersion::Tls13 => "TLSv1.3",
    }
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    crate::cert::pem::encode(label, der, crate::cert::LineEnding::Lf)
}

/// Reads `from` to its end in a thread, each chunk (then `None`) sent on the channel: the
/// waits are then bounded by `recv_timeout`, never by a blocking pipe read.
fn pump(mut from: impl Read + Send + 'static) -> Receiver<Option<Vec<u8>>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(n) => {
                    if tx
                        .send(Some(buf.get(..n).unwrap_or_default().to_vec()))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    rx
}

impl LegacyLink {
    pub fn open(target: &RealTlsTarget, offer: &ClientOffer) -> Result<Self, Refusal> {
        // Owner-only (0700 on Unix): the private key goes in here.
        let dir = tempfile::Builder::new()
            .prefix("atcert-legacytls-")
            .tempdir()
            .map_err(|e| Refusal::Handshake(e.to_string()))?;
        let ciphers = if offer.rsa_only {
            // RSA key exchange only (iChip's list, ichip.md 6).
            "AES128-SHA:AES256-SHA:DES-CBC3-SHA:@SECLEVEL=0"
        } else {
            "DEFAULT:@SECLEVEL=0"
        };
        let mut cmd = Command::new("openssl");
        cmd.arg("s_client")
            .args(["-connect", &target.addr.to_string()])
            .args(["-min_protocol", version_name(offer.versions.0)])
            .args(["-max_protocol", version_name(offer.versions.1)])
            .args(["-cipher", ciphers, "-brief", "-no_ign_eof"]);
        if let Some(sni) = &offer.sni {
            cmd.args(["-servername", sni]);
        } else {
            cmd.arg("-noservername");
        }
        if let Some(cas) = &offer.trust {
            let bundle: Vec<u8> = cas
                .iter()
                .flat_map(|c| pem("CERTIFICATE", &c.der))
                .collect();
            cmd.args(["-CAfile", &write(&dir, "ca.pem", &bundle)?])
                .args(["-verify_return_error", "-verify_hostname", &offer.host]);
        }
        if let Some((cert, key)) = &offer.client {
            let label = match key.format {
                KeyFormat::Pkcs1 => "RSA PRIVATE KEY",
                KeyFormat::Sec1 => "EC PRIVATE KEY",
                KeyFormat::Pkcs8 => "PRIVATE KEY",
            };
            cmd.args([
                "-cert",
                &write(&dir, "client.pem", &pem("CERTIFICATE", &cert.der))?,
            ])
            .args(["-key", &write(&dir, "client.key", &pem(label, &key.der))?]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Refusal::Handshake(format!("cannot run openssl s_client: {e}")))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(Refusal::Handshake("openssl s_client without pipes".into()));
        };
        let data = pump(stdout);
        // `-brief` reports `CONNECTION ESTABLISHED` on stderr once the handshake (and the
        // server's verification) succeeded; before that, stderr carries the failure.
        let (tx, status) = channel();
        std::thread::spawn(move || {
            let mut said = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("CONNECTION ESTABLISHED") {
                    let _ = tx.send(Ok(()));
                    return;
                }
                said.push(line);
            }
            let _ = tx.send(Err(said));
        });
        let link = Self {
            child,
            stdin: Some(stdin),
            data,
            _dir: dir,
            io_timeout: target.io_timeout,
            idle_timeout: target.idle_timeout,
        };
        match status.recv_timeout(target.connect_timeout + target.io_timeout) {
            Ok(Ok(())) => Ok(link),
            Ok(Err(said)) => Err(refusal(&said, offer)),
            Err(_) => Err(Refusal::Handshake("handshake timed out".into())),
        }
    }

    /// Writes `bytes`, then reads until the server closes or falls silent (bounded).
    pub fn exchange(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, bool), String> {
        if !bytes.is_empty() {
            let stdin = self.stdin.as_mut().ok_or("the connection is closed")?;
            stdin
                .write_all(bytes)
                .and_then(|()| stdin.flush())
                .map_err(|e| e.to_string())?;
        }
        let mut got = Vec::new();
        loop {
            let wait = if got.is_empty() {
                self.io_timeout
            } else {
                self.idle_timeout
            };
            match self.data.recv_timeout(wait) {
                Ok(Some(chunk)) => got.extend_from_slice(&chunk),
                Ok(None) | Err(RecvTimeoutError::Disconnected) => return Ok((got, true)),
                Err(RecvTimeoutError::Timeout) => return Ok((got, false)),
            }
            if got.len() > (1 << 20) {
                return Ok((got, false));
            }
        }
    }
}

impl Drop for LegacyLink {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// OpenSSL's own words, mapped to what the module would report.
fn refusal(said: &[String], offer: &ClientOffer) -> Refusal {
    let all = said.join("\n");
    let has = |s: &str| all.contains(s);
    if has("Connection refused") || has("connect:errno") {
        Refusal::Unreachable(all)
    } else if has("certificate has expired") || has("certificate is not yet valid") {
        Refusal::Expired
    } else if has("verify error") || has("certificate verify failed") {
        Refusal::UnknownCa
    } else if has("unsupported protocol")
        || has("wrong version number")
        || has("no protocols available")
        || has("alert protocol version")
    {
        Refusal::Version
    } else if offer.client.is_none()
        && (has("alert handshake failure") || has("alert certificate required"))
    {
        Refusal::ClientCertMissing
    } else if offer.client.is_some()
        && (has("alert unknown ca") || has("alert bad certificate") || has("decrypt error"))
    {
        Refusal::ClientCertRejected
    } else {
        Refusal::Handshake(said.last().cloned().unwrap_or(all))
    }
}
