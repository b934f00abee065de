// Mail archives: the patches people posted to mailing lists.
//
// An archive is an mbox file, a maildir (cur/ and new/), or a public-inbox
// git repository (v2: a directory with git/0.git, git/1.git, ...; or one
// epoch, a bare repository whose commits each hold the message in file "m").
// Every message is parsed with GMime (MIME structure, RFC 2047 headers,
// quoted-printable and base64 bodies, charsets converted to UTF-8); the diff
// it carries is fingerprinted with git::PatchParser, so a mailed patch has the
// same patch-id as the commit it became, whatever the mail transport did to it
// (CRLF line ends, transfer encodings, lost trailing whitespace).
//
// A message that cannot be parsed is a Problem naming where it is (file and
// byte offset, maildir file, or epoch and commit), never a silent skip.
#pragma once

#include "git/patch_id.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::mail {

struct Mail {
  std::string message_id;     // without the angle brackets
  std::string in_reply_to;    // without the angle brackets, or empty
  std::string subject;        // decoded (RFC 2047), unfolded
  std::string norm_subject;   // message::normalize_subject(subject)
  std::string from_name, from_email;
  std::int64_t time = 0;      // Date: as seconds since the epoch (0 when missing or unreadable)
  std::string date;           // Date: as ISO 8601 UTC ("2024-03-01T12:00:00Z"), or empty
  int version = 1;            // vN of "[PATCH vN m/n]"
  int index = 0, total = 0;   // m/n; index 0 with total > 0 is a cover letter
  bool rfc = false;
  bool has_diff = false;      // the body carries a unified diff
  git::Fingerprint fingerprint;  // of that diff (patch_id empty when no diff)
  std::string source;         // where it came from: "FILE@OFFSET", a maildir file, "EPOCH.git@COMMIT"
};

struct Problem {
  std::string where;  // same form as Mail::source
  std::string what;
};

struct ReadStats {
  std::size_t messages = 0;  // messages seen
  std::size_t patches = 0;   // of them, carrying a diff
};

// Parses one RFC 5322 message (raw bytes, LF or CRLF). Returns nullopt and
// appends to `problems` when the bytes are not a message at all (no header).
// Never throws on bad input.
std::optional<Mail> parse_message(std::string_view raw, const std::string& source,
                                  std::vector<Problem>& problems);

// The unified diff a mail body carries: from the first "diff --git" (or
// "--- a/" + "+++ b/" pair, or "Index:" line) to the end of the last hunk,
// stopping at the signature separator "-- " of git format-patch; CR before
// LF removed. Empty when there is none.
//
// In detail (extract_diff_detail() below does the work):
//  * a file section starts at a "diff --git " line, at a "--- X" line
//    directly followed by "+++ Y" and a valid "@@ -a,b +c,d @@" line, or at a
//    "diff ..." / "Index: ..." line that leads (through other header lines:
//    "Index:", "====", "diff ") to such a triple; the "---" separator and
//    the diffstat of git format-patch before it are not part of the diff;
//  * hunks are followed through their line counts, so a removed line "-- " inside
//    a hunk is content while "-- " after the last hunk is the signature;
//  * inside a hunk an empty line is a context line whose single space the
//    transport stripped: it is returned as " " (git's patch-id counts hunk
//    lines by their first character, and ignores whitespace when hashing);
//  * after a hunk, the next line must start another hunk, a "\ No newline"
//    marker or another file section; anything else ends the section and the
//    text up to the next section start is skipped (git apply skips it too);
//  * a hunk that breaks off before its counts are used up (a truncated
//    mail, a mangled line) ends the extraction; ExtractedDiff::truncated
//    says so;
//  * nothing after a signature line ("-- ") outside a hunk is taken;
//  * every returned line ends with '\n'; all CRs at a line end are removed
//    (CR is whitespace to git's patch-id, so this never changes an id).
// extract_diff(extract_diff(b)) == extract_diff(b).
std::string extract_diff(std::string_view body);

struct ExtractedDiff {
  std::string text;        // what extract_diff() returns
  bool truncated = false;  // a hunk ended before its line counts were used up
};
ExtractedDiff extract_diff_detail(std::string_view body);

// The diff as git would print it for the commit the patch became, for
// fingerprinting: sections that are already git diffs are kept as they are;
// the file headers of other diffs (quilt, `diff -up`, Andrew Morton's
// "diff -puN a~name a") are rewritten to "diff --git a/P b/P", "--- a/P",
// "+++ b/P" (P from the "+++" side, or "---" for a deletion, with the first
// path component dropped as `git am -p1` does, timestamps dropped, quoted
// as git quotes paths); a /dev/null side or a 1970-01-01 timestamp makes it
// "new file mode 100644" / "deleted file mode 100644". `diff` is the output
// of extract_diff().
std::string git_style_diff(std::string_view diff);

// Reads every message of an archive, calling `sink` for each parsed one.
// Throws beaver::Error (exit code 2) when `path` is not a readable archive of
// a known kind; problems inside it are appended, not thrown.
//
// The kind is detected:
//  * a file (or a pipe, "/dev/stdin"): an mbox. A message starts at the
//    file's first line and at every envelope line, "From ... hh:mm:ss YYYY"
//    as git mailsplit recognises them, so a commit message paragraph that
//    begins "From " does not split a patch. Source "FILE@OFFSET", the byte
//    offset of the envelope line. A chunk that is not a message (garbage)
//    and a file that ends in the middle of a line (a truncated last
//    message) are Problems;
//  * a directory with cur/ or new/: a maildir, one message per file (dot
//    files and tmp/ skipped), in file name order; source: the file's path;
//  * a directory with git/0.git, git/1.git, ...: public-inbox v2, epochs in
//    numeric order; a git repository one of whose newest commits holds a
//    file "m": one epoch. Every commit reachable from HEAD (or
//    refs/heads/master) is read, oldest first; a commit without "m" records
//    a deletion and is skipped; source "N.git@COMMIT" (the epoch's directory
//    name); a missing object (a partial clone) is a Problem.
// ReadStats::messages counts the messages that could not be parsed too.
ReadStats read_archive(const std::string& path, const std::function<void(Mail&&)>& sink,
                       std::vector<Problem>& problems);

}  // namespace beaver::mail
