//! A partial syntax check of PostgreSQL Advanced Regular Expressions (Spencer's `regcomp`,
//! used by `regcomp_auth_token` in 16+): the common errors with the server's `regerror`
//! texts. Patterns it accepts may still be refused by the server (see the crate's gaps).

/// `Err(regerror text)` for the errors this check knows.
pub fn check(re: &[u8]) -> Result<(), &'static str> {
    const EPAREN: &str = "parentheses () not balanced";
    const EBRACK: &str = "brackets [] not balanced";
    const EBRACE: &str = "braces {} not balanced";
    const EESCAPE: &str = "invalid escape \\ sequence";
    const BADRPT: &str = "quantifier operand invalid";
    const BADBR: &str = "invalid repetition count(s)";
    const ESUBREG: &str = "invalid backreference number";
    const ERANGE: &str = "invalid character range";
    const ECTYPE: &str = "invalid character class";
    let mut depth = 0usize;
    let mut groups = 0usize;
    let mut i = 0usize;
    if re.starts_with(b"***=") {
        return Ok(());
    }
    if re.starts_with(b"***:") {
        i = 4;
    }
    // Embedded options `(?flags)` at the start.
    if re[i..].starts_with(b"(?")
        && let Some(close) = re[i..].iter().position(|&b| b == b')')
        && re[i + 2..i + close].iter().all(u8::is_ascii_alphabetic)
    {
        i += close + 1;
    }
    // Whether the previous item can take a quantifier.
    let mut atom = false;
    while i < re.len() {
        let c = re[i];
        match c {
            b'\\' => {
                let Some(&e) = re.get(i + 1) else {
                    return Err(EESCAPE);
                };
                if e.is_ascii_digit() && e != b'0' && usize::from(e - b'0') > groups {
                    return Err(ESUBREG);
                }
                if e.is_ascii_alphabetic() && !b"aAbBcdDefmMnrsStuUvwWxyYZ".contains(&e) {
                    return Err(EESCAPE);
                }
                i += 2;
                atom = true;
                continue;
            }
            b'[' => {
                let mut j = i + 1;
                if re.get(j) == Some(&b'^') {
                    j += 1;
                }
                if re.get(j) == Some(&b']') {
                    j += 1;
                }
                loop {
                    match re.get(j) {
                        None => return Err(EBRACK),
                        Some(b']') => break,
                        Some(&lo)
                            if re.get(j + 1) == Some(&b'-')
                                && re.get(j + 2).is_some_and(|&h| h != b']' && h != b'[')
                                && lo != b'[' =>
                        {
                            if re[j + 2] < lo {
                                return Err(ERANGE);
                            }
                            j += 3;
                        }
                        Some(b'[') if matches!(re.get(j + 1), Some(b':' | b'.' | b'=')) => {
                            let delim = re[j + 1];
                            let mut k = j + 2;
                            loop {
                                match re.get(k) {
                                    None => return Err(EBRACK),
                                    Some(&d) if d == delim && re.get(k + 1) == Some(&b']') => {
                                        const CLASSES: [&[u8]; 14] = [
                                            b"alnum", b"alpha", b"ascii", b"blank", b"cntrl",
                                            b"digit", b"graph", b"lower", b"print", b"punct",
                                            b"space", b"upper", b"xdigit", b"word",
                                        ];
                                        if delim == b':' && !CLASSES.contains(&&re[j + 2..k]) {
                                            return Err(ECTYPE);
                                        }
                                        break;
                                    }
                                    _ => k += 1,
                                }
                            }
                            j = k + 2;
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
                atom = true;
                continue;
            }
            b'(' => {
                if re.get(i + 1) == Some(&b'?') && re.get(i + 2) == Some(&b'#') {
                    // A comment: skipped up to its `)`.
                    match re[i..].iter().position(|&b| b == b')') {
                        Some(close) => {
                            i += close + 1;
                            continue;
                        }
                        None => return Err(EPAREN),
                    }
                }
                depth += 1;
                if re.get(i + 1) == Some(&b'?') && matches!(re.get(i + 2), Some(b':' | b'=' | b'!'))
                {
                    i += 1;
                } else {
                    groups += 1;
                }
                atom = false;
            }
            b')' => {
                if depth == 0 {
                    return Err(EPAREN);
                }
                depth -= 1;
                atom = true;
            }
            b'|' => atom = false,
            b'*' | b'+' | b'?' => {
                if !atom {
                    return Err(BADRPT);
                }
                // A non-greedy `?` may follow; a second quantifier is an error otherwise.
                if re.get(i + 1) == Some(&b'?') {
                    i += 1;
                }
                atom = false;
            }
            b'{' if re.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                if !atom {
                    return Err(BADRPT);
                }
                let Some(close) = re[i..].iter().position(|&b| b == b'}') else {
                    return Err(EBRACE);
                };
                let body = &re[i + 1..i + close];
                let mut parts = body.splitn(2, |&b| b == b',');
                let lo = parts.next().unwrap_or(b"");
                let hi = parts.next();
                let num = |s: &[u8]| -> Option<u32> {
                    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) || s.len() > 3 {
                        return None;
                    }
                    std::str::from_utf8(s).ok()?.parse().ok()
                };
                let lo_n = num(lo).ok_or(BADBR)?;
                if lo_n > 255 {
                    return Err(BADBR);
                }
                if let Some(h) = hi
                    && !h.is_empty()
                {
                    let h_n = num(h).ok_or(BADBR)?;
                    if h_n > 255 || h_n < lo_n {
                        return Err(BADBR);
                    }
                }
                i += close + 1;
                if re.get(i) == Some(&b'?') {
                    i += 1;
                }
                atom = false;
                continue;
            }
            b'^' | b'$' => atom = false,
            _ => atom = true,
        }
        i += 1;
    }
    if depth != 0 {
        return Err(EPAREN);
    }
    Ok(())
}
