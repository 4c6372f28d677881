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
// The loader reads the whole file with checked sizes and throws an Error naming the file and the
// problem (never reads out of bounds) for: a file shorter than 8 bytes; a header length beyond the
// file or above 100 MB; JSON that does not parse or is not an object; duplicate keys in any JSON
// object (nlohmann would silently keep the last one); an entry that is not an object or lacks
// dtype / shape / data_offsets or has them with the wrong JSON type; a dtype other than F32 or
// F64; shape extents that are not non-negative integers; data_offsets that are not two
// non-negative integers with begin <= end <= buffer size; a byte range whose length differs from
// the shape's element count × dtype size; byte ranges of two tensors that overlap; metadata that is
// not an object of strings. Unused bytes between tensors are allowed. Values are converted to
// `real` (an F64 file loads into the float build by rounding). Assumes a little-endian host.
#pragma once

#include <map>
#include <string>

#include "tensor.h"

namespace attnlab {

using NamedTensors = std::map<std::string, Tensor>;  // ordered, so files are deterministic
using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
    NamedTensors tensors;
    Metadata metadata;
};

// Writes `tensors` (all defined; no name may be "__metadata__") and `metadata` to `path`.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const Metadata& metadata = {});

// Reads and validates a file written by any safetensors writer (F32 or F64 tensors only).
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace attnlab
