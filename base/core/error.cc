#include "base/core/error.h"

#include <cstring>

namespace phonelab {
namespace {
std::string joinDiagnostics(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) {
    if (!out.empty()) out += '\n';
    out += d.str();
  }
  return out;
}
}  // namespace

std::string Mark::str() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (col > 0) out += ':' + std::to_string(col);
  }
  return out;
}

std::string Diagnostic::str() const {
  return where.str() + ": " + message;
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : Error(joinDiagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

ConfigError::ConfigError(Mark where, std::string message)
    : ConfigError(std::vector<Diagnostic>{Diagnostic{std::move(where), std::move(message)}}) {}

std::string errnoText(int err) {
  char buf[256];
  // GNU strerror_r: returns the text, in buf or a static string.
  return ::strerror_r(err, buf, sizeof buf);
}

std::string sysError(const std::string& what, int err) {
  return what + ": " + errnoText(err);
}

}  // namespace phonelab
