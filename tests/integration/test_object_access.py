"""OBJECT IDLETIME and OBJECT FREQ against a real redis-server: the same stamps after RESTORE
IDLETIME/FREQ, reads that do or do not count as an access, and the IDLE/FREQ opcodes of RDB
files in both directions (Redis writes them under an LRU or LFU maxmemory-policy)."""
import pytest



def idle(client, key):
    return client.object("idletime", key)


def test_idle_time_as_redis(start_credis, start_redis):
    for server in (start_credis(["--save", ""]), start_redis()):
        c = server.client()
        c.set("src", "value")
        payload = c.dump("src")
        c.restore("k", 0, payload, idletime=500)
        # Reads that Redis makes without touching the key.
        c.type("k"), c.exists("k"), c.ttl("k"), c.object("encoding", "k")
        c.memory_usage("k")
        assert idle(c, "k") in (500, 501), server.proc.args[0]
        c.get("k")
        assert idle(c, "k") == 0
        c.restore("k2", 0, payload, idletime=500)
        c.append("k2", "x")  # a write is an access too
        assert idle(c, "k2") == 0
        c.restore("k3", 0, payload, idletime=500)
        c.touch("k3")
        assert idle(c, "k3") == 0
        assert c.object("idletime", "missing") is None


def test_freq_as_redis(start_credis, start_redis):
    for server in (start_credis(["--save", ""]), start_redis()):
        c = server.client()
        c.set("src", "value")
        payload = c.dump("src")
        try:
            c.object("freq", "src")
            raise AssertionError("OBJECT FREQ answered without an LFU policy")
        except Exception as e:
            assert "An LFU maxmemory policy is not selected" in str(e)
        c.config_set("maxmemory-policy", "allkeys-lfu")
        c.execute_command("RESTORE", "hot", 0, payload, "FREQ", 100)
        assert c.object("freq", "hot") == 100
        c.set("new", "v")
        assert c.object("freq", "new") == 5  # LFU_INIT_VAL
        c.config_set("lfu-log-factor", 0)
        for _ in range(10):
            c.get("new")
        assert c.object("freq", "new") == 15


@pytest.mark.parametrize("policy,option,value,read", [
    ("allkeys-lru", "IDLETIME", 5000, lambda c: idle(c, "k")),
    ("allkeys-lfu", "FREQ", 77, lambda c: c.object("freq", "k")),
])
def test_rdb_access_opcodes_both_ways(start_credis, start_redis, tmp_path, policy, option,
                                      value, read):
    theirs_dir, ours_dir = tmp_path / "theirs", tmp_path / "ours"
    theirs_dir.mkdir(), ours_dir.mkdir()
    theirs = start_redis(["--maxmemory-policy", policy], workdir=str(theirs_dir))
    r = theirs.client()
    r.set("src", "v")
    r.execute_command("RESTORE", "k", 0, r.dump("src"), option, value)
    r.save()
    theirs.stop()
    # A second may pass between the stamp and the reading.
    ours = start_credis(["--save", "", "--maxmemory-policy", policy], workdir=str(theirs_dir))
    c = ours.client()
    assert read(c) in (value, value + 1)
    # Our SAVE under that policy writes the opcode back, and redis-server reads it.
    c.config_set("dir", str(ours_dir))
    c.save()
    ours.stop()
    again = start_redis(["--maxmemory-policy", policy], workdir=str(ours_dir))
    assert read(again.client()) in (value, value + 1, value + 2)
