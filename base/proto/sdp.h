#pragma once
/// SDP (RFC 4566, offer/answer RFC 3264) as our calls use it: one reader and one writer, shared by
/// the test UA, the hostile servers, the audio call and the emulator.
///
/// The reader takes whatever the other side sends (a phone, or a hostile peer): lines end in LF
/// or CRLF, unknown lines are skipped, and nothing it returns is a guess. A field that is not
/// what the grammar allows is left out (a port that is not 1-65535 reads as 0, a format that is
/// not a payload type 0-127 is not in `payloads`), never read as a number it does not spell.
/// Only IPv4 connection addresses (c=IN IP4) are read; the TTL or count after a '/' is dropped,
/// and an address with a space, tab or CR in it is no address.
///
/// The writer writes exactly what it is given, in the order RFC 4566 5 asks for: v= o= s= c= t=,
/// then per stream m= c= a=rtpmap (each followed by its a=fmtp) a=ptime a=<direction> a=crypto.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::proto::sdp {

/// a=sendrecv / sendonly / recvonly / inactive (RFC 4566 6; RFC 3264 5.1).
enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };
const char* directionName(Direction d);

/// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
struct Rtpmap {
  int payload_type = 0;
  std::string encoding;  // "PCMU", "telephone-event"
  int clock_rate = 0;
  std::string channels;  // "" when absent
  bool operator==(const Rtpmap&) const = default;
};

/// a=crypto:<tag> <crypto-suite> <key-params> [<session-params>] (RFC 4568 9.1, SDES).
struct Crypto {
  int tag = 0;
  std::string suite;       // "AES_CM_128_HMAC_SHA1_80"
  std::string key_params;  // "inline:<key>" (and any further text of the line, verbatim)
  bool operator==(const Crypto&) const = default;
};

/// One m= section.
struct Media {
  std::string type = "audio";  // "audio", "video"; "" for an m= line without fields
  uint16_t port = 0;           // 0: the port field was not 1-65535 (or the stream is refused)
  std::string proto = "RTP/AVP";
  /// Every format of the m= line, verbatim, in order (an RTP stream's payload types).
  std::vector<std::string> formats;
  /// The formats that are RTP payload types (1 to 3 digits, 0-127), in order.
  std::vector<int> payloads;
  std::string address;  // the media-level c=IN IP4 address ("" when none)
  std::vector<Rtpmap> rtpmaps;
  std::vector<std::pair<int, std::string>> fmtps;  // a=fmtp:<payload type> <parameters>
  int ptime = 0;                                   // a=ptime (0 when absent)
  std::optional<Direction> direction;
  std::vector<Crypto> crypto;
};

/// A whole description.
struct Session {
  std::string origin_user = "-";       // o=<username> <sess-id> <sess-version> IN IP4 <address>
  std::string origin_id = "0";         // the session id, as written
  std::string origin_version = "0";    // the version, as written
  std::string origin_address;          // "" when the o= line is absent or not IN IP4
  std::string name = "-";              // s=
  std::string address;                 // the session-level c=IN IP4 address ("" when none)
  std::optional<Direction> direction;  // a session-level direction attribute
  std::vector<Media> media;
};

/// Reads a description. Never throws; a text with no SDP in it gives a Session without media.
Session parse(std::string_view text);

/// Writes a description (CRLF line ends). Fields are written as given: a caller that wants a
/// malformed description builds it by hand.
std::string build(const Session& s);

/// The rtpmap of a static payload type our calls use (RFC 3551 6: 0 PCMU/8000, 8 PCMA/8000);
/// nullopt for any other.
std::optional<Rtpmap> staticRtpmap(int payload_type);

/// An audio stream offering (or answering with) `payloads` on `port`: formats, payload types and,
/// in the same order, the rtpmaps of the static ones (staticRtpmap) and of `telephone_event`
/// (telephone-event/8000 with a=fmtp 0-15, the DTMF events of RFC 4733; -1: none); no other
/// attribute.
Media audio(uint16_t port, const std::vector<int>& payloads, int telephone_event = -1);

/// Where a stream's RTP goes: its media-level c= address, else the session's (RFC 4566 5.7).
std::string connectionAddress(const Session& s, const Media& m);

/// What a call needs of the first audio stream (the first m=audio section, whatever comes
/// before it).
struct AudioStream {
  std::string ip;          // connectionAddress()
  std::string session_ip;  // the session-level c= address ("" when none)
  uint16_t port = 0;
  std::string proto;          // "RTP/AVP", "RTP/SAVP"
  std::vector<int> payloads;  // in the m= line's order
};
/// nullopt without an m=audio section, with one whose port is not 1-65535, or without an IPv4
/// address for it.
std::optional<AudioStream> firstAudio(const Session& s);
std::optional<AudioStream> firstAudio(std::string_view text);

}  // namespace phonelab::proto::sdp
