#include <stdexcept>
#include <string>

#include "pipeline/process_pool_options.hpp"

namespace pipeline {

std::string_view to_string(Transport transport) noexcept {
  switch (transport) {
    case Transport::pipe: return "pipe";
    case Transport::shared_memory: return "shm";
  }
  return "unknown";
}

Transport parse_transport(std::string_view name) {
  for (const Transport transport : {Transport::pipe, Transport::shared_memory}) {
    if (name == to_string(transport)) return transport;
  }
  throw std::invalid_argument("unknown transport '" + std::string(name) + "'; valid transports: pipe, shm");
}

}  // namespace pipeline
