// SPDX-License-Identifier: LGPL-2.1-or-later
// Derived from LibXDiff, Copyright (C) 2003 Davide Libenzi, as changed by
// the git project (git/xdiff/, v2.39); this port is under the same licence.
// A port of git 2.39's xdiff (LibXDiff by Davide Libenzi; LGPL-2.1-or-later)
// for the one configuration `git log -p` uses. See xdiff.h for what differs.
// The names of xdiff's functions are kept in comments so that the two can
// be read side by side.
#include "git/xdiff.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace beaver::git {

namespace {

constexpr long kMaxEqLimit = 1024;      // XDL_MAX_EQLIMIT
constexpr long kSimscanWindow = 100;    // XDL_SIMSCAN_WINDOW
constexpr long kKpdisRun = 4;           // XDL_KPDIS_RUN
constexpr long kMaxCostMin = 256;       // XDL_MAX_COST_MIN
constexpr long kHeurMinCost = 256;      // XDL_HEUR_MIN_COST
constexpr long kLineMax = long((1UL << (8 * sizeof(long) - 1)) - 1);  // XDL_LINE_MAX
constexpr long kSnakeCnt = 20;          // XDL_SNAKE_CNT
constexpr long kKHeur = 4;              // XDL_K_HEUR
constexpr long kContext = 3;            // ctxlen of git log -p
constexpr long kInterhunk = 0;          // interhunkctxlen

bool same(const LineDiff::Rec& a, const LineDiff::Rec& b) {
  return a.size == b.size && std::memcmp(a.ptr, b.ptr, a.size) == 0;
}

// xdl_bogosqrt
long bogosqrt(long n) {
  long i = 1;
  for (; n > 0; n >>= 2) i <<= 1;
  return i;
}

std::uint64_t hash_line(const char* p, std::size_t n) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 32;
  }
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

// git's isspace(): space, \t, \n and \r only.
bool git_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

constexpr int kMaxIndent = 200;

// get_indent
int get_indent(const LineDiff::Rec& rec) {
  int ret = 0;
  for (std::size_t i = 0; i < rec.size; ++i) {
    char c = rec.ptr[i];
    if (!git_space(c)) return ret;
    if (c == ' ') ret += 1;
    else if (c == '\t') ret += 8 - ret % 8;
    if (ret >= kMaxIndent) return kMaxIndent;
  }
  return -1;
}

constexpr int kMaxBlanks = 20;

struct SplitMeasurement {
  int end_of_file, indent, pre_blank, pre_indent, post_blank, post_indent;
};

struct SplitScore {
  int effective_indent = 0, penalty = 0;
};

// measure_split
void measure_split(const std::vector<LineDiff::Rec>& recs, long nrec, long split, SplitMeasurement& m) {
  if (split >= nrec) {
    m.end_of_file = 1;
    m.indent = -1;
  } else {
    m.end_of_file = 0;
    m.indent = get_indent(recs[std::size_t(split)]);
  }
  m.pre_blank = 0;
  m.pre_indent = -1;
  for (long i = split - 1; i >= 0; --i) {
    m.pre_indent = get_indent(recs[std::size_t(i)]);
    if (m.pre_indent != -1) break;
    m.pre_blank += 1;
    if (m.pre_blank == kMaxBlanks) {
      m.pre_indent = 0;
      break;
    }
  }
  m.post_blank = 0;
  m.post_indent = -1;
  for (long i = split + 1; i < nrec; ++i) {
    m.post_indent = get_indent(recs[std::size_t(i)]);
    if (m.post_indent != -1) break;
    m.post_blank += 1;
    if (m.post_blank == kMaxBlanks) {
      m.post_indent = 0;
      break;
    }
  }
}

constexpr int kStartOfFilePenalty = 1;
constexpr int kEndOfFilePenalty = 21;
constexpr int kTotalBlankWeight = -30;
constexpr int kPostBlankWeight = 6;
constexpr int kRelativeIndentPenalty = -4;
constexpr int kRelativeIndentWithBlankPenalty = 10;
constexpr int kRelativeOutdentPenalty = 24;
constexpr int kRelativeOutdentWithBlankPenalty = 17;
constexpr int kRelativeDedentPenalty = 23;
constexpr int kRelativeDedentWithBlankPenalty = 17;
constexpr int kIndentWeight = 60;
constexpr long kIndentHeuristicMaxSliding = 100;

// score_add_split
void score_add_split(const SplitMeasurement& m, SplitScore& s) {
  if (m.pre_indent == -1 && m.pre_blank == 0) s.penalty += kStartOfFilePenalty;
  if (m.end_of_file) s.penalty += kEndOfFilePenalty;
  int post_blank = (m.indent == -1) ? 1 + m.post_blank : 0;
  int total_blank = m.pre_blank + post_blank;
  s.penalty += kTotalBlankWeight * total_blank;
  s.penalty += kPostBlankWeight * post_blank;
  int indent = m.indent != -1 ? m.indent : m.post_indent;
  bool any_blanks = total_blank != 0;
  s.effective_indent += indent;
  if (indent == -1) {
  } else if (m.pre_indent == -1) {
  } else if (indent > m.pre_indent) {
    s.penalty += any_blanks ? kRelativeIndentWithBlankPenalty : kRelativeIndentPenalty;
  } else if (indent == m.pre_indent) {
  } else if (m.post_indent != -1 && m.post_indent > indent) {
    s.penalty += any_blanks ? kRelativeOutdentWithBlankPenalty : kRelativeOutdentPenalty;
  } else {
    s.penalty += any_blanks ? kRelativeDedentWithBlankPenalty : kRelativeDedentPenalty;
  }
}

// score_cmp
int score_cmp(const SplitScore& a, const SplitScore& b) {
  int cmp_indents = (a.effective_indent > b.effective_indent) - (a.effective_indent < b.effective_indent);
  return kIndentWeight * cmp_indents + (a.penalty - b.penalty);
}

// xdl_clean_mmatch
bool clean_mmatch(const char* dis, long i, long s, long e) {
  if (i - s > kSimscanWindow) s = i - kSimscanWindow;
  if (e - i > kSimscanWindow) e = i + kSimscanWindow;
  long r, rdis0, rpdis0, rdis1, rpdis1;
  for (r = 1, rdis0 = 0, rpdis0 = 1; (i - r) >= s; r++) {
    if (!dis[i - r]) rdis0++;
    else if (dis[i - r] == 2) rpdis0++;
    else break;
  }
  if (rdis0 == 0) return false;
  for (r = 1, rdis1 = 0, rpdis1 = 1; (i + r) <= e; r++) {
    if (!dis[i + r]) rdis1++;
    else if (dis[i + r] == 2) rpdis1++;
    else break;
  }
  if (rdis1 == 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * kKpdisRun < (rpdis1 + rdis1);
}

}  // namespace

void LineDiff::split(std::string_view data, File& f) {
  f.recs.clear();
  const char* base = data.data();
  std::size_t size = data.size();
  std::size_t start = 0, at = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: lines are short, and a memchr() call per line
  // costs more than the search.
  const __m128i nl = _mm_set1_epi8('\n');
  for (; at + 16 <= size; at += 16) {
    auto mask = unsigned(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at)), nl)));
    while (mask) {
      std::size_t end = at + std::size_t(__builtin_ctz(mask)) + 1;
      f.recs.push_back(Rec{base + start, end - start});
      start = end;
      mask &= mask - 1;
    }
  }
#endif
  for (; at < size; ++at) {
    if (base[at] == '\n') {
      f.recs.push_back(Rec{base + start, at + 1 - start});
      start = at + 1;
    }
  }
  if (start < size) f.recs.push_back(Rec{base + start, size - start});
  f.nrec = long(f.recs.size());
  f.rchg_store.assign(std::size_t(f.nrec) + 4, 0);
  f.rchg = f.rchg_store.data() + 2;  // rchg[-2], rchg[-1] and rchg[nrec] read as unchanged
}

// The slot of the table that holds r's class, or the empty one where it
// would go.
std::size_t LineDiff::slot(const Rec& r, std::uint64_t h) const {
  std::size_t mask = table_.size() - 1;
  for (std::size_t at = std::size_t(h) & mask;; at = (at + 1) & mask) {
    std::int32_t v = table_[at];
    if (v == 0) return at;
    const Class& c = classes_[std::size_t(v - 1)];
    if (c.hash == h && c.size == r.size && std::memcmp(c.ptr, r.ptr, r.size) == 0) return at;
  }
}

// xdl_classify_record over the changed middle of both files, then the
// common head and tail counted towards the classes they share.
void LineDiff::classify() {
  classes_.clear();
  long middle = (f1_.dend - f1_.dstart + 1) + (f2_.dend - f2_.dstart + 1);
  std::size_t cap = 16;
  while (cap < std::size_t(middle) * 2) cap <<= 1;
  table_.assign(cap, 0);
  std::uint64_t sizes[16] = {};  // the lengths middle lines have, modulo 1024
  auto add = [&](File& f, bool first) {
    f.cls.assign(std::size_t(std::max<long>(0, f.dend - f.dstart + 1)), 0);
    for (long i = f.dstart; i <= f.dend; ++i) {
      const Rec& r = f.recs[std::size_t(i)];
      std::uint64_t h = hash_line(r.ptr, r.size);
      std::size_t at = slot(r, h);
      long id = long(table_[at]) - 1;
      if (id < 0) {
        id = long(classes_.size());
        classes_.push_back(Class{r.ptr, r.size, h, 0, 0});
        table_[at] = std::int32_t(id + 1);
        sizes[(r.size & 1023) >> 6] |= std::uint64_t(1) << (r.size & 63);
      }
      (first ? classes_[std::size_t(id)].len1 : classes_[std::size_t(id)].len2)++;
      f.cls[std::size_t(i - f.dstart)] = id;
    }
  };
  add(f1_, true);
  add(f2_, false);
  // The head and tail are the same lines in both files.
  auto count = [&](long from, long to) {
    for (long i = from; i < to; ++i) {
      const Rec& r = f1_.recs[std::size_t(i)];
      if (!(sizes[(r.size & 1023) >> 6] >> (r.size & 63) & 1)) continue;
      long id = long(table_[slot(r, hash_line(r.ptr, r.size))]) - 1;
      if (id >= 0) {
        classes_[std::size_t(id)].len1++;
        classes_[std::size_t(id)].len2++;
      }
    }
  };
  count(0, f1_.dstart);
  count(f1_.dend + 1, f1_.nrec);
}

// xdl_cleanup_records, for one file.
void LineDiff::cleanup(File& f, long mlim, bool first) {
  dis_.assign(std::size_t(f.nrec) + 1, 0);
  char* dis = dis_.data();
  for (long i = f.dstart; i <= f.dend; ++i) {
    const Class& c = classes_[std::size_t(f.cls[std::size_t(i - f.dstart)])];
    long nm = first ? c.len2 : c.len1;
    dis[i] = nm == 0 ? 0 : nm >= mlim ? 2 : 1;
  }
  f.rindex.clear();
  f.ha.clear();
  for (long i = f.dstart; i <= f.dend; ++i) {
    if (dis[i] == 1 || (dis[i] == 2 && !clean_mmatch(dis, i, f.dstart, f.dend))) {
      f.rindex.push_back(i);
      f.ha.push_back(static_cast<unsigned long>(f.cls[std::size_t(i - f.dstart)]));
    } else {
      f.rchg[i] = 1;
    }
  }
  f.nreff = long(f.rindex.size());
}

// xdl_split
long LineDiff::split_box(long off1, long lim1, long off2, long lim2, bool need_min, long& out_i1, long& out_i2,
                         bool& min_lo, bool& min_hi) {
  const unsigned long* ha1 = f1_.ha.data();
  const unsigned long* ha2 = f2_.ha.data();
  long* kvdf = kvdf_;
  long* kvdb = kvdb_;
  long dmin = off1 - lim2, dmax = lim1 - off2;
  long fmid = off1 - off2, bmid = lim1 - lim2;
  long odd = (fmid - bmid) & 1;
  long fmin = fmid, fmax = fmid;
  long bmin = bmid, bmax = bmid;
  long ec, d, i1, i2, prev1, best, dd, v, k;

  kvdf[fmid] = off1;
  kvdb[bmid] = lim1;

  for (ec = 1;; ec++) {
    bool got_snake = false;
    if (fmin > dmin) kvdf[--fmin - 1] = -1;
    else ++fmin;
    if (fmax < dmax) kvdf[++fmax + 1] = -1;
    else --fmax;

    for (d = fmax; d >= fmin; d -= 2) {
      if (kvdf[d - 1] >= kvdf[d + 1]) i1 = kvdf[d - 1] + 1;
      else i1 = kvdf[d + 1];
      prev1 = i1;
      i2 = i1 - d;
      for (; i1 < lim1 && i2 < lim2 && ha1[i1] == ha2[i2]; i1++, i2++) {
      }
      if (i1 - prev1 > kSnakeCnt) got_snake = true;
      kvdf[d] = i1;
      if (odd && bmin <= d && d <= bmax && kvdb[d] <= i1) {
        out_i1 = i1;
        out_i2 = i2;
        min_lo = min_hi = true;
        return ec;
      }
    }

    if (bmin > dmin) kvdb[--bmin - 1] = kLineMax;
    else ++bmin;
    if (bmax < dmax) kvdb[++bmax + 1] = kLineMax;
    else --bmax;

    for (d = bmax; d >= bmin; d -= 2) {
      if (kvdb[d - 1] < kvdb[d + 1]) i1 = kvdb[d - 1];
      else i1 = kvdb[d + 1] - 1;
      prev1 = i1;
      i2 = i1 - d;
      for (; i1 > off1 && i2 > off2 && ha1[i1 - 1] == ha2[i2 - 1]; i1--, i2--) {
      }
      if (prev1 - i1 > kSnakeCnt) got_snake = true;
      kvdb[d] = i1;
      if (!odd && fmin <= d && d <= fmax && i1 <= kvdf[d]) {
        out_i1 = i1;
        out_i2 = i2;
        min_lo = min_hi = true;
        return ec;
      }
    }

    if (need_min) continue;

    if (got_snake && ec > kHeurMinCost) {
      for (best = 0, d = fmax; d >= fmin; d -= 2) {
        dd = d > fmid ? d - fmid : fmid - d;
        i1 = kvdf[d];
        i2 = i1 - d;
        v = (i1 - off1) + (i2 - off2) - dd;
        if (v > kKHeur * ec && v > best && off1 + kSnakeCnt <= i1 && i1 < lim1 && off2 + kSnakeCnt <= i2 &&
            i2 < lim2) {
          for (k = 1; ha1[i1 - k] == ha2[i2 - k]; k++)
            if (k == kSnakeCnt) {
              best = v;
              out_i1 = i1;
              out_i2 = i2;
              break;
            }
        }
      }
      if (best > 0) {
        min_lo = true;
        min_hi = false;
        return ec;
      }
      for (best = 0, d = bmax; d >= bmin; d -= 2) {
        dd = d > bmid ? d - bmid : bmid - d;
        i1 = kvdb[d];
        i2 = i1 - d;
        v = (lim1 - i1) + (lim2 - i2) - dd;
        if (v > kKHeur * ec && v > best && off1 < i1 && i1 <= lim1 - kSnakeCnt && off2 < i2 &&
            i2 <= lim2 - kSnakeCnt) {
          for (k = 0; ha1[i1 + k] == ha2[i2 + k]; k++)
            if (k == kSnakeCnt - 1) {
              best = v;
              out_i1 = i1;
              out_i2 = i2;
              break;
            }
        }
      }
      if (best > 0) {
        min_lo = false;
        min_hi = true;
        return ec;
      }
    }

    if (ec >= mxcost_) {
      long fbest, fbest1, bbest, bbest1;
      fbest = fbest1 = -1;
      for (d = fmax; d >= fmin; d -= 2) {
        i1 = std::min(kvdf[d], lim1);
        i2 = i1 - d;
        if (lim2 < i2) i1 = lim2 + d, i2 = lim2;
        if (fbest < i1 + i2) {
          fbest = i1 + i2;
          fbest1 = i1;
        }
      }
      bbest = bbest1 = kLineMax;
      for (d = bmax; d >= bmin; d -= 2) {
        i1 = std::max(off1, kvdb[d]);
        i2 = i1 - d;
        if (i2 < off2) i1 = off2 + d, i2 = off2;
        if (i1 + i2 < bbest) {
          bbest = i1 + i2;
          bbest1 = i1;
        }
      }
      if ((lim1 + lim2) - bbest < fbest - (off1 + off2)) {
        out_i1 = fbest1;
        out_i2 = fbest - fbest1;
        min_lo = true;
        min_hi = false;
      } else {
        out_i1 = bbest1;
        out_i2 = bbest - bbest1;
        min_lo = false;
        min_hi = true;
      }
      return ec;
    }
  }
}

// xdl_recs_cmp
void LineDiff::recs_cmp(long off1, long lim1, long off2, long lim2, bool need_min) {
  const unsigned long* ha1 = f1_.ha.data();
  const unsigned long* ha2 = f2_.ha.data();
  for (; off1 < lim1 && off2 < lim2 && ha1[off1] == ha2[off2]; off1++, off2++) {
  }
  for (; off1 < lim1 && off2 < lim2 && ha1[lim1 - 1] == ha2[lim2 - 1]; lim1--, lim2--) {
  }
  if (off1 == lim1) {
    for (; off2 < lim2; off2++) f2_.rchg[f2_.rindex[std::size_t(off2)]] = 1;
  } else if (off2 == lim2) {
    for (; off1 < lim1; off1++) f1_.rchg[f1_.rindex[std::size_t(off1)]] = 1;
  } else {
    long i1 = 0, i2 = 0;
    bool min_lo = false, min_hi = false;
    split_box(off1, lim1, off2, lim2, need_min, i1, i2, min_lo, min_hi);
    recs_cmp(off1, i1, off2, i2, min_lo);
    recs_cmp(i1, lim1, i2, lim2, min_hi);
  }
}

namespace {

// struct xdlgroup and its moves, on one file.
struct Group {
  long start, end;
};

struct Side {
  const std::vector<LineDiff::Rec>& recs;
  char* rchg;
  long nrec;
  bool match(long a, long b) const { return same(recs[std::size_t(a)], recs[std::size_t(b)]); }
};

void group_init(const Side& s, Group& g) {
  g.start = g.end = 0;
  while (s.rchg[g.end]) g.end++;
}

bool group_next(const Side& s, Group& g) {  // false at the end (xdiff's -1)
  if (g.end == s.nrec) return false;
  g.start = g.end + 1;
  for (g.end = g.start; s.rchg[g.end]; g.end++) {
  }
  return true;
}

bool group_previous(const Side& s, Group& g) {
  if (g.start == 0) return false;
  g.end = g.start - 1;
  for (g.start = g.end; s.rchg[g.start - 1]; g.start--) {
  }
  return true;
}

bool group_slide_down(Side& s, Group& g) {
  if (g.end < s.nrec && s.match(g.start, g.end)) {
    s.rchg[g.start++] = 0;
    s.rchg[g.end++] = 1;
    while (s.rchg[g.end]) g.end++;
    return true;
  }
  return false;
}

bool group_slide_up(Side& s, Group& g) {
  if (g.start > 0 && s.match(g.start - 1, g.end - 1)) {
    s.rchg[--g.start] = 1;
    s.rchg[--g.end] = 0;
    while (s.rchg[g.start - 1]) g.start--;
    return true;
  }
  return false;
}

}  // namespace

// xdl_change_compact with XDF_INDENT_HEURISTIC. xdiff's BUG() checks cannot
// fire on a consistent script and are left out.
void LineDiff::compact(File& f, File& fo) {
  Side xdf{f.recs, f.rchg, f.nrec};
  Side xdfo{fo.recs, fo.rchg, fo.nrec};
  Group g, go;
  group_init(xdf, g);
  group_init(xdfo, go);
  for (;;) {
    if (g.end != g.start) {
      long groupsize, earliest_end, end_matching_other;
      do {
        groupsize = g.end - g.start;
        end_matching_other = -1;
        while (group_slide_up(xdf, g)) group_previous(xdfo, go);
        earliest_end = g.end;
        if (go.end > go.start) end_matching_other = g.end;
        for (;;) {
          if (!group_slide_down(xdf, g)) break;
          group_next(xdfo, go);
          if (go.end > go.start) end_matching_other = g.end;
        }
      } while (groupsize != g.end - g.start);

      if (g.end == earliest_end) {
        // no shifting was possible
      } else if (end_matching_other != -1) {
        while (go.end == go.start) {
          group_slide_up(xdf, g);
          group_previous(xdfo, go);
        }
      } else {
        long shift, best_shift = -1;
        SplitScore best_score;
        shift = earliest_end;
        if (g.end - groupsize - 1 > shift) shift = g.end - groupsize - 1;
        if (g.end - kIndentHeuristicMaxSliding > shift) shift = g.end - kIndentHeuristicMaxSliding;
        for (; shift <= g.end; shift++) {
          SplitMeasurement m;
          SplitScore score;
          measure_split(f.recs, f.nrec, shift, m);
          score_add_split(m, score);
          measure_split(f.recs, f.nrec, shift - groupsize, m);
          score_add_split(m, score);
          if (best_shift == -1 || score_cmp(score, best_score) <= 0) {
            best_score = score;
            best_shift = shift;
          }
        }
        while (g.end > best_shift) {
          group_slide_up(xdf, g);
          group_previous(xdfo, go);
        }
      }
    }
    if (!group_next(xdf, g)) break;
    group_next(xdfo, go);
  }
}

// xdl_emit_diff with xdl_get_hunk, for ctxlen 3, no inter-hunk context and
// no ignored changes.
void LineDiff::emit(DiffSink& out) {
  const long max_common = 2 * kContext + kInterhunk;
  std::size_t n = script_.size();
  for (std::size_t first = 0; first < n;) {
    // xdl_get_hunk: a hunk takes changes while they are close enough.
    std::size_t last = first;
    while (last + 1 < n) {
      const Change& prev = script_[last];
      const Change& next = script_[last + 1];
      if (next.i1 - (prev.i1 + prev.chg1) > max_common) break;
      ++last;
    }
    const Change& xch = script_[first];
    const Change& xche = script_[last];
    long s1 = std::max(xch.i1 - kContext, 0L);
    long s2 = std::max(xch.i2 - kContext, 0L);
    long lctx = kContext;
    lctx = std::min(lctx, f1_.nrec - (xche.i1 + xche.chg1));
    lctx = std::min(lctx, f2_.nrec - (xche.i2 + xche.chg2));
    long e1 = xche.i1 + xche.chg1 + lctx;
    long e2 = xche.i2 + xche.chg2 + lctx;
    long c1 = e1 - s1, c2 = e2 - s2;
    out.hunk(c1 ? s1 + 1 : s1, c1, c2 ? s2 + 1 : s2, c2);
    auto rec2 = [&](long i) { return std::string_view(f2_.recs[std::size_t(i)].ptr, f2_.recs[std::size_t(i)].size); };
    auto rec1 = [&](long i) { return std::string_view(f1_.recs[std::size_t(i)].ptr, f1_.recs[std::size_t(i)].size); };
    for (; s2 < xch.i2; s2++) out.line(' ', rec2(s2));
    s1 = xch.i1;
    s2 = xch.i2;
    for (std::size_t k = first;; ++k) {
      const Change& c = script_[k];
      for (; s1 < c.i1 && s2 < c.i2; s1++, s2++) out.line(' ', rec2(s2));
      for (s1 = c.i1; s1 < c.i1 + c.chg1; s1++) out.line('-', rec1(s1));
      for (s2 = c.i2; s2 < c.i2 + c.chg2; s2++) out.line('+', rec2(s2));
      if (k == last) break;
      s1 = c.i1 + c.chg1;
      s2 = c.i2 + c.chg2;
    }
    for (s2 = xche.i2 + xche.chg2; s2 < e2; s2++) out.line(' ', rec2(s2));
    first = last + 1;
  }
}

bool LineDiff::diff(std::string_view a, std::string_view b, DiffSink& out) {
  split(a, f1_);
  split(b, f2_);
  // xdl_trim_ends: the same records, found by comparing the bytes (the
  // lines are cut at the same places up to the first difference).
  long lim = std::min(f1_.nrec, f2_.nrec);
  std::size_t common = std::min(a.size(), b.size());
  std::size_t head = std::size_t(std::mismatch(a.begin(), a.begin() + std::ptrdiff_t(common), b.begin()).first - a.begin());
  long i = long(std::upper_bound(f1_.recs.begin(), f1_.recs.begin() + lim, head,
                                 [&](std::size_t h, const Rec& r) { return h < std::size_t(r.ptr + r.size - a.data()); }) -
                f1_.recs.begin());
  while (i > 0 && !same(f1_.recs[std::size_t(i - 1)], f2_.recs[std::size_t(i - 1)])) --i;
  f1_.dstart = f2_.dstart = i;
  std::size_t tail = std::size_t(std::mismatch(a.rbegin(), a.rbegin() + std::ptrdiff_t(common), b.rbegin()).first - a.rbegin());
  long j = 0;
  for (lim -= i; j < lim; ++j) {
    long i1 = f1_.nrec - 1 - j, i2 = f2_.nrec - 1 - j;
    // A record that starts inside the common tail (its '\n' before it
    // included) is the same in both; one at its edge is compared.
    if (a.size() - std::size_t(f1_.recs[std::size_t(i1)].ptr - a.data()) < tail) continue;
    if (!same(f1_.recs[std::size_t(i1)], f2_.recs[std::size_t(i2)])) break;
  }
  f1_.dend = f1_.nrec - j - 1;
  f2_.dend = f2_.nrec - j - 1;
  if (f1_.dstart > f1_.dend && f2_.dstart > f2_.dend) return false;  // identical

  classify();
  cleanup(f1_, std::min(bogosqrt(f1_.nrec), kMaxEqLimit), true);
  cleanup(f2_, std::min(bogosqrt(f2_.nrec), kMaxEqLimit), false);

  // xdl_do_diff
  long ndiags = f1_.nreff + f2_.nreff + 3;
  kvd_.assign(std::size_t(2 * ndiags + 2), 0);
  kvdf_ = kvd_.data() + f2_.nreff + 1;
  kvdb_ = kvd_.data() + ndiags + f2_.nreff + 1;
  mxcost_ = std::max(bogosqrt(ndiags), kMaxCostMin);
  recs_cmp(0, f1_.nreff, 0, f2_.nreff, false);

  compact(f1_, f2_);
  compact(f2_, f1_);

  // xdl_build_script
  script_.clear();
  const char* rchg1 = f1_.rchg;
  const char* rchg2 = f2_.rchg;
  for (long i1 = f1_.nrec, i2 = f2_.nrec; i1 >= 0 || i2 >= 0; i1--, i2--) {
    if (rchg1[i1 - 1] || rchg2[i2 - 1]) {
      long l1 = i1, l2 = i2;
      for (; rchg1[i1 - 1]; i1--) {
      }
      for (; rchg2[i2 - 1]; i2--) {
      }
      script_.push_back(Change{i1, i2, l1 - i1, l2 - i2});
    }
  }
  if (script_.empty()) return false;
  std::reverse(script_.begin(), script_.end());
  emit(out);
  return true;
}

}  // namespace beaver::git
