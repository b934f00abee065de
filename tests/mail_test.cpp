// Tests for beaver::mail (src/mail/mail.h). Patches are made by `git
// format-patch` from real repositories, then sent through what mail
// transport does to them (quoted-printable, base64, CRLF, stripped trailing
// whitespace, another charset, MIME attachments); every patch-id must still
// equal `git patch-id --stable` of the commit. Archives (mbox, maildir,
// public-inbox v2) are built with the git CLI and its plumbing.
#include "mail/mail.h"

#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace beaver::mail {
namespace {

namespace fs = std::filesystem;
using test::sh_ok;
using test::TempDir;
using test::TestRepo;

// ---- helpers ------------------------------------------------------------------

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f << content;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// commit -> `git patch-id --stable` of `git log -p`, git's own answer.
std::map<std::string, std::string> git_ids(const std::string& repo, const std::string& range) {
  std::map<std::string, std::string> ids;
  for (const std::string& l : test::git_patch_ids(repo, range)) ids[l.substr(41)] = l.substr(0, 40);
  return ids;
}

// commit ids of `range`, oldest first.
std::vector<std::string> commits(const std::string& repo, const std::string& range) {
  return lines_of(sh_ok(repo, "git rev-list --reverse " + range));
}

std::string format_patch(const std::string& repo, const std::string& commit) {
  return sh_ok(repo, "git format-patch --thread -1 --stdout " + commit);
}

// Header and body of a message (split at the first empty line).
std::pair<std::string, std::string> split_message(const std::string& raw) {
  std::size_t at = raw.find("\n\n");
  EXPECT_NE(at, std::string::npos);
  return {raw.substr(0, at + 1), raw.substr(at + 2)};
}

// The message with its body re-encoded: drops the MIME headers format-patch
// wrote and declares text/plain in `charset` with transfer encoding `cte`.
std::string with_body(const std::string& raw, const std::string& cte, const std::string& body,
                      const std::string& charset = "UTF-8") {
  auto [header, old_body] = split_message(raw);
  std::string kept;
  for (const std::string& l : lines_of(header))
    if (l.rfind("MIME-Version:", 0) != 0 && l.rfind("Content-Type:", 0) != 0 &&
        l.rfind("Content-Transfer-Encoding:", 0) != 0)
      kept += l + "\n";
  return kept + "MIME-Version: 1.0\nContent-Type: text/plain; charset=" + charset +
         "\nContent-Transfer-Encoding: " + cte + "\n\n" + body;
}

// RFC 2045 quoted-printable: '=', control bytes and non-ASCII encoded,
// trailing blanks encoded, "From " at a line start encoded (as mailers do),
// soft line breaks keep lines at 76 characters.
std::string quoted_printable(const std::string& text) {
  std::string out;
  std::size_t col = 0;
  auto put = [&](const std::string& piece) {
    if (col + piece.size() > 75) {
      out += "=\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    for (std::size_t i = 0; i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      bool trailing_blank = (c == ' ' || c == '\t') && i + 1 == line.size();
      bool from = i == 0 && line.rfind("From ", 0) == 0;
      if (c == '=' || c > 126 || (c < 32 && c != '\t') || trailing_blank || from) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "=%02X", c);
        put(buf);
      } else {
        put(std::string(1, char(c)));
      }
    }
    if (nl == std::string::npos) break;
    out += "\n";
    col = 0;
    pos = nl + 1;
  }
  return out;
}

std::string base64(const std::string& data) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t col = 0;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    unsigned v = unsigned(static_cast<unsigned char>(data[i])) << 16;
    if (i + 1 < data.size()) v |= unsigned(static_cast<unsigned char>(data[i + 1])) << 8;
    if (i + 2 < data.size()) v |= unsigned(static_cast<unsigned char>(data[i + 2]));
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < data.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < data.size() ? t[v & 63] : '=';
    if ((col += 4) >= 76) {
      out += "\n";
      col = 0;
    }
  }
  return out + "\n";
}

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string strip_trailing_whitespace(const std::string& text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    out += line;
    if (nl == std::string::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out;
}

// Parses a message that must parse without any problem.
Mail parse_ok(const std::string& raw, const std::string& source = "test") {
  std::vector<Problem> problems;
  std::optional<Mail> mail = parse_message(raw, source, problems);
  for (const Problem& p : problems) ADD_FAILURE() << p.where << ": " << p.what;
  if (!mail) throw std::runtime_error("not parsed");
  return *mail;
}

std::vector<Mail> read_all(const std::string& path, std::vector<Problem>& problems, ReadStats* stats = nullptr) {
  std::vector<Mail> mails;
  ReadStats s = read_archive(path, [&](Mail&& m) { mails.push_back(std::move(m)); }, problems);
  if (stats) *stats = s;
  return mails;
}

std::string problems_text(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& p : problems) out += p.where + ": " + p.what + "\n";
  return out;
}

// A repository whose commits hold what breaks naive mail handling: empty
// context lines, trailing whitespace, a removed line "- " (which is "-- "
// in the diff, the signature separator), removed "-- x" and added "++ y"
// lines (which look like "--- "/"+++ " headers), long lines (QP soft
// breaks), '=' signs, tabs, UTF-8, a new and a deleted file, a rename with
// an edit, a mode change, no newline at end of file, and a commit message
// with a paragraph starting "From ".
class MailRepo : public ::testing::Test {
protected:
  void SetUp() override {
    repo.write("drivers/virt/coco/guest.c",
               "#include <linux/io.h>\n\n"
               "static int foo(void)\n{\n\tint ret;   \n\n\tret = bar();\n- \n\treturn ret;\n}\n\n"
               "/* keep */\n-- x\nplain\n\n\n\nint z = 1;\n");
    repo.write("README", "old readme\n");
    repo.write("scripts/run.sh", "#!/bin/sh\necho run\n");
    repo.write("lib/old_name.c", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
    base = repo.commit("base\n");

    repo.write("drivers/virt/coco/guest.c",
               "#include <linux/io.h>\n\n"
               "static int foo(void)\n{\n\tint ret;   \n\n\tret = baz(); \t\n\treturn ret;\n}\n\n"
               "/* keep */\n++ y\nplain\n\n\n\nint z = 2; /* a rather long line that a mail transport will wrap "
               "with soft line breaks = signs */\n");
    repo.write("scripts/run.sh", "#!/bin/sh\necho walk\n");
    repo.commit("virt: coco: Fix the guest call\n\nFrom the datasheet: the call returns an error.\n\n"
                "Signed-off-by: Ada Lovelace <ada@example.org>\n");

    repo.write("include/linux/caf\xc3\xa9.h", "/* caf\xc3\xa9 na\xc3\xafve */\nint caf\xc3\xa9;\n");
    fs::remove(repo_path() / "README");
    repo.commit("include: Add caf\xc3\xa9.h, drop README\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n");

    fs::remove(repo_path() / "lib/old_name.c");
    repo.write("lib/new_name.c", "one\ntwo\nthree\nFOUR\nfive\nsix\nseven");  // no newline at end
    sh_ok(repo.dir(), "chmod +x scripts/run.sh");
    repo.write("scripts/run.sh", "#!/bin/sh\necho run fast\n");
    repo.commit("lib: Rename old_name.c, make run.sh executable\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n");
    range = base + "..HEAD";
    ids = git_ids(repo.dir(), range);
    ASSERT_EQ(ids.size(), 3u);
  }
  fs::path repo_path() const { return fs::path(repo.dir()); }

  TestRepo repo;
  std::string base, range;
  std::map<std::string, std::string> ids;
};

// ---- parse_message: patch-ids through every transport -----------------------------

TEST_F(MailRepo, FormatPatchMailsHaveTheCommitsPatchIds) {
  for (const std::string& c : commits(repo.dir(), range)) {
    Mail m = parse_ok(format_patch(repo.dir(), c));
    EXPECT_TRUE(m.has_diff) << c;
    EXPECT_EQ(m.fingerprint.patch_id, ids.at(c)) << c;
    EXPECT_FALSE(m.message_id.empty());
    EXPECT_EQ(m.from_name, "Ada Lovelace");
    EXPECT_EQ(m.from_email, "ada@example.org");
    EXPECT_EQ(m.subject.rfind("[PATCH] ", 0), 0u) << m.subject;
    EXPECT_EQ(m.norm_subject, lines_of(sh_ok(repo.dir(), "git log -1 --format=%s " + c)).at(0));
    EXPECT_NE(m.time, 0);
  }
}

TEST_F(MailRepo, TransportsKeepThePatchId) {
  struct Variant {
    std::string name;
    std::string (*make)(const std::string&);
  };
  const std::vector<Variant> variants = {
      {"quoted-printable",
       [](const std::string& raw) { return with_body(raw, "quoted-printable", quoted_printable(split_message(raw).second)); }},
      {"base64", [](const std::string& raw) { return with_body(raw, "base64", base64(split_message(raw).second)); }},
      {"crlf", [](const std::string& raw) { return crlf(raw); }},
      {"stripped", [](const std::string& raw) { return strip_trailing_whitespace(raw); }},
      {"stripped+crlf", [](const std::string& raw) { return crlf(strip_trailing_whitespace(raw)); }},
      {"quoted-printable+crlf",
       [](const std::string& raw) {
         return crlf(with_body(raw, "quoted-printable", quoted_printable(split_message(raw).second)));
       }},
      {"base64 of crlf",
       [](const std::string& raw) { return with_body(raw, "base64", base64(crlf(split_message(raw).second))); }},
  };
  for (const std::string& c : commits(repo.dir(), range)) {
    std::string raw = format_patch(repo.dir(), c);
    for (const Variant& v : variants) {
      std::string sent = v.make(raw);
      ASSERT_NE(sent, raw) << v.name;  // the transport did change the bytes
      Mail m = parse_ok(sent);
      EXPECT_TRUE(m.has_diff) << v.name << " " << c;
      EXPECT_EQ(m.fingerprint.patch_id, ids.at(c)) << v.name << " " << c << "\n" << sent;
      EXPECT_EQ(m.from_email, "ada@example.org") << v.name;
    }
  }
}

TEST_F(MailRepo, StrippedWhitespaceNeedsTheEmptyContextLineRule) {
  // Without normalisation the empty lines would stop git's hunk counting,
  // and the next file's "diff --git" line would be hashed as part of the
  // first file: feeding the stripped diff as it is gives another id.
  std::string c = commits(repo.dir(), range).at(0);
  std::string body = strip_trailing_whitespace(split_message(format_patch(repo.dir(), c)).second);
  std::string raw_diff = body.substr(body.find("diff --git"));
  raw_diff = raw_diff.substr(0, raw_diff.rfind("\n--\n") + 1);  // the signature, not the removed line "- "
  ASSERT_NE(raw_diff.find("diff --git a/scripts/run.sh"), std::string::npos);
  EXPECT_NE(git::fingerprint_of(raw_diff).patch_id, ids.at(c));
  std::string diff = extract_diff(body);
  EXPECT_EQ(git::fingerprint_of(diff).patch_id, ids.at(c));
  EXPECT_NE(diff.find("\n \n"), std::string::npos);  // the empty context line became " "
}

TEST_F(MailRepo, Latin1BodyIsConvertedToUtf8) {
  std::string c = commits(repo.dir(), range).at(1);  // adds café.h
  std::string raw = format_patch(repo.dir(), c);
  std::string body = split_message(raw).second;
  std::string latin1;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\xc3' && i + 1 < body.size()) {  // U+00C0..U+00FF -> one byte
      latin1 += char(static_cast<unsigned char>(body[i + 1]) + 0x40);
      ++i;
    } else {
      latin1 += body[i];
    }
  }
  ASSERT_NE(latin1, body);
  // The subject is RFC 2047 encoded by format-patch; only the body is latin-1.
  Mail as_latin1 = parse_ok(with_body(raw, "8bit", latin1, "iso-8859-1"));
  EXPECT_EQ(as_latin1.fingerprint.patch_id, ids.at(c));
  Mail qp_latin1 = parse_ok(with_body(raw, "quoted-printable", quoted_printable(latin1), "ISO-8859-1"));
  EXPECT_EQ(qp_latin1.fingerprint.patch_id, ids.at(c));
  EXPECT_EQ(as_latin1.subject, "[PATCH] include: Add caf\xc3\xa9.h, drop README");
  // Declared as UTF-8, the latin-1 bytes are kept as they are: another id.
  Mail mislabeled = parse_ok(with_body(raw, "8bit", latin1, "UTF-8"));
  EXPECT_TRUE(mislabeled.has_diff);
  EXPECT_NE(mislabeled.fingerprint.patch_id, ids.at(c));
}

TEST_F(MailRepo, PatchAsTextXPatchAttachment) {
  std::string c = commits(repo.dir(), range).at(0);
  std::string raw = format_patch(repo.dir(), c);
  auto [header, body] = split_message(raw);
  std::string kept;
  for (const std::string& l : lines_of(header))
    if (l.rfind("MIME-Version:", 0) != 0 && l.rfind("Content-Type:", 0) != 0 &&
        l.rfind("Content-Transfer-Encoding:", 0) != 0)
      kept += l + "\n";
  std::string mail = kept +
                     "MIME-Version: 1.0\n"
                     "Content-Type: multipart/mixed; boundary=\"XYZ\"\n\n"
                     "This is a multi-part message in MIME format.\n"
                     "--XYZ\nContent-Type: text/plain; charset=UTF-8\n\nHi,\n\nthe fix is attached.\n\n"
                     "--XYZ\nContent-Type: text/x-patch; charset=UTF-8; name=\"0001-fix.patch\"\n"
                     "Content-Disposition: attachment; filename=\"0001-fix.patch\"\n"
                     "Content-Transfer-Encoding: base64\n\n" +
                     base64(body) + "--XYZ--\n";
  Mail m = parse_ok(mail);
  EXPECT_TRUE(m.has_diff);
  EXPECT_EQ(m.fingerprint.patch_id, ids.at(c));

  // A .patch file sent as application/octet-stream is taken too.
  std::string octet = mail;
  octet.replace(octet.find("text/x-patch; charset=UTF-8;"), 28, "application/octet-stream;");
  Mail o = parse_ok(octet);
  EXPECT_EQ(o.fingerprint.patch_id, ids.at(c));
}

TEST_F(MailRepo, BrokenMimeYieldsWhatItCan) {
  std::string c = commits(repo.dir(), range).at(0);
  std::string raw = format_patch(repo.dir(), c);
  auto [header, body] = split_message(raw);
  // Multipart whose closing boundary never comes (a truncated mail).
  std::string unclosed = with_body(raw, "8bit", "");
  unclosed = unclosed.substr(0, unclosed.find("Content-Type:")) +
             "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n" + body;
  std::vector<Problem> problems;
  std::optional<Mail> m = parse_message(unclosed, "unclosed", problems);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fingerprint.patch_id, ids.at(c));
  EXPECT_TRUE(problems.empty()) << problems_text(problems);

  // An unknown transfer encoding: the body is taken as it is.
  Mail bogus = parse_ok(with_body(raw, "x-bogus-encoding", body));
  EXPECT_EQ(bogus.fingerprint.patch_id, ids.at(c));

  // multipart without a boundary parameter, an unknown charset, headers
  // folded oddly, a garbage Date: nothing crashes and the rest is read.
  std::string odd = "Message-ID: <odd@example.org>\nFrom: \"Weird\" <w@example.org>\nDate: yesterday-ish\n"
                    "Subject: [PATCH]\n  folded\n\tsubject\nContent-Type: multipart/mixed\n\n" + body;
  problems.clear();
  std::optional<Mail> o = parse_message(odd, "odd", problems);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->subject, "[PATCH]  folded\tsubject");
  EXPECT_EQ(o->norm_subject, "folded subject");
  EXPECT_EQ(o->time, 0);
  EXPECT_EQ(o->date, "");
  std::string unknown_charset = with_body(raw, "8bit", body, "x-no-such-charset");
  EXPECT_EQ(parse_ok(unknown_charset).fingerprint.patch_id, ids.at(c));
}

TEST_F(MailRepo, TruncatedDiffIsAProblem) {
  std::string c = commits(repo.dir(), range).at(0);
  std::string raw = format_patch(repo.dir(), c);
  std::string cut = raw.substr(0, raw.find('\n', raw.find("/* keep */")) + 1);
  std::vector<Problem> problems;
  std::optional<Mail> m = parse_message(cut, "cut@7", problems);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->has_diff);
  EXPECT_NE(m->fingerprint.patch_id, ids.at(c));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where, "cut@7");
  EXPECT_NE(problems[0].what.find("ends inside a hunk"), std::string::npos);
}

// ---- parse_message: headers, tags, replies -------------------------------------------

TEST_F(MailRepo, SeriesWithCoverLetterAndVersion) {
  std::string out = sh_ok(repo.dir(), "git format-patch --thread --stdout --cover-letter -v3 --rfc " + range);
  TempDir tmp;
  std::string path = tmp.str() + "/series.mbox";
  write_file(path, out);
  std::vector<Problem> problems;
  ReadStats stats;
  std::vector<Mail> mails = read_all(path, problems, &stats);
  EXPECT_TRUE(problems.empty()) << problems_text(problems);
  ASSERT_EQ(mails.size(), 4u);
  EXPECT_EQ(stats.messages, 4u);
  EXPECT_EQ(stats.patches, 3u);
  const Mail& cover = mails[0];
  EXPECT_FALSE(cover.has_diff);
  EXPECT_TRUE(cover.fingerprint.patch_id.empty());
  EXPECT_EQ(cover.index, 0);
  EXPECT_EQ(cover.total, 3);
  EXPECT_EQ(cover.version, 3);
  EXPECT_TRUE(cover.rfc);
  std::vector<std::string> cs = commits(repo.dir(), range);
  for (int i = 1; i <= 3; ++i) {
    const Mail& m = mails[std::size_t(i)];
    EXPECT_EQ(m.index, i);
    EXPECT_EQ(m.total, 3);
    EXPECT_EQ(m.version, 3);
    EXPECT_TRUE(m.rfc);
    EXPECT_TRUE(m.has_diff);
    EXPECT_EQ(m.fingerprint.patch_id, ids.at(cs[std::size_t(i - 1)]));
  }
  // Sources are FILE@OFFSET of each envelope line.
  EXPECT_EQ(mails[0].source, path + "@0");
  for (const Mail& m : mails) {
    std::size_t offset = std::stoul(m.source.substr(m.source.rfind('@') + 1));
    EXPECT_EQ(out.compare(offset, 5, "From "), 0) << m.source;
  }
}

TEST(MailParse, HeadersDecodedAndTagsRead) {
  std::string raw =
      "From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.org>\n"
      "Subject: =?UTF-8?B?W1BBVENIIHYzIDIvN10geDg2L3NldjogRml4IGNhZsOpIGhhbmRsaW5n?=\n"
      "Date: Fri, 01 Mar 2024 13:00:00 +0100\n"
      "Message-Id: <20240301120000.1234-2-joerg@example.org>\n"
      "In-Reply-To: <20240301120000.1234-0-joerg@example.org>\n"
      "\n"
      "Text.\n";
  Mail m = parse_ok(raw, "here");
  EXPECT_EQ(m.from_name, "J\xc3\xb6rg M\xc3\xbcller");
  EXPECT_EQ(m.from_email, "joerg@example.org");
  EXPECT_EQ(m.subject, "[PATCH v3 2/7] x86/sev: Fix caf\xc3\xa9 handling");
  EXPECT_EQ(m.norm_subject, "x86/sev: Fix caf\xc3\xa9 handling");
  EXPECT_EQ(m.version, 3);
  EXPECT_EQ(m.index, 2);
  EXPECT_EQ(m.total, 7);
  EXPECT_FALSE(m.rfc);
  EXPECT_EQ(m.time, 1709294400);
  EXPECT_EQ(m.date, "2024-03-01T12:00:00Z");
  EXPECT_EQ(m.message_id, "20240301120000.1234-2-joerg@example.org");
  EXPECT_EQ(m.in_reply_to, "20240301120000.1234-0-joerg@example.org");
  EXPECT_EQ(m.source, "here");
  EXPECT_FALSE(m.has_diff);
}

TEST(MailParse, ReplyQuotingAPatchHasNoDiff) {
  std::string raw =
      "From: Reviewer <rev@example.org>\n"
      "Subject: Re: [PATCH v2 1/2] mm: Fix the thing\n"
      "Message-ID: <reply@example.org>\n"
      "In-Reply-To: <patch@example.org> (Ada Lovelace's message of Mon)\n"
      "References: <cover@example.org> <patch@example.org>\n"
      "\n"
      "On Mon, Ada wrote:\n"
      "> diff --git a/mm/x.c b/mm/x.c\n"
      "> --- a/mm/x.c\n"
      "> +++ b/mm/x.c\n"
      "> @@ -1 +1 @@\n"
      "> -a\n"
      "> +b\n"
      "\n"
      "Reviewed-by: Reviewer <rev@example.org>\n"
      "-- \nsig\n";
  Mail m = parse_ok(raw);
  EXPECT_FALSE(m.has_diff);
  EXPECT_TRUE(m.fingerprint.patch_id.empty());
  EXPECT_EQ(m.in_reply_to, "patch@example.org");
  EXPECT_EQ(m.norm_subject, "mm: Fix the thing");
  EXPECT_EQ(m.version, 2);
  EXPECT_EQ(m.index, 1);
  EXPECT_EQ(m.total, 2);
}

TEST(MailParse, NotAMessageAndMissingMessageId) {
  std::vector<Problem> problems;
  EXPECT_FALSE(parse_message("", "empty", problems));
  EXPECT_FALSE(parse_message("just some text\nwithout a header\n", "text", problems));
  EXPECT_FALSE(parse_message("\n\nSubject: late\n", "blank", problems));
  EXPECT_FALSE(parse_message("From abc Mon Sep 17 00:00:00 2001\n\x01\x02\x03 junk\n", "junk", problems));
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].where, "empty");
  EXPECT_EQ(problems[1].where, "text");
  EXPECT_NE(problems[1].what.find("no header"), std::string::npos);
  EXPECT_EQ(problems[3].where, "junk");

  problems.clear();
  std::optional<Mail> m = parse_message("Subject: [PATCH] no id\nFrom: a@example.org\n\nbody\n", "noid", problems);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message_id, "");
  EXPECT_EQ(m->from_email, "a@example.org");
  EXPECT_EQ(m->from_name, "");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where, "noid");
  EXPECT_NE(problems[0].what.find("Message-ID"), std::string::npos);
}

// ---- extract_diff ---------------------------------------------------------------------

TEST(MailDiff, FromDiffGitToTheLastHunk) {
  std::string body =
      "Explain the change.\n\nSigned-off-by: A <a@example.org>\n---\n"
      " f.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
      "diff --git a/f.c b/f.c\nindex 1111111..2222222 100644\n--- a/f.c\n+++ b/f.c\n"
      "@@ -1,3 +1,3 @@\n a\n-- \n+b\n c\n"
      "-- \n2.39.5\n\n";
  std::string diff = extract_diff(body);
  EXPECT_EQ(diff,
            "diff --git a/f.c b/f.c\nindex 1111111..2222222 100644\n--- a/f.c\n+++ b/f.c\n"
            "@@ -1,3 +1,3 @@\n a\n-- \n+b\n c\n");
  EXPECT_EQ(extract_diff(diff), diff);
  EXPECT_EQ(extract_diff(crlf(body)), diff);
  EXPECT_FALSE(extract_diff_detail(body).truncated);

  EXPECT_EQ(extract_diff("no diff here\n--- a/x\nnot a diff\n"), "");
  EXPECT_EQ(extract_diff("> diff --git a/x b/x\n> @@ -1 +1 @@\n"), "");
  EXPECT_EQ(extract_diff(""), "");
  // After a signature nothing is taken.
  EXPECT_EQ(extract_diff("-- \nsig\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"), "");
}

TEST(MailDiff, TextBetweenDiffsIsSkippedAndTruncationReported) {
  std::string one = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
  std::string two = "diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1,2 +1 @@\n-a\n b\n";
  EXPECT_EQ(extract_diff(one + "and also this:\n\n" + two + "\nthanks\n"), one + two);
  ExtractedDiff cut = extract_diff_detail(one + "diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1,3 +1 @@\n-a\n");
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.text.substr(0, one.size()), one);
  ExtractedDiff mangled = extract_diff_detail("diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1,3 +1,3 @@\n a\nwrapped\n b\n");
  EXPECT_TRUE(mangled.truncated);
  EXPECT_EQ(mangled.text, "diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1,3 +1,3 @@\n a\n");
}

TEST_F(MailRepo, QuiltStyleDiffGetsTheGitPatchId) {
  // The same patch with the headers quilt / diff -u write: no "diff --git"
  // nor "index" lines, other prefixes, timestamps, "Index:" lines.
  std::string c = commits(repo.dir(), range).at(0);
  std::string raw = format_patch(repo.dir(), c);
  std::string quilt;
  std::istringstream in(raw);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("diff --git a/", 0) == 0) {
      std::string path = l.substr(13, l.find(" b/") - 13);
      quilt += "Index: linux-6.8/" + path + "\n===================================================================\n";
    } else if (l.rfind("index ", 0) == 0) {
      continue;
    } else if (l.rfind("--- a/", 0) == 0) {
      quilt += "--- linux-6.8.orig/" + l.substr(6) + "\t2024-03-01 12:00:00.000000000 +0100\n";
    } else if (l.rfind("+++ b/", 0) == 0) {
      quilt += "+++ linux-6.8/" + l.substr(6) + "\t2024-03-01 12:05:00.000000000 +0100\n";
    } else {
      quilt += l + "\n";
    }
  }
  ASSERT_EQ(quilt.find("diff --git"), std::string::npos);
  Mail m = parse_ok(quilt);
  EXPECT_TRUE(m.has_diff);
  EXPECT_EQ(m.fingerprint.patch_id, ids.at(c));
  std::string diff = extract_diff(split_message(quilt).second);
  EXPECT_EQ(diff.rfind("Index: linux-6.8/drivers/virt/coco/guest.c\n", 0), 0u) << diff;
  EXPECT_EQ(git_style_diff(diff).rfind("diff --git a/drivers/virt/coco/guest.c b/drivers/virt/coco/guest.c\n"
                                       "--- a/drivers/virt/coco/guest.c\n+++ b/drivers/virt/coco/guest.c\n@@ ",
                                       0),
            0u)
      << git_style_diff(diff);
}

TEST(MailDiff, QuiltNewAndDeletedFiles) {
  TestRepo repo;
  repo.write("gone.c", "bye\nbye\n");
  std::string base = repo.commit("base");
  repo.write("new.c", "hello\nworld\n");
  fs::remove(fs::path(repo.dir()) / "gone.c");
  std::string c = repo.commit("add and delete");
  std::string want = git_ids(repo.dir(), base + "..HEAD").at(c);
  std::string diff =
      "--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+hello\n+world\n"
      "--- linux.orig/gone.c\t2024-01-01 00:00:00.000000000 +0000\n+++ linux/gone.c\t1970-01-01 00:00:00.000000000 "
      "+0000\n@@ -1,2 +0,0 @@\n-bye\n-bye\n";
  EXPECT_EQ(extract_diff(diff), diff);
  EXPECT_EQ(git::fingerprint_of(git_style_diff(diff)).patch_id, want) << git_style_diff(diff);
}

// ---- read_archive ---------------------------------------------------------------------

TEST_F(MailRepo, MboxWithGarbageAndATruncatedLastMessage) {
  std::vector<std::string> cs = commits(repo.dir(), range);
  std::string m1 = format_patch(repo.dir(), cs[0]);
  std::string m2 = format_patch(repo.dir(), cs[1]);
  std::string m3 = format_patch(repo.dir(), cs[2]);
  std::string garbage = "From garbage Mon Sep 17 00:00:00 2001\n\x01\x02 not a header\n\n";
  std::string cut = m3.substr(0, m3.find("-seven") + 4);  // in the middle of a hunk line
  std::string mbox = "\n" + m1 + garbage + m2 + cut;
  TempDir tmp;
  std::string path = tmp.str() + "/list.mbox";
  write_file(path, mbox);
  std::vector<Problem> problems;
  ReadStats stats;
  std::vector<Mail> mails = read_all(path, problems, &stats);
  ASSERT_EQ(mails.size(), 3u) << problems_text(problems);
  EXPECT_EQ(stats.messages, 4u);
  EXPECT_EQ(stats.patches, 3u);
  EXPECT_EQ(mails[0].fingerprint.patch_id, ids.at(cs[0]));
  EXPECT_EQ(mails[1].fingerprint.patch_id, ids.at(cs[1]));
  EXPECT_EQ(mails[0].source, path + "@1");
  EXPECT_EQ(mails[1].source, path + "@" + std::to_string(1 + m1.size() + garbage.size()));
  std::string garbage_at = path + "@" + std::to_string(1 + m1.size());
  std::string cut_at = path + "@" + std::to_string(1 + m1.size() + garbage.size() + m2.size());
  EXPECT_EQ(mails[2].source, cut_at);
  std::string all = problems_text(problems);
  EXPECT_NE(all.find(garbage_at + ": not a mail message"), std::string::npos) << all;
  EXPECT_NE(all.find(cut_at + ": the file ends in the middle of a line"), std::string::npos) << all;
  EXPECT_NE(all.find(cut_at + ": the diff ends inside a hunk"), std::string::npos) << all;
  // The paragraph "From the datasheet: ..." in the first message did not split it.
  EXPECT_EQ(mails[0].norm_subject, "virt: coco: Fix the guest call");
}

TEST_F(MailRepo, EscapedEnvelopeLinesDoNotSplitMessages) {
  // mboxrd (public-inbox's mbox downloads) escapes body lines that look like
  // an envelope; git format-patch does not escape, and kernel commit
  // messages have paragraphs starting "From ". Neither splits a message.
  std::vector<std::string> cs = commits(repo.dir(), range);
  std::string m1 = format_patch(repo.dir(), cs[0]);
  std::string m2 = format_patch(repo.dir(), cs[1]);
  m1.insert(m1.find("Signed-off-by:"), ">From 1234 Mon Sep 17 00:00:00 2001\nFrom me to you.\n\n");
  std::string mbox = "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m1.substr(m1.find('\n') + 1) +
                     "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m2.substr(m2.find('\n') + 1);
  TempDir tmp;
  write_file(tmp.path() / "rd.mbox", mbox);
  std::vector<Problem> problems;
  std::vector<Mail> mails = read_all((tmp.path() / "rd.mbox").string(), problems);
  EXPECT_TRUE(problems.empty()) << problems_text(problems);
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0].fingerprint.patch_id, ids.at(cs[0]));
  EXPECT_EQ(mails[1].fingerprint.patch_id, ids.at(cs[1]));
}

TEST_F(MailRepo, MaildirOfFormatPatchFiles) {
  TempDir tmp;
  std::string dir = tmp.str() + "/inbox";
  sh_ok(repo.dir(), "git format-patch --thread -q -o " + test::quote(dir + "/cur") + " " + range);
  fs::create_directories(dir + "/new");
  fs::create_directories(dir + "/tmp");
  write_file(dir + "/tmp/half-delivered", "Subject: not yet\n");
  write_file(dir + "/cur/.hidden", "junk");
  std::vector<Problem> problems;
  ReadStats stats;
  std::vector<Mail> mails = read_all(dir, problems, &stats);
  EXPECT_TRUE(problems.empty()) << problems_text(problems);
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_EQ(stats.patches, 3u);
  std::vector<std::string> cs = commits(repo.dir(), range);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(mails[i].fingerprint.patch_id, ids.at(cs[i]));
    EXPECT_EQ(mails[i].source.rfind(dir + "/cur/000" + std::to_string(i + 1) + "-", 0), 0u) << mails[i].source;
  }
}

// A public-inbox v2 inbox made with git plumbing: one commit per message
// holding it in "m", deletions as commits without "m".
class PublicInbox {
public:
  explicit PublicInbox(std::string dir) : dir_(std::move(dir)) {}
  std::string epoch(int n) const { return dir_ + "/git/" + std::to_string(n) + ".git"; }
  void init(int n) { sh_ok(dir_, "mkdir -p git && git init -q --bare " + test::quote(epoch(n))); }
  // Returns {commit, blob}.
  std::pair<std::string, std::string> add(int n, const std::string& message) {
    std::string git = "git --git-dir=" + test::quote(epoch(n)) + " ";
    std::string blob = lines_of(sh_ok(dir_, git + "hash-object -w --stdin", message)).at(0);
    std::string tree = lines_of(sh_ok(dir_, git + "mktree", "100644 blob " + blob + "\tm\n")).at(0);
    return {commit(n, tree), blob};
  }
  std::string remove(int n) {
    std::string git = "git --git-dir=" + test::quote(epoch(n)) + " ";
    std::string tree = lines_of(sh_ok(dir_, git + "mktree", "")).at(0);
    return commit(n, tree);
  }

private:
  std::string commit(int n, const std::string& tree) {
    std::string git = "git --git-dir=" + test::quote(epoch(n)) + " ";
    std::string parent = test::sh(dir_, git + "rev-parse -q --verify refs/heads/master").out;
    parent = parent.empty() ? "" : " -p " + parent.substr(0, 40);
    std::string c = lines_of(sh_ok(dir_, git + "commit-tree " + tree + parent, "msg\n")).at(0);
    sh_ok(dir_, git + "update-ref refs/heads/master " + c);
    return c;
  }
  std::string dir_;
};

TEST_F(MailRepo, PublicInboxV2) {
  TempDir tmp;
  PublicInbox inbox(tmp.str());
  inbox.init(0);
  inbox.init(1);
  std::vector<std::string> cs = commits(repo.dir(), range);
  auto a = inbox.add(0, format_patch(repo.dir(), cs[0]));
  auto b = inbox.add(0, "From: Spammer <s@example.org>\nMessage-ID: <spam@x>\nSubject: buy\n\nbuy\n");
  std::string deletion = inbox.remove(0);
  auto c = inbox.add(1, format_patch(repo.dir(), cs[1]));
  auto d = inbox.add(1, format_patch(repo.dir(), cs[2]));
  inbox.init(2);  // a new epoch without commits yet

  std::vector<Problem> problems;
  ReadStats stats;
  std::vector<Mail> mails = read_all(tmp.str(), problems, &stats);
  EXPECT_TRUE(problems.empty()) << problems_text(problems);
  ASSERT_EQ(mails.size(), 4u);  // the deletion commit is no message
  EXPECT_EQ(stats.messages, 4u);
  EXPECT_EQ(stats.patches, 3u);
  EXPECT_EQ(mails[0].source, "0.git@" + a.first);
  EXPECT_EQ(mails[1].source, "0.git@" + b.first);
  EXPECT_EQ(mails[2].source, "1.git@" + c.first);
  EXPECT_EQ(mails[3].source, "1.git@" + d.first);
  EXPECT_EQ(mails[0].fingerprint.patch_id, ids.at(cs[0]));
  EXPECT_FALSE(mails[1].has_diff);
  EXPECT_EQ(mails[2].fingerprint.patch_id, ids.at(cs[1]));
  EXPECT_EQ(mails[3].fingerprint.patch_id, ids.at(cs[2]));

  // One epoch on its own.
  problems.clear();
  std::vector<Mail> one = read_all(inbox.epoch(1) + "/", problems);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].source, "1.git@" + c.first);

  // A blob missing (a partial clone): a problem naming the commit, the
  // other messages still read.
  std::string loose = inbox.epoch(0) + "/objects/" + a.second.substr(0, 2) + "/" + a.second.substr(2);
  ASSERT_TRUE(fs::remove(loose));
  problems.clear();
  mails = read_all(tmp.str(), problems);
  EXPECT_EQ(mails.size(), 3u);
  ASSERT_EQ(problems.size(), 1u) << problems_text(problems);
  EXPECT_EQ(problems[0].where, "0.git@" + a.first);
  EXPECT_NE(problems[0].what.find("missing"), std::string::npos) << problems[0].what;
  EXPECT_NE(problems[0].what.find(a.second), std::string::npos) << problems[0].what;
}

TEST(MailArchive, WhatIsNotAnArchiveIsAnError) {
  TempDir tmp;
  std::vector<Problem> problems;
  auto expect_error = [&](const std::string& path, const std::string& words) {
    try {
      read_all(path, problems);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_NE(what.find(words), std::string::npos) << what;
      EXPECT_NE(what.find("maildir"), std::string::npos) << what;  // says what is accepted
    }
  };
  expect_error(tmp.str() + "/nonexistent", "no such file");
  fs::create_directories(tmp.path() / "empty");
  expect_error(tmp.str() + "/empty", "not a mail archive");
  TestRepo code;  // a git repository, but of code
  code.write("m.c", "int m;\n");
  code.commit("code");
  expect_error(code.dir(), "no file \"m\"");
  fs::create_directories(tmp.path() / "fresh");
  sh_ok(tmp.str(), "git init -q --bare fresh/repo.git");
  expect_error(tmp.str() + "/fresh/repo.git", "without commits");

  // An empty file is an empty mbox; a file of one message without an
  // envelope line is one message.
  write_file(tmp.path() / "empty.mbox", "");
  EXPECT_EQ(read_archive((tmp.path() / "empty.mbox").string(), [](Mail&&) {}, problems).messages, 0u);
  write_file(tmp.path() / "one.eml", "Subject: hi\nMessage-ID: <1@x>\n\nhello\n");
  std::vector<Mail> one = read_all((tmp.path() / "one.eml").string(), problems);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].message_id, "1@x");
  EXPECT_TRUE(problems.empty()) << problems_text(problems);
}

}  // namespace
}  // namespace beaver::mail
