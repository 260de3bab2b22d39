#include <gtest/gtest.h>

#include "base/net/http/http_response.h"

namespace net = phonelab::net;

namespace {

TEST(HttpResponse, ReadsStatusHeadersAndBody) {
  std::string err;
  auto r = net::parseHttpResponse(
      "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\n\r\n"
      "<a/>\n",
      err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->status, 200);
  ASSERT_NE(r->header("content-type"), nullptr);
  EXPECT_EQ(*r->header("content-type"), "text/xml");
  EXPECT_EQ(*r->header("x-a"), "2");  // names lower-cased, the last one wins
  EXPECT_EQ(r->body, "<a/>\n");
}

TEST(HttpResponse, ABodyWithoutALengthEndsWithTheConnection) {
  std::string err;
  auto r = net::parseHttpResponse("HTTP/1.0 500 Oops\r\n\r\nbody", err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "body");
}

TEST(HttpResponse, RefusalsSayWhy) {
  for (const char* bad : {"", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
                          "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "garbage\r\n\r\n"}) {
    std::string err;
    EXPECT_FALSE(net::parseHttpResponse(bad, err)) << bad;
    EXPECT_NE(err, "") << bad;
  }
  // A header block over the client's limit.
  std::string err;
  const std::string big =
      "HTTP/1.1 200 OK\r\nX: " + std::string(net::kMaxResponseHeader, 'a') + "\r\n\r\n";
  EXPECT_FALSE(net::parseHttpResponse(big, err));
  EXPECT_NE(err, "");
}

}  // namespace
