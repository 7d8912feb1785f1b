//! How the simulators read credentials: PEM with any line ending, DER, bundles, and keys in
//! PKCS#1, SEC1 and PKCS#8, checked against openssl's view of the same files.

#[path = "sim_util.rs"]
mod util;

use std::process::Command;

use atcert::sim::creds::{self, Encoding, KeyFormat, KeyKind};
use util::Pki;

#[test]
fn system_bundle_parses_every_certificate() {
    let bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").expect("system CA bundle");
    let certs = creds::certs(&bundle, Encoding::Pem).expect("bundle parses");
    let expected = String::from_utf8_lossy(&bundle)
        .matches("-----BEGIN CERTIFICATE-----")
        .count();
    assert_eq!(certs.len(), expected);
    assert!(
        certs
            .iter()
            .all(|c| !c.subject.is_empty() && c.not_before < c.not_after)
    );
}

#[test]
fn pem_line_endings_nul_and_der_agree() {
    let pki = Pki::new();
    let pem = pki.read("ca.pem");
    let der = pki.read("ca.der");
    let from_der = creds::certs(&der, Encoding::Der).unwrap();
    let text = String::from_utf8_lossy(&pem).into_owned();
    for variant in [
        text.clone(),
        text.replace('\n', "\r\n"),
        text.replace('\n', "\r"),
        format!("{text}\0"),
    ] {
        let c = creds::certs(variant.as_bytes(), Encoding::Auto).unwrap();
        assert_eq!(c[0].der, from_der[0].der);
    }
    assert!(creds::certs(&pem, Encoding::Der).is_err());
    assert!(creds::certs(&der, Encoding::Pem).is_err());
    assert_eq!(from_der[0].key, KeyKind::Rsa { bits: 2048 });
    // SKI as openssl prints it.
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectKeyIdentifier", "-in"])
        .arg(pki.path("ca.pem"))
        .output()
        .unwrap();
    let openssl_ski = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(
        creds::hex_colon(from_der[0].ski.as_ref().unwrap()),
        openssl_ski
    );
    // The server certificate names the CA as issuer; the other CA is not its issuer.
    let server = creds::certs(&pki.read("server.der"), Encoding::Der).unwrap();
    let other = creds::certs(&pki.read("other.der"), Encoding::Der).unwrap();
    assert!(server[0].issued_by(&from_der[0]));
    assert!(!server[0].issued_by(&other[0]));
    assert!(from_der[0].same_ca(&creds::certs(&pem, Encoding::Pem).unwrap()[0]));
}

#[test]
fn keys_in_every_encoding_match_their_certificate() {
    let pki = Pki::new();
    pki.openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "client.key",
        "-outform",
        "DER",
        "-out",
        "client.p8.der",
    ]);
    pki.openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "ec.sec1.pem",
    ]);
    pki.openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "ec.sec1.pem",
        "-out",
        "ec.p8.pem",
    ]);
    pki.openssl(&[
        "ec",
        "-in",
        "ec.sec1.pem",
        "-outform",
        "DER",
        "-out",
        "ec.sec1.der",
    ]);
    pki.openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        "ec.sec1.pem",
        "-out",
        "ec.pem",
        "-days",
        "30",
        "-subj",
        "/CN=ec",
    ]);
    pki.openssl(&[
        "ecparam",
        "-name",
        "secp384r1",
        "-genkey",
        "-noout",
        "-out",
        "ec384.pem",
    ]);
    pki.openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        "ec384.pem",
        "-out",
        "ec384.crt",
        "-days",
        "30",
        "-subj",
        "/CN=ec384",
    ]);
    let client = creds::certs(&pki.read("client.pem"), Encoding::Pem)
        .unwrap()
        .remove(0);
    let ec = creds::certs(&pki.read("ec.pem"), Encoding::Pem)
        .unwrap()
        .remove(0);
    let ec384 = creds::certs(&pki.read("ec384.crt"), Encoding::Pem)
        .unwrap()
        .remove(0);
    assert_eq!(
        ec.key,
        KeyKind::Ec {
            curve: "P-256".into()
        }
    );
    let cases = [
        ("client.key", Encoding::Pem, KeyFormat::Pkcs8, &client),
        ("client.rsa.key", Encoding::Pem, KeyFormat::Pkcs1, &client),
        // openssl 3 `pkey -outform DER` writes RSA keys as PKCS#1.
        ("client.key.der", Encoding::Der, KeyFormat::Pkcs1, &client),
        ("client.p8.der", Encoding::Der, KeyFormat::Pkcs8, &client),
        ("ec.sec1.pem", Encoding::Auto, KeyFormat::Sec1, &ec),
        ("ec.p8.pem", Encoding::Auto, KeyFormat::Pkcs8, &ec),
        ("ec.sec1.der", Encoding::Der, KeyFormat::Sec1, &ec),
        ("ec384.pem", Encoding::Pem, KeyFormat::Sec1, &ec384),
    ];
    for (file, enc, format, cert) in cases {
        let k = creds::key(&pki.read(file), enc).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(k.format, format, "{file}");
        assert!(creds::key_matches(&k, cert), "{file}");
    }
    let rogue = creds::key(&pki.read("rogue.key"), Encoding::Pem).unwrap();
    assert!(!creds::key_matches(&rogue, &client));
    assert!(
        creds::key(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            Encoding::Pem
        )
        .is_err()
    );
    assert!(creds::key(&[0x30, 0x03, 0x02, 0x01], Encoding::Der).is_err());
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x1234_5678_u32;
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed & 0xff) as u8
            })
            .collect();
        let _ = creds::certs(&bytes, Encoding::Auto);
        let _ = creds::key(&bytes, Encoding::Auto);
        let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
        pem.extend_from_slice(&bytes);
        let _ = creds::certs(&pem, Encoding::Pem);
    }
}

#[test]
fn signatures_are_checked_with_the_issuer_key() {
    use atcert::sim::{ClientOffer, Refusal, ServerModel, TlsVersion};
    let pki = Pki::new();
    let cert = |f: &str| {
        creds::certs(&pki.read(f), Encoding::Auto)
            .unwrap()
            .remove(0)
    };
    let (ca, other, client, server) = (
        cert("ca.pem"),
        cert("other.pem"),
        cert("client.pem"),
        cert("server.pem"),
    );
    assert_eq!(client.signed_by(&ca), Some(true));
    assert_eq!(server.signed_by(&ca), Some(true));
    assert_eq!(client.signed_by(&other), Some(false));
    assert_eq!(ca.signed_by(&ca), Some(true));
    // SHA-1 RSA and both ECDSA curves.
    pki.openssl(&[
        "req", "-x509", "-sha1", "-newkey", "rsa:1024", "-nodes", "-keyout", "s1.key", "-out",
        "s1.pem", "-days", "9", "-subj", "/CN=s1",
    ]);
    pki.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "e2.key",
        "-out",
        "e2.pem",
        "-days",
        "9",
        "-subj",
        "/CN=e2",
    ]);
    pki.openssl(&[
        "req",
        "-x509",
        "-sha384",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-nodes",
        "-keyout",
        "e3.key",
        "-out",
        "e3.pem",
        "-days",
        "9",
        "-subj",
        "/CN=e3",
    ]);
    for f in ["s1.pem", "e2.pem", "e3.pem"] {
        let c = cert(f);
        assert_eq!(c.signed_by(&c), Some(true), "{f}");
        assert_eq!(c.signed_by(&ca), Some(false), "{f}");
    }

    // A look-alike CA: the same name as the real one, another key, no key ids. A client
    // certificate it signs carries the right issuer name but fails the signature check.
    pki.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "fake.key",
        "-out",
        "fake.pem",
        "-days",
        "9",
        "-subj",
        "/CN=Test Root CA",
        "-addext",
        "subjectKeyIdentifier=none",
    ]);
    pki.openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "forged.key",
        "-out",
        "forged.csr",
        "-subj",
        "/CN=device-666",
    ]);
    std::fs::write(
        pki.path("forged.ext"),
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n",
    )
    .unwrap();
    pki.openssl(&[
        "x509",
        "-req",
        "-in",
        "forged.csr",
        "-CA",
        "fake.pem",
        "-CAkey",
        "fake.key",
        "-CAcreateserial",
        "-days",
        "9",
        "-out",
        "forged.pem",
        "-extfile",
        "forged.ext",
    ]);
    let forged = cert("forged.pem");
    assert!(forged.aki.is_none());
    assert_eq!(forged.issuer, ca.subject);
    assert!(forged.issued_by(&ca));
    assert_eq!(forged.signed_by(&ca), Some(false));

    let mut model = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    model.client_ca = Some(pki.read("ca.der"));
    let mut offer = ClientOffer::new("localhost", 443, (TlsVersion::Tls12, TlsVersion::Tls13));
    offer.trust = Some(vec![ca.clone()]);
    offer.client = Some((
        forged,
        creds::key(&pki.read("forged.key"), Encoding::Pem).unwrap(),
    ));
    assert_eq!(model.handshake(&offer), Err(Refusal::ClientCertRejected));
    offer.client = Some((
        client.clone(),
        creds::key(&pki.read("client.key"), Encoding::Pem).unwrap(),
    ));
    assert_eq!(model.handshake(&offer), Ok(()));
    offer.client = Some((
        client,
        creds::key(&pki.read("rogue.key"), Encoding::Pem).unwrap(),
    ));
    assert_eq!(model.handshake(&offer), Err(Refusal::ClientKeyMismatch));
    // Trust through the intermediate-less chain: the CA signs the leaf, root not stored.
    let mut model = ServerModel::new(vec![pki.read("server.der")], Vec::new());
    model.client_ca = None;
    offer.client = None;
    assert_eq!(model.handshake(&offer), Ok(()));
    offer.trust = Some(vec![other]);
    assert_eq!(model.handshake(&offer), Err(Refusal::UnknownCa));
}

#[test]
fn der_ending_in_zero_bytes_is_kept_whole() {
    // Find a certificate whose DER ends in 0x00 (its signature's last byte), as one in
    // 256 do, and check it parses as given.
    let pki = Pki::new();
    for i in 0..2000 {
        pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:512",
            "-nodes",
            "-keyout",
            "z.key",
            "-out",
            "z.der",
            "-outform",
            "DER",
            "-days",
            "9",
            "-subj",
            &format!("/CN=z{i}"),
        ]);
        let der = pki.read("z.der");
        if der.last() == Some(&0) {
            let c = creds::certs(&der, Encoding::Der).expect("DER ending in 0x00 parses");
            assert_eq!(c[0].der, der);
            assert_eq!(c[0].signed_by(&c[0]), Some(true));
            return;
        }
    }
    panic!("no certificate ending in 0x00 in 2000 tries");
}
