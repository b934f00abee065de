// SPDX-License-Identifier: LGPL-2.1-or-later
// Derived from LibXDiff, Copyright (C) 2003 Davide Libenzi, as changed by
// the git project (git/xdiff/, v2.39); this port is under the same licence.
// Line diff of two buffers exactly as git's xdiff computes it for
// `git log -p`: Myers with xdiff's heuristics, the indent heuristic, 3 lines
// of context, no inter-hunk context, no whitespace options.
//
// This is a C++ port of the parts of git 2.39's xdiff/ (LibXDiff by Davide
// Libenzi, LGPL-2.1-or-later, with git's changes) that this configuration
// uses: xprepare.c (classification, trimming, discarding), xdiffi.c
// (xdl_split, xdl_recs_cmp, xdl_change_compact with the indent heuristic,
// xdl_build_script) and xemit.c (xdl_get_hunk, xdl_emit_diff). The output is
// the same; what differs is the work:
//  - lines of the common head and tail are not classified one by one. xdiff
//    trims them anyway before diffing; they only count towards how often a
//    line of the changed middle occurs in the other file (which decides
//    xdiff's discarding), so each is looked up, never inserted, and only when
//    its length is one that a middle line has;
//  - lines compare by content where xdiff compares class ids (the same
//    thing without whitespace options);
//  - buffers are kept from one diff to the next.
// Being faster than libgit2's copy of xdiff is the point: it is most of what
// `beaver index` spends per commit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace beaver::git {

// Receives the diff. Hunk starts are 1-based as in "@@ -s,c +s,c @@", with
// xdiff's rule that an empty side names the line before it.
class DiffSink {
public:
  virtual ~DiffSink() = default;
  virtual void hunk(long old_start, long old_count, long new_start, long new_count) = 0;
  // One line: sign ' ', '-' or '+', and the line with its '\n' when it has one.
  virtual void line(char sign, std::string_view text) = 0;
};

class LineDiff {
public:
  // Diffs a against b; returns false when nothing differs.
  bool diff(std::string_view a, std::string_view b, DiffSink& out);

  struct Rec {
    const char* ptr;
    std::size_t size;
  };
  struct Change {
    long i1, i2, chg1, chg2;
  };

private:
  struct File {
    std::vector<Rec> recs;
    std::vector<char> rchg_store;  // rchg with a sentinel at -1 and nrec
    char* rchg = nullptr;
    std::vector<long> rindex;
    std::vector<unsigned long> ha;
    long nrec = 0, dstart = 0, dend = -1, nreff = 0;
    std::vector<long> cls;  // class of each middle record
  };
  struct Class {
    const char* ptr;
    std::size_t size;
    std::uint64_t hash;
    long len1, len2;
  };
  void split(std::string_view data, File& f);
  void classify();
  std::size_t slot(const Rec& r, std::uint64_t h) const;
  void cleanup(File& f, long mlim, bool first);
  void recs_cmp(long off1, long lim1, long off2, long lim2, bool need_min);
  long split_box(long off1, long lim1, long off2, long lim2, bool need_min, long& i1, long& i2, bool& min_lo,
                 bool& min_hi);
  void compact(File& f, File& fo);
  void emit(DiffSink& out);

  File f1_, f2_;
  std::vector<Class> classes_;
  std::vector<std::int32_t> table_;  // open addressing: class index + 1, 0 = empty
  std::vector<long> kvd_;
  long* kvdf_ = nullptr;
  long* kvdb_ = nullptr;
  long mxcost_ = 0;
  std::vector<char> dis_;
  std::vector<Change> script_;
};

}  // namespace beaver::git
