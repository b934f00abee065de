// How every matcher command starts: the index brought up to date for the
// tips it looks at (instant when nothing changed), opened for reading, with
// the commit graph in memory.
#pragma once

#include "git/repository.h"
#include "index/index.h"
#include "index/query.h"
#include "match/graph.h"

#include <functional>
#include <string>
#include <vector>

namespace beaver::match {

class IndexView {
public:
  IndexView(const git::Repository& repo, const std::vector<git::Oid>& tips, const std::string& index_path,
            const std::function<void(std::size_t, std::size_t)>& on_progress)
      : path_(update(repo, tips, index_path, on_progress)),
        db(index::open_for_reading(path_)),
        reader(db),
        graph(db) {}
  IndexView(const IndexView&) = delete;
  IndexView& operator=(const IndexView&) = delete;

  const std::string& path() const { return path_; }

private:
  static std::string update(const git::Repository& repo, const std::vector<git::Oid>& tips, const std::string& index_path,
                            const std::function<void(std::size_t, std::size_t)>& on_progress) {
    index::UpdateOptions uo;
    uo.index_path = index_path;
    for (auto& t : tips) uo.revs.push_back(t.hex());
    uo.on_progress = on_progress;
    return index::update(repo, uo).index_path;
  }
  std::string path_;

public:
  index::Database db;
  index::Reader reader;
  CommitGraph graph;
};

}  // namespace beaver::match
