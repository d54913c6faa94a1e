//! What the files mean: includes and the order a server reads them in, the parameter catalog of
//! each major version, values as the server normalises them, typed pg_hba / pg_ident records.

pub mod catalog;
pub mod clickpipes;
pub mod config_set;
pub mod fs;
pub mod hba;
pub mod ident;
pub mod paths;
pub mod value;
pub mod version;
