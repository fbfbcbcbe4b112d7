"""TLS as redis-server offers it (--tls-port, --tls-cert-file, --tls-key-file,
--tls-ca-cert-file, --tls-auth-clients), beside the plain port or instead of it, tested with
redis-cli --tls and redis-py's ssl=True against the certificates in tests/fixtures/tls (made by
make_tls_fixtures.sh with the openssl CLI), and compared with a real redis-server over TLS."""
import os
import signal
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import REDIS_CLI, free_port, wait_until
from helpers import encode
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "fixtures", "tls")
CA, SERVER_CRT, SERVER_KEY = (os.path.join(CERTS, f) for f in ("ca.crt", "server.crt", "server.key"))
CLIENT_CRT, CLIENT_KEY = os.path.join(CERTS, "client.crt"), os.path.join(CERTS, "client.key")


def tls_args(port, auth="yes"):
    return ["--tls-port", str(port), "--tls-cert-file", SERVER_CRT, "--tls-key-file", SERVER_KEY,
            "--tls-ca-cert-file", CA, "--tls-auth-clients", auth]


def tls_client(port, cert=True, **kw):
    extra = {"ssl_certfile": CLIENT_CRT, "ssl_keyfile": CLIENT_KEY} if cert else {}
    return redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=CA,
                       socket_timeout=20, **extra, **kw)


def cli(port, *args, cert=True):
    certs = ["--cert", CLIENT_CRT, "--key", CLIENT_KEY] if cert else []
    res = subprocess.run([REDIS_CLI, "-p", str(port), "--tls", "--cacert", CA, *certs, *args],
                         capture_output=True, text=True, timeout=30)
    return res.stdout + res.stderr


def raw_tls(port):
    ctx = ssl.create_default_context(cafile=CA)
    ctx.load_cert_chain(CLIENT_CRT, CLIENT_KEY)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(sock, server_hostname="localhost")


@pytest.fixture
def tls_server(start_credis):
    tls_port = free_port()
    s = start_credis(tls_args(tls_port))
    s.tls_port = tls_port
    return s


def test_redis_cli_over_tls_and_plain_side_by_side(tls_server):
    assert cli(tls_server.tls_port, "PING").strip() == "PONG"
    assert cli(tls_server.tls_port, "SET", "k", "over tls").strip() == "OK"
    assert tls_server.client().get("k") == b"over tls"  # the plain port sees it
    assert cli(tls_server.tls_port, "GET", "k").strip() == "over tls"


def test_redis_py_large_values_and_pipelines_over_tls(tls_server):
    r = tls_client(tls_server.tls_port)
    big = os.urandom(3_000_000)
    assert r.set("big", big)
    assert r.get("big") == big
    p = r.pipeline(transaction=False)
    for i in range(20_000):
        p.set(f"k{i}", i)
    assert all(p.execute())
    p = r.pipeline(transaction=False)
    for i in range(20_000):
        p.get(f"k{i}")
    assert p.execute() == [str(i).encode() for i in range(20_000)]
    p = r.pipeline(transaction=False)
    for _ in range(20):
        p.get("big")
    assert all(v == big for v in p.execute())


def test_client_certificates_as_tls_auth_clients_says(start_credis):
    required, optional, off = free_port(), free_port(), free_port()
    a = start_credis(tls_args(required, "yes"))
    b = start_credis(tls_args(optional, "optional"))
    c = start_credis(tls_args(off, "no"))
    with pytest.raises(redis.ConnectionError):
        tls_client(required, cert=False).ping()
    assert tls_client(required).ping()
    assert tls_client(optional, cert=False).ping()
    assert tls_client(optional).ping()
    assert tls_client(off, cert=False).ping()
    for s in (a, b, c):
        assert s.alive()


def test_garbage_on_the_tls_port_closes_only_that_connection(tls_server):
    for junk in [encode("PING"), b"\x16\x03\x01\x00\x05hello", os.urandom(4096)]:
        with socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=10) as s:
            s.sendall(junk)
            s.settimeout(10)
            try:
                while s.recv(4096):
                    pass
            except ConnectionResetError:
                pass
    assert cli(tls_server.tls_port, "PING").strip() == "PONG"


def test_replies_over_tls_match_redis_over_tls(start_credis, start_redis):
    ours, theirs = free_port(), free_port()
    start_credis(tls_args(ours))
    start_redis(tls_args(theirs))
    script = [("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("NOSUCH",), ("GET",),
              ("MSET", "x", "1", "y", "2"), ("MGET", "x", "y", "z"), ("DEL", "a", "x"),
              ("EXPIRE", "y", "100"), ("TTL", "y"), ("TYPE", "y")]
    replies = []
    for port in (ours, theirs):
        out = []
        with raw_tls(port) as s:
            for req in script:
                s.sendall(encode(*req))
                out.append(s.recv(65536))
        replies.append(out)
    assert replies[0] == replies[1]


def test_tls_only_with_port_0(start_credis, tmp_path):
    tls_port = free_port()
    s = start_credis(["--port", "0"] + tls_args(tls_port), wait_ready=False)
    wait_until(lambda: "PONG" in cli(tls_port, "PING"), timeout=20, what="the TLS-only server")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()


@pytest.mark.parametrize("args,mentions", [
    (["--tls-cert-file", "/nonexistent.crt"], "certificate"),
    (["--tls-key-file", CLIENT_KEY], "private key"),
    (["--tls-auth-clients", "maybe"], "tls-auth-clients"),
    (["--tls-ca-cert-file", ""], "tls-ca-cert-file"),  # client certificates with no CA
])
def test_bad_tls_settings_exit_1(start_credis, args, mentions):
    tls_port = free_port()
    s = start_credis(tls_args(tls_port) + args, wait_ready=False)
    assert s.proc.wait(timeout=20) == 1
    assert mentions in s.output(), s.output()


def test_shutdown_is_not_held_up_by_a_tls_client_that_never_reads(start_credis):
    tls_port = free_port()
    s = start_credis(tls_args(tls_port))
    tls_client(tls_port).set("big", b"x" * 100_000)
    hostile = raw_tls(tls_port)
    hostile.setblocking(False)
    request = encode("GET", "big") * 1000
    deadline = time.monotonic() + 10
    blocked = False
    while not blocked and time.monotonic() < deadline:
        try:
            hostile.send(request)
        except (ssl.SSLWantWriteError, BlockingIOError):
            blocked = True  # the server stopped reading: its replies are backed up
    assert blocked, "the server kept reading a client that reads nothing"
    t = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=10) == 0, s.output()
    assert time.monotonic() - t < 2.0
    hostile.close()
