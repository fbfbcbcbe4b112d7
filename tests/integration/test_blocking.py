"""The blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP) on the
real binary through raw sockets: woken by a write from another client, served in the order
they blocked, timeouts in fractional seconds, INFO blocked_clients exact, the rest of a
blocked client's pipeline held back, CLIENT UNBLOCK, and what replicas get. Each behaviour
is also checked against a real redis-server where the two must agree.

Waits poll with a timeout (INFO blocked_clients); no sleep stands in for synchronisation."""
import time

import pytest

from conftest import wait_until
from helpers import Raw, encode, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def blocked_clients(port):
    with Raw(port) as c:
        return int(parse_info(c.cmd("INFO", "clients"))["blocked_clients"])


def wait_blocked(port, n):
    wait_until(lambda: blocked_clients(port) == n, timeout=10, what=f"{n} blocked clients")


@pytest.fixture(params=["credis", "redis"])
def any_server(request, start_credis, start_redis):
    """The same test against credis and against redis-server: both must pass it."""
    if request.param == "credis":
        return start_credis(["--save", ""])
    return start_redis(["--save", ""])


def test_blpop_waits_for_a_push_from_another_client(any_server):
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as writer:
        waiter.send(encode("BLPOP", "nolist", "queue", "0"))
        wait_blocked(port, 1)
        assert writer.cmd("RPUSH", "queue", "a", "b") == b":2\r\n"
        assert waiter.read_reply() == b"*2\r\n$5\r\nqueue\r\n$1\r\na\r\n"
        assert blocked_clients(port) == 0
        assert writer.cmd("LRANGE", "queue", "0", "-1") == b"*1\r\n$1\r\nb\r\n"


def test_a_timeout_of_millennia_waits(any_server):
    """9e15 s is within Redis's range (it blocks for good); as a steady-clock deadline in
    nanoseconds it overflowed and the wait timed out at once."""
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as writer:
        waiter.send(encode("BLPOP", "queue", "9000000000000000"))
        wait_blocked(port, 1)
        assert writer.cmd("PING") == b"+PONG\r\n"
        assert blocked_clients(port) == 1
        assert writer.cmd("RPUSH", "queue", "a") == b":1\r\n"
        assert waiter.read_reply() == b"*2\r\n$5\r\nqueue\r\n$1\r\na\r\n"


def test_waiters_are_served_in_the_order_they_blocked(any_server):
    port = any_server.port
    clients = [Raw(port) for _ in range(3)]
    try:
        for n, c in enumerate(clients):
            c.send(encode("BRPOP", "q", "0"))
            wait_blocked(port, n + 1)
        with Raw(port) as writer:
            assert writer.cmd("LPUSH", "q", "1", "2", "3") == b":3\r\n"
        # BRPOP takes from the tail: the first to block gets "1", pushed first.
        got = [c.read_reply() for c in clients]
        assert got == [b"*2\r\n$1\r\nq\r\n$1\r\n" + x + b"\r\n" for x in (b"1", b"2", b"3")]
    finally:
        for c in clients:
            c.close()


def test_fractional_timeout_and_other_clients_go_on(any_server):
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as other:
        start = time.monotonic()
        waiter.send(encode("BLPOP", "empty", "0.3"))
        wait_blocked(port, 1)
        assert other.cmd("PING") == b"+PONG\r\n"  # the wait blocks nobody else
        assert waiter.read_reply() == b"*-1\r\n"
        assert 0.29 <= time.monotonic() - start < 5
        assert blocked_clients(port) == 0


def test_pipeline_after_a_blocking_command_waits_for_it(any_server):
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as writer:
        waiter.send(encode("PING") + encode("BLPOP", "p", "0") + encode("ECHO", "after"))
        assert waiter.read_reply() == b"+PONG\r\n"  # answered before the wait
        wait_blocked(port, 1)
        writer.cmd("RPUSH", "p", "x")
        assert waiter.read_reply() == b"*2\r\n$1\r\np\r\n$1\r\nx\r\n"
        assert waiter.read_reply() == b"$5\r\nafter\r\n"


def test_a_client_that_left_takes_nothing(any_server):
    port = any_server.port
    waiter = Raw(port)
    waiter.send(encode("BLPOP", "gone", "0"))
    wait_blocked(port, 1)
    waiter.close()
    wait_blocked(port, 0)
    with Raw(port) as writer:
        writer.cmd("RPUSH", "gone", "kept")
        assert writer.cmd("LRANGE", "gone", "0", "-1") == b"*1\r\n$4\r\nkept\r\n"


def test_client_unblock_with_timeout_or_error(any_server):
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as admin:
        waiter_id = waiter.cmd("CLIENT", "ID").decode()[1:-2]
        waiter.send(encode("BZPOPMIN", "z", "0"))
        wait_blocked(port, 1)
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id) == b":1\r\n"
        assert waiter.read_reply() == b"*-1\r\n"
        waiter.send(encode("BLMOVE", "a", "b", "LEFT", "RIGHT", "0"))
        wait_blocked(port, 1)
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id, "ERROR") == b":1\r\n"
        assert waiter.read_reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id) == b":0\r\n"
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id, "FOO") == (
            b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n")


def test_client_unblock_ends_a_wait_for_replicas(any_server):
    """WAIT blocks like the other blocking commands: counted, flagged 'b', and ended by CLIENT
    UNBLOCK with the count acknowledged so far (TIMEOUT) or Redis's error (ERROR)."""
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as admin:
        waiter_id = waiter.cmd("CLIENT", "ID").decode()[1:-2]
        assert waiter.cmd("SET", "k", "v") == b"+OK\r\n"
        waiter.send(encode("WAIT", "1", "0"))  # no replica: it waits for ever
        wait_blocked(port, 1)
        info = parse_info(admin.cmd("INFO", "clients"))
        assert info["clients_in_timeout_table"] == "0"
        listed = admin.cmd("CLIENT", "LIST", "ID", waiter_id).decode()
        assert " flags=b " in listed and " cmd=wait " in listed
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id) == b":1\r\n"
        assert waiter.read_reply() == b":0\r\n"
        assert blocked_clients(port) == 0
        waiter.send(encode("WAIT", "1", "100000"))
        wait_blocked(port, 1)
        assert parse_info(admin.cmd("INFO", "clients"))["clients_in_timeout_table"] == "1"
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id, "ERROR") == b":1\r\n"
        assert waiter.read_reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        assert blocked_clients(port) == 0
        assert admin.cmd("CLIENT", "UNBLOCK", waiter_id) == b":0\r\n"
        assert waiter.cmd("PING") == b"+PONG\r\n"


def test_each_blocking_command_is_served(any_server):
    port = any_server.port
    cases = [
        (("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"), ("RPUSH", "src", "v"), b"$1\r\nv\r\n"),
        (("BRPOPLPUSH", "src", "dst", "0"), ("RPUSH", "src", "w"), b"$1\r\nw\r\n"),
        (("BLMPOP", "0", "2", "l1", "l2", "LEFT", "COUNT", "5"), ("RPUSH", "l2", "a", "b"),
         b"*2\r\n$2\r\nl2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (("BZPOPMAX", "z1", "z2", "0"), ("ZADD", "z2", "1", "a", "2", "b"),
         b"*3\r\n$2\r\nz2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        (("BZMPOP", "0", "1", "z3", "MIN", "COUNT", "2"), ("ZADD", "z3", "1", "a", "2", "b", "3", "c"),
         b"*2\r\n$2\r\nz3\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    ]
    with Raw(port) as waiter, Raw(port) as writer:
        for blocking, write, want in cases:
            waiter.send(encode(*blocking))
            wait_blocked(port, 1)
            writer.cmd(*write)
            assert waiter.read_reply() == want, blocking
        assert writer.cmd("LRANGE", "dst", "0", "-1") == b"*2\r\n$1\r\nw\r\n$1\r\nv\r\n"


def test_a_key_of_another_type_does_not_wake_and_errors_are_redis_errors(any_server):
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as writer:
        waiter.send(encode("BLPOP", "k", "0"))
        wait_blocked(port, 1)
        writer.cmd("SET", "k", "string")  # not a list: the client keeps waiting
        writer.cmd("DEL", "k")
        writer.cmd("RPUSH", "k", "x")
        assert waiter.read_reply() == b"*2\r\n$1\r\nk\r\n$1\r\nx\r\n"
        writer.cmd("SET", "s", "v")
        assert writer.cmd("BLPOP", "s", "0") == (
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        assert writer.cmd("BLPOP", "k", "-1") == b"-ERR timeout is negative\r\n"
        assert writer.cmd("BLPOP", "k", "x") == b"-ERR timeout is not a float or out of range\r\n"
        assert writer.cmd("BZMPOP", "0", "0", "k", "MIN") == (
            b"-ERR numkeys should be greater than 0\r\n")


def test_what_a_served_client_did_reaches_a_real_redis_replica(start_credis, start_redis):
    """The wait is the master's business: a replica gets LMOVE/LPOP/ZPOPMIN, never a blocking
    command it would have to wait in."""
    master = start_credis(["--save", ""])
    replica = start_redis(["--save", "", "--replicaof", "127.0.0.1", str(master.port)])
    with Raw(master.port) as waiter, Raw(master.port) as writer:
        for blocking, write in [(("BLMOVE", "a", "b", "LEFT", "RIGHT", "0"), ("RPUSH", "a", "1", "2")),
                                (("BLPOP", "c", "0"), ("RPUSH", "c", "3", "4")),
                                (("BZPOPMIN", "z", "0"), ("ZADD", "z", "1", "m", "2", "n"))]:
            waiter.send(encode(*blocking))
            wait_blocked(master.port, 1)
            writer.cmd(*write)
            waiter.read_reply()
        writer.cmd("SET", "marker", "done")
    with Raw(replica.port) as r:
        wait_until(lambda: r.cmd("GET", "marker") == b"$4\r\ndone\r\n", timeout=30,
                   what="the replica to catch up")
        assert r.cmd("LRANGE", "a", "0", "-1") == b"*1\r\n$1\r\n2\r\n"
        assert r.cmd("LRANGE", "b", "0", "-1") == b"*1\r\n$1\r\n1\r\n"
        assert r.cmd("LRANGE", "c", "0", "-1") == b"*1\r\n$1\r\n4\r\n"
        assert r.cmd("ZRANGE", "z", "0", "-1") == b"*1\r\n$1\r\nn\r\n"


def test_swapdb_wakes_a_client_waiting_in_either_database(any_server):
    port = any_server.port
    with Raw(port) as waiter, Raw(port) as admin:
        admin.cmd("SELECT", "1")
        admin.cmd("RPUSH", "k", "hello")
        waiter.cmd("SELECT", "9")
        waiter.send(encode("BRPOP", "k", "5"))
        wait_blocked(port, 1)
        assert admin.cmd("SWAPDB", "1", "9") == b"+OK\r\n"
        assert waiter.read_reply() == b"*2\r\n$1\r\nk\r\n$5\r\nhello\r\n"
        assert admin.cmd("EXISTS", "k") == b":0\r\n"  # db 1 now holds what db 9 held
        assert admin.cmd("SWAPDB", "1", "x") == b"-ERR invalid second DB index\r\n"
        assert admin.cmd("SWAPDB", "1", "16") == b"-ERR DB index is out of range\r\n"
