#pragma once
/// Reading the phone's web UI the way a browser does: the form on a page, its fields with their
/// current values, and its submit button; and the phone's XML pages (cfg.xml, status.xml).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace phonelab::dut {

struct WebForm {
  std::string action;  // "" = the page itself
  std::string method = "get";
  /// Successful controls in document order (text/password/hidden inputs, checked boxes, selects
  /// with their selected option, textareas).
  std::vector<std::pair<std::string, std::string>> fields;
  /// The first submit button (name, value), e.g. ("submit", "Submit All Changes").
  std::optional<std::pair<std::string, std::string>> submit;
  /// Sets an existing field; returns false if the form has no such field.
  bool set(const std::string& name, const std::string& value);
  bool has(const std::string& name) const;
  /// application/x-www-form-urlencoded body including the submit button.
  std::string encode() const;
};

/// How much work parseFirstForm did: bytes its tag reader examined (at most the page's size plus
/// one per '<': the parse is linear in the page, whatever the phone sends).
struct FormParseStats {
  size_t examined = 0;
};

/// The first <form> of a page. nullopt if there is none. A tag the page ends in (a '<' without
/// its '>') ends the page, as in a browser.
std::optional<WebForm> parseFirstForm(const std::string& html, FormParseStats* stats = nullptr);

/// Children of the root element of an XML document as name -> text (flat-profile cfg.xml,
/// status.xml). nullopt and `error` on malformed XML.
std::optional<std::map<std::string, std::string>> parseFlatXml(const std::string& xml,
                                                               std::string& error);

/// Submitted values (element -> firmware value) against what cfg.xml shows after the change.
struct ReadBack {
  /// element -> what cfg.xml shows: the value, "(absent)", or "(masked)" (a value the firmware
  /// hides, all '*': not compared).
  std::map<std::string, std::string> shown;
  /// One line per element that did not keep its value: "Station_Name is '' (submitted 'x')".
  std::vector<std::string> wrong;
  std::vector<std::string> masked;
};
ReadBack compareReadBack(const std::map<std::string, std::string>& submitted,
                         const std::map<std::string, std::string>& cfg_xml);

}  // namespace phonelab::dut
