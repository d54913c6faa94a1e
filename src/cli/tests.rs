use super::*;

fn run_args(args: &[&str]) -> (ExitStatus, String, String) {
    let cli = Cli::try_parse_from(std::iter::once("pgconf").chain(args.iter().copied()))
        .expect("valid arguments");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = run(&cli, &mut out, &mut err).expect("in-memory writers do not fail");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf8");
    (status, text(out), text(err))
}

#[test]
fn clap_definition_is_consistent() {
    use clap::CommandFactory;
    Cli::command().debug_assert();
}

#[test]
fn rules_table_and_json() {
    let (status, out, _) = run_args(&["rules"]);
    assert_eq!(status, ExitStatus::Success);
    assert!(out.starts_with("CODE    NAME"), "{out}");
    assert_eq!(out.lines().count(), crate::rules::RULES.len() + 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("PG6005  cdc-hba-access") && l.contains("error")),
        "{out}"
    );

    let (_, out, _) = run_args(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["rules"].as_array().map(Vec::len),
        Some(crate::rules::RULES.len())
    );
    assert_eq!(v["rules"][0]["code"], "PG1001");
    assert_eq!(v["rules"][0]["suppressible"], false);
    assert!(
        v["rules"][0]["explanation"]
            .as_str()
            .is_some_and(|s| s.starts_with("# PG1001"))
    );
}

#[test]
fn explain_by_code_and_name_and_unknown() {
    let (status, out, _) = run_args(&["explain", "pg2003"]);
    assert_eq!(status, ExitStatus::Success);
    assert!(out.starts_with("# PG2003 duplicate-setting"), "{out}");
    let (_, by_name, _) = run_args(&["explain", "duplicate-setting"]);
    assert_eq!(by_name, out);
    let (status, out, err) = run_args(&["explain", "duplicate-settings"]);
    assert_eq!(status, ExitStatus::Error);
    assert!(out.is_empty());
    assert!(err.contains("did you mean `duplicate-setting`?"), "{err}");
}

#[test]
fn regions_listing_filter_and_unknown() {
    let (status, out, _) = run_args(&["regions"]);
    assert_eq!(status, ExitStatus::Success);
    assert_eq!(out.lines().count(), 178 + 1);
    let (_, out, _) = run_args(&["regions", "ap-southeast-3"]);
    assert_eq!(out.lines().count(), 7, "{out}");
    assert!(
        out.contains("15.232.6.147") && !out.contains("16.78.153.162"),
        "{out}"
    );
    let (_, out, _) = run_args(&["regions", "ap-southeast-3", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["regions"][0]["ips"].as_array().map(Vec::len), Some(6));
    assert_eq!(v["stale"].as_array().map(Vec::len), Some(3));
    let (status, _, err) = run_args(&["regions", "eu-central1"]);
    assert_eq!(status, ExitStatus::Error);
    assert!(err.contains("did you mean `eu-central-1`?"), "{err}");
}

#[test]
fn help_has_examples() {
    use clap::CommandFactory;
    for sub in ["rules", "explain", "regions"] {
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut(sub)
            .expect("subcommand")
            .render_long_help()
            .to_string();
        assert!(help.contains("Examples:"), "{sub}: {help}");
    }
}
