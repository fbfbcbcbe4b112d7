"""redis-cli against credis: one-shot commands, interactive mode fed through stdin, --no-raw
output shapes, --pipe mass insertion and --scan. Outputs are compared with redis-cli against a
real redis-server."""
import subprocess

import pytest

from conftest import REDIS_CLI
from helpers import Raw, redis_peer  # noqa: F401 (fixture)
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def cli(port, *args, input=None):
    res = subprocess.run([REDIS_CLI, "-p", str(port), *args], input=input, capture_output=True,
                         timeout=30)
    return res.returncode, res.stdout, res.stderr


@pytest.fixture
def ports(server, redis_peer):
    with Raw(redis_peer.port) as r:
        r.cmd("FLUSHALL")
    return server.port, redis_peer.port


def same_output(ports, *args, input=None):
    got = cli(ports[0], *args, input=input)
    want = cli(ports[1], *args, input=input)
    assert got[:2] == want[:2], f"redis-cli {args}: credis {got!r}, redis-server {want!r}"
    return got[1]


def test_ping_set_get(server):
    assert cli(server.port, "ping")[:2] == (0, b"PONG\n")
    assert cli(server.port, "set", "greeting", "hello world")[1] == b"OK\n"
    assert cli(server.port, "get", "greeting")[1] == b"hello world\n"
    assert cli(server.port, "get", "missing")[1] == b"\n"
    assert cli(server.port, "del", "greeting")[1] == b"1\n"


def test_one_shot_commands_same_output_as_redis(ports):
    for args in [("ping",), ("ping", "hi"), ("set", "a", "1"), ("get", "a"), ("get", "nope"),
                 ("incr", "a"), ("incrby", "a", "x"), ("mset", "b", "2", "c", "3"),
                 ("mget", "a", "b", "nope", "c"), ("exists", "a", "b"), ("type", "a"),
                 ("keys", "zz*"), ("dbsize",), ("foo", "bar"), ("get",), ("ttl", "a"),
                 ("set", "e", "v", "ex", "100"), ("ttl", "e"), ("config", "get", "databases"),
                 ("echo", "a b\tc"), ("set", "bin", "x\x01y"), ("get", "bin"),
                 ("--no-raw", "get", "bin"), ("client", "getname"), ("wait", "0", "0"),
                 ("select", "20"), ("flushall",), ("dbsize",)]:
        same_output(ports, *args)


def test_interactive_mode_through_stdin(server):
    code, out, _ = cli(server.port, input=b"set a 1\nget a\n")
    assert code == 0
    assert out == b"OK\n1\n"


def test_interactive_mode_same_output_as_redis(ports):
    script = (b"set a 1\nget a\nincr a\nget nope\nfoo bar\nmget a nope\nkeys zz*\n"
              b"set \"k with space\" \"v\\x41\"\nget \"k with space\"\nappend a 5\n"
              b"select 2\nget a\nselect 0\nget a\nexists a nope\nping\necho 'x y'\n"
              b"set p v px 100000\nttl p\ndbsize\nclient setname me\nclient getname\n")
    same_output(ports, input=script)
    same_output(ports, "--no-raw", input=script)


NO_RAW_STEPS = [
    (("set", "a", "1"), b"OK\n"),
    (("get", "a"), b'"1"\n'),
    (("get", "nope"), b"(nil)\n"),
    (("incr", "a"), b"(integer) 2\n"),
    (("mget", "a", "nope"), b'1) "2"\n2) (nil)\n'),
    (("keys", "zz*"), b"(empty array)\n"),
    (("foo",), b"(error) ERR unknown command 'foo', with args beginning with: \n"),
    (("ping",), b"PONG\n"),
    (("echo", "tab\there"), b'"tab\\there"\n'),
    (("ttl", "a"), b"(integer) -1\n"),
    (("get",), b"(error) ERR wrong number of arguments for 'get' command\n"),
]


def test_no_raw_output_shapes(server):
    for args, expected in NO_RAW_STEPS:  # in order: each step builds on the previous
        code, out, _ = cli(server.port, "--no-raw", *args)
        assert code == 0
        assert out == expected, args


def test_select_database_with_n(server):
    assert cli(server.port, "-n", "2", "set", "x", "in2")[1] == b"OK\n"
    assert cli(server.port, "get", "x")[1] == b"\n"
    assert cli(server.port, "-n", "2", "get", "x")[1] == b"in2\n"
    assert cli(server.port, "-n", "2", "dbsize")[1] == b"1\n"


def test_repeat_and_value_from_stdin(server):
    assert cli(server.port, "-r", "3", "incr", "n")[1] == b"1\n2\n3\n"
    assert cli(server.port, "-x", "set", "fromstdin", input=b"line1\nline2\n")[1] == b"OK\n"
    assert cli(server.port, "strlen", "fromstdin")[1] == b"12\n"


def test_pipe_mass_insertion(server):
    n = 2000
    data = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(k), k, len(v), v) for k, v in ((f"m{i}".encode(), str(i).encode())
                                             for i in range(n)))
    code, out, err = cli(server.port, "--pipe", input=data)
    assert code == 0, err
    text = (out + err).decode()
    assert f"errors: 0, replies: {n}" in text, text
    assert cli(server.port, "dbsize")[1] == f"{n}\n".encode()
    assert cli(server.port, "get", "m1999")[1] == b"1999\n"


def test_scan_lists_every_key(ports):
    keys = [f"scan:{i}" for i in range(300)]
    for port in ports:
        assert cli(port, "mset", *[x for k in keys for x in (k, "1")])[1] == b"OK\n"
    got = cli(ports[0], "--scan")[1].split()
    want = cli(ports[1], "--scan")[1].split()
    assert sorted(got) == sorted(want) == sorted(k.encode() for k in keys)
    got = cli(ports[0], "--scan", "--pattern", "scan:1?")[1].split()
    assert sorted(got) == sorted(f"scan:1{i}".encode() for i in range(10))


def test_info_and_config_through_cli(server):
    out = cli(server.port, "info", "server")[1].decode()
    assert out.startswith("# Server")
    assert f"tcp_port:{server.port}" in out
    assert cli(server.port, "config", "get", "port")[1] == f"port\n{server.port}\n".encode()
