#include "sql/claim_bytes.h"

#include <zdict.h>
#include <zstd.h>

#include <cstring>
#include <pqxx/pqxx>
#include <stdexcept>

#include "sql/pg.h"

namespace rxgate::store {
namespace {

// Level 3 (zstd's default): on claims of a few hundred bytes with a dictionary, higher levels
// gain a few per cent for several times the CPU (bench/RESULTS.md, the zstd section).
constexpr int pack_level = 3;
// No stored value is larger than a transmission the server accepts; a frame that says otherwise
// is not ours.
constexpr unsigned long long max_unpacked = 1 << 20;

bool starts_with_magic(std::string_view v) noexcept {
  if (v.size() < 4) return false;
  std::uint32_t m = 0;
  std::memcpy(&m, v.data(), 4);
  return m == ZSTD_MAGICNUMBER;  // little-endian on every target we build for
}

error invalid(std::string message) { return {errc::invalid, std::move(message)}; }

}  // namespace

struct dictionary_set::entry {
  bytes_kind kind;
  ZSTD_CDict* cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
  ~entry() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
  }
};

std::string_view to_string(bytes_kind k) noexcept { return k == bytes_kind::request ? "request" : "response"; }

dictionary_set::dictionary_set() = default;
dictionary_set::~dictionary_set() = default;

error dictionary_set::add(std::uint32_t id, bytes_kind kind, std::string_view dictionary) {
  if (id < first_dictionary_id) return invalid("dictionary " + std::to_string(id) + ": ids start at 32768");
  if (ZDICT_getDictID(dictionary.data(), dictionary.size()) != id)
    return invalid("dictionary " + std::to_string(id) + ": its bytes are not the dictionary of that id");
  auto e = std::make_unique<entry>();
  e->kind = kind;
  e->cdict = ZSTD_createCDict(dictionary.data(), dictionary.size(), pack_level);
  e->ddict = ZSTD_createDDict(dictionary.data(), dictionary.size());
  if (!e->cdict || !e->ddict) return invalid("dictionary " + std::to_string(id) + ": zstd refused it");
  by_id_[id] = std::move(e);
  auto& newest = newest_[static_cast<int>(kind)];
  if (id > newest) newest = id;
  return error::ok();
}

bool dictionary_set::has(std::uint32_t id) const noexcept { return by_id_.count(id) != 0; }
std::uint32_t dictionary_set::newest(bytes_kind kind) const noexcept { return newest_[static_cast<int>(kind)]; }
std::size_t dictionary_set::size() const noexcept { return by_id_.size(); }

packer::packer(std::shared_ptr<const dictionary_set> dictionaries)
    : dictionaries_(std::move(dictionaries)), cctx_(ZSTD_createCCtx()) {}
packer::~packer() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_)); }

std::string_view packer::pack(bytes_kind kind, std::string_view raw) {
  auto* cctx = static_cast<ZSTD_CCtx*>(cctx_);
  const bool magic = starts_with_magic(raw);
  const std::uint32_t id = dictionaries_ ? dictionaries_->newest(kind) : 0;
  if (!cctx || (id == 0 && !magic)) return raw;
  const std::size_t bound = ZSTD_compressBound(raw.size());
  if (buffer_.size() < bound) buffer_.resize(bound);
  std::size_t n = 0;
  if (id != 0) {
    n = ZSTD_compress_usingCDict(cctx, buffer_.data(), buffer_.size(), raw.data(), raw.size(),
                                 dictionaries_->by_id_.at(id)->cdict);
  } else {
    n = ZSTD_compressCCtx(cctx, buffer_.data(), buffer_.size(), raw.data(), raw.size(), 1);
  }
  if (ZSTD_isError(n)) {
    if (!magic) return raw;
    n = ZSTD_compressCCtx(cctx, buffer_.data(), buffer_.size(), raw.data(), raw.size(), 1);
    if (ZSTD_isError(n)) return raw;  // unreachable with a bound-sized buffer; the reader then errs
  }
  // A value the dictionary does not shrink is kept as it is, unless it could pass for a frame.
  if (n >= raw.size() && !magic) return raw;
  return {buffer_.data(), n};
}

unpacker::unpacker() : dctx_(ZSTD_createDCtx()) {}
unpacker::~unpacker() { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(dctx_)); }

std::int64_t unpacker::dictionary_of(std::string_view stored) noexcept {
  if (!starts_with_magic(stored)) return -1;
  return ZSTD_getDictID_fromFrame(stored.data(), stored.size());
}

error unpacker::unpack(std::string_view stored, std::string& out, std::uint32_t& missing_dictionary) {
  missing_dictionary = 0;
  if (!starts_with_magic(stored)) {
    out.assign(stored);
    return error::ok();
  }
  auto* dctx = static_cast<ZSTD_DCtx*>(dctx_);
  if (!dctx) return {errc::internal, "zstd: no decompression context"};
  const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_unpacked)
    return {errc::internal, "a stored claim value is not a readable zstd frame"};
  const unsigned id = ZSTD_getDictID_fromFrame(stored.data(), stored.size());
  out.resize(static_cast<std::size_t>(size));
  std::size_t n = 0;
  if (id == 0) {
    n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), stored.data(), stored.size());
  } else {
    const dictionary_set::entry* e = nullptr;
    if (dictionaries_) {
      const auto it = dictionaries_->by_id_.find(id);
      if (it != dictionaries_->by_id_.end()) e = it->second.get();
    }
    if (!e) {
      missing_dictionary = id;
      out.clear();
      return {errc::not_found, "dictionary " + std::to_string(id) + " is not loaded"};
    }
    n = ZSTD_decompress_usingDDict(dctx, out.data(), out.size(), stored.data(), stored.size(), e->ddict);
  }
  if (ZSTD_isError(n) || n != size) {
    out.clear();
    return {errc::internal, std::string("a stored claim value does not unpack: ") +
                                (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong length")};
  }
  return error::ok();
}

std::shared_ptr<const dictionary_set> load_dictionaries(pqxx::transaction_base& w) {
  auto set = std::make_shared<dictionary_set>();
  for (const auto& row : w.exec_prepared("claim_dictionaries")) {
    const auto id = row[0].as<std::int64_t>();
    const auto kind = pg::text_view(row[1]) == "request" ? bytes_kind::request : bytes_kind::response;
    if (id < first_dictionary_id || id > 0x7fffffff) throw std::runtime_error("claim_dictionaries: an id out of range");
    if (auto e = set->add(static_cast<std::uint32_t>(id), kind, pg::unhex(pg::text_view(row[2]))))
      throw std::runtime_error("claim_dictionaries: " + e.message);
  }
  return set;
}

error train_dictionary(const std::vector<std::string>& samples, std::uint32_t id, std::size_t max_bytes,
                       std::string& dictionary) {
  dictionary.clear();
  if (id < first_dictionary_id) return invalid("dictionary ids start at 32768");
  std::string flat;
  std::vector<std::size_t> sizes;
  sizes.reserve(samples.size());
  for (const auto& s : samples) {
    if (s.empty()) continue;
    flat += s;
    sizes.push_back(s.size());
  }
  if (sizes.size() < 100) return invalid("too few samples to train a dictionary (" + std::to_string(sizes.size()) + ")");
  std::string trained(max_bytes, '\0');
  const auto n = ZDICT_trainFromBuffer(trained.data(), trained.size(), flat.data(), sizes.data(),
                                       static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return invalid(std::string("zstd could not train a dictionary: ") + ZDICT_getErrorName(n));
  // The trainer picks a random id; the header is rebuilt around the same content with ours.
  const auto header = ZDICT_getDictHeaderSize(trained.data(), n);
  if (ZDICT_isError(header)) return invalid("zstd trained a dictionary without a header");
  ZDICT_params_t params{};
  params.compressionLevel = pack_level;
  params.dictID = id;
  dictionary.assign(max_bytes, '\0');
  const auto m = ZDICT_finalizeDictionary(dictionary.data(), dictionary.size(), trained.data() + header, n - header,
                                          flat.data(), sizes.data(), static_cast<unsigned>(sizes.size()), params);
  if (ZDICT_isError(m)) {
    dictionary.clear();
    return invalid(std::string("zstd could not finish a dictionary: ") + ZDICT_getErrorName(m));
  }
  dictionary.resize(m);
  return error::ok();
}

}  // namespace rxgate::store
