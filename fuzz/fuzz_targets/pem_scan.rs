//! The PEM scanner: any bytes; whatever it decodes must re-encode and scan back identically.
#![no_main]
use atcert::cert::pem;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (blocks, _problems) = pem::scan(data);
    for b in blocks {
        let again = pem::encode(&b.label.replace('-', ""), &b.der, pem::LineEnding::Crlf);
        let (back, problems) = pem::scan(&again);
        assert!(problems.is_empty());
        assert_eq!(back[0].der, b.der);
    }
});
