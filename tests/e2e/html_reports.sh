#!/usr/bin/env bash
# End to end: every HTML report in a real browser. Headless Chromium is driven
# through Debian's chromedriver (W3C WebDriver over HTTP, spoken with curl and
# jq): a click on a summary card shows only the rows of that status, typing in
# the search box only the matching rows, a click on a column heading sorts,
# a row's anchor opens what folds it, and a copied short id is the full one.
# What the page should show is computed from the same command's JSON face.
# BEAVER_SCREENSHOTS=DIR keeps a 1400 px wide screenshot of each report.
set -euo pipefail
beaver=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v chromedriver >/dev/null && command -v chromium >/dev/null || { echo "SKIP: no chromium/chromedriver (./dev installs them)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
# The page and its script are the same in a sanitizer build: the plain build runs this.
if ldd "$beaver" 2>/dev/null | grep -q libasan; then echo "SKIP: sanitizer build"; exit 77; fi
tmp=$(mktemp -d)
driver_pid=
cleanup() {
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1 HOME=$tmp
fail() { echo "FAIL: $*"; exit 1; }

"$beaver" demo --history-only --dir "$tmp/demo" >/dev/null
cd "$tmp/demo"
r=$tmp/demo-reports
"$beaver" stack -u v6.9 --mail linux-coco.mbox vendor/snp --format html -o "$r/stack.html"
"$beaver" stack -u v6.9 --mail linux-coco.mbox vendor/snp --format json -o "$r/stack.json"
"$beaver" rebase-diff -u main vendor/snp vendor/snp-6.9 --format html -o "$r/rebase.html"
"$beaver" rebase-diff -u main vendor/snp vendor/snp-6.9 --format json -o "$r/rebase.json"
"$beaver" fixes -u main linux-6.8.y --format html -o "$r/fixes.html"
"$beaver" fixes -u main linux-6.8.y --format json -o "$r/fixes.json"
plan=(backport --onto linux-6.8.y -u main 'main^{/Return -EBUSY}' 'main^{/Stop early when the SVSM}')
"$beaver" "${plan[@]}" --format html -o "$r/backport.html"
"$beaver" "${plan[@]}" --format json -o "$r/backport.json"

# Without JavaScript the table is all there: one row per entry in the file itself.
[ "$(grep -c 'data-status="' "$r/stack.html")" = "$(jq '.patches | length' "$r/stack.json")" ] || fail "stack.html rows"
[ "$(grep -c '<tr id="c-' "$r/rebase.html")" = "$(jq '.entries | length' "$r/rebase.json")" ] || fail "rebase.html rows"
[ "$(grep -c '<tr id="s-' "$r/backport.html")" = "$(jq '.steps | length' "$r/backport.json")" ] || fail "backport.html rows"

# The driver.
port=$((20000 + RANDOM % 20000))
chromedriver --port="$port" >"$tmp/driver.log" 2>&1 &
driver_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/status" >/dev/null 2>&1 && break; sleep 0.1; done
call() {  # METHOD PATH [JSON] -> the response's .value
  local out
  out=$(curl -sS -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$base$2") || fail "webdriver $1 $2"
  if jq -e '.value.error? // empty' <<<"$out" >/dev/null 2>&1; then fail "webdriver $1 $2: $(jq -r '.value.message' <<<"$out" | head -3)"; fi
  jq -c '.value' <<<"$out"
}
caps='{"capabilities":{"alwaysMatch":{"goog:chromeOptions":{"binary":"'"$(command -v chromium)"'",
  "args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--window-size=1400,1000",
          "--user-data-dir='"$tmp"'/profile"]}}}}'
sid=$(call POST /session "$caps" | jq -r '.sessionId')
[ -n "$sid" ] && [ "$sid" != null ] || fail "no browser session: $(cat "$tmp/driver.log")"
s=/session/$sid
js() {  # SCRIPT -> its JSON value
  call POST "$s/execute/sync" "$(jq -cn --arg s "$1" '{script: $s, args: []}')"
}
visible() {  # rows shown (not hidden, not folded away)
  js "return Array.from(document.querySelectorAll('tr[data-status]')).filter(function (r) { return r.checkVisibility(); }).length"
}
element() { call POST "$s/element" "$(jq -cn --arg v "$1" '{using: "css selector", value: $v}')" | jq -r 'to_entries[0].value'; }
click() { call POST "$s/element/$(element "$1")/click" '{}' >/dev/null; }
type_in() { call POST "$s/element/$(element "$1")/value" "$(jq -cn --arg t "$2" '{text: $t}')" >/dev/null; }
clear_box() { call POST "$s/element/$(element "$1")/clear" '{}' >/dev/null; }
open() {
  call POST "$s/url" "$(jq -cn --arg u "file://$1" '{url: $u}')" >/dev/null
  [ "$(js "return document.readyState")" = '"complete"' ] || fail "$1 did not load"
}
shot() {
  if [ -n "${BEAVER_SCREENSHOTS:-}" ]; then
    mkdir -p "$BEAVER_SCREENSHOTS"
    call GET "$s/screenshot" | jq -r . | base64 -d >"$BEAVER_SCREENSHOTS/$1.png"
  fi
}
# A card's filter: the rows shown are those whose status has the card's token,
# as many as the card says.
check_card() {  # FILTER EXPECTED
  click ".card[data-filter=\"$1\"]"
  local n bad
  n=$(visible)
  [ "$n" = "$2" ] || fail "card $1: $n rows shown, expected $2"
  bad=$(js "return Array.from(document.querySelectorAll('tr[data-status]')).filter(function (r) { return r.checkVisibility() && (' ' + r.dataset.status + ' ').indexOf(' $1 ') < 0; }).length")
  [ "$bad" = 0 ] || fail "card $1: $bad rows of another status shown"
  [ "$(js "return document.querySelector('.card[data-filter=\"$1\"]').getAttribute('aria-pressed')")" = '"true"' ] || fail "card $1 not pressed"
  click ".card[data-filter=\"$1\"]"  # again: every row
}

# stack
open "$r/stack.html"
total=$(jq '.patches | length' "$r/stack.json")
[ "$(visible)" = "$total" ] || fail "stack: not every row is shown at first"
for st in upstream upstream-modified posted unposted; do
  check_card "$st" "$(jq --arg s "$st" '[.patches[] | select(.status == $s)] | length' "$r/stack.json")"
done
[ "$(visible)" = "$total" ] || fail "stack: a second click on the card does not show every row"
word=$(jq -r '.patches[0].subject | split(" ") | map(select(length > 4)) | last' "$r/stack.json")
type_in "#search" "$word"
want=$(jq --arg w "$word" '[.patches[] | select((.subject | ascii_downcase | contains($w | ascii_downcase)) or (.commit | startswith($w)))] | length' "$r/stack.json")
[ "$(visible)" = "$want" ] || fail "stack: search '$word' shows $(visible) rows, expected $want"
[ "$(js "return document.getElementById('shown').textContent")" = "\"$want of $total rows shown\"" ] || fail "stack: the count of shown rows"
clear_box "#search"; type_in "#search" " "
[ "$(visible)" = "$total" ] || fail "stack: an emptied search does not show every row"
# The full id finds its row too, though only 12 digits are shown.
full=$(jq -r '.patches[-1].commit' "$r/stack.json")
clear_box "#search"; type_in "#search" "$full"
[ "$(visible)" = 1 ] || fail "stack: searching a full id"
clear_box "#search"; type_in "#search" " "
# Sorting by subject: the first row is the smallest subject, then the largest.
click "table.sortable thead th:nth-child(3)"
first=$(js "return document.querySelector('table.sortable tbody tr td.subject').textContent")
want=$(jq -c '[.patches[].subject] | sort_by(ascii_downcase) | .[0]' "$r/stack.json")
[ "$first" = "$want" ] || fail "stack: sorted by subject, the first row is $first, expected $want"
click "table.sortable thead th:nth-child(3)"
first=$(js "return document.querySelector('table.sortable tbody tr td.subject').textContent")
want=$(jq -c '[.patches[].subject] | sort_by(ascii_downcase) | .[-1]' "$r/stack.json")
[ "$first" = "$want" ] || fail "stack: sorted by subject descending, the first row is $first, expected $want"
# Copying a short id gives the full one.
copied=$(js "var c = document.querySelector('code[data-full]'); var r = document.createRange(); r.selectNodeContents(c);
  var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
  var dt = new DataTransfer(); document.dispatchEvent(new ClipboardEvent('copy', {clipboardData: dt, bubbles: true, cancelable: true}));
  return [c.textContent, dt.getData('text/plain'), c.dataset.full]")
[ "$(jq -r '.[0] | length' <<<"$copied")" = 12 ] || fail "stack: the id shown is not short: $copied"
[ "$(jq -r '.[1]' <<<"$copied")" = "$(jq -r '.[2]' <<<"$copied")" ] && [ "$(jq -r '.[1] | length' <<<"$copied")" = 40 ] || fail "stack: copying a short id: $copied"
# A card link survives a reload (#status=...).
open "$r/stack.html#status=unposted"
[ "$(visible)" = "$(jq '[.patches[] | select(.status == "unposted")] | length' "$r/stack.json")" ] || fail "stack: #status=unposted"
open "$r/stack.html"
shot stack

# rebase-diff: added, dropped, changed first; merged-upstream folded until wanted.
open "$r/rebase.html"
order=$(js "return Array.from(document.querySelectorAll('.rows h2, .rows > summary')).map(function (h) { return h.textContent.replace(/ \\(.*/, ''); }).join(',')")
want=$(jq -r '[.entries[].status] as $s | ["added","dropped","changed","kept","merged-upstream"] | map(select(. as $x | $s | index($x))) | map({"added":"Added","dropped":"Dropped","changed":"Changed","kept":"Kept","merged-upstream":"Merged upstream"}[.]) | join(",")' "$r/rebase.json")
[ "$order" = "\"$want\"" ] || fail "rebase-diff sections: $order, expected $want"
merged=$(jq '[.entries[] | select(.status == "merged-upstream")] | length' "$r/rebase.json")
[ "$merged" -gt 0 ] || fail "the demo's rebase has no merged-upstream commit"
[ "$(visible)" = $(( $(jq '.entries | length' "$r/rebase.json") - merged )) ] || fail "rebase-diff: merged-upstream is not folded: $(visible) rows shown of $(jq ".entries | length" "$r/rebase.json"), $merged merged"
check_card merged-upstream "$merged"
check_card added "$(jq '[.entries[] | select(.status == "added")] | length' "$r/rebase.json")"
# A merged-upstream row's anchor opens its folded section.
c=$(jq -r '[.entries[] | select(.status == "merged-upstream")][0].old[0:12]' "$r/rebase.json")
open "$r/rebase.html#c-$c"
[ "$(js "return document.getElementById('c-$c').checkVisibility()")" = true ] || fail "rebase-diff: the anchor #c-$c does not show its row"
shot rebase-diff

# fixes: the missing fixes and their group headings follow the filter.
open "$r/fixes.html"
missing=$(jq '.missing | length' "$r/fixes.json")
[ "$missing" -gt 0 ] || fail "the demo's stable branch lacks no fix"
check_card missing "$missing"
word=$(jq -r '.missing[0].subject | split(" ") | last' "$r/fixes.json")
type_in "#search" "zzz-no-such-subject"
[ "$(visible)" = 0 ] || fail "fixes: a search that matches nothing still shows rows"
[ "$(js "return Array.from(document.querySelectorAll('tr.grp')).filter(function (r) { return r.checkVisibility(); }).length")" = 0 ] \
  || fail "fixes: group headings stay without their rows"
clear_box "#search"; type_in "#search" "$word"
[ "$(visible)" -ge 1 ] || fail "fixes: searching '$word'"
shot fixes

# backport: the series in order, the cards filter by role.
open "$r/backport.html"
steps=$(jq '.steps | length' "$r/backport.json")
[ "$(visible)" = "$steps" ] || fail "backport: $(visible) rows shown, expected $steps"
pre=$(jq '[.steps[] | select(.role == "prerequisite")] | length' "$r/backport.json")
[ "$pre" -gt 0 ] || fail "the demo's backport has no prerequisite"
check_card prerequisite "$pre"
check_card requested "$(jq '[.steps[] | select(.role == "requested")] | length' "$r/backport.json")"
order=$(js "return Array.from(document.querySelectorAll('tr[id^=s-] td.subject')).map(function (c) { return c.textContent; })")
[ "$order" = "$(jq -c '[.steps[].subject]' "$r/backport.json")" ] || fail "backport: the rows are not in the plan's order: $order"
shot backport

# matrix of Debian's configs (when linux-config-6.1/6.12 are installed): short
# column names, the full ones in the legend, every cell that is not yes links to why.
configs=()
for v in 6.1 6.12; do
  for f in amd64_none_amd64 amd64_none_cloud-amd64; do
    [ -f "/usr/src/linux-config-$v/config.$f.xz" ] && configs+=("/usr/src/linux-config-$v/config.$f.xz")
  done
done
if [ "${#configs[@]}" = 4 ]; then
  "$beaver" matrix "${configs[@]}" --format html -o "$r/matrix.html"
  open "$r/matrix.html"
  heads=$(js "return Array.from(document.querySelectorAll('th.k')).map(function (h) { return h.firstChild.textContent; })")
  jq -e 'index("Debian 6.12 cloud") != null and index("Debian 6.1") != null' <<<"$heads" >/dev/null || fail "matrix headings: $heads"
  [ "$(js "return document.querySelectorAll('dl.kernels dt').length")" = "$(jq length <<<"$heads")" ] || fail "matrix: the legend"
  nolink=$(js "return Array.from(document.querySelectorAll('td.cell:not(.supported)')).filter(function (c) { var a = c.querySelector('a'); return !a || !document.getElementById(a.getAttribute('href').slice(1)); }).length")
  [ "$nolink" = 0 ] || fail "matrix: $nolink cells do not link to their reason"
  click ".card[data-filter=\"absent\"]"
  bad=$(js "return Array.from(document.querySelectorAll('table.matrix tr[data-status]')).filter(function (r) { return r.checkVisibility() && !r.querySelector('td.cell.absent'); }).length")
  [ "$bad" = 0 ] || fail "matrix: the absent card shows $bad rows without an absent cell"
  click ".card[data-filter=\"absent\"]"
  shot matrix
fi

call DELETE "$s" >/dev/null
echo "html reports: cards, search, sorting, anchors and ids checked in $(chromium --version)"
