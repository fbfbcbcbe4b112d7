"""maxclients as Redis: the open-files limit raised at start-up (or maxclients lowered, with
Redis's log lines), a client beyond the limit told so and closed, 10,000 clients at once."""
import resource
import socket

import pytest

from conftest import CREDIS, Server
from helpers import Raw, parse_info, redis_peer  # noqa: F401 (a fixture)

MAX_CLIENTS_ERROR = b"-ERR max number of clients reached\r\n"


def read_all(sock, timeout=5.0):
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def test_client_beyond_maxclients_is_told_and_closed(start_credis, redis_peer):
    server = start_credis(["--save", "", "--maxclients", "3"])
    redis_peer.cli("CONFIG", "SET", "maxclients", "3")
    for port in (server.port, redis_peer.port):
        kept = [Raw(port) for _ in range(3)]
        try:
            for c in kept:
                assert c.cmd("PING") == b"+PONG\r\n"
            extra = socket.create_connection(("127.0.0.1", port))
            assert read_all(extra) == MAX_CLIENTS_ERROR, f"port {port}"
            extra.close()
            info = parse_info(kept[0].cmd("INFO", "stats").split(b"\r\n", 1)[1].decode())
            assert int(info["rejected_connections"]) >= 1
            # One leaves: a new client takes its place.
            kept.pop().close()
            for _ in range(100):  # the server sees the close a moment later
                with Raw(port) as again:
                    if again.cmd("PING") == b"+PONG\r\n":
                        break
            else:
                pytest.fail(f"port {port}: no client accepted after one left")
        finally:
            for c in kept:
                c.close()
    with Raw(server.port) as c:
        assert c.cmd("CONFIG", "GET", "maxclients") == b"*2\r\n$10\r\nmaxclients\r\n$1\r\n3\r\n"


def test_low_open_files_limit_lowers_maxclients_as_redis_logs_it(tmp_path):
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    server = Server(CREDIS, ["--save", ""], workdir=str(tmp_path), preexec_fn=low_limit)
    try:
        with Raw(server.port) as c:
            assert c.cmd("CONFIG", "GET", "maxclients") == \
                b"*2\r\n$10\r\nmaxclients\r\n$3\r\n992\r\n"
        log = server.output()
        assert "You requested maxclients of 10000 requiring at least 10032 max file descriptors." in log
        assert "maxclients has been reduced to 992 to compensate for low ulimit." in log
    finally:
        server.stop()


def test_ten_thousand_clients_at_once(start_credis):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 10_200:
        pytest.skip(f"the hard open-files limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 10_200, hard))
    server = start_credis(["--save", ""])
    clients = []
    try:
        for _ in range(10_000):
            clients.append(socket.create_connection(("127.0.0.1", server.port)))
        # Every one of them is served: one PING each, all sent before any is read.
        for c in clients:
            c.sendall(b"PING\r\n")
        for c in clients:
            c.settimeout(20)
            assert c.recv(7) == b"+PONG\r\n"
        clients[0].sendall(b"INFO clients\r\n")
        clients[0].settimeout(20)
        text = b""
        while not text.endswith(b"\r\n\r\n"):
            text += clients[0].recv(4096)
        assert int(parse_info(text.split(b"\r\n", 1)[1])["connected_clients"]) == 10_000
    finally:
        for c in clients:
            c.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_refused_connections_leave_nothing_behind(start_credis):
    """Each refused client's socket is closed and freed at once: 500 refusals later the server
    holds no more descriptors than before."""
    import os
    server = start_credis(["--save", "", "--maxclients", "1"])
    fds = lambda: len(os.listdir(f"/proc/{server.proc.pid}/fd"))
    with Raw(server.port) as kept:
        assert kept.cmd("PING") == b"+PONG\r\n"
        before = fds()
        for _ in range(500):
            extra = socket.create_connection(("127.0.0.1", server.port))
            assert read_all(extra) == MAX_CLIENTS_ERROR
            extra.close()
        from conftest import wait_until
        wait_until(lambda: fds() <= before, timeout=10, what="the refused sockets to be freed")
        assert kept.cmd("PING") == b"+PONG\r\n"
