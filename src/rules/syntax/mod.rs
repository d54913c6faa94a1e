//! Family 1: what the server's parsers reject. Not suppressible.

pub mod conf_syntax_error;
pub mod hba_invalid_line;
pub mod ident_invalid_line;
