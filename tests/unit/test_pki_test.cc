// The run's test CA: short-lived, name-constrained to the lab's names and addresses, and its
// private key kept out of the folder that becomes the report.

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fakes/sip/pki.h"

namespace phonelab::fakes::pki {
namespace {

namespace fs = std::filesystem;

X509* readCert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* c = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return c;
}

// X509_verify_cert of leaf against ca; returns the verify error (X509_V_OK when trusted).
int verify(const std::string& ca_pem, const std::string& leaf_pem) {
  X509* ca = readCert(ca_pem);
  X509* leaf = readCert(leaf_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  int rc = X509_verify_cert(ctx);
  int err = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
  return err;
}

TEST(TestPki, TheCaIsShortLivedNameConstrainedAndItsKeyStaysOutOfTheReport) {
  const fs::path base =
      fs::temp_directory_path() / ("phonelab-pki-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  TestPki p = makePki((base / "report" / "pki").string(), (base / "run" / "keys").string(),
                      {"sip.lab.test", "sip.edge.lab.test"});
  X509* ca = readCert(p.trusted_ca.cert_pem);
  ASSERT_NE(ca, nullptr);
  // At most a day (and a minute of slack) ahead.
  time_t limit = std::time(nullptr) + 24 * 3600 + 60;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(ca), &limit), 0);
  int crit = 0;
  void* nc = X509_get_ext_d2i(ca, NID_name_constraints, &crit, nullptr);
  EXPECT_NE(nc, nullptr);
  EXPECT_EQ(crit, 1);
  NAME_CONSTRAINTS_free(static_cast<NAME_CONSTRAINTS*>(nc));
  X509_free(ca);

  auto good = makeServerCert(p, "sip.lab.test", Flaw::None, "good");
  auto evil = makeServerCert(p, "bank.example.com", Flaw::None, "evil");
  EXPECT_EQ(verify(p.trusted_ca.cert_pem, good.cert_pem), X509_V_OK);
  EXPECT_EQ(verify(p.trusted_ca.cert_pem, evil.cert_pem), X509_V_ERR_PERMITTED_VIOLATION);
  // The name-mismatch flaws still chain (their names are under the reserved "invalid").
  auto mismatch = makeServerCert(p, "sip.lab.test", Flaw::NameMismatch, "mismatch");
  EXPECT_EQ(verify(p.trusted_ca.cert_pem, mismatch.cert_pem), X509_V_OK);
  // So does the too-shallow wildcard (*.lab.test for sip.edge.lab.test): the phone's name check
  // must refuse it, not the constraint.
  auto wild = makeServerCert(p, "sip.edge.lab.test", Flaw::WildcardTwoLevels, "wild");
  EXPECT_EQ(verify(p.trusted_ca.cert_pem, wild.cert_pem), X509_V_OK);

  // The device certificate chains to the manufacturer CA, which is not name-constrained (it
  // certifies a phone, not a lab name), and to neither lab CA.
  auto device = makeDeviceCert(p, "CP-8832-3PCC-SEP0200C612000A", "device");
  EXPECT_EQ(verify(p.manufacturer_ca.cert_pem, device.cert_pem), X509_V_OK);
  EXPECT_NE(verify(p.trusted_ca.cert_pem, device.cert_pem), X509_V_OK);
  X509* mca = readCert(p.manufacturer_ca.cert_pem);
  ASSERT_NE(mca, nullptr);
  EXPECT_EQ(X509_get_ext_d2i(mca, NID_name_constraints, nullptr, nullptr), nullptr);
  X509_free(mca);

  // No private key under the report folder; the keys are where key_dir says.
  for (const auto& e : fs::recursive_directory_iterator(base / "report")) {
    std::ifstream in(e.path());
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_EQ(s.str().find("PRIVATE KEY"), std::string::npos) << e.path();
  }
  EXPECT_TRUE(fs::exists(base / "run" / "keys" / "trusted-ca.key"));
  EXPECT_EQ(fs::path(good.key_file).parent_path(), base / "run" / "keys");
  EXPECT_EQ(fs::path(device.key_file).parent_path(), base / "run" / "keys");
  fs::remove_all(base);
}

}  // namespace
}  // namespace phonelab::fakes::pki
