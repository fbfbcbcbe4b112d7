// Geohashes as Redis's GEO commands use them: a point is the 52-bit interleave of its 26-bit
// latitude and longitude cells (latitude on the even bits, longitude on the odd ones), stored
// as a sorted set score; a search looks at the cell that holds the center and its eight
// neighbours, at a precision (step) chosen from the radius, then keeps the points within the
// shape. Every figure is computed with the same operations in the same order as Redis 7.0
// computes it (its geohash.c and geohash_helper.c), so that cells, distances and thus replies
// and their order come out bit for bit the same.
#pragma once

#include <cstdint>
#include <string>

namespace credis::geohash {

inline constexpr int max_step = 26;  // 2 * 26 = 52 bits, what a double holds exactly
// The latitudes Web Mercator (EPSG:3857) covers; the longitudes of the whole globe.
inline constexpr double lat_min = -85.05112878;
inline constexpr double lat_max = 85.05112878;
inline constexpr double lon_min = -180;
inline constexpr double lon_max = 180;
inline constexpr double earth_radius_m = 6372797.560856;  // WGS-84's quadratic mean radius

struct bits {
  uint64_t value = 0;
  uint8_t step = 0;  // the cells per axis are 2^step
  // Redis's "zero" hash marks a neighbour left out of a search.
  bool zero() const { return value == 0 && step == 0; }
  bool operator==(const bits&) const = default;
};

struct interval {
  double min = 0, max = 0;
};

// A cell and the coordinates it spans.
struct cell {
  bits hash;
  interval lon, lat;
};

struct neighbours {
  bits north, east, west, south, north_east, south_east, north_west, south_west;
};

// Encodes (lon, lat) within the given ranges at `step` (1..32); false outside them or the
// globe's limits above.
bool encode(interval lon_range, interval lat_range, double lon, double lat, int step, bits& out);
// Within Redis's ranges: lon -180..180, lat -85.05112878..85.05112878.
bool encode(double lon, double lat, int step, bits& out);
// The area a hash covers; false for the zero hash.
bool decode(interval lon_range, interval lat_range, bits hash, cell& out);
bool decode(bits hash, cell& out);
// A cell's center, clamped to the limits.
void center(const cell& c, double& lon, double& lat);

// The score a point gets (the 52-bit hash of its 26-step cell).
uint64_t score_of(bits hash);
// A sorted set score read back as a point (the center of its cell); false never happens for
// a 26-step hash but is kept for the callers' sake.
bool decode_score(double score, double& lon, double& lat);
// A double cast to uint64_t as x86-64 code compiled by GCC does it (cvttsd2si, with the 2^63
// adjustment): what Redis's (uint64_t)score gives, negative and huge scores included.
uint64_t score_bits(double score);

// The 8 cells around `hash` at its step, wrapping at the edges.
neighbours neighbours_of(bits hash);

// The step whose cells are big enough for a search of `radius_m` meters at latitude `lat`.
int steps_for_radius(double radius_m, double lat);

double degrees_to_radians(double deg);
// Great-circle distance (haversine) in meters.
double distance(double lon1, double lat1, double lon2, double lat2);
// The distance along a meridian between two latitudes.
double latitude_distance(double lat1, double lat2);

// A search area: a circle (radius) or an axis-aligned box (width, height), around (lon, lat);
// `conversion` is the meters in the unit the sizes are in.
struct shape {
  enum kind_t : uint8_t { circle, box } kind = circle;
  double lon = 0, lat = 0;
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
  // The bounding box: min lon, min lat, max lon, max lat (set by search_cells).
  double bounds[4] = {0, 0, 0, 0};

  // Whether the point (lon, lat) lies in the shape; `dist` gets its distance in meters from
  // the center when it does.
  bool contains(double lon, double lat, double& dist) const;
};

// The bounding box of `s`: min lon, min lat, max lon, max lat.
void bounding_box(const shape& s, double bounds[4]);

// The center cell and its neighbours that together cover the shape; the useless neighbours
// are zero. Sets s.bounds.
struct search_cells {
  bits hash;
  cell area;
  neighbours around;
};
search_cells cells_for(shape& s);

// The sorted set scores of the points in a cell: min included, max excluded.
void score_range(bits hash, uint64_t& min, uint64_t& max);

// The standard 11-character base32 geohash (latitude -90..90) of a stored score, as GEOHASH
// prints it.
std::string standard_text(double score);

// A distance as the GEO commands print it: 4 decimals (Redis's fixedpoint_d2string).
void append_distance(std::string& out, double d);

}  // namespace credis::geohash
