// A report of one's own runs (pipeline/report.hpp): BatchResults from any executors, compared against the
// sequential one and written as text and HTML, with the verdict first. run_comparison() (comparison.hpp) does the
// same with warm-ups and repeats, which give the verdict a spread.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <pipeline/pipeline.hpp>

int main() {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  const auto batch = pipeline::synthetic_dataset({.count = 8, .seed = 1, .size = std::pair{320, 240}});
  const auto comparison = pipeline::comparison_of(
      {pipeline::SequentialExecutor().run(chain, batch), pipeline::ThreadPoolExecutor(2).run(chain, batch)});
  const auto conditions = pipeline::run_conditions("synthetic, seed 1", batch, chain);
  std::cout << pipeline::format_comparison(comparison, conditions);
  const auto html = std::filesystem::temp_directory_path() / "report_own_runs.html";
  std::ofstream(html) << pipeline::comparison_html(comparison, conditions);
  std::cout << "HTML report: " << html.string() << '\n';
}
