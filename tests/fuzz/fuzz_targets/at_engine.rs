//! Fuzzes the AT engine: arbitrary module bytes interleaved with commands of every shape,
//! timeouts and write notifications. The engine must never panic, must keep its buffers
//! within the configured limits, and must be idle after a deadline far in the future.
#![no_main]

use core::time::Duration;

use atcert::modules::Family;
use atcert::at::{
    Command, Config, DataPhase, Engine, Event, Instant, LengthHeader, ResponseShape,
};
use libfuzzer_sys::fuzz_target;

const MAX_LINE: usize = 64;
const MAX_DATA: usize = 128;
const MAX_RECEIVED: usize = 256;

fn command(selector: u8, arg: u8) -> Command {
    let timeout = Duration::from_millis(u64::from(arg) * 10);
    let base = match selector % 13 {
        0 => Command::new("AT"),
        1 => Command::new("AT+CCERTDOWN=\"a.pem\",4").with_data(DataPhase::after_prompt("OK\r\n")),
        2 => Command::new("AT#SSLSECDATA=1,1,1")
            .with_data(DataPhase::after_prompt("-----BEGIN\nOK\n").terminated_by(0x1A)),
        3 => Command::new("AT+S.TLSCERT=ca,3").with_data(DataPhase::immediately("O\rK")),
        4 => Command::new("AT+QFUPL=\"x\",2").with_data(DataPhase::after_line("CONNECT", "hi")),
        5 => Command::new("AT+CCHRECV=0,9").with_response(ResponseShape::LengthPrefixed {
            header: LengthHeader::new("+CCHRECV: DATA,", 1),
        }),
        6 => Command::new("AT+S.SOCKR=0,9").with_response(ResponseShape::LengthPrefixed {
            header: LengthHeader::new("AT-S.Reading:", 0),
        }),
        7 => Command::new("AT+iSRCV:0").with_response(ResponseShape::InlineLength {
            header: LengthHeader::new("I/", 0),
        }),
        8 => Command::new("AT#SSLSECDATA=1,2,1").with_response(ResponseShape::Block {
            end_marker: "-----END".into(),
        }),
        9 => Command::new("AT+CIFSR").with_response(ResponseShape::FirstLine),
        10 => Command::new("AT+iCA=")
            .with_terminator("")
            .with_data(DataPhase::immediately("-----BEGIN\rI/OK\r")),
        // iChip's send: the result may share the echo's line.
        11 => Command::new("AT+iSSND%:000,4:")
            .with_terminator("")
            .with_data(DataPhase::immediately("I/OK")),
        _ => Command::new(vec![arg; usize::from(arg % 8)]),
    };
    base.with_timeout(timeout)
}

fn config(selector: u8) -> Config {
    let mut c = match selector % 6 {
        0 => Config::default(),
        1 => Family::Sim800.engine_config(),
        2 => Family::Sim7600.engine_config(),
        3 => Family::Spwf04.engine_config(),
        4 => Family::TelitLe910.engine_config(),
        _ => Family::Ichip.engine_config(),
    };
    c.max_line = MAX_LINE;
    c.max_data = MAX_DATA;
    c.max_received = MAX_RECEIVED;
    c
}

fuzz_target!(|input: &[u8]| {
    let Some((&first, mut rest)) = input.split_first() else {
        return;
    };
    let mut engine = Engine::new(config(first));
    let mut now = Instant::ZERO;
    let mut events = 0usize;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 5 {
            0 => {
                let (sel, arg) = match rest {
                    [a, b, tail @ ..] => {
                        rest = tail;
                        (*a, *b)
                    }
                    _ => (0, 0),
                };
                engine.send(command(sel, arg), now);
            }
            1 => {
                now = now + Duration::from_millis(u64::from(op) * 7);
                engine.handle_timeout(now);
            }
            2 => engine.handle_written(now),
            _ => {
                let len = usize::from(op / 5).min(rest.len());
                let (chunk, tail) = rest.split_at(len);
                rest = tail;
                engine.handle_input(chunk);
            }
        }
        while engine.poll_transmit().is_some() {}
        while let Some(event) = engine.poll_event() {
            events += 1;
            match event {
                Event::Line(l) | Event::Urc(l) => assert!(l.len() <= MAX_LINE * 3),
                Event::Echo(b) | Event::Stale(b) => assert!(b.len() <= MAX_LINE),
                Event::Data(d) | Event::UrcData(d) => assert!(d.len() <= MAX_DATA),
                Event::TimedOut { received, .. } => assert!(received.len() <= MAX_RECEIVED),
                _ => {}
            }
        }
        if let Some(deadline) = engine.poll_timeout() {
            assert!(engine.is_busy());
            assert!(deadline >= Instant::ZERO);
        }
    }
    // Time heals everything: past every deadline the engine is idle, queue included.
    engine.handle_timeout(Instant::from_micros(u64::MAX));
    while engine.poll_transmit().is_some() {}
    while engine.poll_event().is_some() {}
    assert!(!engine.is_busy(), "still busy after all deadlines");
    assert_eq!(engine.poll_timeout(), None);
    let _ = events;
});
