// common.h — the scalar type, shapes, and the one error type every layer of attnlab throws.
//
// `real` is float in the normal build and double in the `REAL=double` build (-DATTNLAB_DOUBLE).
// The double build exists so finite-difference gradient checks can use tight tolerances; the
// kernels, ops and models are written once against `real` and compiled twice.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnlab {

#ifdef ATTNLAB_DOUBLE
using real = double;
inline constexpr const char* kRealName = "f64";
#else
using real = float;
inline constexpr const char* kRealName = "f32";
#endif

using Shape = std::vector<int64_t>;

// Every misuse (bad shape, axis, config, file) throws this. Messages name the operation, what
// was seen and what was expected, e.g.
//     matmul: inner dimensions differ: a [2, 3] (K = 3) vs b [4, 5] (K = 4)
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// An allocation that failed: a runtime failure, whatever size was asked for.
class OutOfMemory : public Error {
  public:
    using Error::Error;
};

// "a, b, c": the names of a list in error messages.
inline std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// Concatenates anything streamable: cat("axis ", axis, " out of range").
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

std::string shape_str(const Shape& shape);  // "[2, 3, 4]"
int64_t numel_of(const Shape& shape);       // product of extents (1 for a scalar [])

// Maps a possibly negative axis into [0, ndim); throws "<op>: axis A out of range for N-d".
int normalize_axis(const char* op, int axis, int ndim);

#define ATTNLAB_CHECK(cond, ...)                                          \
    do {                                                                  \
        if (!(cond)) throw ::attnlab::Error(::attnlab::cat(__VA_ARGS__)); \
    } while (0)

}  // namespace attnlab
