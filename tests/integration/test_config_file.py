"""Config files as redis-server reads them (`credis-server /path/redis.conf [--options]`):
directives, quoting, `include`, options overriding the file, clear refusals with exit status 1,
Debian's own /etc/redis/redis.conf, and daemonize/pidfile/logfile."""
import os
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import CREDIS, free_port, wait_until
from helpers import Raw, call, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)

DEBIAN_CONF = "/etc/redis/redis.conf"


def config(server, name):
    with Raw(server.port) as c:
        flat = call(c, "CONFIG", "GET", name)
    return flat[1].decode() if flat else None


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return str(path)


def run_credis(*args, timeout=15, cwd=None):
    workdir = cwd or tempfile.mkdtemp(prefix="credis-conf-")
    try:
        res = subprocess.run([CREDIS, *args], cwd=workdir, capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"credis-server {args} kept running; expected it to exit") from e
    return res.returncode, res.stdout + res.stderr


def test_config_file_directives_quoting_include_and_overrides(start_credis, tmp_path):
    inc = tmp_path / "conf.d"
    inc.mkdir()
    write(inc / "10-limits.conf", "maxclients 500\nclient-output-buffer-limit pubsub 1mb 0 0\n")
    write(inc / "20-more.conf", "maxclients 600\n")
    conf = write(tmp_path / "redis.conf", f"""
# a comment, then blank lines

port 1
requirepass "with space \\"and quote\\""
save 900 1
save 300 10
dbfilename 'from-file.rdb'
include {inc}/*.conf
hz 25
loglevel warning
""")
    s = start_credis(["--dbfilename", "from-options.rdb"], config_file=conf)
    # --port from the fixture overrides the file's port 1.
    with Raw(s.port) as c:
        assert c.cmd("AUTH", 'with space "and quote"') == b"+OK\r\n"
        flat = call(c, "CONFIG", "GET", "*")
        got = {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}
        info = parse_info(call(c, "INFO", "server").decode())
    assert got["save"] == "900 1 300 10"
    assert got["dbfilename"] == "from-options.rdb"
    assert got["maxclients"] == "600"
    assert got["hz"] == "25"
    assert got["loglevel"] == "warning"
    assert got["client-output-buffer-limit"] == \
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 0 0"
    assert info["config_file"] == conf


@pytest.mark.parametrize("text,mentions", [
    ("port 7000\nmaxclients lots\n", ["line 2", "maxclients lots", "integer"]),
    ("port 7000\nnosuchdirective 1\n", ["line 2", "nosuchdirective", "Bad directive"]),
    ("bind \"127.0.0.1\n", ["line 1", "Unbalanced quotes"]),
    ("include /nonexistent/credis.conf\n", ["line 1", "can't open config file",
                                            "/nonexistent/credis.conf"]),
    ("appendonly yes\n", ["appendonly", "not supported"]),
    ("save 0 1\n", ["line 1", "save"]),
])
def test_bad_config_file_exits_1_saying_where(tmp_path, text, mentions):
    conf = write(tmp_path / "bad.conf", text)
    status, output = run_credis(conf, "--port", str(free_port()))
    assert status == 1, output
    for m in mentions:
        assert m in output, (m, output)
    assert "Ready to accept" not in output


def test_missing_config_file_exits_1():
    status, output = run_credis("/nonexistent/redis.conf")
    assert status == 1
    assert "can't open config file '/nonexistent/redis.conf'" in output


def test_options_can_undo_an_unsupported_file_line(start_credis, tmp_path):
    conf = write(tmp_path / "r.conf", "appendonly yes\n")
    s = start_credis(["--appendonly", "no"], config_file=conf)
    assert config(s, "appendonly") == "no"


@pytest.mark.skipif(not os.path.exists(DEBIAN_CONF), reason="no Debian redis.conf")
def test_debian_redis_conf_loads_like_redis_server(start_credis, start_redis, tmp_path):
    """The file Debian's redis-server package installs (daemonize yes, its own pidfile and log),
    with the place-specific lines overridden, gives credis the values it gives Redis."""
    overrides = ["--daemonize", "no", "--logfile", "", "--pidfile", ""]
    ours = start_credis(overrides, config_file=DEBIAN_CONF)
    theirs = start_redis(overrides, config_file=DEBIAN_CONF)
    assert config(ours, "bind") == "127.0.0.1 -::1"  # the fixture gives Redis its own --bind
    assert config(ours, "save") == "3600 1 300 100 60 10000"  # and --save "" for Redis
    for name in ["protected-mode", "timeout", "tcp-keepalive", "databases",
                 "dbfilename", "client-output-buffer-limit", "maxclients", "requirepass",
                 "hz", "repl-diskless-sync", "repl-diskless-sync-delay", "appendonly",
                 "proto-max-bulk-len", "client-query-buffer-limit", "loglevel"]:
        assert config(ours, name) == config(theirs, name), name


def test_daemonize_writes_pidfile_and_logfile(tmp_path):
    port = free_port()
    pidfile = tmp_path / "credis.pid"
    logfile = tmp_path / "credis.log"
    t = time.monotonic()
    status, output = run_credis("--port", str(port), "--dir", str(tmp_path), "--save", "",
                                "--daemonize", "yes", "--pidfile", str(pidfile),
                                "--logfile", str(logfile))
    assert status == 0, output
    assert time.monotonic() - t < 5
    pid = None
    try:
        def ready():
            try:
                with Raw(port, timeout=1) as c:
                    return c.cmd("PING") == b"+PONG\r\n"
            except OSError:
                return False
        wait_until(ready, timeout=20, what="daemonized credis")
        pid = int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(),
                             timeout=10, what="pid file"))
        with Raw(port) as c:
            info = parse_info(call(c, "INFO", "server").decode())
        assert int(info["process_id"]) == pid
        assert "Ready to accept connections" in logfile.read_text()
        with Raw(port) as c:
            c.send(b"SHUTDOWN NOSAVE\r\n")
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), timeout=20, what="daemon exit")
        assert not pidfile.exists()  # removed at exit
        pid = None
    finally:
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
