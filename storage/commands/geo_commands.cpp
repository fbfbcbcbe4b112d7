// The GEO commands (Redis's geo.c): GEOADD GEOPOS GEODIST GEOHASH GEORADIUS GEORADIUSBYMEMBER
// GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE. A geo set is a sorted set whose
// scores are 52-bit geohashes (storage/geohash.hpp), so the sorted set commands, RDB files and
// replicas see an ordinary sorted set. GEOADD runs ZADD on the scores it computed and reaches
// replicas as that ZADD; a search with STORE goes as it came, as in Redis.
//
// A search reads the 9 cells around the center in Redis's order, each from its lowest score,
// keeps the points within the shape, and sorts them with the algorithms Redis's replies come
// from: glibc's merge sort (qsort) for a whole sort, and the partial quicksort of Redis's
// pqsort.c when COUNT takes fewer than were found. Points at equal distances therefore come
// out in Redis's order too.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"
#include "storage/commands/zset_support.hpp"
#include "storage/geohash.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// ---- arguments ---------------------------------------------------------------------------------

// A coordinate pair at argv[0], argv[1]; false, with Redis's error replied, when either is no
// number or the pair lies outside what a geohash covers.
bool parse_lon_lat(exec_context& ctx, const std::string_view* args, double& lon, double& lat) {
  if (!parse_double(args[0], lon) || !parse_double(args[1], lat)) {
    reply::error(ctx.out, errors::not_float);
    return false;
  }
  if (lon < geohash::lon_min || lon > geohash::lon_max || lat < geohash::lat_min ||
      lat > geohash::lat_max) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "ERR invalid longitude,latitude pair %f,%f", lon, lat);
    reply::error(ctx.out, buf);
    return false;
  }
  return true;
}

// The meters in a unit; negative, with the error replied, for an unknown one.
double parse_unit(exec_context& ctx, std::string_view unit) {
  if (iequals(unit, "m"))
    return 1;
  if (iequals(unit, "km"))
    return 1000;
  if (iequals(unit, "ft"))
    return 0.3048;
  if (iequals(unit, "mi"))
    return 1609.34;
  reply::error(ctx.out, "ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// "<radius> <unit>".
bool parse_radius(exec_context& ctx, const std::string_view* args, geohash::shape& s) {
  double radius = 0;
  if (!parse_double(args[0], radius)) {
    reply::error(ctx.out, "ERR need numeric radius");
    return false;
  }
  if (radius < 0) {
    reply::error(ctx.out, "ERR radius cannot be negative");
    return false;
  }
  s.radius = radius;
  const double to_meters = parse_unit(ctx, args[1]);
  if (to_meters < 0)
    return false;
  s.conversion = to_meters;
  return true;
}

// "<width> <height> <unit>".
bool parse_box(exec_context& ctx, const std::string_view* args, geohash::shape& s) {
  double w = 0, h = 0;
  if (!parse_double(args[0], w)) {
    reply::error(ctx.out, "ERR need numeric width");
    return false;
  }
  if (!parse_double(args[1], h)) {
    reply::error(ctx.out, "ERR need numeric height");
    return false;
  }
  if (h < 0 || w < 0) {
    reply::error(ctx.out, "ERR height or width cannot be negative");
    return false;
  }
  s.height = h;
  s.width = w;
  const double to_meters = parse_unit(ctx, args[2]);
  if (to_meters < 0)
    return false;
  s.conversion = to_meters;
  return true;
}

// A member's position; false when it is not a member.
bool member_position(const zset_value& z, std::string_view member, double& lon, double& lat) {
  const std::optional<double> score = z.score(member);
  return score && geohash::decode_score(*score, lon, lat);
}

// A coordinate as Redis prints one (addReplyHumanLongDouble): "%.17Lf" without its trailing
// zeros, a bulk string in RESP2 and a double in RESP3.
void reply_coordinate(std::string& out, double v) {
  const std::string text = format_long_double(static_cast<long double>(v));
  if (reply::protocol() == 3) {
    out.push_back(',');
    out.append(text);
    out.append("\r\n", 2);
  } else {
    reply::bulk(out, text);
  }
}

void reply_distance(std::string& out, double d) {
  std::string text;
  geohash::append_distance(text, d);
  reply::bulk(out, text);
}

// ---- the search --------------------------------------------------------------------------------

struct geo_point {
  double lon, lat;
  double dist;  // meters, then in the unit asked for
  double score;
  element member;
};

// Calls visit(score, member) for the members whose score is in [min, max), in the set's order,
// until it returns false.
template <class Visit>
void visit_scores(const zset_value& z, double min, double max, Visit visit) {
  const size_t first = z.count_before([&](double s, std::string_view) { return s < min; });
  if (first >= z.size())
    return;
  for (auto it = z.at(first); it != z.end(); ++it) {
    const zset_entry e = *it;
    if (!(e.score < max) || !visit(e))
      return;
  }
}

// Appends the members of one cell within the shape; `limit` (0: none) stops the walk once that
// many points were found in all.
void members_of_cell(const zset_value& z, geohash::bits cell, const geohash::shape& s,
                     std::vector<geo_point>& found, uint64_t limit) {
  uint64_t min = 0, max = 0;
  geohash::score_range(cell, min, max);
  visit_scores(z, static_cast<double>(min), static_cast<double>(max), [&](const zset_entry& e) {
    double lon = 0, lat = 0, dist = 0;
    if (geohash::decode_score(e.score, lon, lat) && s.contains(lon, lat, dist))
      found.push_back({lon, lat, dist, e.score, e.member});
    return !(limit && found.size() >= limit);
  });
}

// The center cell, then N, S, E, W, NE, NW, SE, SW, skipping zero cells and a cell equal to the
// one searched before it (huge radii make neighbours coincide).
void members_of_all_cells(const zset_value& z, const geohash::search_cells& cells,
                          const geohash::shape& s, std::vector<geo_point>& found, uint64_t limit) {
  const geohash::neighbours& n = cells.around;
  const geohash::bits order[9] = {cells.hash,   n.north,      n.south,      n.east,      n.west,
                                  n.north_east, n.north_west, n.south_east, n.south_west};
  size_t last = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (order[i].zero())
      continue;
    if (last && order[i] == order[last])
      continue;
    if (limit && found.size() >= limit)
      break;
    members_of_cell(z, order[i], s, found, limit);
    last = i;
  }
}

// Redis's comparison of two points (sort_gp_asc; DESC negates it).
inline int compare_distance(const geo_point* a, const geo_point* b) {
  if (a->dist > b->dist)
    return 1;
  if (a->dist == b->dist)
    return 0;
  return -1;
}

// glibc's qsort (msort.c): a top-down merge sort, the left run's point first on a tie.
template <class Cmp>
void merge_sort(const geo_point** b, size_t n, const geo_point** tmp, Cmp cmp) {
  if (n <= 1)
    return;
  size_t n1 = n / 2, n2 = n - n1;
  const geo_point** b1 = b;
  const geo_point** b2 = b + n1;
  merge_sort(b1, n1, tmp, cmp);
  merge_sort(b2, n2, tmp, cmp);
  const geo_point** out = tmp;
  while (n1 > 0 && n2 > 0) {
    if (cmp(*b1, *b2) <= 0) {
      *out++ = *b1++;
      --n1;
    } else {
      *out++ = *b2++;
      --n2;
    }
  }
  if (n1 > 0)
    std::copy(b1, b1 + n1, out);
  std::copy(tmp, tmp + (n - n2), b);
}

// Redis's pqsort: Bentley & McIlroy's quicksort that only sorts the parts holding the
// positions [left, right] (which then hold what a full sort would put there). Indexes stand for
// the original's pointers, with each step taken in the same order.
template <class Cmp>
class partial_quicksort {
 public:
  partial_quicksort(const geo_point** v, Cmp cmp, ptrdiff_t left, ptrdiff_t right)
      : v_(v), cmp_(cmp), left_(left), right_(right) {}

  void sort(ptrdiff_t a, ptrdiff_t n) {
    for (;;) {
      if (n < 7) {
        for (ptrdiff_t m = a + 1; m < a + n; ++m)
          for (ptrdiff_t l = m; l > a && cmp(l - 1, l) > 0; --l)
            swap(l, l - 1);
        return;
      }
      ptrdiff_t pm = a + n / 2;
      if (n > 7) {
        ptrdiff_t pl = a, pn = a + n - 1;
        if (n > 40) {
          const ptrdiff_t d = n / 8;
          pl = median3(pl, pl + d, pl + 2 * d);
          pm = median3(pm - d, pm, pm + d);
          pn = median3(pn - 2 * d, pn - d, pn);
        }
        pm = median3(pl, pm, pn);
      }
      swap(a, pm);
      ptrdiff_t pa = a + 1, pb = a + 1;
      ptrdiff_t pc = a + n - 1, pd = a + n - 1;
      for (;;) {
        int r;
        while (pb <= pc && (r = cmp(pb, a)) <= 0) {
          if (r == 0)
            swap(pa++, pb);
          ++pb;
        }
        while (pb <= pc && (r = cmp(pc, a)) >= 0) {
          if (r == 0)
            swap(pc, pd--);
          --pc;
        }
        if (pb > pc)
          break;
        swap(pb++, pc--);
      }
      const ptrdiff_t pn = a + n;
      ptrdiff_t r = std::min(pa - a, pb - pa);
      swap_runs(a, pb - r, r);
      r = std::min(pd - pc, pn - pd - 1);
      swap_runs(pb, pn - r, r);
      if ((r = pb - pa) > 1 && wanted(a, r))
        sort(a, r);
      if ((r = pd - pc) > 1) {
        a = pn - r;
        n = r;
        if (wanted(a, n))
          continue;
      }
      return;
    }
  }

 private:
  int cmp(ptrdiff_t i, ptrdiff_t j) const { return cmp_(v_[i], v_[j]); }
  void swap(ptrdiff_t i, ptrdiff_t j) { std::swap(v_[i], v_[j]); }
  void swap_runs(ptrdiff_t i, ptrdiff_t j, ptrdiff_t n) {
    for (ptrdiff_t k = 0; k < n; ++k)
      swap(i + k, j + k);
  }
  ptrdiff_t median3(ptrdiff_t a, ptrdiff_t b, ptrdiff_t c) const {
    return cmp(a, b) < 0 ? (cmp(b, c) < 0 ? b : (cmp(a, c) < 0 ? c : a))
                         : (cmp(b, c) > 0 ? b : (cmp(a, c) < 0 ? a : c));
  }
  // Whether [a, a + n) holds any of the positions asked for.
  bool wanted(ptrdiff_t a, ptrdiff_t n) const { return right_ >= a && left_ <= a + n - 1; }

  const geo_point** v_;
  Cmp cmp_;
  ptrdiff_t left_, right_;
};

enum search_flags : unsigned {
  by_coords = 1u << 0,       // GEORADIUS: around a longitude and latitude
  by_member = 1u << 1,       // GEORADIUSBYMEMBER: around a member
  no_store = 1u << 2,        // the _RO variants: no STORE/STOREDIST
  geosearch = 1u << 3,       // GEOSEARCH's arguments
  geosearchstore = 1u << 4,  // GEOSEARCHSTORE: its destination first, STOREDIST a flag
};

enum class order { none, asc, desc };

// Replaces `destination` with the found points (or deletes it when there are none), as
// Redis's georadiusGeneric stores them; replies how many.
void store_points(exec_context& ctx, std::string_view destination,
                  const std::vector<const geo_point*>& points, size_t n, bool store_dist,
                  std::string_view event) {
  entry* old = ctx.db().find(destination, ctx.expiry_now);
  if (n > 0) {
    zset_value result;
    for (size_t i = 0; i < n; ++i)
      result.insert(points[i]->member.view(), store_dist ? points[i]->dist : points[i]->score);
    if (old)
      ctx.db().erase(*old);
    ctx.db().put(destination, value(std::move(result)), no_expiry);
    if (!old)
      notify(ctx, ev::new_key, "new", destination);
    notify(ctx, ev::zset, event, destination);
    mark_dirty(ctx, static_cast<int64_t>(n));
    signal_modified(ctx, ctx.db_index, destination);
  } else if (old) {
    ctx.db().erase(*old);
    notify(ctx, ev::generic, "del", destination);
    mark_dirty(ctx);
    signal_modified(ctx, ctx.db_index, destination);
  }
  reply::integer(ctx.out, static_cast<int64_t>(n));
}

// GEORADIUS key lon lat radius unit [WITHDIST] [WITHHASH] [WITHCOORD] [ASC|DESC]
//   [COUNT count [ANY]] [STORE key] [STOREDIST key]
// GEORADIUSBYMEMBER key member radius unit ...
// GEOSEARCH key FROMMEMBER m | FROMLONLAT lon lat  BYRADIUS r unit | BYBOX w h unit
//   [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
// GEOSEARCHSTORE dest src ... [STOREDIST]
// Arguments are checked in Redis's order, so the same bad line gets the same error.
void search_generic(exec_context& ctx, arg_list argv, size_t src, unsigned flags) {
  bool failed = false;
  entry* e = lookup_typed(ctx, argv[src], value_type::zset, failed);
  if (failed)
    return;
  const zset_value* z = e ? &e->val.zset() : nullptr;

  std::optional<std::string_view> store_key;
  bool store_dist = false;
  geohash::shape shape;
  size_t base = 0;
  if (flags & by_coords) {
    base = 6;
    shape.kind = geohash::shape::circle;
    if (!parse_lon_lat(ctx, &argv[2], shape.lon, shape.lat) ||
        !parse_radius(ctx, &argv[base - 2], shape))
      return;
  } else if ((flags & by_member) && !z) {
    base = 5;  // nothing to search: the options are still read, for the right reply
  } else if (flags & by_member) {
    base = 5;
    shape.kind = geohash::shape::circle;
    if (!member_position(*z, argv[2], shape.lon, shape.lat)) {
      reply::error(ctx.out, "ERR could not decode requested zset member");
      return;
    }
    if (!parse_radius(ctx, &argv[base - 2], shape))
      return;
  } else {
    base = 2;
    if (flags & geosearchstore) {
      base = 3;
      store_key = argv[1];
    }
  }

  bool with_dist = false, with_hash = false, with_coord = false;
  bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
  order sort = order::none;
  bool any = false;
  int64_t count = 0;  // 0: no limit
  const size_t remaining = argv.size() > base ? argv.size() - base : 0;
  for (size_t i = 0; i < remaining; ++i) {
    const std::string_view arg = argv[base + i];
    const std::string_view* next = &argv[base + i] + 1;
    if (iequals(arg, "withdist")) {
      with_dist = true;
    } else if (iequals(arg, "withhash")) {
      with_hash = true;
    } else if (iequals(arg, "withcoord")) {
      with_coord = true;
    } else if (iequals(arg, "any")) {
      any = true;
    } else if (iequals(arg, "asc")) {
      sort = order::asc;
    } else if (iequals(arg, "desc")) {
      sort = order::desc;
    } else if (iequals(arg, "count") && i + 1 < remaining) {
      if (!parse_integer_arg(ctx, next[0], count))
        return;
      if (count <= 0) {
        reply::error(ctx.out, "ERR COUNT must be > 0");
        return;
      }
      ++i;
    } else if (iequals(arg, "store") && i + 1 < remaining && !(flags & no_store) &&
               !(flags & geosearch)) {
      store_key = next[0];
      store_dist = false;
      ++i;
    } else if (iequals(arg, "storedist") && i + 1 < remaining && !(flags & no_store) &&
               !(flags & geosearch)) {
      store_key = next[0];
      store_dist = true;
      ++i;
    } else if (iequals(arg, "storedist") && (flags & geosearch) && (flags & geosearchstore)) {
      store_dist = true;
    } else if (iequals(arg, "frommember") && i + 1 < remaining && (flags & geosearch) &&
               !from_lonlat) {
      if (z && !member_position(*z, next[0], shape.lon, shape.lat)) {
        reply::error(ctx.out, "ERR could not decode requested zset member");
        return;
      }
      from_member = true;
      ++i;
    } else if (iequals(arg, "fromlonlat") && i + 2 < remaining && (flags & geosearch) &&
               !from_member) {
      if (!parse_lon_lat(ctx, next, shape.lon, shape.lat))
        return;
      from_lonlat = true;
      i += 2;
    } else if (iequals(arg, "byradius") && i + 2 < remaining && (flags & geosearch) && !by_box) {
      if (!parse_radius(ctx, next, shape))
        return;
      shape.kind = geohash::shape::circle;
      by_radius = true;
      i += 2;
    } else if (iequals(arg, "bybox") && i + 3 < remaining && (flags & geosearch) && !by_radius) {
      if (!parse_box(ctx, next, shape))
        return;
      shape.kind = geohash::shape::box;
      by_box = true;
      i += 3;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }

  if (store_key && (with_dist || with_hash || with_coord)) {
    reply::error(ctx.out, (flags & geosearchstore)
                              ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH "
                                "and WITHCOORD options"
                              : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, "
                                "WITHHASH and WITHCOORD options");
    return;
  }
  if ((flags & geosearch) && !(from_member || from_lonlat)) {
    reply::error(ctx.out, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                              std::string(argv[0]));
    return;
  }
  if ((flags & geosearch) && !(by_radius || by_box)) {
    reply::error(ctx.out, "ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                              std::string(argv[0]));
    return;
  }
  if (any && !count) {
    reply::error(ctx.out, "ERR the ANY argument requires COUNT argument");
    return;
  }

  if (!z) {
    if (store_key) {
      std::vector<const geo_point*> none;
      store_points(ctx, *store_key, none, 0, store_dist, {});
    } else {
      reply::array_header(ctx.out, 0);
    }
    return;
  }

  // COUNT without an order takes the nearest ones (but ANY, the first found).
  if (count != 0 && sort == order::none && !any)
    sort = order::asc;

  const geohash::search_cells cells = geohash::cells_for(shape);
  std::vector<geo_point> found;
  members_of_all_cells(*z, cells, shape, found, any ? static_cast<uint64_t>(count) : 0);

  if (found.empty() && !store_key) {
    reply::array_header(ctx.out, 0);
    return;
  }

  const size_t total = found.size();
  const size_t returned =
      (count == 0 || total < static_cast<uint64_t>(count)) ? total : static_cast<size_t>(count);
  std::vector<const geo_point*> points(total);
  for (size_t i = 0; i < total; ++i)
    points[i] = &found[i];
  auto run_sort = [&](auto cmp) {
    if (returned == total) {
      std::vector<const geo_point*> tmp(total);
      merge_sort(points.data(), total, tmp.data(), cmp);
    } else {
      partial_quicksort<decltype(cmp)>(points.data(), cmp, 0, static_cast<ptrdiff_t>(returned) - 1)
          .sort(0, static_cast<ptrdiff_t>(total));
    }
  };
  if (sort == order::asc)
    run_sort(compare_distance);
  else if (sort == order::desc)
    run_sort([](const geo_point* a, const geo_point* b) { return -compare_distance(a, b); });
  for (size_t i = 0; i < returned; ++i)
    found[static_cast<size_t>(points[i] - found.data())].dist /= shape.conversion;

  if (store_key) {
    store_points(ctx, *store_key, points, returned, store_dist,
                 (flags & geosearch) ? "geosearchstore" : "georadiusstore");
    return;
  }
  const int64_t options = (with_dist ? 1 : 0) + (with_coord ? 1 : 0) + (with_hash ? 1 : 0);
  reply::array_header(ctx.out, static_cast<int64_t>(returned));
  for (size_t i = 0; i < returned; ++i) {
    const geo_point& p = *points[i];
    if (options)
      reply::array_header(ctx.out, options + 1);
    reply::bulk(ctx.out, p.member.view());
    if (with_dist)
      reply_distance(ctx.out, p.dist);
    if (with_hash)
      reply::integer(ctx.out, static_cast<int64_t>(p.score));
    if (with_coord) {
      reply::array_header(ctx.out, 2);
      reply_coordinate(ctx.out, p.lon);
      reply_coordinate(ctx.out, p.lat);
    }
  }
}

void georadius_command(exec_context& ctx, arg_list argv) {
  search_generic(ctx, argv, 1, by_coords);
}
void georadiusbymember_command(exec_context& ctx, arg_list argv) {
  search_generic(ctx, argv, 1, by_member);
}
void georadius_ro_command(exec_context& ctx, arg_list argv) {
  search_generic(ctx, argv, 1, by_coords | no_store);
}
void georadiusbymember_ro_command(exec_context& ctx, arg_list argv) {
  search_generic(ctx, argv, 1, by_member | no_store);
}
void geosearch_command(exec_context& ctx, arg_list argv) {
  search_generic(ctx, argv, 1, geosearch);
}
void geosearchstore_command(exec_context& ctx, arg_list argv) {
  search_generic(ctx, argv, 2, geosearch | geosearchstore);
}

// ---- GEOADD ------------------------------------------------------------------------------------

// GEOADD key [NX|XX] [CH] lon lat member ...: where the points start (after the options);
// false, with the error replied when `ctx` is given, for a bad line.
bool geoadd_options(exec_context* ctx, arg_list argv, size_t& first, zadd_options& o) {
  for (first = 2; first < argv.size(); ++first) {
    if (iequals(argv[first], "nx"))
      o.nx = true;
    else if (iequals(argv[first], "xx"))
      o.xx = true;
    else if (iequals(argv[first], "ch"))
      o.ch = true;
    else
      break;
  }
  if ((argv.size() - first) % 3 != 0 || (o.xx && o.nx)) {
    if (ctx)
      reply::error(ctx->out, errors::syntax);
    return false;
  }
  return true;
}

// The score of the point at point[0], point[1] (checked before when `ctx` is null).
bool geoadd_score(exec_context* ctx, const std::string_view* point, double& score) {
  double lon = 0, lat = 0;
  if (ctx) {
    if (!parse_lon_lat(*ctx, point, lon, lat))
      return false;
  } else {
    parse_double(point[0], lon);
    parse_double(point[1], lat);
  }
  geohash::bits hash;
  geohash::encode(lon, lat, geohash::max_step, hash);
  score = static_cast<double>(geohash::score_of(hash));
  return true;
}

// Runs ZADD with the points' scores; every coordinate is checked before anything changes.
void geoadd_command(exec_context& ctx, arg_list argv) {
  size_t first = 0;
  zadd_options o;
  if (!geoadd_options(&ctx, argv, first, o))
    return;
  const size_t elements = (argv.size() - first) / 3;
  double one = 0;
  std::vector<double> many;
  if (elements > 1)
    many.resize(elements);
  double* scores = elements > 1 ? many.data() : &one;
  for (size_t i = 0; i < elements; ++i)
    if (!geoadd_score(&ctx, &argv[first + 3 * i], scores[i]))
      return;
  if (elements == 0) {  // ZADD with no pair
    reply::error(ctx.out, errors::syntax);
    return;
  }
  zadd_scored(ctx, argv[1], std::span<const double>(scores, elements), argv, first + 2, 3, o);
}

// Replicas get the ZADD that GEOADD ran: "zadd", the key and options as given, then each
// point's score (as a decimal integer) and member.
void geoadd_propagate(exec_context& ctx, arg_list argv) {
  size_t first = 0;
  zadd_options o;
  if (!geoadd_options(nullptr, argv, first, o))
    return;
  const size_t elements = (argv.size() - first) / 3;
  std::vector<std::string> scores(elements);
  std::vector<std::string_view> zadd;
  zadd.reserve(first + 2 * elements);
  zadd.push_back("zadd");
  for (size_t i = 1; i < first; ++i)
    zadd.push_back(argv[i]);
  for (size_t i = 0; i < elements; ++i) {
    double score = 0;
    geoadd_score(nullptr, &argv[first + 3 * i], score);
    append_int64(scores[i], static_cast<int64_t>(score));
    zadd.push_back(scores[i]);
    zadd.push_back(argv[first + 3 * i + 2]);
  }
  ctx.propagated->add_command(nullptr, ctx.db_index, zadd, ctx.arg_blocks);
}

// ---- GEOPOS GEODIST GEOHASH --------------------------------------------------------------------

void geopos_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (failed)
    return;
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i) {
    double lon = 0, lat = 0;
    if (!z || !member_position(*z, argv[i], lon, lat)) {
      reply::null_array(ctx.out);
      continue;
    }
    reply::array_header(ctx.out, 2);
    reply_coordinate(ctx.out, lon);
    reply_coordinate(ctx.out, lat);
  }
}

void geodist_command(exec_context& ctx, arg_list argv) {
  double to_meters = 1;
  if (argv.size() == 5) {
    to_meters = parse_unit(ctx, argv[4]);
    if (to_meters < 0)
      return;
  } else if (argv.size() > 5) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (failed)
    return;
  double lon1 = 0, lat1 = 0, lon2 = 0, lat2 = 0;
  if (!z || !member_position(*z, argv[2], lon1, lat1) ||
      !member_position(*z, argv[3], lon2, lat2)) {
    reply::null_bulk(ctx.out);
    return;
  }
  reply_distance(ctx.out, geohash::distance(lon1, lat1, lon2, lat2) / to_meters);
}

void geohash_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (failed)
    return;
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i) {
    const std::optional<double> score = z ? z->score(argv[i]) : std::nullopt;
    if (!score) {
      reply::null_bulk(ctx.out);
      continue;
    }
    reply::bulk(ctx.out, geohash::standard_text(*score));
  }
}

// STORE and STOREDIST are looked for after the unit (GEORADIUS's 6th argument, GEORADIUSBYMEMBER's
// 5th).
constexpr movable_keys radius_store_key = {movable_keys::geo_store, 6};
constexpr movable_keys member_store_key = {movable_keys::geo_store, 5};
// The commands that may store publish "new", their store event or "del" themselves.
constexpr key_event store_events = {ev::zset, "", key_event::by_command, true};

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec georadius_keys[] = {
    keys_at(kf::ro | kf::access, 1),
    keys_after(kf::ow | kf::update, "STORE", 6),
    keys_after(kf::ow | kf::update, "STOREDIST", 6),
};

constexpr key_spec georadiusbymember_keys[] = {
    keys_at(kf::ro | kf::access, 1),
    keys_after(kf::ow | kf::update, "STORE", 5),
    keys_after(kf::ow | kf::update, "STOREDIST", 5),
};

constexpr key_spec geosearchstore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_at(kf::ro | kf::access, 2),
};

const command_spec specs[] = {
    with_event({"geoadd", -5, cmd_write | cmd_denyoom, geoadd_command, nullptr, 1, 1, 1,
                kf::rw | kf::update,
                "Add one or more geospatial items in the geospatial index represented using a "
                "sorted set",
                "geo", "3.2.0", geoadd_propagate},
               {ev::zset, "", key_event::by_command}),
    {"geopos", -2, cmd_readonly, geopos_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Returns longitude and latitude of members of a geospatial index", "geo", "3.2.0"},
    {"geodist", -4, cmd_readonly, geodist_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Returns the distance between two members of a geospatial index", "geo", "3.2.0"},
    {"geohash", -2, cmd_readonly, geohash_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Returns members of a geospatial index as standard geohash strings", "geo", "3.2.0"},
    with_key_specs(
        with_movable_keys(
            with_event({"georadius", -6, cmd_write | cmd_denyoom | cmd_signals_itself,
                        georadius_command, nullptr, 1, 1, 1, kf::none,
                        "Query a sorted set representing a geospatial index to fetch members "
                        "matching a given maximum distance from a point",
                        "geo", "3.2.0"},
                       store_events),
            radius_store_key),
        georadius_keys),
    with_key_specs(
        with_movable_keys(
            with_event({"georadiusbymember", -5, cmd_write | cmd_denyoom | cmd_signals_itself,
                        georadiusbymember_command, nullptr, 1, 1, 1, kf::none,
                        "Query a sorted set representing a geospatial index to fetch members "
                        "matching a given maximum distance from a member",
                        "geo", "3.2.0"},
                       store_events),
            member_store_key),
        georadiusbymember_keys),
    {"georadius_ro", -6, cmd_readonly, georadius_ro_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "A read-only variant for GEORADIUS", "geo", "3.2.10"},
    {"georadiusbymember_ro", -5, cmd_readonly, georadiusbymember_ro_command, nullptr, 1, 1, 1,
     kf::ro | kf::access, "A read-only variant for GEORADIUSBYMEMBER", "geo", "3.2.10"},
    {"geosearch", -7, cmd_readonly, geosearch_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Query a sorted set representing a geospatial index to fetch members inside an area of a "
     "box or a circle.",
     "geo", "6.2.0"},
    with_key_specs(
        with_event({"geosearchstore", -8, cmd_write | cmd_denyoom | cmd_signals_itself,
                    geosearchstore_command, nullptr, 1, 2, 1, kf::none,
                    "Query a sorted set representing a geospatial index to fetch members inside an "
                    "area of a box or a circle, and store the result in another key.",
                    "geo", "6.2.0"},
                   store_events),
        geosearchstore_keys),
};

}  // namespace

std::span<const command_spec> geo_commands() { return specs; }

}  // namespace credis
