"""COMMAND GETKEYS, COMMAND INFO's flags and ACL categories, and COMMAND LIST FILTERBY, against
a real redis-server: the same bytes for every command line below."""
import pytest

from helpers import pair, parse_reply, redis_peer  # noqa: F401 (fixtures)

GETKEYS = [
    ["GET", "key"],
    ["MSET", "a", "1", "b", "2"],
    ["LCS", "k1", "k2"],
    ["MEMORY", "USAGE", "key"],
    ["XGROUP", "CREATE", "key", "group", "$"],
    ["ZUNIONSTORE", "target", "3", "a", "b", "c"],
    ["ZUNIONSTORE", "target", "4", "a", "b", "c"],      # more keys claimed than given
    ["ZUNIONSTORE", "target", "0", "a"],                # none
    ["ZINTER", "2", "a", "b", "WEIGHTS", "1", "2"],
    ["ZDIFFSTORE", "d", "2", "a", "b"],
    ["ZINTERCARD", "2", "a", "b", "LIMIT", "1"],
    ["SINTERCARD", "1", "a"],
    ["LMPOP", "2", "a", "b", "LEFT"],
    ["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"],
    ["ZMPOP", "1", "z", "MIN"],
    ["BZMPOP", "1.5", "2", "z1", "z2", "MAX"],
    ["XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "s1", "s2", "0", "0"],
    ["XREAD", "STREAMS", "s1", "s2", "0"],              # odd: the keys are the first half
    ["XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">"],
    ["SORT", "k", "BY", "w_*", "LIMIT", "0", "2", "GET", "#", "STORE", "dst"],
    ["SORT", "k", "ALPHA"],
    ["PING"],                                           # no key arguments
    ["SET", "k"],                                       # wrong arity
    ["NOSUCHCOMMAND", "x"],
    ["BLPOP", "a", "b", "0"],
    ["RENAME", "a", "b"],
]


@pytest.mark.parametrize("line", GETKEYS, ids=lambda l: " ".join(l))
def test_getkeys_as_redis(pair, line):
    ours, theirs = pair.both("COMMAND", "GETKEYS", *line)
    assert ours == theirs


def test_getkeys_of_many_keys(pair):
    keys = [f"key{i}" for i in range(1, 261)]
    ours, theirs = pair.both("COMMAND", "GETKEYS", "ZUNIONSTORE", "target", len(keys), *keys)
    assert ours == theirs
    assert parse_reply(ours) == [b"target"] + [k.encode() for k in keys]


# Categories are derived from the flags and the group here; Redis declares them per command,
# so some differ (SORT, FLUSHALL: @dangerous; BLPOP's noscript, PUBLISH's pubsub flags).
@pytest.mark.parametrize("name", ["get", "set", "zunionstore", "zunion", "xread", "xreadgroup",
                                  "lmpop", "hset", "sadd", "xadd", "del", "incr", "lrange",
                                  "exists", "ttl", "zadd", "smembers", "getrange"])
def test_command_info_flags_and_categories(pair, name):
    # Name, arity, flags, first/last/step and ACL categories (Redis's key specs, tips and
    # subcommands are not given here).
    ours, theirs = (parse_reply(r)[0] for r in pair.both("COMMAND", "INFO", name))
    assert ours[:7] == theirs[:7]


def test_list_filters(pair):
    for args in (["FILTERBY", "PATTERN", "x*"], ["FILTERBY", "PATTERN", "nosuch*"],
                 ["FILTERBY", "ACLCAT", "nosuchcategory"], ["FILTERBY", "MODULE", "nosuch"]):
        ours, theirs = (sorted(parse_reply(r)) for r in pair.both("COMMAND", "LIST", *args))
        assert ours == theirs, args
    ours, theirs = pair.both("COMMAND", "LIST", "bad")
    assert ours == theirs and ours.startswith(b"-ERR syntax error")
    ours = parse_reply(pair.c.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", "stream"))
    assert b"xadd" in ours and b"set" not in ours


def test_every_command_flag_as_redis(pair):
    # Containers report no flags of their own, as in Redis.
    known = {}
    ours = {e[0]: set(e[2]) for e in parse_reply(pair.c.cmd("COMMAND"))}
    theirs = {e[0]: set(e[2]) for e in parse_reply(pair.r.cmd("COMMAND"))}
    diffs = {}
    for name, flags in ours.items():
        differ = flags ^ theirs[name]
        if {f.decode() for f in differ} != known.get(name.decode(), set()):
            diffs[name] = (sorted(flags - theirs[name]), sorted(theirs[name] - flags))
    assert diffs == {}


# Lines whose keys' flags depend on the command's key specs, or on its arguments (SET's GET,
# BITFIELD's subcommands: Redis's variable_flags), or on its own procedure (SORT's STORE).
GETKEYSANDFLAGS = GETKEYS + [
    ["SET", "k", "v"],
    ["SET", "k", "v", "EX", "10", "get"],
    ["BITFIELD", "k", "GET", "u8", "0"],
    ["BITFIELD", "k", "OVERFLOW", "SAT", "GET", "u8", "0"],
    ["BITFIELD", "k", "SET", "u8", "0", "1"],
    ["BITFIELD", "k", "BOGUS"],
    ["LMOVE", "a", "b", "LEFT", "RIGHT"],
    ["SORT", "k", "STORE", "d"],
    ["SORT_RO", "k", "BY", "w_*"],
    ["COPY", "a", "b"],
    ["RENAMENX", "a", "b"],
    ["SMOVE", "a", "b", "m"],
    ["BITOP", "AND", "d", "a", "b"],
    ["ZRANGESTORE", "d", "s", "0", "-1"],
    ["SINTERSTORE", "d", "a", "b"],
    ["EVAL", "return 1", "0"],
    ["EVAL", "return 1", "2", "a", "b", "x"],
    ["EVAL_RO", "return 1", "1", "a"],
    ["EVAL", "return 1", "-1"],
    ["FCALL", "f", "1", "k"],
    ["GETEX", "k", "PERSIST"],
    ["XADD", "s", "*", "f", "v"],
    ["XINFO", "STREAM", "s"],
    ["DEL", "a", "b"],
    ["EXPIRE", "k", "10"],
]


@pytest.mark.parametrize("line", GETKEYSANDFLAGS, ids=lambda l: " ".join(l))
def test_getkeysandflags_as_redis(pair, line):
    for sub in ("GETKEYSANDFLAGS", "GETKEYS"):
        ours, theirs = pair.both("COMMAND", sub, *line)
        assert ours == theirs, sub


def test_key_specs_of_every_command_as_redis(pair):
    # COMMAND INFO's key specs (flags, begin_search, find_keys, notes) for every command.
    ours = {e[0]: e[8] for e in parse_reply(pair.c.cmd("COMMAND"))}
    theirs = {e[0]: e[8] for e in parse_reply(pair.r.cmd("COMMAND"))}
    diffs = {name: (specs, theirs.get(name)) for name, specs in ours.items()
             if specs != theirs.get(name)}
    assert diffs == {}
    assert ours[b"lmove"] and ours[b"get"] and not ours[b"ping"]


def test_command_info_in_resp3_as_redis(pair):
    # Flags, categories, tips and key specs are sets, each key spec a map, under HELLO 3.
    pair.c.cmd("HELLO", "3")
    pair.r.cmd("HELLO", "3")
    for name in ("get", "set", "zunionstore", "xread", "lmpop", "rename"):
        ours, theirs = pair.both("COMMAND", "INFO", name)
        assert ours == theirs, name
    ours, theirs = pair.both("COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "LEFT")
    assert ours == theirs
    assert pair.c.cmd("COMMAND", "DOCS", "get").startswith(b"%1\r\n$3\r\nget\r\n%")


@pytest.mark.parametrize("line", [["CLUSTER", "INFO"], ["CLUSTER", "KEYSLOT", "foo"],
                                  ["CLUSTER", "HELP"], ["CLUSTER", "NOSUCH"], ["CLUSTER"],
                                  ["CLUSTER", "KEYSLOT"], ["READONLY"], ["READWRITE"], ["ASKING"],
                                  ["COMMAND", "INFO", "cluster|setslot"],
                                  ["COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*help"]],
                         ids=lambda l: " ".join(l))
def test_cluster_commands_as_redis_without_cluster_mode(pair, line):
    # Known by name, arity and flags, refused as by a redis-server with cluster-enabled no.
    ours, theirs = pair.both(*line)
    if line[:2] == ["COMMAND", "LIST"]:  # (in the order of each server's table)
        ours, theirs = sorted(parse_reply(ours)), sorted(parse_reply(theirs))
    assert ours == theirs
