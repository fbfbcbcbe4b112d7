// A message digest of text in lower-case hex (SHA1 for script names, SHA256 for passwords).
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace credis {

std::string hex_digest(std::string_view text, const EVP_MD* md);

}  // namespace credis
