//! Many modules at once: `atcert provision` on eight simulated SIM7600s, each served on
//! its own pseudo-terminal by `atcert simulate --pty` at 115200 baud in real time, against
//! the same run on one. Wall-clock time of the whole command (detection, clock, CA, client
//! certificate and key, verification, TLS settings), best of three. Goal: ratio <= 1.2.
//!
//! Run: `cargo bench --bench serial_parallel`. Prints figures; asserts nothing about time.

#[cfg(all(unix, not(target_arch = "wasm32")))]
#[path = "../sim_util.rs"]
mod sim_util;

#[cfg(all(unix, not(target_arch = "wasm32")))]
mod bench {
    use std::io::BufRead as _;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::sim_util::Pki;

    const BIN: &str = env!("CARGO_BIN_EXE_atcert");

    struct Served(Child, String);

    impl Drop for Served {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn serve() -> Served {
        let mut child = Command::new(BIN)
            .args([
                "simulate", "--pty", "--module", "sim7600", "--baud", "115200",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn atcert simulate --pty");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("pty path");
        Served(child, line.trim().to_owned())
    }

    fn provision(pki: &Pki, ports: &[&str]) -> Duration {
        let mut cmd = Command::new(BIN);
        cmd.arg("provision");
        for p in ports {
            cmd.args(["--serial", p]);
        }
        cmd.arg("--ca")
            .arg(pki.path("ca.pem"))
            .arg("--cert")
            .arg(pki.path("client.pem"))
            .arg("--key")
            .arg(pki.path("client.key"))
            .arg("--plain")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let start = Instant::now();
        let status = cmd.status().expect("run atcert provision");
        let took = start.elapsed();
        assert!(status.success(), "provisioning failed on {ports:?}");
        took
    }

    fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
        (0..runs).map(|_| f()).min().unwrap_or_default()
    }

    pub fn main() {
        let pki = Pki::new();
        let servers: Vec<Served> = (0..8).map(|_| serve()).collect();
        let paths: Vec<&str> = servers.iter().map(|s| s.1.as_str()).collect();
        let one = best_of(3, || provision(&pki, &paths[..1]));
        let eight = best_of(3, || provision(&pki, &paths));
        let ratio = eight.as_secs_f64() / one.as_secs_f64();
        println!(
            "sim7600 at 115200 baud on ptys: 1 module {:.3} s, 8 modules {:.3} s, ratio {:.2} (goal <= 1.20)",
            one.as_secs_f64(),
            eight.as_secs_f64(),
            ratio
        );
    }
}

fn main() {
    #[cfg(all(unix, not(target_arch = "wasm32")))]
    bench::main();
}
