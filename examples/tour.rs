//! A walk through embedis, in the spirit of a Redis tutorial.
//!
//! Run it with `cargo run --example tour`.

use std::time::Duration;

use embedis::{
    BitOp, Blob, CancelToken, Error, EvictionPolicy, GeoSearch, GeoUnit, GroupCreate, GroupRead,
    LexBound, ManualClock, ReadFrom, ScanOptions, ScoreBound, SetOptions, SortOptions, Store,
    StreamId, StreamTrim, Ttl, XAdd, XReadGroup, ZRange,
};

/// A web session kept in a hash, as in the tutorial's `RedisToSession`: it lives 20
/// minutes after the last access, because every access renews the key's TTL.
struct Session<'s> {
    store: &'s Store,
    id: String,
}

impl<'s> Session<'s> {
    const IDLE: Duration = Duration::from_secs(20 * 60);

    /// Resumes session `id` if it still exists, or starts a new one.
    fn open(store: &'s Store, id: Option<&str>, fresh_id: &str) -> Result<Self, Error> {
        let id = match id {
            Some(id) if store.keys().exists([id])? == 1 => id.to_string(),
            _ => {
                store.hashes().hset(fresh_id, [("created", "now")])?;
                fresh_id.to_string()
            }
        };
        let session = Session { store, id };
        session.touch()?;
        Ok(session)
    }

    fn touch(&self) -> Result<(), Error> {
        self.store.keys().expire(&self.id, Self::IDLE)?;
        Ok(())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.store.hashes().hset(&self.id, [(key, value)])?;
        self.touch()
    }

    fn get(&self, key: &str) -> Result<Option<Blob>, Error> {
        self.touch()?;
        self.store.hashes().hget(&self.id, key)
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.store.hashes().hdel(&self.id, [key])?;
        self.touch()
    }

    fn all(&self) -> Result<Vec<(Blob, Blob)>, Error> {
        self.touch()?;
        self.store.hashes().hgetall(&self.id)
    }
}

fn main() -> Result<(), Error> {
    // A clock we move by hand, so the expiry below happens instantly and for sure.
    let clock = ManualClock::new();
    let store = Store::builder().clock(clock.clone()).build();

    strings(&store)?;
    cached_page(&store, &clock)?;
    counters(&store)?;
    bit_flags(&store)?;
    sessions(&store, &clock)?;
    tags(&store)?;
    job_queue(&store)?;
    recent_items(&store)?;
    cart(&store)?;
    unique_visitors(&store)?;
    nearby(&store)?;
    event_log(&store)?;
    order_processing(&store, &clock)?;
    leaderboard(&store)?;
    chat(&store)?;
    transactions(&store)?;
    scripts(&store, &clock)?;
    keys(&store)?;
    commands(&store);
    bounded_cache()?;
    Ok(())
}

fn strings(store: &Store) -> Result<(), Error> {
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

    Ok(())
}

fn cached_page(store: &Store, clock: &ManualClock) -> Result<(), Error> {
    let strings = store.strings();
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
    // As in Redis, a key lives through the millisecond of its deadline.
    println!(
        "after 5 s: cached? {}",
        strings.get("page:/home")?.is_some()
    );
    clock.advance(Duration::from_millis(1));
    println!(
        "a millisecond later: cached? {}",
        strings.get("page:/home")?.is_some()
    );
    assert_eq!(store.keys().ttl("page:/home")?, Ttl::Missing);

    Ok(())
}

fn counters(store: &Store) -> Result<(), Error> {
    let strings = store.strings();
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

    Ok(())
}

fn bit_flags(store: &Store) -> Result<(), Error> {
    let strings = store.strings();
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

    Ok(())
}

fn sessions(store: &Store, clock: &ManualClock) -> Result<(), Error> {
    println!("\n== A session store: a hash that expires after 20 idle minutes");
    let session = Session::open(store, None, "session:9f2c")?;
    session.set("user", "ansheng")?;
    session.set("theme", "dark")?;
    session.set("cart", "3 items")?;
    session.remove("cart")?;
    println!("session {} -> {:?}", session.id, session.all()?);
    clock.advance(Duration::from_secs(15 * 60));
    let again = Session::open(store, Some("session:9f2c"), "session:new")?;
    println!(
        "15 minutes later, same session: user = {:?}, TTL renewed to {:?}",
        again.get("user")?,
        store.keys().ttl(&again.id)?
    );
    clock.advance(Duration::from_secs(20 * 60));
    let later = Session::open(store, Some("session:9f2c"), "session:7a1e")?;
    println!(
        "20 idle minutes later: a new session {} with user = {:?}",
        later.id,
        later.get("user")?
    );

    Ok(())
}

fn tags(store: &Store) -> Result<(), Error> {
    println!("\n== Tags: set algebra");
    let sets = store.sets();
    sets.sadd("tag:rust", ["post:1", "post:2", "post:4"])?;
    sets.sadd("tag:redis", ["post:2", "post:3", "post:4"])?;
    sets.sadd("tag:draft", ["post:4"])?;
    let mut both = sets.sinter(["tag:rust", "tag:redis"])?;
    both.sort();
    println!("SINTER tag:rust tag:redis -> {both:?}");
    let mut any = sets.sunion(["tag:rust", "tag:redis"])?;
    any.sort();
    println!("SUNION tag:rust tag:redis -> {any:?}");
    sets.sdiffstore("published:rust", ["tag:rust", "tag:draft"])?;
    let mut published = sets.smembers("published:rust")?;
    published.sort();
    println!("SDIFFSTORE published:rust tag:rust tag:draft -> {published:?}");
    println!(
        "SMOVE post:4 from tag:draft to tag:published -> {}",
        sets.smove("tag:draft", "tag:published", "post:4")?
    );
    println!(
        "tag:draft still exists? {}",
        store.keys().exists(["tag:draft"])? == 1
    );

    Ok(())
}

fn job_queue(store: &Store) -> Result<(), Error> {
    println!("\n== A job queue: producers LPUSH, workers BRPOP, every job done once");
    let token = CancelToken::new();
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let (store, token) = (store.clone(), token.clone());
            std::thread::spawn(move || {
                let lists = store.lists().cancel_with(&token);
                let mut done = Vec::new();
                // Blocks without using CPU until a job arrives; ends when cancelled.
                while let Ok(Some((_, job))) = lists.brpop(["jobs"], None) {
                    store.lists().rpush(
                        "log",
                        [format!("worker {w}: {}", job.as_str().unwrap_or("?"))],
                    )?;
                    done.push(job);
                }
                Ok::<_, Error>(done)
            })
        })
        .collect();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    store.lists().lpush("jobs", [format!("job {p}-{i}")])?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for p in producers {
        p.join().expect("producer")?;
    }
    // Wait for the queue to drain, then shut the workers down.
    while store.lists().llen("jobs")? > 0 || store.lists().llen("log")? < 100 {
        std::thread::yield_now();
    }
    token.cancel();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.join().expect("worker")?);
    }
    let done = all.len();
    all.sort();
    all.dedup();
    assert_eq!((done, all.len()), (100, 100));
    println!("jobs pushed 100, done {done}, distinct {}", all.len());
    Ok(())
}

fn recent_items(store: &Store) -> Result<(), Error> {
    println!("\n== A capped list of recent items: LPUSH + LTRIM");
    let lists = store.lists();
    for page in ["/", "/about", "/blog", "/blog/1", "/blog/2", "/contact"] {
        lists.lpush("recent:pages", [page])?;
        lists.ltrim("recent:pages", 0, 3)?;
    }
    println!(
        "LRANGE recent:pages 0 -1 -> {:?}",
        lists.lrange("recent:pages", 0, -1)?
    );
    Ok(())
}

/// A shopping cart of item ids, shown by price and by name through `SORT`'s patterns:
/// `BY` reads each item's weight, `GET` its fields, `STORE` keeps the result.
fn cart(store: &Store) -> Result<(), Error> {
    println!("\n== A cart sorted by its items' fields: SORT … BY … GET");
    store.lists().rpush("cart", ["3", "1", "2"])?;
    for (id, name, price) in [("1", "tea", "4.50"), ("2", "cake", "3"), ("3", "jam", "12")] {
        store
            .hashes()
            .hset(format!("item:{id}"), [("name", name), ("price", price)])?;
    }
    let by_price = SortOptions::new()
        .by("item:*->price")
        .get("item:*->name")
        .get("item:*->price");
    let sorted = store.keys().sort("cart", &by_price)?;
    assert_eq!(sorted[0].as_deref(), Some(&b"cake"[..]));
    println!("SORT cart BY item:*->price GET item:*->name GET item:*->price -> {sorted:?}");
    let by_name = SortOptions::new().by("item:*->name").alpha().desc();
    let n = store.keys().sort_store("cart", "cart:by-name", &by_name)?;
    println!(
        "SORT cart BY item:*->name ALPHA DESC STORE cart:by-name -> {n}, LRANGE -> {:?}",
        store.lists().lrange("cart:by-name", 0, -1)?
    );
    Ok(())
}

/// Distinct visitors per day in a few hundred bytes each (a HyperLogLog: about 0.8%
/// error), and the week as their union.
fn unique_visitors(store: &Store) -> Result<(), Error> {
    println!("\n== Unique visitors: PFADD, PFCOUNT, PFMERGE");
    let hll = store.hyperloglogs();
    for day in 0..7 {
        // 1000 visits a day from 600 people; 200 of them come back every day.
        let visitors = (0..1000).map(|v| {
            if v % 3 == 0 {
                format!("regular:{}", v % 200)
            } else {
                format!("user:{day}:{}", v % 400)
            }
        });
        hll.pfadd(format!("visitors:day{day}"), visitors)?;
    }
    let monday = hll.pfcount(["visitors:day0"])?;
    let days: Vec<String> = (0..7).map(|d| format!("visitors:day{d}")).collect();
    hll.pfmerge("visitors:week", &days)?;
    let week = hll.pfcount(["visitors:week"])?;
    assert!((580..=620).contains(&monday) && (2900..=3100).contains(&week));
    println!(
        "PFCOUNT visitors:day0 -> {monday} (600 distinct), visitors:week -> {week} (3000 distinct)"
    );
    let bytes = store.strings().strlen("visitors:day0")?;
    println!("STRLEN visitors:day0 -> {bytes} bytes (Redis's sparse encoding, the same bytes)");
    Ok(())
}

/// Points of interest by position, and the ones near a place, nearest first.
fn nearby(store: &Store) -> Result<(), Error> {
    println!("\n== Places nearby: GEOADD, GEODIST, GEOSEARCH");
    let geo = store.geo();
    geo.geoadd(
        "cafes",
        [
            (2.3522, 48.8566, "hotel-de-ville"),
            (2.3499, 48.8530, "notre-dame"),
            (2.2945, 48.8584, "tour-eiffel"),
            (2.3376, 48.8606, "louvre"),
        ],
    )?;
    let km = geo.geodist("cafes", "louvre", "tour-eiffel", GeoUnit::Kilometers)?;
    println!("GEODIST cafes louvre tour-eiffel km -> {km:.3?}");
    let near = GeoSearch::from_member("notre-dame")
        .by_radius(2.0, GeoUnit::Kilometers)
        .asc()
        .with_dist();
    let found = geo.geosearch("cafes", &near)?;
    assert_eq!(found[0].member, "notre-dame");
    for m in &found {
        println!("  {:?} at {:.3} km", m.member, m.dist.unwrap_or_default());
    }
    Ok(())
}

/// An event log: a stream that producers append to and a reader follows, waiting for
/// what comes next.
fn event_log(store: &Store) -> Result<(), Error> {
    println!("\n== An event log: XADD, XRANGE, XREAD BLOCK, XTRIM");
    let log = store.streams();
    // IDs come from the store's clock (here a manual one), never going backwards.
    let first = log.xadd(
        "events",
        &XAdd::new(),
        [("user", "ann"), ("action", "login")],
    )?;
    log.xadd(
        "events",
        &XAdd::new(),
        [("user", "bob"), ("action", "login")],
    )?;
    println!(
        "XADD events * user ann action login -> {}",
        first.unwrap_or_default()
    );
    for e in log.xrange("events", StreamId::MIN, StreamId::MAX, None)? {
        println!("  {} {:?}", e.id, e.fields);
    }
    // A reader waits for what is added after the call ("$"), holding no lock.
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || {
            store.streams().xread_block(
                &[("events", ReadFrom::New)],
                None,
                Some(Duration::from_secs(5)),
            )
        })
    };
    while store.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    log.xadd("events", &XAdd::new(), [("user", "ann"), ("action", "buy")])?;
    let read = reader
        .join()
        .expect("the reader")?
        .expect("an entry before the timeout");
    let (key, entries) = &read[0];
    println!(
        "XREAD BLOCK 5000 STREAMS events $ -> {key:?}: {:?}",
        entries[0].fields
    );
    // Keep the log bounded: the newest two entries.
    let trimmed = log.xtrim("events", &StreamTrim::max_len(2))?;
    println!(
        "XTRIM events MAXLEN 2 -> {trimmed}; XLEN -> {}",
        log.xlen("events")?
    );
    Ok(())
}

fn order_processing(store: &Store, clock: &ManualClock) -> Result<(), Error> {
    println!("\n== Workers sharing a log: a consumer group, XACK, XAUTOCLAIM");
    let orders = store.streams();
    // A group reads the log once between its workers: each entry goes to one of them
    // and stays pending until acknowledged.
    orders.xgroup_create("orders", "billing", &GroupCreate::last().mkstream())?;
    for (id, amount) in [("o1", "30"), ("o2", "12"), ("o3", "99")] {
        orders.xadd("orders", &XAdd::new(), [("order", id), ("amount", amount)])?;
    }
    let new = [("orders", GroupRead::New)];
    let ann = orders.xreadgroup(&XReadGroup::new("billing", "ann").count(2), &new)?;
    let bob = orders.xreadgroup(&XReadGroup::new("billing", "bob").count(2), &new)?;
    let show = |ids: &[StreamId]| ids.iter().map(ToString::to_string).collect::<Vec<_>>();
    let ids = |read: &embedis::GroupReads| -> Vec<StreamId> {
        read.iter()
            .flat_map(|(_, e)| e.iter().map(|e| e.id))
            .collect()
    };
    println!(
        "XREADGROUP GROUP billing ann COUNT 2 STREAMS orders > -> {:?}",
        show(&ids(&ann))
    );
    println!(
        "XREADGROUP GROUP billing bob COUNT 2 STREAMS orders > -> {:?}",
        show(&ids(&bob))
    );
    // Bob finishes his order; Ann crashes before acknowledging hers.
    println!(
        "XACK orders billing <bob's> -> {}",
        orders.xack("orders", "billing", ids(&bob))?
    );
    let summary = orders.xpending("orders", "billing")?;
    println!(
        "XPENDING orders billing -> {} pending {:?}",
        summary.count, summary.consumers
    );
    // A minute later a rescuer takes over what has been idle for 30 seconds.
    clock.advance(Duration::from_secs(60));
    let rescued = orders.xautoclaim("orders", "billing", "carl", 30_000, StreamId::MIN, 10)?;
    for e in &rescued.claimed {
        println!(
            "XAUTOCLAIM orders billing carl 30000 0 -> {} {:?}",
            e.id, e.fields
        );
    }
    let done: Vec<StreamId> = rescued.claimed.iter().map(|e| e.id).collect();
    orders.xack("orders", "billing", done)?;
    let group = &orders.xinfo_groups("orders")?[0];
    println!(
        "XINFO GROUPS orders -> pending {}, lag {:?}",
        group.pending, group.lag
    );
    Ok(())
}

fn leaderboard(store: &Store) -> Result<(), Error> {
    println!("\n== A leaderboard: a sorted set");
    let board = store.zsets();
    // 1000 players with scores; ZADD adds or updates, ZINCRBY adds to a score.
    let players: Vec<(String, f64)> = (0..1000)
        .map(|i| (format!("player:{i}"), f64::from((i * 7919) % 1000)))
        .collect();
    board.zadd("board", players)?;
    board.zadd("board", [("ann", 990.0), ("bob", 400.0)])?;
    println!(
        "ZINCRBY board 25 ann -> {}",
        board.zincrby("board", 25.0, "ann")?
    );
    let top3 = board.zrevrange_withscores("board", 0, 2)?;
    println!("ZREVRANGE board 0 2 WITHSCORES -> {top3:?}");
    println!(
        "ZREVRANK board bob -> {:?} (of {})",
        board.zrevrank("board", "bob")?,
        board.zcard("board")?
    );
    // A score window, paged with LIMIT: the five players just above 500 points.
    let window = ZRange::score(ScoreBound::Exclusive(500.0), ScoreBound::MAX).limit(0, 5);
    println!(
        "ZRANGEBYSCORE board (500 +inf WITHSCORES LIMIT 0 5 -> {:?}",
        board.zrange_by_withscores("board", &window)?
    );
    println!(
        "ZCOUNT board 400 500 -> {}",
        board.zcount("board", 400.0, 500.0)?
    );
    // The tutorial's ZRANGEBYLEX: members of equal score, ordered by their bytes.
    let names = ["aa", "ba", "ca", "da", "ea", "fa", "ga"];
    board.zadd("myzset", names.map(|m| (m, 0.0)))?;
    println!(
        "ZRANGEBYLEX myzset - [ca -> {:?}",
        board.zrangebylex("myzset", LexBound::Min, LexBound::parse("[ca")?)?
    );
    Ok(())
}

fn chat(store: &Store) -> Result<(), Error> {
    println!("\n== Pub/sub between two threads");
    // Subscribe before publishing: a message reaches the subscriptions that exist when
    // it is published.
    let room = store.pubsub().subscribe(["chat:lobby"]);
    let alerts = store.pubsub().psubscribe(["alert:*"]);
    let listener = std::thread::spawn(move || {
        for message in room.iter() {
            let text = String::from_utf8_lossy(&message.payload).into_owned();
            println!(
                "  [subscriber] {}: {text}",
                String::from_utf8_lossy(&message.channel)
            );
            if text == "bye" {
                break;
            }
        }
    });
    let pubsub = store.pubsub();
    for line in ["hello", "anyone here?", "bye"] {
        let receivers = pubsub.publish("chat:lobby", line)?;
        println!("PUBLISH chat:lobby {line:?} -> {receivers}");
    }
    listener.join().expect("the listener ran to the end");
    pubsub.publish("alert:disk", "90% full")?;
    let alert = alerts.try_recv()?.expect("published just above");
    println!(
        "PSUBSCRIBE alert:* got {:?} on {:?}",
        alert.payload, alert.channel
    );
    println!(
        "PUBSUB NUMSUB chat:lobby -> {:?} (the listener's subscription ended with it)",
        pubsub.numsub(["chat:lobby"])?
    );
    Ok(())
}

fn transactions(store: &Store) -> Result<(), Error> {
    println!("\n== Transactions");
    let strings = store.strings();
    strings.mset([("wallet:ann", "50"), ("wallet:bob", "10")])?;
    // All or nothing: the overdraft check fails the closure, so the DECRBY is undone.
    let overdraft = store.transaction(["wallet:ann", "wallet:bob"], |tx| {
        if tx.strings().decrby("wallet:ann", 80)? < 0 {
            return Err(Error::Syntax);
        }
        tx.strings().incrby("wallet:ann", 80)
    });
    println!(
        "transfer 80 from ann -> {:?}; ann still has {:?}",
        overdraft.map(|_| ()),
        strings.get("wallet:ann")?
    );
    store.transaction(["wallet:ann", "wallet:bob"], |tx| {
        tx.strings().decrby("wallet:ann", 30)?;
        tx.strings().incrby("wallet:bob", 30)
    })?;
    println!(
        "transfer 30 from ann to bob -> {:?}",
        strings.mget(["wallet:ann", "wallet:bob"])?
    );
    // WATCH-based check-and-set: double bob's balance, retrying if it moves meanwhile.
    let doubled = loop {
        let watch = store.watch(["wallet:bob"]);
        let bob: i64 = strings
            .get("wallet:bob")?
            .and_then(|b| b.as_str()?.parse().ok())
            .unwrap_or(0);
        let committed = watch.transaction(["wallet:bob"], |tx| {
            tx.strings().set("wallet:bob", (bob * 2).to_string())
        });
        // Someone changed it between GET and the commit: read again and retry.
        if committed != Err(Error::WatchedKeyChanged) {
            break committed.map(|()| bob * 2)?;
        }
    };
    println!("WATCH wallet:bob, GET, MULTI, SET, EXEC -> bob now has {doubled}");
    Ok(())
}

/// Lua scripts run atomically, as on Redis: a lock released only by its owner, and a
/// token-bucket rate limiter.
fn scripts(store: &Store, clock: &ManualClock) -> Result<(), Error> {
    println!("\n== Scripts");
    // A lock taken with SET NX PX and released by compare-and-delete: a holder whose
    // lock expired and was taken by another cannot release the other's.
    let release = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
    let lock = SetOptions::new().nx().ttl(Duration::from_secs(10));
    store.strings().set_with("lock:report", "worker-1", lock)?;
    let sha = store.scripts().load(release)?;
    let wrong = store
        .scripts()
        .evalsha(&sha, ["lock:report"], ["worker-2"])?;
    let right = store
        .scripts()
        .evalsha(&sha, ["lock:report"], ["worker-1"])?;
    println!("release by worker-2 -> {wrong}; by worker-1 -> {right}");

    // A token bucket: 2 requests a second, bursts of 3; TIME is the store's clock.
    let bucket = r"
        local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = math.min(burst, (tonumber(b[1]) or burst) + (now - (tonumber(b[2]) or now)) * rate / 1000)
        local ok = tokens >= 1
        if ok then tokens = tokens - 1 end
        redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000))
        return ok";
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(
            store
                .scripts()
                .eval(bucket, ["rate:ann"], ["2", "3"])?
                .to_string(),
        );
    }
    clock.advance(Duration::from_millis(500));
    seen.push(
        store
            .scripts()
            .eval(bucket, ["rate:ann"], ["2", "3"])?
            .to_string(),
    );
    println!("five requests, then one half a second later -> {seen:?}");
    Ok(())
}

fn keys(store: &Store) -> Result<(), Error> {
    let strings = store.strings();
    println!("\n== Keys");
    let mut users = store
        .keys()
        .scan_iter(ScanOptions::new().pattern("active:*"))
        .collect::<Result<Vec<_>, _>>()?;
    users.sort();
    println!("SCAN MATCH active:* -> {users:?}");
    store.keys().rename("visits", "hits")?;
    println!("RENAME visits hits, GET hits -> {:?}", strings.get("hits")?);
    // Expired keys (the page, the old session) are invisible but, as in Redis, counted
    // until reclaimed; the sweeper does that on its own, or on demand:
    store.purge_expired();
    println!("DBSIZE -> {}", store.keys().dbsize()?);
    Ok(())
}

/// A cache with a memory budget: a separate store bounded to 1 MiB that evicts its
/// least frequently used pages, as Redis does with `maxmemory` and `allkeys-lfu`.
fn bounded_cache() -> Result<(), Error> {
    println!("\n== A cache with a memory budget (maxmemory 1 MiB, allkeys-lfu)");
    let cache = Store::builder()
        .max_memory(1 << 20)
        .eviction_policy(EvictionPolicy::AllKeysLfu)
        .build();
    // A popular page, read often...
    cache.strings().set("page:/home", [b'h'; 500])?;
    for _ in 0..1000 {
        cache.strings().get("page:/home")?;
    }
    // ...then a crawler fetching 20 000 pages once each.
    for i in 0..20_000 {
        cache
            .strings()
            .set(format!("page:/crawl/{i}"), [b'c'; 500])?;
    }
    let info = cache.info();
    println!(
        "used_memory {} of {} bytes, {} keys held, {} evicted",
        info.used_memory, info.maxmemory, info.keys, info.evicted_keys
    );
    println!(
        "the popular page survived the crawl? {} (OBJECT FREQ {:?})",
        cache.strings().get("page:/home")?.is_some(),
        cache.keys().object_freq("page:/home")?
    );
    println!(
        "MEMORY USAGE page:/home -> {:?}",
        cache.keys().memory_usage("page:/home")?
    );
    Ok(())
}

/// The same store through Redis's own command syntax, as a client (or redis-rs, with
/// the `redis-rs` feature) would send it.
fn commands(store: &Store) {
    println!("\n== Redis commands: store.connection().execute([...])");
    let mut conn = store.connection();
    for cmd in [
        &["ZREVRANGE", "board", "0", "2", "WITHSCORES"][..],
        &["HSET", "user:1", "name", "ann", "lang", "rust"],
        &["HGETALL", "user:1"],
        &["MULTI"],
        &["INCR", "hits"],
        &["EXPIRE", "hits", "60"],
        &["EXEC"],
        &["TTL", "hits"],
        &["LPUSH", "board", "oops"],
        &["NOSUCH", "command"],
    ] {
        println!("> {}\n{}", cmd.join(" "), conn.execute(cmd));
    }
}
