//! A forgiving PEM scanner: any number of blocks, text around them, LF/CRLF/CR, RFC 1421
//! headers (Proc-Type, DEK-Info), no final newline. Every damaged block is reported with
//! its block and line number; nothing is skipped silently.

use super::error::{Location, ParseError, ParseProblem};
use serde::Serialize;

/// The line ending a text used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// `\n`
    Lf,
    /// `\r\n`
    Crlf,
    /// `\r` alone (Connect One iChip wants this).
    Cr,
    /// More than one kind.
    Mixed,
    /// A single line without any ending.
    None,
}

impl LineEnding {
    /// The bytes of this ending (LF for `Mixed`/`None`).
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Crlf => b"\r\n",
            LineEnding::Cr => b"\r",
            _ => b"\n",
        }
    }
}

/// One PEM block, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// 1-based block number in the input.
    pub number: usize,
    /// The label between `BEGIN ` and `-----`.
    pub label: String,
    /// 1-based line of the BEGIN line.
    pub begin_line: usize,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), in order.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub der: Vec<u8>,
    /// The line ending used inside the block.
    pub line_ending: LineEnding,
    /// The longest base64 line (64 is what RFC 7468 and most modules want).
    pub max_line_len: usize,
}

/// Splits `input` into lines, returning (line bytes, ending) pairs.
fn lines(input: &[u8]) -> Vec<(&[u8], &'static [u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'\n' => {
                out.push((&input[start..i], &b"\n"[..]));
                i += 1;
                start = i;
            }
            b'\r' => {
                if input.get(i + 1) == Some(&b'\n') {
                    out.push((&input[start..i], &b"\r\n"[..]));
                    i += 2;
                } else {
                    out.push((&input[start..i], &b"\r"[..]));
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < input.len() {
        out.push((&input[start..], &b""[..]));
    }
    out
}

/// Finds `-----BEGIN X-----` or `-----END X-----` anywhere on a line (pasted text often runs
/// into the boundary): Some((is_begin, label)).
fn boundary(line: &[u8]) -> Option<(bool, String)> {
    let find = |pat: &[u8]| line.windows(pat.len()).position(|w| w == pat);
    let (is_begin, start) = match (find(b"-----BEGIN "), find(b"-----END ")) {
        (Some(b), _) => (true, b + 11),
        (None, Some(e)) => (false, e + 9),
        (None, None) => return None,
    };
    let rest = &line[start..];
    let end = rest.windows(5).position(|w| w == b"-----")?;
    Some((
        is_begin,
        String::from_utf8_lossy(&rest[..end]).trim().to_string(),
    ))
}

/// True if the input contains at least one BEGIN line.
pub fn looks_like_pem(input: &[u8]) -> bool {
    input.windows(11).any(|w| w == b"-----BEGIN ")
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

/// Decodes base64 text from lines, reporting the first bad character with its line and column.
/// Whitespace inside and around lines is ignored.
pub fn decode_base64_lines(
    body: &[(usize, &[u8])],
) -> Result<Vec<u8>, (Option<usize>, ParseError)> {
    let mut text = Vec::new();
    for (line_no, line) in body {
        for (col, c) in line.iter().enumerate() {
            if c.is_ascii_whitespace() {
                continue;
            }
            if !is_b64(*c) {
                return Err((
                    Some(*line_no),
                    ParseError::BadBase64 {
                        found: *c as char,
                        column: col + 1,
                    },
                ));
            }
            text.push(*c);
        }
    }
    decode_base64(&text).ok_or((body.last().map(|l| l.0), ParseError::BadBase64Length))
}

/// Decodes padded or unpadded standard base64 (no whitespace).
pub fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    use base64ct::{Base64, Base64Unpadded, Encoding};
    let s = std::str::from_utf8(text).ok()?;
    if s.contains('=') {
        Base64::decode_vec(s).ok()
    } else {
        Base64Unpadded::decode_vec(s).ok()
    }
}

/// Scans all PEM blocks in `input`.
pub fn scan(input: &[u8]) -> (Vec<PemBlock>, Vec<ParseProblem>) {
    struct Open<'a> {
        label: String,
        begin_line: usize,
        headers: Vec<(String, String)>,
        in_headers: bool,
        body: Vec<(usize, &'a [u8])>,
        endings: Vec<&'static [u8]>,
        number: usize,
    }
    let mut blocks = Vec::new();
    let mut problems = Vec::new();
    let mut open: Option<Open> = None;
    let mut count = 0usize;
    let loc = |block: usize, line: usize| Location {
        block: Some(block),
        line: Some(line),
        offset: None,
    };

    for (idx, (line, ending)) in lines(input).into_iter().enumerate() {
        let line_no = idx + 1;
        match boundary(line) {
            Some((true, label)) => {
                if let Some(o) = open.take() {
                    problems.push(ParseProblem {
                        location: loc(o.number, o.begin_line),
                        error: ParseError::MissingEnd { label: o.label },
                    });
                }
                count += 1;
                open = Some(Open {
                    label,
                    begin_line: line_no,
                    headers: Vec::new(),
                    in_headers: true,
                    body: Vec::new(),
                    endings: Vec::new(),
                    number: count,
                });
            }
            Some((false, label)) => match open.take() {
                None => problems.push(ParseProblem {
                    location: Location {
                        block: None,
                        line: Some(line_no),
                        offset: None,
                    },
                    error: ParseError::EndWithoutBegin { label },
                }),
                Some(o) => {
                    if o.label != label {
                        problems.push(ParseProblem {
                            location: loc(o.number, line_no),
                            error: ParseError::MismatchedEnd {
                                begin: o.label,
                                end: label,
                            },
                        });
                        continue;
                    }
                    match decode_base64_lines(&o.body) {
                        Ok(der) => {
                            let line_ending = summarize_endings(&o.endings);
                            let max_line_len = o
                                .body
                                .iter()
                                .map(|(_, l)| l.trim_ascii().len())
                                .max()
                                .unwrap_or(0);
                            blocks.push(PemBlock {
                                number: o.number,
                                label: o.label,
                                begin_line: o.begin_line,
                                headers: o.headers,
                                der,
                                line_ending,
                                max_line_len,
                            });
                        }
                        Err((line, error)) => problems.push(ParseProblem {
                            location: loc(o.number, line.unwrap_or(o.begin_line)),
                            error,
                        }),
                    }
                }
            },
            None => {
                if let Some(o) = open.as_mut() {
                    o.endings.push(ending);
                    let t = line.trim_ascii();
                    if o.in_headers {
                        if t.is_empty() {
                            // A blank line ends the headers (or is just a blank line).
                            if !o.headers.is_empty() {
                                o.in_headers = false;
                            }
                            continue;
                        }
                        if let Some(colon) = t.iter().position(|c| *c == b':') {
                            let name = String::from_utf8_lossy(&t[..colon]).trim().to_string();
                            let value = String::from_utf8_lossy(&t[colon + 1..]).trim().to_string();
                            o.headers.push((name, value));
                            continue;
                        }
                        if (line.first() == Some(&b' ') || line.first() == Some(&b'\t'))
                            && !o.headers.is_empty()
                        {
                            // RFC 1421 continuation line.
                            if let Some(last) = o.headers.last_mut() {
                                last.1.push_str(&String::from_utf8_lossy(t));
                            }
                            continue;
                        }
                        o.in_headers = false;
                    }
                    o.body.push((line_no, line));
                }
            }
        }
    }
    if let Some(o) = open {
        problems.push(ParseProblem {
            location: loc(o.number, o.begin_line),
            error: ParseError::MissingEnd { label: o.label },
        });
    }
    (blocks, problems)
}

fn summarize_endings(endings: &[&[u8]]) -> LineEnding {
    let mut kind: Option<&[u8]> = None;
    for e in endings.iter().filter(|e| !e.is_empty()) {
        match kind {
            None => kind = Some(e),
            Some(k) if k == *e => {}
            Some(_) => return LineEnding::Mixed,
        }
    }
    match kind {
        Some(b"\n") => LineEnding::Lf,
        Some(b"\r\n") => LineEnding::Crlf,
        Some(b"\r") => LineEnding::Cr,
        _ => LineEnding::None,
    }
}

/// Encodes `der` as one PEM block: 64-column base64, the given line ending, final newline.
pub fn encode(label: &str, der: &[u8], ending: LineEnding) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let nl = ending.as_bytes();
    let b64 = Base64::encode_string(der);
    let mut out = Vec::with_capacity(b64.len() + b64.len() / 64 * 2 + 64);
    out.extend_from_slice(b"-----BEGIN ");
    out.extend_from_slice(label.as_bytes());
    out.extend_from_slice(b"-----");
    out.extend_from_slice(nl);
    for chunk in b64.as_bytes().chunks(64) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(nl);
    }
    out.extend_from_slice(b"-----END ");
    out.extend_from_slice(label.as_bytes());
    out.extend_from_slice(b"-----");
    out.extend_from_slice(nl);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_text_and_cr() {
        let input = b"hello\r-----BEGIN X-----\rAAEC\r-----END X-----\rbye\r-----BEGIN Y-----\nAw==\n-----END Y-----";
        let (blocks, problems) = scan(input);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].der, vec![0, 1, 2]);
        assert_eq!(blocks[0].line_ending, LineEnding::Cr);
        assert_eq!(blocks[0].begin_line, 2);
        assert_eq!(blocks[1].der, vec![3]);
        assert_eq!(blocks[1].number, 2);
    }

    #[test]
    fn headers_and_bad_char() {
        let input = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAA*A\n-----END RSA PRIVATE KEY-----\n";
        let (blocks, problems) = scan(input);
        assert!(blocks.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location.line, Some(5));
        assert_eq!(
            problems[0].error,
            ParseError::BadBase64 {
                found: '*',
                column: 3
            }
        );
    }

    #[test]
    fn missing_end() {
        let (b, p) = scan(b"-----BEGIN CERTIFICATE-----\nAAAA\n");
        assert!(b.is_empty());
        assert!(matches!(p[0].error, ParseError::MissingEnd { .. }));
    }

    #[test]
    fn encode_roundtrip() {
        let der: Vec<u8> = (0..200u8).collect();
        let pem = encode("CERTIFICATE", &der, LineEnding::Crlf);
        let (b, p) = scan(&pem);
        assert!(p.is_empty());
        assert_eq!(b[0].der, der);
        assert_eq!(b[0].line_ending, LineEnding::Crlf);
        assert_eq!(b[0].max_line_len, 64);
    }
}
