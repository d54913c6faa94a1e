use super::*;

#[test]
fn line_index_counts_lf_only() {
    let f = SourceFile::new("x", b"a = 1\r\nb = 2\rc\nlast".to_vec());
    assert_eq!(f.line_count(), 3);
    assert_eq!(f.line_of(0), 1);
    assert_eq!(f.line_of(7), 2);
    assert_eq!(f.line_of(12), 2, "a lone CR is not a line break");
    assert_eq!(f.line_col(16), (3, 2));
}

#[test]
fn trailing_newline_adds_no_line() {
    assert_eq!(SourceFile::new("x", b"a\nb\n".to_vec()).line_count(), 2);
    assert_eq!(SourceFile::new("x", b"".to_vec()).line_count(), 0);
    assert_eq!(SourceFile::new("x", b"\n".to_vec()).line_count(), 1);
}

#[test]
fn columns_count_characters_of_lossy_text() {
    let f = SourceFile::new("x", "é = 1".as_bytes().to_vec());
    assert_eq!(f.line_col(3), (1, 3));
    let g = SourceFile::new("x", b"\xff\xfe = 1".to_vec());
    assert_eq!(g.line_col(3), (1, 4));
}

#[test]
fn both_ends_are_what_line_col_gives_for_each() {
    let f = SourceFile::new(
        "x",
        b"a = '\xe2\x82b' \xff\xc3\xa9 x\r\n\n\xe2\x82\nz = 1 # \xf0\x9f\x98\x80 e".to_vec(),
    );
    for start in 0..=f.len() {
        for end in start..=f.len() + 2 {
            assert_eq!(
                f.line_cols(start, end),
                (f.line_col(start), f.line_col(end)),
                "{start}..{end}"
            );
        }
    }
}

#[test]
fn line_starts_agree_with_a_byte_by_byte_scan() {
    // Every length around the 64-byte blocks, LFs at every distance, and block edges.
    let mut inputs: Vec<Vec<u8>> = (0..200)
        .map(|n| {
            (0..n)
                .map(|i| if i % 7 == 3 { b'\n' } else { b'x' })
                .collect()
        })
        .collect();
    inputs.push(vec![b'\n'; 130]);
    inputs.push(b"a\r\nb\n\n#c".repeat(40));
    // Bytes next to LF in value or bit pattern, at random places.
    let mut next = crate::testing::xorshift64(0x1f);
    let near = [
        b'\n',
        b'\x0b',
        b'\x09',
        b'\x8a',
        b'\x00',
        b'\xff',
        b'\x7f',
        b'\x0a' | 0x40,
    ];
    for len in 0..300 {
        inputs.push((0..len).map(|_| near[(next() % 8) as usize]).collect());
    }
    for bytes in inputs {
        let expected: Vec<u32> = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            )
            .collect();
        let source = SourceFile::new("t.conf", bytes.clone());
        assert_eq!(source.line_starts(), expected, "{bytes:?}");
    }
}
