#pragma once
// Lines of a text file read a chunk at a time, with the checks that reading the
// whole file first made: UTF-8, a leading byte order mark, an empty file.
#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

#include "mmgraph/errors.h"

namespace mmgraph::io {

class LineReader {
 public:
  // Reads `in` (named `source` in messages) chunk_bytes at a time; a longer line grows the buffer.
  LineReader(std::istream& in, std::string source, size_t chunk_bytes = size_t{1} << 20);

  // The next line that has a byte other than ' ' and '\t', without its '\n' and one
  // trailing '\r' (and the UTF-8 byte order mark on line 1), with its 1-based number
  // counting every line; false at the end. The view lasts until the next call.
  // Throws InputError at "L:C" for a byte that is not UTF-8 and for a read error.
  bool next(std::string_view& line, size_t& number);

  // Reads what is left: InputError for its first byte that is not UTF-8, then
  // "the file is empty" when no line had a byte other than whitespace. Called at
  // the end, and before another input error is reported, so that these two come
  // first, as they did when the whole text was checked before it was parsed.
  void finish();

 private:
  void refill();

  std::istream& in_;
  std::string source_;
  std::string buffer_;
  size_t begin_ = 0, end_ = 0;  // the unread bytes: buffer_[begin_, end_)
  size_t chunk_bytes_;
  size_t number_ = 0;
  bool at_eof_ = false;
  bool utf16_ = false;       // the text starts with a UTF-16 byte order mark
  bool has_content_ = false;  // some line had a byte other than ' ', '\t', '\r'
};

// Calls f(line, number) on each line of LineReader::next. An InputError from f
// is reported only once the rest of the text is read without a UTF-8 error and
// the file was not empty (LineReader::finish), as when the text was checked whole.
template <typename F>
void for_each_line(LineReader& lines, F&& f) {
  std::string_view line;
  size_t number = 0;
  while (lines.next(line, number)) {
    try {
      f(line, number);
    } catch (const InputError&) {
      lines.finish();
      throw;
    }
  }
  lines.finish();
}

}  // namespace mmgraph::io
