"""DUMP and RESTORE between credis and a real redis-server 7.0, both ways, through redis-py."""
import pytest

from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def fill(c):
    """Keys of the types both servers have, in compact and plain encodings."""
    c.set("str", "hello")
    c.set("int", "12345")
    c.set("long", "x" * 5000)
    c.rpush("list", *[f"e{i}" for i in range(300)])
    c.rpush("small_list", "a", "b")
    c.sadd("intset", 1, 2, 3)
    c.sadd("set", "a", "b", "c" * 100)
    c.hset("hash", mapping={"a": "1", "b": "2"})
    c.hset("big_hash", mapping={f"f{i}": "v" * 70 for i in range(5)})
    c.zadd("zset", {"a": 1.5, "b": -2, "c": 3})
    c.zadd("big_zset", {f"m{i}": i / 7 for i in range(300)})


READ = {b"string": lambda c, k: c.get(k),
        b"list": lambda c, k: c.lrange(k, 0, -1),
        b"set": lambda c, k: sorted(c.smembers(k)),
        b"hash": lambda c, k: sorted(c.hgetall(k).items()),
        b"zset": lambda c, k: c.zrange(k, 0, -1, withscores=True)}


def test_values_move_both_ways_between_credis_and_redis(start_credis, start_redis):
    ours = start_credis(["--save", ""]).client()
    theirs = start_redis().client()
    fill(ours)
    fill(theirs)
    for key in ["str", "int", "long", "list", "small_list", "intset", "set", "hash", "big_hash",
                "zset", "big_zset"]:
        kind = ours.type(key)
        ours.restore(key + ":from-redis", 0, theirs.dump(key))
        theirs.restore(key + ":from-credis", 0, ours.dump(key))
        want = READ[kind](theirs, key)
        assert READ[kind](ours, key) == want
        assert READ[kind](ours, key + ":from-redis") == want, key
        assert READ[kind](theirs, key + ":from-credis") == want, key
        if kind in (b"string", b"list") or key in ("intset", "hash", "zset"):
            assert ours.dump(key) == theirs.dump(key), key  # the same bytes, footer included


def test_restore_errors_are_redis_errors(start_credis, start_redis):
    ours = start_credis(["--save", ""]).client()
    theirs = start_redis().client()
    for c in (ours, theirs):
        c.set("s", "v")
    payload = theirs.dump("s")
    cases = [("s", 0, payload), ("x", -1, payload), ("x", 0, b"garbage0123456789"),
             ("x", 0, payload, "FOO"), ("x", 0, payload, "FREQ", "300"),
             ("x", 0, payload[:-1] + bytes([payload[-1] ^ 1]))]
    for args in cases:
        got = []
        for c in (ours, theirs):
            with pytest.raises(Exception) as e:
                c.execute_command("RESTORE", *args)
            got.append(str(e.value))
        assert got[0] == got[1], args
