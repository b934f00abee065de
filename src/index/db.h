// A small RAII layer over SQLite: one connection, prepared statements, and
// errors that name the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace beaver::index {

class Statement;

class Database {
public:
  Database() = default;
  // Opens (creating when asked) the file; throws beaver::Error naming it.
  static Database open(const std::string& path, bool create);
  // Opens for reading only; `immutable` reads the file as it is, without the
  // -shm and -wal files WAL mode keeps beside it (for a read-only directory).
  static Database open_read_only(const std::string& path, bool immutable);
  sqlite3* get() const { return db_.get(); }
  const std::string& path() const { return path_; }
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  std::int64_t last_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
  [[noreturn]] void fail(std::string_view what) const;

private:
  static Database open_with(const std::string& path, const std::string& name, int flags);
  std::shared_ptr<sqlite3> db_;
  std::string path_;
};

class Statement {
public:
  Statement(const Database& db, sqlite3_stmt* s) : db_(&db), stmt_(s, sqlite3_finalize) {}
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view text);
  Statement& bind_blob(int i, const void* data, std::size_t len);
  Statement& bind_null(int i);
  // Steps once: true while a row is available.
  bool step();
  // Steps to completion (for statements without results) and resets.
  void run();
  void reset();
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  std::string text(int col) const;
  std::string_view blob(int col) const;
  sqlite3_stmt* handle() const { return stmt_.get(); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }

private:
  const Database* db_;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when an exception leaves the scope.
class Transaction {
public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

private:
  Database& db_;
  bool done_ = false;
};

}  // namespace beaver::index
