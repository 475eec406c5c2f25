// image-pipeline-worker: a worker process of the process pool. It speaks the wire protocol on stdin/stdout
// (pipeline/wire.hpp) and is started by ProcessPoolExecutor, not by hand.
#include "pipeline/worker.hpp"

int main(int argc, char** argv) { return pipeline::serve_worker(argc, argv); }
