//! Password-based encryption of keys: PBES2 (PKCS#5), the PKCS#12 schemes and OpenSSL's
//! legacy PEM encryption. Below both `keys` and `pkcs12`, so neither imports the other's
//! ciphers.

use super::error::ParseError;
use super::tlv::{Tlv, TlvError};
use const_oid::ObjectIdentifier;
use der::Decode;
use sha2::digest::{Digest, core_api::BlockSizeUser};

const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

fn bad(what: &str, detail: impl std::fmt::Display) -> ParseError {
    ParseError::BadDer {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

/// A small non-negative INTEGER (iteration counts).
pub(crate) fn int_value(t: &Tlv<'_>) -> Option<u64> {
    if t.tag != 0x02 || t.content.is_empty() || t.content.len() > 8 || t.content[0] & 0x80 != 0 {
        return None;
    }
    Some(t.content.iter().fold(0u64, |a, b| (a << 8) | *b as u64))
}

/// The PKCS#12 password-based encryption schemes (RFC 7292 Appendix C), all with SHA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkcs12Pbe {
    /// pbeWithSHAAnd128BitRC2-CBC.
    Rc2_128,
    /// pbeWithSHAAnd40BitRC2-CBC (legacy certificate bags).
    Rc2_40,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC (legacy key bags).
    Des3,
    /// pbeWithSHAAnd2-KeyTripleDES-CBC.
    Des2,
}

impl Pkcs12Pbe {
    /// Recognises the OID (1.2.840.113549.1.12.1.x).
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match oid.to_string().as_str() {
            "1.2.840.113549.1.12.1.5" => Some(Pkcs12Pbe::Rc2_128),
            "1.2.840.113549.1.12.1.6" => Some(Pkcs12Pbe::Rc2_40),
            "1.2.840.113549.1.12.1.3" => Some(Pkcs12Pbe::Des3),
            "1.2.840.113549.1.12.1.4" => Some(Pkcs12Pbe::Des2),
            _ => None,
        }
    }

    /// openssl's name.
    pub fn name(self) -> &'static str {
        match self {
            Pkcs12Pbe::Rc2_128 => "pbeWithSHA1And128BitRC2-CBC",
            Pkcs12Pbe::Rc2_40 => "pbeWithSHA1And40BitRC2-CBC",
            Pkcs12Pbe::Des3 => "pbeWithSHA1And3-KeyTripleDES-CBC",
            Pkcs12Pbe::Des2 => "pbeWithSHA1And2-KeyTripleDES-CBC",
        }
    }

    /// Decrypts with parameters `SEQUENCE { salt OCTET STRING, iterations INTEGER }`.
    pub fn decrypt(
        self,
        params: &Tlv<'_>,
        pass: &str,
        data: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        let m = |e: TlvError| DecryptError::Malformed(e.to_string());
        let mut r = params.children();
        let salt = r.need("PBE salt").map_err(m)?.octets().map_err(m)?;
        let iter = int_value(&r.need("PBE iterations").map_err(m)?)
            .ok_or_else(|| DecryptError::Malformed("bad iteration count".into()))?;
        if iter == 0 || iter > MAX_ITERATIONS {
            return Err(DecryptError::Unsupported(format!(
                "PBE with {iter} iterations"
            )));
        }
        let pw = bmp_password(pass);
        let key_len = match self {
            Pkcs12Pbe::Rc2_128 => 16,
            Pkcs12Pbe::Rc2_40 => 5,
            Pkcs12Pbe::Des3 => 24,
            Pkcs12Pbe::Des2 => 16,
        };
        let key = kdf::<sha1::Sha1>(&pw, &salt, 1, iter, key_len);
        let iv = kdf::<sha1::Sha1>(&pw, &salt, 2, iter, 8);
        match self {
            Pkcs12Pbe::Des3 => cbc_decrypt("DES-EDE3-CBC", &key, &iv, data),
            Pkcs12Pbe::Des2 => {
                // Two-key 3DES: K1 K2 K1.
                let mut k = key.clone();
                k.extend_from_slice(&key[..8]);
                cbc_decrypt("DES-EDE3-CBC", &k, &iv, data)
            }
            Pkcs12Pbe::Rc2_40 | Pkcs12Pbe::Rc2_128 => rc2_decrypt(&key, key_len * 8, &iv, data),
        }
    }
}

fn rc2_decrypt(
    key: &[u8],
    eff_bits: usize,
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    use cbc::cipher::{
        BlockDecryptMut, InnerIvInit, block_padding::Pkcs7, generic_array::GenericArray,
    };
    if iv.len() != 8 {
        return Err(DecryptError::Malformed("RC2 IV must be 8 bytes".into()));
    }
    let cipher = rc2::Rc2::new_with_eff_key_len(key, eff_bits);
    let d = cbc::Decryptor::<rc2::Rc2>::inner_iv_init(cipher, GenericArray::from_slice(iv));
    d.decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|_| DecryptError::WrongPassphrase)
}

/// The password as a NUL-terminated big-endian BMPString (RFC 7292 B.1); empty → empty.
pub(crate) fn bmp_password(pass: &str) -> Vec<u8> {
    if pass.is_empty() {
        // OpenSSL encodes "" as the two-byte terminator; callers also try the empty string.
        return vec![0, 0];
    }
    let mut out = Vec::with_capacity(pass.len() * 2 + 2);
    for u in pass.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// RFC 7292 Appendix B.2 key derivation.
pub fn kdf<D: Digest + BlockSizeUser>(
    pass: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u64,
    n: usize,
) -> Vec<u8> {
    let u = <D as Digest>::output_size();
    let v = D::block_size();
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let len = v * src.len().div_ceil(v);
        src.iter().cycle().take(len).copied().collect()
    };
    let d = vec![id; v];
    let mut i: Vec<u8> = fill(salt);
    i.extend(fill(pass));
    let mut out = Vec::with_capacity(n + u);
    while out.len() < n {
        let mut a = D::new()
            .chain_update(&d)
            .chain_update(&i)
            .finalize()
            .to_vec();
        for _ in 1..iterations {
            a = D::digest(&a).to_vec();
        }
        out.extend_from_slice(&a);
        if out.len() >= n {
            break;
        }
        let b: Vec<u8> = a.iter().cycle().take(v).copied().collect();
        for chunk in i.chunks_mut(v) {
            // chunk = (chunk + b + 1) mod 2^(8v)
            let mut carry = 1u16;
            for k in (0..v).rev() {
                let s = chunk[k] as u16 + b[k] as u16 + carry;
                chunk[k] = s as u8;
                carry = s >> 8;
            }
        }
    }
    out.truncate(n);
    out
}

// ---------------------------------------------------------------------------------------
// Decryption
// ---------------------------------------------------------------------------------------

/// Why decryption failed (mapped to [`ParseError`] by the caller, who knows `what`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecryptError {
    /// No passphrase given.
    NeedsPassphrase,
    /// Padding or structure check failed after decryption.
    WrongPassphrase,
    /// Algorithm we do not implement.
    Unsupported(String),
    /// The encryption parameters themselves are damaged.
    Malformed(String),
}

impl DecryptError {
    /// Converts into a [`ParseError`] about `what`.
    pub fn into_parse(self, what: &str) -> ParseError {
        match self {
            DecryptError::NeedsPassphrase => ParseError::NeedsPassphrase { what: what.into() },
            DecryptError::WrongPassphrase => ParseError::WrongPassphrase { what: what.into() },
            DecryptError::Unsupported(a) => ParseError::UnsupportedEncryption {
                what: what.into(),
                algorithm: a,
            },
            DecryptError::Malformed(d) => bad(what, d),
        }
    }
}

/// Decrypts an EncryptedPrivateKeyInfo (PBES2 with PBKDF2 or scrypt; PKCS#12 PBE with
/// SHA-1 and 3DES or RC2). Returns the PrivateKeyInfo DER and a description of the scheme.
pub fn decrypt_pkcs8(
    epki: &[u8],
    passphrase: Option<&str>,
) -> Result<(Vec<u8>, String), DecryptError> {
    let top = super::tlv::parse_single(epki)
        .and_then(|t| t.expect(0x30, "EncryptedPrivateKeyInfo SEQUENCE"))
        .map_err(|e| DecryptError::Malformed(e.to_string()))?;
    let mut r = top.children();
    let alg = r
        .need("encryption AlgorithmIdentifier")
        .and_then(|t| t.expect(0x30, "AlgorithmIdentifier"))
        .map_err(|e| DecryptError::Malformed(e.to_string()))?;
    let data = r
        .need("encrypted data")
        .map_err(|e| DecryptError::Malformed(e.to_string()))?
        .octets()
        .map_err(|e| DecryptError::Malformed(e.to_string()))?;
    let (plain, scheme) = decrypt_with_algorithm(&alg, &data, passphrase)?;
    // A wrong key yields valid padding about 1 time in 256: check the structure too.
    if pkcs8::PrivateKeyInfo::from_der(&plain).is_err() {
        return Err(DecryptError::WrongPassphrase);
    }
    Ok((plain, scheme))
}

/// Decrypts `data` with a PBES2 or PKCS#12-PBE AlgorithmIdentifier.
pub(crate) fn decrypt_with_algorithm(
    alg: &Tlv<'_>,
    data: &[u8],
    passphrase: Option<&str>,
) -> Result<(Vec<u8>, String), DecryptError> {
    let mut ar = alg.children();
    let oid_t = ar
        .need("algorithm OID")
        .and_then(|t| t.expect(0x06, "OID"))
        .map_err(|e| DecryptError::Malformed(e.to_string()))?;
    let oid = ObjectIdentifier::from_bytes(oid_t.content)
        .map_err(|e| DecryptError::Malformed(e.to_string()))?;
    if oid == OID_PBES2 {
        let scheme = pkcs5::EncryptionScheme::from_der(alg.raw)
            .map_err(|_| DecryptError::Unsupported(describe_pbes2_raw(alg)))?;
        let desc = describe_pbes2(&scheme);
        check_work_factor(&scheme)?;
        let pass = passphrase.ok_or(DecryptError::NeedsPassphrase)?;
        let plain = scheme.decrypt(pass, data).map_err(|e| match e {
            // pkcs5 0.7 reports a bad padding on decryption as `EncryptFailed`.
            pkcs5::Error::DecryptFailed | pkcs5::Error::EncryptFailed => {
                DecryptError::WrongPassphrase
            }
            pkcs5::Error::UnsupportedAlgorithm { oid } => {
                DecryptError::Unsupported(oid.to_string())
            }
            other => DecryptError::Malformed(other.to_string()),
        })?;
        Ok((plain, desc))
    } else if let Some(pbe) = Pkcs12Pbe::from_oid(&oid) {
        let params = ar
            .need("PBE parameters")
            .map_err(|e| DecryptError::Malformed(e.to_string()))?;
        let pass = passphrase.ok_or(DecryptError::NeedsPassphrase)?;
        let plain = pbe.decrypt(&params, pass, data)?;
        Ok((plain, pbe.name().to_string()))
    } else {
        let name = const_oid::db::DB
            .by_oid(&oid)
            .map(str::to_string)
            .unwrap_or_else(|| oid.to_string());
        Err(DecryptError::Unsupported(name))
    }
}

/// Highest PBKDF2 / PKCS#12 KDF iteration count accepted. OpenSSL writes 2048; a hostile file
/// with 2^31 iterations would freeze the page for hours.
pub const MAX_ITERATIONS: u64 = 1_000_000;
/// Highest scrypt memory (128 * r * N bytes) accepted: 256 MiB (OpenSSL's default is 16 MiB).
const MAX_SCRYPT_MEMORY: u64 = 256 << 20;

fn check_work_factor(s: &pkcs5::EncryptionScheme<'_>) -> Result<(), DecryptError> {
    use pkcs5::pbes2::Kdf;
    let Some(p) = s.pbes2() else { return Ok(()) };
    match &p.kdf {
        Kdf::Pbkdf2(k) if u64::from(k.iteration_count) > MAX_ITERATIONS => {
            Err(DecryptError::Unsupported(format!(
                "PBKDF2 with {} iterations (atcert accepts up to {MAX_ITERATIONS})",
                k.iteration_count
            )))
        }
        Kdf::Scrypt(sc) => {
            let mem = 128u64
                .saturating_mul(u64::from(sc.block_size))
                .saturating_mul(sc.cost_parameter)
                .saturating_mul(u64::from(sc.parallelization).max(1));
            if mem > MAX_SCRYPT_MEMORY {
                Err(DecryptError::Unsupported(format!(
                    "scrypt needing {} MiB (atcert accepts up to {} MiB)",
                    mem >> 20,
                    MAX_SCRYPT_MEMORY >> 20
                )))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn describe_pbes2_raw(alg: &Tlv<'_>) -> String {
    // Name what we can of an unsupported PBES2 (e.g. an exotic PRF or cipher).
    let mut names = Vec::new();
    collect_oids(alg, &mut names, 0);
    names.join(" ")
}

fn collect_oids(t: &Tlv<'_>, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    if t.tag == 0x06 {
        if let Ok(o) = ObjectIdentifier::from_bytes(t.content) {
            out.push(
                const_oid::db::DB
                    .by_oid(&o)
                    .map(str::to_string)
                    .unwrap_or_else(|| o.to_string()),
            );
        }
    } else if t.constructed() {
        let mut r = t.children();
        while let Ok(Some(c)) = r.next() {
            collect_oids(&c, out, depth + 1);
        }
    }
}

fn describe_pbes2(s: &pkcs5::EncryptionScheme<'_>) -> String {
    use pkcs5::pbes2::{EncryptionScheme as E, Kdf, Pbkdf2Prf};
    let Some(p) = s.pbes2() else {
        return "PBES1".into();
    };
    let kdf = match &p.kdf {
        Kdf::Pbkdf2(k) => {
            let prf = match k.prf {
                Pbkdf2Prf::HmacWithSha1 => "SHA1",
                Pbkdf2Prf::HmacWithSha224 => "SHA224",
                Pbkdf2Prf::HmacWithSha256 => "SHA256",
                Pbkdf2Prf::HmacWithSha384 => "SHA384",
                Pbkdf2Prf::HmacWithSha512 => "SHA512",
                _ => "?",
            };
            format!("PBKDF2-HMAC-{prf} ({} iterations)", k.iteration_count)
        }
        Kdf::Scrypt(s) => format!(
            "scrypt (N=2^{}, r={}, p={})",
            s.cost_parameter.trailing_zeros(),
            s.block_size,
            s.parallelization
        ),
        _ => "unknown KDF".into(),
    };
    let cipher = match p.encryption {
        E::Aes128Cbc { .. } => "AES-128-CBC",
        E::Aes192Cbc { .. } => "AES-192-CBC",
        E::Aes256Cbc { .. } => "AES-256-CBC",
        E::DesCbc { .. } => "DES-CBC",
        E::DesEde3Cbc { .. } => "DES-EDE3-CBC",
        _ => "unknown cipher",
    };
    format!("PBES2 {kdf} {cipher}")
}

/// OpenSSL's EVP_BytesToKey with MD5 and one iteration (legacy encrypted PEM).
fn evp_bytes_to_key(pass: &[u8], salt: &[u8], key_len: usize) -> Vec<u8> {
    use md5::{Digest, Md5};
    let mut out = Vec::with_capacity(key_len + 16);
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < key_len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(pass);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(key_len);
    out
}

/// CBC decryption with PKCS#7 padding for the ciphers legacy PEM and PKCS#12 use.
pub(crate) fn cbc_decrypt(
    cipher: &str,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
    fn run<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, DecryptError>
    where
        C: cbc::cipher::BlockDecryptMut + cbc::cipher::BlockCipher + cbc::cipher::KeyInit,
    {
        let d = cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| DecryptError::Malformed("wrong key or IV length".into()))?;
        d.decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|_| DecryptError::WrongPassphrase)
    }
    match cipher {
        "AES-128-CBC" => run::<aes::Aes128>(key, iv, data),
        "AES-192-CBC" => run::<aes::Aes192>(key, iv, data),
        "AES-256-CBC" => run::<aes::Aes256>(key, iv, data),
        "DES-EDE3-CBC" => run::<des::TdesEde3>(key, iv, data),
        "DES-CBC" => run::<des::Des>(key, iv, data),
        other => Err(DecryptError::Unsupported(other.to_string())),
    }
}

/// Decrypts a legacy OpenSSL-encrypted PEM body (`Proc-Type: 4,ENCRYPTED`, `DEK-Info`).
pub fn decrypt_legacy_pem(
    dek_info: &str,
    body: &[u8],
    passphrase: Option<&str>,
) -> Result<(Vec<u8>, String), DecryptError> {
    let (cipher, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| DecryptError::Malformed(format!("DEK-Info \"{dek_info}\" has no IV")))?;
    let cipher = cipher.trim().to_ascii_uppercase();
    let (key_len, iv_len) = match cipher.as_str() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        "DES-CBC" => (8, 8),
        other => return Err(DecryptError::Unsupported(other.to_string())),
    };
    let iv = super::unhex(iv_hex.trim())
        .filter(|v| v.len() == iv_len)
        .ok_or_else(|| {
            DecryptError::Malformed(format!(
                "DEK-Info IV \"{}\" is not {iv_len} hex bytes",
                iv_hex.trim()
            ))
        })?;
    let pass = passphrase.ok_or(DecryptError::NeedsPassphrase)?;
    let key = evp_bytes_to_key(pass.as_bytes(), &iv[..8], key_len);
    let plain = cbc_decrypt(&cipher, &key, &iv, body)?;
    Ok((plain, format!("{cipher} (legacy PEM, EVP_BytesToKey MD5)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -k password -S 0102030405060708 -P -md md5` prints
        // key=E7B0971E...CE02 and iv=8D450E2E...226B, i.e. the first 48 derived bytes.
        let k = evp_bytes_to_key(b"password", &[1, 2, 3, 4, 5, 6, 7, 8], 48);
        assert_eq!(
            crate::cert::hex(&k).to_uppercase(),
            "E7B0971E52CA5CC8D0539FB3412F6316F7BA2E6EE293D9F3457B99436B51CE02\
             8D450E2ED75A84A923D4EAC9FE49226B"
                .replace(' ', "")
        );
    }
}
