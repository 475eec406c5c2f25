#include "fetch/transfer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "pipeline/version.hpp"

namespace pipeline::detail {
namespace {

// One count for every temporary file of this process: two transfers never share a name.
std::atomic<unsigned> temporary_count{0};

long milliseconds(double seconds) { return static_cast<long>(std::ceil(seconds * 1000.0)); }

// Failures worth another attempt: the network or the server may do better later. A host that does not resolve
// is not one of them: it is nearly always a typo in the list, and retrying it only delays the report.
bool transient(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

// The value of `name` in the last response (after redirects), or "".
std::string last_header(CURL* easy, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || header == nullptr) return {};
  return header->value;
}

}  // namespace

TemporaryFile::TemporaryFile(const std::filesystem::path& dir, const std::string& name)
    : path_(dir / fmt::format(".{}.{}.{}.part", name, ::getpid(), temporary_count++)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw FetchError(fmt::format("cannot create a file in {}: {}", dir.string(), std::strerror(errno)));
}

TemporaryFile::~TemporaryFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(path_.c_str());
}

std::string TemporaryFile::write(const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fmt::format("cannot write {}: {}", path_.string(), std::strerror(n < 0 ? errno : ENOSPC));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

std::string TemporaryFile::close() {
  const bool synced = ::fsync(fd_) == 0;
  const int sync_errno = errno;
  const bool closed = ::close(fd_) == 0;
  fd_ = -1;
  if (synced && closed) return {};
  return fmt::format("cannot write {}: {}", path_.string(), std::strerror(synced ? errno : sync_errno));
}

std::string TemporaryFile::commit(const std::filesystem::path& final_path) {
  if (::rename(path_.c_str(), final_path.c_str()) != 0) {
    return fmt::format("cannot rename to {}: {}", final_path.string(), std::strerror(errno));
  }
  committed_ = true;
  return {};
}

Transfer::Transfer(std::size_t index, const std::string& url, const std::filesystem::path& dir, const std::string& name,
                   const FetchOptions& options, const CacheEntry* cached)
    : index_(index), dir_(dir), name_(name), options_(options), easy_(curl_easy_init()) {
  if (!easy_) throw FetchError("libcurl: cannot make a transfer handle");
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
  // No signals: libcurl's DNS timeout would use SIGALRM, which is not safe with threads in the program.
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, (std::string("image-pipeline/") + version_string).c_str());
  // Only the web: a list must not make us read file:// paths or speak to other services, even through a redirect.
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the bit masks are deprecated (a warning, an error with -Werror)
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, options.max_redirects);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, milliseconds(options.timeout_s));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   milliseconds(std::min(options.connect_timeout_s, options.timeout_s)));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes_per_s);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, options.low_speed_time_s);
  // A declared Content-Length over the cap is refused before the body; an undeclared one is cut by take().
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  if (cached != nullptr) {
    curl_slist* list = nullptr;
    // Both when we have both: a server that ignores one may honour the other (RFC 9110 gives ETag precedence).
    if (!cached->etag.empty()) list = curl_slist_append(list, ("If-None-Match: " + cached->etag).c_str());
    if (!cached->last_modified.empty()) {
      if (curl_slist* more = curl_slist_append(list, ("If-Modified-Since: " + cached->last_modified).c_str())) {
        list = more;
      }
    }
    headers_.reset(list);
    conditional_ = list != nullptr;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
  }
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  return static_cast<Transfer*>(self)->take(data, size * count);
}

std::size_t Transfer::take(const char* data, std::size_t size) {
  long status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return size;  // an error page: not the file, dropped
  if (bytes_ + size > options_.max_bytes) {
    too_large_ = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  try {
    if (!file_) file_ = std::make_unique<TemporaryFile>(dir_, name_);
  } catch (const FetchError& error) {
    write_error_ = error.what();
    return 0;
  }
  write_error_ = file_->write(data, size);
  if (!write_error_.empty()) return 0;
  bytes_ += size;
  return size;
}

AttemptEnd Transfer::end(CURLcode result) const {
  CURL* easy = easy_.get();
  using Kind = AttemptEnd::Kind;
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  const bool success = status >= 200 && status < 300;
  // libcurl applies the cap to the Content-Length of any response: an error page over it is still that error.
  if (result == CURLE_FILESIZE_EXCEEDED && !success && status != 0) result = CURLE_OK;
  if (too_large_ || result == CURLE_FILESIZE_EXCEEDED) {
    return {Kind::failed, fmt::format("larger than the size cap of {} bytes", options_.max_bytes)};
  }
  if (!write_error_.empty()) return {Kind::failed, write_error_};
  if (result != CURLE_OK) {
    const std::string detail = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(result);
    if (result == CURLE_OPERATION_TIMEDOUT) {
      double total_s = 0.0;
      curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &total_s);
      // The whole attempt's limit reads best in the user's own figure; the others (connecting, too slow) in
      // libcurl's words, which say which it was.
      if (total_s + 0.05 >= options_.timeout_s) {
        return {Kind::transient, fmt::format("timed out after {:g} s", options_.timeout_s)};
      }
      return {Kind::transient, "timed out: " + detail};
    }
    return {transient(result) ? Kind::transient : Kind::failed, detail};
  }
  if (success) return {Kind::body, {}};
  if (status == 304 && conditional_) return {Kind::not_modified, {}};
  // Request timeout, too many requests and server errors may pass; every other answer will be the same again.
  if (status == 408 || status == 429 || status >= 500) {
    curl_off_t retry_after = 0;
    curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after);
    return {Kind::transient, fmt::format("HTTP {}", status), static_cast<double>(retry_after)};
  }
  if (status >= 300 && status < 400) return {Kind::failed, fmt::format("HTTP {} without a usable Location", status)};
  return {Kind::failed, fmt::format("HTTP {}", status)};
}

void Transfer::read_validators(CacheEntry& entry) const {
  entry.etag = last_header(easy_.get(), "ETag");
  entry.last_modified = last_header(easy_.get(), "Last-Modified");
}

}  // namespace pipeline::detail
