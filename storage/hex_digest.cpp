#include "storage/hex_digest.hpp"

namespace credis {

std::string hex_digest(std::string_view text, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, md, nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i)
    out += {hex[digest[i] >> 4], hex[digest[i] & 15]};
  return out;
}

}  // namespace credis
