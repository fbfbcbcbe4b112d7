"""INFO commandstats, errorstats and section selection, against a real redis-server.

The same commands go to both servers; per command the calls, rejected_calls and failed_calls
must match, as must every errorstat and total_error_replies (times differ, so usec is checked
only for being there and for counting a command that sleeps).
"""
import time

import pytest

from conftest import wait_until
from helpers import Raw


def info(raw, *sections):
    reply = raw.cmd("INFO", *sections)
    assert reply.startswith(b"$"), reply
    body = reply.split(b"\r\n", 1)[1].decode()
    fields = {}
    for line in body.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return body, fields


def command_counts(raw):
    """{command: (calls, rejected_calls, failed_calls)} from INFO commandstats."""
    _, fields = info(raw, "commandstats")
    counts = {}
    for k, v in fields.items():
        parts = dict(p.split("=") for p in v.split(","))
        assert set(parts) == {"calls", "usec", "usec_per_call", "rejected_calls",
                              "failed_calls"}, v
        counts[k[len("cmdstat_"):]] = (int(parts["calls"]), int(parts["rejected_calls"]),
                                       int(parts["failed_calls"]))
    return counts


def error_counts(raw):
    _, fields = info(raw, "errorstats", "stats")
    errors = {k: v for k, v in fields.items() if k.startswith("errorstat_")}
    return errors, int(fields["total_error_replies"])


# Each sent on one connection; what matters is how the servers count them.
SCRIPT = [
    ("SET", "a", "b"),
    ("SET", "k"),                      # rejected: wrong arity
    ("ASDF", "x"),                     # unknown: an error with no command
    ("GET", "a"),
    ("LPUSH", "a", "x"),               # failed: WRONGTYPE
    ("INCR", "a"),                     # failed: ERR not an integer
    ("AUTH", "nopass"),                # failed: no password is set
    ("MULTI",), ("SET", "t", "1"), ("AUTH", "x"), ("EXEC",),   # AUTH fails inside EXEC
    ("EXEC",),                         # failed: EXEC without MULTI
    ("MULTI",), ("SET",), ("EXEC",),   # SET rejected, EXEC fails with EXECABORT
    ("DISCARD",),                      # failed: DISCARD without MULTI
    ("XADD", "s", "*", "f", "v"),
    ("XGROUP", "CREATECONSUMER", "s", "nogroup", "c"),  # failed: NOGROUP
    ("XGROUP", "CREATE", "s", "g", "$"),
    ("XGROUP", "CREATE", "s", "g", "$"),                # failed: BUSYGROUP
    ("PING",), ("ECHO", "x"), ("SELECT", "1"), ("SELECT", "99"),  # connection commands
    ("BLPOP", "nolist", "0.01"),      # times out: one call, no error
]


def run_script(port):
    with Raw(port) as c:
        c.cmd("CONFIG", "RESETSTAT")
        return [c.cmd(*args) for args in SCRIPT]


def test_counts_match_redis(start_credis, start_redis):
    ours, theirs = start_credis(["--save", ""]), start_redis()
    replies = run_script(ours.port), run_script(theirs.port)
    assert [r[:1] for r in replies[0]] == [r[:1] for r in replies[1]]
    with Raw(ours.port) as c, Raw(theirs.port) as r:
        ours_counts, theirs_counts = command_counts(c), command_counts(r)
        assert ours_counts == theirs_counts
        assert ours_counts["config|resetstat"] == (1, 0, 0)  # by subcommand, as Redis
        assert ours_counts["set"] == (2, 2, 0)
        assert ours_counts["xgroup|createconsumer"] == (1, 0, 1)
        assert error_counts(c) == error_counts(r)
        errors, total = error_counts(c)
        assert errors["errorstat_WRONGTYPE"] == "count=1"
        assert errors["errorstat_EXECABORT"] == "count=1"
        assert total >= 9


def test_blocked_command_counts_once_with_its_error(start_credis, start_redis):
    for server in (start_credis(["--save", ""]), start_redis()):
        with Raw(server.port) as waiter, Raw(server.port) as admin:
            admin.cmd("CONFIG", "RESETSTAT")
            wid = int(waiter.cmd("CLIENT", "ID")[1:-2])
            waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$2\r\nl1\r\n$1\r\n0\r\n")
            wait_until(lambda: info(admin, "clients")[1]["blocked_clients"] == "1",
                       what="the client to block")
            admin.cmd("CLIENT", "UNBLOCK", str(wid), "ERROR")
            assert waiter.read_reply().startswith(b"-UNBLOCKED")
            assert command_counts(admin)["blpop"] == (1, 0, 1)
            assert error_counts(admin)[0]["errorstat_UNBLOCKED"] == "count=1"


def test_served_blocked_command_counts_once(server):
    with Raw(server.port) as waiter, Raw(server.port) as admin:
        admin.cmd("CONFIG", "RESETSTAT")
        waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$2\r\nl1\r\n$1\r\n0\r\n")
        wait_until(lambda: info(admin, "clients")[1]["blocked_clients"] == "1",
                   what="the client to block")
        admin.cmd("RPUSH", "l1", "x")
        assert waiter.read_reply() == b"*2\r\n$2\r\nl1\r\n$1\r\nx\r\n"
        assert command_counts(admin)["blpop"] == (1, 0, 0)


def test_usec_counts_time_spent(start_credis):
    s = start_credis(["--save", "", "--enable-debug-command", "yes"])
    with Raw(s.port) as c:
        c.cmd("CONFIG", "RESETSTAT")
        started = time.monotonic()
        c.cmd("DEBUG", "SLEEP", "0.2")
        elapsed_us = (time.monotonic() - started) * 1e6
        _, fields = info(c, "commandstats")
        parts = dict(p.split("=") for p in fields["cmdstat_debug"].split(","))
        # The counter's rate is measured against the clock, to a fraction of a percent.
        assert 0.99 * 200000 <= int(parts["usec"]) <= 1.01 * elapsed_us
        assert parts["usec_per_call"] == "%.2f" % int(parts["usec"])


def test_resetstat_clears(server):
    with Raw(server.port) as c:
        c.cmd("NOSUCH")
        c.cmd("GET", "x")
        c.cmd("CONFIG", "RESETSTAT")
        assert error_counts(c) == ({}, 0)
        assert "get" not in command_counts(c)


@pytest.mark.parametrize("args,present,absent", [
    ((), ["# Server", "# CPU", "# Errorstats", "# Keyspace", "used_memory"],
     ["# Commandstats"]),
    (("default",), ["# Server", "# Modules", "# Cluster"], ["# Commandstats"]),
    (("all",), ["# Commandstats", "# Errorstats", "used_cpu_user_children"], []),
    (("everything",), ["# Commandstats", "# Server"], []),
    (("cpu",), ["used_cpu_user", "used_cpu_sys_children"], ["used_memory", "# Server"]),
    (("commandSTATS",), ["# Commandstats", "rejected_calls"], ["used_memory"]),
    (("cpu", "sentinel"), ["used_cpu_user"], ["master_repl_offset", "sentinel"]),
    (("cpu", "default"), ["used_memory", "master_repl_offset"], ["rejected_calls"]),
])
def test_section_selection(server, args, present, absent):
    with Raw(server.port) as c:
        c.cmd("PING")  # so that commandstats has a line
        body, _ = info(c, *args)
        for text in present:
            assert text in body
        for text in absent:
            assert text not in body
        assert body.count("used_cpu_user_children") <= 1


def test_same_sections_as_redis(start_credis, start_redis):
    # Latencystats (per-command percentiles) is not kept here yet.
    def headers(port):
        with Raw(port) as c:
            c.cmd("PING")
            return {arg: [l for l in info(c, *arg)[0].split("\r\n")
                          if l.startswith("#") and l != "# Latencystats"]
                    for arg in [(), ("all",), ("default",), ("cpu", "keyspace")]}
    assert headers(start_credis(["--save", ""]).port) == headers(start_redis().port)


def test_clients_in_timeout_table_as_redis(start_credis, start_redis):
    """BLPOP with a timeout is in the timeout table, BLPOP 0 is not; both count as blocked."""
    for s in (start_credis(), start_redis()):
        timed, forever = Raw(s.port), Raw(s.port)
        timed.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\na\r\n$2\r\n30\r\n")
        forever.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nb\r\n$1\r\n0\r\n")
        with Raw(s.port) as c:
            wait_until(lambda: info(c, "clients")[1]["blocked_clients"] == "2", timeout=10,
                       what="both BLPOPs blocking")
            assert info(c, "clients")[1]["clients_in_timeout_table"] == "1"
        timed.close()
        forever.close()


def test_client_buffers_follow_a_slow_subscriber(server):
    """A subscriber that does not read holds output: INFO's client buffer fields and CLIENT
    LIST's omem show it, and drop once it has read everything."""
    sub = Raw(server.port)
    sub.send(b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")
    sub.read_reply()
    message = "x" * 10000
    with Raw(server.port) as c:
        for _ in range(800):  # 8 MB: far more than the sockets hold
            c.cmd("PUBLISH", "ch", message)

        def held():
            fields = info(c, "clients", "memory")[1]
            return int(fields["client_recent_max_output_buffer"]) > 1_000_000 and \
                int(fields["mem_clients_normal"]) > 1_000_000
        wait_until(held, timeout=10, what="the subscriber's output counted")
        assert any(int(part.split("=")[1]) > 1_000_000
                   for part in c.cmd("CLIENT", "LIST").decode().split() if
                   part.startswith("omem="))
        received = 0
        sub.sock.settimeout(10)
        while received < 800 * 10000:
            received += len(sub.sock.recv(1 << 20))
        wait_until(lambda: int(info(c, "clients")[1]["client_recent_max_output_buffer"]) < 100_000,
                   timeout=10, what="the drained output no longer counted")
    sub.close()


def test_bgsave_reports_saves_and_copy_on_write(server):
    with Raw(server.port) as c:
        before = int(info(c, "persistence")[1]["rdb_saves"])
        c.cmd("SET", "k", "v" * 1000)
        assert c.cmd("BGSAVE").startswith(b"+")
        wait_until(lambda: info(c, "persistence")[1]["rdb_bgsave_in_progress"] == "0" and
                   int(info(c, "persistence")[1]["rdb_saves"]) == before + 1,
                   timeout=30, what="the background save")
        fields = info(c, "persistence")[1]
        assert int(fields["rdb_last_cow_size"]) > 0
        assert fields["current_cow_size"] == "0"


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_a_slow_background_save_reports_its_progress(kind, start_credis, start_redis, tmp_path):
    """rdb-key-save-delay slows the save down (1 ms a key here); its child reports the keys
    written so far, which INFO shows as current_save_keys_processed / _total and
    current_fork_perc, back to 0 when it ends."""
    server = (start_credis if kind == "credis" else start_redis)(["--save", ""])
    with Raw(server.port) as c:
        for start in range(0, 3000, 500):
            pairs = [x for i in range(start, start + 500) for x in (f"key:{i}", "v")]
            assert c.cmd("MSET", *pairs) == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "rdb-key-save-delay", "1000") == b"+OK\r\n"
        assert c.cmd("CONFIG", "GET", "rdb-key-save-delay").endswith(b"$4\r\n1000\r\n")
        assert c.cmd("BGSAVE").startswith(b"+Background saving started")
        wait_until(lambda: int(info(c, "persistence")[1]["current_save_keys_processed"]) > 0,
                   timeout=10, what="a progress report from the save's child")
        fields = info(c, "persistence")[1]
        processed = int(fields["current_save_keys_processed"])
        assert fields["current_save_keys_total"] == "3000"
        assert fields["rdb_bgsave_in_progress"] == "1"
        assert 1 <= processed < 3000
        assert float(fields["current_fork_perc"]) == pytest.approx(100 * processed / 3000, abs=0.01)
        assert c.cmd("CONFIG", "SET", "rdb-key-save-delay", "0") == b"+OK\r\n"
        wait_until(lambda: info(c, "persistence")[1]["rdb_bgsave_in_progress"] == "0",
                   timeout=30, what="the background save to end")
        fields = info(c, "persistence")[1]
        assert (fields["current_save_keys_processed"], fields["current_save_keys_total"],
                fields["current_fork_perc"]) == ("0", "0", "0.00")


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_replication_bytes_are_counted_apart(kind, start_credis, start_redis):
    """The stream a master sends its replica is total_net_repl_output_bytes there, and the
    replica counts what it reads as total_net_repl_input_bytes; Redis 7.0 counts both in the
    totals too (INFO adds them)."""
    from replication_support import Servers, wait_synced
    servers = Servers(start_credis, start_redis)
    master = servers.start(kind)
    replica = servers.factories[kind](["--save", "", "--replicaof", "127.0.0.1", str(master.port)])
    wait_synced(master, replica)
    value = "x" * 10000
    with Raw(master.port) as m:
        for i in range(100):
            assert m.cmd("SET", f"k{i}", value) == b"+OK\r\n"
        stream = 100 * 10000  # well above what INFO's own replies add to the normal output
        wait_synced(master, replica)
        wait_until(lambda: int(info(m, "stats")[1]["total_net_repl_output_bytes"]) >= stream,
                   timeout=10, what="the master to count the stream it sent")
        _, fields = info(m, "stats")
        assert int(fields["total_net_output_bytes"]) >= int(fields["total_net_repl_output_bytes"])
        assert int(fields["total_net_repl_input_bytes"]) == 0
    with Raw(replica.port) as r:
        _, fields = info(r, "stats")
        assert int(fields["total_net_repl_input_bytes"]) >= stream
        assert int(fields["total_net_input_bytes"]) >= int(fields["total_net_repl_input_bytes"])
        assert int(fields["total_net_repl_output_bytes"]) == 0
        assert int(fields["total_net_output_bytes"]) < stream
