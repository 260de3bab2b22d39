#include "fakes/http/http.h"

#include "fakes/http/http_server.h"

namespace phonelab::fakes {

struct HttpFake::Impl {
  EventLog* log = nullptr;
  std::string address;
  std::map<std::string, HttpFile> files;
  std::unique_ptr<HttpServer> server;

  HttpReply handle(const HttpExchange& x) {
    HttpReply r;
    auto it = files.find(x.path());
    if (x.method != "GET" && x.method != "HEAD") {
      r.status = 405;
      r.content_type = "text/plain";
      r.body = "method not allowed\n";
      r.headers["Allow"] = "GET, HEAD";
    } else if (it == files.end()) {
      r.status = 404;
      r.content_type = "text/plain";
      r.body = "not found\n";
    } else {
      r.content_type = it->second.content_type;
      r.body = it->second.content;
    }
    const size_t bytes = x.method == "HEAD" ? 0 : r.body.size();
    log->emit("http", "http.request",
              {{"src_ip", x.src_ip},
               {"src_port", std::to_string(x.src_port)},
               {"method", x.method},
               {"target", x.target},
               {"host", x.header("host")},
               {"user_agent", x.header("user-agent")},
               {"status", std::to_string(r.status)},
               {"bytes", std::to_string(bytes)}},
              x.method + " " + x.target + " from " + x.src_ip + " -> " + std::to_string(r.status));
    return r;
  }
};

HttpFake::HttpFake(const HttpOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.log = &log;
  im.address = o.address;
  im.files = o.files;
  HttpServerOptions so;
  so.name = "http";
  so.address = o.address;
  so.port = o.port;
  im.server = std::make_unique<HttpServer>(
      so, [&im](const HttpExchange& x) { return im.handle(x); },
      [&im](const std::string& ip, int port, const std::string& reason) {
        im.log->emit("http", "http.malformed",
                     {{"src_ip", ip}, {"src_port", std::to_string(port)}, {"reason", reason}},
                     "HTTP malformed from " + ip + ": " + reason);
      });
  log.emit("http", "fake.start",
           {{"name", "http"}, {"address", o.address}, {"port", std::to_string(port())}},
           "http listening on " + o.address + ":" + std::to_string(port()) + ", " +
               std::to_string(im.files.size()) + " files");
}

HttpFake::~HttpFake() {
  const int p = port();
  impl_->server.reset();
  impl_->log->emit("http", "fake.stop",
                   {{"name", "http"}, {"address", impl_->address}, {"port", std::to_string(p)}},
                   "http stopped on " + impl_->address + ":" + std::to_string(p));
}

int HttpFake::port() const {
  return impl_->server->port();
}

}  // namespace phonelab::fakes
