//! The crate's layering, checked from the sources: every module sits in a layer, a
//! module may use only modules of its own layer or of lower layers, and modules never
//! use each other in a cycle.
//!
//! Modules are the files under `src/` (`a.rs`, `a/b.rs`, `a/mod.rs`; `#[path]`
//! attributes are not followed); inline modules belong to their file's module.
//! Dependencies are the module paths written in `src/**/*.rs`: `use crate::…`,
//! `use super::…`, `use self::…`, `use child::…` (grouped and multi-line imports
//! included), and `crate::a::b`, `super::…`, `self::…`, `child::…` paths anywhere in
//! the code, function bodies included. Comments, doc comments and string literals are
//! skipped, and so are visibilities (`pub(in crate::a)`). A path resolves to the
//! deepest module file it names; a name imported or re-exported by a module
//! (`crate::Store`, `super::Reply`) resolves to where that import points, so
//! `crate::Store` is a dependency on `store` and `crate::Connection` one on
//! `command/connection`. A module re-exporting its own descendants' items
//! (`pub use reply::Reply` in `command.rs`) only passes them on: that line is no
//! dependency of its own.
//!
//! `#[cfg(test)]` code (the `mod tests` blocks) is checked too: a test inside a module
//! compiles as part of that module, so it may not reach upward either. Such
//! violations are marked `(test)` in the report; `CHECK_TEST_CODE` turns them off.
//!
//! `lib.rs` is the crate root: it declares and re-exports every module, so its own
//! paths are not checked; names it defines itself (the `Args` alias) are the `lib`
//! module of layer 0.
//!
//! Every cycle goes up somewhere. A cycle through an import that climbs a layer is
//! reported as that climb; the cycles listed are those whose imports all stay within
//! or go below their layer, so once no import climbs, every cycle is listed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

// ---------------------------------------------------------------------------------
// The layer table.
//
// Each module is listed under its layer, by its path below `src/` without the `.rs`
// (`keyspace/blocking` is `src/keyspace/blocking.rs`; `lib` stands for the items
// defined in `src/lib.rs` itself). `name/*` places every descendant of `name`; an
// exact entry wins over a `/*` entry, and a longer `/*` entry over a shorter one.
//
// The rule: a module may use modules of its own layer or of a lower one, never of a
// higher one; and no two modules may depend on each other, directly or through
// others — except a module and its own descendants (`keyspace` and
// `keyspace/blocking`), which form one unit. Siblings are not exempt.
//
// A module missing from this table fails the check: place every new module here.
// ---------------------------------------------------------------------------------
#[rustfmt::skip]
const LAYERS: &[(u8, &str, &[&str])] = &[
    (0, "leaves", &["lib", "error", "number", "number/*", "glob", "index", "mem", "clock", "varint", "geohash", "qsort", "slot"]),
    (1, "tables", &["raw", "blob"]),
    (2, "values", &["value", "value/*", "rdb", "rdb/*"]),
    (3, "engine", &["keyspace", "keyspace/*"]),
    (4, "core", &["core", "persist", "aof", "script", "script/*"]),
    (5, "commands", &["strings", "strings/*", "bits", "keys", "hashes", "lists", "sets",
                      "zsets", "zsets/*", "streams", "streams/*", "pubsub", "transaction", "scan",
                      "hll", "geo", "keys/*"]),
    (6, "facade", &["store"]),
    (7, "wire", &["command", "command/*", "redis_rs"]),
];

/// Whether `#[cfg(test)]` code counts (see the module docs).
const CHECK_TEST_CODE: bool = true;

#[test]
fn layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_tree(&src, &src, &mut files);
    assert!(
        files.iter().any(|(p, _)| p == "lib.rs"),
        "no src/lib.rs under {}",
        src.display()
    );
    let violations = check(&files, LAYERS, CHECK_TEST_CODE);
    if !violations.is_empty() {
        let mut report = format!(
            "{} layer violation(s) (the table and the rule are at the top of tests/layers.rs):\n",
            violations.len()
        );
        for v in &violations {
            let _ = writeln!(report, "  {v}");
        }
        panic!("{report}");
    }
}

/// Every `.rs` file under `dir`, as (path relative to `root` with `/`, contents).
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under src");
            let rel: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((rel.join("/"), text));
        }
    }
}

// ---------------------------------------------------------------------------------
// Tokens: identifiers and punctuation with their line, comments and literals gone.
// ---------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A number, string, byte or character literal (its text is never looked at).
    Literal,
}

fn tokenize(text: &str) -> Vec<(Tok, usize)> {
    let mut lexer = Lexer {
        c: text.chars().collect(),
        i: 0,
        line: 1,
        toks: Vec::new(),
    };
    while lexer.i < lexer.c.len() {
        lexer.step();
    }
    lexer.toks
}

struct Lexer {
    c: Vec<char>,
    i: usize,
    line: usize,
    toks: Vec<(Tok, usize)>,
}

impl Lexer {
    fn at(&self, k: usize) -> Option<char> {
        self.c.get(self.i + k).copied()
    }

    /// One character on, counting lines.
    fn bump(&mut self) {
        if self.c[self.i] == '\n' {
            self.line += 1;
        }
        self.i += 1;
    }

    fn push(&mut self, tok: Tok, line: usize) {
        self.toks.push((tok, line));
    }

    fn step(&mut self) {
        let line = self.line;
        let ch = self.c[self.i];
        match (ch, self.at(1)) {
            ('/', Some('/')) => {
                while self.at(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
            }
            ('/', Some('*')) => self.block_comment(),
            ('"', _) => {
                self.quoted('"');
                self.push(Tok::Literal, line);
            }
            // A character literal ('a', '\n', '{') or a lifetime or label ('a).
            ('\'', Some('\\')) => {
                self.quoted('\'');
                self.push(Tok::Literal, line);
            }
            ('\'', _) if self.at(2) == Some('\'') => {
                self.i += 3;
                self.push(Tok::Literal, line);
            }
            ('\'', _) => self.i += 1, // a lifetime: its name follows as an identifier
            (':', Some(':')) => {
                self.i += 2;
                self.push(Tok::PathSep, line);
            }
            _ if ch.is_alphabetic() || ch == '_' => self.word(),
            _ if ch.is_ascii_digit() => {
                self.eat_word();
                self.push(Tok::Literal, line);
            }
            _ if ch.is_whitespace() => self.bump(),
            _ => {
                self.i += 1;
                self.push(Tok::Punct(ch), line);
            }
        }
    }

    fn eat_word(&mut self) {
        while self.at(0).is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.i += 1;
        }
    }

    /// `/* … */`, nested ones included.
    fn block_comment(&mut self) {
        let mut depth = 0;
        while self.i < self.c.len() {
            match (self.c[self.i], self.at(1)) {
                ('/', Some('*')) => {
                    depth += 1;
                    self.i += 2;
                }
                ('*', Some('/')) => {
                    depth -= 1;
                    self.i += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.bump(),
            }
        }
    }

    /// A literal from its opening `quote` to its closing one, escapes included.
    fn quoted(&mut self, quote: char) {
        self.i += 1;
        while let Some(c) = self.at(0) {
            if c == quote {
                break;
            }
            if c == '\\' {
                self.bump();
            }
            if self.at(0).is_some() {
                self.bump();
            }
        }
        self.i += 1;
    }

    /// A raw string's body, from the `#`s or quote after its `r`: skipped if it is one.
    fn raw_string(&mut self) -> bool {
        let hashes = (0..self.c.len() - self.i)
            .take_while(|&k| self.at(k) == Some('#'))
            .count();
        if self.at(hashes) != Some('"') {
            return false;
        }
        self.i += hashes + 1;
        while let Some(c) = self.at(0) {
            if c == '"' && (1..=hashes).all(|k| self.at(k) == Some('#')) {
                self.i += 1 + hashes;
                break;
            }
            self.bump();
        }
        true
    }

    /// An identifier or keyword, or a prefixed literal (`b"…"`, `r#"…"#`, `b'x'`), or a
    /// raw identifier (`r#type`).
    fn word(&mut self) {
        let line = self.line;
        let start = self.i;
        self.eat_word();
        let word: String = self.c[start..self.i].iter().collect();
        if matches!(word.as_str(), "r" | "br" | "cr") && self.raw_string() {
            self.push(Tok::Literal, line);
            return;
        }
        match (word.as_str(), self.at(0)) {
            ("b" | "c", Some('"')) => {
                self.quoted('"');
                self.push(Tok::Literal, line);
            }
            ("b", Some('\'')) => {
                self.quoted('\'');
                self.push(Tok::Literal, line);
            }
            ("r", Some('#')) => {
                self.i += 1;
                let start = self.i;
                self.eat_word();
                let raw = self.c[start..self.i].iter().collect();
                self.push(Tok::Ident(raw), line);
            }
            _ => self.push(Tok::Ident(word), line),
        }
    }
}

// ---------------------------------------------------------------------------------
// Paths: every module path written in a file, and each file's imports.
// ---------------------------------------------------------------------------------

/// Where a path starts.
#[derive(Clone, Debug, PartialEq)]
enum Base {
    /// An absolute module path (`crate::`, `super::`, `self::` already applied).
    Module(Vec<String>),
    /// A name looked up in a module's scope (`use child::X`, `use imported::Y`); if the
    /// module has no such child or import, the path is another crate's.
    Scope(Vec<String>),
}

/// A path written in a file: from `base`, through `segs`.
#[derive(Clone, Debug, PartialEq)]
struct PathRef {
    base: Base,
    segs: Vec<String>,
    line: usize,
    /// Inside `#[cfg(test)]` code.
    test: bool,
    /// Written in a `pub use` / `pub(…) use`.
    reexport: bool,
}

impl PathRef {
    fn new(base: Base, line: usize, test: bool) -> PathRef {
        PathRef {
            base,
            segs: Vec::new(),
            line,
            test,
            reexport: false,
        }
    }
}

/// What one file says.
#[derive(Default, Debug)]
struct Parsed {
    /// Every module path, with its line.
    paths: Vec<PathRef>,
    /// Names imported at the file's top level (`use` items outside any block), which
    /// other modules may reach through this one: name -> path.
    imports: BTreeMap<String, PathRef>,
    /// The modules it glob-imports at its top level (`use a::*`).
    globs: Vec<PathRef>,
    /// Names of the items it defines at its top level (`fn`, `struct`, `mod`, …).
    defined: BTreeSet<String>,
}

struct Parser<'a> {
    toks: &'a [(Tok, usize)],
    /// The file's module path (`["keyspace", "blocking"]`; empty for `lib.rs`).
    module: Vec<String>,
    /// The file's child modules (files below it), by name.
    children: &'a BTreeSet<String>,
    out: Parsed,
}

/// An open brace: an inline `mod` (its name, whether `#[cfg(test)]`) or any other block.
enum Frame {
    Mod(String, bool),
    Block,
}

impl Parser<'_> {
    fn ident(&self, i: usize) -> Option<&str> {
        match self.toks.get(i) {
            Some((Tok::Ident(s), _)) => Some(s),
            _ => None,
        }
    }

    fn is(&self, i: usize, t: &Tok) -> bool {
        self.toks.get(i).is_some_and(|(x, _)| x == t)
    }

    fn punct(&self, i: usize, ch: char) -> bool {
        self.is(i, &Tok::Punct(ch))
    }

    fn line(&self, i: usize) -> usize {
        self.toks.get(i).or(self.toks.last()).map_or(0, |t| t.1)
    }

    fn run(mut self) -> Parsed {
        let toks = self.toks;
        let mut frames: Vec<Frame> = Vec::new();
        // `#[cfg(test)]` seen, waiting for the item it applies to.
        let mut cfg_test = false;
        let mut i = 0;
        while i < toks.len() {
            // The logical module here: the file's, plus the inline modules open.
            let mut here = self.module.clone();
            let mut test = false;
            for f in &frames {
                if let Frame::Mod(name, t) = f {
                    here.push(name.clone());
                    test |= *t;
                }
            }
            let in_inline_mod = here.len() > self.module.len();
            if frames.is_empty()
                && let Some(name) = self.defined_at(i)
            {
                self.out.defined.insert(name.to_string());
            }
            let mut next = i + 1;
            match &toks[i].0 {
                Tok::Punct('#') if self.cfg_test_at(i) => {
                    cfg_test = true;
                    next = i + 7;
                }
                Tok::Ident(kw) if kw == "mod" && self.punct(i + 2, '{') => {
                    let name = self.ident(i + 1).unwrap_or_default().to_string();
                    frames.push(Frame::Mod(name, cfg_test));
                    cfg_test = false;
                    next = i + 3;
                }
                Tok::Ident(kw) if kw == "use" => {
                    next = self.use_item(i, &here, test || cfg_test, frames.is_empty());
                    cfg_test = false;
                }
                Tok::Punct('{') => {
                    frames.push(Frame::Block);
                    cfg_test = false;
                }
                Tok::Punct('}') => {
                    frames.pop();
                    cfg_test = false;
                }
                Tok::Punct(';') => cfg_test = false,
                Tok::Ident(word) if self.path_starts(i, word, in_inline_mod) => {
                    let mut leaves = Vec::new();
                    next = self.use_tree(i, &here, None, test, &mut leaves);
                    self.out.paths.extend(leaves.into_iter().map(|(_, p)| p));
                }
                _ => {}
            }
            i = next;
        }
        self.out
    }

    /// `#[cfg(test)]` at `i`.
    fn cfg_test_at(&self, i: usize) -> bool {
        self.punct(i, '#')
            && self.punct(i + 1, '[')
            && self.ident(i + 2) == Some("cfg")
            && self.punct(i + 3, '(')
            && self.ident(i + 4) == Some("test")
            && self.punct(i + 5, ')')
            && self.punct(i + 6, ']')
    }

    /// Whether a module path starts at `i`: `crate::`, `super::`, `self::` or a child
    /// module's name and `::`, not inside a longer path, after a `.`, or in a
    /// visibility (`pub(in crate::a)`).
    fn path_starts(&self, i: usize, word: &str, in_inline_mod: bool) -> bool {
        let first = matches!(word, "crate" | "super" | "self")
            || (!in_inline_mod && self.children.contains(word));
        let after = |t: Tok| i > 0 && self.is(i - 1, &t);
        let visibility = i >= 2 && self.ident(i - 1) == Some("in") && self.punct(i - 2, '(');
        first
            && self.is(i + 1, &Tok::PathSep)
            && !after(Tok::PathSep)
            && !after(Tok::Punct('.'))
            && !visibility
    }

    /// The name an item defined at `i` takes (`struct Name`, `macro_rules! name`).
    fn defined_at(&self, i: usize) -> Option<&str> {
        const ITEMS: [&str; 9] = [
            "fn", "struct", "enum", "union", "trait", "type", "const", "static", "mod",
        ];
        let kw = self.ident(i)?;
        if kw == "macro_rules" && self.punct(i + 1, '!') {
            return self.ident(i + 2);
        }
        if !ITEMS.contains(&kw) {
            return None;
        }
        let skip = usize::from(self.ident(i + 1) == Some("mut"));
        self.ident(i + 1 + skip)
            .filter(|n| *n != "_" && !ITEMS.contains(n))
    }

    /// `pub use` or `pub(…) use`, for the `use` at `i`.
    fn reexport_at(&self, i: usize) -> bool {
        if i > 0 && self.ident(i - 1) == Some("pub") {
            return true;
        }
        if i == 0 || !self.punct(i - 1, ')') {
            return false;
        }
        (0..i - 1)
            .rev()
            .find(|&k| self.punct(k, '('))
            .is_some_and(|k| k > 0 && self.ident(k - 1) == Some("pub"))
    }

    /// The `use` item at `i`: records its paths and, at the file's top level, the names
    /// it brings in. Returns the index after it.
    fn use_item(&mut self, i: usize, here: &[String], test: bool, top_level: bool) -> usize {
        if self.is(i + 1, &Tok::PathSep) {
            return i + 1; // `use ::krate::…`: another crate's
        }
        let reexport = self.reexport_at(i);
        let mut leaves = Vec::new();
        let next = self.use_tree(i + 1, here, None, test, &mut leaves);
        for (name, mut path) in leaves {
            path.reexport = reexport;
            match name.filter(|_| top_level && !test) {
                Some(name) if name == "*" => self.out.globs.push(path.clone()),
                Some(name) => {
                    self.out.imports.insert(name, path.clone());
                }
                None => {}
            }
            self.out.paths.push(path);
        }
        next
    }

    /// Reads a use tree (or a plain path) starting at `i`, in module `here`, continuing
    /// `prefix` inside a group; pushes (bound name, path) per leaf, the name `*` for a
    /// glob. Returns the index after the tree.
    fn use_tree(
        &self,
        mut i: usize,
        here: &[String],
        prefix: Option<&PathRef>,
        test: bool,
        leaves: &mut Vec<(Option<String>, PathRef)>,
    ) -> usize {
        let mut path = prefix.cloned();
        let mut name = None;
        loop {
            let line = self.line(i);
            if self.punct(i, '{') {
                let group =
                    path.unwrap_or_else(|| PathRef::new(Base::Scope(here.to_vec()), line, test));
                i += 1;
                while i < self.toks.len() && !self.punct(i, '}') {
                    let after = self.use_tree(i, here, Some(&group), test, leaves);
                    i = if self.punct(after, ',') {
                        after + 1
                    } else {
                        after.max(i + 1)
                    };
                }
                return i + 1;
            }
            if self.punct(i, '*') {
                leaves.extend(path.map(|p| (Some("*".to_string()), p)));
                return i + 1;
            }
            let Some(word) = self.ident(i) else { break };
            let word = word.to_string();
            i += 1;
            if let Some(p) = &mut path {
                match (&mut p.base, word.as_str()) {
                    (Base::Module(m), "super") if p.segs.is_empty() => {
                        m.pop();
                    }
                    // `a::{self}`: the module `a` itself, under its own name.
                    (_, "self") => name = p.segs.last().cloned(),
                    _ => {
                        p.segs.push(word.clone());
                        name = Some(word);
                    }
                }
                p.line = line; // a leaf's line is that of its last name
            } else {
                let mut parent = here.to_vec();
                parent.pop();
                let base = match word.as_str() {
                    "crate" => Base::Module(Vec::new()),
                    "self" => Base::Module(here.to_vec()),
                    "super" => Base::Module(parent),
                    _ => Base::Scope(here.to_vec()),
                };
                let mut p = PathRef::new(base, line, test);
                if matches!(p.base, Base::Scope(_)) {
                    p.segs.push(word.clone());
                    name = Some(word);
                }
                path = Some(p);
            }
            if !self.is(i, &Tok::PathSep) {
                break;
            }
            i += 1;
        }
        if self.ident(i) == Some("as") {
            name = self.ident(i + 1).map(str::to_string);
            i += 2;
        }
        leaves.extend(path.map(|p| (name.filter(|n| n != "_"), p)));
        i
    }
}

// ---------------------------------------------------------------------------------
// The crate: modules, resolution of paths to modules, and the check.
// ---------------------------------------------------------------------------------

/// A module's name in reports: `keyspace/blocking`, or `lib` for the crate root.
fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("/")
    }
}

/// The module path of a file below `src/`.
fn module_of(file: &str) -> Vec<String> {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

struct Crate {
    /// Module path -> (file, what it says).
    modules: BTreeMap<Vec<String>, (String, Parsed)>,
}

impl Crate {
    fn parse(files: &[(String, String)]) -> Crate {
        let all: BTreeSet<Vec<String>> = files.iter().map(|(f, _)| module_of(f)).collect();
        let mut modules = BTreeMap::new();
        for (file, text) in files {
            let module = module_of(file);
            let children: BTreeSet<String> = all
                .iter()
                .filter(|m| m.len() == module.len() + 1 && m.starts_with(&module))
                .map(|m| m[module.len()].clone())
                .collect();
            let toks = tokenize(text);
            let parsed = Parser {
                toks: &toks,
                module: module.clone(),
                children: &children,
                out: Parsed::default(),
            }
            .run();
            modules.insert(module, (file.clone(), parsed));
        }
        Crate { modules }
    }

    /// The module file a path leads to; `None` for another crate's path.
    fn resolve(&self, path: &PathRef, depth: usize) -> Option<Vec<String>> {
        if depth > 16 {
            return None;
        }
        let (mut cur, scope) = match &path.base {
            Base::Module(m) => (m.clone(), false),
            Base::Scope(m) => (m.clone(), true),
        };
        // Inline modules (`mod tests { … }`) belong to their file's module.
        while !cur.is_empty() && !self.modules.contains_key(&cur) {
            cur.pop();
        }
        for (k, seg) in path.segs.iter().enumerate() {
            let mut child = cur.clone();
            child.push(seg.clone());
            if self.modules.contains_key(&child) {
                cur = child;
                continue;
            }
            let Some((_, parsed)) = self.modules.get(&cur) else {
                break;
            };
            let via = |import: &PathRef, from: usize| {
                let mut via = import.clone();
                via.segs.extend(path.segs[from..].iter().cloned());
                self.resolve(&via, depth + 1)
            };
            if let Some(import) = parsed.imports.get(seg) {
                return via(import, k + 1);
            }
            if parsed.defined.contains(seg) {
                break;
            }
            if let Some(glob) = parsed.globs.iter().find(|g| self.knows(g, seg, depth)) {
                return via(glob, k);
            }
            if scope && k == 0 {
                return None;
            }
            break; // an item of `cur` (one a macro defines, say)
        }
        Some(cur)
    }

    /// Whether the module a glob import brings in has something named `name`.
    fn knows(&self, glob: &PathRef, name: &str, depth: usize) -> bool {
        let Some(module) = self.resolve(glob, depth + 1) else {
            return false;
        };
        let mut child = module.clone();
        child.push(name.to_string());
        self.modules.contains_key(&child)
            || self
                .modules
                .get(&module)
                .is_some_and(|(_, p)| p.imports.contains_key(name) || p.defined.contains(name))
    }
}

/// The layer of a module, by the table's most specific entry.
fn layer_of(module: &str, layers: &[(u8, &str, &[&str])]) -> Option<u8> {
    let mut best: Option<(usize, u8)> = None;
    for &(layer, _, entries) in layers {
        for &entry in entries {
            let rank = if entry == module {
                usize::MAX
            } else if let Some(parent) = entry.strip_suffix("/*") {
                if module.starts_with(parent) && module[parent.len()..].starts_with('/') {
                    parent.len()
                } else {
                    continue;
                }
            } else {
                continue;
            };
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, layer));
            }
        }
    }
    best.map(|(_, l)| l)
}

/// One is the other or an ancestor of it: `keyspace` and `keyspace/blocking`.
/// `a/b/c`'s ancestors: `a` and `a/b`.
fn ancestors(module: &str) -> BTreeSet<String> {
    let parts: Vec<&str> = module.split('/').collect();
    (1..parts.len()).map(|n| parts[..n].join("/")).collect()
}

fn same_family(a: &str, b: &str) -> bool {
    let within =
        |x: &str, y: &str| x == "lib" || y.strip_prefix(x).is_some_and(|r| r.starts_with('/'));
    a == b || within(a, b) || within(b, a)
}

/// Dependency edges between modules: (from, to) -> where each is written.
type Edges = BTreeMap<(String, String), BTreeSet<(String, usize, bool)>>;

fn edges(krate: &Crate, check_tests: bool) -> Edges {
    let mut edges = Edges::new();
    for (module, (file, parsed)) in &krate.modules {
        if module.is_empty() {
            continue; // lib.rs: the crate root (see the module docs)
        }
        for path in &parsed.paths {
            if path.test && !check_tests {
                continue;
            }
            let Some(target) = krate.resolve(path, 0) else {
                continue;
            };
            // A module re-exporting its descendants' items only passes them on:
            // their users resolve to the descendant itself.
            if &target == module || (path.reexport && target.starts_with(module)) {
                continue;
            }
            edges
                .entry((name(module), name(&target)))
                .or_default()
                .insert((file.clone(), path.line, path.test));
        }
    }
    edges
}

fn locations(at: &BTreeSet<(String, usize, bool)>) -> String {
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (file, line, test) in at {
        by_file.entry(file).or_default().push(if *test {
            format!("{line} (test)")
        } else {
            line.to_string()
        });
    }
    by_file
        .into_iter()
        .map(|(file, lines)| format!("src/{file}:{}", lines.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every violation, deduplicated and sorted: unknown modules, climbs, cycles.
fn check(
    files: &[(String, String)],
    layers: &[(u8, &str, &[&str])],
    check_tests: bool,
) -> Vec<String> {
    let krate = Crate::parse(files);
    let edges = edges(&krate, check_tests);
    let mut out = Vec::new();

    for (module, (file, _)) in &krate.modules {
        if layer_of(&name(module), layers).is_none() {
            out.push(format!(
                "unknown module, add it to the layer table: {} (src/{file})",
                name(module)
            ));
        }
    }

    for ((from, to), at) in &edges {
        if let (Some(a), Some(b)) = (layer_of(from, layers), layer_of(to, layers))
            && b > a
        {
            out.push(format!(
                "climbs: {from} -> {to} (L{a} -> L{b}) at {}",
                locations(at)
            ));
        }
    }

    // A cycle: an edge between modules of different families, and a way back. Every
    // cycle goes up somewhere; one through a climbing edge is already reported as that
    // climb, so only the edges that do not climb are followed here (with no climbs
    // left, that is every edge).
    let climbs = |from: &str, to: &str| match (layer_of(from, layers), layer_of(to, layers)) {
        (Some(a), Some(b)) => b > a,
        _ => false,
    };
    let level: Vec<&(String, String)> = edges.keys().filter(|(f, t)| !climbs(f, t)).collect();
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in &level {
        graph.entry(from).or_default().push(to);
    }
    let mut cycles = BTreeSet::new();
    for (from, to) in level {
        if same_family(from, to) {
            continue;
        }
        // The shortest way from `to` back to `from`. Between two modules of one
        // family (siblings, cousins), the way back must not pass through the family's
        // own root: a parent and its children may use each other, so every sibling
        // import would otherwise close a loop through the parent.
        let banned: BTreeSet<String> = ancestors(from)
            .intersection(&ancestors(to))
            .cloned()
            .collect();
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([to.as_str()]);
        while let Some(n) = queue.pop_front() {
            if n == from {
                break;
            }
            for &m in graph.get(n).into_iter().flatten() {
                if m != to && !prev.contains_key(m) && !banned.contains(m) {
                    prev.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        if !prev.contains_key(from.as_str()) {
            continue;
        }
        // from, …, to backwards: reversed, to -> … -> from (-> to).
        let mut cycle = vec![from.as_str()];
        while let Some(&p) = prev.get(cycle.last().expect("nonempty")) {
            cycle.push(p);
        }
        cycle.reverse();
        // Start at the smallest name, so each cycle is listed once.
        let start = (0..cycle.len())
            .min_by_key(|&k| cycle[k])
            .expect("nonempty");
        cycle.rotate_left(start);
        cycles.insert(cycle.iter().map(|s| (*s).to_string()).collect::<Vec<_>>());
    }
    for cycle in cycles {
        let mut text = String::from("cycle: ");
        let mut wheres = Vec::new();
        for (k, m) in cycle.iter().enumerate() {
            let next = &cycle[(k + 1) % cycle.len()];
            let _ = write!(text, "{m} -> ");
            let at = &edges[&(m.clone(), next.clone())];
            wheres.push(format!("{m} -> {next} at {}", locations(at)));
        }
        let _ = write!(text, "{} ({})", cycle[0], wheres.join("; "));
        out.push(text);
    }
    out
}

// ---------------------------------------------------------------------------------
// The checker's own tests, on synthetic sources.
// ---------------------------------------------------------------------------------

fn synthetic(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(f, t)| ((*f).to_string(), (*t).to_string()))
        .collect()
}

/// Every (from, to) edge of a synthetic crate, with its lines, as `from -> to @ lines`.
fn edge_list(files: &[(&str, &str)]) -> Vec<String> {
    let krate = Crate::parse(&synthetic(files));
    edges(&krate, true)
        .into_iter()
        .map(|((from, to), at)| {
            let lines: Vec<String> = at
                .iter()
                .map(|(_, l, t)| if *t { format!("{l}t") } else { l.to_string() })
                .collect();
            format!("{from} -> {to} @ {}", lines.join(","))
        })
        .collect()
}

#[test]
fn parser_finds_every_kind_of_path() {
    let lib = "mod a; mod b; mod c; mod d; mod e; mod f; mod g;\n\
               pub use g::inner::Gx;\n\
               pub use b::Reexported as Renamed;\n\
               pub(crate) type Args<T> = Vec<T>;\n";
    #[allow(clippy::needless_raw_string_hashes)] // it holds `r#"…"#`
    let a = r##"//! Doc: [`X`](crate::e::X) and crate::e::Y in a doc comment.
use crate::{b::X, c::{Y, deep::{Z, W}}};
use crate::d
    ::D;
/* a block comment: crate::e::Q /* nested: crate::e::R */ */
pub(crate) fn f<'a>(s: &'a str) -> char {
    let _ = "a string: crate::e::S";
    let _ = r#"a raw string: "crate::e::T""#;
    let _ = b"bytes: crate::e::U";
    let brace = '{';
    if s.is_empty() { let _ = crate::f::g(); }
    let _: crate::Gx = todo!();
    let _ = crate::Renamed;
    let _: crate::Args<u8> = Vec::new();
    brace
}
pub(in crate::e) fn vis() {}
pub(crate) struct S;
fn k() -> [u8; 2] { [b'}', b'\''] }
fn m() { let r#type = crate::f::g; let _ = ('\'', "\"", '"'); }
"##;
    let b = "pub(crate) struct X; pub(crate) struct Reexported;\n";
    let b_child = "pub(super) fn h() { super::super::e::h(); }\nuse super::super::c::Y as _;\n";
    let b_child_deep = "use super::super::super::d::D;\nfn i() { self::j(); }\nfn j() {}\n";
    let c_child = "pub(crate) struct Z; pub(crate) struct W;\n";
    let e = "#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::f;\n    #[test]\n    fn t() { crate::g::inner::x(); }\n}\n";
    let got = edge_list(&[
        ("lib.rs", lib),
        ("a.rs", a),
        ("b.rs", b),
        ("b/child.rs", b_child),
        ("b/child/deep.rs", b_child_deep),
        ("c.rs", "pub(crate) struct Y;\n"),
        ("c/deep.rs", c_child),
        ("d.rs", "pub(crate) struct D;\n"),
        ("e.rs", e),
        ("f.rs", "pub(crate) fn g() {}\n"),
        ("g.rs", "pub(crate) mod inner { pub struct Gx; }\n"),
    ]);
    let want = [
        "a -> b @ 2,13",
        "a -> c @ 2",
        "a -> c/deep @ 2",
        "a -> d @ 4",
        "a -> f @ 11,20",
        "a -> g @ 12",
        "a -> lib @ 14",
        "b/child -> c @ 2",
        "b/child -> e @ 1",
        "b/child/deep -> d @ 1",
        "e -> f @ 4t",
        "e -> g @ 6t",
    ];
    assert_eq!(got, want);
}

#[test]
fn parser_follows_reexports_and_child_paths() {
    let got = edge_list(&[
        (
            "lib.rs",
            "mod v; mod w; mod x; mod y; pub use x::Conn;\npub use v::*;\n",
        ),
        ("v.rs", "pub enum Kind { A }\nmacro_rules! m { () => {} }\n"),
        // Re-exporting a child's item is no dependency; any other re-export is.
        (
            "x.rs",
            "mod inner;\npub use inner::Conn;\nfn f() { inner::g(); }\npub(crate) use crate::w::W;\n",
        ),
        ("x/inner.rs", "pub struct Conn; pub(crate) fn g() {}\n"),
        (
            "y.rs",
            "use crate::Conn;\nuse super::w::{self as ww};\nfn f(_: crate::Kind) {}\n",
        ),
        (
            "w.rs",
            "use std::collections::HashMap;\nfn f() { let _ = ::std::mem::take(&mut 0); }\npub(crate) struct W;\n",
        ),
    ]);
    assert_eq!(
        got,
        [
            "x -> w @ 4",
            "x -> x/inner @ 3",
            "y -> v @ 3",
            "y -> w @ 2",
            "y -> x/inner @ 1"
        ]
    );
}

#[test]
fn check_reports_climbs_cycles_and_unknown_modules() {
    const TABLE: &[(u8, &str, &[&str])] = &[
        (0, "low", &["lib", "leaf"]),
        (1, "mid", &["eng", "eng/*"]),
        (2, "high", &["top", "top/*"]),
    ];
    let files = synthetic(&[
        ("lib.rs", "mod eng; mod leaf; mod new; mod top;\n"),
        ("leaf.rs", "fn f() {}\n"),
        // A module and its child use each other: allowed.
        ("eng.rs", "mod sub;\nuse self::sub::A;\n"),
        (
            "eng/sub.rs",
            "use super::super::leaf;\npub(crate) struct A;\nfn f() { super::g(); }\n",
        ),
        // Siblings using each other: a cycle; and a climb.
        ("top.rs", "mod a; mod b;\n"),
        ("top/a.rs", "use super::b::B;\npub(crate) struct A;\n"),
        ("top/b.rs", "use super::a::A;\npub(crate) struct B;\n"),
        ("new.rs", "use crate::leaf;\n"),
        (
            "eng/up.rs",
            "use crate::top::a::A;\n#[cfg(test)]\nmod tests { use crate::top::b::B; }\n",
        ),
    ]);
    let got = check(&files, TABLE, true);
    let want = [
        "unknown module, add it to the layer table: new (src/new.rs)",
        "climbs: eng/up -> top/a (L1 -> L2) at src/eng/up.rs:1",
        "climbs: eng/up -> top/b (L1 -> L2) at src/eng/up.rs:3 (test)",
        "cycle: top/a -> top/b -> top/a (top/a -> top/b at src/top/a.rs:1; top/b -> top/a at src/top/b.rs:1)",
    ];
    assert_eq!(got, want);
    assert_eq!(
        check(&files, TABLE, false).len(),
        3,
        "test code can be left out"
    );
}

#[test]
fn cycles_through_a_family_are_cycles() {
    const TABLE: &[(u8, &str, &[&str])] = &[(0, "all", &["lib", "p", "p/*", "q"])];
    let files = synthetic(&[
        ("lib.rs", "mod p; mod q;\n"),
        ("p.rs", "mod c;\nuse c::X;\n"),
        ("p/c.rs", "pub(crate) struct X;\nuse crate::q::Q;\n"),
        ("q.rs", "pub(crate) struct Q;\nuse crate::p;\n"),
    ]);
    assert_eq!(
        check(&files, TABLE, true),
        [
            "cycle: p -> p/c -> q -> p (p -> p/c at src/p.rs:2; p/c -> q at src/p/c.rs:2; q -> p at src/q.rs:2)"
        ]
    );
}

#[test]
fn siblings_may_close_a_loop_through_their_parent_but_not_among_themselves() {
    const TABLE: &[(u8, &str, &[&str])] = &[(0, "all", &["lib", "p", "p/*"])];
    // The parent holds its children's types, and the children use the parent's: `a`
    // using `b` closes a loop only through `p`, which is allowed.
    let through_parent = synthetic(&[
        ("lib.rs", "mod p;\n"),
        (
            "p.rs",
            "mod a; mod b;\nuse a::A;\nuse b::B;\npub(crate) struct P;\n",
        ),
        (
            "p/a.rs",
            "use super::P;\nuse super::b::B;\npub(crate) struct A;\n",
        ),
        ("p/b.rs", "use super::P;\npub(crate) struct B;\n"),
    ]);
    assert_eq!(check(&through_parent, TABLE, true), Vec::<String>::new());
    // `b` using `a` back is a cycle between the siblings themselves.
    let mut between = through_parent.clone();
    between[3].1 = "use super::P;\nuse super::a::A;\npub(crate) struct B;\n".into();
    assert_eq!(
        check(&between, TABLE, true),
        ["cycle: p/a -> p/b -> p/a (p/a -> p/b at src/p/a.rs:2; p/b -> p/a at src/p/b.rs:2)"]
    );
}

#[test]
fn a_cycle_through_a_climb_is_reported_as_the_climb() {
    const TWO: &[(u8, &str, &[&str])] = &[(0, "low", &["lib", "lo"]), (1, "high", &["hi"])];
    const ONE: &[(u8, &str, &[&str])] = &[(0, "all", &["lib", "lo", "hi"])];
    let files = synthetic(&[
        ("lib.rs", "mod hi; mod lo;\n"),
        ("lo.rs", "use crate::hi::H;\npub(crate) struct L;\n"),
        ("hi.rs", "use crate::lo::L;\npub(crate) struct H;\n"),
    ]);
    assert_eq!(
        check(&files, TWO, true),
        ["climbs: lo -> hi (L0 -> L1) at src/lo.rs:1"]
    );
    assert_eq!(
        check(&files, ONE, true),
        ["cycle: hi -> lo -> hi (hi -> lo at src/hi.rs:1; lo -> hi at src/lo.rs:1)"]
    );
}
