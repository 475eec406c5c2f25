#include "fetch/fetch_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "pipeline/fetch.hpp"

namespace pipeline::detail {
namespace {

constexpr int cache_version = 1;

// Writes all of `text` to `fd`, through short writes and EINTR.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

bool describe_file(const std::filesystem::path& path, CacheEntry& entry) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return false;
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) return false;
  entry.size = size;
  // As Unix time, so the sidecar reads as a date (the file clock's epoch is libstdc++'s own).
  const auto unix_time = std::chrono::file_clock::to_sys(modified);
  entry.modified_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(unix_time.time_since_epoch()).count();
  return true;
}

FetchCache FetchCache::load(const std::filesystem::path& dir) {
  FetchCache cache;
  cache.dir_ = dir;
  const std::filesystem::path path = dir / fetch_cache_file_name;
  std::ifstream in(path);
  if (!in) return cache;  // none yet
  try {
    const auto json = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
    if (json.at("version").get<int>() != cache_version) {
      spdlog::warn("{}: version {} unknown, ignored: every file is downloaded again", path.string(),
                   json.at("version").dump());
      return cache;
    }
    for (const auto& [url, value] : json.at("files").items()) {
      cache.entries_[url] = CacheEntry{.file = value.at("file").get<std::string>(),
                                       .etag = value.value("etag", ""),
                                       .last_modified = value.value("last_modified", ""),
                                       .size = value.at("size").get<std::uint64_t>(),
                                       .modified_ns = value.at("modified_ns").get<std::int64_t>()};
    }
  } catch (const nlohmann::json::exception& error) {
    // A damaged sidecar costs downloads, never the run.
    spdlog::warn("{}: cannot be read ({}), ignored: every file is downloaded again", path.string(), error.what());
    cache.entries_.clear();
  }
  return cache;
}

const CacheEntry* FetchCache::usable(const std::string& url, const std::string& file) const {
  const auto found = entries_.find(url);
  if (found == entries_.end() || found->second.file != file || !found->second.has_validators()) return nullptr;
  CacheEntry now;
  if (!describe_file(dir_ / file, now)) return nullptr;
  if (now.size != found->second.size || now.modified_ns != found->second.modified_ns) return nullptr;
  return &found->second;
}

void FetchCache::record(const std::string& url, CacheEntry entry) { entries_[url] = std::move(entry); }

bool FetchCache::save() const {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [url, entry] : entries_) {
    std::error_code error;
    if (!std::filesystem::exists(dir_ / entry.file, error)) continue;
    files[url] = {{"file", entry.file},
                  {"etag", entry.etag},
                  {"last_modified", entry.last_modified},
                  {"size", entry.size},
                  {"modified_ns", entry.modified_ns}};
  }
  const nlohmann::json json = {{"version", cache_version}, {"files", std::move(files)}};
  const std::filesystem::path path = dir_ / fetch_cache_file_name;
  const std::filesystem::path temporary = dir_ / fmt::format("{}.{}.tmp", fetch_cache_file_name, ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_all(fd, json.dump(1) + '\n') && ::fsync(fd) == 0;
  const int saved_errno = errno;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(temporary.c_str(), path.c_str()) == 0) return true;
  spdlog::warn("cannot write {}: {}; the next fetch downloads everything again", path.string(),
               std::strerror(ok ? errno : saved_errno));
  ::unlink(temporary.c_str());
  return false;
}

}  // namespace pipeline::detail
