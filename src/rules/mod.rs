//! The rules: a static, sorted registry of every rule's metadata ([`RULES`]), the selection
//! of which rules run and how loudly ([`RuleSelection`]), and the checks ([`CHECKS`]), one
//! file per rule in a family folder. Checks are pure: they read a loaded [`Server`] and the
//! [`Settings`], and report through a [`Reporter`]; they never do I/O.

mod checks;
mod registry;
mod selection;
mod setting_index;

pub mod cdc;
pub mod conf;
pub mod hba;
pub mod include;
pub mod meta;
pub mod style;
pub mod syntax;

use std::cell::{OnceCell, RefCell};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

pub use checks::{CHECKS, Check};
pub use registry::{
    DOCS_BASE_URL, Family, FixAvailability, RULES, RuleMeta, did_you_mean, find_rule, rule_index,
};
pub use selection::{RuleSelection, RuleSelector, SelectionError, UnknownSelector};
pub use setting_index::{SettingEntry, SettingIndex};

use crate::diagnostic::Diagnostic;
use crate::lint::Reporter;
use crate::lint::server::Server;
use crate::model::hba::{AuthMethod, ConnType, HbaAddress, HbaFile};
use crate::settings::Settings;

/// What a check sees.
pub struct Context<'a> {
    pub server: &'a Server,
    pub settings: &'a Settings,
    /// Built on first use: not every selection runs a rule that reads settings.
    setting_index: OnceCell<Option<SettingIndex<'a>>>,
    /// Built on first use, like the setting index.
    hba_uses: OnceCell<HbaUses>,
    /// The paths findings have pointed to so far, one allocation each (see [`Self::path`]).
    /// A `RefCell` is enough: a context serves one server's checks, run in turn on one thread.
    paths: RefCell<Vec<Arc<Path>>>,
}

impl<'a> Context<'a> {
    pub fn new(server: &'a Server, settings: &'a Settings) -> Self {
        Self {
            server,
            settings,
            setting_index: OnceCell::new(),
            hba_uses: OnceCell::new(),
            paths: RefCell::new(Vec::new()),
        }
    }

    /// `path`, shared: every finding about a file holds the same allocation. A big file's
    /// 30,000 findings each name a file two or three times (primary and secondary labels,
    /// edits), and copies of paths were more than half of a finding's allocations. A server
    /// has a handful of files, so a short list is all the lookup needs.
    pub fn path(&self, path: &Path) -> Arc<Path> {
        let mut paths = self.paths.borrow_mut();
        let bytes = path.as_os_str().as_encoded_bytes();
        // A path that already is one of these (a check passing back `Reporter::file`)
        // needs no comparison.
        let same = |p: &Arc<Path>| {
            let known = p.as_os_str().as_encoded_bytes();
            std::ptr::eq(known, bytes) || known == bytes
        };
        if let Some(known) = paths.iter().find(|p| same(p)) {
            return Arc::clone(known);
        }
        let shared: Arc<Path> = Arc::from(path);
        paths.push(Arc::clone(&shared));
        shared
    }

    /// The server's postgresql.conf settings with their parameters; `None` without a
    /// postgresql.conf.
    pub fn setting_index(&self) -> Option<&SettingIndex<'a>> {
        self.setting_index
            .get_or_init(|| self.server.conf.as_ref().map(SettingIndex::new))
            .as_ref()
    }

    /// What the server's pg_hba.conf records use (methods, connection types, kinds of
    /// address): see [`HbaUses`].
    pub fn hba_uses(&self) -> HbaUses {
        *self.hba_uses.get_or_init(|| {
            self.server
                .hba
                .as_ref()
                .map_or_else(HbaUses::default, HbaUses::of)
        })
    }

    /// A reporter for rule `code` about `file`. Codes are the registry's own constants, so a
    /// missing one is a bug caught by the registry tests.
    pub fn reporter<'o>(
        &self,
        code: &'static str,
        file: &'o Path,
        out: &'o mut Vec<Diagnostic>,
    ) -> Reporter<'o> {
        let meta = find_rule(code).unwrap_or(&RULES[0]);
        Reporter::new(meta, self.path(file), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::server::ServerFiles;
    use crate::model::fs::MemFs;
    use crate::model::version::PgVersion;

    #[test]
    fn equal_paths_are_one_allocation() {
        let server = Server::load(
            &MemFs::new(),
            ServerFiles::default(),
            PgVersion::NEWEST,
            true,
        );
        let settings = Settings::default();
        let ctx = Context::new(&server, &settings);
        let a = ctx.path(&std::path::PathBuf::from("/p/a.conf"));
        let b = ctx.path(Path::new("/p/b.conf"));
        assert!(Arc::ptr_eq(&a, &ctx.path(Path::new("/p/a.conf"))));
        assert!(Arc::ptr_eq(&a, &ctx.path(&a)));
        assert!(Arc::ptr_eq(&b, &ctx.path(Path::new("/p/b.conf"))));
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(*b, *Path::new("/p/b.conf"));
    }
}

/// Which authentication methods, connection types and kinds of address a server's pg_hba
/// records use, found in one walk of them ([`Context::hba_uses`]). Several rules are about
/// something few files have (`trust`, `password`, `md5`, `hostnossl`, a zero mask, host bits
/// beyond the mask): each asks this before its own walk, so that a big file that has none of
/// them is walked once for all, not once per rule.
#[derive(Debug, Default, Clone, Copy)]
pub struct HbaUses {
    /// Bit `m as u32` for each method `m` used.
    methods: u32,
    /// Bit `t as u32` for each connection type `t` used.
    conn_types: u32,
    /// An address of `all`, or an IP address with a zero mask.
    every_address: bool,
    /// An IP address with bits set beyond its mask.
    host_bits: bool,
}

// A method and a connection type are each a bit of a `u32` (the last variants of each today).
const _: () = assert!(AuthMethod::OAuth as u32 <= 31 && ConnType::HostNoGssEnc as u32 <= 31);

impl HbaUses {
    fn of(hba: &HbaFile) -> Self {
        // Everything in locals, kept in registers, and an IPv4 address (nearly every record
        // of a big file) read from the record in place as two integers, folded (the least
        // mask, the host bits ORed) and told at the end.
        let (mut methods, mut conn_types) = (0, 0);
        let (mut v4_least_mask, mut v4_host_bits) = (u32::MAX, 0);
        let (mut every_address, mut host_bits) = (false, false);
        for r in hba.records() {
            methods |= 1 << r.method as u32;
            conn_types |= 1 << r.conn_type as u32;
            match r.ipv4_network() {
                Some((addr, mask)) => {
                    v4_least_mask = v4_least_mask.min(mask);
                    v4_host_bits |= addr & !mask;
                }
                None => {
                    let (every, bits) = Self::other_address(hba.address(r));
                    every_address |= every;
                    host_bits |= bits;
                }
            }
        }
        HbaUses {
            methods,
            conn_types,
            every_address: every_address || v4_least_mask == 0,
            host_bits: host_bits || v4_host_bits != 0,
        }
    }

    /// For an address that is not an IPv4 address and mask (or none, `local`): whether it
    /// admits every address, and whether it has bits set beyond its mask.
    #[cold]
    fn other_address(address: Option<HbaAddress<'_>>) -> (bool, bool) {
        match address {
            Some(HbaAddress::All) => (true, false),
            Some(HbaAddress::Ip { addr, mask }) => {
                let (addr, mask) = match (addr, mask) {
                    (IpAddr::V4(a), IpAddr::V4(m)) => {
                        (u128::from(u32::from(a)), u128::from(u32::from(m)))
                    }
                    (IpAddr::V6(a), IpAddr::V6(m)) => (u128::from(a), u128::from(m)),
                    _ => return (false, false),
                };
                (mask == 0, addr & !mask != 0)
            }
            _ => (false, false),
        }
    }

    /// Whether some record's address is `all`, or an IP address with a zero mask.
    pub fn every_address(self) -> bool {
        self.every_address
    }

    /// Whether some record's IP address has bits set beyond its mask.
    pub fn host_bits(self) -> bool {
        self.host_bits
    }

    /// Whether some record uses one of `methods`.
    pub fn any_method(self, methods: &[AuthMethod]) -> bool {
        methods.iter().any(|&m| self.methods & 1 << m as u32 != 0)
    }

    /// Whether some record is of type `conn_type`.
    pub fn conn_type(self, conn_type: ConnType) -> bool {
        self.conn_types & 1 << conn_type as u32 != 0
    }
}
