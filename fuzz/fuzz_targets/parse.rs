//! `cert::parse` on anything, with and without a passphrase, then everything the page does
//! with the result: inspect, chains, key matching, conversion.
#![no_main]
use atcert::cert;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for pass in [None, Some("pw")] {
        let out = cert::parse(data, pass);
        for p in &out.problems {
            let _ = p.to_string();
        }
        for item in &out.items {
            let _ = item.cert_info(0);
            let _ = item.public_key().map(|k| k.info());
            let _ = item.private_key.as_ref().map(|k| k.info());
        }
        let certs: Vec<&[u8]> = out.certificates().map(|i| i.der.as_slice()).collect();
        let _ = cert::chain::build_chains(&certs);
        let _ = cert::matching::match_keys(&out.items);
        for target in [cert::convert::Target::Pem, cert::convert::Target::Der, cert::convert::Target::Pkcs8] {
            let opts = cert::convert::ConvertOptions { target, ..Default::default() };
            let _ = cert::convert::convert(&out.items, &opts);
        }
    }
});
