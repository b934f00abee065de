#include "matrix/source.h"

#include "git/repository.h"
#include "kconfig/kconfig.h"
#include "util/error.h"

#include <filesystem>
#include <fstream>
#include <string_view>

namespace beaver::matrix {

namespace fs = std::filesystem;

namespace {

bool is_kconfig_name(std::string_view name) { return name.starts_with("Kconfig"); }

class DirectoryTree final : public SourceTree {
public:
  explicit DirectoryTree(std::string dir) : dir_(std::move(dir)) {}
  std::string describe() const override { return dir_; }
  Entry stat(const std::string& path) const override {
    std::error_code ec;
    auto st = fs::status(fs::path(dir_) / path, ec);
    if (ec) return Entry::None;
    if (fs::is_directory(st)) return Entry::Dir;
    if (fs::is_regular_file(st)) return Entry::File;
    return Entry::None;
  }
  bool read(const std::string& path, std::string& out) const override {
    if (stat(path) != Entry::File) return false;
    std::ifstream in(fs::path(dir_) / path, std::ios::binary);
    if (!in) throw Error("{}/{}: cannot read", dir_, path);
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
  }
  std::vector<std::string> files_under(const std::string& dir) const override {
    std::vector<std::string> out;
    std::error_code ec;
    fs::path base = fs::path(dir_) / dir;
    for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec)) out.push_back(dir + fs::relative(it->path(), base, ec).generic_string());
    return out;
  }
  void for_each_kconfig(const std::function<void(const std::string&)>& fn) const override {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (it->is_directory(ec) && name.starts_with(".")) {
        it.disable_recursion_pending();  // .git, .tmp_versions, ...
        continue;
      }
      if (is_kconfig_name(name) && it->is_regular_file(ec))
        fn(fs::relative(it->path(), dir_, ec).generic_string());
    }
  }

private:
  std::string dir_;
};

using TreeEntryPtr = std::unique_ptr<git_tree_entry, git::Deleter<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, git::Deleter<git_blob, git_blob_free>>;

class RevisionTree final : public SourceTree {
public:
  RevisionTree(const std::string& repo, const std::string& rev) : repo_(git::Repository::open(repo)) {
    git::Oid id = repo_.resolve_commit(rev);
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo_.get(), &id.raw) != 0)
      throw Error("{}: cannot read commit {}: {}", repo, id.hex(), git::last_error());
    git::CommitPtr commit(c);
    git_tree* t = nullptr;
    if (git_commit_tree(&t, commit.get()) != 0)
      throw Error("{}: cannot read the tree of {}: {}", repo, id.hex(), git::last_error());
    tree_.reset(t);
    name_ = fmt::format("{}@{} ({})", repo, rev, id.hex().substr(0, 12));
  }
  std::string describe() const override { return name_; }
  Entry stat(const std::string& path) const override {
    TreeEntryPtr e = entry(path);
    if (!e) return Entry::None;
    switch (git_tree_entry_type(e.get())) {
      case GIT_OBJECT_TREE: return Entry::Dir;
      case GIT_OBJECT_BLOB: return Entry::File;
      default: return Entry::None;
    }
  }
  bool read(const std::string& path, std::string& out) const override {
    TreeEntryPtr e = entry(path);
    if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_BLOB) return false;
    read_blob(*git_tree_entry_id(e.get()), path, out);
    return true;
  }
  std::vector<std::string> files_under(const std::string& dir) const override {
    TreeEntryPtr e = entry(dir);
    if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_TREE) return {};
    git_tree* sub = nullptr;
    if (git_tree_lookup(&sub, repo_.get(), git_tree_entry_id(e.get())) != 0)
      throw Error("{}: {}: tree object missing: {}", name_, dir, git::last_error());
    git::TreePtr subtree(sub);
    return blobs(subtree.get(), dir, [](const char*) { return true; });
  }
  void for_each_kconfig(const std::function<void(const std::string&)>& fn) const override {
    for (const std::string& p : blobs(tree_.get(), "", [](const char* name) { return is_kconfig_name(name); })) fn(p);
  }

private:
  TreeEntryPtr entry(std::string path) const {
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (path.empty()) return nullptr;
    git_tree_entry* e = nullptr;
    if (git_tree_entry_bypath(&e, tree_.get(), path.c_str()) != 0) return nullptr;
    return TreeEntryPtr(e);
  }
  // Paths (prefix + path in `tree`) of the blobs below `tree` whose name `keep` accepts.
  static std::vector<std::string> blobs(const git_tree* tree, const std::string& prefix, bool (*keep)(const char* name)) {
    struct Walk {
      std::vector<std::string> out;
      const std::string& prefix;
      bool (*keep)(const char*);
    } w{{}, prefix, keep};
    git_tree_walk(
        tree, GIT_TREEWALK_PRE,
        [](const char* root, const git_tree_entry* te, void* p) -> int {
          auto* wk = static_cast<Walk*>(p);
          if (git_tree_entry_type(te) == GIT_OBJECT_BLOB && wk->keep(git_tree_entry_name(te)))
            wk->out.push_back(wk->prefix + root + git_tree_entry_name(te));
          return 0;
        },
        &w);
    return std::move(w.out);
  }
  void read_blob(const git_oid& id, const std::string& path, std::string& out) const {
    git_blob* b = nullptr;
    if (git_blob_lookup(&b, repo_.get(), &id) != 0)
      throw Error("{}: object {} is missing from the repository ({})", path, git::Oid(id).hex(), git::last_error());
    BlobPtr blob(b);
    out.assign(static_cast<const char*>(git_blob_rawcontent(blob.get())), std::size_t(git_blob_rawsize(blob.get())));
  }
  git::Repository repo_;
  git::TreePtr tree_;
  std::string name_;
};

}  // namespace

std::unique_ptr<SourceTree> open_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error("{}: not a directory", dir);
  return std::make_unique<DirectoryTree>(dir);
}

std::unique_ptr<SourceTree> open_revision(const std::string& repo, const std::string& rev) {
  git::init_library();
  return std::make_unique<RevisionTree>(repo, rev);
}

std::string tree_version(const SourceTree& tree) {
  std::string makefile;
  try {
    if (!tree.read("Makefile", makefile)) return "";
  } catch (const Error&) {
    return "";  // a missing object: the version is unknown, the rest can still be read
  }
  return kconfig::makefile_kernel_version(makefile);
}

bool has_marker(const SourceTree& tree, const Marker& m, std::vector<std::string>& problems) {
  bool dir = m.path.ends_with('/');
  SourceTree::Entry want = dir ? SourceTree::Entry::Dir : SourceTree::Entry::File;
  if (tree.stat(m.path) != want) return false;
  if (m.text.empty()) return true;
  std::vector<std::string> files = dir ? tree.files_under(m.path) : std::vector<std::string>{m.path};
  bool unreadable = false;
  for (const std::string& f : files) {
    std::string text;
    try {
      if (tree.read(f, text) && text.find(m.text) != std::string::npos) return true;
    } catch (const Error& e) {
      problems.push_back(e.what());
      unreadable = true;
    }
  }
  return unreadable;  // cannot tell: the path is there, so do not call the code absent
}

std::set<std::string> defined_symbols(const SourceTree& tree, const std::set<std::string>& wanted,
                                      std::vector<std::string>& problems) {
  std::set<std::string> out;
  tree.for_each_kconfig([&](const std::string& path) {
    std::string text;
    try {
      if (!tree.read(path, text)) return;
    } catch (const Error& e) {
      problems.push_back(e.what());
      return;
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + pos, end - pos);
      pos = end + 1;
      std::size_t i = line.find_first_not_of(" \t");
      if (i == std::string_view::npos) continue;
      line.remove_prefix(i);
      for (std::string_view kw : {"config", "menuconfig"}) {
        if (!line.starts_with(kw) || line.size() <= kw.size() || (line[kw.size()] != ' ' && line[kw.size()] != '\t')) continue;
        std::string_view rest = line.substr(kw.size());
        rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(" \t")));
        std::size_t e = rest.find_first_of(" \t\r#");
        std::string name(rest.substr(0, e));
        if (wanted.count(name)) out.insert(name);
      }
    }
  });
  return out;
}

}  // namespace beaver::matrix
