// ProcessPoolOptions::worker_vips_modules: a pool for in-memory batches can start its workers without libvips'
// loadable modules (their vips_init is then about 2 ms instead of 25-30), and still runs the batch as before. Seen
// from outside: the modules' shared objects are mapped in a worker's memory or they are not (/proc/<pid>/maps).
#include <sys/types.h>

#include <fstream>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "pipeline/dataset.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/folder_run.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "test_images.hpp"

namespace {

// Whether a process has any of libvips' modules (vips-modules-<version>/*.so) mapped.
bool maps_vips_modules(const std::string& pid) {
  std::ifstream maps("/proc/" + pid + "/maps");
  REQUIRE(maps.good());
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("vips-modules-") != std::string::npos) return true;
  }
  return false;
}

// The distinct worker processes of a run, still alive: the pool keeps its workers between runs.
std::set<pid_t> workers_of(const pipeline::BatchResult& result) {
  std::set<pid_t> pids;
  for (const auto& task : result.tasks) pids.insert(static_cast<pid_t>(task.record.pid));
  return pids;
}

}  // namespace

TEST_CASE("a pool told so starts its workers without libvips' modules and runs the batch the same", "[process-pool]") {
  // This test program started libvips as usual: where it has the modules mapped, a default worker has them too.
  const bool system_has_modules = maps_vips_modules("self");
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const pipeline::Batch batch = pipeline::synthetic_dataset({.count = 4, .seed = 3, .size = std::pair{64, 48}});
  const pipeline::BatchResult expected = pipeline::SequentialExecutor().run(chain, batch);

  const bool modules = GENERATE(true, false);
  INFO("worker_vips_modules = " << modules);
  pipeline::ProcessPoolOptions options;
  options.worker_vips_modules = modules;
  pipeline::ProcessPoolExecutor pool(2, options);
  const pipeline::BatchResult result = pool.run(chain, batch);
  REQUIRE(result.failure_count() == 0);
  for (std::size_t i = 0; i < batch.size(); ++i) CHECK(result.tasks[i].output == expected.tasks[i].output);
  for (const pid_t pid : workers_of(result)) {
    INFO("worker " << pid);
    CHECK(maps_vips_modules(std::to_string(pid)) == (modules && system_has_modules));
  }
}

TEST_CASE("loader_is_vips_module says which inputs need the modules: a PDF does, a PNG or JPEG does not",
          "[process-pool][image-io]") {
  pipeline::test::TempFolder temp;
  const auto png = temp.path() / "image.png";
  const auto jpeg = temp.path() / "image.jpg";
  const auto pdf = temp.path() / "page.pdf";
  const auto text = temp.path() / "notes.txt";
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 1), png);
  pipeline::write_image_atomic(pipeline::test::noise_image(8, 8, 3, 1), jpeg, {pipeline::ImageFormat::jpeg});
  std::ofstream(pdf) << pipeline::test::one_page_pdf;
  std::ofstream(text) << "not an image";
  CHECK_FALSE(pipeline::loader_is_vips_module(png));
  CHECK_FALSE(pipeline::loader_is_vips_module(jpeg));
  CHECK_FALSE(pipeline::loader_is_vips_module(text));
  CHECK_FALSE(pipeline::loader_is_vips_module(temp.path() / "missing.png"));
  // Debian's libvips reads PDF through its poppler module; a build without modules (or without PDF) has no such
  // loader, and then nothing needs one.
  if (!maps_vips_modules("self") || !pipeline::is_loadable_image(pdf)) {
    WARN("not checked: libvips here has no PDF module");
    return;
  }
  CHECK(pipeline::loader_is_vips_module(pdf));
}

TEST_CASE("a folder's plan names each input's loader, and a PDF's is in a module", "[process-pool][folder-run]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  std::filesystem::create_directories(in);
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 1), in / "a.png");
  pipeline::write_image_atomic(pipeline::test::noise_image(8, 8, 3, 1), in / "b.jpg", {pipeline::ImageFormat::jpeg});
  std::ofstream(in / "c.png") << "a damaged PNG: only its extension says it is one";
  std::ofstream(in / "d.pdf") << pipeline::test::one_page_pdf;
  // A libvips that reads no PDF lists no d.pdf (.pdf is no image extension).
  const bool reads_pdf = pipeline::is_loadable_image(in / "d.pdf");
  const pipeline::FolderPlan plan = pipeline::plan_folder_run(in, temp.path() / "out");
  REQUIRE(plan.jobs.size() == (reads_pdf ? 4U : 3U));
  CHECK(plan.jobs[0].loader == "VipsForeignLoadPngFile");
  CHECK(plan.jobs[1].loader == "VipsForeignLoadJpegFile");
  CHECK(plan.jobs[2].loader.empty());
  for (int i = 0; i < 3; ++i) CHECK_FALSE(pipeline::vips_loader_is_module(plan.jobs[i].loader));
  CHECK_FALSE(pipeline::vips_loader_is_module("no such loader"));
  CHECK_FALSE(pipeline::vips_loader_is_module("VipsImage"));  // a type of libvips' that is no loader
  if (!reads_pdf || !maps_vips_modules("self")) {
    WARN("not checked: libvips here reads no PDF through a module");
    return;
  }
  CHECK(plan.jobs[3].loader == "VipsForeignLoadPdfFile");
  CHECK(pipeline::vips_loader_is_module(plan.jobs[3].loader));
}

TEST_CASE("a pool started without libvips' modules fails a file that needs one, by name, and writes the others",
          "[process-pool][folder-run]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  std::filesystem::create_directories(in);
  pipeline::write_png_atomic(pipeline::test::noise_image(16, 12, 3, 2), in / "photo.png");
  std::ofstream(in / "page.pdf") << pipeline::test::one_page_pdf;
  const pipeline::FolderPlan plan = pipeline::plan_folder_run(in, temp.path() / "out");
  if (plan.jobs.size() != 2 || !pipeline::vips_loader_is_module(plan.jobs[0].loader)) {
    WARN("not checked: libvips here reads no PDF through a module");
    return;
  }
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  pipeline::ProcessPoolOptions options;
  options.worker_vips_modules = false;
  pipeline::ProcessPoolExecutor pool(1, options);
  const pipeline::BatchResult result = pool.run_files(chain, plan.jobs, {});
  REQUIRE(result.tasks.size() == 2);
  const pipeline::TaskRecord& pdf = result.tasks[0].record;  // "page.pdf" sorts first
  CHECK_FALSE(pdf.ok());
  CHECK_THAT(pdf.error, Catch::Contains("is not a known file format"));  // libvips: no PDF loader there
  CHECK_FALSE(std::filesystem::exists(plan.jobs[0].output));
  CHECK(result.tasks[1].record.ok());
  CHECK(std::filesystem::exists(plan.jobs[1].output));
}
