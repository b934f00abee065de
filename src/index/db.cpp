#include "index/db.h"

#include "util/error.h"

#include <fmt/format.h>

namespace beaver::index {

namespace {

// What to do about an error, by its code: a damaged file must never be
// reported as a plain query failure (nor a read-only one as damage).
std::string advice(int code) {
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return " (the index file is damaged: `beaver index --verify` checks it, `beaver index --rebuild` builds it again)";
    case SQLITE_READONLY:
      return " (the index or its directory is read-only: commands that only read still work; `beaver index` needs write access)";
    case SQLITE_FULL:
      return " (the disk is full: free space and run the command again; what was written is kept)";
    case SQLITE_IOERR:
      return " (an I/O error while reading or writing the index file)";
    default:
      return "";
  }
}

}  // namespace

// Opens `name` (a path, or a file: URI) with `flags`; errors name `path`.
Database Database::open_with(const std::string& path, const std::string& name, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw, sqlite3_close_v2);
  db.path_ = path;
  if (rc != SQLITE_OK)
    throw Error("{}: cannot open the index: {}{}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc), advice(rc));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 60000);
  return db;
}

Database Database::open(const std::string& path, bool create) {
  return open_with(path, path, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
}

Database Database::open_read_only(const std::string& path, bool immutable) {
  // A URI, so that `immutable` can be said: the file is read as it is, with
  // no -shm or -wal beside it (a read-only directory cannot hold them).
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02X}", c);
    else uri += char(c);
  }
  uri += immutable ? "?immutable=1" : "?mode=ro";
  return open_with(path, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
}

void Database::fail(std::string_view what) const {
  int code = sqlite3_extended_errcode(db_.get());
  throw Error("{}: {}: {}{}", path_, what, sqlite3_errmsg(db_.get()), advice(code));
}

void Database::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error("{}: {}{}", path_, msg, advice(rc));
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    fail(std::string("preparing '") + std::string(sql.substr(0, 60)) + "'");
  return Statement(*this, s);
}

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_.get(), i, v);
  return *this;
}
Statement& Statement::bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_.get(), i, text.data(), int(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_blob(int i, const void* data, std::size_t len) {
  sqlite3_bind_blob(stmt_.get(), i, data, int(len), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_.get(), i);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail("query");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Statement::text(int col) const {
  auto p = sqlite3_column_text(stmt_.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(stmt_.get(), col))) : "";
}

std::string_view Statement::blob(int col) const {
  auto p = static_cast<const char*>(sqlite3_column_blob(stmt_.get(), col));
  return p ? std::string_view(p, std::size_t(sqlite3_column_bytes(stmt_.get(), col))) : std::string_view{};
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace beaver::index
