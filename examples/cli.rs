//! A redis-cli-like shell over an embedded store.
//!
//! ```sh
//! cargo run --example cli                          # interactive
//! echo 'SET a 1
//! INCR a' | cargo run --example cli                # a script on standard input
//! cargo run --example cli -- --dir /tmp/d          # loads /tmp/d/dump.rdb; SAVE writes it
//! cargo run --example cli -- --dir /tmp/d --appendonly yes --appendfsync always
//! ```
//!
//! Options are redis-server's: `--dir D` and `--dbfilename F` name the snapshot, which
//! is loaded at start (without them the shell keeps its data in memory only);
//! `--appendonly yes` keeps an append-only log in `D/appendonlydir` (loaded instead of
//! the snapshot), with `--appendfsync always|everysec|no`, `--appenddirname`,
//! `--appendfilename`, `--aof-load-truncated yes|no`, `--aof-use-rdb-preamble yes|no`,
//! `--auto-aof-rewrite-percentage P` and `--auto-aof-rewrite-min-size BYTES`;
//! `--save "<seconds> <changes> …"` sets snapshot rules, `--rdbcompression` and
//! `--rdbchecksum` take `yes|no`.
//!
//! Arguments are split as redis-cli splits them: white space separates them,
//! `"…"` quotes with escapes (`\n`, `\t`, `\"`, `\xhh`, …), `'…'` quotes literally
//! (only `\'` escaped). `HELP <command>` shows a command's syntax; `QUIT` or end of
//! input leaves. After `SUBSCRIBE`, messages print as they arrive until end of input.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use embedis::{AppendFsync, Connection, Reply, Store};

/// The store the options ask for: loaded from its snapshot if they name one.
fn open_store() -> Result<Store, String> {
    let mut args = std::env::args().skip(1);
    let mut builder = Store::builder();
    let mut persistent = false;
    while let Some(name) = args.next() {
        let value = args.next().ok_or_else(|| format!("{name} needs a value"))?;
        builder = match name.as_str() {
            "--dir" => builder.dir(value),
            "--dbfilename" => builder.dbfilename(value),
            "--appendonly" => builder.appendonly(yes_no(&name, &value)?),
            "--appendfsync" => builder.appendfsync(
                AppendFsync::parse(&value)
                    .ok_or_else(|| format!("{name}: always, everysec or no, not {value}"))?,
            ),
            "--appenddirname" => builder.appenddirname(value),
            "--appendfilename" => builder.appendfilename(value),
            "--aof-load-truncated" => builder.aof_load_truncated(yes_no(&name, &value)?),
            "--aof-use-rdb-preamble" => builder.aof_use_rdb_preamble(yes_no(&name, &value)?),
            "--auto-aof-rewrite-percentage" => {
                builder.auto_aof_rewrite_percentage(number(&name, &value)?)
            }
            "--auto-aof-rewrite-min-size" => {
                builder.auto_aof_rewrite_min_size(number(&name, &value)?)
            }
            "--rdbcompression" => builder.rdbcompression(yes_no(&name, &value)?),
            "--rdbchecksum" => builder.rdbchecksum(yes_no(&name, &value)?),
            "--save" => {
                let words = value
                    .split_whitespace()
                    .map(|w| number(&name, w))
                    .collect::<Result<Vec<u64>, String>>()?;
                if words.len() % 2 == 1 {
                    return Err(format!("{name}: pairs of <seconds> <changes>, not {value}"));
                }
                words.chunks(2).fold(builder, |b, rule| {
                    b.save(Duration::from_secs(rule[0]), rule[1])
                })
            }
            _ => {
                return Err(format!(
                    "unknown option {name} (known: --dir, --dbfilename, --save, \
                     --rdbcompression, --rdbchecksum, --appendonly, --appendfsync, \
                     --appenddirname, --appendfilename, --aof-load-truncated, \
                     --aof-use-rdb-preamble, \
                     --auto-aof-rewrite-percentage, --auto-aof-rewrite-min-size)"
                ));
            }
        };
        persistent = true;
    }
    if persistent {
        builder.open().map_err(|e| e.to_string())
    } else {
        Ok(builder.build())
    }
}

/// A redis-server `yes`/`no` option.
fn yes_no(name: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(format!("{name}: yes or no, not {value}")),
    }
}

fn number(name: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: a whole number, not {value}"))
}

fn main() {
    let store = match open_store() {
        Ok(store) => store,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut conn = store.connection();
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut out = std::io::stdout();
    let mut line = String::new();
    loop {
        if interactive {
            let db = conn.db();
            let prompt = if db == 0 {
                "embedis> ".to_owned()
            } else {
                format!("embedis[{db}]> ")
            };
            let _ = write!(out, "{prompt}");
            let _ = out.flush();
        }
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let args = match split_args(line.trim_end_matches(['\n', '\r'])) {
            Ok(args) if args.is_empty() => continue,
            Ok(args) => args,
            Err(e) => {
                println!("Invalid argument(s): {e}");
                continue;
            }
        };
        if args[0].eq_ignore_ascii_case(b"help") {
            help(&mut conn, &args[1..]);
            continue;
        }
        if args[0].eq_ignore_ascii_case(b"quit") || args[0].eq_ignore_ascii_case(b"exit") {
            break;
        }
        let reply = conn.execute(&args);
        let failed = reply.is_error();
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        let raw = name == "info"
            || name == "client" && args.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"info"));
        match reply {
            // As redis-cli, INFO prints its text as is.
            Reply::Bulk(text) if raw => println!("{}", String::from_utf8_lossy(&text)),
            reply => println!("{reply}"),
        }
        if name.ends_with("unsubscribe") {
            // The confirmations of the other channels.
            while let Some(push) = conn.next_push(Duration::ZERO) {
                println!("{push}");
            }
        } else if name.ends_with("subscribe") && !failed {
            if interactive {
                println!("Reading messages... (press Ctrl-C to quit)");
            }
            // Confirmations of further channels, then messages as they come.
            let wait = Duration::from_millis(if interactive { 3_600_000 } else { 50 });
            while let Some(push) = conn.next_push(wait) {
                println!("{push}");
            }
        }
    }
}

/// `HELP <command>`: the syntax, summary and group from `COMMAND DOCS`.
fn help(conn: &mut Connection, args: &[Vec<u8>]) {
    if args.is_empty() {
        println!("Type: \"help <command>\" for help on <command>");
        return;
    }
    let mut query: Vec<&[u8]> = vec![b"COMMAND", b"DOCS"];
    query.extend(args.iter().map(Vec::as_slice));
    let Reply::Array(docs) = conn.execute(&query) else {
        return;
    };
    for pair in docs.chunks_exact(2) {
        let (Reply::Bulk(name), fields) = (&pair[0], &pair[1]) else {
            continue;
        };
        let text = |want: &str| match field(fields, want) {
            Some(Reply::Bulk(v)) => String::from_utf8_lossy(v).into_owned(),
            _ => String::new(),
        };
        let syntax = match field(fields, "arguments") {
            Some(Reply::Array(a)) => arguments(a, " "),
            _ => String::new(),
        };
        let name = String::from_utf8_lossy(name).to_uppercase();
        println!();
        println!("  {name} {syntax}");
        println!("  summary: {}", text("summary"));
        println!("  group: {}", text("group"));
        println!();
    }
}

/// A field of a map that RESP2 shows as a flat array.
fn field<'r>(map: &'r Reply, want: &str) -> Option<&'r Reply> {
    let Reply::Array(flat) = map else {
        return None;
    };
    flat.chunks_exact(2).find_map(|f| match &f[0] {
        Reply::Bulk(k) if k.as_ref() == want.as_bytes() => Some(&f[1]),
        _ => None,
    })
}

/// A command's syntax from its documented arguments, as redis-cli writes it
/// (`cliAddArgument`): `key value [NX|XX] [GET] ...`.
fn arguments(args: &[Reply], separator: &str) -> String {
    args.iter()
        .map(|a| {
            let text = |want: &str| match field(a, want) {
                Some(Reply::Bulk(v)) => String::from_utf8_lossy(v).into_owned(),
                _ => String::new(),
            };
            let kind = text("type");
            let flag = |f: &str| match field(a, "flags") {
                Some(Reply::Array(flags)) => flags.contains(&Reply::Simple(f.into())),
                _ => false,
            };
            let repeat = match (kind.as_str(), field(a, "arguments")) {
                ("oneof", Some(Reply::Array(sub))) => arguments(sub, "|"),
                ("block", Some(Reply::Array(sub))) => arguments(sub, " "),
                ("pure-token", _) => String::new(),
                _ => text("name"),
            };
            let mut token = text("token");
            if !token.is_empty() && kind != "pure-token" {
                token.push(' ');
            }
            let mut out = format!("{token}{repeat}");
            if flag("multiple") {
                let again = if flag("multiple_token") { &token } else { "" };
                out = format!("{out} [{again}{repeat} ...]");
            }
            if flag("optional") {
                out = format!("[{out}]");
            }
            out
        })
        .collect::<Vec<_>>()
        .join(separator)
}

/// Splits a line into arguments as redis-cli does (`sdssplitargs`).
fn split_args(line: &str) -> Result<Vec<Vec<u8>>, &'static str> {
    let bytes = line.as_bytes();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(args);
        }
        let mut current = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = bytes.get(i).copied();
            if in_double {
                match c {
                    None => return Err("unbalanced quotes"),
                    Some(b'\\')
                        if bytes.get(i + 1) == Some(&b'x')
                            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
                            && bytes.get(i + 3).is_some_and(u8::is_ascii_hexdigit) =>
                    {
                        let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex digits");
                        current.push(u8::from_str_radix(hex, 16).expect("hex digits"));
                        i += 3;
                    }
                    Some(b'\\') if i + 1 < bytes.len() => {
                        i += 1;
                        current.push(match bytes[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            other => other,
                        });
                    }
                    Some(b'"') => {
                        // The closing quote must be followed by a space or the end.
                        if bytes.get(i + 1).is_some_and(|b| !b.is_ascii_whitespace()) {
                            return Err("closing quote must be followed by a space");
                        }
                        i += 1;
                        break;
                    }
                    Some(other) => current.push(other),
                }
            } else if in_single {
                match c {
                    None => return Err("unbalanced quotes"),
                    Some(b'\\') if bytes.get(i + 1) == Some(&b'\'') => {
                        current.push(b'\'');
                        i += 1;
                    }
                    Some(b'\'') => {
                        if bytes.get(i + 1).is_some_and(|b| !b.is_ascii_whitespace()) {
                            return Err("closing quote must be followed by a space");
                        }
                        i += 1;
                        break;
                    }
                    Some(other) => current.push(other),
                }
            } else {
                match c {
                    None => break,
                    Some(b) if b.is_ascii_whitespace() => break,
                    Some(b'"') => in_double = true,
                    Some(b'\'') => in_single = true,
                    Some(other) => current.push(other),
                }
            }
            i += 1;
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;

    #[test]
    fn arguments_split_as_redis_cli_splits_them() {
        let args = split_args(r#"SET "a b" 'c d' "\x41\n" plain"#).unwrap();
        assert_eq!(args, [&b"SET"[..], b"a b", b"c d", b"A\n", b"plain"]);
        assert!(split_args(r#"GET "open"#).is_err());
        assert!(split_args(r#"GET "a"b"#).is_err());
        assert_eq!(split_args("  ").unwrap(), Vec::<Vec<u8>>::new());
    }
}
