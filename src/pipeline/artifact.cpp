#include "pipeline/artifact.h"

#include "util/error.h"
#include "util/file.h"
#include "util/process.h"
#include "util/sha256.h"
#include "util/text.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

namespace beaver::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kChunk = 1 << 20;
// provenance.json is read into memory; a larger one is not beaver's.
constexpr la_int64_t kMaxProvenance = 64 << 20;

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

std::string archive_message(archive* a, const char* fallback) {
  const char* m = archive_error_string(a);
  return m && *m ? m : fallback;
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string base_name(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string dir_name(const std::string& p) {
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

unsigned normalised_mode(unsigned mode) { return (mode & 0111) ? 0755u : 0644u; }

// Why `name` cannot name a member ("" when it can).
std::string bad_name(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name.find('\0') != std::string::npos) return "NUL in the name";
  if (name.front() == '/') return "absolute name";
  if (name == kProvenanceMember) return "reserved for the provenance";
  std::size_t pos = 0;
  while (pos <= name.size()) {
    std::size_t slash = name.find('/', pos);
    if (slash == std::string::npos) slash = name.size();
    std::string_view part(name.data() + pos, slash - pos);
    if (part.empty()) return "empty path component";
    if (part == "." || part == "..") return "'.' or '..' component";
    pos = slash + 1;
  }
  return {};
}

// The file a write to `path` lands in: a symbolic link's final target (as write_file()).
std::string final_target(const std::string& path) {
  std::string target = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return target;
    if (hops >= 40) throw Error("{}: cannot write: {}", path, std::strerror(ELOOP));
    std::vector<char> buf(PATH_MAX + 1);
    ssize_t n = ::readlink(target.c_str(), buf.data(), buf.size() - 1);
    if (n < 0) throw Error("{}: cannot write: {}", path, std::strerror(errno));
    std::string link(buf.data(), static_cast<std::size_t>(n));
    target = link.starts_with('/') ? link : dir_name(target) + "/" + link;
  }
}

mode_t current_umask() {
  mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

// Where libarchive's compressed output goes: the file, and a running sha256 of it.
struct Sink {
  int fd = -1;
  Sha256 hash;
  std::uint64_t bytes = 0;
  int error = 0;
};

la_ssize_t sink_write(archive*, void* data, const void* buf, size_t len) {
  auto* s = static_cast<Sink*>(data);
  auto p = static_cast<const char*>(buf);
  size_t left = len;
  while (left) {
    ssize_t n = ::write(s->fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      s->error = errno;
      return -1;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  s->hash.update(buf, len);
  s->bytes += len;
  return static_cast<la_ssize_t>(len);
}

struct Prepared {
  ArtifactEntry entry;
  std::uint64_t size = 0;
  std::string sha256;
};

json without_run_times(json statement) {
  if (!statement.is_object() || !statement.contains("predicate")) return statement;
  auto& pred = statement["predicate"];
  if (!pred.is_object() || !pred.contains("runDetails") || !pred["runDetails"].is_object()) return statement;
  auto& run = pred["runDetails"];
  if (run.contains("metadata") && run["metadata"].is_object()) {
    run["metadata"].erase("startedOn");
    run["metadata"].erase("finishedOn");
    if (run["metadata"].empty()) run.erase("metadata");
  }
  return statement;
}

std::string library_versions() {
  const char* v = archive_version_details();
  return v ? v : "";
}

// The archive's writer, owning the temporary file until it is renamed.
class TarballWriter {
public:
  TarballWriter(const std::string& shown, const std::string& target, int zstd_level)
      : shown_(shown), target_(target) {
    try {
      open(zstd_level);
    } catch (...) {
      cleanup();
      throw;
    }
  }

  ~TarballWriter() { cleanup(); }

  // A header for a regular file of `size` bytes.
  void header(const std::string& name, unsigned mode, std::uint64_t size, std::int64_t mtime) {
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), static_cast<mode_t>(mode));
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_uname(e.get(), "root");
    archive_entry_set_gname(e.get(), "root");
    archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime), 0);
    if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) fail_archive(name);
  }

  void data(const void* p, std::size_t n, const std::string& name) {
    auto c = static_cast<const char*>(p);
    while (n) {
      la_ssize_t w = archive_write_data(a_.get(), c, n);
      if (w <= 0) fail_archive(name);
      c += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  // Finishes the archive and renames it over the target; returns its sha256 and size.
  std::pair<std::string, std::uint64_t> commit(mode_t mode) {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail_archive();
    a_.reset();
    int err = 0;
    if (::fchmod(sink_.fd, mode) != 0) err = errno;
    if (::close(sink_.fd) != 0 && !err) err = errno;
    sink_.fd = -1;
    if (!err && ::rename(tmp_.data(), target_.c_str()) != 0) err = errno;
    if (err) fail(std::strerror(err));
    renamed_ = true;
    return {to_hex(sink_.hash.finish()), sink_.bytes};
  }

private:
  void open(int zstd_level) {
    std::string tmpl = dir_name(target_) + "/." + base_name(target_) + ".beaver-XXXXXX";
    tmp_.assign(tmpl.begin(), tmpl.end());
    tmp_.push_back('\0');
    sink_.fd = ::mkstemp(tmp_.data());
    if (sink_.fd < 0) fail(std::strerror(errno));
    created_ = true;
    a_.reset(archive_write_new());
    if (!a_) fail("cannot allocate a libarchive writer");
    std::string level = std::to_string(zstd_level);
    if (archive_write_add_filter_zstd(a_.get()) != ARCHIVE_OK ||
        archive_write_set_filter_option(a_.get(), "zstd", "compression-level", level.c_str()) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(a_.get()) != ARCHIVE_OK ||
        // No padding of the compressed stream to 10240-byte blocks: zeros after a zstd frame are not zstd.
        archive_write_set_bytes_in_last_block(a_.get(), 1) != ARCHIVE_OK)
      fail(archive_message(a_.get(), "libarchive cannot write pax with zstd"));
    if (archive_write_open2(a_.get(), &sink_, nullptr, sink_write, nullptr, nullptr) != ARCHIVE_OK) fail_archive();
  }

  void cleanup() {
    a_.reset();
    if (sink_.fd >= 0) ::close(sink_.fd);
    sink_.fd = -1;
    if (created_ && !renamed_) ::unlink(tmp_.data());
    created_ = false;
  }

  [[noreturn]] void fail(const std::string& why) { throw Error("{}: cannot write: {}", shown_, why); }
  [[noreturn]] void fail_archive(const std::string& member = {}) {
    std::string why = sink_.error ? std::strerror(sink_.error) : archive_message(a_.get(), "libarchive failed");
    if (member.empty()) fail(why);
    fail(member + ": " + why);
  }

  std::string shown_, target_;
  std::vector<char> tmp_;
  Sink sink_;
  std::unique_ptr<archive, ArchiveWriteFree> a_;
  bool created_ = false, renamed_ = false;
};

// Streams `p.entry.source` into the archive, checking that it is still the file that was hashed.
void copy_member(TarballWriter& w, const Prepared& p) {
  const std::string& src = p.entry.source;
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (in.fd < 0) throw Error("{}: cannot read: {}", src, std::strerror(errno));
  std::vector<char> buf(kChunk);
  Sha256 h;
  std::uint64_t done = 0;
  while (done < p.size) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), p.size - done));
    ssize_t n = ::read(in.fd, buf.data(), want);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("{}: cannot read: {}", src, std::strerror(errno));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<std::size_t>(n));
    w.data(buf.data(), static_cast<std::size_t>(n), p.entry.name);
    done += static_cast<std::uint64_t>(n);
  }
  char extra;
  ssize_t more;
  do more = ::read(in.fd, &extra, 1);
  while (more < 0 && errno == EINTR);
  if (done != p.size || more != 0 || to_hex(h.finish()) != p.sha256)
    throw Error("{}: changed while the artifact was written (member {})", src, p.entry.name);
}

}  // namespace

std::vector<ArtifactEntry> collect_tree(const std::string& dir, const std::string& prefix,
                                        std::vector<std::string>* skipped) {
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (ec) throw Error("{}: cannot read: {}", dir, ec.message());
  if (!fs::is_directory(st)) throw Error("{}: cannot read: not a directory", dir);
  std::vector<ArtifactEntry> out;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec) throw Error("{}: cannot read: {}", dir, ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const auto& path = it->path();
    std::string rel = path.lexically_relative(dir).generic_string();
    std::string name = prefix.empty() ? rel : prefix + "/" + rel;
    auto lst = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(lst)) continue;
    if (!fs::is_regular_file(lst)) {
      if (skipped) skipped->push_back(name);
      continue;
    }
    out.push_back({name, path.string(), static_cast<unsigned>(lst.permissions()) & 07777u});
  }
  if (ec) throw Error("{}: cannot read: {}", dir, ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (skipped) std::sort(skipped->begin(), skipped->end());
  return out;
}

json resource_descriptor(const std::string& name, const std::string& uri,
                         const std::map<std::string, std::string>& digest, const json& annotations) {
  json r = json::object();
  if (!uri.empty()) r["uri"] = uri;
  if (!digest.empty()) r["digest"] = digest;
  if (!name.empty()) r["name"] = name;
  if (annotations.is_object() && !annotations.empty()) r["annotations"] = annotations;
  return r;
}

json provenance_statement(const ProvenanceInput& input) {
  json version = {{"beaver", BEAVER_VERSION}, {"libarchive", library_versions()}};
  for (const auto& [k, v] : input.builder_version) version[k] = v;
  json deps = json::array();
  for (const auto& d : input.resolved_dependencies) deps.push_back(d);
  json run = {{"builder", {{"id", input.builder_id}, {"version", version}}}};
  if (!input.invocation_id.empty()) run["metadata"] = {{"invocationId", input.invocation_id}};
  return {
      {"_type", kStatementType},
      {"subject", json::array()},
      {"predicateType", kProvenanceType},
      {"predicate",
       {{"buildDefinition",
         {{"buildType", input.build_type},
          {"externalParameters", input.external_parameters.is_null() ? json::object() : input.external_parameters},
          {"internalParameters", input.internal_parameters.is_null() ? json::object() : input.internal_parameters},
          {"resolvedDependencies", deps}}},
        {"runDetails", run}}},
  };
}

json toolchain_versions(const std::string& cross_compile) {
  auto first_line = [](const std::string& program) -> std::string {
    try {
      ProcessResult r = run_process({program, "--version"});
      if (r.exit_code != 0) return "";
      return std::string(trim(r.out.substr(0, r.out.find('\n'))));
    } catch (const Error&) {
      return "";  // not installed
    }
  };
  return {{"gcc", first_line(cross_compile + "gcc")},
          {"binutils", first_line(cross_compile + "ld")},
          {"make", first_line("make")}};
}

std::string artifact_file_name(const std::string& target, const std::string& kernelrelease,
                               const std::string& commit) {
  return target + "-" + kernelrelease + "-" + short_id(commit) + ".tar.zst";
}

std::string sidecar_path(const std::string& tarball) {
  std::string base = tarball;
  if (base.ends_with(".tar.zst")) base.resize(base.size() - std::strlen(".tar.zst"));
  return base + ".provenance.json";
}

WrittenArtifact write_artifact(const std::string& out_path, std::vector<ArtifactEntry> entries,
                               json provenance, const ArtifactOptions& options) {
  if (out_path.empty()) throw Error("cannot write an artifact: empty file name");
  if (!provenance.is_object()) throw Error("{}: the provenance is not a JSON object", out_path);
  if (options.zstd_level < 1 || options.zstd_level > 22)
    throw Error("{}: zstd level {} is not in 1..22", out_path, options.zstd_level);

  // Names and sources first: nothing is written when one is wrong.
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<Prepared> prepared;
  prepared.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (auto why = bad_name(e.name); !why.empty())
      throw Error("{}: member '{}' ({}): {}", out_path, e.name, e.source, why);
    if (i && entries[i - 1].name == e.name)
      throw Error("{}: member '{}' given twice ({} and {})", out_path, e.name, entries[i - 1].source, e.source);
    struct stat st {};
    if (::stat(e.source.c_str(), &st) != 0) throw Error("{}: cannot read: {}", e.source, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw Error("{}: cannot archive as {}: not a regular file", e.source, e.name);
    Prepared p{e, static_cast<std::uint64_t>(st.st_size), sha256_file(e.source)};
    p.entry.mode = normalised_mode(e.mode ? e.mode : static_cast<unsigned>(st.st_mode));
    prepared.push_back(std::move(p));
  }

  // The Statement: subjects, the archive's time, and no run times.
  json sidecar_statement = provenance;
  json subjects = json::array();
  for (const auto& p : prepared) subjects.push_back({{"name", p.entry.name}, {"digest", {{"sha256", p.sha256}}}});
  provenance["subject"] = subjects;
  if (provenance.contains("predicate") && provenance["predicate"].is_object()) {
    auto& def = provenance["predicate"]["buildDefinition"];
    if (def.is_null()) def = json::object();
    if (def.is_object()) {
      if (!def.contains("internalParameters") || !def["internalParameters"].is_object())
        def["internalParameters"] = json::object();
      def["internalParameters"]["sourceDateEpoch"] = options.mtime;
    }
  }
  provenance = without_run_times(std::move(provenance));
  std::string text = provenance.dump(2) + "\n";

  // The tarball.
  std::string target = final_target(out_path);
  mode_t mode = static_cast<mode_t>(0666 & ~current_umask());
  {
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) throw Error("{}: cannot write: {}", out_path, std::strerror(EISDIR));
      if (!S_ISREG(st.st_mode)) throw Error("{}: cannot write: not a regular file", out_path);
      mode = st.st_mode & 07777;
    }
  }
  TarballWriter w(out_path, target, options.zstd_level);
  w.header(kProvenanceMember, 0644, text.size(), options.mtime);
  w.data(text.data(), text.size(), kProvenanceMember);
  for (const auto& p : prepared) {
    w.header(p.entry.name, p.entry.mode, p.size, options.mtime);
    copy_member(w, p);
  }
  auto [digest, bytes] = w.commit(mode);

  // The sidecar: the same Statement, the tarball as one more subject, and the run's times.
  WrittenArtifact out;
  out.path = out_path;
  out.sidecar = options.sidecar.empty() ? sidecar_path(out_path) : options.sidecar;
  out.sha256 = digest;
  out.bytes = bytes;
  json side = provenance;
  side["subject"].push_back({{"name", base_name(out_path)}, {"digest", {{"sha256", digest}}}});
  if (sidecar_statement.contains("predicate")) {
    const json* meta = nullptr;
    try {
      meta = &sidecar_statement.at("predicate").at("runDetails").at("metadata");
    } catch (const json::exception&) {
    }
    if (meta && meta->is_object())
      for (const char* key : {"startedOn", "finishedOn"})
        if (meta->contains(key)) side["predicate"]["runDetails"]["metadata"][key] = (*meta)[key];
  }
  write_file(out.sidecar, side.dump(2) + "\n");
  out.provenance = std::move(provenance);
  out.sidecar_provenance = std::move(side);
  return out;
}

VerifyResult verify_artifact(const std::string& path, const std::string& sidecar) {
  VerifyResult r;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error("{}: cannot read: {}", path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Error("{}: cannot read: {}", path, std::strerror(EISDIR));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.fd < 0) throw Error("{}: cannot read: {}", path, std::strerror(errno));

  std::unique_ptr<archive, ArchiveReadFree> a(archive_read_new());
  if (!a) throw Error("{}: cannot allocate a libarchive reader", path);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  auto damaged = [&](const std::string& where) {
    r.problems.push_back(fmt::format("{}: damaged archive{}: {}", path, where.empty() ? "" : " at " + where,
                                     archive_message(a.get(), "cannot read")));
  };

  std::map<std::string, std::string> members;  // name -> sha256
  std::int64_t expected_mtime = 0;
  bool have_mtime = false, broken = false;
  std::string previous;
  if (archive_read_open_fd(a.get(), fd.fd, kChunk) != ARCHIVE_OK) {
    damaged("");
    broken = true;
  }
  std::vector<char> buf(kChunk);
  archive_entry* e = nullptr;
  while (!broken) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      damaged(previous.empty() ? "" : "the member after " + previous);
      broken = true;
      break;
    }
    const char* pn = archive_entry_pathname(e);
    std::string name = pn && *pn ? pn : "(a member without a name)";
    if (rc == ARCHIVE_WARN) r.problems.push_back(fmt::format("{}: {}", name, archive_message(a.get(), "warning")));
    ++r.members;
    if (r.members == 1 && archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_ZSTD)
      r.problems.push_back(fmt::format("{}: not zstd-compressed ({})", path,
                                       archive_filter_name(a.get(), 0) ? archive_filter_name(a.get(), 0) : "?"));

    // The format's rules.
    if (r.members == 1 && name != kProvenanceMember)
      r.problems.push_back(fmt::format("{}: the first member is not {}", name, kProvenanceMember));
    if (r.members > 1 && name == kProvenanceMember)
      r.problems.push_back(fmt::format("{}: not the first member", name));
    if (r.members > 2 && name <= previous)
      r.problems.push_back(fmt::format("{}: out of order (after {})", name, previous));
    if (archive_entry_filetype(e) != AE_IFREG)
      r.problems.push_back(fmt::format("{}: not a regular file", name));
    if (archive_entry_uid(e) != 0 || archive_entry_gid(e) != 0)
      r.problems.push_back(fmt::format("{}: owner {}:{}, not 0:0", name, archive_entry_uid(e), archive_entry_gid(e)));
    const char* un = archive_entry_uname(e);
    const char* gn = archive_entry_gname(e);
    if (std::string(un ? un : "") != "root" || std::string(gn ? gn : "") != "root")
      r.problems.push_back(fmt::format("{}: owner {}/{}, not root/root", name, un ? un : "", gn ? gn : ""));
    unsigned perm = static_cast<unsigned>(archive_entry_perm(e));
    if (perm != 0644 && perm != 0755) r.problems.push_back(fmt::format("{}: mode {:04o}, not 0644 or 0755", name, perm));
    if (archive_entry_atime_is_set(e) || archive_entry_ctime_is_set(e) || archive_entry_birthtime_is_set(e) ||
        archive_entry_mtime_nsec(e) != 0)
      r.problems.push_back(fmt::format("{}: carries times other than a whole-second mtime", name));
    if (!have_mtime) {
      expected_mtime = archive_entry_mtime(e);
      have_mtime = true;
    } else if (archive_entry_mtime(e) != expected_mtime) {
      r.problems.push_back(fmt::format("{}: mtime {}, not {} as the first member", name,
                                       static_cast<std::int64_t>(archive_entry_mtime(e)), expected_mtime));
    }

    // The content.
    Sha256 h;
    std::string text;
    bool is_provenance = r.members == 1 && name == kProvenanceMember;
    if (is_provenance && archive_entry_size(e) > kMaxProvenance) {
      r.problems.push_back(fmt::format("{}: {} bytes, too large for a provenance", name, archive_entry_size(e)));
      is_provenance = false;
    }
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        damaged(name);
        broken = true;
        break;
      }
      h.update(buf.data(), static_cast<std::size_t>(n));
      if (is_provenance) text.append(buf.data(), static_cast<std::size_t>(n));
    }
    if (broken) break;
    if (is_provenance) {
      try {
        r.provenance = json::parse(text);
      } catch (const json::exception& x) {
        r.problems.push_back(fmt::format("{}: not JSON: {}", name, x.what()));
      }
    } else if (name != kProvenanceMember) {
      if (members.count(name)) r.problems.push_back(fmt::format("{}: in the archive twice", name));
      members[name] = to_hex(h.finish());
    }
    previous = name;
  }
  if (!broken && r.members == 0) r.problems.push_back(fmt::format("{}: an empty archive", path));

  // The Statement against the members.
  std::map<std::string, std::string> subjects;
  if (!r.provenance.is_null()) {
    const json& p = r.provenance;
    if (!p.is_object() || p.value("_type", "") != kStatementType)
      r.problems.push_back(fmt::format("{}: not an in-toto Statement ({})", kProvenanceMember, kStatementType));
    else if (p.value("predicateType", "") != kProvenanceType)
      r.problems.push_back(fmt::format("{}: predicateType is not {}", kProvenanceMember, kProvenanceType));
    if (p.is_object() && p.contains("subject") && p["subject"].is_array()) {
      for (const auto& s : p["subject"]) {
        std::string name, digest;
        if (s.is_object() && s.contains("name") && s["name"].is_string()) name = s["name"].get<std::string>();
        if (s.is_object() && s.contains("digest") && s["digest"].is_object() && s["digest"].contains("sha256") &&
            s["digest"]["sha256"].is_string())
          digest = s["digest"]["sha256"].get<std::string>();
        if (name.empty() || digest.empty()) {
          r.problems.push_back(fmt::format("{}: a subject without name or sha256: {}", kProvenanceMember, s.dump()));
          continue;
        }
        if (!subjects.emplace(name, digest).second)
          r.problems.push_back(fmt::format("{}: subject {} listed twice", kProvenanceMember, name));
      }
    } else if (p.is_object()) {
      r.problems.push_back(fmt::format("{}: no subject list", kProvenanceMember));
    }
    try {
      const json& epoch = p.at("predicate").at("buildDefinition").at("internalParameters").at("sourceDateEpoch");
      if (have_mtime && epoch.is_number_integer() && epoch.get<std::int64_t>() != expected_mtime)
        r.problems.push_back(fmt::format("{}: members' mtime {} is not sourceDateEpoch {}", path, expected_mtime,
                                         epoch.get<std::int64_t>()));
    } catch (const json::exception&) {
    }
  } else if (!broken && r.members > 0) {
    r.problems.push_back(fmt::format("{}: no {} to verify against", path, kProvenanceMember));
  }
  if (!broken && !r.provenance.is_null()) {
    for (const auto& [name, digest] : members) {
      auto it = subjects.find(name);
      if (it == subjects.end())
        r.problems.push_back(fmt::format("{}: extra: in the archive but not in the provenance", name));
      else if (it->second != digest)
        r.problems.push_back(
            fmt::format("{}: sha256 {} differs from the provenance's {}", name, digest, it->second));
    }
    for (const auto& [name, digest] : subjects)
      if (!members.count(name)) r.problems.push_back(fmt::format("{}: missing: in the provenance but not in the archive", name));
  }

  // The sidecar: the tarball's own digest, and the same Statement.
  std::string side_path = sidecar;
  if (side_path.empty()) {
    std::string guess = sidecar_path(path);
    struct stat sst {};
    if (::stat(guess.c_str(), &sst) == 0 && S_ISREG(sst.st_mode)) side_path = guess;
  }
  if (!side_path.empty()) {
    r.sidecar = side_path;
    std::string side_text;
    {
      Fd sfd(::open(side_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
      if (sfd.fd < 0) throw Error("{}: cannot read: {}", side_path, std::strerror(errno));
      for (;;) {
        ssize_t n = ::read(sfd.fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error("{}: cannot read: {}", side_path, std::strerror(errno));
        if (n == 0) break;
        side_text.append(buf.data(), static_cast<std::size_t>(n));
      }
    }
    json side;
    try {
      side = json::parse(side_text);
    } catch (const json::exception& x) {
      r.problems.push_back(fmt::format("{}: not JSON: {}", side_path, x.what()));
    }
    if (side.is_object() && side.contains("subject") && side["subject"].is_array()) {
      // The tarball's subject: the one named as the tarball, else the last (write_artifact() appends it;
      // the tarball may have been renamed).
      auto subject_name = [](const json& s) -> std::string {
        return s.is_object() && s.contains("name") && s["name"].is_string() ? s["name"].get<std::string>() : "";
      };
      const json& list = side["subject"];
      const std::string file = base_name(path);
      std::size_t which = list.size() - 1;
      for (std::size_t i = 0; i < list.size(); ++i)
        if (subject_name(list[i]) == file) which = i;
      std::string tarball_digest;
      json rest = json::array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != which) {
          rest.push_back(list[i]);
          continue;
        }
        const json& s = list[i];
        if (s.is_object() && s.contains("digest") && s["digest"].is_object() && s["digest"].contains("sha256") &&
            s["digest"]["sha256"].is_string())
          tarball_digest = s["digest"]["sha256"].get<std::string>();
      }
      if (list.empty()) {
        r.problems.push_back(fmt::format("{}: no subject for the tarball", side_path));
      } else {
        std::string actual = sha256_file(path);
        if (actual != tarball_digest)
          r.problems.push_back(fmt::format("{}: sha256 {} differs from the sidecar's {} ({})", path, actual,
                                           tarball_digest, side_path));
      }
      if (!r.provenance.is_null()) {
        json same = without_run_times(side);
        same["subject"] = rest;
        if (same != r.provenance)
          r.problems.push_back(fmt::format("{}: says something else than the archive's {}", side_path,
                                           kProvenanceMember));
      }
    } else if (side.is_object()) {
      r.problems.push_back(fmt::format("{}: no subject list", side_path));
    }
  }

  r.ok = r.problems.empty();
  return r;
}

}  // namespace beaver::pipeline
