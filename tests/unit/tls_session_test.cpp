// TLS sessions in memory: a server and a client session handing each other their bytes.
#include <catch2/catch.hpp>

#include <string>

#include "protocol/tls_session.hpp"

using namespace credis;

namespace {

const std::string dir = CREDIS_FIXTURES_DIR "/tls/";

tls_settings server_settings(const std::string& auth = "yes") {
  return {dir + "server.crt", dir + "server.key", dir + "ca.crt", auth};
}

std::unique_ptr<tls_context> context(bool server, const tls_settings& s) {
  std::string error;
  auto ctx = server ? tls_context::make_server(s, error) : tls_context::make_client(s, error);
  INFO(error);
  REQUIRE(ctx);
  return ctx;
}

// Moves bytes between the two sessions until neither has any to send; false when a session
// failed. What each decrypted is appended to its `got`.
bool pump(tls_session& server, tls_session& client, std::string& server_got,
          std::string& client_got) {
  for (int i = 0; i < 100 && (server.has_output() || client.has_output()); ++i) {
    std::string to_server, to_client;
    client.take_output(to_server);
    server.take_output(to_client);
    if (!to_server.empty() && !server.feed(to_server, server_got))
      return false;
    if (!to_client.empty() && !client.feed(to_client, client_got))
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("tls: a handshake, then data both ways, large and small", "[tls]") {
  auto sctx = context(true, server_settings());
  auto cctx = context(false, {dir + "client.crt", dir + "client.key", dir + "ca.crt", "yes"});
  tls_session server(*sctx, true), client(*cctx, false);
  std::string server_got, client_got;
  // The client's first write waits for the handshake, and starts it (its hello is ready).
  REQUIRE(client.write("*1\r\n$4\r\nPING\r\n"));
  REQUIRE(client.has_output());
  REQUIRE(pump(server, client, server_got, client_got));
  CHECK(server.established());
  CHECK(client.established());
  CHECK(server_got == "*1\r\n$4\r\nPING\r\n");
  std::string big(3 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099)
    big[i] = static_cast<char>(i);
  REQUIRE(server.write("+PONG\r\n"));
  REQUIRE(server.write(big));
  REQUIRE(pump(server, client, server_got, client_got));
  CHECK(client_got == "+PONG\r\n" + big);
}

TEST_CASE("tls: a server that wants client certificates refuses a client without one",
          "[tls]") {
  auto sctx = context(true, server_settings("yes"));
  auto cctx = context(false, {"", "", dir + "ca.crt", "yes"});
  tls_session server(*sctx, true), client(*cctx, false);
  std::string a, b, none;
  REQUIRE(client.feed("", none));
  bool ok = pump(server, client, a, b);
  CHECK_FALSE(ok);
  CHECK_FALSE((server.error().empty() && client.error().empty()));

  // tls-auth-clients no: the same client is taken.
  auto open = context(true, server_settings("no"));
  tls_session server2(*open, true), client2(*cctx, false);
  REQUIRE(client2.write("hi"));
  REQUIRE(client2.feed("", none));
  std::string got;
  REQUIRE(pump(server2, client2, got, b));
  CHECK(got == "hi");
}

TEST_CASE("tls: a client (a replica) refuses a server its CA did not sign", "[tls]") {
  auto sctx = context(true, server_settings("no"));
  // Trusting only the client certificate, which signed nothing.
  auto cctx = context(false, {dir + "client.crt", dir + "client.key", dir + "client.crt", "yes"});
  tls_session server(*sctx, true), client(*cctx, false);
  REQUIRE(client.write(""));  // an empty first write starts the handshake too
  REQUIRE(client.has_output());
  std::string a, b;
  CHECK_FALSE(pump(server, client, a, b));
  CHECK_FALSE(client.established());
  CHECK(client.error().find("certificate verify failed") != std::string::npos);
  CHECK(a.empty());
}

TEST_CASE("tls: garbage instead of a handshake is an error, not a crash", "[tls]") {
  auto sctx = context(true, server_settings("no"));
  tls_session server(*sctx, true);
  std::string plain;
  CHECK_FALSE(server.feed("*1\r\n$4\r\nPING\r\n", plain));
  CHECK_FALSE(server.error().empty());
  CHECK(plain.empty());
  CHECK_FALSE(server.feed("more", plain));  // stays failed
}

TEST_CASE("tls: a context refuses missing or mismatched files", "[tls]") {
  std::string error;
  CHECK_FALSE(tls_context::make_server({dir + "nosuch.crt", dir + "server.key", "", "no"}, error));
  CHECK(error.find("certificate") != std::string::npos);
  CHECK_FALSE(tls_context::make_server({dir + "server.crt", dir + "client.key", "", "no"}, error));
  CHECK(error.find("private key") != std::string::npos);
  CHECK_FALSE(tls_context::make_server({"", "", "", "no"}, error));
}
