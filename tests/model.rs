//! Property tests (proptest, with shrinking to a minimal failing case):
//!
//! * random operation sequences over strings, hashes, lists, TTLs and time agree with
//!   a plain reference model (`tests/common/model.rs`, shared with the `model` fuzz
//!   target);
//! * `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN` return every element present throughout a
//!   scan, whatever is added and removed between its steps;
//! * `ZRANGEBYSCORE` agrees with a sort of the members;
//! * `INCRBYFLOAT`, `HINCRBYFLOAT` and `ZINCRBY` agree with f64 arithmetic, and the
//!   stored text reads back as the same number.
//!
//! `PROPTEST_CASES=n` runs more cases.

use std::collections::BTreeSet;

use embedis::{ScanOptions, Store};
use proptest::prelude::*;

#[path = "common/model.rs"]
mod model;

/// One step of a scan command: the next cursor and the names it returned.
type Step<'a> = Box<dyn Fn(&Store, u64) -> (u64, Vec<String>) + 'a>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
    ))]

    #[test]
    fn operations_agree_with_the_model(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        model::run(&data);
    }

    /// Elements present for the whole scan are all returned; elements added or removed
    /// meanwhile may or may not be.
    #[test]
    fn scans_return_everything_present_throughout(
        stay in proptest::collection::btree_set(0u16..2000, 0..300),
        churn in proptest::collection::vec((0u16..2000, any::<bool>()), 0..300),
        count in 1usize..50,
    ) {
        let store = Store::new();
        let name = |i: u16| format!("e{i}");
        for &i in &stay {
            store.strings().set(name(i), "v").unwrap();
            store.hashes().hset("h", [(name(i), "v")]).unwrap();
            store.sets().sadd("s", [name(i)]).unwrap();
            store.zsets().zadd("z", [(name(i), f64::from(i))]).unwrap();
        }
        // Churn only touches elements outside `stay`.
        let churn: Vec<(u16, bool)> = churn.into_iter().filter(|(i, _)| !stay.contains(i)).collect();
        let mut steps = churn.iter().cycle();
        let mut churn_once = |store: &Store| {
            if churn.is_empty() {
                return;
            }
            let &(i, add) = steps.next().unwrap();
            if add {
                store.strings().set(name(i), "v").unwrap();
                store.hashes().hset("h", [(name(i), "v")]).unwrap();
                store.sets().sadd("s", [name(i)]).unwrap();
                store.zsets().zadd("z", [(name(i), f64::from(i))]).unwrap();
            } else {
                store.keys().del([name(i)]).unwrap();
                store.hashes().hdel("h", [name(i)]).unwrap();
                store.sets().srem("s", [name(i)]).unwrap();
                store.zsets().zrem("z", [name(i)]).unwrap();
            }
        };
        let want: BTreeSet<String> = stay.iter().map(|&i| name(i)).collect();
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();

        // Each scan command, as one step: the next cursor and the names it returned.
        let opts = ScanOptions::new().count(count);
        let steps: [(&str, Step<'_>); 4] = [
            ("SCAN", Box::new(|st, cur| {
                let (next, keys) = st.keys().scan(cur, &opts.clone().pattern("e*")).unwrap();
                (next, keys.iter().map(|k| text(k)).collect())
            })),
            ("HSCAN", Box::new(|st, cur| {
                let (next, pairs) = st.hashes().hscan("h", cur, &opts).unwrap();
                (next, pairs.iter().map(|(f, _)| text(f)).collect())
            })),
            ("SSCAN", Box::new(|st, cur| {
                let (next, members) = st.sets().sscan("s", cur, &opts).unwrap();
                (next, members.iter().map(|m| text(m)).collect())
            })),
            ("ZSCAN", Box::new(|st, cur| {
                let (next, members) = st.zsets().zscan("z", cur, &opts).unwrap();
                (next, members.iter().map(|(m, _)| text(m)).collect())
            })),
        ];
        for (name, step) in &steps {
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            loop {
                let (next, names) = step(&store, cursor);
                seen.extend(names);
                churn_once(&store);
                if next == 0 { break; }
                cursor = next;
            }
            prop_assert!(want.is_subset(&seen), "{} missed {:?}", name, want.difference(&seen).collect::<Vec<_>>());
        }
    }

    #[test]
    fn zrangebyscore_agrees_with_a_sort(
        members in proptest::collection::btree_map(0u16..500, -50i32..50, 0..300),
        a in -60i32..60,
        b in -60i32..60,
    ) {
        let store = Store::new();
        for (&m, &s) in &members {
            store.zsets().zadd("z", [(format!("m{m:03}"), f64::from(s))]).unwrap();
        }
        let (min, max) = (a.min(b), a.max(b));
        let mut want: Vec<(i32, String)> = members
            .iter()
            .filter(|&(_, &s)| (min..=max).contains(&s))
            .map(|(&m, &s)| (s, format!("m{m:03}")))
            .collect();
        want.sort();
        let got = store
            .zsets()
            .zrangebyscore_withscores("z", f64::from(min), f64::from(max))
            .unwrap();
        let got: Vec<(i32, String)> = got
            .into_iter()
            .map(|(m, s)| {
                #[allow(clippy::cast_possible_truncation)]
                let s = s as i32;
                (s, String::from_utf8(m.to_vec()).unwrap())
            })
            .collect();
        prop_assert_eq!(got, want);
    }

    /// `INCRBYFLOAT` computes in long double, as Redis does, and stores Redis's "human"
    /// text (`%.17Lf` without trailing zeros): the result is the f64 sum to within
    /// rounding, reads back from the stored text exactly, and `HINCRBYFLOAT` agrees
    /// with it. Sorted-set scores are plain f64 sums.
    #[test]
    #[allow(clippy::float_cmp)] // exact agreement is the point
    fn float_increments_agree_with_f64_arithmetic(
        deltas in proptest::collection::vec(-1e6f64..1e6, 1..40),
    ) {
        let store = Store::new();
        let (mut prev, mut score) = (0.0f64, 0.0f64);
        for &d in &deltas {
            let got = store.strings().incrbyfloat("f", d).unwrap();
            let exact = prev + d;
            prop_assert!(
                (got - exact).abs() <= (prev.abs() + d.abs()) * 4.0 * f64::EPSILON + 1e-12,
                "{prev} + {d}: {got} vs {exact}"
            );
            let stored = store.strings().get("f").unwrap().unwrap();
            let text = stored.as_str().unwrap();
            prop_assert_eq!(text.parse::<f64>().unwrap(), got);
            let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
            prop_assert!(decimals <= 17 && !(decimals > 0 && text.ends_with('0')), "{}", text);
            prop_assert_eq!(store.hashes().hincrbyfloat("h", "f", d).unwrap(), got);
            prev = got;
            score += d;
            prop_assert_eq!(store.zsets().zincrby("z", d, "m").unwrap(), score);
        }
    }
}
