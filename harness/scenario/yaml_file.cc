#include "harness/scenario/yaml_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <string_view>

#include "base/core/error.h"

namespace phonelab::scenario {
namespace {

const char* fileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string sizeText(size_t bytes) {
  if (bytes % (size_t{1024} * 1024) == 0)
    return std::to_string(bytes / (size_t{1024} * 1024)) + " MiB";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

/// Thrown by AnchorCheck at the first anchor or alias.
struct AnchorFound {
  YAML::Mark mark;
  bool alias;
};

/// Parser events only: refuses anchors (&a) and aliases (*a). An alias repeats a node without
/// repeating its text, so a small file can stand for a huge document ("billion laughs"); our
/// files never need one.
class AnchorCheck : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { check(m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { throw AnchorFound{m, true}; }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                const std::string&) override {
    check(m, a);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                       YAML::EmitterStyle::value) override {
    check(m, a);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                  YAML::EmitterStyle::value) override {
    check(m, a);
  }
  void OnMapEnd() override {}
  void OnAnchor(const YAML::Mark& m, const std::string&) override { throw AnchorFound{m, false}; }

 private:
  static void check(const YAML::Mark& m, YAML::anchor_t a) {
    if (a != YAML::NullAnchor) throw AnchorFound{m, false};
  }
};

Mark markOf(const std::string& path, const YAML::Mark& m) {
  // yaml-cpp marks are 0-based (-1 when unknown); ours are 1-based (0 when unknown).
  return Mark{path, m.line < 0 ? 0 : m.line + 1, m.column < 0 ? 0 : m.column + 1};
}

}  // namespace

bool readRegularFile(const std::string& path, size_t max_bytes, std::string& content,
                     std::string& error) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked before reading.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    error = "cannot read file: " + errnoText(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = std::string("cannot read file: ") + fileKind(st.st_mode) + ", not a regular file";
    ::close(fd);
    return false;
  }
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    error = "file of " + std::to_string(st.st_size) + " bytes: at most " + sizeText(max_bytes);
    ::close(fd);
    return false;
  }
  content.clear();
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot read file: " + errnoText(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > max_bytes) {  // it grew while being read
      error = "file larger than " + sizeText(max_bytes);
      ::close(fd);
      return false;
    }
  }
  ::close(fd);
  return true;
}

std::optional<std::vector<YAML::Node>> readYamlFile(const std::string& path,
                                                    std::vector<Diagnostic>& diags) {
  std::string content, error;
  if (!readRegularFile(path, kMaxYamlFileBytes, content, error)) {
    diags.push_back({Mark{path}, error});
    return std::nullopt;
  }
  std::vector<YAML::Node> docs;
  // Not YAML::LoadAll: yaml-cpp 0.7 (Debian 12) loops forever, allocating, on a document that
  // starts with a token no node can start with, e.g. ',' (jbeder/yaml-cpp#1040, fixed upstream by
  // #1319). Each document is loaded on its own instead: documents are split at the markers '---'
  // and '...' at column 0 (the YAML spec allows them nowhere else), padded with newlines so that
  // marks keep the file's line numbers. A document that loads as nothing although it has content
  // is that case, reported as a syntax error where its content starts.
  std::vector<std::pair<int, std::string>> parts = {{0, ""}};  // (first line, text)
  int lineno = 0;
  std::istringstream in(content);
  for (std::string line; std::getline(in, line); ++lineno) {
    auto marker = [&](const char* m) {
      return line.rfind(m, 0) == 0 &&
             (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
    };
    if (marker("---")) parts.push_back({lineno, ""});  // starts a document
    parts.back().second += line + "\n";
    if (marker("...")) parts.push_back({lineno + 1, ""});  // ends one
  }
  try {
    for (const auto& [first, text] : parts) {
      const std::string padded = std::string(static_cast<size_t>(first), '\n') + text;
      {
        std::istringstream events(padded);
        YAML::Parser parser(events);
        AnchorCheck check;
        parser.HandleNextDocument(check);
      }
      YAML::Node doc = YAML::Load(padded);
      if (doc.IsNull()) {
        std::istringstream lines(text);
        int n = first;
        for (std::string line; std::getline(lines, line); ++n) {
          size_t col = line.find_first_not_of(" \t\r");
          if (col == std::string::npos || line[col] == '#') continue;
          if (line.rfind("---", 0) == 0 || line.rfind("...", 0) == 0) {
            col = line.find_first_not_of(" \t\r", 3);
            if (col == std::string::npos || line[col] == '#') continue;
          }
          if (std::string_view(",]}").find(line[col]) == std::string_view::npos) break;  // `~`
          diags.push_back(
              {Mark{path, n + 1, static_cast<int>(col) + 1},
               "YAML syntax error: no YAML node can start with '" + line.substr(col, 1) + "'"});
          return std::nullopt;
        }
      }
      docs.push_back(doc);
    }
  } catch (const AnchorFound& a) {
    diags.push_back({markOf(path, a.mark),
                     a.alias ? "YAML alias: aliases (*name) are not allowed; write the value out"
                             : "YAML anchor: anchors (&name) and aliases are not allowed; write "
                               "the value out"});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diags.push_back({markOf(path, e.mark), "YAML syntax error: " + e.msg});
    return std::nullopt;
  }
  if (std::all_of(docs.begin(), docs.end(), [](const YAML::Node& d) { return d.IsNull(); })) {
    diags.push_back({Mark{path, 1, 1}, "empty file: nothing to load"});
    return std::nullopt;
  }
  return docs;
}

}  // namespace phonelab::scenario
