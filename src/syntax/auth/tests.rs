use super::*;

/// Per line, per field, the (text, quoted) of each token.
type Fields = Vec<Vec<Vec<(Vec<u8>, bool)>>>;

fn lines_of(input: &[u8], major: u8) -> (AuthLines, Fields) {
    let file = AuthFile::parse(input);
    let v = PgVersion::new(major).expect("test versions are 12..=18");
    let lines = AuthLines::build(&file, input, TokenizeRules::for_version(v));
    let fields = (0..lines.lines.len())
        .map(|l| {
            lines
                .fields_of(l)
                .map(|f| {
                    lines
                        .tokens_of(&f)
                        .iter()
                        .map(|t| (lines.text(t, input).to_vec(), t.quoted))
                        .collect()
                })
                .collect()
        })
        .collect();
    (lines, fields)
}

fn texts(input: &[u8], major: u8) -> Vec<Vec<Vec<String>>> {
    lines_of(input, major)
        .1
        .into_iter()
        .map(|l| {
            l.into_iter()
                .map(|f| {
                    f.into_iter()
                        .map(|(t, _)| String::from_utf8_lossy(&t).into_owned())
                        .collect()
                })
                .collect()
        })
        .filter(|l: &Vec<Vec<String>>| !l.is_empty())
        .collect()
}

#[test]
fn printing_gives_the_input_back() {
    let inputs: [&[u8]; 8] = [
        b"",
        b"local all all trust",
        b"\xef\xbb\xbflocal all all trust\r\n\r\n",
        b"a\rb\n\n\r\n\xff\xfe\x00 x\\\n",
        b"\n\n\n",
        b"local \"a\\\nb\" all trust\n",
        b"\r",
        b"x\r\r\n",
    ];
    for input in inputs {
        let file = AuthFile::parse(input);
        assert_eq!(file.print(input), input);
        for major in [12, 14, 16] {
            // Logical lines never panic and their spans stay inside the file.
            let (lines, _) = lines_of(input, major);
            for t in &lines.tokens {
                assert!(t.span.end as usize <= input.len() && t.span.start <= t.span.end);
            }
        }
    }
}

/// Oracle (12–18): `db1, db2` is one field; `db1 ,db2` is two; `,db1` and `db1,,db2` skip
/// the empty items.
#[test]
fn commas_and_blanks_make_fields() {
    assert_eq!(
        texts(b"local db1, db2 all trust\n", 16),
        vec![vec![
            vec!["local"],
            vec!["db1", "db2"],
            vec!["all"],
            vec!["trust"]
        ]]
    );
    assert_eq!(
        texts(b"local db1 ,db2 all trust\n", 16),
        vec![vec![
            vec!["local"],
            vec!["db1"],
            vec!["db2"],
            vec!["all"],
            vec!["trust"]
        ]]
    );
    assert_eq!(
        texts(b"local db1,,db2 all trust,\n", 12)[0][1],
        vec!["db1", "db2"]
    );
}

/// Oracle: `a"b c"d` gives `ab cd`; only a token that starts with `"` is quoted; `""` is an
/// empty quoted token; an unterminated quote eats the rest of the line.
#[test]
fn quotes() {
    let (_, f) = lines_of(b"local a\"b c\"d \"all\" al\"l\" \"\" \"x y\n", 16);
    let toks: Vec<(String, bool)> = f[0]
        .iter()
        .map(|f| (String::from_utf8_lossy(&f[0].0).into_owned(), f[0].1))
        .collect();
    assert_eq!(
        toks,
        vec![
            ("local".into(), false),
            ("ab cd".into(), false),
            ("all".into(), true),
            ("all".into(), false),
            ("".into(), true),
            ("x y".into(), true),
        ]
    );
    assert_eq!(texts(b"local \"a\"\"b\" x\n", 16)[0][1], vec!["a\"b"]);
}

/// Oracle: `#` ends the line even mid-token; VT is a token character, CR a blank.
#[test]
fn comments_and_odd_blanks() {
    let (lines, f) = lines_of(b"local a#b all trust\n", 16);
    assert_eq!(f[0].len(), 2);
    assert_eq!(lines.lines[0].comment(), Some(Span::new(7, 19)));
    assert_eq!(lines.tokens[1].span, Span::new(6, 7));
    assert_eq!(
        texts(b"local\x0ball all\rtrust\n", 16)[0],
        vec![vec!["local\x0ball"], vec!["all"], vec!["trust"]]
    );
}

/// Oracle: continuation joins lines in 14+ (inside quotes too, and `\\` keeps one
/// backslash); 12–13 read the backslash as a token character.
#[test]
fn continuation_is_14_plus() {
    let input = b"local all all \\\n  trust\nlocal all \\\\\nall trust\n";
    let (lines, _) = lines_of(input, 14);
    assert_eq!(
        texts(input, 14)[0],
        vec![vec!["local"], vec!["all"], vec!["all"], vec!["trust"]]
    );
    assert_eq!(texts(input, 14)[1][2], vec!["\\all"]);
    assert_eq!(
        lines
            .lines
            .iter()
            .map(|l| l.line_number)
            .collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(lines.joints, vec![Span::new(14, 16), Span::new(35, 37)]);
    assert_eq!(texts(input, 13)[0][3], vec!["\\"]);
    assert_eq!(texts(b"local \"a\\\nb\" all trust\n", 14)[0][1], vec!["ab"]);
    // A token across a joint keeps the raw span of both pieces.
    let (l2, _) = lines_of(b"local \"a\\\nb\" all trust\n", 14);
    assert_eq!(l2.tokens[1].span, Span::new(6, 12));
}

/// Oracle (12.22, 13.23): 20478 bytes with the LF are fine, 20479 are "line too long" and the
/// rest is read as a further line.
#[test]
fn line_limit_12_13() {
    let mut ok = b"local all all trust".to_vec();
    ok.resize(20477, b' ');
    ok.push(b'\n');
    let (l, _) = lines_of(&ok, 12);
    assert_eq!(l.error(0), None);
    let mut long = ok.clone();
    long.insert(0, b' ');
    let (l, _) = lines_of(&long, 13);
    assert_eq!(l.error(0), Some(TokenizeError::LineTooLong));
    assert_eq!(l.lines.len(), 1, "the LF was the 20479th byte");
    long.extend_from_slice(b"x\n");
    long.insert(0, b' ');
    let (l, _) = lines_of(&long, 13);
    assert_eq!(
        l.lines.len(),
        3,
        "the rest of the physical line is a further line"
    );
    assert_eq!(l.lines[1].line_number, 2);
    let (l, _) = lines_of(&long, 14);
    assert_eq!(l.error(0), None);
}

/// Oracle (12.22–15.18): a 10239-byte token is fine, 10240 bytes is "token too long"; 16+
/// have no limit.
#[test]
fn token_limit_12_15() {
    let mk = |n: usize| {
        let mut v = b"local ".to_vec();
        v.extend(std::iter::repeat_n(b'a', n));
        v.extend_from_slice(b" all trust\n");
        v
    };
    assert_eq!(lines_of(&mk(10239), 15).0.error(0), None);
    assert_eq!(
        lines_of(&mk(10240), 15).0.error(0),
        Some(TokenizeError::TokenTooLong)
    );
    assert_eq!(lines_of(&mk(10240), 16).0.error(0), None);
    for n in [10238, 10241, 20478, 20479, 20480] {
        let expected = (n >= 10240).then_some(TokenizeError::TokenTooLong);
        assert_eq!(lines_of(&mk(n), 15).0.error(0), expected, "{n}");
    }
}

#[test]
fn a_long_token_is_scanned_once() {
    // The fast path used to take nothing once a run reached the limit, so each of the next
    // 10239 bytes rescanned the whole run: minutes for a 10 MB token in 12–15.
    let mut line = b"host all ".to_vec();
    line.extend(std::iter::repeat_n(b'u', 4 << 20));
    line.extend_from_slice(b" 127.0.0.1/32 trust\n");
    let started = std::time::Instant::now();
    assert_eq!(
        lines_of(&line, 15).0.error(0),
        Some(TokenizeError::TokenTooLong)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// Random byte strings over an alphabet weighted towards the bytes the word-at-a-time scans
/// treat specially, with their per-byte definitions as the reference.
#[test]
fn word_scans_match_their_per_byte_definitions() {
    const ALPHABET: &[u8] = b"  ,\t\r#\"+$!*-./0az\x00\x7f\x80\xff\xac\xa0";
    let mut next = crate::testing::xorshift64(0x9e37_79b9_7f4a_7c15u64);
    for _ in 0..200_000 {
        let len = (next() % 48) as usize;
        let run_of = next() % 4;
        // Long runs of one byte, as padded columns and long words have (the scans read 16
        // bytes at a time).
        let run_byte = if next() & 1 == 0 { b' ' } else { b'a' };
        let bytes: Vec<u8> = (0..len)
            .map(|_| match next() % 4 {
                r if r < run_of => run_byte,
                _ => ALPHABET[(next() % ALPHABET.len() as u64) as usize],
            })
            .collect();
        for p in 0..=bytes.len() {
            // The scans take an offset: from each one, as a reader calls them.
            let spaces = bytes[p..].iter().take_while(|&&c| c == b' ').count();
            assert_eq!(spaces_end(&bytes, p), p + spaces, "{bytes:?} {p}");
            let run = bytes[p..]
                .iter()
                .position(|&c| SPECIAL[c as usize])
                .unwrap_or(bytes.len() - p);
            assert_eq!(ordinary_end(&bytes, p), p + run, "{bytes:?} {p}");
            let mut q = p;
            while q < bytes.len() && (is_blank(bytes[q]) || bytes[q] == b',') {
                q += 1;
            }
            assert_eq!(skip_separators(&bytes, p), q, "{bytes:?} {p}");
        }
    }
}

/// The physical lines found from a line index are those a split at each LF finds.
#[test]
fn lines_from_the_line_index_are_the_lines_split_at_lf() {
    let inputs: [&[u8]; 10] = [
        b"",
        b"\n",
        b"\r\n",
        b"a",
        b"a\n",
        b"a\r\nb",
        b"\r\r\n\n\rx\r",
        b"local all all trust\r\nhost all all 127.0.0.1/32 md5\n\n",
        b"\x00\n\xff\r",
        b"x\\\r\n y",
    ];
    for input in inputs {
        let mut expected = Vec::new();
        let mut start = 0;
        while start < input.len() {
            let lf = input[start..]
                .iter()
                .position(|&c| c == b'\n')
                .map(|i| start + i);
            let end = lf.unwrap_or(input.len());
            let content_end = if lf.is_some() && end > start && input[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            let next = lf.map_or(input.len(), |lf| lf + 1);
            expected.push(PhysLine {
                content: span(start, content_end),
                ending: span(content_end, next),
            });
            start = next;
        }
        assert_eq!(AuthFile::parse(input).lines, expected, "{input:?}");
    }
}

/// Lines without `"` are read by `plain_tokens`: it must give what the byte loop gives, on
/// every version's rules and on short limits that lines reach.
#[test]
fn plain_lines_read_as_the_byte_loop_reads_them() {
    const ALPHABET: &[u8] = b"   \t\r,,#\"\\\n@ab/-.0x\x00\xff";
    let mut next = crate::testing::xorshift64(0x05ee_d4a7);
    let mut rules: Vec<TokenizeRules> = (12..=18)
        .map(|v| TokenizeRules::for_version(PgVersion::new(v).expect("12..=18")))
        .collect();
    rules.push(TokenizeRules {
        continuation: true,
        max_line: None,
        max_token: Some(6),
    });
    rules.push(TokenizeRules {
        continuation: false,
        max_line: Some(24),
        max_token: Some(5),
    });
    for round in 0..4000 {
        let len = (next() % 60) as usize;
        // Most inputs without quotes, so that whole lines take the plain path.
        let quotes = round % 3 == 0;
        // And some without NUL, which the reader that finds the line index itself takes.
        let nul = round % 4 != 1;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                loop {
                    let c = ALPHABET[(next() % ALPHABET.len() as u64) as usize];
                    if (quotes || c != b'"') && (nul || c != 0) {
                        break c;
                    }
                }
            })
            .collect();
        let file = AuthFile::parse(&bytes);
        for &rules in &rules {
            let fast = read(&file, &bytes, rules, true);
            let slow = read(&file, &bytes, rules, false);
            let at = format!("{bytes:?} {rules:?}");
            assert_same_reading(&fast, &slow, &at);
            let starts = crate::source::line_starts(&bytes);
            let indexed = AuthLines::from_line_starts(&bytes, &starts, rules);
            assert_eq!(fast.lines, indexed.lines, "{at}");
            assert_eq!(fast.errors, indexed.errors, "{at}");
            assert_eq!(fast.tokens, indexed.tokens, "{at}");
            assert_eq!(file.lines.len(), physical_line_count(&bytes, &starts));
            let (indexing, index) = read_indexing(&bytes, rules);
            assert_eq!(index, starts, "{at}");
            assert_same_reading(&fast, &indexing, &at);
        }
    }
}

/// A comma with nothing after it (the end of the line, or a comment) ends its field with the
/// token before it, in both readers; the fields of a line read the same from either end.
#[test]
fn a_trailing_comma_ends_its_field() {
    let inputs: [&[u8]; 3] = [b"local a, b,\n", b"local a,b, #c\n", b"local a,\"b\",\n"];
    for input in inputs {
        assert_eq!(
            texts(input, 16)[0],
            vec![vec!["local"], vec!["a", "b"]],
            "{input:?}"
        );
        let (lines, _) = lines_of(input, 16);
        let forward: Vec<Field> = lines.fields_of(0).collect();
        let mut backward: Vec<Field> = lines.fields_of(0).rev().collect();
        backward.reverse();
        assert_eq!(forward, backward, "{input:?}");
        assert_eq!(lines.fields_of(0).len(), 2, "{input:?}");
    }
}

/// Two readers' lines, tokens, joints, errors and de-quoted texts are the same.
fn assert_same_reading(a: &AuthLines, b: &AuthLines, at: &str) {
    assert_eq!(a.lines, b.lines, "{at}");
    assert_eq!(a.tokens, b.tokens, "{at}");
    assert_eq!(a.joints, b.joints, "{at}");
    assert_eq!(a.errors, b.errors, "{at}");
    assert_eq!(a.arena, b.arena, "{at}");
    assert_eq!(a.dequoted, b.dequoted, "{at}");
}
