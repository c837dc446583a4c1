#pragma once
// Reading whole files and locating byte offsets as line:column for messages.
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

namespace mmgraph::io {

// The file opened for binary reading; InputError naming the path when it cannot be.
std::ifstream open_file(const std::string& path);

// The file's bytes; InputError naming the path when it cannot be read.
std::string read_file(const std::string& path);

// "L:C" (1-based line and column) of a byte offset into text.
std::string line_column(std::string_view text, size_t offset);

// A field as a message may quote it: at most `max_bytes` bytes, every byte
// outside printable ASCII written as \xNN, and "... (N bytes)" when cut, so
// that a 10 MB line or binary garbage cannot flood or garble stderr.
std::string excerpt(std::string_view field, size_t max_bytes = 40);

// Byte offset of the first byte that does not belong to well-formed UTF-8
// (overlong forms, surrogates and code points past U+10FFFF included), or npos.
size_t invalid_utf8_offset(std::string_view text);

// InputError at "L:C" when text is not UTF-8: names the byte, and UTF-16 when
// the text starts with its byte order mark.
void require_utf8(std::string_view text, const std::string& source);

// What require_utf8 says of a byte that is not UTF-8 in a text that starts
// (or not) with a UTF-16 byte order mark.
std::string not_utf8_message(unsigned char byte, bool utf16);
// Whether text starts with a UTF-16 byte order mark (FF FE or FE FF).
bool starts_utf16(std::string_view text);

// text without a leading UTF-8 byte order mark (EF BB BF).
std::string_view strip_utf8_bom(std::string_view text);

// Parses a whole field as a base-10 integer; false if it is not one.
bool parse_int64(std::string_view field, int64_t& out);
// Parses a whole field as a finite number; false for anything else (nan and inf included).
bool parse_double(std::string_view field, double& out);

}  // namespace mmgraph::io
