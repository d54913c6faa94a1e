//! `synchronous_standby_names`: the grammar of `syncrep_gram.y` / `syncrep_scanner.l`, which
//! its check hook (`check_synchronous_standby_names`, syncrep.c) runs at startup.
//!
//! ```text
//! standby_config := standby_list
//!                 | NUM '(' standby_list ')'
//!                 | (ANY | FIRST) NUM '(' standby_list ')'
//! standby_list   := standby_name (',' standby_name)*
//! standby_name   := NAME | NUM
//! ```

/// Why a value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SyncRepError {
    /// The parser's message, e.g. `syntax error at or near "-"` (the hook's DETAIL).
    Syntax(String),
    /// `number of synchronous standbys (N) must be greater than zero`.
    NumSync(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Any,
    First,
    Num(&'a [u8]),
    Name,
    Comma,
    Open,
    Close,
    /// Any other byte.
    Junk(&'a [u8]),
}

/// The scanner (case-insensitive, like `%option case-insensitive`). Returns the tokens with
/// their text, or the unterminated-quote error.
fn scan(value: &[u8]) -> Result<Vec<(Token<'_>, &[u8])>, SyncRepError> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b >= 0x80;
    let ident_cont = |b: u8| ident_start(b) || b.is_ascii_digit() || b == b'$';
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        let start = i;
        let token = if is_space(b) {
            i += 1;
            continue;
        } else if b == b'"' {
            i += 1;
            loop {
                match value.get(i) {
                    None => {
                        return Err(SyncRepError::Syntax(
                            "unterminated quoted identifier at end of input".into(),
                        ));
                    }
                    Some(b'"') if value.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            Token::Name
        } else if ident_start(b) {
            while i < value.len() && ident_cont(value[i]) {
                i += 1;
            }
            match &value[start..i] {
                w if w.eq_ignore_ascii_case(b"any") => Token::Any,
                w if w.eq_ignore_ascii_case(b"first") => Token::First,
                _ => Token::Name,
            }
        } else if b.is_ascii_digit() {
            while i < value.len() && value[i].is_ascii_digit() {
                i += 1;
            }
            Token::Num(&value[start..i])
        } else {
            i += 1;
            match b {
                b'*' => Token::Name,
                b',' => Token::Comma,
                b'(' => Token::Open,
                b')' => Token::Close,
                _ => Token::Junk(&value[start..i]),
            }
        };
        tokens.push((token, &value[start..i]));
    }
    Ok(tokens)
}

/// Checks a non-empty value the way the startup check hook does.
pub(super) fn check(value: &[u8]) -> Result<(), SyncRepError> {
    let tokens = scan(value)?;
    let mut at = 0;
    let error_at = |at: usize| {
        SyncRepError::Syntax(match tokens.get(at) {
            Some((_, text)) => format!(
                "syntax error at or near \"{}\"",
                String::from_utf8_lossy(text)
            ),
            None => "syntax error at end of input".into(),
        })
    };
    let expect = |at: &mut usize, want: &Token| -> Result<(), SyncRepError> {
        match tokens.get(*at) {
            Some((t, _)) if t == want => {
                *at += 1;
                Ok(())
            }
            _ => Err(error_at(*at)),
        }
    };
    let list = |at: &mut usize| -> Result<(), SyncRepError> {
        loop {
            match tokens.get(*at) {
                Some((Token::Name | Token::Num(_), _)) => *at += 1,
                _ => return Err(error_at(*at)),
            }
            match tokens.get(*at) {
                Some((Token::Comma, _)) => *at += 1,
                _ => return Ok(()),
            }
        }
    };
    let num_sync = match tokens.first() {
        Some((Token::Any | Token::First, _)) => {
            at = 1;
            let Some((Token::Num(n), _)) = tokens.get(at) else {
                return Err(error_at(at));
            };
            at += 1;
            expect(&mut at, &Token::Open)?;
            list(&mut at)?;
            expect(&mut at, &Token::Close)?;
            atoi(n)
        }
        Some((Token::Num(n), _)) if matches!(tokens.get(1), Some((Token::Open, _))) => {
            at = 2;
            list(&mut at)?;
            expect(&mut at, &Token::Close)?;
            atoi(n)
        }
        _ => {
            list(&mut at)?;
            1
        }
    };
    if at < tokens.len() {
        return Err(error_at(at));
    }
    if num_sync <= 0 {
        return Err(SyncRepError::NumSync(num_sync));
    }
    Ok(())
}

/// `atoi` on a run of digits, wrapping like the C int it is stored in.
fn atoi(digits: &[u8]) -> i64 {
    let mut n: i32 = 0;
    for &d in digits {
        n = n.wrapping_mul(10).wrapping_add(i32::from(d - b'0'));
    }
    i64::from(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(value: &str) -> Option<String> {
        match check(value.as_bytes()) {
            Ok(()) => None,
            Err(SyncRepError::Syntax(d)) => Some(d),
            Err(SyncRepError::NumSync(n)) => Some(format!("num_sync {n}")),
        }
    }

    /// Verdicts and DETAIL texts of PostgreSQL 16's startup check.
    #[test]
    fn agrees_with_the_server() {
        for ok in [
            "FIRST 1 (s1, s2)",
            "ANY 2 (s1, s2, s3)",
            "2 (a, b)",
            "a, b",
            "*",
            "\"my-standby\", b",
            "1",
            "1, 2",
            "ANY 3 (*)",
            "first 1 (\"a\"\"b\")",
            "Any 1 (a$b)",
            "a$",
        ] {
            assert_eq!(detail(ok), None, "{ok}");
        }
        for (bad, want) in [
            (
                "FIRST 1 (slave1-db, slave2-db)",
                "syntax error at or near \"-\"",
            ),
            ("first", "syntax error at end of input"),
            ("any", "syntax error at end of input"),
            ("FIRST 0 (a)", "num_sync 0"),
            ("0 (a)", "num_sync 0"),
            ("ANY 1 (a", "syntax error at end of input"),
            (
                "\"unterminated",
                "unterminated quoted identifier at end of input",
            ),
            ("s1.example", "syntax error at or near \".\""),
            ("FIRST (a)", "syntax error at or near \"(\""),
            ("a b", "syntax error at or near \"b\""),
            (" ", "syntax error at end of input"),
            ("(a)", "syntax error at or near \"(\""),
            ("$a", "syntax error at or near \"$\""),
            ("2 (a,,b)", "syntax error at or near \",\""),
        ] {
            assert_eq!(detail(bad).as_deref(), Some(want), "{bad}");
        }
    }
}
