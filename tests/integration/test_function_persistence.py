"""FUNCTION libraries kept with the dataset, as Redis 7.0.15 keeps them, between credis and a
real redis-server 7.0.15:

(a) credis's SAVE (and BGSAVE) carries the libraries over a restart; a library that no longer
    loads makes the start fail, as Redis's;
(b) an RDB file with libraries written by redis-server loads in credis, and the other way;
(c) FUNCTION DUMP from either server RESTOREs into the other, under each policy;
(d) a credis replica gets its master's libraries with the full sync and later FUNCTION LOADs
    through the stream, from a credis master and from a redis-server master (and a
    redis-server replica from a credis master).

No sleeps as synchronisation: everything that waits polls with wait_until."""
import pytest
import redis

from conftest import wait_until
from replication_support import (FakeMaster, _rdb_str, crc64, send_full_sync,
                                 serve_handshake, wait_synced)

LIB_A = "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)\n"
LIB_B = ("#!lua name=other\n"
         "redis.register_function{function_name='f2', callback=function(keys, args)\n"
         "  return redis.call('GET', keys[1]) end, flags={'no-writes'},\n"
         "  description='reads a key'}\n"
         "redis.register_function('f3', function() return 'three' end)")
# Long enough for LZF in the RDB (Redis compresses strings over 20 bytes when that saves room).
LIB_LONG = ("#!lua name=long\n" + "-- " + "padding " * 200 + "\n"
            "redis.register_function('f4', function() return 4 end)")
# Takes LIB_A's function name under another library name.
LIB_CLASH = "#!lua name=clash\nredis.register_function('f1', function() return 99 end)"


def listing(client, code=True):
    """FUNCTION LIST [WITHCODE] as plain data, in a fixed order (Redis lists its libraries and
    functions in its hash tables' order)."""
    args = ["FUNCTION", "LIST"] + (["WITHCODE"] if code else [])
    libs = []
    for lib in client.execute_command(*args):
        d = dict(zip(lib[::2], lib[1::2]))
        funcs = []
        for f in d[b"functions"]:
            fd = dict(zip(f[::2], f[1::2]))
            fd[b"flags"] = sorted(fd[b"flags"])
            funcs.append(fd)
        d[b"functions"] = sorted(funcs, key=lambda f: f[b"name"])
        libs.append(d)
    return sorted(libs, key=lambda d: d[b"library_name"])


def load_libraries(client, *codes):
    for code in codes:
        client.execute_command("FUNCTION", "LOAD", code)


def check_calls(client):
    client.set("k", "v")
    assert client.execute_command("FCALL", "f1", 0) == 1
    assert client.execute_command("FCALL_RO", "f2", 1, "k") == b"v"
    assert client.execute_command("FCALL", "f3", 0) == b"three"


def stop_and_wait(server):
    assert server.stop() == 0, server.output()[-2000:]


# --- (a) credis's own files -------------------------------------------------------------------

def test_save_and_restart_keeps_the_libraries(start_credis, tmp_path):
    ours = start_credis(["--save", ""], workdir=str(tmp_path))
    c = ours.client()
    load_libraries(c, LIB_A, LIB_B, LIB_LONG)
    want = listing(c)
    assert c.save()
    stop_and_wait(ours)

    again = start_credis(["--save", ""], workdir=str(tmp_path))
    c = again.client()
    assert listing(c) == want
    check_calls(c)
    assert c.execute_command("FCALL", "f4", 0) == 4


def test_bgsave_and_debug_reload_keep_the_libraries(start_credis, tmp_path):
    ours = start_credis(["--save", "", "--enable-debug-command", "yes"], workdir=str(tmp_path))
    c = ours.client()
    load_libraries(c, LIB_A, LIB_B)
    want = listing(c)
    c.bgsave()

    def saved():
        p = c.info("persistence")
        return p["rdb_bgsave_in_progress"] == 0 and p["rdb_changes_since_last_save"] == 0
    wait_until(saved, timeout=20, what="the BGSAVE to end")
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    # DEBUG RELOAD saves again, empties the libraries with the keys and loads the file back.
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert listing(c) == want
    stop_and_wait(ours)

    again = start_credis(["--save", ""], workdir=str(tmp_path))
    assert listing(again.client()) == want


@pytest.mark.parametrize("how", ["SIGTERM", "SHUTDOWN SAVE"])
def test_the_shutdown_save_keeps_the_libraries(start_credis, tmp_path, how):
    ours = start_credis(["--save", "3600 1"], workdir=str(tmp_path))
    c = ours.client()
    load_libraries(c, LIB_A, LIB_B)
    want = listing(c)
    if how == "SIGTERM":
        stop_and_wait(ours)
    else:
        c.shutdown(save=True)  # (redis-py takes the closed connection as success)
        assert ours.proc.wait(timeout=20) == 0
    again = start_credis(["--save", ""], workdir=str(tmp_path))
    assert listing(again.client()) == want


def test_a_library_that_does_not_load_stops_the_start(start_credis, tmp_path):
    body = b"REDIS0010" + b"\xfa" + _rdb_str("redis-ver") + _rdb_str("7.0.15")
    body += b"\xf5" + _rdb_str("#!lua name=broken\nthis is not lua")
    body += b"\xff"
    (tmp_path / "dump.rdb").write_bytes(body + crc64(body).to_bytes(8, "little"))
    ours = start_credis(["--save", ""], workdir=str(tmp_path), wait_ready=False)
    try:
        assert ours.proc.wait(timeout=20) == 1
    finally:
        if ours.alive():
            ours.proc.kill()
    assert "Failed loading library" in ours.output()


def test_release_candidate_record_loads(start_credis, tmp_path):
    """7.0 RC1/RC2 wrote name, engine, description and the code without its shebang line."""
    body = b"REDIS0010" + b"\xfa" + _rdb_str("redis-ver") + _rdb_str("7.0.0")
    body += (b"\xf6" + _rdb_str("oldlib") + _rdb_str("LUA") + b"\x01" + _rdb_str("old one")
             + _rdb_str("redis.register_function('old', function() return 7 end)"))
    body += b"\xff"
    (tmp_path / "dump.rdb").write_bytes(body + crc64(body).to_bytes(8, "little"))
    c = start_credis(["--save", ""], workdir=str(tmp_path)).client()
    assert c.execute_command("FCALL", "old", 0) == 7
    code = listing(c)[0][b"library_code"]
    assert code == b"#!LUA name=oldlib\nredis.register_function('old', function() return 7 end)"


# --- (b) files between the servers ------------------------------------------------------------

def test_redis_file_with_functions_loads_in_credis(start_credis, start_redis, tmp_path):
    real = start_redis([], workdir=str(tmp_path))
    r = real.client()
    load_libraries(r, LIB_A, LIB_B, LIB_LONG)
    r.set("k", "v")
    want = listing(r)
    assert r.save()
    real.stop()

    ours = start_credis(["--save", ""], workdir=str(tmp_path))
    c = ours.client()
    assert listing(c) == want
    check_calls(c)


def test_credis_file_with_functions_loads_in_redis(start_credis, start_redis, tmp_path):
    ours = start_credis(["--save", ""], workdir=str(tmp_path))
    c = ours.client()
    load_libraries(c, LIB_A, LIB_B, LIB_LONG)
    c.set("k", "v")
    want = listing(c)
    assert c.save()
    stop_and_wait(ours)

    real = start_redis([], workdir=str(tmp_path))
    r = real.client()
    assert listing(r) == want
    check_calls(r)


# --- (c) FUNCTION DUMP / RESTORE between the servers -----------------------------------------

@pytest.mark.parametrize("direction", ["redis->credis", "credis->redis"])
def test_dump_restores_on_the_other_server(start_credis, start_redis, direction):
    ours = start_credis(["--save", ""]).client()
    theirs = start_redis([]).client()
    source, target = (theirs, ours) if direction == "redis->credis" else (ours, theirs)
    load_libraries(source, LIB_A, LIB_B)
    payload = source.function_dump()
    want = listing(source)

    # APPEND (the default) into an empty set, then again: the names are taken.
    assert target.execute_command("FUNCTION", "RESTORE", payload) == b"OK"
    assert listing(target) == want
    with pytest.raises(redis.ResponseError, match="^Library (mylib|other) already exists$"):
        target.execute_command("FUNCTION", "RESTORE", payload, "APPEND")
    # REPLACE keeps a library the payload does not have.
    load_libraries(target, LIB_LONG)
    assert target.execute_command("FUNCTION", "RESTORE", payload, "REPLACE") == b"OK"
    assert [l[b"library_name"] for l in listing(target)] == [b"long", b"mylib", b"other"]
    # FLUSH leaves the payload's libraries only.
    assert target.execute_command("FUNCTION", "RESTORE", payload, "FLUSH") == b"OK"
    assert listing(target) == want
    check_calls(target)
    # A function name that a staying library holds fails the restore and changes nothing.
    target.function_flush()
    load_libraries(target, LIB_CLASH)
    for policy in ("APPEND", "REPLACE"):
        with pytest.raises(redis.ResponseError, match="^Function f1 already exists$"):
            target.execute_command("FUNCTION", "RESTORE", payload, policy)
    assert [l[b"library_name"] for l in listing(target)] == [b"clash"]


def test_dump_bytes_and_errors_match_redis(start_credis, start_redis):
    ours = start_credis(["--save", ""]).client()
    theirs = start_redis([]).client()
    for c in (ours, theirs):
        load_libraries(c, LIB_A)
    assert ours.function_dump() == theirs.function_dump()
    payload = theirs.function_dump()
    bad = bytearray(payload)
    bad[3] ^= 1
    ours.set("k", "v")
    theirs.set("k", "v")
    cases = [("FUNCTION", "RESTORE", payload, "APPEND", "x"),
             ("FUNCTION", "RESTORE", payload, "SOMETIMES"),
             ("FUNCTION", "RESTORE", bytes(bad)),
             ("FUNCTION", "RESTORE", b"short"),
             ("FUNCTION", "RESTORE", theirs.dump("k")),
             ("FUNCTION", "RESTORE", payload)]
    for args in cases:
        replies = []
        for c in (ours, theirs):
            try:
                replies.append(c.execute_command(*args))
            except redis.ResponseError as e:
                replies.append(str(e))
        assert replies[0] == replies[1], args


# --- (d) replication --------------------------------------------------------------------------

@pytest.mark.parametrize("master_kind,replica_kind",
                         [("credis", "credis"), ("redis", "credis"), ("credis", "redis")])
def test_replica_gets_the_masters_libraries(servers, master_kind, replica_kind):
    master = servers.start(master_kind)
    m = master.client()
    load_libraries(m, LIB_A, LIB_B)
    m.set("k", "v")
    replica = servers.start(replica_kind)
    rc = replica.client()
    # Libraries of its own are replaced by the master's at the full sync, as Redis's.
    load_libraries(rc, LIB_CLASH)
    rc.replicaof("127.0.0.1", master.port)
    wait_synced(master, replica)
    assert listing(rc) == listing(m)
    assert rc.execute_command("FCALL_RO", "f2", 1, "k") == b"v"

    # Later changes come through the stream.
    load_libraries(m, LIB_LONG)
    m.execute_command("FUNCTION", "DELETE", "mylib")
    wait_synced(master, replica)
    assert listing(rc) == listing(m)
    # Only a no-writes function runs on a read-only replica. (Redis refuses the others with
    # the READONLY of any write command; credis, still, with scriptPrepareForRun's text.)
    with pytest.raises(redis.ReadOnlyError):
        rc.execute_command("FCALL", "f4", 0)
    payload = m.function_dump()
    m.execute_command("FUNCTION", "RESTORE", payload, "FLUSH")
    m.function_flush()
    m.execute_command("FUNCTION", "RESTORE", payload)
    wait_synced(master, replica)
    assert listing(rc) == listing(m)


def test_a_full_sync_whose_library_does_not_load_changes_nothing(servers):
    """Redis's replica fails such a sync; credis keeps its data and libraries and retries."""
    fake = FakeMaster()
    try:
        replica = servers.start("credis")
        rc = replica.client()
        load_libraries(rc, LIB_A)
        rc.set("old", "1")
        want = listing(rc)
        rc.replicaof("127.0.0.1", fake.port)
        link = fake.accept()
        serve_handshake(link)
        body = b"REDIS0010" + b"\xfa" + _rdb_str("redis-ver") + _rdb_str("7.0.15")
        body += b"\xf5" + _rdb_str("#!lua name=broken\nthis is not lua")
        body += b"\xfe\x00\xfb\x01\x00\x00" + _rdb_str("new") + _rdb_str("2") + b"\xff"
        send_full_sync(link, body + crc64(body).to_bytes(8, "little"))
        fake.accept(what="the replica to retry after the refused snapshot")
        wait_until(lambda: "Failed loading library" in replica.output(), timeout=20,
                   what="the replica to log the library")
        assert listing(rc) == want
        assert rc.get("old") == b"1" and rc.get("new") is None
    finally:
        fake.close()
