//! Lua scripts through `EVAL` with arbitrary arguments: the conversions both ways,
//! `redis.call` with any command and arguments, the script libraries' decoders
//! (`cjson`, `cmsgpack`, `struct`, `bit`) on hostile bytes. The scripts are fixed and
//! loop-free (arbitrary code may loop forever, as on Redis); what varies is what they
//! are handed. No input may panic, hang or allocate without bound, and the store still
//! answers afterwards.
#![no_main]

use arbitrary::{Result, Unstructured};
use embedis::{Reply, Store};
use libfuzzer_sys::fuzz_target;

const SCRIPTS: &[&str] = &[
    "return redis.call(ARGV[1], KEYS[1], ARGV[2], ARGV[3])",
    "return redis.pcall(ARGV[1], KEYS[1], ARGV[2], ARGV[3])",
    "redis.setresp(3) return redis.pcall(ARGV[1], KEYS[1], ARGV[2])",
    "return {redis.pcall(ARGV[1], ARGV[2]), redis.pcall(ARGV[3], KEYS[1])}",
    "return tonumber(ARGV[1])",
    "return {double = tonumber(ARGV[1])}",
    "return {err = ARGV[1]}",
    "return {ok = ARGV[1]}",
    "return {map = {[ARGV[1]] = ARGV[2], [ARGV[2]] = {ARGV[3]}}}",
    "return {set = {[ARGV[1]] = true}}",
    "return {big_number = ARGV[1]}",
    "return {verbatim_string = {format = ARGV[1], string = ARGV[2]}}",
    "return redis.error_reply(ARGV[1])",
    "return redis.status_reply(ARGV[1])",
    "return {redis.sha1hex(ARGV[1]), string.format('%q', ARGV[1])}",
    "error(ARGV[1])",
    "return loadstring(ARGV[1]) and 1 or 0",
    "redis.log(tonumber(ARGV[1]) or 0, ARGV[2])",
    "return redis.setresp(tonumber(ARGV[1]))",
    "return math.random(tonumber(ARGV[1]) or 1, tonumber(ARGV[2]) or 2)",
    "return cjson.encode(cjson.decode(ARGV[1]))",
    "return cjson.decode(ARGV[1])",
    "return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))",
    "return {cmsgpack.unpack(ARGV[1])}",
    "return {struct.unpack(ARGV[1], ARGV[2])}",
    "return struct.pack(ARGV[1], tonumber(ARGV[2]) or 0, ARGV[3])",
    "return struct.size(ARGV[1])",
    "return {bit.tohex(tonumber(ARGV[1]) or 0, tonumber(ARGV[2]) or 8), bit.band(tonumber(ARGV[1]) or 0, 255)}",
];

const NASTY: &[&str] = &[
    "", "0", "-1", "1e308", "nan", "inf", "3", "2", "GET", "SET", "HSET", "LPUSH", "ZADD",
    "XADD", "INCR", "SELECT", "DEL", "{", "[1,2,{\"a\":null}]", "\"\\ud800\"", "<i4",
    "!8>I", "c0", "s", "bBhHlLiIfdxT", "\u{80}\u{ff}", "[[[[[[[[[[[[[[[[[[[[[[[[[",
];

fn arg(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=2u8)? {
        0 => NASTY[u.choose_index(NASTY.len())?].into(),
        1 => u.arbitrary::<i64>()?.to_string().into_bytes(),
        _ => {
            let len = u.int_in_range(0..=128usize)?;
            u.bytes(len)?.to_vec()
        }
    })
}

fn run(data: &[u8]) -> Result<()> {
    let store = Store::builder()
        .active_expiry(false)
        .max_string_size(1 << 20)
        .build();
    let mut c = store.connection();
    c.execute(&["SET", "k", "1"]);
    c.execute(&["RPUSH", "l", "a", "b"]);
    let mut u = Unstructured::new(data);
    while !u.is_empty() {
        let script = SCRIPTS[u.choose_index(SCRIPTS.len())?];
        let mut args: Vec<Vec<u8>> = vec![
            b"EVAL".to_vec(),
            script.as_bytes().to_vec(),
            b"1".to_vec(),
            [b"k".as_slice(), b"l", b"h"][u.choose_index(3)?].to_vec(),
        ];
        for _ in 0..3 {
            args.push(arg(&mut u)?);
        }
        c.execute(&args);
    }
    assert_eq!(c.execute(&["PING"]), Reply::Simple("PONG".into()));
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
