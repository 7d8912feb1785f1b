//! PKCS#12 decoding (MAC, bags, PBE) on anything that passes the shape test, and the KDF.
#![no_main]
use atcert::cert::pkcs12;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pkcs12::looks_like_pfx(data);
    let _ = pkcs12::parse_pfx(data, Some(""));
    let _ = pkcs12::parse_pfx(data, None);
});
