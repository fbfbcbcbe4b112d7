"""High availability with Redis's own redis-sentinel: three sentinels discover our master's two
replicas and each other, and when the master is killed they promote a replica (their MULTI /
REPLICAOF NO ONE / CONFIG REWRITE / CLIENT KILL / EXEC), repoint the other, and clients that ask
the sentinels (redis-py's Sentinel) reach the new master, with every write WAIT acknowledged.
The same run with redis-server in every role is the reference (tests/bench/failover.py times
both)."""
import os

import pytest

from conftest import REDIS_SERVER
from sentinel_support import REDIS_SENTINEL, run_failover

pytestmark = pytest.mark.skipif(not os.path.exists(REDIS_SENTINEL),
                                reason="redis-sentinel is not installed")


def starter(factory, tmp_path):
    """start(replicaof) for run_failover: a server started with a config file, which CONFIG
    REWRITE rewrites when the sentinels promote or repoint it."""
    count = [0]

    def start(replicaof):
        count[0] += 1
        d = tmp_path / f"node{count[0]}"
        d.mkdir()
        conf = d / "redis.conf"
        conf.write_text("# written by test_sentinel\nappendonly no\nsave \"\"\n" +
                        (f"replicaof 127.0.0.1 {replicaof}\n" if replicaof else ""))
        return factory([], workdir=str(d), config_file=str(conf))
    return start


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_sentinel_failover(kind, start_credis, start_redis, tmp_path):
    factory = start_credis if kind == "credis" else start_redis
    result = run_failover(starter(factory, tmp_path))
    print(f"{kind}: discovery {result['discovery_s']:.2f} s, kill to writes on the new master "
          f"{result['failover_s']:.2f} s, other replica repointed {result['repointed_s']:.2f} s")
    assert result["acked"] == 2
    assert result["missing"] == [], "writes acknowledged by WAIT before the kill were lost"
    assert result["new_role"][0] == "master"
    assert result["via_sentinel"] == b"yes"
    # CONFIG REWRITE kept the promoted server's file true: no replicaof line any more.
    node_confs = sorted(tmp_path.glob("node*/redis.conf"))
    texts = {p: p.read_text() for p in node_confs}
    promoted = [t for t in texts.values() if f"port {result['new_master']}" in t]
    assert len(promoted) == 1, texts
    assert "replicaof" not in promoted[0].lower(), promoted[0]
    assert "# written by test_sentinel" in promoted[0]
