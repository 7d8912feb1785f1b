//! What a simulated module offers when it opens a TLS connection, and why a connection is
//! refused: the words the model server, the real-TLS links and the family simulators share
//! (kept apart from `server.rs` so the real-TLS links need not import the server).

use super::creds::{KeyInfo, ModuleCert};

/// TLS protocol versions: the one type the plans use too.
pub use crate::modules::TlsVersion;

/// What a module offers when it opens a TLS connection, from its own stored state.
#[derive(Clone, Debug)]
pub struct ClientOffer {
    pub host: String,
    pub port: u16,
    /// Versions the module will speak (lowest, highest).
    pub versions: (TlsVersion, TlsVersion),
    pub sni: Option<String>,
    /// CAs the module verifies the server against; `None` = no verification.
    pub trust: Option<Vec<ModuleCert>>,
    /// The client certificate and key the module presents.
    pub client: Option<(ModuleCert, KeyInfo)>,
    /// The module clock, when it checks validity dates.
    pub check_time: Option<i64>,
    /// The module only handles RSA server keys.
    pub rsa_only: bool,
    /// The module rejects peer certificates larger than this.
    pub max_peer_cert: Option<usize>,
    /// Server key curves the module cannot handle (model server only).
    pub unsupported_curves: Vec<String>,
}

impl ClientOffer {
    pub fn new(host: &str, port: u16, versions: (TlsVersion, TlsVersion)) -> Self {
        Self {
            host: host.to_owned(),
            port,
            versions,
            sni: None,
            trust: None,
            client: None,
            check_time: None,
            rsa_only: false,
            max_peer_cert: None,
            unsupported_curves: Vec::new(),
        }
    }
}

/// Why a test connection failed, before each family words it its own way.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Refusal {
    /// The host name does not resolve.
    Dns,
    /// TCP connect failed (nothing listening, timeout).
    Unreachable(String),
    /// No TLS version both sides speak.
    Version,
    /// The server needs SNI (or another name).
    Sni,
    /// The server's key type is one the module cannot handle.
    KeyType,
    /// The server's chain does not lead to a CA the module trusts.
    UnknownCa,
    /// A certificate is outside its validity at the module's clock.
    Expired,
    /// A server certificate is larger than the module accepts.
    PeerCertTooLarge,
    /// The server requires a client certificate and none was sent.
    ClientCertMissing,
    /// The client certificate is not issued by the CA the server requires.
    ClientCertRejected,
    /// The client key does not belong to the client certificate.
    ClientKeyMismatch,
    /// Any other handshake failure, in the TLS library's words.
    Handshake(String),
}
