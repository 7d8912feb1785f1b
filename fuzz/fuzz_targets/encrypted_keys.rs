//! Decryption entry points: encrypted PKCS#8 (PBES2, PKCS#12 PBE) and legacy PEM DEK-Info.
#![no_main]
use atcert::cert::keys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keys::decrypt_pkcs8(data, Some("pw"));
    let _ = keys::decrypt_pkcs8(data, None);
    if let Some((head, body)) = data.split_first() {
        let split = (*head as usize).min(body.len());
        let dek = String::from_utf8_lossy(&body[..split]);
        let _ = keys::decrypt_legacy_pem(&dek, &body[split..], Some("pw"));
    }
});
