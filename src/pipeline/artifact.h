// The artifacts of `beaver build`: one reproducible `.tar.zst` per target
// (kernel image, System.map, .config, the modules or the .deb files) with an
// in-toto Statement v1 carrying an SLSA Provenance v1 predicate
// (https://slsa.dev/spec/v1.0/provenance), and their verification
// (`beaver build --verify TARBALL`).
//
// The archive, member by member:
//   provenance.json            always first: the Statement; its `subject` is
//                              every other member, by name, with its sha256
//   every entry, sorted by name (bytewise)
// Every member is a regular file: uid/gid 0, owner and group "root", mtime
// ArtifactOptions::mtime (SOURCE_DATE_EPOCH: the assembled head commit's
// committer time), mode 0644, or 0755 when the file has any executable bit;
// no directories, no atime/ctime, no extended attributes, ACLs or flags.
// Format: POSIX pax, "restricted" (ustar headers, a pax extended header only
// for what ustar cannot hold: long names, large files); filter: zstd, one
// thread. Two builds of the same target from the same inputs therefore give
// bit-identical tarballs, whatever their directories, file times, owners or
// umask -- with the same libarchive and libzstd (their versions are in the
// provenance's builder.version, since another zstd may compress differently).
//
// Symbolic links are not stored. `make modules_install` leaves
// lib/modules/<release>/build (and, on older kernels, `source`) pointing at
// the build machine's kernel tree: meaningless on another machine, and a
// path that differs between two build directories. collect_tree() skips
// every symbolic link and says which.
//
// What is deterministic goes in the archive, nothing else. The provenance
// written into the tarball must hold only data that is the same for the same
// inputs: no startedOn/finishedOn, no host names, no absolute build paths
// (a repository is named by its URL or its name, never by where it was
// cloned). write_artifact() moves runDetails.metadata.startedOn/finishedOn,
// when given, to the sidecar only.
//
// The sidecar (`<tarball minus .tar.zst>.provenance.json`, for CI to upload
// beside the tarball) is the same Statement with one more subject, last: the
// tarball itself (its file name and sha256); and the run's times when given.
//
// What verification proves. Nothing inside the archive authenticates
// provenance.json itself (in-toto expects a signature over the Statement, or
// a digest kept elsewhere). Without the sidecar, verify_artifact() proves the
// archive consistent: every member's bytes match its subject, none is missing
// or extra, the format's rules hold, the stream decompresses to the end of
// the archive; a changed byte
// that lands in a member or breaks zstd or tar is caught. One that keeps
// provenance.json valid JSON, or lands in what readers ignore (zstd frame
// parameters, a tar checksum's terminator, zeros after the end of the
// archive: libarchive's zstd frames carry no checksum) is not -- about one
// byte in ten of a small artifact, mostly provenance text. With the sidecar,
// the tarball's sha256 catches every change (a test changes each byte in turn).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace beaver::pipeline {

inline constexpr const char* kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr const char* kProvenanceType = "https://slsa.dev/provenance/v1";
// beaver's buildType: what externalParameters (the manifest and the target)
// and internalParameters (toolchain, sourceDateEpoch) mean.
inline constexpr const char* kBuildType = "https://example.org/beaver/build/kernel/v1";
inline constexpr const char* kProvenanceMember = "provenance.json";

struct ArtifactEntry {
  std::string name;    // path inside the archive: "boot/vmlinuz-6.12.0-beaver", "lib/modules/6.12.0-beaver/..."
  std::string source;  // the file on disk (a symbolic link is followed)
  unsigned mode = 0;   // 0: the source file's; any executable bit gives 0755, else 0644
};

// Every regular file under `dir`, named `prefix/<path relative to dir>`
// (prefix "" gives the relative path), sorted by name. Symbolic links (also
// to directories, which are not entered) and other non-regular files are
// not collected; their names (as they would be in the archive) go to
// `skipped` when given. Throws beaver::Error when `dir` cannot be read.
std::vector<ArtifactEntry> collect_tree(const std::string& dir, const std::string& prefix,
                                        std::vector<std::string>* skipped = nullptr);

// An SLSA ResourceDescriptor: {uri, digest, name, annotations}, each only
// when not empty. A commit: digest {"gitCommit": id}; a file: {"sha256": hex}.
// A patch's git patch-id, status and upstream commit/release go in its
// annotations (a patch-id is not a digest of the patch's bytes).
nlohmann::json resource_descriptor(const std::string& name, const std::string& uri,
                                   const std::map<std::string, std::string>& digest,
                                   const nlohmann::json& annotations = nlohmann::json::object());

struct ProvenanceInput {
  std::string build_type = kBuildType;
  nlohmann::json external_parameters = nlohmann::json::object();  // the manifest and the target
  nlohmann::json internal_parameters = nlohmann::json::object();  // e.g. {"toolchain": toolchain_versions()}
  std::vector<nlohmann::json> resolved_dependencies;              // resource_descriptor()s
  std::string builder_id = "https://example.org/beaver/builder/local";
  // Merged over {"beaver": BEAVER_VERSION, "libarchive": libarchive's and its libraries' versions}.
  std::map<std::string, std::string> builder_version;
  std::string invocation_id;  // runDetails.metadata.invocationId when not empty (keep it deterministic)
};

// The Statement, with an empty `subject` (write_artifact() fills it):
//   {_type, subject: [], predicateType,
//    predicate: {buildDefinition: {buildType, externalParameters, internalParameters, resolvedDependencies},
//                runDetails: {builder: {id, version}, metadata: {invocationId}?}}}
// No times: see above.
nlohmann::json provenance_statement(const ProvenanceInput& input);

// The versions of the kernel's toolchain: {"gcc": first line of `gcc
// --version`, "binutils": first line of `ld --version`, "make": first line of
// `make --version`}; "" for a program that is not installed or fails.
// `cross_compile` is the kernel's CROSS_COMPILE prefix (gcc and ld only).
nlohmann::json toolchain_versions(const std::string& cross_compile = "");

// "TARGET-KERNELRELEASE-SHORTID.tar.zst" (short id: the commit's first 12 hex digits).
std::string artifact_file_name(const std::string& target, const std::string& kernelrelease,
                               const std::string& commit);
// `<path minus .tar.zst>.provenance.json` (or `<path>.provenance.json`).
std::string sidecar_path(const std::string& tarball);

struct ArtifactOptions {
  std::int64_t mtime = 0;       // every member's mtime (seconds since the epoch)
  int zstd_level = 9;           // 1..22 (part of "the same inputs"; 19 and above are slow)
  std::string sidecar;          // "" = sidecar_path(out_path)
};

struct WrittenArtifact {
  std::string path;             // the tarball
  std::string sidecar;          // the provenance beside it
  std::string sha256;           // of the tarball
  std::uint64_t bytes = 0;      // its size
  nlohmann::json provenance;    // the Statement inside the archive (with its subjects)
  nlohmann::json sidecar_provenance;
};

// Writes the tarball and its sidecar. `provenance_without_subjects` is a
// Statement (provenance_statement()); its `subject` is replaced by the
// entries' digests, internalParameters.sourceDateEpoch is set to
// options.mtime, and runDetails.metadata.startedOn/finishedOn go to the
// sidecar only. Entries are sorted by name; a name that is empty, absolute,
// has an empty, "." or ".." component, is "provenance.json" or is given
// twice, or a source that is not a readable regular file, or one that
// changes while it is archived, throws beaver::Error naming it. The tarball
// is written to a temporary file in its directory and renamed (as
// write_file() does: a failed run leaves no half tarball; an existing file
// keeps its mode, a symbolic link's target is written); the sidecar goes
// through write_file().
WrittenArtifact write_artifact(const std::string& out_path, std::vector<ArtifactEntry> entries,
                               nlohmann::json provenance_without_subjects, const ArtifactOptions& options = {});

struct VerifyResult {
  bool ok = false;
  // One line per problem, naming the member: a digest that differs, a
  // subject without member ("missing"), a member without subject ("extra"),
  // a member that breaks the format's rules (owner, mode, time, order, type),
  // a damaged archive (libarchive's message), a sidecar that disagrees.
  std::vector<std::string> problems;
  nlohmann::json provenance;  // the Statement read from the archive (null when it could not be read)
  std::size_t members = 0;    // members read, provenance.json included
  std::string sidecar;        // the sidecar checked ("" when there was none)
};

// Checks a tarball against its provenance: every member's sha256 against the
// subjects, and the format's rules. When a sidecar is given, or
// sidecar_path(path) exists, also the tarball's own sha256 against the
// sidecar's subject for it, and that the sidecar says what the archive's
// provenance says. Throws beaver::Error only when `path` (or a given
// sidecar) cannot be read as a file; anything wrong inside is a problem.
VerifyResult verify_artifact(const std::string& path, const std::string& sidecar = "");

}  // namespace beaver::pipeline
