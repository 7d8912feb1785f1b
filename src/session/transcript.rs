//! Every byte sent and received, with its time: the support bundle a user attaches to a
//! bug report, and the format of the golden fixtures in `tests/transcripts/`.
//!
//! Text form, one line per record (received records are split after each line feed):
//!
//! ```text
//! [    0.000] >> AT+CCERTDOWN="ca.pem",1342<CR>
//! [    0.021] << <CR><LF>
//! [    0.021] << >
//! ```
//!
//! Printable ASCII stands for itself except `<`, which is `<3C>`; CR, LF, Ctrl+Z and ESC are
//! `<CR>`, `<LF>`, `<Ctrl+Z>` and `<1B>`; every other byte is `<XX>` in hex.

use crate::at::Instant;

/// Who sent the bytes.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Direction {
    /// Host to module (`>>`).
    Tx,
    /// Module to host (`<<`).
    Rx,
}

impl Direction {
    pub fn marker(self) -> &'static str {
        match self {
            Self::Tx => ">>",
            Self::Rx => "<<",
        }
    }
}

/// One write or one read, exactly as it happened.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Record {
    pub at: Instant,
    pub direction: Direction,
    pub bytes: Vec<u8>,
}

/// The recorded exchange. Bounded: past `max_bytes` the oldest records are dropped and
/// counted in [`Transcript::dropped_bytes`], so a chatty module cannot exhaust memory.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Transcript {
    records: Vec<Record>,
    bytes: usize,
    max_bytes: usize,
    dropped_bytes: usize,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_BYTES)
    }
}

impl Transcript {
    /// 4 MiB: hours of provisioning at 115200 baud.
    pub const DEFAULT_MAX_BYTES: usize = 4 * 1024 * 1024;

    pub fn new(max_bytes: usize) -> Self {
        Self {
            records: Vec::new(),
            bytes: 0,
            max_bytes,
            dropped_bytes: 0,
        }
    }

    /// Appends a record; consecutive reads or writes at the same instant are merged.
    pub fn push(&mut self, at: Instant, direction: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.records.last_mut() {
            Some(last) if last.at == at && last.direction == direction => {
                last.bytes.extend_from_slice(bytes);
            }
            _ => self.records.push(Record {
                at,
                direction,
                bytes: bytes.to_vec(),
            }),
        }
        self.bytes = self.bytes.saturating_add(bytes.len());
        while self.bytes > self.max_bytes && self.records.len() > 1 {
            let old = self.records.remove(0);
            self.bytes = self.bytes.saturating_sub(old.bytes.len());
            self.dropped_bytes = self.dropped_bytes.saturating_add(old.bytes.len());
        }
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Bytes of old records dropped to stay under the limit.
    pub fn dropped_bytes(&self) -> usize {
        self.dropped_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn clear(&mut self) {
        self.records.clear();
        self.bytes = 0;
        self.dropped_bytes = 0;
    }

    /// All bytes of one direction, in order: the raw form.
    pub fn raw(&self, direction: Direction) -> Vec<u8> {
        self.records
            .iter()
            .filter(|r| r.direction == direction)
            .flat_map(|r| r.bytes.iter().copied())
            .collect()
    }

    /// The text form described in the module doc, timestamps relative to the first record.
    pub fn to_text(&self) -> String {
        let origin = self.records.first().map_or(Instant::ZERO, |r| r.at);
        let mut out = String::new();
        if self.dropped_bytes > 0 {
            out.push_str(&format!(
                "# {} earlier bytes dropped (transcript limit)\n",
                self.dropped_bytes
            ));
        }
        for r in &self.records {
            let micros = r.at.saturating_duration_since(origin).as_micros();
            let stamp = format!("[{:>5}.{:03}]", micros / 1_000_000, (micros / 1000) % 1000);
            for piece in split_after_lf(&r.bytes) {
                out.push_str(&format!(
                    "{stamp} {} {}\n",
                    r.direction.marker(),
                    escape(piece)
                ));
            }
        }
        out
    }

    /// Raw form as text: one record per line, time in microseconds and bytes in hex.
    pub fn to_hex(&self) -> String {
        let mut out = String::new();
        for r in &self.records {
            out.push_str(&format!("{} {} ", r.at.as_micros(), r.direction.marker()));
            for b in &r.bytes {
                out.push_str(&format!("{b:02x}"));
            }
            out.push('\n');
        }
        out
    }
}

fn split_after_lf(bytes: &[u8]) -> Vec<&[u8]> {
    let mut pieces: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    if pieces.is_empty() {
        pieces.push(bytes);
    }
    pieces
}

/// Escapes bytes for the text form.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => out.push_str("<CR>"),
            b'\n' => out.push_str("<LF>"),
            0x1A => out.push_str("<Ctrl+Z>"),
            b'<' => out.push_str("<3C>"),
            0x20..=0x7E => out.push(char::from(b)),
            _ => out.push_str(&format!("<{b:02X}>")),
        }
    }
    out
}

/// A malformed escape in a transcript text.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error(
    "bad escape `{token}` at character {position}; use <CR>, <LF>, <Ctrl+Z>, <ESC> or two hex digits like <1B>"
)]
pub struct EscapeError {
    pub token: String,
    pub position: usize,
}

/// Reverses [`escape`]. Also accepts `<ESC>`, `<TAB>` and `<CRLF>` for hand-written fixtures.
pub fn unescape(text: &str) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    let mut position = 0;
    while let Some(open) = rest.find('<') {
        out.extend_from_slice(rest.get(..open).unwrap_or_default().as_bytes());
        let after = rest.get(open..).unwrap_or_default();
        let close = after.find('>').ok_or_else(|| EscapeError {
            token: after.to_owned(),
            position: position + open,
        })?;
        let token = after.get(1..close).unwrap_or_default();
        match token {
            "CR" => out.push(b'\r'),
            "LF" => out.push(b'\n'),
            "CRLF" => out.extend_from_slice(b"\r\n"),
            "Ctrl+Z" => out.push(0x1A),
            "ESC" => out.push(0x1B),
            "TAB" => out.push(b'\t'),
            hex if hex.len() == 2 => {
                let byte = u8::from_str_radix(hex, 16).map_err(|_| EscapeError {
                    token: format!("<{hex}>"),
                    position: position + open,
                })?;
                out.push(byte);
            }
            other => {
                return Err(EscapeError {
                    token: format!("<{other}>"),
                    position: position + open,
                });
            }
        }
        let consumed = open + close + 1;
        position += consumed;
        rest = rest.get(consumed..).unwrap_or_default();
    }
    out.extend_from_slice(rest.as_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn escape_round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let text = escape(&all);
        assert!(text.is_ascii());
        assert_eq!(unescape(&text), Ok(all));
    }

    #[test]
    fn escapes_control_bytes_by_name() {
        assert_eq!(escape(b"AT\r\n\x1a\x1b<x"), "AT<CR><LF><Ctrl+Z><1B><3C>x");
    }

    #[test]
    fn rejects_unknown_escapes() {
        let err = unescape("ab<nope>").unwrap_err();
        assert_eq!(err.position, 2);
        assert!(unescape("<CR").is_err());
    }

    #[test]
    fn text_form_splits_after_line_feeds_and_stamps_times() {
        let mut t = Transcript::default();
        t.push(Instant::from_micros(1_000_000), Direction::Tx, b"AT\r");
        t.push(
            Instant::from_micros(1_250_000),
            Direction::Rx,
            b"AT\r\r\nOK\r\n",
        );
        assert_eq!(
            t.to_text(),
            "[    0.000] >> AT<CR>\n[    0.250] << AT<CR><CR><LF>\n[    0.250] << OK<CR><LF>\n"
        );
        assert_eq!(t.raw(Direction::Rx), b"AT\r\r\nOK\r\n");
    }

    #[test]
    fn drops_oldest_records_past_the_limit() {
        let mut t = Transcript::new(10);
        for i in 0..5u64 {
            t.push(Instant::from_micros(i), Direction::Rx, b"0123");
        }
        assert!(t.raw(Direction::Rx).len() <= 10);
        assert_eq!(t.dropped_bytes(), 12);
    }
}
