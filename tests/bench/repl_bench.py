#!/usr/bin/python3
"""Replication, credis vs redis-server 7.0: a credis master with credis replicas against a redis
master with redis replicas, every server started here on a free loopback port (persistence off,
masters with --repl-diskless-sync-delay 0, replicas with --replicaof "127.0.0.1 <port>") and
stopped afterwards. A replica counts as attached once the master's INFO replication shows it
state=online and it has applied a write (its slave_repl_offset reached the master's).

Sections (run all, or pick with --only):
  throughput  master SET ops/s with 0, 1 and 2 replicas attached: redis-benchmark -t set -c 50
              -n N -r 100000 at -P 1 and -P 16 (-P 16 runs get 8x N so both last about as
              long) against the master, which holds all 100,000 of redis-benchmark's keys before
              the replicas start, so every run overwrites keys instead of the first one growing
              the keyspace; per round and replica count a fresh credis and a fresh redis
              topology, measured in A B B A order (A and the -P order alternate between rounds,
              the replica-count order rotates); medians
  sync        full sync of K keys: the master is MSET-loaded, then a replica is started with
              --replicaof; time from the replica's process start until its DBSIZE equals the
              master's (polled every 10 ms); the master's default repl-diskless-sync is kept and
              reported; a new replica per round against the same master; medians
  tlssync     the same over TLS: masters with a tls-port, replicas with --tls-replication yes
              (certificates from tests/fixtures/tls)
  apply       one replica attached (keys preloaded as above); redis-benchmark -t set -c 50
              -P 16 -n M -r 100000 on the master while a sampler thread reads INFO replication
              of master and replica every 20 ms (both requests sent before either reply is
              read): lag bytes = master's master_repl_offset - replica's slave_repl_offset; max
              and mean lag over the run; then catch-up = ms from redis-benchmark's exit until
              the sending of the first offset poll (back to back) that finds the replica at the
              master's offset, and the replica's DBSIZE must equal the master's; medians
A replica not attached (sync: without every key, apply: not caught up) within --timeout seconds
fails its section with the reason; the other sections still run, and the exit status is 1.
Prints one markdown table at the end (and writes it to --out FILE); ratio is ours/redis in every
row, so for times and lag lower is better.
"""
import argparse
import os
import statistics
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from common import (CREDIS, REDIS_SERVER, Conn, RespError, Server, check_binaries, dbsize, encode,
                    free_port, log, mset_load, parse_only, run_sections)
from bench import Row, redis_benchmark

BINARIES = {"ours": CREDIS, "redis": REDIS_SERVER}
PIPELINES = [1, 16]
P16_SCALE = 8  # -P 16 runs get 8x the requests of -P 1 runs, so both last about as long
CATCHUP_FLOOR_MS = 1.0  # catch-up at or under this is within the poll's resolution: met
REPLICA_COUNTS = [0, 1, 2]
SECTIONS = ["throughput", "sync", "tlssync", "apply"]
KEYSPACE = 100000  # redis-benchmark -r
BENCH_TIMEOUT = 300  # seconds one redis-benchmark run may take (a stuck master fails, not hangs)


# ---------------------------------------------------------------- INFO replication

def parse_info(reply):
    """INFO's bulk string as {field: value} (section headers and blank lines skipped)."""
    if isinstance(reply, RespError):
        raise reply
    fields = {}
    for line in reply.decode(errors="replace").splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v.strip()
    return fields


def info(port, section="replication"):
    """INFO <section> as a dict, or None if the server does not accept connections."""
    try:
        c = Conn(port, timeout=5)
        try:
            return parse_info(c.pipeline(encode("INFO", section), 1)[0])
        finally:
            c.close()
    except OSError:
        return None


def online_replicas(fields):
    """How many slaveN entries of a master's INFO replication say state=online."""
    n = 0
    for k, v in fields.items():
        if k.startswith("slave") and k[5:].isdigit():
            attrs = dict(kv.split("=", 1) for kv in v.split(",") if "=" in kv)
            n += attrs.get("state") == "online"
    return n


def replica_offset(fields):
    """A replica's processed replication offset: slave_repl_offset, else master_repl_offset."""
    value = fields.get("slave_repl_offset", fields.get("master_repl_offset"))
    if value is None:
        raise RuntimeError(f"replica INFO replication has no slave_repl_offset/master_repl_offset "
                           f"(fields: {', '.join(sorted(fields))[:200]})")
    return int(value)


def master_offset(fields):
    if "master_repl_offset" not in fields:
        raise RuntimeError(f"master INFO replication has no master_repl_offset "
                           f"(fields: {', '.join(sorted(fields))[:200]})")
    return int(fields["master_repl_offset"])


def replica_state(srv):
    """One line on where a replica is, for failure messages."""
    try:
        srv.check_alive()
    except RuntimeError as e:
        return str(e)
    fields = info(srv.port)
    if fields is None:
        return f"{srv.name} (port {srv.port}) refuses connections; log: {srv.log_tail(2)}"
    keys = ("role", "master_link_status", "master_sync_in_progress", "slave_repl_offset")
    return (f"{srv.name} (port {srv.port}): " +
            ", ".join(f"{k}={fields[k]}" for k in keys if k in fields) +
            f"; log: {srv.log_tail(2)}")


class OffsetProbe:
    """Two kept-open connections reading master and replica offsets with the two INFO requests
    sent before either reply is read, so both describe (nearly) the same instant."""

    REQUEST = encode("INFO", "replication")

    def __init__(self, master, replica):
        self.m, self.r = Conn(master.port, timeout=10), Conn(replica.port, timeout=10)

    def read(self):
        self.sent = time.monotonic()
        self.m.sock.sendall(self.REQUEST)
        self.r.sock.sendall(self.REQUEST)
        mf, rf = parse_info(self.m.read_reply()), parse_info(self.r.read_reply())
        return master_offset(mf), replica_offset(rf)

    def close(self):
        self.m.close()
        self.r.close()


# ---------------------------------------------------------------- topology

CERTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "tls")


def tls_args(port):
    """A tls-port and the test certificates (tests/fixtures/tls)."""
    return ["--tls-port", str(port), "--tls-cert-file", os.path.join(CERTS, "server.crt"),
            "--tls-key-file", os.path.join(CERTS, "server.key"),
            "--tls-ca-cert-file", os.path.join(CERTS, "ca.crt")]


def start_master(name, tls=False):
    tls_port = free_port() if tls else None
    m = Server(f"{name}-master", BINARIES[name],
               ["--repl-diskless-sync-delay", "0"] + (tls_args(tls_port) if tls else []))
    m.repl_port = tls_port or m.port  # where its replicas connect
    return m


def start_replica(name, master, i=1, wait=True, tls=False):
    extra = tls_args(free_port()) + ["--tls-replication", "yes"] if tls else []
    return Server(f"{name}-replica{i}", BINARIES[name],
                  ["--replicaof", f"127.0.0.1 {master.repl_port}"] + extra, wait=wait)


def wait_online(master, replicas, timeout):
    """Waits until the master's INFO replication shows connected_slaves >= len(replicas) and
    that many slaveN entries with state=online; returns the seconds it took. Raises with where
    each replica is if that does not happen within `timeout` seconds."""
    t0 = time.monotonic()
    want = len(replicas)
    while True:
        master.check_alive()
        for r in replicas:
            r.check_alive()
        fields = info(master.port) or {}
        try:
            connected = int(fields.get("connected_slaves", "0"))
        except ValueError:
            connected = 0
        if connected >= want and online_replicas(fields) >= want:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(
                f"{master.name.split('-')[0]}: {want} replica(s) not online after {timeout:g}s "
                f"(master port {master.port}: connected_slaves={fields.get('connected_slaves')}, "
                f"online={online_replicas(fields)}); " + "; ".join(replica_state(r) for r in replicas))
        time.sleep(0.01)


def wait_streaming(master, replicas, timeout):
    """Writes one key on the master and waits until every replica's offset reaches the master's
    offset after that write: the command stream flows. (redis 7.0 shows a replica online after a
    diskless sync but holds the stream back until the replica's first REPLCONF ACK, up to ~1 s
    later; a benchmark started before that would measure the master without replicas.)"""
    c = Conn(master.port, timeout=10)
    try:
        c.call("SET", "repl-bench:stream-check", "1")
        target = master_offset(parse_info(c.call("INFO", "replication")))
    finally:
        c.close()
    t0 = time.monotonic()
    for r in replicas:
        while True:
            r.check_alive()
            fields = info(r.port) or {}
            if fields and replica_offset(fields) >= target:
                break
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"{r.name}: online but its offset did not reach the master's "
                                   f"{target} within {timeout:g}s after a write; {replica_state(r)}")
            time.sleep(0.002)
    return time.monotonic() - t0


def preload_benchmark_keys(port, keyspace=KEYSPACE, batch=1000):
    """SETs every key redis-benchmark -t set -r <keyspace> writes (key:<12 digits> -> "xxx"), so
    every measured run overwrites existing keys: otherwise the first run on a fresh server also
    pays for growing the keyspace and is slower than the ones after it."""
    c = Conn(port, timeout=60)
    try:
        for i in range(0, keyspace, batch):
            args = [b"MSET"]
            for k in range(i, min(keyspace, i + batch)):
                args += [b"key:%012d" % k, b"xxx"]
            c.expect_ok(encode(*args), 1)
    finally:
        c.close()


def start_topology(name, replicas, timeout):
    """A master holding redis-benchmark's keyspace and `replicas` replicas of it, all online and
    applying the master's writes. Returns (master, [replicas])."""
    master = start_master(name)
    reps = []
    try:
        preload_benchmark_keys(master.port)
        reps = [start_replica(name, master, i + 1) for i in range(replicas)]
        if reps:
            wait_online(master, reps, timeout)
            wait_streaming(master, reps, timeout)
        return master, reps
    except BaseException:
        for s in reps + [master]:
            s.stop()
        raise


def stop_topology(master, reps):
    for s in reps + [master]:
        s.stop()


def config_get(port, name):
    """CONFIG GET <name>'s value, or 'unknown' if the server does not say."""
    try:
        c = Conn(port, timeout=5)
        try:
            reply = c.pipeline(encode("CONFIG", "GET", name), 1)[0]
        finally:
            c.close()
    except OSError:
        return "unknown"
    if isinstance(reply, list) and len(reply) >= 2 and isinstance(reply[1], bytes):
        return reply[1].decode()
    return "unknown"


# ---------------------------------------------------------------- throughput

def measure_throughput(opts):
    """Median master SET ops/s per (replica count, pipeline). Per round and replica count both
    topologies are started, then measured in A B B A order (-P 1 then -P 16, or the reverse),
    A and the pipeline order alternating between rounds."""
    runs = {}  # (replicas, pipeline, name) -> [rps]
    for rnd in range(opts.rounds):
        counts = REPLICA_COUNTS[rnd % 3:] + REPLICA_COUNTS[:rnd % 3]
        for i, nrep in enumerate(counts):
            order = ["ours", "redis"] if (rnd + i) % 2 == 0 else ["redis", "ours"]
            pipes = PIPELINES if rnd % 2 == 0 else PIPELINES[::-1]
            topo = {}
            try:
                for name in order:
                    topo[name] = start_topology(name, nrep, opts.timeout)
                for j, p in enumerate(pipes):
                    for name in (order if j % 2 == 0 else order[::-1]):
                        master = topo[name][0]
                        n = opts.requests * (P16_SCALE if p == 16 else 1)
                        result, wall = redis_benchmark(master.port, "set", n, 50, p, KEYSPACE,
                                                       BENCH_TIMEOUT)
                        rps = result["SET"]["rps"]
                        runs.setdefault((nrep, p, name), []).append(rps)
                        master.check_alive()
                        still = online_replicas(info(master.port) or {})
                        warn = (f"  WARNING: only {still} of {nrep} replicas online afterwards"
                                if still < nrep else "")
                        log(f"  round {rnd + 1} {nrep} replica(s) -P {p:2} {name:5} "
                            f"SET {rps:,.0f}/s p99={result['SET']['p99']}ms wall={wall:.1f}s{warn}")
            finally:
                for master, reps in topo.values():
                    stop_topology(master, reps)
    rows = []
    for nrep in REPLICA_COUNTS:
        for p in PIPELINES:
            med = {n: statistics.median(runs[(nrep, p, n)]) for n in ("ours", "redis")}
            n = opts.requests * (P16_SCALE if p == 16 else 1)
            rows.append(Row(f"master SET ops/s, {nrep} replica(s), -c 50 -P {p} -n {n:,}",
                            med["ours"], med["redis"], ("ratio", ">=", 1.0)))
    return rows


# ---------------------------------------------------------------- full sync

def wait_synced(replica, expected, timeout):
    """Seconds from the replica's process start until its DBSIZE == expected (polled every
    10 ms; refused connections and -LOADING mean not yet)."""
    while True:
        replica.check_alive()
        reply = dbsize(replica.port)
        now = time.monotonic()
        if reply == expected:
            return now - replica.started_at
        if isinstance(reply, RespError) and not str(reply).startswith("LOADING"):
            raise RuntimeError(f"{replica.name}: DBSIZE answered -{reply}")
        if now - replica.started_at > timeout:
            raise RuntimeError(f"{replica.name}: DBSIZE {reply!r}, not {expected:,}, "
                               f"{timeout:g}s after start; {replica_state(replica)}")
        time.sleep(0.01)


def wait_master_idle(master, timeout=30.0):
    """After a replica is stopped: waits until the master has no replica and no RDB child, so
    the next replica's full sync does not queue behind the last one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        master.check_alive()
        rep = info(master.port) or {}
        try:
            pers = info(master.port, "persistence") or {}
        except RespError:  # no such section: no RDB child to wait for
            pers = {}
        if (rep.get("connected_slaves", "0") == "0"
                and pers.get("rdb_bgsave_in_progress", "0") == "0"):
            return
        time.sleep(0.01)
    log(f"  warning: {master.name} still has a replica or an RDB child {timeout:g}s after the "
        f"last replica stopped")


def measure_sync(opts, tls=False):
    masters, times, mode = {}, {"ours": [], "redis": []}, {}
    try:
        for name in ("ours", "redis"):
            masters[name] = m = start_master(name, tls)
            took = mset_load(m.port, opts.keys)
            size = dbsize(m.port)
            if size != opts.keys:
                raise RuntimeError(f"{name}: master DBSIZE {size} after loading {opts.keys:,} keys")
            mode[name] = config_get(m.port, "repl-diskless-sync")
            log(f"  {name:5} master loaded {opts.keys:,} keys in {took:.2f}s; "
                f"repl-diskless-sync={mode[name]}")
        for rnd in range(opts.rounds):
            for name in (["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]):
                m = masters[name]
                wait_master_idle(m)
                rep = start_replica(name, m, wait=False, tls=tls)
                try:
                    took = wait_synced(rep, opts.keys, opts.timeout)
                    load = config_get(rep.port, "repl-diskless-load")
                finally:
                    rep.stop()
                times[name].append(took)
                log(f"  round {rnd + 1} {name:5} full sync {took:.3f}s "
                    f"(replica repl-diskless-load={load})")
    finally:
        for m in masters.values():
            m.stop()
    label = ("diskless" if mode["ours"] == mode["redis"] == "yes" else
             f"repl-diskless-sync ours={mode['ours']} redis={mode['redis']}")
    label += ", over TLS" if tls else ""
    return [Row(f"full sync s, {opts.keys:,} keys, {label} (replica start -> DBSIZE = master's)",
                statistics.median(times["ours"]), statistics.median(times["redis"]),
                ("ratio", "<=", 1.0))]


# ---------------------------------------------------------------- apply rate

def sample_lag(master, replica, stop, samples, errors, interval=0.02):
    """Appends (t, master offset, replica offset) every `interval` s until `stop` is set."""
    try:
        probe = OffsetProbe(master, replica)
        try:
            while not stop.is_set():
                m, r = probe.read()
                samples.append((time.monotonic(), m, r))
                stop.wait(interval)
        finally:
            probe.close()
    except Exception as e:
        errors.append(e)


def apply_one(name, opts):
    master, reps = start_topology(name, 1, opts.timeout)
    replica = reps[0]
    try:
        probe = OffsetProbe(master, replica)
        try:
            deadline = time.monotonic() + opts.timeout
            m0, r0 = probe.read()
            while r0 < m0:  # start from a caught-up replica
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name}: replica offset {r0} never reached the master's {m0}")
                time.sleep(0.005)
                m0, r0 = probe.read()
            samples, errors, stop = [], [], threading.Event()
            sampler = threading.Thread(target=sample_lag, args=(master, replica, stop, samples, errors))
            sampler.start()
            try:
                result, wall = redis_benchmark(master.port, "set", opts.apply_requests, 50, 16,
                                               KEYSPACE, BENCH_TIMEOUT)
            finally:
                t_end = time.monotonic()
                stop.set()
            # catch-up: offset reads back to back from redis-benchmark's exit; catchup_ms is
            # when the first read that finds the replica at the master's offset was sent
            polls = 0
            while True:
                m, r = probe.read()
                polls += 1
                if r >= m:
                    catchup_ms = (probe.sent - t_end) * 1e3
                    break
                if time.monotonic() - t_end > opts.timeout:
                    raise RuntimeError(f"{name}: replica offset {r} still behind the master's {m} "
                                       f"{opts.timeout:g}s after the benchmark; {replica_state(replica)}")
        finally:
            probe.close()
        sampler.join()
        if errors:
            raise errors[0]
        master.check_alive()
        replica.check_alive()
        sizes = (dbsize(master.port), dbsize(replica.port))
        # samples from the master's first write on (the benchmark's own start-up is not lag)
        active = [(t, m, r) for t, m, r in samples if m > m0]
        lags = [max(0, m - r) for _, m, r in active] or [0]
        res = {"rps": result["SET"]["rps"], "max": max(lags), "mean": statistics.fmean(lags),
               "catchup": catchup_ms, "bytes": m - m0}
        log(f"  {name:5} SET -P 16 {res['rps']:,.0f}/s wall={wall:.1f}s, {res['bytes']:,} bytes "
            f"replicated; {len(active)} lag samples: max {res['max']:,} mean {res['mean']:,.0f} "
            f"bytes; catch-up {catchup_ms:.2f} ms ({polls} polls); DBSIZE master {sizes[0]} "
            f"replica {sizes[1]}")
        if sizes[0] != sizes[1]:
            raise RuntimeError(f"{name}: after catch-up the replica has DBSIZE {sizes[1]}, "
                               f"the master {sizes[0]}")
        return res
    finally:
        stop_topology(master, reps)


class CatchupRow(Row):
    """Target ratio <= 1, also met when ours <= CATCHUP_FLOOR_MS: one offset poll is two INFO
    round trips (~0.3 ms), so sub-ms catch-ups of both servers are equal within measurement."""

    def __init__(self, metric, ours, redis):
        super().__init__(metric, ours, redis, ("ratio", "<=", 1.0))

    def cells(self):
        cells = super().cells()
        cells[4] += f" or ours <= {CATCHUP_FLOOR_MS:g} ms"
        if self.ours is not None and self.ours <= CATCHUP_FLOOR_MS:
            cells[5] = "yes"
        return cells


def measure_apply(opts):
    res = {"ours": [], "redis": []}
    for rnd in range(opts.rounds):
        for name in (["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]):
            res[name].append(apply_one(name, opts))
    med = {n: {k: statistics.median(r[k] for r in res[n]) for k in ("rps", "max", "mean", "catchup")}
           for n in res}
    o, d = med["ours"], med["redis"]
    label = f"(1 replica, SET -c 50 -P 16 -n {opts.apply_requests:,})"
    return [Row(f"master SET ops/s while sampled {label}", o["rps"], d["rps"]),
            Row(f"replica max lag bytes {label}", o["max"], d["max"]),
            Row(f"replica mean lag bytes {label}", o["mean"], d["mean"]),
            CatchupRow(f"replica catch-up ms after the benchmark {label}", o["catchup"], d["catchup"])]


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 1 round, 50,000 requests, 100,000 keys, 200,000 apply requests")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--rounds", type=int, help="rounds per section (default 3; --quick 1)")
    ap.add_argument("--requests", type=int,
                    help=f"redis-benchmark -n of the throughput section's -P 1 runs (default 200000; "
                         f"--quick 50000); -P 16 runs get {P16_SCALE}x")
    ap.add_argument("--keys", type=int, help="keys for the full sync (default 1000000)")
    ap.add_argument("--apply-requests", type=int,
                    help="redis-benchmark -n for the apply section (default 1000000)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds a replica may take to come online / sync / catch up (default 60)")
    opts = ap.parse_args(argv)
    q = opts.quick
    opts.rounds = opts.rounds or (1 if q else 3)
    opts.requests = opts.requests or (50000 if q else 200000)
    opts.keys = opts.keys or (100000 if q else 1000000)
    opts.apply_requests = opts.apply_requests or (200000 if q else 1000000)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    measures = {"throughput": measure_throughput, "sync": measure_sync,
                "tlssync": lambda o: measure_sync(o, tls=True), "apply": measure_apply}
    notes = ["ratio is ours/redis in every row: for ops/s higher is better, for seconds, bytes "
             "and ms lower is better."]
    if "apply" in opts.only:
        notes.append("Lag bytes = master master_repl_offset - replica slave_repl_offset, both "
                     "read every 20 ms while redis-benchmark runs; catch-up is timed from "
                     f"redis-benchmark's exit; one poll is two INFO round trips, so catch-up "
                     f"<= {CATCHUP_FLOOR_MS:g} ms counts as met whatever the ratio.")
    return run_sections(opts, SECTIONS, measures, notes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
