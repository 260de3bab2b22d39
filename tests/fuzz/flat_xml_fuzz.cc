// libFuzzer target: the phone's XML pages as the harness reads them (cfg.xml, status.xml: every
// child of the root element as name -> text), and the read-back check of submitted settings
// against what cfg.xml shows.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "harness/dut/web_form.h"

namespace dut = phonelab::dut;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto xml = dut::parseFlatXml(in, error);
  if (!xml) {
    if (error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  // Submitted values that are there, changed, masked and absent.
  std::map<std::string, std::string> submitted;
  size_t i = 0;
  for (const auto& [element, value] : *xml) {
    if (i++ % 2 == 0)
      submitted[element] = value;
    else
      submitted[element] = value + "x";
  }
  submitted["Not_In_The_Page_"] = "1";
  auto rb = dut::compareReadBack(submitted, *xml);
  if (rb.shown.size() != submitted.size()) __builtin_trap();
  return 0;
}
