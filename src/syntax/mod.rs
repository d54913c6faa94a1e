//! Lossless syntax trees. This layer knows only PostgreSQL's lexical grammar: every byte of a
//! file belongs to exactly one leaf, so printing a tree gives the input back unchanged, and a
//! line the server would reject becomes an invalid node rather than an error.

pub mod auth;
pub mod conf;
