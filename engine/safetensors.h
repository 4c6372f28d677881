// safetensors.h — saving and loading named tensors in the safetensors format (Hugging Face).
//
// Layout of a file:
//     8 bytes     N, the JSON header's length, an unsigned 64-bit little-endian integer
//     N bytes     JSON: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//                        ..., "__metadata__": {"<key>": "<string value>"}}   (metadata optional)
//     the rest    the byte buffer; [begin, end) of each tensor is relative to its start
// The writer emits tensors in name order, contiguous, in the build's own dtype (F32 in the float
// build, F64 in the double build), and pads the header with spaces so the buffer starts on an
// 8-byte boundary (as the reference implementation does). Writes are atomic: the file goes to
// "<path>.tmp.<pid>", is flushed and fsync'ed, then renamed over `path`, so a crash or error never
// leaves a half-written file at `path`.
//
// The loader refuses, with an Error "safetensors: <path>: <problem>" naming what was expected, and
// never reads out of bounds or allocates more than the file's size:
//   - a path that is not a regular file (checked with stat before opening, so a FIFO or device
//     never blocks), or a file above 64 GiB or shorter than 8 bytes;
//   - a header length above 100 MB (the reference implementation's limit) or beyond the file;
//   - a header that nests [ and { more than 8 levels (the format needs 3), holds a NUL byte, or
//     has more than 100,000 top-level entries, all found by a linear scan before parsing;
//   - JSON that does not parse, is not one object (trailing bytes other than whitespace included),
//     or has a duplicate key in any object (nlohmann would silently keep the last one);
//   - an entry that is not an object or lacks dtype / shape / data_offsets or has them with the
//     wrong JSON type; a dtype other than F32 or F64; shape extents that are not non-negative
//     integers below 2^63;
//   - data_offsets that are not two non-negative integers with begin <= end <= buffer size; a
//     byte range whose length differs from the shape's element count × dtype size (the count is
//     computed with overflow checks, so no shape can make it wrap); overlapping byte ranges;
//   - metadata that is not an object of strings.
// Unused bytes between tensors are allowed. Values are converted to `real` (an F64 file loads
// into the float build by rounding); non-finite values are loaded as they are (checkpoint.h
// rejects them for models). Assumes a little-endian host.
#pragma once

#include <map>
#include <string>

#include "tensor.h"

namespace attnlab {

using NamedTensors = std::map<std::string, Tensor>;  // ordered, so files are deterministic
using Metadata = std::map<std::string, std::string>;

struct ByteRange {
    uint64_t begin = 0, end = 0;  // data_offsets: relative to the start of the byte buffer
    bool operator==(const ByteRange& other) const {
        return begin == other.begin && end == other.end;
    }
};

struct SafetensorsFile {
    NamedTensors tensors;
    Metadata metadata;
    std::map<std::string, ByteRange> byte_ranges;  // where each tensor lay in the file (read only)
};

// Writes `tensors` (all defined; no name may be "__metadata__") and `metadata` to `path`.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const Metadata& metadata = {});

// The byte ranges save_safetensors gives `tensors`: contiguous, in name order.
std::map<std::string, ByteRange> safetensors_layout(const NamedTensors& tensors);

// Reads and validates a file written by any safetensors writer (F32 or F64 tensors only).
SafetensorsFile load_safetensors(const std::string& path);

// The same validation of a whole file already in memory (`path` only names it in errors); the
// entry point for fuzzing.
SafetensorsFile parse_safetensors(const uint8_t* bytes, size_t size, const std::string& path);

}  // namespace attnlab
