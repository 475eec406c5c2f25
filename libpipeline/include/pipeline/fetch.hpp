#pragma once
// Downloading a dataset: a list of image URLs into a folder, in parallel, over HTTP(S) with libcurl.
//
// Every file is written to a temporary file in the folder and renamed once it is whole and decodes as an image,
// so the folder never holds a partial or non-image download. A sidecar, `<dir>/.fetch-cache.json`, keeps each
// URL's validators (ETag, Last-Modified) and what the file looked like when written; a later fetch of the same URL
// sends them as a conditional request and keeps the file on 304. See FetchOptions for the limits.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

// A list of URLs that cannot be read, or a folder that cannot be used; the fetch has not started.
class FetchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FetchStatus {
  downloaded,  // written (new, or changed on the server, or the cached copy no longer matched)
  up_to_date,  // the server answered 304 to our conditional request: the file is kept as it was
  failed,      // nothing written for it (FetchItem::reason says why); a file it had before is left as it was
  stopped,     // FetchOptions::stop came first: not fetched, or abandoned part way (nothing of it kept)
};

struct FetchItem {
  std::string url;
  std::string file;  // its file name inside the folder (file_names_for_urls)
  FetchStatus status = FetchStatus::failed;
  std::string reason;       // failed: why, e.g. "HTTP 404", "timed out after 5 s", "not an image: ..."
  int attempts = 0;         // requests made for it (1 + retries)
  std::uint64_t bytes = 0;  // the file's size (downloaded or kept)
};

struct FetchResult {
  std::vector<FetchItem> items;  // one per distinct URL, in list order
  [[nodiscard]] std::size_t count(FetchStatus status) const noexcept;
};

struct FetchOptions {
  int parallel = 8;                   // transfers at once (curl multi handle)
  int retries = 3;                    // more attempts after a transient failure (timeout, connection, 408/429/5xx)
  double retry_delay_s = 1.0;         // before the first retry; doubled before each next one, at most 60 s
  double timeout_s = 300.0;           // each attempt, from connecting to the last byte
  double connect_timeout_s = 10.0;    // connecting (DNS, TCP, TLS); at most timeout_s
  long low_speed_bytes_per_s = 1024;  // an attempt slower than this for low_speed_time_s is given up (a timeout)
  long low_speed_time_s = 30;
  long max_redirects = 10;
  std::uint64_t max_bytes = std::uint64_t{256} << 20;  // a larger body is cut off while it arrives, and fails
  // Once requested: transfers in progress are abandoned (their temporary files removed), nothing more starts, and
  // the sidecar is still written for what was fetched. Their items are FetchStatus::stopped.
  std::stop_token stop;
  bool use_cache = true;  // false: no conditional requests, every URL downloaded again (the sidecar is rewritten)
  // Called as each URL is done (not for retries), on the fetching thread, one call at a time: `done` of `total`.
  std::function<void(const FetchItem& item, std::size_t done, std::size_t total)> on_item_done;
};

// The URLs of a list file: one per line, surrounding blanks trimmed; blank lines and lines starting with `#` are
// skipped. Throws FetchError if it cannot be read.
[[nodiscard]] std::vector<std::string> read_url_list(const std::filesystem::path& list);

// The file name for a URL: its path's last segment (no query or fragment), percent-decoded, made safe: `/`, `\`,
// control characters become `_`, leading dots are dropped (no hidden file, no `..`), at most 200 bytes; "download"
// when nothing is left.
[[nodiscard]] std::string file_name_for_url(std::string_view url);

// One file name per URL, in order: file_name_for_url, with a second and later URL of the same name getting
// "-2", "-3", ... before its extension (`a.jpg`, `a-2.jpg`). Stable for a given list.
[[nodiscard]] std::vector<std::string> file_names_for_urls(const std::vector<std::string>& urls);

// Downloads `urls` (duplicates fetched once) into `dir` (created if missing). Each failure is named in its item,
// the others are still fetched. Throws FetchError only if `dir` cannot be made or libcurl cannot start; invalid
// options throw std::invalid_argument.
[[nodiscard]] FetchResult fetch_urls(const std::vector<std::string>& urls, const std::filesystem::path& dir,
                                     const FetchOptions& options = {});

// The sidecar's name inside the folder (hidden, so no URL's file name can be it).
inline constexpr std::string_view fetch_cache_file_name = ".fetch-cache.json";

}  // namespace pipeline
