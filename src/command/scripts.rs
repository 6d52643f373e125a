//! [`Scripts`]: Lua scripting from Rust, over the same code as `EVAL` and `SCRIPT`.

use super::{Ctx, Reply, error, scripting, table};
use crate::{Error, Result, Store};

/// What [`Scripts::function_restore`] does with libraries that exist
/// (`FUNCTION RESTORE`'s policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FunctionRestore {
    /// Adds the payload's libraries; one whose name exists fails the restore.
    #[default]
    Append,
    /// Adds them, replacing libraries of the same names.
    Replace,
    /// Deletes every library first.
    Flush,
}

/// Lua scripts and functions, as Redis runs them: atomic (no other command of any thread runs
/// between a script's calls), with Redis 7.0's Lua 5.1 environment — `redis.call`,
/// `redis.pcall`, `cjson`, `cmsgpack`, `bit`, `struct` — and its script cache. From
/// [`Store::scripts`].
///
/// A script's value comes back as a [`Reply`], converted as Redis converts it (a Lua
/// number is an integer, `false` is nil, a table an array up to its first nil, `{ok=…}`
/// a status); a script that fails or returns `redis.error_reply(…)` is an
/// [`Error::Script`] with Redis's text.
///
/// # Examples
///
/// A lock released only by its owner (compare-and-delete):
///
/// ```
/// use embedis::{Reply, Store};
/// let store = Store::new();
/// let release = r#"
///     if redis.call('GET', KEYS[1]) == ARGV[1] then
///         return redis.call('DEL', KEYS[1])
///     end
///     return 0
/// "#;
/// store.strings().set("lock", "owner-1")?;
/// assert_eq!(store.scripts().eval(release, ["lock"], ["owner-2"])?, Reply::Integer(0));
/// assert_eq!(store.scripts().eval(release, ["lock"], ["owner-1"])?, Reply::Integer(1));
/// assert!(store.strings().get("lock")?.is_none());
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Scripts<'s> {
    store: &'s Store,
    db: usize,
}

impl Store {
    /// Lua scripting on database 0 (`EVAL`, `EVALSHA`, `SCRIPT`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let n = store.scripts().eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", ["n"], ["5"])?;
    /// assert_eq!(n, embedis::Reply::Integer(5));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn scripts(&self) -> Scripts<'_> {
        Scripts { store: self, db: 0 }
    }
}

impl<'s> Scripts<'s> {
    /// The same scripts, run with database `db` selected (a script's own `SELECT`
    /// changes only its own database).
    ///
    /// # Errors
    ///
    /// [`Error::DbIndexOutOfRange`] for a database the store does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.scripts().on_db(2)?.eval("return redis.call('SET', 'k', 'v')", [""; 0], [""; 0])?;
    /// assert!(store.db(2)?.strings().get("k")?.is_some());
    /// assert!(store.strings().get("k")?.is_none());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn on_db(self, db: usize) -> Result<Scripts<'s>> {
        self.store.db(db)?;
        Ok(Scripts { db, ..self })
    }

    /// Runs `script` with `keys` as `KEYS` and `args` as `ARGV` (`EVAL`), caching it
    /// by its SHA1.
    ///
    /// # Errors
    ///
    /// [`Error::Script`]: the script did not compile, raised an error, or returned an
    /// error reply.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Reply;
    /// let store = embedis::Store::new();
    /// let r = store.scripts().eval("return {KEYS[1], ARGV[1], 3.9, false}", ["k"], ["a"])?;
    /// assert_eq!(r, Reply::Array(vec!["k".into(), "a".into(), Reply::Integer(3), Reply::Nil]));
    /// let e = store.scripts().eval("return redis.call('NOSUCH')", [""; 0], [""; 0]).unwrap_err();
    /// assert!(e.to_string().starts_with("ERR Unknown Redis command called from script"));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn eval<K, A>(
        &self,
        script: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        self.run(b"EVAL", script.as_ref(), keys, args)
    }

    /// [`eval`](Self::eval) of a read-only script (`EVAL_RO`): a write command in it
    /// fails.
    ///
    /// # Errors
    ///
    /// As [`eval`](Self::eval).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let e = store.scripts().eval_ro("return redis.call('SET', 'k', 'v')", [""; 0], [""; 0]);
    /// assert!(e.unwrap_err().to_string().starts_with("ERR Write commands are not allowed from read-only scripts."));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn eval_ro<K, A>(
        &self,
        script: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        self.run(b"EVAL_RO", script.as_ref(), keys, args)
    }

    /// Runs the cached script of SHA1 `sha` (`EVALSHA`).
    ///
    /// # Errors
    ///
    /// [`Error::Script`] with `NOSCRIPT No matching script. Please use EVAL.` if no
    /// script of that SHA1 is cached; else as [`eval`](Self::eval).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sha = store.scripts().load("return ARGV[1] .. '!'")?;
    /// assert_eq!(store.scripts().evalsha(&sha, [""; 0], ["hi"])?, embedis::Reply::from("hi!"));
    /// assert!(store.scripts().evalsha("0".repeat(40), [""; 0], [""; 0]).is_err());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn evalsha<K, A>(
        &self,
        sha: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        self.run(b"EVALSHA", sha.as_ref(), keys, args)
    }

    /// [`evalsha`](Self::evalsha) of a read-only script (`EVALSHA_RO`).
    ///
    /// # Errors
    ///
    /// As [`evalsha`](Self::evalsha); a write command in the script fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// let sha = store.scripts().load("return redis.call('GET', KEYS[1])")?;
    /// assert_eq!(store.scripts().evalsha_ro(&sha, ["k"], [""; 0])?, embedis::Reply::from("v"));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn evalsha_ro<K, A>(
        &self,
        sha: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        self.run(b"EVALSHA_RO", sha.as_ref(), keys, args)
    }

    /// Compiles and caches `script` without running it (`SCRIPT LOAD`): its SHA1.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] if it does not compile.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.scripts().load("return 1")?, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    /// assert!(store.scripts().load("retur 1").is_err());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn load(&self, script: impl AsRef<[u8]>) -> Result<String> {
        match self.command(&[b"SCRIPT", b"LOAD", script.as_ref()])? {
            Reply::Bulk(sha) => Ok(String::from_utf8_lossy(&sha).into_owned()),
            other => Err(Error::Script(
                format!("ERR unexpected reply {other:?}").into(),
            )),
        }
    }

    /// Whether each SHA1 is cached (`SCRIPT EXISTS`; case-sensitive, as in Redis).
    ///
    /// # Errors
    ///
    /// None in practice; [`Error::Script`] if the Lua state cannot be made.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sha = store.scripts().load("return 1")?;
    /// assert_eq!(store.scripts().exists([sha.as_str(), "nope"])?, [true, false]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn exists<S: AsRef<[u8]>>(&self, shas: impl IntoIterator<Item = S>) -> Result<Vec<bool>> {
        let shas: Vec<S> = shas.into_iter().collect();
        let mut argv: Vec<&[u8]> = vec![b"SCRIPT", b"EXISTS"];
        argv.extend(shas.iter().map(AsRef::as_ref));
        match self.command(&argv)? {
            Reply::Array(items) => Ok(items.iter().map(|r| *r == Reply::Integer(1)).collect()),
            _ => Ok(Vec::new()),
        }
    }

    /// Empties the script cache (`SCRIPT FLUSH`).
    ///
    /// # Errors
    ///
    /// None in practice; [`Error::Script`] if the Lua state cannot be made.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sha = store.scripts().load("return 1")?;
    /// store.scripts().flush()?;
    /// assert_eq!(store.scripts().exists([sha])?, [false]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn flush(&self) -> Result<()> {
        self.command(&[b"SCRIPT", b"FLUSH"]).map(drop)
    }

    /// Stops the running script (`SCRIPT KILL`), if it has not written: it fails
    /// with `ERR Script killed by user with SCRIPT KILL...`.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] with `NOTBUSY …` when no script runs, `UNKILLABLE …` when it
    /// has written, `BUSY …` when a function runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let e = store.scripts().kill().unwrap_err();
    /// assert_eq!(e.to_string(), "NOTBUSY No scripts in execution right now.");
    /// ```
    pub fn kill(&self) -> Result<()> {
        self.command(&[b"SCRIPT", b"KILL"]).map(drop)
    }

    /// Calls function `name` of a loaded library with `keys` and `args` (`FCALL`).
    ///
    /// # Errors
    ///
    /// [`Error::Script`]: no such function (`ERR Function not found`), or the function
    /// raised an error or returned an error reply.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.scripts().function_load(
    ///     "#!lua name=counters\n\
    ///      redis.register_function('bump', function(keys, args) \
    ///          return redis.call('INCRBY', keys[1], args[1]) end)",
    /// )?;
    /// assert_eq!(store.scripts().fcall("bump", ["n"], ["3"])?, embedis::Reply::Integer(3));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn fcall<K, A>(
        &self,
        name: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        self.run(b"FCALL", name.as_ref(), keys, args)
    }

    /// [`fcall`](Self::fcall) of a function flagged `no-writes` (`FCALL_RO`).
    ///
    /// # Errors
    ///
    /// As [`fcall`](Self::fcall); a function that may write is refused.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.scripts().function_load(
    ///     "#!lua name=reads\n\
    ///      redis.register_function{function_name = 'peek', flags = {'no-writes'}, \
    ///          callback = function(keys) return redis.call('GET', keys[1]) end}",
    /// )?;
    /// store.strings().set("k", "v")?;
    /// assert_eq!(store.scripts().fcall_ro("peek", ["k"], [""; 0])?, embedis::Reply::from("v"));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn fcall_ro<K, A>(
        &self,
        name: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        self.run(b"FCALL_RO", name.as_ref(), keys, args)
    }

    /// Loads a library (`FUNCTION LOAD`): code starting `#!lua name=<library>` that
    /// registers functions with `redis.register_function`. Answers its name.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] with Redis's text: the library exists, the code fails, it
    /// registers no function, a function name is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let code = "#!lua name=lib\nredis.register_function('one', function() return 1 end)";
    /// assert_eq!(store.scripts().function_load(code)?, "lib");
    /// assert!(store.scripts().function_load(code).is_err());
    /// assert_eq!(store.scripts().function_load_replace(code)?, "lib");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn function_load(&self, code: impl AsRef<[u8]>) -> Result<String> {
        self.library(&[b"FUNCTION", b"LOAD", code.as_ref()])
    }

    /// [`function_load`](Self::function_load) replacing a library of the same name
    /// (`FUNCTION LOAD REPLACE`); if the new code fails, the old library stays.
    ///
    /// # Errors
    ///
    /// As [`function_load`](Self::function_load).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.scripts().function_load("#!lua name=l\nredis.register_function('f', function() return 1 end)")?;
    /// store.scripts().function_load_replace("#!lua name=l\nredis.register_function('f', function() return 2 end)")?;
    /// assert_eq!(store.scripts().fcall("f", [""; 0], [""; 0])?, embedis::Reply::Integer(2));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn function_load_replace(&self, code: impl AsRef<[u8]>) -> Result<String> {
        self.library(&[b"FUNCTION", b"LOAD", b"REPLACE", code.as_ref()])
    }

    /// Deletes a library and its functions (`FUNCTION DELETE`).
    ///
    /// # Errors
    ///
    /// [`Error::Script`] with `ERR Library not found`.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.scripts().function_load("#!lua name=l\nredis.register_function('f', function() return 1 end)")?;
    /// store.scripts().function_delete("l")?;
    /// assert!(store.scripts().fcall("f", [""; 0], [""; 0]).is_err());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn function_delete(&self, library: impl AsRef<[u8]>) -> Result<()> {
        self.command(&[b"FUNCTION", b"DELETE", library.as_ref()])
            .map(drop)
    }

    /// Deletes every library (`FUNCTION FLUSH`).
    ///
    /// # Errors
    ///
    /// None in practice; [`Error::Script`] if the Lua state cannot be made.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.scripts().function_load("#!lua name=l\nredis.register_function('f', function() return 1 end)")?;
    /// store.scripts().function_flush()?;
    /// assert!(store.scripts().function_dump()?.len() < 20);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn function_flush(&self) -> Result<()> {
        self.command(&[b"FUNCTION", b"FLUSH"]).map(drop)
    }

    /// Every library as Redis's `FUNCTION DUMP` payload, which
    /// [`function_restore`](Self::function_restore) (or a real Redis) takes back.
    ///
    /// # Errors
    ///
    /// None in practice; [`Error::Script`] if the Lua state cannot be made.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = (embedis::Store::new(), embedis::Store::new());
    /// a.scripts().function_load("#!lua name=l\nredis.register_function('f', function() return 7 end)")?;
    /// b.scripts().function_restore(a.scripts().function_dump()?, embedis::FunctionRestore::Append)?;
    /// assert_eq!(b.scripts().fcall("f", [""; 0], [""; 0])?, embedis::Reply::Integer(7));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn function_dump(&self) -> Result<Vec<u8>> {
        match self.command(&[b"FUNCTION", b"DUMP"])? {
            Reply::Bulk(payload) => Ok(payload.to_vec()),
            _ => Ok(Vec::new()),
        }
    }

    /// Loads the libraries of a [`function_dump`](Self::function_dump) payload
    /// (`FUNCTION RESTORE`), as `policy` says.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] with Redis's text: a bad payload, a library that exists
    /// (under [`FunctionRestore::Append`]), code that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{FunctionRestore, Store};
    /// let store = Store::new();
    /// store.scripts().function_load("#!lua name=l\nredis.register_function('f', function() return 1 end)")?;
    /// let payload = store.scripts().function_dump()?;
    /// assert!(store.scripts().function_restore(&payload, FunctionRestore::Append).is_err());
    /// store.scripts().function_restore(&payload, FunctionRestore::Replace)?;
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn function_restore(
        &self,
        payload: impl AsRef<[u8]>,
        policy: FunctionRestore,
    ) -> Result<()> {
        let policy: &[u8] = match policy {
            FunctionRestore::Append => b"APPEND",
            FunctionRestore::Replace => b"REPLACE",
            FunctionRestore::Flush => b"FLUSH",
        };
        self.command(&[b"FUNCTION", b"RESTORE", payload.as_ref(), policy])
            .map(drop)
    }

    /// A library's name from a `FUNCTION LOAD` reply.
    fn library(&self, argv: &[&[u8]]) -> Result<String> {
        match self.command(argv)? {
            Reply::Bulk(name) => Ok(String::from_utf8_lossy(&name).into_owned()),
            other => Err(Error::Script(
                format!("ERR unexpected reply {other:?}").into(),
            )),
        }
    }

    /// How long a script runs before other callers' commands are answered `BUSY`
    /// (`busy-reply-threshold`, 5 seconds by default; zero: never). Callers of the
    /// command interface wait for a shorter script to finish; the typed API always
    /// waits, and so does a command that reached the store's locks just before the
    /// script took them (`SCRIPT KILL` from another caller ends both waits).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.scripts().set_busy_threshold(Duration::from_millis(100));
    /// let mut conn = store.connection();
    /// assert_eq!(
    ///     conn.execute(&["CONFIG", "GET", "busy-reply-threshold"]),
    ///     embedis::Reply::Array(vec!["busy-reply-threshold".into(), "100".into()]),
    /// );
    /// ```
    pub fn set_busy_threshold(&self, threshold: std::time::Duration) {
        let ms = u64::try_from(threshold.as_millis()).unwrap_or(u64::MAX);
        self.store.core.scripting.run_state().set_threshold_ms(ms);
    }

    /// Runs `name first numkeys keys… args…`.
    fn run<K, A>(
        &self,
        name: &[u8],
        first: &[u8],
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<Reply>
    where
        K: AsRef<[u8]>,
        A: AsRef<[u8]>,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let rest: Vec<A> = args.into_iter().collect();
        let numkeys = keys.len().to_string();
        let mut words: Vec<&[u8]> = vec![name, first, numkeys.as_bytes()];
        words.extend(keys.iter().map(AsRef::as_ref));
        words.extend(rest.iter().map(AsRef::as_ref));
        self.command(&words)
    }

    /// Runs a scripting command as a connection on this handle's database would, its
    /// error reply as [`Error::Script`].
    fn command(&self, argv: &[&[u8]]) -> Result<Reply> {
        let ctx = Ctx {
            store: self.store,
            access: self.store.access(),
            db: self.db,
            resp3: false,
            cancel: None,
            script: false,
            park: None,
        };
        self.store.keyspace().stats().command();
        let reply = script_command(&ctx, argv)?;
        match reply {
            Reply::Error(text) => Err(Error::Script(String::from_utf8_lossy(&text).into())),
            other => Ok(other),
        }
    }
}

/// Runs a scripting command given whole (its name first), for the typed API: its
/// arity checked as a connection checks it.
fn script_command(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let Some((cmd, spec)) = scripting::lookup(a) else {
        return Ok(error("ERR unknown command"));
    };
    let arity = spec.map_or(cmd.arity, |s| s.arity);
    if !table::arity_ok(arity, a.len()) {
        return Ok(error(format!(
            "ERR wrong number of arguments for '{}' command",
            cmd.name
        )));
    }
    super::functions::run(c, cmd.name, a)
}
