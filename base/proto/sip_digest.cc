// SIP digest authentication (RFC 2617, RFC 7616, RFC 8760): challenges, credentials, the
// response digest and its checks.

#include <openssl/evp.h>

#include <cstdio>

#include "base/proto/sip.h"
#include "base/proto/sip_text.h"

namespace phonelab::proto::sip {

using namespace detail;

namespace {

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

/// The hash of a digest algorithm name (RFC 7616 / RFC 8760: MD5, SHA-256 and their -sess
/// variants); nullptr for one we do not implement.
const EVP_MD* digestHash(std::string_view algorithm) {
  if (algorithm.empty() || iequals(algorithm, "MD5") || iequals(algorithm, "MD5-sess"))
    return EVP_md5();
  if (iequals(algorithm, "SHA-256") || iequals(algorithm, "SHA-256-sess")) return EVP_sha256();
  return nullptr;
}

bool isSess(std::string_view algorithm) {
  return algorithm.size() > 5 && iequals(algorithm.substr(algorithm.size() - 5), "-sess");
}

std::string hashHex(const EVP_MD* md_type, const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, md_type, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, s.data(), s.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? hex(md, len) : std::string();
}

/// Parses `Scheme name=value, name="quoted", ...`. Returns false if the scheme is not Digest.
bool parseAuthParams(std::string_view value,
                     std::vector<std::pair<std::string, std::string>>& out) {
  value = trim(value);
  size_t sp = 0;
  while (sp < value.size() && !isWs(value[sp])) ++sp;
  if (!iequals(value.substr(0, sp), "Digest")) return false;
  std::string_view rest = value.substr(sp);
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() &&
           (isWs(rest[i]) || rest[i] == ',' || rest[i] == '\r' || rest[i] == '\n'))
      ++i;
    if (i >= rest.size()) break;
    size_t ns = i;
    while (i < rest.size() && rest[i] != '=' && rest[i] != ',' && !isWs(rest[i])) ++i;
    std::string name(rest.substr(ns, i - ns));
    while (i < rest.size() && isWs(rest[i])) ++i;
    std::string val;
    if (i < rest.size() && rest[i] == '=') {
      ++i;
      while (i < rest.size() && isWs(rest[i])) ++i;
      if (i < rest.size() && rest[i] == '"') {
        ++i;
        while (i < rest.size() && rest[i] != '"') {
          if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
          val += rest[i++];
        }
        if (i < rest.size()) ++i;  // closing quote
      } else {
        size_t vs = i;
        while (i < rest.size() && rest[i] != ',') ++i;
        val = std::string(trim(rest.substr(vs, i - vs)));
      }
    }
    if (!name.empty()) out.emplace_back(std::move(name), std::move(val));
  }
  return true;
}

std::string quoteString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool qopHasAuth(std::string_view qop) {
  for (auto part : splitOutside(qop, ',')) {
    if (iequals(trim(part), "auth")) return true;
  }
  return false;
}

}  // namespace

// ---- Digest ----

std::optional<DigestChallenge> parseChallenge(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!parseAuthParams(value, params)) return std::nullopt;
  DigestChallenge c;
  bool have_nonce = false;
  for (auto& [n, v] : params) {
    if (iequals(n, "realm")) {
      c.realm = v;
    } else if (iequals(n, "nonce")) {
      c.nonce = v;
      have_nonce = true;
    } else if (iequals(n, "opaque")) {
      c.opaque = v;
    } else if (iequals(n, "algorithm")) {
      c.algorithm = v;
    } else if (iequals(n, "qop")) {
      c.qop = v;
    } else if (iequals(n, "stale")) {
      c.stale = iequals(v, "true");
    }
  }
  if (!have_nonce) return std::nullopt;
  return c;
}

std::string formatChallenge(const DigestChallenge& c) {
  std::string out = "Digest realm=" + quoteString(c.realm) + ", nonce=" + quoteString(c.nonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoteString(c.opaque);
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.qop.empty()) out += ", qop=" + quoteString(c.qop);
  if (c.stale) out += ", stale=true";
  return out;
}

std::optional<DigestCredentials> parseCredentials(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!parseAuthParams(value, params)) return std::nullopt;
  DigestCredentials c;
  c.algorithm.clear();
  bool have_user = false;
  for (auto& [n, v] : params) {
    if (iequals(n, "username")) {
      c.username = v;
      have_user = true;
    } else if (iequals(n, "realm")) {
      c.realm = v;
    } else if (iequals(n, "nonce")) {
      c.nonce = v;
    } else if (iequals(n, "uri")) {
      c.uri = v;
    } else if (iequals(n, "response")) {
      c.response = v;
    } else if (iequals(n, "algorithm")) {
      c.algorithm = v;
    } else if (iequals(n, "cnonce")) {
      c.cnonce = v;
    } else if (iequals(n, "nc")) {
      c.nc = v;
    } else if (iequals(n, "qop")) {
      c.qop = v;
    } else if (iequals(n, "opaque")) {
      c.opaque = v;
    }
  }
  if (!have_user) return std::nullopt;
  if (c.algorithm.empty()) c.algorithm = "MD5";
  return c;
}

std::string formatCredentials(const DigestCredentials& c) {
  std::string out = "Digest username=" + quoteString(c.username) +
                    ", realm=" + quoteString(c.realm) + ", nonce=" + quoteString(c.nonce) +
                    ", uri=" + quoteString(c.uri) + ", response=" + quoteString(c.response);
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.qop.empty())
    out += ", qop=" + c.qop + ", nc=" + c.nc + ", cnonce=" + quoteString(c.cnonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoteString(c.opaque);
  return out;
}

std::string digestResponse(const DigestCredentials& c, const std::string& password,
                           const std::string& method) {
  const EVP_MD* h = digestHash(c.algorithm);
  if (!h) return "";
  std::string ha1 = hashHex(h, c.username + ":" + c.realm + ":" + password);
  if (isSess(c.algorithm)) ha1 = hashHex(h, ha1 + ":" + c.nonce + ":" + c.cnonce);
  std::string ha2 = hashHex(h, method + ":" + c.uri);
  if (c.qop.empty()) return hashHex(h, ha1 + ":" + c.nonce + ":" + ha2);
  return hashHex(h, ha1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + ha2);
}

DigestCredentials answerChallenge(const DigestChallenge& challenge, const std::string& username,
                                  const std::string& password, const std::string& method,
                                  const std::string& uri) {
  DigestCredentials c;
  c.username = username;
  c.realm = challenge.realm;
  c.nonce = challenge.nonce;
  c.uri = uri;
  c.algorithm = challenge.algorithm.empty() ? "MD5" : challenge.algorithm;
  c.opaque = challenge.opaque;
  if (qopHasAuth(challenge.qop)) {
    c.qop = "auth";
    c.nc = "00000001";
    c.cnonce = randomToken(16);
  }
  c.response = digestResponse(c, password, method);
  return c;
}

std::optional<DigestChallenge> pickChallenge(const std::vector<std::string>& values,
                                             std::string_view algorithm) {
  for (const auto& v : values) {
    auto ch = parseChallenge(v);
    if (!ch) continue;
    const std::string a = ch->algorithm.empty() ? "MD5" : ch->algorithm;
    if (algorithm.empty() ? digestHash(a) != nullptr : iequals(a, algorithm)) return ch;
  }
  return std::nullopt;
}

bool digestAlgorithmSupported(std::string_view algorithm) {
  return digestHash(algorithm) != nullptr;
}

std::string digestMismatch(const DigestCredentials& c, const std::string& password,
                           const DigestExpected& want) {
  // What the answer binds, each compared with the server's own value, never with another part of
  // the client's answer (RFC 7616 3.4.6, RFC 3261 22.4).
  bool algorithm_ok = false;
  for (const auto& a : want.algorithms) algorithm_ok = algorithm_ok || iequals(a, c.algorithm);
  if (!algorithm_ok || !digestHash(c.algorithm)) return "algorithm " + c.algorithm + " not offered";
  if (c.realm != want.realm)
    return "realm \"" + c.realm + "\" is not ours (\"" + want.realm + "\")";
  if (c.uri != want.uri)
    return "uri \"" + c.uri + "\" does not match the Request-URI \"" + want.uri + "\"";
  if (!c.qop.empty()) {
    if (!iequals(c.qop, "auth")) return "qop " + c.qop + " not offered";
    if (c.cnonce.empty()) return "qop=auth without cnonce";
    if (c.nc.size() != 8 || c.nc.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return "nc \"" + c.nc + "\" is not 8 hex digits";
  } else if (want.qop_required) {
    return "no qop (the challenge asked for qop=auth)";
  }
  DigestCredentials bound = c;
  bound.realm = want.realm;
  bound.uri = want.uri;
  const std::string expected = digestResponse(bound, password, want.method);
  if (expected.empty() || expected.size() != c.response.size()) return "wrong digest response";
  unsigned diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned>(lower(expected[i]) ^ lower(c.response[i]));
  return diff == 0 ? "" : "wrong digest response";
}

bool verifyCredentials(const DigestCredentials& c, const std::string& password,
                       const DigestExpected& want) {
  return digestMismatch(c, password, want).empty();
}

}  // namespace phonelab::proto::sip
