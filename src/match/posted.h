// Which mail posted this commit? The posted-patch index of `stack`: mails
// from every --mail archive, looked up by the patch-id of the mailed diff,
// then by its context-free id (the patch was rebased after posting), then by
// subject and author (the diff changed in review).
#pragma once

#include "index/query.h"
#include "mail/mail.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace beaver::match {

struct Posting {
  std::string message_id;
  std::string subject;
  std::string date;           // ISO 8601 UTC, or empty
  std::string from;           // "Name <email>"
  int version = 1, index = 0, total = 0;
  std::string how;            // patch-id | context | subject+author
  std::string source;         // where in the archive
  std::vector<int> versions;  // every version of this patch found (sorted)
  std::string newest_message_id;
  int newest_version = 1;
  std::string newest_date;
};

class PostedIndex {
public:
  void add(mail::Mail&& m);
  std::optional<Posting> find(const index::CommitRecord& commit) const;
  std::size_t mails() const { return mails_.size(); }
  std::size_t patches() const { return patches_; }

private:
  Posting describe(std::size_t k, std::string how) const;
  std::vector<mail::Mail> mails_;
  std::size_t patches_ = 0;
  std::unordered_multimap<std::string, std::size_t> by_patch_id_, by_cf_, by_subject_author_;
  std::unordered_map<std::string, std::vector<std::size_t>> series_;  // subject key + author -> mails
};

}  // namespace beaver::match
