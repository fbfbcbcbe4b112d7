#include "storage/scripting/lua_reply.hpp"

#include <lua5.1/lua.hpp>

#include <cmath>
#include <cstdlib>
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"

namespace credis {

namespace {

// One line of the reply (without its CRLF), dropped from `text`.
std::string_view take_line(std::string_view& text) {
  const size_t end = text.find("\r\n");
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 2);
  return line;
}

int64_t length_of(std::string_view line) {
  int64_t n = 0;
  parse_int64(line, n);
  return n;
}

std::string_view take_bulk(std::string_view& text, int64_t len) {
  const std::string_view body = text.substr(0, static_cast<size_t>(len));
  text.remove_prefix(std::min(text.size(), static_cast<size_t>(len) + 2));
  return body;
}

void push_field_table(lua_State* L, const char* field) {
  lua_newtable(L);
  lua_pushstring(L, field);
}

// A reply whose value Lua is not shown (a RESP3 attribute's pairs).
void skip_reply(std::string_view& text) {
  const char type = text.empty() ? 0 : text[0];
  const std::string_view line = take_line(text);
  const int64_t n = line.size() > 1 ? length_of(line.substr(1)) : 0;
  switch (type) {
    case '$': case '=': case '!':
      if (n >= 0)
        take_bulk(text, n);
      break;
    case '*': case '~': case '>':
      for (int64_t i = 0; i < n; ++i)
        skip_reply(text);
      break;
    case '%': case '|':
      for (int64_t i = 0; i < 2 * n; ++i)
        skip_reply(text);
      break;
    default:
      break;
  }
}

}  // namespace

void push_error_table(lua_State* L, std::string_view error) {
  // "-CODE message": the code is the first word; plain "message": the code is ERR.
  std::string code = "ERR", msg;
  if (!error.empty() && error[0] == '-') {
    error.remove_prefix(1);
    const size_t space = error.find(' ');
    if (space == std::string_view::npos) {
      msg = error;
    } else {
      code = error.substr(0, space);
      msg = error.substr(space + 1);
    }
  } else {
    msg = error;
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n'))
    msg.pop_back();
  lua_newtable(L);
  lua_pushstring(L, "err");
  const std::string full = code + " " + msg;
  lua_pushlstring(L, full.data(), full.size());
  lua_settable(L, -3);
}

void push_reply(lua_State* L, std::string_view& text) {
  if (!lua_checkstack(L, 5))
    luaL_error(L, "reached lua stack limit");
  const char type = text.empty() ? 0 : text[0];
  const std::string_view line = take_line(text);
  const std::string_view rest = line.empty() ? line : line.substr(1);
  switch (type) {
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(length_of(rest)));
      return;
    case '$': {
      const int64_t n = length_of(rest);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      const std::string_view body = take_bulk(text, n);
      lua_pushlstring(L, body.data(), body.size());
      return;
    }
    case '+':
      push_field_table(L, "ok");
      lua_pushlstring(L, rest.data(), rest.size());
      lua_settable(L, -3);
      return;
    case '-':
      push_error_table(L, line);
      // The command counted its error already: the script's reply of it is not counted again.
      lua_pushstring(L, "ignore_error_stats_update");
      lua_pushboolean(L, 1);
      lua_settable(L, -3);
      return;
    case '*': {
      const int64_t n = length_of(rest);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        lua_pushnumber(L, static_cast<lua_Number>(i + 1));
        push_reply(L, text);
        lua_settable(L, -3);
      }
      return;
    }
    case '%': {
      const int64_t n = length_of(rest);
      push_field_table(L, "map");
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        push_reply(L, text);
        push_reply(L, text);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return;
    }
    case '~': {
      const int64_t n = length_of(rest);
      push_field_table(L, "set");
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        push_reply(L, text);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return;
    }
    case '_':
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, rest == "t");
      return;
    case ',': {
      push_field_table(L, "double");
      const std::string digits(rest);
      double d = 0;
      if (digits == "inf")
        d = HUGE_VAL;
      else if (digits == "-inf")
        d = -HUGE_VAL;
      else
        d = std::strtod(digits.c_str(), nullptr);
      lua_pushnumber(L, d);
      lua_settable(L, -3);
      return;
    }
    case '(':
      push_field_table(L, "big_number");
      lua_pushlstring(L, rest.data(), rest.size());
      lua_settable(L, -3);
      return;
    case '=': {
      const std::string_view body = take_bulk(text, length_of(rest));
      push_field_table(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "string");
      const std::string_view str = body.size() >= 4 ? body.substr(4) : body;
      lua_pushlstring(L, str.data(), str.size());
      lua_settable(L, -3);
      lua_pushstring(L, "format");
      lua_pushlstring(L, body.data(), std::min<size_t>(3, body.size()));
      lua_settable(L, -3);
      lua_settable(L, -3);
      return;
    }
    case '|': {
      const int64_t n = length_of(rest);
      for (int64_t i = 0; i < 2 * n; ++i)
        skip_reply(text);
      push_reply(L, text);
      return;
    }
    default:
      lua_pushboolean(L, 0);
      return;
  }
}

namespace {

// The string field `name` of the table on top, or false.
bool string_field(lua_State* L, const char* name, std::string& out) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  const bool found = lua_type(L, -1) == LUA_TSTRING;
  if (found) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    out.assign(s, len);
  }
  lua_pop(L, 1);
  return found;
}

// Status and error texts go on one line: CR and LF become spaces.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n')
      c = ' ';
  return s;
}

// A header for `n` items whose count is known only after they are written.
class deferred_length {
 public:
  explicit deferred_length(std::string& out) : out_(out), mark_(out.size()) {}
  // Inserts the header made by `header(count)` before the items written since.
  template <class Header>
  void set(int64_t count, Header header) {
    std::string head;
    header(head, count);
    out_.insert(mark_, head);
  }

 private:
  std::string& out_;
  size_t mark_;
};

}  // namespace

void write_lua_reply(lua_State* L, std::string& out, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    reply::error(out, "ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      reply::bulk(out, std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1))
          reply::integer(out, 1);
        else
          reply::null_bulk(out);
      } else {
        reply::boolean(out, lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      reply::integer(out, static_cast<int64_t>(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      std::string text;
      if (string_field(L, "err", text)) {
        reply::error(out, one_line(std::move(text)));
        break;
      }
      if (string_field(L, "ok", text)) {
        reply::simple(out, one_line(std::move(text)));
        break;
      }
      lua_pushstring(L, "double");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        reply::bulk_double(out, lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (string_field(L, "big_number", text)) {
        text = one_line(std::move(text));
        if (reply::protocol() == 3)
          out.append("(").append(text).append("\r\n");
        else
          reply::bulk(out, text);
        break;
      }
      lua_pushstring(L, "verbatim_string");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        std::string format, str;
        if (string_field(L, "format", format) && string_field(L, "string", str)) {
          if (reply::protocol() == 3) {
            out.append("=").append(std::to_string(str.size() + 4)).append("\r\n");
            out.append(format.substr(0, 3)).append(":").append(str).append("\r\n");
          } else {
            reply::bulk(out, str);
          }
          lua_pop(L, 2);
          return;
        }
      }
      lua_pop(L, 1);
      lua_pushstring(L, "map");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        deferred_length len(out);
        int64_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          write_lua_reply(L, out, script_resp);  // the key
          write_lua_reply(L, out, script_resp);  // the value
          ++pairs;
        }
        len.set(pairs, reply::map_header);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "set");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        deferred_length len(out);
        int64_t members = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          write_lua_reply(L, out, script_resp);
          ++members;
        }
        len.set(members, reply::set_header);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      // An array: its items from 1 up to the first nil.
      deferred_length len(out);
      int64_t n = 0;
      for (;;) {
        lua_pushnumber(L, static_cast<lua_Number>(n + 1));
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TNIL) {
          lua_pop(L, 1);
          break;
        }
        write_lua_reply(L, out, script_resp);
        ++n;
      }
      len.set(n, reply::array_header);
      break;
    }
    default:
      reply::null_bulk(out);
  }
  lua_pop(L, 1);
}

}  // namespace credis
