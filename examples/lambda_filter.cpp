// A filter from a lambda (pipeline/filter_registry.hpp): no class, registered by name so that every executor,
// the process pool's workers included, can rebuild the chain. This program is its own worker.
#include <cstdint>
#include <iostream>

#include <pipeline/pipeline.hpp>

int main(int argc, char** argv) {
  pipeline::register_filter("invert", [](const pipeline::Image& in) {
    pipeline::Image out = pipeline::to_gray8(in);  // any input -> 8-bit grey, as grayscale does
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(255 - v);
    return out;
  });
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;  // a worker of the pool below

  const auto chain = pipeline::parse_filter_chain("blur,invert");
  const auto batch = pipeline::synthetic_dataset({.count = 4, .seed = 1, .size = std::pair{320, 240}});
  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);
  std::cout << chain.spec() << " on " << result.workers << " worker processes: " << result.failure_count()
            << " failed\n";
}
