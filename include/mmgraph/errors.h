#pragma once
// Exceptions thrown by the library. The library never exits; the CLI maps
// InputError to exit code 2, DivergedError to 3 and every other Error to 1.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace mmgraph {

// Internal failure (a CUDA call, an allocation, a broken invariant).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Training produced a NaN or an Inf (in the loss, a gradient or a parameter);
// what() names the stage, the epoch and the step. The CLI exits with code 3.
class DivergedError : public Error {
 public:
  using Error::Error;
};

// Bad input from the user: a file, a config key, a command-line value.
// what() reads "<source>:<position>: <problem>", e.g. "train.json:3:17: expected a number".
class InputError : public Error {
 public:
  // position is free text: "line 3", "3:17", "byte 128"; empty when it does not apply.
  InputError(std::string source, std::string position, std::string problem);
  const std::string& source() const { return source_; }
  const std::string& position() const { return position_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string source_, position_, problem_;
};

}  // namespace mmgraph
