#pragma once
// Crash-safe file output, as the library's own writers (checkpoints, binary caches) do it.
#include <string>
#include <string_view>
#include <vector>

namespace mmgraph {

// Writes the concatenation of `parts` to `path` so that a crash at any moment
// leaves either the old file (or none) or the complete new one: the bytes go
// to "<path>.tmp-<pid>", are fsync'ed, renamed over `path`, and the directory
// is fsync'ed. Throws InputError naming the path on any failure (the temporary
// file is removed). A path that names a device, pipe or socket (`/dev/stdout`, a
// FIFO) is written in place instead, every write checked (a rename would replace
// the device node); a directory is an InputError.
// Crash testing: with the environment variable MMGRAPH_TEST_KILL_AFTER_BYTES=N
// the process kills itself (SIGKILL) once N bytes in all have gone through
// this function, mid-file, as a power cut or an OOM kill would.
void write_file_atomic(const std::string& path, const std::vector<std::string_view>& parts);

}  // namespace mmgraph
