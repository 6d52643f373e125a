//! Hostile arguments for commands: numbers at and past every limit, odd floats, range
//! and pattern syntax, option names in the wrong place, key names of every type, and
//! binary bytes. Shared by `tests/garbage.rs` and the `commands` fuzz target.

/// The argument pool.
pub(crate) const NASTY: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "10",
    "-10",
    "100",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "4294967296",
    "4294967295",
    "536870912",
    "1.5",
    "-0",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "1e400",
    "(1",
    "(",
    "[",
    "[a",
    "(a",
    "-",
    "+",
    "*",
    "?",
    "[a-",
    "\\",
    "#0",
    "#1",
    "i8",
    "u8",
    "i64",
    "u63",
    "u64",
    "x",
    "k",
    "k1",
    "k2",
    "h",
    "l",
    "s",
    "z",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "MIN",
    "MAX",
    "NX",
    "XX",
    "GT",
    "LT",
    "CH",
    "INCR",
    "GET",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "PERSIST",
    "WITHSCORES",
    "WITHSCORE",
    "WITHVALUES",
    "LIMIT",
    "COUNT",
    "MATCH",
    "TYPE",
    "BYSCORE",
    "BYLEX",
    "REV",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "RANK",
    "MAXLEN",
    "IDX",
    "LEN",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "REPLACE",
    "DB",
    "SET",
    "INCRBY",
    "OVERFLOW",
    "FAIL",
    "SAT",
    "WRAP",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "BIT",
    "BYTE",
    "ENCODING",
    "HELP",
    "ID",
    "UNBLOCK",
    "ERROR",
    "TIMEOUT",
    "SETNAME",
    "GETNAME",
    "KILL",
    "REPLY",
    "OFF",
    "SKIP",
    "CHANNELS",
    "NUMSUB",
    "NUMPAT",
    "INFO",
    "DOCS",
    "LIST",
    "ASYNC",
    "SYNC",
    "\u{0}\u{1}\u{ff}",
    // C strings end at a NUL; C's isspace includes the vertical tab.
    "1\u{0}2",
    "a\u{0}",
    "\u{b}1",
    "1\r\n",
];

/// Each command the store knows, with its arity (`COMMAND LIST`, then `COMMAND INFO`).
#[allow(dead_code)] // not every includer walks the table
pub(crate) fn command_arities(c: &mut embedis::Connection) -> Vec<(String, i64)> {
    use embedis::Reply;
    let Reply::Array(names) = c.execute(&["COMMAND", "LIST"]) else {
        panic!("COMMAND LIST answers an array");
    };
    names
        .into_iter()
        .filter_map(|n| {
            let Reply::Bulk(b) = n else { return None };
            let name = String::from_utf8(b.to_vec()).unwrap();
            let Reply::Array(info) = c.execute(&["COMMAND", "INFO", &name]) else {
                return None;
            };
            let Some(Reply::Array(fields)) = info.into_iter().next() else {
                return None;
            };
            let Reply::Integer(arity) = fields[1] else {
                return None;
            };
            Some((name, arity))
        })
        .collect()
}
