//! Edit builders: pure functions from the model to the edits a person would make (where a
//! setting goes, where a pg_hba record takes effect). Rules attach them to findings as fixes;
//! the editor commands apply them directly. They never touch the disk.

pub mod hba_insert;
pub mod placement;
