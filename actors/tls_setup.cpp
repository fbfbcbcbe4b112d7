#include "actors/tls_setup.hpp"

namespace credis {

std::string make_tls_contexts(const server_config& config, tls_contexts& out) {
  const tls_config& t = config.tls;
  if (t.port == 0 && !config.repl.tls)
    return {};
  // Redis wants a certificate whenever TLS is on, for the client side too.
  std::string error = tls_context::missing_certificate_error(
      {t.cert_file, t.key_file, t.ca_cert_file, t.auth_clients});
  if (!error.empty())
    return error;
  if (t.port != 0) {
    out.server = tls_context::make_server({t.cert_file, t.key_file, t.ca_cert_file, t.auth_clients},
                                          error);
    if (!out.server)
      return error;
  }
  // Only tls-replication needs the client's: without it a missing CA is no error (Redis).
  if (!config.repl.tls && t.ca_cert_file.empty())
    return {};
  // The master's certificate is checked against the CA, as Redis does (not its host name).
  bool own_client_cert = !t.client_cert_file.empty() && !t.client_key_file.empty();
  out.client = tls_context::make_client({own_client_cert ? t.client_cert_file : t.cert_file,
                                         own_client_cert ? t.client_key_file : t.key_file,
                                         t.ca_cert_file, "yes"},
                                        error);
  return out.client ? std::string() : error;
}

}  // namespace credis
