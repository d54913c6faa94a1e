use super::*;

fn parse(s: &[u8]) -> ConfFile {
    parse_bytes(s)
}

/// The single item of a one-line file.
fn item(s: &[u8]) -> LineItem {
    let file = parse(s);
    assert_eq!(file.lines.len(), 1, "one line expected");
    file.lines[0].item.clone()
}

fn value_of(s: &[u8]) -> Vec<u8> {
    match item(s) {
        LineItem::Setting(set) => set.value_bytes(s).into_owned(),
        other => panic!("not a setting: {other:?}"),
    }
}

/// The raw text the server would name in `near token "…"`, or None for "near end of line".
fn error_near(s: &[u8]) -> Option<Vec<u8>> {
    match item(s) {
        LineItem::Invalid(inv) => match inv.error.near {
            Near::Token => Some(s[inv.error.at.range()].to_vec()),
            Near::EndOfLine => None,
        },
        other => panic!("not invalid: {other:?}"),
    }
}

fn kinds(s: &[u8]) -> Vec<(TokenKind, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < s.len() {
        if is_blank(s[pos]) {
            pos += 1;
            continue;
        }
        let (k, len) = lex_token(&s[pos..]);
        out.push((k, &s[pos..pos + len]));
        pos += len;
    }
    out
}

#[test]
fn flex_tie_breaks_and_longest_match() {
    use TokenKind::*;
    assert_eq!(kinds(b"foo.bar"), vec![(QualifiedId, &b"foo.bar"[..])]);
    assert_eq!(
        kinds(b"foo.bar.baz"),
        vec![(UnquotedString, &b"foo.bar.baz"[..])]
    );
    assert_eq!(
        kinds(b"en_US.UTF-8"),
        vec![(UnquotedString, &b"en_US.UTF-8"[..])]
    );
    assert_eq!(kinds(b"foo.1"), vec![(UnquotedString, &b"foo.1"[..])]);
    assert_eq!(kinds(b"work_mem"), vec![(Id, &b"work_mem"[..])]);
    assert_eq!(kinds(b"10min"), vec![(Integer, &b"10min"[..])]);
    assert_eq!(kinds(b"0x1F"), vec![(Integer, &b"0x1F"[..])]);
    assert_eq!(
        kinds(b"0X1F"),
        vec![(Integer, &b"0X"[..]), (Integer, &b"1F"[..])]
    );
    assert_eq!(
        kinds(b"1e5"),
        vec![(Integer, &b"1e"[..]), (Integer, &b"5"[..])]
    );
    assert_eq!(kinds(b"1.5GB"), vec![(Real, &b"1.5"[..]), (Id, &b"GB"[..])]);
    assert_eq!(kinds(b"1.0e5"), vec![(Real, &b"1.0e5"[..])]);
    assert_eq!(kinds(b"1.5e"), vec![(Real, &b"1.5"[..]), (Id, &b"e"[..])]);
    assert_eq!(kinds(b"."), vec![(Real, &b"."[..])]);
    assert_eq!(kinds(b"-.5"), vec![(Real, &b"-.5"[..])]);
    assert_eq!(
        kinds(b"5.5.5"),
        vec![(Real, &b"5.5"[..]), (Real, &b".5"[..])]
    );
    assert_eq!(kinds(b"-"), vec![(Error, &b"-"[..])]);
    assert_eq!(kinds(b"*"), vec![(Error, &b"*"[..])]);
    assert_eq!(kinds(b"'it''s'"), vec![(String, &b"'it''s'"[..])]);
    assert_eq!(kinds(b"'a'''"), vec![(String, &b"'a'''"[..])]);
    assert_eq!(
        kinds(b"'a''"),
        vec![(String, &b"'a'"[..]), (Error, &b"'"[..])]
    );
    assert_eq!(
        kinds("héllo".as_bytes()),
        vec![(Id, "héllo".as_bytes())],
        "bytes 0x80-0xff are letters"
    );
}

#[test]
fn settings_with_and_without_equals() {
    let s = b"work_mem 8MB";
    match item(s) {
        LineItem::Setting(set) => {
            assert_eq!(set.name_bytes(s), b"work_mem");
            assert_eq!(set.equals(), None);
            assert_eq!(&*set.value_bytes(s), b"8MB");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(value_of(b"Work_Mem=8MB#c"), b"8MB");
    assert_eq!(value_of(b"include = 'x.conf'"), b"x.conf");
    assert_eq!(value_of(b"application_name = a#b"), b"a");
}

#[test]
fn syntax_errors_name_the_token_the_server_names() {
    assert_eq!(error_near(b"work_mem = 1.5MB"), Some(b"MB".to_vec()));
    assert_eq!(error_near(b"work_mem = 8MB = 9MB"), Some(b"=".to_vec()));
    assert_eq!(error_near(b"a = 1 b = 2"), Some(b"b".to_vec()));
    assert_eq!(error_near(b"work_mem ="), None);
    assert_eq!(error_near(b"work_mem"), None);
    assert_eq!(error_near(b"work-mem = 1"), Some(b"work-mem".to_vec()));
    assert_eq!(error_near(b"a.b.c = 1"), Some(b"a.b.c".to_vec()));
    assert_eq!(error_near(b"1abc = 1"), Some(b"1abc".to_vec()));
    assert_eq!(
        error_near(b"search_path = foo.bar"),
        Some(b"foo.bar".to_vec())
    );
    assert_eq!(error_near(b"listen_addresses = *"), Some(b"*".to_vec()));
    assert_eq!(error_near(b"x = 'unterminated"), Some(b"'".to_vec()));
    assert_eq!(error_near(b"x = \x0c"), Some(b"\x0c".to_vec()));
    assert_eq!(
        error_near(b"x = 1\rb = 2"),
        Some(b"b".to_vec()),
        "a lone CR is a blank"
    );
}

#[test]
fn quoted_strings_decode_like_the_server() {
    assert_eq!(value_of(b"x = 'it''s'"), b"it's");
    assert_eq!(value_of(br"x = 'a\101b'"), b"aAb");
    assert_eq!(value_of(br"x = 'a\x41b'"), b"ax41b");
    assert_eq!(value_of(br"x = 'a\0b'"), b"a");
    assert_eq!(value_of(br"x = 'tab\there'"), b"tab\there");
    assert_eq!(value_of(br"x = 'q\'q'"), b"q'q");
    assert_eq!(value_of(br"x = 'back\\slash'"), br"back\slash");
    assert_eq!(value_of(b"x = ''"), b"");
    assert_eq!(value_of(b"x = '#not a comment'"), b"#not a comment");
    // A raw NUL ends the C string; the byte before it is dropped as if it were the quote.
    assert_eq!(value_of(b"x = 'ab\x00cd'"), b"a");
}

#[test]
fn quoting_for_alter_system_doubles_quotes_and_backslashes() {
    assert_eq!(quote_value(br"it's \ x"), br"'it''s \\ x'".to_vec());
    assert_eq!(
        deescape_quoted_string(&quote_value(br"it's \ x")),
        br"it's \ x"
    );
}

#[test]
fn lines_split_on_lf_only_and_keep_every_byte() {
    let input: &[u8] =
        b"\xef\xbb\xbfwork_mem = 1MB\r\n# comment\n\n  bad line here  # c\r\nx = 'a\rb'\nlast = 1";
    let file = parse(input);
    assert_eq!(file.lines.len(), 6);
    assert_eq!(file.print(input), input);
    assert!(matches!(file.lines[3].item, LineItem::Invalid(_)));
    assert!(file.lines[3].comment().is_some());
    assert!(file.lines[5].newline().is_empty());
}

#[test]
fn pieces_tile_each_line() {
    let input: &[u8] = b"  name\t=\t'v' \t# c \r\nbad = = \n#x\n\n";
    let file = parse(input);
    for line in &file.lines {
        let mut at = line.span.start;
        for (_, span) in line.pieces() {
            assert_eq!(span.start, at, "gap or overlap in {line:?}");
            at = span.end;
        }
        assert_eq!(at, line.newline().end.max(line.span.end));
    }
}

#[test]
fn bom_is_part_of_the_first_name() {
    let input = b"\xef\xbb\xbfwork_mem = 1MB";
    match item(input) {
        LineItem::Setting(s) => assert_eq!(s.name_bytes(input), b"\xef\xbb\xbfwork_mem"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arbitrary_bytes_round_trip() {
    // A cheap deterministic fuzz: every byte value in many positions.
    let mut input = Vec::new();
    for i in 0..4096u32 {
        input.push((i.wrapping_mul(2654435761) >> 13) as u8);
        if i % 37 == 0 {
            input.push(b'\n');
        }
    }
    let file = parse(&input);
    assert_eq!(file.print(&input), input);
}

/// The lexer as first written: each flex rule a parser combinator, the longest match picked
/// among them. `lex_token` must agree with it on every input.
mod reference {
    use nom::branch::alt;
    use nom::bytes::complete::{tag, take_while, take_while_m_n, take_while1};
    use nom::combinator::{all_consuming, opt, recognize};
    use nom::multi::many0;
    use nom::sequence::preceded;
    use nom::{IResult, Parser};

    use super::TokenKind;

    /// The longest token at the start of `input` (which is neither blank, `#` nor LF), with
    /// flex's tie-break: the rule listed first wins.
    pub fn lex_token(input: &[u8]) -> (TokenKind, usize) {
        let b = input[0];
        let longest = |candidates: &[(TokenKind, usize)]| {
            // Strictly longer wins, so among equals the earlier (preferred) rule stays.
            candidates
                .iter()
                .fold((TokenKind::Error, 1), |best, &(kind, len)| {
                    if len > best.1 || (best.0 == TokenKind::Error && len == best.1) {
                        (kind, len)
                    } else {
                        best
                    }
                })
        };
        let len = |r: IResult<&[u8], &[u8]>| r.map(|(_, m)| m.len()).unwrap_or(0);
        if is_letter(b) {
            longest(&[
                (TokenKind::Id, len(id(input))),
                (TokenKind::QualifiedId, len(qualified_id(input))),
                (TokenKind::UnquotedString, len(unquoted_string(input))),
            ])
        } else if b == b'\'' {
            match quoted_string(input) {
                Ok((_, m)) => (TokenKind::String, m.len()),
                Err(_) => (TokenKind::Error, 1),
            }
        } else if b.is_ascii_digit() || b == b'.' || b == b'+' || b == b'-' {
            longest(&[
                (TokenKind::Integer, len(integer(input))),
                (TokenKind::Real, len(real(input))),
            ])
        } else if b == b'=' {
            (TokenKind::Equals, 1)
        } else {
            (TokenKind::Error, 1)
        }
    }

    /// `LETTER [A-Za-z_\200-\377]`
    fn is_letter(b: u8) -> bool {
        b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
    }

    /// `LETTER_OR_DIGIT [A-Za-z_0-9\200-\377]`
    fn is_letter_or_digit(b: u8) -> bool {
        is_letter(b) || b.is_ascii_digit()
    }

    /// `UNIT_LETTER [a-zA-Z]`
    fn is_unit_letter(b: u8) -> bool {
        b.is_ascii_alphabetic()
    }

    /// `ID {LETTER}{LETTER_OR_DIGIT}*`
    fn id(i: &[u8]) -> IResult<&[u8], &[u8]> {
        recognize((
            take_while_m_n(1, 1, is_letter),
            take_while(is_letter_or_digit),
        ))
        .parse(i)
    }

    /// `QUALIFIED_ID {ID}"."{ID}`
    fn qualified_id(i: &[u8]) -> IResult<&[u8], &[u8]> {
        recognize((id, tag(&b"."[..]), id)).parse(i)
    }

    /// `UNQUOTED_STRING {LETTER}({LETTER_OR_DIGIT}|[-._:/])*`
    fn unquoted_string(i: &[u8]) -> IResult<&[u8], &[u8]> {
        recognize((
            take_while_m_n(1, 1, is_letter),
            take_while(|b| is_letter_or_digit(b) || matches!(b, b'-' | b'.' | b'_' | b':' | b'/')),
        ))
        .parse(i)
    }

    /// `SIGN ("-"|"+")`
    fn sign(i: &[u8]) -> IResult<&[u8], &[u8]> {
        alt((tag(&b"-"[..]), tag(&b"+"[..]))).parse(i)
    }

    /// `INTEGER {SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}*`
    ///
    /// The hex branch is tried first: whenever it matches it is at least as long as the decimal
    /// one (`0` followed by unit letters), which is what flex's longest match picks.
    fn integer(i: &[u8]) -> IResult<&[u8], &[u8]> {
        recognize((
            opt(sign),
            alt((
                recognize(preceded(
                    tag(&b"0x"[..]),
                    take_while1(|b: u8| b.is_ascii_hexdigit()),
                )),
                take_while1(|b: u8| b.is_ascii_digit()),
            )),
            take_while(is_unit_letter),
        ))
        .parse(i)
    }

    /// `REAL {SIGN}?{DIGIT}*"."{DIGIT}*{EXPONENT}?` with `EXPONENT [Ee]{SIGN}?{DIGIT}+`.
    /// A lone `.` is a REAL.
    fn real(i: &[u8]) -> IResult<&[u8], &[u8]> {
        let digits = || take_while(|b: u8| b.is_ascii_digit());
        let exponent = recognize((
            alt((tag(&b"e"[..]), tag(&b"E"[..]))),
            opt(sign),
            take_while1(|b: u8| b.is_ascii_digit()),
        ));
        recognize((opt(sign), digits(), tag(&b"."[..]), digits(), opt(exponent))).parse(i)
    }

    /// `STRING \'([^'\\\n]|\\.|\'\')*\'`
    ///
    /// Flex takes the longest match, so `'a''b'` is one string and `'a'''` ends after the third
    /// quote; a quote that is not doubled ends the scan. A string never spans lines.
    fn quoted_string(i: &[u8]) -> IResult<&[u8], &[u8]> {
        // Flex's longest match, literally: the longest prefix the regex matches whole. Within
        // a fixed prefix the greedy reading is the only one, since quotes inside pair up.
        match (2..=i.len()).rev().find(|&end| string_whole(&i[..end])) {
            Some(end) => Ok((&i[end..], &i[..end])),
            None => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Char,
            ))),
        }
    }

    /// Whether all of `prefix` is one `STRING`.
    fn string_whole(prefix: &[u8]) -> bool {
        let quote = || tag(&b"'"[..]);
        all_consuming(recognize((quote(), many0(string_piece), quote())))
            .parse(prefix)
            .is_ok()
    }

    /// `[^'\\\n]|\\.|\'\'`: one piece of a string's body.
    fn string_piece(i: &[u8]) -> IResult<&[u8], &[u8]> {
        let one = |allowed: fn(u8) -> bool| take_while_m_n(1, 1, allowed);
        alt((
            one(|b| !matches!(b, b'\'' | b'\\' | b'\n')),
            recognize((tag(&b"\\"[..]), one(|b| b != b'\n'))),
            tag(&b"''"[..]),
        ))
        .parse(i)
    }
}

/// Every string of up to four bytes over an alphabet that reaches every branch of the lexer
/// (letters, digits, hex and unit letters, signs, `.`, `x`, `e`, quotes, backslash, the other
/// bytes of unquoted strings, a high byte, `=`, LF), each with a few tails, and 100,000
/// pseudo-random longer strings: the hand-written lexer and the reference give the same kind
/// and length.
#[test]
fn lexer_matches_reference() {
    const ALPHABET: &[u8] = b"a_Z0x9e.+-'\\:/=\xe9\n";
    let check = |s: &[u8]| {
        if is_blank(s[0]) || s[0] == b'#' || s[0] == b'\n' {
            return;
        }
        assert_eq!(
            lex_token(s),
            reference::lex_token(s),
            "input {:?}",
            String::from_utf8_lossy(s)
        );
    };
    let mut input = Vec::new();
    for len in 1..=4u32 {
        for mut n in 0..ALPHABET.len().pow(len) {
            input.clear();
            for _ in 0..len {
                input.push(ALPHABET[n % ALPHABET.len()]);
                n /= ALPHABET.len();
            }
            for tail in [&b""[..], b"1", b"' x", b"Ab.c"] {
                let mut s = input.clone();
                s.extend_from_slice(tail);
                check(&s);
            }
        }
    }
    let mut next = crate::testing::xorshift64(0x9E37_79B9_7F4A_7C15);
    for _ in 0..100_000 {
        input.clear();
        let state = next();
        let len = 5 + (state % 12) as usize;
        for k in 0..len {
            input.push(ALPHABET[((state >> (4 * (k % 16))) as usize + k) % ALPHABET.len()]);
        }
        check(&input);
    }
}

#[test]
fn a_failed_string_is_not_rescanned_from_every_later_quote() {
    // `x = '\'\'\'…` never closes: every quote is an error token. Each used to rescan to the
    // end of the line, so a 10 MB line took hours; the scan is now done once per line.
    let mut line = b"x = ".to_vec();
    line.extend(b"'\\".repeat(500_000));
    let file = parse(&line);
    assert_eq!(file.print(&line), line);
    match &file.lines[0].item {
        LineItem::Invalid(inv) => assert_eq!(&line[inv.error.at.range()], b"'"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn remembering_a_failed_string_changes_no_token() {
    // The memo of `lex_token_in_line` against a fresh scan at every token, over lines made of
    // quotes, backslashes, letters and blanks.
    let alphabet = [b'\'', b'\\', b'a', b' ', b'\'', b'\\', b'1'];
    let mut state = 0x2545_f491u32;
    for _ in 0..3000 {
        let len = (state % 24) as usize;
        let mut line = Vec::with_capacity(len + 1);
        line.push(b'\'');
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            line.push(alphabet[(state % alphabet.len() as u32) as usize]);
        }
        let mut memo = Vec::new();
        let mut no_string_ahead = false;
        let mut pos = 0;
        while pos < line.len() {
            if is_blank(line[pos]) {
                pos += 1;
                continue;
            }
            let (k, n) = lex_token_in_line(&line[pos..], &mut no_string_ahead);
            memo.push((k, &line[pos..pos + n]));
            pos += n;
        }
        assert_eq!(memo, kinds(&line), "{}", String::from_utf8_lossy(&line));
    }
}

#[test]
fn a_line_costs_44_bytes_of_tree() {
    // The tree has one line per LF: its size per line is what a big file costs in memory.
    assert!(
        std::mem::size_of::<ConfLine>() <= 44,
        "{}",
        std::mem::size_of::<ConfLine>()
    );
}
