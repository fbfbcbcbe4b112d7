"""Helpers for test_replication.py: starting masters and replicas of either binary, reading
INFO replication, comparing datasets, a raw replication-link reader (for a fake replica) and a
fake master (for checking a replica's side of the protocol), and a small RDB writer for the
payloads the fake master sends.

No sleeps as synchronisation: everything that waits polls with server_process.wait_until.
"""
import os
import random
import re
import socket
import time

from conftest import wait_until
from helpers import Raw, encode, parse_info, parse_prefix

SYNC_TIMEOUT = 30.0  # generous: the ASan build is several times slower
LINK_TIMEOUT = 30.0


# --- starting servers -------------------------------------------------------------------------

class Servers:
    """Starts credis-server or redis-server ("credis" / "redis") with the replication flags the
    tests use, through conftest's factories (so every process is stopped at teardown)."""

    def __init__(self, start_credis, start_redis):
        self.factories = {"credis": start_credis, "redis": start_redis}
        self.started = []

    def unexpected_exits(self):
        """Servers that exited without the test stopping them (a crash, most likely)."""
        return [f"{describe(s)} exited with status {s.proc.returncode}; log tail:\n{tail(s)}"
                for s in self.started if s.proc.poll() is not None and not s.stopped_by_test]

    def start(self, kind, replicaof=None, diskless=None, save=None, extra=(), port=None,
              workdir=None):
        """`replicaof`: a Server (or port) to replicate from; `diskless`: True/False for
        --repl-diskless-sync; `save`: a --save value ("3600 1") or None for no save points."""
        args = ["--repl-diskless-sync-delay", "0"]
        if kind == "credis" or save is not None:
            # conftest already gives redis-server --save ""; a later --save replaces it.
            args += ["--save", save or ""]
        if diskless is not None:
            args += ["--repl-diskless-sync", "yes" if diskless else "no"]
        if replicaof is not None:
            args += ["--replicaof", f"127.0.0.1 {port_of(replicaof)}"]
        if kind == "redis":
            args += ["--shutdown-timeout", "0"]  # no waiting for replicas' ACKs at teardown
        args += list(extra)
        s = self.factories[kind](args, port=port, workdir=workdir)
        s.kind = kind
        s.stopped_by_test = False
        plain_stop = s.stop

        def stop(*a, **kw):
            s.stopped_by_test = True
            return plain_stop(*a, **kw)
        s.stop = stop
        self.started.append(s)
        s.start_kw = dict(replicaof=replicaof, diskless=diskless, save=save, extra=extra)
        return s

    def restart(self, old, **changes):
        """Starts `old`'s binary again on the same port and in the same directory (so with the
        RDB file it may have written), after it has stopped. Its log is kept under a new name
        (still *.log, so the sanitizer check reads it)."""
        assert not old.alive(), "restart() needs the old process stopped first"
        os.rename(old.log_path, old.log_path[:-len(".log")] + f"-run{time.monotonic_ns()}.log")
        kw = dict(old.start_kw)
        kw.update(changes)
        return self.start(old.kind, port=old.port, workdir=old.dir, **kw)


def port_of(server_or_port):
    return server_or_port if isinstance(server_or_port, int) else server_or_port.port


def describe(s):
    return f"{getattr(s, 'kind', '?')}:{s.port}"


# --- INFO and polling -------------------------------------------------------------------------

def info(server, section="replication"):
    with Raw(port_of(server)) as c:
        reply = c.cmd("INFO", section)
    assert reply.startswith(b"$"), f"INFO {section} replied {reply!r}"
    return parse_info(reply.split(b"\r\n", 1)[1].decode(errors="replace"))


def replica_entries(master_info):
    """The slaveN fields of a master's INFO replication, as a list of dicts."""
    out = []
    for k in sorted((k for k in master_info if re.fullmatch(r"slave\d+", k)),
                    key=lambda k: int(k[5:])):
        out.append(dict(kv.split("=", 1) for kv in master_info[k].split(",")))
    return out


def link_is_up(replica, master):
    i = info(replica)
    return (i.get("role") == "slave" and i.get("master_link_status") == "up"
            and i.get("master_port") == str(port_of(master)))


def wait_link_up(replica, master, timeout=LINK_TIMEOUT):
    try:
        wait_until(lambda: link_is_up(replica, master), timeout=timeout, interval=0.05,
                   what=f"replica {describe(replica)} linked to {port_of(master)}")
    except TimeoutError as e:
        raise AssertionError(f"{e}\nreplica INFO: {info(replica)}\nreplica log tail:\n"
                             f"{tail(replica)}") from None


def online_replica_ports(master):
    return sorted(int(e["port"]) for e in replica_entries(info(master))
                  if e.get("state") == "online")


def wait_online(master, replicas, timeout=LINK_TIMEOUT):
    """Waits until the master lists exactly `replicas` (Servers), all state=online."""
    want = sorted(r.port for r in replicas)

    def ok():
        i = info(master)
        return (i.get("connected_slaves") == str(len(want))
                and online_replica_ports(master) == want)
    try:
        wait_until(ok, timeout=timeout, interval=0.05,
                   what=f"master {describe(master)} with online replicas {want}")
    except TimeoutError as e:
        raise AssertionError(f"{e}\nmaster INFO: {info(master)}\nmaster log tail:\n"
                             f"{tail(master)}") from None


def synced(master, replicas):
    off = info(master)["master_repl_offset"]
    return all(info(r).get("slave_repl_offset") == off for r in replicas)


def wait_synced(master, *replicas, timeout=SYNC_TIMEOUT):
    """Waits until every replica has processed the master's whole stream: its
    slave_repl_offset equals the master's master_repl_offset (the link must be up)."""
    for r in replicas:
        wait_link_up(r, master, timeout)
    try:
        wait_until(lambda: synced(master, replicas), timeout=timeout, interval=0.05,
                   what="replication offsets to match")
    except TimeoutError as e:
        detail = [f"master {describe(master)} master_repl_offset="
                  f"{info(master).get('master_repl_offset')}"]
        for r in replicas:
            ri = info(r)
            detail.append(f"replica {describe(r)} slave_repl_offset="
                          f"{ri.get('slave_repl_offset')} link={ri.get('master_link_status')}")
        raise AssertionError(f"{e}: " + "; ".join(detail)) from None


def tail(server, lines=25):
    try:
        return "\n".join(server.output().splitlines()[-lines:])
    except (OSError, ValueError):
        return "(no log)"


# --- pipelined raw commands -------------------------------------------------------------------

def pipeline(port, commands, chunk=5000, timeout=60.0):
    """Sends `commands` (tuples, or pre-encoded bytes) on one connection in chunks and returns
    every parsed reply. Error replies come back as ReplyError objects."""
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        for start in range(0, len(commands), chunk):
            part = commands[start:start + chunk]
            s.sendall(b"".join(c if isinstance(c, bytes) else encode(*c) for c in part))
            buf, i, got = b"", 0, 0
            while got < len(part):
                data = s.recv(1 << 20)
                if not data:
                    raise ConnectionError(f"server on {port} closed the connection")
                buf = buf[i:] + data
                i = 0
                while got < len(part):
                    r = parse_prefix(buf, i)
                    if r is None:
                        break
                    v, i = r
                    out.append(v)
                    got += 1
    return out


# How dump_db reads a key of each type (as TYPE names it) whole.
READ_WHOLE = {b"string": ("GET",), b"list": ("LRANGE", 0, -1), b"hash": ("HGETALL",),
              b"set": ("SMEMBERS",), b"zset": ("ZRANGE", 0, -1, "WITHSCORES")}
# Types whose members come in each server's own table order.
UNORDERED = {b"hash": 2, b"set": 1}


def in_order(reply, kind):
    """A hash's or set's members (pairs for a hash) sorted, so two tables compare equal."""
    step = UNORDERED.get(kind)
    if not step or not isinstance(reply, list):
        return reply
    return sorted(tuple(reply[i:i + step]) for i in range(0, len(reply), step))


def dump_db(port, db):
    """{key: (value, pttl)} for every key of a database of string, list, hash and set keys."""
    keys = pipeline(port, [("SELECT", db), ("KEYS", "*")])[1]
    assert isinstance(keys, list), keys
    types = pipeline(port, [("SELECT", db)] + [("TYPE", k) for k in keys])[1:]
    cmds = [("SELECT", db)]
    for k, t in zip(keys, types):
        read = READ_WHOLE.get(t, ("GET",))
        cmds += [(read[0], k, *read[1:]), ("PTTL", k)]
    replies = pipeline(port, cmds)[1:]
    return {k: (in_order(replies[2 * n], t), replies[2 * n + 1])
            for n, (k, t) in enumerate(zip(keys, types))}


def assert_same_data(master, replica, dbs, ttl_tolerance_ms=3000, at_least=1):
    """Key by key: the same keys, values, and TTLs (both none, or within the tolerance)."""
    total = 0
    for db in dbs:
        want, got = dump_db(master.port, db), dump_db(replica.port, db)
        total += len(want)
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        assert not missing and not extra, (
            f"db {db}: {describe(replica)} lacks {len(set(want) - set(got))} keys of "
            f"{describe(master)} (e.g. {missing}) and has {len(set(got) - set(want))} extra "
            f"(e.g. {extra})")
        bad = []
        for k, (v, ttl) in want.items():
            rv, rttl = got[k]
            if rv != v:
                bad.append(f"{k!r}: value {rv!r} != {v!r}")
            elif (ttl < 0 or rttl < 0) and ttl != rttl:
                bad.append(f"{k!r}: PTTL {rttl} != {ttl}")
            elif abs(ttl - rttl) > ttl_tolerance_ms:
                bad.append(f"{k!r}: PTTL {rttl} vs master's {ttl}")
        assert not bad, f"db {db}: {len(bad)} keys differ, e.g. " + "; ".join(bad[:5])
    assert total >= at_least, f"only {total} keys compared"
    return total


def dbsize(server, db=0):
    return pipeline(server.port, [("SELECT", db), ("DBSIZE",)])[1]


# --- a raw replication link -------------------------------------------------------------------

class Link(Raw):
    """A socket speaking the replication protocol: keepalive newlines, commands as RESP arrays
    (with their byte count, for offsets), RDB payloads in both forms."""

    def __init__(self, port, timeout=10.0):
        super().__init__(port, timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def skip_newlines(self):
        while True:
            while not self.buf:
                self._fill()
            stripped = self.buf.lstrip(b"\n")
            if stripped:
                self.buf = stripped
                return
            self.buf = b""

    def line(self):
        """One line, without its CRLF, after any keepalive newlines."""
        self.skip_newlines()
        return self._line()[:-2]

    def read_command(self):
        """One RESP array of bulk strings -> (list of bytes, its size on the wire)."""
        first = self._line()
        assert first[:1] == b"*", f"expected a RESP array, got {first!r} (+{self.buf[:60]!r})"
        size = len(first)
        args = []
        for _ in range(int(first[1:-2])):
            head = self._line()
            assert head[:1] == b"$", f"expected a bulk string, got {head!r}"
            n = int(head[1:-2])
            data = self._exact(n + 2)
            assert data[-2:] == b"\r\n", f"bulk not ended by CRLF: {data[-10:]!r}"
            args.append(data[:-2])
            size += len(head) + n + 2
        return args, size

    def read_payload(self):
        """Reads the RDB transfer after +FULLRESYNC: `$<len>\\r\\n<len bytes>` or
        `$EOF:<40 bytes>\\r\\n<rdb><same 40 bytes>`. Returns (form, rdb bytes)."""
        head = self.line()
        assert head.startswith(b"$"), f"RDB transfer must start with '$', got {head!r}"
        if head.startswith(b"$EOF:"):
            mark = head[5:]
            assert len(mark) == 40, f"EOF mark must be 40 bytes: {head!r}"
            while mark not in self.buf:
                self._fill()
            i = self.buf.index(mark)
            rdb, self.buf = self.buf[:i], self.buf[i + 40:]
            return "eof", rdb
        n = int(head[1:])
        return "len", self._exact(n)

    def ack_until_data(self, offset, timeout=30.0):
        """Sends REPLCONF ACK <offset> every 100 ms (a real replica does every second) until
        the master sends something."""
        deadline = time.monotonic() + timeout
        try:
            while not self.buf:
                assert time.monotonic() < deadline, f"nothing from the master in {timeout}s"
                self.send(encode("REPLCONF", "ACK", offset))
                self.sock.settimeout(0.1)
                try:
                    data = self.sock.recv(1 << 16)
                except socket.timeout:
                    continue
                if not data:
                    raise ConnectionError("master closed the replication link")
                self.buf += data
        finally:
            self.sock.settimeout(10.0)

    def response_or_close(self, timeout=10.0):
        """True once something was received or the peer closed; False after `timeout`."""
        if self.buf:
            return True
        self.sock.settimeout(timeout)
        try:
            self.buf += self.sock.recv(1 << 16)
            return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(10.0)


def replica_handshake(link, listening_port, capa=(b"eof", b"psync2")):
    """What a Redis 7.0 replica sends: PING, then both REPLCONFs in one write, then
    PSYNC ? -1. Returns (replid, offset, form, rdb)."""
    link.send(encode("PING"))
    pong = link.line()
    assert pong == b"+PONG", f"PING -> {pong!r}"
    capa_args = []
    for c in capa:
        capa_args += [b"capa", c]
    link.send(encode("REPLCONF", "listening-port", listening_port) +
              encode("REPLCONF", *capa_args))
    for what in ("listening-port", "capa"):
        ok = link.line()
        assert ok == b"+OK", f"REPLCONF {what} -> {ok!r}"
    link.send(encode("PSYNC", "?", "-1"))
    full = link.line()
    m = re.fullmatch(rb"\+FULLRESYNC ([A-Za-z0-9]{40}) (\d+)", full)
    assert m, f"PSYNC ? -1 -> {full!r}"
    form, rdb = link.read_payload()
    return m.group(1).decode(), int(m.group(2)), form, rdb


# --- RDB payloads for the fake master ---------------------------------------------------------

def _crc64_table():
    poly = 0x95AC9329AC4BC9B5  # Jones polynomial 0xad93d23594c935a9, bit-reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64 = _crc64_table()


def crc64(data, crc=0):
    for b in data:
        crc = _CRC64[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def _rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + n.to_bytes(4, "big")


def _rdb_str(s):
    s = s.encode() if isinstance(s, str) else s
    return _rdb_len(len(s)) + s


def build_rdb(dbs=None, version=b"0010", checksum=True):
    """An RDB file: {db: {key: value or (value, unix-ms deadline)}} of strings."""
    out = b"REDIS" + version
    out += b"\xfa" + _rdb_str("redis-ver") + _rdb_str("7.0.15")
    out += b"\xfa" + _rdb_str("redis-bits") + b"\xc0\x40"
    for db, kv in sorted((dbs or {}).items()):
        expiring = sum(1 for v in kv.values() if isinstance(v, tuple))
        out += b"\xfe" + _rdb_len(db) + b"\xfb" + _rdb_len(len(kv)) + _rdb_len(expiring)
        for k, v in kv.items():
            if isinstance(v, tuple):
                v, deadline = v
                out += b"\xfc" + deadline.to_bytes(8, "little")
            out += b"\x00" + _rdb_str(k) + _rdb_str(v)
    out += b"\xff"
    return out + (crc64(out).to_bytes(8, "little") if checksum else b"\x00" * 8)


# --- a fake master ----------------------------------------------------------------------------

FAKE_REPLID = "6d1a5c0c9e4b3f2a17d8e0b9c4a3f2e1d0c9b8a7"


class FakeMaster:
    """A listening socket on a free port; the test accepts the replica's connections one at
    a time and plays the master's side itself."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.links = []

    def accept(self, timeout=LINK_TIMEOUT, what="the replica to connect"):
        self.sock.settimeout(timeout)
        try:
            conn, _ = self.sock.accept()
        except socket.timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} "
                                 f"(fake master on {self.port}, {self.accepted} "
                                 f"connections so far)") from None
        conn.settimeout(10.0)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = Link.__new__(Link)
        link.sock, link.buf = conn, b""
        self.accepted += 1
        self.links.append(link)
        return link

    def close(self):
        for link in self.links:
            try:
                link.close()
            except OSError:
                pass
        self.sock.close()


def expect_command(link, *want_prefix):
    args, size = link.read_command()
    got = [a.lower() for a in args[:len(want_prefix)]]
    want = [w.lower().encode() if isinstance(w, str) else w.lower() for w in want_prefix]
    assert got == want, f"replica sent {args!r}, expected {want_prefix!r}..."
    return args


def serve_handshake(link, replica_port=None):
    """Plays a master through PING, REPLCONF listening-port, REPLCONF capa (whatever order
    of REPLCONFs a replica uses) up to the PSYNC; returns (capas, psync args)."""
    expect_command(link, "PING")
    link.send(b"+PONG\r\n")
    capas = []
    while True:
        args, _ = link.read_command()
        name = args[0].lower()
        if name == b"replconf":
            sub = args[1].lower() if len(args) > 1 else b""
            if sub == b"listening-port" and replica_port is not None:
                assert args[2] == str(replica_port).encode(), f"listening-port {args!r}"
            if sub == b"capa":
                assert len(args) % 2 == 1, f"REPLCONF capa needs pairs: {args!r}"
                assert all(args[i].lower() == b"capa" for i in range(1, len(args), 2)), args
                capas += [args[i].lower() for i in range(2, len(args), 2)]
            link.send(b"+OK\r\n")
            continue
        assert name in (b"psync", b"sync"), f"unexpected handshake command {args!r}"
        return capas, args


def send_full_sync(link, rdb, form="len", replid=FAKE_REPLID, offset=0, newlines=0):
    """+FULLRESYNC then the payload, `form` "len" or "eof"; `newlines` keepalives before
    each (as a real master sends while its BGSAVE runs)."""
    link.send(b"\n" * newlines + f"+FULLRESYNC {replid} {offset}\r\n".encode())
    if form == "eof":
        mark = bytes(random.Random(7).choice(b"0123456789abcdef") for _ in range(40))
        link.send(b"\n" * newlines + b"$EOF:" + mark + b"\r\n" + rdb + mark)
    else:
        link.send(b"\n" * newlines + b"$%d\r\n" % len(rdb) + rdb)
