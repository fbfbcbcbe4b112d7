#include "replication/stream_encoder.hpp"

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"

namespace credis {

void encode_command(arg_list argv, std::string& out) {
  reply::array_header(out, static_cast<int64_t>(argv.size()));
  for (auto a : argv)
    reply::bulk(out, a);
}

void stream_encoder::encode(int db, arg_list argv, std::string& out) {
  if (db >= 0 && db != db_) {
    std::string index;
    append_int64(index, db);
    std::string_view select[] = {"SELECT", index};
    encode_command(select, out);
    db_ = db;
  }
  encode_command(argv, out);
}

void stream_encoder::encode(const command_batch& writes, std::string& out) {
  for (const auto& item : writes.items()) {
    writes.args_of(item, argv_);
    encode(item.db, argv_, out);
  }
}

}  // namespace credis
