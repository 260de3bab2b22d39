#include "harness/dut/web_form.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>

#include "base/net/http/http_client.h"

namespace phonelab::dut {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string decodeEntities(const std::string& s) {
  static const std::pair<const char*, char> entities[] = {{"&amp;", '&'},  {"&lt;", '<'},
                                                          {"&gt;", '>'},   {"&quot;", '"'},
                                                          {"&#39;", '\''}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    if (s[i] == '&') {
      for (const auto& [name, ch] : entities) {
        size_t n = std::char_traits<char>::length(name);
        if (s.compare(i, n, name) == 0) {
          out += ch;
          i += n;
          done = true;
          break;
        }
      }
    }
    if (!done) out += s[i++];
  }
  return out;
}

/// One tag: its lower-cased name and attributes (names lower-cased, values entity-decoded).
struct Tag {
  std::string name;
  bool closing = false;
  std::map<std::string, std::string> attrs;
  size_t end = 0;  // index just past '>'
};

/// Reads the tag at html[lt] == '<'. nullopt if it is no tag: no name follows the '<' (then it
/// is text), or the input ends before the tag's '>' (`unterminated`; a browser ends the document
/// there). `stop` is where reading stopped: nothing at or past it was examined.
std::optional<Tag> readTag(const std::string& html, size_t lt, size_t& stop, bool& unterminated) {
  Tag t;
  unterminated = false;
  size_t i = lt + 1;
  struct Stop {
    size_t& i;
    size_t& stop;
    ~Stop() { stop = i; }
  } at_return{i, stop};
  if (i < html.size() && html[i] == '/') {
    t.closing = true;
    ++i;
  }
  size_t start = i;
  while (i < html.size() && (std::isalnum(static_cast<unsigned char>(html[i])))) ++i;
  if (i == start) return std::nullopt;
  t.name = lower(html.substr(start, i - start));
  while (i < html.size() && html[i] != '>') {
    if (std::isspace(static_cast<unsigned char>(html[i])) || html[i] == '/') {
      ++i;
      continue;
    }
    size_t ns = i;
    while (i < html.size() && html[i] != '=' && html[i] != '>' &&
           !std::isspace(static_cast<unsigned char>(html[i])))
      ++i;
    std::string an = lower(html.substr(ns, i - ns));
    std::string av;
    while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) ++i;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) ++i;
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        char q = html[i++];
        size_t vs = i;
        while (i < html.size() && html[i] != q) ++i;
        av = html.substr(vs, i - vs);
        if (i < html.size()) ++i;
      } else {
        size_t vs = i;
        while (i < html.size() && html[i] != '>' &&
               !std::isspace(static_cast<unsigned char>(html[i])))
          ++i;
        av = html.substr(vs, i - vs);
      }
    }
    if (!an.empty()) t.attrs[an] = decodeEntities(av);
  }
  if (i >= html.size()) {
    unterminated = true;
    return std::nullopt;
  }
  t.end = i + 1;
  return t;
}

std::string attr(const Tag& t, const std::string& name) {
  auto it = t.attrs.find(name);
  return it == t.attrs.end() ? std::string() : it->second;
}

}  // namespace

bool WebForm::set(const std::string& name, const std::string& value) {
  bool found = false;
  for (auto& [n, v] : fields) {
    if (n == name) {
      v = value;
      found = true;
    }
  }
  return found;
}

bool WebForm::has(const std::string& name) const {
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
}

std::string WebForm::encode() const {
  std::string body;
  auto add = [&](const std::string& n, const std::string& v) {
    if (!body.empty()) body += '&';
    body += net::formEncode(n) + '=' + net::formEncode(v);
  };
  for (const auto& [n, v] : fields) add(n, v);
  if (submit) add(submit->first, submit->second);
  return body;
}

std::optional<WebForm> parseFirstForm(const std::string& html, FormParseStats* stats) {
  std::optional<WebForm> form;
  // Open <select>: its name, its options' values, and which one is selected.
  std::string select_name;
  std::string select_first, select_chosen;
  bool in_select = false, chosen = false;
  // Open <textarea>
  std::string textarea_name;
  size_t textarea_start = 0;
  bool in_textarea = false;

  // Linear: every byte is examined by at most one tag, and the scan goes on after the tag's '>'
  // (a '<' inside a tag is part of it, as in a browser). A tag that the input ends in ends the
  // page: before, each unclosed '<' was read to the end of the input again (quadratic).
  size_t examined = 0;
  struct Report {
    FormParseStats* stats;
    size_t& examined;
    ~Report() {
      if (stats) stats->examined = examined;
    }
  } report{stats, examined};
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    size_t stop = i;
    bool unterminated = false;
    auto tag = readTag(html, i, stop, unterminated);
    examined += stop - i + 1;
    if (unterminated) break;
    if (!tag) continue;
    const size_t lt = i;
    i = tag->end - 1;  // the next '<' is searched for after this tag's '>'
    if (!form) {
      if (tag->name == "form" && !tag->closing) {
        form.emplace();
        form->action = attr(*tag, "action");
        form->method = lower(attr(*tag, "method"));
        if (form->method.empty()) form->method = "get";
      }
      continue;
    }
    if (tag->name == "form" && tag->closing) break;
    if (tag->name == "input" && !tag->closing) {
      std::string type = lower(attr(*tag, "type"));
      std::string name = attr(*tag, "name");
      if (type == "submit") {
        if (!form->submit && !name.empty()) form->submit = {name, attr(*tag, "value")};
      } else if (type == "checkbox" || type == "radio") {
        if (tag->attrs.count("checked") && !name.empty()) {
          std::string v = tag->attrs.count("value") ? attr(*tag, "value") : "on";
          form->fields.emplace_back(name, v);
        }
      } else if (type != "button" && type != "reset" && type != "image" && type != "file" &&
                 !name.empty()) {
        form->fields.emplace_back(name, attr(*tag, "value"));
      }
    } else if (tag->name == "select") {
      if (!tag->closing) {
        in_select = true;
        chosen = false;
        select_name = attr(*tag, "name");
        select_first.clear();
        select_chosen.clear();
      } else if (in_select) {
        if (!select_name.empty())
          form->fields.emplace_back(select_name, chosen ? select_chosen : select_first);
        in_select = false;
      }
    } else if (tag->name == "option" && !tag->closing && in_select) {
      std::string v;
      if (tag->attrs.count("value")) {
        v = attr(*tag, "value");
      } else {
        size_t close = html.find('<', tag->end);
        v = decodeEntities(html.substr(tag->end, close - tag->end));
      }
      if (select_first.empty() && !chosen) select_first = v;
      if (tag->attrs.count("selected") && !chosen) {
        select_chosen = v;
        chosen = true;
      }
    } else if (tag->name == "textarea") {
      if (!tag->closing) {
        in_textarea = true;
        textarea_name = attr(*tag, "name");
        textarea_start = tag->end;
      } else if (in_textarea) {
        if (!textarea_name.empty())
          form->fields.emplace_back(
              textarea_name, decodeEntities(html.substr(textarea_start, lt - textarea_start)));
        in_textarea = false;
      }
    }
  }
  return form;
}

std::optional<std::map<std::string, std::string>> parseFlatXml(const std::string& xml,
                                                               std::string& error) {
  pugi::xml_document doc;
  pugi::xml_parse_result res = doc.load_buffer(xml.data(), xml.size());
  if (!res) {
    error = std::string("malformed XML at byte ") + std::to_string(res.offset) + ": " +
            res.description();
    return std::nullopt;
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    error = "XML has no root element";
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (pugi::xml_node n : root.children()) {
    if (n.type() != pugi::node_element) continue;
    out[n.name()] = n.child_value();
  }
  return out;
}

ReadBack compareReadBack(const std::map<std::string, std::string>& submitted,
                         const std::map<std::string, std::string>& cfg_xml) {
  ReadBack r;
  for (const auto& [element, value] : submitted) {
    auto it = cfg_xml.find(element);
    if (it == cfg_xml.end()) {
      r.shown[element] = "(absent)";
      r.wrong.push_back(element + " is not in it (submitted '" + value + "')");
      continue;
    }
    const std::string& shown = it->second;
    // A firmware that masks secrets in cfg.xml ("********") shows nothing to compare.
    if (!value.empty() && !shown.empty() && shown.find_first_not_of('*') == std::string::npos) {
      r.shown[element] = "(masked)";
      r.masked.push_back(element);
      continue;
    }
    r.shown[element] = shown;
    if (shown != value)
      r.wrong.push_back(element + " is '" + shown + "' (submitted '" + value + "')");
  }
  return r;
}

}  // namespace phonelab::dut
