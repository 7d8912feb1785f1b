//! `atcert provision/detect/ports --serial` on real pseudo-terminals: every test runs the
//! built binary against simulated modules that `atcert simulate --pty` serves, so bytes go
//! through the OS tty layer and the native serial code path, not a mock.

// Pseudo-terminals and openssl: Unix, native only.
#![cfg(all(unix, not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "sim_util.rs"]
mod sim_util;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sim_util::Pki;

const BIN: &str = env!("CARGO_BIN_EXE_atcert");

/// A simulated module served on a pty by a child `atcert simulate --pty`.
struct PtyModule {
    child: Child,
    path: String,
    storage: PathBuf,
    _dir: tempfile::TempDir,
}

impl PtyModule {
    fn start(family: &str, pki: &Pki, faults: &[&str]) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.args(["simulate", "--pty", "--module", family]);
        for f in faults {
            cmd.args(["--fault", f]);
        }
        Self::spawn(cmd, pki)
    }

    /// Runs a `simulate --pty` command line, adding the server CA and the storage file.
    fn spawn(mut cmd: Command, pki: &Pki) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("storage.json");
        cmd.arg("--server-ca")
            .arg(pki.path("ca.pem"))
            .arg("--storage")
            .arg(&storage);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let path = line.trim().to_owned();
        assert!(path.starts_with("/dev/"), "no device path: {line:?}");
        Self {
            child,
            path,
            storage,
            _dir: dir,
        }
    }

    /// name → (sha256, size) of what the module stores.
    fn stored(&self) -> Vec<(String, String, u64)> {
        let v: Value = serde_json::from_slice(&std::fs::read(&self.storage).unwrap()).unwrap();
        v["storage"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, e)| {
                (
                    k.clone(),
                    e["sha256"].as_str().unwrap().to_owned(),
                    e["bytes"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// True once the server process has ended (its pty closed).
    fn exited_within(&mut self, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for PtyModule {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provision_args(pki: &Pki, modules: &[&PtyModule], report: &Path) -> Vec<String> {
    let mut args: Vec<String> = vec!["provision".into()];
    for m in modules {
        args.push("--serial".into());
        args.push(m.path.clone());
    }
    for (flag, file) in [
        ("--ca", "ca.pem"),
        ("--cert", "client.pem"),
        ("--key", "client.key"),
    ] {
        args.push(flag.into());
        args.push(pki.path(file).display().to_string());
    }
    args.push("--report".into());
    args.push(report.display().to_string());
    args
}

fn run(args: &[String]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn report(file: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    v["modules"].as_array().unwrap().clone()
}

fn for_port<'a>(modules: &'a [Value], path: &str) -> &'a Value {
    modules
        .iter()
        .find(|m| m["serial"] == path)
        .unwrap_or_else(|| panic!("{path} not in the report: {modules:?}"))
}

/// Every credential the report lists is stored on the module byte for byte: same SHA-256,
/// same size.
fn assert_report_matches_storage(entry: &Value, module: &PtyModule) {
    let stored = module.stored();
    let creds = entry["credentials"].as_array().unwrap();
    assert!(!creds.is_empty(), "{entry}");
    for c in creds {
        let sha = c["sha256"].as_str().unwrap();
        let size = c["bytes"].as_u64().unwrap();
        assert!(
            stored.iter().any(|(_, s, n)| s == sha && *n == size),
            "{} ({}): sha256 {sha} not stored on {}: {stored:?}",
            c["role"],
            c["name"],
            module.path
        );
    }
}

#[test]
fn one_module_is_provisioned_tested_and_reported_with_the_stored_digests() {
    let pki = Pki::new();
    let m = PtyModule::start("sim7600", &pki, &[]);
    let out_dir = tempfile::tempdir().unwrap();
    let report_file = out_dir.path().join("report.json");
    let transcripts = out_dir.path().join("transcripts");
    let mut args = provision_args(&pki, &[&m], &report_file);
    args.extend(["--host".into(), "localhost".into(), "--transcripts".into()]);
    args.push(transcripts.display().to_string());
    let out = run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 of 1 modules ok"), "{stdout}");

    let modules = report(&report_file);
    assert_eq!(modules.len(), 1);
    let entry = &modules[0];
    assert_eq!(entry["ok"], true, "{entry}");
    assert_eq!(entry["family"], "sim7600");
    assert_eq!(entry["model"], "SIM7600G-H");
    assert_eq!(entry["imei"], "861234567890123");
    assert!(entry["started"].as_str().unwrap().ends_with('Z'));
    assert!(entry["seconds"].as_f64().unwrap() > 0.0);
    let roles: Vec<&str> = entry["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["ca", "client-cert", "client-key"]);
    assert_report_matches_storage(entry, &m);
    assert_eq!(entry["test"]["ok"], true, "{entry}");
    assert!(entry["test"]["response_bytes"].as_u64().unwrap() > 0);

    // The transcript holds the exact exchange, uploads included.
    let text = std::fs::read_to_string(entry["transcript"].as_str().unwrap()).unwrap();
    assert!(text.contains("AT+CCERTDOWN=\"ca_cert.pem\""), "{text}");
    assert!(text.contains("-----BEGIN CERTIFICATE-----"));

    // The module keeps its credentials: a test connection alone works.
    let test = run(&[
        "test".into(),
        "--serial".into(),
        m.path.clone(),
        "--host".into(),
        "localhost".into(),
    ]);
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stderr)
    );
    // Removal deletes what provisioning stored.
    let mut remove: Vec<String> = vec!["remove".into(), "--serial".into(), m.path.clone()];
    for (flag, file) in [
        ("--ca", "ca.pem"),
        ("--cert", "client.pem"),
        ("--key", "client.key"),
    ] {
        remove.push(flag.into());
        remove.push(pki.path(file).display().to_string());
    }
    let out = run(&remove);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left = m.stored();
    for c in entry["credentials"].as_array().unwrap() {
        let sha = c["sha256"].as_str().unwrap();
        assert!(!left.iter().any(|(_, s, _)| s == sha), "still stored: {c}");
    }
}

#[test]
fn eight_modules_run_in_parallel_and_each_report_matches_its_storage() {
    let pki = Pki::new();
    // Two families, and unsolicited lines (URCs) between answers on two of the lines.
    let modules: Vec<PtyModule> = (0..8)
        .map(|i| {
            let family = if i % 2 == 0 { "sim7600" } else { "spwf04" };
            let faults: &[&str] = if i < 2 {
                &["noise-at=0", "noise-at=40"]
            } else {
                &[]
            };
            PtyModule::start(family, &pki, faults)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let refs: Vec<&PtyModule> = modules.iter().collect();
    let out = run(&provision_args(&pki, &refs, &report_file));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("8 of 8 modules ok"), "{stdout}");
    let entries = report(&report_file);
    assert_eq!(entries.len(), 8);
    for m in &modules {
        let entry = for_port(&entries, &m.path);
        assert_eq!(entry["ok"], true, "{entry}");
        assert_report_matches_storage(entry, m);
    }
    // In parallel: all eight were under way at once (each started before any finished).
    let seconds: Vec<f64> = entries
        .iter()
        .map(|e| e["seconds"].as_f64().unwrap())
        .collect();
    let slowest = seconds.iter().copied().fold(0.0, f64::max);
    let total: f64 = seconds.iter().sum();
    assert!(
        slowest < total / 2.0,
        "modules ran one after another: {seconds:?}"
    );
}

#[test]
fn a_cable_pulled_mid_upload_names_the_step_and_the_other_module_finishes() {
    let pki = Pki::new();
    // The line drops after 700 host bytes: during the CA upload (it starts after about
    // 150 bytes of detection, clock and the CCERTDOWN line, and is 1127 bytes long).
    let mut pulled = PtyModule::start("sim7600", &pki, &["disconnect-at=700"]);
    let fine = PtyModule::start("sim7600", &pki, &[]);
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let out = run(&provision_args(&pki, &[&pulled, &fine], &report_file));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        pulled.exited_within(Duration::from_secs(5)),
        "pty not closed"
    );

    let entries = report(&report_file);
    let bad = for_port(&entries, &pulled.path);
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["state"], "failed");
    let error = bad["error"].as_str().unwrap();
    assert!(error.contains("disconnected"), "{error}");
    assert!(error.contains("upload the root CA certificate"), "{error}");
    assert!(error.contains("A rerun is safe"), "{error}");
    assert!(
        error.contains("Interrupted while writing") || error.contains("Written before"),
        "{error}"
    );
    // What it set out to write is reported, none of it as verified.
    for c in bad["credentials"].as_array().unwrap() {
        assert_eq!(c["content_verified"], false);
        assert!(
            c["verification"]
                .as_str()
                .unwrap()
                .starts_with("not verified")
        );
    }

    let good = for_port(&entries, &fine.path);
    assert_eq!(good["ok"], true, "{good}");
    assert_report_matches_storage(good, &fine);
}

#[test]
fn garbage_on_the_line_fails_naming_the_step_and_what_was_written() {
    let pki = Pki::new();
    // URC-looking noise every 64 module bytes, inside answers too: a line cut in two.
    let noisy = PtyModule::start("sim7600", &pki, &["noise"]);
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let out = run(&provision_args(&pki, &[&noisy], &report_file));
    assert_eq!(out.status.code(), Some(1));
    let entries = report(&report_file);
    let e = &entries[0];
    assert_eq!(e["state"], "failed", "{e}");
    let error = e["error"].as_str().unwrap();
    assert!(error.starts_with("provision: step "), "{error}");
    assert!(
        error.contains("Written before: upload the root CA"),
        "{error}"
    );
    assert!(error.contains("A rerun is safe"), "{error}");
    assert!(!e["written"].as_array().unwrap().is_empty(), "{e}");
}

#[test]
fn a_busy_or_missing_port_is_named_and_the_other_modules_go_on() {
    use atcert::serial::{LineSettings, SerialTransport, StopSignal};
    let pki = Pki::new();
    let held = PtyModule::start("spwf04", &pki, &[]);
    let free = PtyModule::start("spwf04", &pki, &[]);
    // Another program has the port: an exclusive open (TIOCEXCL and flock).
    let _holder =
        SerialTransport::open(&held.path, &LineSettings::default(), StopSignal::new()).unwrap();
    // A second open in this process is refused too.
    let again = SerialTransport::open(&held.path, &LineSettings::default(), StopSignal::new());
    assert!(
        matches!(again, Err(atcert::serial::OpenError::Busy { .. })),
        "{:?}",
        again.err()
    );

    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let mut args = provision_args(&pki, &[&held, &free], &report_file);
    args.extend(["--serial".into(), "/dev/atcert-no-such-port".into()]);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    let entries = report(&report_file);
    assert_eq!(entries.len(), 3);

    let busy = for_port(&entries, &held.path);
    assert_eq!(busy["state"], "not-started");
    let error = busy["error"].as_str().unwrap();
    assert!(error.contains("is busy"), "{error}");
    assert!(error.contains("another program"), "{error}");

    let missing = for_port(&entries, "/dev/atcert-no-such-port");
    assert_eq!(missing["state"], "not-started");
    assert!(
        missing["error"].as_str().unwrap().contains("no such port"),
        "{missing}"
    );

    let good = for_port(&entries, &free.path);
    assert_eq!(good["ok"], true, "{good}");
    assert_report_matches_storage(good, &free);
}

#[test]
fn a_module_that_stores_other_bytes_fails_where_it_can_be_read_back() {
    let pki = Pki::new();
    // Telit reads certificates back: the change is found.
    let telit = PtyModule::start("telit-le910", &pki, &["corrupt"]);
    // SIM7600 only lists files: the run passes, and the report says the content was not
    // proven; its digests are of what was sent, which the module did not keep.
    let simcom = PtyModule::start("sim7600", &pki, &["corrupt"]);
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let out = run(&provision_args(&pki, &[&telit, &simcom], &report_file));
    assert_eq!(out.status.code(), Some(1));
    let entries = report(&report_file);

    let t = for_port(&entries, &telit.path);
    assert_eq!(t["ok"], false);
    let error = t["error"].as_str().unwrap();
    assert!(error.contains("verification failed"), "{error}");
    for c in t["credentials"].as_array().unwrap() {
        assert_eq!(c["content_verified"], false, "{c}");
    }

    let s = for_port(&entries, &simcom.path);
    assert_eq!(s["ok"], true, "{s}");
    let stored = simcom.stored();
    for c in s["credentials"].as_array().unwrap() {
        assert_eq!(c["content_verified"], false, "{c}");
        let sha = c["sha256"].as_str().unwrap();
        assert!(
            !stored.iter().any(|(_, st, _)| st == sha),
            "the module was meant to store other bytes: {c}"
        );
    }
}

#[test]
fn ctrl_c_stops_every_module_and_reports_where_each_was() {
    let pki = Pki::new();
    // Slow answers keep the runs going long enough to interrupt them.
    let a = PtyModule::start("sim7600", &pki, &["slow=400"]);
    let b = PtyModule::start("spwf04", &pki, &["slow=400"]);
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let child = Command::new(BIN)
        .args(provision_args(&pki, &[&a, &b], &report_file))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?} to stop",
        started.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = report(&report_file);
    assert_eq!(entries.len(), 2);
    for e in &entries {
        assert_eq!(e["state"], "stopped", "{e}");
        assert_eq!(e["ok"], false);
        let error = e["error"].as_str().unwrap();
        assert!(error.contains("stopped by Ctrl+C"), "{error}");
        assert!(e["step"].is_string(), "{e}");
    }
}

#[test]
fn detect_reports_the_module_as_json() {
    let pki = Pki::new();
    let m = PtyModule::start("telit-legacy", &pki, &[]);
    let out = run(&[
        "detect".into(),
        "--serial".into(),
        m.path.clone(),
        "--json".into(),
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &v["modules"][0];
    assert_eq!(entry["family"], "telit-legacy", "{v}");
    assert_eq!(entry["model"], "GL865-QUAD");
    assert_eq!(entry["ok"], true);
}

#[test]
fn baud_auto_finds_the_rate_the_module_answers_at() {
    let pki = Pki::new();
    // The pty module understands only clients that set 57600.
    let mut cmd = Command::new(BIN);
    cmd.args([
        "simulate", "--pty", "--module", "sim7600", "--baud", "57600",
    ]);
    let m = PtyModule::spawn(cmd, &pki);
    let detect = |baud: &str| {
        let out = run(&[
            "detect".into(),
            "--serial".into(),
            m.path.clone(),
            "--baud".into(),
            baud.into(),
            "--json".into(),
        ]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v["modules"][0].clone())
    };
    let (code, wrong) = detect("115200");
    assert_eq!(code, Some(1), "{wrong}");
    assert_eq!(wrong["ok"], false);
    let (code, found) = detect("auto");
    assert_eq!(code, Some(0), "{found}");
    assert_eq!(found["baud"], 57600);
    assert_eq!(found["model"], "SIM7600G-H");
}

#[test]
fn the_pty_answers_any_terminal_client() {
    let pki = Pki::new();
    let m = PtyModule::start("sim7600", &pki, &[]);
    // A plain open and write, as a terminal program would (the server set the line raw).
    let mut port = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&m.path)
        .unwrap();
    port.write_all(b"AT+CGMM\r").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    let end = Instant::now() + Duration::from_secs(5);
    while !got.windows(2).any(|w| w == b"OK") && Instant::now() < end {
        let n = port.read(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains("SIM7600G-H"), "{text}");
    assert!(text.contains("OK"), "{text}");
}

#[test]
fn ports_lists_as_json() {
    let out = run(&["ports".into(), "--json".into()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for p in v["ports"].as_array().unwrap() {
        assert!(p["path"].as_str().unwrap().starts_with("/dev/"), "{p}");
        assert!(p["at_port"]["is"].is_string(), "{p}");
    }
}

#[test]
fn a_quectel_on_a_pty_is_detected_verified_by_its_checksum_and_caught_when_it_corrupts() {
    let pki = Pki::new();
    let good = PtyModule::start("BG95-M3", &pki, &[]);
    let bad = PtyModule::start("quectel", &pki, &["corrupt"]);
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.json");
    let out = run(&provision_args(&pki, &[&good, &bad], &report_file));
    assert_eq!(out.status.code(), Some(1));
    let entries = report(&report_file);

    let g = for_port(&entries, &good.path);
    assert_eq!(g["ok"], true, "{g}");
    assert_eq!(g["family"], "quectel", "{g}");
    for c in g["credentials"].as_array().unwrap() {
        assert_eq!(c["content_verified"], true, "{c}");
    }
    assert_report_matches_storage(g, &good);

    let b = for_port(&entries, &bad.path);
    assert_eq!(b["ok"], false, "{b}");
    let error = b["error"].as_str().unwrap();
    assert!(error.contains("verification failed"), "{error}");
    assert!(error.contains("checksum"), "{error}");
}
