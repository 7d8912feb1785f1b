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
        "sim800" => Config::sim800(),
        "sim7600" => Config::sim7600(),
        "spwf04" => Config::spwf04(),
        "telit" => Config::telit(),
        "ichip" => Config::ichip(),
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
                    "block" => ResponseShape::Block {
                        end_marker: spec.to_owned(),
                    },
                    "first-line" => ResponseShape::FirstLine,
                    _ => panic!("{}", ctx()),
                };
            }
            "@advance" => ex.advance = Some(Duration::from_millis(rest.trim().parse().unwrap())),
            ">>" => ex.sent.extend(bytes(rest)),
            "<<" => ex.received.extend(bytes(rest)),
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

pub fn load_all() -> Vec<Fixture> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            parse(&name, &std::fs::read_to_string(p).unwrap())
        })
        .collect()
}
