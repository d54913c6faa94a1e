use super::*;
use crate::diagnostic::{Severity, Sources};
use crate::rules::{RuleSelection, RuleSelector};

struct One(SourceFile);

impl Sources for One {
    fn source(&self, path: &Path) -> Option<&SourceFile> {
        (self.0.path() == path).then_some(&self.0)
    }
}

fn file(text: &str) -> SourceFile {
    SourceFile::new("/p/postgresql.conf", text.as_bytes().to_vec())
}

fn diag(code: &str, source: &SourceFile, needle: &str) -> Diagnostic {
    let at = source
        .bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("needle in text") as u32;
    rule_diagnostic(
        code,
        source.path(),
        Span::new(at, at + needle.len() as u32),
        format!("{code} here"),
    )
}

fn suppressions(source: &SourceFile) -> FileSuppressions {
    FileSuppressions::for_conf(source, &ConfFile::parse(source))
}

fn run(source: &SourceFile, diags: Vec<Diagnostic>) -> Vec<(String, String)> {
    let s = suppressions(source);
    apply(diags, &[s], &RuleSelection::default(), &One(source.clone()))
        .into_iter()
        .map(|d| {
            let text = String::from_utf8_lossy(source.slice(d.primary.span)).into_owned();
            (d.code.to_string(), text)
        })
        .collect()
}

fn parse(text: &str) -> (Option<Directive>, Vec<String>) {
    let (d, problems) = parse_comment(
        Path::new("/f"),
        text.as_bytes(),
        Span::new(100, 100 + text.len() as u32),
    );
    (
        d,
        problems
            .into_iter()
            .map(|p| format!("{} {}", p.code, p.message))
            .collect(),
    )
}

#[test]
fn parses_directives_with_codes_names_and_reasons() {
    let (d, problems) = parse("# pgconf: ignore=PG2003, duplicate-setting,PG4004 -- on purpose ");
    assert!(problems.is_empty(), "{problems:?}");
    let d = d.expect("directive");
    assert_eq!(d.scope, Scope::Line);
    let codes: Vec<_> = d.codes.iter().map(|(r, _)| RULES[*r].code).collect();
    assert_eq!(codes, ["PG2003", "PG2003", "PG4004"]);
    assert_eq!(d.codes[0].1, Span::new(117, 123));
    assert_eq!(d.reason.as_deref(), Some("on purpose"));
    assert_eq!(
        parse("#pgconf:ignore-next-line=PG4004").0.map(|d| d.scope),
        Some(Scope::NextLine)
    );
    assert_eq!(
        parse("## pgconf: ignore-file = pg5002\r")
            .0
            .map(|d| d.scope),
        Some(Scope::File)
    );
    assert_eq!(
        parse("# an ordinary comment about pgconf: things"),
        (None, vec![])
    );
}

#[test]
fn malformed_directives_are_pg9001() {
    let (d, p) = parse("# pgconf: disable=PG2003");
    assert!(d.is_none());
    assert_eq!(
        p,
        [
            "PG9001 unknown pgconf directive `disable`: expected `ignore=`, `ignore-next-line=` or `ignore-file=`"
        ]
    );
    let (_, p) = parse("# pgconf: ignore");
    assert_eq!(
        p,
        ["PG9001 `ignore` needs the rules to ignore: `ignore=CODE`"]
    );
    let (_, p) = parse("# pgconf: ignore= -- why");
    assert!(p[0].contains("no rule named"), "{p:?}");
    let (d, p) = parse("# pgconf: ignore=PG2030,PG1001,PG2003");
    assert_eq!(d.map(|d| d.codes.len()), Some(1));
    assert_eq!(p.len(), 2);
    assert!(
        p[0].contains("unknown rule `PG2030`") && p[0].contains("did you mean `PG2003`"),
        "{p:?}"
    );
    assert!(
        p[1].contains("PG1001 (conf-syntax-error) cannot be suppressed"),
        "{p:?}"
    );
}

#[test]
fn line_next_line_and_file_scopes() {
    let text = "\
a = 1   # pgconf: ignore=PG2003
# pgconf: ignore-next-line=PG2001

# other comment
b = 2
c = 3
";
    let source = file(text);
    let out = run(
        &source,
        vec![
            diag("PG2003", &source, "a = 1"),
            diag("PG2001", &source, "b = 2"),
            diag("PG2001", &source, "c = 3"),
            diag("PG2004", &source, "a = 1"),
        ],
    );
    assert_eq!(
        out,
        [
            ("PG2001".into(), "c = 3".into()),
            ("PG2004".into(), "a = 1".into())
        ]
    );

    let source = file("# pgconf: ignore-file=PG5002 -- generated\na = 1\n");
    assert_eq!(run(&source, vec![diag("PG5002", &source, "a = 1")]), []);
}

#[test]
fn syntax_errors_are_never_silenced() {
    let source = file("a b c  # pgconf: ignore-file=PG2003\n");
    let out = run(
        &source,
        vec![diag("PG1001", &source, "b"), diag("PG2003", &source, "a")],
    );
    assert_eq!(out, [("PG1001".into(), "b".into())]);
}

#[test]
fn unused_codes_are_pg9002_with_fixes() {
    let text =
        "a = 1   # pgconf: ignore=PG2003,PG2004 -- x\n# pgconf: ignore-next-line=PG2001\r\nb = 2\n";
    let source = file(text);
    let s = suppressions(&source);
    let out = apply(
        vec![diag("PG2003", &source, "a = 1")],
        &[s],
        &RuleSelection::default(),
        &One(source.clone()),
    );
    assert_eq!(out.len(), 2, "{out:#?}");
    let fixed = |d: &Diagnostic| {
        let fix = d.fix.as_ref().expect("fix");
        assert_eq!(fix.applicability, crate::diagnostic::Applicability::Safe);
        let mut bytes = source.bytes().to_vec();
        let e = &fix.edits[0];
        bytes.splice(e.span.range(), e.replacement.iter().copied());
        String::from_utf8(bytes).expect("utf8")
    };
    assert_eq!(out[0].code, "PG9002");
    assert_eq!(source.slice(out[0].primary.span), b"PG2004");
    assert_eq!(
        fixed(&out[0]),
        "a = 1   # pgconf: ignore=PG2003 -- x\n# pgconf: ignore-next-line=PG2001\r\nb = 2\n"
    );
    assert_eq!(source.slice(out[1].primary.span), b"PG2001");
    assert_eq!(
        fixed(&out[1]),
        "a = 1   # pgconf: ignore=PG2003,PG2004 -- x\nb = 2\n"
    );

    let source = file("a = 1   # pgconf: ignore=PG2003\n");
    let s = suppressions(&source);
    let out = apply(
        vec![],
        &[s],
        &RuleSelection::default(),
        &One(source.clone()),
    );
    let e = &out[0].fix.as_ref().expect("fix").edits[0];
    assert_eq!(e.span, Span::new(5, 31));
}

#[test]
fn unused_is_not_reported_for_rules_that_did_not_run_and_can_itself_be_ignored() {
    let source = file("a = 1   # pgconf: ignore=PG2003\n");
    let ignore: Vec<RuleSelector> = vec!["PG2003".parse().expect("selector")];
    let selection = RuleSelection::new(&[], &ignore, &[], &[], Path::new("/")).expect("selection");
    let out = apply(
        vec![],
        &[suppressions(&source)],
        &selection,
        &One(source.clone()),
    );
    assert!(out.is_empty(), "{out:#?}");

    let source = file("# pgconf: ignore-file=PG9002\na = 1   # pgconf: ignore=PG2003\n");
    assert_eq!(run(&source, vec![]), []);

    let sev = vec![("PG9".parse().expect("selector"), Severity::Error)];
    let selection = RuleSelection::new(&[], &[], &sev, &[], Path::new("/")).expect("selection");
    let source = file("a = 1 # pgconf: ignore=nope\n");
    let out = apply(
        vec![],
        &[suppressions(&source)],
        &selection,
        &One(source.clone()),
    );
    assert_eq!((out[0].code, out[0].severity), ("PG9001", Severity::Error));
}
