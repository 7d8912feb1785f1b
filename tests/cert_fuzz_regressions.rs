//! Inputs the fuzzers found; each once panicked. They must now give errors, never panics.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

use atcert::cert;

/// Runs every public entry point the fuzz targets cover.
fn all_entry_points(data: &[u8]) {
    for pass in [None, Some("pw")] {
        let out = cert::parse(data, pass);
        let _ = cert::report::report(&out, 0);
    }
    let _ = cert::inspect::inspect(data, 0);
    let _ = cert::inspect::name_to_string(data);
    let _ = cert::verify::verify_signed_by(data, data);
    let _ = cert::roots::find_issuer_in(&[data], data);
    let _ = cert::pkcs12::parse_pfx(data, Some(""));
    let _ = cert::keys::decrypt_pkcs8(data, Some("pw"));
    for enc in [
        cert::KeyEncoding::Pkcs1,
        cert::KeyEncoding::Sec1,
        cert::KeyEncoding::Pkcs8,
    ] {
        let _ = cert::PrivateKey::from_der(data, enc).map(|k| k.to_pkcs8_der());
    }
}

fn unhex(s: &str) -> Vec<u8> {
    cert::unhex(s).expect("valid hex")
}

#[test]
fn unknown_signature_oid_with_invalid_arcs() {
    // der_items: an AlgorithmIdentifier whose OID is not a known signature algorithm made the
    // name lookup build a placeholder OID that const-oid rejects (panic).
    let data = unhex(
        "29807b807b010200040000010000012600040100002600010000010101008101010101014e000000302c062101062101010101302c062101023c0101010101f804840006000630010900b80101000002fe01010101010001000000067b000100ce0100ffffffff01010101",
    );
    all_entry_points(&data);
    let check = cert::verify::verify_signed_by(&data, &data);
    assert!(!matches!(check, cert::verify::SigCheck::Valid));
}
