#include "actors/tls_setup.hpp"

namespace credis {

std::string make_tls_contexts(const server_config& config, tls_contexts& out) {
  const tls_config& t = config.tls;
  if (t.port == 0 && !config.repl.tls)
    return {};
  if (t.cert_file.empty())
    return "No tls-cert-file configured!";
  if (t.key_file.empty())
    return "No tls-key-file configured!";
  if ((t.auth_clients != "no" || config.repl.tls) && t.ca_cert_file.empty())
    return "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
           "tls-replication or tls-auth-clients are enabled!";
  std::string error;
  if (t.port != 0) {
    out.server = tls_context::make_server({t.cert_file, t.key_file, t.ca_cert_file, t.auth_clients},
                                          error);
    if (!out.server)
      return error;
  }
  // The master's certificate is checked against the CA, as Redis does (not its host name).
  bool own_client_cert = !t.client_cert_file.empty() && !t.client_key_file.empty();
  out.client = tls_context::make_client({own_client_cert ? t.client_cert_file : t.cert_file,
                                         own_client_cert ? t.client_key_file : t.key_file,
                                         t.ca_cert_file, "yes"},
                                        error);
  return out.client ? std::string() : error;
}

}  // namespace credis
