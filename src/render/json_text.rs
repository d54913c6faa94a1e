//! Pretty JSON whose strings are lossless for bytes that are not UTF-8: the marker
//! characters of [`crate::source::text`] are written as the lone surrogates `\udc80`–`\udcff`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::source::text::marker_byte;

/// Writes `value` as pretty-printed JSON followed by a newline.
pub fn write_pretty<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(&mut *out, SurrogateEscape(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::other)?;
    writeln!(out)
}

/// `PrettyFormatter`, with markers written as `\udcXX` escapes.
struct SurrogateEscape<'a>(PrettyFormatter<'a>);

impl Formatter for SurrogateEscape<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Markers are not ASCII: most strings are, and need no scan char by char.
        if fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| marker_byte(c).is_some()) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\udc{:02x}", marker_byte(c).unwrap_or(0xff))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::text::escape_bytes;

    #[test]
    fn markers_are_written_as_lone_surrogates() {
        let mut out = Vec::new();
        write_pretty(&mut out, &[escape_bytes(b"d\xe9b \"q\"")]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\n  \"d\\udce9b \\\"q\\\"\"\n]\n"
        );
    }
}
