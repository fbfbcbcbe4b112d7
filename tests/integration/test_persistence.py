"""RDB persistence through the real binary: SAVE/BGSAVE/LASTSAVE/SHUTDOWN, save points, loading
at start-up, and interoperability with a real redis-server 7.0 in both directions."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis

from conftest import CREDIS, free_port, wait_until

REDIS_CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"


def fill_every_type(c):
    """Writes keys of every type with a real Redis client, both compact and plain encodings."""
    c.set("str", "hello")
    c.set("int", 12345)
    c.set("neg", -7)
    c.set("big", "x" * 5000)  # LZF-compressible
    c.set(b"bin\x00\r\nkey", b"\x00\x01\xff\r\n")
    c.set("ttl", "soon", px=3_600_000)
    c.rpush("list_small", "a", "b", "c", 1, 2)
    c.rpush("list_big", *[f"item-{i}" * 4 for i in range(1000)])
    c.sadd("set_ints", 1, 2, 3, 100000, -5)
    c.sadd("set_strs", "x", "y", "z")
    c.sadd("set_big", *[f"m{i}" for i in range(600)])
    c.hset("hash_small", mapping={"f1": "v1", "f2": "2"})
    c.hset("hash_big", mapping={f"field{i}": f"value{i}" * 10 for i in range(600)})
    c.zadd("zset_small", {"a": 1.5, "b": -2, "c": 3})
    c.zadd("zset_big", {f"m{i}": i / 7 for i in range(300)})
    c.zadd("zset_inf", {"lo": float("-inf"), "hi": float("inf")})
    c.select(3)
    c.set("in_db3", "three")
    c.select(0)


def fill(c, count, value_size):
    """Writes `count` string keys of `value_size` bytes in one pipeline."""
    pipe = c.pipeline(transaction=False)
    for i in range(count):
        pipe.set(f"key:{i}", "v" * value_size)
    pipe.execute()


def dump_everything(c):
    """Every key of every db with its type, value and TTL, read through real Redis commands."""
    out = {}
    for db in range(16):
        c.select(db)
        for key in c.keys("*"):
            t = c.type(key).decode()
            if t == "string":
                v = c.get(key)
            elif t == "list":
                v = c.lrange(key, 0, -1)
            elif t == "set":
                v = sorted(c.smembers(key))
            elif t == "hash":
                v = sorted(c.hgetall(key).items())
            elif t == "zset":
                v = c.zrange(key, 0, -1, withscores=True)
            ttl = c.pttl(key)
            out[(db, key)] = (t, v, ttl > 0)
    c.select(0)
    return out


def check_rdb(path):
    res = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "RDB looks OK" in res.stdout


def test_save_and_restart_keeps_strings_and_deadlines(start_credis, tmp_path):
    s = start_credis(["--save", ""], workdir=str(tmp_path))
    c = s.client()
    c.set("a", "1")
    c.set("b", "two", px=3_600_000)
    c.set(b"\x00bin", b"\r\n\x00")
    c.select(5)
    c.set("five", "5")
    assert c.save() is True
    assert s.stop() == 0
    s2 = start_credis(["--save", ""], workdir=str(tmp_path))
    c2 = s2.client()
    assert c2.get("a") == b"1"
    assert c2.get(b"\x00bin") == b"\r\n\x00"
    assert 3_500_000 < c2.pttl("b") <= 3_600_000
    assert c2.dbsize() == 3
    c2.select(5)
    assert c2.get("five") == b"5"


def test_real_redis_file_loads_and_our_save_loads_back_in_real_redis(start_credis, start_redis,
                                                                     tmp_path):
    """redis -> credis -> redis: every type survives both directions unchanged."""
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    real = start_redis(workdir=str(redis_dir))
    rc = real.client()
    fill_every_type(rc)
    expected = dump_everything(rc)
    rc.save()
    real.stop()

    ours = start_credis(["--save", ""], workdir=str(redis_dir))
    oc = ours.client()
    assert oc.dbsize() == sum(1 for db, _ in expected if db == 0)
    for (db, key), (t, v, has_ttl) in expected.items():
        oc.select(db)
        assert oc.type(key).decode() == t, key
        if t == "string":
            assert oc.get(key) == v
        assert (oc.pttl(key) > 0) == has_ttl, key
    oc.select(0)
    # Save under another name and load that file in a real redis-server.
    oc.config_set("dbfilename", "ours.rdb")
    assert oc.save() is True
    ours.stop()
    check_rdb(str(redis_dir / "ours.rdb"))
    back = start_redis(["--dbfilename", "ours.rdb"], workdir=str(redis_dir))
    assert dump_everything(back.client()) == expected


def test_bgsave_serves_clients_while_saving(start_credis, tmp_path):
    s = start_credis(["--save", ""], workdir=str(tmp_path))
    c = s.client()
    fill(c, 200_000, 32)
    before = c.lastsave()
    assert c.info("persistence")["rdb_changes_since_last_save"] == 200_000
    assert c.bgsave() is True
    # The parent keeps answering while the child writes.
    assert c.ping() is True
    assert c.set("during", "save") is True
    wait_until(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=30,
               what="background save to finish")
    info = c.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == 1  # the write made during the save
    assert c.lastsave() >= before
    s.stop()
    check_rdb(str(tmp_path / "dump.rdb"))


def test_second_bgsave_while_one_runs_is_refused(start_credis, tmp_path):
    s = start_credis(["--save", ""], workdir=str(tmp_path))
    c = s.client()
    fill(c, 300_000, 100)
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    sock.sendall(b"BGSAVE\r\nBGSAVE\r\nBGSAVE SCHEDULE\r\n")
    data = b""
    while data.count(b"\r\n") < 3:
        data += sock.recv(4096)
    sock.close()
    assert data == (b"+Background saving started\r\n"
                    b"-ERR Background save already in progress\r\n"
                    b"+Background saving scheduled\r\n")


def test_save_points_trigger_a_background_save(start_credis, tmp_path):
    s = start_credis(["--save", "1 1"], workdir=str(tmp_path))
    c = s.client()
    c.set("k", "v")
    wait_until(lambda: (tmp_path / "dump.rdb").exists(), timeout=10, what="save point")
    wait_until(lambda: c.info("persistence")["rdb_changes_since_last_save"] == 0, timeout=10,
               what="change counter reset")
    assert "Background saving started" in s.output()


def test_config_save_reports_the_flag(start_credis):
    s = start_credis(["--save", "900 1 300 10"])
    assert s.client().config_get("save") == {"save": "900 1 300 10"}


def test_shutdown_saves_when_save_points_are_set(start_credis, tmp_path):
    s = start_credis(["--save", "3600 1"], workdir=str(tmp_path))
    c = s.client()
    c.set("kept", "yes")
    c.shutdown()  # redis-py expects the connection to drop and returns None
    assert s.proc.wait(timeout=10) == 0
    s2 = start_credis(["--save", ""], workdir=str(tmp_path))
    assert s2.client().get("kept") == b"yes"


def test_shutdown_nosave_and_sigterm_without_save_points_do_not_save(start_credis, tmp_path):
    s = start_credis(["--save", "3600 1"], workdir=str(tmp_path))
    c = s.client()
    c.set("lost", "yes")
    c.shutdown(nosave=True)
    assert s.proc.wait(timeout=10) == 0
    assert not (tmp_path / "dump.rdb").exists()
    s2 = start_credis(["--save", ""], workdir=str(tmp_path))
    s2.client().set("x", "y")
    assert s2.stop() == 0
    assert not (tmp_path / "dump.rdb").exists()


@pytest.mark.parametrize("which", ["credis", "redis"])
def test_shutdown_force_exits_when_the_final_save_fails(start_credis, start_redis, tmp_path,
                                                       which):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    start = start_credis if which == "credis" else start_redis
    s = start(["--save", "3600 1"], workdir=str(data_dir))
    c = s.client()
    c.set("k", "v")
    shutil.rmtree(data_dir)  # the final save cannot open its temp file now
    with pytest.raises(redis.ResponseError, match="Errors trying to SHUTDOWN"):
        c.shutdown()
    assert c.ping()
    c.shutdown(force=True)
    assert s.proc.wait(timeout=10) == 0


def test_sigterm_saves_when_save_points_are_set(start_credis, tmp_path):
    s = start_credis(["--save", "3600 1"], workdir=str(tmp_path))
    s.client().set("kept", "by sigterm")
    assert s.stop(signal.SIGTERM) == 0
    s2 = start_credis(["--save", ""], workdir=str(tmp_path))
    assert s2.client().get("kept") == b"by sigterm"


def test_killed_background_save_leaves_the_old_file_intact(start_credis, tmp_path):
    s = start_credis(["--save", ""], workdir=str(tmp_path))
    c = s.client()
    c.set("old", "data")
    c.save()
    old_bytes = (tmp_path / "dump.rdb").read_bytes()
    fill(c, 300_000, 200)
    c.bgsave()
    m = wait_until(lambda: re.search(r"Background saving started by pid (\d+)", s.output()),
                   what="child pid in the log")
    os.kill(int(m.group(1)), signal.SIGKILL)
    wait_until(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=30,
               what="the killed save to be reaped")
    assert c.info("persistence")["rdb_last_bgsave_status"] == "err"
    assert (tmp_path / "dump.rdb").read_bytes() == old_bytes
    assert c.ping() is True


def test_expired_keys_in_the_file_are_not_loaded(start_credis, start_redis, tmp_path):
    real = start_redis(workdir=str(tmp_path))
    rc = real.client()
    rc.set("stays", "1")
    rc.set("goes", "2", px=300)
    rc.save()
    real.stop()
    # The behaviour under test is the clock passing the deadline, so wait on the clock.
    deadline = time.time() + 0.35
    wait_until(lambda: time.time() > deadline, what="deadline to pass")
    s = start_credis(["--save", ""], workdir=str(tmp_path))
    c = s.client()
    assert c.keys("*") == [b"stays"]
    assert "keys expired: 1" in s.output()


@pytest.mark.parametrize("damage", ["truncate", "checksum", "version"])
def test_corrupt_file_exits_with_status_1_and_names_the_offset(start_credis, tmp_path, damage):
    s = start_credis(["--save", ""], workdir=str(tmp_path))
    c = s.client()
    for i in range(100):
        c.set(f"key{i}", f"value{i}")
    c.save()
    s.stop()
    path = tmp_path / "dump.rdb"
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "checksum":
        data[-3] ^= 0xFF
    else:
        data[5:9] = b"0099"
    path.write_bytes(bytes(data))
    proc = subprocess.run([CREDIS, "--port", str(free_port()), "--dir", str(tmp_path), "--save", ""],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "offset" in proc.stdout + proc.stderr


def test_missing_dir_is_a_clear_error():
    proc = subprocess.run([CREDIS, "--dir", "/nonexistent/credis-dir"], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 1
    assert "/nonexistent/credis-dir" in proc.stdout + proc.stderr


def test_debug_reload_saves_flushes_and_loads_back_as_redis_does(start_credis, start_redis,
                                                                  tmp_path):
    """DEBUG RELOAD and its MERGE/NOFLUSH/NOSAVE options, side by side with redis-server: the
    same replies and the same data afterwards, every type and encoding kept."""
    servers = []
    for start, name in ((start_credis, "ours"), (start_redis, "redis")):
        d = tmp_path / name
        d.mkdir()
        servers.append(start(["--save", "", "--enable-debug-command", "yes"], workdir=str(d)))
    for s in servers:
        c = s.client()
        fill_every_type(c)
        before = dump_everything(c)
        encodings = {k: c.object("encoding", k) for k in c.keys("*")}
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        assert dump_everything(c) == before
        assert {k: c.object("encoding", k) for k in c.keys("*")} == encodings
        # NOSAVE: what changed since the last save is gone.
        c.set("after_save", "x")
        c.delete("str")
        assert c.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
        assert c.get("after_save") is None and c.get("str") == b"hello"
        # MERGE NOFLUSH: the file's keys replace ours, ours not in the file stay.
        c.set("only_in_memory", "kept")
        c.set("str", "changed")
        assert c.execute_command("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE") == b"OK"
        assert c.get("only_in_memory") == b"kept" and c.get("str") == b"hello"
        assert dump_everything(c)[(0, b"hash_big")] == before[(0, b"hash_big")]
        with pytest.raises(redis.ResponseError,
                           match="^DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE"):
            c.execute_command("DEBUG", "RELOAD", "FAST")


def test_debug_reload_of_a_corrupt_file_is_an_error_reply(start_credis, tmp_path):
    s = start_credis(["--save", "", "--enable-debug-command", "yes"], workdir=str(tmp_path))
    c = s.client()
    c.set("k", "v")
    assert c.save() is True
    path = tmp_path / "dump.rdb"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # the checksum no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(redis.ResponseError, match="Error trying to load the RDB dump"):
        c.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert c.ping() is True  # the server goes on (empty: the flush came first, as in Redis)
    assert c.dbsize() == 0
