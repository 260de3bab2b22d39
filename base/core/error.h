#pragma once
/// Errors of the harness itself: bad configuration (with file:line:col) and harness faults.
/// A phone that misbehaves is never an exception: that is an Event and a CheckResult.

#include <stdexcept>
#include <string>
#include <vector>

namespace phonelab {

/// A place in an input file. line and col are 1-based; 0 means unknown.
struct Mark {
  std::string file;
  int line = 0;
  int col = 0;
  /// "file:line:col", or as much of it as is known.
  std::string str() const;
};

/// One problem found in an input file.
struct Diagnostic {
  Mark where;
  std::string message;
  /// "file:line:col: message"
  std::string str() const;
};

/// A harness fault: something the harness could not do (spawn failed, ip(8) failed, ...).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input (scenario, lab file, device profile): one or more diagnostics. what() joins them.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  ConfigError(Mark where, std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// An errno value as text ("No such file or directory"), safe from any thread (strerror is not).
std::string errnoText(int err);
/// errno as text: "what: errnoText(err)".
std::string sysError(const std::string& what, int err);

}  // namespace phonelab
