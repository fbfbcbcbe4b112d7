#!/usr/bin/python3
"""RDB load and SAVE times, credis vs redis-server 7.0.

1. Makes two RDB files with a real redis-server (data pipelined in, SAVE, file copied):
   strings: K string keys (16-byte key, 32-byte value); hashes: K/10 hashes of 10 fields.
2. For each file, --rounds times (3 by default), each server in turn (which goes first
   alternates from round to round, so that neither always follows the file's making): starts it
   with --dir D --dbfilename F on a copy of the file and times process start -> DBSIZE answering
   the full count (polled; refused connections and -LOADING mean "not yet"), then times SAVE of
   that data. The table gives the median of the rounds. A server that does not load the file
   (DBSIZE settles at another count, or it exits) gets "n/a" with the reason; its SAVE is then
   timed after loading the same data over the protocol, if it accepts those commands.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from common import (CREDIS, REDIS_SERVER, Conn, RespError, Server, check_binaries, dbsize,
                    encode, fmt, markdown_table, mset_load, ratio, write_report)


def hset_load(port, n, fields=10, batch=1000):
    """n hashes h:<14 digits> with `fields` fields f<i> -> 24-byte values, pipelined HSETs."""
    c = Conn(port, timeout=120)
    for i in range(0, n, batch):
        cmds = []
        for k in range(i, min(n, i + batch)):
            args = [b"HSET", b"h:%014d" % k]
            for f in range(fields):
                args += [b"f%d" % f, b"value-%06d-%011d" % (f, k)]
            cmds.append(encode(*args))
        bad = [r for r in c.pipeline(b"".join(cmds), len(cmds)) if isinstance(r, RespError)]
        if bad:
            raise RuntimeError(f"HSET failed: {bad[0]}")
    c.close()


def datasets(keys):
    return [("strings", keys, f"{keys:,} string keys", lambda port: mset_load(port, keys)),
            ("hashes", keys // 10, f"{keys // 10:,} hashes x 10 fields",
             lambda port: hset_load(port, keys // 10))]


def make_rdb(name, fill, count, outdir):
    """Fills a real redis-server, SAVEs, and copies the file to outdir/<name>.rdb."""
    srv = Server("redis", REDIS_SERVER)
    try:
        fill(srv.port)
        c = Conn(srv.port, timeout=300)
        assert c.call("DBSIZE") == count
        c.call("SAVE")
        c.close()
        path = os.path.join(outdir, f"{name}.rdb")
        shutil.copyfile(os.path.join(srv.dir, "dump.rdb"), path)
        return path
    finally:
        srv.stop()


def wait_loaded(srv, expected, timeout, settle=2.0):
    """Seconds from process start until DBSIZE == expected, or (None, reason)."""
    last, since = None, None
    while True:
        if srv.proc.poll() is not None:
            return None, f"exited with status {srv.proc.returncode}: {srv.log_tail(2)}"
        reply = dbsize(srv.port)
        now = time.monotonic()
        if reply == expected:
            return now - srv.started_at, None
        if isinstance(reply, RespError) and not str(reply).startswith("LOADING"):
            return None, f"DBSIZE answered -{reply}"
        if isinstance(reply, int):
            if reply != last:
                last, since = reply, now
            elif now - since > settle:
                return None, f"DBSIZE stays {reply}, expected {expected:,} (file not loaded)"
        if now - srv.started_at > timeout:
            return None, f"DBSIZE not {expected:,} after {timeout}s (last reply {reply!r})"
        time.sleep(0.002)


def time_save(srv, path):
    """Seconds SAVE takes, and the size of the file it wrote; or (None, reason)."""
    c = Conn(srv.port, timeout=600)
    t0 = time.monotonic()
    try:
        reply = c.pipeline(encode("SAVE"), 1)[0]
    finally:
        c.close()
    took = time.monotonic() - t0
    if isinstance(reply, RespError):
        return None, f"SAVE answered -{reply}"
    return took, os.path.getsize(path)


def bench_file(name, binary, dataset, rdb, timeout):
    """Load time, SAVE time and SAVE'd file size for one server on one RDB file."""
    ds_name, count, _, fill = dataset
    workdir = tempfile.mkdtemp(prefix=f"rdb-bench-{name}-")
    fname = f"{ds_name}.rdb"
    shutil.copyfile(rdb, os.path.join(workdir, fname))
    res = {"notes": []}
    srv = Server(name, binary, ["--dbfilename", fname], workdir=workdir, wait=False)
    try:
        res["load"], why = wait_loaded(srv, count, timeout)
        if why:
            res["notes"].append(f"load: {why}")
            srv.check_alive()
            try:  # give SAVE the same data another way
                c = Conn(srv.port)
                c.call("FLUSHALL")
                c.close()
                fill(srv.port)
            except (RuntimeError, RespError, OSError) as e:
                raise RuntimeError(f"could not load the data over the protocol either: {e}")
        save, size = time_save(srv, os.path.join(workdir, fname))
        if save is None:
            res["notes"].append(f"save: {size}")
        res["save"], res["size"] = save, (size if save is not None else None)
    except Exception as e:  # n/a with the reason, go on with the others
        res["notes"].append(f"{type(e).__name__}: {e}")
    finally:
        srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return res


def median_result(results):
    """Per measurement, the median over the rounds that have it (None if none has)."""
    out = {}
    for key in ("load", "save", "size"):
        got = [r[key] for r in results if r.get(key) is not None]
        out[key] = statistics.median(got) if got else None
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100,000 string keys and 10,000 hashes")
    ap.add_argument("--keys", type=int, help="string keys (default 1,000,000); hashes = keys / 10")
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for a load")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per file (default 3); medians")
    ap.add_argument("--out", help="also write the table to this file")
    opts = ap.parse_args(argv)
    keys = opts.keys or (100000 if opts.quick else 1000000)
    check_binaries()

    rows, notes = [], []
    tmp = tempfile.mkdtemp(prefix="rdb-bench-")
    try:
        for ds in datasets(keys):
            ds_name, count, label, fill = ds
            t0 = time.monotonic()
            rdb = make_rdb(ds_name, fill, count, tmp)
            print(f"== {label}: {os.path.getsize(rdb):,} byte RDB from redis-server "
                  f"({time.monotonic() - t0:.1f}s to make)", flush=True)
            runs = {"ours": [], "redis": []}
            order = [("ours", CREDIS), ("redis", REDIS_SERVER)]
            for rnd in range(opts.rounds):
                for name, binary in (order if rnd % 2 == 0 else order[::-1]):
                    r = bench_file(name, binary, ds, rdb, opts.timeout)
                    runs[name].append(r)
                    print(f"  round {rnd + 1} {name:5} load {fmt(r.get('load'))} s, "
                          f"SAVE {fmt(r.get('save'))} s, file {fmt(r.get('size'))} bytes" +
                          "".join(f"\n        {n}" for n in r["notes"]), flush=True)
                    notes += [f"- {name}, {label}: {n[:150]}" for n in r["notes"]]
            o, d = median_result(runs["ours"]), median_result(runs["redis"])
            for key, what in (("load", "load s (process start -> full DBSIZE)"),
                              ("save", "SAVE s"), ("size", "SAVE file bytes")):
                rows.append([f"{label}: {what}", o.get(key), d.get(key),
                             ratio(o.get(key), d.get(key))])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    text = markdown_table(["metric", "ours", "redis", "ratio ours/redis"], rows)
    text += ("\n\n" + "\n".join(notes) if notes else "") + "\n"
    write_report(text, opts.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
