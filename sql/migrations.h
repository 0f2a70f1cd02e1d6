// Private to sql/: the migrations of sql/migrations/*.sql, embedded in the binary at build time
// (sql/CMakeLists.txt generates migrations_embedded.cpp), so an installed rxgate migrates without
// the source tree. Ordered by version; the version is the file name's numeric prefix.
#pragma once

#include <span>
#include <string_view>

namespace rxgate::store::detail {

struct embedded_migration {
  int version = 0;
  std::string_view name;  // file name, e.g. "0001_claims.sql"
  std::string_view sql;   // the whole file
};

std::span<const embedded_migration> embedded_migrations() noexcept;

}  // namespace rxgate::store::detail
