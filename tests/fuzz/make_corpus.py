#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) and their
dictionaries (tests/fuzz/<target>.dict). Deterministic: run it again after changing it.

  resp_parser  pipelines, inline commands, quoting, big bulks (>= 32 KB declared), bad lengths
  master_link  handshake replies, +FULLRESYNC with $<len> and $EOF:<mark> payloads, +CONTINUE,
               keep-alives, the command stream (REPLCONF GETACK), broken replies
  rdb_reader   the small fixtures of tests/fixtures/rdb, and one small file per encoding built
               with the fixture script's helpers (ziplist, zipmap, intset, quicklist 1 and 2,
               listpacks, plain types, LZF, expiries, streams, opcodes)
  hll_sketch   valid sparse sketches (Redis's own "a b c" one, runs of every opcode), dense
               bodies, each with register raises (tests/fuzz/hll_sketch_fuzz.cpp's input form)

The split targets' inputs start with a header (tests/fuzz/fuzz_common.hpp): <flags> <n>
<n chunk sizes>, then the bytes to feed; with flags 0xF0..0xFF, 0xF5 <c> <k> in those bytes stands
for c repeated (k + 1) * 256 times (the seeds named limit_* reach the 64 KB limits that way).
"""

import os
import shutil
import struct
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
sys.modules.setdefault("redis", types.ModuleType("redis"))  # the fixture script imports it
sys.path.insert(0, FIXTURES)
import make_rdb_fixtures as fx  # noqa: E402

BIG = 32 * 1024  # protocol/resp_parser.hpp big_bulk_size


def header(flags, sizes):
    """flags byte, count byte, chunk-size bytes (see split_input in fuzz_common.hpp)."""
    return bytes([flags, len(sizes) - 1]) + bytes(sizes)


# A few ways to split: byte by byte, small odd chunks, 1 KB and 4 KB, mixed.
SPLITS = [
    header(1, [0]),
    header(1, [2, 6, 0, 12]),
    header(0, [0x80]),
    header(1, [0x83, 0, 0x7f]),
    header(3, [4, 1]),
]


def resp(*argv):
    out = b"*%d\r\n" % len(argv)
    for a in argv:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def resp_seeds():
    s = {}
    s["ping"] = resp("PING")
    s["pipeline"] = (resp("SET", "key", "value") + resp("GET", "key") + resp("DEL", "a", "b", "c") +
                     resp("INCR", "counter") + resp("LPUSH", "l", "x", "y", "z"))
    s["inline"] = b"PING\r\nSET k v\r\nGET k\nECHO   spaced\t words  \r\n"
    s["inline_quotes"] = (b'SET "a\\x41\\n\\r\\t\\b\\a\\\\\\"b" \'it\\\'s\'\r\n'
                          b'ECHO "" \'\' "x y"\r\n')
    s["inline_unbalanced"] = b'SET "abc\r\n'
    s["inline_bad_close"] = b'SET "abc"def\r\n'
    s["blank_lines"] = b"\r\n\n   \r\n" + resp("PING") + b"\r\n"
    s["empty_multibulk"] = b"*0\r\n*-1\r\n" + resp("PING")
    s["mixed"] = resp("SET", "k", "v") + b"GET k\r\n" + resp("GET", "k")
    s["binary"] = resp("SET", b"\x00\xff\r\n", b"\r\n\r\n*1\r\n$1\r\n")
    s["bad_count"] = b"*abc\r\n"
    s["bad_count_zero"] = b"*01\r\n$1\r\na\r\n"
    s["too_many"] = b"*1048577\r\n"
    s["max_count"] = b"*1048576\r\n$1\r\na\r\n"
    s["bad_dollar"] = b"*2\r\n$3\r\nGET\r\n:1\r\n"
    s["neg_bulk"] = b"*1\r\n$-1\r\n"
    s["huge_bulk"] = b"*1\r\n$536870913\r\n"
    s["max_bulk"] = b"*1\r\n$536870912\r\nabc"
    s["bulk_no_crlf"] = b"*1\r\n$3\r\nabcXY*1\r\n$4\r\nPING\r\n"
    s["truncated"] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva"
    s["cr_only"] = b"*1\r$4\rPING\r\n"
    # Big bulks: one complete (the only seed above a few KB), others declared and cut short.
    data = bytes((i * 7) & 0xFF for i in range(BIG))
    s["big_complete"] = (resp("SET", "k", data) + resp("PING"))
    s["big_cut"] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n" + b"v" * 1500
    s["big_two_cut"] = (b"*4\r\n$4\r\nMSET\r\n$1\r\na\r\n$32768\r\n" + b"a" * 200)
    s["big_min_minus_one"] = b"*2\r\n$3\r\nSET\r\n$32767\r\n" + b"x" * 100
    s["big_declared_huge"] = b"*2\r\n$3\r\nSET\r\n$536870912\r\n" + b"z" * 64
    return s


def write(dirname, name, data):
    with open(os.path.join(dirname, name), "wb") as f:
        f.write(data)


def rep(c, times256):
    """The expansion escape (flags 0xF_): byte c repeated times256 * 256 times."""
    out = b""
    while times256 > 0:
        n = min(times256, 256)
        out += b"\xf5" + c + bytes([n - 1])
        times256 -= n
    return out


# Seeds that pass the protocol's 64 KB limits, written with the expansion escape.
def resp_big_seeds():
    s = {}
    # No line end at all: both runs refuse it without splitting a huge line (slow under ASan).
    s["limit_inline"] = b"SET k " + rep(b"a", 300)
    s["limit_mbulk_count"] = b"*" + rep(b"1", 300) + b"\r\n"
    s["limit_bulk_count"] = b"*2\r\n$3\r\nGET\r\n$" + rep(b"9", 300) + b"\r\n"
    s["big_bulk_expanded"] = (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$65536\r\n" + rep(b"x", 256) +
                              b"\r\n" + resp("GET", "k"))
    return s


def master_big_seeds():
    s = {}
    s["limit_reply_line"] = b"+" + rep(b"P", 300) + b"\r\n"
    s["limit_payload_header"] = (HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 0\r\n$" +
                                 rep(b"1", 300) + b"\r\n")
    s["limit_stream_inline"] = HANDSHAKE + b"+CONTINUE\r\n" + rep(b"x", 300)
    s["payload_expanded"] = (HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 0\r\n$70000\r\n" +
                             rep(b"r", 273) + b"r" * 112 + resp("PING"))
    return s


def split_seeds(target, seeds, big_seeds=None):
    d = os.path.join(HERE, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, (name, data) in enumerate(sorted(seeds.items())):
        # Each seed with one split, chosen in turn; the small ones also byte by byte.
        write(d, name, SPLITS[i % len(SPLITS)] + data)
        if len(data) < 256 and i % len(SPLITS) != 0:
            write(d, name + "-bytes", SPLITS[0] + data)
    for i, (name, data) in enumerate(sorted((big_seeds or {}).items())):
        # Expanded (flags 0xF_), in 1 KB and 16 KB chunks, handing big bulks over.
        write(d, name, header(0xF1, [0x80, 0x8f, 0x10]) + data)


MASTER_ID = b"8de1ba8fbbd36a1e5c2f4ee4d3d6a0ba7b2fd23e"
MARK = b"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
HANDSHAKE = b"+PONG\r\n+OK\r\n+OK\r\n"


def master_seeds():
    empty_rdb = open(os.path.join(FIXTURES, "rdb", "empty.rdb"), "rb").read()
    stream = (resp("SELECT", "0") + resp("SET", "k", "v") + resp("REPLCONF", "GETACK", "*") +
              resp("PING") + resp("DEL", "k"))
    s = {}
    s["fullsync_len"] = (HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 0\r\n$%d\r\n" % len(empty_rdb) +
                         empty_rdb + stream)
    s["fullsync_eof"] = (HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 1234\r\n$EOF:" + MARK + b"\r\n" +
                         empty_rdb + MARK + stream)
    s["fullsync_eof_mark_inside"] = (HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 7\r\n$EOF:" + MARK +
                                     b"\r\n" + MARK[:39] + b"x" + MARK[1:] + MARK + resp("PING"))
    s["keepalives"] = (HANDSHAKE + b"\n\n+FULLRESYNC " + MASTER_ID + b" 5\r\n\n\n\r\n$3\r\nabc" +
                       b"\n" + resp("SET", "a", "b"))
    s["continue"] = HANDSHAKE + b"+CONTINUE\r\n" + stream
    s["continue_id"] = HANDSHAKE + b"+CONTINUE " + MASTER_ID + b"\r\n" + stream + b"PING\r\n"
    s["continue_bad_id"] = HANDSHAKE + b"+CONTINUE abc\r\n"
    s["ping_error"] = b"-NOAUTH Authentication required.\r\n"
    s["replconf_errors"] = (b"+PONG\r\n-ERR unknown\r\n-ERR unknown\r\n+FULLRESYNC " + MASTER_ID +
                            b" 0\r\n$0\r\n" + resp("PING"))
    s["fullsync_bad_offset"] = HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" -1\r\n"
    s["fullsync_short_id"] = HANDSHAKE + b"+FULLRESYNC abc 0\r\n"
    s["psync_error"] = HANDSHAKE + b"-ERR Can't SYNC while not connected with my master\r\n"
    s["bad_payload_header"] = HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 0\r\n$-5\r\n"
    s["payload_cut"] = HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 0\r\n$100\r\nREDIS0010"
    s["stream_bad"] = HANDSHAKE + b"+CONTINUE\r\n*2\r\n$3\r\nGET\r\n:1\r\n"
    s["stream_inline_big"] = (HANDSHAKE + b"+CONTINUE\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n" +
                              b"q" * 1000)
    s["big_offset"] = (HANDSHAKE + b"+FULLRESYNC " + MASTER_ID + b" 9223372036854775000\r\n$0\r\n" +
                       resp("PING"))
    return s


def rdb_file(version, body, checksum=True):
    buf = b"REDIS%04d" % version + body + b"\xff"
    if version >= 5:
        buf += struct.pack("<Q", fx.crc64(buf) if checksum else 0)
    return buf


def key(rdbtype, name, payload):
    return bytes([rdbtype]) + fx.rstr(name) + payload


def rdb_seeds():
    s = {}
    for name in sorted(os.listdir(os.path.join(FIXTURES, "rdb"))):
        path = os.path.join(FIXTURES, "rdb", name)
        if name.endswith(".rdb") and os.path.getsize(path) <= 8192:
            s["fixture_" + name[:-4]] = open(path, "rb").read()
    v6 = b"\xfe\x00"
    zl = ["", "short", "y" * 70, "after", *range(0, 13), 13, -1, -128, 127, 128, -32768, 32767,
          32768, -8388608, 8388607, 8388608, -2147483648, 2147483647, 2147483648,
          -9223372036854775808, 9223372036854775807]
    s["ziplist_list"] = rdb_file(6, v6 + key(10, "l", fx.rstr(fx.ziplist(zl))))
    s["linked_list"] = rdb_file(6, v6 + key(1, "l", fx.rlen(4) + fx.rstr("a") + fx.rint(-5) +
                                            fx.rint(-2000000000) + fx.rlzf("c" * 100)))
    s["quicklist_v1"] = rdb_file(7, v6 + key(14, "q", fx.rlen(2) + fx.rstr(fx.ziplist(["a", 1, 2])) +
                                             fx.rlzf(fx.ziplist(["b" * 40, -77]))))
    for width, vals in [(2, [-32768, -5, 0, 7, 32767]), (4, [-2147483648, 1, 70000]),
                        (8, [-9223372036854775808, 0, 5000000000])]:
        s["intset%d" % (8 * width)] = rdb_file(6, v6 + key(11, "s", fx.rstr(fx.intset(vals, width))))
    s["zset_ascii"] = rdb_file(6, v6 + key(3, "z", fx.rlen(4) + fx.rstr("a") + b"\x011" + fx.rstr("b") +
                                           b"\x04-2.5" + fx.rstr("c") + b"\xfe" + fx.rstr("d") + b"\xff"))
    s["zset_ziplist"] = rdb_file(6, v6 + key(12, "z", fx.rstr(fx.ziplist(["a", 1, "b", "2.5", "c", -3]))))
    s["zset_binary"] = rdb_file(10, v6 + key(5, "z", fx.rlen(3) + fx.rstr("a") + struct.pack("<d", 1.5) +
                                             fx.rstr("b") + struct.pack("<d", -0.0) + fx.rstr("c") +
                                             struct.pack("<d", float("inf"))))
    s["zset_listpack"] = rdb_file(10, v6 + key(17, "z", fx.rstr(fx.listpack(["a", 1, "b", "2.5", "c", -3]))))
    s["hash_zipmap"] = rdb_file(3, v6 + key(9, "h", fx.rstr(fx.zipmap([("f1", "v1"), ("n", "123"), ("e", "")], free=2))))
    s["hash_ziplist"] = rdb_file(6, v6 + key(13, "h", fx.rstr(fx.ziplist(["f", "v", "n", 42, 7, "seven"]))))
    s["hash_listpack"] = rdb_file(10, v6 + key(16, "h", fx.rstr(fx.listpack(["f", "v", "n", 42, 7, "seven", "big", -4097]))))
    s["hash_plain"] = rdb_file(10, v6 + key(4, "h", fx.rlen(2) + fx.rstr("f") + fx.rstr("v") + fx.rint(5) + fx.rlzf("w" * 60)))
    s["set_plain"] = rdb_file(10, v6 + key(2, "s", fx.rlen(3) + fx.rstr("a") + fx.rint(300) + fx.rstr("")))
    s["set_listpack"] = rdb_file(11, v6 + key(20, "s", fx.rstr(fx.listpack(["a", "", 5, -4097, 8388608]))))
    ql2 = fx.rlen(3) + fx.rlen(2) + fx.rstr(fx.listpack(["lp1", 1, -300])) + fx.rlen(1) + fx.rstr(b"plain " * 5) + \
        fx.rlen(2) + fx.rlzf(fx.listpack(["x" * 30]))
    s["quicklist_v2"] = rdb_file(10, v6 + key(18, "q", ql2))
    s["strings"] = rdb_file(10, v6 + b"\xfb\x04\x02" + key(0, "a", fx.rstr("1")) + key(0, "i8", fx.rint(-5)) +
                            key(0, "i16", fx.rint(3000)) + b"\xfc" + struct.pack("<q", fx.FAR_FUTURE) +
                            key(0, "lzf", fx.rlzf("abab" + "z" * 80)) + b"\xfd" + struct.pack("<i", fx.FUTURE_S) +
                            key(0, "s", fx.rstr("sec")) + b"\xfc" + struct.pack("<q", fx.PAST) + key(0, "old", fx.rstr("x")))
    s["aux_repl"] = rdb_file(10, b"\xfa" + fx.rstr("repl-id") + fx.rstr(MASTER_ID) + b"\xfa" + fx.rstr("repl-offset") +
                             fx.rstr("1234") + b"\xfa" + fx.rstr("repl-stream-db") + fx.rint(0) + b"\xfa" +
                             fx.rstr("ctime") + fx.rint(1700000000) + b"\xfe\x0f" + key(0, "db15", fx.rstr("x")))
    s["opcodes"] = rdb_file(12, b"\xfe\x01\xf4\x81" + b"\x00" * 7 + b"\x05\x02\x01\xf9\x05" + key(0, "f", fx.rstr("v")) +
                            b"\xf8\x80\x00\x01\x00\x00" + key(0, "i", fx.rstr("w")))
    s["no_checksum"] = rdb_file(9, v6 + key(0, "k", fx.rstr("v")), checksum=False)
    s["v3_no_crc"] = rdb_file(3, v6 + key(0, "k", fx.rstr("v")))
    s["module_aux"] = rdb_file(10, b"\xf7" + fx.rlen(12345) + b"\x00")
    s["stream_v3"] = rdb_file(11, v6 + key(21, "st", fx.stream_value(21, fx.STREAM_ENTRIES, fx.STREAM_GROUPS)))
    s["stream_v1"] = rdb_file(9, v6 + key(15, "st", fx.stream_value(15, fx.STREAM_ENTRIES[:1], [])))
    s["empty_aggregate"] = rdb_file(10, v6 + key(2, "s", fx.rlen(0)) + key(0, "k", fx.rstr("v")))
    d = os.path.join(HERE, "corpus", "rdb_reader")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(s.items()):
        write(d, name + ".rdb", data)


def hll_seeds():
    """<encoding> <sparse max / 16> <raise count> <index lo, index hi, rank>... <register bytes>."""
    import random
    rng = random.Random(5)

    def xzero(n):
        return bytes([0x40 | ((n - 1) >> 8), (n - 1) & 0xFF])

    def val(v, n):
        return bytes([0x80 | ((v - 1) << 2) | (n - 1)])

    def raises(k):
        out = bytearray([k])
        for _ in range(k):
            i = rng.randrange(16384)
            out += bytes([i & 0xFF, i >> 8, rng.randrange(51)])
        return bytes(out)

    def random_sparse():
        body, left = b"", 16384
        while left:
            kind = rng.randrange(3)
            n = min(left, [rng.randrange(1, 65), rng.randrange(1, 700), rng.randrange(1, 5)][kind])
            body += bytes([n - 1]) if kind == 0 else xzero(n) if kind == 1 else val(rng.randrange(1, 33), n)
            left -= n
        return body

    seeds = {
        "empty": b"\x00\xbb" + raises(3) + xzero(16384),
        "redis_abc": b"\x00\xbb" + raises(8) + bytes.fromhex("60f38050b1844bfb80425a"),
        "tiny_max": b"\x00\x01" + raises(20) + xzero(16384),
        "dense_zero": b"\x01\x00" + raises(10) + b"\x00",
        "dense_random": b"\x01\x00" + raises(10) + bytes(rng.randrange(256) for _ in range(12288)),
    }
    for i in range(6):
        seeds[f"sparse_{i}"] = b"\x00" + bytes([rng.randrange(256)]) + raises(12) + random_sparse()
    d = os.path.join(HERE, "corpus", "hll_sketch")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(seeds.items()):
        write(d, name, data)


def dictionary(target, entries):
    with open(os.path.join(HERE, target + ".dict"), "w") as f:
        for e in entries:
            e = e if isinstance(e, bytes) else e.encode("latin-1")
            f.write('"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\x%02X" % b
                                  for b in e) + '"\n')


def main():
    split_seeds("resp_parser", resp_seeds(), resp_big_seeds())
    split_seeds("master_link", master_seeds(), master_big_seeds())
    rdb_seeds()
    hll_seeds()
    common = ["\r\n", "*1\r\n", "*2\r\n", "*3\r\n", "$0\r\n", "$1\r\n", "$3\r\n", "$-1\r\n", "*-1\r\n",
              "$32768\r\n", "$40000\r\n", "$536870912\r\n", "*1048576\r\n", "-1", "0",
              "9223372036854775807", "-9223372036854775808", "PING", "SET"]
    dictionary("resp_parser", common + ['"', "'", "\\x", "\\\"", "\\'", " ", "\t", "*1048577\r\n",
                                        "$536870913\r\n", "$32767\r\n", "\n"])
    dictionary("master_link", common + ["+PONG\r\n", "+OK\r\n", "-ERR\r\n", "+FULLRESYNC ",
                                        "+CONTINUE", "+CONTINUE ", MASTER_ID, "$EOF:", MARK,
                                        "REPLCONF", "GETACK", "\n", "SELECT", "REDIS0010"])
    dictionary("rdb_reader", ["REDIS0010", "REDIS0006", "REDIS0012", "REDIS0003", "\xfa", "\xfb", "\xfc",
                              "\xfd", "\xfe", "\xff", "\xf4", "\xf8", "\xf9", "\xc0", "\xc1", "\xc2",
                              "\xc3", "\x80", "\x81", "\xff\xff\xff\xff", "\x00\x00\x00\x00\x00\x00\x00\x00",
                              "repl-id", "repl-offset", "repl-stream-db", "redis-ver"])
    print("corpora and dictionaries written under", HERE)


if __name__ == "__main__":
    main()
