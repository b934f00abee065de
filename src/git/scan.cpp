#include "git/scan.h"

#include "git/diff.h"
#include "git/pack_backend.h"
#include "util/error.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace beaver::git {

void scan(const Repository& repo, const std::vector<Oid>& commits, const ScanOptions& options) {
  // Workers take 16 commits at a time: small enough to keep both busy to the
  // end of a batch (measured: larger slices gain no locality).
  constexpr std::size_t kSlice = 16;
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  std::size_t chunk = std::max<std::size_t>(1, options.chunk_size);
  std::size_t done_total = 0;
  for (std::size_t base = 0; base < commits.size(); base += chunk) {
    std::size_t end = std::min(commits.size(), base + chunk);
    auto t_batch = std::chrono::steady_clock::now();
    std::vector<ScanResult> results(end - base);
    std::atomic<std::size_t> next{base};
    std::atomic<std::size_t> progress{0};
    std::mutex fallback_mutex;
    std::vector<std::size_t> fallback;
    std::vector<std::string> errors(threads);

    auto worker = [&](unsigned t) {
      git_repository* raw = nullptr;
      if (git_repository_open_bare(&raw, repo.git_dir().c_str()) != 0) {
        errors[t] = last_error();
        return;
      }
      std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>> own(raw);
      if (!std::getenv("BEAVER_NO_PACK_BACKEND")) {
        PackBackendOptions po;
        po.delta_cache_bytes = std::size_t(96) << 20;
        install_pack_backend(raw, po);
      }
      PatchParser parser;
      DiffSettings settings = diff_settings_for(raw);
      for (;;) {
        std::size_t i = next.fetch_add(kSlice);
        if (i >= end) break;
        for (std::size_t k = i; k < std::min(end, i + kSlice); ++k) {
          ScanResult& r = results[k - base];
          r.commit = commits[k];
          if (options.with_info) {
            try {
              r.info = read_commit_info(raw, commits[k]);
            } catch (const std::exception& e) {
              r.info.id = commits[k];
              r.error = e.what();
            }
          }
          DiffRender d = render_diff(raw, commits[k], settings, &parser);
          r.merge = d.merge;
          if (r.error.empty()) r.error = std::move(d.error);
          if (d.needs_git) {
            std::lock_guard lock(fallback_mutex);
            fallback.push_back(k - base);
          } else if (r.error.empty() && !d.merge) {
            r.fp = parser.finish();
          } else {
            parser.reset();
          }
        }
        progress.fetch_add(std::min(end, i + kSlice) - i);
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker, t);
    if (options.on_progress) {
      while (progress.load() < end - base) {
        options.on_progress(done_total + progress.load(), commits.size());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        bool any_error = false;
        for (auto& e : errors) any_error |= !e.empty();
        if (any_error) break;
      }
    }
    for (auto& th : pool) th.join();
    for (auto& e : errors)
      if (!e.empty()) throw Error("{}: cannot open the repository: {}", repo.path(), e);

    auto t_fallback = std::chrono::steady_clock::now();
    if (std::getenv("BEAVER_TRACE"))
      std::fprintf(stderr, "beaver: trace: batch libgit2 pass %.3fs\n",
                   std::chrono::duration<double>(t_fallback - t_batch).count());
    if (!fallback.empty()) {
      // Split the commits git must render among `threads` git processes.
      std::sort(fallback.begin(), fallback.end());
      std::vector<std::vector<Oid>> parts(std::min<std::size_t>(threads, fallback.size()));
      for (std::size_t j = 0; j < fallback.size(); ++j) parts[j % parts.size()].push_back(results[fallback[j]].commit);
      std::unordered_map<Oid, std::size_t, OidHash> where;
      for (std::size_t j : fallback) where[results[j].commit] = j;
      std::vector<std::thread> gits;
      std::vector<std::string> git_errors(parts.size());
      for (std::size_t p = 0; p < parts.size(); ++p) {
        gits.emplace_back([&, p] {
          PatchParser parser;
          try {
            git_diff_tree_batch(repo, parts[p], [&](BatchResult&& b) {
              ScanResult& r = results[where.at(b.commit)];
              r.by_git = true;
              r.error = std::move(b.error);
              if (r.error.empty()) {
                parser.text(b.text);
                r.fp = parser.finish();
              }
            });
          } catch (const std::exception& e) {
            git_errors[p] = e.what();
          }
        });
      }
      for (auto& th : gits) th.join();
      for (auto& e : git_errors)
        if (!e.empty()) throw Error("{}", e);
    }
    if (std::getenv("BEAVER_TRACE"))
      std::fprintf(stderr, "beaver: trace: batch of %zu: %zu by git, git took %.3fs\n", end - base, fallback.size(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t_fallback).count());
    done_total = end;
    if (options.on_progress) options.on_progress(done_total, commits.size());
    if (options.on_chunk) options.on_chunk(results);
  }
}

}  // namespace beaver::git
