// `image-pipeline fetch URLS_FILE DIR` as a user runs it, against an HTTP server the test starts on 127.0.0.1
// (http_test_server.hpp): images, a redirect, a 404, a server error that passes, garbage, a body over the size cap,
// a server that never answers, and a second run answered 304. Timeouts are short (1 s) so the file runs in a few
// seconds; nothing is asserted about how long anything took.
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "http_test_server.hpp"
#include "pipeline/image_io.hpp"
#include "served_images.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::files_in;
using pipeline::test::hidden_files_in;
using pipeline::test::HttpTestServer;
using pipeline::test::png_bytes;
using pipeline::test::quoted;
using pipeline::test::read_file;
using pipeline::test::run_cli;
using Response = HttpTestServer::Response;
namespace fs = std::filesystem;

namespace {

Response ok(std::string body) { return Response::with_status(200, std::move(body)); }

Response with_headers(Response response, std::vector<std::pair<std::string, std::string>> headers) {
  response.headers = std::move(headers);
  return response;
}

fs::path write_list(const fs::path& folder, const std::vector<std::string>& urls) {
  const fs::path list = folder / "urls.txt";
  std::ofstream out(list);
  out << "# the test's URLs\n\n";
  for (const auto& url : urls) out << url << "\n";
  return list;
}

ino_t inode_of(const fs::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_ino;
}

}  // namespace

TEST_CASE("fetch downloads every file it can, and names each failure with its own reason", "[fetch]") {
  const std::string small = png_bytes(16, 12, 1);
  const std::string other = png_bytes(9, 7, 2);
  const std::string large = png_bytes(120, 100, 3);  // over the cap below: noise does not compress
  // After what its handlers read: destroyed (its thread joined) before that is.
  HttpTestServer server;
  server.route("/img/ok.png", [&](const auto&, int) { return ok(small); });
  server.route("/img/target.png", [&](const auto&, int) { return ok(other); });
  server.route("/moved.png", [](const auto&, int) {
    return with_headers(Response::with_status(302, "moved"), {{"Location", "/img/target.png"}});
  });
  server.route("/missing.jpg", [](const auto&, int) { return Response::with_status(404, "not here"); });
  // An error page over the cap is named by its status, not by its size.
  server.route("/gone.jpg", [&](const auto&, int) { return Response::with_status(410, large); });
  server.route("/flaky.png",
               [&](const auto&, int nth) { return nth == 1 ? Response::with_status(503, "busy") : ok(small); });
  server.route("/garbage.jpg", [](const auto&, int) { return ok(std::string(5000, 'x') + "no image here"); });
  // The cap cut while the body arrives (no Content-Length), and refused from a declared one.
  server.route("/big.png", [&](const auto&, int) {
    Response response = ok(large);
    response.content_length = false;
    return response;
  });
  server.route("/big-declared.png", [&](const auto&, int) { return ok(large); });

  const pipeline::test::TempFolder temp;
  const fs::path dir = temp.path() / "dataset";
  const std::vector<std::string> paths{"/img/ok.png",  "/moved.png",        "/missing.jpg", "/flaky.png",
                                       "/garbage.jpg", "/big-declared.png", "/big.png",     "/gone.jpg"};
  std::vector<std::string> urls;
  for (const auto& path : paths) urls.push_back(server.url(path));
  const fs::path list = write_list(temp.path(), urls);
  REQUIRE(large.size() > 20000);

  // A generous timeout: an attempt timed out on a busy machine (sanitizers) would be retried, and the counts of
  // requests below be off.
  const auto outcome = run_cli("fetch " + quoted(list) + " " + quoted(dir) +
                               " --timeout 60 --retries 1 --retry-delay 0.05 --max-bytes 20000 --parallel 4");
  INFO(outcome.err);
  INFO(outcome.out);
  CHECK(outcome.status == 1);
  CHECK_THAT(outcome.out, Contains("3 downloaded, 0 up to date, 5 failed"));
  CHECK_THAT(outcome.err, Contains("'" + server.url("/missing.jpg") + "': HTTP 404"));
  CHECK_THAT(outcome.err, Contains("'" + server.url("/garbage.jpg") + "': not an image: "));
  CHECK_THAT(outcome.err, Contains("'" + server.url("/gone.jpg") + "': HTTP 410"));
  CHECK_THAT(outcome.err, Contains("'" + server.url("/big.png") + "': larger than the size cap of 20000 bytes"));
  CHECK_THAT(outcome.err,
             Contains("'" + server.url("/big-declared.png") + "': larger than the size cap of 20000 bytes"));

  // The files that came, under their URL's name (the redirect's too), whole; nothing of the others, no temporary.
  CHECK(files_in(dir) == std::set<std::string>{".fetch-cache.json", "flaky.png", "moved.png", "ok.png"});
  CHECK(read_file(dir / "ok.png") == small);
  CHECK(read_file(dir / "moved.png") == other);
  CHECK(read_file(dir / "flaky.png") == small);
  CHECK(pipeline::decode_image(dir / "ok.png") == pipeline::test::noise_image(16, 12, 3, 1));

  CHECK(server.requests("/missing.jpg").size() == 1);  // a 404 is not retried
  CHECK(server.requests("/garbage.jpg").size() == 1);
  CHECK(server.requests("/big.png").size() == 1);
  CHECK(server.requests("/flaky.png").size() == 2);  // the 503, then the image
  CHECK(server.requests("/img/target.png").size() == 1);
}

TEST_CASE("a server that never answers times out, is named, and the other files still come", "[fetch]") {
  const std::string image = png_bytes(7, 5, 10);
  // After what its handlers read: destroyed (its thread joined) before that is.
  HttpTestServer server;
  server.route("/ok.png", [&](const auto&, int) { return ok(image); });
  server.route("/stall.jpg", [](const auto&, int) {
    Response response;
    response.stall = true;
    return response;
  });
  const pipeline::test::TempFolder temp;
  const fs::path dir = temp.path() / "dataset";
  const fs::path list = write_list(temp.path(), {server.url("/stall.jpg"), server.url("/ok.png")});
  const auto outcome =
      run_cli("fetch " + quoted(list) + " " + quoted(dir) + " --timeout 1 --retries 1 --retry-delay 0.05");
  INFO(outcome.err);
  CHECK(outcome.status == 1);
  CHECK_THAT(outcome.out, Contains("1 downloaded, 0 up to date, 1 failed"));
  // Timeouts are retried like other transient failures: two attempts here.
  CHECK_THAT(outcome.err, Contains("'" + server.url("/stall.jpg") + "': timed out after 1 s (2 attempts)"));
  CHECK(files_in(dir) == std::set<std::string>{".fetch-cache.json", "ok.png"});
  CHECK(read_file(dir / "ok.png") == image);
  // The second attempt's request may reach the server's thread after the CLI has given up on it.
  CHECK(server.wait_for_requests("/stall.jpg", 2));
}

TEST_CASE("a second fetch asks with the validators it was given and keeps a file the server says is unchanged",
          "[fetch]") {
  const std::string image = png_bytes(10, 10, 4);
  const std::string etag = "\"v1\"";
  const std::string modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  // After what its handlers read: destroyed (its thread joined) before that is.
  HttpTestServer server;
  server.route("/a.png", [&](const HttpTestServer::Request& request, int) {
    if (request.header("if-none-match") == etag) return with_headers(Response::with_status(304), {{"ETag", etag}});
    return with_headers(ok(image), {{"ETag", etag}, {"Last-Modified", modified}});
  });
  const pipeline::test::TempFolder temp;
  const fs::path dir = temp.path() / "dataset";
  const fs::path list = write_list(temp.path(), {server.url("/a.png")});
  const std::string command = "fetch " + quoted(list) + " " + quoted(dir);

  const auto first = run_cli(command);
  INFO(first.err);
  REQUIRE(first.status == 0);
  CHECK_THAT(first.out, Contains("1 downloaded, 0 up to date, 0 failed"));
  CHECK(server.requests("/a.png").at(0).header("if-none-match").empty());
  const ino_t inode = inode_of(dir / "a.png");

  const auto second = run_cli(command);
  INFO(second.err);
  CHECK(second.status == 0);
  CHECK_THAT(second.out, Contains("0 downloaded, 1 up to date, 0 failed"));
  REQUIRE(server.requests("/a.png").size() == 2);
  CHECK(server.requests("/a.png").at(1).header("if-none-match") == etag);
  CHECK(server.requests("/a.png").at(1).header("if-modified-since") == modified);
  CHECK(inode_of(dir / "a.png") == inode);  // not written again
  CHECK(read_file(dir / "a.png") == image);

  SECTION("a file changed in the folder since is downloaded again, unconditionally") {
    std::ofstream(dir / "a.png", std::ios::app) << "edited";
    const auto third = run_cli(command);
    INFO(third.err);
    CHECK(third.status == 0);
    CHECK_THAT(third.out, Contains("1 downloaded, 0 up to date, 0 failed"));
    CHECK(server.requests("/a.png").at(2).header("if-none-match").empty());
    CHECK(read_file(dir / "a.png") == image);
  }
  SECTION("--no-cache downloads it again") {
    const auto third = run_cli(command + " --no-cache");
    INFO(third.err);
    CHECK(third.status == 0);
    CHECK_THAT(third.out, Contains("1 downloaded, 0 up to date, 0 failed"));
    CHECK(server.requests("/a.png").at(2).header("if-none-match").empty());
  }
}

TEST_CASE("fetch gives two URLs of the same name two files, and a URL listed twice one", "[fetch]") {
  const std::string first = png_bytes(5, 5, 5);
  const std::string second = png_bytes(6, 6, 6);
  // After what its handlers read: destroyed (its thread joined) before that is.
  HttpTestServer server;
  server.route("/a/photo.png", [&](const auto&, int) { return ok(first); });
  server.route("/b/photo.png", [&](const auto&, int) { return ok(second); });
  const pipeline::test::TempFolder temp;
  const fs::path dir = temp.path() / "dataset";
  const fs::path list =
      write_list(temp.path(), {server.url("/a/photo.png"), server.url("/b/photo.png"), server.url("/a/photo.png")});
  const auto outcome = run_cli("fetch " + quoted(list) + " " + quoted(dir));
  INFO(outcome.err);
  CHECK(outcome.status == 0);
  CHECK_THAT(outcome.out, Contains("2 downloaded, 0 up to date, 0 failed"));
  CHECK(read_file(dir / "photo.png") == first);
  CHECK(read_file(dir / "photo-2.png") == second);
  CHECK(server.requests("/a/photo.png").size() == 1);
}

TEST_CASE("fetch refuses what it cannot use with exit status 2", "[fetch]") {
  const pipeline::test::TempFolder temp;
  const auto no_list = run_cli("fetch " + quoted(temp.path() / "missing.txt") + " " + quoted(temp.path() / "d"));
  CHECK(no_list.status == 2);
  CHECK_THAT(no_list.err, Contains("cannot read the URL list"));
  const fs::path list = write_list(temp.path(), {"http://127.0.0.1:9/x.png"});
  CHECK(run_cli("fetch " + quoted(list) + " " + quoted(temp.path() / "d") + " --parallel 0").status == 2);
  CHECK(run_cli("fetch " + quoted(list) + " " + quoted(temp.path() / "d") + " --max-bytes lots").status == 2);
  // Only the web: a file:// URL is refused by libcurl, named, and not retried.
  const fs::path local = write_list(temp.path(), {"file:///etc/hostname"});
  const auto outcome = run_cli("fetch " + quoted(local) + " " + quoted(temp.path() / "d"));
  CHECK(outcome.status == 1);
  CHECK_THAT(outcome.err, Contains("'file:///etc/hostname': "));
  CHECK_THAT(outcome.out, Contains("0 downloaded, 0 up to date, 1 failed"));
}

TEST_CASE("fetch shows its progress at a terminal", "[fetch]") {
  const std::string image = png_bytes(8, 8, 7);
  // After what its handlers read: destroyed (its thread joined) before that is.
  HttpTestServer server;
  server.route("/p.png", [&](const auto&, int) { return ok(image); });
  const pipeline::test::TempFolder temp;
  const fs::path list = write_list(temp.path(), {server.url("/p.png")});
  const auto shown = pipeline::test::run_cli_at_terminal({"fetch", list.string(), (temp.path() / "dataset").string()});
  INFO(shown.out);
  CHECK(shown.status == 0);
  CHECK_THAT(shown.out, Contains("\rfetch [") && Contains("/1 files"));
  CHECK_THAT(shown.out, Contains("1 downloaded, 0 up to date, 0 failed"));
}

TEST_CASE("Ctrl-C abandons the downloads in progress and leaves nothing partial", "[fetch]") {
  const std::string image = png_bytes(8, 8, 8);
  const std::string large = png_bytes(120, 100, 9);
  // After what its handlers read: destroyed (its thread joined) before that is.
  HttpTestServer server;
  server.route("/done.png", [&](const auto&, int) { return ok(image); });
  server.route("/slow.png", [&](const auto&, int) {
    Response response = ok(large);
    response.stall_after = 1000;  // a temporary file with 1000 bytes, then nothing more
    return response;
  });
  const pipeline::test::TempFolder temp;
  const fs::path dir = temp.path() / "dataset";
  const fs::path list = write_list(temp.path(), {server.url("/done.png"), server.url("/slow.png")});
  const pid_t cli = pipeline::test::spawn_cli_in_own_session({"fetch", list.string(), dir.string(), "--timeout", "60"},
                                                             temp.path() / "out", temp.path() / "err");
  // Until the first file is in and the second one part way (a minute at most: sanitizer builds are slow).
  const auto part_way = [&] {
    for (const auto& name : hidden_files_in(dir)) {
      if (name.starts_with(".slow.png.") && name.ends_with(".part")) return fs::exists(dir / "done.png");
    }
    return false;
  };
  for (int i = 0; i < 600 && !part_way(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(part_way());
  ::kill(-cli, SIGINT);
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  const std::string out = read_file(temp.path() / "out");
  const std::string err = read_file(temp.path() / "err");
  INFO(out);
  INFO(err);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGINT);
  CHECK_THAT(err, Contains("interrupted: abandoning the downloads in progress"));
  CHECK_THAT(out, Contains("1 downloaded, 0 up to date, 0 failed, 1 not fetched (stopped)"));
  CHECK(files_in(dir) == std::set<std::string>{".fetch-cache.json", "done.png"});  // no temporary left
  CHECK_THAT(read_file(dir / ".fetch-cache.json"), Contains(server.url("/done.png")));
}
