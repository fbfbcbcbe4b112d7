"""CONFIG SET port and bind at run time, as Redis 7.0.15: the server listens on the new port or
addresses and no longer on the old, connections already open stay, and a CONFIG SET whose
listening fails is undone whole (every parameter of it, those applied too) with Redis's error.
Each behaviour is checked on a real redis-server too, where it can be, with the same steps.
"""
import os
import socket

import pytest
import redis

from conftest import free_port, wait_until
from helpers import Raw
from helpers import encode
from replication_support import (Link, Servers, info, pipeline, replica_entries, wait_link_up,
                                 wait_online)


@pytest.fixture
def servers(start_credis, start_redis):
    return {"credis": start_credis, "redis": start_redis}


def start(servers, kind, args=(), **kw):
    # credis's default bind has an optional ::1; redis-server is given 127.0.0.1 by conftest.
    return servers[kind](["--save", ""] + list(args), **kw)


def refuses(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def answers(port, host="127.0.0.1"):
    c = redis.Redis(host=host, port=port, socket_timeout=10)
    try:
        return c.ping()
    finally:
        c.close()


def config_get(port, name):
    with Raw(port) as c:
        reply = c.cmd("CONFIG", "GET", name)
    return reply.split(b"\r\n")[-2].decode()


def oom_score(server):
    with open(f"/proc/{server.proc.pid}/oom_score_adj") as f:
        return int(f.read())


def listener(port, host="127.0.0.1"):
    """A socket listening on `port`, as the Tcl test's dummy server (with SO_REUSEADDR)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen()
    return s


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_port_change_moves_the_listener_and_keeps_connections(servers, kind):
    s = start(servers, kind)
    old, new = s.port, free_port()
    kept = s.client()
    assert kept.execute_command("CONFIG", "SET", "port", str(new)) == b"OK"
    s.port = new  # teardown and s.client() use it
    assert answers(new)
    assert refuses(old)
    assert kept.ping()  # the connection made on the old port stays
    assert kept.info("server")["tcp_port"] == new
    assert config_get(new, "port") == str(new)
    kept.close()


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_port_in_use_fails_and_rolls_back_every_parameter(servers, kind):
    s = start(servers, kind)
    c = s.client()
    names = ["oom-score-adj", "oom-score-adj-values", "maxmemory", "port",
             "client-query-buffer-limit"]
    before = {n: config_get(s.port, n) for n in names}
    score = oom_score(s)
    used = free_port()
    held = listener(used)
    try:
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("CONFIG", "SET", "oom-score-adj", "yes", "oom-score-adj-values",
                              "1 1 1", "maxmemory", "10000001", "port", str(used),
                              "client-query-buffer-limit", "10m")
    finally:
        held.close()
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'port') - Unable to "
                            "listen on this port. Check server logs.")
    assert {n: config_get(s.port, n) for n in names} == before
    assert oom_score(s) == score  # the OOM score, applied before the port failed, is back
    assert answers(s.port)
    assert refuses(used)
    c.close()


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_oom_score_adj_is_written_for_the_process(servers, kind):
    s = start(servers, kind)
    base = oom_score(s)
    c = s.client()
    c.execute_command("CONFIG", "SET", "oom-score-adj", "absolute", "oom-score-adj-values",
                      "7 8 9")
    assert oom_score(s) == 7
    c.execute_command("CONFIG", "SET", "oom-score-adj", "relative", "oom-score-adj-values",
                      "3 8 9")
    assert oom_score(s) == base + 3
    c.execute_command("CONFIG", "SET", "oom-score-adj", "no")
    assert oom_score(s) == base
    c.close()


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_bind_change_moves_the_listeners(servers, kind):
    s = start(servers, kind, ["--bind", "127.0.0.1"])
    c = s.client()
    # A second loopback address; the wildcard covers both (and holds the port the specific
    # addresses used, which the server gives up first).
    assert c.execute_command("CONFIG", "SET", "bind", "127.0.0.2") == b"OK"
    assert answers(s.port, "127.0.0.2")
    assert refuses(s.port, "127.0.0.1")
    assert c.execute_command("CONFIG", "SET", "bind", "127.0.0.2 127.0.0.1") == b"OK"
    assert answers(s.port, "127.0.0.1") and answers(s.port, "127.0.0.2")
    assert c.execute_command("CONFIG", "SET", "bind", "*") == b"OK"
    assert answers(s.port, "127.0.0.3")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("CONFIG", "SET", "bind", "999.999.999.999", "maxmemory", "1000")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'bind') - Failed to "
                            "bind to specified addresses.")
    assert config_get(s.port, "bind") == "*"
    assert config_get(s.port, "maxmemory") == "0"
    assert answers(s.port, "127.0.0.3")
    assert c.execute_command("CONFIG", "SET", "bind", "127.0.0.1") == b"OK"
    assert refuses(s.port, "127.0.0.3")
    assert c.ping()  # the connection kept through every change
    c.close()


def test_bind_to_a_port_another_process_holds_fails_and_keeps_the_old(servers):
    s = start(servers, "credis", ["--bind", "127.0.0.1"])
    c = s.client()
    held = listener(s.port, "127.0.0.2")
    try:
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("CONFIG", "SET", "bind", "127.0.0.1 127.0.0.2")
    finally:
        held.close()
    assert "Failed to bind to specified addresses." in str(e.value)
    assert config_get(s.port, "bind") == "127.0.0.1"
    assert answers(s.port)  # listening again where it did
    assert "Could not create server TCP listening socket 127.0.0.2" in s.output()
    c.close()


def test_config_rewrite_writes_the_new_port(start_credis, tmp_path):
    conf = tmp_path / "credis.conf"
    conf.write_text("save \"\"\nport 1\n")
    s = start_credis([], workdir=str(tmp_path), config_file=str(conf))
    new = free_port()
    with Raw(s.port) as c:
        assert c.cmd("CONFIG", "SET", "port", str(new)) == b"+OK\r\n"
        assert c.cmd("CONFIG", "REWRITE") == b"+OK\r\n"
    s.port = new
    lines = conf.read_text().splitlines()
    assert f"port {new}" in lines and "port 1" not in lines


@pytest.fixture
def cluster(start_credis, start_redis):
    return Servers(start_credis, start_redis)


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_replication_follows_port_changes(cluster, kind):
    master = cluster.start(kind)
    replica = cluster.start(kind, replicaof=master)
    wait_online(master, [replica])
    # The master moves: its replica's link, a connection already made, stays up.
    new_master_port = free_port()
    with Raw(master.port) as c:
        assert c.cmd("CONFIG", "SET", "port", str(new_master_port)) == b"+OK\r\n"
        assert c.cmd("SET", "k", "1") == b"+OK\r\n"
    old_master_port, master.port = master.port, new_master_port
    wait_until(lambda: replica.client().get("k") == b"1", timeout=30, what="k on the replica")
    assert info(replica)["master_link_status"] == "up"
    # The replica moves: its next handshake announces the new port (REPLCONF listening-port).
    new_replica_port = free_port()
    with Raw(replica.port) as c:
        assert c.cmd("CONFIG", "SET", "port", str(new_replica_port)) == b"+OK\r\n"
        # pointing it at the master's new port makes it connect (and announce) again
        assert c.cmd("REPLICAOF", "127.0.0.1", str(new_master_port)) == b"+OK\r\n"
    replica.port = new_replica_port
    wait_link_up(replica, master)
    wait_online(master, [replica])
    assert [e["port"] for e in replica_entries(info(master))] == [str(new_replica_port)]
    assert refuses(old_master_port)


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_bind_source_addr_is_where_a_replica_connects_from(cluster, kind):
    master = cluster.start(kind)
    replica = cluster.start(kind)
    with Raw(master.port) as c:
        assert c.cmd("CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"
    with Raw(replica.port) as c:
        assert c.cmd("CONFIG", "SET", "bind-source-addr", "127.0.0.2") == b"+OK\r\n"
        assert c.cmd("REPLICAOF", "127.0.0.1", str(master.port)) == b"+OK\r\n"
    wait_link_up(replica, master)
    clients = master.client().client_list(_type="replica")
    assert [cl["addr"].rsplit(":", 1)[0] for cl in clients] == ["127.0.0.2"]
    assert config_get(replica.port, "bind-source-addr") == "127.0.0.2"


def test_tls_port_change_moves_the_tls_listener(start_credis):
    from test_tls import tls_args, tls_client
    old = free_port()
    s = start_credis(["--save", ""] + tls_args(old))
    new = free_port()
    with Raw(s.port) as c:
        assert c.cmd("CONFIG", "SET", "tls-port", str(new)) == b"+OK\r\n"
        assert c.cmd("CONFIG", "GET", "tls-port") == b"*2\r\n$8\r\ntls-port\r\n$%d\r\n%d\r\n" % (
            len(str(new)), new)
    tls = tls_client(new)
    assert tls.ping()
    tls.close()
    assert refuses(old)
    assert answers(s.port)  # the plain port is left as it was
    with Raw(s.port) as c:  # and turned off
        assert c.cmd("CONFIG", "SET", "tls-port", "0") == b"+OK\r\n"
    assert refuses(new)


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_tls_port_without_tls_configured_fails(servers, kind):
    # Redis configures TLS from the tls-* files then; with none given it cannot.
    s = start(servers, kind)
    with Raw(s.port) as c:
        assert c.cmd("CONFIG", "SET", "tls-port", str(free_port())) == (
            b"-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to "
            b"update TLS configuration. Check server logs.\r\n")
        assert c.cmd("CONFIG", "GET", "tls-port") == b"*2\r\n$8\r\ntls-port\r\n$1\r\n0\r\n"


def children_of(pid):
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_a_forked_child_takes_the_background_child_score(servers, kind):
    # A replica's diskless sync to a fake replica that reads nothing: the child that writes
    # the snapshot stays (its socket full) while its score is read.
    s = start(servers, kind, ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
                              "--oom-score-adj", "absolute", "--oom-score-adj-values",
                              "11 22 333"])
    assert oom_score(s) == 11
    value = "v" * 10_000
    pipeline(s.port, [("SET", f"k{i}", value) for i in range(3000)])  # 30 MB of snapshot
    with Link(s.port) as link:
        link.send(encode("REPLCONF", "listening-port", "1") +
                  encode("REPLCONF", "capa", "eof", "capa", "psync2"))
        assert (link.line(), link.line()) == (b"+OK", b"+OK")
        link.send(encode("PSYNC", "?", "-1"))
        child = wait_until(lambda: children_of(s.proc.pid), timeout=30, what="a fork")[0]
        wait_until(lambda: open(f"/proc/{child}/oom_score_adj").read().strip() == "333",
                   timeout=10, what="the child's score")
    assert oom_score(s) == 11


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_no_address_to_listen_on_at_start_up_exits(servers, kind):
    s = start(servers, kind, ["--bind", ""], wait_ready=False)
    assert s.proc.wait(timeout=20) == 1
    assert "Configured to not listen anywhere, exiting." in s.output()
