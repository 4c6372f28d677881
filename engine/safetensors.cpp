// safetensors.cpp — the safetensors writer (atomic) and the validating reader (safetensors.h).
#include "safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "json_strict.h"

namespace attnlab {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors stores little-endian bytes; this code copies them as they are");

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;
constexpr uint64_t kMaxFileBytes = uint64_t(64) << 30;
constexpr size_t kMaxEntries = 100000;
constexpr size_t kMaxHeaderDepth = 8;  // the format needs 3: {name: {shape: [...]}}
constexpr const char* kMetadataKey = "__metadata__";
constexpr const char* kOwnDtype = sizeof(real) == 4 ? "F32" : "F64";

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw Error(cat("safetensors: ", path, ": ", problem));
}

const char* describe_file_type(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "a special file";
}

// --- writing ----------------------------------------------------------------------------------

// Builds the JSON header, padded with spaces so that 8 + its length is a multiple of 8.
std::string make_header(const std::string& path, const NamedTensors& tensors,
                        const Metadata& metadata) {
    json header = json::object();
    const std::map<std::string, ByteRange> layout = safetensors_layout(tensors);
    for (const auto& [name, tensor] : tensors) {
        if (name == kMetadataKey)
            fail(path, cat("a tensor cannot be named \"", kMetadataKey, "\""));
        if (!tensor.defined()) fail(path, cat("tensor '", name, "' is undefined"));
        const ByteRange& range = layout.at(name);
        header[name] = {{"dtype", kOwnDtype},
                        {"shape", tensor.shape()},
                        {"data_offsets", {range.begin, range.end}}};
    }
    if (!metadata.empty()) header[kMetadataKey] = metadata;
    std::string text;
    try {
        text = header.dump();
    } catch (const json::exception& e) {  // e.g. a name that is not valid UTF-8
        fail(path, cat("cannot encode the header: ", e.what()));
    }
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

// Writes everything to an open temporary file; returns false (errno set) on the first failure.
bool write_contents(FILE* file, const std::string& header, const NamedTensors& tensors) {
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = uint8_t(uint64_t(header.size()) >> (8 * i));
    if (std::fwrite(length, 1, 8, file) != 8) return false;
    if (std::fwrite(header.data(), 1, header.size(), file) != header.size()) return false;
    for (const auto& entry : tensors) {
        const size_t count = size_t(entry.second.numel());
        if (count && std::fwrite(entry.second.data(), sizeof(real), count, file) != count)
            return false;
    }
    return std::fflush(file) == 0 && fsync(fileno(file)) == 0;
}

// --- reading ----------------------------------------------------------------------------------

// Reads the file after checking, before opening, that it is a regular file of plausible size (a
// FIFO or device would block or never end); O_NONBLOCK and a second fstat close the race.
std::vector<uint8_t> read_whole_file(const std::string& path) {
    struct stat info;
    if (stat(path.c_str(), &info) != 0) fail(path, cat("cannot open: ", std::strerror(errno)));
    auto check_kind = [&](const struct stat& seen) {
        if (!S_ISREG(seen.st_mode))
            fail(path, cat("is ", describe_file_type(seen.st_mode), ", not a regular file"));
        if (uint64_t(seen.st_size) > kMaxFileBytes)
            fail(path, cat("is ", seen.st_size, " bytes (at most ", kMaxFileBytes, " allowed)"));
    };
    check_kind(info);
    const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) fail(path, cat("cannot open: ", std::strerror(errno)));
    std::vector<uint8_t> bytes;
    try {
        if (fstat(fd, &info) != 0) fail(path, cat("cannot stat: ", std::strerror(errno)));
        check_kind(info);
        bytes.resize(size_t(info.st_size));
    } catch (...) {
        close(fd);
        throw;
    }
    size_t got = 0;
    int read_errno = 0;
    while (got < bytes.size()) {
        const ssize_t n = read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            read_errno = n < 0 ? errno : 0;
            break;
        }
        got += size_t(n);
    }
    close(fd);
    if (got != bytes.size())
        fail(path, cat("read ", got, " of ", bytes.size(), " bytes",
                       read_errno ? cat(": ", std::strerror(read_errno)) : " (file shrank)"));
    return bytes;
}

// Parses the header after the pre-scan bounds its nesting and entry count (json_strict.h).
json parse_header(const std::string& path, std::string_view text) {
    const JsonScan scan = scan_json(text);
    if (scan.top_level_members > kMaxEntries)
        fail(path, cat("header has ", scan.top_level_members, " entries (at most ", kMaxEntries,
                       " allowed)"));
    json header;
    try {
        header = parse_json_strict(text, kMaxHeaderDepth);
    } catch (const Error& e) {
        fail(path, cat("header ", e.what()));
    }
    if (!header.is_object())
        fail(path, cat("header is a JSON ", header.type_name(), ", not an object"));
    return header;
}

struct Entry {
    std::string name;
    bool is_f64;
    Shape shape;
    uint64_t begin, end;
};

uint64_t as_non_negative(const std::string& path, const std::string& what, const json& value) {
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (value.is_number_integer()) fail(path, cat(what, " is negative: ", value.dump()));
    fail(path, cat(what, " is not an integer: ", value.dump()));
}

Entry parse_entry(const std::string& path, const std::string& name, const json& value,
                  uint64_t data_bytes) {
    const std::string what = cat("tensor '", name, "'");
    if (!value.is_object())
        fail(path, cat(what, " is a JSON ", value.type_name(), ", not an object"));
    for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!value.contains(key)) fail(path, cat(what, " lacks \"", key, "\""));
    const json& dtype = value["dtype"];
    if (!dtype.is_string() || (dtype != "F32" && dtype != "F64"))
        fail(path, cat(what, " has dtype ", dtype.dump(), " (expected F32 or F64)"));
    Entry entry{name, dtype == "F64", {}, 0, 0};

    const json& shape = value["shape"];
    if (!shape.is_array()) fail(path, cat(what, ": shape is not an array: ", shape.dump()));
    for (const json& extent : shape) {
        const uint64_t size = as_non_negative(path, cat(what, ": shape extent"), extent);
        if (size > uint64_t(std::numeric_limits<int64_t>::max()))
            fail(path, cat(what, ": shape extent ", size, " is too large"));
        entry.shape.push_back(int64_t(size));
    }
    // The element count, computed only while it stays below the buffer size (so never overflows).
    const bool has_zero = std::find(entry.shape.begin(), entry.shape.end(), 0) != entry.shape.end();
    uint64_t count = has_zero ? 0 : 1;
    bool too_big = false;
    for (size_t i = 0; i < entry.shape.size() && !has_zero; ++i) {
        const uint64_t extent = uint64_t(entry.shape[i]);
        if (count > data_bytes / extent) {
            too_big = true;
            break;
        }
        count *= extent;
    }

    const json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2)
        fail(path, cat(what, ": data_offsets is not a pair [begin, end]: ", offsets.dump()));
    entry.begin = as_non_negative(path, cat(what, ": data_offsets begin"), offsets[0]);
    entry.end = as_non_negative(path, cat(what, ": data_offsets end"), offsets[1]);
    if (entry.begin > entry.end || entry.end > data_bytes)
        fail(path, cat(what, ": data_offsets [", entry.begin, ", ", entry.end,
                       "] out of range (expected begin <= end <= ", data_bytes,
                       ", the size of the byte buffer)"));
    const uint64_t element_bytes = entry.is_f64 ? 8 : 4;
    if (too_big || count * element_bytes != entry.end - entry.begin)
        fail(path,
             cat(what, ": shape ", shape_str(entry.shape), " of ", dtype.get<std::string>(),
                 " needs ", too_big ? "more" : std::to_string(count * element_bytes),
                 " bytes but data_offsets span ", entry.end - entry.begin, " (size mismatch)"));
    return entry;
}

void check_no_overlap(const std::string& path, std::vector<Entry> entries) {
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [](const Entry& e) { return e.begin == e.end; }),
                  entries.end());
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < entries.size(); ++i)
        if (entries[i].begin < entries[i - 1].end)
            fail(path, cat("tensors '", entries[i - 1].name, "' [", entries[i - 1].begin, ", ",
                           entries[i - 1].end, ") and '", entries[i].name, "' [", entries[i].begin,
                           ", ", entries[i].end, ") overlap in the byte buffer"));
}

Metadata parse_metadata(const std::string& path, const json& value) {
    if (!value.is_object())
        fail(path, cat("__metadata__ is a JSON ", value.type_name(), ", not an object"));
    Metadata metadata;
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string())
            fail(path, cat("metadata value of \"", key, "\" is not a string: ", item.dump()));
        metadata[key] = item.get<std::string>();
    }
    return metadata;
}

template <typename Stored>
void convert(const uint8_t* bytes, real* out, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
        Stored value;
        std::memcpy(&value, bytes + i * int64_t(sizeof(Stored)), sizeof(Stored));
        out[i] = real(value);
    }
}

}  // namespace

std::map<std::string, ByteRange> safetensors_layout(const NamedTensors& tensors) {
    std::map<std::string, ByteRange> layout;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        const uint64_t bytes = tensor.defined() ? uint64_t(tensor.numel()) * sizeof(real) : 0;
        layout[name] = {offset, offset + bytes};
        offset += bytes;
    }
    return layout;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const Metadata& metadata) {
    const std::string header = make_header(path, tensors, metadata);
    const std::string temp = cat(path, ".tmp.", getpid());
    FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file) fail(path, cat("cannot create ", temp, ": ", std::strerror(errno)));
    const bool written = write_contents(file, header, tensors);
    const int write_errno = errno;
    const bool closed = std::fclose(file) == 0;
    const int close_errno = errno;
    if (!written || !closed) {
        std::remove(temp.c_str());
        fail(path, cat("write failed: ", std::strerror(written ? close_errno : write_errno)));
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const int rename_errno = errno;
        std::remove(temp.c_str());
        fail(path, cat("cannot rename ", temp, " over it: ", std::strerror(rename_errno)));
    }
}

SafetensorsFile parse_safetensors(const uint8_t* bytes, size_t size, const std::string& path) {
    if (size < 8)
        fail(path, cat("file is ", size, " bytes, shorter than the 8-byte header length"));
    uint64_t header_bytes = 0;
    for (int i = 0; i < 8; ++i) header_bytes |= uint64_t(bytes[i]) << (8 * i);
    if (header_bytes > kMaxHeaderBytes)
        fail(path, cat("header length ", header_bytes, " is absurd (at most ", kMaxHeaderBytes,
                       " bytes allowed)"));
    if (header_bytes > size - 8)
        fail(path, cat("header length ", header_bytes, " exceeds the file size (", size,
                       " bytes, so at most ", size - 8, ")"));
    const json header = parse_header(
        path, std::string_view(reinterpret_cast<const char*>(bytes) + 8, size_t(header_bytes)));
    const uint8_t* data = bytes + 8 + header_bytes;
    const uint64_t data_bytes = size - 8 - header_bytes;

    SafetensorsFile result;
    std::vector<Entry> entries;
    for (const auto& [name, value] : header.items()) {
        if (name == kMetadataKey)
            result.metadata = parse_metadata(path, value);
        else
            entries.push_back(parse_entry(path, name, value, data_bytes));
    }
    check_no_overlap(path, entries);
    for (const Entry& entry : entries) {
        Tensor tensor = Tensor::empty(entry.shape);
        if (entry.is_f64)
            convert<double>(data + entry.begin, tensor.data(), tensor.numel());
        else
            convert<float>(data + entry.begin, tensor.data(), tensor.numel());
        result.tensors.emplace(entry.name, tensor);
        result.byte_ranges.emplace(entry.name, ByteRange{entry.begin, entry.end});
    }
    return result;
}

SafetensorsFile load_safetensors(const std::string& path) {
    const std::vector<uint8_t> file = read_whole_file(path);
    return parse_safetensors(file.data(), file.size(), path);
}

}  // namespace attnlab
