#pragma once
// What went wrong with one file of a folder: read, decoded or written. One type for loading a dataset, writing
// outputs and running a folder, so a program reports them all the same way.

#include <string>

namespace pipeline {

struct FileFailure {
  std::string file;    // the file's name inside its folder (for a folder run: the input's)
  std::string reason;  // this file's own (image_io.hpp), without its name
};

}  // namespace pipeline
