// A read-only libgit2 object-database backend for pack files, faster than
// libgit2's own for history-wide reading (git patch-id over every commit).
//
// Why: libgit2 1.5 resolves delta chains through a 16 MiB delta-base cache
// (entries <= 1 MiB) and maps pack windows behind a global mutex, so reading
// every blob and tree of a kernel history re-inflates the same bases again and
// again. This backend maps every pack whole and keeps a large LRU cache of
// resolved delta bases (git's delta_base_cache idea), and plugs in through
// libgit2's public backend API, so that everything above it
// (git_commit_lookup, git_tree_lookup, git_blob_lookup, git_patch_from_blobs)
// benefits unchanged.
//
// Formats read (see git's Documentation/gitformat-pack.txt):
//  - objects/pack/pack-*.idx, version 2: "\377tOc", version 2 (big-endian),
//    fanout[256] (cumulative object counts by first oid byte), N sorted
//    20-byte oids, N CRC32s, N 4-byte offsets (MSB set: index into the
//    following table of 8-byte offsets, for packs over 2 GiB), then the pack's
//    and the index's SHA-1. Version 1 indexes are refused.
//  - pack-*.pack: "PACK", version 2 or 3, object count (must equal the
//    index's), objects, SHA-1 trailer (compared with the copy in the index,
//    not recomputed). An object is a varint header (type in bits 4-6 of the
//    first byte, size = inflated size in 4 + 7k bits), then for OFS_DELTA a
//    base offset (git's "offset encoding", relative and backwards) or for
//    REF_DELTA the base's 20-byte oid, then a zlib stream.
//  - Deltas (git's patch-delta.c): varint source size, varint result size,
//    then opcodes: 1xxxxxxx copies from the base (offset bytes per bits 0-3,
//    size bytes per bits 4-6, size 0 meaning 0x10000), 0xxxxxxx with x != 0
//    inserts x literal bytes, 0 is reserved. Every bound is checked: corrupt
//    data yields an error, never a crash or an out-of-bounds read.
//
// Design:
//  - Each .idx and .pack is mmap'ed read-only in full (64-bit offsets).
//    Lookup: fanout, then binary search over the sorted oids; packs are tried
//    most-recently-hit first. read_prefix/exists_prefix search the same way
//    and answer GIT_EAMBIGUOUS when two different objects match. Packs must
//    not be rewritten in place while mapped (git never does: it writes new
//    files and deletes old ones, which stay readable through the mapping).
//  - Delta chains are resolved iteratively: walk down to the first base that
//    is either cached or a plain object, then apply the deltas upwards. So a
//    chain of any depth (git allows 4095; 100000 is the cut-off against
//    REF_DELTA cycles) uses no stack.
//  - Every base met on the way (plain or resolved) enters an LRU cache keyed
//    by (pack, offset) (open addressing, entries in a slab), bounded by
//    PackBackendOptions::delta_cache_bytes. The requested object itself is
//    not cached (as in git): it goes straight into libgit2's buffer, and
//    libgit2's own object cache keeps it. Keeping a copy too was measured on
//    u-boot: it saves ~15% of the inflations but costs more in copying and
//    cache pressure than it saves.
//  - A REF_DELTA base is looked up in the same pack, then in the other packs
//    of this backend, then (installed through install_pack_backend only) in
//    the odb's other backends, called directly: libgit2 1.5 holds the odb's
//    non-recursive mutex while it calls a backend, so calling git_odb_read
//    from inside a backend would deadlock.
//  - Objects not in these packs (loose objects, alternates, packs that
//    appeared later) get GIT_ENOTFOUND, so libgit2 asks its own backends
//    next; corrupt data gets GIT_ERROR with a message naming the pack and
//    the offset (libgit2 then stops: it does not fall through on errors).
//  - refresh (which libgit2 calls after a lookup missed everywhere) rescans
//    objects/pack for new packs when the directory's mtime changed since the
//    last scan: one stat per missed lookup, one scan per change. A pack that
//    fails to load during a refresh is skipped.
//  - The returned object buffer comes from git_odb_backend_data_alloc and is
//    NUL-terminated like libgit2's own.
//
// Threads: no locking inside. libgit2 1.5 calls a backend's callbacks with
// its odb's mutex held, so one backend is never entered twice at once; beaver
// opens one git_repository (hence one odb and one backend) per thread anyway,
// so every thread has its own cache and mappings.
#pragma once

#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace beaver::git {

struct PackBackendOptions {
  // Upper bound on the bytes held by the delta-base cache (git: 96 MiB).
  std::size_t delta_cache_bytes = 256u << 20;
  // Other objects directories whose packs this backend reads too (after the
  // repository's own): install_pack_backend adds git's environment ones
  // (GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES: a pre-receive
  // hook's quarantine), as git reads them.
  std::vector<std::string> more_object_dirs;
};

// The priority install_pack_backend uses: above libgit2's loose (1) and
// packed (2) backends, so it is asked first.
inline constexpr int kPackBackendPriority = 10;

// Creates a backend over every pack (objects/pack/*.idx, idx v2, with its
// .pack) of `objects_dir`, i.e. the repository's objects directory. An .idx
// without its .pack is skipped (git does the same); a missing objects/pack
// gives a backend with no packs. Returns 0 or a libgit2 error code (with
// git_error_set_str message naming the file and why).
int pack_backend_new(git_odb_backend** out, const std::string& objects_dir,
                     const PackBackendOptions& opts = {});

// Convenience: opens the repository's odb and adds the backend with priority
// kPackBackendPriority, so libgit2 asks it first (with the packs of git's
// environment object directories, environment_object_dirs()); loose objects, alternates
// and anything it does not find fall through to libgit2's default backends.
// The odb's backends present at this point also serve REF_DELTA bases that
// are not in our packs. Does nothing when the odb already has one.
int install_pack_backend(git_repository* repo, const PackBackendOptions& opts = {});

// Counters, for tests and benchmarks.
struct PackBackendStats {
  std::uint64_t reads = 0;             // objects returned by read/read_prefix
  std::uint64_t headers = 0;           // read_header answers
  std::uint64_t inflated = 0;          // zlib streams inflated in full
  std::uint64_t deltas_applied = 0;
  std::uint64_t ref_deltas = 0;        // REF_DELTA links followed
  std::uint64_t external_bases = 0;    // REF_DELTA bases read from other backends
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_bytes = 0;       // held now
  std::uint64_t packs = 0;             // loaded now
};
// The counters of `backend` when it was made by pack_backend_new; all zero
// for any other backend.
PackBackendStats pack_backend_stats(const git_odb_backend* backend);
// The counters of the backend install_pack_backend put into `repo`'s odb.
PackBackendStats pack_backend_stats(git_repository* repo);

}  // namespace beaver::git
