// libFuzzer target: the lab ACS's answer to a CWMP (TR-069) POST from the phone: the SOAP body is
// read with pugixml and our own walk over it; every reply with a body must be well-formed XML
// (the phone's cwmp:ID and namespace are echoed in it).

#include <cstddef>
#include <cstdint>
#include <pugixml.hpp>
#include <string>

#include "fakes/acs/cwmp.h"

namespace fakes = phonelab::fakes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  phonelab::EventLog log;
  fakes::HttpExchange x;
  x.src_ip = "198.18.0.100";
  x.src_port = 50000;
  x.method = "POST";
  x.target = "/acs";
  x.headers["content-type"] = "text/xml";
  x.body.assign(reinterpret_cast<const char*>(data), size);
  const fakes::HttpReply r = fakes::answerCwmp(x, log);
  if (r.status == 200) {
    pugi::xml_document doc;
    if (!doc.load_buffer(r.body.data(), r.body.size())) __builtin_trap();
  }
  return 0;
}
