//! A host name that does not resolve, worded by each family.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::modules::Family;
use atcert::sim::{Server, ServerModel};
use util::Host;

fn server() -> Server {
    Server::Model(ServerModel {
        hosts: Some(vec!["known.example".into()]),
        ..ServerModel::default()
    })
}

fn host(family: Family) -> (atcert::sim::SimModule, Host) {
    let m = atcert::sim::module(family, server());
    let mut h = Host::new(&m);
    let echo_off = match family {
        Family::Spwf04 => "AT+S.SCFG=console_echo,0",
        Family::Ichip => "AT+i",
        _ => "ATE0",
    };
    h.cmd(echo_off);
    (m, h)
}

#[test]
fn unknown_hosts_fail_in_each_module_s_words() {
    let long = Duration::from_secs(5);
    let (_m, mut h) = host(Family::Sim7600);
    h.cmd("AT+CCHSTART");
    assert_eq!(
        h.cmd_for("AT+CCHOPEN=0,\"nowhere.example\",443,2", long),
        "\r\nOK\r\n\r\n+CCHOPEN: 0,13\r\n"
    );

    let (_m, mut h) = host(Family::Sim800);
    h.cmd("AT+CIPSSL=1");
    assert_eq!(
        h.cmd_for("AT+CIPSTART=\"TCP\",\"nowhere.example\",443", long),
        "\r\nOK\r\n\r\nCONNECT FAIL\r\n"
    );
    for c in [
        "AT+HTTPINIT",
        "AT+HTTPPARA=\"URL\",\"https://nowhere.example/\"",
    ] {
        h.cmd(c);
    }
    assert_eq!(
        h.cmd_for("AT+HTTPACTION=0", long),
        "\r\nOK\r\n\r\n+HTTPACTION: 0,603,0\r\n"
    );

    let (_m, mut h) = host(Family::TelitLe910);
    for c in ["AT+CMEE=1", "AT#SGACT=1,1", "AT#SSLEN=1,1"] {
        h.cmd(c);
    }
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"nowhere.example\",0,1", long),
        "\r\n+CME ERROR: 558\r\n"
    );

    let (_m, mut h) = host(Family::Ichip);
    assert_eq!(
        h.cmd_for("AT+iSTCP:nowhere.example,443", long),
        "AT+iSTCP:nowhere.example,443\rI/ERROR (46)\r\n"
    );

    let (_m, mut h) = host(Family::Spwf04);
    assert_eq!(
        h.cmd_for("AT+S.HTTPGET=nowhere.example,/,80,0,,,,", long),
        "AT-S.Http Client Error:1\r\nAT-S.ERROR:111:Request failed\r\n"
    );
    // IP literals always resolve.
    assert!(
        h.cmd_for("AT+S.SOCKON=10.0.0.1,80,,t", long)
            .starts_with("AT-S.On:10.0.0.1:0\r\n")
    );
}
