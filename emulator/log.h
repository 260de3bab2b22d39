#pragma once
/// One line per notable action on stderr, with a UTC timestamp: the harness keeps it as evidence.

#include <string>

namespace phonelab::emulator {

/// "2026-11-26T15:03:15.123Z phone-emulator: <message>"
void logLine(const std::string& message);

}  // namespace phonelab::emulator
