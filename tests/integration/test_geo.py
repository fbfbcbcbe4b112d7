"""The GEO commands against a real redis-server 7.0.15, side by side: random point sets (small
sets in a listpack and big ones in a skip list, points near the poles and the antimeridian,
several points on one spot so that distances tie) and many random searches, whose raw replies
must be identical byte for byte (members, their order with ASC/DESC/COUNT/ANY, distances,
hashes, coordinates), and so must STORE's results and every error. Also: what replicas and
MONITOR get, keyspace events, COMMAND INFO and GETKEYS, RESP3, DUMP/RESTORE both ways."""
import random

import pytest

from helpers import keyspace_notifications, Raw, pair, parse_reply, redis_peer  # noqa: F401
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import Link, replica_handshake, wait_link_up, wait_synced

UNITS = ["m", "km", "ft", "mi", "KM", "M"]


def random_point(rnd):
    """A longitude and latitude as text, often near the limits."""
    kind = rnd.random()
    if kind < 0.15:  # near a pole
        lat = rnd.choice([1, -1]) * rnd.uniform(80, 85.05112878)
        lon = rnd.uniform(-180, 180)
    elif kind < 0.3:  # near the antimeridian
        lon = rnd.choice([1, -1]) * rnd.uniform(178, 180)
        lat = rnd.uniform(-85, 85)
    elif kind < 0.35:  # the exact limits
        lon = rnd.choice([-180, 180, 0, 179.99999, -179.99999])
        lat = rnd.choice([-85.05112878, 85.05112878, 0, 85, -85])
    elif kind < 0.6:  # clustered, so small radii find something
        lon = 13 + rnd.uniform(-2, 2)
        lat = 38 + rnd.uniform(-2, 2)
    else:
        lon = rnd.uniform(-180, 180)
        lat = rnd.uniform(-85.05112878, 85.05112878)
    return f"{lon:.6f}", f"{lat:.6f}"


def load_points(p, rnd, key, n):
    """GEOADDs n points (some on the same spot, some with integer member names) to `key` on
    both servers; returns the members."""
    members = []
    spots = []
    args = []
    for i in range(n):
        if spots and rnd.random() < 0.15:
            lon, lat = rnd.choice(spots)  # same spot: equal distances
        else:
            lon, lat = random_point(rnd)
            spots.append((lon, lat))
        name = str(i) if rnd.random() < 0.3 else f"m{i}"
        members.append(name)
        args += [lon, lat, name]
        if len(args) >= 300:
            p.same("GEOADD", key, *args)
            args = []
    if args:
        p.same("GEOADD", key, *args)
    return members


def random_search(rnd, key, members):
    """A random GEORADIUS*/GEOSEARCH command line, mostly valid."""
    pick = rnd.choice
    lon, lat = random_point(rnd)
    radius = pick(["0", "1", "10", "100", "200", "500", "1000", "5000", "10000", "20000",
                   f"{rnd.uniform(0, 3000):.3f}"])
    unit = pick(["km"] * 6 + UNITS)
    if unit.lower() == "m":
        radius = str(float(radius) * 1000)
    member = pick(members + ["nosuch"]) if rnd.random() < 0.97 else "nosuch"
    kind = rnd.randrange(6)
    if kind == 0:
        cmd = ["GEORADIUS", key, lon, lat, radius, unit]
    elif kind == 1:
        cmd = ["GEORADIUSBYMEMBER", key, member, radius, unit]
    elif kind == 2:
        cmd = ["GEORADIUS_RO", key, lon, lat, radius, unit]
    elif kind == 3:
        cmd = ["GEORADIUSBYMEMBER_RO", key, member, radius, unit]
    else:
        cmd = ["GEOSEARCH", key]
        cmd += ["FROMMEMBER", member] if rnd.random() < 0.4 else ["FROMLONLAT", lon, lat]
        if rnd.random() < 0.5:
            cmd += ["BYRADIUS", radius, unit]
        else:
            cmd += ["BYBOX", radius, pick([radius, "1", "50", "300", "2000", "8000"]), unit]
    groups = [[opt] for opt in ("WITHDIST", "WITHHASH", "WITHCOORD") if rnd.random() < 0.3]
    r = rnd.random()
    if r < 0.3:
        groups.append(["ASC"])
    elif r < 0.6:
        groups.append(["DESC"])
    if rnd.random() < 0.5:
        groups.append(["COUNT", pick(["1", "2", "3", "5", "10", "50", "1000"])])
        if rnd.random() < 0.3:
            groups.append(["ANY"])
    rnd.shuffle(groups)
    return cmd + [a for g in groups for a in g]


@pytest.mark.parametrize("seed,size", [(1, 20), (2, 100), (3, 127), (4, 129), (5, 600),
                                       (6, 3000)])
def test_random_searches_as_redis(pair, seed, size):
    rnd = random.Random(seed)
    members = load_points(pair, rnd, "geo", size)
    pair.same("ZRANGE", "geo", "0", "-1", "WITHSCORES")
    pair.same("OBJECT", "ENCODING", "geo")
    for _ in range(700):
        pair.same(*random_search(rnd, "geo", members))
    # Every position, geohash and some distances.
    for chunk in range(0, len(members), 200):
        part = members[chunk:chunk + 200]
        pair.same("GEOPOS", "geo", *part, "nosuch")
        pair.same("GEOHASH", "geo", *part, "nosuch")
    for _ in range(200):
        pair.same("GEODIST", "geo", rnd.choice(members), rnd.choice(members),
                  *([rnd.choice(UNITS)] if rnd.random() < 0.7 else []))


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_stores_as_redis(pair, seed):
    rnd = random.Random(seed)
    members = load_points(pair, rnd, "src", rnd.choice([50, 400]))
    for _ in range(200):
        cmd = random_search(rnd, "src", members)
        cmd = [a for a in cmd if a not in ("WITHDIST", "WITHHASH", "WITHCOORD")]
        dest = rnd.choice(["dst", "src", "other"])
        if cmd[0].startswith("GEOSEARCH"):
            cmd = ["GEOSEARCHSTORE", dest] + cmd[1:]
            if rnd.random() < 0.5:
                cmd.append("STOREDIST")
        else:
            cmd[0] = cmd[0].replace("_RO", "")
            cmd += [rnd.choice(["STORE", "STOREDIST"]), dest]
        if rnd.random() < 0.1:
            pair.same("SET", "other", "string")  # overwritten whatever it holds
        pair.same(*cmd)
        pair.same("ZRANGE", dest, "0", "-1", "WITHSCORES")
        pair.same("TYPE", dest)
        if dest == "src" or rnd.random() < 0.05:
            pair.same("DEL", "src")
            members = load_points(pair, rnd, "src", rnd.choice([30, 300]))


def test_ties_keep_redis_order(pair):
    """Many members on a few spots: the merge sort (whole sort) and the partial quicksort
    (COUNT below the number found) must leave equal distances in Redis's order."""
    args = []
    for i in range(400):
        lon = ["13.1", "13.2", "13.3"][i % 3]
        args += [lon, "38.1", f"p{i:03d}" if i % 2 else str(i)]
    pair.same("GEOADD", "t", *args)
    for count in ["1", "2", "5", "6", "7", "8", "39", "40", "41", "100", "399", "400", "500"]:
        for order in ["ASC", "DESC"]:
            pair.same("GEORADIUS", "t", "13.0", "38.1", "50", "km", order, "COUNT", count,
                      "WITHDIST")
            pair.same("GEOSEARCH", "t", "FROMMEMBER", "p001", "BYBOX", "100", "100", "km",
                      order, "COUNT", count)
        pair.same("GEORADIUS", "t", "13.0", "38.1", "50", "km", "COUNT", count, "ANY")
    pair.same("GEORADIUS", "t", "13.0", "38.1", "50", "km")
    pair.same("GEORADIUS", "t", "13.0", "38.1", "50", "km", "ASC")


def test_poles_antimeridian_and_huge_radii(pair):
    points = []
    for lon in ["-180", "-179.9", "-90", "0", "90", "179.9", "180"]:
        for lat in ["-85.05112878", "-85", "-80.5", "-66.5", "0", "66.5", "80.5", "85",
                    "85.05112878"]:
            points += [lon, lat, f"{lon},{lat}"]
    pair.same("GEOADD", "w", *points)
    for lon in ["-180", "-179.99", "0", "179.99", "180"]:
        for lat in ["-85.05112878", "-84", "-70", "0", "70", "84", "85.05112878"]:
            for radius in ["1", "100", "1000", "5000", "10000", "20000", "40000"]:
                pair.same("GEORADIUS", "w", lon, lat, radius, "km", "ASC", "WITHDIST")
                pair.same("GEOSEARCH", "w", "FROMLONLAT", lon, lat, "BYBOX", radius, radius,
                          "km", "DESC", "WITHCOORD")
    pair.same("GEOPOS", "w", *points[2::3])
    pair.same("GEOHASH", "w", *points[2::3])


def test_other_scores_decode_as_in_redis(pair):
    """A sorted set that was not made by GEOADD: any score decodes somewhere."""
    pair.same("ZADD", "z", "-1", "neg", "0", "zero", "1.5", "frac", "4503599627370496", "big",
              "1e30", "huge", "inf", "inf", "-inf", "minf", "9007199254740993", "odd")
    for m in ["neg", "zero", "frac", "big", "huge", "inf", "minf", "odd"]:
        pair.same("GEOPOS", "z", m)
        pair.same("GEOHASH", "z", m)
        pair.same("GEODIST", "z", m, "zero")
    pair.same("GEORADIUS", "z", "0", "0", "20000", "km", "WITHHASH", "WITHCOORD", "ASC")


ERROR_CASES = [
    ("GEOADD", "k", "200", "100", "m"),
    ("GEOADD", "k", "1", "1"),
    ("GEOADD", "k", "xx", "nx", "1", "1", "m"),
    ("GEOADD", "k", "ch", "xx", "foo", "1", "1", "m"),
    ("GEOADD", "k", "1", "x", "m"),
    ("GEOADD", "k", "1", "1", "m", "inf", "1", "n"),
    ("GEOADD", "k", "1", "1", "m", "1", "-86", "n"),
    ("GEOADD", "k", "gt", "1", "1"),
    ("GEOADD", "k", "ch", "nx", "ch"),
    ("GEOADD", "k"),
    ("GEOADD", "k", "ch", "1", "1", "m"),
    ("GEOADD", "k", "xx", "ch", "2", "2", "m"),
    ("GEOPOS", "k"),
    ("GEOPOS", "str", "m"),
    ("GEOHASH", "str", "m"),
    ("GEODIST", "k", "m", "m", "yards"),
    ("GEODIST", "k", "m", "m", "km", "x"),
    ("GEODIST", "str", "m", "m"),
    ("GEODIST", "nokey", "m", "m"),
    ("GEORADIUS", "k", "1", "1", "-1", "km"),
    ("GEORADIUS", "k", "1", "1", "x", "km"),
    ("GEORADIUS", "k", "1", "1", "1", "yd"),
    ("GEORADIUS", "k", "181", "1", "1", "km"),
    ("GEORADIUS", "k", "x", "1", "1", "km"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "COUNT"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "COUNT", "0"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "COUNT", "-5"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "COUNT", "x"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "ANY"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "ANY", "COUNT", "2"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "STORE"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "STORE", "d", "WITHDIST"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "WITHCOORD", "STOREDIST", "d"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "BOGUS"),
    ("GEORADIUS", "k", "1", "1", "1", "km", "FROMMEMBER", "m"),
    ("GEORADIUS", "str", "1", "1", "1", "km"),
    ("GEORADIUS", "str", "1", "1", "x", "km"),
    ("GEORADIUS", "nokey", "1", "1", "x", "km"),
    ("GEORADIUS", "nokey", "1", "1", "1", "km", "STORE", "d"),
    ("GEORADIUS", "nokey", "1", "1", "1", "km", "STORE", "d", "WITHDIST"),
    ("GEORADIUS_RO", "k", "1", "1", "1", "km", "STORE", "d"),
    ("GEORADIUS_RO", "k", "1", "1", "1", "km", "STOREDIST", "d"),
    ("GEORADIUSBYMEMBER", "k", "nosuch", "1", "km"),
    ("GEORADIUSBYMEMBER", "k", "nosuch", "x", "km"),
    ("GEORADIUSBYMEMBER", "k", "m", "x", "km"),
    ("GEORADIUSBYMEMBER", "nokey", "m", "-1", "km"),
    ("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "BOGUS"),
    ("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STORE", "d"),
    ("GEORADIUSBYMEMBER_RO", "k", "m", "1", "km", "STORE", "d"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STORE", "d"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "FROMMEMBER", "m", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "k", "FROMMEMBER", "m", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "k", "FROMMEMBER", "m", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"),
    ("GEOSEARCH", "k", "FROMMEMBER", "m", "BYBOX", "1", "1", "km", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "k", "FROMMEMBER", "m", "FROMMEMBER", "m", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "k", "BYRADIUS", "1", "km", "ASC"),
    ("geosearch", "k", "BYRADIUS", "1", "km", "ASC"),
    ("GeoSearch", "k", "BYRADIUS", "1", "km", "WITHDIST"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "ASC", "WITHDIST"),
    ("GEOSEARCH", "k", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "k", "FROMMEMBER", "nosuch", "BOGUS", "1", "km"),
    ("GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "-1", "km"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "100", "BYRADIUS", "1", "km"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "km"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYBOX", "x", "1", "km"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYBOX", "1", "x", "km"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "parsec"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYBOX", "1", "1"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "COUNT", "1", "ANY",
     "WITHHASH"),
    ("GEOSEARCH", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
    ("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "WITHDIST"),
    ("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STORE", "x"),
    ("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"),
    ("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
    ("GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
    ("geosearchstore", "d", "k", "FROMLONLAT", "1", "1", "WITHDIST", "x"),
    ("GEOSEARCHSTORE", "d", "k", "BYRADIUS", "1", "km", "x"),
]


def test_errors_as_redis(pair):
    pair.same("GEOADD", "k", "1", "1", "m", "1.001", "1.001", "n")
    pair.same("SET", "str", "x")
    for case in ERROR_CASES:
        pair.same(*case)
        pair.same("ZRANGE", "k", "0", "-1", "WITHSCORES")
        pair.same("EXISTS", "d")
        pair.same("SET", "d", "1")  # for the next STORE to delete


def test_resp3_replies_as_redis(pair):
    assert pair.c.cmd("HELLO", "3")[:1] == pair.r.cmd("HELLO", "3")[:1] == b"%"
    pair.same("GEOADD", "k", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
              "Catania")
    pair.same("GEOPOS", "k", "Palermo", "nosuch")
    pair.same("GEOHASH", "k", "Palermo", "nosuch")
    pair.same("GEODIST", "k", "Palermo", "Catania", "km")
    pair.same("GEODIST", "k", "Palermo", "nosuch")
    pair.same("GEODIST", "nokey", "Palermo", "nosuch")
    pair.same("GEORADIUS", "k", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH")
    pair.same("GEOSEARCH", "k", "FROMMEMBER", "Palermo", "BYRADIUS", "500", "km", "WITHCOORD")
    pair.same("GEOSEARCH", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "500", "km")


def test_command_info_and_getkeys_as_redis(pair):
    for name in ["geoadd", "geopos", "geodist", "geohash", "georadius", "georadiusbymember",
                 "georadius_ro", "georadiusbymember_ro", "geosearch", "geosearchstore"]:
        got, want = pair.both("COMMAND", "INFO", name)
        # Key specs are not given here: compare what comes before them (name, arity, flags,
        # key positions, ACL categories).
        head = 7
        assert parse_reply(got)[0][:head] == parse_reply(want)[0][:head], name
        # COMMAND DOCS gives summary, since and group here (no complexity, history, arguments).
        got, want = pair.both("COMMAND", "DOCS", name)
        assert parse_reply(got)[1][:6] == parse_reply(want)[1][:6], name
    for line in [
        ("GEORADIUS", "k", "1", "1", "1", "km"),
        ("GEORADIUS", "k", "1", "1", "1", "km", "STORE", "d"),
        ("GEORADIUS", "k", "1", "1", "1", "km", "STOREDIST", "d"),
        ("GEORADIUS", "k", "1", "1", "1", "km", "STORE", "d", "STOREDIST", "e"),
        ("GEORADIUS", "k", "1", "1", "1", "km", "COUNT", "2", "STORE", "d", "ASC"),
        ("GEORADIUS", "k", "1", "1", "1", "km", "STORE"),
        ("GEORADIUSBYMEMBER", "k", "m", "1", "km", "STORE", "d"),
        ("GEORADIUSBYMEMBER", "k", "m", "1", "km", "STOREDIST", "d"),
        ("GEORADIUSBYMEMBER", "k", "m", "1", "km"),
        ("GEORADIUS_RO", "k", "1", "1", "1", "km"),
        ("GEOSEARCH", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
        ("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
        ("GEOADD", "k", "1", "1", "m"),
        ("GEOPOS", "k", "a", "b"),
        ("GEODIST", "k", "a", "b"),
        ("GEOHASH", "k", "a"),
    ]:
        pair.same("COMMAND", "GETKEYS", *line)


def test_dump_restore_both_ways(pair):
    """A geo set is a sorted set: its DUMP payload reads back on the other server."""
    rnd = random.Random(7)
    for n, key in [(10, "small"), (300, "big")]:
        load_points(pair, rnd, key, n)
        got, want = pair.both("DUMP", key)
        payload_c, payload_r = parse_reply(got), parse_reply(want)
        assert pair.c.cmd("RESTORE", key + "-from-redis", "0", payload_r) == b"+OK\r\n"
        assert pair.r.cmd("RESTORE", key + "-from-credis", "0", payload_c) == b"+OK\r\n"
        assert pair.c.cmd("RESTORE", key + "-from-credis", "0", payload_c) == b"+OK\r\n"
        assert pair.r.cmd("RESTORE", key + "-from-redis", "0", payload_r) == b"+OK\r\n"
        for k in [key, key + "-from-redis", key + "-from-credis"]:
            pair.same("GEORADIUS", k, "13", "38", "20000", "km", "WITHCOORD", "WITHDIST", "ASC")


GEO_WRITES = [
    ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
    ("GEOADD", "g", "13.361389", "38.115556", "Palermo"),
    ("GEOADD", "g", "XX", "CH", "13", "38", "Palermo"),
    ("GEOADD", "g2", "XX", "13", "38", "Palermo"),
    ("GEOADD", "g", "NX", "1", "1", "new"),
    ("GEORADIUS", "g", "15", "37", "200", "km"),
    ("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1"),
    ("GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d1"),
    ("GEORADIUS", "g", "15", "37", "1", "km", "STORE", "d1"),
    ("GEORADIUS", "g", "15", "37", "1", "km", "STORE", "d1"),
    ("GEORADIUSBYMEMBER", "g", "Palermo", "500", "km", "STORE", "d2"),
    ("GEORADIUSBYMEMBER", "nokey", "Palermo", "500", "km", "STORE", "d2"),
    ("GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "15", "37", "BYBOX", "500", "500", "km"),
    ("GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "15", "37", "BYBOX", "500", "500", "km",
     "STOREDIST"),
    ("GEOSEARCHSTORE", "d3", "nokey", "FROMLONLAT", "15", "37", "BYBOX", "500", "500", "km"),
    ("SET", "s", "x"),
    ("GEOSEARCHSTORE", "s", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "500", "km"),
    ("GEOSEARCHSTORE", "g", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"),
    ("GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "1", "STORE", "d4", "STOREDIST", "d5"),
]


@pytest.mark.parametrize("flags", ["KEA", "KEAn", "Ez", "Kg"])
def test_keyspace_events_as_redis(start_credis, start_redis, flags):
    ours = keyspace_notifications(start_credis(["--save", ""]).port, GEO_WRITES, flags)
    theirs = keyspace_notifications(start_redis(["--save", ""]).port, GEO_WRITES, flags)
    assert ours == theirs


def next_write(link):
    while True:
        args, _ = link.read_command()
        if args[0].upper() not in (b"PING", b"SELECT"):
            return args


def replication_stream(servers, kind):
    """What a raw replica reads for GEO_WRITES, a SET marker after each command."""
    m = servers.start(kind)
    out = []
    with Link(m.port) as link:
        replid, offset, form, rdb = replica_handshake(link, 45680)
        with Raw(m.port) as c:
            for i, cmd in enumerate(GEO_WRITES):
                c.cmd(*cmd)
                assert c.cmd("SET", "marker", str(i)) == b"+OK\r\n"
                if i == 0:
                    link.ack_until_data(offset)
                while True:
                    args = next_write(link)
                    if args == [b"SET", b"marker", str(i).encode()]:
                        break
                    out.append((i, args))
    return out


def test_replication_stream_as_redis(servers):
    ours = replication_stream(servers, "credis")
    theirs = replication_stream(servers, "redis")
    assert ours == theirs
    # GEOADD reaches replicas as the ZADD it ran, with the computed scores.
    assert theirs[0] == (0, [b"zadd", b"g", b"3479099956230698", b"Palermo",
                             b"3479447370796909", b"Catania"])


def monitor_lines(port):
    with Raw(port) as mon, Raw(port) as c:
        assert mon.cmd("MONITOR") == b"+OK\r\n"
        c.cmd("GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo")
        c.cmd("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d")
        c.cmd("GEOPOS", "g", "Palermo")
        lines = [mon._line() for _ in range(3)]
    return [line.split(b"] ", 1)[1] for line in lines]


def test_monitor_shows_geoadd_as_it_came(start_credis, start_redis):
    ours = monitor_lines(start_credis(["--save", ""]).port)
    theirs = monitor_lines(start_redis(["--save", ""]).port)
    assert ours == theirs
    assert theirs[0].startswith(b'"GEOADD"')


def test_replica_applies_geo_writes(servers):
    """A credis replica of a redis master (and the other way) holds the same geo sets."""
    for master_kind, replica_kind in [("redis", "credis"), ("credis", "redis")]:
        m = servers.start(master_kind)
        rep = servers.start(replica_kind, replicaof=m)
        wait_link_up(rep, m)
        with Raw(m.port) as c:
            for cmd in GEO_WRITES:
                c.cmd(*cmd)
        wait_synced(m, rep)
        with Raw(m.port) as a, Raw(rep.port) as b:
            for key in ["g", "d1", "d2", "d3", "d4", "d5", "s"]:
                assert a.cmd("ZRANGE", key, "0", "-1", "WITHSCORES") == \
                    b.cmd("ZRANGE", key, "0", "-1", "WITHSCORES"), key
            assert b.cmd("GEORADIUS", "g", "15", "37", "200", "km").startswith(b"-READONLY")
            assert b.cmd("GEORADIUS_RO", "g", "15", "37", "200", "km") == \
                a.cmd("GEORADIUS_RO", "g", "15", "37", "200", "km")
