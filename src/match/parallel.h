// Judging many commits on every core. SQLite connections, diff caches and
// matchers are not thread-safe, so each worker gets its own, built once.
#pragma once

#include "index/index.h"
#include "match/patch_lines.h"
#include "match/upstream.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace beaver::match {

struct ParallelStats {
  MatchStats match;
  std::size_t rendered = 0;  // diffs rendered, all workers
  std::size_t workers = 0;
};

// Calls fn(matcher, k) for k in [0, n), each k once, on up to one worker per
// core (fewer for small n). `progress(done, n)`, when given, is called under
// a lock. The first exception thrown by fn stops the others and is rethrown.
template <typename Fn>
ParallelStats for_each_matched(const git::Repository& repo, const std::string& index_path,
                               const std::vector<bool>& in_upstream, std::size_t n, Fn&& fn,
                               const std::function<void(std::size_t, std::size_t)>& progress = {}) {
  ParallelStats stats;
  stats.workers = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), std::max<std::size_t>(1, n / 32));
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr failure;
  std::size_t done = 0;
  auto work = [&] {
    try {
      index::Database db = index::open_for_reading(index_path);
      DiffCache diffs(repo, /*keep_text=*/false);
      UpstreamMatcher matcher(db, diffs, in_upstream);
      for (std::size_t k; (k = next++) < n;) {
        fn(matcher, k);
        if (progress) {
          std::lock_guard lock(mutex);
          progress(++done, n);
        }
      }
      std::lock_guard lock(mutex);
      stats.match.candidates += matcher.stats().candidates;
      stats.match.common_keys += matcher.stats().common_keys;
      stats.rendered += diffs.rendered();
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < stats.workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return stats;
}

}  // namespace beaver::match
