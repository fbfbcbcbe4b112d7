"""SCAN keeps Redis's promise while the keyspace grows and shrinks under it: every key present
for the whole iteration is returned, and the iteration ends. The scenario of the issue (the loop
behind redis-cli --scan and redis-py's scan_iter on a busy server), run against credis and a real
redis-server side by side, with redis-py."""
import random

import pytest
import redis

from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


@pytest.fixture(params=["credis", "redis"])
def client(request, start_credis, start_redis):
    s = (start_credis if request.param == "credis" else start_redis)([])
    c = redis.Redis(port=s.port, socket_timeout=30)
    yield c
    c.close()


def full_scan_under_churn(c, seed, count=100, writes=200, deletes=50, match=None, type_=None,
                          max_calls=20_000):
    """Scans while after every call `writes` new keys are written and `deletes` of the keys
    added meanwhile are deleted. Returns (keys returned, number of calls)."""
    rnd = random.Random(seed)
    added = []
    seen = set()
    cursor, calls, n = 0, 0, 0
    while True:
        cursor, keys = c.scan(cursor, match=match, count=count, _type=type_)
        seen.update(keys)
        calls += 1
        if cursor == 0:
            return seen, calls
        assert calls < max_calls, f"SCAN did not end in {max_calls} calls"
        pipe = c.pipeline(transaction=False)
        for _ in range(writes):
            k = f"new:{n}"
            n += 1
            added.append(k)
            pipe.set(k, "x")
        for _ in range(min(deletes, len(added))):
            pipe.delete(added.pop(rnd.randrange(len(added))))
        pipe.execute()


def load(c, keys, prefix="stable"):
    pipe = c.pipeline(transaction=False)
    for i in range(keys):
        pipe.set(f"{prefix}:{i}", i)
    pipe.execute()
    return {f"{prefix}:{i}".encode() for i in range(keys)}


def test_scan_under_churn_returns_every_key_and_ends(client):
    stable = load(client, 10_000)
    seen, calls = full_scan_under_churn(client, seed=1)
    missing = stable - seen
    assert not missing, f"{len(missing)} keys present throughout were never returned"
    # Bounded by the size of the table (Redis: 255 calls here); ours is of the same order.
    assert calls < 2_000, calls


def test_scan_while_the_keyspace_shrinks(client):
    """Most keys are deleted during the scan (the table shrinks): the rest all come back."""
    stable = load(client, 2_000)
    doomed = load(client, 60_000, prefix="doomed")
    seen, cursor, calls = set(), 0, 0
    batches = [sorted(doomed)[i::20] for i in range(20)]
    while True:
        cursor, keys = client.scan(cursor, count=50)
        seen.update(keys)
        calls += 1
        if batches:
            client.delete(*batches.pop())
        if cursor == 0:
            break
        assert calls < 20_000
    assert not stable - seen


def test_scan_match_count_and_type_keep_the_promise(client):
    stable = load(client, 5_000)
    pipe = client.pipeline(transaction=False)
    for i in range(3000):
        pipe.set(f"other:{i}", i)
    pipe.execute()
    want = {k for k in stable if k.endswith(b"7")}
    seen, _ = full_scan_under_churn(client, seed=2, count=37, match="stable:*7")
    assert want <= seen
    assert all(k.startswith(b"stable:") and k.endswith(b"7") for k in seen)
    seen, _ = full_scan_under_churn(client, seed=3, count=500, type_="string")
    assert stable <= seen
    seen, _ = full_scan_under_churn(client, seed=4, count=500, type_="list")
    assert seen == set()


def test_unchanged_keyspace_gives_each_key_once(client):
    stable = load(client, 20_000)
    got = []
    cursor = 0
    while True:
        cursor, keys = client.scan(cursor, count=1000)
        got += keys
        if cursor == 0:
            break
    assert len(got) == len(stable) and set(got) == stable


def test_each_process_hashes_under_its_own_key(start_credis):
    """Keys are hashed with SipHash under a key drawn at start-up (as Redis's dicts), so a client
    cannot compute keys that collide in the table of a server it has not seen: two servers
    holding the same keys visit them in different orders (a SCAN cursor is a hash value). With
    an unkeyed hash the orders were identical."""
    keys = [f"key:{i}" for i in range(200)]
    orders = []
    for _ in range(2):
        server = start_credis([])
        c = redis.Redis(port=server.port)
        c.mset({k: "v" for k in keys})
        cursor, batch = c.scan(0, count=1000)
        assert cursor == 0 and sorted(x.decode() for x in batch) == sorted(keys)
        orders.append(batch)
    assert orders[0] != orders[1]
