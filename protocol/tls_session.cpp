#include "protocol/tls_session.hpp"

#include <algorithm>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace credis {

namespace {

std::string last_ssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0)
    return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Loads the certificate, key and CA into a new context; null with `error` on failure.
SSL_CTX* make_context(const SSL_METHOD* method, const tls_settings& s, std::string& error) {
  SSL_CTX* ctx = SSL_CTX_new(method);
  if (!ctx) {
    error = "cannot create a TLS context: " + last_ssl_error();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Partial writes and moving buffers: the session hands over what the BIO takes.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // No renegotiation (a write can then never wait for a read), and a session id context, which
  // OpenSSL needs to resume sessions of verified clients (Redis sets one too).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  static const unsigned char id_context[] = "credis";
  SSL_CTX_set_session_id_context(ctx, id_context, sizeof id_context - 1);
  auto fail = [&](const std::string& what) -> SSL_CTX* {
    error = what + ": " + last_ssl_error();
    SSL_CTX_free(ctx);
    return nullptr;
  };
  if (!s.cert_file.empty() &&
      SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) <= 0)
    return fail("Failed to load certificate: " + s.cert_file);
  if (!s.key_file.empty() &&
      SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) <= 0)
    return fail("Failed to load private key: " + s.key_file);
  if (!s.cert_file.empty() && !s.key_file.empty() && SSL_CTX_check_private_key(ctx) <= 0)
    return fail("The private key does not match the certificate");
  if (!s.ca_cert_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, s.ca_cert_file.c_str(), nullptr) <= 0)
    return fail("Failed to configure CA certificate(s) file/directory");
  return ctx;
}

}  // namespace

std::string tls_context::missing_certificate_error(const tls_settings& s) {
  if (s.cert_file.empty())
    return "No tls-cert-file configured!";
  if (s.key_file.empty())
    return "No tls-key-file configured!";
  return {};
}

std::string tls_context::missing_ca_error() {
  return "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
         "tls-replication or tls-auth-clients are enabled!";
}

std::unique_ptr<tls_context> tls_context::make_server(const tls_settings& s, std::string& error) {
  error = missing_certificate_error(s);
  if (!error.empty())
    return nullptr;
  if (s.auth_clients != "no" && s.ca_cert_file.empty()) {
    error = missing_ca_error();
    return nullptr;
  }
  SSL_CTX* ctx = make_context(TLS_server_method(), s, error);
  if (!ctx)
    return nullptr;
  if (s.auth_clients == "yes")
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  else if (s.auth_clients == "optional")
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  else
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  return std::unique_ptr<tls_context>(new tls_context(ctx));
}

std::unique_ptr<tls_context> tls_context::make_client(const tls_settings& s, std::string& error) {
  if (s.ca_cert_file.empty()) {
    error = missing_ca_error();  // a replica checks its master's certificate
    return nullptr;
  }
  SSL_CTX* ctx = make_context(TLS_client_method(), s, error);
  if (!ctx)
    return nullptr;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return std::unique_ptr<tls_context>(new tls_context(ctx));
}

tls_context::~tls_context() { SSL_CTX_free(ctx_); }

tls_session::tls_session(const tls_context& ctx, bool server) {
  ssl_ = SSL_new(ctx.native());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in_, -1);  // an empty input BIO means "more to come", not EOF
  SSL_set_bio(ssl_, in_, out_);      // the session owns both now
  if (server)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
}

tls_session::~tls_session() { SSL_free(ssl_); }

bool tls_session::fail(int ret, const char* what) {
  int e = SSL_get_error(ssl_, ret);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return true;
  if (e == SSL_ERROR_ZERO_RETURN) {
    closed_ = true;
    return true;
  }
  error_ = std::string(what) + ": " + last_ssl_error();
  return false;  // an alert OpenSSL wrote for the peer stays in the output
}

size_t tls_session::pending_output() const { return BIO_ctrl_pending(out_); }

size_t tls_session::read_output(char* to, size_t n) {
  int got = BIO_read(out_, to, static_cast<int>(n));
  return got > 0 ? static_cast<size_t>(got) : 0;
}

bool tls_session::advance() {
  if (!established_) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1)
      return fail(r, "TLS handshake failed");
    established_ = true;
  }
  if (!held_.empty()) {
    std::string pending;
    pending.swap(held_);
    if (!write(pending))
      return false;
  }
  return true;
}

bool tls_session::feed(std::string_view cipher, std::string& plain) {
  if (!error_.empty())
    return false;
  while (!cipher.empty()) {
    int n = BIO_write(in_, cipher.data(), static_cast<int>(cipher.size()));
    if (n <= 0) {
      error_ = "TLS input buffer refused the data";
      return false;
    }
    cipher.remove_prefix(static_cast<size_t>(n));
  }
  if (!advance())
    return false;
  if (!established_)
    return true;
  char buf[16 * 1024];
  for (;;) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain.append(buf, static_cast<size_t>(n));
      continue;
    }
    return fail(n, "TLS read failed");
  }
}

bool tls_session::write(std::string_view plain) {
  if (!error_.empty())
    return false;
  if (!established_) {
    held_.append(plain);
    return advance();  // a client's first write starts the handshake (its hello)
  }
  while (!plain.empty()) {
    int n = SSL_write(ssl_, plain.data(), static_cast<int>(std::min<size_t>(plain.size(), 1 << 30)));
    if (n <= 0) {
      if (!fail(n, "TLS write failed"))
        return false;
      held_.append(plain);  // written once the session can go on
      break;
    }
    plain.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace credis
