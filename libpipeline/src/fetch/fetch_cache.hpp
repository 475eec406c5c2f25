#pragma once
// Private to the library: the fetch's sidecar, `<dir>/.fetch-cache.json` (pipeline/fetch.hpp). For each URL it
// keeps the server's validators (ETag, Last-Modified) and the size and modification time of the file as this
// fetch wrote it. A cached file counts only while it is still that file (same name, size and time): edited,
// replaced or deleted, it is downloaded again, unconditionally.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace pipeline::detail {

struct CacheEntry {
  std::string file;  // name inside the folder
  std::string etag;  // as the server sent them; empty: none
  std::string last_modified;
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;  // the file's modification time, nanoseconds since 1970 (UTC)

  [[nodiscard]] bool has_validators() const noexcept { return !etag.empty() || !last_modified.empty(); }
};

// Sets `entry`'s size and time from the file as it is now; false if it cannot be read.
bool describe_file(const std::filesystem::path& path, CacheEntry& entry);

class FetchCache {
 public:
  // The folder's sidecar; empty if there is none, or (with a warning) if it cannot be read or parsed.
  static FetchCache load(const std::filesystem::path& dir);

  // The entry for `url` if the folder still holds the file it describes, under `file`, and the server gave us
  // validators to ask with; otherwise nullptr.
  [[nodiscard]] const CacheEntry* usable(const std::string& url, const std::string& file) const;
  void record(const std::string& url, CacheEntry entry);

  // Writes the sidecar atomically (a temporary file, flushed, renamed over it), leaving out entries whose file is
  // gone. Logs a warning and returns false if it cannot: the downloads stand, only the next run's cache is lost.
  bool save() const;

 private:
  std::filesystem::path dir_;
  std::map<std::string, CacheEntry> entries_;  // by URL; sorted, so the file's order is stable
};

}  // namespace pipeline::detail
