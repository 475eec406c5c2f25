// A program that links the library and runs its own filter in a chain, on threads. Also the README's example.
#include <cstdint>
#include <cstdio>

#include <pipeline/pipeline.hpp>

class Invert final : public pipeline::Filter {
 public:
  std::string name() const override { return "invert"; }
  pipeline::Image apply(const pipeline::Image& input) const override {
    pipeline::Image out = pipeline::to_gray8(input);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(255 - v);
    return out;
  }
};

int main() {
  pipeline::initialize_vips();
  pipeline::register_filter("invert", [](const auto&) { return std::make_shared<Invert>(); });
  const auto chain = pipeline::parse_filter_chain("grayscale,invert,brightness=0.5");
  const auto batch = pipeline::synthetic_dataset({.count = 4, .seed = 7, .size = std::pair{64, 48}});

  pipeline::ThreadPoolExecutor threads(2);
  const pipeline::BatchResult result = threads.run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& in = batch[i].image;
    const auto& out = result.tasks[i].output;
    // RGB (10, 20, 30) -> Y = 18.15 -> 18; inverted 237; * 0.5 = 118.5 -> 119: check pixel (0, 0) the same way.
    const unsigned y = (299u * in.at(0, 0, 0) + 587u * in.at(0, 0, 1) + 114u * in.at(0, 0, 2) + 500u) / 1000u;
    const unsigned expected = (255u - y + 1u) / 2u;
    if (!result.tasks[i].record.ok() || out.at(0, 0) != expected) {
      std::fprintf(stderr, "%s: got %u, expected %u\n", batch[i].name.c_str(), out.at(0, 0), expected);
      return 1;
    }
  }
  std::printf("%zu images through '%s' on %d threads: ok\n", batch.size(), chain.spec().c_str(), threads.workers());
  return 0;
}
