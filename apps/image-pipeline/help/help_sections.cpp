#include "help/help_sections.hpp"

#include <fmt/format.h>

#include "pipeline/filter_registry.hpp"

namespace image_pipeline {

const std::vector<Example>& examples() {
  static const std::vector<Example> all{
      {"", "image-pipeline", "Compare the paradigms on the built-in synthetic dataset"},
      {"", "image-pipeline --input ~/photos --workers 1 2 4 --html report.html",
       "Compare them on a folder of images with 1, 2 and 4 workers, and write the report as a web page"},
      {"", "image-pipeline -i ~/photos -e sequential,threads --filters grayscale,blur,brightness=1.5 -o out",
       "Only sequential and threads, a chain of your own, and the results written as PNG into out/"},
      {"", "mpirun -n 3 image-pipeline --input ~/photos --executors sequential,mpi --workers 2",
       "The mpi executor: rank 0 runs the comparison, ranks 1 and 2 are its workers"},
      {"run", "image-pipeline run ~/photos ~/photos-out",
       "Stream every image of a folder through the default chain into another folder"},
      {"run", "image-pipeline run in out --executor processes --workers 8 --filters sobel --resume",
       "On 8 worker processes, edges only, skipping the images already done"},
      {"fetch", "image-pipeline fetch urls.txt ~/photos",
       "Download the images listed in urls.txt (one URL a line) into ~/photos, then compare on them"},
  };
  return all;
}

std::vector<FilterLine> filter_lines() {
  std::vector<FilterLine> lines;
  for (const pipeline::RegisteredFilter& filter : pipeline::registered_filter_docs()) {
    FilterLine line{filter.name, filter.doc.summary};
    if (const auto& parameter = filter.doc.parameter) {
      line.usage += fmt::format("[={}]", parameter->name);
      if (parameter->default_value.empty()) line.usage = fmt::format("{}={}", filter.name, parameter->name);
      line.description += fmt::format(
          " ({}: {}{})", parameter->name, parameter->range,
          parameter->default_value.empty() ? std::string(", required") : ", default " + parameter->default_value);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace image_pipeline
