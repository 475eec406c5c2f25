// fetch_urls() (pipeline/fetch.hpp): a curl multi handle running up to `parallel` transfers (transfer.hpp) on this
// one thread, a queue of URLs still to start and of retries waiting for their back-off, and what becomes of each
// finished attempt: checked as an image and renamed into place, kept on 304, retried, or named as failed.
#include "pipeline/fetch.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "fetch/fetch_cache.hpp"
#include "fetch/transfer.hpp"
#include "pipeline/image_io.hpp"

namespace pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using detail::AttemptEnd;
using detail::CacheEntry;
using detail::FetchCache;
using detail::Transfer;

constexpr double max_retry_delay_s = 60.0;

// libcurl's global state, set up once for the process and torn down at exit (so leak checkers see it freed).
// Since 7.84 curl_global_init is thread-safe, so a program's other threads need not be considered.
void ensure_curl_started() {
  struct Global {
    CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    ~Global() {
      if (code == CURLE_OK) curl_global_cleanup();
    }
  };
  static const Global global;
  if (global.code != CURLE_OK) throw FetchError(fmt::format("libcurl: {}", curl_easy_strerror(global.code)));
}

void check(const FetchOptions& options) {
  if (options.parallel < 1) throw std::invalid_argument("fetch: parallel must be at least 1");
  if (options.retries < 0) throw std::invalid_argument("fetch: retries must not be negative");
  if (!(options.timeout_s > 0.0) || !(options.connect_timeout_s > 0.0)) {
    throw std::invalid_argument("fetch: timeouts must be positive");
  }
  if (!(options.retry_delay_s >= 0.0)) throw std::invalid_argument("fetch: retry delay must not be negative");
  if (options.max_bytes == 0) throw std::invalid_argument("fetch: max bytes must be positive");
}

// The wait before attempt `attempt` + 1: the delay doubled for each attempt made, or the server's Retry-After if
// longer; at most max_retry_delay_s either way, so no server holds a run for an hour.
double retry_delay_s(const FetchOptions& options, int attempt, double retry_after_s) {
  const double backoff = options.retry_delay_s * std::pow(2.0, attempt - 1);
  return std::min(max_retry_delay_s, std::max(backoff, retry_after_s));
}

struct MultiCleanup {
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};

class FetchRun {
 public:
  FetchRun(const std::vector<std::string>& urls, const std::filesystem::path& dir, const FetchOptions& options)
      : dir_(dir), options_(options), cache_(FetchCache::load(dir)), multi_(curl_multi_init()) {
    if (!multi_) throw FetchError("libcurl: cannot make a multi handle");
    const std::vector<std::string> names = file_names_for_urls(urls);
    for (std::size_t i = 0; i < urls.size(); ++i) {
      FetchItem& item = result_.items.emplace_back();
      item.url = urls[i];
      item.file = names[i];
      fresh_.push_back(i);
    }
  }

  // Transfers still running (an exception left the loop) leave the multi handle before either is freed.
  ~FetchRun() {
    for (auto& [easy, transfer] : active_) curl_multi_remove_handle(multi_.get(), easy);
  }
  FetchRun(const FetchRun&) = delete;
  FetchRun& operator=(const FetchRun&) = delete;

  FetchResult run() {
    // A stop wakes the loop at once rather than at its next poll timeout; libcurl allows this from any thread.
    const std::stop_callback wake(options_.stop, [this] { curl_multi_wakeup(multi_.get()); });
    while (done_ < result_.items.size()) {
      if (options_.stop.stop_requested()) {
        stop_all();
        break;
      }
      start_due();
      int running = 0;
      if (const CURLMcode code = curl_multi_perform(multi_.get(), &running); code != CURLM_OK) {
        throw FetchError(fmt::format("libcurl: {}", curl_multi_strerror(code)));
      }
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
        if (message->msg == CURLMSG_DONE) finish(message->easy_handle, message->data.result);
      }
      if (done_ == result_.items.size()) break;
      // Wakes up for the network, or for the next retry due, or at least once a second to look again.
      int timeout_ms = 1000;
      if (!retries_.empty()) {
        const auto until =
            std::chrono::duration_cast<std::chrono::milliseconds>(retries_.begin()->first - Clock::now());
        timeout_ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(until.count(), 0, timeout_ms));
      }
      if (!fresh_.empty() && active_.size() < static_cast<std::size_t>(options_.parallel)) timeout_ms = 0;
      curl_multi_poll(multi_.get(), nullptr, 0, timeout_ms, nullptr);
    }
    cache_.save();
    return std::move(result_);
  }

 private:
  // Every item not done yet: stopped. The transfers leave the multi handle and are freed, which removes their
  // temporary files.
  void stop_all() {
    const auto stop = [this](std::size_t index) { result_.items[index].status = FetchStatus::stopped; };
    for (auto& [easy, transfer] : active_) {
      curl_multi_remove_handle(multi_.get(), easy);
      stop(transfer->index());
    }
    active_.clear();
    for (const std::size_t index : fresh_) stop(index);
    fresh_.clear();
    for (const auto& [due, index] : retries_) stop(index);
    retries_.clear();
  }

  // Starts retries that are due, then URLs in list order, while there is room.
  void start_due() {
    const auto now = Clock::now();
    while (active_.size() < static_cast<std::size_t>(options_.parallel)) {
      if (!retries_.empty() && retries_.begin()->first <= now) {
        const std::size_t index = retries_.begin()->second;
        retries_.erase(retries_.begin());
        start(index);
      } else if (!fresh_.empty()) {
        const std::size_t index = fresh_.front();
        fresh_.pop_front();
        start(index);
      } else {
        break;
      }
    }
  }

  void start(std::size_t index) {
    FetchItem& item = result_.items[index];
    const CacheEntry* cached = options_.use_cache ? cache_.usable(item.url, item.file) : nullptr;
    auto transfer = std::make_unique<Transfer>(index, item.url, dir_, item.file, options_, cached);
    ++item.attempts;
    if (const CURLMcode code = curl_multi_add_handle(multi_.get(), transfer->easy()); code != CURLM_OK) {
      throw FetchError(fmt::format("libcurl: {}", curl_multi_strerror(code)));
    }
    spdlog::debug("'{}': attempt {}{}", item.url, item.attempts, cached != nullptr ? ", conditional" : "");
    CURL* easy = transfer->easy();
    active_.emplace(easy, std::move(transfer));
  }

  void finish(CURL* easy, CURLcode result) {
    curl_multi_remove_handle(multi_.get(), easy);
    const auto found = active_.find(easy);
    if (found == active_.end()) return;
    const std::unique_ptr<Transfer> transfer = std::move(found->second);
    active_.erase(found);
    FetchItem& item = result_.items[transfer->index()];
    const AttemptEnd end = transfer->end(result);
    switch (end.kind) {
      case AttemptEnd::Kind::body: return keep_body(item, *transfer);
      case AttemptEnd::Kind::not_modified:
        item.status = FetchStatus::up_to_date;
        item.bytes = std::filesystem::file_size(dir_ / item.file, file_error_);
        return done(item);
      case AttemptEnd::Kind::transient:
        if (item.attempts <= options_.retries) {
          const double delay_s = retry_delay_s(options_, item.attempts, end.retry_after_s);
          spdlog::debug("'{}': {}; retry {} of {} in {:.2g} s", item.url, end.reason, item.attempts, options_.retries,
                        delay_s);
          const auto due =
              Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_s));
          retries_.emplace(due, transfer->index());
          return;
        }
        return fail(item, item.attempts > 1 ? fmt::format("{} ({} attempts)", end.reason, item.attempts) : end.reason);
      case AttemptEnd::Kind::failed: return fail(item, end.reason);
    }
  }

  // A whole body: kept only if it is an image, then renamed into place and remembered for the next run.
  void keep_body(FetchItem& item, const Transfer& transfer) {
    detail::TemporaryFile* file = transfer.body();
    if (file == nullptr) return fail(item, "not an image: the response was empty");
    if (std::string error = file->close(); !error.empty()) return fail(item, error);
    try {
      (void)read_image_header(file->path());
    } catch (const ImageIoError& error) {
      return fail(item, "not an image: " + error.reason());
    }
    const std::filesystem::path path = dir_ / item.file;
    if (std::string error = file->commit(path); !error.empty()) return fail(item, error);
    CacheEntry entry;
    entry.file = item.file;
    transfer.read_validators(entry);
    if (detail::describe_file(path, entry)) cache_.record(item.url, std::move(entry));
    item.status = FetchStatus::downloaded;
    item.bytes = transfer.bytes();
    done(item);
  }

  void fail(FetchItem& item, std::string reason) {
    item.status = FetchStatus::failed;
    item.reason = std::move(reason);
    done(item);
  }

  void done(const FetchItem& item) {
    ++done_;
    if (options_.on_item_done) options_.on_item_done(item, done_, result_.items.size());
  }

  std::filesystem::path dir_;
  const FetchOptions& options_;
  FetchCache cache_;
  FetchResult result_;
  std::deque<std::size_t> fresh_;                          // not started yet, in list order
  std::multimap<Clock::time_point, std::size_t> retries_;  // waiting out their back-off, by when they are due
  std::size_t done_ = 0;
  std::error_code file_error_;  // a kept file that vanished meanwhile only misses its size
  // The multi handle outlives the transfers (declared first, destroyed last); ~FetchRun detaches them.
  std::unique_ptr<CURLM, MultiCleanup> multi_;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
};

}  // namespace

FetchResult fetch_urls(const std::vector<std::string>& urls, const std::filesystem::path& dir,
                       const FetchOptions& options) {
  check(options);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    throw FetchError(fmt::format("cannot make the folder '{}': {}", dir.string(),
                                 error ? error.message() : "a file of that name is in the way"));
  }
  ensure_curl_started();
  // A URL listed twice is one download.
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const auto& url : urls) {
    if (seen.insert(url).second) unique.push_back(url);
  }
  if (unique.size() < urls.size())
    spdlog::info("{} URL(s) listed more than once, fetched once", urls.size() - unique.size());
  FetchRun run(unique, dir, options);
  return run.run();
}

}  // namespace pipeline
