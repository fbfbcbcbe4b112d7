#include "storage/memory_stats.hpp"

namespace credis {

memory_ratio ratio_of(int64_t part, int64_t whole) {
  return {whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0, part - whole};
}

int64_t memory_figures::overhead_total() const {
  int64_t total = startup + replication_backlog + replica_buffers + client_buffers;
  for (const auto& db : dbs)
    total += db.main_table + db.expires;
  return total;
}

int64_t memory_figures::keys() const {
  int64_t n = 0;
  for (const auto& db : dbs)
    n += db.keys;
  return n;
}

int64_t memory_figures::bytes_per_key() const {
  const int64_t n = keys();
  return n > 0 ? net_usage() / n : 0;
}

double memory_figures::dataset_percentage() const {
  return static_cast<double>(dataset()) * 100 / static_cast<double>(net_usage());
}

double memory_figures::peak_percentage() const {
  return peak > 0 ? static_cast<double>(used) * 100 / static_cast<double>(peak) : 0.0;
}

namespace {

constexpr int64_t mb = 1024 * 1024;

// Redis's thresholds: a ratio above `ratio` matters only when it also wastes over 10 MB.
bool wasteful(memory_ratio r, double ratio) { return r.ratio > ratio && r.bytes > 10 * mb; }

std::string high_rss_text(std::string_view allocator) {
  return std::string(
             " * High total RSS: This instance has a memory fragmentation and RSS overhead "
             "greater than 1.4 (this means that the Resident Set Size of the Redis process is "
             "much larger than the sum of the logical allocations Redis performed). This problem "
             "is usually due either to a large peak memory (check if there is a peak memory "
             "entry above in the report) or may result from a workload that causes the "
             "allocator to fragment memory a lot. If the problem is a large peak memory, then "
             "there is no issue. Otherwise, make sure you are using the Jemalloc allocator and "
             "not the default libc malloc. Note: The currently used allocator is \"") +
         std::string(allocator) + "\".\n\n";
}

// The issues found, each a paragraph of the report, in Redis's order. (Redis also warns of
// over 1000 cached scripts: there is no scripting here.)
std::vector<std::string> memory_issues(const memory_figures& m, std::string_view allocator) {
  std::vector<std::string> found;
  if (m.used > 0 && static_cast<double>(m.peak) / static_cast<double>(m.used) > 1.5)
    found.emplace_back(
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a peak, so "
        "you can expect to see a big fragmentation ratio, however this is actually harmless and "
        "is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "
        "currently bigger than expected, the memory will be used as soon as you fill the Redis "
        "instance with more data. If the memory peak was only occasional and you want to try to "
        "reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is "
        "to shutdown and restart the instance.\n\n");
  if (wasteful(m.fragmentation(), 1.4))
    found.push_back(high_rss_text(allocator));
  if (wasteful(m.allocator_fragmentation(), 1.1))
    found.emplace_back(
        " * High allocator fragmentation: This instance has an allocator external "
        "fragmentation greater than 1.1. This problem is usually due either to a large peak "
        "memory (check if there is a peak memory entry above in the report) or may result from "
        "a workload that causes the allocator to fragment memory a lot. You can try enabling "
        "'activedefrag' config option.\n\n");
  if (wasteful(m.allocator_rss(), 1.1))
    found.emplace_back(
        " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
        "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
        "the sum what the allocator actually holds). This problem is usually due to a large "
        "peak memory (check if there is a peak memory entry above in the report), you can try "
        "the MEMORY PURGE command to reclaim it.\n\n");
  if (wasteful(m.rss_overhead(), 1.1))
    found.emplace_back(
        " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
        "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
        "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
        "Modules.\n\n");
  if (m.replica_clients > 0 && m.replica_buffers > 10 * mb)
    found.emplace_back(
        " * Big replica buffers: The replica output buffers in this instance are greater than "
        "10MB for each replica (on average). This likely means that there is some replica "
        "instance that is struggling receiving data, either because it is too slow or because "
        "of networking issues. As a result, data piles on the master output buffers. Please try "
        "to identify what replica is not receiving data correctly and why. You can use the INFO "
        "output in order to check the replicas delays and the CLIENT LIST command to check the "
        "output buffers of each replica.\n\n");
  if (m.normal_clients > 0 && m.client_buffers / m.normal_clients > 200 * 1024)
    found.emplace_back(
        " * Big client buffers: The clients output buffers in this instance are greater than "
        "200K per client (on average). This may result from different causes, like Pub/Sub "
        "clients subscribed to channels bot not receiving data fast enough, so that data piles "
        "on the Redis instance output buffer, or clients sending commands with large replies or "
        "very large sequences of commands in the same pipeline. Please use the CLIENT LIST "
        "command in order to investigate the issue if it causes problems in your instance, or "
        "to understand better why certain clients are using a big amount of memory.\n\n");
  return found;
}

}  // namespace

std::string memory_doctor_report(const memory_figures& m, std::string_view allocator) {
  // Under 5 MB the ratios say more about the allocator's fixed costs than about the data.
  if (m.used < 5 * mb)
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in these conditions. Please, leave for your mission on Earth and fill "
           "it with some data. The new Sam and I will be back to our programming as soon as I "
           "finished rebooting.\n";
  const std::vector<std::string> issues = memory_issues(m, allocator);
  if (issues.empty())
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
           "occurs on this base.\n";
  std::string report = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  for (const std::string& issue : issues)
    report += issue;
  report += "I'm here to keep you safe, Sam. I want to help you.\n";
  return report;
}

}  // namespace credis
