"""Shared fixtures for the integration tests: start the real credis-server (and, where a test
needs a peer, a real redis-server) on free loopback ports, poll until they answer, and stop only
the processes started here.

The binary under test comes from $CREDIS_SERVER (tests/run_all.sh sets it), else build/.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from server_process import answers_ping, cpu_seconds, free_port, wait_until  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDIS = os.environ.get("CREDIS_SERVER", os.path.join(ROOT, "build", "credis-server"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


class Server:
    """One server process on 127.0.0.1:<port>; `binary` is credis-server or redis-server."""

    def __init__(self, binary, args=(), port=None, workdir=None, wait_ready=True,
                 preexec_fn=None, config_file=None):
        self.port = port or free_port()
        self.dir = workdir or tempfile.mkdtemp(prefix="credis-test-")
        self.log_path = os.path.join(self.dir, f"server-{self.port}.log")
        self.log = open(self.log_path, "wb")
        # A config file comes first, as redis-server wants it; the options after it win.
        cmd = [binary] + ([config_file] if config_file else [])
        cmd += ["--port", str(self.port), "--dir", self.dir]
        if binary == REDIS_SERVER:
            cmd += ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=preexec_fn)
        if wait_ready:
            try:
                self.wait_ready()
            except BaseException:
                # Never returned, so no teardown would stop it.
                self.proc.kill()
                self.proc.wait()
                self.log.close()
                raise

    def wait_ready(self, timeout=20.0):
        def answers():
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}: {self.output()}")
            return answers_ping(self.port)
        wait_until(answers, timeout=timeout, what=f"server on port {self.port}")

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10, **kw)

    def cli(self, *args, input=None):
        """Runs redis-cli against this server and returns its stdout (text)."""
        res = subprocess.run([REDIS_CLI, "-p", str(self.port), *args], input=input,
                             capture_output=True, text=True, timeout=30)
        return res.stdout

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        """Stops the process; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"server did not exit within {timeout}s of signal {sig}")
        self.log.close()
        return self.proc.returncode


def server_factory(binary):
    """A factory start(args=[...], workdir=None) -> Server for `binary`, and the teardown that
    stops every server it started."""
    started = []

    def start(args=(), **kw):
        s = Server(binary, args, **kw)
        started.append(s)
        return s

    def stop_all():
        # Every server is stopped even when one of them does not exit in time; that one is
        # reported after the rest are gone.
        failures = []
        for s in started:
            if s.alive():
                try:
                    s.stop()
                except AssertionError as e:
                    failures.append(str(e))
        assert not failures, "; ".join(failures)

    return start, stop_all


@pytest.fixture
def start_credis():
    """Factory: start_credis(args=[...], workdir=None) -> Server; all are stopped at teardown."""
    start, stop_all = server_factory(CREDIS)
    yield start
    stop_all()


@pytest.fixture
def start_redis():
    """Factory for real redis-server peers: start_redis(args=[...], workdir=None) -> Server."""
    start, stop_all = server_factory(REDIS_SERVER)
    yield start
    stop_all()


@pytest.fixture
def servers(start_credis, start_redis):
    """Either binary, started with replication_support.Servers; at the end they are stopped,
    replicas first, and the test fails if one of them died on its own (a crash, most likely)."""
    from replication_support import Servers, describe  # it imports this module
    s = Servers(start_credis, start_redis)
    yield s
    problems = s.unexpected_exits()
    # Replicas first, so that one that ignores SIGTERM (killed after 20 s) is reported without
    # keeping the others running.
    for started in reversed(s.started):
        if started.alive():
            try:
                started.stop()
            except AssertionError as e:
                problems.append(f"{describe(started)}: {e}\nlog tail:\n{started.output()[-2000:]}")
    assert not problems, "server trouble:\n" + "\n".join(problems)


@pytest.fixture
def server(start_credis):
    """A fresh credis-server with persistence off."""
    return start_credis(["--save", ""])


@pytest.fixture
def r(server):
    """A redis-py client connected to the `server` fixture."""
    c = server.client()
    yield c
    c.close()
