#include "fakes/acs/acs.h"

#include "fakes/acs/cwmp.h"
#include "fakes/http/http_server.h"

namespace phonelab::fakes {

struct AcsFake::Impl {
  EventLog* log = nullptr;
  std::string address;
  std::unique_ptr<HttpServer> server;
};

AcsFake::AcsFake(const AcsOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.log = &log;
  im.address = o.address;
  HttpServerOptions so;
  so.name = "acs";
  so.address = o.address;
  so.port = o.port;
  im.server = std::make_unique<HttpServer>(
      so, [&im](const HttpExchange& x) { return answerCwmp(x, *im.log); },
      [&im](const std::string& ip, int port, const std::string& reason) {
        emitCwmpMalformed(*im.log, ip, port, reason);
      });
  log.emit("acs", "fake.start",
           {{"name", "acs"}, {"address", o.address}, {"port", std::to_string(port())}},
           "acs listening on " + o.address + ":" + std::to_string(port()));
}

AcsFake::~AcsFake() {
  const int p = port();
  impl_->server.reset();
  impl_->log->emit("acs", "fake.stop",
                   {{"name", "acs"}, {"address", impl_->address}, {"port", std::to_string(p)}},
                   "acs stopped on " + impl_->address + ":" + std::to_string(p));
}

int AcsFake::port() const {
  return impl_->server->port();
}

}  // namespace phonelab::fakes
