// SHA-256 and the reproducible artifacts of `beaver build` (pipeline/artifact.h):
// digests against sha256sum, tarballs against GNU tar and libarchive, and
// verification against tarballs damaged or rebuilt by hand.
#include "pipeline/artifact.h"
#include "test_util.h"
#include "util/error.h"
#include "util/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace beaver {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::quote;
using test::sh_ok;
using test::TempDir;

// ---------------------------------------------------------------- SHA-256

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                       "mnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(to_hex(sha256("abc")), sha256_hex("abc"));
}

TEST(Sha256, PortableAgreesWithKnownVectorsToo) {
  Sha256 h;
  h.force_portable(true);
  EXPECT_FALSE(h.hardware());
  h.update("abc");
  EXPECT_EQ(to_hex(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  h.update(std::string(1000000, 'a'));
  EXPECT_EQ(to_hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HardwareAndPortableAgreeOnEveryLengthAndSplit) {
  std::mt19937 rng(7);
  for (std::size_t len = 0; len < 600; ++len) {
    std::string s(len, '\0');
    for (auto& c : s) c = char(rng());
    Sha256 hw, sw;
    sw.force_portable(true);
    std::size_t cut = len ? rng() % len : 0;
    std::size_t cut2 = cut + (len - cut ? rng() % (len - cut) : 0);
    hw.update(s.substr(0, cut));
    hw.update(s.substr(cut, cut2 - cut));
    hw.update(s.substr(cut2));
    sw.update(s);
    ASSERT_EQ(to_hex(hw.finish()), to_hex(sw.finish())) << "length " << len;
  }
}

TEST(Sha256, FileEqualsSha256sum) {
  TempDir tmp;
  std::mt19937 rng(11);
  // Crosses the reader's 1 MiB chunks, and not a multiple of 64.
  std::string data(3 * (1 << 20) + 4097, '\0');
  for (auto& c : data) c = char(rng());
  std::string path = (tmp.path() / "blob").string();
  std::ofstream(path, std::ios::binary) << data;
  std::string expected = sh_ok(tmp.str(), "sha256sum blob").substr(0, 64);
  EXPECT_EQ(sha256_file(path), expected);
  EXPECT_EQ(sha256_hex(data), expected);
  std::ofstream((tmp.path() / "empty").string(), std::ios::binary);
  EXPECT_EQ(sha256_file((tmp.path() / "empty").string()), sh_ok(tmp.str(), "sha256sum empty").substr(0, 64));
}

TEST(Sha256, FileErrorsNameTheFile) {
  TempDir tmp;
  try {
    sha256_file(tmp.str() + "/nope");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nope: cannot read"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sha256_file(tmp.str()), Error);  // a directory
}

// ---------------------------------------------------------------- artifacts

namespace pl = beaver::pipeline;

constexpr std::int64_t kEpoch = 1733400000;  // what a head commit's time would give
const char* kRel = "6.12.0-beaver";

std::string random_bytes(unsigned seed, std::size_t n) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = char(rng());
  return s;
}

void put(const fs::path& p, const std::string& content, fs::perms perms = fs::perms(0644)) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  fs::permissions(p, perms);
}

// A build's output as `make` and `make modules_install` leave it, under `root`:
// the image, System.map, .config, and a modules staging tree with the
// `build` symlink into the kernel tree (an absolute path: differs per directory).
void fake_build(const fs::path& root, fs::perms ko_perms) {
  put(root / "arch/x86/boot/bzImage", random_bytes(1, 150000));
  std::string map;
  for (int i = 0; i < 3000; ++i) map += fmt::format("ffffffff81{:06x} T symbol_{}\n", i * 16, i);
  put(root / "System.map", map);
  put(root / ".config", "CONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_SEV_GUEST=m\n# CONFIG_TDX_GUEST_DRIVER is not set\n");
  fs::path mods = root / "staging/lib/modules" / kRel;
  put(mods / "kernel/drivers/virt/coco/sev-guest/sev-guest.ko", random_bytes(2, 40000), ko_perms);
  put(mods / "kernel/arch/x86/kvm/kvm-amd.ko", random_bytes(3, 70001), ko_perms);
  // A name longer than ustar's 100-byte name field (a pax or prefix header).
  put(mods / "kernel/drivers/net/ethernet/mellanox/mlx5/core/a_rather_long_module_name_for_the_pax_header_case.ko",
      random_bytes(4, 513), ko_perms);
  put(mods / "modules.dep", "kernel/drivers/virt/coco/sev-guest/sev-guest.ko:\n");
  put(mods / "modules.order", "");
  put(root / "staging/sbin/depmod-helper", "#!/bin/sh\n", fs::perms(0700));
  fs::create_directory_symlink(root, mods / "build");
}

json test_provenance() {
  pl::ProvenanceInput in;
  in.external_parameters = {{"manifest", "beaver.toml"}, {"target", "snp-guest"}};
  in.internal_parameters = {{"toolchain", {{"gcc", "gcc (Debian 12.2.0-14) 12.2.0"}}}};
  in.resolved_dependencies.push_back(pl::resource_descriptor(
      "linux", "git+https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git",
      {{"gitCommit", "adc218676eef25575469234709c2d87185ca223a"}}));
  in.resolved_dependencies.push_back(
      pl::resource_descriptor("x86/sev: a vendor patch", "", {{"gitCommit", "1111111111111111111111111111111111111111"}},
                              {{"patchId", "2222222222222222222222222222222222222222"}, {"status", "unposted"}}));
  return pl::provenance_statement(in);
}

pl::ArtifactOptions at_epoch() {
  pl::ArtifactOptions o;
  o.mtime = kEpoch;
  return o;
}

std::vector<pl::ArtifactEntry> entries_of(const fs::path& root, std::vector<std::string>* skipped = nullptr) {
  std::vector<pl::ArtifactEntry> e = {
      {std::string("boot/vmlinuz-") + kRel, (root / "arch/x86/boot/bzImage").string(), 0},
      {std::string("boot/System.map-") + kRel, (root / "System.map").string(), 0},
      {std::string("boot/config-") + kRel, (root / ".config").string(), 0},
  };
  for (auto& m : pl::collect_tree((root / "staging").string(), "", skipped)) e.push_back(m);
  return e;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Member {
  std::string name, data;
  unsigned perm = 0;
  std::int64_t uid = -1, gid = -1, mtime = -1;
  std::string uname, gname;
};

// Every member of a tarball, as libarchive reads it.
std::vector<Member> read_members(const std::string& path) {
  std::vector<Member> out;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Member m;
    m.name = archive_entry_pathname(e);
    m.perm = unsigned(archive_entry_perm(e));
    m.uid = archive_entry_uid(e);
    m.gid = archive_entry_gid(e);
    m.mtime = archive_entry_mtime(e);
    m.uname = archive_entry_uname(e) ? archive_entry_uname(e) : "";
    m.gname = archive_entry_gname(e) ? archive_entry_gname(e) : "";
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) m.data.append(buf, size_t(n));
    out.push_back(std::move(m));
  }
  archive_read_free(a);
  return out;
}

// Writes members as a tar.zst by hand (the same format as beaver's), for tampered archives.
void write_members(const std::string& path, const std::vector<Member>& members) {
  archive* a = archive_write_new();
  archive_write_add_filter_zstd(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, mode_t(m.perm));
    archive_entry_set_size(e, la_int64_t(m.data.size()));
    archive_entry_set_uid(e, m.uid);
    archive_entry_set_gid(e, m.gid);
    archive_entry_set_uname(e, m.uname.c_str());
    archive_entry_set_gname(e, m.gname.c_str());
    archive_entry_set_mtime(e, time_t(m.mtime), 0);
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    ASSERT_EQ(archive_write_data(a, m.data.data(), m.data.size()), la_ssize_t(m.data.size()));
    archive_entry_free(e);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

bool mentions(const pl::VerifyResult& r, const std::string& what) {
  for (const auto& p : r.problems)
    if (p.find(what) != std::string::npos) return true;
  return false;
}

std::string problems(const pl::VerifyResult& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

// One artifact written from a fake build tree.
struct Built {
  TempDir tmp;
  std::string tarball, sidecar;
  pl::WrittenArtifact written;
  std::vector<std::string> skipped;
  explicit Built(fs::perms ko_perms = fs::perms(0644), const std::string& touch = "") {
    fake_build(tmp.path() / "tree", ko_perms);
    if (!touch.empty()) sh_ok(tmp.str(), "find tree -exec touch -h -d " + quote(touch) + " {} +");
    fs::create_directories(tmp.path() / "out");
    tarball = (tmp.path() / "out" / pl::artifact_file_name("snp-guest", kRel, std::string(40, 'a'))).string();
    sidecar = pl::sidecar_path(tarball);
    written = pl::write_artifact(tarball, entries_of(tmp.path() / "tree", &skipped), test_provenance(),
                                 at_epoch());
  }
};

TEST(Artifact, NamesAndSidecarPath) {
  EXPECT_EQ(pl::artifact_file_name("snp-guest", "6.12.0-beaver", "0123456789abcdef0123456789abcdef01234567"),
            "snp-guest-6.12.0-beaver-0123456789ab.tar.zst");
  EXPECT_EQ(pl::sidecar_path("/out/snp-guest-6.12.0-0123456789ab.tar.zst"),
            "/out/snp-guest-6.12.0-0123456789ab.provenance.json");
  EXPECT_EQ(pl::sidecar_path("x.tar"), "x.tar.provenance.json");
}

TEST(Artifact, StatementSkeletonHasSlsaV1Fields) {
  json s = test_provenance();
  EXPECT_EQ(s["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(s["predicateType"], "https://slsa.dev/provenance/v1");
  EXPECT_TRUE(s["subject"].is_array() && s["subject"].empty());
  const json& def = s["predicate"]["buildDefinition"];
  EXPECT_EQ(def["buildType"], pl::kBuildType);
  EXPECT_EQ(def["externalParameters"]["target"], "snp-guest");
  EXPECT_TRUE(def["internalParameters"].contains("toolchain"));
  ASSERT_EQ(def["resolvedDependencies"].size(), 2u);
  EXPECT_EQ(def["resolvedDependencies"][0]["digest"]["gitCommit"], "adc218676eef25575469234709c2d87185ca223a");
  EXPECT_EQ(def["resolvedDependencies"][1]["annotations"]["status"], "unposted");
  EXPECT_FALSE(def["resolvedDependencies"][1].contains("uri"));  // empty fields are left out
  const json& run = s["predicate"]["runDetails"];
  EXPECT_FALSE(run["builder"]["id"].get<std::string>().empty());
  EXPECT_EQ(run["builder"]["version"]["beaver"], BEAVER_VERSION);  // a map of strings, as SLSA v1 says
  EXPECT_NE(run["builder"]["version"]["libarchive"].get<std::string>().find("libarchive"), std::string::npos);
  EXPECT_FALSE(run.contains("metadata"));  // no times
}

TEST(Artifact, CollectTreeSkipsSymlinksAndNormalisesNothingYet) {
  TempDir tmp;
  fake_build(tmp.path(), fs::perms(0600));
  std::vector<std::string> skipped;
  auto e = pl::collect_tree((tmp.path() / "staging").string(), "", &skipped);
  ASSERT_EQ(skipped, std::vector<std::string>{std::string("lib/modules/") + kRel + "/build"});
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(std::is_sorted(e.begin(), e.end(), [](auto& a, auto& b) { return a.name < b.name; }));
  EXPECT_EQ(e.front().name, std::string("lib/modules/") + kRel + "/kernel/arch/x86/kvm/kvm-amd.ko");
  EXPECT_EQ(e.back().name, "sbin/depmod-helper");
  EXPECT_EQ(e.back().mode, 0700u);
  auto prefixed = pl::collect_tree((tmp.path() / "staging/lib").string(), "usr/lib");
  EXPECT_EQ(prefixed.front().name, std::string("usr/lib/modules/") + kRel + "/kernel/arch/x86/kvm/kvm-amd.ko");
  EXPECT_THROW(pl::collect_tree((tmp.path() / "missing").string(), ""), Error);
  EXPECT_THROW(pl::collect_tree((tmp.path() / "System.map").string(), ""), Error);
}

TEST(Artifact, TwoBuildsInDifferentDirectoriesAreBitIdentical) {
  // Different directories (the `build` symlinks differ), file times and permission bits.
  Built a(fs::perms(0644), "2020-01-01 00:00:00");
  Built b(fs::perms(0600), "2024-06-30 12:34:56");
  std::string ta = read_file(a.tarball), tb = read_file(b.tarball);
  ASSERT_FALSE(ta.empty());
  EXPECT_TRUE(ta == tb) << "tarballs differ: " << ta.size() << " and " << tb.size() << " bytes";
  EXPECT_EQ(read_file(a.sidecar), read_file(b.sidecar));
  EXPECT_EQ(a.written.sha256, sh_ok(a.tmp.str(), "sha256sum " + quote(a.tarball)).substr(0, 64));
  EXPECT_EQ(a.written.bytes, ta.size());
  // Written again over itself: the same bytes, and no temporary file left.
  pl::write_artifact(a.tarball, entries_of(a.tmp.path() / "tree"), test_provenance(), at_epoch());
  EXPECT_TRUE(read_file(a.tarball) == ta);
  int files = 0;
  for (auto& f : fs::directory_iterator(a.tmp.path() / "out")) files += f.is_regular_file();
  EXPECT_EQ(files, 2);  // the tarball and its sidecar
}

TEST(Artifact, MembersAreSortedOwnedByRootWithTheFixedTime) {
  Built b(fs::perms(0640));
  EXPECT_EQ(b.skipped, std::vector<std::string>{std::string("lib/modules/") + kRel + "/build"});
  auto members = read_members(b.tarball);
  ASSERT_EQ(members.size(), 10u);
  EXPECT_EQ(members[0].name, "provenance.json");
  std::vector<std::string> names;
  for (std::size_t i = 1; i < members.size(); ++i) names.push_back(members[i].name);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.front(), std::string("boot/System.map-") + kRel);
  for (const auto& m : members) {
    SCOPED_TRACE(m.name);
    EXPECT_EQ(m.uid, 0);
    EXPECT_EQ(m.gid, 0);
    EXPECT_EQ(m.uname, "root");
    EXPECT_EQ(m.gname, "root");
    EXPECT_EQ(m.mtime, kEpoch);
    EXPECT_EQ(m.perm, m.name == "sbin/depmod-helper" ? 0755u : 0644u);
  }
  // The provenance: every other member a subject, with its sha256.
  json p = json::parse(members[0].data);
  ASSERT_EQ(p["subject"].size(), members.size() - 1);
  for (std::size_t i = 1; i < members.size(); ++i) {
    EXPECT_EQ(p["subject"][i - 1]["name"], members[i].name);
    EXPECT_EQ(p["subject"][i - 1]["digest"]["sha256"], sha256_hex(members[i].data));
  }
  EXPECT_EQ(p["predicate"]["buildDefinition"]["internalParameters"]["sourceDateEpoch"], kEpoch);
  EXPECT_EQ(p, b.written.provenance);
  // The sidecar: the same Statement, plus the tarball itself.
  json side = json::parse(read_file(b.sidecar));
  ASSERT_EQ(side["subject"].size(), members.size());
  EXPECT_EQ(side["subject"].back()["name"], fs::path(b.tarball).filename().string());
  EXPECT_EQ(side["subject"].back()["digest"]["sha256"], b.written.sha256);
}

TEST(Artifact, GnuTarReadsItAsWritten) {
  Built b;
  std::string list = sh_ok(b.tmp.str(), "tar --zstd -tf " + quote(b.tarball));
  EXPECT_EQ(list.substr(0, list.find('\n')), "provenance.json");
  std::string verbose = sh_ok(b.tmp.str(), "TZ=UTC tar --zstd -tvf " + quote(b.tarball));
  std::istringstream lines(verbose);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_NE(line.find(" root/root "), std::string::npos) << line;
    EXPECT_NE(line.find(" 2024-12-05 12:00 "), std::string::npos) << line;  // kEpoch in UTC
  }
  EXPECT_EQ(n, 10);
  EXPECT_NE(sh_ok(b.tmp.str(), "tar --zstd --numeric-owner -tvf " + quote(b.tarball)).find(" 0/0 "),
            std::string::npos);
  // Extracted, every file equals its source.
  sh_ok(b.tmp.str(), "mkdir x && tar --zstd -xf " + quote(b.tarball) + " -C x");
  EXPECT_EQ(read_file((b.tmp.path() / "x/boot/vmlinuz-6.12.0-beaver").string()),
            read_file((b.tmp.path() / "tree/arch/x86/boot/bzImage").string()));
  EXPECT_EQ(sh_ok(b.tmp.str(), "cd x/lib/modules/6.12.0-beaver && sha256sum kernel/arch/x86/kvm/kvm-amd.ko"),
            sh_ok(b.tmp.str(), "cd tree/staging/lib/modules/6.12.0-beaver && sha256sum kernel/arch/x86/kvm/kvm-amd.ko"));
}

TEST(Artifact, VerifyAcceptsWhatWasWritten) {
  Built b;
  auto r = pl::verify_artifact(b.tarball);
  EXPECT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.members, 10u);
  EXPECT_EQ(r.sidecar, b.sidecar);
  EXPECT_EQ(r.provenance, b.written.provenance);
  // Without its sidecar, the archive still verifies on its own.
  fs::remove(b.sidecar);
  r = pl::verify_artifact(b.tarball);
  EXPECT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.sidecar, "");
}

// Every byte, so a small artifact: two files, one of them incompressible.
TEST(Artifact, EveryChangedByteIsRejectedWithTheSidecar) {
  TempDir tmp;
  put(tmp.path() / "bzImage", random_bytes(5, 700));
  put(tmp.path() / "config", "CONFIG_SEV_GUEST=m\n");
  std::string tarball = (tmp.path() / "small.tar.zst").string(), sidecar = pl::sidecar_path(tarball);
  pl::write_artifact(tarball,
                     {{"boot/vmlinuz", (tmp.path() / "bzImage").string(), 0},
                      {"boot/config", (tmp.path() / "config").string(), 0}},
                     test_provenance(), at_epoch());
  ASSERT_TRUE(pl::verify_artifact(tarball).ok);
  const std::string good = read_file(tarball);
  std::string copy = (tmp.path() / "copy.tar.zst").string();
  for (std::size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = char(bad[at] ^ 0x01);
    std::ofstream(copy, std::ios::binary | std::ios::trunc) << bad;
    auto r = pl::verify_artifact(copy, sidecar);
    ASSERT_FALSE(r.ok) << "byte " << at << " changed, accepted";
    ASSERT_TRUE(mentions(r, "differs from the sidecar's")) << "byte " << at << ":\n" << problems(r);
  }
}

TEST(Artifact, ChangedByteInTheMiddleIsRejectedWithoutTheSidecar) {
  Built b;
  fs::remove(b.sidecar);
  std::string bad = read_file(b.tarball);
  bad[bad.size() / 2] = char(bad[bad.size() / 2] ^ 0xff);
  std::ofstream(b.tarball, std::ios::binary | std::ios::trunc) << bad;
  auto r = pl::verify_artifact(b.tarball);
  EXPECT_FALSE(r.ok);
  // The middle of the stream is the image's incompressible bytes: the image is named.
  ASSERT_EQ(r.problems.size(), 1u) << problems(r);
  EXPECT_EQ(r.problems[0].rfind(std::string("boot/vmlinuz-") + kRel + ": sha256 ", 0), 0u) << r.problems[0];
}

// What the archive's provenance.json says beyond its subjects is authenticated
// by nothing inside the archive: the sidecar's digest of the whole tarball is what says it changed.
TEST(Artifact, ProvenanceEditedInsideIsCaughtByTheSidecar) {
  Built b;
  auto members = read_members(b.tarball);
  json p = json::parse(members[0].data);
  p["predicate"]["buildDefinition"]["externalParameters"]["target"] = "tdx-host";
  members[0].data = p.dump(2) + "\n";
  write_members(b.tarball, members);
  auto r = pl::verify_artifact(b.tarball);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, "differs from the sidecar's")) << problems(r);
  EXPECT_TRUE(mentions(r, "says something else than the archive's provenance.json")) << problems(r);
  fs::remove(b.sidecar);
  r = pl::verify_artifact(b.tarball);
  EXPECT_TRUE(r.ok) << problems(r);  // consistent: every subject matches its member
  EXPECT_EQ(r.provenance["predicate"]["buildDefinition"]["externalParameters"]["target"], "tdx-host");
}

TEST(Artifact, TruncatedOrGarbageArchiveIsAProblemNotACrash) {
  Built b;
  fs::remove(b.sidecar);
  std::string good = read_file(b.tarball);
  std::ofstream(b.tarball, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() / 2);
  auto r = pl::verify_artifact(b.tarball);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, "damaged archive")) << problems(r);

  std::string junk = (b.tmp.path() / "junk.tar.zst").string();
  std::ofstream(junk) << "this is not an archive\n";
  r = pl::verify_artifact(junk);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.problems.empty());

  std::string empty = (b.tmp.path() / "empty.tar.zst").string();
  std::ofstream{empty};
  r = pl::verify_artifact(empty);
  EXPECT_FALSE(r.ok);
}

TEST(Artifact, VerifyNamesAMemberChangedBehindTheProvenance) {
  Built b;
  auto members = read_members(b.tarball);
  const std::string map = std::string("boot/System.map-") + kRel;
  for (auto& m : members)
    if (m.name == map) m.data += "ffffffff81ffffff T backdoor\n";
  std::string forged = (b.tmp.path() / "forged.tar.zst").string();
  write_members(forged, members);
  auto r = pl::verify_artifact(forged);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u) << problems(r);
  EXPECT_EQ(r.problems[0].rfind(map + ": sha256 ", 0), 0u) << r.problems[0];
  EXPECT_NE(r.problems[0].find("differs from the provenance's"), std::string::npos);
}

TEST(Artifact, VerifyNamesMissingAndExtraMembers) {
  Built b;
  auto members = read_members(b.tarball);
  const std::string config = std::string("boot/config-") + kRel;
  std::erase_if(members, [&](const Member& m) { return m.name == config; });
  Member extra = members.back();
  extra.name = "zz/extra.ko";
  members.push_back(extra);
  std::string forged = (b.tmp.path() / "forged.tar.zst").string();
  write_members(forged, members);
  auto r = pl::verify_artifact(forged);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, config + ": missing")) << problems(r);
  EXPECT_TRUE(mentions(r, "zz/extra.ko: extra")) << problems(r);
  EXPECT_EQ(r.problems.size(), 2u) << problems(r);
}

TEST(Artifact, VerifyChecksTheFormatsRules) {
  Built b;
  auto members = read_members(b.tarball);
  members[1].uid = 1000;
  members[1].uname = "ada";
  members[2].mtime = kEpoch + 1;
  members[3].perm = 0600;
  std::swap(members[4], members[5]);
  std::string forged = (b.tmp.path() / "forged.tar.zst").string();
  write_members(forged, members);
  auto r = pl::verify_artifact(forged);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, members[1].name + ": owner 1000:0")) << problems(r);
  EXPECT_TRUE(mentions(r, members[1].name + ": owner ada/root")) << problems(r);
  EXPECT_TRUE(mentions(r, members[2].name + ": mtime")) << problems(r);
  EXPECT_TRUE(mentions(r, members[3].name + ": mode 0600")) << problems(r);
  EXPECT_TRUE(mentions(r, members[5].name + ": out of order")) << problems(r);
  EXPECT_FALSE(mentions(r, "sha256")) << problems(r);  // the contents are untouched
}

TEST(Artifact, SidecarThatDisagreesIsAProblem) {
  Built b;
  json side = json::parse(read_file(b.sidecar));
  side["predicate"]["buildDefinition"]["externalParameters"]["target"] = "tdx-host";
  std::ofstream(b.sidecar, std::ios::trunc) << side.dump(2);
  auto r = pl::verify_artifact(b.tarball);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, "says something else than the archive's provenance.json")) << problems(r);
}

TEST(Artifact, RunTimesGoToTheSidecarOnly) {
  TempDir tmp;
  fake_build(tmp.path() / "tree", fs::perms(0644));
  json p = test_provenance();
  p["predicate"]["runDetails"]["metadata"] = {{"startedOn", "2024-12-05T12:00:00Z"},
                                              {"finishedOn", "2024-12-05T12:30:00Z"}};
  std::string out = (tmp.path() / "a.tar.zst").string();
  auto w = pl::write_artifact(out, entries_of(tmp.path() / "tree"), p, at_epoch());
  EXPECT_FALSE(w.provenance["predicate"]["runDetails"].contains("metadata"));
  json side = json::parse(read_file((tmp.path() / "a.provenance.json").string()));
  EXPECT_EQ(side["predicate"]["runDetails"]["metadata"]["startedOn"], "2024-12-05T12:00:00Z");
  EXPECT_EQ(side["predicate"]["runDetails"]["metadata"]["finishedOn"], "2024-12-05T12:30:00Z");
  auto r = pl::verify_artifact(out);
  EXPECT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.sidecar, (tmp.path() / "a.provenance.json").string());
}

TEST(Artifact, BadEntriesThrowAndLeaveNothing) {
  TempDir tmp;
  fake_build(tmp.path() / "tree", fs::perms(0644));
  fs::create_directories(tmp.path() / "out");
  std::string out = (tmp.path() / "out/a.tar.zst").string();
  std::string src = (tmp.path() / "tree/System.map").string();
  auto attempt = [&](std::vector<pl::ArtifactEntry> e) {
    pl::write_artifact(out, std::move(e), test_provenance(), at_epoch());
  };
  for (std::string name : {"", "/boot/x", "boot//x", "boot/../x", "./x", "boot/", "provenance.json"}) {
    SCOPED_TRACE(name);
    EXPECT_THROW(attempt({{name, src, 0}}), Error);
  }
  try {
    attempt({{"a", src, 0}, {"a", src, 0}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'a' given twice"), std::string::npos) << e.what();
  }
  try {
    attempt({{"boot/vmlinuz", (tmp.path() / "tree/no-image").string(), 0}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-image: cannot read"), std::string::npos) << e.what();
  }
  EXPECT_THROW(attempt({{"lib", (tmp.path() / "tree/staging").string(), 0}}), Error);  // a directory
  EXPECT_THROW(pl::write_artifact(tmp.str(), {{"a", src, 0}}, test_provenance()), Error);  // out is a directory
  EXPECT_TRUE(fs::is_empty(tmp.path() / "out"));
}

TEST(Artifact, VerifyOfAMissingFileThrows) {
  TempDir tmp;
  try {
    pl::verify_artifact(tmp.str() + "/none.tar.zst");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("none.tar.zst: cannot read"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pl::verify_artifact(tmp.str()), Error);
}

TEST(Artifact, ToolchainVersions) {
  json t = pl::toolchain_versions();
  ASSERT_TRUE(t.contains("gcc") && t.contains("binutils") && t.contains("make"));
  if (test::sh(".", "command -v gcc").code == 0) {
    EXPECT_EQ(t["gcc"].get<std::string>() + "\n", test::sh_ok(".", "gcc --version | head -n1"));
  }
  if (test::sh(".", "command -v make").code == 0) {
    EXPECT_EQ(t["make"].get<std::string>().rfind("GNU Make", 0), 0u) << t["make"];
  }
  json none = pl::toolchain_versions("no-such-cross-prefix-");
  EXPECT_EQ(none["gcc"], "");
  EXPECT_EQ(none["binutils"], "");
}

}  // namespace
}  // namespace beaver
