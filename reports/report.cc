#include "reports/report.h"

#include "base/core/error.h"
#include "base/core/safe_fs.h"

namespace phonelab::reports {

void writeAll(const RunResults& r, const std::string& dir) {
  prepareReportFolder(dir);
  writeJson(r, dir + "/results.json");
  writeJUnit(r, dir + "/junit.xml");
  writeHtml(r, dir + "/index.html");
}

}  // namespace phonelab::reports
