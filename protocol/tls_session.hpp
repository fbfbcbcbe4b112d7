// TLS as a byte transformation, without sockets: ciphertext from the peer goes in, plaintext
// comes out, and the reverse (OpenSSL with memory BIOs). The connection that owns the socket
// moves the bytes; redis-server's tls-* settings make the context.
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace credis {

struct tls_settings {
  std::string cert_file, key_file, ca_cert_file;
  // "yes": clients must present a certificate the CA signed; "optional": checked when given;
  // "no": not asked for (redis.conf's tls-auth-clients).
  std::string auth_clients = "yes";
};

class tls_context {
 public:
  // A server's context, or a client's (replication links: it checks the server against the
  // CA, and shows a certificate when given one); null with `error` set, in Redis's words where
  // Redis has them, when a file is missing or does not load.
  static std::unique_ptr<tls_context> make_server(const tls_settings& s, std::string& error);
  static std::unique_ptr<tls_context> make_client(const tls_settings& s, std::string& error);
  static std::string missing_ca_error();
  // Redis's words for a missing tls-cert-file or tls-key-file, or empty.
  static std::string missing_certificate_error(const tls_settings& s);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  SSL_CTX* native() const { return ctx_; }

 private:
  explicit tls_context(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

class tls_session {
 public:
  tls_session(const tls_context& ctx, bool server);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  // Takes ciphertext from the peer and appends what it decrypts to `plain`; false on a broken
  // or refused session (error() says why), true too when the peer closed it (closed()).
  bool feed(std::string_view cipher, std::string& plain);
  // Encrypts `plain` for the peer (held until the handshake is through; a client's first
  // write, even an empty one, starts the handshake).
  bool write(std::string_view plain);
  // Moves the ciphertext waiting to go to the peer to the end of `out` (straight from
  // OpenSSL's buffer: one copy).
  template <class Buffer>
  void take_output(Buffer& out) {
    size_t n = pending_output();
    if (n == 0)
      return;
    size_t old = out.size();
    out.resize(old + n);
    out.resize(old + read_output(&out[old], n));
  }
  bool has_output() const { return pending_output() > 0; }

  bool established() const { return established_; }
  bool closed() const { return closed_; }
  const std::string& error() const { return error_; }

 private:
  bool advance();  // runs the handshake and flushes held plaintext; false on failure
  bool fail(int ret, const char* what);
  size_t pending_output() const;
  size_t read_output(char* to, size_t n);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // the peer's ciphertext, read by OpenSSL
  BIO* out_ = nullptr;  // ciphertext OpenSSL wrote for the peer
  std::string held_;    // plaintext written before the handshake was through
  bool established_ = false;
  bool closed_ = false;
  std::string error_;
};

}  // namespace credis
