#pragma once
/// SIP messages (RFC 3261): parse leniently whatever a phone sends (compact header names, folded
/// lines, odd case, missing final CRLF over UDP), build exactly what a scenario asks, including
/// malformed messages (nothing is normalised on serialisation). Digest authentication (RFC 2617 /
/// RFC 7616, MD5). Shared by the emulator's UA, the test UA, the hostile servers and the checks.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::proto::sip {

struct Header {
  std::string name;   // as received or as to be sent
  std::string value;  // without leading/trailing whitespace, folded lines joined with one space
};

struct Message {
  bool request = true;
  std::string method;  // requests
  std::string uri;     // requests
  int status = 0;      // responses
  std::string reason;  // responses
  std::string version = "SIP/2.0";
  std::vector<Header> headers;  // in order
  std::string body;

  /// First header with this name: case-insensitive, compact forms equal to long ones
  /// (i Call-ID, f From, t To, v Via, m Contact, l Content-Length, c Content-Type, k Supported,
  /// s Subject, e Content-Encoding, o Event, u Allow-Events).
  const std::string* header(std::string_view name) const;
  /// Every value of this header, also comma-separated values of one line split (Via, Contact...).
  std::vector<std::string> headerValues(std::string_view name) const;
  /// Replaces the first header of this name (or appends).
  void set(std::string_view name, std::string value);
  void add(std::string_view name, std::string value);
  void remove(std::string_view name);

  std::string callId() const;
  /// CSeq number and method; 0/"" if absent or malformed.
  std::pair<unsigned long, std::string> cseq() const;
  /// ";tag=" parameter of From/To ("" if none).
  std::string fromTag() const;
  std::string toTag() const;
  /// branch parameter of the top Via.
  std::string topViaBranch() const;
  /// "INVITE sip:100@198.18.0.100" or "401 Unauthorized": for events and messages.
  std::string startLine() const;
  /// A one-line summary: "INVITE sip:100@198.18.0.100 (Call-ID abc, CSeq 1 INVITE)".
  std::string summary() const;
};

struct ParseResult {
  std::optional<Message> message;
  std::string error;    // why it was rejected: "line 3: header without a colon", ...
  size_t consumed = 0;  // bytes of the input used (stream transports)
};

/// Parses one message. Over streams (TCP/TLS) `stream` = true requires Content-Length and reports
/// `consumed`; over UDP the datagram is one message and a missing Content-Length means "to the
/// end".
ParseResult parse(std::string_view data, bool stream = false);

/// Serialises exactly: start line, headers in order, blank line, body. If `fix_length` and there
/// is no Content-Length header, one is appended.
std::string serialize(const Message& m, bool fix_length = true);

/// A response to a request: Via, From, To (with `to_tag` added if non-empty and To has none),
/// Call-ID and CSeq copied (RFC 3261 8.2.6.2).
Message makeResponse(const Message& request, int status, std::string reason,
                     const std::string& to_tag = "");

/// Random token for tags, branches (z9hG4bK + token), Call-IDs and nonces.
std::string randomToken(size_t length = 16);

/// A parameter of a header value (";tag=", ";branch=", ";expires="): the parameters after the
/// URI (the first ';' outside quotes and <>), name case-insensitive, whitespace around '='
/// ignored, quotes removed. nullopt when absent, "" for a parameter without a value.
std::optional<std::string> headerParam(std::string_view value, std::string_view name);
/// The URI of a name-addr or addr-spec ("\"A\" <sip:a@b;lr>;tag=1" -> "sip:a@b;lr").
std::string headerUri(std::string_view value);

/// What a UA checks of a message the parser accepted before acting on it (RFC 3261 8.1.3.3,
/// 8.2, 20): "" when usable, otherwise why not ("missing Call-ID", "CSeq method INVITE does not
/// match the request method OPTIONS", "unsupported version SIP/7.0", ...). Requests that fail
/// deserve a 400 (505 for the version); responses that fail are dropped.
std::string checkMessage(const Message& m);

// ---- Digest authentication ----

struct DigestChallenge {
  std::string realm, nonce, opaque, algorithm = "MD5",
                                    qop;  // qop as offered ("auth", "auth,auth-int")
  bool stale = false;
};
/// Parses a WWW-Authenticate / Proxy-Authenticate value ("Digest realm=..., nonce=...").
std::optional<DigestChallenge> parseChallenge(std::string_view value);
std::string formatChallenge(const DigestChallenge& c);

struct DigestCredentials {
  std::string username, realm, nonce, uri, response, algorithm = "MD5", cnonce, nc, qop, opaque;
};
/// Parses an Authorization / Proxy-Authorization value.
std::optional<DigestCredentials> parseCredentials(std::string_view value);
std::string formatCredentials(const DigestCredentials& c);

/// The response digest (RFC 7616 3.4.1): MD5 or SHA-256 (RFC 8760) and their -sess variants, qop
/// none or "auth", computed from the parts `c` carries. "" for an algorithm we do not implement.
std::string digestResponse(const DigestCredentials& c, const std::string& password,
                           const std::string& method);
/// Credentials answering `challenge` for method/uri (qop=auth with a fresh cnonce when offered).
DigestCredentials answerChallenge(const DigestChallenge& challenge, const std::string& username,
                                  const std::string& password, const std::string& method,
                                  const std::string& uri);
/// Of several WWW-Authenticate / Proxy-Authenticate values (RFC 8760 2.4: one per algorithm, the
/// preferred first), the first Digest challenge with `algorithm` ("" = the first whose algorithm
/// we implement).
std::optional<DigestChallenge> pickChallenge(const std::vector<std::string>& values,
                                             std::string_view algorithm = "");
bool digestAlgorithmSupported(std::string_view algorithm);

/// What the server that challenged expects an answer to bind: the request's method and
/// Request-URI, its own realm, the algorithms it offered, whether it asked for qop=auth. The nonce
/// and nonce count are the caller's business (which nonces it issued, when, the counts seen).
struct DigestExpected {
  std::string method, uri, realm;
  std::vector<std::string> algorithms = {"MD5"};
  bool qop_required = true;
};
/// "" when `c` answers for this password and everything `want` names; else why not ("realm
/// x is not ours", "uri ... does not match the Request-URI ...", "wrong digest response").
/// The response is recomputed with the server's realm, uri and method, never the client's.
std::string digestMismatch(const DigestCredentials& c, const std::string& password,
                           const DigestExpected& want);
bool verifyCredentials(const DigestCredentials& c, const std::string& password,
                       const DigestExpected& want);

}  // namespace phonelab::proto::sip
