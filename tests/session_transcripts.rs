//! The golden transcripts again, this time through the whole runner: a scripted module
//! answers each `>>` segment with the `<<` segments that follow it, and the session's
//! responses must carry what the transcript shows.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use atcert::at::{Event, Final};
use atcert::session::{Direction, Failure, Session, SessionOptions};
use futures::executor::block_on;
use support::fixture::{Fixture, load_all};
use support::{ScriptedModule, VirtualClock};

type Script = Rc<RefCell<VecDeque<(bool, Vec<u8>)>>>;

fn module(clock: &VirtualClock, script: Script) -> ScriptedModule {
    let mut pending: Vec<u8> = Vec::new();
    ScriptedModule::new(clock, move |written: &[u8]| {
        pending.extend_from_slice(written);
        let mut script = script.borrow_mut();
        let mut replies = Vec::new();
        loop {
            match script.front() {
                Some((true, seg)) if pending.starts_with(seg) => {
                    pending.drain(..seg.len());
                    script.pop_front();
                }
                Some((false, _)) if pending.is_empty() => {
                    let (_, seg) = script.pop_front().unwrap();
                    replies.push((1, seg));
                }
                _ => break,
            }
        }
        replies
    })
}

#[derive(Default, Debug, PartialEq)]
struct Totals {
    urcs: Vec<String>,
    urc_data: Vec<u8>,
    stale: Vec<u8>,
}

fn replay_through_session(f: &Fixture, read_buffer: usize, chunk_size: usize) {
    let clock = VirtualClock::new();
    let script: Script = Rc::default();
    let options = SessionOptions {
        read_buffer,
        chunk_size,
        ..SessionOptions::with_engine(f.config.clone())
    };
    let mut session = Session::new(module(&clock, script.clone()), clock.clone(), options);
    let mut want = Totals::default();
    let mut got = Totals::default();
    for (k, ex) in f.exchanges.iter().enumerate() {
        for e in &ex.events {
            match e {
                Event::Urc(u) => want.urcs.push(u.clone()),
                Event::UrcData(d) => want.urc_data.extend(d),
                Event::Stale(s) => want.stale.extend(s),
                _ => {}
            }
        }
        let Some(command) = &ex.command else {
            session.transport_mut().push(0, &ex.received);
            continue;
        };
        *script.borrow_mut() = ex.script.iter().cloned().collect();
        let ctx = format!(
            "{} exchange {k} (read {read_buffer}, chunk {chunk_size})",
            f.name
        );
        let result = block_on(session.run_raw(command));
        if ex.advance.is_some() {
            let err = result.expect_err(&ctx);
            assert_eq!(
                err.failure,
                Failure::TimedOut {
                    received: ex.received.clone()
                },
                "{ctx}"
            );
            continue;
        }
        let r = result.unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let finals: Vec<&Final> = ex
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Final(f) => Some(f),
                _ => None,
            })
            .collect();
        assert_eq!(vec![&r.final_result], finals, "{ctx}");
        let lines: Vec<String> = ex
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Line(l) => Some(l.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(r.lines, lines, "{ctx}");
        let data: Vec<u8> = ex
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Data(d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(r.data, data, "{ctx}");
        assert_eq!(
            r.echoed,
            ex.events.iter().any(|e| matches!(e, Event::Echo(_))),
            "{ctx}"
        );
        assert_eq!(r.prompted, ex.events.contains(&Event::Prompt), "{ctx}");
        got.urcs.extend(r.urcs);
        got.urc_data.extend(r.urc_data);
        got.stale.extend(r.stale);
        assert!(script.borrow().is_empty(), "{ctx}: script not played out");
    }
    // URCs after the last command are still on the line or in the backlog.
    got.stale
        .extend(block_on(session.drain(support::ms(20))).unwrap());
    got.urcs.extend(session.take_urcs());
    got.urc_data.extend(session.take_urc_data());
    assert_eq!(got.urcs, want.urcs, "{}", f.name);
    assert_eq!(got.urc_data, want.urc_data, "{}", f.name);
    assert_eq!(got.stale, want.stale, "{}", f.name);
    // What was written is exactly what the transcript shows.
    let sent: Vec<u8> = f.exchanges.iter().flat_map(|e| e.sent.clone()).collect();
    assert_eq!(session.transcript().raw(Direction::Tx), sent, "{}", f.name);
}

#[test]
fn every_transcript_replays_through_the_session() {
    let fixtures = load_all();
    assert!(fixtures.len() >= 30);
    for f in &fixtures {
        replay_through_session(f, 1024, 256);
    }
}

#[test]
fn tiny_reads_and_writes_change_nothing() {
    for f in load_all() {
        for (read, chunk) in [(1, 1), (3, 7), (16, 2)] {
            replay_through_session(&f, read, chunk);
        }
    }
}
