//! The golden transcript format of `tests/transcripts/` (see its README.md): parse a file
//! into exchanges and replay them through the engine.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::time::Duration;

use atcert::at::{
    Command, Config, DataPhase, EchoMode, Engine, ErrorCode, Event, Final, Instant, LengthHeader,
    ResponseShape,
};
use atcert::modules::Family;
use atcert::session::unescape;

/// One command (or idle input when `command` is `None`) with what goes over the wire and
/// what the engine must report.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub command: Option<Command>,
    /// Expected bytes written (`>>` lines, concatenated).
    pub sent: Vec<u8>,
    /// Bytes from the module (`<<` lines, concatenated).
    pub received: Vec<u8>,
    /// `@advance <ms>` after the input: time passes with no answer.
    pub advance: Option<Duration>,
    pub events: Vec<Event>,
    /// `>>` (true) and `<<` (false) segments in file order, for replaying through a session.
    pub script: Vec<(bool, Vec<u8>)>,
}

#[derive(Clone, Debug)]
pub struct Fixture {
    pub name: String,
    pub config: Config,
    pub exchanges: Vec<Exchange>,
}

pub fn config_named(name: &str) -> Config {
    match name {
        "default" => Config::default(),
        "sim800" => Family::Sim800.engine_config(),
        "sim7600" => Family::Sim7600.engine_config(),
        "sim70xx" => Family::Sim70xx.engine_config(),
        "spwf04" => Family::Spwf04.engine_config(),
        "telit" => Family::TelitLe910.engine_config(),
        "ichip" => Family::Ichip.engine_config(),
        "quectel" => Family::Quectel.engine_config(),
        "ublox" => Family::Ublox.engine_config(),
        "nrf91" => Family::Nrf91.engine_config(),
        "sequans" => Family::Sequans.engine_config(),
        "espat" => Family::Espat.engine_config(),
        other => panic!("unknown config {other}"),
    }
}

fn bytes(text: &str) -> Vec<u8> {
    unescape(text).unwrap_or_else(|e| panic!("{e} in {text:?}"))
}

fn header(spec: &str) -> LengthHeader {
    let (prefix, field) = spec.rsplit_once('|').expect("header is <prefix>|<field>");
    LengthHeader::new(
        String::from_utf8(bytes(prefix)).unwrap(),
        field.trim().parse().unwrap(),
    )
}

pub fn parse(name: &str, text: &str) -> Fixture {
    let mut config = Config::default();
    let mut exchanges: Vec<Exchange> = vec![Exchange {
        command: None,
        sent: Vec::new(),
        received: Vec::new(),
        advance: None,
        events: Vec::new(),
        script: Vec::new(),
    }];
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let ctx = || format!("{name}:{}: {line}", n + 1);
        let (tag, rest) = line.split_at(line.find(' ').unwrap_or(line.len()));
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let ex = exchanges.last_mut().unwrap();
        match tag {
            "@config" => config = config_named(rest.trim()),
            "@echo" => {
                config.echo = match rest.trim() {
                    "auto" => EchoMode::Auto,
                    "on" => EchoMode::On,
                    "off" => EchoMode::Off,
                    _ => panic!("{}", ctx()),
                }
            }
            "@command" => exchanges.push(Exchange {
                command: Some(Command::new(bytes(rest))),
                sent: Vec::new(),
                received: Vec::new(),
                advance: None,
                events: Vec::new(),
                script: Vec::new(),
            }),
            "@terminator" => command(ex, &ctx).terminator = bytes(rest),
            "@timeout" => {
                command(ex, &ctx).timeout = Duration::from_millis(rest.trim().parse().unwrap())
            }
            "@data" => {
                let (trigger, payload) = rest.split_once(' ').unwrap_or((rest, ""));
                let payload = bytes(payload);
                let data = match trigger {
                    "prompt" => DataPhase::after_prompt(payload),
                    "immediate" => DataPhase::immediately(payload),
                    "ok-prompt" => DataPhase {
                        trigger: atcert::at::Trigger::OkThenPrompt,
                        ..DataPhase::after_prompt(payload)
                    },
                    t if t.starts_with("line:") => DataPhase::after_line(&t[5..], payload),
                    _ => panic!("{}", ctx()),
                };
                command(ex, &ctx).data = Some(data);
            }
            "@data+" => {
                let data = command(ex, &ctx).data.as_mut().expect("@data+ after @data");
                data.payload.extend(bytes(rest));
            }
            "@data-end" => {
                let data = command(ex, &ctx)
                    .data
                    .as_mut()
                    .expect("@data-end after @data");
                data.terminator = Some(u8::from_str_radix(rest.trim(), 16).unwrap());
            }
            "@response" => {
                let (kind, spec) = rest.split_once(' ').unwrap_or((rest, ""));
                command(ex, &ctx).response = match kind {
                    "lines" => ResponseShape::Lines,
                    "length" => ResponseShape::LengthPrefixed {
                        header: header(spec),
                    },
                    "inline" => ResponseShape::InlineLength {
                        header: header(spec),
                    },
                    "inline-data" => ResponseShape::InlineData {
                        header: header(spec),
                    },
                    "block" => ResponseShape::Block {
                        end_marker: spec.to_owned(),
                    },
                    "first-line" => ResponseShape::FirstLine,
                    "quoted" => ResponseShape::QuotedLength {
                        header: header(spec),
                    },
                    _ => panic!("{}", ctx()),
                };
            }
            "@advance" => ex.advance = Some(Duration::from_millis(rest.trim().parse().unwrap())),
            ">>" => {
                ex.sent.extend(bytes(rest));
                ex.script.push((true, bytes(rest)));
            }
            "<<" => {
                ex.received.extend(bytes(rest));
                ex.script.push((false, bytes(rest)));
            }
            "==" => ex.events.push(event(rest, &ctx)),
            _ => panic!("unknown line {}", ctx()),
        }
    }
    if exchanges
        .first()
        .is_some_and(|e| e.received.is_empty() && e.events.is_empty())
    {
        exchanges.remove(0);
    }
    Fixture {
        name: name.to_owned(),
        config,
        exchanges,
    }
}

fn command<'a>(ex: &'a mut Exchange, ctx: &dyn Fn() -> String) -> &'a mut Command {
    ex.command
        .as_mut()
        .unwrap_or_else(|| panic!("no @command before {}", ctx()))
}

fn event(spec: &str, ctx: &dyn Fn() -> String) -> Event {
    let (kind, arg) = spec.split_once(' ').unwrap_or((spec, ""));
    let text = || String::from_utf8(bytes(arg)).unwrap();
    match kind {
        "echo" => Event::Echo(bytes(arg)),
        "line" => Event::Line(text()),
        "urc" => Event::Urc(text()),
        "prompt" => Event::Prompt,
        "data-queued" => Event::DataQueued {
            bytes: arg.trim().parse().unwrap(),
        },
        "data" => Event::Data(bytes(arg)),
        "urc-data" => Event::UrcData(bytes(arg)),
        "stale" => Event::Stale(bytes(arg)),
        "overflow" => Event::Overflow {
            discarded: arg.trim().parse().unwrap(),
        },
        "timeout" => Event::TimedOut {
            command: Vec::new(),
            received: bytes(arg),
        },
        "final" => Event::Final(final_result(arg, ctx)),
        _ => panic!("unknown event {}", ctx()),
    }
}

fn final_result(arg: &str, ctx: &dyn Fn() -> String) -> Final {
    let (kind, rest) = arg.split_once(' ').unwrap_or((arg, ""));
    let code = |s: &str| {
        s.trim()
            .parse()
            .map_or_else(|_| ErrorCode::Text(s.trim().to_owned()), ErrorCode::Number)
    };
    match kind {
        "OK" => Final::Ok,
        "ERROR" => Final::Error,
        "CME" => Final::CmeError(code(rest)),
        "CMS" => Final::CmsError(code(rest)),
        "vendor" => {
            // `vendor <code|-> <line>`
            let (c, line) = rest.split_once(' ').unwrap_or((rest, ""));
            Final::Vendor {
                code: c.parse().ok(),
                line: String::from_utf8(bytes(line)).unwrap(),
            }
        }
        _ => panic!("unknown final {}", ctx()),
    }
}

/// What replaying one exchange produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Replay {
    pub sent: Vec<u8>,
    pub events: Vec<Event>,
}

/// Replays a fixture with the input of each exchange cut into `chunks` (lengths; the
/// remainder goes in one piece). Timeout events carry the command line, filled in here.
pub fn replay(fixture: &Fixture, chunking: &mut dyn FnMut(usize) -> Vec<usize>) -> Vec<Replay> {
    let mut engine = Engine::new(fixture.config.clone());
    let mut now = Instant::ZERO;
    let mut out = Vec::new();
    for ex in &fixture.exchanges {
        if let Some(cmd) = &ex.command {
            engine.send(cmd.clone(), now);
        }
        let mut sent = Vec::new();
        drain_tx(&mut engine, &mut sent);
        let mut rest: &[u8] = &ex.received;
        for len in chunking(ex.received.len()) {
            let (head, tail) = rest.split_at(len.min(rest.len()));
            engine.handle_input(head);
            drain_tx(&mut engine, &mut sent);
            rest = tail;
        }
        engine.handle_input(rest);
        drain_tx(&mut engine, &mut sent);
        if let Some(d) = ex.advance {
            now = now + d;
            engine.handle_timeout(now);
        }
        let events = core::iter::from_fn(|| engine.poll_event())
            .map(|e| match e {
                Event::TimedOut { received, .. } => Event::TimedOut {
                    command: Vec::new(),
                    received,
                },
                e => e,
            })
            .collect();
        out.push(Replay { sent, events });
    }
    out
}

fn drain_tx(engine: &mut Engine, sent: &mut Vec<u8>) {
    while let Some(b) = engine.poll_transmit() {
        sent.extend(b);
    }
}

pub fn expected(fixture: &Fixture) -> Vec<Replay> {
    fixture
        .exchanges
        .iter()
        .map(|e| Replay {
            sent: e.sent.clone(),
            events: e.events.clone(),
        })
        .collect()
}

/// Every transcript, compiled in so the same tests run in wasm (no file system there).
/// `tests/at_transcripts.rs` checks natively that this list matches the directory.
pub const FILES: &[(&str, &str)] = &[
    (
        "espat_cipsend_passive_recvdata.txt",
        include_str!("../transcripts/espat_cipsend_passive_recvdata.txt"),
    ),
    (
        "espat_cipstart_ssl_error_with_syslog.txt",
        include_str!("../transcripts/espat_cipstart_ssl_error_with_syslog.txt"),
    ),
    (
        "espat_gmr.txt",
        include_str!("../transcripts/espat_gmr.txt"),
    ),
    (
        "espat_sysmfg_list.txt",
        include_str!("../transcripts/espat_sysmfg_list.txt"),
    ),
    (
        "espat_sysmfg_read_back.txt",
        include_str!("../transcripts/espat_sysmfg_read_back.txt"),
    ),
    (
        "espat_sysmfg_write_ok_then_prompt.txt",
        include_str!("../transcripts/espat_sysmfg_write_ok_then_prompt.txt"),
    ),
    (
        "generic_connect_download_triggers.txt",
        include_str!("../transcripts/generic_connect_download_triggers.txt"),
    ),
    (
        "generic_line_endings.txt",
        include_str!("../transcripts/generic_line_endings.txt"),
    ),
    (
        "generic_timeout.txt",
        include_str!("../transcripts/generic_timeout.txt"),
    ),
    (
        "ichip_ca_multiline_command.txt",
        include_str!("../transcripts/ichip_ca_multiline_command.txt"),
    ),
    (
        "ichip_ca_read_block.txt",
        include_str!("../transcripts/ichip_ca_read_block.txt"),
    ),
    (
        "ichip_errors.txt",
        include_str!("../transcripts/ichip_errors.txt"),
    ),
    (
        "ichip_socket_session.txt",
        include_str!("../transcripts/ichip_socket_session.txt"),
    ),
    (
        "nrf91_cmng_errors.txt",
        include_str!("../transcripts/nrf91_cmng_errors.txt"),
    ),
    (
        "nrf91_cmng_list_sha.txt",
        include_str!("../transcripts/nrf91_cmng_list_sha.txt"),
    ),
    (
        "nrf91_detect.txt",
        include_str!("../transcripts/nrf91_detect.txt"),
    ),
    (
        "nrf91_slm_socket.txt",
        include_str!("../transcripts/nrf91_slm_socket.txt"),
    ),
    (
        "nrf91_sm_socket.txt",
        include_str!("../transcripts/nrf91_sm_socket.txt"),
    ),
    (
        "quectel_qflst_qfdel.txt",
        include_str!("../transcripts/quectel_qflst_qfdel.txt"),
    ),
    (
        "quectel_qfupl_real_checksum.txt",
        include_str!("../transcripts/quectel_qfupl_real_checksum.txt"),
    ),
    (
        "quectel_qsslopen_then_recv.txt",
        include_str!("../transcripts/quectel_qsslopen_then_recv.txt"),
    ),
    (
        "sequans_identification.txt",
        include_str!("../transcripts/sequans_identification.txt"),
    ),
    (
        "sequans_socket_session.txt",
        include_str!("../transcripts/sequans_socket_session.txt"),
    ),
    (
        "sequans_sqnsd_no_carrier.txt",
        include_str!("../transcripts/sequans_sqnsd_no_carrier.txt"),
    ),
    (
        "sequans_sqnsnvr_read_block.txt",
        include_str!("../transcripts/sequans_sqnsnvr_read_block.txt"),
    ),
    (
        "sequans_sqnsnvw_delete.txt",
        include_str!("../transcripts/sequans_sqnsnvw_delete.txt"),
    ),
    (
        "sequans_sqnsnvw_prompt.txt",
        include_str!("../transcripts/sequans_sqnsnvw_prompt.txt"),
    ),
    (
        "sim70xx_ati_gmm.txt",
        include_str!("../transcripts/sim70xx_ati_gmm.txt"),
    ),
    (
        "sim70xx_casend_carecv.txt",
        include_str!("../transcripts/sim70xx_casend_carecv.txt"),
    ),
    (
        "sim70xx_cfsinit_cfsgfis.txt",
        include_str!("../transcripts/sim70xx_cfsinit_cfsgfis.txt"),
    ),
    (
        "sim70xx_cfsrfile_read_back.txt",
        include_str!("../transcripts/sim70xx_cfsrfile_read_back.txt"),
    ),
    (
        "sim70xx_cfswfile_download.txt",
        include_str!("../transcripts/sim70xx_cfswfile_download.txt"),
    ),
    (
        "sim70xx_cfswfile_ok_before_download.txt",
        include_str!("../transcripts/sim70xx_cfswfile_ok_before_download.txt"),
    ),
    (
        "sim70xx_cfswfile_window_cme3.txt",
        include_str!("../transcripts/sim70xx_cfswfile_window_cme3.txt"),
    ),
    (
        "sim70xx_cnact_caopen.txt",
        include_str!("../transcripts/sim70xx_cnact_caopen.txt"),
    ),
    (
        "sim70xx_convert_not_allowed.txt",
        include_str!("../transcripts/sim70xx_convert_not_allowed.txt"),
    ),
    (
        "sim7600_ati.txt",
        include_str!("../transcripts/sim7600_ati.txt"),
    ),
    (
        "sim7600_boot_urcs_then_command.txt",
        include_str!("../transcripts/sim7600_boot_urcs_then_command.txt"),
    ),
    (
        "sim7600_ccertdele.txt",
        include_str!("../transcripts/sim7600_ccertdele.txt"),
    ),
    (
        "sim7600_ccertdown_error_instead_of_prompt.txt",
        include_str!("../transcripts/sim7600_ccertdown_error_instead_of_prompt.txt"),
    ),
    (
        "sim7600_ccertdown_prompt.txt",
        include_str!("../transcripts/sim7600_ccertdown_prompt.txt"),
    ),
    (
        "sim7600_ccertlist.txt",
        include_str!("../transcripts/sim7600_ccertlist.txt"),
    ),
    (
        "sim7600_cchclose_cchstop.txt",
        include_str!("../transcripts/sim7600_cchclose_cchstop.txt"),
    ),
    (
        "sim7600_cchopen.txt",
        include_str!("../transcripts/sim7600_cchopen.txt"),
    ),
    (
        "sim7600_cchrecv_manual.txt",
        include_str!("../transcripts/sim7600_cchrecv_manual.txt"),
    ),
    (
        "sim7600_cchsend_then_recv_urc.txt",
        include_str!("../transcripts/sim7600_cchsend_then_recv_urc.txt"),
    ),
    (
        "sim7600_cchstart_urc_after_ok.txt",
        include_str!("../transcripts/sim7600_cchstart_urc_after_ok.txt"),
    ),
    (
        "sim7600_csslcfg.txt",
        include_str!("../transcripts/sim7600_csslcfg.txt"),
    ),
    (
        "sim800_boot_urcs.txt",
        include_str!("../transcripts/sim800_boot_urcs.txt"),
    ),
    (
        "sim800_cifsr_first_line.txt",
        include_str!("../transcripts/sim800_cifsr_first_line.txt"),
    ),
    (
        "sim800_cipstart_cipsend.txt",
        include_str!("../transcripts/sim800_cipstart_cipsend.txt"),
    ),
    (
        "sim800_cipstart_single_fail.txt",
        include_str!("../transcripts/sim800_cipstart_single_fail.txt"),
    ),
    (
        "sim800_cme_verbose.txt",
        include_str!("../transcripts/sim800_cme_verbose.txt"),
    ),
    (
        "sim800_fswrite_echoed_binary.txt",
        include_str!("../transcripts/sim800_fswrite_echoed_binary.txt"),
    ),
    (
        "sim800_fswrite_prompt.txt",
        include_str!("../transcripts/sim800_fswrite_prompt.txt"),
    ),
    (
        "sim800_sslsetcert_urc.txt",
        include_str!("../transcripts/sim800_sslsetcert_urc.txt"),
    ),
    (
        "spwf04_httpget_certificate_error.txt",
        include_str!("../transcripts/spwf04_httpget_certificate_error.txt"),
    ),
    (
        "spwf04_httpget_ok.txt",
        include_str!("../transcripts/spwf04_httpget_ok.txt"),
    ),
    (
        "spwf04_provisioning_sequence.txt",
        include_str!("../transcripts/spwf04_provisioning_sequence.txt"),
    ),
    (
        "spwf04_tlscert_ca_immediate.txt",
        include_str!("../transcripts/spwf04_tlscert_ca_immediate.txt"),
    ),
    (
        "telit_command_mode_exchange.txt",
        include_str!("../transcripts/telit_command_mode_exchange.txt"),
    ),
    (
        "telit_sgact.txt",
        include_str!("../transcripts/telit_sgact.txt"),
    ),
    (
        "telit_ssld_online_connect.txt",
        include_str!("../transcripts/telit_ssld_online_connect.txt"),
    ),
    (
        "telit_sslsecdata_ctrlz_echoed.txt",
        include_str!("../transcripts/telit_sslsecdata_ctrlz_echoed.txt"),
    ),
    (
        "telit_sslsecdata_escape_cancels.txt",
        include_str!("../transcripts/telit_sslsecdata_escape_cancels.txt"),
    ),
    (
        "telit_sslsecdata_key_with_size.txt",
        include_str!("../transcripts/telit_sslsecdata_key_with_size.txt"),
    ),
    (
        "telit_sslsecdata_read_block.txt",
        include_str!("../transcripts/telit_sslsecdata_read_block.txt"),
    ),
    (
        "ublox_usecmng_error_before_prompt.txt",
        include_str!("../transcripts/ublox_usecmng_error_before_prompt.txt"),
    ),
    (
        "ublox_usecmng_import_echo_on.txt",
        include_str!("../transcripts/ublox_usecmng_import_echo_on.txt"),
    ),
    (
        "ublox_usecmng_import_md5_upper.txt",
        include_str!("../transcripts/ublox_usecmng_import_md5_upper.txt"),
    ),
    (
        "ublox_usord_quoted_data.txt",
        include_str!("../transcripts/ublox_usord_quoted_data.txt"),
    ),
    (
        "ublox_usowr_at_prompt.txt",
        include_str!("../transcripts/ublox_usowr_at_prompt.txt"),
    ),
];

pub fn load_all() -> Vec<Fixture> {
    FILES.iter().map(|(name, text)| parse(name, text)).collect()
}
