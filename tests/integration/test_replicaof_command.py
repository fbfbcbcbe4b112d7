"""REPLICAOF as Sentinel and operators use it, side by side with redis-server: inside MULTI
(the commands after it see the new role), the writes before it reaching the manager first,
blocked clients released when a master becomes a replica, and a replica's own PUBLISH kept out
of its replication stream."""
import socket

import pytest

from conftest import wait_until
from helpers import Raw, ReplyError, call, encode, parse_info
from replication_support import Servers, wait_synced


def error_of(reply):
    return str(reply) if isinstance(reply, ReplyError) else None


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_replicaof_inside_multi_as_sentinel_sends_it(kind, start_credis, start_redis, tmp_path):
    """Sentinel promotes a replica with MULTI / REPLICAOF NO ONE / CONFIG REWRITE / CLIENT KILL
    / EXEC: every command runs, the commands after REPLICAOF see the new role."""
    servers = Servers(start_credis, start_redis)
    master = servers.start(kind)
    d = tmp_path / "replica"
    d.mkdir()
    conf = d / "redis.conf"
    conf.write_text(f"# replica\nreplicaof 127.0.0.1 {master.port}\n")
    replica = servers.factories[kind](["--save", ""], workdir=str(d), config_file=str(conf))
    with Raw(master.port) as c:
        call(c, "SET", "k", "v")
    wait_synced(master, replica)
    with Raw(replica.port) as c:
        assert error_of(call(c, "SET", "x", "1")).startswith("READONLY")
        c.send(b"".join(b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a)
                                                         for a in cmd)
                        for cmd in [[b"MULTI"], [b"REPLICAOF", b"NO", b"ONE"], [b"ROLE"], [b"CONFIG", b"REWRITE"],
                                    [b"CLIENT", b"KILL", b"TYPE", b"normal"], [b"EXEC"]]))
        replies = [c.read_reply() for _ in range(6)]
        assert replies[:5] == [b"+OK\r\n"] + [b"+QUEUED\r\n"] * 4
        exec_reply = replies[5]
        assert exec_reply.startswith(b"*4\r\n+OK\r\n*3\r\n$6\r\nmaster\r\n"), exec_reply
        assert exec_reply.endswith(b"+OK\r\n:0\r\n"), exec_reply  # rewrite, kill (nobody else)
        assert call(c, "SET", "x", "1") == b"OK"  # a master now
        assert call(c, "GET", "k") == b"v"
        role = call(c, "ROLE")
        assert role[0] == b"master"
    assert not [l for l in conf.read_text().splitlines() if l.startswith("replicaof")]
    assert conf.read_text().startswith("# replica\n")
    # And back: REPLICAOF host port in a transaction, then the rewrite names the master.
    with Raw(replica.port) as c:
        assert call(c, "MULTI") == b"OK"
        assert call(c, "REPLICAOF", "127.0.0.1", str(master.port)) == b"QUEUED"
        assert call(c, "CONFIG", "REWRITE") == b"QUEUED"
        assert call(c, "EXEC") == [b"OK", b"OK"]
    assert f"replicaof 127.0.0.1 {master.port}" in conf.read_text()
    wait_synced(master, replica)


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_replica_publish_stays_out_of_its_stream(kind, start_credis, start_redis):
    """Sentinel PUBLISHes hello messages on replicas too: they must not move a replica's offset
    away from its master's (its siblings could not continue from it after a failover)."""
    servers = Servers(start_credis, start_redis)
    master = servers.start(kind)
    replica = servers.start(kind, replicaof=master)
    wait_synced(master, replica)
    with Raw(replica.port) as c:
        for i in range(20):
            assert call(c, "PUBLISH", "__sentinel__:hello", f"hello {i}") == 0
    with Raw(master.port) as c:
        call(c, "SET", "after", "1")
        master_offset = int(
            parse_info(call(c, "INFO", "replication").decode())["master_repl_offset"])

    def replica_offset():
        with Raw(replica.port) as c:
            return int(parse_info(call(c, "INFO", "replication").decode())["slave_repl_offset"])
    # It reaches the master's offset and stays there (the PUBLISHes added nothing to it).
    wait_until(lambda: replica_offset() >= master_offset, timeout=30, interval=0.05,
               what="the replica applying the master's SET")
    assert replica_offset() == master_offset


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_becoming_a_replica_releases_blocked_clients(kind, start_credis, start_redis):
    servers = Servers(start_credis, start_redis)
    other = servers.start(kind)
    s = servers.start(kind)
    blocked = Raw(s.port)
    blocked.send(encode("BLPOP", "queue", "0"))
    with Raw(s.port) as c:
        wait_until(lambda: parse_info(call(c, "INFO", "clients").decode())["blocked_clients"] == "1",
                   timeout=10, what="the BLPOP blocking")
        assert call(c, "REPLICAOF", "127.0.0.1", str(other.port)) == b"OK"
    assert blocked.read_reply() == (b"-UNBLOCKED force unblock from blocking operation, instance "
                                    b"state changed (master -> replica?)\r\n")
    blocked.sock.settimeout(10)
    assert blocked.sock.recv(16) == b""  # closed after the reply
    blocked.close()


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_writes_before_replicaof_no_one_stay_continuable(kind, start_credis, start_redis):
    """A replica promoted right after applying writes keeps them in its old history, so a
    sibling that had them continues with PSYNC (no full sync)."""
    servers = Servers(start_credis, start_redis)
    master = servers.start(kind)
    first = servers.start(kind, replicaof=master)
    second = servers.start(kind, replicaof=master)
    with Raw(master.port) as c:
        c.send(b"".join(encode("SET", f"k{i}", "v" * 100) for i in range(500)))
        for _ in range(500):
            c.read_reply()
    wait_synced(master, first, second)
    full_syncs = parse_info(call(Raw(first.port), "INFO", "stats").decode())["sync_full"]
    with Raw(first.port) as c:
        # The writes and the promotion in one pipeline.
        c.send(encode("REPLICAOF", "NO", "ONE") + encode("SET", "after", "1"))
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b"+OK\r\n"
    with Raw(second.port) as c:
        assert call(c, "REPLICAOF", "127.0.0.1", str(first.port)) == b"OK"
    wait_synced(first, second)
    with Raw(first.port) as c:
        stats = parse_info(call(c, "INFO", "stats").decode())
    assert stats["sync_full"] == full_syncs, "the sibling needed a full sync"
    assert int(stats["sync_partial_ok"]) >= 1
    with Raw(second.port) as c:
        assert call(c, "GET", "after") == b"1"
        assert call(c, "GET", "k499") == b"v" * 100


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_config_get_and_hello_follow_the_role(kind, start_credis, start_redis):
    """After a failover, CONFIG GET replicaof and HELLO's role name the role REPLICAOF gave, not
    the one the server started with."""
    servers = Servers(start_credis, start_redis)
    master = servers.start(kind)
    replica = servers.factories[kind](["--save", "", "--replicaof", "127.0.0.1", str(master.port)])
    wait_synced(master, replica)

    def role_and_replicaof(port):
        with Raw(port) as c:
            hello = call(c, "HELLO", "2")
            role = hello[hello.index(b"role") + 1]
            return role, call(c, "CONFIG", "GET", "replicaof")[1]

    assert role_and_replicaof(replica.port) == (b"replica", f"127.0.0.1 {master.port}".encode())
    assert role_and_replicaof(master.port) == (b"master", b"")
    with Raw(replica.port) as c:
        assert call(c, "REPLICAOF", "NO", "ONE") == b"OK"
    with Raw(master.port) as c:
        assert call(c, "REPLICAOF", "127.0.0.1", str(replica.port)) == b"OK"
    assert role_and_replicaof(replica.port) == (b"master", b"")
    assert role_and_replicaof(master.port) == (b"replica", f"127.0.0.1 {replica.port}".encode())
    wait_synced(replica, master)


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_publish_after_replicaof_no_one_in_exec_reaches_sub_replicas(kind, start_credis,
                                                                     start_redis):
    """A PUBLISH after REPLICAOF NO ONE in the same EXEC is the new master's: it goes into its
    stream, so a replica of it hears it (on a replica it would not)."""
    servers = Servers(start_credis, start_redis)
    master = servers.start(kind)
    middle = servers.factories[kind](["--save", "", "--replicaof", "127.0.0.1", str(master.port)])
    leaf = servers.factories[kind](["--save", "", "--replicaof", "127.0.0.1", str(middle.port)])
    wait_synced(master, middle)
    wait_synced(middle, leaf)
    with Raw(leaf.port) as sub, Raw(middle.port) as c:
        assert sub.cmd("SUBSCRIBE", "ch") == b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        assert call(c, "PUBLISH", "ch", "as a replica") == 0  # not propagated: nobody hears it
        assert call(c, "MULTI") == b"OK"
        assert call(c, "REPLICAOF", "NO", "ONE") == b"QUEUED"
        assert call(c, "PUBLISH", "ch", "as a master") == b"QUEUED"
        assert call(c, "EXEC") == [b"OK", 0]
        assert sub.read_reply() == b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$11\r\nas a master\r\n"
