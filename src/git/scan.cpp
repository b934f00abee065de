#include "git/scan.h"

#include "util/trace.h"

#include "git/diff.h"
#include "git/pack_backend.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace beaver::git {

namespace {

using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;


double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// One worker's libgit2 handle, kept for the whole scan so that its caches
// (parsed trees, delta bases) carry over from batch to batch.
struct Worker {
  RepoPtr repo;
  DiffSettings settings;
  PatchParser parser;
};

// What a background thread needs: a libgit2 handle of its own, and git
// processes kept for the whole scan.
struct Helper {
  Worker worker;
  std::unique_ptr<RawSession> raw;
  std::unique_ptr<DiffTreeSession> git;
};

// A batch whose libgit2 pass is done and whose commits that need git (its
// file pairs, or its whole diff) go on in the background while the next
// batch's libgit2 pass runs.
struct Batch {
  std::unique_ptr<std::vector<ScanResult>> results;
  std::unordered_map<Oid, std::size_t, OidHash> where;
  std::vector<std::thread> gits;
  std::vector<std::string> errors;
  std::size_t end = 0, by_git = 0, with_pairs = 0;
  std::chrono::steady_clock::time_point started;
};

}  // namespace

void warn_partial_clone(const Repository& repo) {
  const std::string& remote = repo.promisor_remote();
  warn_once(fmt::format(
      "{} is a partial clone (promisor remote '{}'): the blobs it left out are missing and beaver never fetches them "
      "(git would, one request at a time); to fill it: git -C {} config --unset remote.{}.partialclonefilter && git -C "
      "{} fetch --refetch {}",
      repo.path(), remote, repo.path(), remote, repo.path(), remote));
}

void scan(const Repository& repo, const std::vector<Oid>& commits, const ScanOptions& options) {
  // Workers take 16 commits at a time: small enough to keep every core busy
  // to the end of a batch (measured: larger slices gain no locality).
  constexpr std::size_t kSlice = 16;
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  // Each worker holds a repository handle, a delta cache and git helpers:
  // thousands of them only cost memory (the command line bounds -j too).
  threads = std::clamp(threads, 1u, 256u);
  std::size_t chunk = std::max<std::size_t>(1, options.chunk_size);

  auto open_worker = [&](Worker& w) {
    git_repository* raw = repo.open_handle();
    w.repo.reset(raw);
    PackBackendOptions po;
    po.delta_cache_bytes = std::size_t(32) << 20;
    install_pack_backend(raw, po);
    w.settings = diff_settings_for(raw);
    w.settings.all_by_git = options.git_diff.follow_config;
  };
  std::vector<Worker> workers(threads);
  for (auto& w : workers) open_worker(w);
  // Per core, for the commits that need git: a handle and its processes,
  // started on first need.
  std::vector<std::unique_ptr<Helper>> helpers;
  for (unsigned t = 0; t < threads; ++t) helpers.push_back(std::make_unique<Helper>());

  std::unique_ptr<Batch> pending;  // on the heap: its git threads point into it
  bool missing_in_partial_clone = false;
  auto deliver = [&](Batch& b) {
    for (auto& th : b.gits) th.join();
    b.gits.clear();
    for (auto& e : b.errors)
      if (!e.empty()) throw Error("{}", e);
    if (tracing())
      std::fprintf(stderr, "beaver: trace: batch ending at %zu: %zu with git's file pairs, %zu by git, %.3fs after its libgit2 pass\n",
                   b.end, b.with_pairs, b.by_git, since(b.started));
    if (repo.partial())
      for (auto& r : *b.results)
        if (!r.error.empty()) missing_in_partial_clone = true;
    if (options.on_progress) options.on_progress(b.end, commits.size());
    if (options.on_chunk) options.on_chunk(*b.results);
  };
  struct JoinOnExit {  // never leave a git thread running when an exception unwinds
    std::unique_ptr<Batch>& p;
    ~JoinOnExit() {
      if (p)
        for (auto& th : p->gits)
          if (th.joinable()) th.join();
    }
  } join_on_exit{pending};

  for (std::size_t base = 0; base < commits.size(); base += chunk) {
    std::size_t end = std::min(commits.size(), base + chunk);
    auto t_batch = std::chrono::steady_clock::now();
    auto results = std::make_unique<std::vector<ScanResult>>(end - base);
    std::atomic<std::size_t> next{base};
    std::atomic<std::size_t> progress{0};
    std::mutex fallback_mutex;
    std::vector<std::size_t> fallback, need_pairs;

    auto work = [&](Worker& w) {
      for (;;) {
        std::size_t i = next.fetch_add(kSlice);
        if (i >= end) break;
        for (std::size_t k = i; k < std::min(end, i + kSlice); ++k) {
          ScanResult& r = (*results)[k - base];
          r.commit = commits[k];
          if (options.with_info) {
            try {
              r.info = read_commit_info(w.repo.get(), commits[k]);
            } catch (const std::exception& e) {
              r.info.id = commits[k];
              r.error = e.what();
            }
          }
          DiffRender d = render_diff(w.repo.get(), commits[k], w.settings, &w.parser);
          r.merge = d.merge;
          if (r.error.empty()) r.error = std::move(d.error);
          if (d.needs_git || d.needs_pairs) {
            std::lock_guard lock(fallback_mutex);
            (d.needs_git ? fallback : need_pairs).push_back(k - base);
          } else if (r.error.empty() && !d.merge) {
            r.fp = w.parser.finish();
          } else {
            w.parser.reset();
          }
        }
        progress.fetch_add(std::min(end, i + kSlice) - i);
      }
    };
    // The calling thread reports progress every 100 ms and wakes as soon as
    // the last worker is done (a plain sleep idled both cores for half a
    // tick per batch).
    std::mutex done_mutex;
    std::condition_variable done_cv;
    unsigned running = unsigned(workers.size());
    std::vector<std::thread> pool;
    for (auto& w : workers)
      pool.emplace_back([&, wp = &w] {
        work(*wp);
        std::lock_guard lock(done_mutex);
        if (--running == 0) done_cv.notify_one();
      });
    {
      std::unique_lock lock(done_mutex);
      while (!done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; }))
        if (options.on_progress) options.on_progress(base + progress.load(), commits.size());
    }
    for (auto& th : pool) th.join();
    if (tracing()) std::fprintf(stderr, "beaver: trace: batch libgit2 pass %.3fs\n", since(t_batch));

    // The previous batch's git work ran alongside this pass: hand it over.
    if (pending) {
      deliver(*pending);
      pending.reset();
    }

    auto batch = std::make_unique<Batch>();
    Batch& b = *batch;
    b.results = std::move(results);
    b.end = end;
    b.with_pairs = need_pairs.size();
    b.by_git = fallback.size();
    b.started = std::chrono::steady_clock::now();
    if (!fallback.empty() || !need_pairs.empty()) {
      // Each background thread takes every nparts-th commit of both lists.
      std::sort(fallback.begin(), fallback.end());
      std::sort(need_pairs.begin(), need_pairs.end());
      std::size_t nparts = std::min<std::size_t>(threads, std::max(fallback.size(), need_pairs.size()));
      struct Part {
        std::vector<Oid> pairs, git;
      };
      auto parts = std::make_shared<std::vector<Part>>(nparts);
      for (std::size_t j = 0; j < need_pairs.size(); ++j)
        (*parts)[j % nparts].pairs.push_back((*b.results)[need_pairs[j]].commit);
      for (std::size_t j = 0; j < fallback.size(); ++j)
        (*parts)[j % nparts].git.push_back((*b.results)[fallback[j]].commit);
      for (std::size_t j : fallback) b.where[(*b.results)[j].commit] = j;
      for (std::size_t j : need_pairs) b.where[(*b.results)[j].commit] = j;
      b.errors.resize(nparts);
      for (std::size_t p = 0; p < nparts; ++p) {
        auto* res = b.results.get();
        auto* where = &b.where;
        auto* err = &b.errors[p];
        Helper* h = helpers[p].get();
        b.gits.emplace_back([res, where, err, h, parts, p, &repo, &open_worker, &options] {
          Part& part = (*parts)[p];
          try {
            if (!part.pairs.empty()) {
              if (!h->worker.repo) open_worker(h->worker);
              if (!h->raw) h->raw = std::make_unique<RawSession>(repo);
              h->raw->run(part.pairs, [&](PairsResult&& got) {
                ScanResult& r = (*res)[where->at(got.commit)];
                if (!got.error.empty()) {  // git could not say: let it render the whole diff
                  part.git.push_back(got.commit);
                  return;
                }
                DiffRender d = render_diff(h->worker.repo.get(), got.commit, h->worker.settings, &h->worker.parser,
                                           &got.pairs);
                if (d.needs_git || d.needs_pairs) {
                  h->worker.parser.reset();
                  part.git.push_back(got.commit);
                  return;
                }
                r.with_pairs = true;
                r.error = std::move(d.error);
                if (r.error.empty()) r.fp = h->worker.parser.finish();
                else h->worker.parser.reset();
              });
            }
            if (!part.git.empty()) {
              if (!h->git) h->git = std::make_unique<DiffTreeSession>(repo, options.git_diff);
              PatchParser parser;
              h->git->run(part.git, [&](BatchResult&& out) {
                ScanResult& r = (*res)[where->at(out.commit)];
                r.by_git = true;
                r.error = std::move(out.error);
                if (r.error.empty()) {
                  parser.text(out.text);
                  r.fp = parser.finish();
                } else {
                  parser.reset();
                }
              });
            }
          } catch (const std::exception& e) {
            *err = e.what();
          }
        });
      }
    }
    pending = std::move(batch);
  }
  if (pending) {
    deliver(*pending);
    pending.reset();
  }
  if (missing_in_partial_clone) warn_partial_clone(repo);
  if (tracing())
    for (auto& w : workers) {
      PackBackendStats st = pack_backend_stats(w.repo.get());
      std::fprintf(stderr, "beaver: trace: worker pack reads %llu, inflated %llu, deltas %llu, cache hits %llu\n",
                   (unsigned long long)st.reads, (unsigned long long)st.inflated,
                   (unsigned long long)st.deltas_applied, (unsigned long long)st.cache_hits);
    }
}

}  // namespace beaver::git
