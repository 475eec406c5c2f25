#pragma once
// Private to the library: one attempt at one URL as a libcurl easy handle (fetch.cpp runs many in a multi handle),
// the temporary file its body goes to, and what its end means (done, not modified, retry, failed).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <curl/curl.h>

#include "fetch/fetch_cache.hpp"
#include "pipeline/fetch.hpp"

namespace pipeline::detail {

struct EasyCleanup {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct SlistCleanup {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

// A file being downloaded: `.<name>.<pid>.<n>.part` in the folder (hidden, so never mistaken for a download),
// removed by the destructor unless commit() renamed it.
class TemporaryFile {
 public:
  // Throws FetchError with the OS's reason if it cannot be created.
  TemporaryFile(const std::filesystem::path& dir, const std::string& name);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // The OS's reason on failure, "" on success.
  [[nodiscard]] std::string write(const char* data, std::size_t size);
  // Flushed to disk and closed, so a rename cannot publish a file a crash would truncate.
  [[nodiscard]] std::string close();
  [[nodiscard]] std::string commit(const std::filesystem::path& final_path);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

// What an attempt's end means for its URL.
struct AttemptEnd {
  enum class Kind { body, not_modified, transient, failed };
  Kind kind = Kind::failed;
  std::string reason;          // transient and failed
  double retry_after_s = 0.0;  // transient: the server's Retry-After, 0 if none
};

class Transfer {
 public:
  // A ready easy handle for `url` whose body goes to a temporary file for `name` in `dir` (made at its first byte,
  // so a 404 or a 304 leaves nothing to remove). `cached`, if not null, makes the request conditional on it.
  Transfer(std::size_t index, const std::string& url, const std::filesystem::path& dir, const std::string& name,
           const FetchOptions& options, const CacheEntry* cached);
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  [[nodiscard]] CURL* easy() const noexcept { return easy_.get(); }
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }

  // Classifies the end of the transfer, libcurl's `result` for it.
  [[nodiscard]] AttemptEnd end(CURLcode result) const;
  // The body's file, closed (kind body only; nullptr if the body was empty). Owned by the transfer still.
  [[nodiscard]] TemporaryFile* body() const noexcept { return file_.get(); }
  // The response's validators, for the cache.
  void read_validators(CacheEntry& entry) const;

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  std::size_t take(const char* data, std::size_t size);

  std::size_t index_;
  std::filesystem::path dir_;
  std::string name_;
  const FetchOptions& options_;
  bool conditional_ = false;
  std::unique_ptr<CURL, EasyCleanup> easy_;
  std::unique_ptr<curl_slist, SlistCleanup> headers_;
  std::unique_ptr<TemporaryFile> file_;
  std::uint64_t bytes_ = 0;
  bool too_large_ = false;
  std::string write_error_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace pipeline::detail
