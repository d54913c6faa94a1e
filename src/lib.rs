//! pgconf reads PostgreSQL's configuration files exactly as a server of a given major version
//! (12–18) reads them, keeps every byte so that edits stay minimal, and checks the result.
//!
//! Layers follow the data and never point back up (see `ARCHITECTURE.md`):
//! [`source`] (bytes, spans) → [`syntax`] (lossless trees) → [`model`] (includes, effective
//! values, the parameter catalog, typed hba records) → [`rules`] (registry, selection) and
//! [`lint`] (reporter, inline suppression) → [`render`] (human, concise, json, sarif, github)
//! → [`cli`]. [`settings`] resolves `pgconf.toml` and the command line into one value.
//! The library never prints; the command line hands it writers.

#![deny(clippy::print_stdout, clippy::print_stderr)]
// No unsafe code but the binary's allocator (`alloc`) and the mapping of big input files
// (`source::FileBytes`), which have to call mmap.
#![deny(unsafe_code)]

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub mod alloc;
pub mod cli;
pub mod diagnostic;
pub mod edits;
pub mod fix;
pub mod lint;
pub mod model;
pub mod render;
pub mod rules;
pub mod settings;
pub mod source;
pub mod syntax;
#[cfg(test)]
mod testing;
