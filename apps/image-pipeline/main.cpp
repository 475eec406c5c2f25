// image-pipeline: runs a batch of images through a filter chain with each parallel paradigm and compares them
// (compare_command.hpp); `image-pipeline run IN_DIR OUT_DIR` streams a folder through the chain instead
// (run_command.hpp), and `image-pipeline fetch URLS_FILE DIR` downloads a dataset (fetch_command.hpp). This file only
// parses the command line, sets up logging and dispatches.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands/compare_command.hpp"
#include "commands/fetch_command.hpp"
#include "commands/help_commands.hpp"
#include "exit_status.hpp"
#include "help/help_formatter.hpp"
#include "pipeline/memory.hpp"
#if PIPELINE_WITH_MPI
#include "pipeline/mpi/ranks.hpp"
#endif
#include "commands/run_command.hpp"
#include "help/unknown_argument.hpp"
#include "pipeline/version.hpp"
#include "terminal/stop_on_signal.hpp"

namespace {

void set_up_logging(bool verbose, bool quiet) {
  auto logger = spdlog::stderr_color_mt("image-pipeline");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%l] %v");
  spdlog::set_level(quiet ? spdlog::level::err : verbose ? spdlog::level::debug : spdlog::level::info);
}

// The comparison's options mean nothing to `run` or `fetch`, which have their own after their word: refuse them rather
// than ignore them. -v and -q mean the same to both, so they may come before `run` too.
void refuse_comparison_options_with(const CLI::App& app, std::string_view command) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->count() > 0 && option->get_name() != "--verbose" && option->get_name() != "--quiet") {
      throw CLI::ValidationError(option->get_name(),
                                 fmt::format("belongs to the comparison, not to '{0}'; {0}'s own options go "
                                             "after '{0}' (see 'image-pipeline {0} --help')",
                                             command));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
#if PIPELINE_WITH_MPI
  // Under mpirun every rank but 0 serves the mpi executor here, and never parses the command line.
  if (const auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;
#else
  // Every rank would run the whole program on its own: refuse instead (Open MPI's mpirun sets this).
  if (const char* size = std::getenv("OMPI_COMM_WORLD_SIZE"); size != nullptr && std::string(size) != "1") {
    std::fputs("image-pipeline: started by mpirun, but this build has no MPI support (PIPELINE_WITH_MPI=OFF)\n",
               stderr);
    return image_pipeline::exit_usage;
  }
#endif
  pipeline::tune_allocator_for_images();
  CLI::App app{
      "Runs a batch of images through a filter chain sequentially, with threads and with processes, "
      "and compares the paradigms. 'image-pipeline run IN_DIR OUT_DIR' streams a folder instead; "
      "'image-pipeline fetch URLS_FILE DIR' downloads a dataset."};
  image_pipeline::set_up_help(app);  // first: the subcommands inherit the help flags and formatter
  image_pipeline::CompareOptions compare_options;
  image_pipeline::add_compare_options(app, compare_options);
  app.set_version_flag("--version", std::string("image-pipeline ") + pipeline::version_string);
  image_pipeline::RunCommandOptions run_options;
  CLI::App* run_command = image_pipeline::add_run_command(app, run_options);
  image_pipeline::FetchCommandOptions fetch_options;
  CLI::App* fetch_command = image_pipeline::add_fetch_command(app, fetch_options);
  image_pipeline::HelpCommands help_commands;
  image_pipeline::add_help_commands(app, help_commands);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
    if (run_command->parsed()) refuse_comparison_options_with(app, "run");
    if (fetch_command->parsed()) refuse_comparison_options_with(app, "fetch");
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() != 0) {
      if (const auto message =
              image_pipeline::unknown_argument_message(app, std::vector<std::string>(argv + 1, argv + argc))) {
        std::cerr << *message << '\n';
        return image_pipeline::exit_usage;
      }
    }
    // CLI11 prints the message (or the help / version); its own error codes are folded into the usual 2.
    return app.exit(error) == 0 ? EXIT_SUCCESS : image_pipeline::exit_usage;
  }
  if (const auto status = image_pipeline::run_help_commands(app, help_commands)) return *status;

  if (run_command->parsed()) {
    image_pipeline::CommonOptions& run_common = run_options.common;
    run_common.verbose = run_common.verbose || compare_options.common.verbose;
    run_common.quiet = run_common.quiet || compare_options.common.quiet;
    set_up_logging(run_common.verbose, run_common.quiet);
    const image_pipeline::StopOnSignal stop;
    return image_pipeline::run_folder_command(run_options, stop);
  }
  if (fetch_command->parsed()) {
    set_up_logging(fetch_options.verbose || compare_options.common.verbose,
                   fetch_options.quiet || compare_options.common.quiet);
    fetch_options.quiet = fetch_options.quiet || compare_options.common.quiet;
    const image_pipeline::StopOnSignal stop(
        "abandoning the downloads in progress (nothing partial is kept), starting no more");
    return image_pipeline::run_fetch_command(fetch_options, stop);
  }
  set_up_logging(compare_options.common.verbose, compare_options.common.quiet);
  return image_pipeline::run_comparison_command(compare_options);
}
