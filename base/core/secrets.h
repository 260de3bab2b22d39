#pragma once
/// Which values are secrets, and masking them where the harness writes evidence (events.jsonl, the
/// shareable copy of a report).
///
/// The rule: a field or cfg.xml element is secret when its name, compared without case, contains
/// "passw" (Password, Passwd, passwort), "passphrase", "secret", "pwd", "psk", "credential",
/// "private_key"/"privatekey", "shared_key" or "auth_key". Its value is written as "(masked)".
/// The rule errs on masking too much: a masked value that was not a secret costs a look at the
/// phone, a leaked password costs the phone.

#include <map>
#include <string>
#include <string_view>

#include "base/core/event.h"

namespace phonelab {

/// What a secret value is written as.
inline constexpr std::string_view kMaskedValue = "(masked)";

/// The rule above.
bool isSecretName(std::string_view name);

/// A value a phone shows instead of a secret: non-empty and only '*' ("*****", "********").
bool isMaskedByPhone(std::string_view value);

/// The event with every secret field's value replaced by kMaskedValue, and the same values masked
/// where the summary quotes them ("Admin_Passwd=x", "'x'"). The event a scenario matches keeps the
/// values; this is what is written to a file.
Event maskSecrets(const Event& e);

}  // namespace phonelab
