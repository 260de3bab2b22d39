// The test UA's registration: REGISTER with the proxy, answering one digest challenge.

#include "fakes/sip/ua_impl.h"

namespace phonelab::fakes {

using namespace ua_detail;

bool TestUa::registerNow(Deadline deadline, std::string& why) {
  Impl& im = *impl_;
  im.last_status = 0;
  if (im.opt.proxy.empty()) {
    why = "no proxy to register with";
    return false;
  }
  const auto [ip, port] = sipudp::splitHostPort(im.opt.proxy);
  const std::string domain = im.domain();
  const std::string aor = "sip:" + im.opt.user + "@" + domain;
  const std::string uri = "sip:" + domain;
  std::string auth_header, auth_value;
  for (int attempt = 0; attempt < 3; ++attempt) {
    unsigned long cseq;
    {
      std::lock_guard<std::mutex> lk(im.mu);
      cseq = ++im.reg_cseq;
    }
    sip::Message req = im.request("REGISTER", uri, "<" + aor + ">;tag=" + im.reg_tag,
                                  "<" + aor + ">", im.reg_call_id, cseq, branch());
    req.add("Contact", "<" + im.contact() + ">");
    req.add("Expires", "3600");
    req.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE, INFO, UPDATE");
    if (!auth_header.empty()) req.add(auth_header, auth_value);
    auto r = im.transact(req, ip, port, deadline);
    if (!r) {
      why = "no final response to REGISTER from " + im.opt.proxy + " before the deadline";
      return false;
    }
    im.last_status = r->status;
    if (r->status >= 200 && r->status < 300) {
      why.clear();
      return true;
    }
    if (r->status != 401 && r->status != 407) {
      why = r->startLine();
      return false;
    }
    const bool www = r->status == 401;
    const std::string* chal = r->header(www ? "WWW-Authenticate" : "Proxy-Authenticate");
    if (!chal) {
      why = r->startLine() + " without a challenge header";
      return false;
    }
    auto ch = sip::parseChallenge(*chal);
    if (!ch) {
      why = r->startLine() + " with an unparseable challenge: " + *chal;
      return false;
    }
    if (im.opt.password.empty()) {
      why = r->startLine() + " and no password to answer it";
      return false;
    }
    if (!auth_header.empty() && !ch->stale) {
      why = r->startLine() + " again after answering the challenge";
      return false;
    }
    auth_header = www ? "Authorization" : "Proxy-Authorization";
    auth_value = sip::formatCredentials(
        sip::answerChallenge(*ch, im.opt.user, im.opt.password, "REGISTER", uri));
  }
  why = "REGISTER challenged too often";
  return false;
}

}  // namespace phonelab::fakes
