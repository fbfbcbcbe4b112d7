"""Replication over TLS (--tls-replication yes), as redis-server does it: a replica connects to
its master's tls-port, checks the master's certificate against its CA and shows its own; the
master sends the snapshot and the stream through the TLS session. Every topology runs with
credis and a real redis-server in either role (redis-redis is the control that proves the test).

A credis master writes a TLS replica's snapshot through a relay (the sync child writes into a
socket pair, the replica's connection encrypts), so the tests use values large enough for that
relay to pause and resume, in both payload forms (diskless EOF-marked and disk $<length>).
"""
import os
import random
import subprocess

import pytest

from conftest import free_port, wait_until
from helpers import Raw
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import assert_same_data, describe, info, pipeline, tail
from test_replication import CONTROL, topo
from test_tls import CA, SERVER_CRT, SERVER_KEY, CLIENT_CRT, CLIENT_KEY, cli

PAIRS = [topo("credis", "credis"), topo("credis", "redis"), topo("redis", "credis"),
         topo("redis", "redis")]


def tls_args(tls_port, ca=CA):
    return ["--tls-port", str(tls_port), "--tls-cert-file", SERVER_CRT,
            "--tls-key-file", SERVER_KEY, "--tls-ca-cert-file", ca]


def start_master(servers, kind, diskless=True):
    tls_port = free_port()
    m = servers.start(kind, diskless=diskless, extra=tls_args(tls_port))
    m.tls_port = tls_port
    return m


def start_replica(servers, kind, master, ca=CA, extra=(), save=None):
    tls_port = free_port()
    r = servers.start(kind, replicaof=master.tls_port, save=save,
                      extra=tls_args(tls_port, ca) + ["--tls-replication", "yes", *extra])
    r.tls_port = tls_port
    return r


def linked(replica, master):
    i = info(replica)
    return (i.get("master_link_status") == "up" and i.get("master_port") == str(master.tls_port)
            and i.get("slave_repl_offset") == info(master)["master_repl_offset"])


def wait_linked_and_synced(replica, master, timeout=60):
    try:
        wait_until(lambda: linked(replica, master), timeout=timeout, interval=0.05,
                   what=f"{describe(replica)} synced with {describe(master)} over TLS")
    except TimeoutError as e:
        raise AssertionError(f"{e}\nreplica log:\n{tail(replica)}\nmaster log:\n{tail(master)}")


def write_data(server, seed, count=5000, big=6):
    """Small keys with and without TTLs in two databases, and `big` incompressible 1 MB values
    (a snapshot of several MB: more than the relay lets wait at once)."""
    rnd = random.Random(seed)
    cmds = []
    for db in (0, 3):
        cmds.append(("SELECT", db))
        for i in range(count):
            k = f"k{seed}:{i}"
            if i % 7 == 0:
                cmds.append(("SET", k, f"v{i}", "EX", 1000 + i))
            else:
                cmds.append(("SET", k, str(rnd.randrange(10 ** 9)) * (i % 5)))
    cmds.append(("SELECT", 0))
    for i in range(big):
        cmds.append(("SET", f"big{seed}:{i}", rnd.randbytes(1 << 20)))
    replies = pipeline(server.port, cmds, chunk=500)
    assert all(isinstance(r, bytes) for r in replies), [r for r in replies if not isinstance(r, bytes)][:3]


@pytest.mark.parametrize("diskless", [True, False], ids=["diskless", "disk"])
@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
def test_snapshot_and_stream_over_tls(servers, master_kind, replica_kind, diskless):
    m = start_master(servers, master_kind, diskless)
    write_data(m, 1)
    r = start_replica(servers, replica_kind, m)
    wait_linked_and_synced(r, m)
    assert_same_data(m, r, (0, 3), at_least=10_000)
    write_data(m, 2, count=2000, big=2)  # the stream, through the same session
    wait_linked_and_synced(r, m)
    assert_same_data(m, r, (0, 3), at_least=14_000)
    # The replica announces its TLS port, where its own replicas would reach it (as Redis).
    entries = [v for k, v in info(m).items() if k.startswith("slave")]
    assert entries and f"port={r.tls_port}," in entries[0], entries
    assert f"{r.tls_port}" in info(m)["slave0"]
    assert cli(r.tls_port, "GET", "k2:1").strip() == cli(m.tls_port, "GET", "k2:1").strip()


@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
def test_partial_resync_over_tls(servers, master_kind, replica_kind):
    """A replica restarted from the RDB it saved at shutdown continues its master's history."""
    m = start_master(servers, master_kind)
    write_data(m, 3, count=1000, big=1)
    r = start_replica(servers, replica_kind, m, save="3600 1")
    wait_linked_and_synced(r, m)
    full_before = int(info(m, "stats")["sync_full"])
    r.stop()
    write_data(m, 4, count=500, big=0)
    r = servers.restart(r)
    r.tls_port = int(r.start_kw["extra"][1])
    wait_linked_and_synced(r, m)
    assert int(info(m, "stats")["sync_partial_ok"]) == 1, tail(m)
    assert int(info(m, "stats")["sync_full"]) == full_before
    assert_same_data(m, r, (0, 3), at_least=3000)


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory):
    """A CA that signed nothing the tests use (openssl CLI)."""
    d = tmp_path_factory.mktemp("other-ca")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=Some Other CA", "-keyout", str(d / "ca.key"),
                    "-out", str(d / "ca.crt")], check=True, capture_output=True)
    return str(d / "ca.crt")


@pytest.mark.parametrize("replica_kind", [pytest.param("credis", id="credis"),
                                          pytest.param("redis", id="redis", marks=CONTROL)])
def test_a_master_whose_certificate_is_not_trusted_gets_no_replica(servers, replica_kind,
                                                                   other_ca):
    m = start_master(servers, "credis")
    pipeline(m.port, [("SET", "secret", "1")])
    r = start_replica(servers, replica_kind, m, ca=other_ca)
    # It keeps trying, and never links or copies anything.
    wait_until(lambda: tail(r, 200).count("MASTER <-> REPLICA sync started") >= 2, timeout=30,
               what="the replica to have tried twice")
    assert info(r)["master_link_status"] == "down"
    assert pipeline(r.port, [("DBSIZE",)]) == [0]
    assert info(m)["connected_slaves"] == "0"


def test_a_plain_replica_on_the_tls_port_gets_no_data(servers):
    m = start_master(servers, "credis")
    pipeline(m.port, [("SET", "secret", "1")])
    r = servers.start("credis", replicaof=m.tls_port)  # no --tls-replication
    wait_until(lambda: "Connection lost" in tail(r, 200) or "timeout" in tail(r, 200).lower()
               or tail(r, 200).count("sync started") >= 2, timeout=30,
               what="the replica's attempt to fail")
    assert info(r)["master_link_status"] == "down"
    assert pipeline(r.port, [("DBSIZE",)]) == [0]


@pytest.mark.parametrize("args,mentions", [
    (["--tls-replication", "yes", "--tls-cert-file", SERVER_CRT, "--tls-key-file", SERVER_KEY],
     "tls-ca-cert-file"),
    (["--tls-replication", "yes", "--tls-ca-cert-file", CA, "--tls-key-file", SERVER_KEY],
     "tls-cert-file"),
])
def test_tls_replication_needs_what_redis_needs(start_credis, args, mentions):
    s = start_credis(args, wait_ready=False)
    assert s.proc.wait(timeout=20) == 1
    assert mentions in s.output(), s.output()


def test_own_client_certificate_and_config_set(servers):
    """tls-client-cert-file/-key-file are shown to the master when given; tls-replication can
    be switched at run time and counts from the next connection, as in Redis."""
    m = start_master(servers, "credis")
    pipeline(m.port, [("SET", "a", "1")])
    r = servers.start("credis", extra=tls_args(free_port()) + [
        "--tls-client-cert-file", CLIENT_CRT, "--tls-client-key-file", CLIENT_KEY])
    with Raw(r.port) as c:
        assert c.cmd("CONFIG", "GET", "tls-client-cert-file") == (
            b"*2\r\n$20\r\ntls-client-cert-file\r\n$%d\r\n%s\r\n" % (len(CLIENT_CRT),
                                                                     CLIENT_CRT.encode()))
        assert c.cmd("CONFIG", "SET", "tls-replication", "yes") == b"+OK\r\n"
        assert c.cmd("REPLICAOF", "127.0.0.1", str(m.tls_port)) == b"+OK\r\n"
    wait_linked_and_synced(r, m)
    assert pipeline(r.port, [("GET", "a")]) == [b"1"]
