// Tests for beaver::message (src/message/message.h). Table-driven: each
// table row is one test; messages are modelled on real Linux, stable,
// Android, ChromeOS, RHEL, SUSE and Ubuntu commits.
#include "message/message.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace beaver::message {
namespace {

// --- helpers -----------------------------------------------------------------

std::string dump_trailers(const Message& m) {
  std::string out;
  for (const Trailer& t : m.trailers) out += t.key + ": " + t.value + " @" + std::to_string(t.line) + "\n";
  return out;
}

std::string dump_refs(const Message& m) {
  std::string out;
  for (const CommitRef& r : m.refs) {
    out += std::string(kind_name(r)) + " " + r.commit;
    if (!r.extra.empty()) out += " [" + r.extra + "]";
    out += " @" + std::to_string(r.line) + "\n";
  }
  return out;
}

std::string dump_stable(const Message& m) {
  std::string out;
  for (const StableHint& h : m.stable) out += h.address + " [" + h.versions + "] @" + std::to_string(h.line) + "\n";
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : "|") + s;
  return out;
}

// gtest parameter names must be identifiers.
template <typename Row>
std::string row_name(const testing::TestParamInfo<Row>& info) {
  std::string n = info.param.name;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// --- 1. subject / body split, like git's %s and %b ------------------------------

struct SplitRow {
  const char* name;
  std::string raw;
  std::string subject;
  std::string body;
};

class SubjectBody : public testing::TestWithParam<SplitRow> {};

TEST_P(SubjectBody, MatchesGit) {
  const SplitRow& r = GetParam();
  Message m = parse(r.raw);
  EXPECT_EQ(m.subject, r.subject);
  EXPECT_EQ(m.body, r.body);
}

INSTANTIATE_TEST_SUITE_P(
    Message, SubjectBody,
    testing::Values(
        SplitRow{"simple",
                 "x86/sev: Fix position dependent variable references in startup code\n\n"
                 "The early startup code executes from a 1:1 mapping of memory.\n\n"
                 "Signed-off-by: Ard Biesheuvel <ardb@kernel.org>\n",
                 "x86/sev: Fix position dependent variable references in startup code",
                 "The early startup code executes from a 1:1 mapping of memory.\n\n"
                 "Signed-off-by: Ard Biesheuvel <ardb@kernel.org>\n"},
        SplitRow{"multi_line_subject_joined",
                 "KVM: SVM: fix the handling of\nLBR virtualization\n\nBody.\n",
                 "KVM: SVM: fix the handling of LBR virtualization", "Body.\n"},
        SplitRow{"lines_right_trimmed_left_kept", "first  \n  second\t\n\nb\n", "first   second", "b\n"},
        SplitRow{"leading_blank_lines_skipped", "\n \n\t\nsubject\n\nbody\n", "subject", "body\n"},
        SplitRow{"several_blank_lines_before_body", "subject\n\n\n  \nbody\n", "subject", "body\n"},
        SplitRow{"subject_only_no_newline", "mm: fix typo", "mm: fix typo", ""},
        SplitRow{"subject_only_newline", "mm: fix typo\n", "mm: fix typo", ""},
        SplitRow{"crlf", "net: foo\r\n\r\nBody line\r\nSigned-off-by: A <a@b>\r\n", "net: foo",
                 "Body line\r\nSigned-off-by: A <a@b>\r\n"},
        SplitRow{"empty", "", "", ""},
        SplitRow{"only_blank", "\n\n  \n", "", ""},
        SplitRow{"body_without_blank_line_is_subject", "a\nb\nc\n", "a b c", ""},
        SplitRow{"trailing_blank_lines_in_body_kept", "s\n\nb\n\n\n", "s", "b\n\n\n"}),
    row_name<SplitRow>);

// --- 2. git trailer block ---------------------------------------------------------
// Every expectation here (and in SubjectBody) was checked against git 2.39's
//   git log --format='%s%x00%b%x00%(trailers:only,unfold)'
// except "crlf": git keeps the '\r' of a folded line inside the value
// ("A <a@b>\r cont"); beaver drops it, as it drops every line's final '\r'.

struct TrailerRow {
  const char* name;
  std::string raw;
  std::string trailers;  // dump_trailers()
};

class Trailers : public testing::TestWithParam<TrailerRow> {};

TEST_P(Trailers, MatchesGit) {
  const TrailerRow& r = GetParam();
  EXPECT_EQ(dump_trailers(parse(r.raw)), r.trailers);
}

INSTANTIATE_TEST_SUITE_P(
    Message, Trailers,
    testing::Values(
        TrailerRow{"kernel_chain",
                   "net/sched: act_mirred: use the backlog for mirred ingress\n"
                   "\n"
                   "The test Davide added in commit ca22da2fbd69 (\"act_mirred: use the backlog\n"
                   "for nested calls to mirred ingress\") hangs our testing VMs.\n"
                   "\n"
                   "Fixes: 53592b364001 (\"net/sched: act_mirred: Implement ingress actions\")\n"
                   "Cc: stable@vger.kernel.org\n"
                   "Reported-by: Jamal Hadi Salim <jhs@mojatatu.com>\n"
                   "Reviewed-by: Eric Dumazet <edumazet@google.com>\n"
                   "Signed-off-by: Jakub Kicinski <kuba@kernel.org>\n"
                   "Link: https://lore.kernel.org/r/20240215143346.1715054-1-kuba@kernel.org\n"
                   "Signed-off-by: Paolo Abeni <pabeni@redhat.com>\n",
                   "Fixes: 53592b364001 (\"net/sched: act_mirred: Implement ingress actions\") @6\n"
                   "Cc: stable@vger.kernel.org @7\n"
                   "Reported-by: Jamal Hadi Salim <jhs@mojatatu.com> @8\n"
                   "Reviewed-by: Eric Dumazet <edumazet@google.com> @9\n"
                   "Signed-off-by: Jakub Kicinski <kuba@kernel.org> @10\n"
                   "Link: https://lore.kernel.org/r/20240215143346.1715054-1-kuba@kernel.org @11\n"
                   "Signed-off-by: Paolo Abeni <pabeni@redhat.com> @12\n"},
        TrailerRow{"last_paragraph_is_prose",
                   "mm: foo\n\nSigned-off-by: A <a@b>\n\nThis paragraph is prose, not trailers.\n", ""},
        TrailerRow{"title_is_never_a_trailer", "Signed-off-by: A <a@b>\n", ""},
        TrailerRow{"no_blank_line_after_title", "mm: foo\nSigned-off-by: A <a@b>\n", ""},
        TrailerRow{"all_trailers_without_sob",
                   "mm: foo\n\nReviewed-by: R <r@x>\nLink: https://lore.kernel.org/r/1\n",
                   "Reviewed-by: R <r@x> @3\nLink: https://lore.kernel.org/r/1 @4\n"},
        TrailerRow{"non_trailer_without_sob_rejects", "mm: foo\n\nReviewed-by: R <r@x>\nsome prose\n", ""},
        TrailerRow{"quarter_rule_accepts",
                   "mm: foo\n\n[ Upstream commit 0123456789abcdef0123456789abcdef01234567 ]\n"
                   "[ fixed conflict in mm/foo.c ]\nno really\nSigned-off-by: A <a@b>\n",
                   "Signed-off-by: A <a@b> @6\n"},
        TrailerRow{"quarter_rule_rejects",
                   "mm: foo\n\nline one\nline two\nline three\nline four\nSigned-off-by: A <a@b>\n", ""},
        TrailerRow{"sob_needs_exact_spelling",
                   "mm: foo\n\nline one\nline two\nsigned-off-by: A <a@b>\n", ""},
        TrailerRow{"cherry_pick_line_counts_as_git_generated",
                   "mm: foo\n\nReviewed-by: R <r@x>\nsome prose\n"
                   "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n",
                   "Reviewed-by: R <r@x> @3\n"},
        TrailerRow{"continuation_unfolded",
                   "mm: foo\n\nReported-by: syzbot+0123456789abcdef@syzkaller.appspotmail.com\n"
                   "Closes: https://syzkaller.appspot.com/bug?extid=0123456789abcdef\n"
                   "Fixes: 1234567890ab (\"mm: a subject that is\n"
                   "  long enough to wrap\")\n"
                   "Signed-off-by: A <a@b>\n",
                   "Reported-by: syzbot+0123456789abcdef@syzkaller.appspotmail.com @3\n"
                   "Closes: https://syzkaller.appspot.com/bug?extid=0123456789abcdef @4\n"
                   "Fixes: 1234567890ab (\"mm: a subject that is long enough to wrap\") @5\n"
                   "Signed-off-by: A <a@b> @7\n"},
        TrailerRow{"space_before_colon", "mm: foo\n\nFixes : 1234567890ab (\"x\")\n",
                   "Fixes: 1234567890ab (\"x\") @3\n"},
        TrailerRow{"two_word_token_is_not_a_trailer", "mm: foo\n\nSigned-off-by: A <a@b>\nTested on: x86\n",
                   "Signed-off-by: A <a@b> @3\n"},
        TrailerRow{"url_line_is_a_trailer_in_git",
                   "mm: foo\n\nReviewed-by: R <r@x>\nhttps://bugzilla.kernel.org/show_bug.cgi?id=1\n",
                   "Reviewed-by: R <r@x> @3\nhttps: //bugzilla.kernel.org/show_bug.cgi?id=1 @4\n"},
        TrailerRow{"comment_lines_ignored",
                   "mm: foo\n\nReviewed-by: R <r@x>\n# a comment\nSigned-off-by: A <a@b>\n",
                   "Reviewed-by: R <r@x> @3\nSigned-off-by: A <a@b> @5\n"},
        TrailerRow{"comment_ends_continuation",
                   "mm: foo\n\nKey: v\n# a comment\n  not a continuation\nSigned-off-by: A <a@b>\n",
                   "Key: v @3\nSigned-off-by: A <a@b> @6\n"},
        TrailerRow{"old_conflicts_block_ignored",
                   "mm: foo\n\nProse.\n\nSigned-off-by: A <a@b>\n\nConflicts:\n\tmm/foo.c\n\tmm/bar.c\n",
                   "Signed-off-by: A <a@b> @5\n"},
        TrailerRow{"scissors_ignored",
                   "mm: foo\n\nSigned-off-by: A <a@b>\n"
                   "# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n",
                   "Signed-off-by: A <a@b> @3\n"},
        TrailerRow{"trailing_blank_lines", "mm: foo\n\nSigned-off-by: A <a@b>\n\n\n  \n",
                   "Signed-off-by: A <a@b> @3\n"},
        TrailerRow{"leading_blank_lines_shift_line_numbers", "\n\nmm: foo\n\nSigned-off-by: A <a@b>\n",
                   "Signed-off-by: A <a@b> @5\n"},
        TrailerRow{"crlf", "mm: foo\r\n\r\nAcked-by: A <a@b>\r\n  cont\r\nSigned-off-by: B <b@c>\r\n",
                   "Acked-by: A <a@b> cont @3\nSigned-off-by: B <b@c> @5\n"},
        TrailerRow{"no_final_newline", "mm: foo\n\nSigned-off-by: A <a@b>", "Signed-off-by: A <a@b> @3\n"},
        TrailerRow{"empty_value", "mm: foo\n\nSigned-off-by: A <a@b>\nCc:\n", "Signed-off-by: A <a@b> @3\nCc:  @4\n"},
        TrailerRow{"android_block",
                   "FROMGIT: mm: fix foo\n\nBody.\n\n"
                   "Signed-off-by: Upstream Dev <dev@example.org>\n"
                   "Signed-off-by: Andrew Morton <akpm@linux-foundation.org>\n"
                   "Bug: 254441685\n"
                   "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567\n"
                   " https://git.kernel.org/pub/scm/linux/kernel/git/akpm/mm.git mm-unstable)\n"
                   "Change-Id: I0123456789abcdef0123456789abcdef01234567\n"
                   "Signed-off-by: Android Dev <adev@google.com>\n",
                   "Signed-off-by: Upstream Dev <dev@example.org> @5\n"
                   "Signed-off-by: Andrew Morton <akpm@linux-foundation.org> @6\n"
                   "Bug: 254441685 @7\n"
                   "Change-Id: I0123456789abcdef0123456789abcdef01234567 @10\n"
                   "Signed-off-by: Android Dev <adev@google.com> @11\n"}),
    row_name<TrailerRow>);

// --- 3. Fixes: value parsing --------------------------------------------------------

struct FixesRow {
  const char* name;
  std::string line;  // one "Fixes:" line, put in the trailer block of a message
  std::string commit;
  std::string subject;
  bool well_formed;
  std::string problem;
};

class FixesValue : public testing::TestWithParam<FixesRow> {};

TEST_P(FixesValue, Parses) {
  const FixesRow& r = GetParam();
  Message m = parse("net: foo\n\nBody.\n\n" + r.line + "\nSigned-off-by: A <a@b>\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  const FixesRef& f = m.fixes[0];
  EXPECT_EQ(f.commit, r.commit);
  EXPECT_EQ(f.subject, r.subject);
  EXPECT_EQ(f.well_formed, r.well_formed);
  EXPECT_EQ(f.problem, r.problem);
  EXPECT_EQ(f.line, 5);
}

const std::string kSha40 = "54a4f0239f2e98bc0842742f5b2b1b1c5e7e8f6a";

INSTANTIATE_TEST_SUITE_P(
    Message, FixesValue,
    testing::Values(
        FixesRow{"canonical",
                 "Fixes: 54a4f0239f2e (\"KVM: MMU: make kvm_mmu_zap_page() return the number of pages it "
                 "actually freed\")",
                 "54a4f0239f2e",
                 "KVM: MMU: make kvm_mmu_zap_page() return the number of pages it actually freed", true, ""},
        FixesRow{"full_sha", "Fixes: " + kSha40 + " (\"x86/sev: Add SNP guest support\")", kSha40,
                 "x86/sev: Add SNP guest support", true, ""},
        FixesRow{"abbrev_11", "Fixes: 54a4f0239f2 (\"KVM: x\")", "54a4f0239f2", "KVM: x", false,
                 "abbreviation shorter than 12"},
        FixesRow{"abbrev_7", "Fixes: 54a4f02 (\"KVM: x\")", "54a4f02", "KVM: x", false,
                 "abbreviation shorter than 12"},
        FixesRow{"abbrev_6_dropped", "Fixes: 54a4f0 (\"KVM: x\")", "", "KVM: x", false,
                 "abbreviation shorter than 7"},
        FixesRow{"longer_than_40", "Fixes: " + kSha40 + "0 (\"KVM: x\")", "", "KVM: x", false,
                 "id longer than 40 hex digits"},
        FixesRow{"upper_case", "Fixes: 54A4F0239F2E (\"KVM: x\")", "54a4f0239f2e", "KVM: x", false,
                 "upper-case hex"},
        FixesRow{"missing_quotes", "Fixes: 54a4f0239f2e (KVM: MMU: fix foo)", "54a4f0239f2e", "KVM: MMU: fix foo",
                 false, "missing quotes"},
        FixesRow{"missing_parentheses", "Fixes: 54a4f0239f2e \"KVM: MMU: fix foo\"", "54a4f0239f2e",
                 "KVM: MMU: fix foo", false, "missing parentheses"},
        FixesRow{"bare_subject", "Fixes: 54a4f0239f2e KVM: MMU: fix foo", "54a4f0239f2e", "KVM: MMU: fix foo", false,
                 "missing parentheses; missing quotes"},
        FixesRow{"id_only", "Fixes: 54a4f0239f2e", "54a4f0239f2e", "", false, "missing subject"},
        FixesRow{"extra_spaces", "Fixes:  54a4f0239f2e   (\"KVM: x\")", "54a4f0239f2e", "KVM: x", false,
                 "extra spaces"},
        FixesRow{"tab_after_colon", "Fixes:\t54a4f0239f2e (\"KVM: x\")", "54a4f0239f2e", "KVM: x", false,
                 "extra spaces"},
        FixesRow{"spaces_inside_parentheses", "Fixes: 54a4f0239f2e ( \"KVM: x\" )", "54a4f0239f2e", "KVM: x", false,
                 "extra spaces"},
        FixesRow{"commit_word", "Fixes: commit 54a4f0239f2e (\"KVM: x\")", "54a4f0239f2e", "KVM: x", false,
                 "'commit' before the id"},
        FixesRow{"commit_word_short", "Fixes: commit 54a4f0239 (\"KVM: x\")", "54a4f0239", "KVM: x", false,
                 "'commit' before the id; abbreviation shorter than 12"},
        FixesRow{"nested_quotes_and_parentheses",
                 "Fixes: 4e4f8ba4d9a5 (\"Revert \"ipv6: fix flowlabel (foo) leak\"\")", "4e4f8ba4d9a5",
                 "Revert \"ipv6: fix flowlabel (foo) leak\"", true, ""},
        FixesRow{"escaped_quotes", "Fixes: 1234567890ab (\"net: fix \\\"foo\\\" (bar)\")", "1234567890ab",
                 "net: fix \"foo\" (bar)", true, ""},
        FixesRow{"trailing_comment", "Fixes: 1234567890ab (\"net: x\") # v5.10+", "1234567890ab", "net: x", false,
                 "trailing text"},
        FixesRow{"trailing_parenthesis", "Fixes: 1234567890ab (\"net: x\") (v5.10)", "1234567890ab", "net: x", false,
                 "trailing text"},
        FixesRow{"single_quotes", "Fixes: 1234567890ab ('net: x')", "1234567890ab", "net: x", false, "wrong quotes"},
        FixesRow{"curly_quotes", "Fixes: 1234567890ab (\xE2\x80\x9Cnet: x\xE2\x80\x9D)", "1234567890ab", "net: x",
                 false, "wrong quotes"},
        FixesRow{"no_space_before_parenthesis", "Fixes: 1234567890ab(\"net: x\")", "1234567890ab", "net: x", false,
                 "missing space"},
        FixesRow{"no_space_after_colon", "Fixes:1234567890ab (\"net: x\")", "1234567890ab", "net: x", false,
                 "missing space"},
        FixesRow{"key_lower_case", "fixes: 1234567890ab (\"net: x\")", "1234567890ab", "net: x", false,
                 "tag not spelled 'Fixes:'"},
        FixesRow{"key_space_before_colon", "Fixes : 1234567890ab (\"net: x\")", "1234567890ab", "net: x", false,
                 "tag not spelled 'Fixes:'"},
        FixesRow{"unterminated", "Fixes: 1234567890ab (\"net: x", "1234567890ab", "net: x", false,
                 "missing quotes; missing closing parenthesis"},
        FixesRow{"missing_closing_parenthesis", "Fixes: 1234567890ab (\"net: x\"", "1234567890ab", "net: x", false,
                 "missing closing parenthesis"},
        FixesRow{"empty_subject", "Fixes: 1234567890ab (\"\")", "1234567890ab", "", false, "empty subject"},
        FixesRow{"url_instead_of_id", "Fixes: https://bugzilla.kernel.org/show_bug.cgi?id=218745", "", "", false,
                 "no commit id"},
        FixesRow{"subject_without_id", "Fixes: (\"net: x\")", "", "net: x", false, "no commit id"},
        FixesRow{"hex_run_glued_to_letters", "Fixes: 1234567890abz (\"net: x\")", "", "net: x", false,
                 "no commit id"},
        FixesRow{"issue_number", "Fixes: #1234", "", "", false, "no commit id"},
        FixesRow{"prose_with_subject", "Fixes: the commit that added foo (\"net: add foo\")", "", "net: add foo", false,
                 "no commit id"}),
    row_name<FixesRow>);

// --- 4. Fixes: anywhere in the message, wrapping, several ---------------------------

TEST(MessageFixes, SeveralInOrder) {
  Message m = parse(
      "drm/i915/gt: Fix locking in foo\n\nBody.\n\n"
      "Fixes: 1234567890ab (\"drm/i915: add foo\")\n"
      "Fixes: abcdef012345 (\"drm/i915: add bar\")\n"
      "Signed-off-by: A <a@b>\n");
  ASSERT_EQ(m.fixes.size(), 2u);
  EXPECT_EQ(m.fixes[0].commit, "1234567890ab");
  EXPECT_EQ(m.fixes[0].line, 5);
  EXPECT_EQ(m.fixes[1].commit, "abcdef012345");
  EXPECT_EQ(m.fixes[1].subject, "drm/i915: add bar");
  EXPECT_EQ(m.fixes[1].line, 6);
}

TEST(MessageFixes, InEarlierParagraph) {
  Message m = parse(
      "mm/hugetlb: fix foo\n\n"
      "Fixes: 1234567890ab (\"mm/hugetlb: add foo\")\n\n"
      "Some explanation that makes the last paragraph prose.\n");
  EXPECT_TRUE(m.trailers.empty());
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_TRUE(m.fixes[0].well_formed);
  EXPECT_EQ(m.fixes[0].line, 3);
}

TEST(MessageFixes, IndentedIsAQuote) {
  Message m = parse(
      "Revert \"net: foo\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n\n"
      "The original said:\n\n    Fixes: 1234567890ab (\"net: bar\")\n\nSigned-off-by: A <a@b>\n");
  EXPECT_TRUE(m.fixes.empty());
}

TEST(MessageFixes, TitleLineIsNotScanned) {
  EXPECT_TRUE(parse("Fixes: 1234567890ab (\"x\")\n").fixes.empty());
}

TEST(MessageFixes, WrappedWithoutIndentation) {
  Message m = parse(
      "net: foo\n\nBody.\n\n"
      "Fixes: 1234567890ab (\"net: a subject long enough to be wrapped by\n"
      "the editor\")\n"
      "Signed-off-by: A <a@b>\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].commit, "1234567890ab");
  EXPECT_EQ(m.fixes[0].subject, "net: a subject long enough to be wrapped by the editor");
  EXPECT_EQ(m.fixes[0].problem, "wrapped over several lines");
  EXPECT_FALSE(m.fixes[0].well_formed);
  EXPECT_EQ(m.fixes[0].raw, "1234567890ab (\"net: a subject long enough to be wrapped by the editor\")");
}

TEST(MessageFixes, WrappedWithIndentation) {
  Message m = parse(
      "net: foo\n\nBody.\n\n"
      "Fixes: 1234567890ab (\"net: a subject long enough\n"
      "\tto be wrapped\")\n"
      "Signed-off-by: A <a@b>\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].subject, "net: a subject long enough to be wrapped");
  EXPECT_EQ(m.fixes[0].problem, "wrapped over several lines");
}

TEST(MessageFixes, SubjectOnNextLine) {
  Message m = parse("net: foo\n\nFixes: 1234567890ab\n(\"net: bar\")\nSigned-off-by: A <a@b>\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].subject, "net: bar");
  EXPECT_EQ(m.fixes[0].problem, "wrapped over several lines");
}

TEST(MessageFixes, UnclosedSubjectDoesNotSwallowNextTrailer) {
  Message m = parse("net: foo\n\nFixes: 1234567890ab (\"net: bar\nSigned-off-by: A <a@b>\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].subject, "net: bar");
  EXPECT_EQ(m.fixes[0].raw, "1234567890ab (\"net: bar");
  ASSERT_EQ(m.trailers.size(), 2u);
}

TEST(MessageFixes, MissingSubjectDoesNotSwallowTrailers) {
  Message m = parse(
      "net: foo\n\nFixes: 1234567890ab\nSigned-off-by: A <a@b>\n"
      "Link: https://lore.kernel.org/r/1 (\"v2\")\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].raw, "1234567890ab");
  EXPECT_EQ(m.fixes[0].problem, "missing subject");
}

TEST(MessageFixes, WellFormedIffNoProblem) {
  Message m = parse("x\n\nFixes: 1234567890ab (\"a\")\nFixes: 1234567890a (\"a\")\n");
  ASSERT_EQ(m.fixes.size(), 2u);
  for (const FixesRef& f : m.fixes) EXPECT_EQ(f.well_formed, f.problem.empty());
}

// --- 5. Link: and Cc: stable ----------------------------------------------------------

struct LinkRow {
  const char* name;
  std::string line;
  std::string links;  // joined with '|'
};

class Links : public testing::TestWithParam<LinkRow> {};

TEST_P(Links, Extracts) {
  const LinkRow& r = GetParam();
  EXPECT_EQ(join(parse("net: foo\n\nBody.\n\n" + r.line + "\nSigned-off-by: A <a@b>\n").links), r.links);
}

INSTANTIATE_TEST_SUITE_P(
    Message, Links,
    testing::Values(
        LinkRow{"lore", "Link: https://lore.kernel.org/r/20240215143346.1715054-1-kuba@kernel.org",
                "https://lore.kernel.org/r/20240215143346.1715054-1-kuba@kernel.org"},
        LinkRow{"angle_brackets", "Link: <https://bugzilla.kernel.org/show_bug.cgi?id=218745>",
                "https://bugzilla.kernel.org/show_bug.cgi?id=218745"},
        LinkRow{"footnote_after", "Link: https://lore.kernel.org/all/Zbc@google.com/ [1]",
                "https://lore.kernel.org/all/Zbc@google.com/"},
        LinkRow{"footnote_before", "Link: [1] https://lore.kernel.org/all/Zbc@google.com/",
                "https://lore.kernel.org/all/Zbc@google.com/"},
        LinkRow{"not_a_url", "Link: 20240215143346.1715054-1-kuba@kernel.org",
                "20240215143346.1715054-1-kuba@kernel.org"},
        LinkRow{"empty", "Link:", ""},
        LinkRow{"lower_case_key", "link: https://patch.msgid.link/20240101.1@x", "https://patch.msgid.link/20240101.1@x"},
        LinkRow{"several",
                "Link: https://lore.kernel.org/r/1\nLink: https://lore.kernel.org/r/2",
                "https://lore.kernel.org/r/1|https://lore.kernel.org/r/2"},
        LinkRow{"indented_ignored", "Some text:\n  Link: https://lore.kernel.org/r/1", ""}),
    row_name<LinkRow>);

struct StableRow {
  const char* name;
  std::string line;
  std::string stable;  // dump_stable()
};

class Stable : public testing::TestWithParam<StableRow> {};

TEST_P(Stable, Extracts) {
  const StableRow& r = GetParam();
  EXPECT_EQ(dump_stable(parse("net: foo\n\nBody.\n\n" + r.line + "\nSigned-off-by: A <a@b>\n")), r.stable);
}

INSTANTIATE_TEST_SUITE_P(
    Message, Stable,
    testing::Values(
        StableRow{"version_x", "Cc: stable@vger.kernel.org # 5.10.x", "stable@vger.kernel.org [5.10.x] @5\n"},
        StableRow{"angle_plus", "Cc: <stable@vger.kernel.org> # v5.4+", "stable@vger.kernel.org [v5.4+] @5\n"},
        StableRow{"no_version", "Cc: stable@vger.kernel.org", "stable@vger.kernel.org [] @5\n"},
        StableRow{"old_address", "Cc: stable@kernel.org", "stable@kernel.org [] @5\n"},
        StableRow{"display_name_and_ge", "CC: Stable <Stable@vger.kernel.org> # >= 5.4",
                  "stable@vger.kernel.org [>= 5.4] @5\n"},
        StableRow{"brackets", "Cc: stable@vger.kernel.org [5.10+]", "stable@vger.kernel.org [5.10+] @5\n"},
        StableRow{"no_space_after_hash", "Cc: <stable@vger.kernel.org> #5.15", "stable@vger.kernel.org [5.15] @5\n"},
        StableRow{"prerequisite", "Cc: stable@vger.kernel.org # 4.19: 1234567890ab: net: prepare foo",
                  "stable@vger.kernel.org [4.19: 1234567890ab: net: prepare foo] @5\n"},
        StableRow{"with_other_address", "Cc: stable@vger.kernel.org, netdev@vger.kernel.org",
                  "stable@vger.kernel.org [] @5\n"},
        StableRow{"other_list", "Cc: linux-stable@vger.kernel.org", ""},
        StableRow{"longer_domain", "Cc: stable@vger.kernel.org.example.com", ""},
        StableRow{"not_stable", "Cc: netdev@vger.kernel.org", ""},
        StableRow{"to_is_not_cc", "To: stable@vger.kernel.org", ""},
        StableRow{"several",
                  "Cc: stable@vger.kernel.org # 5.10\nCc: Paolo <p@x>\nCc: stable@vger.kernel.org # 5.15",
                  "stable@vger.kernel.org [5.10] @5\nstable@vger.kernel.org [5.15] @7\n"}),
    row_name<StableRow>);

// --- 6. backport references and reverts --------------------------------------------------

struct RefRow {
  const char* name;
  std::string raw;
  std::string refs;  // dump_refs()
};

class Refs : public testing::TestWithParam<RefRow> {};

TEST_P(Refs, Extracts) {
  const RefRow& r = GetParam();
  EXPECT_EQ(dump_refs(parse(r.raw)), r.refs);
}

const std::string kUp = "0123456789abcdef0123456789abcdef01234567";

INSTANTIATE_TEST_SUITE_P(
    Message, Refs,
    testing::Values(
        RefRow{"cherry_pick",
               "mm: foo\n\nBody.\n\nSigned-off-by: A <a@b>\n(cherry picked from commit " + kUp + ")\n",
               "cherry_picked_from " + kUp + " @6\n"},
        RefRow{"cherry_pick_upper_case_short", "mm: foo\n\n(cherry picked from commit ABCDEF0123)\n",
               "cherry_picked_from abcdef0123 @3\n"},
        RefRow{"cherry_pick_android_suffix",
               "UPSTREAM: mm: foo\n\nBody.\n\nSigned-off-by: A <a@b>\nBug: 1234\n"
               "(cherry picked from commit " + kUp +
                   " https://android.googlesource.com/kernel/common android-mainline)\n"
                   "Change-Id: I0123\nSigned-off-by: B <b@google.com>\n",
               "cherry_picked_from " + kUp + " [https://android.googlesource.com/kernel/common android-mainline] @7\n"},
        RefRow{"cherry_pick_bracketed_repo_branch",
               "FROMGIT: mm: foo\n\n(cherry picked from commit " + kUp +
                   " [git://git.kernel.org/pub/scm/linux/kernel/git/foo/bar.git for-next])\n",
               "cherry_picked_from " + kUp + " [git://git.kernel.org/pub/scm/linux/kernel/git/foo/bar.git for-next] @3\n"},
        RefRow{"cherry_pick_wrapped_repo",
               "FROMGIT: mm: foo\n\nSigned-off-by: A <a@b>\n(cherry picked from commit " + kUp + "\n"
               " https://git.kernel.org/pub/scm/linux/kernel/git/akpm/mm.git mm-unstable)\nBug: 1\n",
               "cherry_picked_from " + kUp + " [https://git.kernel.org/pub/scm/linux/kernel/git/akpm/mm.git mm-unstable] @4\n"},
        RefRow{"cherry_pick_hyphen_no_parenthesis", "mm: foo\n\ncherry-picked from commit abcdef0123456\n",
               "cherry_picked_from abcdef0123456 @3\n"},
        RefRow{"cherry_pick_placeholder_ignored", "mm: foo\n\n(cherry picked from commit <sha>)\n", ""},
        RefRow{"cherry_pick_non_hex_ignored", "mm: foo\n\n(cherry picked from commit abcdefg123456)\n", ""},
        RefRow{"cherry_pick_too_short_ignored", "mm: foo\n\n(cherry picked from commit abcdef)\n", ""},
        RefRow{"cherry_pick_too_long_ignored", "mm: foo\n\n(cherry picked from commit " + kUp + "0)\n", ""},
        RefRow{"ubuntu_backported_from",
               "UBUNTU: SAUCE: foo\n\nBugLink: https://bugs.launchpad.net/bugs/2012345\n\nBody.\n\n"
               "Signed-off-by: A <a@b>\n(backported from commit " + kUp + " linux-next)\n"
               "Signed-off-by: Ubuntu Dev <dev@canonical.com>\n",
               "backported_from " + kUp + " [linux-next] @8\n"},
        RefRow{"stable_commit_upstream",
               "net: foo\n\ncommit " + kUp + " upstream.\n\nBody.\n\nSigned-off-by: Greg Kroah-Hartman "
               "<gregkh@linuxfoundation.org>\n",
               "commit_upstream " + kUp + " @3\n"},
        RefRow{"stable_commit_upstream_no_dot", "net: foo\n\nCommit " + kUp + " upstream\n",
               "commit_upstream " + kUp + " @3\n"},
        RefRow{"autosel_bracketed",
               "wifi: ath11k: fix foo\n\n[ Upstream commit " + kUp + " ]\n\nBody.\n\n"
               "Signed-off-by: Sasha Levin <sashal@kernel.org>\n",
               "upstream_commit_bracketed " + kUp + " @3\n"},
        RefRow{"bracketed_tight", "x\n\n[Upstream commit 1234567890ab]\n", "upstream_commit_bracketed 1234567890ab @3\n"},
        RefRow{"bracketed_commit_upstream", "x\n\n[ commit 1234567890ab upstream ]\n",
               "upstream_commit_bracketed 1234567890ab @3\n"},
        RefRow{"upstream_commit", "x\n\nUpstream commit 1234567890ab.\n", "upstream_commit 1234567890ab @3\n"},
        RefRow{"upstream_commit_lower_case", "x\n\nupstream commit 1234567890ab\n", "upstream_commit 1234567890ab @3\n"},
        RefRow{"upstream_commit_with_subject", "x\n\nUpstream commit 1234567890ab (\"net: foo\")\n",
               "upstream_commit 1234567890ab @3\n"},
        RefRow{"upstream_commit_prose_ignored", "x\n\nUpstream commit 1234567890ab broke the foo driver.\n", ""},
        RefRow{"rhel_commit_line",
               "net: foo\n\nJIRA: https://issues.redhat.com/browse/RHEL-12345\n\ncommit " + kUp + "\n"
               "Author: Upstream Dev <dev@example.org>\nDate:   Tue Jan 2 10:00:00 2024 +0100\n\n"
               "    net: foo\n\n    Fixes: 1234567890ab (\"net: bar\")\n"
               "    Signed-off-by: Upstream Dev <dev@example.org>\n\n"
               "Signed-off-by: RH Dev <rhdev@redhat.com>\n",
               "commit_line " + kUp + " @5\n"},
        RefRow{"commit_line_needs_40", "x\n\ncommit 1234567890ab\n", ""},
        RefRow{"suse_git_commit",
               "net: foo\n\nGit-commit: " + kUp + "\nPatch-mainline: v6.8-rc1\nReferences: bsc#1212345\n",
               "git_commit_header " + kUp + " @3\n"},
        RefRow{"revert",
               "Revert \"drm/amd/display: foo\"\n\nThis reverts commit " + kUp + ".\n\n"
               "It causes a regression on Navi.\n\nSigned-off-by: A <a@b>\n",
               "reverts " + kUp + " @3\n"},
        RefRow{"revert_merge",
               "Revert \"Merge branch 'foo'\"\n\nThis reverts commit 1234567890abcdef, reversing\n"
               "changes made to fedcba0987654321.\n",
               "reverts 1234567890abcdef @3\n"},
        RefRow{"revert_inside_prose", "x\n\nAs discussed, this reverts commit 1234567890ab (\"net: foo\").\n",
               "reverts 1234567890ab @3\n"},
        RefRow{"partial_revert_ignored", "x\n\nThis partially reverts commit 1234567890ab.\n", ""},
        RefRow{"revert_quoted_indented_ignored", "x\n\n    This reverts commit 1234567890ab.\n", ""},
        RefRow{"revert_non_hex_ignored", "x\n\nThis reverts commit foobar.\n", ""},
        RefRow{"several_in_order",
               "FROMGIT: BACKPORT: mm: foo\n\ncommit " + kUp + " upstream.\n\n"
               "(cherry picked from commit 1234567890ab)\n[ Upstream commit abcdef1234567 ]\n",
               "commit_upstream " + kUp + " @3\ncherry_picked_from 1234567890ab @5\n"
               "upstream_commit_bracketed abcdef1234567 @6\n"},
        RefRow{"crlf", "x\r\n\r\ncommit " + kUp + " upstream.\r\n", "commit_upstream " + kUp + " @3\n"},
        // Xen's stable branches (stable-4.17: 267 such lines).
        RefRow{"xen_master_commit",
               "x86/spec-ctrl: Fix foo\n\nBody.\n\nSigned-off-by: A <a@b>\nAcked-by: B <b@c>\n"
               "master commit: " + kUp + "\nmaster date: 2023-07-13 11:06:07 +0100\n",
               "master_commit " + kUp + " @7\n"},
        RefRow{"xen_squash_two_master_commits",
               "x86: foo\n\nSigned-off-by: A <a@b>\nmaster commit: " + kUp + "\n"
               "master date: 2023-07-13 11:06:07 +0100\nmaster commit: 1234567890abcdef1234567890abcdef12345678\n"
               "master date: 2023-07-20 09:00:00 +0200\n",
               "master_commit " + kUp + " @4\nmaster_commit 1234567890abcdef1234567890abcdef12345678 @6\n"},
        RefRow{"xen_master_commit_prose_ignored", "x\n\nThe master commit 1234567890ab broke this.\n", ""},
        RefRow{"xen_master_commit_indented_ignored", "x\n\n  master commit: 1234567890ab\n", ""},
        // DEP-3 (Debian and Ubuntu packages' debian/patches headers).
        RefRow{"dep3_origin_upstream_cgit",
               "Fix a crash in foo\n\nOrigin: upstream, https://git.kernel.org/pub/scm/utils/foo/foo.git/commit/?id=" + kUp +
                   "\nBug-Debian: https://bugs.debian.org/1012345\nLast-Update: 2024-01-02\n",
               "dep3_origin " + kUp + " [https://git.kernel.org/pub/scm/utils/foo/foo.git/commit/?id=" + kUp + "] @3\n"},
        RefRow{"dep3_origin_backport_github",
               "Backport the bar fix\n\nOrigin: backport, https://github.com/foo/bar/commit/1234567890abcdef\n",
               "dep3_origin 1234567890abcdef [https://github.com/foo/bar/commit/1234567890abcdef] @3\n"},
        RefRow{"dep3_origin_commit_word", "x\n\nOrigin: upstream, commit:1234567890abcdef\n",
               "dep3_origin 1234567890abcdef @3\n"},
        RefRow{"dep3_origin_cgit_branch_and_id",
               "x\n\nOrigin: upstream, https://git.example.org/foo.git/commit/?h=stable&id=1234567890ab\n",
               "dep3_origin 1234567890ab [https://git.example.org/foo.git/commit/?h=stable&id=1234567890ab] @3\n"},
        RefRow{"dep3_origin_vendor_ignored",
               "x\n\nOrigin: vendor, https://github.com/foo/bar/commit/1234567890abcdef\n", ""},
        RefRow{"dep3_origin_mail_ignored", "x\n\nOrigin: upstream, https://lore.kernel.org/r/20240101.123@x\n", ""},
        // Xen's imported Linux code names commits of another repository: not a DEP-3 commit URL.
        RefRow{"origin_repository_and_id_ignored",
               "x\n\nOrigin: git://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git 1234567890ab\n", ""},
        RefRow{"dep3_applied_upstream_url",
               "x\n\nApplied-Upstream: 2.4.1, https://gitlab.com/foo/bar/-/commit/1234567890abcdef\n",
               "applied_upstream 1234567890abcdef [https://gitlab.com/foo/bar/-/commit/1234567890abcdef] @3\n"},
        RefRow{"dep3_applied_upstream_commit_word", "x\n\nApplied-Upstream: commit: 1234567890abcdef\n",
               "applied_upstream 1234567890abcdef @3\n"},
        RefRow{"dep3_applied_upstream_version_only", "x\n\nApplied-Upstream: 2.4.1\n", ""},
        // Yocto / OpenEmbedded recipes' patches.
        RefRow{"yocto_backport_url",
               "foo: fix bar\n\nUpstream-Status: Backport [https://git.openembedded.org/openembedded-core/commit/?id=" +
                   kUp + "]\nSigned-off-by: A <a@b>\n",
               "upstream_status_backport " + kUp + " [https://git.openembedded.org/openembedded-core/commit/?id=" + kUp +
                   "] @3\n"},
        RefRow{"yocto_backport_id", "x\n\nUpstream-Status: Backport [1234567890ab]\n",
               "upstream_status_backport 1234567890ab @3\n"},
        RefRow{"yocto_backport_commit_word", "x\n\nUpstream-Status: Backport [commit abcdef1]\n",
               "upstream_status_backport abcdef1 @3\n"},
        RefRow{"yocto_backport_version_ignored", "x\n\nUpstream-Status: Backport [2.3.1]\n", ""},
        RefRow{"yocto_backport_date_ignored", "x\n\nUpstream-Status: Backport [20230101]\n", ""},
        RefRow{"yocto_submitted_ignored",
               "x\n\nUpstream-Status: Submitted [https://github.com/foo/bar/commit/1234567890ab]\n", ""},
        // Commit URLs on a line that says it is the upstream commit.
        RefRow{"upstream_key_github", "x\n\nUpstream: https://github.com/qemu/qemu/commit/1234567890abcdef\n",
               "upstream_link 1234567890abcdef [https://github.com/qemu/qemu/commit/1234567890abcdef] @3\n"},
        RefRow{"upstream_commit_key_url",
               "x\n\nUpstream-Commit: https://git.kernel.org/torvalds/c/1234567890abcdef\n",
               "upstream_link 1234567890abcdef [https://git.kernel.org/torvalds/c/1234567890abcdef] @3\n"},
        RefRow{"upstream_commit_key_bare_id", "x\n\nUpstream-Commit: 1234567890abcdef\n",
               "upstream_commit 1234567890abcdef @3\n"},
        RefRow{"link_says_upstream",
               "x\n\nLink: https://git.kernel.org/linus/1234567890abcdef (upstream commit)\n",
               "upstream_link 1234567890abcdef [https://git.kernel.org/linus/1234567890abcdef] @3\n"},
        RefRow{"link_gitweb_upstream",
               "x\n\nLink: https://sourceware.org/git/?p=glibc.git;a=commit;h=1234567890abcdef # upstream\n",
               "upstream_link 1234567890abcdef [https://sourceware.org/git/?p=glibc.git;a=commit;h=1234567890abcdef] @3\n"},
        RefRow{"link_commit_url_not_said_upstream_ignored",
               "x\n\nLink: https://github.com/foo/bar/commit/1234567890abcdef\n", ""},
        RefRow{"link_mail_upstream_ignored", "x\n\nLink: https://lore.kernel.org/r/upstream-20240101@x\n", ""}),
    row_name<RefRow>);

// --- 7. subject prefixes, [PATCH] tags, normalisation ------------------------------------

struct SubjectRow {
  const char* name;
  std::string subject;
  std::string prefixes;  // joined with '|'
  std::string tag;       // "vV m/n rfc words raw" or "" when no tag
  std::string normalized;
};

std::string dump_tag(const std::optional<SubjectTag>& t) {
  if (!t) return "";
  std::string out = "v" + std::to_string(t->version) + " " + std::to_string(t->index) + "/" +
                    std::to_string(t->total) + (t->rfc ? " rfc" : "");
  for (const std::string& w : t->words) out += " " + w;
  return out + " " + t->raw;
}

class Subjects : public testing::TestWithParam<SubjectRow> {};

TEST_P(Subjects, Splits) {
  const SubjectRow& r = GetParam();
  Message m = parse(r.subject + "\n\nBody.\n");
  EXPECT_EQ(join(m.prefixes), r.prefixes);
  EXPECT_EQ(dump_tag(m.tag), r.tag);
  EXPECT_EQ(m.normalized_subject, r.normalized);
  EXPECT_EQ(normalize_subject(r.subject), r.normalized);
  EXPECT_EQ(normalize_subject(r.normalized), r.normalized);  // idempotent
}

INSTANTIATE_TEST_SUITE_P(
    Message, Subjects,
    testing::Values(
        SubjectRow{"plain", "x86/sev: Fix foo", "", "", "x86/sev: Fix foo"},
        SubjectRow{"upstream", "UPSTREAM: mm: fix foo", "UPSTREAM", "", "mm: fix foo"},
        SubjectRow{"backport_fromgit", "BACKPORT: FROMGIT: mm: fix foo", "BACKPORT|FROMGIT", "", "mm: fix foo"},
        SubjectRow{"fromlist_backport", "FROMLIST: BACKPORT: drm/msm: fix foo", "FROMLIST|BACKPORT", "",
                   "drm/msm: fix foo"},
        SubjectRow{"android_keeps_gki", "ANDROID: GKI: Update symbol list", "ANDROID", "", "GKI: Update symbol list"},
        SubjectRow{"chromium", "CHROMIUM: drm/i915: add quirk", "CHROMIUM", "", "drm/i915: add quirk"},
        SubjectRow{"ubuntu_sauce", "UBUNTU: SAUCE: (noup) apparmor: add foo", "UBUNTU: SAUCE", "",
                   "(noup) apparmor: add foo"},
        SubjectRow{"ubuntu_plain", "UBUNTU: Ubuntu-6.8.0-31.31", "UBUNTU", "", "Ubuntu-6.8.0-31.31"},
        SubjectRow{"nvidia_sauce", "NVIDIA: SAUCE: arm64: foo", "NVIDIA: SAUCE", "", "arm64: foo"},
        SubjectRow{"prefix_case_matters", "Upstream: foo", "", "", "Upstream: foo"},
        SubjectRow{"prefix_needs_colon", "UPSTREAMING foo", "", "", "UPSTREAMING foo"},
        SubjectRow{"fixup_not_stripped", "FIXUP: FROMLIST: drm/msm: foo", "", "", "FIXUP: FROMLIST: drm/msm: foo"},
        SubjectRow{"patch_v3_2_7", "[PATCH v3 2/7] net: foo", "", "v3 2/7 [PATCH v3 2/7]", "net: foo"},
        SubjectRow{"patch_rfc_v2", "[PATCH RFC v2 03/10] KVM: SEV: foo", "", "v2 3/10 rfc [PATCH RFC v2 03/10]",
                   "KVM: SEV: foo"},
        SubjectRow{"rfc_patch_cover", "[RFC PATCH 0/3] x86/tdx: foo", "", "v1 0/3 rfc [RFC PATCH 0/3]", "x86/tdx: foo"},
        SubjectRow{"tree_name", "[PATCH net-next 1/2] net: foo", "", "v1 1/2 net-next [PATCH net-next 1/2]", "net: foo"},
        SubjectRow{"tree_and_version", "[PATCH net-next v2 1/4] net: foo", "", "v2 1/4 net-next [PATCH net-next v2 1/4]",
                   "net: foo"},
        SubjectRow{"version_only", "[PATCH v3] net: foo", "", "v3 0/0 [PATCH v3]", "net: foo"},
        SubjectRow{"bare_patch", "[PATCH] net: foo", "", "v1 0/0 [PATCH]", "net: foo"},
        SubjectRow{"glued_version", "[PATCHv2 1/3] net: foo", "", "v2 1/3 [PATCHv2 1/3]", "net: foo"},
        SubjectRow{"upper_v", "[PATCH V2] net: foo", "", "v2 0/0 [PATCH V2]", "net: foo"},
        SubjectRow{"stable_review", "[PATCH 5.10 012/123] net: foo", "", "v1 12/123 5.10 [PATCH 5.10 012/123]",
                   "net: foo"},
        SubjectRow{"resend", "[PATCH RESEND net v2 1/1] net: foo", "", "v2 1/1 RESEND net [PATCH RESEND net v2 1/1]",
                   "net: foo"},
        SubjectRow{"two_groups", "[RFC][PATCH v2 1/3] mm: foo", "", "v2 1/3 rfc [RFC][PATCH v2 1/3]", "mm: foo"},
        SubjectRow{"list_tag_group", "[Intel-wired-lan] [PATCH net v2] ice: foo", "",
                   "v2 0/0 Intel-wired-lan net [Intel-wired-lan] [PATCH net v2]", "ice: foo"},
        SubjectRow{"reply", "Re: [PATCH v2 1/3] net: foo", "", "v2 1/3 [PATCH v2 1/3]", "net: foo"},
        SubjectRow{"reply_forward_repeated", "Re: RE: Fwd: [PATCH] net: foo", "", "v1 0/0 [PATCH]", "net: foo"},
        SubjectRow{"git_pull_no_tag", "[GIT PULL] KVM changes for 6.9", "", "", "KVM changes for 6.9"},
        SubjectRow{"old_subsystem_bracket_kept", "[NET]: Fix foo", "", "", "[NET]: Fix foo"},
        SubjectRow{"prefix_then_tag", "UPSTREAM: [PATCH] mm: foo", "UPSTREAM", "v1 0/0 [PATCH]", "mm: foo"},
        SubjectRow{"revert_not_stripped", "Revert \"UPSTREAM: mm: foo\"", "", "", "Revert \"UPSTREAM: mm: foo\""},
        SubjectRow{"prefix_before_revert", "UPSTREAM: Revert \"mm: foo\"", "UPSTREAM", "", "Revert \"mm: foo\""},
        SubjectRow{"only_a_tag", "[PATCH 2/2]", "", "v1 2/2 [PATCH 2/2]", ""},
        SubjectRow{"whitespace_collapsed", "  net:   fix\tfoo   bar  ", "", "", "net: fix foo bar"},
        SubjectRow{"unclosed_bracket_kept", "[PATCH net: foo", "", "", "[PATCH net: foo"},
        SubjectRow{"huge_version_is_a_word", "[PATCH v12345678] x", "", "v1 0/0 v12345678 [PATCH v12345678]", "x"}),
    row_name<SubjectRow>);

TEST(NormalizeSubject, MultiLineSubjectIsJoinedFirst) {
  Message m = parse("UPSTREAM: net: a subject\n  split in two\n\nBody.\n");
  EXPECT_EQ(m.subject, "UPSTREAM: net: a subject   split in two");
  EXPECT_EQ(m.normalized_subject, "net: a subject split in two");
}

TEST(NormalizeSubject, BackportAndUpstreamMeet) {
  EXPECT_EQ(normalize_subject("BACKPORT: FROMGIT: mm/hugetlb: fix  foo"), normalize_subject("mm/hugetlb: fix foo"));
  EXPECT_EQ(normalize_subject("Re: [PATCH v4 07/12] mm/hugetlb: fix foo"), normalize_subject("mm/hugetlb: fix foo"));
  EXPECT_NE(normalize_subject("Revert \"mm/hugetlb: fix foo\""), normalize_subject("mm/hugetlb: fix foo"));
  EXPECT_NE(normalize_subject("mm/hugetlb: Fix foo"), normalize_subject("mm/hugetlb: fix foo"));
}

TEST(NormalizeSubject, NonUtf8AndNulKept) {
  std::string s("net: caf\xE9\0x", 11);
  EXPECT_EQ(normalize_subject(s), s);
}

struct KeyRow {
  const char* name;
  std::string subject;
  std::string key;
};

class SubjectKey : public testing::TestWithParam<KeyRow> {};

TEST_P(SubjectKey, Folds) {
  const KeyRow& r = GetParam();
  EXPECT_EQ(subject_key(r.subject), r.key);
  EXPECT_EQ(subject_key(r.key), r.key);
}

INSTANTIATE_TEST_SUITE_P(Message, SubjectKey,
                         testing::Values(KeyRow{"lower", "[PATCH v2] net: Fix Foo.", "net: fix foo"},
                                         KeyRow{"dots", "net: fix foo...  ", "net: fix foo"},
                                         KeyRow{"prefix", "UPSTREAM: KVM: x86: Fix", "kvm: x86: fix"},
                                         KeyRow{"empty", "[PATCH]", ""}),
                         row_name<KeyRow>);

struct RevertRow {
  const char* name;
  std::string subject;
  bool revert;
};

class RevertSubject : public testing::TestWithParam<RevertRow> {};

TEST_P(RevertSubject, Detects) {
  EXPECT_EQ(is_revert_subject(GetParam().subject), GetParam().revert);
}

INSTANTIATE_TEST_SUITE_P(
    Message, RevertSubject,
    testing::Values(RevertRow{"git_revert", "Revert \"net: fix foo\"", true},
                    RevertRow{"revert_colon", "Revert: net: fix foo", true},
                    RevertRow{"lower_case", "revert \"net: fix foo\"", true},
                    RevertRow{"revert_of_revert", "Revert \"Revert \"net: fix foo\"\"", true},
                    RevertRow{"subsystem_revert", "drm/amd/display: Revert \"drm/amd/display: fix foo\"", true},
                    RevertRow{"two_subsystems", "ASoC: SOF: Revert \"ASoC: SOF: fix foo\"", true},
                    RevertRow{"subsystem_lower_revert", "net/mlx5: revert the foo workaround", true},
                    RevertRow{"after_prefix", "UPSTREAM: Revert \"mm: foo\"", true},
                    RevertRow{"after_tag", "[PATCH 5.15 1/2] Revert \"mm: foo\"", true},
                    RevertRow{"reapply", "Reapply \"net: fix foo\"", false},
                    RevertRow{"partial", "net: partially revert foo", false},
                    RevertRow{"reverted", "Reverted foo", false},
                    RevertRow{"revert_in_middle", "net: fix the revert path", false},
                    RevertRow{"prose_before_colon", "fix this: Revert foo", false},
                    RevertRow{"empty", "", false}),
    row_name<RevertRow>);

// --- 8. whole messages -------------------------------------------------------------------

TEST(WholeMessage, StableBackport) {
  Message m = parse(
      "net/sched: act_mirred: use the backlog for mirred ingress\n"
      "\n"
      "commit 52f671db18823089a02f07efc04efdb2272ddc17 upstream.\n"
      "\n"
      "The test Davide added in commit ca22da2fbd69 (\"act_mirred: use the backlog\n"
      "for nested calls to mirred ingress\") hangs our testing VMs every 10 or so\n"
      "runs, with the familiar tcp_v4_rcv -> tcp_v4_rcv deadlock reported by\n"
      "lockdep.\n"
      "\n"
      "Fixes: 53592b364001 (\"net/sched: act_mirred: Implement ingress actions\")\n"
      "Cc: stable@vger.kernel.org\n"
      "Reported-by: Jamal Hadi Salim <jhs@mojatatu.com>\n"
      "Signed-off-by: Jakub Kicinski <kuba@kernel.org>\n"
      "Link: https://lore.kernel.org/r/20240215143346.1715054-1-kuba@kernel.org\n"
      "Signed-off-by: Paolo Abeni <pabeni@redhat.com>\n"
      "Signed-off-by: Greg Kroah-Hartman <gregkh@linuxfoundation.org>\n");
  EXPECT_EQ(m.subject, "net/sched: act_mirred: use the backlog for mirred ingress");
  EXPECT_EQ(m.normalized_subject, m.subject);
  EXPECT_TRUE(m.prefixes.empty());
  EXPECT_FALSE(m.tag.has_value());
  EXPECT_EQ(dump_refs(m), "commit_upstream 52f671db18823089a02f07efc04efdb2272ddc17 @3\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].commit, "53592b364001");
  EXPECT_EQ(m.fixes[0].subject, "net/sched: act_mirred: Implement ingress actions");
  EXPECT_TRUE(m.fixes[0].well_formed);
  EXPECT_EQ(m.fixes[0].line, 10);
  EXPECT_EQ(dump_stable(m), "stable@vger.kernel.org [] @11\n");
  EXPECT_EQ(join(m.links), "https://lore.kernel.org/r/20240215143346.1715054-1-kuba@kernel.org");
  EXPECT_EQ(m.trailers.size(), 7u);
  EXPECT_EQ(m.line_count, 16);
  EXPECT_FALSE(is_revert_subject(m.subject));
}

TEST(WholeMessage, AndroidFromgit) {
  Message m = parse(
      "BACKPORT: FROMGIT: mm: multi-gen LRU: fix foo\n"
      "\n"
      "Some text.\n"
      "\n"
      "Link: https://lkml.kernel.org/r/20240101000000.1-yuzhao@google.com\n"
      "Fixes: 1234567890ab (\"mm: multi-gen LRU: add foo\")\n"
      "Signed-off-by: Yu Zhao <yuzhao@google.com>\n"
      "Cc: <stable@vger.kernel.org>\n"
      "Signed-off-by: Andrew Morton <akpm@linux-foundation.org>\n"
      "\n"
      "Bug: 254441685\n"
      "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567\n"
      " https://git.kernel.org/pub/scm/linux/kernel/git/akpm/mm.git mm-unstable)\n"
      "[ Resolved a trivial conflict in mm/vmscan.c ]\n"
      "Change-Id: I0123456789abcdef0123456789abcdef01234567\n"
      "Signed-off-by: Kalesh Singh <kaleshsingh@google.com>\n");
  EXPECT_EQ(join(m.prefixes), "BACKPORT|FROMGIT");
  EXPECT_EQ(m.normalized_subject, "mm: multi-gen LRU: fix foo");
  EXPECT_EQ(dump_refs(m),
            "cherry_picked_from 0123456789abcdef0123456789abcdef01234567 "
            "[https://git.kernel.org/pub/scm/linux/kernel/git/akpm/mm.git mm-unstable] @12\n");
  // Fixes:, Link: and Cc: live in an earlier paragraph than the trailer block.
  EXPECT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.links.size(), 1u);
  EXPECT_EQ(dump_stable(m), "stable@vger.kernel.org [] @8\n");
  EXPECT_EQ(dump_trailers(m),
            "Bug: 254441685 @11\n"
            "Change-Id: I0123456789abcdef0123456789abcdef01234567 @15\n"
            "Signed-off-by: Kalesh Singh <kaleshsingh@google.com> @16\n");
}

TEST(WholeMessage, RhelBackportQuotesUpstream) {
  Message m = parse(
      "x86/sev: Harden #VC instruction emulation somewhat\n"
      "\n"
      "JIRA: https://issues.redhat.com/browse/RHEL-12345\n"
      "Upstream Status: v6.7\n"
      "\n"
      "commit e3ef461af35a8c74f2f4ce6616491ddb355a208f\n"
      "Author: Borislav Petkov (AMD) <bp@alien8.de>\n"
      "Date:   Thu Oct 5 11:06:36 2023 +0200\n"
      "\n"
      "    x86/sev: Harden #VC instruction emulation somewhat\n"
      "\n"
      "    Fixes: 597cfe48212a (\"x86/boot/compressed/64: Setup a GHCB-based VC Exception handler\")\n"
      "    Cc: <stable@kernel.org>\n"
      "    Signed-off-by: Borislav Petkov (AMD) <bp@alien8.de>\n"
      "\n"
      "Signed-off-by: RH Dev <rhdev@redhat.com>\n");
  EXPECT_EQ(dump_refs(m), "commit_line e3ef461af35a8c74f2f4ce6616491ddb355a208f @6\n");
  EXPECT_TRUE(m.fixes.empty());
  EXPECT_TRUE(m.stable.empty());
  EXPECT_EQ(dump_trailers(m), "Signed-off-by: RH Dev <rhdev@redhat.com> @16\n");
}

TEST(WholeMessage, SusePatchHeaders) {
  Message m = parse(
      "KVM: SVM: Flush pages under kvm->lock to fix UAF in svm_register_enc_region()\n"
      "\n"
      "Git-commit: 5ef1d8c1ddbf696e47b226e11888eaf8d9e8f904\n"
      "Patch-mainline: v6.8-rc1\n"
      "References: bsc#1219112 CVE-2024-35791\n"
      "\n"
      "Do wbinvd_on_all_cpus(), a.k.a. sev_clflush_pages(), when adding pages.\n"
      "\n"
      "Fixes: 19a23da53932 (\"Fix unsynchronized access to sev members through svm_register_enc_region\")\n"
      "Signed-off-by: Sean Christopherson <seanjc@google.com>\n"
      "Acked-by: SUSE Dev <dev@suse.de>\n");
  EXPECT_EQ(dump_refs(m), "git_commit_header 5ef1d8c1ddbf696e47b226e11888eaf8d9e8f904 @3\n");
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_TRUE(m.fixes[0].well_formed);
  EXPECT_EQ(m.trailers.size(), 3u);
}

TEST(WholeMessage, GitRevert) {
  Message m = parse(
      "Revert \"drm/amd/display: Enable Freesync Video Mode by default\"\n"
      "\n"
      "This reverts commit de05abe6b9d0fe08f65d744f7f75a4cba4df27ad.\n"
      "\n"
      "The bug is not fixed.\n"
      "\n"
      "Signed-off-by: Alex Deucher <alexander.deucher@amd.com>\n");
  EXPECT_TRUE(is_revert_subject(m.subject));
  EXPECT_TRUE(m.prefixes.empty());
  EXPECT_EQ(m.normalized_subject, m.subject);
  EXPECT_EQ(dump_refs(m), "reverts de05abe6b9d0fe08f65d744f7f75a4cba4df27ad @3\n");
}

TEST(WholeMessage, MailPatchWithTag) {
  Message m = parse(
      "[PATCH v9 12/130] KVM: TDX: Add TDX \"architectural\" error codes\n"
      "\n"
      "Add error codes for the TDX SEAMCALLs both for TDX VMM side for TDH\n"
      "SEAMCALL and TDX guest side for TDG.VP.VMCALL.\n"
      "\n"
      "Signed-off-by: Sean Christopherson <sean.j.christopherson@intel.com>\n"
      "Signed-off-by: Isaku Yamahata <isaku.yamahata@intel.com>\n");
  ASSERT_TRUE(m.tag.has_value());
  EXPECT_EQ(m.tag->version, 9);
  EXPECT_EQ(m.tag->index, 12);
  EXPECT_EQ(m.tag->total, 130);
  EXPECT_FALSE(m.tag->rfc);
  EXPECT_EQ(m.tag->raw, "[PATCH v9 12/130]");
  EXPECT_EQ(m.normalized_subject, "KVM: TDX: Add TDX \"architectural\" error codes");
}

// --- 9. robustness -------------------------------------------------------------------------

void check_invariants(std::string_view raw, const Message& m) {
  EXPECT_EQ(m.line_count, count_lines(raw));
  auto in_range = [&](int line) { return line >= 1 && line <= m.line_count; };
  for (const Trailer& t : m.trailers) EXPECT_TRUE(in_range(t.line));
  for (const FixesRef& f : m.fixes) {
    EXPECT_TRUE(in_range(f.line));
    EXPECT_EQ(f.well_formed, f.problem.empty());
    if (!f.commit.empty()) {
      EXPECT_GE(f.commit.size(), 7u);
    }
  }
  for (const CommitRef& r : m.refs) EXPECT_TRUE(in_range(r.line));
  for (const StableHint& h : m.stable) EXPECT_TRUE(in_range(h.line));
  EXPECT_EQ(m.subject.find('\n'), std::string::npos);
  EXPECT_EQ(m.normalized_subject, normalize_subject(m.subject));
}

TEST(Robustness, NulBytes) {
  using namespace std::string_literals;
  std::string raw = "net: f\0o\n\nBody \0 text.\n\nFixes: 1234567890ab (\"a\0b\")\nSigned-off-by: A\0 <a@b>\n"s;
  Message m = parse(raw);
  check_invariants(raw, m);
  EXPECT_EQ(m.subject, std::string("net: f\0o", 8));
  ASSERT_EQ(m.fixes.size(), 1u);
  EXPECT_EQ(m.fixes[0].subject, std::string("a\0b", 3));
  ASSERT_EQ(m.trailers.size(), 2u);
  EXPECT_EQ(m.trailers[1].value, std::string("A\0 <a@b>", 8));
}

TEST(Robustness, InvalidUtf8) {
  std::string raw = "net: \xff\xfe\xc3 foo\n\n\x80\x81 body\n\nSigned-off-by: J\xf6rg <j@x>\n";
  Message m = parse(raw);
  check_invariants(raw, m);
  EXPECT_EQ(m.subject, "net: \xff\xfe\xc3 foo");
  EXPECT_EQ(dump_trailers(m), "Signed-off-by: J\xf6rg <j@x> @5\n");
}

TEST(Robustness, NoNewlineAnywhere) {
  Message m = parse("Signed-off-by: A <a@b>");
  EXPECT_EQ(m.subject, "Signed-off-by: A <a@b>");
  EXPECT_TRUE(m.trailers.empty());
  EXPECT_EQ(m.line_count, 1);
}

TEST(Robustness, LoneSeparators) {
  for (std::string raw : {"\n", "\r\n", "\r", ":", "\n\n:\n", "x\n\n:", "x\n\n(", "x\n\n[", "x\n\nFixes:",
                          "x\n\nFixes: (", "x\n\nFixes: (\"", "x\n\nFixes: (\")", "x\n\nFixes: \"",
                          "x\n\nCc: stable@kernel.org", "x\n\n(cherry picked from commit 1234567",
                          "x\n\n(cherry picked from commit 1234567\n", "[", "[]", "[PATCH", "Re:", "UBUNTU:",
                          "UBUNTU: SAUCE", "x\n\nThis reverts commit", "x\n\ncommit 1234567"}) {
    SCOPED_TRACE(raw);
    check_invariants(raw, parse(raw));
    (void)is_revert_subject(raw);
    (void)subject_key(raw);
  }
}

TEST(Robustness, TenMegabyteMessage) {
  std::string raw = "mm: big\n\n";
  while (raw.size() < 10u * 1024 * 1024) {
    raw += "Some prose line that goes on for a while, referencing commit 1234567890ab.\n";
    raw += "Fixes: 1234567890ab (\"mm: foo\")\n";
  }
  raw += "\nSigned-off-by: A <a@b>\n";
  Message m = parse(raw);
  check_invariants(raw, m);
  EXPECT_GT(m.fixes.size(), 90000u);
  EXPECT_EQ(m.trailers.size(), 1u);
}

TEST(Robustness, TenMegabytesOfTrailers) {
  std::string raw = "mm: big\n\n";
  while (raw.size() < 10u * 1024 * 1024) raw += "Cc: stable@vger.kernel.org # 5.10\n  continued\n";
  Message m = parse(raw);
  check_invariants(raw, m);
  EXPECT_EQ(m.trailers.size(), m.stable.size());
  EXPECT_GT(m.trailers.size(), 100000u);
}

TEST(Robustness, OneMegabyteLines) {
  const std::string big(1024 * 1024, 'a');
  const std::string bighex(1024 * 1024, 'f');
  const std::string brackets(1024 * 1024, '[');
  const std::string parens(1024 * 1024, ')');
  std::string raw = "UPSTREAM: " + brackets + big + "\n\n" + big + "\n" + "Fixes: " + bighex + " (\"" + parens +
                    "\n" + "Fixes: 1234567890ab (" + std::string(1024 * 1024, '"') + "\n" + "Link: " + big +
                    "\n" + "Cc: " + std::string(1024 * 1024, ' ') + "stable@kernel.org\n" + "(cherry picked from commit " +
                    bighex + ")\n" + "This reverts commit " + std::string(1024 * 1024, ' ') + "1234567\n" +
                    "Token" + big + ": x\n" + big + ":\n";
  Message m = parse(raw);
  check_invariants(raw, m);
  ASSERT_EQ(m.fixes.size(), 2u);
  EXPECT_EQ(m.fixes[0].commit, "");
  EXPECT_EQ(m.fixes[0].problem.rfind("id longer than 40 hex digits", 0), 0u);
  EXPECT_EQ(m.stable.size(), 1u);
  EXPECT_EQ(m.refs.size(), 1u);  // the revert; the cherry-pick id is too long
  EXPECT_EQ(normalize_subject(brackets), brackets);
}

TEST(Robustness, ManyShortLines) {
  std::string raw(10u * 1024 * 1024, '\n');
  raw[0] = 'x';
  Message m = parse(raw);
  check_invariants(raw, m);
  EXPECT_EQ(m.subject, "x");
  EXPECT_EQ(m.body, "");
  EXPECT_EQ(m.line_count, 10 * 1024 * 1024 - 1);  // "x\n" took two bytes
}

TEST(Robustness, ManyBracketGroups) {
  std::string subject;
  while (subject.size() < 1024 * 1024) subject += "[PATCH v2 1/2]";
  subject += " net: foo";
  EXPECT_EQ(normalize_subject(subject), "net: foo");
  Message m = parse(subject);
  ASSERT_TRUE(m.tag.has_value());
  EXPECT_EQ(m.tag->version, 2);
}

TEST(Robustness, LineCount) {
  EXPECT_EQ(count_lines(""), 0);
  EXPECT_EQ(count_lines("a"), 1);
  EXPECT_EQ(count_lines("a\n"), 1);
  EXPECT_EQ(count_lines("a\nb"), 2);
  EXPECT_EQ(count_lines("\n\n"), 2);
}

TEST(RefKindNames, AreStable) {
  EXPECT_EQ(to_string(RefKind::cherry_picked_from), "cherry_picked_from");
  EXPECT_EQ(to_string(RefKind::commit_upstream), "commit_upstream");
  EXPECT_EQ(to_string(RefKind::upstream_commit_bracketed), "upstream_commit_bracketed");
  EXPECT_EQ(to_string(RefKind::upstream_commit), "upstream_commit");
  EXPECT_EQ(to_string(RefKind::git_commit_header), "git_commit_header");
  EXPECT_EQ(to_string(RefKind::reverts), "reverts");
  EXPECT_EQ(to_string(RefKind::backported_from), "backported_from");
  EXPECT_EQ(to_string(RefKind::commit_line), "commit_line");
  EXPECT_EQ(to_string(RefKind::master_commit), "master_commit");
  EXPECT_EQ(to_string(RefKind::dep3_origin), "dep3_origin");
  EXPECT_EQ(to_string(RefKind::applied_upstream), "applied_upstream");
  EXPECT_EQ(to_string(RefKind::upstream_status_backport), "upstream_status_backport");
  EXPECT_EQ(to_string(RefKind::upstream_link), "upstream_link");
}

// --- 8. user-defined reference patterns (git config beaver.referencePattern) -------------

TEST(ReferencePatterns, NamedKindCapturesTheId) {
  auto rules = ReferenceRules::compile({"kind=gerrit_origin:^Original-Commit-Id: ([0-9a-f]+)$"});
  Message m = parse("x\n\nBody.\n\nOriginal-Commit-Id: 1234567890abcdef\nSigned-off-by: A <a@b>\n", rules);
  ASSERT_EQ(m.refs.size(), 1u);
  EXPECT_EQ(m.refs[0].kind, RefKind::pattern);
  EXPECT_EQ(kind_name(m.refs[0]), "gerrit_origin");
  EXPECT_EQ(m.refs[0].commit, "1234567890abcdef");
  EXPECT_EQ(m.refs[0].line, 5);
  // Without the rules the line says nothing.
  EXPECT_TRUE(parse("x\n\nOriginal-Commit-Id: 1234567890abcdef\n").refs.empty());
}

TEST(ReferencePatterns, DefaultKindUpperCaseAndSeveralLines) {
  auto rules = ReferenceRules::compile({"^Taken from ([0-9A-Fa-f]+) "});
  Message m = parse("x\n\nTaken from ABCDEF1234567 as is\nTaken from 1234567abcdef9 too\n", rules);
  ASSERT_EQ(m.refs.size(), 2u);
  EXPECT_EQ(kind_name(m.refs[0]), "reference_pattern");
  EXPECT_EQ(m.refs[0].commit, "abcdef1234567");
  EXPECT_EQ(m.refs[1].commit, "1234567abcdef9");
}

TEST(ReferencePatterns, IdMustBeHexOf7To40AndBuiltinsWin) {
  auto rules = ReferenceRules::compile({"kind=mine:commit ([^ ]+)"});
  // Not hex, too short: no reference. A built-in line gives its own kind only.
  Message m = parse("x\n\ncommit zzzzzzzzzz\ncommit abc12\ncommit " + kUp + " upstream.\n", rules);
  EXPECT_EQ(dump_refs(m), "commit_upstream " + kUp + " @5\n");
}

TEST(ReferencePatterns, SubjectLineIsNotRead) {
  auto rules = ReferenceRules::compile({"id=([0-9a-f]{7,40})"});
  EXPECT_TRUE(parse("fix id=1234567890ab\n\nbody\n", rules).refs.empty());
}

TEST(ReferencePatterns, BadPatternsNameTheKey) {
  for (std::string bad : {"master commit: ([0-9a-f]+", "no group here", "kind=Bad Name:(x)", "kind=fixes:([0-9a-f]+)",
                          "kind=master_commit:([0-9a-f]+)", "kind=nocolon", "kind=x:"}) {
    try {
      ReferenceRules::compile({"^ok ([0-9a-f]+)", bad});
      ADD_FAILURE() << bad << " compiled";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("beaver.referencePattern"), std::string::npos) << e.what();
    }
  }
}

TEST(ReferencePatterns, FingerprintFollowsPatterns) {
  ReferenceRules none;
  auto one = ReferenceRules::compile({"a ([0-9a-f]+)"});
  auto two = ReferenceRules::compile({"a ([0-9a-f]+)", "b ([0-9a-f]+)"});
  EXPECT_NE(none.fingerprint(), one.fingerprint());
  EXPECT_NE(one.fingerprint(), two.fingerprint());
  EXPECT_EQ(one.fingerprint(), ReferenceRules::compile({"a ([0-9a-f]+)"}).fingerprint());
}

TEST(ReferencePatterns, LongLinesAndNulBytes) {
  auto rules = ReferenceRules::compile({"^x+ ([0-9a-f]{12})"});
  std::string big = "s\n\n" + std::string(1 << 20, 'x') + " 1234567890ab\n";
  EXPECT_TRUE(parse(big, rules).refs.empty());  // beyond the 4096 bytes read
  std::string nul = "s\n\nxx 1234567890ab";
  nul += '\0';
  nul += "tail\n";
  EXPECT_EQ(dump_refs(parse(nul, rules)), "reference_pattern 1234567890ab @3\n");
}

}  // namespace
}  // namespace beaver::message
