//! Input in every form people paste or upload, damaged input with precise errors, and
//! PEM/DER conversions compared with openssl.

use atcert::cert::{
    self, ItemKind, LineEnding, ParseError, SourceFormat,
    convert::{ConvertOptions, Target, convert, set_line_endings},
};
use std::process::Command;

fn ssl(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A temp dir with a root, a leaf signed by it, and the leaf's key (RSA 2048).
fn setup() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    ssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-subj",
            "/CN=Input Root",
            "-days",
            "30",
            "-out",
            "root.pem",
        ],
    );
    ssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-subj",
            "/CN=input leaf",
            "-out",
            "leaf.csr",
        ],
    );
    ssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-set_serial",
            "7",
            "-days",
            "30",
            "-out",
            "leaf.pem",
        ],
    );
    ssl(
        d,
        &[
            "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der",
        ],
    );
    ssl(
        d,
        &[
            "x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der",
        ],
    );
    t
}

fn read(t: &tempfile::TempDir, name: &str) -> Vec<u8> {
    std::fs::read(t.path().join(name)).unwrap()
}

#[test]
fn pem_with_text_crlf_cr_and_no_final_newline() {
    let t = setup();
    let leaf = String::from_utf8(read(&t, "leaf.pem")).unwrap();
    let root = String::from_utf8(read(&t, "root.pem")).unwrap();
    let key = String::from_utf8(read(&t, "leaf.key")).unwrap();
    let leaf_der = read(&t, "leaf.der");
    // What a user pastes from an e-mail or a console: prose, CRLF, CR, indentation, no final newline.
    let text = format!(
        "Here is your certificate:\r\n\r\n{}\r\nAnd the CA:\n{}\nKey below\r{}",
        leaf.replace('\n', "\r\n"),
        root.lines()
            .map(|l| format!("  {l}  "))
            .collect::<Vec<_>>()
            .join("\n"),
        key.replace('\n', "\r").trim_end()
    );
    let out = cert::parse(text.as_bytes(), None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let kinds: Vec<ItemKind> = out.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            ItemKind::Certificate,
            ItemKind::Certificate,
            ItemKind::PrivateKey
        ]
    );
    assert_eq!(out.items[0].der, leaf_der);
    assert_eq!(out.items[0].source.line_ending, Some(LineEnding::Crlf));
    assert_eq!(out.items[0].source.location.line, Some(3));
    assert_eq!(out.items[1].source.line_ending, Some(LineEnding::Lf));
    assert_eq!(out.items[2].source.line_ending, Some(LineEnding::Cr));
    assert_eq!(out.items[2].source.location.block, Some(3));
}

#[test]
fn der_base64_p7b_trusted_and_der_bundle() {
    let t = setup();
    let d = t.path();
    let leaf_der = read(&t, "leaf.der");
    let root_der = read(&t, "root.der");
    // Binary DER.
    let out = cert::parse(&leaf_der, None);
    assert!(out.problems.is_empty());
    assert_eq!(out.items[0].source.format, SourceFormat::Der);
    assert_eq!(out.items[0].der, leaf_der);
    // Base64 without armour, wrapped at 76 columns (as `base64` writes it).
    let b64 = Command::new("base64")
        .arg(d.join("leaf.der"))
        .output()
        .unwrap()
        .stdout;
    let out = cert::parse(&b64, None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.items[0].source.format, SourceFormat::Base64);
    assert_eq!(out.items[0].der, leaf_der);
    // Two DER certificates concatenated.
    let mut both = leaf_der.clone();
    both.extend(&root_der);
    let out = cert::parse(&both, None);
    assert_eq!(out.items.len(), 2);
    assert_eq!(out.items[1].der, root_der);
    assert_eq!(out.items[1].source.location.offset, Some(leaf_der.len()));
    // PKCS#7 bundle (.p7b), PEM and DER.
    ssl(
        d,
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "leaf.pem",
            "-certfile",
            "root.pem",
            "-out",
            "b.p7b",
        ],
    );
    ssl(
        d,
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "leaf.pem",
            "-certfile",
            "root.pem",
            "-outform",
            "DER",
            "-out",
            "b.p7b.der",
        ],
    );
    for name in ["b.p7b", "b.p7b.der"] {
        let out = cert::parse(&read(&t, name), None);
        assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
        let ders: Vec<&Vec<u8>> = out.items.iter().map(|i| &i.der).collect();
        assert_eq!(ders, [&leaf_der, &root_der], "{name}");
        assert_eq!(out.items[0].source.format, SourceFormat::Pkcs7);
    }
    // OpenSSL "TRUSTED CERTIFICATE" (certificate + trust settings).
    let trusted = ssl(
        d,
        &[
            "x509",
            "-in",
            "root.pem",
            "-trustout",
            "-addtrust",
            "serverAuth",
        ],
    );
    assert!(String::from_utf8_lossy(&trusted).contains("TRUSTED CERTIFICATE"));
    let out = cert::parse(&trusted, None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.items[0].der, root_der);
}

#[test]
fn mislabelled_pkcs1_body_under_private_key_is_accepted_with_a_note() {
    let t = setup();
    let d = t.path();
    let pkcs1 = String::from_utf8(ssl(d, &["rsa", "-in", "leaf.key", "-traditional"])).unwrap();
    let wrong = pkcs1.replace("RSA PRIVATE KEY", "PRIVATE KEY");
    let out = cert::parse(wrong.as_bytes(), None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.items[0].key_encoding, Some(cert::KeyEncoding::Pkcs1));
    assert!(
        out.items[0].notes[0].contains("labelled \"PRIVATE KEY\""),
        "{:?}",
        out.items[0].notes
    );
}

#[test]
fn damaged_inputs_give_precise_errors() {
    let t = setup();
    let leaf = String::from_utf8(read(&t, "leaf.pem")).unwrap();
    let leaf_der = read(&t, "leaf.der");

    // Truncated DER: error names the byte where the data ends.
    let cut = &leaf_der[..leaf_der.len() / 2];
    let out = cert::parse(cut, None);
    assert!(out.items.is_empty());
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].location.offset, Some(cut.len()));
    assert!(matches!(out.problems[0].error, ParseError::BadDer { .. }));
    assert!(
        out.problems[0].to_string().contains("truncated"),
        "{}",
        out.problems[0]
    );

    // A character that base64 does not have, on line 5 of the second block.
    let mut lines: Vec<String> = leaf.lines().map(str::to_string).collect();
    lines[3].replace_range(10..11, "!");
    let damaged = format!("{}\n{}", read_str(&t, "root.pem"), lines.join("\n"));
    let root_lines = read_str(&t, "root.pem").lines().count();
    let out = cert::parse(damaged.as_bytes(), None);
    assert_eq!(out.items.len(), 1, "the intact block is still read");
    assert_eq!(out.problems.len(), 1);
    let p = &out.problems[0];
    assert_eq!(p.location.block, Some(2));
    // root.pem's lines, the blank line of the format string, then line 4 of the leaf.
    assert_eq!(p.location.line, Some(root_lines + 1 + 4));
    assert_eq!(
        p.error,
        ParseError::BadBase64 {
            found: '!',
            column: 11
        }
    );

    // A line lost in copy/paste: base64 is still valid characters but the DER is short.
    let mut lines: Vec<&str> = leaf.lines().collect();
    lines.remove(5);
    let out = cert::parse(lines.join("\n").as_bytes(), None);
    assert!(out.items.is_empty());
    assert!(
        matches!(
            out.problems[0].error,
            ParseError::BadDer { .. } | ParseError::BadBase64Length
        ),
        "{:?}",
        out.problems
    );
    assert_eq!(out.problems[0].location.block, Some(1));

    // Unknown label, missing END, END without BEGIN, mismatched END.
    let out = cert::parse(
        b"-----BEGIN FOO BAR-----\nAAAA\n-----END FOO BAR-----\n",
        None,
    );
    assert_eq!(
        out.problems[0].error,
        ParseError::UnknownLabel {
            label: "FOO BAR".into()
        }
    );
    let head: String = leaf.lines().take(6).collect::<Vec<_>>().join("\n");
    let out = cert::parse(head.as_bytes(), None);
    assert!(matches!(
        out.problems[0].error,
        ParseError::MissingEnd { .. }
    ));
    let out = cert::parse(
        leaf.replace("END CERTIFICATE", "END PRIVATE KEY")
            .as_bytes(),
        None,
    );
    assert!(matches!(
        out.problems[0].error,
        ParseError::MismatchedEnd { .. }
    ));
    let out = cert::parse(
        b"text\n-----END CERTIFICATE-----\n-----BEGIN X-----\n-----END X-----",
        None,
    );
    assert!(
        out.problems
            .iter()
            .any(|p| matches!(p.error, ParseError::EndWithoutBegin { .. }))
    );

    // Garbage, binary and text; empty.
    let out = cert::parse(&[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01], None);
    assert!(matches!(
        out.problems[0].error,
        ParseError::NotRecognised { .. }
    ));
    assert!(out.problems[0].to_string().contains("de ad be ef"));
    let out = cert::parse(b"hello, this is not a certificate at all!", None);
    assert!(matches!(
        out.problems[0].error,
        ParseError::NotRecognised { .. }
    ));
    let out = cert::parse(b"  \r\n ", None);
    assert_eq!(out.problems[0].error, ParseError::Empty);

    // A DER SEQUENCE that is none of ours.
    let out = cert::parse(&[0x30, 0x03, 0x01, 0x01, 0xff], None);
    assert!(matches!(
        out.problems[0].error,
        ParseError::NotRecognised { .. }
    ));

    // A certificate whose body is damaged (a length byte inside) fails with the position.
    let mut bad = leaf_der.clone();
    bad[8] = 0x7f;
    let out = cert::parse(&bad, None);
    assert!(out.items.is_empty());
    assert!(!out.problems.is_empty());
}

fn read_str(t: &tempfile::TempDir, name: &str) -> String {
    String::from_utf8(read(t, name)).unwrap()
}

#[test]
fn conversions_match_openssl() {
    let t = setup();
    let d = t.path();
    let leaf_pem = read(&t, "leaf.pem");
    let root_pem = read(&t, "root.pem");
    // PEM → DER equals `openssl x509 -outform DER`.
    let out = cert::parse(&leaf_pem, None);
    let o = convert(
        &out.items,
        &ConvertOptions {
            target: Target::Der,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(o[0].bytes, read(&t, "leaf.der"));
    assert_eq!(o[0].mime, "application/pkix-cert");
    // DER → PEM equals `openssl x509 -inform DER -outform PEM` (64 columns, LF).
    let out = cert::parse(&read(&t, "leaf.der"), None);
    let o = convert(&out.items, &ConvertOptions::default()).unwrap();
    assert_eq!(
        o[0].bytes,
        ssl(d, &["x509", "-inform", "DER", "-in", "leaf.der"])
    );
    // A messy bundle is cleaned: text stripped, re-wrapped, joined; CRLF on request.
    let mut messy = b"subject=...\n".to_vec();
    messy.extend(set_line_endings(&leaf_pem, LineEnding::Cr));
    messy.extend(b"\n\ntrailing words");
    messy.extend(&root_pem);
    let out = cert::parse(&messy, None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let o = convert(&out.items, &ConvertOptions::default()).unwrap();
    assert_eq!(o.len(), 1);
    let mut joined = leaf_pem.clone();
    joined.extend(&root_pem);
    assert_eq!(o[0].bytes, joined);
    let o = convert(
        &out.items,
        &ConvertOptions {
            line_ending: LineEnding::Crlf,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(o[0].bytes, set_line_endings(&joined, LineEnding::Crlf));
    // Split: one file per certificate.
    let o = convert(
        &out.items,
        &ConvertOptions {
            split: true,
            base_name: "bundle".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(o.len(), 2);
    assert_eq!(o[0].bytes, leaf_pem);
    assert_eq!(o[1].bytes, root_pem);
    assert_eq!(o[1].file_name, "bundle-2-cert.pem");
    // Long lines (a 76-column base64 body) are re-wrapped at 64.
    let body = String::from_utf8(
        Command::new("base64")
            .arg(d.join("leaf.der"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let long = format!("-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n");
    let out = cert::parse(long.as_bytes(), None);
    assert_eq!(out.items[0].source.max_line_len, Some(76));
    let o = convert(&out.items, &ConvertOptions::default()).unwrap();
    assert_eq!(o[0].bytes, leaf_pem);
    // Key conversions do not apply to certificates: a clear error, not an empty file.
    let out = cert::parse(&leaf_pem, None);
    assert!(
        convert(
            &out.items,
            &ConvertOptions {
                target: Target::Pkcs8,
                ..Default::default()
            }
        )
        .is_err()
    );
}

#[test]
fn unsupported_encryption_and_foreign_key_formats_are_named() {
    // A legacy PEM cipher we do not implement: named in the error, not "damaged".
    let t = setup();
    let enc = String::from_utf8(ssl(
        t.path(),
        &[
            "rsa",
            "-in",
            "leaf.key",
            "-traditional",
            "-aes128",
            "-passout",
            "pass:x",
        ],
    ))
    .unwrap();
    let bf = enc.replace("AES-128-CBC", "BF-CBC");
    let out = cert::parse(bf.as_bytes(), Some("x"));
    assert_eq!(
        out.problems[0].error,
        ParseError::UnsupportedEncryption {
            what: "RSA PRIVATE KEY (PEM block 1)".into(),
            algorithm: "BF-CBC".into()
        }
    );
    // Proc-Type without DEK-Info.
    let no_dek: String = enc
        .lines()
        .filter(|l| !l.starts_with("DEK-Info"))
        .collect::<Vec<_>>()
        .join("\n");
    let out = cert::parse(no_dek.as_bytes(), Some("x"));
    assert!(
        out.problems[0].to_string().contains("no DEK-Info"),
        "{}",
        out.problems[0]
    );
    // OpenSSH keys: say how to convert them.
    let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let out = cert::parse(ssh.as_bytes(), None);
    assert!(matches!(
        out.problems[0].error,
        ParseError::Unsupported { .. }
    ));
    assert!(out.problems[0].to_string().contains("ssh-keygen -p -m PEM"));
    // A wrong passphrase on a legacy encrypted PEM: the typed error.
    let out = cert::parse(enc.as_bytes(), Some("not x"));
    assert!(
        matches!(out.problems[0].error, ParseError::WrongPassphrase { .. }),
        "{:?}",
        out.problems
    );
}
