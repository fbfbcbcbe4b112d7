#include "storage/geohash.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace credis::geohash {

namespace {

// Degrees to radians and back, with the same constant and operations as Redis (x * pi/180).
constexpr double deg_to_rad = M_PI / 180.0;
inline double to_radians(double deg) { return deg * deg_to_rad; }
inline double to_degrees(double rad) { return rad / deg_to_rad; }

// The largest extent Redis's step estimate compares with (half the Mercator world, meters).
constexpr double mercator_max = 20037726.37;

// Spreads the 32 bits of v over the even bit positions of a 64-bit word.
inline uint64_t spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x << 2)) & 0x3333333333333333ull;
  x = (x | (x << 1)) & 0x5555555555555555ull;
  return x;
}

// Gathers the even bits of v into 32 bits (the inverse of spread).
inline uint32_t gather(uint64_t v) {
  uint64_t x = v & 0x5555555555555555ull;
  x = (x | (x >> 1)) & 0x3333333333333333ull;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFull;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFull;
  return static_cast<uint32_t>(x);
}

// A cell offset (0 .. 2^step) as C converts a double to uint32_t on x86-64: truncated through
// a 64-bit integer.
inline uint32_t offset_cells(double v) { return static_cast<uint32_t>(static_cast<int64_t>(v)); }

bool zero_range(interval r) { return r.max == 0 && r.min == 0; }

constexpr interval redis_lon{lon_min, lon_max};
constexpr interval redis_lat{lat_min, lat_max};

// Moves a hash one cell along one axis (east/north for +1, west/south for -1), wrapping
// around: the axis's bits are counted with the other axis's bits set so that the carry or
// borrow crosses them. `axis` masks the axis's bits (odd: longitude, even: latitude).
void move(bits& h, uint64_t axis, int d) {
  if (d == 0)
    return;
  const unsigned shift = 64 - h.step * 2u;
  const uint64_t other_mask = ~axis;
  uint64_t mine = h.value & axis;
  const uint64_t theirs = h.value & other_mask;
  const uint64_t gaps = shift >= 64 ? 0 : other_mask >> shift;  // the other axis's bits in use
  if (d > 0)
    mine = mine + (gaps + 1);
  else
    mine = (mine | gaps) - (gaps + 1);
  mine &= shift >= 64 ? 0 : axis >> shift;
  h.value = mine | theirs;
}

constexpr uint64_t lon_bits = 0xaaaaaaaaaaaaaaaaull;
constexpr uint64_t lat_bits = 0x5555555555555555ull;

}  // namespace

bool encode(interval lon_range, interval lat_range, double lon, double lat, int step, bits& out) {
  if (step > 32 || step == 0 || zero_range(lat_range) || zero_range(lon_range))
    return false;
  if (lon > lon_max || lon < lon_min || lat > lat_max || lat < lat_min)
    return false;
  out.value = 0;
  out.step = static_cast<uint8_t>(step);
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max)
    return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ull << step);
  lon_offset *= static_cast<double>(1ull << step);
  out.value = spread(offset_cells(lat_offset)) | (spread(offset_cells(lon_offset)) << 1);
  return true;
}

bool encode(double lon, double lat, int step, bits& out) {
  return encode(redis_lon, redis_lat, lon, lat, step, out);
}

bool decode(interval lon_range, interval lat_range, bits hash, cell& out) {
  if (hash.zero() || zero_range(lat_range) || zero_range(lon_range))
    return false;
  out.hash = hash;
  const uint32_t lat_cell = gather(hash.value);
  const uint32_t lon_cell = gather(hash.value >> 1);
  const double lat_scale = lat_range.max - lat_range.min;
  const double lon_scale = lon_range.max - lon_range.min;
  const double cells = static_cast<double>(1ull << hash.step);
  out.lat.min = lat_range.min + (lat_cell * 1.0 / cells) * lat_scale;
  out.lat.max = lat_range.min + (static_cast<uint32_t>(lat_cell + 1) * 1.0 / cells) * lat_scale;
  out.lon.min = lon_range.min + (lon_cell * 1.0 / cells) * lon_scale;
  out.lon.max = lon_range.min + (static_cast<uint32_t>(lon_cell + 1) * 1.0 / cells) * lon_scale;
  return true;
}

bool decode(bits hash, cell& out) { return decode(redis_lon, redis_lat, hash, out); }

void center(const cell& c, double& lon, double& lat) {
  lon = (c.lon.min + c.lon.max) / 2;
  if (lon > lon_max)
    lon = lon_max;
  if (lon < lon_min)
    lon = lon_min;
  lat = (c.lat.min + c.lat.max) / 2;
  if (lat > lat_max)
    lat = lat_max;
  if (lat < lat_min)
    lat = lat_min;
}

uint64_t score_of(bits hash) { return hash.value << (52 - hash.step * 2); }

uint64_t score_bits(double score) {
  constexpr double two_63 = 9223372036854775808.0;
  // cvttsd2si: truncation, or INT64_MIN when out of range (NaN included).
  auto cvtt = [](double x) -> uint64_t {
    if (!(x >= -two_63 && x < two_63))
      return 1ull << 63;
    return static_cast<uint64_t>(static_cast<int64_t>(x));
  };
  if (score >= two_63)
    return cvtt(score - two_63) ^ (1ull << 63);
  return cvtt(score);
}

bool decode_score(double score, double& lon, double& lat) {
  cell c;
  if (!decode(bits{score_bits(score), max_step}, c))
    return false;
  center(c, lon, lat);
  return true;
}

neighbours neighbours_of(bits hash) {
  neighbours n;
  n.east = n.west = n.north = n.south = hash;
  n.north_east = n.north_west = n.south_east = n.south_west = hash;
  move(n.east, lon_bits, 1);
  move(n.west, lon_bits, -1);
  move(n.south, lat_bits, -1);
  move(n.north, lat_bits, 1);
  move(n.north_west, lon_bits, -1);
  move(n.north_west, lat_bits, 1);
  move(n.north_east, lon_bits, 1);
  move(n.north_east, lat_bits, 1);
  move(n.south_east, lon_bits, 1);
  move(n.south_east, lat_bits, -1);
  move(n.south_west, lon_bits, -1);
  move(n.south_west, lat_bits, -1);
  return n;
}

int steps_for_radius(double radius_m, double lat) {
  if (radius_m == 0)
    return max_step;
  int step = 1;
  while (radius_m < mercator_max) {
    radius_m *= 2;
    ++step;
  }
  step -= 2;  // so that the usual searches fit in the 9 cells
  // Cells narrow towards the poles: a coarser step there.
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80)
      --step;
  }
  if (step < 1)
    step = 1;
  if (step > max_step)
    step = max_step;
  return step;
}

double degrees_to_radians(double deg) { return to_radians(deg); }

double latitude_distance(double lat1, double lat2) {
  return earth_radius_m * std::fabs(to_radians(lat2) - to_radians(lat1));
}

double distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = to_radians(lon1);
  const double lon2r = to_radians(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Same longitude: the arc along the meridian, without the costly terms.
  if (v == 0.0)
    return latitude_distance(lat1, lat2);
  const double lat1r = to_radians(lat1);
  const double lat2r = to_radians(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * earth_radius_m * std::asin(std::sqrt(a));
}

bool shape::contains(double plon, double plat, double& dist) const {
  if (kind == circle) {
    dist = distance(lon, lat, plon, plat);
    return !(dist > radius * conversion);
  }
  // The latitude test is the cheaper one, so it comes first.
  const double width_m = width * conversion, height_m = height * conversion;
  if (latitude_distance(plat, lat) > height_m / 2)
    return false;
  if (distance(plon, plat, lon, plat) > width_m / 2)
    return false;
  dist = distance(lon, lat, plon, plat);
  return true;
}

void bounding_box(const shape& s, double bounds[4]) {
  const bool circle = s.kind == shape::circle;
  const double height = s.conversion * (circle ? s.radius : s.height / 2);
  const double width = s.conversion * (circle ? s.radius : s.width / 2);
  const double lat_delta = to_degrees(height / earth_radius_m);
  // Meridians converge towards the poles: the box's edge nearer to the pole is the wider.
  const double lon_delta_top =
      to_degrees(width / earth_radius_m / std::cos(to_radians(s.lat + lat_delta)));
  const double lon_delta_bottom =
      to_degrees(width / earth_radius_m / std::cos(to_radians(s.lat - lat_delta)));
  const bool southern = s.lat < 0;
  bounds[0] = southern ? s.lon - lon_delta_bottom : s.lon - lon_delta_top;
  bounds[2] = southern ? s.lon + lon_delta_bottom : s.lon + lon_delta_top;
  bounds[1] = s.lat - lat_delta;
  bounds[3] = s.lat + lat_delta;
}

search_cells cells_for(shape& s) {
  bounding_box(s, s.bounds);
  const double min_lon = s.bounds[0], min_lat = s.bounds[1];
  const double max_lon = s.bounds[2], max_lat = s.bounds[3];
  // A box is covered by the circle through its corners.
  double radius_m =
      s.kind == shape::circle
          ? s.radius
          : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radius_m *= s.conversion;

  int steps = steps_for_radius(radius_m, s.lat);
  search_cells r;
  encode(redis_lon, redis_lat, s.lon, s.lat, steps, r.hash);
  r.around = neighbours_of(r.hash);
  decode(redis_lon, redis_lat, r.hash, r.area);

  // Near a cell's edge the estimated step may leave part of the shape outside the 9 cells:
  // one step coarser then.
  bool coarser = false;
  {
    cell north, south, east, west;
    decode(redis_lon, redis_lat, r.around.north, north);
    decode(redis_lon, redis_lat, r.around.south, south);
    decode(redis_lon, redis_lat, r.around.east, east);
    decode(redis_lon, redis_lat, r.around.west, west);
    if (north.lat.max < max_lat)
      coarser = true;
    if (south.lat.min > min_lat)
      coarser = true;
    if (east.lon.max < max_lon)
      coarser = true;
    if (west.lon.min > min_lon)
      coarser = true;
  }
  if (steps > 1 && coarser) {
    --steps;
    encode(redis_lon, redis_lat, s.lon, s.lat, steps, r.hash);
    r.around = neighbours_of(r.hash);
    decode(redis_lon, redis_lat, r.hash, r.area);
  }

  // Leave out the neighbours the shape does not reach.
  if (steps >= 2) {
    neighbours& n = r.around;
    if (r.area.lat.min < min_lat)
      n.south = n.south_west = n.south_east = bits{};
    if (r.area.lat.max > max_lat)
      n.north = n.north_east = n.north_west = bits{};
    if (r.area.lon.min < min_lon)
      n.west = n.south_west = n.north_west = bits{};
    if (r.area.lon.max > max_lon)
      n.east = n.south_east = n.north_east = bits{};
  }
  return r;
}

void score_range(bits hash, uint64_t& min, uint64_t& max) {
  min = score_of(hash);
  ++hash.value;
  max = score_of(hash);
}

std::string standard_text(double score) {
  static constexpr char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon = 0, lat = 0;
  decode_score(score, lon, lat);
  bits h;
  encode(interval{-180, 180}, interval{-90, 90}, lon, lat, max_step, h);
  std::string text(11, '0');
  // 52 bits make 10 characters and 2 bits; the 11th character is always '0', as in Redis.
  for (int i = 0; i < 10; ++i)
    text[static_cast<size_t>(i)] = alphabet[(h.value >> (52 - (i + 1) * 5)) & 0x1f];
  return text;
}

void append_distance(std::string& out, double d) {
  if (d == 0) {
    out.append("0.0000");
    return;
  }
  const long long scaled = std::llrint(d * 10000.0);
  unsigned long long magnitude;
  if (scaled < 0) {
    out.push_back('-');
    magnitude = 0ull - static_cast<unsigned long long>(scaled);
  } else {
    magnitude = static_cast<unsigned long long>(scaled);
  }
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, magnitude / 10000).ptr;
  out.append(buf, static_cast<size_t>(end - buf));
  out.push_back('.');
  const unsigned frac = static_cast<unsigned>(magnitude % 10000);
  const char digits[4] = {
      static_cast<char>('0' + frac / 1000), static_cast<char>('0' + frac / 100 % 10),
      static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10)};
  out.append(digits, 4);
}

}  // namespace credis::geohash
