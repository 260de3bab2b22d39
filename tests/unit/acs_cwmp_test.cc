#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "base/core/match.h"
#include "fakes/acs/cwmp.h"

namespace phonelab::fakes {
namespace {

HttpExchange post(const std::string& body) {
  HttpExchange x;
  x.src_ip = "198.18.0.100";
  x.src_port = 50000;
  x.method = "POST";
  x.target = "/cwmp";
  x.body = body;
  return x;
}

// The phone's cwmp:ID and namespace come back in the reply: escaped, the reply stays XML.
TEST(AcsCwmp, AnInformIsAnsweredWithItsIdEscaped) {
  EventLog log;
  const auto r = answerCwmp(
      post("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:c=\"urn:dslforum-org:cwmp-1-2&quot;&gt;&lt;x\"><s:Header><c:ID>1&lt;/c:ID&gt;"
           "</c:ID></s:Header><s:Body><c:Inform><DeviceId><Manufacturer>Cisco</Manufacturer>"
           "</DeviceId><Event><EventStruct><EventCode>1 BOOT</EventCode></EventStruct></Event>"
           "</c:Inform></s:Body></s:Envelope>"),
      log);
  ASSERT_EQ(r.status, 200);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_buffer(r.body.data(), r.body.size())) << r.body;
  EXPECT_EQ(
      std::string(doc.document_element().child("soap-env:Header").child("cwmp:ID").child_value()),
      "1</c:ID>");
  auto informs = log.matching(EventMatcher("acs.inform"), 0);
  ASSERT_EQ(informs.size(), 1u);
  EXPECT_EQ(*informs[0].field("events"), "1 BOOT");
  EXPECT_EQ(*informs[0].field("cwmp_id"), "1</c:ID>");
}

TEST(AcsCwmp, NotSoapIsA400WithAMalformedEvent) {
  EventLog log;
  EXPECT_EQ(answerCwmp(post("<a><b></a>"), log).status, 400);
  EXPECT_EQ(answerCwmp(post("<Envelope/>"), log).status, 400);
  EXPECT_EQ(log.matching(EventMatcher("acs.malformed"), 0).size(), 2u);
  EXPECT_EQ(answerCwmp(post(" \r\n"), log).status, 204);  // the end of the session
}

}  // namespace
}  // namespace phonelab::fakes
