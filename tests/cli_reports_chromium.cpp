// The acceptance run, scaled down: one CLI run writes all five reports (JSON, CSV, Markdown, HTML, trace),
// they agree with each other, and Chromium parses and draws the HTML page with a chart per figure and a timeline
// per run. Run by ctest as cli_reports_chromium_test, skipped where Chromium is not installed.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "chromium.hpp"
#include "test_images.hpp"

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// The five reports of one run of the CLI, made once for all cases.
struct Reports {
  Reports() {
    const auto in = [this](const char* name) { return "'" + (folder.path() / name).string() + "'"; };
    const std::string command = std::string("'") + IMAGE_PIPELINE_CLI +
                                "' -n 6 --size 320x240 --workers 1 2 --repeats 2 --warmup 1 -q --profile-filters" +
                                " --json " + in("r.json") + " --csv " + in("r.csv") + " --markdown " + in("r.md") +
                                " --html " + in("r.html") + " --trace " + in("r.trace.json") + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
    const int status = ::pclose(pipe);
    exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pipeline::test::TempFolder folder;
  std::string output;
  int exit_status = -1;
  [[nodiscard]] std::filesystem::path path(const char* name) const { return folder.path() / name; }
};

const Reports& reports() {
  static const Reports once;
  return once;
}

}  // namespace

TEST_CASE("one run writes all five reports, and they agree on the runs", "[cli][reports]") {
  const Reports& r = reports();
  INFO(r.output);
  REQUIRE(r.exit_status == 0);
  const auto json = nlohmann::json::parse(read_file(r.path("r.json")));
  const auto& runs = json["runs"];
  // sequential, then processes and threads at 1 and 2 workers.
  REQUIRE(runs.size() == 5);
  CHECK(json["profile_stages"] == true);

  const std::string csv = read_file(r.path("r.csv"));
  CHECK(count_of(csv, "\n") == runs.size() + 1);
  const std::string markdown = read_file(r.path("r.md"));
  const std::string html = read_file(r.path("r.html"));
  for (const auto& run : runs) {
    const std::string executor = run["executor"];
    const std::string workers = std::to_string(run["workers"].get<int>());
    CHECK_THAT(csv, Catch::Contains("\n" + executor + "," + workers + ","));
    CHECK_THAT(markdown, Catch::Contains("| " + executor + " | " + workers + " |"));
    // Every run was profiled: each task carries one stage per filter of the chain.
    for (const auto& task : run["tasks"]) CHECK(task["stages"].size() == 5);
  }
  for (const auto& sentence : json["analysis"]["observations"]) {
    CHECK_THAT(markdown, Catch::Contains(sentence.get<std::string>()));
  }
  CHECK_THAT(markdown, Catch::Contains("Where the time goes"));

  const auto trace = nlohmann::json::parse(read_file(r.path("r.trace.json")));
  std::set<int> trace_processes;
  std::map<int, std::size_t> task_slices;
  std::size_t stage_slices = 0;
  for (const auto& event : trace["traceEvents"]) {
    if (event["ph"] == "M" && event["name"] == "process_name") trace_processes.insert(event["pid"].get<int>());
    if (event["ph"] == "X" && event["cat"] == "task") ++task_slices[event["pid"].get<int>()];
    if (event["ph"] == "X" && event["cat"] == "stage") ++stage_slices;
  }
  CHECK(trace_processes.size() == runs.size());
  std::size_t tasks = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CHECK(task_slices[static_cast<int>(i) + 1] == runs[i]["tasks"].size());
    tasks += runs[i]["tasks"].size();
  }
  CHECK(stage_slices == 5 * tasks);
}

TEST_CASE("Chromium parses the CLI's HTML page into both charts and one timeline per run", "[cli][reports][chromium]") {
  const Reports& r = reports();
  REQUIRE(r.exit_status == 0);
  const auto json = nlohmann::json::parse(read_file(r.path("r.json")));
  const std::string dom = pipeline::test::dump_dom(r.path("r.html"));
  CHECK(count_of(dom, "<svg") == 2 + json["runs"].size());
  CHECK_THAT(dom, Catch::Contains("id=\"speedup-chart\"") && Catch::Contains("id=\"efficiency-chart\""));
  std::size_t tasks = 0;
  for (std::size_t i = 0; i < json["runs"].size(); ++i) {
    CHECK(count_of(dom, "id=\"gantt-" + std::to_string(i) + "\"") == 1);
    tasks += json["runs"][i]["tasks"].size();
  }
  CHECK(count_of(dom, "<rect class=\"task") == tasks);
}
