//! Family 6: whether the server can be a ClickPipes (logical replication) CDC source.

pub mod hba_access;
pub mod listen_addresses;
pub mod max_replication_slots;
pub mod max_wal_senders;
pub mod password_encryption;
pub mod server_version;
pub mod setting;
pub mod slot_wal_keep_size;
pub mod ssl;
pub mod wal_level;
