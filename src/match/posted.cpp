#include "match/posted.h"

#include "message/message.h"

#include <algorithm>
#include <cctype>

namespace beaver::match {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string series_key(std::string_view subject, std::string_view email) {
  return message::subject_key(subject) + '\n' + lower(std::string(email));
}

}  // namespace

void PostedIndex::add(mail::Mail&& m) {
  if (!m.has_diff || m.fingerprint.patch_id.empty()) return;  // cover letters and replies say nothing here
  std::size_t k = mails_.size();
  ++patches_;
  by_patch_id_.emplace(m.fingerprint.patch_id, k);
  if (!m.fingerprint.cf_id.empty()) by_cf_.emplace(m.fingerprint.cf_id, k);
  std::string key = series_key(m.subject, m.from_email);
  by_subject_author_.emplace(key, k);
  series_[key].push_back(k);
  mails_.push_back(std::move(m));
}

Posting PostedIndex::describe(std::size_t k, std::string how) const {
  const mail::Mail& m = mails_[k];
  Posting p;
  p.message_id = m.message_id;
  p.subject = m.subject;
  p.date = m.date;
  p.from = m.from_name.empty() ? m.from_email : m.from_name + " <" + m.from_email + ">";
  p.version = m.version;
  p.index = m.index;
  p.total = m.total;
  p.how = std::move(how);
  p.source = m.source;
  const mail::Mail* newest = &m;
  auto it = series_.find(series_key(m.subject, m.from_email));
  if (it != series_.end()) {
    for (std::size_t j : it->second) {
      const mail::Mail& o = mails_[j];
      p.versions.push_back(o.version);
      if (o.version > newest->version || (o.version == newest->version && o.time > newest->time)) newest = &o;
    }
  }
  std::sort(p.versions.begin(), p.versions.end());
  p.versions.erase(std::unique(p.versions.begin(), p.versions.end()), p.versions.end());
  if (p.versions.empty()) p.versions.push_back(m.version);
  p.newest_message_id = newest->message_id;
  p.newest_version = newest->version;
  p.newest_date = newest->date;
  return p;
}

std::optional<Posting> PostedIndex::find(const index::CommitRecord& d) const {
  // The newest posting of several with the same key (a RESEND, or v2 with an unchanged patch).
  auto best = [&](auto range) -> std::optional<std::size_t> {
    std::optional<std::size_t> pick;
    for (auto it = range.first; it != range.second; ++it) {
      const mail::Mail& m = mails_[it->second];
      if (!pick || m.version > mails_[*pick].version ||
          (m.version == mails_[*pick].version && m.time > mails_[*pick].time))
        pick = it->second;
    }
    return pick;
  };
  if (!d.patch_id.empty())
    if (auto k = best(by_patch_id_.equal_range(d.patch_id))) return describe(*k, "patch-id");
  if (!d.cf_id.empty())
    if (auto k = best(by_cf_.equal_range(d.cf_id))) return describe(*k, "context");
  if (auto k = best(by_subject_author_.equal_range(series_key(d.subject, d.author_email))))
    return describe(*k, "subject+author");
  return std::nullopt;
}

}  // namespace beaver::match
