// Tests of the read-only pack backend against git itself: real repositories
// built with the git CLI (fast-import, repack), and hand-made packs for the
// cases git does not produce (very deep chains, REF_DELTA to a loose base,
// corrupt deltas).
#include "git/pack_backend.h"

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace beaver::git {
namespace {

namespace fs = std::filesystem;

void init_libgit2() {
  static const int once = git_libgit2_init();
  (void)once;
}

std::string last_git_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "";
}

// Runs a shell command and returns its standard output; a failure fails the
// test (and returns what was read).
std::string sh(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) {
    ADD_FAILURE() << "cannot run: " << cmd;
    return out;
  }
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = pclose(f);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) ADD_FAILURE() << "command failed: " << cmd;
  return out;
}

std::string quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) {
    if (c == '\'')
      r += "'\\''";
    else
      r += c;
  }
  return r + "'";
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream o(path, std::ios::binary | std::ios::trunc);
  o.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(o.good()) << path;
}

std::string read_file(const std::string& path) {
  std::ifstream i(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(i), {});
}

class TempDir {
public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "beaver-pack-XXXXXX").string();
    if (!mkdtemp(t.data())) ADD_FAILURE() << "mkdtemp";
    path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// A repository made with the git CLI in a temporary directory.
class TestRepo {
public:
  TestRepo() : dir_(tmp_.path() + "/repo") {
    init_libgit2();
    git("init -q -b main " + quote(dir_), false);
  }
  const std::string& dir() const { return dir_; }
  std::string objects() const { return dir_ + "/.git/objects"; }
  std::string pack_dir() const { return objects() + "/pack"; }

  std::string git(const std::string& args, bool in_repo = true) const {
    std::string cmd = "git ";
    if (in_repo) cmd += "-C " + quote(dir_) + " ";
    return sh(cmd + "-c gc.auto=0 -c user.name=Test -c user.email=test@example.com " + args);
  }
  // Feeds a fast-import stream (through a file: it is binary).
  void fast_import(const std::string& stream, const std::string& extra_config = "") const {
    std::string f = tmp_.path() + "/stream";
    write_file(f, stream);
    git(extra_config + " fast-import --quiet < " + quote(f));
  }
  std::vector<std::string> packs() const {
    std::vector<std::string> r;
    if (!fs::exists(pack_dir())) return r;
    for (auto& e : fs::directory_iterator(pack_dir()))
      if (e.path().extension() == ".idx") r.push_back(e.path().string());
    std::sort(r.begin(), r.end());
    return r;
  }
  std::size_t loose_count() const {
    std::size_t n = 0;
    for (auto& e : fs::directory_iterator(objects()))
      if (e.is_directory() && e.path().filename().string().size() == 2)
        n += static_cast<std::size_t>(std::distance(fs::directory_iterator(e.path()), fs::directory_iterator()));
    return n;
  }

private:
  TempDir tmp_;
  std::string dir_;
};

// Generates fast-import streams of a small project's history: a few files
// edited a little per commit (so that repack finds deltas), files added and
// removed, a binary file, nested directories, and a tag at the end.
class HistoryGen {
public:
  explicit HistoryGen(unsigned seed) : rng_(seed) {
    for (int i = 0; i < 300; ++i) big_.push_back(line(i));
    for (int i = 0; i < 4000; ++i) bin_.push_back(static_cast<char>(rng_() & 0xff));
  }

  // `commits` more commits on refs/heads/main; `continues` when the branch
  // exists from an earlier stream.
  std::string next(int commits, bool continues) {
    std::string s;
    for (int c = 0; c < commits; ++c, ++n_) {
      std::string msg = "commit " + std::to_string(n_) + "\n";
      s += "commit refs/heads/main\n";
      s += "committer Test <test@example.com> " + std::to_string(1700000000 + n_ * 60) + " +0000\n";
      s += data(msg);
      if (c == 0 && continues) s += "from refs/heads/main^0\n";
      // Edit a few lines of the big file.
      for (std::size_t k = 0, m = 1 + rng_() % 3; k < m; ++k) {
        std::size_t at = rng_() % big_.size();
        if (rng_() % 4 == 0)
          big_.insert(big_.begin() + static_cast<std::ptrdiff_t>(at), line(static_cast<int>(rng_() % 100000)));
        else
          big_[at] = line(static_cast<int>(rng_() % 100000));
      }
      s += modify("src/big.c", join(big_));
      if (n_ % 3 == 0) {
        notes_ += "note " + std::to_string(n_) + ": " + word() + " " + word() + "\n";
        s += modify("docs/notes.txt", notes_);
      }
      if (n_ % 7 == 0) {
        for (int k = 0; k < 8; ++k) bin_[rng_() % bin_.size()] = static_cast<char>(rng_() & 0xff);
        s += modify("data/blob.bin", bin_);
      }
      if (n_ % 5 == 0) {
        std::string path = "src/sub" + std::to_string(n_ % 4) + "/f" + std::to_string(n_) + ".h";
        s += modify(path, "#define F" + std::to_string(n_) + " " + word() + "\n");
        added_.push_back(path);
      }
      if (n_ % 11 == 0 && !added_.empty()) {
        s += "D " + added_.front() + "\n";
        added_.erase(added_.begin());
      }
      s += "\n";
    }
    return s;
  }
  std::string tag(const std::string& name) {
    return "tag " + name + "\nfrom refs/heads/main\ntagger Test <test@example.com> 1700000000 +0000\n" +
           data("release " + name + "\n");
  }

private:
  std::string word() {
    static const char* const w[] = {"alpha", "beta", "gamma", "delta", "kernel", "patch", "driver", "board"};
    return w[rng_() % 8];
  }
  std::string line(int i) { return "static int value_" + std::to_string(i) + " = " + word() + "(" + std::to_string(i * 7) + ");\n"; }
  static std::string join(const std::vector<std::string>& v) {
    std::string r;
    for (auto& l : v) r += l;
    return r;
  }
  static std::string data(const std::string& d) { return "data " + std::to_string(d.size()) + "\n" + d + "\n"; }
  static std::string modify(const std::string& path, const std::string& content) {
    return "M 100644 inline " + path + "\n" + data(content);
  }

  std::mt19937 rng_;
  int n_ = 0;
  std::vector<std::string> big_;
  std::string notes_;
  std::string bin_;
  std::vector<std::string> added_;
};

struct Object {
  git_oid id;
  git_object_t type;
  std::string data;
};

// Every object of the repository, as `git cat-file --batch` shows it.
std::vector<Object> all_objects(const TestRepo& repo) {
  std::string out = repo.git("cat-file --batch-all-objects --batch");
  std::vector<Object> r;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string head = out.substr(pos, nl - pos);
    char hex[64], type[32];
    unsigned long long size = 0;
    if (std::sscanf(head.c_str(), "%63s %31s %llu", hex, type, &size) != 3) {
      ADD_FAILURE() << "bad cat-file line: " << head;
      break;
    }
    Object o;
    EXPECT_EQ(git_oid_fromstr(&o.id, hex), 0);
    o.type = git_object_string2type(type);
    o.data = out.substr(nl + 1, size);
    r.push_back(std::move(o));
    pos = nl + 1 + size + 1;
  }
  return r;
}

std::string oid_hex(const git_oid& id) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &id);
  return buf;
}

using OdbPtr = std::unique_ptr<git_odb, void (*)(git_odb*)>;
using RepoPtr = std::unique_ptr<git_repository, void (*)(git_repository*)>;

// An odb whose only backend is ours: whatever it answers, we answered.
OdbPtr odb_with_only_backend(const std::string& objects, git_odb_backend** backend_out = nullptr,
                             PackBackendOptions opts = {}) {
  init_libgit2();
  git_odb* odb = nullptr;
  EXPECT_EQ(git_odb_new(&odb), 0);
  git_odb_backend* be = nullptr;
  int rc = pack_backend_new(&be, objects, opts);
  EXPECT_EQ(rc, 0) << last_git_error();
  if (rc == 0) {
    EXPECT_EQ(git_odb_add_backend(odb, be, 1), 0);
  }
  if (backend_out) *backend_out = be;
  return OdbPtr(odb, git_odb_free);
}

RepoPtr open_repo(const TestRepo& repo, bool install, PackBackendOptions opts = {}) {
  init_libgit2();
  git_repository* r = nullptr;
  EXPECT_EQ(git_repository_open(&r, repo.dir().c_str()), 0) << last_git_error();
  if (install) {
    EXPECT_EQ(install_pack_backend(r, opts), 0) << last_git_error();
  }
  return RepoPtr(r, git_repository_free);
}

// Our backend inside the repository's odb.
git_odb_backend* our_backend(git_repository* repo) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return nullptr;
  git_odb_backend* found = nullptr;
  for (std::size_t i = 0; i < git_odb_num_backends(odb); ++i) {
    git_odb_backend* b = nullptr;
    if (git_odb_get_backend(&b, odb, i) == 0 && pack_backend_stats(b).packs) found = b;
  }
  git_odb_free(odb);
  return found;
}

// Checks exists, read_header and read of every object against git's answer.
// Returns the number of objects that failed.
std::size_t check_objects(git_odb* odb, const std::vector<Object>& objects) {
  std::size_t failed = 0;
  for (const Object& o : objects) {
    std::string id = oid_hex(o.id);
    bool ok = git_odb_exists(odb, &o.id) == 1;
    std::size_t len = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    int rc = git_odb_read_header(&len, &type, odb, &o.id);
    ok = ok && rc == 0 && len == o.data.size() && type == o.type;
    git_odb_object* obj = nullptr;
    rc = git_odb_read(&obj, odb, &o.id);
    if (rc == 0) {
      ok = ok && git_odb_object_type(obj) == o.type && git_odb_object_size(obj) == o.data.size() &&
           std::memcmp(git_odb_object_data(obj), o.data.data(), o.data.size()) == 0;
      git_odb_object_free(obj);
    } else {
      ok = false;
    }
    if (!ok && ++failed <= 5) ADD_FAILURE() << "object " << id << " differs from git's: " << last_git_error();
  }
  return failed;
}

std::size_t max_chain_length(const TestRepo& repo) {
  std::size_t best = 0;
  for (auto& idx : repo.packs()) {
    std::string out = repo.git("verify-pack -v " + quote(idx));
    std::size_t pos = 0;
    while ((pos = out.find("chain length = ", pos)) != std::string::npos) {
      pos += 15;
      best = std::max<std::size_t>(best, std::strtoul(out.c_str() + pos, nullptr, 10));
    }
  }
  return best;
}

// A repository with `commits` commits, repacked as asked.
void make_history(TestRepo& repo, int commits, const std::string& repack_args) {
  HistoryGen gen(42);
  repo.fast_import(gen.next(commits, false) + gen.tag("v1"));
  repo.git("symbolic-ref HEAD refs/heads/main");
  if (!repack_args.empty()) repo.git(repack_args);
}

// ---- pack writer for hand-made packs ----------------------------------------

std::string varint(std::size_t v) {
  std::string r;
  do {
    unsigned char c = v & 0x7f;
    v >>= 7;
    if (v) c |= 0x80;
    r += static_cast<char>(c);
  } while (v);
  return r;
}
// Delta opcodes (git's patch-delta format).
std::string delta_header(std::size_t src, std::size_t res) { return varint(src) + varint(res); }
std::string copy_op(std::size_t off, std::size_t size) {
  std::string args;
  unsigned char cmd = 0x80;
  for (unsigned i = 0; i < 4; ++i)
    if ((off >> (8 * i)) & 0xff) {
      cmd |= static_cast<unsigned char>(1u << i);
      args += static_cast<char>((off >> (8 * i)) & 0xff);
    }
  for (unsigned i = 0; i < 3; ++i)
    if ((size >> (8 * i)) & 0xff) {
      cmd |= static_cast<unsigned char>(0x10u << i);
      args += static_cast<char>((size >> (8 * i)) & 0xff);
    }
  return static_cast<char>(cmd) + args;
}
std::string insert_op(const std::string& bytes) { return static_cast<char>(bytes.size()) + bytes; }

git_oid hash_of(git_object_t type, const std::string& data) {
  git_oid id;
  EXPECT_EQ(git_odb_hash(&id, data.data(), data.size(), type), 0);
  return id;
}

class PackWriter {
public:
  PackWriter() { out_ = std::string("PACK") + be32(2) + be32(0); }

  std::uint64_t plain(git_object_t type, const std::string& content) {
    return add(static_cast<unsigned>(type), content, hash_of(type, content), "");
  }
  std::uint64_t ofs_delta(std::uint64_t base, const std::string& delta, const git_oid& result) {
    std::uint64_t rel = out_.size() - base;
    unsigned char buf[16];
    int pos = 15;
    buf[pos] = rel & 127;
    while (rel >>= 7) buf[--pos] = static_cast<unsigned char>(128 | (--rel & 127));
    return add(6, delta, result, std::string(reinterpret_cast<char*>(buf) + pos, static_cast<std::size_t>(16 - pos)));
  }
  std::uint64_t ref_delta(const git_oid& base, const std::string& delta, const git_oid& result) {
    return add(7, delta, result, std::string(reinterpret_cast<const char*>(base.id), GIT_OID_RAWSZ));
  }
  // A raw object: any header type and size, any (compressed) payload.
  std::uint64_t raw(unsigned type, std::size_t size, const std::string& compressed, const git_oid& id) {
    std::uint64_t off = out_.size();
    out_ += obj_header(type, size) + compressed;
    entries_.push_back({id, off, 0});
    return off;
  }

  // Writes objects/pack/pack-<n>.{pack,idx} under `objects`; odd positions
  // of the index use the 64-bit offset table (as packs over 2 GiB do).
  void write(const std::string& objects, const std::string& name = "0123456789012345678901234567890123456789") {
    std::string pack = out_;
    std::uint32_t n = static_cast<std::uint32_t>(entries_.size());
    pack.replace(8, 4, be32(n));
    std::string trailer = "trailer-of-the-pack!";
    pack += trailer;
    auto sorted = entries_;
    std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return git_oid_cmp(&a.id, &b.id) < 0; });
    std::string idx = std::string("\377tOc") + be32(2);
    for (unsigned b = 0; b < 256; ++b) {
      std::uint32_t c = 0;
      for (auto& e : sorted) c += e.id.id[0] <= b;
      idx += be32(c);
    }
    for (auto& e : sorted) idx.append(reinterpret_cast<const char*>(e.id.id), GIT_OID_RAWSZ);
    for (auto& e : sorted) idx += be32(e.crc);
    std::string big;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i % 2) {
        idx += be32(0x80000000u | static_cast<std::uint32_t>(big.size() / 8));
        big += be32(static_cast<std::uint32_t>(sorted[i].off >> 32)) + be32(static_cast<std::uint32_t>(sorted[i].off));
      } else {
        idx += be32(static_cast<std::uint32_t>(sorted[i].off));
      }
    }
    idx += big + trailer + "checksum-of-the-idx!";
    fs::create_directories(objects + "/pack");
    write_file(objects + "/pack/pack-" + name + ".pack", pack);
    write_file(objects + "/pack/pack-" + name + ".idx", idx);
  }

private:
  struct Entry {
    git_oid id;
    std::uint64_t off;
    std::uint32_t crc;
  };
  static std::string be32(std::uint32_t v) {
    char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
    return std::string(b, 4);
  }
  static std::string obj_header(unsigned type, std::size_t size) {
    std::string r;
    unsigned char c = static_cast<unsigned char>((type << 4) | (size & 15));
    size >>= 4;
    while (size) {
      r += static_cast<char>(c | 0x80);
      c = size & 0x7f;
      size >>= 7;
    }
    return r + static_cast<char>(c);
  }
  std::uint64_t add(unsigned type, const std::string& payload, const git_oid& id, const std::string& extra) {
    std::uint64_t off = out_.size();
    uLongf len = compressBound(static_cast<uLong>(payload.size()));
    std::string z(len, '\0');
    EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(payload.data()),
                        static_cast<uLong>(payload.size()), Z_DEFAULT_COMPRESSION),
              Z_OK);
    z.resize(len);
    std::string entry = obj_header(type, payload.size()) + extra + z;
    std::uint32_t crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(entry.data()), static_cast<uInt>(entry.size())));
    out_ += entry;
    entries_.push_back({id, off, crc});
    return off;
  }

  std::string out_;
  std::vector<Entry> entries_;
};

std::string read_through(git_odb* odb, const git_oid& id, int* rc_out = nullptr) {
  git_odb_object* o = nullptr;
  int rc = git_odb_read(&o, odb, &id);
  if (rc_out) *rc_out = rc;
  if (rc != 0) return {};
  std::string r(static_cast<const char*>(git_odb_object_data(o)), git_odb_object_size(o));
  git_odb_object_free(o);
  return r;
}

// ---- tests on repositories git made -------------------------------------------

TEST(PackBackend, RepackedHistoryMatchesGit) {
  TestRepo repo;
  make_history(repo, 400, "repack -adfq --depth=50 --window=50");
  ASSERT_EQ(repo.packs().size(), 1u);
  EXPECT_GE(max_chain_length(repo), 10u) << "the test needs delta chains";
  auto objects = all_objects(repo);
  ASSERT_GT(objects.size(), 1000u);

  git_odb_backend* be = nullptr;
  auto odb = odb_with_only_backend(repo.objects(), &be);
  EXPECT_EQ(check_objects(odb.get(), objects), 0u);
  PackBackendStats s = pack_backend_stats(be);
  EXPECT_EQ(s.packs, 1u);
  EXPECT_EQ(s.reads, objects.size());
  EXPECT_GT(s.deltas_applied, 100u);
  EXPECT_GT(s.cache_hits, 0u);
  EXPECT_EQ(s.ref_deltas, 0u);

  // Through a repository, with libgit2's own backends behind ours.
  auto r = open_repo(repo, true);
  git_odb* rodb = nullptr;
  ASSERT_EQ(git_repository_odb(&rodb, r.get()), 0);
  EXPECT_EQ(check_objects(rodb, objects), 0u);
  git_odb_free(rodb);
  EXPECT_EQ(pack_backend_stats(our_backend(r.get())).reads, objects.size());
  EXPECT_EQ(install_pack_backend(r.get()), 0);  // a second install adds nothing
  git_odb* again = nullptr;
  ASSERT_EQ(git_repository_odb(&again, r.get()), 0);
  EXPECT_EQ(git_odb_num_backends(again), 3u);  // loose, packed, ours
  git_odb_free(again);
}

TEST(PackBackend, LibGit2LookupsAndPatchesSameAsWithout) {
  TestRepo repo;
  make_history(repo, 60, "repack -adfq --depth=50 --window=50");
  // The patch of src/big.c between each pair of consecutive commits, as
  // libgit2 renders it, with and without the backend.
  auto patches = [&](bool install) {
    auto r = open_repo(repo, install);
    std::string all;
    git_revwalk* w = nullptr;
    EXPECT_EQ(git_revwalk_new(&w, r.get()), 0);
    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
    EXPECT_EQ(git_revwalk_push_head(w), 0);
    git_oid id;
    git_blob* prev = nullptr;
    while (git_revwalk_next(&id, w) == 0) {
      git_commit* c = nullptr;
      EXPECT_EQ(git_commit_lookup(&c, r.get(), &id), 0);
      git_tree* t = nullptr;
      EXPECT_EQ(git_commit_tree(&t, c), 0);
      git_tree_entry* e = nullptr;
      EXPECT_EQ(git_tree_entry_bypath(&e, t, "src/big.c"), 0);
      git_blob* b = nullptr;
      EXPECT_EQ(git_blob_lookup(&b, r.get(), git_tree_entry_id(e)), 0);
      git_patch* p = nullptr;
      EXPECT_EQ(git_patch_from_blobs(&p, prev, "big.c", b, "big.c", nullptr), 0);
      git_buf buf = GIT_BUF_INIT;
      EXPECT_EQ(git_patch_to_buf(&buf, p), 0);
      all.append(buf.ptr, buf.size);
      git_buf_dispose(&buf);
      git_patch_free(p);
      git_blob_free(prev);
      prev = b;
      git_tree_entry_free(e);
      git_tree_free(t);
      git_commit_free(c);
    }
    git_blob_free(prev);
    git_revwalk_free(w);
    if (install) {
      EXPECT_GT(pack_backend_stats(our_backend(r.get())).reads, 100u);
    }
    return all;
  };
  std::string with = patches(true), without = patches(false);
  EXPECT_GT(with.size(), 1000u);
  EXPECT_EQ(with, without);
}

TEST(PackBackend, TinyDeltaCacheGivesSameResults) {
  TestRepo repo;
  make_history(repo, 200, "repack -adfq --depth=50 --window=50");
  auto objects = all_objects(repo);
  PackBackendOptions tiny;
  tiny.delta_cache_bytes = 1024;
  git_odb_backend* be = nullptr;
  auto odb = odb_with_only_backend(repo.objects(), &be, tiny);
  EXPECT_EQ(check_objects(odb.get(), objects), 0u);
  EXPECT_LE(pack_backend_stats(be).cache_bytes, 1024u);
  PackBackendOptions none;
  none.delta_cache_bytes = 0;
  auto odb0 = odb_with_only_backend(repo.objects(), &be, none);
  EXPECT_EQ(check_objects(odb0.get(), objects), 0u);
  EXPECT_EQ(pack_backend_stats(be).cache_hits, 0u);
}

TEST(PackBackend, RefDeltaPacks) {
  TestRepo repo;
  make_history(repo, 200, "-c repack.useDeltaBaseOffset=false repack -adfq --depth=50 --window=50");
  auto objects = all_objects(repo);
  git_odb_backend* be = nullptr;
  auto odb = odb_with_only_backend(repo.objects(), &be);
  EXPECT_EQ(check_objects(odb.get(), objects), 0u);
  EXPECT_GT(pack_backend_stats(be).ref_deltas, 100u);
}

TEST(PackBackend, LooseObjectsAndSeveralPacksFallThrough) {
  TestRepo repo;
  HistoryGen gen(7);
  repo.fast_import(gen.next(80, false));
  repo.git("repack -adfq --depth=50 --window=50");
  repo.fast_import(gen.next(40, true), "-c fastimport.unpackLimit=0");      // fast-import's own pack
  repo.fast_import(gen.next(20, true), "-c fastimport.unpackLimit=100000");  // loose objects
  repo.git("symbolic-ref HEAD refs/heads/main");
  ASSERT_EQ(repo.packs().size(), 2u);
  ASSERT_GT(repo.loose_count(), 20u);
  auto objects = all_objects(repo);

  auto r = open_repo(repo, true);
  git_odb* rodb = nullptr;
  ASSERT_EQ(git_repository_odb(&rodb, r.get()), 0);
  EXPECT_EQ(check_objects(rodb, objects), 0u);
  git_odb_free(rodb);
  PackBackendStats s = pack_backend_stats(our_backend(r.get()));
  EXPECT_EQ(s.packs, 2u);
  EXPECT_EQ(s.reads + repo.loose_count(), objects.size());

  // On its own, the backend knows the packed objects and none of the loose.
  auto odb = odb_with_only_backend(repo.objects());
  std::size_t found = 0, missing = 0;
  for (const Object& o : objects) {
    int rc;
    std::string data = read_through(odb.get(), o.id, &rc);
    if (rc == 0) {
      EXPECT_EQ(data, o.data);
      ++found;
    } else {
      EXPECT_EQ(rc, GIT_ENOTFOUND) << last_git_error();
      EXPECT_EQ(git_odb_exists(odb.get(), &o.id), 0);
      ++missing;
    }
  }
  EXPECT_EQ(missing, repo.loose_count());
  EXPECT_EQ(found + missing, objects.size());
}

TEST(PackBackend, LooseOnlyRepository) {
  TestRepo repo;
  HistoryGen gen(3);
  repo.fast_import(gen.next(10, false), "-c fastimport.unpackLimit=100000");
  repo.git("symbolic-ref HEAD refs/heads/main");
  ASSERT_TRUE(repo.packs().empty());
  auto objects = all_objects(repo);
  auto r = open_repo(repo, true);
  git_odb* rodb = nullptr;
  ASSERT_EQ(git_repository_odb(&rodb, r.get()), 0);
  EXPECT_EQ(check_objects(rodb, objects), 0u);
  git_odb_free(rodb);
}

TEST(PackBackend, RefreshFindsNewPacks) {
  TestRepo repo;
  HistoryGen gen(5);
  repo.fast_import(gen.next(30, false), "-c fastimport.unpackLimit=0");
  git_odb_backend* be = nullptr;
  auto odb = odb_with_only_backend(repo.objects(), &be);
  EXPECT_EQ(pack_backend_stats(be).packs, 1u);
  repo.fast_import(gen.next(10, true), "-c fastimport.unpackLimit=0");  // a second pack, after the backend
  auto objects = all_objects(repo);
  EXPECT_EQ(check_objects(odb.get(), objects), 0u);  // misses trigger a refresh
  EXPECT_EQ(pack_backend_stats(be).packs, 2u);
}

TEST(PackBackend, PrefixLookups) {
  TestRepo repo;
  make_history(repo, 150, "repack -adfq");
  auto objects = all_objects(repo);
  ASSERT_GT(objects.size(), 400u);
  auto odb = odb_with_only_backend(repo.objects());

  // Unique prefixes.
  for (std::size_t i = 0; i < objects.size(); i += 37) {
    git_oid full;
    EXPECT_EQ(git_odb_exists_prefix(&full, odb.get(), &objects[i].id, 12), 0);
    EXPECT_TRUE(git_oid_equal(&full, &objects[i].id));
    git_odb_object* o = nullptr;
    ASSERT_EQ(git_odb_read_prefix(&o, odb.get(), &objects[i].id, 12), 0) << last_git_error();
    EXPECT_TRUE(git_oid_equal(git_odb_object_id(o), &objects[i].id));
    EXPECT_EQ(std::string(static_cast<const char*>(git_odb_object_data(o)), git_odb_object_size(o)), objects[i].data);
    git_odb_object_free(o);
  }
  // An ambiguous prefix: the longest shared by two neighbours (>= 4 hex digits
  // among hundreds of objects).
  std::vector<std::string> hexes;
  for (auto& o : objects) hexes.push_back(oid_hex(o.id));
  std::sort(hexes.begin(), hexes.end());
  std::size_t best = 0, at = 0;
  for (std::size_t i = 1; i < hexes.size(); ++i) {
    std::size_t k = 0;
    while (k < 40 && hexes[i][k] == hexes[i - 1][k]) ++k;
    if (k > best) {
      best = k;
      at = i;
    }
  }
  ASSERT_GE(best, static_cast<std::size_t>(GIT_OID_MINPREFIXLEN));
  git_oid prefix;
  ASSERT_EQ(git_oid_fromstrn(&prefix, hexes[at].c_str(), best), 0);
  git_oid out;
  EXPECT_EQ(git_odb_exists_prefix(&out, odb.get(), &prefix, best), GIT_EAMBIGUOUS);
  git_odb_object* o = nullptr;
  EXPECT_EQ(git_odb_read_prefix(&o, odb.get(), &prefix, best), GIT_EAMBIGUOUS);
  // One more digit makes it unique.
  ASSERT_EQ(git_oid_fromstrn(&prefix, hexes[at].c_str(), best + 1), 0);
  EXPECT_EQ(git_odb_exists_prefix(&out, odb.get(), &prefix, best + 1), 0);
  EXPECT_EQ(oid_hex(out), hexes[at]);
  // No match.
  std::string absent;
  for (unsigned v = 0; absent.empty(); ++v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%010x", v * 2654435761u);
    auto it = std::lower_bound(hexes.begin(), hexes.end(), std::string(buf));
    if (it == hexes.end() || it->compare(0, 10, buf) != 0) absent = buf;
  }
  ASSERT_EQ(git_oid_fromstrn(&prefix, absent.c_str(), 10), 0);
  EXPECT_EQ(git_odb_exists_prefix(&out, odb.get(), &prefix, 10), GIT_ENOTFOUND);
}

// A pack large enough for the in-bucket search to start from its estimate
// (buckets of ~160 ids): every id is found, and ids next to them are not.
TEST(PackBackend, LookupsInLargeBuckets) {
  TestRepo repo;
  std::string stream;
  for (int i = 0; i < 40000; ++i) {
    std::string data = "blob number " + std::to_string(i) + "\n";
    stream += "blob\ndata " + std::to_string(data.size()) + "\n" + data + "\n";
  }
  repo.fast_import(stream);
  std::string listing = repo.git("cat-file --batch-all-objects --batch-check='%(objectname)'");
  std::vector<std::string> ids;
  for (std::size_t pos = 0; pos + 40 <= listing.size(); pos += 41) ids.push_back(listing.substr(pos, 40));
  ASSERT_EQ(ids.size(), 40000u);
  std::sort(ids.begin(), ids.end());
  auto odb = odb_with_only_backend(repo.objects());
  std::size_t missed = 0, false_hits = 0;
  auto present = [&](const std::string& hex) { return std::binary_search(ids.begin(), ids.end(), hex); };
  for (auto& hex : ids) {
    git_oid id;
    ASSERT_EQ(git_oid_fromstr(&id, hex.c_str()), 0);
    missed += !git_odb_exists(odb.get(), &id);
    // Neighbours of a present id: the last byte and the first byte after
    // the fan-out byte changed.
    for (int k : {19, 1}) {
      git_oid near = id;
      near.id[k] ^= 0x01;
      char buf[GIT_OID_HEXSZ + 1];
      git_oid_tostr(buf, sizeof buf, &near);
      if (!present(buf)) false_hits += git_odb_exists(odb.get(), &near);
    }
  }
  EXPECT_EQ(missed, 0u);
  EXPECT_EQ(false_hits, 0u);
  // The ends of the id space.
  for (const char* hex : {"0000000000000000000000000000000000000000", "00ffffffffffffffffffffffffffffffffffffff",
                          "ff00000000000000000000000000000000000000", "ffffffffffffffffffffffffffffffffffffffff"}) {
    git_oid id;
    ASSERT_EQ(git_oid_fromstr(&id, hex), 0);
    if (!present(hex)) {
      EXPECT_FALSE(git_odb_exists(odb.get(), &id)) << hex;
    }
  }
}

// ---- broken files -----------------------------------------------------------

TEST(PackBackend, CorruptPackGivesErrorsNotCrashes) {
  TestRepo repo;
  make_history(repo, 200, "repack -adfq --depth=50 --window=50");
  auto objects = all_objects(repo);
  std::string idx = repo.packs().at(0);
  std::string pack = idx.substr(0, idx.size() - 4) + ".pack";
  std::string bytes = read_file(pack);
  // Flip bytes in the middle of the pack.
  fs::permissions(pack, fs::perms::owner_write, fs::perm_options::add);
  std::string bad = bytes;
  for (std::size_t i = bad.size() / 2; i < bad.size() / 2 + 4096; i += 61) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  write_file(pack, bad);
  auto odb = odb_with_only_backend(repo.objects());
  std::size_t errors = 0, good = 0;
  for (const Object& o : objects) {
    int rc;
    std::string data = read_through(odb.get(), o.id, &rc);
    if (rc == 0) {
      ++good;
      EXPECT_EQ(data, o.data);  // libgit2 verifies the hash of what it gets
    } else {
      ++errors;
      EXPECT_NE(rc, GIT_ENOTFOUND);
      std::string msg = last_git_error();
      EXPECT_TRUE(msg.find(pack) != std::string::npos || msg.find("hash mismatch") != std::string::npos) << msg;
    }
  }
  EXPECT_GT(errors, 0u);
  EXPECT_GT(good, 0u);
}

// Random damage to a small pack and its index: every read must end in data
// or an error. (Run under AddressSanitizer to see the "no out-of-bounds read"
// half of the claim.)
TEST(PackBackend, RandomDamageNeverCrashes) {
  TestRepo repo;
  make_history(repo, 40, "repack -adfq --depth=50 --window=50");
  auto objects = all_objects(repo);
  std::string idx_path = repo.packs().at(0);
  std::string pack_path = idx_path.substr(0, idx_path.size() - 4) + ".pack";
  const std::string idx = read_file(idx_path), pack = read_file(pack_path);
  TempDir tmp;
  std::string objs = tmp.path() + "/objects";
  fs::create_directories(objs + "/pack");
  std::string name = fs::path(idx_path).filename().string();
  name = name.substr(0, name.size() - 4);
  std::mt19937 rng(1234);
  std::size_t opened = 0, read_ok = 0, read_err = 0;
  const char* env = std::getenv("PACK_BACKEND_FUZZ_ITERATIONS");  // for longer runs by hand
  const int iterations = env ? std::atoi(env) : 300;
  for (int iter = 0; iter < iterations; ++iter) {
    std::string i2 = idx, p2 = pack;
    std::string& victim = iter % 4 == 3 ? i2 : p2;
    switch (iter % 5) {
      case 0:  // truncation
        victim.resize(rng() % victim.size());
        break;
      default:
        for (std::size_t k = 0, n = 1 + rng() % 6; k < n; ++k) {
          std::size_t at = rng() % victim.size();
          victim[at] = static_cast<char>(iter % 2 ? rng() & 0xff : victim[at] ^ (1 << (rng() % 8)));
        }
    }
    write_file(objs + "/pack/" + name + ".idx", i2);
    write_file(objs + "/pack/" + name + ".pack", p2);
    git_odb_backend* be = nullptr;
    if (pack_backend_new(&be, objs) != 0) {
      EXPECT_FALSE(last_git_error().empty());
      continue;
    }
    ++opened;
    git_odb* odb = nullptr;
    ASSERT_EQ(git_odb_new(&odb), 0);
    ASSERT_EQ(git_odb_add_backend(odb, be, 1), 0);
    for (const Object& o : objects) {
      std::size_t len;
      git_object_t type;
      (void)git_odb_read_header(&len, &type, odb, &o.id);
      int rc;
      read_through(odb, o.id, &rc);
      (rc == 0 ? read_ok : read_err)++;
    }
    git_odb_free(odb);
  }
  EXPECT_GT(opened, static_cast<std::size_t>(iterations) / 3);
  EXPECT_GT(read_ok, 0u);
  EXPECT_GT(read_err, 0u);
}

TEST(PackBackend, BadIndexOrPackRefusedWithFileName) {
  TestRepo repo;
  make_history(repo, 20, "repack -adfq");
  std::string idx_path = repo.packs().at(0);
  std::string pack_path = idx_path.substr(0, idx_path.size() - 4) + ".pack";
  const std::string idx = read_file(idx_path), pack = read_file(pack_path);
  TempDir tmp;
  std::string objs = tmp.path() + "/objects";
  fs::create_directories(objs + "/pack");
  std::string base = objs + "/pack/" + fs::path(idx_path).stem().string();
  init_libgit2();

  auto expect_refused = [&](const std::string& i2, const std::string& p2, const std::string& file,
                            const std::string& why) {
    write_file(base + ".idx", i2);
    write_file(base + ".pack", p2);
    git_odb_backend* be = nullptr;
    EXPECT_LT(pack_backend_new(&be, objs), 0) << why;
    EXPECT_EQ(be, nullptr);
    std::string msg = last_git_error();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(why), std::string::npos) << msg;
  };
  expect_refused(idx.substr(0, idx.size() / 2), pack, base + ".idx", "truncated");
  expect_refused(idx.substr(0, 100), pack, base + ".idx", "truncated");
  expect_refused("", pack, base + ".idx", "truncated");
  std::string magic = idx;
  magic[1] = 'X';
  expect_refused(magic, pack, base + ".idx", "bad magic");
  std::string version = idx;
  version[7] = 3;
  expect_refused(version, pack, base + ".idx", "version 3");
  std::string fanout = idx;
  fanout[8 + 4 * 10 + 3] = static_cast<char>(0xff);
  fanout[8 + 4 * 10 + 2] = static_cast<char>(0xff);
  expect_refused(fanout, pack, base + ".idx", "fanout");
  std::string count = pack;
  count[11] = static_cast<char>(count[11] + 1);
  expect_refused(idx, count, base + ".pack", "objects but its index");
  std::string sig = pack;
  sig[0] = 'J';
  expect_refused(idx, sig, base + ".pack", "not a pack");
  std::string trailer = pack;
  trailer[trailer.size() - 1] = static_cast<char>(trailer.back() ^ 1);
  expect_refused(idx, trailer, base + ".pack", "does not match its index");
  expect_refused(idx, pack.substr(0, 20), base + ".pack", "truncated pack");

  // An index whose pack is gone is skipped, as git does.
  write_file(base + ".idx", idx);
  fs::remove(base + ".pack");
  git_odb_backend* be = nullptr;
  ASSERT_EQ(pack_backend_new(&be, objs), 0);
  EXPECT_EQ(pack_backend_stats(be).packs, 0u);
  be->free(be);
  // So is a missing objects/pack directory.
  ASSERT_EQ(pack_backend_new(&be, tmp.path() + "/nowhere"), 0);
  EXPECT_EQ(pack_backend_stats(be).packs, 0u);
  be->free(be);
}

// ---- hand-made packs ------------------------------------------------------------

// A 5000-deep chain (every 10th link a REF_DELTA), read by git and by us, with
// the default cache and with none.
TEST(PackBackend, VeryDeepChainHandMade) {
  TestRepo repo;
  PackWriter w;
  std::string content = "base\n";
  std::uint64_t prev_off = w.plain(GIT_OBJECT_BLOB, content);
  git_oid prev_id = hash_of(GIT_OBJECT_BLOB, content);
  std::vector<std::pair<git_oid, std::string>> expect;
  const int depth = 5000;
  for (int i = 1; i <= depth; ++i) {
    std::string next = content + "line " + std::to_string(i) + "\n";
    std::string d = delta_header(content.size(), next.size());
    for (std::size_t off = 0; off < content.size(); off += 0x10000)  // copies are at most 64 KiB
      d += copy_op(off, std::min<std::size_t>(0x10000, content.size() - off));
    d += insert_op(next.substr(content.size()));
    git_oid id = hash_of(GIT_OBJECT_BLOB, next);
    prev_off = i % 10 == 0 ? w.ref_delta(prev_id, d, id) : w.ofs_delta(prev_off, d, id);
    prev_id = id;
    content = next;
    if (i % 1000 == 0) expect.emplace_back(id, content);
  }
  w.write(repo.objects());
  // git agrees with the hand-made pack.
  EXPECT_EQ(repo.git("cat-file blob " + oid_hex(prev_id)), content);

  for (std::size_t cache : {std::size_t(256) << 20, std::size_t(0)}) {
    PackBackendOptions o;
    o.delta_cache_bytes = cache;
    git_odb_backend* be = nullptr;
    auto odb = odb_with_only_backend(repo.objects(), &be, o);
    for (auto it = expect.rbegin(); it != expect.rend(); ++it) {  // deepest first
      int rc;
      EXPECT_EQ(read_through(odb.get(), it->first, &rc), it->second);
      EXPECT_EQ(rc, 0) << last_git_error();
      std::size_t len;
      git_object_t type;
      EXPECT_EQ(git_odb_read_header(&len, &type, odb.get(), &it->first), 0);
      EXPECT_EQ(len, it->second.size());
      EXPECT_EQ(type, GIT_OBJECT_BLOB);
    }
    EXPECT_GT(pack_backend_stats(be).ref_deltas, 400u);
  }
}

TEST(PackBackend, RefDeltaAgainstLooseBase) {
  TestRepo repo;
  std::string base(3000, 'b');
  for (std::size_t i = 0; i < base.size(); i += 50) base[i] = '\n';
  write_file(repo.dir() + "/base.txt", base);
  std::string hex = repo.git("hash-object -w base.txt");
  git_oid base_id;
  ASSERT_EQ(git_oid_fromstrn(&base_id, hex.c_str(), GIT_OID_HEXSZ), 0);
  git_oid expected_base = hash_of(GIT_OBJECT_BLOB, base);
  ASSERT_TRUE(git_oid_equal(&base_id, &expected_base)) << hex;

  std::string result = "head\n" + base.substr(100, 2000) + "tail\n";
  std::string d = delta_header(base.size(), result.size()) + insert_op("head\n") + copy_op(100, 2000) + insert_op("tail\n");
  git_oid id = hash_of(GIT_OBJECT_BLOB, result);
  PackWriter w;
  w.ref_delta(base_id, d, id);
  w.write(repo.objects());

  auto r = open_repo(repo, true);
  git_odb* odb = nullptr;
  ASSERT_EQ(git_repository_odb(&odb, r.get()), 0);
  std::size_t len;
  git_object_t type;
  EXPECT_EQ(git_odb_read_header(&len, &type, odb, &id), 0) << last_git_error();
  EXPECT_EQ(len, result.size());
  EXPECT_EQ(type, GIT_OBJECT_BLOB);
  int rc;
  EXPECT_EQ(read_through(odb, id, &rc), result);
  EXPECT_EQ(rc, 0) << last_git_error();
  git_odb_free(odb);
  EXPECT_EQ(pack_backend_stats(our_backend(r.get())).external_bases, 2u);

  // Alone, the backend cannot find the base: an error naming it.
  auto alone = odb_with_only_backend(repo.objects());
  read_through(alone.get(), id, &rc);
  EXPECT_LT(rc, 0);
  EXPECT_NE(rc, GIT_ENOTFOUND);
  EXPECT_NE(last_git_error().find("delta base " + hex.substr(0, GIT_OID_HEXSZ) + " not found"), std::string::npos)
      << last_git_error();
}

TEST(PackBackend, CorruptDeltasAreErrors) {
  TestRepo repo;
  PackWriter w;
  std::string base = "0123456789abcdefghijklmnopqrstuvwxyz\n";
  std::uint64_t b = w.plain(GIT_OBJECT_BLOB, base);
  auto fake = [](const std::string& name) { return hash_of(GIT_OBJECT_BLOB, "fake " + name); };
  std::vector<std::pair<git_oid, std::string>> bad;  // id, expected message part
  auto add = [&](const std::string& name, const std::string& delta, const std::string& why) {
    git_oid id = fake(name);
    w.ofs_delta(b, delta, id);
    bad.emplace_back(id, why);
  };
  std::size_t n = base.size();
  add("copy past the end", delta_header(n, 10) + copy_op(30, 10), "copies out of bounds");
  add("copy beyond result", delta_header(n, 5) + copy_op(0, 10), "copies out of bounds");
  add("insert beyond result", delta_header(n, 2) + insert_op("abc"), "inserts out of bounds");
  add("truncated insert", delta_header(n, 5) + std::string("\x05" "ab"), "inserts out of bounds");
  add("truncated copy", delta_header(n, 5) + std::string("\x91"), "truncated delta copy");
  add("opcode 0", delta_header(n, 5) + std::string(1, '\0') + "abcde", "opcode 0");
  add("short result", delta_header(n, 50) + copy_op(0, 10), "shorter than its declared size");
  add("wrong base size", delta_header(n + 1, 5) + copy_op(0, 5), "delta base size");
  add("no header", std::string("\x80"), "bad delta header");
  // Objects whose zlib data or header lie.
  git_oid lie = fake("size lie");
  {
    std::string payload = "twelve bytes";
    uLongf len = compressBound(12);
    std::string z(len, '\0');
    compress2(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(payload.data()), 12, 6);
    z.resize(len);
    w.raw(3, 20, z, lie);
    bad.emplace_back(lie, "inflated to 12 bytes");
    git_oid longer = fake("longer");
    w.raw(3, 5, z, longer);
    bad.emplace_back(longer, "longer than the object size");
    git_oid garbage = fake("garbage");
    w.raw(3, 5, "not zlib at all", garbage);
    bad.emplace_back(garbage, "zlib");
    git_oid type5 = fake("type 5");
    w.raw(5, 5, z, type5);
    bad.emplace_back(type5, "invalid object type 5");
    git_oid huge = fake("huge");
    w.raw(3, std::size_t(1) << 40, z, huge);
    bad.emplace_back(huge, "impossible");
  }
  // A REF_DELTA cycle.
  git_oid x = fake("x"), y = fake("y");
  w.ref_delta(y, delta_header(1, 1) + copy_op(0, 1), x);
  w.ref_delta(x, delta_header(1, 1) + copy_op(0, 1), y);
  bad.emplace_back(x, "too long");
  // A good delta among them still works.
  std::string good = base.substr(10, 5) + "!";
  git_oid good_id = hash_of(GIT_OBJECT_BLOB, good);
  w.ofs_delta(b, delta_header(n, good.size()) + copy_op(10, 5) + insert_op("!"), good_id);
  w.write(repo.objects());

  auto odb = odb_with_only_backend(repo.objects());
  for (auto& [id, why] : bad) {
    int rc;
    read_through(odb.get(), id, &rc);
    EXPECT_EQ(rc, GIT_ERROR) << why;
    EXPECT_NE(last_git_error().find(why), std::string::npos) << last_git_error();
    EXPECT_NE(last_git_error().find(".pack: corrupt object at offset"), std::string::npos) << last_git_error();
  }
  int rc;
  EXPECT_EQ(read_through(odb.get(), good_id, &rc), good);
  EXPECT_EQ(rc, 0) << last_git_error();
  EXPECT_EQ(read_through(odb.get(), hash_of(GIT_OBJECT_BLOB, base), &rc), base);
}

// Random delta instructions (well compressed, so that they reach the delta
// interpreter): each read ends in an error, never in a crash or a write out of
// bounds. The valid ones among them are checked against a reference result.
TEST(PackBackend, RandomDeltasNeverCrash) {
  TestRepo repo;
  PackWriter w;
  std::string base;
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) base += static_cast<char>('a' + rng() % 26);
  std::uint64_t b = w.plain(GIT_OBJECT_BLOB, base);
  std::vector<std::pair<git_oid, std::string>> valid;  // id, content
  std::vector<git_oid> invalid;
  for (int i = 0; i < 2000; ++i) {
    std::string ops, result;
    bool ok = true;
    for (std::size_t k = 0, n = rng() % 12; k < n; ++k) {
      switch (rng() % 4) {
        case 0: {  // a copy, sometimes out of bounds
          std::size_t off = rng() % (base.size() + 40), size = 1 + rng() % 600;
          ops += copy_op(off, size);
          if (off + size > base.size()) ok = false;
          else result += base.substr(off, size);
          break;
        }
        case 1: {
          std::string bytes(1 + rng() % 127, static_cast<char>('A' + rng() % 26));
          ops += insert_op(bytes);
          result += bytes;
          break;
        }
        case 2:  // raw bytes: anything goes
          for (std::size_t j = 0, m = 1 + rng() % 4; j < m; ++j) ops += static_cast<char>(rng() & 0xff);
          ok = false;
          break;
        default: {  // an insert that claims more than there is
          ops += static_cast<char>(100);
          ops += "short";
          ok = false;
          break;
        }
      }
    }
    std::size_t src = rng() % 8 ? base.size() : rng() % 5000;
    std::size_t res = rng() % 4 ? result.size() : rng() % 5000;
    bool header = rng() % 50 != 0;
    ok = ok && header && src == base.size() && res == result.size();
    std::string delta = (header ? delta_header(src, res) : std::string()) + ops;
    git_oid id = ok ? hash_of(GIT_OBJECT_BLOB, result) : hash_of(GIT_OBJECT_BLOB, "fake " + std::to_string(i));
    if (ok && std::any_of(valid.begin(), valid.end(), [&](auto& v) { return git_oid_equal(&v.first, &id); }))
      continue;
    w.ofs_delta(b, delta, id);
    if (ok)
      valid.emplace_back(id, result);
    else
      invalid.push_back(id);
  }
  w.write(repo.objects());
  ASSERT_GT(valid.size(), 20u);
  ASSERT_GT(invalid.size(), 1000u);
  auto odb = odb_with_only_backend(repo.objects());
  int rc;
  for (auto& id : invalid) {
    read_through(odb.get(), id, &rc);
    EXPECT_LT(rc, 0);
    EXPECT_NE(rc, GIT_ENOTFOUND);
  }
  for (auto& [id, content] : valid) {
    EXPECT_EQ(read_through(odb.get(), id, &rc), content);
    EXPECT_EQ(rc, 0) << last_git_error();
  }
}

}  // namespace
}  // namespace beaver::git
