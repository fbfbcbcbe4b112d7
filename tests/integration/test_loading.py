"""While the RDB loads at start-up, clients connect and are answered at once: -LOADING for
commands Redis refuses then (PING, GET, SET...), answers for those it serves (INFO with loading:1
and its progress fields, CONFIG GET, AUTH...), as redis-server does; then the data is there."""
import os
import shutil
import time

import pytest

from conftest import REDIS_SERVER, Server, wait_until
from helpers import Raw, call, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)

KEYS = 1_500_000
LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"


@pytest.fixture(scope="module")
def big_rdb(tmp_path_factory):
    """An RDB of 1.5M keys that redis-server writes (DEBUG POPULATE)."""
    d = tmp_path_factory.mktemp("big-rdb")
    s = Server(REDIS_SERVER, ["--enable-debug-command", "yes"], workdir=str(d))
    try:
        with Raw(s.port, timeout=60) as c:
            assert c.cmd("DEBUG", "POPULATE", str(KEYS), "key", "10") == b"+OK\r\n"
            assert c.cmd("SAVE") == b"+OK\r\n"
    finally:
        s.stop()
    return os.path.join(str(d), "dump.rdb")


def connect_soon(port, timeout=20.0):
    """A Raw client, as soon as the port takes connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return Raw(port)
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.002)


def test_clients_get_loading_while_the_rdb_loads(start_credis, big_rdb, tmp_path):
    shutil.copy(big_rdb, tmp_path / "dump.rdb")
    s = start_credis(["--save", ""], workdir=str(tmp_path), wait_ready=False)
    c = connect_soon(s.port)
    t1 = time.monotonic()
    first = c.cmd("PING")
    answered_in = time.monotonic() - t1
    assert first == LOADING, first
    assert answered_in < 0.5, f"the first reply took {answered_in:.3f}s"
    assert c.cmd("GET", "key:1") == LOADING
    assert c.cmd("SET", "x", "1") == LOADING
    assert c.cmd("DBSIZE") == LOADING
    info = parse_info(call(c, "INFO", "persistence").decode())
    assert info["loading"] == "1"
    assert int(info["loading_total_bytes"]) == os.path.getsize(big_rdb)
    assert 0.0 <= float(info["loading_loaded_perc"]) <= 100.0
    assert call(c, "CONFIG", "GET", "port") == [b"port", str(s.port).encode()]
    assert c.cmd("SELECT", "1") == b"+OK\r\n"
    assert c.cmd("SELECT", "0") == b"+OK\r\n"
    # Then the data is in.
    wait_until(lambda: c.cmd("PING") == b"+PONG\r\n", timeout=120, interval=0.02,
               what="the load to finish")
    assert c.cmd("DBSIZE") == b":%d\r\n" % KEYS
    assert c.cmd("GET", "key:1") == b"$10\r\nvalue:1\x00\x00\x00\r\n"  # DEBUG POPULATE pads
    assert parse_info(call(c, "INFO", "persistence").decode())["loading"] == "0"
    c.close()


def test_a_corrupt_rdb_ends_start_up_with_status_1(start_credis, tmp_path):
    """A corrupt file: the server, listening already, exits 1 and says where the file broke.
    Several times: the listeners are set up while the load fails, and a shutdown in that same
    round once leaked them (LeakSanitizer, about one start in three)."""
    with open(tmp_path / "dump.rdb", "wb") as f:
        f.write(b"REDIS0009" + b"\x00" * 100)
    for _ in range(6):
        s = start_credis(["--save", ""], workdir=str(tmp_path), wait_ready=False)
        assert s.proc.wait(timeout=20) == 1
        assert "Error loading" in s.output()


def test_sigterm_while_loading_exits_at_once_and_keeps_the_file(start_credis, big_rdb,
                                                                 tmp_path):
    """As redis-server: a shutdown signal during the start-up load ends the process (status 0)
    without waiting for the load, and nothing is saved over the file."""
    shutil.copy(big_rdb, tmp_path / "dump.rdb")
    before = (tmp_path / "dump.rdb").read_bytes()
    s = start_credis(["--save", "3600 1"], workdir=str(tmp_path), wait_ready=False)
    c = connect_soon(s.port)
    assert c.cmd("PING") == LOADING  # it is loading now
    t = time.monotonic()
    assert s.stop() == 0  # SIGTERM, and waits for the exit
    took = time.monotonic() - t
    assert "Received shutdown signal during loading" in s.output()
    assert took < 1.0, f"exit took {took:.2f}s"
    assert (tmp_path / "dump.rdb").read_bytes() == before
    c.close()
