// Building filters and chains from text: the default spec, parameters, errors, custom filters.
#include "pipeline/filter_registry.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/filter.hpp"
#include "pipeline/filters.hpp"
#include "reference_filters.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::FilterSpecError;
using pipeline::parse_filter_chain;

namespace {

const std::vector<std::string> builtin_names = {"blur", "brightness", "grayscale", "sharpen", "sobel"};

std::vector<std::string> names_of(const pipeline::FilterChain& chain) {
  std::vector<std::string> names;
  for (const auto& filter : chain.filters()) names.push_back(filter->name());
  return names;
}

// The message of the FilterSpecError that parse_filter_chain(spec) throws ("" and a failed check if none).
std::string spec_error(const std::string& spec) {
  try {
    (void)parse_filter_chain(spec);
  } catch (const FilterSpecError& error) {
    return error.what();
  } catch (const std::exception& error) {
    FAIL_CHECK("'" << spec << "' threw something other than FilterSpecError: " << error.what());
    return "";
  }
  FAIL_CHECK("'" << spec << "' was accepted");
  return "";
}

// Adds a constant; its spec carries the parameter, so spec() -> parse round-trips.
class Offset final : public pipeline::Filter {
 public:
  explicit Offset(int amount) : amount_(amount) {}
  [[nodiscard]] std::string name() const override { return "offset=" + std::to_string(amount_); }
  [[nodiscard]] pipeline::Image apply(const pipeline::Image& input) const override {
    pipeline::Image out = pipeline::to_gray8(input);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(std::min(255, v + amount_));
    return out;
  }

 private:
  int amount_;
};

}  // namespace

TEST_CASE("the built-in filters are registered, sorted", "[registry]") {
  const auto names = pipeline::registered_filters();
  for (const auto& name : builtin_names) CHECK(std::find(names.begin(), names.end(), name) != names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("the default spec parses to the five filters in order and back to itself", "[registry]") {
  const auto chain = parse_filter_chain(pipeline::default_filter_spec);
  REQUIRE(chain.filters().size() == 5);
  CHECK(names_of(chain) == std::vector<std::string>{"grayscale", "blur", "sobel", "sharpen", "brightness=1.2"});
  CHECK(dynamic_cast<const pipeline::GrayscaleFilter*>(chain.filters()[0].get()) != nullptr);
  CHECK(dynamic_cast<const pipeline::BlurFilter*>(chain.filters()[1].get()) != nullptr);
  CHECK(dynamic_cast<const pipeline::SobelFilter*>(chain.filters()[2].get()) != nullptr);
  CHECK(dynamic_cast<const pipeline::SharpenFilter*>(chain.filters()[3].get()) != nullptr);
  const auto* brightness = dynamic_cast<const pipeline::BrightnessFilter*>(chain.filters()[4].get());
  REQUIRE(brightness != nullptr);
  CHECK(brightness->factor() == 1.2);
  CHECK(chain.spec() == pipeline::default_filter_spec);
}

TEST_CASE("a parsed chain computes what its filters compute", "[registry]") {
  const pipeline::Image input = pipeline::test::noise_image(9, 6, 3, 5);
  CHECK(parse_filter_chain("grayscale,sobel,brightness=0.5").apply(input) ==
        pipeline::test::reference::chain("grayscale,sobel,brightness=0.5", input));
  CHECK(parse_filter_chain("sharpen").apply(input) == pipeline::test::reference::sharpen(input));
}

TEST_CASE("spaces around items and around '=' are ignored", "[registry]") {
  const auto chain = parse_filter_chain("  grayscale , blur,sobel ,\tsharpen,  brightness = 1.5 ");
  CHECK(names_of(chain) == std::vector<std::string>{"grayscale", "blur", "sobel", "sharpen", "brightness=1.5"});
  CHECK(chain.spec() == "grayscale,blur,sobel,sharpen,brightness=1.5");
}

TEST_CASE("brightness without a factor is the default 1.2", "[registry]") {
  const auto filter = pipeline::make_filter("brightness");
  const auto* brightness = dynamic_cast<const pipeline::BrightnessFilter*>(filter.get());
  REQUIRE(brightness != nullptr);
  CHECK(brightness->factor() == 1.2);
}

TEST_CASE("brightness factors round-trip through spec() and parse_filter_chain", "[registry]") {
  for (const double factor : {1.5, 0.0, 1.2, 0.1, 2.0, 0.30000000000000004, 1e-7, 123.456}) {
    const pipeline::FilterChain chain({std::make_shared<pipeline::BrightnessFilter>(factor)});
    const std::string spec = chain.spec();
    INFO("factor " << factor << " -> '" << spec << "'");
    CHECK(spec.rfind("brightness=", 0) == 0);
    const auto parsed = parse_filter_chain(spec);
    REQUIRE(parsed.filters().size() == 1);
    const auto* brightness = dynamic_cast<const pipeline::BrightnessFilter*>(parsed.filters()[0].get());
    REQUIRE(brightness != nullptr);
    CHECK(brightness->factor() == factor);  // bit-exact: the worker processes rebuild chains from spec()
    CHECK(parsed.spec() == spec);
  }
  const auto chain = parse_filter_chain("grayscale,brightness=1.5");
  CHECK(chain.spec() == "grayscale,brightness=1.5");
  CHECK(parse_filter_chain(chain.spec()).spec() == chain.spec());
}

TEST_CASE("an unknown filter name is a FilterSpecError listing the valid names", "[registry]") {
  for (const std::string spec : {"grayscale,emboss", "Blur", "emboss=2", "gray scale"}) {
    INFO(spec);
    const std::string message = spec_error(spec);
    for (const auto& name : builtin_names) CHECK_THAT(message, Contains(name));
  }
  CHECK_THAT(spec_error("grayscale,emboss"), Contains("emboss"));
  // FilterSpecError is an invalid_argument, so generic callers can catch it as such.
  CHECK_THROWS_AS(parse_filter_chain("emboss"), std::invalid_argument);
  CHECK_THROWS_AS(pipeline::make_filter("emboss"), FilterSpecError);
}

TEST_CASE("an unknown filter name near a registered one suggests it", "[registry]") {
  CHECK_THAT(spec_error("grayscale,blurr"), Contains("unknown filter 'blurr'; did you mean 'blur'?"));
  CHECK_THAT(spec_error("greyscale"), Contains("did you mean 'grayscale'?"));
  CHECK_THAT(spec_error("emboss"), !Contains("did you mean"));
}

TEST_CASE("every built-in filter has a doc, and brightness its parameter with range and default", "[registry]") {
  const auto docs = pipeline::registered_filter_docs();
  REQUIRE(docs.size() >= builtin_names.size());
  for (const auto& filter : docs) {
    INFO(filter.name);
    if (std::find(builtin_names.begin(), builtin_names.end(), filter.name) == builtin_names.end()) continue;
    CHECK_FALSE(filter.doc.summary.empty());
    CHECK(filter.doc.parameter.has_value() == (filter.name == "brightness"));
  }
  const auto brightness = std::find_if(docs.begin(), docs.end(), [](const auto& f) { return f.name == "brightness"; });
  REQUIRE(brightness != docs.end());
  CHECK(brightness->doc.parameter->name == "FACTOR");
  CHECK(brightness->doc.parameter->range == "a number >= 0");
  CHECK(brightness->doc.parameter->default_value == "1.2");
}

TEST_CASE("a filter registered with a doc lists it, one from a function its summary", "[registry]") {
  pipeline::register_filter(
      "documented", [](const std::optional<std::string>&) -> pipeline::FilterPtr { return nullptr; },
      pipeline::FilterDoc{"Does nothing", pipeline::FilterParameterDoc{"N", "1 to 9", ""}});
  pipeline::register_filter(
      "from-function", [](const pipeline::Image& in) { return in; }, "Copies");
  const auto docs = pipeline::registered_filter_docs();
  const auto find = [&docs](const std::string& name) {
    return *std::find_if(docs.begin(), docs.end(), [&name](const auto& f) { return f.name == name; });
  };
  CHECK(find("documented").doc.summary == "Does nothing");
  CHECK(find("documented").doc.parameter->range == "1 to 9");
  CHECK(find("from-function").doc.summary == "Copies");
  CHECK_FALSE(find("from-function").doc.parameter.has_value());
}

TEST_CASE("a bad parameter is a FilterSpecError", "[registry]") {
  for (const std::string spec :
       {"brightness=abc", "brightness=-1", "brightness=nan", "brightness=inf", "brightness=", "brightness=1.5x",
        "brightness=1e999", "blur=3", "grayscale=1", "sobel=", "sharpen=x", "brightness=1=2"}) {
    INFO(spec);
    const std::string message = spec_error(spec);
    CHECK_FALSE(message.empty());
  }
  CHECK_THAT(spec_error("brightness=abc"), Contains("abc"));
  CHECK_THAT(spec_error("blur=3"), Contains("blur"));
}

TEST_CASE("an empty spec or an empty item is a FilterSpecError", "[registry]") {
  for (const std::string spec : {"", "   ", "grayscale,", ",blur", "grayscale,,blur", "grayscale, ,blur", ","}) {
    INFO("'" << spec << "'");
    CHECK_FALSE(spec_error(spec).empty());
  }
  CHECK_THROWS_AS(pipeline::make_filter(""), FilterSpecError);
}

TEST_CASE("a registered custom filter can be used in a chain", "[registry]") {
  pipeline::register_filter("invert", [](const std::optional<std::string>& parameter) -> pipeline::FilterPtr {
    if (parameter) throw FilterSpecError("invert takes no parameter");
    return std::make_shared<pipeline::test::InvertFilter>();
  });
  const auto names = pipeline::registered_filters();
  CHECK(std::find(names.begin(), names.end(), "invert") != names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));

  const auto chain = parse_filter_chain("grayscale,invert,brightness=0.5");
  CHECK(chain.spec() == "grayscale,invert,brightness=0.5");
  // 1x3 grey [0, 100, 255] -> inverted [255, 155, 0] -> * 0.5 = [127.5, 77.5, 0] -> [128, 78, 0]
  const pipeline::Image input = pipeline::test::gray_image(3, 1, [](int x, int) {
    return x == 0 ? 0 : x == 1 ? 100 : 255;
  });
  const pipeline::Image out = chain.apply(input);
  CHECK(std::vector<int>(out.bytes().begin(), out.bytes().end()) == std::vector<int>{128, 78, 0});
  CHECK_THROWS_AS(parse_filter_chain("invert=1"), FilterSpecError);

  // Unknown-name errors now list the custom filter too.
  CHECK_THAT(spec_error("emboss"), Contains("invert"));
}

TEST_CASE("a custom filter's parameter reaches its factory, and re-registering replaces it", "[registry]") {
  std::atomic<int> calls{0};
  pipeline::register_filter("offset", [&calls](const std::optional<std::string>& parameter) -> pipeline::FilterPtr {
    ++calls;
    if (!parameter) return std::make_shared<Offset>(1);
    try {
      return std::make_shared<Offset>(std::stoi(*parameter));
    } catch (const std::exception&) {
      throw FilterSpecError("offset needs an integer");
    }
  });
  const auto chain = parse_filter_chain("offset = 7");
  CHECK(calls == 1);
  CHECK(chain.spec() == "offset=7");
  CHECK(parse_filter_chain(chain.spec()).spec() == "offset=7");
  CHECK(chain.apply(pipeline::test::gray_image(1, 1, [](int, int) { return 10; })).at(0, 0) == 17);
  CHECK_THROWS_AS(parse_filter_chain("offset=x"), FilterSpecError);

  pipeline::register_filter(
      "offset", [](const std::optional<std::string>&) -> pipeline::FilterPtr { return std::make_shared<Offset>(100); });
  CHECK(parse_filter_chain("offset=7").spec() == "offset=100");
}

TEST_CASE("register_filter rejects bad names and empty factories", "[registry]") {
  const pipeline::FilterFactory factory = [](const std::optional<std::string>&) -> pipeline::FilterPtr {
    return std::make_shared<pipeline::test::InvertFilter>();
  };
  for (const std::string name : {"", "Invert", "in vert", "a,b", "a=b"}) {
    INFO("'" << name << "'");
    CHECK_THROWS_AS(pipeline::register_filter(name, factory), std::invalid_argument);
  }
  CHECK_THROWS_AS(pipeline::register_filter("ok-name_2", pipeline::FilterFactory{}), std::invalid_argument);
  CHECK_NOTHROW(pipeline::register_filter("ok-name_2", factory));
}

TEST_CASE("a factory that returns no filter is a FilterSpecError, not a null in the chain", "[registry]") {
  pipeline::register_filter("nothing",
                            [](const std::optional<std::string>&) -> pipeline::FilterPtr { return nullptr; });
  CHECK_THROWS_AS(parse_filter_chain("grayscale,nothing"), FilterSpecError);
}

TEST_CASE("a filter from a lambda runs in a chain, named by its spec", "[registry][lambda]") {
  const auto negate = [](const pipeline::Image& in) {
    pipeline::Image out = pipeline::to_gray8(in);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(255 - v);
    return out;
  };
  const pipeline::Image input = pipeline::test::noise_image(17, 9, 3, 5);
  const pipeline::Image grey = pipeline::to_gray8(input);

  const pipeline::FilterPtr made = pipeline::make_filter("negate-made", negate);
  CHECK(made->name() == "negate-made");
  const pipeline::Image once = made->apply(input);
  REQUIRE(once.size_bytes() == grey.size_bytes());
  for (std::size_t i = 0; i < grey.size_bytes(); ++i) REQUIRE(once.bytes()[i] == 255 - grey.bytes()[i]);

  pipeline::register_filter("negate", negate);
  const auto chain = parse_filter_chain("grayscale, negate");
  CHECK(chain.spec() == "grayscale,negate");
  CHECK(chain.apply(input) == once);
  CHECK_THROWS_WITH(parse_filter_chain("negate=2"), Contains("filter 'negate' takes no parameter"));
}

TEST_CASE("a lambda filter needs a valid name and a function", "[registry][lambda]") {
  CHECK_THROWS_AS(pipeline::make_filter("Bad Name", [](const pipeline::Image& in) { return in; }),
                  std::invalid_argument);
  CHECK_THROWS_AS(pipeline::register_filter("empty", pipeline::FilterFunction{}), std::invalid_argument);
}
