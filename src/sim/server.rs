//! The other end of a simulated module's test connection: a model server that decides the
//! handshake from the module's stored credentials, or (natively) a real TLS server reached
//! through rustls.

use core::time::Duration;

use super::creds::{KeyKind, ModuleCert, cert_from_der, key_matches};

pub use super::offer::{ClientOffer, Refusal, TlsVersion};

/// A configurable server for test connections.
#[derive(Clone, Debug)]
pub struct ServerModel {
    /// The server's chain in DER, leaf first (intermediates after it, root optional).
    pub chain: Vec<Vec<u8>>,
    /// DER of the root that signs the chain: what the module must trust.
    pub root: Vec<u8>,
    /// When set, the server requires a client certificate issued by this CA (DER).
    pub client_ca: Option<Vec<u8>>,
    /// Versions the server accepts (lowest, highest).
    pub versions: (TlsVersion, TlsVersion),
    /// When set, the client must send SNI with one of these names.
    pub sni_names: Option<Vec<String>>,
    /// Sent back for each request the module sends.
    pub response: Vec<u8>,
    /// The server closes after answering (HTTP/1.0 style).
    pub close_after_response: bool,
    /// TCP connect + handshake time as the module reports it.
    pub handshake_time: Duration,
    /// From a request's last byte to the response reaching the module.
    pub response_time: Duration,
    /// Nothing listens: the TCP connect fails.
    pub unreachable: bool,
    /// When set, only these host names resolve (IP literals always do).
    pub hosts: Option<Vec<String>>,
}

impl Default for ServerModel {
    fn default() -> Self {
        Self {
            chain: Vec::new(),
            root: Vec::new(),
            client_ca: None,
            versions: (TlsVersion::Tls10, TlsVersion::Tls13),
            sni_names: None,
            response: b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!".to_vec(),
            close_after_response: true,
            handshake_time: Duration::from_millis(1500),
            response_time: Duration::from_millis(200),
            unreachable: false,
            hosts: None,
        }
    }
}

impl ServerModel {
    /// A server presenting `chain` (DER, leaf first) signed by `root` (DER).
    pub fn new(chain: Vec<Vec<u8>>, root: Vec<u8>) -> Self {
        Self {
            chain,
            root,
            ..Self::default()
        }
    }
}

/// Where a module's test connections go.
#[derive(Clone, Debug)]
pub enum Server {
    Model(ServerModel),
    /// A real TLS server on this machine (native only).
    #[cfg(not(target_arch = "wasm32"))]
    RealTls(super::realtls::RealTlsTarget),
}

impl Default for Server {
    fn default() -> Self {
        Self::Model(ServerModel::default())
    }
}

impl Server {
    pub(crate) fn handshake_time(&self) -> Duration {
        match self {
            Self::Model(m) => m.handshake_time,
            #[cfg(not(target_arch = "wasm32"))]
            Self::RealTls(t) => t.reported_handshake_time,
        }
    }

    /// Whether a plain TCP connect to `host` would succeed (the real target is checked at
    /// open): `Err` says why not.
    pub(crate) fn connect(&self, host: &str) -> Result<(), Refusal> {
        match self {
            Self::Model(m) if !m.resolves(host) => Err(Refusal::Dns),
            Self::Model(m) if m.unreachable => {
                Err(Refusal::Unreachable("connection refused".into()))
            }
            Self::Model(_) => Ok(()),
            #[cfg(not(target_arch = "wasm32"))]
            Self::RealTls(_) => Ok(()),
        }
    }

    pub(crate) fn response_time(&self) -> Duration {
        match self {
            Self::Model(m) => m.response_time,
            #[cfg(not(target_arch = "wasm32"))]
            Self::RealTls(t) => t.reported_response_time,
        }
    }
}

/// An open test connection.
pub(crate) enum Link {
    Model {
        response: Vec<u8>,
        close_after: bool,
        closed: bool,
    },
    #[cfg(not(target_arch = "wasm32"))]
    Real(Box<super::realtls::RealLink>),
}

impl Link {
    /// Sends application bytes; returns the server's answer and whether it then closed.
    pub fn exchange(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, bool), String> {
        match self {
            Self::Model {
                response,
                close_after,
                closed,
            } => {
                if *closed {
                    return Err("peer closed".into());
                }
                if bytes.is_empty() {
                    return Ok((Vec::new(), false));
                }
                *closed = *close_after;
                Ok((response.clone(), *close_after))
            }
            #[cfg(not(target_arch = "wasm32"))]
            Self::Real(link) => link.exchange(bytes),
        }
    }
}

fn parse_all(ders: &[Vec<u8>]) -> Result<Vec<ModuleCert>, Refusal> {
    ders.iter()
        .map(|d| cert_from_der(d).map_err(|e| Refusal::Handshake(e.to_string())))
        .collect()
}

impl ServerModel {
    /// Whether `host` resolves.
    pub fn resolves(&self, host: &str) -> bool {
        let literal = !host.is_empty() && host.chars().all(|c| c.is_ascii_digit() || c == '.');
        literal
            || self
                .hosts
                .as_ref()
                .is_none_or(|hs| hs.iter().any(|h| h.eq_ignore_ascii_case(host)))
    }

    /// Decides a handshake the way a TLS server and the module's verifier would.
    pub fn handshake(&self, offer: &ClientOffer) -> Result<(), Refusal> {
        if !self.resolves(&offer.host) {
            return Err(Refusal::Dns);
        }
        if self.unreachable {
            return Err(Refusal::Unreachable("connection refused".into()));
        }
        let lo = offer.versions.0.max(self.versions.0);
        let hi = offer.versions.1.min(self.versions.1);
        if lo > hi {
            return Err(Refusal::Version);
        }
        if let Some(names) = &self.sni_names {
            match &offer.sni {
                Some(n) if names.iter().any(|m| m.eq_ignore_ascii_case(n)) => {}
                _ => return Err(Refusal::Sni),
            }
        }
        let chain = parse_all(&self.chain)?;
        if offer.rsa_only
            && chain
                .first()
                .is_some_and(|leaf| !matches!(leaf.key, KeyKind::Rsa { .. }))
        {
            return Err(Refusal::KeyType);
        }
        if chain.first().is_some_and(|leaf| {
            matches!(&leaf.key, KeyKind::Ec { curve } if offer.unsupported_curves.contains(curve))
        }) {
            return Err(Refusal::KeyType);
        }
        if let Some(max) = offer.max_peer_cert
            && self.chain.iter().any(|c| c.len() > max)
        {
            return Err(Refusal::PeerCertTooLarge);
        }
        if let Some(trust) = &offer.trust {
            let root = cert_from_der(&self.root).ok();
            // The module trusts the server when it holds the root (or a chain certificate)
            // itself, or when a chain certificate names the stored CA as issuer and the
            // CA's key verifies its signature.
            let anchored = trust.iter().any(|ca| {
                root.as_ref().is_some_and(|r| ca.same_ca(r))
                    || chain.iter().any(|c| {
                        ca.same_ca(c) || (c.issued_by(ca) && c.signed_by(ca) == Some(true))
                    })
            });
            if !anchored {
                return Err(Refusal::UnknownCa);
            }
            if let Some(now) = offer.check_time {
                let all_valid = chain.iter().chain(root.iter()).all(|c| c.valid_at(now));
                if !all_valid {
                    return Err(Refusal::Expired);
                }
            }
        }
        if let Some(ca_der) = &self.client_ca {
            let ca = cert_from_der(ca_der).map_err(|e| Refusal::Handshake(e.to_string()))?;
            let Some((cert, key)) = &offer.client else {
                return Err(Refusal::ClientCertMissing);
            };
            // Names first; then the signature where the algorithm is one we check.
            if !cert.issued_by(&ca) || cert.signed_by(&ca) == Some(false) {
                return Err(Refusal::ClientCertRejected);
            }
            if !key_matches(key, cert) {
                return Err(Refusal::ClientKeyMismatch);
            }
        }
        Ok(())
    }
}

impl Server {
    /// Opens a test connection for `offer`.
    pub(crate) fn open(&self, offer: &ClientOffer) -> Result<Link, Refusal> {
        match self {
            Self::Model(m) => {
                m.handshake(offer)?;
                Ok(Link::Model {
                    response: m.response.clone(),
                    close_after: m.close_after_response,
                    closed: false,
                })
            }
            #[cfg(not(target_arch = "wasm32"))]
            Self::RealTls(t) => t.open(offer).map(|l| Link::Real(Box::new(l))),
        }
    }
}
