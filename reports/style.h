#pragma once
/// The style the report's pages share (index.html, compare.html): the page, its tables, the
/// verdict badges and the warning box. Each page adds its own rules after it.

namespace phonelab::reports {

inline constexpr const char* kPageStyle = R"(
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.verdict { display: inline-block; padding: 0.1em 0.5em; border-radius: 0.8em; color: #fff;
           font-weight: bold; font-size: 0.9em; white-space: nowrap; }
.v-pass { background: #2e7d32; }
.v-fail { background: #c62828; }
.v-error { background: #6a1b4d; }
.v-inconclusive { background: #ef8f00; }
.v-not-applicable { background: #8a8a8a; }
.v-not-tested { background: #ffffff; color: #555; border: 1px dashed #888; }
.warning { background: #fff3cd; padding: 0.5em; border: 1px solid #ef8f00; }
)";

}  // namespace phonelab::reports
