//! The simulated line: exact pacing on the virtual clock, the read/sleep race, real-time
//! mode, fault injection and reconnecting to a module that kept its storage.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use atcert::at::Instant;
use atcert::modules::Family;
use atcert::session::{Clock, Transport, TransportError};
use atcert::sim::{Faults, LineConfig, LineFaults, Server, Sim7600Config, VirtualClock};
use futures::executor::block_on;
use util::Host;

fn sim7600() -> atcert::sim::SimModule {
    Sim7600Config::default().build()
}

#[test]
fn byte_time_follows_the_baud_rate() {
    assert_eq!(
        LineConfig {
            baud: 115_200,
            latency: Duration::ZERO
        }
        .byte_time_ns(),
        86_806
    );
    assert_eq!(
        LineConfig {
            baud: 9_600,
            latency: Duration::ZERO
        }
        .byte_time_ns(),
        1_041_667
    );
}

#[test]
fn exchange_time_is_bytes_times_byte_time_plus_latency() {
    for (baud, latency_us, echo) in [
        (115_200, 1_000, true),
        (9_600, 5_000, false),
        (921_600, 300, true),
    ] {
        let m = sim7600();
        let line = LineConfig {
            baud,
            latency: Duration::from_micros(latency_us),
        };
        let mut h = Host::with(&m, line.clone(), LineFaults::default());
        if !echo {
            h.cmd("ATE0");
        }
        let start = h.now();
        h.write(b"AT+CGMM\r").unwrap();
        let got = h.read_until(b"OK\r\n", Duration::from_secs(1));
        let expect_answer = "\r\nSIMCOM_SIM7600G-H\r\n\r\nOK\r\n";
        let expect = if echo {
            format!("AT+CGMM\r{expect_answer}")
        } else {
            expect_answer.to_owned()
        };
        assert_eq!(String::from_utf8_lossy(&got), expect);
        let elapsed = h.now() - start;
        let bytes = 8 + expect_answer.len() as u64;
        assert_eq!(
            elapsed,
            line.exchange_time(bytes),
            "baud {baud} echo {echo}"
        );
    }
}

#[test]
fn a_deadline_before_the_last_byte_times_out_without_losing_bytes() {
    let m = sim7600();
    let line = LineConfig::default();
    let mut h = Host::with(&m, line.clone(), LineFaults::default());
    h.cmd("ATE0");
    let start = h.now();
    h.write(b"AT\r").unwrap();
    let done = start + line.exchange_time(3 + 6);
    // Everything but the last byte arrives before `done - 1 µs`.
    let early = h
        .read_for(done - Instant::from_micros(start.as_micros() + 1))
        .unwrap();
    assert_eq!(early, b"\r\nOK\r");
    assert_eq!(h.now().as_micros(), done.as_micros() - 1);
    let rest = h.read_for(Duration::from_micros(1)).unwrap();
    assert_eq!(rest, b"\n");
    assert_eq!(h.now(), done);
}

#[test]
fn a_bare_read_moves_time_itself_and_sleep_alone_completes() {
    let m = sim7600();
    let clock = VirtualClock::new();
    let mut port = m.port(clock.clone(), LineConfig::default());
    block_on(port.write(b"AT\r")).unwrap();
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while !got.ends_with(b"OK\r\n") {
        let n = block_on(port.read(&mut buf)).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"AT\r\r\nOK\r\n");
    assert_eq!(
        clock.now() - Instant::ZERO,
        LineConfig::default().exchange_time(9)
    );
    let t = clock.now() + Duration::from_secs(3);
    block_on(clock.sleep_until(t));
    assert_eq!(clock.now(), t);
}

/// A clock that is not virtual to the port: the port must sleep on it.
#[derive(Clone, Default)]
struct StepClock(Rc<Cell<u64>>);

impl Clock for StepClock {
    fn now(&self) -> Instant {
        Instant::from_micros(self.0.get())
    }

    async fn sleep_until(&self, deadline: Instant) {
        if deadline.as_micros() > self.0.get() {
            self.0.set(deadline.as_micros());
        }
    }
}

#[test]
fn real_time_mode_paces_reads_on_the_given_clock() {
    let m = sim7600();
    let clock = StepClock::default();
    let mut port = m.port_realtime(clock.clone(), LineConfig::default());
    block_on(port.write(b"ATI\r")).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 16];
    while !got.ends_with(b"OK\r\n") {
        let n = block_on(port.read(&mut buf)).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        String::from_utf8_lossy(&got).starts_with("ATI\r\r\nManufacturer: SIMCOM INCORPORATED\r\n")
    );
    let answer = got.len() as u64 - 4;
    assert_eq!(
        clock.now() - Instant::ZERO,
        LineConfig::default().exchange_time(4 + answer)
    );
}

#[test]
fn split_reads_at_every_boundary_give_the_same_bytes() {
    let m = sim7600();
    let faults = LineFaults {
        max_read_chunk: Some(1),
        ..LineFaults::default()
    };
    let mut h = Host::with(&m, LineConfig::default(), faults);
    let mut reads = 0;
    h.write(b"AT+CGMR\r").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while !got.ends_with(b"OK\r\n") {
        let n = block_on(h.port.read(&mut buf)).unwrap();
        assert_eq!(n, 1);
        reads += 1;
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"AT+CGMR\r\r\n+CGMR: LE20B04SIM7600G22\r\n\r\nOK\r\n");
    assert_eq!(reads, got.len());
}

#[test]
fn noise_and_urcs_are_injected_where_asked() {
    let m = sim7600();
    let faults = LineFaults {
        inject: vec![
            (0, b"\xff\x00".to_vec()),
            (5, b"\r\n+CPIN: READY\r\n".to_vec()),
        ],
        ..LineFaults::default()
    };
    let mut h = Host::with(&m, LineConfig::default(), faults);
    let got = h.raw_for(b"AT\r", Duration::from_secs(1));
    assert_eq!(got, b"\xff\x00AT\r\r\n\r\n+CPIN: READY\r\nOK\r\n");
}

#[test]
fn disconnect_after_host_bytes() {
    let m = sim7600();
    let faults = LineFaults {
        disconnect_after_host_bytes: Some(5),
        ..LineFaults::default()
    };
    let mut h = Host::with(&m, LineConfig::default(), faults);
    assert!(matches!(
        h.write(b"AT+CGMM\r"),
        Err(TransportError::Disconnected { .. })
    ));
    assert!(matches!(
        h.read_for(Duration::from_secs(1)),
        Err(TransportError::Disconnected { .. })
    ));
    assert!(matches!(
        h.write(b"AT\r"),
        Err(TransportError::Disconnected { .. })
    ));
    assert_eq!(h.port.host_bytes(), 5);
}

#[test]
fn disconnect_after_module_bytes() {
    let m = sim7600();
    let faults = LineFaults {
        disconnect_after_module_bytes: Some(4),
        ..LineFaults::default()
    };
    let mut h = Host::with(&m, LineConfig::default(), faults);
    h.write(b"AT\r").unwrap();
    let mut got = Vec::new();
    let err = loop {
        let mut buf = [0u8; 64];
        match block_on(h.port.read(&mut buf)) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break e,
        }
    };
    assert_eq!(got, b"AT\r\r");
    assert!(matches!(err, TransportError::Disconnected { .. }));
}

#[test]
fn slow_answers_and_error_by_prefix() {
    let mut cfg = Sim7600Config::default();
    cfg.common.faults = Faults {
        error_on_prefix: vec!["AT+CCERTLIST".into()],
        extra_latency: Duration::ZERO,
        slow_prefix: vec![("at+cgmm".into(), Duration::from_secs(2))],
        ..Faults::default()
    };
    let m = cfg.build();
    let line = LineConfig::default();
    let mut h = Host::with(&m, line.clone(), LineFaults::default());
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CCERTLIST"), "\r\nERROR\r\n");
    let start = h.now();
    h.write(b"AT+CGMM\r").unwrap();
    let got = h.read_until(b"OK\r\n", Duration::from_secs(5));
    assert_eq!(got, b"\r\nSIMCOM_SIM7600G-H\r\n\r\nOK\r\n");
    assert_eq!(
        h.now() - start,
        line.exchange_time(8 + got.len() as u64) + Duration::from_secs(2)
    );
}

#[test]
fn storage_survives_a_disconnect_and_reconnect() {
    let m = sim7600();
    let faults = LineFaults {
        disconnect_after_host_bytes: Some(40),
        ..LineFaults::default()
    };
    let mut h = Host::with(&m, LineConfig::default(), faults);
    h.cmd("ATE0");
    h.cmd("AT+CCERTDOWN=\"kept.pem\",4");
    h.raw_for(b"abcd", Duration::from_secs(1));
    // The cable goes in the middle of the next upload.
    assert!(h.write(b"AT+CCERTDOWN=\"lost.pem\",4\rab").is_err());
    let clock = h.clock.clone();
    let mut h2 = Host {
        port: m.reconnect(clock.clone(), LineConfig::default()),
        clock,
    };
    assert_eq!(
        h2.cmd("AT+CCERTLIST"),
        "\r\n+CCERTLIST: \"kept.pem\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        m.storage().get("kept.pem").map(Vec::as_slice),
        Some(&b"abcd"[..])
    );
    // The old port is gone for good.
    assert!(matches!(
        h.read_for(Duration::from_millis(10)),
        Err(TransportError::Disconnected { .. })
    ));
}

#[test]
fn every_family_answers_at_and_has_a_model_by_family() {
    for family in Family::ALL {
        let m = atcert::sim::module(family, Server::default());
        assert_eq!(m.family(), family);
        let mut h = Host::new(&m);
        let out = h.cmd(if family == Family::Ichip {
            "AT+i"
        } else {
            "AT"
        });
        assert!(out.ends_with("OK\r\n"), "{family}: {out:?}");
    }
}

#[test]
fn garbage_and_mangled_commands_never_panic_any_family() {
    let prefixes = [
        "AT",
        "ATE",
        "AT+CCERTDOWN=",
        "AT+CSSLCFG=",
        "AT+CCHOPEN=",
        "AT+CCHSEND=",
        "AT+CCHRECV=",
        "AT+FSWRITE=",
        "AT+FSREAD=",
        "AT+CIPSTART=",
        "AT+CIPSEND=",
        "AT+CIPRXGET=",
        "AT+SSLSETCERT=",
        "AT+HTTPACTION=",
        "AT#SSLSECDATA=",
        "AT#SSLD=",
        "AT#SSLRCV=",
        "AT#SSLSECCFG=",
        "AT+S.TLSCERT=",
        "AT+S.FSC=",
        "AT+S.SOCKON=",
        "AT+S.SOCKR=",
        "AT+S.FSP=",
        "AT+iCA=",
        "AT+iSSND%:",
        "AT+iSRCV:",
        "AT+iSTCP:",
        "AT+iSSL:",
        "AT+CCLK=",
        "AT+S.TIME=",
    ];
    let alphabet = b"0123456789,\"\r\n\x1a\x1b:-/.?=;abcAT+";
    let mut seed = 0x9e37_79b9_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for family in Family::ALL {
        let m = atcert::sim::module(family, Server::default());
        let mut h = Host::new(&m);
        for _ in 0..300 {
            let mut bytes = prefixes[next() as usize % prefixes.len()]
                .as_bytes()
                .to_vec();
            for _ in 0..(next() % 24) {
                bytes.push(if next() % 5 == 0 {
                    (next() & 0xff) as u8
                } else {
                    alphabet[next() as usize % alphabet.len()]
                });
            }
            bytes.push(b'\r');
            h.write(&bytes).unwrap();
            h.read_for(Duration::from_millis(50)).unwrap();
        }
        // Whatever state it was left in, it still answers after data phases time out.
        h.read_for(Duration::from_secs(200)).unwrap();
        h.write(b"\x1b\x1a\r").unwrap();
        h.read_for(Duration::from_secs(1)).unwrap();
        let out = h.cmd(if family == Family::Ichip {
            "AT+i"
        } else {
            "AT"
        });
        assert!(out.contains("OK"), "{family}: {out:?}");
    }
}

#[test]
fn every_read_chunk_size_yields_the_same_stream_and_timing() {
    let mut reference: Option<(Vec<u8>, Instant)> = None;
    for chunk in [
        None,
        Some(1),
        Some(2),
        Some(3),
        Some(5),
        Some(7),
        Some(13),
        Some(64),
    ] {
        let m = sim7600();
        let faults = LineFaults {
            max_read_chunk: chunk,
            inject: vec![(9, b"\r\n+CMTI: \"SM\",1\r\n".to_vec())],
            ..LineFaults::default()
        };
        let mut h = Host::with(&m, LineConfig::default(), faults);
        h.write(b"ATI\r").unwrap();
        let got = h.read_until(b"+GCAP: +CGSM\r\n\r\nOK\r\n", Duration::from_secs(1));
        let text = String::from_utf8_lossy(&got).into_owned();
        // The URC lands inside the answer, after its ninth byte, as a real one can.
        assert!(
            text.starts_with("ATI\r\r\nMan\r\n+CMTI: \"SM\",1\r\nufacturer: SIMCOM"),
            "{chunk:?}: {text:?}"
        );
        match &reference {
            None => reference = Some((got, h.now())),
            Some((bytes, at)) => {
                assert_eq!(&got, bytes, "{chunk:?}");
                assert_eq!(h.now(), *at, "{chunk:?}");
            }
        }
    }
}
