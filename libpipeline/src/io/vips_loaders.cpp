#include "io/vips_loaders.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>

#include <vips/vips8>

#include "pipeline/vips.hpp"
#include "vips_messages.hpp"

namespace pipeline::detail {
namespace {

// The shared object holding `code`, "" if the dynamic linker cannot say.
std::string shared_object_of(const void* code) {
  Dl_info where{};
  if (code == nullptr || ::dladdr(code, &where) == 0 || where.dli_fname == nullptr) return {};
  return where.dli_fname;
}

// Where it cannot tell, it says "module": a worker started with modules it did not need costs about 25 ms, one
// started without a module it needs fails the file.
bool in_module_uncached(GType type) {
  // libvips cannot say where a class came from; the shared object holding its header function can. A module's
  // classes are registered when libvips loads it at vips_init, so the class and its functions exist here.
  auto* load_class = static_cast<VipsForeignLoadClass*>(g_type_class_ref(type));
  const std::string loader_object = shared_object_of(reinterpret_cast<const void*>(load_class->header));
  g_type_class_unref(load_class);
  // In a position-independent program (Debian's default) this is libvips.so itself; otherwise it may be the
  // program's own stub, and every loader then counts as a module: the safe side.
  static const std::string libvips_object = shared_object_of(reinterpret_cast<const void*>(&vips_init));
  return loader_object.empty() || libvips_object.empty() || loader_object != libvips_object;
}

}  // namespace

std::string find_vips_loader(const std::filesystem::path& path) {
  ensure_vips_initialized();
  const char* loader = nullptr;
  run_quietly([&] { loader = vips_foreign_find_load(path.c_str()); });
  return loader == nullptr ? std::string() : std::string(loader);
}

bool vips_loader_in_module(std::string_view loader) {
  if (loader.empty()) return false;
  ensure_vips_initialized();  // before it, no loader type is registered yet
  // A few loaders serve a whole folder: look each one up once.
  static std::mutex mutex;
  static std::map<std::string, bool, std::less<>> known;
  const std::lock_guard lock(mutex);
  if (const auto it = known.find(loader); it != known.end()) return it->second;
  const std::string name(loader);
  const GType type = g_type_from_name(name.c_str());
  if (type == 0 || !g_type_is_a(type, VIPS_TYPE_FOREIGN_LOAD)) return false;  // no loader of that name
  return known.emplace(name, in_module_uncached(type)).first->second;
}

}  // namespace pipeline::detail
