// Chunked line reading with the whole-file checks of the text readers.
#include "io/line_reader.h"

#include <algorithm>
#include <cstring>

#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

LineReader::LineReader(std::istream& in, std::string source, size_t chunk_bytes)
    : in_(in), source_(std::move(source)), chunk_bytes_(chunk_bytes < 1 ? 1 : chunk_bytes) {}

// Moves the unread bytes to the front and appends the next chunk (growing the
// buffer when a line fills it); at_eof_ once the stream has nothing more.
void LineReader::refill() {
  const size_t unread = end_ - begin_;
  std::memmove(buffer_.data(), buffer_.data() + begin_, unread);
  begin_ = 0;
  end_ = unread;
  if (buffer_.size() < unread + chunk_bytes_) buffer_.resize(std::max(2 * buffer_.size(), unread + chunk_bytes_));
  in_.read(buffer_.data() + end_, static_cast<std::streamsize>(buffer_.size() - end_));
  if (in_.bad()) throw InputError(source_, "", "read error");
  const auto got = static_cast<size_t>(in_.gcount());
  end_ += got;
  at_eof_ = got == 0;
}

bool LineReader::next(std::string_view& line, size_t& number) {
  while (true) {
    const char* first = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(first, '\n', end_ - begin_));
    if (newline == nullptr && !at_eof_) {
      refill();
      continue;
    }
    if (newline == nullptr && begin_ == end_) return false;
    const size_t length = newline ? static_cast<size_t>(newline - first) : end_ - begin_;
    std::string_view raw(first, length);
    begin_ += newline ? length + 1 : length;
    ++number_;
    if (number_ == 1) utf16_ = starts_utf16(raw);
    if (const size_t bad = invalid_utf8_offset(raw); bad != std::string_view::npos)
      throw InputError(source_, std::to_string(number_) + ":" + std::to_string(bad + 1),
                       not_utf8_message(static_cast<unsigned char>(raw[bad]), utf16_));
    if (number_ == 1) raw = strip_utf8_bom(raw);
    if (raw.find_first_not_of(" \t\r") != std::string_view::npos) has_content_ = true;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (raw.find_first_not_of(" \t") == std::string_view::npos) continue;
    line = raw;
    number = number_;
    return true;
  }
}

void LineReader::finish() {
  std::string_view line;
  size_t number = 0;
  while (next(line, number)) {
  }
  if (!has_content_) throw InputError(source_, "", "the file is empty");
}

}  // namespace mmgraph::io
