// The CLI as a user runs it: exit statuses, messages, and what lands in the output folder.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "folders.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using pipeline::test::files_in;

namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr together
};

Outcome run_cli(const std::string& arguments) {
  const std::string command = std::string("'") + IMAGE_PIPELINE_CLI + "' " + arguments + " 2>&1";
  Outcome outcome;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) outcome.output.append(buffer, n);
  const int status = ::pclose(pipe);
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

}  // namespace

TEST_CASE("a bad option is a clear error with exit status 2", "[cli]") {
  const auto outcome = run_cli("--workers zero");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.output, Catch::Contains("--workers"));
  CHECK(run_cli("--executors gpu").status == 2);
  CHECK(run_cli("--no-such-option").status == 2);
  CHECK(run_cli("--size 12by4").status == 2);
  CHECK(run_cli("--png-compression 10").status == 2);
  CHECK(run_cli("--vips-concurrency 0").status == 2);
  CHECK(run_cli("--repeats 0").status == 2);
  CHECK(run_cli("--filters brightness=-1").status == 2);
}

TEST_CASE("an unknown filter is an error that lists the valid filters", "[cli]") {
  const auto outcome = run_cli("--filters grayscale,nope");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.output, Catch::Contains("nope") && Catch::Contains("sharpen") && Catch::Contains("brightness"));
}

TEST_CASE("a missing input folder is a clear error", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto outcome = run_cli("--input '" + (temp.path() / "absent").string() + "'");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.output, Catch::Contains("absent") && Catch::Contains("does not exist"));
}

TEST_CASE("a corrupt image is named, and every good image is still written", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  std::filesystem::create_directories(in);
  pipeline::write_png_atomic(pipeline::test::noise_image(37, 21, 3, 1), in / "b-colour.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(16, 16, 1, 2), in / "c-grey.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(9, 30, 4, 3), in / "d-alpha.png");
  std::ofstream(in / "a-broken.jpg") << "\xFF\xD8\xFF\xE0 this is not really a JPEG";
  std::ofstream(in / "notes.txt") << "not an image";

  const auto outcome = run_cli("--input '" + in.string() + "' --output '" + out.string() + "' --workers 2");
  CHECK(outcome.status == 1);
  CHECK_THAT(outcome.output, Catch::Contains("a-broken.jpg"));
  CHECK(files_in(out) == std::set<std::string>{"b-colour.png", "c-grey.png", "d-alpha.png"});

  // Each written file is the default chain applied to its decoded input.
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  for (const std::string stem : {"b-colour", "c-grey", "d-alpha"}) {
    const auto expected = chain.apply(pipeline::decode_image(in / (stem + ".png")));
    CHECK(pipeline::decode_image(out / (stem + ".png")) == expected);
  }
}

TEST_CASE("inputs sharing a stem keep their extension in the output name", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  std::filesystem::create_directories(in);
  // libvips recognises content, not names: PNG bytes under a .jpg name load fine.
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 4), in / "a.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 5), in / "a.jpg");
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 6), in / "b.webp");
  const auto outcome = run_cli("--input '" + in.string() + "' --output '" + out.string() + "' --executors sequential");
  CHECK(outcome.status == 0);
  CHECK(files_in(out) == std::set<std::string>{"a.jpg.png", "a.png.png", "b.png"});
}

TEST_CASE("the synthetic comparison writes a JSON report of every run and task", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto report = temp.path() / "report.json";
  const auto outcome = run_cli("-n 3 --size 64x48 --workers 1 2 -q --json '" + report.string() + "'");
  REQUIRE(outcome.status == 0);
  CHECK_THAT(outcome.output, Catch::Contains("identical to the sequential run"));
  const auto json = nlohmann::json::parse(std::ifstream(report));
  CHECK(json["schema"] == "image-pipeline/report/1");
  CHECK(json["dataset"]["images"] == 3);
  CHECK(json["filters"] == "grayscale,blur,sobel,sharpen,brightness=1.2");
  REQUIRE(json["runs"].size() >= 3);  // the baseline, then each paradigm at 1 and 2 workers
  CHECK(json["runs"][0]["executor"] == "sequential");
  // The report opens with the verdict, the same sentence as the JSON's.
  const auto verdict = json["verdict"]["sentence"].get<std::string>();
  CHECK_THAT(outcome.output, Catch::Contains(verdict + "\n\nDataset: synthetic"));
  for (const auto& run : json["runs"]) {
    CHECK(run["identical_to_sequential"] == true);
    REQUIRE(run["tasks"].size() == 3);
    for (const auto& task : run["tasks"]) {
      CHECK(task["error"].is_null());
      CHECK(task["end_s"].get<double>() >= task["start_s"].get<double>());
      CHECK(task["pid"].get<long>() > 0);
    }
    CHECK(run["startup_s"].get<double>() >= 0.0);
    for (const auto& task : run["tasks"]) {
      CHECK(task["worker"].get<int>() < run["workers"].get<int>());
    }
  }
}

TEST_CASE("version and help exit 0", "[cli]") {
  CHECK(run_cli("--version").status == 0);
  const auto help = run_cli("--help");
  CHECK(help.status == 0);
  CHECK_THAT(help.output, Catch::Contains("--workers") && Catch::Contains("--filters"));
}

TEST_CASE("the CSV and Markdown reports carry the same runs as the JSON report", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto json_path = temp.path() / "r.json";
  const auto csv_path = temp.path() / "r.csv";
  const auto markdown_path = temp.path() / "r.md";
  const auto outcome =
      run_cli("-n 2 --size 48x32 --workers 1 2 --repeats 2 --warmup 0 -q --json '" + json_path.string() + "' --csv '" +
              csv_path.string() + "' --markdown '" + markdown_path.string() + "'");
  REQUIRE(outcome.status == 0);
  const auto json = nlohmann::json::parse(std::ifstream(json_path));
  CHECK(json["repeats"] == 2);

  std::ifstream csv(csv_path);
  std::string header;
  std::getline(csv, header);
  CHECK(header.rfind("executor,workers,seconds,", 0) == 0);
  std::vector<std::string> rows;
  for (std::string row; std::getline(csv, row);) rows.push_back(row);
  REQUIRE(rows.size() == json["runs"].size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& run = json["runs"][i];
    CHECK(rows[i].rfind(run["executor"].get<std::string>() + "," + std::to_string(run["workers"].get<int>()) + ",",
                        0) == 0);
    CHECK(run["repeat_seconds"].size() == 2);
  }

  std::ifstream markdown_file(markdown_path);
  const std::string markdown((std::istreambuf_iterator<char>(markdown_file)), std::istreambuf_iterator<char>());
  CHECK_THAT(markdown, Catch::Contains("| Paradigm | Workers |") && Catch::Contains("Observations:"));
  for (const auto& run : json["runs"]) {
    CHECK_THAT(markdown, Catch::Contains("| " + run["executor"].get<std::string>() + " | " +
                                         std::to_string(run["workers"].get<int>()) + " |"));
  }
  for (const auto& sentence : json["analysis"]["observations"]) {
    CHECK_THAT(markdown, Catch::Contains(sentence.get<std::string>()));
  }
}

TEST_CASE("the trace has one process per run, one track per worker and one slice per task", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto trace_path = temp.path() / "r.trace.json";
  const auto json_path = temp.path() / "r.json";
  const auto outcome = run_cli("-n 3 --size 48x32 --workers 2 --repeats 1 --warmup 0 -q --json '" + json_path.string() +
                               "' --trace '" + trace_path.string() + "'");
  REQUIRE(outcome.status == 0);
  const auto report = nlohmann::json::parse(std::ifstream(json_path));
  const auto trace = nlohmann::json::parse(std::ifstream(trace_path));
  REQUIRE(trace["traceEvents"].is_array());
  std::map<int, std::string> process_names;
  std::map<std::pair<int, int>, std::string> thread_names;
  std::map<int, std::size_t> task_slices;
  for (const auto& event : trace["traceEvents"]) {
    if (event["ph"] == "M" && event["name"] == "process_name") process_names[event["pid"]] = event["args"]["name"];
    if (event["ph"] == "M" && event["name"] == "thread_name")
      thread_names[{event["pid"], event["tid"]}] = event["args"]["name"];
    if (event["ph"] == "X" && event["cat"] == "task") {
      CHECK(event["dur"].get<double>() >= 0.0);
      CHECK(event["ts"].get<double>() >= 0.0);
      CHECK(event["args"].contains("cpu_start"));
      ++task_slices[event["pid"]];
    }
  }
  REQUIRE(process_names.size() == report["runs"].size());
  for (std::size_t r = 0; r < report["runs"].size(); ++r) {
    const auto& run = report["runs"][r];
    const int pid = static_cast<int>(r) + 1;
    CHECK(process_names[pid] == run["executor"].get<std::string>() + " x" + std::to_string(run["workers"].get<int>()));
    CHECK(task_slices[pid] == run["tasks"].size());
    // Every worker that ran a task has a named track.
    for (const auto& task : run["tasks"]) {
      CHECK(thread_names.count({pid, task["worker"].get<int>() + 1}) == 1);
    }
  }
}

TEST_CASE("the process pool's transport is chosen with --transport, and the report says which", "[cli]") {
  pipeline::test::TempFolder temp;
  for (const std::string transport : {"pipe", "shm"}) {
    const auto json_path = temp.path() / (transport + ".json");
    const auto outcome = run_cli(
        "-n 3 --size 48x32 --workers 2 --repeats 1 --warmup 0 -q --executors processes "
        "--transport " +
        transport + " --json '" + json_path.string() + "'");
    INFO(outcome.output);
    REQUIRE(outcome.status == 0);
    const auto json = nlohmann::json::parse(std::ifstream(json_path));
    REQUIRE(json["runs"].size() == 2);
    CHECK(json["runs"][0]["transport"].is_null());  // the sequential baseline moves nothing
    CHECK(json["runs"][1]["transport"] == transport);
    CHECK(json["all_identical_to_sequential"] == true);
    CHECK_THAT(json["method"].get<std::string>(),
               Catch::Contains(transport == "shm" ? "in shared memory, in place" : "through pipes"));
  }
  CHECK(run_cli("--transport carrier-pigeon").status == 2);
}

TEST_CASE("a --worker-program that cannot be run is a usage error that names it before any work", "[cli]") {
  pipeline::test::TempFolder temp;
  std::ofstream(temp.path() / "not-executable") << "#!/bin/sh\n";
  const std::vector<std::string> programs{"/nonexistent/worker", (temp.path() / "not-executable").string(),
                                          temp.path().string()};
  for (const std::string command : {"-n 1 -e sequential,processes", "run /nonexistent-in /nonexistent-out"}) {
    for (const std::string& program : programs) {
      const auto outcome = run_cli(command + " --worker-program '" + program + "'");
      INFO(command << " --worker-program " << program << "\n" << outcome.output);
      CHECK(outcome.status == 2);
      CHECK_THAT(outcome.output, Catch::Contains("--worker-program") && Catch::Contains(program));
    }
  }
}
