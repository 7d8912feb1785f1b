#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use core::time::Duration;

use super::*;
use crate::at::{DataPhase, LineMatch, VendorFinal};

// Configurations with the features a test needs; the families' own are in their drivers.

/// `+WIND:` URCs.
fn wind() -> Config {
    Config::default().with_urc_prefixes(&["+WIND:"])
}

/// `CONNECT` ends a command (online mode follows) and `SSLSRING:` is a URC.
fn connect_final() -> Config {
    Config::default()
        .with_urc_prefixes(&["SSLSRING:", "SRING:"])
        .with_vendor_finals([VendorFinal::success(LineMatch::Exact("CONNECT".into()))])
}

/// `I/<value>` answers end commands.
fn i_values() -> Config {
    Config {
        value_final_prefix: Some("I/".into()),
        ..Config::default()
    }
}

/// `+CCH..` URCs, and `+CCHRECV: DATA,<len>` carries that many bytes.
fn cch() -> Config {
    let mut c = Config::default().with_urc_prefixes(&[
        "+CCHEVENT:",
        "+CCHRECV:",
        "+CCH_PEER_CLOSED:",
        "CLOSED",
    ]);
    c.urc_data_headers = vec![LengthHeader::new("+CCHRECV: DATA,", 1)];
    c
}

fn t(ms: u64) -> Instant {
    Instant::from_micros(ms * 1000)
}

fn events(engine: &mut Engine) -> Vec<Event> {
    core::iter::from_fn(|| engine.poll_event()).collect()
}

fn line(s: &str) -> Event {
    Event::Line(s.into())
}

fn run(config: Config, command: Command, input: &[u8]) -> (Vec<Event>, Vec<u8>) {
    let mut e = Engine::new(config);
    e.send(command, t(0));
    let mut wire = Vec::new();
    while let Some(b) = e.poll_transmit() {
        wire.extend(b);
    }
    e.handle_input(input);
    while let Some(b) = e.poll_transmit() {
        wire.extend(b);
    }
    (events(&mut e), wire)
}

#[test]
fn plain_ok_with_echo() {
    let (ev, wire) = run(Config::default(), Command::new("AT"), b"AT\r\r\nOK\r\n");
    assert_eq!(wire, b"AT\r");
    assert_eq!(
        ev,
        vec![Event::Echo(b"AT".to_vec()), Event::Final(Final::Ok)]
    );
}

#[test]
fn cme_errors_numeric_and_verbose() {
    let (ev, _) = run(
        Config::default(),
        Command::new("AT+CCERTDELE=\"x.pem\""),
        b"\r\n+CME ERROR: 23\r\n",
    );
    assert_eq!(
        ev,
        vec![Event::Final(Final::CmeError(ErrorCode::Number(23)))]
    );
    let (ev, _) = run(
        connect_final(),
        Command::new("AT#SGACT=1,1"),
        b"\r\n+CME ERROR: context already activated\r\n",
    );
    assert_eq!(
        ev,
        vec![Event::Final(Final::CmeError(ErrorCode::Text(
            "context already activated".into()
        )))]
    );
}

#[test]
fn vendor_finals() {
    let (ev, _) = run(
        wind(),
        Command::new("AT+S.HTTPGET=h,/,443,2,,,,"),
        b"AT-S.Certificate Error:23\r\nAT-S.Http Client Error:2\r\nAT-S.ERROR:111:Request failed\r\n",
    );
    assert_eq!(
        ev,
        vec![
            line("AT-S.Certificate Error:23"),
            line("AT-S.Http Client Error:2"),
            Event::Final(Final::Vendor {
                code: Some(111),
                line: "AT-S.ERROR:111:Request failed".into()
            })
        ]
    );
    let (ev, _) = run(i_values(), Command::new("AT+iSSL:0"), b"I/ERROR (222)\r\n");
    assert_eq!(
        ev,
        vec![Event::Final(Final::Vendor {
            code: Some(222),
            line: "I/ERROR (222)".into()
        })]
    );
    let (ev, _) = run(wind(), Command::new("AT"), b"AT-S.OK:38512:10\r\n");
    assert_eq!(ev, vec![Event::Final(Final::Ok)]);
}

#[test]
fn prompt_without_line_ending_releases_the_data() {
    let cmd = Command::new("AT+CCERTDOWN=\"a.pem\",5").with_data(DataPhase::after_prompt("hello"));
    let mut e = Engine::new(cch());
    e.send(cmd, t(0));
    assert_eq!(e.poll_transmit().unwrap(), b"AT+CCERTDOWN=\"a.pem\",5\r");
    assert_eq!(e.poll_transmit(), None);
    e.handle_input(b"AT+CCERTDOWN=\"a.pem\",5\r\r\n> ");
    assert_eq!(e.poll_transmit().unwrap(), b"hello");
    e.handle_input(b"\r\nOK\r\n");
    assert_eq!(
        events(&mut e),
        vec![
            Event::Echo(b"AT+CCERTDOWN=\"a.pem\",5".to_vec()),
            Event::Prompt,
            Event::DataQueued { bytes: 5 },
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn error_instead_of_prompt_ends_the_command() {
    let cmd = Command::new("AT+CCERTDOWN=\"a\",5").with_data(DataPhase::after_prompt("hello"));
    let (ev, wire) = run(cch(), cmd, b"\r\nERROR\r\n");
    assert_eq!(wire, b"AT+CCERTDOWN=\"a\",5\r");
    assert_eq!(ev, vec![Event::Final(Final::Error)]);
}

#[test]
fn echoed_payload_line_reading_ok_is_data() {
    let payload = b"-----BEGIN CERTIFICATE-----\nOK\n-----END CERTIFICATE-----\n".to_vec();
    let cmd = Command::new("AT#SSLSECDATA=1,1,1")
        .with_data(DataPhase::after_prompt(payload.clone()).terminated_by(0x1A));
    let mut input = b"AT#SSLSECDATA=1,1,1\r\r\n> ".to_vec();
    input.extend(
        b"-----BEGIN CERTIFICATE-----\r\nOK\r\n-----END CERTIFICATE-----\r\n\x1a\r\nOK\r\n",
    );
    let (ev, wire) = run(connect_final(), cmd, &input);
    let mut expected_wire = b"AT#SSLSECDATA=1,1,1\r".to_vec();
    expected_wire.extend(&payload);
    expected_wire.push(0x1A);
    assert_eq!(wire, expected_wire);
    assert_eq!(ev.last(), Some(&Event::Final(Final::Ok)));
    assert_eq!(
        ev.iter().filter(|e| matches!(e, Event::Final(_))).count(),
        1
    );
    assert!(ev.contains(&Event::Echo(b"OK".to_vec())));
}

#[test]
fn immediate_data_follows_the_command() {
    let cmd = Command::new("AT+S.TLSCERT=ca,4").with_data(DataPhase::immediately(*b"\x00OK\n"));
    let (ev, wire) = run(wind(), cmd, b"AT-S.SubjectKeyId:7F:D3\r\nAT-S.OK\r\n");
    assert_eq!(wire, b"AT+S.TLSCERT=ca,4\r\x00OK\n");
    assert_eq!(
        ev,
        vec![
            Event::DataQueued { bytes: 4 },
            line("AT-S.SubjectKeyId:7F:D3"),
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn length_prefixed_block_may_contain_ok() {
    let cmd = Command::new("AT+S.SOCKR=0,8").with_response(ResponseShape::LengthPrefixed {
        header: LengthHeader::new("AT-S.Reading:", 0),
    });
    let (ev, _) = run(wind(), cmd, b"AT-S.Reading:8:8\r\nOK\r\nOK\r\nAT-S.OK\r\n");
    assert_eq!(
        ev,
        vec![
            line("AT-S.Reading:8:8"),
            Event::Data(b"OK\r\nOK\r\n".to_vec()),
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn urc_with_same_prefix_as_answer_is_told_apart_by_the_command() {
    // While AT+CCHSEND runs, an automatic-receive URC arrives with its data.
    let cmd = Command::new("AT+CCHOPEN=0,\"h\",443,2").with_timeout(Duration::from_secs(1));
    let (ev, _) = run(cch(), cmd, b"\r\n+CCHRECV: DATA,0,4\r\nOK\r\n\r\nOK\r\n");
    assert_eq!(
        ev,
        vec![
            Event::Urc("+CCHRECV: DATA,0,4".into()),
            Event::UrcData(b"OK\r\n".to_vec()),
            Event::Final(Final::Ok)
        ]
    );
    let cmd = Command::new("AT+CCHRECV=0,4").with_response(ResponseShape::LengthPrefixed {
        header: LengthHeader::new("+CCHRECV: DATA,", 1),
    });
    let (ev, _) = run(cch(), cmd, b"\r\nOK\r\n");
    assert_eq!(ev, vec![Event::Final(Final::Ok)]);
}

#[test]
fn ichip_inline_length_and_value_finals() {
    let cmd = Command::new("AT+iSRCV:0").with_response(ResponseShape::InlineLength {
        header: LengthHeader::new("I/", 0),
    });
    let (ev, _) = run(i_values(), cmd, b"AT+iSRCV:0\r\nI/5:I/OK\r");
    assert_eq!(
        ev,
        vec![
            Event::Echo(b"AT+iSRCV:0".to_vec()),
            line("I/5"),
            Event::Data(b"I/OK\r".to_vec()),
            Event::Final(Final::Ok)
        ]
    );
    let (ev, _) = run(
        i_values(),
        Command::new("AT+iSTCP:www.example.com,443"),
        b"I/000\r\n",
    );
    assert_eq!(ev, vec![line("I/000"), Event::Final(Final::Ok)]);
}

#[test]
fn inline_data_then_its_own_final() {
    // SIM70xx `+CARECV: <n>,<bytes>` then `OK`: the bytes may hold "OK" and line ends.
    let cmd = Command::new("AT+CARECV=0,100").with_response(ResponseShape::InlineData {
        header: LengthHeader::new("+CARECV: ", 0),
    });
    let (ev, _) = run(cch(), cmd, b"\r\n+CARECV: 6,\r\nOK\r\n\r\nOK\r\n");
    assert_eq!(
        ev,
        vec![
            line("+CARECV: 6"),
            Event::Data(b"\r\nOK\r\n".to_vec()),
            Event::Final(Final::Ok)
        ]
    );
}

/// A PEM read-back on iChip: a base64 line may start with `I/` (one line in 4096 does),
/// which is iChip's value-final prefix. Inside an open block it is data, not the end.
#[test]
fn ichip_block_read_keeps_base64_lines_that_start_like_a_value_final() {
    let cmd = Command::new("AT+iCA?").with_response(ResponseShape::Block {
        end_marker: "-----END".into(),
    });
    let (ev, _) = run(
        i_values(),
        cmd,
        b"AT+iCA?\r\nCN=x\r\n-----BEGIN CERTIFICATE-----\r\nI/OKMIIB\r\nI/2048\r\n-----END CERTIFICATE-----\r\nI/OK\r\n",
    );
    assert_eq!(
        ev,
        vec![
            Event::Echo(b"AT+iCA?".to_vec()),
            line("CN=x"),
            line("-----BEGIN CERTIFICATE-----"),
            line("I/OKMIIB"),
            line("I/2048"),
            line("-----END CERTIFICATE-----"),
            Event::Final(Final::Ok)
        ]
    );
}

fn ichip_send(payload: &[u8]) -> Command {
    Command::new(format!("AT+iSSND%:000,{}:", payload.len()))
        .with_terminator(Vec::new())
        .with_data(DataPhase {
            trigger: Trigger::Immediately,
            payload: payload.to_vec(),
            terminator: None,
            trigger_timeout: Duration::from_secs(1),
        })
}

/// iChip puts the send's result on the echo's own line, after the command (GEVCU's
/// driver) and perhaps after the payload's echo; both end the command with that result.
#[test]
fn ichip_send_result_on_the_echo_line() {
    let (ev, wire) = run(
        i_values(),
        ichip_send(b"GET / HTTP/1.0\r\n\r\n"),
        b"AT+iSSND%:000,18:I/OK\r\n",
    );
    assert_eq!(wire, b"AT+iSSND%:000,18:GET / HTTP/1.0\r\n\r\n");
    assert_eq!(
        ev,
        vec![
            Event::DataQueued { bytes: 18 },
            Event::Echo(b"AT+iSSND%:000,18:".to_vec()),
            Event::Final(Final::Ok)
        ]
    );
    let (ev, _) = run(
        i_values(),
        ichip_send(b"ping"),
        b"AT+iSSND%:000,4:pingI/ERROR (203)\r\n",
    );
    assert_eq!(
        ev.get(1),
        Some(&Event::Echo(b"AT+iSSND%:000,4:ping".to_vec()))
    );
    assert!(
        matches!(
            ev.get(2),
            Some(Event::Final(Final::Vendor {
                code: Some(203),
                ..
            }))
        ),
        "{ev:?}"
    );
    // The payload echoed on its own lines, then the result on its own.
    let (ev, _) = run(
        i_values(),
        ichip_send(b"GET / HTTP/1.0\r\n\r\n"),
        b"AT+iSSND%:000,18:GET / HTTP/1.0\r\n\r\nI/OK\r\n",
    );
    assert_eq!(ev.last(), Some(&Event::Final(Final::Ok)), "{ev:?}");
    // A payload that ends in `OK` is not a result.
    let (ev, _) = run(i_values(), ichip_send(b"xOK"), b"AT+iSSND%:000,3:xOK\r\n");
    assert!(!ev.iter().any(|e| matches!(e, Event::Final(_))), "{ev:?}");
}

#[test]
fn timeout_reports_what_was_received() {
    let mut e = Engine::new(Config::default());
    e.send(
        Command::new("AT+X").with_timeout(Duration::from_secs(2)),
        t(0),
    );
    assert_eq!(e.poll_timeout(), Some(t(2000)));
    e.handle_input(b"\r\npartial");
    e.handle_timeout(t(1999));
    assert!(events(&mut e).is_empty());
    e.handle_timeout(t(2000));
    assert_eq!(
        events(&mut e),
        vec![Event::TimedOut {
            command: b"AT+X".to_vec(),
            received: b"\r\npartial".to_vec()
        }]
    );
    assert_eq!(e.poll_timeout(), None);
}

#[test]
fn idle_lines_are_urcs_or_stale() {
    let mut e = Engine::new(wind());
    e.handle_input(b"+WIND:0:Console active\r\nOK\r\n+CPIN: READY\r\nhalf");
    e.send(Command::new("AT"), t(0));
    assert_eq!(
        events(&mut e),
        vec![
            Event::Urc("+WIND:0:Console active".into()),
            Event::Stale(b"OK".to_vec()),
            Event::Urc("+CPIN: READY".into()),
            Event::Stale(b"half".to_vec()),
        ]
    );
}

#[test]
fn block_read_ignores_ok_until_the_end_marker() {
    let cmd = Command::new("AT#SSLSECDATA=1,2,1").with_response(ResponseShape::Block {
        end_marker: "-----END CERTIFICATE-----".into(),
    });
    let (ev, _) = run(
        connect_final(),
        cmd,
        b"\r\n#SSLSECDATA: 1,1\r\n-----BEGIN CERTIFICATE-----\r\nOK\r\n-----END CERTIFICATE-----\r\n\r\nOK\r\n",
    );
    assert_eq!(
        ev,
        vec![
            line("#SSLSECDATA: 1,1"),
            line("-----BEGIN CERTIFICATE-----"),
            line("OK"),
            line("-----END CERTIFICATE-----"),
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn overlong_lines_are_cut_and_reported() {
    let config = Config {
        max_line: 16,
        ..Config::default()
    };
    let mut e = Engine::new(config);
    e.send(Command::new("AT"), t(0));
    e.handle_input(&[b'x'; 40]);
    e.handle_input(b"\r\nOK\r\n");
    let ev = events(&mut e);
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Overflow { .. }))
            .count(),
        2
    );
    assert_eq!(ev.last(), Some(&Event::Final(Final::Ok)));
}

#[test]
fn own_prefix_of_commands() {
    assert_eq!(own_prefix(b"AT+CCHRECV=0,10").as_deref(), Some("+CCHRECV"));
    assert_eq!(
        own_prefix(b"AT#SSLSECDATA?").as_deref(),
        Some("#SSLSECDATA")
    );
    assert_eq!(own_prefix(b"ATI"), None);
    assert_eq!(own_prefix(b"A"), None);
    assert_eq!(own_prefix("AÄ+X".as_bytes()), None);
}

#[test]
fn block_header_without_content_lets_ok_end_the_command() {
    let cmd = Command::new("AT#SSLSECDATA=1,2,1").with_response(ResponseShape::Block {
        end_marker: "-----END".into(),
    });
    let (ev, _) = run(connect_final(), cmd, b"\r\n#SSLSECDATA: 1,0\r\n\r\nOK\r\n");
    assert_eq!(ev, vec![line("#SSLSECDATA: 1,0"), Event::Final(Final::Ok)]);
}

#[test]
fn own_data_header_is_read_as_data_even_for_a_lines_command() {
    let (ev, _) = run(
        cch(),
        Command::new("AT+CCHRECV=0,4"),
        b"\r\n+CCHRECV: DATA,0,4\r\nOK\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n",
    );
    assert_eq!(
        ev,
        vec![
            line("+CCHRECV: DATA,0,4"),
            Event::Data(b"OK\r\n".to_vec()),
            line("+CCHRECV: 0,0"),
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn echo_detection_follows_the_latest_answer() {
    let mut e = Engine::new(Config::default());
    assert_eq!(e.echo_detected(), None);
    e.send(Command::new("ATE0"), t(0));
    e.handle_input(b"ATE0\r\r\nOK\r\n");
    assert_eq!(e.echo_detected(), Some(true));
    e.send(Command::new("AT"), t(1));
    e.handle_input(b"\r\nOK\r\n");
    assert_eq!(e.echo_detected(), Some(false));
}

#[test]
fn commands_sent_while_busy_run_in_order() {
    let mut e = Engine::new(Config::default());
    e.send(Command::new("AT+A"), t(0));
    e.send(
        Command::new("AT+B").with_timeout(Duration::from_secs(1)),
        t(0),
    );
    assert_eq!(e.poll_transmit().unwrap(), b"AT+A\r");
    assert_eq!(e.poll_transmit(), None);
    e.handle_input_at(b"\r\nOK\r\n", t(100));
    assert_eq!(e.poll_transmit().unwrap(), b"AT+B\r");
    assert_eq!(e.poll_timeout(), Some(t(1100)));
    e.handle_input(b"\r\nERROR\r\n");
    assert_eq!(
        events(&mut e),
        vec![Event::Final(Final::Ok), Event::Final(Final::Error)]
    );
    assert!(!e.is_busy());
}

#[test]
fn trigger_timeout_then_command_timeout_after_the_write() {
    let cmd = Command::new("AT+CCERTDOWN=\"a.pem\",3")
        .with_timeout(Duration::from_secs(120))
        .with_data(DataPhase::after_prompt("abc").with_trigger_timeout(Duration::from_secs(2)));
    let mut e = Engine::new(cch());
    e.send(cmd, t(0));
    assert_eq!(e.poll_timeout(), Some(t(2000)));
    e.handle_input_at(b"\r\n> ", t(500));
    assert_eq!(e.poll_timeout(), Some(t(120_500)));
    e.handle_written(t(900));
    assert_eq!(e.poll_timeout(), Some(t(120_900)));
}

#[test]
fn missing_prompt_times_out_on_the_trigger_timeout() {
    let cmd = Command::new("AT+CCERTDOWN=\"a.pem\",3")
        .with_data(DataPhase::after_prompt("abc").with_trigger_timeout(Duration::from_secs(2)));
    let mut e = Engine::new(cch());
    e.send(cmd, t(0));
    e.handle_timeout(t(2000));
    let ev = events(&mut e);
    assert!(matches!(ev.as_slice(), [Event::TimedOut { .. }]), "{ev:?}");
    // The payload was never queued.
    assert_eq!(e.poll_transmit().unwrap(), b"AT+CCERTDOWN=\"a.pem\",3\r");
    assert_eq!(e.poll_transmit(), None);
}

#[test]
fn abort_forgets_the_running_command() {
    let mut e = Engine::new(Config::default());
    e.send(Command::new("AT+A"), t(0));
    e.send(Command::new("AT+B"), t(0));
    assert_eq!(e.abort().map(|c| c.line), Some(b"AT+A".to_vec()));
    assert!(!e.is_busy());
    assert_eq!(e.poll_transmit(), None);
    e.handle_input(b"\r\nOK\r\n");
    assert_eq!(events(&mut e), vec![Event::Stale(b"OK".to_vec())]);
}

#[test]
fn spwf01_style_and_no_carrier_finals() {
    let (ev, _) = run(
        Config::default(),
        Command::new("ATD123;"),
        b"\r\nNO CARRIER\r\n",
    );
    assert_eq!(
        ev,
        vec![Event::Final(Final::Vendor {
            code: None,
            line: "NO CARRIER".into()
        })]
    );
    let (ev, _) = run(
        Config::default(),
        Command::new("AT+CMGS=1"),
        b"\r\n+CMS ERROR: 304\r\n",
    );
    assert_eq!(
        ev,
        vec![Event::Final(Final::CmsError(ErrorCode::Number(304)))]
    );
}

#[test]
fn huge_length_header_is_bounded() {
    let config = Config {
        max_data: 8,
        ..wind()
    };
    let cmd = Command::new("AT+S.SOCKR=0,1").with_response(ResponseShape::LengthPrefixed {
        header: LengthHeader::new("AT-S.Reading:", 0),
    });
    let mut e = Engine::new(config);
    e.send(cmd.with_timeout(Duration::from_secs(1)), t(0));
    e.handle_input(b"AT-S.Reading:20:20\r\n");
    e.handle_input(&[0x55; 20]);
    e.handle_input(b"AT-S.OK\r\n");
    assert_eq!(
        events(&mut e),
        vec![
            line("AT-S.Reading:20:20"),
            Event::Overflow { discarded: 12 },
            Event::Data(vec![0x55; 8]),
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn one_late_timeout_expires_every_queued_command_that_is_due() {
    let mut e = Engine::new(Config::default());
    for i in 0..100u64 {
        e.send(
            Command::new(format!("AT+X{i}")).with_timeout(Duration::from_millis(10)),
            t(0),
        );
    }
    e.handle_timeout(t(10));
    let timed_out = events(&mut e)
        .into_iter()
        .filter(|ev| matches!(ev, Event::TimedOut { .. }))
        .count();
    // Each queued command starts when the one before it dies, at 10 ms: not due yet.
    assert_eq!(timed_out, 1);
    e.handle_timeout(Instant::from_micros(u64::MAX));
    assert_eq!(events(&mut e).len(), 99);
    assert!(!e.is_busy());
}

/// u-blox: `AT+USOWR` prompts with `@`; `AT+USORD` answers the bytes inside quotes, then
/// `OK` (ublox.md 4).
#[test]
fn ublox_at_prompt_and_quoted_read() {
    let cmd = Command::new("AT+USOWR=0,5").with_data(DataPhase::after_line("@", "hello"));
    let mut e = Engine::new(Config::default());
    e.send(cmd, t(0));
    assert_eq!(e.poll_transmit().unwrap(), b"AT+USOWR=0,5\r");
    assert_eq!(e.poll_transmit(), None);
    e.handle_input(b"\r\n@");
    assert_eq!(e.poll_transmit().unwrap(), b"hello");
    let cmd = Command::new("AT+USORD=0,6").with_response(ResponseShape::QuotedLength {
        header: LengthHeader::new("+USORD: ", 1),
    });
    let (ev, _) = run(
        Config::default(),
        cmd,
        b"\r\n+USORD: 0,6,\"OK\r\n\"\"\"\r\nOK\r\n",
    );
    assert_eq!(
        ev,
        vec![
            line("+USORD: 0,6"),
            Event::Data(b"OK\r\n\"\"".to_vec()),
            line("\""),
            Event::Final(Final::Ok)
        ]
    );
}
