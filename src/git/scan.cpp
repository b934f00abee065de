#include "git/scan.h"

#include "util/trace.h"

#include "git/diff.h"
#include "git/pack_backend.h"
#include "util/error.h"

#include <atomic>
#include <chrono>
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

// A batch whose libgit2 pass is done and whose git fallback runs in the
// background while the next batch's libgit2 pass goes on.
struct Batch {
  std::unique_ptr<std::vector<ScanResult>> results;
  std::unordered_map<Oid, std::size_t, OidHash> where;
  std::vector<std::thread> gits;
  std::vector<std::string> errors;
  std::size_t end = 0, by_git = 0;
  std::chrono::steady_clock::time_point started;
};

}  // namespace

void scan(const Repository& repo, const std::vector<Oid>& commits, const ScanOptions& options) {
  // Workers take 16 commits at a time: small enough to keep every core busy
  // to the end of a batch (measured: larger slices gain no locality).
  constexpr std::size_t kSlice = 16;
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  std::size_t chunk = std::max<std::size_t>(1, options.chunk_size);

  std::vector<Worker> workers(threads);
  for (auto& w : workers) {
    git_repository* raw = nullptr;
    if (git_repository_open_bare(&raw, repo.git_dir().c_str()) != 0)
      throw Error("{}: cannot open the repository: {}", repo.path(), last_error());
    w.repo.reset(raw);
    PackBackendOptions po;
    po.delta_cache_bytes = std::size_t(32) << 20;
    install_pack_backend(raw, po);
    w.settings = diff_settings_for(raw);
  }
  // One long-lived `git diff-tree` per core for the commits only git renders.
  std::vector<std::unique_ptr<DiffTreeSession>> sessions;
  for (unsigned t = 0; t < threads; ++t) sessions.push_back(std::make_unique<DiffTreeSession>(repo));

  std::unique_ptr<Batch> pending;  // on the heap: its git threads point into it
  auto deliver = [&](Batch& b) {
    for (auto& th : b.gits) th.join();
    b.gits.clear();
    for (auto& e : b.errors)
      if (!e.empty()) throw Error("{}", e);
    if (tracing())
      std::fprintf(stderr, "beaver: trace: batch ending at %zu: %zu by git, %.3fs after its libgit2 pass\n", b.end,
                   b.by_git, since(b.started));
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
    std::vector<std::size_t> fallback;

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
          if (d.needs_git) {
            std::lock_guard lock(fallback_mutex);
            fallback.push_back(k - base);
          } else if (r.error.empty() && !d.merge) {
            r.fp = w.parser.finish();
          } else {
            w.parser.reset();
          }
        }
        progress.fetch_add(std::min(end, i + kSlice) - i);
      }
    };
    std::vector<std::thread> pool;
    for (auto& w : workers) pool.emplace_back(work, std::ref(w));
    if (options.on_progress) {
      while (progress.load() < end - base) {
        options.on_progress(base + progress.load(), commits.size());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
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
    b.by_git = fallback.size();
    b.started = std::chrono::steady_clock::now();
    if (!fallback.empty()) {
      std::sort(fallback.begin(), fallback.end());
      std::size_t nparts = std::min<std::size_t>(threads, fallback.size());
      auto parts = std::make_shared<std::vector<std::vector<Oid>>>(nparts);
      for (std::size_t j = 0; j < fallback.size(); ++j) (*parts)[j % nparts].push_back((*b.results)[fallback[j]].commit);
      for (std::size_t j : fallback) b.where[(*b.results)[j].commit] = j;
      b.errors.resize(nparts);
      for (std::size_t p = 0; p < nparts; ++p) {
        auto* res = b.results.get();
        auto* where = &b.where;
        auto* err = &b.errors[p];
        DiffTreeSession* session = sessions[p].get();
        b.gits.emplace_back([res, where, err, session, parts, p] {
          PatchParser parser;
          try {
            session->run((*parts)[p], [&](BatchResult&& out) {
              ScanResult& r = (*res)[where->at(out.commit)];
              r.by_git = true;
              r.error = std::move(out.error);
              if (r.error.empty()) {
                parser.text(out.text);
                r.fp = parser.finish();
              }
            });
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
}

}  // namespace beaver::git
