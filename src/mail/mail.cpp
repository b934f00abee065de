// parse_message(): one RFC 5322 message through GMime 3 into a Mail.
#include "mail/mail.h"

#include "message/message.h"

#include <gmime/gmime.h>

#include <cerrno>
#include <ctime>
#include <iconv.h>
#include <memory>
#include <mutex>

#include <fmt/format.h>

namespace beaver::mail {

namespace {

void init_gmime() {
  // GMime's global state (type registry, charset map, iconv cache) is set
  // up once per process and kept until exit; g_mime_shutdown() is never
  // called because other threads may still be parsing.
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

template <typename T>
struct GObjectUnref {
  void operator()(T* p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref<T>>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

struct ReferencesFree {
  void operator()(GMimeReferences* r) const { g_mime_references_free(r); }
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// A header value as one line: folding line breaks removed (the whitespace
// after them stays, as RFC 5322 unfolding says).
std::string unfold(const char* value) {
  std::string out;
  if (!value) return out;
  for (const char* p = value; *p; ++p)
    if (*p != '\r' && *p != '\n') out.push_back(*p);
  return std::string(trim(out));
}

// "<id@host>" or "id@host" -> "id@host".
std::string bare_message_id(std::string_view id) {
  id = trim(id);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = trim(id.substr(1, id.size() - 2));
  return std::string(id);
}

// Does `raw` start (after an mbox "From " line) with a header field
// "Name:" (RFC 5322: printable ASCII but ':' and space, optionally followed
// by blanks before the colon)? Anything else is not a message.
bool starts_with_header(std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size() && raw[i] != ':') {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == ' ' || c == '\t') break;
    if (c < 33 || c > 126) return false;
    ++i;
  }
  if (i == 0) return false;
  while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t')) ++i;
  return i < raw.size() && raw[i] == ':';
}

// Is there an empty line ending the header?
bool has_header_end(std::string_view raw) {
  if (starts_with(raw, "\n") || starts_with(raw, "\r\n")) return true;
  return raw.find("\n\n") != std::string_view::npos || raw.find("\n\r\n") != std::string_view::npos;
}

bool is_utf8_or_ascii(std::string_view charset) {
  std::string c;
  for (char ch : charset)
    if (ch != '-' && ch != '_') c.push_back(char(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch));
  return c == "utf8" || c == "usascii" || c == "ascii" || c == "ansix3.41968" || c == "us";
}

// Converts `bytes` from `charset` to UTF-8. Bytes that are invalid in the
// declared charset are KEPT as they are (not replaced by U+FFFD): the
// usual cause is a patch to a file in another encoding sent with a wrong
// label, and the patch-id hashes the file's bytes, so they must survive.
// An unknown charset leaves the text as it is, for the same reason.
std::string to_utf8(std::string bytes, const char* charset) {
  if (!charset || !*charset || is_utf8_or_ascii(charset)) return bytes;
  iconv_t cd = g_mime_iconv_open("UTF-8", charset);
  if (cd == reinterpret_cast<iconv_t>(-1)) return bytes;
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  char* in = bytes.data();
  std::size_t in_left = bytes.size();
  std::size_t done = 0;
  auto room = [&](std::size_t need) {
    if (out.size() - done < need) out.resize(out.size() * 2 + need);
  };
  while (in_left > 0) {
    room(16);
    char* o = out.data() + done;
    std::size_t o_left = out.size() - done;
    std::size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    done = std::size_t(o - out.data());
    if (r != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      room(out.size());
    } else if (errno == EILSEQ || errno == EINVAL) {
      // Keep the offending byte, start the conversion afresh after it.
      room(1);
      out[done++] = *in++;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    } else {
      break;
    }
  }
  for (;;) {  // the final shift sequence of stateful encodings
    room(16);
    char* o = out.data() + done;
    std::size_t o_left = out.size() - done;
    std::size_t r = iconv(cd, nullptr, nullptr, &o, &o_left);
    done = std::size_t(o - out.data());
    if (r != static_cast<std::size_t>(-1) || errno != E2BIG) break;
    room(out.size());
  }
  g_mime_iconv_close(cd);
  out.resize(done);
  return out;
}

// The decoded (quoted-printable, base64, ...) content of a leaf part,
// converted to UTF-8.
std::string part_text(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return {};
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, mem.get()) < 0) return {};
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  if (!bytes || !bytes->data) return {};
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return to_utf8(std::move(text), g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset"));
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

// Leaf parts that may carry a patch: text/* but HTML, and the patch types
// some mailers give .patch attachments.
bool may_carry_patch(GMimeObject* part) {
  GMimeContentType* type = g_mime_object_get_content_type(part);
  if (!type) return true;  // no Content-Type: text/plain
  if (g_mime_content_type_is_type(type, "text", "html")) return false;
  if (g_mime_content_type_is_type(type, "text", "*")) return true;
  if (g_mime_content_type_is_type(type, "application", "x-patch") ||
      g_mime_content_type_is_type(type, "application", "x-diff"))
    return true;
  const char* name = g_mime_part_get_filename(GMIME_PART(part));
  return name && (ends_with_ci(name, ".patch") || ends_with_ci(name, ".diff"));
}

// Leaf parts in document order. message/rfc822 parts (a forwarded mail)
// are not entered: their diff belongs to another message. GMime limits
// the nesting depth while parsing; the walk limits it again.
void collect_parts(GMimeObject* object, std::vector<GMimeObject*>& parts, int depth) {
  if (!object || depth > 64) return;
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* mp = GMIME_MULTIPART(object);
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) collect_parts(g_mime_multipart_get_part(mp, i), parts, depth + 1);
  } else if (GMIME_IS_PART(object)) {
    parts.push_back(object);
  }
}

std::string iso_utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (!gmtime_r(&tt, &tm)) return {};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void read_from(GMimeMessage* msg, Mail& mail) {
  InternetAddressList* from = g_mime_message_get_from(msg);
  if (!from || internet_address_list_length(from) == 0) return;
  InternetAddress* address = internet_address_list_get_address(from, 0);
  if (address && INTERNET_ADDRESS_IS_GROUP(address)) {  // "group: a@b;" — its first member
    InternetAddressList* members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address));
    address = members && internet_address_list_length(members) > 0 ? internet_address_list_get_address(members, 0)
                                                                    : nullptr;
  }
  if (!address) return;
  mail.from_name = unfold(internet_address_get_name(address));
  if (INTERNET_ADDRESS_IS_MAILBOX(address))
    mail.from_email = unfold(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
}

std::string read_in_reply_to(GMimeMessage* msg) {
  const char* value = g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To");
  if (!value) return {};
  std::unique_ptr<GMimeReferences, ReferencesFree> refs(g_mime_references_parse(nullptr, value));
  if (refs && g_mime_references_length(refs.get()) > 0) {
    const char* first = g_mime_references_get_message_id(refs.get(), 0);
    if (first) return bare_message_id(first);
  }
  GCharPtr id(g_mime_utils_decode_message_id(value));
  return id ? bare_message_id(id.get()) : std::string();
}

}  // namespace

std::optional<Mail> parse_message(std::string_view raw, const std::string& source, std::vector<Problem>& problems) {
  init_gmime();
  // An mbox envelope line ("From sha Mon Sep 17 00:00:00 2001", as git
  // format-patch writes) is not part of the message.
  if (starts_with(raw, "From ")) {
    std::size_t nl = raw.find('\n');
    raw = nl == std::string_view::npos ? std::string_view{} : raw.substr(nl + 1);
  }
  if (!starts_with_header(raw)) {
    problems.push_back({source, raw.empty() ? "empty message" : "not a mail message: no header"});
    return std::nullopt;
  }

  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!msg) {
    problems.push_back({source, "not a mail message: GMime could not parse its header"});
    return std::nullopt;
  }

  Mail mail;
  mail.source = source;
  mail.message_id = bare_message_id(unfold(g_mime_message_get_message_id(msg.get())));
  if (mail.message_id.empty()) problems.push_back({source, "no Message-ID"});
  mail.in_reply_to = read_in_reply_to(msg.get());
  mail.subject = unfold(g_mime_message_get_subject(msg.get()));
  mail.norm_subject = message::normalize_subject(mail.subject);
  message::Message parsed = message::parse(mail.subject + "\n");
  if (parsed.tag) {
    mail.version = parsed.tag->version;
    mail.index = parsed.tag->index;
    mail.total = parsed.tag->total;
    mail.rfc = parsed.tag->rfc;
  }
  read_from(msg.get(), mail);
  if (GDateTime* date = g_mime_message_get_date(msg.get())) {
    mail.time = g_date_time_to_unix(date);
    mail.date = iso_utc(mail.time);
  }
  if (!has_header_end(raw)) problems.push_back({source, "the message ends inside its header (truncated?)"});

  // The diff: from the first leaf part that carries one, the text/plain body
  // first, then attachments in order.
  std::vector<GMimeObject*> parts;
  collect_parts(g_mime_message_get_mime_part(msg.get()), parts, 0);
  ExtractedDiff diff;
  for (GMimeObject* part : parts) {
    if (!may_carry_patch(part)) continue;
    diff = extract_diff_detail(part_text(GMIME_PART(part)));
    if (!diff.text.empty()) break;
  }
  if (!diff.text.empty()) {
    mail.has_diff = true;
    git::PatchParser patch;
    patch.text(git_style_diff(diff.text));
    mail.fingerprint = patch.finish();
    if (diff.truncated)
      problems.push_back({source, "the diff ends inside a hunk (truncated or mangled message); its patch-id "
                                  "will not match the commit"});
  }
  return mail;
}

}  // namespace beaver::mail
