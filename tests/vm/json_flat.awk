# Validates one JSON document (RFC 8259) and prints it flattened, one leaf a
# line, for grep: `tee=none`, `checks[0].id=tee-detected`, `checks=[]`, `x={}`.
# String values are printed with their escapes as written. Exit 1, with the
# offset and reason on stderr, when the input is not exactly one JSON value.
# POSIX awk (mawk, gawk, busybox): tests/e2e/probe_vm.sh needs no jq/python.
function fail(msg) {
  printf "invalid JSON at offset %d: %s\n", pos - 1, msg > "/dev/stderr"
  bad = 1
  exit 1
}
function ws() {
  while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++
}
function str(   c, out) {  # at the opening quote
  pos++
  out = ""
  for (;;) {
    if (pos > n) fail("unterminated string")
    c = substr(s, pos, 1)
    if (c == "\"") { pos++; return out }
    if (c < " ") fail("control character in string")
    if (c == "\\") {
      c = substr(s, pos + 1, 1)
      if (index("\"\\/bfnrt", c) > 0 && c != "") {
        out = out "\\" c
        pos += 2
        continue
      }
      if (c == "u" && substr(s, pos + 2, 4) ~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) {
        out = out substr(s, pos, 6)
        pos += 6
        continue
      }
      fail("bad escape")
    }
    out = out c
    pos++
  }
}
function value(path,   c, rest) {
  ws()
  if (pos > n) fail("value expected, end of input")
  c = substr(s, pos, 1)
  if (c == "{") { object(path); return }
  if (c == "[") { array(path); return }
  if (c == "\"") { print path "=" str(); return }
  rest = substr(s, pos, 400)
  if (match(rest, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
    print path "=" substr(rest, 1, RLENGTH)
    pos += RLENGTH
    return
  }
  if (substr(rest, 1, 4) == "true" || substr(rest, 1, 4) == "null") {
    print path "=" substr(rest, 1, 4)
    pos += 4
    return
  }
  if (substr(rest, 1, 5) == "false") {
    print path "=false"
    pos += 5
    return
  }
  fail("unexpected '" c "'")
}
function object(path,   k, c) {
  pos++
  ws()
  if (substr(s, pos, 1) == "}") { pos++; print path "={}"; return }
  for (;;) {
    ws()
    if (substr(s, pos, 1) != "\"") fail("object key expected")
    k = str()
    ws()
    if (substr(s, pos, 1) != ":") fail("':' expected")
    pos++
    value(path == "" ? k : path "." k)
    ws()
    c = substr(s, pos, 1)
    pos++
    if (c == ",") continue
    if (c == "}") return
    fail("',' or '}' expected")
  }
}
function array(path,   i, c) {
  pos++
  ws()
  if (substr(s, pos, 1) == "]") { pos++; print path "=[]"; return }
  for (i = 0; ; i++) {
    value(path "[" i "]")
    ws()
    c = substr(s, pos, 1)
    pos++
    if (c == ",") continue
    if (c == "]") return
    fail("',' or ']' expected")
  }
}
{ s = s $0 "\n" }
END {
  if (bad) exit 1
  n = length(s)
  pos = 1
  value("")
  ws()
  if (pos <= n) fail("text after the JSON value")
}
