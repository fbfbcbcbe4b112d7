"""The limits a client's requests and replies are held to, as Redis's settings name them:
proto-max-bulk-len, client-query-buffer-limit, client-output-buffer-limit (normal and replica
classes), and the tighter request limits before a client has authenticated. Each closing is
counted in INFO stats (client_query/output_buffer_limit_disconnections, Redis 7.2's fields)."""
import socket
import time

import pytest

from conftest import wait_until
from helpers import Raw, call, encode, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def stats(port):
    with Raw(port) as c:
        return parse_info(call(c, "INFO", "stats").decode())


def closed(sock, timeout=10):
    """Reads until the server closes the connection; returns what came before."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data


def refusal(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        return closed(s)


@pytest.mark.parametrize("payload", [
    b"*1\r\n$600000000\r\n",                    # past the default 512mb
    b"*2\r\n$3\r\nGET\r\n$2000000\r\n",         # past the 1mb set below
])
def test_proto_max_bulk_len_like_redis(start_credis, start_redis, payload):
    replies = []
    for start in (start_credis, start_redis):
        s = start()
        if b"2000000" in payload:
            with Raw(s.port) as c:
                assert c.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
        replies.append(refusal(s.port, payload))
        with Raw(s.port) as c:
            assert c.cmd("PING") == b"+PONG\r\n"
    assert replies[0] == replies[1] == b"-ERR Protocol error: invalid bulk length\r\n"


@pytest.mark.parametrize("payload", [
    encode(*["DEL"] + [f"k{i}" for i in range(11)]),   # 12 arguments
    encode("AUTH", "x" * 20000),                       # a 20 KB argument
])
def test_unauthenticated_requests_are_held_small_like_redis(start_credis, start_redis, payload):
    replies = []
    for start in (start_credis, start_redis):
        s = start(["--requirepass", "pw"])
        replies.append(refusal(s.port, payload))
    assert replies[0] == replies[1]
    assert replies[0].startswith(b"-ERR Protocol error: unauthenticated")


def test_query_buffer_limit_closes_a_request_that_grows_past_it(server):
    with Raw(server.port) as c:
        assert c.cmd("CONFIG", "SET", "client-query-buffer-limit", "1mb") == b"+OK\r\n"
    before = int(stats(server.port)["client_query_buffer_limit_disconnections"])
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        # 100 arguments of 20 KB announced, 60 sent: 1.2 MB of a request not yet complete.
        s.sendall(b"*100\r\n" + b"".join(b"$20000\r\n" + b"x" * 20000 + b"\r\n"
                                         for _ in range(60)))
        assert closed(s) == b""
    after = stats(server.port)
    assert int(after["client_query_buffer_limit_disconnections"]) == before + 1
    assert "Closing client that reached max query buffer length" in server.output()
    # Complete requests of any total size are not held: a 5 MB pipeline goes through.
    with Raw(server.port) as c:
        c.send(encode("SET", "k", "v" * 100) * 40000)
        for _ in range(40000):
            assert c.read_reply() == b"+OK\r\n"


def test_normal_client_output_limit_closes_a_client_past_it(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "big", b"x" * (2 << 20)) == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0") == b"+OK\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(encode("GET", "big") * 20)   # and reads nothing while they pile up
        wait_until(lambda: stats(server.port)["client_output_buffer_limit_disconnections"] == "1",
                   timeout=20, what="the client to be closed")
        got = closed(s, timeout=20)
    assert len(got) < 20 * (2 << 20)
    assert "scheduled to be closed ASAP for overcoming of output buffer limits" in server.output()
    # With the default (no limit for normal clients) the same client gets every reply.
    with Raw(server.port) as c:
        assert c.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0") == b"+OK\r\n"
        c.send(encode("GET", "big") * 3)
        for _ in range(3):
            assert len(c.read_reply()) > 2 << 20


def test_replica_output_limit_from_config(start_credis):
    """A replica that stops reading is dropped at the replica class's hard limit as configured
    (here 1mb), and the master keeps serving."""
    master = start_credis(["--client-output-buffer-limit", "replica 1mb 0 0",
                           "--repl-diskless-sync-delay", "0"])
    with Raw(master.port) as fake:
        # A replica by handshake that then never reads.
        assert fake.cmd("REPLCONF", "listening-port", "1") == b"+OK\r\n"
        assert fake.cmd("REPLCONF", "capa", "eof", "capa", "psync2") == b"+OK\r\n"
        fake.send(encode("PSYNC", "?", "-1"))
        with Raw(master.port) as c:
            wait_until(lambda: parse_info(call(c, "INFO", "replication").decode())
                       .get("connected_slaves") == "1", timeout=20, what="the fake replica")
            value = b"v" * 10000
            deadline = time.monotonic() + 30
            while int(stats(master.port)["client_output_buffer_limit_disconnections"]) == 0:
                assert time.monotonic() < deadline, "the replica was never dropped"
                c.send(encode("SET", "k", value) * 100)
                for _ in range(100):
                    assert c.read_reply() == b"+OK\r\n"
            assert c.cmd("PING") == b"+PONG\r\n"
            wait_until(lambda: parse_info(call(c, "INFO", "replication").decode())
                       .get("connected_slaves") == "0", timeout=20, what="the drop")
