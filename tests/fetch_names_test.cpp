// The names fetch gives downloads (pipeline/fetch.hpp) and how it reads a URL list: no network here (the downloads
// themselves are tested through the CLI, tests/cli/fetch_test.cpp, against a local server).
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/fetch.hpp"
#include "test_images.hpp"

using pipeline::file_name_for_url;

TEST_CASE("a URL's file name is its last path segment, decoded and made safe", "[fetch]") {
  CHECK(file_name_for_url("https://example.org/a/b/photo%20one.jpg?size=2#top") == "photo one.jpg");
  CHECK(file_name_for_url("http://example.org/x.png") == "x.png");
  CHECK(file_name_for_url("http://example.org/dir/") == "download");
  CHECK(file_name_for_url("http://example.org") == "download");
  CHECK(file_name_for_url("http://example.org?x=/y.png") == "download");
  CHECK(file_name_for_url("http://example.org/.hidden.png") == "hidden.png");
  CHECK(file_name_for_url("http://example.org/..") == "download");
  CHECK(file_name_for_url("http://example.org/%2E%2E") == "download");
  // An encoded slash or backslash cannot reach another folder.
  CHECK(file_name_for_url("http://example.org/..%2F..%2Fetc%2Fpasswd") == "_.._etc_passwd");
  CHECK(file_name_for_url("http://example.org/a%5Cb.png") == "a_b.png");
  CHECK(file_name_for_url("http://example.org/a%0Ab%00.png") == "a_b_.png");
  CHECK(file_name_for_url("http://example.org/100%25.png") == "100%.png");
  CHECK(file_name_for_url("http://example.org/bad%zz.png") == "bad%zz.png");
  CHECK(file_name_for_url("http://example.org/%C3%A9t%C3%A9.jpg") == "\xC3\xA9t\xC3\xA9.jpg");
}

TEST_CASE("a long name is cut at 200 bytes, its extension and its UTF-8 kept whole", "[fetch]") {
  std::string segment;
  for (int i = 0; i < 150; ++i) segment += "%C3%A9";  // 300 bytes of 'é'
  const std::string name = file_name_for_url("http://example.org/" + segment + ".jpeg");
  CHECK(name.size() <= 200);
  CHECK(name.ends_with(".jpeg"));
  CHECK(name.size() % 2 == 1);  // whole two-byte characters, then the 5-byte extension
}

TEST_CASE("URLs of the same name get -2, -3 before their extension, in list order", "[fetch]") {
  const std::vector<std::string> names = pipeline::file_names_for_urls(
      {"http://a/x.jpg", "http://b/x.jpg", "http://c/x.jpg", "http://d/x", "http://e/x", "http://f/x-2.jpg"});
  CHECK(names == std::vector<std::string>{"x.jpg", "x-2.jpg", "x-3.jpg", "x", "x-2", "x-2-2.jpg"});
}

TEST_CASE("a URL list skips blank lines and comments and trims each line", "[fetch]") {
  const pipeline::test::TempFolder temp;
  const auto list = temp.path() / "urls.txt";
  std::ofstream(list) << "# images\n\n  http://a/x.jpg  \r\n\t# indented comment\nhttp://b/y.png\n   \n";
  CHECK(pipeline::read_url_list(list) == std::vector<std::string>{"http://a/x.jpg", "http://b/y.png"});
  CHECK_THROWS_AS(pipeline::read_url_list(temp.path() / "none.txt"), pipeline::FetchError);
}

TEST_CASE("fetch_urls refuses options it cannot run with", "[fetch]") {
  const pipeline::test::TempFolder temp;
  pipeline::FetchOptions none_at_once;
  none_at_once.parallel = 0;
  CHECK_THROWS_AS(pipeline::fetch_urls({}, temp.path(), none_at_once), std::invalid_argument);
  pipeline::FetchOptions negative_retries;
  negative_retries.retries = -1;
  CHECK_THROWS_AS(pipeline::fetch_urls({}, temp.path(), negative_retries), std::invalid_argument);
  const auto nothing = pipeline::fetch_urls({}, temp.path() / "new");
  CHECK(nothing.items.empty());
  CHECK(std::filesystem::is_directory(temp.path() / "new"));
}
