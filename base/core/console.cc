#include "base/core/console.h"

#include <iostream>

#include "base/core/text.h"

namespace phonelab {
namespace {
// A line longer than this is passed on in pieces (a quote cut at a piece's end starts afresh).
constexpr size_t kMaxPending = size_t{64} * 1024;
}  // namespace

TerminalSafeBuf::~TerminalSafeBuf() {
  std::lock_guard<std::mutex> lock(mu_);
  flushLocked();
}

void TerminalSafeBuf::flushLocked() {
  if (pending_.empty()) return;
  const std::string safe = terminalSafe(pending_);
  pending_.clear();
  dest_->sputn(safe.data(), static_cast<std::streamsize>(safe.size()));
}

TerminalSafeBuf::int_type TerminalSafeBuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  const char ch = traits_type::to_char_type(c);
  xsputn(&ch, 1);
  return c;
}

std::streamsize TerminalSafeBuf::xsputn(const char* s, std::streamsize n) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::streamsize i = 0; i < n; ++i) {
    pending_ += s[i];
    if (s[i] == '\n' || pending_.size() >= kMaxPending) flushLocked();
  }
  return n;
}

int TerminalSafeBuf::sync() {
  std::lock_guard<std::mutex> lock(mu_);
  flushLocked();
  return dest_->pubsync();
}

void TerminalSafeBuf::raw(std::string_view s) {
  std::lock_guard<std::mutex> lock(mu_);
  flushLocked();
  dest_->sputn(s.data(), static_cast<std::streamsize>(s.size()));
}

void installTerminalFilter() {
  // Never destroyed: output may still be written while static objects are torn down.
  static auto* out = new TerminalSafeBuf(std::cout.rdbuf());
  static auto* err = new TerminalSafeBuf(std::cerr.rdbuf());
  std::cout.rdbuf(out);
  std::cerr.rdbuf(err);
  // Whole lines reach the filter (a quoted value is cut as a whole); it passes each line on at
  // its newline, so stderr still shows every line at once.
  std::cerr.unsetf(std::ios::unitbuf);
}

void terminalRaw(std::ostream& os, std::string_view s) {
  if (auto* buf = dynamic_cast<TerminalSafeBuf*>(os.rdbuf())) {
    buf->raw(s);
  } else {
    os << s;
  }
}

}  // namespace phonelab
