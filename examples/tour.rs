//! A walk through embedis, in the spirit of a Redis tutorial.
//!
//! Run it with `cargo run --example tour`.

use std::time::Duration;

use embedis::{BitOp, Error, ManualClock, ScanOptions, SetOptions, Store, Ttl};

fn main() -> Result<(), Error> {
    // A clock we move by hand, so the expiry below happens instantly and for sure.
    let clock = ManualClock::new();
    let store = Store::builder().clock(clock.clone()).build();
    let strings = store.strings();

    println!("== Strings: SET and GET");
    strings.set("name", "ansheng")?;
    strings.set("url", "https://blog.ansheng.me")?;
    println!("GET name -> {:?}", strings.get("name")?);
    println!(
        "MGET name url nope -> {:?}",
        strings.mget(["name", "url", "nope"])?
    );
    println!("SETNX name other -> {}", strings.setnx("name", "other")?);
    println!("GETRANGE url 8 11 -> {:?}", strings.getrange("url", 8, 11)?);
    strings.set("n", "123456789")?;
    strings.setrange("n", 0, "a")?;
    println!("SETRANGE n 0 a -> {:?}", strings.get("n")?);
    strings.set("chinese", "安生")?;
    println!(
        "STRLEN of a 2-character UTF-8 string -> {}",
        strings.strlen("chinese")?
    );

    println!("\n== A page cached for 5 seconds (SET EX)");
    let page = "<html><body>Hello</body></html>";
    strings.set_with(
        "page:/home",
        page,
        SetOptions::new().ttl(Duration::from_secs(5)),
    )?;
    println!("TTL page:/home -> {:?}", store.keys().ttl("page:/home")?);
    clock.advance(Duration::from_secs(3));
    println!(
        "after 3 s: cached? {}",
        strings.get("page:/home")?.is_some()
    );
    clock.advance(Duration::from_secs(2));
    println!(
        "after 5 s: cached? {}",
        strings.get("page:/home")?.is_some()
    );
    assert_eq!(store.keys().ttl("page:/home")?, Ttl::Missing);

    println!("\n== Counters");
    println!("INCR visits -> {}", strings.incr("visits")?);
    println!("INCRBY visits 10 -> {}", strings.incrby("visits", 10)?);
    println!("DECR visits -> {}", strings.decr("visits")?);
    strings.set("price", "13.5")?;
    println!(
        "INCRBYFLOAT price 1.1 -> {}",
        strings.incrbyfloat("price", 1.1)?
    );
    println!("GET price -> {:?}", strings.get("price")?);
    strings.set("text", "abc")?;
    println!("INCR text -> {}", strings.incr("text").unwrap_err());

    println!("\n== Bit flags: one bit per user id");
    let bits = store.bits();
    for user in [3, 7, 1000] {
        bits.setbit("active:monday", user, true)?;
    }
    for user in [7, 42] {
        bits.setbit("active:tuesday", user, true)?;
    }
    println!(
        "users active on Monday -> {}",
        bits.bitcount("active:monday")?
    );
    bits.bitop(
        BitOp::And,
        "active:both",
        ["active:monday", "active:tuesday"],
    )?;
    println!(
        "active both days -> {}, first is user {:?}",
        bits.bitcount("active:both")?,
        bits.bitpos("active:both", true)?
    );
    strings.mset([("n1", "abc"), ("n2", "cde"), ("n3", "adc")])?;
    bits.bitop(BitOp::And, "now_key", ["n1", "n2", "n3"])?;
    println!("BITOP AND abc cde adc -> {:?}", strings.get("now_key")?);

    println!("\n== Keys");
    let mut users: Vec<_> = store
        .keys()
        .scan_iter(ScanOptions::new().pattern("active:*"))
        .collect();
    users.sort();
    println!("SCAN MATCH active:* -> {users:?}");
    store.keys().rename("visits", "hits")?;
    println!("RENAME visits hits, GET hits -> {:?}", strings.get("hits")?);
    // The expired page is invisible but, like in Redis, counted until it is reclaimed;
    // the sweeper does that on its own, or on demand:
    println!("expired keys reclaimed -> {}", store.purge_expired());
    println!("DBSIZE -> {}", store.keys().dbsize()?);
    Ok(())
}
