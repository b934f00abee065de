#include "report/html.h"

#include "report/escape.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace beaver::report {

namespace {

constexpr const char* kStyle = R"CSS(
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --head:#f6f8fa; --hover:#f6f8fa; --track:#eaeef2;
        --group:#eef1f4; --link:#0969da; --target:#fff8c5;
        --upstream:#1a7f37; --modified:#0969da; --posted:#8250df; --unposted:#cf222e; --warn:#9a6700; --neutral:#59636e;
        --yes-bg:#dafbe1; --yes-hover:#aceebb; --off-bg:#fff8c5; --off-hover:#fae17d; --no-bg:#ebedf0; --no-fg:#6e7781; }
@media (prefers-color-scheme: dark) {
  :root { --fg:#e6edf3; --muted:#9198a1; --line:#3d444d; --bg:#0d1117; --head:#151b23; --hover:#151b23; --track:#2f353d;
          --group:#1c2128; --link:#4493f8; --target:#3a3000;
          --upstream:#238636; --modified:#1f6feb; --posted:#8957e5; --unposted:#da3633; --warn:#9e6a03; --neutral:#656c76;
          --yes-bg:#12361f; --yes-hover:#1a4d2b; --off-bg:#3a3000; --off-hover:#4d4000; --no-bg:#21262d; --no-fg:#9198a1; }
}
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: var(--fg);
       background: var(--bg); margin: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 22px 0 8px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 120px; border-top-width: 4px;
        color: inherit; text-decoration: none; }
a.card { cursor: pointer; } a.card:hover { background: var(--hover); text-decoration: none; }
.card.active { box-shadow: 0 0 0 2px var(--link); }
.card .n { font-size: 26px; font-weight: 600; }
.card .l { color: var(--muted); }
.card.upstream { border-top-color: var(--upstream); } .card.modified { border-top-color: var(--modified); }
.card.posted { border-top-color: var(--posted); } .card.unposted { border-top-color: var(--unposted); }
.card.warn { border-top-color: var(--warn); } .card.neutral { border-top-color: var(--neutral); }
.tools { display: flex; gap: 12px; align-items: center; margin: 0 0 14px; }
.tools input { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
               padding: 5px 10px; width: 360px; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--head); font-weight: 600; position: sticky; top: 0; }
th.sort { cursor: pointer; user-select: none; white-space: nowrap; }
th.sort::after { content: " ↕"; color: var(--muted); font-weight: 400; }
th[aria-sort=ascending]::after { content: " ↑"; } th[aria-sort=descending]::after { content: " ↓"; }
tr:hover td { background: var(--hover); }
tr:target td { background: var(--target); }
a.anchor { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre.interdiff .da { color: var(--upstream); } pre.interdiff .dd { color: var(--unposted); }
pre.interdiff .dm { color: var(--posted); } pre.interdiff .dh { font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; color: #fff; font-size: 12px; font-weight: 600;
         white-space: nowrap; }
.badge.upstream { background: var(--upstream); } .badge.modified { background: var(--modified); }
.badge.posted { background: var(--posted); } .badge.unposted { background: var(--unposted); }
.badge.warn { background: var(--warn); } .badge.neutral { background: var(--neutral); }
.sim { white-space: nowrap; }
.bar { display: inline-block; width: 60px; height: 8px; background: var(--track); border-radius: 4px; margin-left: 6px;
       vertical-align: middle; overflow: hidden; }
.bar > i { display: block; height: 100%; background: var(--modified); }
.muted { color: var(--muted); }
.claim-false { color: var(--unposted); }
.claim-ok { color: var(--muted); }
ul.claims { margin: 0; padding-left: 0; list-style: none; }
td.subject { min-width: 280px; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
details.section { margin: 22px 0 8px; }
details.section > summary { font-size: 17px; font-weight: 600; cursor: pointer; margin-bottom: 8px; }
footer { margin-top: 20px; color: var(--muted); font-size: 12px; }
table.matrix { width: auto; }
table.matrix th.k { text-align: center; min-width: 110px; max-width: 160px; }
table.matrix tr.group th { background: var(--group); color: var(--muted); text-transform: uppercase; font-size: 12px;
                           letter-spacing: .04em; position: static; }
td.cell { text-align: center; font-weight: 600; border-left: 2px solid var(--bg); }
td.cell a { color: inherit; }
td.cell small { display: block; font-weight: 400; font-size: 11px; }
td.cell.supported { background: var(--yes-bg); color: var(--upstream); }
td.cell.disabled { background: var(--off-bg); color: var(--warn); }
td.cell.absent { background: var(--no-bg); color: var(--no-fg); }
tr:hover td.cell.supported { background: var(--yes-hover); } tr:hover td.cell.disabled { background: var(--off-hover); }
.legend > span { margin-right: 16px; }
dl.kernels dt { font-weight: 600; } dl.kernels dd { margin: 0 0 6px 16px; color: var(--muted); }
@media print {
  body { margin: 0; font-size: 11px; }
  .tools, a.anchor { display: none; }
  th { position: static; }
  a { color: inherit; }
  tr, .card { break-inside: avoid; }
  td.cell, .badge { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
)CSS";

// What the page does with JavaScript; without it every row is still there.
constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  // A copied short id becomes the full one.
  document.addEventListener('copy', function (e) {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !e.clipboardData) return;
    var full = {};
    all('code[data-full]').forEach(function (c) { if (sel.containsNode(c, true)) full[c.textContent] = c.dataset.full; });
    var text = sel.toString(), out = text.replace(/\b[0-9a-f]{7,40}\b/g, function (m) { return full[m] || m; });
    if (out !== text) { e.clipboardData.setData('text/plain', out); e.preventDefault(); }
  });
  window.addEventListener('beforeprint', function () { all('details').forEach(function (d) { d.open = true; }); });
  // Sortable tables: a click (or Enter) on a column heading sorts by it.
  all('table.sortable').forEach(function (t) {
    if (!t.tHead || !t.tBodies.length) return;
    var heads = Array.prototype.slice.call(t.tHead.rows[0].cells);
    heads.forEach(function (th, col) {
      th.classList.add('sort');
      th.tabIndex = 0;
      var sort = function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
        var key = function (r) {
          var c = r.cells[col];
          return !c ? '' : c.hasAttribute('data-sort') ? c.getAttribute('data-sort') : c.textContent.trim();
        };
        var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === '' || y === '') return (x === '') - (y === '');
          return dir * x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' });
        });
        rows.forEach(function (r) { body.appendChild(r); });
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    });
  });
  // Filtering: the cards by status, the search box by words.
  var rows = all('tr[data-status]');
  if (!rows.length) return;
  var hay = rows.map(function (r) {
    var ids = all('[data-full]', r).map(function (c) { return c.dataset.full; }).join(' ');
    return (r.textContent + ' ' + ids + ' ' + (r.getAttribute('data-search') || '')).toLowerCase();
  });
  var cards = all('.card[data-filter]');
  var bar = document.createElement('div'), box = document.createElement('input'), shown = document.createElement('span');
  bar.className = 'tools';
  box.type = 'search'; box.id = 'search'; box.placeholder = 'Search subjects, ids, authors'; box.setAttribute('aria-label', 'Search');
  shown.id = 'shown'; shown.className = 'muted';
  bar.appendChild(box); bar.appendChild(shown);
  var after = document.querySelector('.cards') || document.querySelector('.sub');
  after.parentNode.insertBefore(bar, after.nextSibling);
  var status = '';
  var apply = function () {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), active = status !== '' || words.length > 0, n = 0;
    rows.forEach(function (r, i) {
      var ok = (status === '' || (' ' + r.getAttribute('data-status') + ' ').indexOf(' ' + status + ' ') >= 0) &&
               words.every(function (w) { return hay[i].indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) n++;
    });
    all('tr.grp').forEach(function (g) {  // a group heading shows while a row under it does
      var s = g.nextElementSibling, any = false;
      for (; s && !s.classList.contains('grp'); s = s.nextElementSibling) if (s.hasAttribute('data-status') && !s.hidden) { any = true; break; }
      g.hidden = !any;
    });
    all('.rows').forEach(function (s) {  // a section shows while a row in it does
      var visible = s.querySelector('tr[data-status]:not([hidden])');
      s.hidden = active && !visible;
      if (active && visible && s.tagName === 'DETAILS') s.open = true;
    });
    shown.textContent = active ? n + ' of ' + rows.length + ' rows shown' : rows.length + ' rows';
    cards.forEach(function (c) {
      var on = c.getAttribute('data-filter') === status;
      c.classList.toggle('active', on);
      c.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
  };
  cards.forEach(function (c) {
    c.addEventListener('click', function (e) {
      e.preventDefault();
      status = status === c.getAttribute('data-filter') ? '' : c.getAttribute('data-filter');
      history.replaceState(null, '', status ? '#status=' + status : location.pathname + location.search);
      apply();
    });
  });
  box.addEventListener('input', apply);
  // #status=S filters as the card does; #ROW opens what folds that row.
  var follow = function () {
    var m = /^#status=([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (m) status = m[1];
    apply();
    var target = location.hash.length > 1 && !m ? document.getElementById(location.hash.slice(1)) : null;
    if (target) {
      for (var p = target.parentNode; p; p = p.parentNode) if (p.tagName === 'DETAILS') p.open = true;
      target.scrollIntoView();
    }
  };
  window.addEventListener('hashchange', follow);
  follow();
})();
)JS";

}  // namespace

std::string html_page(std::string_view title, std::string_view subtitle, const std::vector<Card>& cards,
                      std::string_view body) {
  std::string out = fmt::format(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n<title>{}</title>\n<style>{}</style>\n"
      "</head>\n<body>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n",
      html_escape(title), kStyle, html_escape(title), html_escape(subtitle));
  if (!cards.empty()) {
    out += "<div class=\"cards\">\n";
    for (auto& c : cards)
      out += c.filter.empty()
                 ? fmt::format("<div class=\"card {}\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>\n",
                               html_escape(c.status), c.count, html_escape(c.label))
                 : fmt::format("<a class=\"card {}\" href=\"#status={}\" data-filter=\"{}\" role=\"button\" "
                               "title=\"show only these rows (again: all rows)\"><div class=\"n\">{}</div>"
                               "<div class=\"l\">{}</div></a>\n",
                               html_escape(c.status), html_escape(c.filter), html_escape(c.filter), c.count,
                               html_escape(c.label));
    out += "</div>\n";
  }
  out += body;
  out += "<footer>Generated by beaver " BEAVER_VERSION "</footer>\n<script>";
  out += kScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

std::string row_open(std::string_view anchor, std::string_view statuses, std::string_view extra) {
  std::string out = fmt::format("<tr id=\"{}\" data-status=\"{}\"", html_escape(anchor), html_escape(statuses));
  if (!extra.empty()) out += fmt::format(" data-search=\"{}\"", html_escape(extra));
  return out + ">";
}

std::string anchor_link(std::string_view anchor, std::string_view text_html) {
  return fmt::format("<a class=\"anchor\" href=\"#{}\" title=\"link to this row\">{}</a>", html_escape(anchor), text_html);
}

std::string anchor_id(std::string_view prefix, std::string_view text) {
  std::string out(prefix);
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
  return out;
}

std::string section(std::string_view title, std::size_t count, std::string_view body, bool folded) {
  if (folded)
    return fmt::format("<details class=\"section rows\"><summary>{} ({})</summary>\n{}</details>\n", html_escape(title), count,
                       body);
  return fmt::format("<section class=\"rows\"><h2>{} ({})</h2>\n{}</section>\n", html_escape(title), count, body);
}

std::string badge(std::string_view text, std::string_view status) {
  return fmt::format("<span class=\"badge {}\">{}</span>", html_escape(status), html_escape(text));
}

std::string similarity_bar(double value) {
  value = std::clamp(value, 0.0, 1.0);
  return fmt::format("<span class=\"sim\">{:.2f}<span class=\"bar\"><i style=\"width:{}%\"></i></span></span>", value,
                     int(value * 100 + 0.5));
}

std::string link(std::string_view url, std::string_view text_html) {
  if (url.empty()) return std::string(text_html);
  return fmt::format("<a href=\"{}\">{}</a>", html_escape(url), text_html);
}

}  // namespace beaver::report
