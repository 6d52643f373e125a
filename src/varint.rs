//! LEB128 varints: the length prefixes of packed lists and of the entry tables' blocks.

/// `n` as LEB128 in a buffer on the stack, and how many of its bytes that takes: what
/// [`write_varint`] appends, without a growable buffer (whose `extend` cost a hot path
/// forty instructions a number).
#[inline]
pub(crate) fn varint_bytes(mut n: usize) -> ([u8; 10], usize) {
    let mut out = [0u8; 10];
    let mut len = 0;
    loop {
        #[allow(clippy::cast_possible_truncation)] // masked to 7 bits
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out[len] = byte;
            return (out, len + 1);
        }
        out[len] = byte | 0x80;
        len += 1;
    }
}

/// Appends `n` as a LEB128 varint.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_agrees_at_every_width() {
        let mut ns = vec![0, 1, 127, 128, 255, 300, 16_383, 16_384, usize::MAX];
        ns.extend((0..64).map(|shift| 1usize << shift));
        ns.extend((1..64).map(|shift| (1usize << shift) - 1));
        for n in ns {
            let mut written = Vec::new();
            write_varint(&mut written, n);
            let (buf, len) = varint_bytes(n);
            assert_eq!(&buf[..len], &written[..], "{n}");
            assert_eq!(varint_len(n), len, "{n}");
            written.push(0xff);
            assert_eq!(read_varint(&written), (n, len), "{n}");
        }
    }
}
