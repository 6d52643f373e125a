//! Geospatial commands: scenarios through the typed API and the command interface, and
//! differential runs against a real `redis-server` (seeded random points and queries of
//! every option combination, every reply compared exactly, order included, in RESP2 and
//! RESP3). Without `redis-server` the differential tests are skipped, unless
//! `EMBEDIS_REQUIRE_REDIS=1`. `EMBEDIS_GEO_ROUNDS=n` runs more rounds.

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use embedis::{
    Error, GeoOrder, GeoSearch, GeoUnit, KeyType, Reply, Store, ZAddCondition, ZAddOptions,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use redis_client::Redis;

fn sicily(store: &Store) {
    store
        .geo()
        .geoadd(
            "sicily",
            [
                (13.361_389, 38.115_556, "Palermo"),
                (15.087_269, 37.502_669, "Catania"),
                (12.758_489, 38.788_135, "edge1"),
                (17.241_510, 38.788_135, "edge2"),
            ],
        )
        .unwrap();
}

#[test]
fn positions_are_stored_as_redis_scores() {
    let store = Store::new();
    sicily(&store);
    assert_eq!(
        store.keys().key_type("sicily").unwrap(),
        Some(KeyType::ZSet)
    );
    assert_eq!(
        store.zsets().zscore("sicily", "Palermo").unwrap(),
        Some(3_479_099_956_230_698.0)
    );
    let pos = store.geo().geopos("sicily", ["Catania", "nope"]).unwrap();
    assert_eq!(format!("{:.17}", pos[0].unwrap().0), "15.08726745843887329");
    assert_eq!(pos[1], None);
    assert_eq!(
        store.geo().geohash("sicily", ["Palermo"]).unwrap(),
        [Some("sqc8b49rny0".to_string())]
    );
}

#[test]
fn bad_positions_change_nothing() {
    let store = Store::new();
    let err = store
        .geo()
        .geoadd("g", [(1.0, 1.0, "a"), (181.0, 10.0, "b")])
        .unwrap_err();
    assert_eq!(err, Error::InvalidLonLat("181.000000,10.000000".into()));
    assert_eq!(
        err.to_string(),
        "ERR invalid longitude,latitude pair 181.000000,10.000000"
    );
    assert_eq!(store.keys().exists(["g"]).unwrap(), 0);
    store.strings().set("s", "x").unwrap();
    assert_eq!(
        store.geo().geoadd("s", [(1.0, 1.0, "a")]),
        Err(Error::WrongType)
    );
    assert_eq!(
        store
            .geo()
            .geosearch("s", &GeoSearch::from_lonlat(0.0, 0.0)),
        Err(Error::WrongType)
    );
}

#[test]
fn geoadd_options_are_zadd_options() {
    let store = Store::new();
    let geo = store.geo();
    geo.geoadd("g", [(1.0, 1.0, "a")]).unwrap();
    let nx = ZAddOptions::new().condition(ZAddCondition::IfAbsent);
    assert_eq!(
        geo.geoadd_with("g", [(2.0, 2.0, "a"), (3.0, 3.0, "b")], nx)
            .unwrap(),
        1
    );
    let (lon, _) = geo.geopos("g", ["a"]).unwrap()[0].unwrap();
    assert!((lon - 1.0).abs() < 1e-5, "NX left a where it was");
    let ch = ZAddOptions::new().ch();
    assert_eq!(geo.geoadd_with("g", [(5.0, 5.0, "a")], ch).unwrap(), 1);
}

#[test]
fn searches_sort_count_and_detail() {
    let store = Store::new();
    sicily(&store);
    let geo = store.geo();
    let q = GeoSearch::from_lonlat(15.0, 37.0)
        .by_radius(200.0, GeoUnit::Kilometers)
        .asc()
        .with_dist()
        .with_hash()
        .with_coord();
    let found = geo.geosearch("sicily", &q).unwrap();
    let names: Vec<_> = found.iter().map(|m| m.member.clone()).collect();
    assert_eq!(names, ["Catania", "Palermo"]);
    assert_eq!(format!("{:.4}", found[0].dist.unwrap()), "56.4413");
    assert_eq!(found[1].hash, Some(3_479_099_956_230_698));
    let desc = geo
        .geosearch("sicily", &q.clone().order(GeoOrder::Desc).count(1))
        .unwrap();
    assert_eq!(desc[0].member, "Palermo");
    let boxed = GeoSearch::from_member("Palermo").by_box(400.0, 400.0, GeoUnit::Kilometers);
    assert_eq!(geo.geosearch("sicily", &boxed).unwrap().len(), 3);
    assert_eq!(
        geo.geosearch("sicily", &GeoSearch::from_member("Rome")),
        Err(Error::UndecodableMember)
    );
    assert_eq!(
        geo.geosearch(
            "sicily",
            &GeoSearch::from_lonlat(0.0, 0.0).by_radius(-1.0, GeoUnit::Meters)
        ),
        Err(Error::RadiusNegative)
    );
    assert_eq!(
        geo.geosearch("sicily", &GeoSearch::from_lonlat(0.0, 0.0).count(0)),
        Err(Error::GeoCountNotPositive)
    );
    assert!(geo.geosearch("missing", &q).unwrap().is_empty());
}

/// A member at longitude 180 scores past 2^53, where a score is stored rounded to
/// even: a search of radius 0 around it still finds it, as in Redis.
#[test]
fn members_on_the_antimeridian_find_themselves() {
    let store = Store::new();
    let geo = store.geo();
    geo.geoadd("t", [(180.0, 46.0, "a"), (-180.0, -46.0, "b")])
        .unwrap();
    for m in ["a", "b"] {
        let q = GeoSearch::from_member(m).by_radius(0.0, GeoUnit::Meters);
        let found = geo.geosearch("t", &q).unwrap();
        assert_eq!(found.len(), 1, "{m}");
        assert_eq!(found[0].member, m);
    }
}

#[test]
fn stored_searches_replace_or_delete_the_destination() {
    let store = Store::new();
    sicily(&store);
    let geo = store.geo();
    store.strings().set("dst", "old").unwrap();
    let q = GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Kilometers);
    assert_eq!(geo.geosearchstore("dst", "sicily", &q, false).unwrap(), 2);
    assert_eq!(
        store.zsets().zscore("dst", "Palermo").unwrap(),
        Some(3_479_099_956_230_698.0)
    );
    assert_eq!(geo.geosearchstore("dst", "sicily", &q, true).unwrap(), 2);
    let d = store.zsets().zscore("dst", "Catania").unwrap().unwrap();
    assert_eq!(format!("{d:.4}"), "56.4413");
    let none = GeoSearch::from_lonlat(-100.0, 0.0).by_radius(1.0, GeoUnit::Meters);
    assert_eq!(
        geo.geosearchstore("dst", "sicily", &none, false).unwrap(),
        0
    );
    assert_eq!(store.keys().exists(["dst"]).unwrap(), 0);
}

#[test]
fn the_command_interface_replies_as_redis() {
    let store = Store::new();
    let mut c = store.connection();
    let s = |v: &str| Reply::from(v);
    assert_eq!(
        c.execute(&[
            "GEOADD",
            "Sicily",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania"
        ]),
        Reply::Integer(2)
    );
    assert_eq!(
        c.execute(&["GEODIST", "Sicily", "Palermo", "Catania", "km"]),
        s("166.2742")
    );
    assert_eq!(
        c.execute(&["GEODIST", "Sicily", "Palermo", "Catania", "parsecs"])
            .to_string(),
        "(error) ERR unsupported unit provided. please use M, KM, FT, MI"
    );
    assert_eq!(
        c.execute(&["GEOPOS", "Sicily", "Palermo", "x"]),
        Reply::Array(vec![
            Reply::Array(vec![s("13.36138933897018433"), s("38.11555639549629859")]),
            Reply::NilArray
        ])
    );
    assert_eq!(
        c.execute(&[
            "GEORADIUS",
            "Sicily",
            "15",
            "37",
            "200",
            "km",
            "WITHDIST",
            "ASC"
        ]),
        Reply::Array(vec![
            Reply::Array(vec![s("Catania"), s("56.4413")]),
            Reply::Array(vec![s("Palermo"), s("190.4424")]),
        ])
    );
    assert_eq!(
        c.execute(&[
            "GEOSEARCH",
            "Sicily",
            "FROMLONLAT",
            "15",
            "37",
            "COUNT",
            "1"
        ])
        .to_string(),
        "(error) ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"
    );
    assert_eq!(
        c.execute(&[
            "GEORADIUS",
            "Sicily",
            "15",
            "37",
            "200",
            "km",
            "STORE",
            "d",
            "WITHDIST"
        ])
        .to_string(),
        "(error) ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
    );
    assert_eq!(
        c.execute(&["GEOADD", "Sicily", "181", "10", "x"])
            .to_string(),
        "(error) ERR invalid longitude,latitude pair 181.000000,10.000000"
    );
    c.execute(&["HELLO", "3"]);
    let Reply::Array(pos) = c.execute(&["GEOPOS", "Sicily", "Palermo"]) else {
        panic!("an array")
    };
    assert_eq!(
        pos[0],
        Reply::Array(vec![
            Reply::Double(13.361_389_338_970_184),
            Reply::Double(38.115_556_395_496_3)
        ])
    );
}

// ---------------------------------------------------------------------------------
// Differential tests against redis-server.
// ---------------------------------------------------------------------------------

fn num(rng: &mut SmallRng, lo: f64, hi: f64) -> String {
    let v: f64 = rng.gen_range(lo..=hi);
    // Round numbers sometimes, to make ties and exact boundaries.
    match rng.gen_range(0..4) {
        0 => format!("{v:.0}"),
        1 => format!("{v:.2}"),
        _ => format!("{v}"),
    }
}

/// A longitude and latitude, clustered where searches go wrong most easily: the
/// poles, the antimeridian, a small grid (equal distances), and anywhere.
fn point(rng: &mut SmallRng) -> (String, String) {
    match rng.gen_range(0..6) {
        0 => (num(rng, -180.0, 180.0), num(rng, 80.0, 85.051_128_78)),
        1 => (num(rng, -180.0, 180.0), num(rng, -85.051_128_78, -80.0)),
        2 => {
            let lon = if rng.gen_bool(0.5) {
                num(rng, 179.0, 180.0)
            } else {
                num(rng, -180.0, -179.0)
            };
            (lon, num(rng, -60.0, 60.0))
        }
        3 => (
            format!("{}", 10 + rng.gen_range(-3..=3)),
            format!("{}", 45 + rng.gen_range(-3..=3)),
        ),
        4 => (num(rng, 9.0, 11.0), num(rng, 44.0, 46.0)),
        _ => (
            num(rng, -180.0, 180.0),
            num(rng, -85.051_128_78, 85.051_128_78),
        ),
    }
}

fn unit(rng: &mut SmallRng) -> &'static str {
    ["m", "km", "ft", "mi", "KM", "Mi"][rng.gen_range(0..6)]
}

fn radius(rng: &mut SmallRng) -> String {
    match rng.gen_range(0..8) {
        0 => "0".into(),
        1 => format!("{}", rng.gen_range(1..50)),
        2 => format!("{}", rng.gen_range(100..3000)),
        3 => format!("{}", rng.gen_range(5000..20000)),
        4 => format!("{:.3}", rng.gen_range(0.0..1000.0)),
        _ => format!("{}", rng.gen_range(100..600)),
    }
}

/// A random search's options: what makes it valid, with an odd one sometimes.
fn options(rng: &mut SmallRng, out: &mut Vec<String>, store_ok: bool) {
    let mut opts: Vec<Vec<String>> = Vec::new();
    for o in ["WITHDIST", "WITHHASH", "WITHCOORD"] {
        if rng.gen_bool(0.4) {
            opts.push(vec![o.into()]);
        }
    }
    match rng.gen_range(0..4) {
        0 => opts.push(vec!["ASC".into()]),
        1 => opts.push(vec!["DESC".into()]),
        _ => {}
    }
    if rng.gen_bool(0.5) {
        let n = rng.gen_range(1..12).to_string();
        if rng.gen_bool(0.3) {
            opts.push(vec!["COUNT".into(), n, "ANY".into()]);
        } else {
            opts.push(vec!["COUNT".into(), n]);
        }
    }
    if store_ok && rng.gen_bool(0.3) {
        let o = if rng.gen_bool(0.5) {
            "STORE"
        } else {
            "STOREDIST"
        };
        opts.push(vec![o.into(), "dst".into()]);
    }
    if rng.gen_bool(0.05) {
        opts.push(vec![
            ["ANY", "COUNT", "COUNT 0", "FOO", "STORE"][rng.gen_range(0..5)].into(),
        ]);
    }
    if rng.gen_bool(0.03) {
        opts.push(vec![
            "COUNT".into(),
            ["0", "-1", "x"][rng.gen_range(0..3)].into(),
        ]);
    }
    // Shuffle the groups.
    for i in (1..opts.len()).rev() {
        let j = rng.gen_range(0..=i);
        opts.swap(i, j);
    }
    out.extend(opts.into_iter().flatten());
}

fn member(rng: &mut SmallRng, n: usize) -> String {
    format!("m{}", rng.gen_range(0..n + 2))
}

fn search_command(rng: &mut SmallRng, n: usize) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let key = if rng.gen_bool(0.95) {
        "g"
    } else {
        ["nokey", "str"][rng.gen_range(0..2)]
    };
    match rng.gen_range(0..6) {
        0 | 1 => {
            let ro = rng.gen_bool(0.3);
            a.push(if ro { "GEORADIUS_RO" } else { "GEORADIUS" }.into());
            a.push(key.into());
            let (lon, lat) = point(rng);
            a.extend([lon, lat, radius(rng), unit(rng).into()]);
            options(rng, &mut a, !ro);
        }
        2 => {
            let ro = rng.gen_bool(0.3);
            a.push(
                if ro {
                    "GEORADIUSBYMEMBER_RO"
                } else {
                    "GEORADIUSBYMEMBER"
                }
                .into(),
            );
            a.push(key.into());
            a.extend([member(rng, n), radius(rng), unit(rng).into()]);
            options(rng, &mut a, !ro);
        }
        _ => {
            let stored = rng.gen_bool(0.3);
            if stored {
                a.extend(["GEOSEARCHSTORE".into(), "dst".into(), key.into()]);
            } else {
                a.extend(["GEOSEARCH".into(), key.into()]);
            }
            let mut groups: Vec<Vec<String>> = Vec::new();
            if rng.gen_bool(0.97) {
                if rng.gen_bool(0.5) {
                    groups.push(vec!["FROMMEMBER".into(), member(rng, n)]);
                } else {
                    let (lon, lat) = point(rng);
                    groups.push(vec!["FROMLONLAT".into(), lon, lat]);
                }
            }
            if rng.gen_bool(0.97) {
                if rng.gen_bool(0.5) {
                    groups.push(vec!["BYRADIUS".into(), radius(rng), unit(rng).into()]);
                } else {
                    groups.push(vec![
                        "BYBOX".into(),
                        radius(rng),
                        radius(rng),
                        unit(rng).into(),
                    ]);
                }
            }
            if stored && rng.gen_bool(0.4) {
                groups.push(vec!["STOREDIST".into()]);
            }
            let mut rest = Vec::new();
            options(rng, &mut rest, false);
            groups.push(rest);
            for i in (1..groups.len()).rev() {
                let j = rng.gen_range(0..=i);
                groups.swap(i, j);
            }
            a.extend(groups.into_iter().flatten());
        }
    }
    a
}

/// One round: the same points into both, then queries, replies compared. Returns how
/// many searches found two or more members (so a run shows it compared real results).
#[allow(clippy::too_many_lines)] // a list of cases, or one scenario told in full
fn round(redis: &mut Redis, seed: u64, resp3: bool) -> usize {
    let mut found = 0;
    let store = Store::new();
    let mut c = store.connection();
    let mut rng = SmallRng::seed_from_u64(seed);
    redis.cmd(&["FLUSHALL"]);
    if resp3 {
        redis.cmd(&["HELLO", "3"]);
        c.execute(&["HELLO", "3"]);
    } else {
        redis.cmd(&["HELLO", "2"]);
    }
    let mut history: Vec<Vec<String>> = Vec::new();
    let mut check = |c: &mut embedis::Connection, redis: &mut Redis, args: Vec<String>| {
        let ours = c.execute(&args);
        let theirs = redis.cmd(&args);
        history.push(args.clone());
        assert_eq!(
            ours,
            theirs,
            "seed {seed} resp3 {resp3}: {args:?}\nhistory: {:?}",
            &history[history.len().saturating_sub(4)..]
        );
        ours
    };
    check(&mut c, redis, vec!["SET".into(), "str".into(), "x".into()]);
    let n = rng.gen_range(1..400);
    let mut added = 0;
    while added < n {
        let mut a: Vec<String> = vec!["GEOADD".into(), "g".into()];
        for o in ["NX", "XX", "CH"] {
            if rng.gen_bool(0.1) {
                a.push(o.into());
            }
        }
        for _ in 0..rng.gen_range(1..20) {
            let (lon, lat) = point(&mut rng);
            a.extend([lon, lat, format!("m{added}")]);
            added += 1;
        }
        check(&mut c, redis, a);
    }
    // Plain members with scores outside the geohash range, and a duplicate position.
    check(
        &mut c,
        redis,
        vec![
            "ZADD".into(),
            "g".into(),
            "-1".into(),
            "neg".into(),
            "1e300".into(),
            "huge".into(),
            "1.5".into(),
            "frac".into(),
        ],
    );
    for _ in 0..120 {
        let args = match rng.gen_range(0..12) {
            0 => {
                let mut a = vec!["GEOPOS".into(), "g".into()];
                a.extend((0..rng.gen_range(1..5)).map(|_| member(&mut rng, n)));
                a.push("neg".into());
                a
            }
            1 => {
                let mut a = vec!["GEOHASH".into(), "g".into()];
                a.extend((0..rng.gen_range(1..5)).map(|_| member(&mut rng, n)));
                a.push("huge".into());
                a
            }
            2 => {
                let mut a = vec![
                    "GEODIST".into(),
                    "g".into(),
                    member(&mut rng, n),
                    member(&mut rng, n),
                ];
                if rng.gen_bool(0.7) {
                    a.push(["m", "km", "ft", "mi", "yd"][rng.gen_range(0..5)].into());
                }
                a
            }
            3 => {
                let (lon, lat) = point(&mut rng);
                let lon = if rng.gen_bool(0.2) {
                    "181".to_string()
                } else {
                    lon
                };
                vec!["GEOADD".into(), "g".into(), lon, lat, member(&mut rng, n)]
            }
            _ => search_command(&mut rng, n),
        };
        let stores = args
            .iter()
            .any(|a| a.starts_with("STORE") || a == "GEOSEARCHSTORE");
        let searches = args[0].starts_with("GEOS") || args[0].starts_with("GEORADIUS");
        if matches!(check(&mut c, redis, args), Reply::Array(v) if searches && v.len() >= 2) {
            found += 1;
        }
        if stores {
            check(
                &mut c,
                redis,
                vec![
                    "ZRANGE".into(),
                    "dst".into(),
                    "0".into(),
                    "-1".into(),
                    "WITHSCORES".into(),
                ],
            );
            check(&mut c, redis, vec!["TYPE".into(), "dst".into()]);
        }
    }
    found
}

fn rounds() -> u64 {
    std::env::var("EMBEDIS_GEO_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
}

#[test]
fn random_geo_commands_match_redis_resp2() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not found: skipped");
        return;
    };
    let found: usize = (0..rounds())
        .map(|seed| round(&mut redis, seed, false))
        .sum();
    eprintln!("searches with two or more results: {found}");
    assert!(
        found > 10 * usize::try_from(rounds()).unwrap(),
        "the queries find too little: {found}"
    );
}

#[test]
fn random_geo_commands_match_redis_resp3() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not found: skipped");
        return;
    };
    let found: usize = (1000..1000 + rounds())
        .map(|seed| round(&mut redis, seed, true))
        .sum();
    eprintln!("searches with two or more results: {found}");
    assert!(
        found > 10 * usize::try_from(rounds()).unwrap(),
        "the queries find too little: {found}"
    );
}

#[test]
#[allow(clippy::too_many_lines)] // a list of cases, or one scenario told in full
fn argument_errors_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not found: skipped");
        return;
    };
    let store = Store::new();
    let mut c = store.connection();
    let cases: &[&[&str]] = &[
        &[
            "GEOADD",
            "g",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ],
        &["SET", "s", "x"],
        &["GEOADD", "g", "NX", "XX", "1", "1", "a"],
        &["GEOADD", "g", "NX", "CH"],
        &["GEOADD", "g", "1", "1"],
        &["GEOADD", "g", "GT", "1", "1", "a"],
        &["GEOADD", "g", "x", "1", "a"],
        &["GEOADD", "g", "1", "86", "a"],
        &["GEOADD", "g", "-0", "-91", "a"],
        &["GEOADD", "g", "inf", "0", "a"],
        &["GEOADD", "g", "1e400", "0", "a"],
        &["GEOADD", "s", "1", "1", "a"],
        &["GEOADD", "s", "1", "100", "a"],
        &["GEODIST", "g", "Palermo", "Catania", "km", "x"],
        &["GEODIST", "nokey", "a", "b", "x"],
        &["GEODIST", "s", "a", "b"],
        &["GEODIST", "nokey", "a", "b"],
        &["GEOPOS", "s", "a"],
        &["GEOPOS", "nokey", "a", "b"],
        &["GEOHASH", "nokey", "a"],
        &["GEOHASH", "s", "a"],
        &["GEORADIUS", "s", "x", "1", "1", "km"],
        &["GEORADIUS", "g", "x", "1", "1", "km"],
        &["GEORADIUS", "g", "1", "x", "1", "km"],
        &["GEORADIUS", "g", "200", "1", "1", "km"],
        &["GEORADIUS", "g", "1", "1", "x", "km"],
        &["GEORADIUS", "g", "1", "1", "-1", "km"],
        &["GEORADIUS", "g", "1", "1", "-1", "yd"],
        &["GEORADIUS", "g", "1", "1", "1", "yd"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "0"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "x"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "ANY"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "STORE"],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "STORE",
            "d",
            "WITHHASH",
        ],
        &["GEORADIUS_RO", "g", "15", "37", "200", "km", "STORE", "d"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "FROMMEMBER", "a"],
        &["GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "g2"],
        &["GEORADIUSBYMEMBER", "g", "nope", "x", "km"],
        &["GEORADIUSBYMEMBER", "nokey", "nope", "x", "km"],
        &["GEORADIUSBYMEMBER", "nokey", "nope", "x", "km", "ANY"],
        &["GEORADIUSBYMEMBER", "g", "Palermo", "x", "km"],
        &[
            "GEORADIUSBYMEMBER",
            "g",
            "Palermo",
            "200",
            "km",
            "WITHCOORD",
            "WITHDIST",
            "WITHHASH",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "nope",
            "BYRADIUS",
            "x",
            "km",
        ],
        &[
            "GEOSEARCH",
            "nokey",
            "FROMMEMBER",
            "nope",
            "BYRADIUS",
            "x",
            "km",
        ],
        &[
            "GEOSEARCH",
            "nokey",
            "FROMMEMBER",
            "nope",
            "BYRADIUS",
            "1",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "1",
            "km",
            "FROMMEMBER",
            "Palermo",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "1",
            "km",
        ],
        &["GEOSEARCH", "g", "BYRADIUS", "1", "km"],
        &["geosearch", "g", "BYRADIUS", "1", "km"],
        &["GeoSearch", "g", "FROMMEMBER", "Palermo"],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYRADIUS",
            "1",
            "km",
            "BYBOX",
            "1",
            "1",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "-1",
            "1",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "x",
            "1",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "1",
            "x",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "1",
            "1",
            "yd",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "400",
            "400",
            "km",
            "STOREDIST",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "400",
            "400",
            "km",
            "STORE",
            "x",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "400",
            "400",
            "km",
            "WITHCOORD",
            "WITHDIST",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
            "COUNT",
            "1",
            "ANY",
            "WITHHASH",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
            "WITHDIST",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
            "STOREDIST",
        ],
        &["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        &[
            "GEOSEARCHSTORE",
            "d",
            "nokey",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
        ],
        &["EXISTS", "d"],
        &[
            "GEOSEARCHSTORE",
            "d",
            "s",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "inf",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "inf",
            "1",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "0",
            "km",
            "COUNT",
            "1",
        ],
        // The source as its own destination: replaced by the result.
        &["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "g"],
        &["ZRANGE", "g", "0", "-1", "WITHSCORES"],
        &[
            "GEOSEARCHSTORE",
            "g",
            "g",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ],
        &["EXISTS", "g"],
    ];
    for resp3 in [false, true] {
        if resp3 {
            redis.cmd(&["HELLO", "3"]);
            c.execute(&["HELLO", "3"]);
        }
        redis.cmd(&["FLUSHALL"]);
        c.execute(&["FLUSHALL"]);
        for args in cases {
            let (ours, theirs) = (c.execute(args), redis.cmd(args));
            assert_eq!(ours, theirs, "resp3 {resp3}: {args:?}");
        }
    }
}

/// The keyspace events of each command (`KEAnm`: new keys and misses too) are Redis's,
/// in order: GEOADD announces `zadd`, a stored search `georadiusstore` or
/// `geosearchstore` (or `del` when it empties the destination), a read of a missing
/// key `keymiss`.
#[test]
#[allow(clippy::too_many_lines)] // a list of cases, or one scenario told in full
fn events_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not found: skipped");
        return;
    };
    redis.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEAnm"]);
    let store = Store::builder()
        .notify_keyspace_events(embedis::KeyspaceEvents::parse("KEAnm").unwrap())
        .build();
    let mut c = store.connection();
    let mut listener = redis.connect();
    listener.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    listener.cmd(&["SUBSCRIBE", "sync"]);
    let ours = store.pubsub().psubscribe(["__key*__:*"]);
    let steps: &[&[&str]] = &[
        &[
            "GEOADD",
            "g",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ],
        &["GEOADD", "g", "13.361389", "38.115556", "Palermo"],
        &["GEOADD", "g", "XX", "1", "1", "nobody"],
        &["GEOADD", "g", "CH", "1", "1", "Palermo"],
        &["GEOPOS", "nokey", "a"],
        &["GEOHASH", "nokey", "a"],
        &["GEODIST", "nokey", "a", "b"],
        &[
            "GEOSEARCH",
            "nokey",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "STOREDIST",
        ],
        &["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d2"],
        &[
            "GEORADIUSBYMEMBER",
            "g",
            "Catania",
            "1",
            "km",
            "STOREDIST",
            "d2",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "-100",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "-100",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ],
        &[
            "GEOSEARCHSTORE",
            "d2",
            "nokey",
            "FROMLONLAT",
            "-100",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ],
        &["GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "d2"],
    ];
    let show = |v: &[(Reply, Reply)]| format!("{v:?}");
    for (n, args) in steps.iter().enumerate() {
        redis.cmd(args);
        redis.cmd(&["PUBLISH", "sync", &n.to_string()]);
        let mut theirs = Vec::new();
        loop {
            match listener.read() {
                Reply::Array(m) if m[0] == Reply::from("pmessage") => {
                    theirs.push((m[2].clone(), m[3].clone()));
                }
                Reply::Array(m) if m[0] == Reply::from("message") => break,
                other => panic!("unexpected push {other:?}"),
            }
        }
        c.execute(args);
        let mine: Vec<(Reply, Reply)> = ours
            .iter_pending()
            .map(|m| (Reply::from(&m.channel[..]), Reply::from(&m.payload[..])))
            .collect();
        assert_eq!(show(&mine), show(&theirs), "{args:?}");
    }
    redis.cmd(&["CONFIG", "SET", "notify-keyspace-events", ""]);
}

/// The point `dist` metres from (`lon`, `lat`) along `bearing` (radians) on the sphere
/// Redis measures with, longitude wrapped into -180..180 and latitude clamped into
/// what can be stored.
fn destination(lon: f64, lat: f64, dist: f64, bearing: f64) -> (f64, f64) {
    let (phi1, lambda1) = (lat.to_radians(), lon.to_radians());
    let delta = dist / 6_372_797.560_856;
    let phi2 = (phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * bearing.cos()).asin();
    let lambda2 = lambda1
        + (bearing.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * phi2.sin());
    let mut lon2 = lambda2.to_degrees();
    while lon2 > 180.0 {
        lon2 -= 360.0;
    }
    while lon2 < -180.0 {
        lon2 += 360.0;
    }
    (lon2, phi2.to_degrees().clamp(-85.051_128_78, 85.051_128_78))
}

/// Points placed on the very edge of a circle or a box (a stored position moves them
/// by up to half a metre, so some fall inside and some outside), near the poles and
/// across the antimeridian as often as not: the members found, and their order, are
/// Redis's. This is where a search that skips what cannot match would go wrong.
#[test]
#[allow(clippy::too_many_lines)] // a list of cases, or one scenario told in full
fn points_on_the_edge_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not found: skipped");
        return;
    };
    let mut rng = SmallRng::seed_from_u64(77);
    let rounds = rounds() * 4;
    let mut inside = 0;
    for _ in 0..rounds {
        let store = Store::new();
        let mut c = store.connection();
        redis.cmd(&["FLUSHALL"]);
        let lon: f64 = match rng.gen_range(0..3) {
            0 => rng.gen_range(179.0..=180.0) * if rng.gen_bool(0.5) { 1.0 } else { -1.0 },
            _ => rng.gen_range(-180.0..=180.0),
        };
        let lat: f64 = match rng.gen_range(0..3) {
            0 => rng.gen_range(75.0..=85.0) * if rng.gen_bool(0.5) { 1.0 } else { -1.0 },
            _ => rng.gen_range(-70.0..=70.0),
        };
        let r = [1.0, 50.0, 2000.0, 40_000.0, 600_000.0, 3_000_000.0][rng.gen_range(0..6)]
            * rng.gen_range(0.5..1.5);
        let (w, h) = (r * rng.gen_range(0.5..2.0), r * rng.gen_range(0.5..2.0));
        let mut add = vec!["GEOADD".to_string(), "g".into()];
        for i in 0..300 {
            let bearing = rng.gen_range(0.0..std::f64::consts::TAU);
            let (plon, plat) = if i % 2 == 0 {
                destination(lon, lat, r * rng.gen_range(0.999_999..1.000_001), bearing)
            } else {
                // Along a side of the box: at half the height north or south, or at
                // half the width east or west along the parallel.
                let along = rng.gen_range(-1.0..1.0);
                if rng.gen_bool(0.5) {
                    let (plon, _) =
                        destination(lon, lat, w / 2.0 * along, std::f64::consts::FRAC_PI_2);
                    let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
                    let dlat = (h / 2.0 / 6_372_797.560_856).to_degrees() * sign;
                    (plon, (lat + dlat).clamp(-85.051_128_78, 85.051_128_78))
                } else {
                    let dlat = (h / 2.0 / 6_372_797.560_856).to_degrees() * along;
                    let plat = (lat + dlat).clamp(-85.051_128_78, 85.051_128_78);
                    let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
                    let half = w / 2.0 / 6_372_797.560_856 / 2.0;
                    let dlon =
                        (2.0 * (half.sin() / plat.to_radians().cos()).min(1.0).asin()).to_degrees();
                    let mut plon = lon + dlon * sign;
                    if plon > 180.0 {
                        plon -= 360.0;
                    } else if plon < -180.0 {
                        plon += 360.0;
                    }
                    (plon, plat)
                }
            };
            add.extend([format!("{plon}"), format!("{plat}"), format!("p{i}")]);
        }
        assert_eq!(c.execute(&add), redis.cmd(&add));
        let (lon_s, lat_s) = (format!("{lon}"), format!("{lat}"));
        let (r_s, w_s, h_s) = (format!("{r}"), format!("{w}"), format!("{h}"));
        let queries: [Vec<&str>; 3] = [
            vec![
                "GEOSEARCH",
                "g",
                "FROMLONLAT",
                &lon_s,
                &lat_s,
                "BYRADIUS",
                &r_s,
                "m",
                "WITHDIST",
            ],
            vec![
                "GEOSEARCH",
                "g",
                "FROMLONLAT",
                &lon_s,
                &lat_s,
                "BYBOX",
                &w_s,
                &h_s,
                "m",
                "ASC",
            ],
            vec![
                "GEOSEARCH",
                "g",
                "FROMLONLAT",
                &lon_s,
                &lat_s,
                "BYRADIUS",
                &r_s,
                "m",
                "COUNT",
                "7",
            ],
        ];
        for q in &queries {
            let (ours, theirs) = (c.execute(q), redis.cmd(q));
            assert_eq!(ours, theirs, "{q:?}");
            if let Reply::Array(v) = &ours {
                inside += v.len();
            }
        }
    }
    // On the edge: some in, some out.
    let placed = usize::try_from(rounds).unwrap() * 300 * 3;
    assert!(
        inside > placed / 10 && inside < placed * 9 / 10,
        "{inside} of {placed} found: the points are not on the edge"
    );
}
