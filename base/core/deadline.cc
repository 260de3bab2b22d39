#include "base/core/deadline.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace phonelab {

std::string formatSeconds(double s) {
  char buf[64];
  if (std::fabs(s) < 1.0 && s != 0.0) {
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1000.0);
  } else if (std::fabs(s - std::round(s)) < 1e-9) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", s);
  }
  return buf;
}

bool parseDuration(const std::string& text, double& seconds) {
  if (text.empty()) return false;
  const char* begin = text.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(v) || v < 0) return false;
  std::string unit(end);
  if (unit.empty() || unit == "s") {
    seconds = v;
  } else if (unit == "ms") {
    seconds = v / 1000.0;
  } else if (unit == "m" || unit == "min") {
    seconds = v * 60.0;
  } else if (unit == "h") {
    seconds = v * 3600.0;
  } else {
    return false;
  }
  return true;
}

}  // namespace phonelab
