//! The site profile: `atcert.json`, which a host drops next to `index.html` to tailor the
//! page for its customers (branding, trusted root CAs, test endpoints, module families, APN,
//! links). Read by the page at start and by `atcert profile check`, with the same code.
//!
//! Platform-free: text in, a checked [`Profile`] or every problem out. Each problem names the
//! field (`test_endpoints[1].port`), what was expected and what was found. Nothing in a
//! profile can make the page contact another origin: files it names (logo, CA files) must be
//! paths on the page's own site, and links are only followed when the user clicks them.

use core::fmt;

use serde_json::{Map, Value};

use crate::cert::{ItemKind, parse};
use crate::modules::Family;
use crate::modules::identify::parse_model;

/// The file name the page looks for, next to `index.html`.
pub const FILE_NAME: &str = "atcert.json";

/// Larger than any sensible profile (a few PEM roots); keeps a mistake from freezing the page.
pub const MAX_BYTES: usize = 256 * 1024;

const FIELDS: [&str; 11] = [
    "name",
    "logo",
    "accent",
    "intro",
    "trusted_cas",
    "test_endpoints",
    "families",
    "models",
    "apn",
    "client_certificate_required",
    "links",
];

/// A checked site profile. Every field is optional; the default is today's page.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Profile {
    /// Product name shown in the header and the tab title.
    pub name: Option<String>,
    /// Same-origin path of a logo image, relative to the page (`acme-logo.svg`).
    pub logo: Option<String>,
    /// Accent colour, `#rrggbb` (a `#rgb` given is expanded).
    pub accent: Option<String>,
    /// A short text for the host's customers, shown above the areas.
    pub intro: Option<String>,
    /// Root CAs preloaded as the CA to provision.
    pub trusted_cas: Vec<TrustedCa>,
    /// Servers offered for the test connection.
    pub test_endpoints: Vec<TestEndpoint>,
    /// Families the host's customers use, from `families` and `models`, in the order given.
    /// Empty: all families. Others stay reachable behind "show all".
    pub families: Vec<Family>,
    /// Model names as given (`SIM7600G-H`), each recognised as one of `families`.
    pub models: Vec<String>,
    /// Default APN for the test connection's bearer (SIM800, Telit).
    pub apn: Option<String>,
    /// The host's service authenticates devices by client certificate.
    pub client_certificate_required: bool,
    /// The host's own documentation and support.
    pub links: Vec<Link>,
}

/// One trusted root CA of the profile.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TrustedCa {
    /// What the page calls it.
    pub name: String,
    pub source: CaSource,
}

/// Where a trusted CA's certificate comes from.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum CaSource {
    /// PEM in the profile itself, already checked.
    Inline(Vec<u8>),
    /// A same-origin path relative to the page; checked with [`check_ca_file`] once read.
    Path(String),
}

/// A server for the test connection.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TestEndpoint {
    /// What the page calls it; the host and port when the profile gives no name.
    pub name: String,
    pub host: String,
    pub port: u16,
    /// Bytes to send once connected; `None` sends the module flow's default request.
    pub request: Option<String>,
    /// Text the server's answer must contain for the test to pass.
    pub expect: Option<String>,
}

/// A link to the host's docs or support, opened only when the user clicks it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// One thing wrong with a profile.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ProfileError {
    /// The field, as a path: `test_endpoints[1].port`; empty for the file as a whole.
    pub field: String,
    /// What was expected there, and what was found.
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Every problem found in a profile, in file order.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ProfileErrors(pub Vec<ProfileError>);

impl fmt::Display for ProfileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProfileErrors {}

/// Reads and checks a profile. Every problem is reported, not only the first.
pub fn parse_profile(bytes: &[u8]) -> Result<Profile, ProfileErrors> {
    let fail = |message: String| Err(ProfileErrors(vec![ProfileError::at("", message)]));
    if bytes.len() > MAX_BYTES {
        return fail(format!(
            "the file is {} bytes; a profile is at most {MAX_BYTES} bytes (put large CA files \
             next to it and name them with \"path\")",
            bytes.len()
        ));
    }
    let text = match core::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)) {
        Ok(text) => text,
        Err(e) => {
            return fail(format!(
                "expected UTF-8 text; byte {} is not UTF-8",
                e.valid_up_to()
            ));
        }
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            return fail(format!(
                "not valid JSON: {e} (check commas, quotes and brackets there)"
            ));
        }
    };
    let Value::Object(top) = value else {
        return fail(format!(
            "expected a JSON object {{ ... }} at the top, found {}",
            kind(&value)
        ));
    };
    let mut c = Checker::default();
    let profile = c.profile(&top);
    if c.errors.is_empty() {
        Ok(profile)
    } else {
        Err(ProfileErrors(c.errors))
    }
}

/// Checks the bytes of a CA file a profile names by path (`field` names it in errors).
pub fn check_ca_file(field: &str, bytes: &[u8]) -> Result<(), ProfileError> {
    check_ca_bytes(bytes).map_err(|message| ProfileError::at(field, message))
}

fn check_ca_bytes(bytes: &[u8]) -> Result<(), String> {
    let outcome = parse(bytes, None);
    if outcome.items.iter().any(|i| i.kind == ItemKind::PrivateKey) {
        return Err(
            "holds a private key: a profile is public, so it must only hold root CA \
                    certificates; remove the key and keep it secret"
                .into(),
        );
    }
    if let Some(problem) = outcome.problems.first() {
        return Err(format!(
            "expected PEM certificates; {} at {}",
            problem.error, problem.location
        ));
    }
    let mut count = 0;
    for item in outcome.certificates() {
        count += 1;
        let Some(info) = item.cert_info(0) else {
            return Err(format!("certificate {count} could not be read"));
        };
        if !info.is_ca && info.subject != info.issuer {
            return Err(format!(
                "certificate {count} ({}) is not a CA certificate: expected the root CA that \
                 signed your server's certificate, not the server's own certificate",
                info.subject
            ));
        }
    }
    if count == 0 {
        return Err(
            "expected at least one PEM certificate (-----BEGIN CERTIFICATE-----), found none"
                .into(),
        );
    }
    Ok(())
}

impl ProfileError {
    fn at(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Default)]
struct Checker {
    errors: Vec<ProfileError>,
}

impl Checker {
    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(ProfileError::at(field, message));
    }

    fn profile(&mut self, top: &Map<String, Value>) -> Profile {
        for key in top.keys() {
            if !FIELDS.contains(&key.as_str()) {
                self.err(
                    key,
                    format!("unknown field; known fields: {}", FIELDS.join(", ")),
                );
            }
        }
        let mut p = Profile {
            name: self.text(top, "name", 80),
            intro: self.text(top, "intro", 2000),
            apn: self.apn(top),
            ..Profile::default()
        };
        if let Some(logo) = self.text(top, "logo", 500) {
            match same_origin_path(&logo) {
                Ok(()) => p.logo = Some(logo),
                Err(e) => self.err("logo", e),
            }
        }
        if let Some(accent) = self.text(top, "accent", 40) {
            match colour(&accent) {
                Some(c) => p.accent = Some(c),
                None => self.err(
                    "accent",
                    format!("expected a colour as #rrggbb or #rgb (e.g. \"#c2410c\"), found \"{accent}\""),
                ),
            }
        }
        match top.get("client_certificate_required") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => p.client_certificate_required = *b,
            Some(other) => self.err(
                "client_certificate_required",
                format!("expected true or false, found {}", kind(other)),
            ),
        }
        for (i, item) in self.array(top, "trusted_cas") {
            let field = format!("trusted_cas[{i}]");
            if let Some(ca) = self.trusted_ca(&field, item) {
                p.trusted_cas.push(ca);
            }
        }
        for (i, item) in self.array(top, "test_endpoints") {
            let field = format!("test_endpoints[{i}]");
            if let Some(endpoint) = self.endpoint(&field, item) {
                p.test_endpoints.push(endpoint);
            }
        }
        for (i, item) in self.array(top, "families") {
            let field = format!("families[{i}]");
            match item.as_str().map(|s| (s, s.parse::<Family>())) {
                Some((_, Ok(family))) => push_unique(&mut p.families, family),
                Some((given, Err(_))) => self.err(
                    &field,
                    format!(
                        "unknown family \"{given}\"; expected one of {}",
                        family_ids()
                    ),
                ),
                None => self.err(
                    &field,
                    format!("expected a family name as text, found {}", kind(item)),
                ),
            }
        }
        for (i, item) in self.array(top, "models") {
            let field = format!("models[{i}]");
            match item.as_str() {
                Some(given) => match parse_model(given) {
                    Some((family, _)) if !given.trim().is_empty() => {
                        push_unique(&mut p.families, family);
                        p.models.push(given.trim().to_owned());
                    }
                    _ => self.err(
                        &field,
                        format!(
                            "unknown model \"{given}\"; expected a model name as the module \
                             reports it (e.g. SIM7600G-H, SIM800L, SPWF04SA, LE910C1-EU, \
                             GL865-QUAD, CO2128) or use \"families\" with one of {}",
                            family_ids()
                        ),
                    ),
                },
                None => self.err(
                    &field,
                    format!("expected a model name as text, found {}", kind(item)),
                ),
            }
        }
        for (i, item) in self.array(top, "links") {
            let field = format!("links[{i}]");
            if let Some(link) = self.link(&field, item) {
                p.links.push(link);
            }
        }
        p
    }

    /// An optional string field: trimmed, non-empty, at most `max` characters, one line
    /// unless it is the intro.
    fn text(&mut self, obj: &Map<String, Value>, key: &str, max: usize) -> Option<String> {
        self.text_at(obj, key, key, max)
    }

    fn text_at(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        field: &str,
        max: usize,
    ) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.is_empty() {
                    self.err(
                        field,
                        "expected text, found an empty string (leave the field out instead)",
                    );
                    None
                } else if t.chars().count() > max {
                    self.err(
                        field,
                        format!(
                            "expected at most {max} characters, found {}",
                            t.chars().count()
                        ),
                    );
                    None
                } else {
                    Some(t.to_owned())
                }
            }
            Some(other) => {
                self.err(
                    field,
                    format!("expected text in quotes, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// The items of an optional list field.
    fn array<'a>(&mut self, obj: &'a Map<String, Value>, key: &str) -> Vec<(usize, &'a Value)> {
        match obj.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().enumerate().collect(),
            Some(other) => {
                self.err(
                    key,
                    format!("expected a list [ ... ], found {}", kind(other)),
                );
                Vec::new()
            }
        }
    }

    fn object<'a>(&mut self, field: &str, item: &'a Value) -> Option<&'a Map<String, Value>> {
        match item {
            Value::Object(obj) => Some(obj),
            other => {
                self.err(
                    field,
                    format!("expected an object {{ ... }}, found {}", kind(other)),
                );
                None
            }
        }
    }

    fn unknown_keys(&mut self, field: &str, obj: &Map<String, Value>, known: &[&str]) {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                self.err(
                    &format!("{field}.{key}"),
                    format!("unknown field; known fields here: {}", known.join(", ")),
                );
            }
        }
    }

    fn trusted_ca(&mut self, field: &str, item: &Value) -> Option<TrustedCa> {
        let obj = self.object(field, item)?;
        self.unknown_keys(field, obj, &["name", "pem", "path"]);
        let name = self.text_at(obj, "name", &format!("{field}.name"), 120);
        let pem = self.text_at(obj, "pem", &format!("{field}.pem"), MAX_BYTES);
        let path = self.text_at(obj, "path", &format!("{field}.path"), 500);
        let source = match (pem, path) {
            (Some(_), Some(_)) => {
                self.err(field, "expected either \"pem\" or \"path\", found both");
                return None;
            }
            (None, None) => {
                self.err(
                    field,
                    "expected \"pem\" (the certificate's PEM text) or \"path\" (a file on this \
                     site, e.g. \"certs/root.pem\"), found neither",
                );
                return None;
            }
            (Some(pem), None) => match check_ca_bytes(pem.as_bytes()) {
                Ok(()) => CaSource::Inline(pem.into_bytes()),
                Err(e) => {
                    self.err(&format!("{field}.pem"), e);
                    return None;
                }
            },
            (None, Some(path)) => match same_origin_path(&path) {
                Ok(()) => CaSource::Path(path),
                Err(e) => {
                    self.err(&format!("{field}.path"), e);
                    return None;
                }
            },
        };
        let name = name.unwrap_or_else(|| match &source {
            CaSource::Path(path) => path.rsplit('/').next().unwrap_or(path).to_owned(),
            CaSource::Inline(pem) => first_subject(pem).unwrap_or_else(|| "root CA".into()),
        });
        Some(TrustedCa { name, source })
    }

    fn endpoint(&mut self, field: &str, item: &Value) -> Option<TestEndpoint> {
        let obj = self.object(field, item)?;
        self.unknown_keys(field, obj, &["name", "host", "port", "request", "expect"]);
        let name = self.text_at(obj, "name", &format!("{field}.name"), 120);
        let host_field = format!("{field}.host");
        let host = match self.text_at(obj, "host", &host_field, 253) {
            Some(host) => match host_name(&host) {
                Ok(()) => Some(host),
                Err(e) => {
                    self.err(&host_field, e);
                    None
                }
            },
            None => {
                if obj.get("host").is_none() {
                    self.err(&host_field, "expected the server's host name (e.g. \"mqtt.example.com\"), found nothing");
                }
                None
            }
        };
        let port_field = format!("{field}.port");
        let port = match obj.get("port") {
            None => {
                self.err(
                    &port_field,
                    "expected the server's TLS port (e.g. 443 or 8883), found nothing",
                );
                None
            }
            Some(Value::Number(n)) => match n.as_u64().and_then(|n| u16::try_from(n).ok()) {
                Some(p) if p > 0 => Some(p),
                _ => {
                    self.err(
                        &port_field,
                        format!("expected a whole number from 1 to 65535, found {n}"),
                    );
                    None
                }
            },
            Some(other) => {
                self.err(
                    &port_field,
                    format!(
                        "expected a whole number from 1 to 65535 (no quotes), found {}",
                        kind(other)
                    ),
                );
                None
            }
        };
        // Requests and expected answers are raw protocol text: keep them as given.
        let raw = |c: &mut Self, key: &str| match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 4096 => Some(s.clone()),
            Some(Value::String(s)) => {
                c.err(
                    &format!("{field}.{key}"),
                    format!("expected 1 to 4096 characters of text, found {}", s.len()),
                );
                None
            }
            Some(other) => {
                c.err(
                    &format!("{field}.{key}"),
                    format!("expected text in quotes, found {}", kind(other)),
                );
                None
            }
        };
        let request = raw(self, "request");
        let expect = raw(self, "expect");
        let (host, port) = (host?, port?);
        Some(TestEndpoint {
            name: name.unwrap_or_else(|| format!("{host}:{port}")),
            host,
            port,
            request,
            expect,
        })
    }

    fn link(&mut self, field: &str, item: &Value) -> Option<Link> {
        let obj = self.object(field, item)?;
        self.unknown_keys(field, obj, &["label", "url"]);
        let label = self.text_at(obj, "label", &format!("{field}.label"), 80);
        let url = self.text_at(obj, "url", &format!("{field}.url"), 2000);
        if obj.get("label").is_none() {
            self.err(
                &format!("{field}.label"),
                "expected the link's text, found nothing",
            );
        }
        if obj.get("url").is_none() {
            self.err(
                &format!("{field}.url"),
                "expected the link's address, found nothing",
            );
        }
        let url = url?;
        if let Err(e) = link_url(&url) {
            self.err(&format!("{field}.url"), e);
            return None;
        }
        Some(Link { label: label?, url })
    }

    fn apn(&mut self, top: &Map<String, Value>) -> Option<String> {
        let apn = self.text(top, "apn", 100)?;
        // An APN is DNS-like labels; a quote or control character could never be sent.
        if apn
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            Some(apn)
        } else {
            self.err(
                "apn",
                format!("expected an APN of letters, digits, '-', '.' and '_' (e.g. \"iot.example\"), found \"{apn}\""),
            );
            None
        }
    }
}

fn push_unique(families: &mut Vec<Family>, family: Family) {
    if !families.contains(&family) {
        families.push(family);
    }
}

fn family_ids() -> String {
    Family::ALL.map(Family::id).join(", ")
}

/// The JSON kind of a value, for "found ..." in errors.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text \"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `#rgb` or `#rrggbb`, lowercased and expanded to `#rrggbb`.
fn colour(text: &str) -> Option<String> {
    let hex = text.strip_prefix('#')?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    match hex.len() {
        6 => Some(format!("#{hex}")),
        3 => Some(hex.chars().fold(String::from("#"), |mut s, c| {
            s.push(c);
            s.push(c);
            s
        })),
        _ => None,
    }
}

/// A path on the page's own site: relative (`certs/root.pem`) or from the site root
/// (`/certs/root.pem`). Anything naming another origin, a scheme or a query is refused, so a
/// profile can never make the page fetch from elsewhere.
pub fn same_origin_path(path: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "expected a path on this site (e.g. \"certs/root.pem\", next to index.html); \
             \"{path}\" {why}"
        ))
    };
    if path.starts_with("//") || path.starts_with("\\\\") {
        return refuse("names another site");
    }
    if let Some(colon) = path.find(':')
        && !path[..colon].contains('/')
    {
        return refuse("is an absolute URL: the page only loads files from its own site");
    }
    if path.contains('\\') {
        return refuse("contains a backslash; use '/'");
    }
    if path.contains(['?', '#']) {
        return refuse("has a query or fragment");
    }
    if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return refuse("contains spaces or control characters");
    }
    if path.ends_with('/') || path == "." || path.ends_with("/.") {
        return refuse("names a folder, not a file");
    }
    Ok(())
}

/// Where a link may lead: an https:// address, a mailto: address, or a path on this site.
fn link_url(url: &str) -> Result<(), String> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "expected an address without spaces, found \"{url}\""
        ));
    }
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://") {
        if rest.is_empty() || rest.starts_with('/') {
            return Err(format!(
                "expected a host name after https://, found \"{url}\""
            ));
        }
        return Ok(());
    }
    if lower
        .strip_prefix("mailto:")
        .is_some_and(|r| r.contains('@'))
    {
        return Ok(());
    }
    same_origin_path(url).map_err(|_| {
        format!(
            "expected an https:// address, a mailto: address or a path on this site, found \
             \"{url}\""
        )
    })
}

/// A host name or IP address a module could be asked to connect to.
fn host_name(host: &str) -> Result<(), String> {
    let ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c))
        && !host.starts_with(['-', '.'])
        && !host.contains("://");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a host name or IP address without scheme or path (e.g. \
             \"mqtt.example.com\"), found \"{host}\""
        ))
    }
}

fn first_subject(pem: &[u8]) -> Option<String> {
    let outcome = parse(pem, None);
    let info = outcome.certificates().next()?.cert_info(0)?;
    Some(info.subject)
}

impl Profile {
    /// The families pickers show first: the profile's, or all when it names none.
    pub fn preferred_families(&self) -> Vec<Family> {
        if self.families.is_empty() {
            Family::ALL.to_vec()
        } else {
            self.families.clone()
        }
    }
}

/// The text colour to put on the accent colour: black or white, whichever contrasts more
/// (WCAG relative luminance).
pub fn text_on(accent: &str) -> &'static str {
    let hex = accent.trim_start_matches('#');
    let channel = |i: usize| {
        let v = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, |v| f64::from(v) / 255.0);
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    // Contrast with white (1.05 / (l + 0.05)) against with black ((l + 0.05) / 0.05).
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
        "#ffffff"
    } else {
        "#111111"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accent_text_contrasts() {
        assert_eq!(text_on("#0b6bcb"), "#ffffff");
        assert_eq!(text_on("#ffd400"), "#111111");
        assert_eq!(colour("#AbC").as_deref(), Some("#aabbcc"));
        assert_eq!(colour("#abcd"), None);
    }

    #[test]
    fn paths_stay_on_this_site() {
        for ok in [
            "logo.svg",
            "certs/root.pem",
            "/certs/root.pem",
            "../shared/root.pem",
        ] {
            assert_eq!(same_origin_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "https://x.example/a",
            "//x.example/a",
            "data:image/png;base64,AA",
            "a b",
            "a?x=1",
            "certs/",
            "a:b/../x",
        ] {
            assert!(same_origin_path(bad).is_err(), "{bad}");
        }
    }
}
