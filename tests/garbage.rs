//! Every command, fed random and hostile arguments through `Connection::execute`: no
//! panic, no hang, and the store keeps answering. (Blocking commands and `WAIT` run
//! inside `MULTI`, where they never wait.)

use embedis::{Reply, Store};

#[path = "common/hostile.rs"]
mod hostile;
use hostile::NASTY;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn arg(rng: &mut SmallRng) -> String {
    match rng.gen_range(0..20) {
        0 => "x".repeat(rng.gen_range(0..200)),
        1 => rng.r#gen::<i64>().to_string(),
        2 => format!("{}", rng.r#gen::<f64>() * 1e6),
        _ => (*NASTY.choose(rng).unwrap()).to_string(),
    }
}

#[test]
fn hostile_arguments_never_panic() {
    // SAVE, among the commands, writes its snapshot in a directory of the test's own.
    let dir = std::env::temp_dir().join(format!("embedis-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::builder().dir(&dir).build();
    let mut c = store.connection();
    // Each command with its arity, from COMMAND INFO.
    let commands: Vec<(String, i64)> = hostile::command_arities(&mut c)
        .into_iter()
        .filter(|(n, _)| n != "quit")
        .collect();
    let rounds: usize = std::env::var("EMBEDIS_GARBAGE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60_000);
    let mut rng = SmallRng::seed_from_u64(7);
    let mut errors = 0usize;
    for i in 0..rounds {
        let (name, arity) = commands.choose(&mut rng).unwrap().clone();
        let mut args = vec![name.clone()];
        // Mostly the right number of arguments, the first one mostly a key that exists.
        let n = match usize::try_from(arity.unsigned_abs() - 1).unwrap() {
            n if rng.gen_bool(0.15) => rng.gen_range(0..n + 3),
            n if arity < 0 => n + rng.gen_range(0..6),
            n => n,
        };
        for j in 0..n {
            if j == 0 && rng.gen_bool(0.7) {
                args.push(
                    (*["k", "k1", "l", "s", "z", "h", "x"]
                        .choose(&mut rng)
                        .unwrap())
                    .to_string(),
                );
            } else {
                args.push(arg(&mut rng));
            }
        }
        let blocking = name.starts_with("bl")
            || name.starts_with("bz")
            || name == "brpop"
            || name == "brpoplpush"
            || name == "wait";
        if blocking {
            c.execute(&["MULTI"]);
        }
        if std::env::var("EMBEDIS_GARBAGE_TRACE").is_ok() {
            eprintln!("{args:?}");
        }
        if c.execute(&args).is_error() {
            errors += 1;
        }
        if blocking {
            c.execute(&["EXEC"]);
        }
        if i % 500 == 0 || name.ends_with("subscribe") {
            // Leave subscribed mode, an open MULTI, another database, RESP3.
            c.execute(&["RESET"]);
            c.execute(&["FLUSHALL"]);
            // A value of every type under the names the arguments use.
            c.execute(&["SET", "k", "12"]);
            c.execute(&["SET", "k1", "abc"]);
            c.execute(&["RPUSH", "l", "a", "b", "1"]);
            c.execute(&["SADD", "s", "a", "1", "2"]);
            c.execute(&["ZADD", "z", "1", "a", "2", "b", "-inf", "c"]);
            c.execute(&["HSET", "h", "f", "v", "n", "1"]);
        }
    }
    c.execute(&["RESET"]);
    assert_eq!(c.execute(&["PING"]), Reply::Simple("PONG".into()));
    // Not everything was refused at the door: the commands ran on real data.
    assert!(errors < rounds * 3 / 4, "{errors} of {rounds} failed");
}
