#include "chromium.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "test_images.hpp"

namespace pipeline::test {
namespace {

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// file:// URL of an absolute path, percent-encoding what a URL does not allow as is (spaces, '#', '%', ...).
std::string file_url(const std::filesystem::path& path) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string url = "file://";
  for (const char c : std::filesystem::absolute(path).string()) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
                       std::string_view("/-._~").find(c) != std::string_view::npos;
    if (plain) {
      url += c;
    } else {
      url += '%';
      url += hex[byte >> 4];
      url += hex[byte & 15];
    }
  }
  return url;
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs Chromium headless on `html` with `mode` (--dump-dom, --screenshot=...) and returns its standard output.
std::string run_chromium(const std::filesystem::path& html, const std::vector<std::string>& mode) {
  const auto chromium = find_chromium();
  if (!chromium) throw std::runtime_error("Chromium not found (apt-get install chromium)");
  const TempFolder profile;  // a fresh profile: no cache, cookies or settings from any earlier run
  const auto errors = profile.path() / "stderr.txt";
  // `timeout` bounds a hung browser; --kill-after ends one that ignores SIGTERM. The flags keep Chromium off the
  // network (no background services, updates, sync, QUIC) and working as root in a container (no sandbox, no
  // GPU, /tmp instead of a small /dev/shm).
  std::string command = "timeout --kill-after=10 60 " + shell_quote(chromium->string()) +
                        " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run"
                        " --disable-background-networking --disable-component-update --disable-sync"
                        " --disable-default-apps --disable-extensions --hide-scrollbars --mute-audio"
                        " --user-data-dir=" +
                        shell_quote((profile.path() / "profile").string());
  for (const auto& argument : mode) command += " " + shell_quote(argument);
  command += " " + shell_quote(file_url(html)) + " 2>" + shell_quote(errors.string());

  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start Chromium: " + command);
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string said = read_all(errors);
    if (said.size() > 4000) said = "..." + said.substr(said.size() - 4000);
    const bool timed_out = WIFEXITED(status) && (WEXITSTATUS(status) == 124 || WEXITSTATUS(status) == 137);
    throw std::runtime_error("Chromium " + std::string(timed_out ? "timed out" : "failed") + " (status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ") on " + html.string() +
                             ":\n" + said);
  }
  return output;
}

}  // namespace

std::optional<std::filesystem::path> find_chromium() {
  if (const char* chosen = std::getenv("PIPELINE_CHROMIUM")) {
    if (*chosen != '\0' && ::access(chosen, X_OK) == 0) return std::filesystem::path(chosen);
    return std::nullopt;
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream folders(path);
    std::string folder;
    while (std::getline(folders, folder, ':')) {
      if (folder.empty()) continue;
      for (const char* name : {"chromium", "chromium-browser"}) {
        const std::filesystem::path candidate = std::filesystem::path(folder) / name;
        std::error_code error;
        if (std::filesystem::is_regular_file(candidate, error) && ::access(candidate.c_str(), X_OK) == 0) {
          return candidate;
        }
      }
    }
  }
  const std::filesystem::path fallback = "/usr/bin/chromium";
  if (::access(fallback.c_str(), X_OK) == 0) return fallback;
  return std::nullopt;
}

std::string dump_dom(const std::filesystem::path& html) { return run_chromium(html, {"--dump-dom"}); }

void screenshot(const std::filesystem::path& html, const std::filesystem::path& png, int width, int height) {
  std::error_code ignored;
  std::filesystem::remove(png, ignored);
  (void)run_chromium(html, {"--screenshot=" + std::filesystem::absolute(png).string(),
                            "--window-size=" + std::to_string(width) + "," + std::to_string(height)});
  if (!std::filesystem::exists(png)) throw std::runtime_error("Chromium wrote no screenshot to " + png.string());
}

}  // namespace pipeline::test
