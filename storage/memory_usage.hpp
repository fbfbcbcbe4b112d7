// What the allocator reports: bytes handed out (INFO used_memory, the RDB's used-mem AUX) and
// its name (INFO mem_allocator).
#pragma once

#include <cstdint>
#include <string_view>

namespace credis {

// Allocated bytes, less those allocated for data that has not arrived yet (see below).
int64_t allocated_bytes();
// Counts `delta` bytes as allocated but not yet written: the rest of a big argument still on its
// way. No page backs them until the bytes come, so they are not memory in use (Redis counts a
// client's claim at once; here a claim alone costs nothing).
void add_unwritten_bytes(int64_t delta);
std::string_view allocator_name();

}  // namespace credis
