//! Native only: a simulated module's test connection made for real. On the module's TLS
//! open command, a rustls client is built from exactly the bytes stored on the module and
//! connects to a local server; the module's send and receive commands relay over it.
//! Modules limited to TLS 1.1 or older go through `openssl s_client` (legacytls.rs).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    ServerName, UnixTime,
};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct,
    RootCertStore, SignatureScheme, StreamOwned,
};

use super::creds::KeyFormat;
use super::offer::{ClientOffer, Refusal, TlsVersion};
pub use super::target::RealTlsTarget;

/// At most this many handshake I/O rounds (each bounded by the socket timeouts).
const HANDSHAKE_ROUNDS: u32 = 64;

impl RealTlsTarget {
    pub(crate) fn open(&self, offer: &ClientOffer) -> Result<RealLink, Refusal> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut versions = Vec::new();
        if offer.versions.0 <= TlsVersion::Tls12 && offer.versions.1 >= TlsVersion::Tls12 {
            versions.push(&rustls::version::TLS12);
        }
        if offer.versions.1 >= TlsVersion::Tls13 {
            versions.push(&rustls::version::TLS13);
        }
        if versions.is_empty() {
            // rustls speaks only TLS 1.2 and 1.3; an older module's handshake is made by
            // `openssl s_client` instead, with the same stored bytes.
            return super::legacytls::LegacyLink::open(self, offer).map(RealLink::Legacy);
        }
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| Refusal::Handshake(e.to_string()))?;
        let builder = match &offer.trust {
            Some(cas) => {
                let mut roots = RootCertStore::empty();
                for ca in cas {
                    roots
                        .add(CertificateDer::from(ca.der.clone()))
                        .map_err(|e| Refusal::Handshake(e.to_string()))?;
                }
                builder.with_root_certificates(roots)
            }
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAny(provider))),
        };
        let mut config = match &offer.client {
            Some((cert, key)) => {
                let key_der = match key.format {
                    KeyFormat::Pkcs1 => {
                        PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(key.der.clone()))
                    }
                    KeyFormat::Sec1 => {
                        PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(key.der.clone()))
                    }
                    KeyFormat::Pkcs8 => {
                        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.der.clone()))
                    }
                };
                builder
                    .with_client_auth_cert(vec![CertificateDer::from(cert.der.clone())], key_der)
                    .map_err(|e| Refusal::Handshake(e.to_string()))?
            }
            None => builder.with_no_client_auth(),
        };
        config.enable_sni = offer.sni.is_some();
        let name = ServerName::try_from(offer.host.clone())
            .map_err(|e| Refusal::Handshake(format!("bad server name: {e}")))?;
        let conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| Refusal::Handshake(e.to_string()))?;
        let tcp = TcpStream::connect_timeout(&self.addr, self.connect_timeout)
            .map_err(|e| Refusal::Unreachable(e.to_string()))?;
        let set = |d| {
            tcp.set_read_timeout(Some(d))
                .and_then(|()| tcp.set_write_timeout(Some(d)))
        };
        set(self.io_timeout).map_err(|e| Refusal::Unreachable(e.to_string()))?;
        let mut tls = StreamOwned::new(conn, tcp);
        // Time is bounded by the socket: every read and write above times out after
        // `io_timeout`, so a silent server fails the round it stalls in. The round cap stops a
        // server that trickles bytes forever; a real handshake needs a handful of rounds.
        // (No clock is read here: sim/ stays clock-free, architecture.md.)
        let mut rounds = 0;
        while tls.conn.is_handshaking() {
            rounds += 1;
            if rounds > HANDSHAKE_ROUNDS {
                return Err(Refusal::Handshake("handshake timed out".into()));
            }
            tls.conn
                .complete_io(&mut tls.sock)
                .map_err(|e| refusal(&e, offer))?;
        }
        // A TLS 1.3 server rejects a client certificate only after the handshake: probe.
        tls.sock
            .set_read_timeout(Some(Duration::from_millis(300)))
            .map_err(|e| Refusal::Unreachable(e.to_string()))?;
        let mut early = Vec::new();
        let mut buf = [0u8; 4096];
        match tls.read(&mut buf) {
            Ok(0) => return Err(Refusal::Handshake("server closed after handshake".into())),
            Ok(n) => early.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(refusal(&e, offer)),
        }
        Ok(RealLink::Rustls(Box::new(RustlsLink {
            tls,
            early,
            io_timeout: self.io_timeout,
            idle_timeout: self.idle_timeout,
        })))
    }
}

fn refusal(e: &std::io::Error, offer: &ClientOffer) -> Refusal {
    let inner = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .cloned();
    match inner {
        Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            Refusal::UnknownCa
        }
        Some(rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::NotValidYet,
        )) => Refusal::Expired,
        Some(rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired | AlertDescription::HandshakeFailure,
        )) if offer.client.is_none() => Refusal::ClientCertMissing,
        Some(rustls::Error::AlertReceived(
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::DecryptError,
        )) if offer.client.is_some() => Refusal::ClientCertRejected,
        Some(other) => Refusal::Handshake(other.to_string()),
        None => Refusal::Handshake(e.to_string()),
    }
}

/// An open real TLS connection.
pub(crate) enum RealLink {
    Rustls(Box<RustlsLink>),
    /// SSL 3.0 / TLS 1.0 / 1.1 modules, through `openssl s_client`.
    Legacy(super::legacytls::LegacyLink),
}

impl RealLink {
    /// Writes `bytes`, then reads until the server closes or falls silent (bounded).
    pub fn exchange(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, bool), String> {
        match self {
            Self::Rustls(link) => link.exchange(bytes),
            Self::Legacy(link) => link.exchange(bytes),
        }
    }
}

/// A rustls connection (TLS 1.2 and 1.3).
pub(crate) struct RustlsLink {
    tls: StreamOwned<ClientConnection, TcpStream>,
    early: Vec<u8>,
    io_timeout: Duration,
    idle_timeout: Duration,
}

impl RustlsLink {
    /// Writes `bytes`, then reads until the server closes or falls silent (bounded).
    pub fn exchange(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, bool), String> {
        let mut got = core::mem::take(&mut self.early);
        if !bytes.is_empty() {
            self.tls.write_all(bytes).map_err(|e| e.to_string())?;
            self.tls.flush().map_err(|e| e.to_string())?;
        }
        let mut buf = [0u8; 4096];
        loop {
            // Nothing yet: one read waits up to `io_timeout` and either brings data or ends
            // the exchange. After data, the line must go quiet for `idle_timeout` to end it.
            let wait = if got.is_empty() {
                self.io_timeout
            } else {
                self.idle_timeout
            };
            if got.len() > (1 << 20) {
                return Ok((got, false));
            }
            self.tls
                .sock
                .set_read_timeout(Some(wait))
                .map_err(|e| e.to_string())?;
            match self.tls.read(&mut buf) {
                Ok(0) => return Ok((got, true)),
                Ok(n) => got.extend_from_slice(buf.get(..n).unwrap_or_default()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Ok((got, false));
                }
                // A server that closes without close_notify (openssl -www does) has still
                // said everything.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok((got, true)),
                Err(e) => {
                    if got.is_empty() {
                        return Err(e.to_string());
                    }
                    return Ok((got, true));
                }
            }
        }
    }
}

/// The verifier for a module that does not verify the server (auth mode 0).
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
