// What the allocator reports: bytes handed out (INFO used_memory, the RDB's used-mem AUX) and
// its name (INFO mem_allocator).
#pragma once

#include <cstdint>
#include <string_view>

namespace credis {

int64_t allocated_bytes();
std::string_view allocator_name();

}  // namespace credis
