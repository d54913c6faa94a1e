//! Family 1: what the server's parsers reject. Not suppressible.

pub mod conf_syntax_error;
