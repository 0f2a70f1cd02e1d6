// Reading a transmission file the way decode, encode and submit take it: a raw D.0 (or JSON)
// payload, optionally preceded by "# " comment lines (the layout of config/samples and the test
// vectors), and perhaps an editor's final newline. Those are skipped; D.0 data never holds CR/LF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rxgate::cli {

struct input_file {
  std::string bytes;
  std::size_t payload_offset = 0;  // bytes of leading "# " lines skipped
  std::string_view payload() const { return std::string_view(bytes).substr(payload_offset); }
};

// Reads `path` ("-" is stdin) into `in`. On failure returns false and sets `why` to a sentence a
// person can act on: "cannot read X: No such file or directory" (the system's reason).
bool read_input(const std::string& path, input_file& in, std::string& why);

// "stdin" for "-", else the path itself: how messages name the input.
std::string input_name(const std::string& path);

}  // namespace rxgate::cli
