// Streaming a folder into another (pipeline/folder_run.hpp): example_folder_run IN_DIR OUT_DIR
#include <iostream>

#include <pipeline/pipeline.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " IN_DIR OUT_DIR\n";
    return 2;
  }
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  const auto plan = pipeline::plan_folder_run(argv[1], argv[2]);  // lists the images, creates OUT_DIR
  pipeline::ThreadPoolExecutor threads(4);
  const pipeline::FolderRunSummary summary = pipeline::run_folder(chain, plan, threads);
  std::cout << pipeline::format_folder_summary(summary);
  for (const auto& failure : summary.failures) std::cerr << failure.file << ": " << failure.reason << '\n';
  return summary.failures.empty() ? 0 : 1;
}
