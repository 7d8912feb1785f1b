//! Properties of the engine over every golden transcript: the chunking of the input never
//! changes the events, and URCs or blank lines injected at any line boundary never change
//! a command's outcome.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use atcert::at::{Command, Config, Engine, Event, Final, Instant};
use atcert::modules::Family;
use support::fixture::{Fixture, Replay, expected, load_all, replay};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check(f: &Fixture, got: &[Replay], how: &str) {
    assert_eq!(got, expected(f).as_slice(), "{} fed {how}", f.name);
}

#[test]
fn byte_by_byte_gives_the_same_events() {
    for f in load_all() {
        let got = replay(&f, &mut |len| vec![1; len]);
        check(&f, &got, "byte by byte");
    }
}

#[test]
fn every_two_way_split_gives_the_same_events() {
    for f in load_all() {
        for (k, ex) in f.exchanges.iter().enumerate() {
            for cut in 0..=ex.received.len() {
                let mut i = 0;
                let got = replay(&f, &mut |_| {
                    let chunks = if i == k { vec![cut] } else { Vec::new() };
                    i += 1;
                    chunks
                });
                check(&f, &got, &format!("split at {cut} in exchange {k}"));
            }
        }
    }
}

#[test]
fn random_chunkings_give_the_same_events() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for f in load_all() {
        for round in 0..64 {
            let max = [2, 3, 7, 16, 64][round % 5];
            let got = replay(&f, &mut |len| {
                let mut chunks = Vec::new();
                let mut left = len;
                while left > 0 {
                    let n = 1 + rng.below(max);
                    chunks.push(n.min(left));
                    left -= n.min(left);
                }
                chunks
            });
            check(&f, &got, &format!("in random chunks (round {round})"));
        }
    }
}

/// Positions in an exchange's input where a line has just ended and no binary block or
/// partial line is in progress, found by feeding the prefix to an engine in the same state.
fn line_boundaries(f: &Fixture, k: usize) -> Vec<usize> {
    let ex = &f.exchanges[k];
    let rx = &ex.received;
    let mut out = Vec::new();
    for p in 0..=rx.len() {
        let ends_line =
            p == 0 || rx[p - 1] == b'\n' || (rx[p - 1] == b'\r' && rx.get(p) != Some(&b'\n'));
        if !ends_line {
            continue;
        }
        let mut engine = Engine::new(f.config.clone());
        for (i, e) in f.exchanges.iter().enumerate().take(k + 1) {
            if let Some(c) = &e.command {
                engine.send(c.clone(), Instant::ZERO);
            }
            while engine.poll_transmit().is_some() {}
            if i < k {
                engine.handle_input(&e.received);
            } else {
                engine.handle_input(&rx[..p]);
            }
        }
        if !engine.is_reading_data() && !engine.has_partial_line() {
            out.push(p);
        }
    }
    out
}

fn urcs_for(config_urcs: &[String]) -> Vec<&'static str> {
    let mut urcs = vec!["+CPIN: READY"];
    for (prefix, urc) in [
        ("+WIND:", "+WIND:55:Pending Data::0:1:1"),
        ("+CCHEVENT:", "+CCHEVENT: 1,RECV EVENT"),
        ("SSLSRING:", "SSLSRING: 1"),
        ("Call Ready", "Call Ready"),
    ] {
        if config_urcs.iter().any(|p| p == prefix) {
            urcs.push(urc);
        }
    }
    urcs
}

#[test]
fn urcs_and_blank_lines_at_any_line_boundary_do_not_change_the_outcome() {
    let mut checked = 0;
    for f in load_all() {
        for k in 0..f.exchanges.len() {
            if f.exchanges[k].advance.is_some() {
                // A timeout reports the raw bytes, which would include the injection.
                continue;
            }
            let want = expected(&f);
            for p in line_boundaries(&f, k) {
                for urc in urcs_for(&f.config.urc_prefixes) {
                    // `+CPIN: READY` during `AT+CPIN?` is the answer, not a URC.
                    let name = urc.split(':').next().unwrap_or(urc);
                    if f.exchanges[k]
                        .command
                        .as_ref()
                        .is_some_and(|c| c.line_text().contains(name))
                    {
                        continue;
                    }
                    for (inject, is_urc) in [
                        (format!("\r\n{urc}\r\n"), true),
                        (format!("{urc}\r"), true),
                        ("\r\n\r\n".to_owned(), false),
                        ("\n".to_owned(), false),
                    ] {
                        let mut g = f.clone();
                        let rx = &mut g.exchanges[k].received;
                        rx.splice(p..p, inject.bytes());
                        let got = replay(&g, &mut |_| Vec::new());
                        let ok = if is_urc {
                            // Drop one copy of the injected URC (the fixture may hold
                            // the same URC elsewhere); some drop must give the original.
                            let events = &got[k].events;
                            events
                                .iter()
                                .enumerate()
                                .filter(|(_, e)| **e == Event::Urc(urc.to_owned()))
                                .any(|(at, _)| {
                                    let mut fixed = events.clone();
                                    fixed.remove(at);
                                    let mut all: Vec<Replay> = Vec::new();
                                    for (i, r) in got.iter().enumerate() {
                                        all.push(Replay {
                                            sent: r.sent.clone(),
                                            events: if i == k {
                                                fixed.clone()
                                            } else {
                                                r.events.clone()
                                            },
                                        });
                                    }
                                    all == want
                                })
                        } else {
                            got == want
                        };
                        assert!(
                            ok,
                            "{} exchange {k}: {inject:?} injected at {p}:\n{:#?}\nwant {:#?}",
                            f.name, got[k].events, want[k].events
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} injections");
}

#[test]
fn garbage_while_idle_never_breaks_the_next_command() {
    let mut rng = Rng(42);
    for config in [
        Config::default(),
        Family::Sim800.engine_config(),
        Family::Sim7600.engine_config(),
        Family::Spwf04.engine_config(),
        Family::TelitLe910.engine_config(),
        Family::Ichip.engine_config(),
    ] {
        for _ in 0..200 {
            let mut engine = Engine::new(config.clone());
            let len = rng.below(300);
            let garbage: Vec<u8> = (0..len)
                .map(|_| {
                    // Bias towards the bytes the engine reacts to.
                    let special = b"\r\n>:, OK+AT-S.I/0123456789\x1a\x1b";
                    if rng.below(2) == 0 {
                        special[rng.below(special.len())]
                    } else {
                        rng.next() as u8
                    }
                })
                .collect();
            engine.handle_input(&garbage);
            while engine.poll_event().is_some() {}
            if engine.is_reading_data() {
                // A header in the garbage announced a block; the module would send it.
                continue;
            }
            engine.send(Command::new("AT+CGMR"), Instant::ZERO);
            engine.handle_input(b"\r\n+CGMR: X\r\n\r\nOK\r\n");
            let events: Vec<Event> = core::iter::from_fn(|| engine.poll_event()).collect();
            let finals: Vec<&Event> = events
                .iter()
                .filter(|e| matches!(e, Event::Final(_)))
                .collect();
            assert_eq!(finals, vec![&Event::Final(Final::Ok)], "{garbage:?}");
            assert!(
                events.contains(&Event::Line("+CGMR: X".into())),
                "{garbage:?}"
            );
        }
    }
}
