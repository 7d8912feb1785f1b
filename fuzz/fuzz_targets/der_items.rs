//! The DER paths: BER reader, certificate inspection, signature checks against itself.
#![no_main]
use atcert::cert;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = cert::tlv::Reader::new(data);
    while let Ok(Some(t)) = r.next() {
        let _ = t.octets();
        let mut c = t.children();
        while let Ok(Some(_)) = c.next() {}
    }
    if let Ok(info) = cert::inspect::inspect(data, 0) {
        assert_eq!(info.sha256.len(), 64);
    }
    let _ = cert::inspect::name_to_string(data);
    let _ = cert::verify::verify_signed_by(data, data);
    let _ = cert::roots::find_issuer_in(&[data], data);
});
