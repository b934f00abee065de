// read_archive(): mbox files, maildirs and public-inbox git repositories.
#include "mail/mail.h"

#include "git/repository.h"
#include "util/error.h"

#include <git2.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace beaver::mail {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kKinds =
    "expected an mbox file, a maildir (a directory with cur/ or new/), a public-inbox v2 directory "
    "(git/0.git, git/1.git, ...) or a public-inbox epoch (a git repository whose commits hold a message "
    "in the file \"m\")";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ---- mbox -------------------------------------------------------------------

// The bytes of a file: mapped when it is a regular file (an mbox can be
// gigabytes; only the message being parsed needs to be in memory), read
// when it is a pipe or a terminal ("/dev/stdin").
class FileBytes {
public:
  explicit FileBytes(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("{}: cannot open: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      throw Error("{}: cannot stat: {}", path, std::strerror(e));
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
      void* p = ::mmap(nullptr, std::size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      int e = errno;
      ::close(fd);
      if (p == MAP_FAILED) throw Error("{}: cannot map: {}", path, std::strerror(e));
      ::madvise(p, std::size_t(st.st_size), MADV_SEQUENTIAL);
      map_ = p;
      size_ = std::size_t(st.st_size);
      return;
    }
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int e = errno;
        ::close(fd);
        throw Error("{}: cannot read: {}", path, std::strerror(e));
      }
      if (n == 0) break;
      copy_.append(buf, std::size_t(n));
    }
    ::close(fd);
  }
  ~FileBytes() {
    if (map_) ::munmap(map_, size_);
  }
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  std::string_view bytes() const {
    return map_ ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(copy_);
  }

private:
  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string copy_;
};

// git mailsplit's is_from_line(): "From " ... "hh:mm:ss YYYY" at the end.
// A commit message paragraph may well begin with "From " ("From the
// datasheet: ..."); only an envelope line has a time and a year.
bool is_envelope_line(std::string_view line) {
  if (line.size() < 20 || !starts_with(line, "From ")) return false;
  std::size_t colon = line.rfind(':');
  if (colon == std::string_view::npos || colon < 9 || colon + 3 > line.size()) return false;
  if (!is_digit(line[colon - 4]) || !is_digit(line[colon - 2]) || !is_digit(line[colon - 1]) ||
      !is_digit(line[colon + 1]) || !is_digit(line[colon + 2]))
    return false;
  std::string_view rest = line.substr(colon + 3);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  long year = 0;
  for (std::size_t i = 0; i < rest.size() && i < 9 && is_digit(rest[i]); ++i) year = year * 10 + (rest[i] - '0');
  return year > 90;
}

void read_mbox(const std::string& path, const std::function<void(Mail&&)>& sink, std::vector<Problem>& problems,
               ReadStats& stats) {
  FileBytes file(path);
  std::string_view data = file.bytes();
  std::size_t last_start = std::string_view::npos;  // offset of the last message, for a truncation report
  auto message = [&](std::size_t begin, std::size_t end) {
    std::string_view chunk = data.substr(begin, end - begin);
    // Blank lines before the first envelope (or a file that is all blank) are not a message.
    if (chunk.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
    ++stats.messages;
    last_start = begin;
    std::optional<Mail> mail = parse_message(chunk, fmt::format("{}@{}", path, begin), problems);
    if (!mail) return;
    if (mail->has_diff) ++stats.patches;
    sink(std::move(*mail));
  };
  // A message starts at an envelope line; the first line of the file starts
  // one whatever it is (a file of one message without an envelope, or
  // garbage, which parse_message reports). mboxrd's ">From " escapes are
  // left as they are, as GMime leaves them: they only occur in message
  // text, never in a diff line, and a Mail carries no message text.
  std::size_t start = 0;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t nl = data.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    if (pos > 0 && is_envelope_line(data.substr(pos, end - pos))) {
      message(start, pos);
      start = pos;
    }
    pos = end;
  }
  message(start, data.size());
  if (!data.empty() && data.back() != '\n' && last_start != std::string_view::npos)
    problems.push_back({fmt::format("{}@{}", path, last_start),
                        "the file ends in the middle of a line: the last message may be truncated"});
}

// ---- maildir ----------------------------------------------------------------

bool is_maildir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "cur", ec) || fs::is_directory(dir / "new", ec);
}

void read_maildir(const std::string& path, const std::function<void(Mail&&)>& sink, std::vector<Problem>& problems,
                  ReadStats& stats) {
  std::vector<std::string> files;
  for (const char* sub : {"new", "cur"}) {
    fs::path dir = fs::path(path) / sub;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
      problems.push_back({dir.string(), "cannot list: " + ec.message()});
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;  // maildir: dot files are not messages
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      files.push_back(it->path().string());
    }
    if (ec) problems.push_back({dir.string(), "cannot list: " + ec.message()});
  }
  // Maildir names begin with the delivery time: sorted, they are in arrival order.
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    std::string fa = fs::path(a).filename().string(), fb = fs::path(b).filename().string();
    return fa != fb ? fa < fb : a < b;
  });
  for (const std::string& file : files) {
    ++stats.messages;
    std::optional<FileBytes> content;
    try {
      content.emplace(file);
    } catch (const Error& e) {  // one unreadable message is a problem, not the end
      problems.push_back({file, e.what()});
      continue;
    }
    std::optional<Mail> mail = parse_message(content->bytes(), file, problems);
    if (!mail) continue;
    if (mail->has_diff) ++stats.patches;
    sink(std::move(*mail));
  }
}

// ---- public-inbox -----------------------------------------------------------

using RepoPtr = std::unique_ptr<git_repository, git::Deleter<git_repository, git_repository_free>>;
using BlobPtr = std::unique_ptr<git_blob, git::Deleter<git_blob, git_blob_free>>;

RepoPtr open_repo(const std::string& path) {
  git::init_library();
  git_repository* raw = nullptr;
  // NO_SEARCH: a directory inside some work tree must not open that tree's repository.
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) return nullptr;
  return RepoPtr(raw);
}

// The commit an epoch's history ends at: HEAD, or refs/heads/master when
// HEAD is unborn or points elsewhere. nullopt for an epoch without commits.
std::optional<git::Oid> epoch_tip(git_repository* repo) {
  for (const char* ref : {"HEAD", "refs/heads/master"}) {
    git_object* obj = nullptr;
    if (git_revparse_single(&obj, repo, ref) != 0) continue;
    git_object* commit = nullptr;
    int rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc != 0) continue;
    git::Oid id(*git_object_id(commit));
    git_object_free(commit);
    return id;
  }
  return std::nullopt;
}

// Does one of the newest commits hold a file "m" (the mark of a
// public-inbox epoch; the very newest may be a deletion)?
bool looks_like_epoch(git_repository* repo, const git::Oid& tip) {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo) != 0) return false;
  git::RevwalkPtr walk(raw);
  if (git_revwalk_push(walk.get(), &tip.raw) != 0) return false;
  git_oid id;
  for (int n = 0; n < 64 && git_revwalk_next(&id, walk.get()) == 0; ++n) {
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &id) != 0) continue;
    git::CommitPtr commit(c);
    git_tree* t = nullptr;
    if (git_commit_tree(&t, commit.get()) != 0) continue;
    git::TreePtr tree(t);
    const git_tree_entry* m = git_tree_entry_byname(tree.get(), "m");
    if (m && git_tree_entry_type(m) == GIT_OBJECT_BLOB) return true;
  }
  return false;
}

void read_epoch(git_repository* repo, const git::Oid& tip, const std::string& name,
                const std::function<void(Mail&&)>& sink, std::vector<Problem>& problems, ReadStats& stats) {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo) != 0) {
    problems.push_back({name, "cannot walk: " + git::last_error()});
    return;
  }
  git::RevwalkPtr walk(raw);
  // Oldest first: the order the messages arrived in.
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  if (git_revwalk_push(walk.get(), &tip.raw) != 0) {
    problems.push_back({name + "@" + tip.hex(), "cannot walk: " + git::last_error()});
    return;
  }
  git_oid id;
  for (;;) {
    int rc = git_revwalk_next(&id, walk.get());
    if (rc == GIT_ITEROVER) break;
    if (rc != 0) {  // a missing commit: the rest of this epoch is unreachable
      problems.push_back({name + "@" + tip.hex(), "history cannot be walked: " + git::last_error()});
      break;
    }
    std::string where = name + "@" + git::Oid(id).hex();
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &id) != 0) {
      ++stats.messages;
      problems.push_back({where, "cannot read the commit: " + git::last_error()});
      continue;
    }
    git::CommitPtr commit(c);
    git_tree* t = nullptr;
    if (git_commit_tree(&t, commit.get()) != 0) {
      ++stats.messages;
      problems.push_back({where, "cannot read the commit's tree (partial clone?): " + git::last_error()});
      continue;
    }
    git::TreePtr tree(t);
    const git_tree_entry* m = git_tree_entry_byname(tree.get(), "m");
    if (!m) continue;  // public-inbox records a deleted message as a commit without "m"
    ++stats.messages;
    if (git_tree_entry_type(m) != GIT_OBJECT_BLOB) {
      problems.push_back({where, "\"m\" is not a file"});
      continue;
    }
    git_blob* b = nullptr;
    if (git_blob_lookup(&b, repo, git_tree_entry_id(m)) != 0) {
      problems.push_back({where, fmt::format("the message blob {} is missing (partial clone?): {}",
                                             git::Oid(*git_tree_entry_id(m)).hex(), git::last_error())});
      continue;
    }
    BlobPtr blob(b);
    std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                             std::size_t(git_blob_rawsize(blob.get())));
    std::optional<Mail> mail = parse_message(content, where, problems);
    if (!mail) continue;
    if (mail->has_diff) ++stats.patches;
    sink(std::move(*mail));
  }
}

// "DIR/git/N.git" for every N, in epoch order; empty when DIR is not a v2 inbox.
std::vector<std::pair<long, fs::path>> v2_epochs(const fs::path& dir) {
  std::vector<std::pair<long, fs::path>> epochs;
  std::error_code ec;
  fs::path git = dir / "git";
  if (!fs::is_directory(git, ec)) return epochs;
  for (fs::directory_iterator it(git, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() < 5 || name.size() > 14 || name.compare(name.size() - 4, 4, ".git") != 0) continue;
    std::string_view number(name.data(), name.size() - 4);
    if (!std::all_of(number.begin(), number.end(), is_digit)) continue;
    std::error_code dir_ec;
    if (!it->is_directory(dir_ec)) continue;
    epochs.emplace_back(std::stol(std::string(number)), it->path());
  }
  std::sort(epochs.begin(), epochs.end());
  return epochs;
}

// "0.git" for ".../git/0.git/", the directory's name for "." too.
std::string epoch_name(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) p = fs::path(path);
  while (p.has_relative_path() && p.filename().empty()) p = p.parent_path();
  std::string name = p.filename().string();
  return name.empty() ? path : name;
}

}  // namespace

ReadStats read_archive(const std::string& path, const std::function<void(Mail&&)>& sink,
                       std::vector<Problem>& problems) {
  ReadStats stats;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      throw Error("{}: cannot read the mail archive: {}", path, ec.message());
    throw Error("{}: no such file or directory ({})", path, kKinds);
  }
  if (!fs::is_directory(status)) {
    if (fs::is_regular_file(status) || fs::is_fifo(status) || fs::is_character_file(status)) {
      read_mbox(path, sink, problems, stats);
      return stats;
    }
    throw Error("{}: not a mail archive: {}", path, kKinds);
  }

  if (auto epochs = v2_epochs(path); !epochs.empty()) {
    for (const auto& [number, dir] : epochs) {
      std::string name = std::to_string(number) + ".git";
      RepoPtr repo = open_repo(dir.string());
      if (!repo) {
        problems.push_back({name, fmt::format("{}: not a git repository: {}", dir.string(), git::last_error())});
        continue;
      }
      if (std::optional<git::Oid> tip = epoch_tip(repo.get())) read_epoch(repo.get(), *tip, name, sink, problems, stats);
    }
    return stats;
  }
  if (is_maildir(path)) {
    read_maildir(path, sink, problems, stats);
    return stats;
  }
  if (RepoPtr repo = open_repo(path)) {
    std::optional<git::Oid> tip = epoch_tip(repo.get());
    if (!tip) throw Error("{}: a git repository without commits, not a public-inbox epoch ({})", path, kKinds);
    if (!looks_like_epoch(repo.get(), *tip))
      throw Error("{}: a git repository whose commits have no file \"m\", not a public-inbox epoch ({})", path,
                  kKinds);
    read_epoch(repo.get(), *tip, epoch_name(path), sink, problems, stats);
    return stats;
  }
  throw Error("{}: not a mail archive: {}", path, kKinds);
}

}  // namespace beaver::mail
