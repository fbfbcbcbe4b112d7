"""requirepass, AUTH and HELLO AUTH, protected mode and masterauth, each compared with a real
redis-server where Redis has an answer."""
import socket

import pytest
import redis

from conftest import wait_until
from helpers import Raw, call, encode, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)

PASSWORD = "s3cret pass"

EXCHANGES = [
    ("GET", "k"), ("SET", "k", "v"), ("PING",), ("NOSUCH",), ("GET",),
    ("AUTH", "wrong"), ("AUTH", "a", "b", "c"), ("AUTH", "other", PASSWORD),
    ("AUTH", "DEFAULT", PASSWORD),  # user names are case-sensitive
    ("HELLO", "2"), ("HELLO", "x"), ("HELLO", "4"), ("HELLO", "2", "FOO"),
    ("HELLO", "2", "AUTH", "default", "wrong"),
    ("QUIT",),
]


def exchange(port, requests):
    out = []
    with Raw(port) as c:
        for req in requests:
            out.append(c.cmd(*req))
    return out


@pytest.fixture
def secured(start_credis, start_redis):
    ours = start_credis(["--requirepass", PASSWORD])
    theirs = start_redis(["--requirepass", PASSWORD])
    return ours, theirs


def test_unauthenticated_clients_get_redis_answers(secured):
    ours, theirs = secured
    for req in EXCHANGES:
        assert exchange(ours.port, [req]) == exchange(theirs.port, [req]), req


def test_reset_takes_back_the_authentication_as_redis(secured):
    """RESET returns a connection to the default user, which needs the password again."""
    requests = [("AUTH", PASSWORD), ("SET", "k", "v"), ("RESET",), ("GET", "k"),
                ("AUTH", PASSWORD), ("GET", "k")]
    ours, theirs = secured
    got = exchange(ours.port, requests)
    assert got == exchange(theirs.port, requests)
    assert got[3].startswith(b"-NOAUTH") and got[5] == b"$1\r\nv\r\n"


def test_auth_forms_unlock_the_connection_only(secured):
    ours, theirs = secured
    for s in secured:
        with Raw(s.port) as c, Raw(s.port) as other:
            assert c.cmd("AUTH", PASSWORD) == b"+OK\r\n"
            assert c.cmd("SET", "k", "v") == b"+OK\r\n"
            assert other.cmd("GET", "k").startswith(b"-NOAUTH")
            assert other.cmd("AUTH", "default", PASSWORD) == b"+OK\r\n"
            assert other.cmd("GET", "k") == b"$1\r\nv\r\n"
        with Raw(s.port) as c:
            reply = c.cmd("HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "me")
            assert reply.startswith(b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), reply
            assert c.cmd("CLIENT", "GETNAME") == b"$2\r\nme\r\n"
            assert c.cmd("GET", "k") == b"$1\r\nv\r\n"


def test_real_clients_authenticate(secured):
    ours, _ = secured
    r = redis.Redis(host="127.0.0.1", port=ours.port, password=PASSWORD, socket_timeout=10)
    assert r.set("a", "1") and r.get("a") == b"1"
    with pytest.raises(redis.RedisError, match="WRONGPASS"):
        redis.Redis(host="127.0.0.1", port=ours.port, password="nope", socket_timeout=10).ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=ours.port, socket_timeout=10).get("a")
    out = ours.cli("-a", PASSWORD, "--no-auth-warning", "GET", "a")
    assert out.strip() == "1"


def test_a_password_that_starts_with_a_dash(start_credis):
    """Only the first argument may be -h/-v, as in redis-server: "-v..." here is a value."""
    s = start_credis(["--requirepass", "-verysecret"])
    with Raw(s.port) as c:
        assert c.cmd("GET", "k").startswith(b"-NOAUTH")
        assert c.cmd("AUTH", "-verysecret") == b"+OK\r\n"


def test_no_password_configured(start_credis, start_redis):
    ours, theirs = start_credis(), start_redis()
    reqs = [("AUTH", "x"), ("AUTH", "default", "anything"), ("AUTH", "bob", "x"),
            ("HELLO", "2", "AUTH", "default", "x")]
    for req in reqs:
        a, b = exchange(ours.port, [req]), exchange(theirs.port, [req])
        if req[0] == "HELLO":  # the client ids differ
            a, b = [x.split(b"id")[0] for x in a], [x.split(b"id")[0] for x in b]
        assert a == b, req


def test_config_set_requirepass_applies_to_new_connections(server):
    with Raw(server.port) as admin:
        assert admin.cmd("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
        # A connection made before the password keeps its access, as in Redis.
        assert admin.cmd("PING") == b"+PONG\r\n"
        with Raw(server.port) as late:
            assert late.cmd("PING").startswith(b"-NOAUTH")
            assert late.cmd("AUTH", "pw") == b"+OK\r\n"
        assert admin.cmd("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
        with Raw(server.port) as later:
            assert later.cmd("PING") == b"+PONG\r\n"


def non_loopback_address():
    """An address of this machine other than loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent
            addr = s.getsockname()[0]
        return None if addr.startswith("127.") else addr
    except OSError:
        return None


def test_protected_mode_denies_other_hosts_like_redis(start_credis, start_redis):
    addr = non_loopback_address()
    if addr is None:
        pytest.skip("no non-loopback address on this machine")
    ours = start_credis(["--bind", "0.0.0.0"])
    theirs = start_redis(["--bind", "0.0.0.0"])
    replies = []
    for s in (ours, theirs):
        with socket.create_connection((addr, s.port), timeout=5) as c:
            c.sendall(encode("PING"))
            data = b""
            while not data.endswith(b"\r\n"):
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            try:  # closed after the message (reset: the PING was left unread)
                assert c.recv(16) == b""
            except ConnectionResetError:
                pass
        replies.append(data)
        with Raw(s.port) as local:  # loopback is served
            assert local.cmd("PING") == b"+PONG\r\n"
            info = parse_info(call(local, "INFO", "stats").decode())
            assert info["rejected_connections"] == "1"
    assert replies[0] == replies[1]
    assert replies[0].startswith(b"-DENIED Redis is running in protected mode")
    # A password, or protected-mode no, lets other hosts in.
    with Raw(ours.port) as local:
        assert local.cmd("CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"
    with socket.create_connection((addr, ours.port), timeout=5) as c:
        c.sendall(encode("PING"))
        assert c.recv(64) == b"+PONG\r\n"


def wait_value(client, key, value, timeout=30):
    def there():
        try:
            return client.get(key) == value
        except redis.BusyLoadingError:  # the replica is loading its master's snapshot
            return False
    wait_until(there, timeout=timeout, interval=0.05, what=f"{key} = {value!r} on the replica")


@pytest.mark.parametrize("master_kind", ["credis", "redis"])
@pytest.mark.parametrize("replica_kind", ["credis", "redis"])
def test_replica_authenticates_with_masterauth(start_credis, start_redis, master_kind,
                                                replica_kind):
    if master_kind == replica_kind == "redis":
        pytest.skip("both Redis: nothing of ours to test")
    start = {"credis": start_credis, "redis": start_redis}
    master = start[master_kind](["--requirepass", PASSWORD])
    m = master.client(password=PASSWORD)
    for i in range(100):
        m.set(f"k{i}", i)
    replica = start[replica_kind](["--replicaof", "127.0.0.1", str(master.port),
                                   "--masterauth", PASSWORD])
    r = replica.client()
    wait_value(r, "k99", b"99")
    m.set("after", "sync")  # and the stream
    wait_value(r, "after", b"sync")
    assert r.dbsize() == 101


def test_replica_with_a_wrong_masterauth_says_why_and_retries(start_credis):
    master = start_credis(["--requirepass", PASSWORD])
    replica = start_credis(["--replicaof", "127.0.0.1", str(master.port), "--masterauth", "bad"])
    wait_until(lambda: "Unable to AUTH to MASTER" in replica.output(), timeout=20,
               what="the replica's log line")
    r = replica.client()
    assert r.info("replication")["master_link_status"] == "down"
    # Corrected at run time: a later attempt gets through.
    assert r.config_set("masterauth", PASSWORD)
    master.client(password=PASSWORD).set("x", "1")
    wait_value(r, "x", b"1")
