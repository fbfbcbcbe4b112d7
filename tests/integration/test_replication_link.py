"""The replica's link across a break, against a fake master: it asks to continue the history
it has (PSYNC <replid> <offset+1>), and the continued stream goes on in the database the
previous link left it in (a master does not repeat SELECT after +CONTINUE)."""
import signal
import socket
import time

import pytest

from conftest import wait_until
from helpers import Raw, encode
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import (FAKE_REPLID, FakeMaster, build_rdb, expect_command, info,
                                 send_full_sync, serve_handshake)


@pytest.fixture
def fake_master():
    fm = FakeMaster()
    yield fm
    fm.close()


def cmd(server, *args):
    with Raw(server.port) as c:
        return c.cmd(*args)


def acked(link, offset):
    """Reads the replica's ACKs until one reports `offset`."""
    while True:
        args, _ = link.read_command()
        assert args[:2] == [b"REPLCONF", b"ACK"], args
        if int(args[2]) == offset:
            return
        assert int(args[2]) < offset, args


def test_continued_stream_stays_in_the_selected_database(start_credis, fake_master):
    r = start_credis(["--save", "", "--replicaof", f"127.0.0.1 {fake_master.port}"])
    link = fake_master.accept()
    _, psync = serve_handshake(link, r.port)
    assert psync == [b"PSYNC", b"?", b"-1"]
    send_full_sync(link, build_rdb({0: {"base": "1"}}), offset=100)
    stream = encode("SELECT", "3") + encode("SET", "a", "1")
    link.send(stream + encode("REPLCONF", "GETACK", "*"))
    acked(link, 100 + len(stream))
    getack = len(encode("REPLCONF", "GETACK", "*"))
    link.close()  # the link breaks; the replica comes back

    link = fake_master.accept(what="the replica to reconnect")
    _, psync = serve_handshake(link, r.port)
    offset = 100 + len(stream) + getack
    assert psync == [b"PSYNC", FAKE_REPLID.encode(), str(offset + 1).encode()]
    link.send(f"+CONTINUE {FAKE_REPLID}\r\n".encode())
    more = encode("SET", "b", "2")
    link.send(more + encode("REPLCONF", "GETACK", "*"))
    acked(link, offset + len(more))
    with Raw(r.port) as c:
        assert c.cmd("SELECT", "3") == b"+OK\r\n"
        assert c.cmd("GET", "b") == b"$1\r\n2\r\n"  # in db 3, where the stream was
        assert c.cmd("GET", "a") == b"$1\r\n1\r\n"
    assert cmd(r, "GET", "base") == b"$1\r\n1\r\n"
    i = info(r)
    assert i["master_link_status"] == "up"
    assert i["slave_repl_offset"] == str(offset + len(more) + getack)


def test_replica_retries_a_master_that_is_not_there_yet(start_credis):
    """A refused connect is retried every second; the server serves meanwhile."""
    fm = FakeMaster()
    port = fm.port
    fm.close()  # nobody listens on `port` now
    r = start_credis(["--save", "", "--replicaof", f"127.0.0.1 {port}"])
    wait_until(lambda: "Connecting to MASTER" in r.output(), timeout=10, what="a first attempt")
    assert cmd(r, "PING") == b"+PONG\r\n"
    assert info(r)["master_link_status"] == "down"
    fm2 = FakeMaster.__new__(FakeMaster)  # a fake master on that same port, late
    fm2.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fm2.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    fm2.sock.bind(("127.0.0.1", port))
    fm2.sock.listen(4)
    fm2.port, fm2.accepted, fm2.links = port, 0, []
    try:
        link = fm2.accept(what="the replica's retry once the master listens")
        expect_command(link, "PING")
    finally:
        fm2.close()


def stats(server):
    return info(server, "stats")


def synced(master, replica):
    m, r = info(master), info(replica)
    return r.get("master_link_status") == "up" and \
        m["master_repl_offset"] == r["slave_repl_offset"]


def write(server, prefix, n, dbs=(0, 5), size=10):
    with Raw(server.port) as c:
        for db in dbs:
            assert c.cmd("SELECT", str(db)) == b"+OK\r\n"
            for i in range(n):
                assert c.cmd("SET", f"{prefix}:{i}", f"{db}" * size) == b"+OK\r\n"


def same_keys(master, replica, dbs=(0, 5)):
    for db in dbs:
        with Raw(master.port) as m, Raw(replica.port) as r:
            for c in (m, r):
                c.cmd("SELECT", str(db))
            assert m.cmd("DBSIZE") == r.cmd("DBSIZE"), db
            assert sorted(m.cmd("KEYS", "*").split(b"\r\n")) == \
                sorted(r.cmd("KEYS", "*").split(b"\r\n")), db


def test_restarted_replica_continues_or_syncs_in_full(start_credis):
    """A replica restarted from its own RDB file asks to continue its history: the master
    answers +CONTINUE while its backlog holds what the replica missed, and a full sync once
    the replica missed more than the backlog holds."""
    m = start_credis(["--save", "", "--repl-diskless-sync-delay", "0",
                      "--repl-backlog-size", "16kb"])
    args = ["--save", "", "--replicaof", f"127.0.0.1 {m.port}"]
    r = start_credis(args)
    write(m, "a", 20)
    wait_until(lambda: synced(m, r), timeout=30, what="the replica to catch up")
    assert Raw(r.port).cmd("SAVE") == b"+OK\r\n"  # its history goes into the file
    r.stop(signal.SIGKILL)

    write(m, "b", 20)  # ~2 KB of stream, in the backlog; the last SELECT was db 5
    r = start_credis(args, port=r.port, workdir=r.dir)
    wait_until(lambda: synced(m, r), timeout=30, what="the replica to continue")
    assert stats(m)["sync_partial_ok"] == "1", stats(m)
    assert "Partial resynchronization request from" in m.output()
    write(m, "c", 5, dbs=(5,))  # the continued stream goes on in db 5
    wait_until(lambda: synced(m, r), timeout=30, what="the replica to catch up")
    same_keys(m, r)

    assert Raw(r.port).cmd("SAVE") == b"+OK\r\n"
    r.stop(signal.SIGKILL)
    write(m, "d", 400, size=100)  # ~100 KB: more than the 16 KB backlog holds
    r = start_credis(args, port=r.port, workdir=r.dir)
    wait_until(lambda: synced(m, r), timeout=30, what="the replica to sync in full")
    assert stats(m)["sync_full"] == "2", stats(m)  # the first sync and this one
    assert "for lack of backlog" in m.output()
    same_keys(m, r)


def test_config_set_changes_replication_settings_at_run_time(start_credis):
    m = start_credis(["--save", ""])  # repl-diskless-sync-delay 5, as Redis's default
    with Raw(m.port) as c:
        assert c.cmd("CONFIG", "SET", "repl-diskless-sync-delay", "0") == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "repl-backlog-size", "100kb") == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "repl-timeout", "0").startswith(
            b"-ERR CONFIG SET failed (possibly related to argument 'repl-timeout')")
        assert c.cmd("CONFIG", "GET", "repl-backlog-size") == \
            b"*2\r\n$17\r\nrepl-backlog-size\r\n$6\r\n102400\r\n"
        assert c.cmd("SET", "k", "v") == b"+OK\r\n"
    start = time.monotonic()
    r = start_credis(["--save", "", "--replicaof", f"127.0.0.1 {m.port}"])
    wait_until(lambda: cmd(r, "GET", "k") == b"$1\r\nv\r\n", timeout=30,
               what="the replica to sync")
    # With the default delay of 5 s the sync would start only after it.
    assert time.monotonic() - start < 4
    assert info(m)["repl_backlog_size"] == "102400"
