"""Many clients at once: each sees its own writes, shared counters add up, and databases
selected on one connection do not leak into another."""
import threading

from helpers import Raw, call, encode, run_threads
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def test_fifty_clients_write_and_read_their_own_keys(server):
    n_clients, n_keys = 50, 100

    def client(i):
        r = server.client()
        try:
            for j in range(n_keys):
                assert r.set(f"c{i}:k{j}", f"{i}-{j}") is True
            for j in range(n_keys):
                assert r.get(f"c{i}:k{j}") == f"{i}-{j}".encode()
            assert r.append(f"c{i}:k0", "+") == len(f"{i}-0") + 1
            assert r.incrby(f"c{i}:n", i) == i
            assert sorted(r.keys(f"c{i}:*")) == sorted(
                [f"c{i}:k{j}".encode() for j in range(n_keys)] + [f"c{i}:n".encode()])
            assert r.mget([f"c{i}:k1", f"c{i}:k2"]) == [f"{i}-1".encode(), f"{i}-2".encode()]
        finally:
            r.close()

    run_threads(n_clients, client)
    r = server.client()
    assert r.dbsize() == n_clients * (n_keys + 1)
    for i in range(n_clients):
        assert r.get(f"c{i}:k0") == f"{i}-0+".encode()
        assert r.get(f"c{i}:n") == str(i).encode()


def test_shared_counter_increments_are_not_lost(server):
    n_clients, n_incr = 50, 200

    def client(i):
        with Raw(server.port, timeout=60) as c:
            # Half pipeline their INCRs, half send them one by one.
            if i % 2:
                c.send(encode("INCR", "counter") * n_incr)
                replies = [int(c.read_reply()[1:-2]) for _ in range(n_incr)]
            else:
                replies = [int(c.cmd("INCR", "counter")[1:-2]) for _ in range(n_incr)]
            assert replies == sorted(replies) and len(set(replies)) == n_incr

    run_threads(n_clients, client)
    with Raw(server.port) as c:
        assert c.cmd("GET", "counter") == b"$5\r\n10000\r\n"


def test_concurrent_clients_in_different_databases(server):
    def client(i):
        with Raw(server.port) as c:
            db = i % 16
            assert c.cmd("SELECT", str(db)) == b"+OK\r\n"
            for j in range(50):
                assert c.cmd("SET", f"k{j}", f"db{db}") == b"+OK\r\n"
                assert call(c, "GET", f"k{j}") == f"db{db}".encode()

    run_threads(32, client)
    with Raw(server.port) as c:
        for db in range(16):
            assert c.cmd("SELECT", str(db)) == b"+OK\r\n"
            assert call(c, "DBSIZE") == 50
            assert call(c, "GET", "k7") == f"db{db}".encode()


def test_setnx_race_has_exactly_one_winner(server):
    winners = []
    lock = threading.Lock()

    def client(i):
        with Raw(server.port) as c:
            for round_ in range(20):
                if c.cmd("SET", f"lock:{round_}", str(i), "NX") == b"+OK\r\n":
                    with lock:
                        winners.append((round_, i))

    run_threads(40, client)
    rounds = sorted(r for r, _ in winners)
    assert rounds == list(range(20))
    with Raw(server.port) as c:
        for round_, i in winners:
            assert call(c, "GET", f"lock:{round_}") == str(i).encode()


def test_clients_connecting_and_leaving_while_others_work(server):
    stop = threading.Event()
    churn_errors = []

    def churn():
        try:
            while not stop.is_set():
                with Raw(server.port) as c:
                    assert c.cmd("PING") == b"+PONG\r\n"
        except Exception as e:  # noqa: BLE001
            churn_errors.append(repr(e))

    churners = [threading.Thread(target=churn) for _ in range(4)]
    for t in churners:
        t.start()
    try:
        def worker(i):
            with Raw(server.port) as c:
                for j in range(200):
                    assert c.cmd("SET", f"w{i}", str(j)) == b"+OK\r\n"
                    assert call(c, "GET", f"w{i}") == str(j).encode()

        run_threads(20, worker)
    finally:
        stop.set()
        for t in churners:
            t.join()
    assert churn_errors == []
