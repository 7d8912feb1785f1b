//! Private and public key decoders and every re-encoding; a decoded key must re-decode to itself.
#![no_main]
use atcert::cert::{KeyEncoding, PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for enc in [KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8] {
        if let Ok(k) = PrivateKey::from_der(data, enc) {
            let _ = k.info();
            let _ = k.public_spki_der();
            if let Ok(p8) = k.to_pkcs8_der() {
                let back = PrivateKey::from_pkcs8(&p8).expect("our PKCS#8 decodes");
                assert_eq!(back.to_pkcs8_der().ok(), Some(p8));
            }
            let _ = k.to_pkcs1_der();
            let _ = k.to_sec1_der();
        }
    }
    if let Ok(p) = PublicKey::from_spki(data) {
        let _ = p.info();
        let _ = p.to_pkcs1_der();
    }
    let _ = PublicKey::from_pkcs1(data);
});
