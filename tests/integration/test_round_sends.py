"""A round of the event loop sends its replies together at its end: through an io_uring, up to
16 connections' per system call (default), or a send() each (--io-uring no). Either way every
client gets its own replies, in order, and the setting holds from start-up."""
import os

import pytest
import redis

from helpers import Raw, encode, run_threads


def holds_io_uring(pid):
    """Whether the process has an io_uring open (its fd links to anon_inode:[io_uring])."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if "io_uring" in os.readlink(f"/proc/{pid}/fd/{fd}"):
                return True
        except FileNotFoundError:  # closed meanwhile
            continue
    return False


@pytest.mark.parametrize("io_uring", ["yes", "no"])
def test_the_log_says_how_replies_go_and_the_process_agrees(start_credis, io_uring):
    server = start_credis(["--io-uring", io_uring])
    log = server.output()
    if io_uring == "no":
        assert "io-uring no: replies are sent with a send() each" in log
        assert not holds_io_uring(server.proc.pid)
    elif "io_uring is not available" in log:
        # A kernel or container without io_uring: the server says why and works without.
        assert not holds_io_uring(server.proc.pid)
    else:
        assert "Replies are sent through io_uring" in log
        assert holds_io_uring(server.proc.pid)
    assert server.client().config_get("io-uring") == {"io-uring": io_uring}


def test_io_uring_is_set_at_start_up_only(start_credis):
    server = start_credis([])
    r = server.client()
    assert r.config_get("io-uring") == {"io-uring": "yes"}
    r.config_set("io-uring", "yes")  # its current value is taken
    with pytest.raises(redis.ResponseError, match="only at start-up"):
        r.config_set("io-uring", "no")


@pytest.mark.parametrize("io_uring", ["yes", "no"])
def test_many_clients_in_one_round_each_get_their_own_replies_in_order(start_credis, io_uring):
    server = start_credis(["--io-uring", io_uring])
    clients, rounds, depth = 40, 30, 20

    def client(i):
        with Raw(server.port) as c:
            for r in range(rounds):
                # A pipeline whose replies differ per client and per request: a reply sent to the
                # wrong socket, twice, or out of order shows.
                c.send(b"".join(encode("SET", f"c{i}:k{j}", f"v{i}.{r}.{j}") +
                                encode("GET", f"c{i}:k{j}") for j in range(depth)))
                for j in range(depth):
                    assert c.read_reply() == b"+OK\r\n"
                    value = f"v{i}.{r}.{j}".encode()
                    assert c.read_reply() == b"$%d\r\n%s\r\n" % (len(value), value)

    run_threads(clients, client)
    assert server.client().dbsize() == clients * depth


@pytest.mark.parametrize("io_uring", ["yes", "no"])
def test_a_client_that_closes_with_replies_pending_costs_the_others_nothing(start_credis,
                                                                           io_uring):
    server = start_credis(["--io-uring", io_uring])

    def client(i):
        for _ in range(20):
            with Raw(server.port) as c:
                c.send(encode("SET", f"k{i}", "v") * 50)  # and gone before the replies
        with Raw(server.port) as c:
            assert c.cmd("GET", f"k{i}") == b"$1\r\nv\r\n"

    run_threads(20, client)
    assert server.client().ping()
