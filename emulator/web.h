#pragma once
/// The phone's web server (HTTP/1.1, Boost.Beast): Info page, admin pages, direct action URLs.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "emulator/config.h"
#include "emulator/faults.h"
#include "emulator/pages.h"

namespace boost::asio {
class io_context;
}

namespace phonelab::emulator {

/// What the web server may see and do of the phone.
class PhoneControl {
 public:
  virtual ~PhoneControl() = default;
  virtual PhoneStatus status() const = 0;
  virtual ConfigStore& config() = 0;
  virtual const Faults& faults() const = 0;
  /// Writes the config store to config.xml (or, under config-lost-on-reboot, pretends to).
  virtual bool persist(std::string* error) = 0;
  /// Reboots soon (called after the response was sent).
  virtual void requestReboot(const std::string& why) = 0;
  /// A resync (or DHCP provisioning) finished: shown as Provisioning_Source/Last_Resync_Status.
  virtual void resyncDone(const std::string& source, const std::string& status) {
    (void)source;
    (void)status;
  }
};

class WebServer {
 public:
  WebServer(boost::asio::io_context& io, PhoneControl& phone, uint16_t port);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  /// Listens on 0.0.0.0:port. Throws phonelab::Error when it cannot.
  void start();
  /// Closes the listener and every connection; pending work is abandoned.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// An http:// URL split into parts.
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};
/// Parses "http://host[:port][/path]". Returns nullopt and sets `error` otherwise.
std::optional<HttpUrl> parseHttpUrl(const std::string& url, std::string* error);

}  // namespace phonelab::emulator
