//! The runner over a scripted module on a virtual clock.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use atcert::at::{Command, Config, DataPhase, ErrorCode, Final, LengthHeader, ResponseShape};
use atcert::modules::Family;
use atcert::session::{
    Direction, Explanation, Failure, Progress, Session, SessionOptions, Terminator, TransportError,
};
use futures::executor::block_on;
use support::{ScriptedModule, VirtualClock, ms, replies};
// The same tests run in the browser (`wasm-bindgen-test`), like quinn-proto's.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn session(
    clock: &VirtualClock,
    config: Config,
    script: Vec<(&'static [u8], u64, &'static [u8])>,
) -> Session<ScriptedModule, VirtualClock> {
    let module = ScriptedModule::new(clock, replies(script));
    Session::new(module, clock.clone(), SessionOptions::with_engine(config))
}

#[test]
fn runs_a_command_and_records_the_transcript() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::Sim7600.engine_config(),
        vec![(
            b"AT+CGMR",
            30,
            b"AT+CGMR\r\r\n+CGMR: LE20B04SIM7600G22\r\n\r\nOK\r\n",
        )],
    );
    let r = block_on(s.run(&Command::new("AT+CGMR"))).unwrap();
    assert_eq!(r.lines, vec!["+CGMR: LE20B04SIM7600G22"]);
    assert_eq!(r.value("+CGMR:"), Some("LE20B04SIM7600G22"));
    assert_eq!(
        r.values("+CGMR:").collect::<Vec<_>>(),
        vec!["LE20B04SIM7600G22"]
    );
    assert_eq!(r.values("+CCERTLIST:").count(), 0);
    assert!(r.echoed);
    assert_eq!(r.final_result, Final::Ok);
    let text = s.transcript().to_text();
    assert!(text.contains(">> AT+CGMR<CR>"), "{text}");
    assert!(
        text.contains("<< +CGMR: LE20B04SIM7600G22<CR><LF>"),
        "{text}"
    );
    // No quiet-wait before a session's first command: the answer 30 ms after the write.
    assert_eq!(clock.micros(), 30_000);
}

#[test]
fn data_phase_is_written_in_chunks_with_progress() {
    let clock = VirtualClock::new();
    let payload: Vec<u8> = (0..1000u32).map(|i| b'A' + (i % 26) as u8).collect();
    let module = ScriptedModule::new(&clock, {
        let mut got = 0usize;
        move |w: &[u8]| {
            if w.starts_with(b"AT+CCERTDOWN") {
                vec![(10, b"\r\n> ".to_vec())]
            } else {
                got += w.len();
                if got == 1000 {
                    vec![(50, b"\r\nOK\r\n".to_vec())]
                } else {
                    Vec::new()
                }
            }
        }
    });
    let writes = module.writes.clone();
    let mut s = Session::new(
        module,
        clock.clone(),
        SessionOptions::with_engine(Family::Sim7600.engine_config()),
    );
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    s.set_progress(move |p| sink.borrow_mut().push(p.clone()));
    s.begin_step(2, 5, "Upload the CA certificate");
    let cmd = Command::new("AT+CCERTDOWN=\"ca.pem\",1000")
        .with_data(DataPhase::after_prompt(payload.clone()));
    let r = block_on(s.run(&cmd)).unwrap();
    assert_eq!(r.final_result, Final::Ok);
    let writes = writes.borrow();
    assert_eq!(writes.len(), 5, "command line + 4 chunks");
    assert_eq!(writes[1..].concat(), payload);
    let sent: Vec<(usize, usize)> = seen
        .borrow()
        .iter()
        .filter_map(|p| match p {
            Progress::Sending { sent, total, label } => {
                assert_eq!(label, "Upload the CA certificate");
                Some((*sent, *total))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        vec![(256, 1000), (512, 1000), (768, 1000), (1000, 1000)]
    );
    assert_eq!(
        seen.borrow()[0],
        Progress::Step {
            index: 2,
            total: 5,
            label: "Upload the CA certificate".into()
        }
    );
}

#[test]
fn silent_module_times_out_with_a_message_naming_step_and_command() {
    let clock = VirtualClock::new();
    let mut s = session(&clock, Config::default(), vec![]);
    s.begin_step(1, 3, "Check the module answers");
    let err = block_on(s.run(&Command::new("AT").with_timeout(ms(300)))).unwrap_err();
    assert_eq!(err.failure, Failure::TimedOut { received: vec![] });
    assert_eq!(err.step, "Check the module answers");
    assert_eq!(err.command, "AT");
    let msg = err.to_string();
    assert!(
        msg.starts_with("Check the module answers: AT got no answer within 0.3 s"),
        "{msg}"
    );
    assert!(msg.contains("baud rate"), "{msg}");
    // Exactly the 0.3 s timeout: nothing waited before the first command.
    assert_eq!(clock.micros(), 300_000);
}

#[test]
fn partial_answer_times_out_with_what_was_received() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Config::default(),
        vec![(b"AT+X", 5, b"\r\n+X: 1\r\n")],
    );
    let err = block_on(s.run(&Command::new("AT+X").with_timeout(ms(100)))).unwrap_err();
    assert_eq!(
        err.failure,
        Failure::TimedOut {
            received: b"\r\n+X: 1\r\n".to_vec()
        }
    );
    assert_eq!(err.lines, vec!["+X: 1"]);
    assert!(
        err.to_string()
            .contains("received \"<CR><LF>+X: 1<CR><LF>\"")
    );
}

#[test]
fn bytes_arriving_at_the_deadline_instant_still_count() {
    // The read is polled before the sleep, so an answer due exactly at the deadline wins.
    let clock = VirtualClock::new();
    let mut s = session(&clock, Config::default(), vec![(b"AT", 100, b"\r\nOK\r\n")]);
    let r = block_on(s.run(&Command::new("AT").with_timeout(ms(100)))).unwrap();
    assert_eq!(r.final_result, Final::Ok);
}

#[test]
fn refusals_use_the_family_table_then_generic_meanings() {
    fn table(result: &Final) -> Option<Explanation> {
        match result {
            Final::CmeError(ErrorCode::Number(831)) => Some(Explanation::new(
                "the certificate could not be parsed",
                "send PEM with LF line endings only",
            )),
            _ => None,
        }
    }
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::TelitLe910.engine_config(),
        vec![
            (b"AT#SSLD", 5, b"\r\n+CME ERROR: 831\r\n"),
            (b"AT#SSLEN", 5, b"\r\n+CME ERROR: 3\r\n"),
        ],
    );
    s.set_error_table(table);
    s.begin_step(4, 4, "Test the connection");
    let err = block_on(s.run(&Command::new("AT#SSLD=1,443,\"example.com\",0,1"))).unwrap_err();
    assert_eq!(
        err.failure,
        Failure::Rejected(Final::CmeError(ErrorCode::Number(831)))
    );
    assert_eq!(
        err.to_string(),
        "Test the connection: AT#SSLD=1,443,\"example.com\",0,1 was refused: the module said \"+CME ERROR: 831\". the certificate could not be parsed. Next: send PEM with LF line endings only"
    );
    let err = block_on(s.run(&Command::new("AT#SSLEN=1,1"))).unwrap_err();
    assert!(err.explanation.meaning.contains("not allowed"));
    // run_raw hands the refusal back as an answer.
    let mut s = session(
        &clock,
        Config::default(),
        vec![(b"AT+CCERTDELE", 5, b"\r\nERROR\r\n")],
    );
    let r = block_on(s.run_raw(&Command::new("AT+CCERTDELE=\"x.pem\""))).unwrap();
    assert_eq!(r.final_result, Final::Error);
}

#[test]
fn stale_input_and_urcs_before_a_command_are_drained() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::Sim7600.engine_config(),
        vec![(b"AT", 5, b"\r\nOK\r\n")],
    );
    s.transport_mut()
        .push(0, b"\r\nOK\r\n+CPIN: READY\r\nSMS DONE\r\ngarb");
    let r = block_on(s.run(&Command::new("AT"))).unwrap();
    assert_eq!(r.urcs, vec!["+CPIN: READY", "SMS DONE"]);
    assert_eq!(r.stale, b"OKgarb");
    assert_eq!(r.final_result, Final::Ok);
}

#[test]
fn urc_after_the_final_result_is_kept_for_wait_urc() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::Sim7600.engine_config(),
        vec![
            (b"AT+CCHSTART", 10, b"\r\nOK\r\n\r\n+CCHSTART: 0\r\n"),
            (b"AT+CCHOPEN", 10, b"\r\nOK\r\n"),
        ],
    );
    block_on(s.run(&Command::new("AT+CCHSTART"))).unwrap();
    assert_eq!(
        block_on(s.wait_urc("+CCHSTART:", ms(1000))).unwrap(),
        "+CCHSTART: 0"
    );
    block_on(s.run(&Command::new("AT+CCHOPEN=0,\"example.com\",443,2"))).unwrap();
    s.transport_mut().push(700, b"\r\n+CCHOPEN: 0,0\r\n");
    let t0 = clock.micros();
    assert_eq!(
        block_on(s.wait_urc("+CCHOPEN:", ms(5000))).unwrap(),
        "+CCHOPEN: 0,0"
    );
    assert_eq!(clock.micros() - t0, 700_000);
    let err = block_on(s.wait_urc("+CCHOPEN:", ms(200))).unwrap_err();
    assert!(matches!(err.failure, Failure::TimedOut { .. }));
}

#[test]
fn cancel_between_chunks_stops_the_upload() {
    let clock = VirtualClock::new();
    let module = ScriptedModule::new(&clock, |w: &[u8]| {
        if w.starts_with(b"AT+CCERTDOWN") {
            vec![(10, b"\r\n> ".to_vec())]
        } else {
            Vec::new()
        }
    });
    let writes = module.writes.clone();
    let mut s = Session::new(
        module,
        clock.clone(),
        SessionOptions::with_engine(Family::Sim7600.engine_config()),
    );
    let token = s.cancel_token();
    s.set_progress(move |p| {
        if let Progress::Sending { sent, .. } = p
            && *sent >= 512
        {
            token.cancel();
        }
    });
    let cmd = Command::new("AT+CCERTDOWN=\"ca.pem\",2000")
        .with_data(DataPhase::after_prompt(vec![b'x'; 2000]));
    let err = block_on(s.run(&cmd)).unwrap_err();
    assert_eq!(err.failure, Failure::Cancelled);
    assert_eq!(
        writes.borrow().len(),
        3,
        "command line + 2 chunks, then stop"
    );
    // The engine is idle again; a reset token lets the session go on.
    assert!(!s.engine().is_busy());
    s.cancel_token().reset();
}

#[test]
fn cancel_interrupts_a_pending_read() {
    let clock = VirtualClock::new();
    let mut s = session(&clock, Config::default(), vec![]);
    let token = s.cancel_token();
    s.set_progress(move |p| {
        if matches!(p, Progress::Command { .. }) {
            token.cancel();
        }
    });
    let err = block_on(s.run(&Command::new("AT+COPS=?").with_timeout(ms(180_000)))).unwrap_err();
    assert_eq!(err.failure, Failure::Cancelled);
    // Cancelled before the virtual clock ran to the deadline.
    assert!(clock.micros() < 1_000_000);
}

#[test]
fn disconnect_is_a_transport_failure() {
    let clock = VirtualClock::new();
    let mut module = ScriptedModule::new(&clock, replies(vec![(b"AT", 5, b"\r\nOK\r\n")]));
    module.disconnect_after = Some(2);
    let mut s = Session::new(module, clock.clone(), SessionOptions::default());
    let err = block_on(s.run(&Command::new("AT"))).unwrap_err();
    assert!(matches!(
        err.failure,
        Failure::Transport(TransportError::Disconnected { .. })
    ));
    assert!(err.to_string().contains("check the cable"), "{err}");
}

#[test]
fn probe_retries_until_the_module_answers_and_detects_echo_and_line_ending() {
    let clock = VirtualClock::new();
    let module = ScriptedModule::new(&clock, {
        let mut n = 0;
        move |_: &[u8]| {
            n += 1;
            if n < 3 {
                Vec::new()
            } else {
                vec![(5, b"AT\rAT-S.OK\r".to_vec())]
            }
        }
    });
    let mut s = Session::new(
        module,
        clock.clone(),
        SessionOptions::with_engine(Family::Spwf04.engine_config()),
    );
    let p = block_on(s.probe(5)).unwrap();
    assert_eq!(p.attempts, 3);
    assert!(p.echo);
    assert_eq!(p.terminator, Terminator::Cr);
    assert_eq!(p.answer, "AT-S.OK");
    assert_eq!(s.engine().echo_detected(), Some(true));
}

#[test]
fn probe_gives_up_after_its_attempts() {
    let clock = VirtualClock::new();
    let mut s = session(&clock, Config::default(), vec![]);
    let err = block_on(s.probe(2)).unwrap_err();
    assert!(matches!(err.failure, Failure::TimedOut { .. }));
    let tx = s.transcript().raw(Direction::Tx);
    assert_eq!(tx, b"AT\rAT\r");
}

#[test]
fn binary_read_through_the_session() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::Spwf04.engine_config(),
        vec![(
            b"AT+S.SOCKR",
            5,
            b"AT-S.Reading:6:6\r\nOK\r\n\x00\xffAT-S.OK\r\n",
        )],
    );
    let cmd = Command::new("AT+S.SOCKR=0,6").with_response(ResponseShape::LengthPrefixed {
        header: LengthHeader::new("AT-S.Reading:", 0),
    });
    let r = block_on(s.run(&cmd)).unwrap();
    assert_eq!(r.data, b"OK\r\n\x00\xff");
    assert_eq!(r.lines, vec!["AT-S.Reading:6:6"]);
}

#[test]
fn drain_returns_stale_bytes_and_keeps_urcs() {
    let clock = VirtualClock::new();
    let mut s = session(&clock, Family::Spwf04.engine_config(), vec![]);
    s.transport_mut().push(0, b"+WIND:0:Console active\r\n");
    s.transport_mut().push(15, b"junk\r\n");
    let stale = block_on(s.drain(ms(20))).unwrap();
    assert_eq!(stale, b"junk");
    assert_eq!(
        block_on(s.wait_urc("+WIND:0", ms(1))).unwrap(),
        "+WIND:0:Console active"
    );
    // 15 ms until the junk, then 20 quiet ms.
    assert_eq!(clock.micros(), 35_000);
}

#[test]
fn a_module_that_never_goes_quiet_does_not_hang_the_drain() {
    let clock = VirtualClock::new();
    let mut s = session(&clock, Config::default(), vec![]);
    for i in 0..400 {
        s.transport_mut().push(i * 10, b"noise\r\n");
    }
    block_on(s.drain(ms(20))).unwrap();
    assert!(clock.micros() <= 2_010_000);
}

#[test]
fn without_a_step_label_the_message_names_the_command_once() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Config::default(),
        vec![(b"AT+CMEE", 5, b"\r\nERROR\r\n")],
    );
    let err = block_on(s.run(&Command::new("AT+CMEE=2"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "AT+CMEE=2 was refused: the module said \"ERROR\". the module refused the command without saying why (verbose errors are off). Next: turn on numeric or verbose errors (AT+CMEE=2) and run the step again to see the reason"
    );
    assert_eq!(err.failure.to_string(), "the module answered \"ERROR\"");
}

#[test]
fn a_missing_prompt_is_named_as_such() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::Sim7600.engine_config(),
        vec![(b"AT+CCERTDOWN", 5, b"\r\n+CCHEVENT: 0,RECV EVENT\r\n")],
    );
    s.begin_step(1, 1, "Upload the CA certificate");
    let cmd = Command::new("AT+CCERTDOWN=\"ca.pem\",3")
        .with_data(DataPhase::after_prompt("abc").with_trigger_timeout(ms(2000)));
    let err = block_on(s.run(&cmd)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("Upload the CA certificate: AT+CCERTDOWN=\"ca.pem\",3 never asked for its data (no > prompt within 2.0 s)"),
        "{msg}"
    );
    let cmd = Command::new("AT+QFUPL=\"x\",3")
        .with_data(DataPhase::after_line("CONNECT", "abc").with_trigger_timeout(ms(100)));
    let err = block_on(s.run(&cmd)).unwrap_err();
    assert!(err.said.contains("no CONNECT line"), "{}", err.said);
}

#[test]
fn immediate_and_line_triggered_uploads_through_the_session() {
    let clock = VirtualClock::new();
    let module = ScriptedModule::new(&clock, |w: &[u8]| {
        if w.starts_with(b"AT+QFUPL") {
            vec![(10, b"\r\nCONNECT\r\n".to_vec())]
        } else if w == b"hello" {
            vec![(10, b"\r\n+QFUPL: 5,3a2\r\n\r\nOK\r\n".to_vec())]
        } else if w.ends_with(b"\x30\x03") {
            vec![(10, b"AT-S.OK\r\n".to_vec())]
        } else {
            Vec::new()
        }
    });
    let written = module.written.clone();
    let mut s = Session::new(module, clock.clone(), SessionOptions::default());
    let r = block_on(
        s.run(
            &Command::new("AT+QFUPL=\"UFS:ca.pem\",5,100")
                .with_data(DataPhase::after_line("CONNECT", "hello")),
        ),
    )
    .unwrap();
    assert!(r.prompted);
    assert_eq!(r.lines, vec!["+QFUPL: 5,3a2"]);
    s.set_engine_config(Family::Spwf04.engine_config());
    let r = block_on(
        s.run(&Command::new("AT+S.TLSCERT=ca,2").with_data(DataPhase::immediately(*b"\x30\x03"))),
    )
    .unwrap();
    assert_eq!(r.final_result, Final::Ok);
    assert!(written.borrow().ends_with(b"AT+S.TLSCERT=ca,2\r\x30\x03"));
}

#[test]
fn raw_writes_are_recorded() {
    let clock = VirtualClock::new();
    let mut s = session(
        &clock,
        Family::TelitLe910.engine_config(),
        vec![(b"+++", 1000, b"\r\nOK\r\n")],
    );
    block_on(s.write_raw(b"+++")).unwrap();
    assert_eq!(s.transcript().raw(Direction::Tx), b"+++");
    // The OK that answers the escape arrives a second later and is drained as stale.
    let stale = block_on(s.drain(ms(1500))).unwrap();
    assert_eq!(stale, b"OK");
}

#[test]
fn a_module_that_never_stops_talking_still_times_out() {
    let clock = VirtualClock::new();
    let mut s = session(&clock, Config::default(), vec![]);
    for i in 0..5000 {
        s.transport_mut().push(i, b"noise\r\n");
    }
    let err = block_on(s.run(&Command::new("AT").with_timeout(ms(100)))).unwrap_err();
    assert!(matches!(err.failure, Failure::TimedOut { .. }), "{err}");
    // The drain gives up after its 2 s limit, then the command gets its 100 ms.
    assert!(clock.micros() <= 2_110_000, "{}", clock.micros());
    let err = block_on(s.wait_urc("+NEVER:", ms(50))).unwrap_err();
    assert!(matches!(err.failure, Failure::TimedOut { .. }));
    assert!(clock.micros() <= 2_170_000, "{}", clock.micros());
}

#[test]
fn an_early_refusal_stops_the_upload() {
    let clock = VirtualClock::new();
    let module = ScriptedModule::new(&clock, |w: &[u8]| {
        if w.starts_with(b"AT+CCERTDOWN") {
            vec![(10, b"\r\n> ".to_vec())]
        } else {
            // The module rejects the data at once (say, a full store).
            vec![(0, b"\r\n+CME ERROR: 20\r\n".to_vec())]
        }
    });
    let writes = module.writes.clone();
    let mut s = Session::new(
        module,
        clock.clone(),
        SessionOptions::with_engine(Family::Sim7600.engine_config()),
    );
    let cmd = Command::new("AT+CCERTDOWN=\"ca.pem\",2000")
        .with_data(DataPhase::after_prompt(vec![b'x'; 2000]));
    let err = block_on(s.run(&cmd)).unwrap_err();
    assert_eq!(
        err.failure,
        Failure::Rejected(Final::CmeError(ErrorCode::Number(20)))
    );
    assert!(err.explanation.meaning.contains("memory is full"));
    assert_eq!(
        writes.borrow().len(),
        2,
        "command line and one chunk, then stop"
    );
}

#[test]
fn echoed_upload_is_taken_while_it_is_written() {
    // With echo on, the echo comes back chunk by chunk and the final result still ends
    // the command only after the last chunk.
    let clock = VirtualClock::new();
    let module = ScriptedModule::new(&clock, {
        let mut got = 0;
        move |w: &[u8]| {
            if w.starts_with(b"AT+FSWRITE") {
                let mut echo = w.to_vec();
                echo.extend(b"\r\n>");
                vec![(5, echo)]
            } else {
                got += w.len();
                let mut replies = vec![(0, w.to_vec())];
                if got == 600 {
                    replies.push((5, b"\r\nOK\r\n".to_vec()));
                }
                replies
            }
        }
    });
    let writes = module.writes.clone();
    let mut s = Session::new(
        module,
        clock.clone(),
        SessionOptions::with_engine(Family::Sim800.engine_config()),
    );
    let payload: Vec<u8> = b"OK\r\n".iter().copied().cycle().take(600).collect();
    let cmd = Command::new("AT+FSWRITE=C:\\USER\\A.CER,0,600,10")
        .with_data(DataPhase::after_prompt(payload.clone()));
    let r = block_on(s.run(&cmd)).unwrap();
    assert!(r.echoed);
    assert_eq!(writes.borrow()[1..].concat(), payload);
}
