#pragma once
/// The operator's terminal: everything the CLI prints goes through a filter that makes phone
/// bytes harmless (terminalSafe in text.h: control characters and invalid UTF-8 as \xNN, long
/// quoted values cut). Only the harness's own cursor control bypasses it (terminalRaw).

#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace phonelab {

/// A streambuf that passes whole lines (or what a flush ends) through terminalSafe to `dest`.
class TerminalSafeBuf : public std::streambuf {
 public:
  explicit TerminalSafeBuf(std::streambuf* dest) : dest_(dest) {}
  TerminalSafeBuf(const TerminalSafeBuf&) = delete;
  TerminalSafeBuf& operator=(const TerminalSafeBuf&) = delete;
  ~TerminalSafeBuf() override;

  /// Writes `s` unfiltered (after what is pending): the harness's own "\r\033[K".
  void raw(std::string_view s);
  std::streambuf* dest() const { return dest_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void flushLocked();
  std::streambuf* dest_;
  std::mutex mu_;
  std::string pending_;
};

/// Puts a TerminalSafeBuf in front of std::cout and std::cerr for the life of the process.
void installTerminalFilter();

/// Writes harness cursor control to `os` unfiltered if it has a TerminalSafeBuf, else as is.
void terminalRaw(std::ostream& os, std::string_view s);

}  // namespace phonelab
