//! Family 6: whether the server can be a ClickPipes (logical replication) CDC source.

pub mod wal_level;
