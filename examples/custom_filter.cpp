// A filter of one's own (pipeline/filter.hpp), registered so chains can name it (pipeline/filter_registry.hpp).
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <pipeline/pipeline.hpp>

class Invert final : public pipeline::Filter {
 public:
  std::string name() const override { return "invert"; }
  pipeline::Image apply(const pipeline::Image& in) const override {
    pipeline::Image out = pipeline::to_gray8(in);  // any input -> 8-bit grey, as grayscale does
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(255 - v);
    return out;
  }
};

int main() {
  pipeline::register_filter("invert", [](const std::optional<std::string>& arg) -> pipeline::FilterPtr {
    if (arg) throw pipeline::FilterSpecError("invert takes no parameter");
    return std::make_shared<Invert>();
  });
  const auto chain = pipeline::parse_filter_chain("grayscale,invert");
  const pipeline::BatchResult result = pipeline::ThreadPoolExecutor(2).run(
      chain, pipeline::synthetic_dataset({.count = 4, .seed = 1, .size = std::pair{320, 240}}));
  std::cout << chain.spec() << ": " << result.failure_count() << " failed\n";
}
