//! Bytes that may not be UTF-8, as text.
//!
//! PostgreSQL treats config files as bytes. To keep values lossless in JSON, each byte of an
//! invalid UTF-8 sequence becomes a marker character (U+10FF80 + (byte − 0x80) for bytes
//! 0x80–0xFF); the JSON writer (`render::json_text`) prints markers as the lone surrogates
//! `\udc80`–`\udcff`, the convention of Python's `surrogateescape` (and of the oracle), and
//! displays for people show them as U+FFFD. The markers sit at the very end of the last
//! private-use plane, where real configuration text does not go.

/// The first marker character; marker `MARKER_BASE + (b - 0x80)` stands for byte `b`.
const MARKER_BASE: u32 = 0x10FF80;

/// Text from bytes: valid UTF-8 as is, every other byte as its marker.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            // Invalid bytes are always >= 0x80.
            out.push(
                char::from_u32(MARKER_BASE + u32::from(b.saturating_sub(0x80)))
                    .unwrap_or('\u{FFFD}'),
            );
        }
    }
    out
}

/// The byte a marker character stands for.
pub fn marker_byte(c: char) -> Option<u8> {
    let v = u32::from(c);
    (MARKER_BASE..=MARKER_BASE + 0x7F)
        .contains(&v)
        .then(|| (v - MARKER_BASE + 0x80) as u8)
}

/// Text for people: markers become U+FFFD.
pub fn for_display(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(|c| marker_byte(c).is_some()) {
        text.chars()
            .map(|c| {
                if marker_byte(c).is_some() {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_become_markers_and_back() {
        let text = escape_bytes(b"d\xe9b caf\xc3\xa9 \xff");
        let bytes: Vec<Option<u8>> = text.chars().map(marker_byte).collect();
        assert_eq!(bytes[1], Some(0xe9));
        assert_eq!(bytes.last(), Some(&Some(0xff)));
        assert!(text.contains("café"));
        assert_eq!(for_display(&text), "d\u{FFFD}b café \u{FFFD}");
    }
}
