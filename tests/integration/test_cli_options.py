"""The command line (redis-server's flags), refusal of bad values and taken ports, replica mode,
and prompt shutdown on SIGTERM/SIGINT."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import CREDIS, REDIS_SERVER, Server, free_port, wait_until
from helpers import Raw, call, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def run_credis(*args, timeout=15):
    """Runs credis-server expecting it to exit by itself; returns (status, stdout+stderr)."""
    workdir = tempfile.mkdtemp(prefix="credis-cli-")
    try:
        res = subprocess.run([CREDIS, *args], cwd=workdir, capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"credis-server {args} kept running; expected it to exit") from e
    output = res.stdout + res.stderr
    assert "Sanitizer" not in output and "runtime error:" not in output, output
    return res.returncode, output


def config(server, name):
    with Raw(server.port) as c:
        flat = call(c, "CONFIG", "GET", name)
    return flat[1].decode() if flat else None


def test_port_dir_dbfilename_reflected_by_config_get(start_credis, tmp_path):
    port = free_port()
    workdir = tmp_path / "data dir"
    workdir.mkdir()
    s = start_credis(["--dbfilename", "mine.rdb", "--save", "3600 1 300 100"], port=port,
                     workdir=str(workdir))
    assert config(s, "port") == str(port)
    assert config(s, "dir") == os.path.realpath(workdir)
    assert config(s, "dbfilename") == "mine.rdb"
    assert config(s, "save") == "3600 1 300 100"
    with Raw(port) as c:
        assert parse_info(call(c, "INFO", "server"))["tcp_port"] == str(port)


def test_bind_flag(start_credis):
    s = start_credis(["--bind", "127.0.0.1", "--save", ""])
    assert config(s, "bind") == "127.0.0.1"
    assert config(s, "save") == ""


def test_relative_dir_is_made_absolute(start_credis, tmp_path):
    sub = tmp_path / "rel"
    sub.mkdir()
    port = free_port()
    log = open(os.path.join(tempfile.gettempdir(), f"relative-dir-{port}.log"), "wb")
    proc = subprocess.Popen([CREDIS, "--port", str(port), "--dir", "rel", "--save", ""],
                            cwd=str(tmp_path), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        def answers():
            assert proc.poll() is None, "server exited"
            try:
                with Raw(port, timeout=1) as c:
                    return call(c, "CONFIG", "GET", "dir")
            except OSError:
                return None
        flat = wait_until(answers, timeout=20, what="server with relative --dir")
        assert flat[1].decode() == os.path.realpath(sub)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.mark.parametrize("args,mentions", [
    (["--nosuchflag"], "nosuchflag"),
    (["--nosuchflag", "1"], "nosuchflag"),
    (["--port", "abc"], "abc"),
    (["--port", "70000"], "70000"),
    (["--port", "-1"], "port"),
    (["--port", "65536"], "65536"),
    (["--port"], "port"),
    (["--dir", "/nonexistent/credis/dir"], "/nonexistent/credis/dir"),
    (["--loglevel", "loud"], "loud"),
    (["--dbfilename", "a/b.rdb"], "dbfilename"),
    (["--save", "3600"], "save"),
    (["--replicaof", "localhost"], "replicaof"),
    (["--replicaof", "localhost abc"], "replicaof"),
    (["--busy-poll-us", "-1"], "busy-poll-us"),
    (["--busy-poll-us", "1001"], "busy-poll-us"),
    (["--busy-poll-us", "soon"], "soon"),
])
def test_bad_command_line_exits_1_with_message(args, mentions):
    if "--port" not in args:
        args = ["--port", str(free_port())] + args  # should it start after all, not on 6379
    status, output = run_credis(*args, timeout=5)
    assert status == 1, output
    assert mentions.lower() in output.lower(), output
    assert "Ready to accept" not in output


def test_repeated_flag_last_value_wins_like_redis(start_credis, tmp_path):
    # The fixture passes its own --dir first; the one given here must win.
    s = start_credis(["--dbfilename", "first.rdb", "--dbfilename", "second.rdb",
                      "--dir", str(tmp_path)])
    assert config(s, "dbfilename") == "second.rdb"
    assert config(s, "dir") == os.path.realpath(tmp_path)


def test_help_exits_0():
    status, output = run_credis("--help")
    assert status == 0
    assert "--port" in output


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version_line_as_redis_server_prints_it(flag):
    """Scripts parse redis-server's line ("Redis server v=7.0.15 sha=... malloc=... bits=64
    build=..."): the same fields in the same order, and the build id INFO shows."""
    status, output = run_credis(flag)
    assert status == 0
    theirs = subprocess.run([REDIS_SERVER, flag], capture_output=True, text=True).stdout
    pattern = r"Redis server v=(\S+) sha=[0-9a-f]{8}:\d malloc=(\S+) bits=64 build=([0-9a-f]+)\n"
    ours_match = re.fullmatch(pattern, output)
    their_match = re.fullmatch(pattern, theirs)
    assert ours_match and their_match, (output, theirs)
    assert ours_match.group(1) == their_match.group(1) == "7.0.15"
    assert ours_match.group(2).startswith("jemalloc-") or ours_match.group(2) == "libc"
    s = Server(CREDIS)
    try:
        with Raw(s.port) as c:
            info = parse_info(call(c, "INFO", "server").decode())
        assert info["redis_build_id"] == ours_match.group(3)
    finally:
        s.stop()


def test_port_already_taken_exits_1_with_clear_message():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        t = time.monotonic()
        status, output = run_credis("--port", str(port))
        assert time.monotonic() - t < 5
    assert status == 1, output
    assert str(port) in output
    assert any(w in output.lower() for w in ("listening socket", "address already in use",
                                             "in use", "bind")), output
    assert "Ready to accept" not in output


@pytest.mark.parametrize("form", ["one-token", "two-tokens"])
def test_replicaof_accepted_and_shown_as_slave(start_credis, form):
    master_port = free_port()  # nothing listens there: the link stays down
    args = (["--replicaof", f"localhost {master_port}"] if form == "one-token"
            else ["--replicaof", "localhost", str(master_port)])
    s = start_credis(args + ["--save", ""])
    with Raw(s.port) as c:
        f = parse_info(call(c, "INFO", "replication"))
        assert call(c, "GET", "missing") is None   # reads still work
    assert f["role"] == "slave"
    assert f["master_host"] == "localhost"
    assert f["master_port"] == str(master_port)
    assert config(s, "replicaof") == f"localhost {master_port}"


def test_replicaof_replies_like_redis_replica(start_credis, start_redis):
    master_port = free_port()
    c_srv = start_credis(["--replicaof", f"localhost {master_port}", "--save", ""])
    r_srv = start_redis(["--replicaof", "localhost", str(master_port)])
    with Raw(c_srv.port) as c, Raw(r_srv.port) as r:
        for args in [("WAIT", "0", "0"), ("GET", "k"), ("DBSIZE",), ("PING",)]:
            assert c.cmd(*args) == r.cmd(*args), args
        assert parse_info(call(c, "INFO", "replication"))["role"] == \
            parse_info(call(r, "INFO", "replication"))["role"]


def test_replica_rejects_writes_like_redis(start_credis, start_redis):
    master_port = free_port()
    c_srv = start_credis(["--replicaof", f"localhost {master_port}", "--save", ""])
    r_srv = start_redis(["--replicaof", "localhost", str(master_port)])
    with Raw(c_srv.port) as c, Raw(r_srv.port) as r:
        for args in [("SET", "k", "v"), ("INCR", "n"), ("DEL", "k"), ("GET", "k")]:
            assert c.cmd(*args) == r.cmd(*args), args


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_shuts_down_promptly_with_clients_connected(start_credis, sig):
    s = start_credis(["--save", ""])
    idle = [Raw(s.port) for _ in range(5)]
    busy = Raw(s.port)
    partial = Raw(s.port)
    try:
        for c in idle:
            assert c.cmd("PING") == b"+PONG\r\n"
        partial.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nhalf")   # an unfinished request
        busy.send(b"*1\r\n$4\r\nPING\r\n" * 20000)                    # replies left unread
        assert s.alive()
        t = time.monotonic()
        s.proc.send_signal(sig)
        try:
            status = s.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"server still running 5 s after {sig!r}")
        elapsed = time.monotonic() - t
        assert elapsed < 2.0, f"shutdown took {elapsed:.2f}s"
        assert status == 0, s.output()
        # The clients see the connection closed.
        for c in idle:
            c.sock.settimeout(5)
            try:
                assert c.sock.recv(16) == b""
            except ConnectionResetError:
                pass
    finally:
        for c in idle + [busy, partial]:
            c.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()


def test_restart_on_same_port_after_shutdown(start_credis):
    s = start_credis(["--save", ""])
    with Raw(s.port) as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        # Leave a connection open across the shutdown: the port must still be reusable.
        assert s.stop() == 0
    s2 = start_credis(["--save", ""], port=s.port)
    with Raw(s2.port) as c:
        assert c.cmd("PING") == b"+PONG\r\n"
