//! A small, forgiving BER/DER reader that keeps byte offsets.
//!
//! The RustCrypto `der` crate is strict DER, which is right for certificates and keys, but
//! PKCS#12 files from Windows and some consoles use BER (indefinite lengths, constructed
//! OCTET STRINGs). This reader accepts both and reports where it stopped, so errors can say
//! "byte 1234" instead of "invalid".

use thiserror::Error;

/// A structural problem in BER/DER data, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlvError {
    /// The data ends before the element it announces.
    #[error(
        "data ends at byte {at}, inside an element that needs {needed} more byte(s); the file is truncated"
    )]
    Truncated { at: usize, needed: usize },
    /// A length field that is not valid BER.
    #[error("invalid length field at byte {at}")]
    BadLength { at: usize },
    /// Nesting deeper than any certificate or key needs: refused to protect the stack.
    #[error("nesting too deep at byte {at}")]
    TooDeep { at: usize },
    /// A different element was expected here.
    #[error("at byte {at}: expected {expected}, found tag 0x{found:02x}")]
    Unexpected {
        at: usize,
        expected: &'static str,
        found: u8,
    },
}

/// One decoded element: tag byte, where it starts, and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The identifier octet (multi-byte tags are not used by the formats we read).
    pub tag: u8,
    /// Offset of the identifier octet in the outermost buffer.
    pub offset: usize,
    /// Offset of the first content byte in the outermost buffer.
    pub content_offset: usize,
    /// The content octets (for indefinite lengths: up to, not including, the end-of-contents).
    pub content: &'a [u8],
    /// The whole encoding, header included (for definite lengths; indefinite: header+content+EOC).
    pub raw: &'a [u8],
    /// True when the length was indefinite (BER only).
    pub indefinite: bool,
}

impl<'a> Tlv<'a> {
    /// True when the constructed bit is set.
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// A reader over this element's children.
    pub fn children(&self) -> Reader<'a> {
        Reader {
            data: self.content,
            pos: 0,
            base: self.content_offset,
        }
    }

    /// The content of an OCTET STRING, primitive or constructed (BER), concatenated.
    pub fn octets(&self) -> Result<Vec<u8>, TlvError> {
        let mut out = Vec::new();
        self.collect_octets(&mut out, 0)?;
        Ok(out)
    }

    fn collect_octets(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), TlvError> {
        if depth > 16 {
            return Err(TlvError::TooDeep { at: self.offset });
        }
        if !self.constructed() {
            out.extend_from_slice(self.content);
            return Ok(());
        }
        let mut r = self.children();
        while let Some(child) = r.next()? {
            child.collect_octets(out, depth + 1)?;
        }
        Ok(())
    }

    /// Fails unless the tag is `tag`.
    pub fn expect(self, tag: u8, expected: &'static str) -> Result<Self, TlvError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(TlvError::Unexpected {
                at: self.offset,
                expected,
                found: self.tag,
            })
        }
    }
}

/// Reads consecutive elements from a buffer.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, whose first byte is at offset 0.
    pub fn new(data: &'a [u8]) -> Self {
        Self::with_base(data, 0)
    }

    /// A reader over `data`, whose first byte is at offset `base` in some larger buffer.
    pub fn with_base(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// Offset (in the outermost buffer) of the next element.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The next element, or `None` at the end of the buffer (or at an end-of-contents marker).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Tlv<'a>>, TlvError> {
        if self.is_empty() {
            return Ok(None);
        }
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
            // End-of-contents of an enclosing indefinite element.
            return Ok(None);
        }
        let (tlv, used) = parse_one(rest, self.offset(), 0)?;
        self.pos += used;
        Ok(Some(tlv))
    }

    /// The next element, which must exist.
    pub fn need(&mut self, expected: &'static str) -> Result<Tlv<'a>, TlvError> {
        let at = self.offset();
        self.next()?
            .ok_or(TlvError::Truncated { at, needed: 2 })
            .map_err(|e| match e {
                TlvError::Truncated { .. } => TlvError::Unexpected {
                    at,
                    expected,
                    found: 0,
                },
                other => other,
            })
    }

    /// The next element if its tag is `tag`, otherwise leaves it in place.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, TlvError> {
        let saved = self.pos;
        match self.next()? {
            Some(t) if t.tag == tag => Ok(Some(t)),
            _ => {
                self.pos = saved;
                Ok(None)
            }
        }
    }
}

const MAX_DEPTH: usize = 32;

/// Parses one element at the start of `data`; returns it and the bytes it used.
fn parse_one(data: &[u8], base: usize, depth: usize) -> Result<(Tlv<'_>, usize), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep { at: base });
    }
    let tag = *data.first().ok_or(TlvError::Truncated {
        at: base,
        needed: 1,
    })?;
    if tag & 0x1f == 0x1f {
        // High tag numbers appear in none of the formats we read.
        return Err(TlvError::Unexpected {
            at: base,
            expected: "a low-number tag",
            found: tag,
        });
    }
    let len0 = *data.get(1).ok_or(TlvError::Truncated {
        at: base + data.len(),
        needed: 1,
    })?;
    let (len, hdr): (Option<usize>, usize) = if len0 < 0x80 {
        (Some(len0 as usize), 2)
    } else if len0 == 0x80 {
        if tag & 0x20 == 0 {
            return Err(TlvError::BadLength { at: base + 1 });
        }
        (None, 2)
    } else {
        let n = (len0 & 0x7f) as usize;
        if n > 4 {
            return Err(TlvError::BadLength { at: base + 1 });
        }
        let bytes = data.get(2..2 + n).ok_or(TlvError::Truncated {
            at: base + data.len(),
            needed: 2 + n - data.len().min(2 + n),
        })?;
        let mut l = 0usize;
        for b in bytes {
            l = (l << 8) | *b as usize;
        }
        (Some(l), 2 + n)
    };
    match len {
        Some(l) => {
            let end = hdr
                .checked_add(l)
                .ok_or(TlvError::BadLength { at: base + 1 })?;
            if end > data.len() {
                return Err(TlvError::Truncated {
                    at: base + data.len(),
                    needed: end - data.len(),
                });
            }
            Ok((
                Tlv {
                    tag,
                    offset: base,
                    content_offset: base + hdr,
                    content: &data[hdr..end],
                    raw: &data[..end],
                    indefinite: false,
                },
                end,
            ))
        }
        None => {
            // Walk children until the end-of-contents marker.
            let mut pos = hdr;
            loop {
                let rest = data.get(pos..).unwrap_or_default();
                if rest.len() < 2 {
                    return Err(TlvError::Truncated {
                        at: base + data.len(),
                        needed: 2 - rest.len(),
                    });
                }
                if rest[0] == 0 && rest[1] == 0 {
                    let content = &data[hdr..pos];
                    return Ok((
                        Tlv {
                            tag,
                            offset: base,
                            content_offset: base + hdr,
                            content,
                            raw: &data[..pos + 2],
                            indefinite: true,
                        },
                        pos + 2,
                    ));
                }
                let (_, used) = parse_one(rest, base + pos, depth + 1)?;
                pos += used;
            }
        }
    }
}

/// Parses exactly one element spanning all of `data` (trailing bytes are an error).
pub fn parse_single(data: &[u8]) -> Result<Tlv<'_>, TlvError> {
    let mut r = Reader::new(data);
    let t = r.need("an ASN.1 element")?;
    Ok(t)
}

/// Encodes a DER length.
pub fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Encodes one DER element.
pub fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite() {
        let d = [0x30, 0x03, 0x02, 0x01, 0x05];
        let t = parse_single(&d).unwrap();
        assert_eq!(t.content, &[2, 1, 5]);
        let b = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x01, 0xaa, 0x04, 0x01, 0xbb, 0, 0, 0, 0,
        ];
        let t = parse_single(&b).unwrap();
        assert!(t.indefinite);
        let inner = t.children().next().unwrap().unwrap();
        assert_eq!(inner.octets().unwrap(), vec![0xaa, 0xbb]);
    }

    #[test]
    fn truncated_reports_offset() {
        let d = [0x30, 0x10, 0x02];
        assert!(matches!(
            parse_single(&d),
            Err(TlvError::Truncated { at: 3, .. })
        ));
    }

    #[test]
    fn der_len_long_form() {
        let mut v = Vec::new();
        der_len(300, &mut v);
        assert_eq!(v, vec![0x82, 0x01, 0x2c]);
    }
}
