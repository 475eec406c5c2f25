// A list of URLs where a folder is expected (`run URLS_FILE OUT_DIR`, `--input URLS_FILE`), against an HTTP server
// the test starts on 127.0.0.1 (http_test_server.hpp): the images are downloaded into a folder of the list's own
// under $XDG_CACHE_HOME, a URL that fails is named and the others still run, a shorter list leaves only its own
// images in that folder, and a file that is not a list of URLs is refused.
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "http_test_server.hpp"
#include "pipeline/image_io.hpp"
#include "served_images.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::files_in;
using pipeline::test::HttpTestServer;
using pipeline::test::png_bytes;
using pipeline::test::quoted;
using pipeline::test::run_cli;
namespace fs = std::filesystem;

namespace {

fs::path write_list(const fs::path& list, const std::vector<std::string>& lines) {
  std::ofstream out(list);
  for (const auto& line : lines) out << line << "\n";
  return list;
}

// The downloads go under the test's own folder, never the user's cache; restored when the case ends.
class CacheHome {
 public:
  explicit CacheHome(const fs::path& folder) {
    if (const char* old = std::getenv("XDG_CACHE_HOME")) old_ = old;
    ::setenv("XDG_CACHE_HOME", folder.c_str(), 1);
  }
  ~CacheHome() {
    if (old_.empty()) {
      ::unsetenv("XDG_CACHE_HOME");
    } else {
      ::setenv("XDG_CACHE_HOME", old_.c_str(), 1);
    }
  }
  CacheHome(const CacheHome&) = delete;
  CacheHome& operator=(const CacheHome&) = delete;

 private:
  std::string old_;
};

std::set<std::string> downloaded_images(const fs::path& cache) {
  const fs::path lists = cache / "image-pipeline" / "url-lists";
  REQUIRE(fs::is_directory(lists));
  std::set<std::string> names;
  for (const auto& folder : fs::directory_iterator(lists)) {
    for (const auto& name : files_in(folder.path())) {
      if (!name.starts_with('.')) names.insert(name);  // not the fetch's own cache sidecar
    }
  }
  return names;
}

}  // namespace

TEST_CASE("run takes a list of URLs for its input and names the one that fails and writes the others", "[fetch]") {
  const std::string first = png_bytes(16, 12, 1);
  const std::string second = png_bytes(9, 7, 2);
  HttpTestServer server;
  server.route("/a.png", [&](const auto&, int) { return HttpTestServer::Response::with_status(200, first); });
  server.route("/b.png", [&](const auto&, int) { return HttpTestServer::Response::with_status(200, second); });
  server.route("/missing.png", [](const auto&, int) { return HttpTestServer::Response::with_status(404, "no"); });

  const pipeline::test::TempFolder temp;
  const CacheHome cache(temp.path() / "cache");
  const fs::path list = write_list(temp.path() / "photos.txt", {"# the test's photos", server.url("/a.png"),
                                                                server.url("/b.png"), server.url("/missing.png")});
  const fs::path out = temp.path() / "out";
  const auto outcome = run_cli("run " + quoted(list) + " " + quoted(out) + " -w 2");
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 1);  // an input could not be had, as for a broken file
  CHECK_THAT(outcome.err, Contains("'" + server.url("/missing.png") + "': HTTP 404"));
  CHECK_THAT(outcome.err, Contains("2 downloaded, 0 up to date, 1 failed"));
  CHECK(files_in(out) == std::set<std::string>{"a.png", "b.png"});
  CHECK(downloaded_images(temp.path() / "cache") == std::set<std::string>{"a.png", "b.png"});

  // The list without b.png: its folder keeps only what the list names, and the comparison runs on that.
  write_list(list, {server.url("/a.png")});
  const auto shorter = run_cli("--input " + quoted(list) + " -w 1 -r 1 --warmup 0 -e sequential,threads");
  INFO(shorter.out << shorter.err);
  CHECK(shorter.status == 0);
  CHECK(downloaded_images(temp.path() / "cache") == std::set<std::string>{"a.png"});
  CHECK_THAT(shorter.out + shorter.err, Contains("1 image"));
}

TEST_CASE("a file that is not a list of URLs is refused where a folder is expected", "[fetch]") {
  const pipeline::test::TempFolder temp;
  const CacheHome cache(temp.path() / "cache");
  const fs::path notes = write_list(temp.path() / "notes.txt", {"just some words"});
  const auto outcome = run_cli("run " + quoted(notes) + " " + quoted(temp.path() / "out"));
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("is not a folder, nor a list of URLs: 'just some words' is not a URL"));
  const fs::path empty = write_list(temp.path() / "empty.txt", {"# nothing"});
  const auto none = run_cli("--input " + quoted(empty));
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Contains("is not a folder, and lists no URL"));
}
