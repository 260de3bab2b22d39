#include "base/core/secrets.h"

#include <cctype>

namespace phonelab {

namespace {

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

bool isSecretName(std::string_view name) {
  std::string n;
  n.reserve(name.size());
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view w : {"passw", "passphrase", "secret", "pwd", "psk", "credential",
                             "private_key", "privatekey", "shared_key", "auth_key"}) {
    if (n.find(w) != std::string::npos) return true;
  }
  return false;
}

bool isMaskedByPhone(std::string_view value) {
  return !value.empty() && value.find_first_not_of('*') == std::string_view::npos;
}

Event maskSecrets(const Event& e) {
  Event out = e;
  const std::string mask(kMaskedValue);
  for (auto& [k, v] : out.fields) {
    if (!isSecretName(k) || v.empty() || v == mask) continue;
    replaceAll(out.summary, k + "=" + v, k + "=" + mask);
    replaceAll(out.summary, "'" + v + "'", "'" + mask + "'");
    v = mask;
  }
  return out;
}

}  // namespace phonelab
