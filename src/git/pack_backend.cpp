// Read-only pack backend for libgit2: see pack_backend.h for the design.
#include "git/pack_backend.h"
#include "git/repository.h"

#include <git2/sys/odb_backend.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <map>
#include <mutex>
#include <tuple>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace beaver::git {
namespace {

constexpr std::size_t kOidSize = GIT_OID_RAWSZ;
constexpr std::size_t kIdxHeader = 8;              // magic + version
constexpr std::size_t kFanoutSize = 256 * 4;
constexpr std::size_t kPackHeader = 12;            // "PACK", version, count
constexpr std::size_t kTrailer = kOidSize;         // SHA-1 of what precedes it
constexpr std::size_t kMaxChain = 100000;          // REF_DELTA cycles end here
constexpr std::uint64_t kMaxInflateRatio = 1032;   // deflate's best ratio
constexpr std::size_t kCacheEntryOverhead = 96;    // map node + links, roughly

enum PackType : unsigned {
  kCommit = 1,
  kTree = 2,
  kBlob = 3,
  kTag = 4,
  kOfsDelta = 6,
  kRefDelta = 7,
};

inline std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}
inline std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t(be32(p)) << 32) | be32(p + 4); }

// memcmp over two raw oids, the first 8 bytes compared as one integer.
inline int cmp_oid(const std::uint8_t* a, const std::uint8_t* b) {
  std::uint64_t x, y;
  std::memcpy(&x, a, 8);
  std::memcpy(&y, b, 8);
  if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  return std::memcmp(a + 8, b + 8, kOidSize - 8);
}

std::string hex(const std::uint8_t* raw) {
  git_oid o;
  std::memcpy(o.id, raw, kOidSize);
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &o);
  return buf;
}

int set_error(const std::string& msg) {
  git_error_set_str(GIT_ERROR_ODB, msg.c_str());
  return GIT_ERROR;
}

int oom() {
  git_error_set_oom();
  return GIT_ERROR;
}

// A malloc'ed byte buffer (malloc so that huge corrupt sizes fail softly).
class Buffer {
public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), cap_(std::exchange(o.cap_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      std::free(p_);
      p_ = std::exchange(o.p_, nullptr);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ~Buffer() { std::free(p_); }

  // Exactly n bytes (n >= 1); false when out of memory.
  bool allocate(std::size_t n) {
    std::free(p_);
    p_ = static_cast<std::uint8_t*>(std::malloc(n));
    cap_ = p_ ? n : 0;
    return p_ != nullptr;
  }
  // At least n bytes, keeping the allocation when it is big enough.
  bool reserve(std::size_t n) { return n <= cap_ || allocate(std::max(n, cap_ + cap_ / 2)); }
  std::uint8_t* data() const { return p_; }
  std::uint8_t* release() {
    cap_ = 0;
    return std::exchange(p_, nullptr);
  }

private:
  std::uint8_t* p_ = nullptr;
  std::size_t cap_ = 0;
};

// A whole file mapped read-only. The mappings are shared process-wide (by
// device, inode, size and mtime): every worker thread has a backend of its
// own, and one mapping of a 400 MB pack per thread would count its pages in
// the resident size once per thread.
class Mapping {
public:
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  // 0, or an errno value. An empty file maps to nothing (size 0).
  int map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
    Key key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
    std::lock_guard lock(registry_mutex());
    auto& slot = registry()[key];
    region_ = slot.lock();
    if (!region_) {
      auto r = std::make_shared<Region>();
      r->size = static_cast<std::size_t>(st.st_size);
      if (r->size > 0) {
        void* p = mmap(nullptr, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
          int e = errno;
          ::close(fd);
          return e;
        }
        r->data = static_cast<const std::uint8_t*>(p);
      }
      region_ = r;
      slot = r;
    }
    ::close(fd);
    return 0;
  }
  const std::uint8_t* data() const { return region_ ? region_->data : nullptr; }
  std::size_t size() const { return region_ ? region_->size : 0; }

private:
  struct Region {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    ~Region() {
      if (data) munmap(const_cast<std::uint8_t*>(data), size);
    }
  };
  using Key = std::tuple<dev_t, ino_t, off_t, time_t, long>;
  static std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
  }
  static std::map<Key, std::weak_ptr<Region>>& registry() {
    static std::map<Key, std::weak_ptr<Region>> r;
    return r;
  }
  std::shared_ptr<Region> region_;
};

struct Pack {
  std::uint32_t id = 0;  // unique within the backend: the cache key's first half
  std::string idx_path, pack_path;
  Mapping idx, pack;
  std::uint32_t count = 0;
  const std::uint8_t* fanout = nullptr;
  const std::uint8_t* names = nullptr;
  const std::uint8_t* offsets32 = nullptr;
  const std::uint8_t* offsets64 = nullptr;
  std::size_t count64 = 0;
  std::uint64_t data_end = 0;  // where the trailer starts: objects end before it

  // Range of index positions whose oid starts with byte b.
  std::pair<std::uint32_t, std::uint32_t> bucket(unsigned b) const {
    return {b ? be32(fanout + 4 * (b - 1)) : 0, be32(fanout + 4 * b)};
  }
  const std::uint8_t* name(std::uint32_t pos) const { return names + std::size_t(pos) * kOidSize; }

  // Object ids are uniformly distributed, so the bytes after the fan-out
  // byte say where in its bucket an id should be. Searching outwards from
  // there narrows the range in a few probes that stay close together; a
  // plain binary search over a large pack's bucket misses the cache on
  // nearly every probe (it was 3% of a u-boot scan).
  bool find(const std::uint8_t* oid, std::uint32_t& pos) const {
    auto [lo, hi] = bucket(oid[0]);
    if (hi - lo > 32) {
      std::uint32_t est = lo + std::uint32_t((std::uint64_t(be32(oid + 1)) * (hi - lo)) >> 32);
      int c = cmp_oid(name(est), oid);
      if (c == 0) {
        pos = est;
        return true;
      }
      std::uint32_t step = 8;
      if (c < 0) {  // everything before l is smaller than oid
        std::uint32_t l = est + 1;
        for (;;) {
          if (hi - l <= step) break;
          std::uint32_t probe = l + step;
          if (cmp_oid(name(probe), oid) >= 0) {
            hi = probe + 1;
            break;
          }
          l = probe + 1;
          step *= 2;
        }
        lo = l;
      } else {  // everything from h on is larger than oid
        std::uint32_t h = est;
        for (;;) {
          if (h - lo <= step) break;
          std::uint32_t probe = h - step - 1;
          if (cmp_oid(name(probe), oid) <= 0) {
            lo = probe;
            break;
          }
          h = probe;
          step *= 2;
        }
        hi = h;
      }
    }
    while (lo < hi) {
      std::uint32_t mid = lo + (hi - lo) / 2;
      int c = cmp_oid(name(mid), oid);
      if (c == 0) {
        pos = mid;
        return true;
      }
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    return false;
  }

  // First position whose oid is >= key.
  std::uint32_t lower_bound(const std::uint8_t* key) const {
    auto [lo, hi] = bucket(key[0]);
    while (lo < hi) {
      std::uint32_t mid = lo + (hi - lo) / 2;
      if (cmp_oid(name(mid), key) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  // The object's offset in the pack; false (with an error set) when the index
  // points outside the pack.
  bool offset(std::uint32_t pos, std::uint64_t& off) const {
    std::uint32_t v = be32(offsets32 + 4 * std::size_t(pos));
    if (v & 0x80000000u) {
      std::size_t i = v & 0x7fffffffu;
      if (i >= count64) {
        set_error(idx_path + ": corrupt index: 64-bit offset entry " + std::to_string(i) + " of " +
                  std::to_string(count64) + " for " + hex(name(pos)));
        return false;
      }
      off = be64(offsets64 + 8 * i);
    } else {
      off = v;
    }
    if (off < kPackHeader || off >= data_end) {
      set_error(idx_path + ": corrupt index: offset " + std::to_string(off) + " of " + hex(name(pos)) +
                " is outside " + pack_path);
      return false;
    }
    return true;
  }
};

enum class LoadResult { kOk, kNoPack, kError };

// Maps and validates one idx/pack pair. kNoPack: the .pack is missing (as
// while git deletes a pack), not an error.
LoadResult load_pack(const std::string& idx_path, Pack& p) {
  p.idx_path = idx_path;
  p.pack_path = idx_path.substr(0, idx_path.size() - 4) + ".pack";
  if (int e = p.idx.map(p.idx_path)) {
    set_error(p.idx_path + ": cannot map pack index: " + std::strerror(e));
    return LoadResult::kError;
  }
  const std::uint8_t* d = p.idx.data();
  const std::size_t n = p.idx.size();
  auto fail = [&](const std::string& why) {
    set_error(p.idx_path + ": " + why);
    return LoadResult::kError;
  };
  if (n < kIdxHeader + kFanoutSize + 2 * kOidSize)
    return fail("truncated pack index (" + std::to_string(n) + " bytes)");
  if (!(d[0] == 0xff && d[1] == 't' && d[2] == 'O' && d[3] == 'c'))
    return fail("not a version 2 pack index (bad magic; version 1 indexes are not supported)");
  if (be32(d + 4) != 2) return fail("unsupported pack index version " + std::to_string(be32(d + 4)));
  p.fanout = d + kIdxHeader;
  for (unsigned i = 1; i < 256; ++i)
    if (be32(p.fanout + 4 * i) < be32(p.fanout + 4 * (i - 1)))
      return fail("corrupt pack index: fanout table is not monotonic at entry " + std::to_string(i));
  p.count = be32(p.fanout + 4 * 255);
  const std::uint64_t min_size =
      kIdxHeader + kFanoutSize + std::uint64_t(p.count) * (kOidSize + 4 + 4) + 2 * kOidSize;
  const std::uint64_t max_size = min_size + (p.count ? std::uint64_t(p.count - 1) * 8 : 0);
  if (n < min_size)
    return fail("truncated pack index (" + std::to_string(n) + " bytes, " + std::to_string(p.count) +
                " objects need at least " + std::to_string(min_size) + ")");
  if (n > max_size || (n - min_size) % 8 != 0)
    return fail("corrupt pack index: " + std::to_string(n) + " bytes do not fit " + std::to_string(p.count) +
                " objects");
  p.names = p.fanout + kFanoutSize;
  p.offsets32 = p.names + std::size_t(p.count) * (kOidSize + 4);  // past names and CRCs
  p.offsets64 = p.offsets32 + std::size_t(p.count) * 4;
  p.count64 = (n - min_size) / 8;

  if (int e = p.pack.map(p.pack_path)) {
    if (e == ENOENT) return LoadResult::kNoPack;
    set_error(p.pack_path + ": cannot map pack: " + std::strerror(e));
    return LoadResult::kError;
  }
  const std::uint8_t* pd = p.pack.data();
  const std::size_t pn = p.pack.size();
  auto pfail = [&](const std::string& why) {
    set_error(p.pack_path + ": " + why);
    return LoadResult::kError;
  };
  if (pn < kPackHeader + kTrailer) return pfail("truncated pack (" + std::to_string(pn) + " bytes)");
  if (std::memcmp(pd, "PACK", 4) != 0) return pfail("not a pack file (bad signature)");
  std::uint32_t version = be32(pd + 4);
  if (version != 2 && version != 3) return pfail("unsupported pack version " + std::to_string(version));
  if (be32(pd + 8) != p.count)
    return pfail("pack has " + std::to_string(be32(pd + 8)) + " objects but its index " + p.idx_path + " has " +
                 std::to_string(p.count));
  if (std::memcmp(pd + pn - kTrailer, d + n - 2 * kOidSize, kOidSize) != 0)
    return pfail("pack does not match its index " + p.idx_path + " (checksums differ)");
  p.data_end = pn - kTrailer;
  return LoadResult::kOk;
}

struct CacheKey {
  std::uint32_t pack;
  std::uint64_t offset;
};

// LRU of resolved objects, bounded in bytes. Open addressing (linear
// probing) over (pack, offset) keys held in the slots themselves, entries in
// a slab linked by index: a lookup that misses touches one cache line.
class DeltaCache {
public:
  struct Entry {
    CacheKey key{};
    Buffer buf;
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    std::uint32_t prev = kNil, next = kNil;
  };

  explicit DeltaCache(std::size_t limit) : limit_(limit) { slots_.resize(1024); }

  // The entry, now most recently used; null when absent. Valid until the
  // next put (entries move); its buffer stays valid until it is evicted.
  const Entry* get(const CacheKey& k) {
    if (count_ == 0) return nullptr;
    std::size_t i = find(k);
    if (slots_[i].entry == kNil) return nullptr;
    std::uint32_t e = slots_[i].entry;
    if (e != head_) {
      unlink(e);
      push_front(e);
    }
    return &entries_[e];
  }

  // Whether an object of `size` bytes would be kept.
  bool fits(std::size_t size) const { return size <= limit_ && limit_ - size >= kCacheEntryOverhead; }

  // Takes `buf` (holding size + 1 bytes) when the object fits and the key is
  // new, evicting the least recently used entries to make room (never the
  // new one). Returns whether it was stored (else `buf` is untouched).
  bool put(const CacheKey& k, Buffer& buf, std::size_t size, git_object_t type) {
    if (!fits(size) || (count_ && slots_[find(k)].entry != kNil)) return false;
    const std::size_t cost = size + kCacheEntryOverhead;
    while (used_ + cost > limit_ && tail_ != kNil) evict(tail_);
    if ((count_ + 1) * 2 > slots_.size()) grow();
    std::uint32_t e;
    if (!free_.empty()) {
      e = free_.back();
      free_.pop_back();
    } else {
      e = static_cast<std::uint32_t>(entries_.size());
      entries_.emplace_back();
    }
    Entry& en = entries_[e];
    en.key = k;
    en.buf = std::move(buf);
    en.size = size;
    en.type = type;
    std::size_t i = find(k);
    slots_[i] = {k.offset, k.pack, e};
    ++count_;
    used_ += cost;
    push_front(e);
    return true;
  }

  std::size_t used() const { return used_; }

private:
  static constexpr std::uint32_t kNil = UINT32_MAX;
  struct Slot {
    std::uint64_t offset = 0;
    std::uint32_t pack = 0;
    std::uint32_t entry = kNil;  // kNil: empty
  };

  std::size_t home(std::uint64_t offset, std::uint32_t pack) const {
    std::uint64_t x = offset ^ (std::uint64_t(pack) << 47);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x) & (slots_.size() - 1);
  }
  // The key's slot, or the empty slot where it would go.
  std::size_t find(const CacheKey& k) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home(k.offset, k.pack);
    while (slots_[i].entry != kNil && !(slots_[i].offset == k.offset && slots_[i].pack == k.pack)) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.entry != kNil) slots_[find({s.pack, s.offset})] = s;
  }
  void erase_slot(std::size_t i) {  // backward-shift deletion
    const std::size_t mask = slots_.size() - 1;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (slots_[j].entry == kNil) break;
      std::size_t h = home(slots_[j].offset, slots_[j].pack);
      // Move j into the hole unless its home lies cyclically in (i, j].
      bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].entry = kNil;
  }
  void unlink(std::uint32_t e) {
    Entry& en = entries_[e];
    if (en.prev != kNil) entries_[en.prev].next = en.next; else head_ = en.next;
    if (en.next != kNil) entries_[en.next].prev = en.prev; else tail_ = en.prev;
  }
  void push_front(std::uint32_t e) {
    Entry& en = entries_[e];
    en.prev = kNil;
    en.next = head_;
    if (head_ != kNil) entries_[head_].prev = e; else tail_ = e;
    head_ = e;
  }
  void evict(std::uint32_t e) {
    Entry& en = entries_[e];
    unlink(e);
    erase_slot(find(en.key));
    used_ -= en.size + kCacheEntryOverhead;
    en.buf = Buffer();
    free_.push_back(e);
    --count_;
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;
  std::uint32_t head_ = kNil, tail_ = kNil;
  std::size_t count_ = 0;
  std::size_t used_ = 0;
  std::size_t limit_;
};

struct ObjHeader {
  unsigned type = 0;
  std::size_t size = 0;         // inflated size (of the delta data, for deltas)
  std::uint64_t data_off = 0;   // where the zlib stream starts
  std::uint64_t base_off = 0;   // OFS_DELTA
  const std::uint8_t* base_oid = nullptr;  // REF_DELTA
};

// One delta of a chain being resolved.
struct Frame {
  Pack* pack;
  std::uint64_t offset;
  std::uint64_t data_off;
  std::size_t delta_size;
};

// A buffer some other backend returned (git_odb_backend_data_alloc'ed).
struct ForeignBuffer {
  git_odb_backend* owner = nullptr;
  void* data = nullptr;
  ForeignBuffer() = default;
  ForeignBuffer(const ForeignBuffer&) = delete;
  ForeignBuffer& operator=(const ForeignBuffer&) = delete;
  ~ForeignBuffer() {
    if (data) git_odb_backend_data_free(owner, data);
  }
};

std::size_t read_varint(const std::uint8_t*& p, const std::uint8_t* end, bool& ok) {
  std::size_t v = 0;
  unsigned shift = 0;
  ok = false;
  while (p < end) {
    std::uint8_t c = *p++;
    if (shift > 63 - 7 && (c & 0x7f) >> (63 - shift)) return 0;  // does not fit
    v |= std::size_t(c & 0x7f) << shift;
    shift += 7;
    if (!(c & 0x80)) {
      ok = true;
      return v;
    }
    if (shift > 63) return 0;
  }
  return 0;
}

class Backend;

// The git_odb_backend libgit2 sees; `self` holds everything else.
struct RawBackend {
  git_odb_backend parent;
  Backend* self;
};

class Backend {
public:
  Backend(std::string objects_dir, const PackBackendOptions& opts)
      : cache_(opts.delta_cache_bytes) {
    auto add = [&](std::string dir) {
      if (!dir.empty() && dir.back() != '/') dir += '/';
      for (auto& d : dirs_)
        if (d.path == dir + "pack") return;
      dirs_.push_back(PackDir{dir + "pack", {}, false});
    };
    add(std::move(objects_dir));
    for (auto& d : opts.more_object_dirs) add(d);
  }
  ~Backend() {
    if (zinit_) inflateEnd(&zs_);
    if (deflate_) libdeflate_free_decompressor(deflate_);
  }
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // Loads the packs not loaded yet. Initial: errors are returned; later
  // (refresh) bad packs are skipped.
  int scan(bool initial) {
    for (auto& d : dirs_)
      if (int rc = scan_dir(d, initial)) return rc;
    return 0;
  }

  void set_fallbacks(std::vector<git_odb_backend*> f) { fallbacks_ = std::move(f); }
  PackBackendStats stats() const {
    PackBackendStats s = stats_;
    s.cache_bytes = cache_.used();
    s.packs = packs_.size();
    return s;
  }

  // ---- libgit2 callbacks ----------------------------------------------------

  int read(void** data, std::size_t* len, git_object_t* type, git_odb_backend* be, const git_oid* id) {
    Pack* p;
    std::uint64_t off;
    if (int rc = locate(id->id, p, off)) return rc;
    return unpack(be, p, off, data, len, type);
  }

  int read_header(std::size_t* len, git_object_t* type, const git_oid* id) {
    Pack* p;
    std::uint64_t off;
    if (int rc = locate(id->id, p, off)) return rc;
    return header(p, off, len, type);
  }

  int exists(const git_oid* id) {
    Pack* p;
    std::uint32_t pos;
    return find(id->id, p, pos) ? 1 : 0;
  }

  int exists_prefix(git_oid* out, const git_oid* prefix, std::size_t len) {
    Pack* p;
    std::uint32_t pos;
    if (int rc = find_prefix(prefix, len, p, pos)) return rc;
    std::memcpy(out->id, p->name(pos), kOidSize);
    return 0;
  }

  int read_prefix(git_oid* out, void** data, std::size_t* size, git_object_t* type, git_odb_backend* be,
                  const git_oid* prefix, std::size_t len) {
    Pack* p;
    std::uint32_t pos;
    if (len >= GIT_OID_HEXSZ) {
      if (int rc = read(data, size, type, be, prefix)) return rc;
      git_oid_cpy(out, prefix);
      return 0;
    }
    if (int rc = find_prefix(prefix, len, p, pos)) return rc;
    std::uint64_t off;
    if (!p->offset(pos, off)) return GIT_ERROR;
    if (int rc = unpack(be, p, off, data, size, type)) return rc;
    std::memcpy(out->id, p->name(pos), kOidSize);
    return 0;
  }

  int refresh() { return scan(false); }

private:
  bool find(const std::uint8_t* oid, Pack*& p, std::uint32_t& pos) {
    const std::size_t n = packs_.size();
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t i = (mru_ + k) % n;
      if (packs_[i]->find(oid, pos)) {
        mru_ = i;
        p = packs_[i].get();
        return true;
      }
    }
    return false;
  }

  // 0, GIT_ENOTFOUND (not in our packs), or an error.
  int locate(const std::uint8_t* oid, Pack*& p, std::uint64_t& off) {
    std::uint32_t pos;
    if (!find(oid, p, pos)) return GIT_ENOTFOUND;
    return p->offset(pos, off) ? 0 : GIT_ERROR;
  }

  int find_prefix(const git_oid* prefix, std::size_t len, Pack*& out, std::uint32_t& out_pos) {
    if (len < GIT_OID_MINPREFIXLEN) {
      git_error_set_str(GIT_ERROR_ODB, "ambiguous object id: prefix length too short");
      return GIT_EAMBIGUOUS;
    }
    if (len > GIT_OID_HEXSZ) len = GIT_OID_HEXSZ;
    // The key with the bits past the prefix cleared sorts first among matches.
    git_oid key{};
    std::memcpy(key.id, prefix->id, (len + 1) / 2);
    if (len % 2) key.id[len / 2] &= 0xf0;
    const std::uint8_t* found = nullptr;
    for (auto& pk : packs_) {
      std::uint32_t pos = pk->lower_bound(key.id);
      for (; pos < pk->count; ++pos) {
        git_oid cand;
        std::memcpy(cand.id, pk->name(pos), kOidSize);
        if (git_oid_ncmp(&cand, &key, len) != 0) break;
        if (!found) {
          found = pk->name(pos);
          out = pk.get();
          out_pos = pos;
        } else if (std::memcmp(found, pk->name(pos), kOidSize) != 0) {
          char buf[GIT_OID_HEXSZ + 1];
          git_oid_tostr(buf, len + 1, &key);
          git_error_set_str(GIT_ERROR_ODB, (std::string("ambiguous object id prefix ") + buf + ": " + hex(found) +
                                            " and " + hex(pk->name(pos)))
                                               .c_str());
          return GIT_EAMBIGUOUS;
        }
      }
    }
    return found ? 0 : GIT_ENOTFOUND;
  }

  int corrupt(const Pack* p, std::uint64_t off, const std::string& why) {
    return set_error(p->pack_path + ": corrupt object at offset " + std::to_string(off) + ": " + why);
  }

  // Parses the object header at `off`.
  int parse_header(Pack* p, std::uint64_t off, ObjHeader& h) {
    if (off >= p->data_end) return corrupt(p, off, "offset past the end of the pack");
    const std::uint8_t* base = p->pack.data();
    const std::uint8_t* q = base + off;
    const std::uint8_t* end = base + p->data_end;
    std::uint8_t c = *q++;
    h.type = (c >> 4) & 7;
    std::uint64_t size = c & 15;
    unsigned shift = 4;
    while (c & 0x80) {
      if (q >= end) return corrupt(p, off, "truncated object header");
      if (shift > 57) return corrupt(p, off, "object size does not fit 64 bits");
      c = *q++;
      size += std::uint64_t(c & 0x7f) << shift;
      shift += 7;
    }
    switch (h.type) {
      case kCommit:
      case kTree:
      case kBlob:
      case kTag:
        break;
      case kOfsDelta: {
        if (q >= end) return corrupt(p, off, "truncated delta base offset");
        c = *q++;
        std::uint64_t rel = c & 0x7f;
        while (c & 0x80) {
          if (q >= end) return corrupt(p, off, "truncated delta base offset");
          if (rel >= (std::uint64_t(1) << 56)) return corrupt(p, off, "delta base offset too large");
          c = *q++;
          rel = ((rel + 1) << 7) | (c & 0x7f);
        }
        if (rel == 0 || rel > off - kPackHeader) return corrupt(p, off, "delta base offset out of range");
        h.base_off = off - rel;
        break;
      }
      case kRefDelta:
        if (end - q < std::ptrdiff_t(kOidSize)) return corrupt(p, off, "truncated delta base id");
        h.base_oid = q;
        q += kOidSize;
        break;
      default:
        return corrupt(p, off, "invalid object type " + std::to_string(h.type));
    }
    h.data_off = std::uint64_t(q - base);
    if (h.data_off >= p->data_end) return corrupt(p, off, "object data past the end of the pack");
    // A zlib stream cannot expand more than deflate's best ratio.
    if (size / kMaxInflateRatio > p->data_end - h.data_off || size >= SIZE_MAX / 2)
      return corrupt(p, off, "object size " + std::to_string(size) + " impossible for its place in the pack");
    h.size = static_cast<std::size_t>(size);
    return 0;
  }

  libdeflate_decompressor* deflate_ = nullptr;

  z_stream* zreset() {
    if (!zinit_) {
      std::memset(&zs_, 0, sizeof zs_);
      if (inflateInit(&zs_) != Z_OK) return nullptr;
      zinit_ = true;
    } else if (inflateReset(&zs_) != Z_OK) {
      return nullptr;
    }
    return &zs_;
  }

  // Inflates the stream at h.data_off into out[0, size] (size + 1 bytes of
  // room, so that a stream too long is noticed) and NUL-terminates.
  int inflate_object(Pack* p, std::uint64_t off, std::uint64_t data_off, std::uint8_t* out, std::size_t size) {
    // libdeflate inflates two to three times faster than zlib; it needs the
    // output size, which the pack header gives. Anything it rejects is
    // inflated again by zlib below, whose messages say what is wrong.
    if (!deflate_) deflate_ = libdeflate_alloc_decompressor();
    if (deflate_) {
      std::size_t used_in = 0, got = 0;
      libdeflate_result rc =
          libdeflate_zlib_decompress_ex(deflate_, p->pack.data() + data_off, p->data_end - data_off, out, size + 1,
                                        &used_in, &got);
      if (rc == LIBDEFLATE_SUCCESS && got == size) {
        out[size] = 0;
        ++stats_.inflated;
        return 0;
      }
    }
    z_stream* z = zreset();
    if (!z) return set_error("zlib: cannot initialize inflate");
    const std::uint8_t* in = p->pack.data() + data_off;
    std::size_t in_left = p->data_end - data_off;
    std::size_t out_left = size + 1;
    z->next_out = out;
    z->avail_out = 0;
    z->next_in = const_cast<Bytef*>(in);
    z->avail_in = 0;
    int st;
    for (;;) {
      if (z->avail_in == 0 && in_left) {
        uInt n = static_cast<uInt>(std::min<std::size_t>(in_left, UINT_MAX));
        z->avail_in = n;
        in_left -= n;
      }
      if (z->avail_out == 0 && out_left) {
        uInt n = static_cast<uInt>(std::min<std::size_t>(out_left, UINT_MAX));
        z->avail_out = n;
        out_left -= n;
      }
      st = inflate(z, Z_FINISH);
      if (st == Z_STREAM_END) break;
      if (st == Z_BUF_ERROR || st == Z_OK) {
        if ((z->avail_in == 0 && in_left) || (z->avail_out == 0 && out_left)) continue;
        if (z->avail_out == 0)
          return corrupt(p, off, "zlib stream longer than the object size " + std::to_string(size));
        return corrupt(p, off, "truncated zlib stream");
      }
      return corrupt(p, off, std::string("zlib: ") + (z->msg ? z->msg : "inflate failed"));
    }
    std::size_t got = static_cast<std::size_t>(z->next_out - out);
    if (got != size)
      return corrupt(p, off, "inflated to " + std::to_string(got) + " bytes, header says " + std::to_string(size));
    out[size] = 0;
    ++stats_.inflated;
    return 0;
  }

  // Inflates at most `want` bytes of the stream's beginning into `out`;
  // returns how many (or -1 with an error set).
  long inflate_prefix(Pack* p, std::uint64_t off, std::uint64_t data_off, std::uint8_t* out, std::size_t want) {
    z_stream* z = zreset();
    if (!z) return set_error("zlib: cannot initialize inflate");
    std::size_t in_left = p->data_end - data_off;
    z->next_in = const_cast<Bytef*>(p->pack.data() + data_off);
    z->avail_in = static_cast<uInt>(std::min<std::size_t>(in_left, UINT_MAX));
    z->next_out = out;
    z->avail_out = static_cast<uInt>(want);
    while (z->avail_out) {
      int st = inflate(z, Z_SYNC_FLUSH);
      if (st == Z_STREAM_END) break;
      if (st != Z_OK) {
        if (st == Z_BUF_ERROR) return corrupt(p, off, "truncated zlib stream");
        return corrupt(p, off, std::string("zlib: ") + (z->msg ? z->msg : "inflate failed"));
      }
    }
    return long(want - z->avail_out);
  }

  // Applies `delta` to `src`, writing `res_size` bytes (+ NUL) into `out`.
  // The delta's two size fields were already parsed: `d` points past them.
  int apply_delta(const Frame& f, const std::uint8_t* src, std::size_t src_size, const std::uint8_t* d,
                  const std::uint8_t* top, std::uint8_t* out, std::size_t res_size) {
    std::uint8_t* o = out;
    std::size_t left = res_size;
    while (d < top) {
      std::uint8_t cmd = *d++;
      if (cmd & 0x80) {
        std::size_t cp_off = 0, cp_size = 0;
        for (unsigned i = 0; i < 4; ++i)
          if (cmd & (1u << i)) {
            if (d >= top) return corrupt(f.pack, f.offset, "truncated delta copy opcode");
            cp_off |= std::size_t(*d++) << (8 * i);
          }
        for (unsigned i = 0; i < 3; ++i)
          if (cmd & (0x10u << i)) {
            if (d >= top) return corrupt(f.pack, f.offset, "truncated delta copy opcode");
            cp_size |= std::size_t(*d++) << (8 * i);
          }
        if (cp_size == 0) cp_size = 0x10000;
        if (cp_off > src_size || cp_size > src_size - cp_off || cp_size > left)
          return corrupt(f.pack, f.offset, "delta copies out of bounds");
        std::memcpy(o, src + cp_off, cp_size);
        o += cp_size;
        left -= cp_size;
      } else if (cmd) {
        if (cmd > left || std::ptrdiff_t(cmd) > top - d)
          return corrupt(f.pack, f.offset, "delta inserts out of bounds");
        std::memcpy(o, d, cmd);
        o += cmd;
        d += cmd;
        left -= cmd;
      } else {
        return corrupt(f.pack, f.offset, "unexpected delta opcode 0");
      }
    }
    if (left != 0) return corrupt(f.pack, f.offset, "delta result shorter than its declared size");
    out[res_size] = 0;
    ++stats_.deltas_applied;
    return 0;
  }

  // The base of a REF_DELTA: in our packs (this one first), else null.
  Pack* find_ref_base(Pack* p, const std::uint8_t* oid, std::uint64_t& off, int& rc) {
    rc = 0;
    std::uint32_t pos;
    Pack* q = p;
    if (!p->find(oid, pos) && !find(oid, q, pos)) return nullptr;
    if (!q->offset(pos, off)) {
      rc = GIT_ERROR;
      return nullptr;
    }
    return q;
  }

  // Reads a REF_DELTA base that is in none of our packs through the odb's
  // other backends (called directly: the odb's mutex is held by our caller).
  int read_external(const std::uint8_t* oid, Pack* p, std::uint64_t off, ForeignBuffer& fb, std::size_t& size,
                    git_object_t& type) {
    git_oid id;
    std::memcpy(id.id, oid, kOidSize);
    for (git_odb_backend* b : fallbacks_) {
      if (!b->read) continue;
      void* data = nullptr;
      std::size_t len = 0;
      git_object_t t = GIT_OBJECT_INVALID;
      int rc = b->read(&data, &len, &t, b, &id);
      if (rc == GIT_ENOTFOUND || rc == GIT_PASSTHROUGH) continue;
      if (rc < 0) return rc;
      fb.owner = b;
      fb.data = data;
      size = len;
      type = t;
      ++stats_.external_bases;
      return 0;
    }
    return corrupt(p, off, "delta base " + hex(oid) + " not found");
  }

  static bool valid_base(git_object_t t) {
    return t == GIT_OBJECT_COMMIT || t == GIT_OBJECT_TREE || t == GIT_OBJECT_BLOB || t == GIT_OBJECT_TAG;
  }

  // Resolves the object at (p, off) into a git_odb_backend_data_alloc buffer.
  int unpack(git_odb_backend* be, Pack* p, std::uint64_t off, void** out_data, std::size_t* out_len,
             git_object_t* out_type) {
    chain_.clear();
    const std::uint8_t* base = nullptr;
    std::size_t base_size = 0;
    git_object_t base_type = GIT_OBJECT_INVALID;
    Buffer owned;       // the base when it is not in the cache
    ForeignBuffer foreign;

    for (;;) {
      if (const DeltaCache::Entry* e = cache_.get({p->id, off})) {
        ++stats_.cache_hits;
        base = e->buf.data();
        base_size = e->size;
        base_type = e->type;
        break;
      }
      ObjHeader h;
      if (int rc = parse_header(p, off, h)) return rc;
      if (h.type < kOfsDelta) {
        base_type = static_cast<git_object_t>(h.type);
        base_size = h.size;
        if (chain_.empty()) {  // a plain object: straight into libgit2's buffer
          auto* buf = static_cast<std::uint8_t*>(git_odb_backend_data_alloc(be, h.size + 1));
          if (!buf) return oom();
          if (int rc = inflate_object(p, off, h.data_off, buf, h.size)) {
            git_odb_backend_data_free(be, buf);
            return rc;
          }
          return done(buf, h.size, base_type, out_data, out_len, out_type);
        }
        if (!owned.allocate(h.size + 1)) return oom();
        if (int rc = inflate_object(p, off, h.data_off, owned.data(), h.size)) return rc;
        base = owned.data();
        cache_.put({p->id, off}, owned, h.size, base_type);  // `base` stays valid either way
        break;
      }
      if (chain_.size() >= kMaxChain) return corrupt(p, off, "delta chain too long (a cycle?)");
      chain_.push_back({p, off, h.data_off, h.size});
      if (h.type == kOfsDelta) {
        off = h.base_off;
        continue;
      }
      ++stats_.ref_deltas;
      int rc;
      std::uint64_t boff = 0;
      if (Pack* q = find_ref_base(p, h.base_oid, boff, rc)) {
        p = q;
        off = boff;
        continue;
      }
      if (rc) return rc;
      if ((rc = read_external(h.base_oid, p, off, foreign, base_size, base_type))) return rc;
      if (!valid_base(base_type)) return corrupt(p, off, "delta base " + hex(h.base_oid) + " has an invalid type");
      base = static_cast<const std::uint8_t*>(foreign.data);
      break;
    }
    if (chain_.empty()) {  // found in the cache
      auto* buf = static_cast<std::uint8_t*>(git_odb_backend_data_alloc(be, base_size + 1));
      if (!buf) return oom();
      std::memcpy(buf, base, base_size);
      buf[base_size] = 0;
      return done(buf, base_size, base_type, out_data, out_len, out_type);
    }

    // Apply the deltas, deepest first.
    for (std::size_t i = chain_.size(); i-- > 0;) {
      const Frame f = chain_[i];
      if (!scratch_.reserve(f.delta_size + 1)) return oom();
      if (int rc = inflate_object(f.pack, f.offset, f.data_off, scratch_.data(), f.delta_size)) return rc;
      const std::uint8_t* d = scratch_.data();
      const std::uint8_t* top = d + f.delta_size;
      bool ok1, ok2;
      std::size_t src_size = read_varint(d, top, ok1);
      std::size_t res_size = read_varint(d, top, ok2);
      if (!ok1 || !ok2) return corrupt(f.pack, f.offset, "bad delta header");
      if (src_size != base_size)
        return corrupt(f.pack, f.offset,
                       "delta base size " + std::to_string(src_size) + " differs from the base's " +
                           std::to_string(base_size));
      // Each opcode byte yields at most 0xffffff bytes (a copy) or 127 (an insert).
      const std::size_t per_byte = std::max<std::size_t>(std::min<std::size_t>(src_size, 0xffffff), 127);
      if (res_size / per_byte > f.delta_size || res_size >= SIZE_MAX / 2)
        return corrupt(f.pack, f.offset, "delta result size " + std::to_string(res_size) + " impossible");
      if (i == 0) {
        auto* buf = static_cast<std::uint8_t*>(git_odb_backend_data_alloc(be, res_size + 1));
        if (!buf) return oom();
        if (int rc = apply_delta(f, base, base_size, d, top, buf, res_size)) {
          git_odb_backend_data_free(be, buf);
          return rc;
        }
        return done(buf, res_size, base_type, out_data, out_len, out_type);
      }
      Buffer res;
      if (!res.allocate(res_size + 1)) return oom();
      if (int rc = apply_delta(f, base, base_size, d, top, res.data(), res_size)) return rc;
      // `base` is no longer needed: storing may evict it.
      base = res.data();
      base_size = res_size;
      if (!cache_.put({f.pack->id, f.offset}, res, res_size, base_type)) owned = std::move(res);
    }
    return GIT_ERROR;  // not reached
  }

  int done(std::uint8_t* buf, std::size_t size, git_object_t type, void** out_data, std::size_t* out_len,
           git_object_t* out_type) {
    *out_data = buf;
    *out_len = size;
    *out_type = type;
    ++stats_.reads;
    return 0;
  }

  // Type and size without resolving deltas: the size is in the delta's
  // header, the type is the chain's base's.
  int header(Pack* p, std::uint64_t off, std::size_t* out_len, git_object_t* out_type) {
    if (const DeltaCache::Entry* e = cache_.get({p->id, off})) {
      *out_len = e->size;
      *out_type = e->type;
      ++stats_.headers;
      return 0;
    }
    ObjHeader h;
    if (int rc = parse_header(p, off, h)) return rc;
    if (h.type >= kOfsDelta) {
      std::uint8_t buf[20];
      long got = inflate_prefix(p, off, h.data_off, buf, std::min<std::size_t>(sizeof buf, h.size));
      if (got < 0) return GIT_ERROR;
      const std::uint8_t* d = buf;
      const std::uint8_t* top = buf + got;
      bool ok1, ok2;
      read_varint(d, top, ok1);
      std::size_t res_size = read_varint(d, top, ok2);
      if (!ok1 || !ok2) return corrupt(p, off, "bad delta header");
      *out_len = res_size;
    } else {
      *out_len = h.size;
    }
    // Follow the chain to its base for the type.
    for (std::size_t depth = 0;; ++depth) {
      if (h.type < kOfsDelta) {
        *out_type = static_cast<git_object_t>(h.type);
        break;
      }
      if (depth >= kMaxChain) return corrupt(p, off, "delta chain too long (a cycle?)");
      if (h.type == kOfsDelta) {
        off = h.base_off;
      } else {
        int rc;
        std::uint64_t boff = 0;
        Pack* q = find_ref_base(p, h.base_oid, boff, rc);
        if (!q) {
          if (rc) return rc;
          ForeignBuffer fb;
          std::size_t sz;
          git_object_t t;
          if ((rc = read_external(h.base_oid, p, off, fb, sz, t))) return rc;
          *out_type = t;
          break;
        }
        p = q;
        off = boff;
      }
      if (const DeltaCache::Entry* e = cache_.get({p->id, off})) {
        *out_type = e->type;
        break;
      }
      if (int rc = parse_header(p, off, h)) return rc;
    }
    ++stats_.headers;
    return 0;
  }

  struct PackDir {
    std::string path;  // .../objects/pack
    timespec mtime{};
    bool have_mtime = false;
  };

  // Loads the packs of one directory not loaded yet.
  int scan_dir(PackDir& pd, bool initial) {
    struct stat st;
    if (stat(pd.path.c_str(), &st) != 0) return 0;  // no packs (yet)
    if (!initial && pd.have_mtime && st.st_mtim.tv_sec == pd.mtime.tv_sec && st.st_mtim.tv_nsec == pd.mtime.tv_nsec)
      return 0;
    pd.mtime = st.st_mtim;
    pd.have_mtime = true;
    DIR* dir = opendir(pd.path.c_str());
    if (!dir) {
      if (!initial) return 0;
      return set_error(pd.path + ": cannot read directory: " + std::strerror(errno));
    }
    std::vector<std::string> names;
    while (dirent* de = readdir(dir)) {
      std::string_view n = de->d_name;
      if (n.size() > 4 && n.substr(n.size() - 4) == ".idx" && !seen_.count(pd.path + "/" + std::string(n)))
        names.emplace_back(n);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
      std::string path = pd.path + "/" + n;
      auto p = std::make_unique<Pack>();
      LoadResult r = load_pack(path, *p);
      if (r == LoadResult::kError) {
        if (initial) return GIT_ERROR;
        git_error_clear();
        seen_.insert(path);  // not retried
        continue;
      }
      if (r == LoadResult::kNoPack) continue;  // may appear later
      seen_.insert(path);
      p->id = next_pack_id_++;
      packs_.push_back(std::move(p));
    }
    return 0;
  }

  std::vector<PackDir> dirs_;  // the repository's objects/pack first
  std::vector<std::unique_ptr<Pack>> packs_;
  std::unordered_set<std::string> seen_;  // .idx paths loaded or refused
  std::uint32_t next_pack_id_ = 0;
  std::size_t mru_ = 0;
  DeltaCache cache_;
  z_stream zs_{};
  bool zinit_ = false;
  std::vector<Frame> chain_;
  Buffer scratch_;
  std::vector<git_odb_backend*> fallbacks_;
  PackBackendStats stats_;
};

Backend* self(git_odb_backend* be) { return reinterpret_cast<RawBackend*>(be)->self; }

int cb_read(void** data, std::size_t* len, git_object_t* type, git_odb_backend* be, const git_oid* id) {
  return self(be)->read(data, len, type, be, id);
}
int cb_read_prefix(git_oid* out, void** data, std::size_t* len, git_object_t* type, git_odb_backend* be,
                   const git_oid* prefix, std::size_t n) {
  return self(be)->read_prefix(out, data, len, type, be, prefix, n);
}
int cb_read_header(std::size_t* len, git_object_t* type, git_odb_backend* be, const git_oid* id) {
  return self(be)->read_header(len, type, id);
}
int cb_exists(git_odb_backend* be, const git_oid* id) { return self(be)->exists(id); }
int cb_exists_prefix(git_oid* out, git_odb_backend* be, const git_oid* prefix, std::size_t n) {
  return self(be)->exists_prefix(out, prefix, n);
}
int cb_refresh(git_odb_backend* be) { return self(be)->refresh(); }
void cb_free(git_odb_backend* be) {
  auto* raw = reinterpret_cast<RawBackend*>(be);
  delete raw->self;
  delete raw;
}

}  // namespace

int pack_backend_new(git_odb_backend** out, const std::string& objects_dir, const PackBackendOptions& opts) {
  *out = nullptr;
  auto impl = std::make_unique<Backend>(objects_dir, opts);
  if (int rc = impl->scan(true)) return rc;
  auto raw = std::make_unique<RawBackend>();
  if (git_odb_init_backend(&raw->parent, GIT_ODB_BACKEND_VERSION) != 0) return GIT_ERROR;
  raw->parent.read = cb_read;
  raw->parent.read_prefix = cb_read_prefix;
  raw->parent.read_header = cb_read_header;
  raw->parent.exists = cb_exists;
  raw->parent.exists_prefix = cb_exists_prefix;
  raw->parent.refresh = cb_refresh;
  raw->parent.free = cb_free;
  raw->self = impl.release();
  *out = &raw.release()->parent;
  return 0;
}

namespace {
// The odb's backends, in libgit2's order; `ours` gets this backend when one
// of them is it.
int odb_backends(git_odb* odb, std::vector<git_odb_backend*>& all, git_odb_backend*& ours) {
  ours = nullptr;
  for (std::size_t i = 0, n = git_odb_num_backends(odb); i < n; ++i) {
    git_odb_backend* b = nullptr;
    if (int rc = git_odb_get_backend(&b, odb, i)) return rc;
    if (b->free == cb_free) ours = b;
    all.push_back(b);
  }
  return 0;
}
}  // namespace

int install_pack_backend(git_repository* repo, const PackBackendOptions& opts) {
  git_odb* odb = nullptr;
  if (int rc = git_repository_odb(&odb, repo)) return rc;
  std::unique_ptr<git_odb, void (*)(git_odb*)> odb_guard(odb, git_odb_free);
  std::vector<git_odb_backend*> others;
  git_odb_backend* ours = nullptr;
  if (int rc = odb_backends(odb, others, ours)) return rc;
  if (ours) return 0;  // already installed
  git_buf dir = GIT_BUF_INIT;
  if (int rc = git_repository_item_path(&dir, repo, GIT_REPOSITORY_ITEM_OBJECTS)) return rc;
  std::string objects_dir(dir.ptr, dir.size);
  git_buf_dispose(&dir);
  PackBackendOptions with_env = opts;
  for (auto& d : environment_object_dirs()) with_env.more_object_dirs.push_back(d);
  git_odb_backend* be = nullptr;
  if (int rc = pack_backend_new(&be, objects_dir, with_env)) return rc;
  self(be)->set_fallbacks(std::move(others));
  if (int rc = git_odb_add_backend(odb, be, kPackBackendPriority)) {
    be->free(be);
    return rc;
  }
  return 0;
}

PackBackendStats pack_backend_stats(const git_odb_backend* backend) {
  if (!backend || backend->free != cb_free) return {};
  return reinterpret_cast<const RawBackend*>(backend)->self->stats();
}

PackBackendStats pack_backend_stats(git_repository* repo) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return {};
  std::unique_ptr<git_odb, void (*)(git_odb*)> odb_guard(odb, git_odb_free);
  std::vector<git_odb_backend*> all;
  git_odb_backend* ours = nullptr;
  if (odb_backends(odb, all, ours) != 0) return {};
  return pack_backend_stats(ours);
}

}  // namespace beaver::git
