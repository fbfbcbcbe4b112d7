// Geohashes (storage/geohash.*) and the GEO commands (storage/commands/geo_commands.cpp): the
// vectors are what a real redis-server 7.0.15 answered for the same points.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>

#include "command_harness.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/geohash.hpp"

namespace gh = credis::geohash;
using credis::testing::command_harness;

namespace {

uint64_t score_of(double lon, double lat) {
  gh::bits h;
  REQUIRE(gh::encode(lon, lat, gh::max_step, h));
  return gh::score_of(h);
}

// The coordinates of a score as GEOPOS prints them.
std::string position(double score) {
  double lon = 0, lat = 0;
  REQUIRE(gh::decode_score(score, lon, lat));
  return credis::format_long_double(lon) + " " + credis::format_long_double(lat);
}

std::string distance_text(double d) {
  std::string s;
  gh::append_distance(s, d);
  return s;
}

}  // namespace

TEST_CASE("geohash: scores, positions and geohash strings as Redis computes them", "[geo]") {
  struct vector {
    double lon, lat;
    uint64_t score;
    const char* pos;
    const char* text;
  };
  const vector vectors[] = {
      {13.361389, 38.115556, 3479099956230698ull, "13.36138933897018433 38.11555639549629859",
       "sqc8b49rny0"},
      {-5.6, 42.6, 2157242200379188ull, "-5.59999912977218628 42.6000002789257266", "ezs42e44yx0"},
      {0, 0, 3377699720527872ull, "0.00000268220901489 0.00000126736058093", "s0000000000"},
      // The limits: latitude max and longitude max give offsets of 2^26 (bits 52 and 53).
      {180, 85.05112878, 13510798882111488ull, "180 85.0511287799999991", "bp05b5048p0"},
      {-180, -85.05112878, 0, "-179.99999731779098511 -85.05112751263942528", "00bh0hbj200"},
      {-180, 85.05112878, 4503599627370496ull, "-179.99999731779098511 85.0511287799999991",
       "bp05b5048p0"},
      {180, -85.05112878, 9007199254740992ull, "180 -85.05112751263942528", "00bh0hbj200"},
      {179.9999, -0.0001, 3377699720526306ull, "179.99990075826644897 -0.00010012148579364",
       "rzzzzzzzmt0"},
      {-0.000001, 0.000001, 1876499844737706ull, "-0.00000268220901489 0.00000126736058093",
       "ebpbpbpbpb0"},
      {10, 10, 3386427883058495ull, "10.00000208616256714 10.00000092823272979", "s1z0gs3y0z0"},
  };
  for (const vector& v : vectors) {
    INFO(v.lon << "," << v.lat);
    CHECK(score_of(v.lon, v.lat) == v.score);
    CHECK(position(static_cast<double>(v.score)) == v.pos);
    CHECK(gh::standard_text(static_cast<double>(v.score)) == v.text);
  }
}

TEST_CASE("geohash: outside the limits nothing encodes; decode round trips", "[geo]") {
  gh::bits h;
  CHECK_FALSE(gh::encode(180.0001, 0, 26, h));
  CHECK_FALSE(gh::encode(0, 85.06, 26, h));
  CHECK_FALSE(gh::encode(0, -85.06, 26, h));
  CHECK_FALSE(gh::encode(0, 0, 0, h));
  CHECK_FALSE(gh::encode(0, 0, 33, h));
  // A point decodes to the center of its cell, which encodes back to the same cell.
  for (int i = 0; i < 2000; ++i) {
    const double lon = -180 + 360.0 * ((i * 7919) % 2000) / 2000.0;
    const double lat = -85 + 170.0 * ((i * 104729) % 2000) / 2000.0;
    const uint64_t score = score_of(lon, lat);
    double dlon = 0, dlat = 0;
    REQUIRE(gh::decode_score(static_cast<double>(score), dlon, dlat));
    CHECK(std::fabs(dlon - lon) < 1e-5);
    CHECK(std::fabs(dlat - lat) < 1e-5);
    CHECK(score_of(dlon, dlat) == score);
    gh::cell c;
    REQUIRE(gh::decode(gh::bits{score >> 0, 26}, c));
    CHECK(c.lon.min <= lon);
    CHECK(lon <= c.lon.max);
    CHECK(c.lat.min <= lat);
    CHECK(lat <= c.lat.max);
  }
  // The zero hash (no neighbour) decodes to nothing; a hash of 0 at step 26 is a cell.
  gh::cell c;
  CHECK_FALSE(gh::decode(gh::bits{}, c));
  CHECK(gh::decode(gh::bits{0, 26}, c));
}

TEST_CASE("geohash: scores cast to a hash as x86-64 casts them", "[geo]") {
  CHECK(gh::score_bits(12.75) == 12);
  CHECK(gh::score_bits(-1.0) == UINT64_MAX);  // cvttsd2si: -1
  CHECK(gh::score_bits(9223372036854775808.0) == (1ull << 63));
  CHECK(gh::score_bits(1e30) == 0);  // 2^63 off, out of range (INT64_MIN), 2^63 back on
  CHECK(gh::score_bits(-1e30) == (1ull << 63));
}

TEST_CASE("geohash: neighbours wrap around at the edges", "[geo]") {
  // Step 1: a 2x2 grid. Cell (lat 0, lon 0) is bits 00; lon is the odd bit.
  const gh::neighbours n = gh::neighbours_of(gh::bits{0, 1});
  CHECK(n.east.value == 2);
  CHECK(n.west.value == 2);  // wraps
  CHECK(n.north.value == 1);
  CHECK(n.south.value == 1);
  CHECK(n.north_east.value == 3);
  CHECK(n.south_west.value == 3);
  // At step 26 each neighbour is one cell away: its center decodes 1 cell off.
  gh::bits h;
  REQUIRE(gh::encode(13.361389, 38.115556, 26, h));
  const gh::neighbours m = gh::neighbours_of(h);
  gh::cell c, e, w, no, so;
  gh::decode(h, c);
  gh::decode(m.east, e);
  gh::decode(m.west, w);
  gh::decode(m.north, no);
  gh::decode(m.south, so);
  CHECK(e.lon.min == c.lon.max);
  CHECK(w.lon.max == c.lon.min);
  CHECK(no.lat.min == c.lat.max);
  CHECK(so.lat.max == c.lat.min);
  CHECK(e.lat.min == c.lat.min);
  // The antimeridian: east of the last column is the first.
  REQUIRE(gh::encode(179.999999, 10, 26, h));
  gh::decode(gh::neighbours_of(h).east, e);
  CHECK(e.lon.min == -180);
}

TEST_CASE("geohash: the step estimate from the radius and latitude", "[geo]") {
  CHECK(gh::steps_for_radius(0, 0) == 26);
  CHECK(gh::steps_for_radius(1, 0) == 24);
  CHECK(gh::steps_for_radius(1000, 0) == 14);
  CHECK(gh::steps_for_radius(200000, 0) == 6);
  CHECK(gh::steps_for_radius(200000, 70) == 5);   // beyond 66°: one coarser
  CHECK(gh::steps_for_radius(200000, -81) == 4);  // beyond 80°: two
  CHECK(gh::steps_for_radius(5000000, 0) == 2);
  CHECK(gh::steps_for_radius(30000000, 0) == 1);
  CHECK(gh::steps_for_radius(0.001, 0) == 26);
}

TEST_CASE("geohash: distances and shapes", "[geo]") {
  // Palermo - Catania, as GEODIST prints it.
  const double palermo_lon = 13.36138933897018433, palermo_lat = 38.11555639549629859;
  const double catania_lon = 15.08726745843887329, catania_lat = 37.50266842333162032;
  const double d = gh::distance(palermo_lon, palermo_lat, catania_lon, catania_lat);
  CHECK(distance_text(d) == "166274.1516");
  CHECK(distance_text(d / 1000) == "166.2742");
  CHECK(distance_text(d / 1609.34) == "103.3182");
  CHECK(distance_text(d / 0.3048) == "545518.8700");
  CHECK(distance_text(0) == "0.0000");
  CHECK(distance_text(0.000049) == "0.0000");
  CHECK(distance_text(12.34566) == "12.3457");
  CHECK(distance_text(12.34564) == "12.3456");
  CHECK(distance_text(-1.5) == "-1.5000");
  // Same longitude: the meridian arc.
  CHECK(gh::distance(10, 0, 10, 1) == gh::latitude_distance(0, 1));
  CHECK(gh::distance(10, 1, 10, 0) == gh::distance(10, 0, 10, 1));

  gh::shape circle;
  circle.kind = gh::shape::circle;
  circle.lon = 0;
  circle.lat = 0;
  circle.radius = 100;
  circle.conversion = 1000;  // 100 km
  double dist = 0;
  CHECK(circle.contains(0.8, 0, dist));        // ~89 km
  CHECK(std::fabs(dist - 88981.04) < 0.01);    // 0.8 * pi / 180 * R
  CHECK_FALSE(circle.contains(1, 0.5, dist));  // ~124 km
  // On the edge: a point exactly at the radius is in (distance > radius is out).
  const double edge = gh::distance(0, 0, 0.5, 0.5);
  circle.radius = edge;
  circle.conversion = 1;
  CHECK(circle.contains(0.5, 0.5, dist));
  circle.radius = std::nextafter(edge, 0);
  CHECK_FALSE(circle.contains(0.5, 0.5, dist));

  gh::shape box;
  box.kind = gh::shape::box;
  box.lon = 0;
  box.lat = 60;
  box.width = 200;
  box.height = 100;
  box.conversion = 1000;
  // 100 km east at 60°N is ~1.8° of longitude; 50 km north ~0.45° of latitude.
  CHECK(box.contains(1.7, 60, dist));
  CHECK_FALSE(box.contains(1.9, 60, dist));
  CHECK(box.contains(0, 60.44, dist));
  CHECK_FALSE(box.contains(0, 60.46, dist));
  // The width is measured along the point's own parallel.
  CHECK(box.contains(1.75, 59.6, dist));
}

TEST_CASE("geohash: the search cells around a shape", "[geo]") {
  gh::shape s;
  s.kind = gh::shape::circle;
  s.lon = 13.361389;
  s.lat = 38.115556;
  s.radius = 200;
  s.conversion = 1000;
  const gh::search_cells c = gh::cells_for(s);
  CHECK(c.hash.step == 6);
  // The bounding box: 200 km is ~1.8° of latitude.
  CHECK(std::fabs(s.bounds[3] - s.bounds[1] - 2 * 1.798) < 0.01);
  // Every point of the bounding box lies in one of the cells searched.
  const gh::neighbours& n = c.around;
  const gh::bits cells[] = {c.hash,       n.north,      n.south,      n.east,      n.west,
                            n.north_east, n.north_west, n.south_east, n.south_west};
  for (double lon = s.bounds[0]; lon <= s.bounds[2]; lon += 0.05)
    for (double lat = s.bounds[1]; lat <= s.bounds[3]; lat += 0.05) {
      gh::bits h;
      REQUIRE(gh::encode(lon, lat, c.hash.step, h));
      bool covered = false;
      for (const gh::bits& b : cells)
        covered = covered || (!b.zero() && b == h);
      CHECK(covered);
    }
  // A huge radius: step 1, nothing left out.
  s.radius = 10000;
  const gh::search_cells huge = gh::cells_for(s);
  CHECK(huge.hash.step == 1);
  CHECK_FALSE(huge.around.north.zero());
  uint64_t min = 0, max = 0;
  gh::score_range(gh::bits{0b10, 2}, min, max);
  CHECK(min == (2ull << 48));
  CHECK(max == (3ull << 48));
}

TEST_CASE("GEOADD, GEOPOS, GEOHASH, GEODIST: replies and errors", "[geo][commands]") {
  command_harness h;
  CHECK(h.run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
               "Catania"}) == ":2\r\n");
  CHECK(h.run({"ZSCORE", "Sicily", "Palermo"}) == "$16\r\n3479099956230698\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo"}) == ":0\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "XX", "CH", "13", "38", "Palermo", "1", "1", "new"}) ==
        ":1\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "NX", "13.361389", "38.115556", "Palermo"}) == ":0\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"}) == ":0\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "XX", "NX", "1", "1", "a"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "1", "1", "a", "2"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "ch", "nx", "ch"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "GT", "1", "1"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"GEOADD", "Sicily", "1", "1", "a", "200", "100", "b"}) ==
        "-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n");
  CHECK(h.run({"EXISTS", "a"}) == ":0\r\n");
  CHECK(h.run({"GEOPOS", "Sicily", "Palermo", "nosuch"}) ==
        "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n");
  CHECK(h.run({"GEOPOS", "nokey", "a"}) == "*1\r\n*-1\r\n");
  CHECK(h.run({"GEOHASH", "Sicily", "Palermo", "nosuch"}) == "*2\r\n$11\r\nsqc8b49rny0\r\n$-1\r\n");
  h.run({"GEOADD", "Sicily", "15.087269", "37.502669", "Catania"});
  CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania"}) == "$11\r\n166274.1516\r\n");
  CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "KM"}) == "$8\r\n166.2742\r\n");
  CHECK(h.run({"GEODIST", "Sicily", "Palermo", "nosuch"}) == "$-1\r\n");
  CHECK(h.run({"GEODIST", "nokey", "a", "b"}) == "$-1\r\n");
  CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "yd"}) ==
        "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n");
  CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "km", "x"}) == "-ERR syntax error\r\n");
  h.run({"SET", "str", "v"});
  CHECK(h.run({"GEOPOS", "str", "a"}) == credis::testing::wrongtype);
  CHECK(h.run({"GEODIST", "str", "a", "b", "m"}) == credis::testing::wrongtype);
  CHECK(h.run({"GEODIST", "str", "a", "b", "xx"}) ==
        "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n");  // unit first
}

TEST_CASE("GEORADIUS and GEOSEARCH: order, COUNT, ANY, WITH*, STORE", "[geo][commands]") {
  command_harness h;
  h.run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
         "Catania", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"});
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "ASC"}) ==
        "*2\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n");
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC", "COUNT", "1"}) ==
        "*1\r\n$7\r\nPalermo\r\n");
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH",
               "COUNT", "1"}) ==
        "*1\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n"
        "$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n");
  CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC",
               "WITHDIST"}) ==
        "*4\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"
        "*2\r\n$5\r\nedge2\r\n$8\r\n279.7403\r\n*2\r\n$5\r\nedge1\r\n$8\r\n279.7405\r\n");
  CHECK(h.run({"GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km",
               "STOREDIST"}) == ":3\r\n");
  CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) ==
        "*6\r\n$7\r\nPalermo\r\n$1\r\n0\r\n$5\r\nedge1\r\n$18\r\n91.400658605814272\r\n"
        "$7\r\nCatania\r\n$18\r\n166.27415156960032\r\n");
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "dst"}) == ":0\r\n");
  CHECK(h.run({"EXISTS", "dst"}) == ":0\r\n");
  CHECK(h.run({"GEORADIUS", "nokey", "15", "37", "1", "km"}) == "*0\r\n");
  CHECK(h.run({"GEORADIUSBYMEMBER", "nokey", "x", "-1", "km"}) == "*0\r\n");  // not parsed
  CHECK(h.run({"GEORADIUSBYMEMBER", "Sicily", "x", "1", "km"}) ==
        "-ERR could not decode requested zset member\r\n");
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d", "WITHDIST"}) ==
        "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
        "options\r\n");
  CHECK(h.run({"GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "d"}) ==
        "-ERR syntax error\r\n");
  CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "ANY"}) ==
        "-ERR the ANY argument requires COUNT argument\r\n");
  CHECK(h.run({"geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST"}) ==
        "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n");
  CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "ASC", "WITHDIST"}) ==
        "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n");
  CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "FROMMEMBER", "Palermo", "BYRADIUS",
               "1", "km"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"}) ==
        "-ERR COUNT must be > 0\r\n");
  CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "-1", "km"}) ==
        "-ERR radius cannot be negative\r\n");
  CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km"}) ==
        "-ERR need numeric height\r\n");
}

TEST_CASE("GEOADD propagates as the ZADD it ran; a search with STORE as it came",
          "[geo][propagation]") {
  command_harness h;
  credis::command_batch batch;
  h.propagated = &batch;
  h.run({"GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo"});
  h.run({"GEOADD", "g", "13.361389", "38.115556", "Palermo"});  // no change: nothing
  h.run({"GEORADIUS", "g", "13", "38", "100", "km"});           // no STORE: nothing
  h.run({"GEORADIUS", "g", "13", "38", "100", "km", "STORE", "d"});
  std::vector<std::string> lines;
  std::vector<std::string_view> argv;
  for (const auto& item : batch.items()) {
    batch.args_of(item, argv);
    std::string line;
    for (auto a : argv)
      line += std::string(a) + " ";
    lines.push_back(line);
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "zadd g CH 3479099956230698 Palermo ");
  CHECK(lines[1] == "GEORADIUS g 13 38 100 km STORE d ");
}
