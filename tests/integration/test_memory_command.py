"""MEMORY STATS, DOCTOR, MALLOC-STATS, PURGE and HELP, against a real redis-server: the same
fields in the same order with the same reply types (the figures are each server's own), the
same texts, and the same errors."""
import os

import pytest

from conftest import wait_until
from helpers import (Pair, Raw, call, pair, parse_info, parse_reply, redis_peer,  # noqa: F401
                     sanitized_build)


def tokens(data):
    """A raw reply (RESP2 or RESP3) as its sequence of (type, text): the text of bulk strings
    that are not numbers, aggregates' sizes, and nothing for numbers, so that two servers'
    replies with different figures compare equal when their shape is the same."""
    out, i = [], 0
    while i < len(data):
        j = data.index(b"\r\n", i)
        kind, body = data[i:i + 1].decode(), data[i + 1:j]
        i = j + 2
        if kind in "$=":
            text = data[i:i + int(body)]
            i += int(body) + 2
            try:
                float(text)
                out.append((kind, "<number>"))
            except ValueError:
                out.append((kind, text.decode()))
        elif kind in "*%":
            out.append((kind, int(body)))
        else:
            out.append((kind, None))
    return out


def stats(conn):
    """MEMORY STATS (RESP2) as a dict; the db.N entries as dicts too."""
    flat = call(conn, "MEMORY", "STATS")
    out = {}
    for name, value in zip(flat[::2], flat[1::2]):
        out[name.decode()] = (dict(zip(value[::2], value[1::2])) if isinstance(value, list)
                              else value)
    return out


def fill(conn):
    """Five keys: three in db 0, two in db 5 (one with a deadline)."""
    for args in [("SELECT", "0"), ("SET", "a", "1"), ("RPUSH", "l", "x", "y"),
                 ("HSET", "h", "f", "v"), ("SELECT", "5"), ("SET", "b", "2"),
                 ("SET", "c", "3", "EX", "1000"), ("SELECT", "0")]:
        conn.cmd(*args)


@pytest.mark.parametrize("protocol", [2, 3])
def test_stats_fields_order_and_types_as_redis(pair, protocol):
    fill(pair.c)
    fill(pair.r)
    if protocol == 3:
        pair.both("HELLO", "3")
    ours, theirs = pair.both("MEMORY", "STATS")
    assert tokens(ours) == tokens(theirs)


def test_stats_counts_keys_and_lists_their_databases(pair):
    fill(pair.c)
    fill(pair.r)
    ours, theirs = stats(pair.c), stats(pair.r)
    assert ours["keys.count"] == theirs["keys.count"] == 5
    assert [k for k in ours if k.startswith("db.")] == ["db.0", "db.5"]
    assert [k for k in theirs if k.startswith("db.")] == ["db.0", "db.5"]
    for db in ("db.0", "db.5"):
        assert ours[db][b"overhead.hashtable.main"] > 0
    assert ours["db.5"][b"overhead.hashtable.expires"] > 0
    assert ours["db.0"][b"overhead.hashtable.expires"] == 0
    # The overhead is the startup memory, the clients' buffers and the tables; the dataset is
    # what is left.
    tables = sum(ours[db][b"overhead.hashtable.main"] + ours[db][b"overhead.hashtable.expires"]
                 for db in ("db.0", "db.5"))
    fixed = ours["startup.allocated"] + ours["replication.backlog"]
    buffers = ours["clients.slaves"] + ours["clients.normal"]
    assert buffers > 0  # at least this client's query buffer
    assert ours["overhead.total"] == fixed + buffers + tables
    assert ours["dataset.bytes"] == ours["total.allocated"] - ours["overhead.total"]
    assert ours["peak.allocated"] >= ours["total.allocated"]


def test_stats_and_info_memory_agree(server):
    with Raw(server.port) as c:
        fill(c)
        s = stats(c)
        info = parse_info(parse_reply(c.cmd("INFO", "memory")))
    assert int(info["used_memory_startup"]) == s["startup.allocated"]
    assert int(info["mem_replication_backlog"]) == s["replication.backlog"]
    # INFO derives its figures as MEMORY STATS does; memory moves a little between the two.
    assert (int(info["used_memory_dataset"]) ==
            int(info["used_memory"]) - int(info["used_memory_overhead"]))
    assert abs(int(info["used_memory_overhead"]) - s["overhead.total"]) < 64 * 1024
    assert abs(int(info["used_memory"]) - s["total.allocated"]) < 1024 * 1024


def test_stats_drops_an_emptied_database(pair):
    fill(pair.c)
    pair.c.cmd("SELECT", "5")
    pair.c.cmd("FLUSHDB")
    s = stats(pair.c)
    assert "db.5" not in s and "db.0" in s
    assert s["keys.count"] == 3


@pytest.mark.parametrize("protocol", [2, 3])
def test_doctor_on_an_empty_instance_as_redis(pair, protocol):
    if protocol == 3:
        pair.both("HELLO", "3")
    reply = pair.same("MEMORY", "DOCTOR")
    assert b"Hi Sam, this instance is empty or is using very little memory" in reply


def test_help_and_purge_as_redis(pair):
    pair.same("MEMORY", "HELP")
    pair.same("memory", "help")
    assert pair.same("MEMORY", "PURGE") == b"+OK\r\n"


@pytest.mark.parametrize("protocol", [2, 3])
def test_malloc_stats_is_jemallocs_report(pair, protocol):
    if protocol == 3:
        pair.both("HELLO", "3")
    ours, theirs = pair.both("MEMORY", "MALLOC-STATS")
    if sanitized_build():  # the sanitizer's allocator, not jemalloc
        assert ours == b"$45\r\nStats not supported for the current allocator\r\n"
        return
    assert ours[:1] == theirs[:1]
    assert b"___ Begin jemalloc statistics ___" in ours
    assert ours.rstrip().endswith(b"--- End jemalloc statistics ---")


@pytest.mark.parametrize("args", [
    ("MEMORY",),
    ("MEMORY", "NOSUCH"),
    ("MEMORY", "STATS", "x"),
    ("MEMORY", "DOCTOR", "x"),
    ("MEMORY", "MALLOC-STATS", "x"),
    ("MEMORY", "PURGE", "x"),
    ("MEMORY", "HELP", "x"),
    ("MEMORY", "USAGE"),
    ("MEMORY", "USAGE", "k", "SAMPLES"),
])
def test_errors_as_redis(pair, args):
    reply = pair.same(*args)
    assert reply.startswith(b"-ERR")


@pytest.mark.parametrize("sub", ["stats", "doctor", "malloc-stats", "purge", "help", "usage"])
def test_command_info_and_docs_as_redis(pair, sub):
    name = "memory|" + sub
    ours, theirs = (parse_reply(r)[0] for r in pair.both("COMMAND", "INFO", name))
    # Name, arity, flags, key positions and ACL categories (Redis's tips are not given here).
    assert ours[:7] == theirs[:7]
    ours, theirs = (parse_reply(r) for r in pair.both("COMMAND", "DOCS", name))
    ours, theirs = dict(zip(ours[1][::2], ours[1][1::2])), dict(zip(theirs[1][::2],
                                                                   theirs[1][1::2]))
    for field in (b"summary", b"since", b"group"):
        assert ours[field] == theirs[field]


@pytest.mark.skipif(sanitized_build(), reason="the sanitizer's allocator, not jemalloc")
def test_allocator_named_as_redis(pair):
    # INFO's mem_allocator, which MEMORY DOCTOR's fragmentation advice quotes.
    ours, theirs = (parse_info(parse_reply(r))["mem_allocator"]
                    for r in pair.both("INFO", "memory"))
    assert ours == theirs


def allocator_threads(pid):
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                names.append(f.read().strip())
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return names.count("jemalloc_bg_thd")


@pytest.mark.skipif(sanitized_build(), reason="the sanitizer's allocator, not jemalloc")
def test_jemalloc_bg_thread_starts_and_stops_the_purging_thread(server, redis_peer):
    """jemalloc-bg-thread (Redis's default yes): one jemalloc thread gives freed pages back
    while no request comes; CONFIG SET stops and starts it, as in redis-server."""
    pid = server.proc.pid
    for port in (server.port, redis_peer.port):
        c = Raw(port)
        assert call(c, "CONFIG", "GET", "jemalloc-bg-thread") == [b"jemalloc-bg-thread", b"yes"]
        c.close()
    assert allocator_threads(pid) == 1  # one for all arenas, as redis-server has
    c = Raw(server.port)
    assert c.cmd("CONFIG", "SET", "jemalloc-bg-thread", "no") == b"+OK\r\n"
    wait_until(lambda: allocator_threads(pid) == 0, timeout=5)
    assert call(c, "CONFIG", "GET", "jemalloc-bg-thread") == [b"jemalloc-bg-thread", b"no"]
    assert c.cmd("CONFIG", "SET", "jemalloc-bg-thread", "yes") == b"+OK\r\n"
    wait_until(lambda: allocator_threads(pid) == 1, timeout=5)
    c.close()
    pair = Pair(server.port, redis_peer.port)
    assert pair.same("CONFIG", "SET", "jemalloc-bg-thread", "maybe").startswith(b"-ERR")
    pair.close()
