"""Failover with Redis's own redis-sentinel (Debian's): a master, two replicas and three
sentinels on one host, the master killed, and the time until the promoted replica takes writes.
Used by test_sentinel.py and by tests/bench/failover.py (which compares credis with
redis-server in every role).

No sleeps as synchronisation: everything that waits polls with wait_until.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import redis

from conftest import free_port, wait_until

REDIS_SENTINEL = shutil.which("redis-sentinel") or "/usr/bin/redis-sentinel"
MASTER_NAME = "mymaster"
DOWN_AFTER_MS = 1000


class Sentinel:
    """One redis-sentinel process with its own (writable: it rewrites it) config file."""

    def __init__(self, master_port):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="credis-sentinel-")
        self.conf = os.path.join(self.dir, "sentinel.conf")
        with open(self.conf, "w") as f:
            f.write(f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
                    f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2\n"
                    f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
                    f"sentinel failover-timeout {MASTER_NAME} 20000\n"
                    f"sentinel parallel-syncs {MASTER_NAME} 2\n")
        self.log_path = os.path.join(self.dir, "sentinel.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([REDIS_SENTINEL, self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_until(self._answers, timeout=20, what=f"sentinel on port {self.port}")
        except BaseException:
            self.stop()  # never handed to the caller, who could not stop it
            raise

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"sentinel exited: {self.output()}")
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5,
                           decode_responses=True)

    def call(self, *args):
        return self.client().execute_command("SENTINEL", *args)

    def master_port(self):
        addr = self.call("get-master-addr-by-name", MASTER_NAME)
        return int(addr[1])

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def as_dicts(reply):
    """SENTINEL REPLICAS/SENTINELS replies (lists of flat key/value lists) as dicts."""
    return [dict(zip(entry[::2], entry[1::2])) for entry in reply]


def discovered(sentinels, replica_ports):
    """Every sentinel sees the replicas (through the master's INFO) and the other sentinels
    (through the __sentinel__:hello channel)."""
    for s in sentinels:
        replicas = as_dicts(s.call("replicas", MASTER_NAME))
        seen = {int(r["port"]) for r in replicas if "s_down" not in r["flags"]}
        others = as_dicts(s.call("sentinels", MASTER_NAME))
        if seen != set(replica_ports) or len(others) != len(sentinels) - 1:
            return False
    return True


def role_of(port):
    try:
        return redis.Redis(port=port, socket_timeout=5, decode_responses=True).execute_command(
            "ROLE")
    except redis.ConnectionError:
        return None


def takes_writes(port):
    try:
        return redis.Redis(port=port, socket_timeout=5).set("after-failover", "1")
    except (redis.ConnectionError, redis.ResponseError):
        return False


def follows(port, master_port):
    """The server at `port` replicates from `master_port`, its link up."""
    role = role_of(port)
    return bool(role) and role[0] == "slave" and int(role[2]) == master_port and \
        role[3] == "connected"


def run_failover(start, keys=200):
    """Starts a master and two replicas with `start(replicaof=port_or_None)` (which returns a
    Server started with a config file), three sentinels, and fails the master over by killing
    it. Returns a dict of what happened, with the times measured."""
    master = start(None)
    replicas = [start(master.port), start(master.port)]
    sentinels = []
    try:
        m = master.client()
        wait_until(interval=0.05, predicate=lambda: len(m.execute_command("ROLE")[2]) == 2, timeout=30,
                   what="both replicas online")
        sentinels = [Sentinel(master.port) for _ in range(3)]
        t0 = time.monotonic()
        wait_until(interval=0.05, predicate=lambda: discovered(sentinels, [r.port for r in replicas]), timeout=60,
                   what="sentinels discovering the replicas and each other")
        discovery_s = time.monotonic() - t0
        pipe = m.pipeline(transaction=False)
        for i in range(keys):
            pipe.set(f"acked:{i}", i)
        pipe.execute()
        acked = m.execute_command("WAIT", 2, 5000)

        killed_at = time.monotonic()
        master.proc.send_signal(signal.SIGKILL)
        master.proc.wait()
        ports = {r.port: r for r in replicas}

        def promoted():
            port = sentinels[0].master_port()
            return port if port in ports and takes_writes(port) else None
        new_port = wait_until(interval=0.05, predicate=promoted, timeout=60, what="a promoted replica taking writes")
        failover_s = time.monotonic() - killed_at
        other = next(p for p in ports if p != new_port)
        wait_until(interval=0.05, predicate=lambda: follows(other, new_port), timeout=60,
                   what="the other replica following the new master")
        repointed_s = time.monotonic() - killed_at
        wait_until(interval=0.05, predicate=lambda: all(s.master_port() == new_port for s in sentinels), timeout=30,
                   what="every sentinel naming the new master")
        wait_until(interval=0.05, predicate=lambda: any("+switch-master" in s.output() for s in sentinels),
                   timeout=30, what="the failover's end (+switch-master)")
        new = redis.Redis(port=new_port, socket_timeout=5)
        missing = [i for i in range(keys) if new.get(f"acked:{i}") != str(i).encode()]
        # What clients see: redis-py's Sentinel finds and writes to the new master.
        finder = redis.sentinel.Sentinel([("127.0.0.1", s.port) for s in sentinels],
                                         socket_timeout=5)
        client = finder.master_for(MASTER_NAME, socket_timeout=5)
        client.set("through-sentinel", "yes")
        seen_by_replica = wait_until(interval=0.05, predicate=
            lambda: redis.Redis(port=other, socket_timeout=5).get("through-sentinel"),
            timeout=30, what="the write through redis-py's Sentinel reaching the replica")
        return {
            "acked": acked, "missing": missing, "new_master": new_port, "other": other,
            "discovery_s": discovery_s, "failover_s": failover_s, "repointed_s": repointed_s,
            "via_sentinel": seen_by_replica, "new_role": role_of(new_port),
            "sentinel_log": sentinels[0].output(),
        }
    finally:
        for s in sentinels:
            s.stop()
