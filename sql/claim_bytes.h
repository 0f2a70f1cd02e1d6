// The raw request and response of a claim as the claims table stores them (migration 0028).
//
// A stored value is either a zstd frame or the bytes as they are:
// - a frame made with one of the database's dictionaries (claim_dictionaries; the frame header
//   names the dictionary's id), once `rxgate dictionaries train` has made one for its kind;
// - a frame without a dictionary (id 0), only for a value that would otherwise be mistaken for a
//   frame (its first four bytes are zstd's magic number: a garbled transmission can be anything);
// - the bytes as they are: rows written before any dictionary existed, or with none for the kind.
// NCPDP transmissions are printable text with separators, so they never begin with the magic.
//
// Internal to sql/. A dictionary_set is immutable once built and shared between threads; a packer
// or an unpacker keeps a zstd context and is used by one thread at a time (a writer connection, a
// reader connection). Neither allocates per value once its buffers have grown.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sql/store.h"

namespace pqxx {
class transaction_base;
}

namespace rxgate::store {

enum class bytes_kind : std::uint8_t { request, response };
std::string_view to_string(bytes_kind k) noexcept;  // "request" | "response"

// zstd reserves dictionary ids below 32768 for a registry; ours start there.
inline constexpr std::uint32_t first_dictionary_id = 32768;

class dictionary_set {
 public:
  dictionary_set();
  ~dictionary_set();
  dictionary_set(const dictionary_set&) = delete;
  dictionary_set& operator=(const dictionary_set&) = delete;

  // Adds a dictionary as claim_dictionaries holds it. errc::invalid when zstd refuses the bytes
  // or their own id differs from `id` (a row that does not hold the dictionary it names).
  error add(std::uint32_t id, bytes_kind kind, std::string_view dictionary);

  bool has(std::uint32_t id) const noexcept;
  // The id new values of `kind` are packed with: the highest of that kind, 0 when there is none.
  std::uint32_t newest(bytes_kind kind) const noexcept;
  std::size_t size() const noexcept;

  struct entry;

 private:
  friend class packer;
  friend class unpacker;
  std::map<std::uint32_t, std::unique_ptr<entry>> by_id_;
  std::uint32_t newest_[2] = {0, 0};
};

class packer {
 public:
  explicit packer(std::shared_ptr<const dictionary_set> dictionaries);
  ~packer();
  packer(const packer&) = delete;
  packer& operator=(const packer&) = delete;

  // The value to store for `raw`: a view into `raw` itself or into this packer's buffer, valid
  // until the next pack(). Never fails: if zstd does, the bytes are stored as they are (or, when
  // they begin with the magic, in a frame without a dictionary).
  std::string_view pack(bytes_kind kind, std::string_view raw);

  const dictionary_set& dictionaries() const noexcept { return *dictionaries_; }

 private:
  std::shared_ptr<const dictionary_set> dictionaries_;
  void* cctx_ = nullptr;
  std::string buffer_;
};

class unpacker {
 public:
  unpacker();
  ~unpacker();
  unpacker(const unpacker&) = delete;
  unpacker& operator=(const unpacker&) = delete;

  // The dictionaries frames are read with; replace them when one is missing (missing_dictionary).
  void use(std::shared_ptr<const dictionary_set> dictionaries) { dictionaries_ = std::move(dictionaries); }
  const std::shared_ptr<const dictionary_set>& dictionaries() const noexcept { return dictionaries_; }

  // The raw bytes of a stored value into `out`. errc::not_found with `missing_dictionary` set when
  // the frame names a dictionary this set does not hold (load it and call again); errc::internal
  // for a frame zstd cannot read.
  error unpack(std::string_view stored, std::string& out, std::uint32_t& missing_dictionary);

  // The dictionary id a stored value was packed with: 0 for a frame without one, -1 for a value
  // stored as it is.
  static std::int64_t dictionary_of(std::string_view stored) noexcept;

 private:
  std::shared_ptr<const dictionary_set> dictionaries_;
  void* dctx_ = nullptr;
};

// Every dictionary of claim_dictionaries, read in `w` (a statement named "claim_dictionaries" that
// the caller's connection prepared as sql_claim_dictionaries). Throws as libpqxx does, and
// std::runtime_error for a row zstd refuses: call it where libpqxx calls are caught.
inline constexpr const char* sql_claim_dictionaries =
    "SELECT id, kind, dictionary FROM claim_dictionaries ORDER BY id";
std::shared_ptr<const dictionary_set> load_dictionaries(pqxx::transaction_base& w);
// The newest dictionary's id, 0 without any: whether load_dictionaries has something new.
inline constexpr const char* sql_claim_dictionaries_newest = "SELECT coalesce(max(id), 0) FROM claim_dictionaries";

// Trains one dictionary of `kind` over `samples` (raw values) with the id `id`, at most
// `max_bytes` long. errc::invalid when zstd cannot (too few or too uniform samples).
error train_dictionary(const std::vector<std::string>& samples, std::uint32_t id, std::size_t max_bytes,
                       std::string& dictionary);

}  // namespace rxgate::store
