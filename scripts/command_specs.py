#!/usr/bin/env python3
"""Writes src/command/table/spec/data.rs: every command of Redis 7.0 as its
src/commands/*.json describes it (flags, ACL categories, key specs, tips, docs,
arguments, subcommands), for COMMAND, COMMAND INFO/DOCS/LIST/GETKEYS to answer
as Redis does.

    python3 scripts/command_specs.py <redis-source-dir>

where <redis-source-dir> holds src/commands/*.json of Redis 7.0.15 (for example
`git --git-dir=<redis.git> archive 7.0.15 src/commands | tar x -C <dir>`).
"""

import glob
import json
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "command", "table", "spec", "data.rs")

ARG_TYPES = {
    "string": "String",
    "integer": "Integer",
    "double": "Double",
    "key": "Key",
    "pattern": "Pattern",
    "unix-time": "UnixTime",
    "pure-token": "PureToken",
    "oneof": "OneOf",
    "block": "Block",
}

GETKEYS = {
    "setGetKeys": "GetKeys::Set",
    "bitfieldGetKeys": "GetKeys::Bitfield",
    "sintercardGetKeys": "GetKeys::NumKeys { store: 0, count: 1, first: 2 }",
    "zunionInterDiffGetKeys": "GetKeys::NumKeys { store: 0, count: 1, first: 2 }",
    "zunionInterDiffStoreGetKeys": "GetKeys::NumKeys { store: 1, count: 2, first: 3 }",
    "evalGetKeys": "GetKeys::NumKeys { store: 0, count: 2, first: 3 }",
    "functionGetKeys": "GetKeys::NumKeys { store: 0, count: 2, first: 3 }",
    "lmpopGetKeys": "GetKeys::NumKeys { store: 0, count: 1, first: 2 }",
    "blmpopGetKeys": "GetKeys::NumKeys { store: 0, count: 2, first: 3 }",
    "zmpopGetKeys": "GetKeys::NumKeys { store: 0, count: 1, first: 2 }",
    "bzmpopGetKeys": "GetKeys::NumKeys { store: 0, count: 2, first: 3 }",
    "sortGetKeys": "GetKeys::Sort",
    "sortROGetKeys": "GetKeys::SortRo",
    "migrateGetKeys": "GetKeys::Migrate",
    "georadiusGetKeys": "GetKeys::Georadius",
    "xreadGetKeys": "GetKeys::Xread",
}


def rs(s):
    return json.dumps(s)


def opt(desc, field, upper=False):
    v = desc.get(field)
    if not v:
        return "None"
    if upper:
        v = v.upper()
    return "Some(%s)" % rs(v)


def bits(names, prefix):
    names = list(names)
    return " | ".join("%s%s" % (prefix, n) for n in names) if names else "0"


def key_spec(spec):
    bs = spec["begin_search"]
    if bs.get("index"):
        begin = "Begin::Index(%d)" % bs["index"]["pos"]
    elif bs.get("keyword"):
        begin = "Begin::Keyword(%s, %d)" % (rs(bs["keyword"]["keyword"]), bs["keyword"]["startfrom"])
    else:
        begin = "Begin::Unknown"
    fk = spec["find_keys"]
    if fk.get("range"):
        r = fk["range"]
        find = "Find::Range { last: %d, step: %d, limit: %d }" % (r["lastkey"], r["step"], r["limit"])
    elif fk.get("keynum"):
        k = fk["keynum"]
        find = "Find::KeyNum { index: %d, first: %d, step: %d }" % (k["keynumidx"], k["firstkey"], k["step"])
    else:
        find = "Find::Unknown"
    return "KeySpec { notes: %s, flags: %s, begin: %s, find: %s }" % (
        opt(spec, "notes"), bits(spec.get("flags", []), "K_"), begin, find)


def arg(desc, indent):
    flags = []
    if desc.get("optional"):
        flags.append("OPTIONAL")
    if desc.get("multiple"):
        flags.append("MULTIPLE")
    if desc.get("multiple_token"):
        flags.append("MULTIPLE_TOKEN")
    s = "Arg::new(%s, ArgType::%s)" % (rs(desc["name"].lower()), ARG_TYPES[desc["type"]])
    if "key_spec_index" in desc:
        s += ".key_spec(%d)" % desc["key_spec_index"]
    if desc.get("token"):
        s += ".token(%s)" % rs(desc["token"].upper())
    assert not desc.get("summary"), "argument summaries are not in 7.0's replies"
    if desc.get("since"):
        s += ".since(%s)" % rs(desc["since"])
    if desc.get("deprecated_since"):
        s += ".deprecated_since(%s)" % rs(desc["deprecated_since"])
    if flags:
        s += ".flags(%s)" % bits(flags, "A_")
    if desc["type"] in ("oneof", "block"):
        s += ".args(&[\n%s%s])" % (args(desc["arguments"], indent + 4), " " * indent)
    return s


def args(descs, indent):
    return "".join("%s%s,\n" % (" " * indent, arg(d, indent)) for d in descs)


def command(name, desc, subs, group, indent):
    pad = " " * indent
    out = "%sSpec {\n" % pad
    p = pad + "    "
    out += "%sname: %s,\n" % (p, rs(name))
    out += "%sarity: %d,\n" % (p, desc["arity"])
    out += "%sflags: %s,\n" % (p, bits(desc.get("command_flags", []), "F_"))
    out += "%sacl: %s,\n" % (p, bits(desc.get("acl_categories", []), "C_"))
    out += "%skey_specs: &[%s],\n" % (p, ", ".join(key_spec(k) for k in desc.get("key_specs", [])))
    gk = desc.get("get_keys_function")
    out += "%sgetkeys: %s,\n" % (p, GETKEYS[gk] if gk else "GetKeys::None")
    out += "%stips: &[%s],\n" % (p, ", ".join(rs(t.lower()) for t in desc.get("command_tips", [])))
    out += "%sdoc: Doc {\n" % p
    q = p + "    "
    out += "%ssummary: %s,\n" % (q, opt(desc, "summary"))
    out += "%ssince: %s,\n" % (q, opt(desc, "since"))
    out += "%sgroup: %s,\n" % (q, rs(group.replace("_", "-")))
    out += "%scomplexity: %s,\n" % (q, opt(desc, "complexity"))
    out += "%sdoc_flags: %s,\n" % (q, bits(desc.get("doc_flags", []), "D_"))
    out += "%sdeprecated_since: %s,\n" % (q, opt(desc, "deprecated_since"))
    out += "%sreplaced_by: %s,\n" % (q, opt(desc, "replaced_by"))
    out += "%shistory: &[%s],\n" % (q, ", ".join("(%s, %s)" % (rs(h[0]), rs(h[1])) for h in desc.get("history", []) or []))
    a = desc.get("arguments", [])
    out += "%sargs: &[%s%s],\n" % (q, "\n" if a else "", args(a, indent + 12) + (q if a else ""))
    out += "%s},\n" % p
    if subs:
        out += "%ssubcommands: &[\n" % p
        for sname in sorted(subs):
            out += command("%s|%s" % (name, sname.lower()), subs[sname], {}, group, indent + 8)
        out += "%s],\n" % p
    else:
        out += "%ssubcommands: &[],\n" % p
    out += "%s},\n" % pad
    return out


def main():
    src = sys.argv[1]
    commands, subcommands = {}, {}
    for path in glob.glob(os.path.join(src, "src", "commands", "*.json")):
        with open(path) as f:
            for name, desc in json.load(f).items():
                if "ONLY_SENTINEL" in desc.get("command_flags", []):
                    continue
                if desc.get("container"):
                    subcommands.setdefault(desc["container"].lower(), {})[name.lower()] = desc
                else:
                    commands[name.lower()] = desc
    if not commands:
        sys.exit("no src/commands/*.json under %s" % src)
    out = "// Generated by scripts/command_specs.py from Redis 7.0.15's src/commands/*.json.\n"
    out += "// Do not edit: run the script again.\n\n"
    out += "#![allow(clippy::wildcard_imports)]\n\nuse super::*;\n\n"
    out += "/// Every command of Redis 7.0, sorted by name.\n"
    out += "pub(super) static SPECS: &[Spec] = &[\n"
    for name in sorted(commands):
        desc = commands[name]
        out += command(name, desc, subcommands.get(name, {}), desc["group"], 4)
    out += "];\n"
    with open(OUT, "w") as f:
        f.write(out)
    print("wrote %s: %d commands" % (os.path.normpath(OUT), len(commands)))


if __name__ == "__main__":
    main()
