"""CLIENT LIST/INFO/KILL, SLOWLOG and LATENCY, each checked against a real redis-server run
side by side: what an operator's tools (redis-cli, monitoring exporters) read from them."""
import re
import time

import pytest
import redis

from helpers import Raw
from server_process import cpu_seconds, wait_until

# Redis 7.0's CLIENT LIST line, with the values a fresh RESP2 client has.
CLIENT_LINE = re.compile(
    r"id=(\d+) addr=127\.0\.0\.1:(\d+) laddr=127\.0\.0\.1:(\d+) fd=\d+ name=(\S*) age=\d+ "
    r"idle=\d+ flags=(\w+) db=(\d+) sub=(\d+) psub=(\d+) ssub=(\d+) multi=(-?\d+) qbuf=(\d+) "
    r"qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ "
    r"tot-mem=\d+ events=r cmd=(\S+) user=default redir=-1 resp=([23])$")


def lines_of(text):
    return [line for line in text.split("\n") if line]


def by_id(listing):
    out = {}
    for line in lines_of(listing):
        m = CLIENT_LINE.match(line)
        assert m, line
        out[int(m.group(1))] = m
    return out


def histograms(flat):
    """LATENCY HISTOGRAM's RESP2 reply as {command: (calls, {usec: count below})}."""
    out = {}
    for name, body in zip(flat[::2], flat[1::2]):
        fields = dict(zip(body[::2], body[1::2]))
        points = fields["histogram_usec"]
        out[name] = (fields["calls"], dict(zip(points[::2], points[1::2])))
    return out


def both(start_credis, start_redis, args=()):
    return [start_credis(["--save", ""] + list(args)), start_redis(list(args))]


def test_client_list_and_info_fields_as_redis(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        with Raw(server.port) as me, Raw(server.port) as other:
            other.cmd("CLIENT", "SETNAME", "worker-1")
            other.cmd("SELECT", "3")
            other.cmd("SET", "k", "v")
            other.cmd("SUBSCRIBE", "news", "sport")
            r = redis.Redis(port=server.port, decode_responses=True)
            listing = r.execute_command("CLIENT", "LIST")
            clients = by_id(listing)
            my_id = r.client_id()
            mine = clients[my_id]
            assert mine.group(5) == "N" and mine.group(12) == "client|list"
            assert mine.group(11) == "26"  # the running command, in the query buffer
            other_id = int(me.cmd("CLIENT", "ID")[1:-2]) + 1
            theirs = clients[other_id]
            assert theirs.group(4) == "worker-1"
            assert theirs.group(5) == "P" and theirs.group(7) == "2"
            assert theirs.group(6) == "3" and theirs.group(12) == "subscribe"
            assert int(theirs.group(3)) == server.port
            info = r.execute_command("CLIENT", "INFO")
            assert CLIENT_LINE.match(info.strip()).group(12) == "client|info"
            only = lines_of(r.execute_command("CLIENT", "LIST", "ID", other_id, 999999))
            assert len(only) == 1 and only[0].startswith(f"id={other_id} ")
            pubsub = lines_of(r.execute_command("CLIENT", "LIST", "TYPE", "pubsub"))
            assert [int(CLIENT_LINE.match(x).group(1)) for x in pubsub] == [other_id]
            assert r.execute_command("CLIENT", "LIST", "TYPE", "master") == ""
            with pytest.raises(redis.ResponseError, match="Unknown client type 'x'"):
                r.execute_command("CLIENT", "LIST", "TYPE", "x")
            with pytest.raises(redis.ResponseError, match="Invalid client ID"):
                r.execute_command("CLIENT", "LIST", "ID", "abc")
            r.close()


def test_client_list_shows_multi_and_blocked(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        with Raw(server.port) as tx, Raw(server.port) as waiter:
            tx.cmd("MULTI")
            tx.cmd("SET", "a", "1")
            tx.cmd("SET", "b", "2")
            waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
            r = redis.Redis(port=server.port, decode_responses=True)

            def flags():
                return {int(m.group(1)): (m.group(5), m.group(10))
                        for m in by_id(r.execute_command("CLIENT", "LIST")).values()}
            wait_until(lambda: ("b", "-1") in flags().values(), what="the client to block")
            assert ("x", "2") in flags().values()
            r.close()


def test_client_kill_forms(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port, decode_responses=True)
        with Raw(server.port) as a, Raw(server.port) as b, Raw(server.port) as c:
            a_id = int(a.cmd("CLIENT", "ID")[1:-2])
            b_addr = b.cmd("CLIENT", "INFO").decode().split(" addr=")[1].split(" ")[0]
            c.cmd("SUBSCRIBE", "ch")
            assert r.execute_command("CLIENT", "KILL", "ID", a_id) == 1
            assert a.read_until_close() == b""
            assert r.execute_command("CLIENT", "KILL", b_addr) in (True, "OK")  # the old form
            assert b.read_until_close() == b""
            with pytest.raises(redis.ResponseError, match="No such client"):
                r.execute_command("CLIENT", "KILL", b_addr)
            assert r.execute_command("CLIENT", "KILL", "TYPE", "pubsub") == 1
            c.read_until_close()
        for args, error in [(("ID", "0"), "client-id should be greater than 0"),
                            (("ID", "x"), "client-id should be greater than 0"),
                            (("TYPE", "bad"), "Unknown client type 'bad'"),
                            (("USER", "nobody"), "No such user 'nobody'"),
                            (("SKIPME", "maybe"), "syntax error"),
                            (("ID", "1", "extra"), "syntax error")]:
            with pytest.raises(redis.ResponseError, match=error):
                r.execute_command("CLIENT", "KILL", *args)
        with pytest.raises(redis.ResponseError,
                           match="wrong number of arguments for 'client\\|kill' command"):
            r.execute_command("CLIENT", "KILL")
        r.close()


def test_client_kill_skipme(start_credis):
    server = start_credis(["--save", ""])
    with Raw(server.port) as me, Raw(server.port) as x, Raw(server.port) as y:
        assert x.cmd("PING") == y.cmd("PING") == b"+PONG\r\n"  # both accepted
        assert me.cmd("CLIENT", "KILL", "SKIPME", "yes") == b":2\r\n"
        x.read_until_close()
        y.read_until_close()
        assert me.cmd("PING") == b"+PONG\r\n"
        # Killing itself, the client still gets the reply first.
        me.send(b"*4\r\n$6\r\nCLIENT\r\n$4\r\nKILL\r\n$6\r\nSKIPME\r\n$2\r\nno\r\n")
        assert me.read_until_close() == b":1\r\n"
    r = redis.Redis(port=server.port)
    wait_until(lambda: r.info("clients")["connected_clients"] == 1, what="the killed to go")


def slowlog_server(start, extra=()):
    return start(["--slowlog-log-slower-than", "0", "--enable-debug-command", "yes"] +
                 list(extra))


def test_slowlog_entries_as_redis(start_credis, start_redis):
    results = []
    for server in (slowlog_server(start_credis, ["--save", ""]), slowlog_server(start_redis)):
        r = redis.Redis(port=server.port, decode_responses=True)
        r.client_setname("tester")
        addr = r.client_info()["addr"]
        r.slowlog_reset()
        r.sadd("set", *range(3, 34))  # 33 arguments: logged as 31 and a count of the rest
        r.set("big", "A" * 129)
        r.config_set("requirepass", "secret")
        r.config_set("requirepass", "")
        entries = r.execute_command("SLOWLOG", "GET", "-1")
        assert all(e[4] == addr and e[5] == "tester" for e in entries)
        assert entries[0][0] > entries[1][0]
        results.append([e[3] for e in entries])
        assert r.slowlog_len() == len(entries) + 1  # SLOWLOG GET itself
        with pytest.raises(redis.ResponseError,
                           match="count should be greater than or equal to -1"):
            r.execute_command("SLOWLOG", "GET", "-2")
        r.close()
    assert results[0] == results[1]
    sadd = results[0][3]
    assert len(sadd) == 32 and sadd[-1] == "... (2 more arguments)"
    assert results[0][2][2] == "A" * 128 + "... (1 more bytes)"
    assert results[0][1] == ["CONFIG", "SET", "requirepass", "(redacted)"]


def test_slowlog_threshold_and_max_len(start_credis):
    server = slowlog_server(start_credis, ["--save", "", "--slowlog-max-len", "5"])
    r = redis.Redis(port=server.port, decode_responses=True)
    for i in range(20):
        r.ping()
    assert r.slowlog_len() == 5
    assert len(r.execute_command("SLOWLOG", "GET", "2")) == 2
    assert r.execute_command("SLOWLOG", "GET", "0") == []
    r.config_set("slowlog-log-slower-than", 100000)
    r.slowlog_reset()
    r.ping()
    assert r.slowlog_len() == 0
    r.execute_command("DEBUG", "SLEEP", "0.15")
    entry = r.execute_command("SLOWLOG", "GET")[0]
    assert entry[3] == ["DEBUG", "SLEEP", "0.15"] and entry[2] >= 100000
    # EXEC is not logged, the commands it ran are.
    r.slowlog_reset()
    with r.pipeline(transaction=True) as p:
        p.execute_command("DEBUG", "SLEEP", "0.15")
        p.execute()
    assert [e[3][0] for e in r.execute_command("SLOWLOG", "GET")] == ["DEBUG"]
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.execute_command("DEBUG", "SLEEP", "0.15")
    assert r.slowlog_len() == 0


def test_latency_histogram_and_latencystats(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port, decode_responses=True)
        r.config_resetstat()
        r.set("a", "b")
        r.set("c", "d")
        r.get("a")
        r.client_id()
        histo = histograms(r.execute_command("LATENCY", "HISTOGRAM"))
        assert set(histo) == {"set", "get", "client|id", "config|resetstat"}
        calls, buckets = histo["set"]
        assert calls == 2
        assert list(buckets.values())[-1] == 2 and all(k >= 1 for k in buckets)
        only = histograms(r.execute_command("LATENCY", "HISTOGRAM", "client", "nosuch", "get"))
        assert set(only) == {"client|id", "get"}
        stats = r.info("latencystats")
        p = stats["latency_percentiles_usec_set"]
        assert set(p) == {"p50", "p99", "p99.9"} and 0 < p["p50"] <= p["p99.9"] < 10000
        r.config_set("latency-tracking-info-percentiles", "90 99.99")
        assert set(r.info("latencystats")["latency_percentiles_usec_get"]) == {"p90", "p99.99"}
        with pytest.raises(redis.ResponseError, match="should sit between"):
            r.config_set("latency-tracking-info-percentiles", "101")
        r.config_set("latency-tracking", "no")
        r.get("a")
        assert histograms(r.execute_command("LATENCY", "HISTOGRAM", "get"))["get"][0] == 1
        assert "latency_percentiles_usec_get" not in r.info("latencystats")
        r.close()


def test_latency_monitor_events(start_credis, start_redis):
    for server in both(start_credis, start_redis, ["--enable-debug-command", "yes"]):
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.execute_command("LATENCY", "LATEST") == []
        r.config_set("latency-monitor-threshold", 100)
        r.execute_command("DEBUG", "SLEEP", "0.15")
        latest = r.execute_command("LATENCY", "LATEST")
        assert [e[0] for e in latest] == ["command"]
        assert 140 <= latest[0][2] < 1000 and latest[0][3] == latest[0][2]  # 0.15 s asleep
        history = r.execute_command("LATENCY", "HISTORY", "command")
        assert len(history) == 1 and history[0][1] == latest[0][2]
        assert r.execute_command("LATENCY", "HISTORY", "nosuch") == []
        graph = r.execute_command("LATENCY", "GRAPH", "command")
        assert graph.startswith("command - high 1") and "\n" + "-" * 80 + "\n" in graph
        with pytest.raises(redis.ResponseError, match="No samples available for event 'x'"):
            r.execute_command("LATENCY", "GRAPH", "x")
        assert "command" in r.execute_command("LATENCY", "DOCTOR")
        assert r.execute_command("LATENCY", "RESET", "nosuch") == 0
        assert r.execute_command("LATENCY", "RESET") == 1
        assert r.execute_command("LATENCY", "LATEST") == []
        with pytest.raises(redis.ResponseError,
                           match="wrong number of arguments for 'latency\\|help' command"):
            r.execute_command("LATENCY", "HELP", "x")
        r.close()


MONITOR_SCRIPT = [
    ("SET", "foo", "bar"), ("GET", "foo"), ("CLIENT", "SETNAME", "w1"),
    ("AUTH", "not-real"), ("AUTH", "user", "not-a-password"),
    ("HELLO", "2", "AUTH", "user", "not-a-password"),
    ("CONFIG", "GET", "port"),  # admin commands are not shown
    ("MULTI",), ("SET", "a", "1"), ("SELECT", "2"), ("EXEC",),
    ("MULTI",), ("NOSUCHCOMMAND",), ("EXEC",),
    ("SELECT", "0"), ("SET", "quote\"d", "new\nline"), ("PING",),
]


def monitor_lines(server):
    """What a MONITOR client sees of MONITOR_SCRIPT, without times and ports."""
    with Raw(server.port) as monitor, Raw(server.port) as c:
        assert monitor.cmd("MONITOR") == b"+OK\r\n"
        # The monitor is on once a command is seen by it.
        wait_until(lambda: c.cmd("PING") and monitor.read_reply().endswith(b'"PING"\r\n'),
                   what="the monitor to see commands")
        for args in MONITOR_SCRIPT:
            c.cmd(*args)
        lines = [monitor.read_reply() for _ in range(15)]
    return [re.sub(rb"^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]", rb"[\1]", x) for x in lines]


def test_monitor_shows_commands_as_redis(start_credis, start_redis):
    ours, theirs = (monitor_lines(s) for s in both(start_credis, start_redis))
    assert ours == theirs
    assert ours[0] == b'[0] "SET" "foo" "bar"\r\n'
    assert b'[0] "AUTH" "(redacted)" "(redacted)"\r\n' in ours
    assert b'[0] "SET" "quote\\"d" "new\\nline"\r\n' in ours


def test_monitor_of_a_closed_client_stops(start_credis):
    server = start_credis(["--save", ""])
    r = redis.Redis(port=server.port, decode_responses=True)
    with Raw(server.port) as monitor:
        monitor.cmd("MONITOR")
        assert "flags=O" in r.execute_command("CLIENT", "LIST")
    r.set("k", "v")  # nobody to send it to
    wait_until(lambda: "flags=O" not in r.execute_command("CLIENT", "LIST"),
               what="the monitor to go")
    assert r.get("k") == "v"


def blocked_clients(r):
    return r.info("clients")["blocked_clients"]


def test_client_pause_write_holds_writes_only(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port, decode_responses=True)
        r.set("k", "old")
        with pytest.raises(redis.ResponseError, match="timeout is not an integer"):
            r.execute_command("CLIENT", "PAUSE", "abc")
        with pytest.raises(redis.ResponseError, match="timeout is negative"):
            r.execute_command("CLIENT", "PAUSE", "-1")
        with pytest.raises(redis.ResponseError, match="mode must be WRITE or ALL"):
            r.execute_command("CLIENT", "PAUSE", "100", "SOME")
        assert r.execute_command("CLIENT", "PAUSE", "60000", "WRITE") in (True, "OK")
        with Raw(server.port) as writer, Raw(server.port) as publisher, \
                Raw(server.port) as reader:
            writer.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nnew\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
            publisher.send(b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1\r\nm\r\n")
            wait_until(lambda: blocked_clients(r) == 2, what="two clients to be held")
            assert reader.cmd("GET", "k") == b"$3\r\nold\r\n"  # reads go on
            assert reader.cmd("MULTI") == b"+OK\r\n"
            reader.cmd("GET", "k")
            assert reader.cmd("EXEC") == b"*1\r\n$3\r\nold\r\n"
            # Arguments the command table refuses are answered at once.
            assert reader.cmd("SET", "k").startswith(b"-ERR wrong number of arguments")
            assert r.execute_command("CLIENT", "UNPAUSE") in (True, "OK")
            assert writer.read_reply() == b"+OK\r\n"
            assert writer.read_reply() == b"$3\r\nnew\r\n"  # the GET after it waited too
            assert publisher.read_reply() == b":0\r\n"
        assert blocked_clients(r) == 0
        r.close()


def test_client_pause_all_and_its_timeout(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port, decode_responses=True)
        with Raw(server.port) as a, Raw(server.port) as b:
            a.cmd("CLIENT", "PAUSE", "300")  # ALL: reads wait too
            started = time.monotonic()
            b.send(b"*2\r\n$3\r\nGET\r\n$5\r\nother\r\n")
            a.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
            # Both are answered once the pause times out (INFO would wait too: it cannot tell).
            assert b.read_reply() == b"$-1\r\n"
            assert a.read_reply() == b"+OK\r\n"
            assert time.monotonic() - started >= 0.2
        r.close()


def test_client_pause_holds_what_the_same_pipeline_sends_after_it(start_credis, start_redis):
    """CLIENT PAUSE 300 WRITE; SET; GET in one write: the SET (and the GET after it) wait for
    the pause, as in Redis, where the pausing client is paused too."""
    for server in both(start_credis, start_redis):
        with Raw(server.port) as c, Raw(server.port) as other:
            started = time.monotonic()
            c.send(b"*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$3\r\n300\r\n$5\r\nWRITE\r\n"
                   b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
            assert c.read_reply() == b"+OK\r\n"
            assert other.cmd("GET", "k") == b"$-1\r\n"  # not written yet
            assert c.read_reply() == b"+OK\r\n"
            assert c.read_reply() == b"$1\r\nv\r\n"
            assert time.monotonic() - started >= 0.25


def test_client_pause_write_holds_a_writing_transaction(start_credis):
    server = start_credis(["--save", ""])
    r = redis.Redis(port=server.port, decode_responses=True)
    with Raw(server.port) as tx:
        tx.cmd("MULTI")
        tx.cmd("SET", "foo", "bar")
        r.execute_command("CLIENT", "PAUSE", "60000", "WRITE")
        tx.send(b"*1\r\n$4\r\nEXEC\r\n")
        wait_until(lambda: blocked_clients(r) == 1, what="the transaction to be held")
        assert r.get("foo") is None
        r.execute_command("CLIENT", "UNPAUSE")
        assert tx.read_reply() == b"*1\r\n+OK\r\n"
    assert r.get("foo") == "bar"


def test_client_pause_freezes_expiry(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port, decode_responses=True)
        before = r.info("stats")["expired_keys"]
        with Raw(server.port) as c:
            # Keys with short deadlines, written by the transaction that starts the pause.
            c.cmd("MULTI")
            c.cmd("SET", "a", "1", "PX", "10")
            c.cmd("SET", "b", "1", "PX", "10")
            c.cmd("CLIENT", "PAUSE", "60000", "WRITE")
            assert c.cmd("EXEC") == b"*3\r\n+OK\r\n+OK\r\n+OK\r\n"
        time.sleep(0.3)  # active expiry would have removed them by now
        assert r.get("a") is None  # expired for readers, but not deleted
        assert r.info("stats")["expired_keys"] == before and r.dbsize() == 2
        r.execute_command("CLIENT", "UNPAUSE")
        r.get("a")
        wait_until(lambda: r.dbsize() == 0, what="active expiry to go on")
        assert r.info("stats")["expired_keys"] == before + 2
        r.close()


def net_bytes(c):
    """INFO stats's byte counters, the fields, and the length of that INFO's own reply."""
    reply = c.cmd("INFO", "stats")
    text = reply.split(b"\r\n", 1)[1].decode()
    fields = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    return (int(fields["total_net_input_bytes"]), int(fields["total_net_output_bytes"]), fields,
            len(reply))


def test_net_byte_counters_as_redis(start_credis, start_redis):
    # A reply is counted once it is written, so an INFO's own reply shows in the next one.
    for server in both(start_credis, start_redis):
        with Raw(server.port) as c:
            in0, out0, _, reply0 = net_bytes(c)
            first = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"
            c.send(first)
            assert c.read_reply() == b"+OK\r\n"
            in1, out1, fields, _ = net_bytes(c)
            info_request = len(b"*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n")
            assert in1 - in0 == info_request + len(first)
            assert out1 - out0 == reply0 + len(b"+OK\r\n")
            for name in ("total_net_repl_input_bytes", "instantaneous_input_kbps",
                         "instantaneous_output_kbps", "instantaneous_ops_per_sec"):
                assert name in fields


def test_instantaneous_ops_per_sec(start_credis):
    server = start_credis(["--save", ""])
    r = redis.Redis(port=server.port)
    with Raw(server.port) as c:
        started = time.monotonic()
        while time.monotonic() - started < 0.5:
            c.send(b"*1\r\n$4\r\nPING\r\n" * 50)
            for _ in range(50):
                c.read_reply()
        assert r.info("stats")["instantaneous_ops_per_sec"] > 100


def test_monitor_gets_only_what_runs_after_it(start_credis, start_redis):
    # Transactions run while nobody monitors leave nothing behind for a later monitor.
    for server in both(start_credis, start_redis):
        with Raw(server.port) as c, Raw(server.port) as monitor:
            for _ in range(3):
                c.cmd("MULTI")
                c.cmd("SET", "k", "v")
                c.cmd("EXEC")
            assert monitor.cmd("MONITOR") == b"+OK\r\n"
            wait_until(lambda: c.cmd("ECHO", "marker") and True, what="the echo")
            assert monitor.read_reply().endswith(b'"ECHO" "marker"\r\n')


def test_reset_ends_monitor_mode(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        with Raw(server.port) as c, Raw(server.port) as monitor:
            monitor.cmd("MONITOR")
            assert monitor.cmd("RESET") == b"+RESET\r\n"
            c.cmd("SET", "k", "v")
            assert monitor.cmd("PING") == b"+PONG\r\n"  # no monitor line before it


def test_killing_a_blocked_client_loses_no_element(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port, decode_responses=True)
        with Raw(server.port) as waiter:
            wid = int(waiter.cmd("CLIENT", "ID")[1:-2])
            waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
            wait_until(lambda: blocked_clients(r) == 1, what="the client to block")
            with r.pipeline(transaction=False) as p:  # one read: no time for the close between
                p.execute_command("CLIENT", "KILL", "ID", wid)
                p.lpush("q", "job")
                p.llen("q")
                assert p.execute()[1:] == [1, 1]
            assert blocked_clients(r) == 0
        r.close()


def test_resetstat_keeps_the_slow_log(start_credis, start_redis):
    for server in both(start_credis, start_redis, ["--slowlog-log-slower-than", "0"]):
        r = redis.Redis(port=server.port, decode_responses=True)
        r.set("k", "v")
        before = r.slowlog_len()
        r.config_resetstat()
        assert r.slowlog_len() >= before > 0
        with pytest.raises(redis.ResponseError,
                           match="unknown subcommand or wrong number of arguments for 'GET'"):
            r.execute_command("SLOWLOG", "GET", "1", "2")
        r.close()


def test_a_very_long_pause_does_not_spin(start_credis):
    server = start_credis(["--save", ""])
    r = redis.Redis(port=server.port, decode_responses=True)
    r.execute_command("CLIENT", "PAUSE", "9999999999999999", "WRITE")
    assert r.get("k") is None  # reads go on
    before = cpu_seconds(server.proc.pid)
    time.sleep(0.5)
    assert cpu_seconds(server.proc.pid) - before < 0.2
    r.execute_command("CLIENT", "UNPAUSE")
    assert r.set("k", "v")


def test_output_to_an_idle_subscriber_is_counted(start_credis):
    server = start_credis(["--save", ""])
    r = redis.Redis(port=server.port)
    with Raw(server.port) as sub:
        sub.cmd("SUBSCRIBE", "ch")
        before = r.info("stats")["total_net_output_bytes"]
        payload = "x" * 10000
        for _ in range(20):
            r.publish("ch", payload)
        for _ in range(20):
            sub.read_reply()
        wait_until(lambda: r.info("stats")["total_net_output_bytes"] - before >= 200000,
                   what="the subscriber's bytes to count")


def test_fork_time_in_info(start_credis, start_redis):
    for server in both(start_credis, start_redis):
        r = redis.Redis(port=server.port)
        r.set("k", "v")
        assert r.info("stats")["total_forks"] == 0
        r.bgsave()
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0 and
                   r.info("stats")["total_forks"] == 1, what="the background save")
        assert 0 < r.info("stats")["latest_fork_usec"] < 10_000_000
        r.close()
