// Shared image memory (pipeline/shared_image_memory.hpp): images made in it go to worker processes in place.
#include <iostream>

#include <pipeline/pipeline.hpp>

int main(int argc, char** argv) {
  if (!pipeline::use_shared_image_memory())
    std::cerr << "no shared image memory: images go by copy\n";  // before making them
  const pipeline::Batch batch =
      argc > 1 ? pipeline::load_image_folder(argv[1]).images : pipeline::synthetic_dataset({});
  pipeline::ProcessPoolExecutor pool(2);  // image-pipeline-worker, found by itself
  const pipeline::BatchResult result = pool.run(pipeline::parse_filter_chain("grayscale,blur"), batch);
  std::cout << result.in_place_tasks << " of " << batch.size() << " images filtered in place\n";
}
