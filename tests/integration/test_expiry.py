"""Key expiry: exact to the millisecond on access, active removal of keys nobody reads, and old
deadlines that must not remove a key that was overwritten, persisted or renamed since."""
import time

import pytest

from conftest import cpu_seconds, wait_until
from helpers import Raw, call
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def now_ms():
    return int(time.time() * 1000)


def test_px_100_then_get_after_101ms(server):
    # The codecrafters check: SET PX 100, GET at once -> value; 101 ms later -> nil. The sleep
    # is the behaviour under test, measured from the SET's reply (the deadline can't be later).
    with Raw(server.port) as c:
        assert c.cmd("SET", "k", "v", "PX", "100") == b"+OK\r\n"
        t_set = time.monotonic()
        assert c.cmd("GET", "k") == b"$1\r\nv\r\n"
        time.sleep(max(0.0, 0.101 - (time.monotonic() - t_set)))
        assert c.cmd("GET", "k") == b"$-1\r\n"
        assert c.cmd("EXISTS", "k") == b":0\r\n"
        assert c.cmd("TTL", "k") == b":-2\r\n"


@pytest.mark.parametrize("option", ["PXAT", "EX_AT_VIA_PEXPIREAT"])
def test_expiry_on_access_is_exact_to_the_ms(server, option):
    """Polls GET around an absolute deadline: while the server answers the value, the request
    was sent no later than the deadline; once it answers nil, it was answered after it.
    (Redis: a key expires when now > deadline.)"""
    with Raw(server.port) as c:
        deadline = now_ms() + 150
        if option == "PXAT":
            assert c.cmd("SET", "k", "v", "PXAT", str(deadline)) == b"+OK\r\n"
        else:
            assert c.cmd("SET", "k", "v") == b"+OK\r\n"
            assert c.cmd("PEXPIREAT", "k", str(deadline)) == b":1\r\n"
        seen_value = seen_nil = 0
        end = time.monotonic() + 5
        while time.monotonic() < end:
            sent = now_ms()
            reply = c.cmd("GET", "k")
            received = now_ms()
            if reply == b"$1\r\nv\r\n":
                assert not seen_nil, "the key came back after it had expired"
                assert sent <= deadline, f"value still served at {sent} > deadline {deadline}"
                seen_value += 1
            else:
                assert reply == b"$-1\r\n"
                assert received > deadline, f"expired at {received} <= deadline {deadline}"
                seen_nil += 1
                if seen_nil > 3:
                    break
            if deadline - now_ms() > 5:
                time.sleep(0.002)
        assert seen_value and seen_nil


def test_pttl_counts_down(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "k", "v", "PX", "2000") == b"+OK\r\n"
        first = call(c, "PTTL", "k")
        assert 1900 <= first <= 2000
        wait_until(lambda: call(c, "PTTL", "k") < first - 50, timeout=2, what="PTTL to drop")
        assert call(c, "TTL", "k") in (1, 2)


def test_active_expiry_removes_unread_keys(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "keep", "v") == b"+OK\r\n"
        n = 500
        c.send(b"".join(b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n$2\r\nPX\r\n$3\r\n200\r\n"
                        % (len(k), k) for k in (f"tmp:{i}".encode() for i in range(n))))
        for _ in range(n):
            assert c.read_reply() == b"+OK\r\n"
        assert call(c, "DBSIZE") == n + 1
        start = time.monotonic()
        # Only DBSIZE, KEYS and INFO from here: nothing touches the keys themselves.
        wait_until(lambda: call(c, "DBSIZE") == 1, timeout=3, interval=0.02,
                   what="expired keys to leave DBSIZE")
        assert time.monotonic() - start < 1.5
        assert call(c, "KEYS", "*") == [b"keep"]
        info = call(c, "INFO", "keyspace").decode()
        assert "db0:keys=1,expires=0," in info
        stats = call(c, "INFO", "stats").decode()
        assert int(stats.split("expired_keys:")[1].split("\r\n")[0]) >= n


def test_active_expiry_in_other_databases(server):
    with Raw(server.port) as c:
        for db in (0, 5, 15):
            assert c.cmd("SELECT", str(db)) == b"+OK\r\n"
            assert c.cmd("SET", "k", "v", "PX", "100") == b"+OK\r\n"
        assert "db5:keys=1,expires=1" in call(c, "INFO", "keyspace").decode()
        wait_until(lambda: call(c, "INFO", "keyspace") == b"# Keyspace\r\n", timeout=3,
                   what="keys in dbs 0, 5, 15 to expire")


def test_active_expiry_resumes_when_switched_back_on(start_credis):
    """A deadline whose timer fired while active expiry was off is scheduled again once it is
    back on, though no deadline was set since (the keyspace skips its scan of the databases
    while none was)."""
    server = start_credis(["--save", "", "--enable-debug-command", "yes"])
    with Raw(server.port) as c:
        assert c.cmd("SET", "k", "v", "PX", "100") == b"+OK\r\n"
        assert c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"+OK\r\n"
        time.sleep(0.3)  # past the deadline and its timer: nothing to poll for
        assert call(c, "DBSIZE") == 1  # (DBSIZE does not read the key)
        assert c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"+OK\r\n"
        wait_until(lambda: call(c, "DBSIZE") == 0, timeout=3, interval=0.02,
                   what="the key to expire once active expiry is back on")


def _expired_keys(c):
    return int(call(c, "INFO", "stats").decode().split("expired_keys:")[1].split("\r\n")[0])


class Sentinel:
    """A key with the same deadline as the keys under test, set after them. DBSIZE counts
    keys until they are removed, and no command here reads the sentinel, so once DBSIZE drops
    the active expiry has processed every deadline up to the sentinel's."""

    def __init__(self, c, ms, expected_expirations=1):
        self.c = c
        self.expected = expected_expirations
        self.expired_before = _expired_keys(c)
        assert c.cmd("SET", "sentinel", "x", "PX", str(ms)) == b"+OK\r\n"

    def wait_processed(self):
        c = self.c
        size = call(c, "DBSIZE")
        wait_until(lambda: call(c, "DBSIZE") <= size - self.expected, timeout=3, interval=0.01,
                   what="the sentinel's deadline to be processed by active expiry")
        # Exactly the keys whose deadline really passed were removed, nothing else.
        assert _expired_keys(c) - self.expired_before == self.expected
        assert b"sentinel" not in call(c, "KEYS", "*")


def test_overwritten_key_not_removed_by_old_deadline(server):
    with Raw(server.port) as c:
        for k in ("plain", "longer", "keepttl-free"):
            assert c.cmd("SET", k, "old", "PX", "150") == b"+OK\r\n"
        sentinel = Sentinel(c, 150)
        assert c.cmd("SET", "plain", "new") == b"+OK\r\n"                   # no TTL now
        assert c.cmd("SET", "longer", "new", "PX", "60000") == b"+OK\r\n"   # a later deadline
        assert c.cmd("MSET", "keepttl-free", "new") == b"+OK\r\n"
        sentinel.wait_processed()
        assert call(c, "MGET", "plain", "longer", "keepttl-free") == [b"new"] * 3
        assert call(c, "TTL", "plain") == -1
        assert 59 <= call(c, "TTL", "longer") <= 60
        assert call(c, "DBSIZE") == 3


def test_persisted_key_not_removed_by_old_deadline(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "p", "v", "PX", "150") == b"+OK\r\n"
        assert c.cmd("SET", "q", "v", "PX", "150") == b"+OK\r\n"
        sentinel = Sentinel(c, 150)
        assert c.cmd("PERSIST", "p") == b":1\r\n"
        assert c.cmd("PEXPIRE", "q", "60000") == b":1\r\n"
        sentinel.wait_processed()
        assert call(c, "KEYS", "*") in ([b"p", b"q"], [b"q", b"p"])
        assert call(c, "TTL", "p") == -1
        assert call(c, "GET", "q") == b"v"


def test_renamed_key_keeps_its_deadline_and_the_old_name_is_free(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "a", "v", "PX", "150") == b"+OK\r\n"
        assert c.cmd("SET", "x", "v", "PX", "150") == b"+OK\r\n"
        sentinel = Sentinel(c, 150, expected_expirations=2)  # the sentinel and b
        assert c.cmd("RENAME", "a", "b") == b"+OK\r\n"     # b carries a's deadline
        assert c.cmd("SET", "a", "fresh") == b"+OK\r\n"    # a new key without TTL
        assert c.cmd("RENAME", "x", "y") == b"+OK\r\n"
        assert c.cmd("PERSIST", "y") == b":1\r\n"          # the renamed key, persisted
        sentinel.wait_processed()
        assert call(c, "GET", "a") == b"fresh"
        assert call(c, "GET", "y") == b"v"
        assert call(c, "EXISTS", "b") == 0
        assert call(c, "DBSIZE") == 2


def test_deleted_and_recreated_key_not_removed_by_old_deadline(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "d", "v", "PX", "150") == b"+OK\r\n"
        sentinel = Sentinel(c, 150)
        assert c.cmd("DEL", "d") == b":1\r\n"
        assert c.cmd("SET", "d", "again") == b"+OK\r\n"
        assert c.cmd("SELECT", "1") == b"+OK\r\n"          # same name, other db, no TTL
        assert c.cmd("SET", "sentinel", "db1") == b"+OK\r\n"
        assert c.cmd("SELECT", "0") == b"+OK\r\n"
        sentinel.wait_processed()
        assert call(c, "GET", "d") == b"again"
        assert c.cmd("SELECT", "1") == b"+OK\r\n"
        assert call(c, "GET", "sentinel") == b"db1"


def test_expire_in_the_past_deletes_at_once(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "k", "v") == b"+OK\r\n"
        assert c.cmd("PEXPIREAT", "k", "1") == b":1\r\n"
        assert call(c, "DBSIZE") == 0
        assert c.cmd("SET", "k", "v") == b"+OK\r\n"
        assert c.cmd("EXPIRE", "k", "-10") == b":1\r\n"
        assert call(c, "KEYS", "*") == []


def test_many_keys_expiring_together_do_not_stall_clients(server):
    with Raw(server.port, timeout=30) as c:
        n = 50000
        deadline = now_ms() + 1000
        c.send(b"".join(b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$%d\r\n%s\r\n"
                        % (len(k), k, len(str(deadline)), str(deadline).encode())
                        for k in (f"bulk:{i}".encode() for i in range(n))))
        for _ in range(n):
            assert c.read_reply() == b"+OK\r\n"
        if now_ms() < deadline - 100:
            assert call(c, "DBSIZE") == n
        with Raw(server.port) as other:
            worst = 0.0
            end = time.monotonic() + 10
            while call(other, "DBSIZE") and time.monotonic() < end:
                t = time.monotonic()
                assert other.cmd("PING") == b"+PONG\r\n"
                worst = max(worst, time.monotonic() - t)
            assert call(other, "DBSIZE") == 0
        assert worst < 1.0, f"a PING took {worst:.3f}s while keys expired"


@pytest.mark.parametrize("args", [
    ("EX", "9999999999"),  # ~317 years: the delay in ns passes INT64_MAX
    ("PXAT", "99999999999999"),  # year 5138
    ("EXAT", "9223372036854775"),  # the largest EXAT Redis accepts
    ("PXAT", "9223372036854775807"),  # INT64_MAX, accepted by Redis
], ids=["EX-317y", "PXAT-year-5138", "EXAT-max", "PXAT-int64-max"])
def test_far_future_deadline_keeps_server_idle_and_alive(start_credis, args):
    """A deadline centuries away (which Redis accepts) must neither crash the server nor make
    the expiry timer fire again and again."""
    s = start_credis(["--save", ""])
    with Raw(s.port) as c:
        assert c.cmd("SET", "far", "v", *args) == b"+OK\r\n"
        before = cpu_seconds(s.proc.pid)
        time.sleep(1.0)  # a window to measure the idle server's CPU use in, not a sync point
        used = cpu_seconds(s.proc.pid) - before
        assert s.alive(), s.output()
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("GET", "far") == b"$1\r\nv\r\n"
        assert call(c, "TTL", "far") > 100 * 365 * 86400
        # Add a near deadline after the far one: it must still be honoured actively.
        assert c.cmd("SET", "near", "v", "PX", "50") == b"+OK\r\n"
        size = call(c, "DBSIZE")
        wait_until(lambda: call(c, "DBSIZE") == size - 1, timeout=3,
                   what="the near key to expire behind a far deadline")
    assert used < 0.1, f"idle server used {used:.2f}s CPU in 1 s with a far deadline armed"


def expired_keys(c):
    info = call(c, "INFO", "stats").decode()
    return int(info.split("expired_keys:")[1].split("\r\n")[0])


@pytest.mark.parametrize("lazily", [True, False])
def test_info_counts_every_expired_key(start_credis, start_redis, lazily):
    # INFO's expired_keys counts the keys a read found expired as well as those active expiry
    # removed, as in Redis.
    for server in (start_credis(["--save", ""]), start_redis()):
        with Raw(server.port) as c:
            before = expired_keys(c)
            c.cmd("SET", "a", "1", "PX", "1")
            c.cmd("SET", "b", "1", "PX", "1")
            time.sleep(0.005)  # (past the deadline: what is under test)
            if lazily:
                assert c.cmd("GET", "a") == b"$-1\r\n"
                assert c.cmd("EXISTS", "b") == b":0\r\n"
            wait_until(lambda: expired_keys(c) == before + 2, what="both keys to count")
            assert call(c, "DBSIZE") == 0
