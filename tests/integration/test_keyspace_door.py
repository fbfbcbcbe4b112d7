"""A connection hands its batch to the keyspace by a call only when the keyspace has nothing
queued (actors/keyspace_door.hpp). What a connection tells the keyspace in a message just
before a batch (a name or protocol set by a command the connection ran itself, in the same
read) must still be seen by that batch, which then goes as a message behind it. Each test
fails when the call is taken with messages waiting (checked with such a build)."""
from helpers import Raw, encode, run_threads
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def test_a_name_set_in_the_same_read_is_seen_by_the_next_command(server):
    with Raw(server.port) as c:
        for i in range(200):
            c.send(encode("CLIENT", "SETNAME", f"n{i}") + encode("CLIENT", "INFO"))
            assert c.read_reply() == b"+OK\r\n"
            assert f" name=n{i} ".encode() in c.read_reply(), i


def test_a_protocol_chosen_in_the_same_read_is_seen_by_the_next_command(server):
    with Raw(server.port) as c:
        for i in range(200):
            resp = 3 if i % 2 == 0 else 2
            c.send(encode("HELLO", resp) + encode("CLIENT", "INFO"))
            c.read_reply()
            assert f" resp={resp}".encode() in c.read_reply(), i


def test_the_call_and_the_message_keep_each_clients_order(server):
    # Fifty clients at once: some batches go by the call, some as messages behind other
    # clients' batches and reports. Each client's own writes, reads and name stay in order.
    def client(n):
        with Raw(server.port) as c:
            for j in range(200):
                c.send(encode("CLIENT", "SETNAME", f"c{n}x{j}") + encode("INCR", f"count:{n}")
                       + encode("CLIENT", "INFO"))
                assert c.read_reply() == b"+OK\r\n"
                assert c.read_reply() == b":%d\r\n" % (j + 1)
                assert f" name=c{n}x{j} ".encode() in c.read_reply()

    run_threads(50, client)
