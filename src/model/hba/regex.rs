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
    let mut depth = 0usize;
    let mut i = 0usize;
    // Whether the previous item can take a quantifier.
    let mut atom = false;
    while i < re.len() {
        let c = re[i];
        match c {
            b'\\' => {
                if i + 1 >= re.len() {
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
                        Some(b'[') if matches!(re.get(j + 1), Some(b':' | b'.' | b'=')) => {
                            let delim = re[j + 1];
                            let mut k = j + 2;
                            loop {
                                match re.get(k) {
                                    None => return Err(EBRACK),
                                    Some(&d) if d == delim && re.get(k + 1) == Some(&b']') => {
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
                depth += 1;
                if re.get(i + 1) == Some(&b'?') && matches!(re.get(i + 2), Some(b':' | b'=' | b'!'))
                {
                    i += 1;
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
            b'{' => {
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
