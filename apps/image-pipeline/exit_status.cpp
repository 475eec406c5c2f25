#include "exit_status.hpp"

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "io/output_checks.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/filter_registry.hpp"

namespace image_pipeline {

int exit_status_of_current_exception(std::string_view help_hint) {
  try {
    throw;
  } catch (const pipeline::FilterSpecError& error) {
    std::cerr << "--filters: " << error.what() << '\n' << help_hint << '\n';
    return exit_usage;
  } catch (const CLI::ValidationError& error) {
    std::cerr << error.what() << '\n' << help_hint << '\n';
    return exit_usage;
  } catch (const OutputPathError& error) {
    spdlog::error("{}", error.what());
    return exit_usage;
  } catch (const pipeline::DatasetError& error) {
    spdlog::error("{}", error.what());
    return exit_usage;
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    return exit_failures;
  }
}

}  // namespace image_pipeline
