//! Engine throughput, printed (never asserted). Run: `cargo bench --bench at_engine`.

use std::hint::black_box;
use std::time::{Duration, Instant as Wall};

use atcert::at::{Command, DataPhase, Engine, Instant, LengthHeader, ResponseShape};
use atcert::modules::Family;

fn measure(name: &str, bytes_per_iter: usize, mut f: impl FnMut()) {
    // Warm up, then run for about a second.
    f();
    let start = Wall::now();
    let mut iters = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        f();
        iters += 1;
    }
    let per = start.elapsed() / iters;
    let mbps = bytes_per_iter as f64 / per.as_secs_f64() / 1e6;
    println!("{name:<48} {per:>10.2?}/iter  {mbps:>8.1} MB/s");
}

fn main() {
    // 1. A 64 KiB binary read under a length header, fed in 64-byte chunks (a Web Serial
    //    read is typically this size).
    let block: Vec<u8> = (0..65_536u32).map(|i| (i * 31 % 251) as u8).collect();
    let mut input = format!("AT-S.Reading:{}:{}\r\n", block.len(), block.len()).into_bytes();
    input.extend(&block);
    input.extend(b"AT-S.OK\r\n");
    measure("binary read 64 KiB, 64-byte chunks", input.len(), || {
        let mut e = Engine::new(Family::Spwf04.engine_config());
        e.send(
            Command::new("AT+S.SOCKR=0,65536").with_response(ResponseShape::LengthPrefixed {
                header: LengthHeader::new("AT-S.Reading:", 0),
            }),
            Instant::ZERO,
        );
        for chunk in input.chunks(64) {
            e.handle_input(chunk);
        }
        while let Some(ev) = e.poll_event() {
            black_box(ev);
        }
    });

    // 2. A long text answer: 2000 lines plus URCs.
    let mut text = Vec::new();
    for i in 0..2000 {
        text.extend(format!("+CCERTLIST: \"cert{i}.pem\"\r\n").bytes());
        if i % 100 == 0 {
            text.extend(b"+CCHEVENT: 0,RECV EVENT\r\n");
        }
    }
    text.extend(b"\r\nOK\r\n");
    measure(
        "2000-line answer with URCs, 64-byte chunks",
        text.len(),
        || {
            let mut e = Engine::new(Family::Sim7600.engine_config());
            e.send(Command::new("AT+CCERTLIST"), Instant::ZERO);
            for chunk in text.chunks(64) {
                e.handle_input(chunk);
            }
            while let Some(ev) = e.poll_event() {
                black_box(ev);
            }
        },
    );

    // 3. A 10 KiB PEM upload whose echo comes back line by line (Telit with echo on).
    let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
    for i in 0..160 {
        pem.extend(format!("{:064}\n", i).bytes());
    }
    pem.extend(b"-----END CERTIFICATE-----\n");
    let mut echo = b"AT#SSLSECDATA=1,1,1\r\r\n> ".to_vec();
    echo.extend(pem.iter().flat_map(|&b| {
        if b == b'\n' {
            vec![b'\r', b'\n']
        } else {
            vec![b]
        }
    }));
    echo.extend(b"\x1a\r\nOK\r\n");
    measure(
        "10 KiB upload with echoed data, 64-byte chunks",
        echo.len(),
        || {
            let mut e = Engine::new(Family::TelitLe910.engine_config());
            e.send(
                Command::new("AT#SSLSECDATA=1,1,1")
                    .with_data(DataPhase::after_prompt(pem.clone()).terminated_by(0x1A)),
                Instant::ZERO,
            );
            for chunk in echo.chunks(64) {
                e.handle_input(chunk);
                while let Some(t) = e.poll_transmit() {
                    black_box(t);
                }
            }
            while let Some(ev) = e.poll_event() {
                black_box(ev);
            }
        },
    );
}
