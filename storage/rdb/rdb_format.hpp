// Constants of the RDB file format (Redis src/rdb.h, versions 1..12).
#pragma once

#include <cstdint>

namespace credis::rdb {

// Oldest and newest "REDISnnnn" versions the reader takes; the version the writer emits
// (Redis 7.0's, the newest a 7.0 server or replica accepts).
constexpr int min_version = 1;
constexpr int max_version = 12;
constexpr int write_version = 10;
// From this version on a CRC64 follows the EOF opcode.
constexpr int checksum_version = 5;

// Opcodes: bytes that take the place of a value type.
enum opcode : uint8_t {
  op_slot_info = 0xF4,        // 7.4: slot id, slot size, expires slot size (three lengths)
  op_function2 = 0xF5,        // a function library
  op_function_pre_ga = 0xF6,  // 7.0 release candidates' function format
  op_module_aux = 0xF7,       // module auxiliary data
  op_idle = 0xF8,             // LRU idle seconds (length) of the next key
  op_freq = 0xF9,             // LFU counter (one byte) of the next key
  op_aux = 0xFA,              // string key, string value
  op_resizedb = 0xFB,         // db size, expires size (lengths)
  op_expiretime_ms = 0xFC,    // 8-byte little-endian unix ms of the next key
  op_expiretime = 0xFD,       // 4-byte little-endian unix seconds of the next key
  op_selectdb = 0xFE,         // db index (length)
  op_eof = 0xFF,              // then the CRC64 (version >= 5)
};

// Value types: the byte before a key.
enum type : uint8_t {
  type_string = 0,
  type_list = 1,
  type_set = 2,
  type_zset = 3,
  type_hash = 4,
  type_zset_2 = 5,
  type_module_pre_ga = 6,
  type_module_2 = 7,
  type_hash_zipmap = 9,
  type_list_ziplist = 10,
  type_set_intset = 11,
  type_zset_ziplist = 12,
  type_hash_ziplist = 13,
  type_list_quicklist = 14,
  type_stream_listpacks = 15,
  type_hash_listpack = 16,
  type_zset_listpack = 17,
  type_list_quicklist_2 = 18,
  type_stream_listpacks_2 = 19,
  type_set_listpack = 20,
  type_stream_listpacks_3 = 21,
  type_hash_metadata_pre_ga = 22,  // 7.4 hashes with field expiry: not supported
  type_hash_listpack_ex_pre_ga = 23,
  type_hash_metadata = 24,
  type_hash_listpack_ex = 25,
};

// Length encoding: the top two bits of the first byte.
constexpr uint8_t len_6bit = 0;        // 00xxxxxx
constexpr uint8_t len_14bit = 1;       // 01xxxxxx xxxxxxxx (big-endian)
constexpr uint8_t len_32bit = 0x80;    // then 4 bytes big-endian
constexpr uint8_t len_64bit = 0x81;    // then 8 bytes big-endian
constexpr uint8_t len_encoded = 3;     // 11xxxxxx: a specially encoded string
// Special string encodings (low 6 bits after 11).
constexpr uint8_t enc_int8 = 0;
constexpr uint8_t enc_int16 = 1;
constexpr uint8_t enc_int32 = 2;
constexpr uint8_t enc_lzf = 3;

// Quicklist 2 node containers.
constexpr uint64_t quicklist_node_plain = 1;
constexpr uint64_t quicklist_node_packed = 2;

// Type 3 zset scores: a length byte with these values stands for a special double.
constexpr uint8_t double_nan = 253;
constexpr uint8_t double_pos_inf = 254;
constexpr uint8_t double_neg_inf = 255;

}  // namespace credis::rdb
