"""Streams in RDB files and DUMP payloads between credis and a real redis-server 7.0.15, so that
no stream is lost when a dataset moves either way:

(a) redis-server builds streams (explicit and * IDs, several nodes, XDEL, XTRIM, groups with
    PELs and consumers, XCLAIM, an emptied stream, a group made with MKSTREAM, XSETID's
    counters, LZF-compressed nodes, a TTL) and SAVEs; credis and a second redis-server load the
    file and must answer XLEN / XRANGE / XINFO STREAM [FULL] / XINFO GROUPS / XINFO CONSUMERS /
    XPENDING alike, and keep doing so through the same follow-up commands;
(b) the other way: credis builds and SAVEs; the file passes redis-check-rdb, and redis-server
    (deep-sanitizing) and a restarted credis load it to the same answers as the credis that
    wrote it;
(c) DUMP from either server RESTOREs into the other (deep-sanitizing on redis-server) to the
    same stream; streams without groups DUMP to the same bytes on both.

Times loaded from a file (delivery times, seen-times) must be equal; only idle times, which are
clock readings at the moment of asking, are classified instead of compared."""
import os
import struct
import subprocess
import time

from conftest import REDIS_SERVER
from helpers import Raw, ReplyError, parse_reply
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import crc64

REDIS_CHECK_RDB = os.path.join(os.path.dirname(REDIS_SERVER), "redis-check-rdb")
DAY_MS = 86_400_000


def build_script():
    """The commands that make the streams (the same on either server)."""
    s = []
    # Several nodes (100 entries or 4 KB each), SAMEFIELDS and other field sets, deletions
    # inside nodes, an exact and an approximate trim.
    for i in range(1, 701):
        if i % 5 == 0:
            s.append(("XADD", "s:big", f"{i}-{i % 3}", "other", str(i), "more", "m" * (i % 7)))
        else:
            s.append(("XADD", "s:big", f"{i}-{i % 3}", "n", str(i), "payload", "p" * (i % 60)))
    s += [("XDEL", "s:big", "10-1", "11-2", "12-0", "500-2"),
          ("XTRIM", "s:big", "MAXLEN", "650"),
          ("XTRIM", "s:big", "MINID", "~", "150")]
    # Nodes long enough for LZF, binary fields.
    s += [("XADD", "s:lzf", "1-1", "data", "a" * 3000),
          ("XADD", "s:lzf", "1-2", "data", "b" * 3000, "bin\x00\xff", "\r\n\x00"),
          ("XADD", "s:lzf", "2-0", "x" * 100, "y" * 200)]
    # Clock IDs and <ms>-* IDs.
    s += [("XADD", "s:auto", "*", "k", str(i)) for i in range(20)]
    s += [("XADD", "s:auto", "9999999999999-*", "k", "v"),
          ("XADD", "s:auto", "9999999999999-*", "k", "w")]
    # Groups: PELs, consumers, XACK, XCLAIM (a fixed TIME and RETRYCOUNT too), a pending
    # entry deleted from the stream, group names Redis writes int-encoded or binary.
    s += [("XADD", "s:groups", f"{i}-0", "f", str(i)) for i in range(1, 61)]
    s += [("XGROUP", "CREATE", "s:groups", "g1", "0"),
          ("XGROUP", "CREATE", "s:groups", "g2", "$"),
          ("XGROUP", "CREATE", "s:groups", "123", "10-0", "ENTRIESREAD", "10"),
          ("XGROUP", "CREATE", "s:groups", "bin\x00group", "0"),
          ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "10", "STREAMS", "s:groups", ">"),
          ("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "5", "STREAMS", "s:groups", ">"),
          ("XREADGROUP", "GROUP", "123", "carol", "COUNT", "3", "STREAMS", "s:groups", ">"),
          ("XREADGROUP", "GROUP", "bin\x00group", "x\x00y", "COUNT", "2", "STREAMS", "s:groups",
           ">"),
          ("XACK", "s:groups", "g1", "1-0", "3-0"),
          ("XCLAIM", "s:groups", "g1", "bob", "0", "2-0", "4-0"),
          ("XCLAIM", "s:groups", "g1", "dave", "0", "5-0", "RETRYCOUNT", "9", "TIME",
           "1600000000000"),
          ("XGROUP", "CREATECONSUMER", "s:groups", "g2", "erin"),
          ("XDEL", "s:groups", "6-0"),
          ("XGROUP", "SETID", "s:groups", "g2", "30-0", "ENTRIESREAD", "30")]
    # No entries left, a group on a stream made empty, counters set by XSETID, a TTL.
    s += [("XADD", "s:empty", "5-5", "a", "b"), ("XDEL", "s:empty", "5-5"),
          ("XGROUP", "CREATE", "s:mk", "g", "$", "MKSTREAM"),
          ("XADD", "s:setid", "1-1", "a", "b"),
          ("XSETID", "s:setid", "100-5", "ENTRIESADDED", "50", "MAXDELETEDID", "50-0"),
          ("XADD", "s:ttl", "1-1", "a", "b"), ("PEXPIRE", "s:ttl", "100000000"),
          ("SET", "before", "1"), ("SET", "zzz:after", "2")]
    return s


STREAM_KEYS = ["s:big", "s:lzf", "s:auto", "s:groups", "s:empty", "s:mk", "s:setid", "s:ttl"]
# Built from explicit IDs with no group: the DUMP payloads are the same bytes on both servers.
SAME_BYTES_KEYS = ["s:big", "s:lzf", "s:empty", "s:setid", "s:ttl"]


def follow_up_script():
    """Commands after loading, run on both servers: appending to a loaded node, deleting and
    trimming in loaded nodes, deliveries, acknowledgements and claims on loaded PELs."""
    return [("XADD", "s:big", "100000-0", "n", "x", "payload", "y"),
            ("XADD", "s:big", "100000-1", "other", "z"),
            ("XDEL", "s:big", "300-0", "100000-0"),
            ("XTRIM", "s:big", "MAXLEN", "600"),
            ("XADD", "s:lzf", "3-0", "data", "c" * 10),
            ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "s:groups", ">"),
            ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "100", "STREAMS", "s:groups", "0"),
            ("XACK", "s:groups", "g1", "7-0", "8-0", "6-0"),
            ("XCLAIM", "s:groups", "g1", "erin", "0", "9-0", "JUSTID"),
            ("XAUTOCLAIM", "s:groups", "g1", "frank", "0", "0-0", "COUNT", "2", "JUSTID"),
            ("XGROUP", "DELCONSUMER", "s:groups", "g1", "bob"),
            ("XGROUP", "DESTROY", "s:groups", "123"),
            ("XADD", "s:empty", "6-0", "a", "b"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s:mk", ">"),
            ("XADD", "s:setid", "200-*", "a", "b"),
            ("XLEN", "s:setid")]


def run(port, script):
    with Raw(port) as c:
        return [c.cmd(*cmd) for cmd in script]


def clock(t):
    """A time taken from the clock during this test (not one loaded from a file) is masked."""
    if isinstance(t, int) and abs(t - int(time.time() * 1000)) < DAY_MS:
        return "now"
    return t


def idle(t):
    """An idle time (now minus a loaded time): each server reads its clock when asked."""
    if not isinstance(t, int):
        return t
    return "short" if t < 600_000 else "long"


def fields(reply):
    """A flat [name, value, name, value...] reply as a dict."""
    return dict(zip(reply[::2], reply[1::2]))


def masked_idle(consumer):
    """An XINFO CONSUMERS entry with its idle time classified."""
    return [idle(x) if i > 0 and consumer[i - 1] == b"idle" else x
            for i, x in enumerate(consumer)]


def masked_full(reply, when):
    """XINFO STREAM ... FULL with its delivery and seen times passed through `when`."""
    if not isinstance(reply, list):
        return reply
    out = list(reply)
    for i in range(0, len(out) - 1, 2):
        if out[i] != b"groups":
            continue
        groups = []
        for g in out[i + 1]:
            g = list(g)
            for j in range(0, len(g) - 1, 2):
                if g[j] == b"pending":
                    g[j + 1] = [[e[0], e[1], when(e[2]), e[3]] for e in g[j + 1]]
                elif g[j] == b"consumers":
                    consumers = []
                    for c in g[j + 1]:
                        c = list(c)
                        for k in range(0, len(c) - 1, 2):
                            if c[k] == b"seen-time":
                                c[k + 1] = when(c[k + 1])
                            elif c[k] == b"pending":
                                c[k + 1] = [[e[0], when(e[1]), e[2]] for e in c[k + 1]]
                        consumers.append(c)
                    g[j + 1] = consumers
            groups.append(g)
        out[i + 1] = groups
    return out


def observe(port, key, as_key=None, when=lambda t: t):
    """What both servers must agree on about stream `key` (on this server named `as_key`
    when given): every read command's reply, idle times classified, loaded times through
    `when`."""
    name = as_key or key
    out = {}
    with Raw(port) as conn:
        def get(*args):
            return parse_reply(conn.cmd(*args))

        out["type"] = get("TYPE", name)
        out["encoding"] = get("OBJECT", "ENCODING", name)
        out["has ttl"] = get("PTTL", name) > 0
        out["XLEN"] = get("XLEN", name)
        out["XRANGE"] = get("XRANGE", name, "-", "+")
        out["XREVRANGE"] = get("XREVRANGE", name, "+", "-", "COUNT", "3")
        out["XINFO STREAM"] = get("XINFO", "STREAM", name)
        out["XINFO STREAM FULL"] = masked_full(get("XINFO", "STREAM", name, "FULL", "COUNT", "0"),
                                               when)
        groups = out["XINFO GROUPS"] = get("XINFO", "GROUPS", name)
        for g in groups if isinstance(groups, list) else []:
            gname = fields(g)[b"name"]
            consumers = get("XINFO", "CONSUMERS", name, gname)
            out[("XINFO CONSUMERS", gname)] = [masked_idle(c) for c in consumers]
            out[("XPENDING", gname)] = get("XPENDING", name, gname)
            out[("XPENDING -+", gname)] = [[e[0], e[1], idle(e[2]), e[3]] for e in
                                           get("XPENDING", name, gname, "-", "+", "1000")]
            for consumer in consumers:
                cname = fields(consumer)[b"name"]
                out[("XPENDING -+", gname, cname)] = [
                    [e[0], e[1], idle(e[2]), e[3]]
                    for e in get("XPENDING", name, gname, "-", "+", "1000", cname)]
    return out


def observe_all(port, when=lambda t: t):
    state = {key: observe(port, key, when=when) for key in STREAM_KEYS}
    with Raw(port) as c:
        state["keys"] = sorted(parse_reply(c.cmd("KEYS", "*")))
        state["strings"] = [parse_reply(c.cmd("GET", k)) for k in ("before", "zzz:after")]
    return state


def assert_same(got, want, what):
    for key in want:
        assert got[key] == want[key], f"{what}: {key!r} differs:\n  got  {got[key]!r}\n" \
                                      f"  want {want[key]!r}"


def check_rdb(path):
    res = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "RDB looks OK" in res.stdout, res.stdout + res.stderr


def assert_follow_up_alike(credis_port, redis_port):
    """The same commands on the loaded data give the same replies and leave the same state."""
    script = follow_up_script()
    ours, theirs = run(credis_port, script), run(redis_port, script)
    for cmd, a, b in zip(script, ours, theirs):
        assert a == b, f"{cmd}: credis {a!r}, redis {b!r}"
    assert_same(observe_all(credis_port, when=clock), observe_all(redis_port, when=clock),
                "after the follow-up commands")


def test_redis_file_with_streams_loads_in_credis(start_credis, start_redis, tmp_path):
    """(a) redis-server's SAVE, loaded by credis and by another redis-server."""
    real = start_redis([], workdir=str(tmp_path))
    errors = [r for r in run(real.port, build_script()) if r.startswith(b"-")]
    assert not errors
    with Raw(real.port) as c:
        assert c.cmd("SAVE") == b"+OK\r\n"
    real.stop()
    check_rdb(str(tmp_path / "dump.rdb"))

    ours = start_credis(["--save", ""], workdir=str(tmp_path))
    again = start_redis([], workdir=str(tmp_path))
    want = observe_all(again.port)
    assert_same(observe_all(ours.port), want, "credis loading redis's file")
    assert want["s:groups"][("XPENDING", b"g1")][0] > 0  # the file had PELs to compare
    assert fields(want["s:big"]["XINFO STREAM"])[b"radix-tree-keys"] >= 5  # and several nodes
    assert_follow_up_alike(ours.port, again.port)


def test_credis_file_with_streams_loads_in_redis(start_credis, start_redis, tmp_path):
    """(b) credis's SAVE, loaded by a deep-sanitizing redis-server and by credis again."""
    ours = start_credis(["--save", ""], workdir=str(tmp_path))
    errors = [r for r in run(ours.port, build_script()) if r.startswith(b"-")]
    assert not errors
    want = observe_all(ours.port)
    with Raw(ours.port) as c:
        assert c.cmd("SAVE") == b"+OK\r\n"
    ours.stop()
    check_rdb(str(tmp_path / "dump.rdb"))

    theirs = start_redis(["--sanitize-dump-payload", "yes"], workdir=str(tmp_path))
    assert_same(observe_all(theirs.port), want, "redis loading credis's file")
    reloaded = start_credis(["--save", ""], workdir=str(tmp_path))
    assert_same(observe_all(reloaded.port), want, "credis loading its own file")
    assert_follow_up_alike(reloaded.port, theirs.port)


def test_stream_dump_restores_on_the_other_server(start_credis, start_redis):
    """(c) DUMP on one server, RESTORE on the other, both ways."""
    ours = start_credis(["--save", ""])
    theirs = start_redis(["--sanitize-dump-payload", "yes"])
    for port in (ours.port, theirs.port):
        assert not [r for r in run(port, build_script()) if r.startswith(b"-")]
    for src, dst in [(ours.port, theirs.port), (theirs.port, ours.port)]:
        with Raw(src) as s, Raw(dst) as d:
            for key in STREAM_KEYS:
                payload = parse_reply(s.cmd("DUMP", key))
                assert isinstance(payload, bytes), (key, payload)
                reply = d.cmd("RESTORE", "copy:" + key, "0", payload)
                assert reply == b"+OK\r\n", (src, key, reply)
        for key in STREAM_KEYS:
            got = observe(dst, key, as_key="copy:" + key)
            want = observe(src, key)
            want["has ttl"] = False  # RESTORE ... 0: no TTL
            assert got == want, f"{key} from port {src} to {dst}"
    with Raw(ours.port) as c, Raw(theirs.port) as r:
        for key in SAME_BYTES_KEYS:
            assert c.cmd("DUMP", key) == r.cmd("DUMP", key), key
        assert len(parse_reply(c.cmd("DUMP", "s:lzf"))) < 1000  # its nodes went out LZF'd


def test_corrupt_stream_payload_is_refused_by_both(start_credis, start_redis):
    """A stream payload cut short or with a consumer PEL entry missing from its group's PEL is
    refused by credis, as by the deep-sanitizing redis-server; credis keeps serving."""
    ours = start_credis(["--save", ""])
    theirs = start_redis(["--sanitize-dump-payload", "yes"])
    script = [("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "1-2", "f", "w"),
              ("XGROUP", "CREATE", "s", "g", "0"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")]
    run(theirs.port, script)
    with Raw(theirs.port) as r:
        good = parse_reply(r.cmd("DUMP", "s"))
    body = good[:-10]
    # The consumer's PEL is the last thing in the value: two raw 16-byte IDs. Point the last
    # one at an ID the group's PEL does not hold.
    wrong_id = body[:-16] + b"\x00" * 15 + b"\x09"
    cases = [body[:len(body) // 2], body[:-1], wrong_id]
    for bad in cases:
        payload = bad + good[-10:-8]
        payload += struct.pack("<Q", crc64(payload))
        for port in (ours.port, theirs.port):
            with Raw(port) as c:
                reply = parse_reply(c.cmd("RESTORE", "bad", "0", payload))
                assert isinstance(reply, ReplyError), (port, reply)
                assert "Bad data format" in str(reply), (port, reply)
    with Raw(ours.port) as c:
        assert c.cmd("EXISTS", "bad") == b":0\r\n"
        assert c.cmd("PING") == b"+PONG\r\n"
