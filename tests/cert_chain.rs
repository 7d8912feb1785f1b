//! Chains made with openssl (root → intermediate → leaf, several algorithms), given in every
//! order, must come back ordered with every signature verified; a missing root is found in a
//! store list.

// Runs openssl and writes temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

use atcert::cert::{self, chain, roots, verify::SigCheck};
use std::process::Command;

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Self {
        Lab {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn ssl(&self, args: &[&str]) {
        let args: Vec<String> = args
            .iter()
            .map(|a| match a.strip_prefix('@') {
                Some(n) => self.dir.path().join(n).to_str().unwrap().to_string(),
                None => a.to_string(),
            })
            .collect();
        let out = Command::new("openssl").args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }
    fn der(&self, name: &str) -> Vec<u8> {
        let out = cert::parse(&std::fs::read(self.dir.path().join(name)).unwrap(), None);
        assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
        out.items[0].der.clone()
    }

    fn key(&self, name: &str, alg: &str) {
        match alg {
            "rsa" => self.ssl(&[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                &format!("@{name}"),
            ]),
            "p256" => self.ssl(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &format!("@{name}"),
            ]),
            _ => self.ssl(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-out",
                &format!("@{name}"),
            ]),
        }
    }

    /// root (self-signed) → inter → leaf. `sigopts` are passed when signing inter and leaf.
    fn make_chain(
        &self,
        root_alg: &str,
        inter_alg: &str,
        leaf_alg: &str,
        digest: &str,
        sigopts: &[&str],
    ) {
        self.key("root.key", root_alg);
        self.key("inter.key", inter_alg);
        self.key("leaf.key", leaf_alg);
        self.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        self.write("leaf.ext", "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=DNS:device.example\n");
        self.ssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "@root.key",
            "-subj",
            "/C=DE/O=Test Lab/CN=Test Root CA",
            "-days",
            "3650",
            &format!("-{digest}"),
            "-out",
            "@root.pem",
        ]);
        self.ssl(&[
            "req",
            "-new",
            "-key",
            "@inter.key",
            "-subj",
            "/O=Test Lab/CN=Test Intermediate",
            "-out",
            "@inter.csr",
        ]);
        let mut a = vec![
            "x509",
            "-req",
            "-in",
            "@inter.csr",
            "-CA",
            "@root.pem",
            "-CAkey",
            "@root.key",
            "-set_serial",
            "2",
            "-days",
            "1000",
            "-extfile",
            "@ca.ext",
        ];
        let d = format!("-{digest}");
        a.push(&d);
        a.extend_from_slice(sigopts);
        a.extend_from_slice(&["-out", "@inter.pem"]);
        self.ssl(&a);
        self.ssl(&[
            "req",
            "-new",
            "-key",
            "@leaf.key",
            "-subj",
            "/CN=device.example",
            "-out",
            "@leaf.csr",
        ]);
        let mut a = vec![
            "x509",
            "-req",
            "-in",
            "@leaf.csr",
            "-CA",
            "@inter.pem",
            "-CAkey",
            "@inter.key",
            "-set_serial",
            "3",
            "-days",
            "365",
            "-extfile",
            "@leaf.ext",
        ];
        a.push(&d);
        if inter_alg == "rsa" {
            a.extend_from_slice(sigopts);
        }
        a.extend_from_slice(&["-out", "@leaf.pem"]);
        self.ssl(&a);
    }
}

fn check_ordering(lab: &Lab, label: &str, expect_sig: &str) {
    let root = lab.der("root.pem");
    let inter = lab.der("inter.pem");
    let leaf = lab.der("leaf.pem");
    let names = ["root", "inter", "leaf"];
    let all = [&root, &inter, &leaf];
    // Every permutation of the three.
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for p in perms {
        let certs: Vec<&[u8]> = p.iter().map(|i| all[*i].as_slice()).collect();
        let r = chain::build_chains(&certs);
        assert_eq!(r.chains.len(), 1, "{label} {p:?}");
        let c = &r.chains[0];
        let order: Vec<&str> = c.order.iter().map(|i| names[p[*i]]).collect();
        assert_eq!(order, ["leaf", "inter", "root"], "{label} {p:?}");
        assert_eq!(
            c.links,
            vec![SigCheck::Valid, SigCheck::Valid],
            "{label} {p:?}"
        );
        assert!(c.has_root);
        assert_eq!(c.ca_slot.map(|i| names[p[i]]), Some("root"), "{label}");
    }
    let info = cert::inspect::inspect(&inter, 0).unwrap();
    assert_eq!(info.signature_algorithm, expect_sig, "{label}");
    assert!(cert::inspect::inspect(&root, 0).unwrap().self_signed);
    assert!(!info.self_signed);

    // Root missing: the topmost issuer is offered and the root is found in a store list.
    let r = chain::build_chains(&[leaf.as_slice(), inter.as_slice()]);
    let c = &r.chains[0];
    assert!(!c.has_root);
    assert_eq!(c.ca_slot, Some(1), "{label}");
    assert_eq!(
        c.missing_issuer.as_deref(),
        Some("CN=Test Root CA,O=Test Lab,C=DE")
    );
    let mozilla = roots::mozilla_roots();
    let mut store: Vec<&[u8]> = mozilla.iter().take(20).copied().collect();
    store.push(root.as_slice());
    let m = roots::find_issuer_in(&store, &inter).expect("root found");
    assert_eq!(m.index, 20);
    assert_eq!(m.signature, SigCheck::Valid);
    assert!(
        roots::find_issuer_in(&mozilla, &inter).is_none(),
        "a private root is not in Mozilla's store"
    );
}

#[test]
fn rsa_sha256_chain() {
    let lab = Lab::new();
    lab.make_chain("rsa", "rsa", "rsa", "sha256", &[]);
    check_ordering(&lab, "rsa sha256", "sha256WithRSAEncryption");
}

#[test]
fn rsa_sha1_sha384_sha512() {
    for d in ["sha1", "sha384", "sha512"] {
        let lab = Lab::new();
        lab.make_chain("rsa", "rsa", "p256", d, &[]);
        check_ordering(&lab, d, &format!("{d}WithRSAEncryption"));
    }
}

#[test]
fn rsa_pss_chain() {
    let lab = Lab::new();
    lab.make_chain(
        "rsa",
        "rsa",
        "rsa",
        "sha256",
        &[
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ],
    );
    check_ordering(&lab, "pss", "rsassaPss");
}

#[test]
fn ecdsa_p384_root_p256_leaf() {
    let lab = Lab::new();
    lab.make_chain("p384", "p256", "p256", "sha384", &[]);
    check_ordering(&lab, "ecdsa", "ecdsa-with-SHA384");
}

#[test]
fn tampered_signature_is_invalid() {
    let lab = Lab::new();
    lab.make_chain("p256", "p256", "p256", "sha256", &[]);
    let root = lab.der("root.pem");
    let inter = lab.der("inter.pem");
    let mut bad = inter.clone();
    let n = bad.len();
    bad[n - 5] ^= 0x01; // inside the ECDSA signature's integer
    let r = chain::build_chains(&[bad.as_slice(), root.as_slice()]);
    let c = &r.chains[0];
    assert_eq!(c.order, vec![0, 1]);
    assert!(
        matches!(c.links[0], SigCheck::Invalid | SigCheck::Malformed(_)),
        "{:?}",
        c.links
    );
}

#[test]
fn mozilla_roots_find_themselves_and_two_separate_chains() {
    // A Mozilla root's issuer is itself: the lookup must find it (by name, key id and signature).
    let mozilla = roots::mozilla_roots();
    assert!(mozilla.len() > 100);
    for (i, r) in mozilla.iter().enumerate().step_by(17) {
        let m = roots::find_issuer_in(&mozilla, r).expect("self-issuer found");
        assert_eq!(m.der, *r, "root {i}");
    }
    // Two unrelated roots give two chains, each its own CA slot.
    let r = chain::build_chains(&[mozilla[0], mozilla[1]]);
    assert_eq!(r.chains.len(), 2);
    assert!(r.chains.iter().all(|c| c.has_root && c.order.len() == 1));
    // Duplicates are reported, not chained twice.
    let r = chain::build_chains(&[mozilla[0], mozilla[0]]);
    assert_eq!(r.duplicates, vec![(1, 0)]);
    assert_eq!(r.chains.len(), 1);
}

#[test]
fn leaf_alone_names_the_issuer_the_ca_slot_needs() {
    let lab = Lab::new();
    lab.make_chain("p256", "p256", "p256", "sha256", &[]);
    let leaf = lab.der("leaf.pem");
    let r = chain::build_chains(&[leaf.as_slice()]);
    let c = &r.chains[0];
    assert_eq!(c.ca_slot, None, "a leaf never goes in the CA slot");
    assert_eq!(
        c.missing_issuer.as_deref(),
        Some("CN=Test Intermediate,O=Test Lab")
    );
    assert!(c.advice.contains("CN=Test Intermediate"), "{}", c.advice);
    // The report for the page carries the same, with item indices.
    let mut pem = std::fs::read(lab.dir.path().join("leaf.pem")).unwrap();
    pem.extend(std::fs::read(lab.dir.path().join("root.pem")).unwrap());
    pem.extend(std::fs::read(lab.dir.path().join("inter.pem")).unwrap());
    let out = cert::parse(&pem, None);
    let rep = cert::report::report(&out, 0);
    assert_eq!(rep.chains.len(), 1);
    assert_eq!(rep.chains[0].order, vec![0, 2, 1]);
    assert_eq!(rep.chains[0].ca_slot, Some(1));
    let json = serde_json::to_value(&rep).unwrap();
    assert_eq!(json["items"][1]["self_signed"], true);
    assert_eq!(json["chains"][0]["links"][0]["result"], "valid");
}

#[test]
fn self_signed_is_decided_as_openssl_does_without_the_signature() {
    // OpenSSL's EXFLAG_SS: self-issued, the authority key identifier names the certificate's
    // own key, and key usage (if present) allows certificate signing. The signature is not
    // checked, so a bundle of roots inspects as fast as `openssl storeutl -text`.
    let lab = Lab::new();
    lab.make_chain("p256", "p256", "p256", "sha256", &[]);
    let root = lab.der("root.pem");
    let info = cert::inspect::inspect(&root, 0).unwrap();
    assert!(info.self_issued && info.self_signed);

    // A damaged signature does not change the verdict (as in OpenSSL); chain links do check.
    let mut damaged = root.clone();
    let n = damaged.len();
    damaged[n - 5] ^= 0x01;
    assert!(cert::inspect::inspect(&damaged, 0).unwrap().self_signed);

    // Key rollover: the same name signed by another key is self-issued, not self-signed.
    lab.key("new.key", "p256");
    lab.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
    lab.ssl(&[
        "req",
        "-new",
        "-key",
        "@new.key",
        "-subj",
        "/C=DE/O=Test Lab/CN=Test Root CA",
        "-out",
        "@new.csr",
    ]);
    lab.ssl(&[
        "x509",
        "-req",
        "-in",
        "@new.csr",
        "-CA",
        "@root.pem",
        "-CAkey",
        "@root.key",
        "-set_serial",
        "9",
        "-days",
        "100",
        "-extfile",
        "@ca.ext",
        "-out",
        "@rollover.pem",
    ]);
    let rollover = cert::inspect::inspect(&lab.der("rollover.pem"), 0).unwrap();
    assert!(rollover.self_issued);
    assert!(!rollover.self_signed, "{rollover:?}");
    // ...and chains to the old root, with the signature checked.
    let r = chain::build_chains(&[lab.der("rollover.pem").as_slice(), root.as_slice()]);
    assert_eq!(r.chains[0].order, vec![0, 1]);
    assert_eq!(r.chains[0].links, vec![SigCheck::Valid]);

    // Key usage without keyCertSign: not a certificate signer, so not self-signed.
    lab.ssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "@new.key",
        "-subj",
        "/CN=signing only",
        "-addext",
        "keyUsage=critical,digitalSignature",
        "-days",
        "10",
        "-out",
        "@signer.pem",
    ]);
    let signer = cert::inspect::inspect(&lab.der("signer.pem"), 0).unwrap();
    assert!(signer.self_issued && !signer.self_signed, "{signer:?}");
}
