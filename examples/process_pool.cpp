// Worker processes (pipeline/process_pool_executor.hpp), this program being its own worker (pipeline/worker.hpp),
// so that its own filter runs in them too.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <pipeline/pipeline.hpp>

class Dim final : public pipeline::Filter {
 public:
  std::string name() const override { return "dim"; }
  pipeline::Image apply(const pipeline::Image& in) const override {
    pipeline::Image out = pipeline::to_gray8(in);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(v / 2);
    return out;
  }
};

int main(int argc, char** argv) {
  pipeline::register_filter(
      "dim", [](const std::optional<std::string>&) -> pipeline::FilterPtr { return std::make_shared<Dim>(); });
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;  // after registering, before anything else

  const pipeline::Batch batch = pipeline::synthetic_dataset({.count = 8, .seed = 1, .size = std::pair{320, 240}});
  pipeline::ProcessPoolExecutor processes(2, pipeline::ProcessPoolOptions::self_worker());
  processes.start();  // optional: pay the workers' start-up now
  const pipeline::BatchResult first = processes.run(pipeline::parse_filter_chain("grayscale,dim"), batch);
  const pipeline::BatchResult again = processes.run(pipeline::parse_filter_chain("blur"), batch);  // same workers
  std::cout << first.failure_count() + again.failure_count() << " failed\n";
  return 0;
}
