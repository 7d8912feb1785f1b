//! Headless Chromium driven through chromedriver's W3C HTTP API, and a static file server on
//! loopback: enough to look at the release page as a user does, with no test framework.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// Serves a folder over HTTP on 127.0.0.1 until the test process ends, under a path prefix
/// (`/`, or a sub-path such as `/tools/atcert/`), with the headers the README asks hosts
/// for: the page's CSP, `nosniff`, hashed names cached for good, the rest `no-cache`.
/// Switched offline, it drops every connection unanswered.
pub struct StaticServer {
    port: u16,
    prefix: &'static str,
    offline: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
}

impl StaticServer {
    pub fn start(root: PathBuf) -> Self {
        Self::under(root, "/")
    }

    /// `prefix` starts and ends with `/`.
    pub fn under(root: PathBuf, prefix: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("a local address").port();
        let offline = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let csp = std::fs::read_to_string(root.join("index.html"))
            .ok()
            .and_then(|html| csp_of(&html));
        let (off, count) = (offline.clone(), served.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if off.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                count.fetch_add(1, Ordering::SeqCst);
                let (root, csp) = (root.clone(), csp.clone());
                std::thread::spawn(move || serve_one(stream, &root, prefix, csp.as_deref()));
            }
        });
        Self {
            port,
            prefix,
            offline,
            served,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// The page: the prefix itself.
    pub fn page(&self) -> String {
        self.url(self.prefix)
    }

    pub fn set_offline(&self, offline: bool) {
        self.offline.store(offline, Ordering::SeqCst);
    }

    /// Connections answered so far.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

/// The page's own CSP meta tag, sent as a header too (as the README tells hosts to).
fn csp_of(html: &str) -> Option<String> {
    let content = &html[html.find("http-equiv=\"Content-Security-Policy\"")?..];
    let content = &content[content.find("content=\"")? + 9..];
    Some(content[..content.find('"')?].to_owned())
}

fn serve_one(mut stream: TcpStream, root: &Path, prefix: &str, csp: Option<&str>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Read and drop the headers.
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let relative = path
        .strip_prefix(prefix)
        .map(|r| if r.is_empty() { "index.html" } else { r });
    let found = relative
        .filter(|r| !r.contains(".."))
        .and_then(|r| std::fs::read(root.join(r)).ok().map(|body| (r, body)));
    let (status, body, mime, cache) = match found {
        Some((r, body)) => {
            let cache = if is_hashed(r) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            ("200 OK", body, mime_of(r), cache)
        }
        None => (
            "404 Not Found",
            b"not found".to_vec(),
            "text/plain",
            "no-cache",
        ),
    };
    let csp = csp
        .map(|c| format!("Content-Security-Policy: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n\
         Cache-Control: {cache}\r\nX-Content-Type-Options: nosniff\r\n{csp}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// trunk's names carry a hex hash of up to 16 digits: `atcert-web-0123456789abcdef_bg.wasm`.
pub fn is_hashed(name: &str) -> bool {
    name.split(['-', '_', '.'])
        .any(|part| (12..=16).contains(&part.len()) && part.chars().all(|c| c.is_ascii_hexdigit()))
}

fn mime_of(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("pem") => "application/x-pem-file",
        _ => "application/octet-stream",
    }
}

/// One chromedriver process with one headless Chromium session. Both end on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: TempDir,
}

impl Browser {
    pub fn start(width: u32, height: u32) -> Self {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {chromedriver}: {e} (apt-get install chromium-driver)")
            });
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = TempDir::new("atcert-chromium");
        let binary = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": binary, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.0.display()),
            ]}
        }}});
        let response: Value = ureq::post(&format!("{base}/session"))
            .send_json(caps)
            .expect("chromedriver creates a session")
            .into_json()
            .expect("a JSON answer");
        let session = response["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        Self {
            driver,
            base,
            session,
            _profile: profile,
        }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        match ureq::post(&url).send_json(body) {
            Ok(r) => r.into_json::<Value>().expect("JSON")["value"].take(),
            Err(ureq::Error::Status(code, r)) => {
                panic!(
                    "webdriver {path} failed with {code}: {}",
                    r.into_string().unwrap_or_default()
                )
            }
            Err(e) => panic!("webdriver {path} failed: {e}"),
        }
    }

    pub fn navigate(&self, url: &str) {
        self.post("url", json!({ "url": url }));
    }

    /// Runs a script body (use `return` to get a value back).
    pub fn script(&self, body: &str) -> Value {
        self.post("execute/sync", json!({ "script": body, "args": [] }))
    }

    /// Waits until the page's visible text contains `needle`; returns that text.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.script("return document.body ? document.body.innerText : ''");
            let text = text.as_str().unwrap_or_default().to_owned();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {needle:?}; it shows:\n{text}\nconsole: {:#?}",
                self.console_errors()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `body` returns the string `want`.
    pub fn wait_for_script(&self, body: &str, want: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.script(body);
            if got.as_str() == Some(want) {
                return want.to_owned();
            }
            assert!(Instant::now() < deadline, "waited for {want:?}, got {got}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text of the first element `selector` matches ("" if none).
    pub fn text_of(&self, selector: &str) -> String {
        self.script(&format!(
            "const e = document.querySelector({selector:?}); return e ? e.innerText : null"
        ))
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Polls a script until it returns true; on timeout, fails with what the page shows.
    pub fn wait_until(&self, what: &str, body: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.script(body) == Value::Bool(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; the page shows:\n{}\nconsole: {:#?}",
                self.text_of("body"),
                self.console_errors()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Errors the page logged to the console (and failed loads), since the last call.
    pub fn console_errors(&self) -> Vec<String> {
        let url = format!("{}/session/{}/se/log", self.base, self.session);
        let logs: Value = ureq::post(&url)
            .send_json(json!({"type": "browser"}))
            .expect("chromedriver returns the browser log")
            .into_json()
            .expect("JSON");
        logs["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver (e.g. to go offline).
    pub fn cdp(&self, command: &str, params: Value) -> Value {
        self.post(
            "goog/cdp/execute",
            json!({ "cmd": command, "params": params }),
        )
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.post("window/rect", json!({ "width": width, "height": height }));
    }

    /// Saves a PNG under target/screenshots/ for a person to look at.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let url = format!("{}/session/{}/screenshot", self.base, self.session);
        let shot: Value = ureq::get(&url)
            .call()
            .expect("a screenshot")
            .into_json()
            .expect("JSON");
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["value"].as_str().unwrap_or_default())
            .expect("base64 PNG");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
