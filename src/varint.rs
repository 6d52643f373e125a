//! LEB128 varints: the length prefixes of packed lists and of the entry tables' blocks.

/// Appends `n` as a LEB128 varint .
pub(crate) fn write_varint(out: &mut impl Extend<u8>, mut n: usize) {
    loop {
        #[allow(clippy::cast_possible_truncation)] // masked to 7 bits
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.extend([byte]);
            return;
        }
        out.extend([byte | 0x80]);
    }
}

/// Reads a LEB128 varint at the start of `bytes`: the number and its length in bytes.
#[inline]
pub(crate) fn read_varint(bytes: &[u8]) -> (usize, usize) {
    // One byte (below 128) is the common case: every short key's header and length.
    if let Some(&b) = bytes.first()
        && b & 0x80 == 0
    {
        return (usize::from(b), 1);
    }
    read_varint_long(bytes)
}

/// [`read_varint`] of two bytes or more (a packed entry's header for keys of 32 bytes
/// and more: out of line, not cold).
#[inline(never)]
fn read_varint_long(bytes: &[u8]) -> (usize, usize) {
    let mut n = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        n |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (n, i + 1);
        }
    }
    unreachable!("a varint written by write_varint is complete")
}

/// Bytes `write_varint` takes for `n`.
pub(crate) fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}
