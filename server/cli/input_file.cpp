#include "server/cli/input_file.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rxgate::cli {

std::string input_name(const std::string& path) { return path == "-" ? std::string("stdin") : path; }

bool read_input(const std::string& path, input_file& in, std::string& why) {
  in = {};
  const auto fail = [&](int err) {
    why = "cannot read " + input_name(path) + ": " + std::strerror(err);
    return false;
  };
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) return fail(errno);
  std::array<char, 64 * 1024> chunk;
  std::size_t n = 0;
  errno = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) > 0) in.bytes.append(chunk.data(), n);
  // A directory opens but does not read (EISDIR); keep the reason before fclose can change errno.
  const int read_errno = std::ferror(f) != 0 ? (errno != 0 ? errno : EIO) : 0;
  if (f != stdin) std::fclose(f);
  if (read_errno != 0) return fail(read_errno);
  while (in.bytes.compare(in.payload_offset, 2, "# ") == 0) {
    const auto eol = in.bytes.find('\n', in.payload_offset);
    in.payload_offset = eol == std::string::npos ? in.bytes.size() : eol + 1;
  }
  while (in.bytes.size() > in.payload_offset && (in.bytes.back() == '\n' || in.bytes.back() == '\r'))
    in.bytes.pop_back();
  return true;
}

}  // namespace rxgate::cli
