// beaver::message — the one commit-message parser used everywhere in beaver.
//
// parse() takes a raw commit message (or a mail body that was turned into
// one) and returns its subject, body, git trailers, and the kernel-convention
// references found in it: Fixes:, Link:, Cc: stable, backport references
// ("cherry picked from", "commit X upstream.", ...), reverts, Android /
// ChromeOS / Ubuntu subject prefixes and [PATCH vN m/n] tags.
//
// Robustness contract: any bytes are accepted (NUL bytes, invalid UTF-8, CRLF,
// no final newline, 10 MB messages, 1 MB lines). NUL is an ordinary byte here,
// unlike git's C strings. Everything is hand-written scanning in linear time;
// no std::regex (user-defined reference patterns go through POSIX regexec on
// at most 4096 bytes of a line). parse() never throws (on allocation failure
// it returns an empty Message) and never reads outside its input.
//
// Lines and line numbers: a line ends at '\n'; one '\r' before it (or at the
// very end) is not part of the line, so CRLF messages parse like LF ones.
// Every `line` field is the 1-based number of the line in the raw input,
// counting leading blank lines too, so it can be shown to the user as is.
//
// ---------------------------------------------------------------------------
// Rules, each with its reason
// ---------------------------------------------------------------------------
//
// Subject and body — exactly git's %s and %b, so that beaver prints what
// `git log` prints:
//  * leading blank lines (only ' ', '\t', '\r' — git's isspace) are skipped;
//  * subject = the lines up to the first blank line, each right-trimmed,
//    joined with one space (leading whitespace of a line is kept, as git does);
//  * body = the rest, after skipping the blank lines that follow the subject,
//    verbatim (CRLF kept), trailers included.
//
// Trailers (Message::trailers) — exactly git's trailer block (interpret-
// trailers / `%(trailers:only,unfold)` with no configuration), because other
// tools and people see the same block:
//  * the first paragraph is the title and never holds trailers (lines
//    starting with '#' are git comments and do not end it);
//  * the block is the last paragraph (trailing blank lines ignored); it is
//    accepted when all its lines are trailers, or when it has a git-generated
//    line ("Signed-off-by: " or "(cherry picked from commit ", exact case)
//    and trailers are at least 25% of its lines;
//  * a trailer line is `Token: value` at column 0, Token = ASCII letters,
//    digits and '-', optionally followed by blanks before the ':' (so a
//    "https://..." line is a trailer with key "https", as in git);
//  * a line starting with ' ' or '\t' continues the previous trailer; the
//    value is unfolded (newline + indentation -> one space) and trimmed;
//  * other lines of the block ("[ Upstream commit X ]", "(cherry picked from
//    commit X)", "[fixed a conflict]") count towards git's 25% rule but are
//    not listed in `trailers` (like --only-trailers); backport references in
//    them are found by the ref scan below;
//  * '#' lines inside the block are comments: ignored, and they end a
//    continuation;
//  * as in git, a scissors line ("# ---...--- >8 ---...---") and what follows
//    it, and a trailing run of comment lines, empty lines and old-style
//    "Conflicts:" blocks (tab-indented paths, appended by old git
//    cherry-pick) are not part of the message for trailer purposes, so
//    "Signed-off-by: ...\n\nConflicts:\n\tmm/foo.c" still has its trailers.
// Checked against git 2.39 (`git log --format=%s%x00%b%x00%(trailers:only,
// unfold)`) on thousands of generated messages; the one known difference is
// CRLF: git keeps the '\r' of a folded line inside the value, beaver drops it.
//
// Everything else (fixes, links, stable, refs) is found by scanning every line
// of the message except the first subject line, not just the trailer block:
// kernel authors put Fixes: in an earlier paragraph, stable backports put
// "commit X upstream." first, Android puts "(cherry picked from ...)" in the
// middle of the trailers, and sloppy messages forget the blank line before
// their tags. Only lines starting at column 0 count: indented lines are
// quotes (RHEL backports quote the whole upstream message indented by four
// spaces, reverts quote the reverted commit) and must not be mistaken for
// this commit's own tags.
//
// Fixes: (key matched case-insensitively, any paragraph):
//  * canonical form `Fixes: <12..40 lower-case hex> ("<subject>")` on one
//    line is `well_formed`; the rest is parsed as far as possible and every
//    deviation is named in `problem` (several are joined with "; "), using
//    the strings in the kFixes* constants below;
//  * an id is kept when it is 7..40 hex digits followed by a non-alphanumeric
//    byte, even if too short for the kernel (12) or upper-case; it is stored
//    lower-cased. Fewer than 7 digits is too ambiguous to resolve in a large
//    repository, so `commit` stays empty; more than 40 is not a SHA-1;
//  * `commit` before the id, extra or missing spaces, missing parentheses,
//    missing quotes, other quote characters (' “ ” ‘ ’), trailing text after
//    the closing `")` are tolerated and reported;
//  * the subject runs from the opening quote to the LAST closing quote that
//    is followed by ')', so subjects containing quotes and parentheses
//    (`("Revert "net: fix (foo)"")`) survive; `\"` is unescaped to `"`;
//  * a subject wrapped onto the next line(s) is joined (git-style indented
//    continuation, or up to two unindented lines when the second closes the
//    `")` and neither is a common trailer such as Signed-off-by:), and
//    reported as "wrapped over several lines";
//  * the subject is kept even when the id is missing or unusable, because
//    it is the fallback for resolving broken ids.
//
// Link: values — the first whitespace-separated word containing "://" with
// '<' '>' removed (so "Link: https://lore.kernel.org/r/x [1]" gives the URL);
// if there is no such word, the whole trimmed value; empty values dropped.
//
// Cc: stable — a Cc: line naming stable@vger.kernel.org or stable@kernel.org
// (case-insensitive, bare or in <>, with or without a display name). The
// address is stored lower-cased; `versions` is the comment as written after
// '#' ("5.10.x", "v5.4+", ">= 5.4", "4.19: 1234567890ab: prerequisite"), or
// the content of a [...] right after the address, or empty.
//
// Backport references (Message::refs), at column 0, in message order, one per
// line, X = 7..40 hex digits followed by a non-alphanumeric byte (a non-hex
// word such as "<sha>" or "abcdefg" makes the line be ignored):
//   cherry_picked_from         (cherry picked from commit X[ extra])
//                              also "cherry-picked", no '(', and an extra
//                              that continues on indented lines (Android
//                              FROMGIT: "X\n https://git... branch)");
//                              extra = text after X up to ')', whitespace
//                              collapsed, surrounding [ ] removed
//   backported_from            (backported from commit X[ extra]) — Ubuntu
//   commit_upstream            commit X upstream[.]      (stable kernels)
//   upstream_commit_bracketed  [ Upstream commit X ]  /  [ commit X upstream ]
//   upstream_commit            Upstream commit X[.]  — only when X ends the
//                              line or is followed by punctuation or " (",
//                              so prose ("Upstream commit X broke ...") is not
//                              taken for a reference
//   commit_line                a line that is exactly `commit X` with X of
//                              all 40 digits (RHEL / CentOS Stream copy the
//                              `git log` header of the upstream commit; the
//                              full length keeps wrapped prose out)
//   git_commit_header          Git-commit: X             (SUSE patch header)
//   master_commit              master commit: X          (Xen's stable branches,
//                              with a "master date:" line after it)
//   dep3_origin                Origin: upstream, URL  /  Origin: backport, URL
//                              (DEP-3 patch header of Debian and Ubuntu
//                              packages); URL a forge's commit URL (below) or
//                              "commit:X". Without a category only a commit
//                              URL or commit:X counts; "vendor" and "other"
//                              never do (they are not upstream commits)
//   applied_upstream           Applied-Upstream: [version, ]URL (DEP-3): the
//                              commit URL or commit:X; a version alone names
//                              no commit and gives no reference
//   upstream_status_backport   Upstream-Status: Backport [URL or id] (Yocto);
//                              an id alone must have a letter or 12 digits, so
//                              a version or date ("Backport [2.3.1]") is not one
//   upstream_link              a commit URL on a Link:-style line that says it
//                              is the upstream commit: the key names upstream
//                              ("Upstream:", "Upstream-Commit:", "Upstream-Link:",
//                              "Upstream commit:"), or a Link: line with the word
//                              "upstream" beside the URL ("Link: URL (upstream
//                              commit)"). "Upstream-Commit: X" with a bare id is
//                              upstream_commit.
//   Commit URLs of the common forges: .../commit/?id=X (cgit, also
//   ?h=BRANCH&id=X), .../commit/X and .../-/commit/X (GitHub, GitLab, Gitea,
//   cgit), .../commits/X (Bitbucket), gitweb's a=commit;h=X, and
//   git.kernel.org/linus/X and git.kernel.org/.../c/X. The URL is kept in
//   `extra`.
//   pattern                    a user-defined pattern (ReferenceRules below):
//                              the kind is the pattern's name
//   reverts                    This reverts commit X[.|, reversing changes
//                              made to Y] — anywhere in a column-0 line; a
//                              partial revert ("This partially reverts") is
//                              not a revert
// Words are matched case-insensitively and runs of blanks between them are
// accepted ("Upstream  commit").
//
// Subject prefixes and tags, stripped repeatedly and in any order from the
// start of the subject until none is left:
//  * reply markers "Re:", "Fwd:", "Fw:", "Aw:" (any case) — not recorded;
//  * bracket groups "[...]" not directly followed by ':' (git am strips them
//    from mail subjects; "[NET]: foo" is an old-style subsystem prefix and
//    stays). When a group contains the word PATCH or RFC (any case, also
//    "PATCHv2"), Message::tag is filled from all groups: vN, m/n, RFC, and
//    the other words ("net-next", "RESEND", "5.10");
//  * downstream prefixes, upper-case exactly as used in the wild and followed
//    by ':': UPSTREAM, BACKPORT, FROMGIT, FROMLIST, ANDROID, CHROMIUM,
//    "UBUNTU: SAUCE", UBUNTU, "NVIDIA: SAUCE". They are recorded in
//    Message::prefixes in order, without the colon. "Revert" is NOT a prefix:
//    a revert is a different change from the one it reverts (use
//    is_revert_subject()). "FIXUP:" is not stripped either: a fixup is a
//    separate change from the patch it fixes.
//
// normalize_subject() = the subject without the prefixes and tags above, with
// every run of ASCII whitespace collapsed to one space, trimmed. Case is kept:
// backports and applied patches keep the author's subject byte for byte, and
// case-folding would only add candidates that differ on purpose. It is a key
// for finding CANDIDATE pairs (downstream backport <-> upstream commit, posted
// mail <-> commit); candidates must then be confirmed by patch content, since
// unrelated commits share subjects. It is idempotent. subject_key() is a
// looser key (also ASCII-lower-cased, trailing '.' dropped) for matching mails
// whose subject a maintainer retouched when applying them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::message {

struct Trailer {
  std::string key;    // as written, trimmed ("Signed-off-by")
  std::string value;  // unfolded, trimmed
  int line = 0;       // 1-based line of the "Key:" line
};

// Problem strings used in FixesRef::problem (joined with "; " when several).
inline constexpr std::string_view kFixesNoCommitId = "no commit id";
inline constexpr std::string_view kFixesShorterThan7 = "abbreviation shorter than 7";
inline constexpr std::string_view kFixesShorterThan12 = "abbreviation shorter than 12";
inline constexpr std::string_view kFixesLongerThan40 = "id longer than 40 hex digits";
inline constexpr std::string_view kFixesUpperCase = "upper-case hex";
inline constexpr std::string_view kFixesCommitWord = "'commit' before the id";
inline constexpr std::string_view kFixesKeySpelling = "tag not spelled 'Fixes:'";
inline constexpr std::string_view kFixesExtraSpaces = "extra spaces";
inline constexpr std::string_view kFixesMissingSpace = "missing space";
inline constexpr std::string_view kFixesMissingSubject = "missing subject";
inline constexpr std::string_view kFixesMissingParentheses = "missing parentheses";
inline constexpr std::string_view kFixesMissingClosingParenthesis = "missing closing parenthesis";
inline constexpr std::string_view kFixesMissingQuotes = "missing quotes";
inline constexpr std::string_view kFixesWrongQuotes = "wrong quotes";
inline constexpr std::string_view kFixesEmptySubject = "empty subject";
inline constexpr std::string_view kFixesTrailingText = "trailing text";
inline constexpr std::string_view kFixesWrapped = "wrapped over several lines";

struct FixesRef {
  std::string commit;        // 7..40 hex digits, lower-cased; empty if none usable
  std::string subject;       // the quoted subject without ("..."); may be empty
  std::string raw;           // the value as written (unfolded, wrapped lines joined)
  bool well_formed = false;  // exactly `<hex 12..40, lower case> ("subject")`
  std::string problem;       // empty, or the deviations (kFixes* strings, "; ")
  int line = 0;              // line of the "Fixes:" line
};

enum class RefKind {
  cherry_picked_from,         // (cherry picked from commit X ...)
  commit_upstream,            // commit X upstream.
  upstream_commit_bracketed,  // [ Upstream commit X ]
  upstream_commit,            // Upstream commit X
  git_commit_header,          // Git-commit: X (SUSE)
  reverts,                    // This reverts commit X.
  backported_from,            // (backported from commit X ...) (Ubuntu)
  commit_line,                // commit <40 hex> alone on its line (RHEL / CentOS Stream)
  master_commit,              // master commit: X (Xen stable branches)
  dep3_origin,                // Origin: upstream|backport, URL-or-commit:X (DEP-3)
  applied_upstream,           // Applied-Upstream: URL-or-commit:X (DEP-3)
  upstream_status_backport,   // Upstream-Status: Backport [URL or id] (Yocto)
  upstream_link,              // a commit URL on a line that says it is the upstream commit
  pattern,                    // a user-defined pattern (ReferenceRules); its name in CommitRef::name
};

// "cherry_picked_from", "commit_upstream", ... (the enumerator's name).
std::string_view to_string(RefKind kind);

struct CommitRef {
  RefKind kind = RefKind::cherry_picked_from;
  std::string commit;  // 7..40 hex digits, lower-cased
  std::string extra;   // e.g. Android "https://android.googlesource.com/kernel/common android-mainline"
  int line = 0;
  std::string name;    // RefKind::pattern: the pattern's kind name
};

// The kind as the index stores it: to_string(kind), or a pattern's name.
std::string_view kind_name(const CommitRef& ref);

// The conventions references are read with: the built-in ones above, plus
// user-defined patterns (git config beaver.referencePattern, multi-valued).
// A pattern is a POSIX extended regular expression, optionally preceded by
// `kind=NAME:` (NAME of [a-z0-9_-], not a built-in kind, "fixes" or
// "reverts"; default "reference_pattern"). Its first group ( ) captures the
// id, which must be 7..40 hex digits. Patterns are tried on every line after
// the subject, indented ones too (anchor a pattern with ^ to keep quotes
// out), case-sensitively, on the first 4096 bytes of a line; a line that a
// built-in convention reads gives no second reference. `fingerprint()` is
// what the index stores: when it changes, references are read again.
class ReferenceRules {
public:
  ReferenceRules() = default;  // the built-in conventions only
  // Throws beaver::Error naming `source` and the pattern when one does not
  // compile or has no group.
  static ReferenceRules compile(const std::vector<std::string>& patterns,
                                std::string_view source = "beaver.referencePattern");
  const std::vector<std::string>& patterns() const { return patterns_; }
  // The version of the built-in conventions and the user patterns.
  std::string fingerprint() const;
  // Adds the reference a user pattern finds in one line (none when no
  // pattern matches or the id is not 7..40 hex digits).
  void scan(std::string_view line, int lineno, std::vector<CommitRef>& refs) const noexcept;
  bool empty() const { return patterns_.empty(); }

  struct Compiled;

private:
  std::vector<std::string> patterns_;
  std::vector<std::shared_ptr<const Compiled>> compiled_;
};

// Bumped whenever a built-in convention is added or changed, so that indexes
// read their references again.
inline constexpr int kBuiltinReferenceRulesVersion = 2;

struct StableHint {
  std::string address;   // lower-cased: "stable@vger.kernel.org" or "stable@kernel.org"
  std::string versions;  // as written: "5.10.x", "v5.4+", ">= 5.4", or ""
  int line = 0;
};

// From "[PATCH v3 2/7]", "[RFC PATCH 0/3]", "[PATCH net-next v2 1/4]".
struct SubjectTag {
  int version = 1;                 // vN; 1 when absent
  int index = 0;                   // m of m/n; 0 when absent (0 is also a cover letter)
  int total = 0;                   // n of m/n; 0 when absent
  bool rfc = false;
  std::string raw;                 // from the first '[' to the last ']' of the stripped groups, as written
  std::vector<std::string> words;  // other words as written: "net-next", "RESEND", "5.10"
};

struct Message {
  std::string subject;                // git's %s
  std::string body;                   // git's %b (verbatim, trailers included)
  std::vector<Trailer> trailers;      // git's trailer block, trailer lines only
  std::vector<FixesRef> fixes;        // any column-0 Fixes: line
  std::vector<std::string> links;     // Link: URLs
  std::vector<StableHint> stable;     // Cc: stable@...
  std::vector<CommitRef> refs;        // backport references and reverts
  std::vector<std::string> prefixes;  // "UPSTREAM", "BACKPORT", "UBUNTU: SAUCE", ... in order
  std::optional<SubjectTag> tag;      // [PATCH ...] tag if present
  std::string normalized_subject;     // normalize_subject(subject)
  int line_count = 0;                 // number of lines in the raw message
};

// Never throws, never crashes, any bytes.
Message parse(std::string_view raw_message) noexcept;
// The same, with user-defined reference patterns.
Message parse(std::string_view raw_message, const ReferenceRules& rules) noexcept;

// The subject without reply markers, [..] tags and downstream prefixes, with
// whitespace collapsed and trimmed; case kept. Idempotent.
std::string normalize_subject(std::string_view subject);

// normalize_subject() plus ASCII lower-casing and without trailing '.'/' ';
// a looser key for matching retouched subjects. Idempotent.
std::string subject_key(std::string_view subject);

// True for `Revert "..."`, `Revert: ...`, `revert ...` (any case, the word
// "revert" followed by a non-word byte) at the start of the normalized
// subject or right after up to three "subsystem:" prefixes
// (`drm/amd/display: Revert "..."`). "Reapply" and "partially revert" are not
// reverts.
bool is_revert_subject(std::string_view subject);

// Number of lines as counted for `line` fields (0 for an empty message).
int count_lines(std::string_view raw_message) noexcept;

}  // namespace beaver::message
