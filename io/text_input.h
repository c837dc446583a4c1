#pragma once
// Reading whole files and locating byte offsets as line:column for messages.
#include <cstdint>
#include <string>
#include <string_view>

namespace mmgraph::io {

// The file's bytes; InputError naming the path when it cannot be read.
std::string read_file(const std::string& path);

// "line L, column C" (1-based) of a byte offset into text.
std::string line_column(std::string_view text, size_t offset);

// Parses a whole field as a base-10 integer; false if it is not one.
bool parse_int64(std::string_view field, int64_t& out);
bool parse_double(std::string_view field, double& out);

}  // namespace mmgraph::io
