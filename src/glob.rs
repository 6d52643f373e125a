//! Redis glob-style pattern matching (`KEYS`, `SCAN MATCH`, and later `HSCAN`,
//! `PSUBSCRIBE`).
//!
//! A faithful port of Redis's `stringmatchlen` (util.c): `*` any run of bytes, `?` one
//! byte, `[abc]` / `[^abc]` / `[a-z]` classes (a reversed range `[z-a]` is accepted, an
//! unterminated class ends at the pattern's end), and `\` escaping the next byte, inside or
//! outside a class. Like Redis, a failed `*` stops every enclosing `*` from trying longer
//! matches, which keeps pathological patterns from going exponential, and nesting is
//! capped at 1000 stars.

/// Whether `string` matches the glob `pattern`, byte for byte.
pub(crate) fn matches(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, &mut skip_longer, 0)
}

/// Bytes compare as C `char` does on the platforms Redis ships for (signed), which
/// matters only for ranges spanning bytes ≥ 0x80.
fn signed(b: u8) -> i32 {
    i32::from(b.cast_signed())
}

fn match_impl(mut p: &[u8], mut s: &[u8], skip_longer: &mut bool, nesting: u32) -> bool {
    if nesting > 1000 {
        return false;
    }
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_impl(&p[1..], s, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s = &s[1..];
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let negate = p.first() == Some(&b'^');
                if negate {
                    p = &p[1..];
                }
                let mut hit = false;
                loop {
                    if p.first() == Some(&b'\\') && p.len() >= 2 {
                        p = &p[1..];
                        hit |= p[0] == s[0];
                    } else if p.first() == Some(&b']') {
                        break;
                    } else if p.is_empty() {
                        // Unterminated class: Redis steps back so that the shared
                        // "advance the pattern" below leaves it empty.
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (mut lo, mut hi) = (signed(p[0]), signed(p[2]));
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        let c = signed(s[0]);
                        hit |= c >= lo && c <= hi;
                        p = &p[2..];
                    } else {
                        hit |= p[0] == s[0];
                    }
                    p = &p[1..];
                }
                if hit == negate {
                    return false;
                }
                s = &s[1..];
                if p.is_empty() {
                    // The unterminated case: nothing left of the pattern to advance past.
                    return s.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if p[0] != s[0] {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if c != s[0] {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while p.first() == Some(&b'*') {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::matches;

    fn m(p: &str, s: &str) -> bool {
        matches(p.as_bytes(), s.as_bytes())
    }

    #[test]
    fn wildcards() {
        assert!(
            !m("*", ""),
            "as in Redis; KEYS and SCAN treat a lone * as 'everything'"
        );
        assert!(m("*", "anything"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("*o", "hello"));
        assert!(!m("*x", "hello"));
        assert!(m("a**b", "ab"));
        assert!(!m("", "a"));
        assert!(m("", ""));
        assert!(!m("?", ""));
    }

    #[test]
    fn classes() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        assert!(m("h[b-a]llo", "hallo"), "reversed ranges are swapped");
        assert!(m("[\\]]", "]"));
        assert!(
            m("a[bc", "ab"),
            "an unterminated class ends at the pattern's end"
        );
        assert!(!m("a[bc", "abx"));
    }

    #[test]
    fn escapes() {
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("a\\", "a\\"), "a trailing backslash is literal");
        assert!(m("\\?", "?"));
    }

    #[test]
    fn pathological_patterns_finish() {
        let p = "a*".repeat(40) + "b";
        let s = "a".repeat(60);
        assert!(!m(&p, &s));
        let deep = "*".repeat(5000) + "x";
        assert!(m(&deep, "yx"));
    }
}
