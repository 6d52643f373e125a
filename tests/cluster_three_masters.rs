//! One application, two deployments: a session store, a leaderboard and a job queue,
//! written once against `redis::ConnectionLike`, run on the store in cluster mode and on
//! a real three-master Redis Cluster through `redis::cluster::ClusterClient`, with the
//! same outcomes; and the cross-slot mistakes each of them refuses.
//!
//! The cluster is our own: three `redis-server --cluster-enabled yes` on free 127.0.0.1
//! ports, joined by `redis-cli --cluster create`, each in a temporary directory, all
//! stopped by process id when the test ends or fails. Without `redis-server` the test is
//! skipped with a message, unless `EMBEDIS_REQUIRE_REDIS=1` (as CI sets it).

#[path = "common/redis_server.rs"]
mod redis_server;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use embedis::{Store, key_slot};
use redis::ServerErrorKind;
use redis::cluster::{ClusterClient, ClusterConnection};
use redis::{Commands, ConnectionLike, Direction, ErrorKind, RedisError, RedisResult};

use redis_server::Server;

/// How long the cluster may take to come up before the test fails instead of hanging.
const COME_UP: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------------------

/// How long a session lives without a request, in seconds.
const SESSION_TTL: i64 = 1800;

/// A user's keys share the hash tag `{user:<name>}`: one slot, so one script or one
/// multi-key command may touch them together.
fn session_key(user: &str) -> String {
    format!("{{user:{user}}}:session")
}

/// The devices `user` signed in from (a set), next to the session.
fn devices_key(user: &str) -> String {
    format!("{{user:{user}}}:devices")
}

/// Signs `user` in from `device`: the session hash and the set of the user's devices are
/// written at once, both living `SESSION_TTL`. A cluster client sends no `MULTI`; a
/// script over keys of one slot is atomic on both deployments.
fn sign_in<C: ConnectionLike>(
    con: &mut C,
    user: &str,
    token: &str,
    device: &str,
) -> RedisResult<()> {
    let script = redis::Script::new(
        r"
        redis.call('HSET', KEYS[1], 'user', ARGV[1], 'token', ARGV[2], 'requests', 0)
        redis.call('EXPIRE', KEYS[1], ARGV[4])
        redis.call('SADD', KEYS[2], ARGV[3])
        redis.call('EXPIRE', KEYS[2], ARGV[4])
        ",
    );
    script
        .key(session_key(user))
        .key(devices_key(user))
        .arg(user)
        .arg(token)
        .arg(device)
        .arg(SESSION_TTL)
        .invoke(con)
}

/// A request in `user`'s session: counts it and renews the session; `false` if there is
/// no session.
fn request<C: ConnectionLike>(con: &mut C, user: &str) -> RedisResult<bool> {
    let session = session_key(user);
    if !con.exists::<_, bool>(&session)? {
        return Ok(false);
    }
    let _: i64 = con.hincr(&session, "requests", 1)?;
    con.expire(&session, SESSION_TTL)
}

/// Signs `user` out everywhere: both keys go in one `DEL`. Returns how many went.
fn sign_out<C: ConnectionLike>(con: &mut C, user: &str) -> RedisResult<usize> {
    con.del(&[session_key(user), devices_key(user)])
}

/// What the session store saw.
#[derive(Debug, PartialEq)]
struct Sessions {
    alice: BTreeMap<String, String>,
    alice_devices: Vec<String>,
    alice_expires_in_half_an_hour: bool,
    bob_after_sign_out: BTreeMap<String, String>,
    signed_out_keys: usize,
    request_without_session: bool,
}

fn sessions<C: ConnectionLike>(con: &mut C) -> RedisResult<Sessions> {
    sign_in(con, "alice", "t-1", "laptop")?;
    sign_in(con, "alice", "t-2", "phone")?;
    sign_in(con, "bob", "t-3", "laptop")?;
    for _ in 0..3 {
        assert!(request(con, "alice")?);
    }
    assert!(request(con, "bob")?);
    let signed_out_keys = sign_out(con, "bob")?;
    let ttl: i64 = con.ttl(session_key("alice"))?;
    let mut alice_devices: Vec<String> = con.smembers(devices_key("alice"))?;
    alice_devices.sort();
    Ok(Sessions {
        alice: con.hgetall(session_key("alice"))?,
        alice_devices,
        alice_expires_in_half_an_hour: (SESSION_TTL - 10..=SESSION_TTL).contains(&ttl),
        bob_after_sign_out: con.hgetall(session_key("bob"))?,
        signed_out_keys,
        request_without_session: request(con, "bob")?,
    })
}

/// What the leaderboard saw.
#[derive(Debug, PartialEq)]
struct Leaderboard {
    top3: Vec<(String, f64)>,
    week: Vec<(String, f64)>,
    carol_rank: Option<usize>,
    carol_rank_from_top: Option<usize>,
    nobody_rank: Option<usize>,
    dave_score: f64,
}

fn leaderboard<C: ConnectionLike>(con: &mut C) -> RedisResult<Leaderboard> {
    // One board a day; the week's board sums them (same hash tag: same slot).
    let (monday, tuesday, week) = ("{board}:monday", "{board}:tuesday", "{board}:week");
    let _: usize = con.zadd_multiple(monday, &[(120, "alice"), (80, "bob"), (95, "carol")])?;
    let _: usize = con.zadd_multiple(tuesday, &[(40, "bob"), (10, "carol"), (70, "dave")])?;
    let dave_score: f64 = con.zincr(tuesday, "dave", 55)?;
    let _: f64 = con.zincr(monday, "carol", 30)?;
    let _: usize = con.zunionstore(week, &[monday, tuesday])?;
    Ok(Leaderboard {
        top3: con.zrevrange_withscores(monday, 0, 2)?,
        week: con.zrevrange_withscores(week, 0, -1)?,
        carol_rank: con.zrank(week, "carol")?,
        carol_rank_from_top: con.zrevrank(week, "carol")?,
        nobody_rank: con.zrank(week, "nobody")?,
        dave_score,
    })
}

/// The queue's two lists share the hash tag `{jobs}`, so a job moves between them in
/// one atomic command.
const PENDING: &str = "{jobs}:pending";
const PROCESSING: &str = "{jobs}:processing";

/// What the job queue saw.
#[derive(Debug, PartialEq)]
struct Queue {
    taken: Vec<String>,
    acked: Vec<usize>,
    stuck: Vec<String>,
    requeued: Option<String>,
    pending: Vec<String>,
    processing_len: usize,
    empty_take: Option<String>,
}

/// Takes the oldest pending job, moving it to the processing list (`LMOVE`).
fn take<C: ConnectionLike>(con: &mut C) -> RedisResult<Option<String>> {
    con.lmove(PENDING, PROCESSING, Direction::Right, Direction::Left)
}

/// Acknowledges a finished job: it leaves the processing list (`LREM`).
fn ack<C: ConnectionLike>(con: &mut C, job: &str) -> RedisResult<usize> {
    con.lrem(PROCESSING, 1, job)
}

fn queue<C: ConnectionLike>(con: &mut C) -> RedisResult<Queue> {
    for job in ["resize:1", "email:2", "resize:3", "report:4"] {
        let _: usize = con.lpush(PENDING, job)?;
    }
    let mut taken = Vec::new();
    let mut acked = Vec::new();
    for _ in 0..3 {
        let job = take(con)?.expect("a pending job");
        // The worker fails on e-mails: they stay in the processing list.
        if !job.starts_with("email") {
            acked.push(ack(con, &job)?);
        }
        taken.push(job);
    }
    let stuck: Vec<String> = con.lrange(PROCESSING, 0, -1)?;
    // A reaper puts a stuck job back in line (`RPOPLPUSH`).
    let requeued: Option<String> = con.rpoplpush(PROCESSING, PENDING)?;
    let pending: Vec<String> = con.lrange(PENDING, 0, -1)?;
    while let Some(job) = take(con)? {
        ack(con, &job)?;
    }
    Ok(Queue {
        taken,
        acked,
        stuck,
        requeued,
        pending,
        processing_len: con.llen(PROCESSING)?,
        empty_take: take(con)?,
    })
}

/// Everything the application saw.
#[derive(Debug, PartialEq)]
struct Outcome {
    sessions: Sessions,
    leaderboard: Leaderboard,
    queue: Queue,
}

/// The application: sessions, a leaderboard and a job queue on one connection.
fn application<C: ConnectionLike>(con: &mut C) -> RedisResult<Outcome> {
    Ok(Outcome {
        sessions: sessions(con)?,
        leaderboard: leaderboard(con)?,
        queue: queue(con)?,
    })
}

// ---------------------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------------------

/// One node: its server (killed by process id on drop) and its working directory
/// (removed after).
struct Node {
    server: Option<Server>,
    dir: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        drop(self.server.take());
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Three masters on 127.0.0.1, every slot assigned; stopped when dropped.
struct ThreeMasters {
    nodes: Vec<Node>,
}

/// Whether `program` runs at all.
fn installed(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl ThreeMasters {
    /// Starts three nodes and joins them; `None` (with a message) if `redis-server` or
    /// `redis-cli` is not installed, a failure under `EMBEDIS_REQUIRE_REDIS`.
    fn start() -> Option<ThreeMasters> {
        if !(installed("redis-server") && installed("redis-cli")) {
            assert!(
                std::env::var_os("EMBEDIS_REQUIRE_REDIS").is_none(),
                "EMBEDIS_REQUIRE_REDIS is set but redis-server or redis-cli is not installed"
            );
            eprintln!("redis-server or redis-cli not installed: skipping the three-master cluster");
            return None;
        }
        let nodes: Vec<Node> = (0..3).map(Node::start).collect();
        let cluster = ThreeMasters { nodes };
        cluster.create();
        cluster.await_ok();
        Some(cluster)
    }

    fn addresses(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect()
    }

    /// `redis-cli --cluster create`: slots spread over the three, no replicas. Its
    /// output goes to the first node's directory and is shown if it fails.
    fn create(&self) {
        let log_path = self.nodes[0].dir.join("create.log");
        let log = File::create(&log_path).unwrap();
        let child = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(self.addresses())
            .arg("--cluster-yes")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("redis-cli starts");
        let status = wait_or_kill(child, COME_UP, "redis-cli --cluster create");
        assert!(
            status.success(),
            "redis-cli --cluster create failed:\n{}",
            fs::read_to_string(&log_path).unwrap_or_default()
        );
    }

    /// Each node's key count (`DBSIZE`).
    fn dbsizes(&self) -> Vec<usize> {
        self.nodes
            .iter()
            .map(|node| redis::cmd("DBSIZE").query(&mut node.connect()).unwrap())
            .collect()
    }

    /// Waits until every node reports `cluster_state:ok`.
    fn await_ok(&self) {
        let start = Instant::now();
        for node in &self.nodes {
            let mut con = node.connect();
            loop {
                let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut con).unwrap();
                if info.starts_with("cluster_state:ok") {
                    break;
                }
                assert!(
                    start.elapsed() < COME_UP,
                    "the cluster never came up:\n{info}"
                );
                thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn connection(&self) -> ClusterConnection {
        ClusterClient::new(self.addresses().iter().map(|a| format!("redis://{a}")))
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

impl Node {
    /// Starts node `i` in a fresh directory of its own, persistence off, its cluster bus
    /// on a free port of its own (`--cluster-port`, so the client port needs no free
    /// port 10000 above it).
    fn start(i: usize) -> Node {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("embedis-three-masters-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let mut node = Node { server: None, dir };
        // A bus port taken before the server binds it: another try, another port.
        for _ in 0..5 {
            let conf = node.dir.join("nodes.conf");
            let _ = fs::remove_file(&conf);
            let bus = free_port().to_string();
            let args = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                path(&conf),
                "--cluster-port",
                &bus,
                "--dir",
                path(&node.dir),
            ];
            if let Some((server, _)) = Server::start_with(&args) {
                node.server = Some(server);
                return node;
            }
        }
        panic!("cluster node {i} does not start");
    }

    /// A plain connection to this node alone.
    fn connect(&self) -> redis::Connection {
        redis::Client::open(format!("redis://127.0.0.1:{}", self.port()))
            .unwrap()
            .get_connection()
            .unwrap()
    }

    fn port(&self) -> u16 {
        self.server.as_ref().unwrap().port
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary directory")
}

/// Waits for `child` to exit, killing it (by its process id) if it has not within
/// `limit`.
fn wait_or_kill(mut child: Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: not done after {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

fn embedded() -> Store {
    Store::builder().cluster_mode(true).build()
}

/// Whether `e` is the server's `CROSSSLOT` refusal, as redis-rs reports it.
fn is_cross_slot(e: &RedisError) -> bool {
    e.kind() == ErrorKind::Server(ServerErrorKind::CrossSlot) && e.code() == Some("CROSSSLOT")
}

#[test]
fn one_application_same_outcomes_on_the_store_and_on_three_masters() {
    let Some(cluster) = ThreeMasters::start() else {
        return;
    };
    let store = embedded();
    let ours = application(&mut store.connection()).unwrap();
    let theirs = application(&mut cluster.connection()).unwrap();
    assert_eq!(ours, theirs);
    // The outcome is the application's, not an empty one.
    assert_eq!(ours.leaderboard.top3[0], ("carol".to_owned(), 125.0));
    assert_eq!(ours.queue.taken, ["resize:1", "email:2", "resize:3"]);
    assert_eq!(ours.sessions.alice_devices, ["laptop", "phone"]);
    // The keys live on more than one master: the client routed by slot.
    let holding = cluster.dbsizes().iter().filter(|&&n| n > 0).count();
    assert!(holding >= 2, "keys on {holding} node(s) only");
    assert_eq!(
        cluster.dbsizes().iter().sum::<usize>(),
        store.keys().dbsize().unwrap()
    );
}

/// An application whose keys lack a common hash tag where they need one: each command
/// below spans two slots, is refused with `CROSSSLOT`, and moves nothing. Through the
/// cluster client these go to the first key's node, and that node refuses them: the
/// client does not check slots itself.
fn refuse_cross_slot_mistakes<C: ConnectionLike>(con: &mut C) {
    let _: usize = con.lpush("jobs:pending", "resize:1").unwrap();
    let _: usize = con.sadd(devices_key("alice"), "laptop").unwrap();
    let _: usize = con.sadd(devices_key("bob"), "phone").unwrap();
    let e = con
        .lmove::<_, _, Option<String>>(
            "jobs:pending",
            "jobs:processing",
            Direction::Right,
            Direction::Left,
        )
        .unwrap_err();
    assert!(is_cross_slot(&e), "LMOVE: {e:?}");
    let e = con
        .rename::<_, _, ()>("jobs:pending", "jobs:done")
        .unwrap_err();
    assert!(is_cross_slot(&e), "RENAME: {e:?}");
    let e = con
        .sunionstore::<_, _, usize>("all-devices", &[devices_key("alice"), devices_key("bob")])
        .unwrap_err();
    assert!(is_cross_slot(&e), "SUNIONSTORE: {e:?}");
    let pending: Vec<String> = con.lrange("jobs:pending", 0, -1).unwrap();
    assert_eq!(pending, ["resize:1"]);
    for key in ["jobs:processing", "jobs:done", "all-devices"] {
        assert!(!con.exists::<_, bool>(key).unwrap(), "{key} was written");
    }
}

#[test]
fn cross_slot_mistakes_refused_by_both() {
    let Some(cluster) = ThreeMasters::start() else {
        return;
    };
    let store = embedded();
    let mut ours = store.connection();
    let mut theirs = cluster.connection();
    // A queue whose lists lack a common hash tag: two slots.
    assert_ne!(key_slot("jobs:pending"), key_slot("jobs:processing"));
    refuse_cross_slot_mistakes(&mut ours);
    refuse_cross_slot_mistakes(&mut theirs);

    // Where they part: MGET (as DEL, EXISTS, MSET, UNLINK, TOUCH) over several slots is
    // split per slot by the cluster client, which gathers the answers; the store, as a
    // node given the whole command, refuses it. Code that runs on the store is safe on
    // the cluster; the converse holds only for commands the client does not split.
    let keys = ["jobs:pending", "jobs:processing"];
    let e = ours.mget::<_, Vec<Option<String>>>(&keys).unwrap_err();
    assert!(is_cross_slot(&e), "MGET: {e:?}");
    let got: Vec<Option<String>> = theirs.mget(&keys).unwrap();
    assert_eq!(got, [None, None]); // a list reads as nil in MGET
}
