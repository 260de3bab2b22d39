#pragma once
/// The HTTP provisioning server for the lab: serves profiles (flat-profile XML, firmware lists)
/// from memory, so a check can see which URLs the phone fetched, with which User-Agent.

#include <map>
#include <memory>
#include <string>

#include "base/core/event.h"

namespace phonelab::fakes {

struct HttpFile {
  std::string content;
  std::string content_type = "application/xml";
};

struct HttpOptions {
  std::string address;  // IPv4 to bind, e.g. the lane's services["http"]
  int port = 80;
  /// Path ("/p/0200c612000a.xml") -> file. A request matches on its path; its query string is
  /// ignored (and recorded in the event's target).
  std::map<std::string, HttpFile> files;
};

/// GET/HEAD of a listed path: 200 with the file; other paths: 404; other methods: 405.
/// A request that does not parse: 400. Reading each request has a 5 s deadline.
/// Events (source "http"):
///   fake.start / fake.stop  name address port
///   http.request    src_ip src_port method target host user_agent status bytes (body sent)
///   http.malformed  src_ip src_port reason
class HttpFake {
 public:
  /// Binds on the calling thread (its network namespace), serves on a thread of its own. Throws
  /// Error naming the address and the reason if it cannot listen. log must outlive the fake.
  HttpFake(const HttpOptions& o, EventLog& log);
  /// Closes the listener and every connection, joins the thread, emits fake.stop.
  ~HttpFake();
  HttpFake(const HttpFake&) = delete;
  HttpFake& operator=(const HttpFake&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
