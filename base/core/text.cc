#include "base/core/text.h"

#include <algorithm>
#include <vector>

namespace phonelab {

bool appendMarkupEntity(std::string& out, char c, std::string_view apostrophe) {
  switch (c) {
    case '&':
      out += "&amp;";
      return true;
    case '<':
      out += "&lt;";
      return true;
    case '>':
      out += "&gt;";
      return true;
    case '"':
      out += "&quot;";
      return true;
    case '\'':
      out += apostrophe;
      return true;
    default:
      return false;
  }
}

std::string escapeMarkup(std::string_view s, std::string_view apostrophe) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!appendMarkupEntity(out, c, apostrophe)) out += c;
  }
  return out;
}

std::string shorten(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  // Back off to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  for (int i = 0; i < 3 && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80; ++i) {
    --cut;
  }
  return std::string(s.substr(0, cut)) + "...";
}

namespace {

/// Length of the valid UTF-8 sequence at s[i] and its code point; 0 if it is not valid.
size_t utf8Sequence(std::string_view s, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

bool unsafeCodePoint(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) ||      // C1 controls (CSI, OSC, ...)
         (cp >= 0x202a && cp <= 0x202e) ||  // bidirectional embeddings and overrides
         (cp >= 0x2066 && cp <= 0x2069);    // bidirectional isolates
}

void appendEscaped(std::string& out, unsigned char c) {
  static const char* hex = "0123456789abcdef";
  out += "\\x";
  out += hex[c >> 4];
  out += hex[c & 15];
}

bool isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (static_cast<unsigned char>(c) >= 0x80);
}

}  // namespace

std::string terminalSafe(std::string_view s, size_t quoted_max) {
  std::string out;
  out.reserve(s.size());
  // A quote opens at a "'" not preceded by a letter or digit ("phone's" is no quote) and closes
  // at the next "'" not followed by one; a newline ends it too.
  bool in_quote = false, cut = false;
  size_t quoted = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\n') {
      if (cut) out += "...";
      in_quote = cut = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '\'') {
      if (!in_quote && (i == 0 || !isWordChar(s[i - 1]))) {
        in_quote = true;
        cut = false;
        quoted = 0;
        out += c;
        ++i;
        continue;
      }
      if (in_quote && (i + 1 == s.size() || !isWordChar(s[i + 1]))) {
        if (cut) out += "...";
        in_quote = cut = false;
        out += c;
        ++i;
        continue;
      }
    }
    char32_t cp = 0;
    const auto u = static_cast<unsigned char>(c);
    size_t n = u < 0x80 ? 1 : utf8Sequence(s, i, cp);
    if (u < 0x80) cp = u;
    if (in_quote && ++quoted > quoted_max) cut = true;
    if (cut) {
      i += n == 0 ? 1 : n;
      continue;
    }
    if (n == 0) {
      appendEscaped(out, u);
      ++i;
    } else if ((cp < 0x20 && c != '\t') || cp == 0x7f || unsafeCodePoint(cp)) {
      for (size_t k = 0; k < n; ++k) appendEscaped(out, static_cast<unsigned char>(s[i + k]));
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  if (cut) out += "...";
  return out;
}

namespace {

/// The edit distance of a and b if it is at most k, else k + 1. Only the cells within k of the
/// diagonal are computed: linear in the lengths, where the full table was their product (a long
/// word against a profile's many names took minutes).
size_t boundedDistance(const std::string& a, const std::string& b, size_t k) {
  const size_t n = a.size(), m = b.size();
  if (n > m + k || m > n + k) return k + 1;
  const size_t far = k + 1;
  std::vector<size_t> prev(m + 1, far), cur(m + 1, far);
  for (size_t j = 0; j <= std::min(m, k); ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    const size_t lo = i > k ? i - k : 1, hi = std::min(m, i + k);
    cur[lo - 1] = lo == 1 ? std::min(i, far) : far;
    size_t best = cur[lo - 1];
    for (size_t j = lo; j <= hi; ++j) {
      cur[j] = std::min(
          {prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), far});
      best = std::min(best, cur[j]);
    }
    if (best > k) return far;
    std::swap(prev, cur);
  }
  return prev[m];
}

}  // namespace

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    size_t d = boundedDistance(word, c, best_d - 1);
    if (d < best_d) best_d = d, best = &c;
  }
  return best ? " (did you mean '" + *best + "'?)" : "";
}

}  // namespace phonelab
