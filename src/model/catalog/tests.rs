use super::*;

fn catalog(major: u8) -> &'static Catalog {
    match PgVersion::new(major) {
        Some(version) => Catalog::get(version),
        None => panic!("test uses an unsupported version {major}"),
    }
}

#[test]
fn every_data_line_becomes_a_parameter() {
    for version in PgVersion::ALL {
        let data_lines = settings_tsv(version)
            .lines()
            .filter(|line| !line.starts_with('#') && !line.starts_with("name\t"))
            .count();
        let listed = Catalog::get(version)
            .params()
            .filter(|param| param.is_listed_in_pg_settings())
            .count();
        assert_eq!(listed, data_lines, "version {version}");
    }
}

#[test]
fn parameter_counts_match_pg_settings_plus_no_show_all() {
    // pg_settings row counts of 12.22 … 18.4 plus the four GUC_NO_SHOW_ALL names.
    let expected = [(12, 316 + 4), (13, 331 + 4), (15, 353 + 4), (18, 398 + 4)];
    for (major, count) in expected {
        assert_eq!(catalog(major).params().count(), count, "version {major}");
    }
}

#[test]
fn lookup_folds_ascii_case_only() {
    let pg16 = catalog(16);
    for spelling in ["work_mem", "Work_Mem", "WORK_MEM"] {
        assert_eq!(
            pg16.lookup(spelling.as_bytes()).map(Param::name),
            Some("work_mem")
        );
    }
    assert_eq!(
        pg16.lookup(b"datestyle").map(Param::name),
        Some("DateStyle")
    );
    // 'K' in Kelvin sign or other non-ASCII letters are not folded.
    assert!(pg16.lookup("wor\u{212a}_mem".as_bytes()).is_none());
    assert!(pg16.lookup(b"work_mem ").is_none());
    assert!(pg16.lookup(b"").is_none());
    assert!(pg16.lookup(b"foo.bar").is_none());
}

#[test]
fn aliases_resolve_per_version() {
    for version in PgVersion::ALL {
        let catalog = Catalog::get(version);
        assert_eq!(
            catalog.lookup(b"SORT_MEM").map(Param::name),
            Some("work_mem")
        );
        assert_eq!(
            catalog.lookup(b"vacuum_mem").map(Param::name),
            Some("maintenance_work_mem")
        );
    }
    assert_eq!(
        catalog(18).lookup(b"ssl_ecdh_curve").map(Param::name),
        Some("ssl_groups")
    );
    assert_eq!(
        catalog(17).lookup(b"ssl_ecdh_curve").map(Param::name),
        Some("ssl_ecdh_curve")
    );
}

#[test]
fn names_differ_between_versions() {
    assert!(catalog(12).lookup(b"wal_keep_segments").is_some());
    assert!(catalog(13).lookup(b"wal_keep_segments").is_none());
    assert!(catalog(12).lookup(b"max_slot_wal_keep_size").is_none());
    assert!(catalog(13).lookup(b"max_slot_wal_keep_size").is_some());
    assert!(catalog(16).lookup(b"allow_alter_system").is_none());
    assert!(catalog(17).lookup(b"allow_alter_system").is_some());
}

#[test]
fn no_show_all_parameters_are_known() {
    for version in PgVersion::ALL {
        let catalog = Catalog::get(version);
        for name in ["is_superuser", "role", "seed", "session_authorization"] {
            let param = catalog.lookup(name.as_bytes());
            assert!(
                param.is_some_and(|p| !p.is_listed_in_pg_settings()),
                "{name} in {version}"
            );
        }
        assert!(
            catalog
                .lookup(b"is_superuser")
                .is_some_and(Param::is_internal)
        );
    }
}

#[test]
fn metadata_comes_from_pg_settings() {
    let pg16 = catalog(16);
    let Some(work_mem) = pg16.lookup(b"work_mem") else {
        panic!("work_mem missing")
    };
    assert_eq!(work_mem.vartype(), VarType::Integer);
    assert_eq!(work_mem.unit(), Some(Unit::Kilobytes));
    assert_eq!(work_mem.integer_range(), Some((64, 2147483647)));
    assert_eq!(work_mem.boot_value(), Some("4096"));
    assert_eq!(work_mem.context(), Context::User);
    let Some(shared_buffers) = pg16.lookup(b"shared_buffers") else {
        panic!("shared_buffers missing")
    };
    assert_eq!(shared_buffers.unit(), Some(Unit::Blocks8k));
    assert_eq!(shared_buffers.context(), Context::Postmaster);
    let Some(random_page_cost) = pg16.lookup(b"random_page_cost") else {
        panic!("random_page_cost missing")
    };
    assert_eq!(random_page_cost.real_range(), Some((0.0, f64::MAX)));
    assert!(pg16.lookup(b"block_size").is_some_and(Param::is_internal));
}

#[test]
fn enum_tables_include_hidden_entries() {
    let pg16 = catalog(16);
    let Some(wal_level) = pg16.lookup(b"wal_level") else {
        panic!("wal_level missing")
    };
    let visible: Vec<_> = wal_level.visible_enum_values().collect();
    assert_eq!(visible, ["minimal", "replica", "logical"]);
    assert_eq!(
        wal_level.enum_option(b"HOT_STANDBY").map(|o| o.canonical),
        Some("replica")
    );
    assert_eq!(
        wal_level.enum_option(b"archive").map(|o| o.hidden),
        Some(true)
    );
    let Some(isolation) = pg16.lookup(b"default_transaction_isolation") else {
        panic!("default_transaction_isolation missing")
    };
    assert!(isolation.enum_option(b"Repeatable Read").is_some());
    let Some(max_protocol) = pg16.lookup(b"ssl_max_protocol_version") else {
        panic!("ssl_max_protocol_version missing")
    };
    assert!(max_protocol.enum_option(b"").is_some());
    let password = |major| {
        catalog(major)
            .lookup(b"password_encryption")
            .and_then(|p| p.enum_option(b"on"))
            .map(|o| o.canonical)
    };
    assert_eq!(password(13), Some("md5"));
    assert_eq!(password(14), None);
}
