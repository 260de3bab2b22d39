#include "reports/report.h"

#include <filesystem>
#include <system_error>

#include "harness/core/error.h"

namespace phonelab::reports {

void writeAll(const RunResults& r, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create report folder " + dir + ": " + ec.message());
  writeJson(r, dir + "/results.json");
  writeJUnit(r, dir + "/junit.xml");
  writeHtml(r, dir + "/index.html");
}

}  // namespace phonelab::reports
