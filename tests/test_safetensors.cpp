// The safetensors writer and reader: round trips, the exact bytes of a tiny file, atomic writes,
// and one case per kind of corrupt file (each must throw an Error naming the problem).
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/rng.h"
#include "engine/safetensors.h"
#include "helpers.h"
#include "temp_dir.h"

using namespace attnlab;
using attnlab::testing::same_bits;
namespace fs = std::filesystem;

namespace {

std::string u64_le(uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char(value >> (8 * i));
    return bytes;
}

// A file with the given header text and `data_bytes` zero bytes of tensor data.
std::string file_with(const std::string& header, size_t data_bytes) {
    return u64_le(header.size()) + header + std::string(data_bytes, '\0');
}

// Writes `bytes` to a file and returns what loading it throws.
std::string safetensors_load_error(const std::string& bytes) {
    testing::TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    testing::write_file(path, bytes);
    try {
        load_safetensors(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string kOneTensor = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

}  // namespace

TEST_CASE("safetensors: round trip of tensors and metadata", "[safetensors]") {
    testing::TempDir dir;
    Rng rng(7);
    NamedTensors tensors{{"block.0.w", Tensor::randn({2, 3, 4, 5}, rng)},
                         {"scalar", Tensor::scalar(-3.5)},
                         {"empty", Tensor::zeros({0, 3})},
                         {"bias", Tensor::randn({7}, rng)}};
    const Metadata metadata{{"epoch", "3"}, {"model", "synthesizer"}};
    const std::string path = dir.file("model.safetensors");
    save_safetensors(path, tensors, metadata);
    const SafetensorsFile loaded = load_safetensors(path);
    CHECK(loaded.metadata == metadata);
    REQUIRE(loaded.tensors.size() == tensors.size());
    for (const auto& [name, tensor] : tensors) {
        INFO(name);
        REQUIRE(loaded.tensors.count(name) == 1);
        CHECK(same_bits(loaded.tensors.at(name), tensor));
    }
    CHECK(loaded.tensors.at("scalar").ndim() == 0);
    CHECK(fs::file_size(path) % 8 == 0);  // 8 + padded header + 4- or 8-byte elements
}

TEST_CASE("safetensors: a tiny file has exactly the bytes of the spec", "[safetensors]") {
    testing::TempDir dir;
    const std::string path = dir.file("tiny.safetensors");
    save_safetensors(path, {{"a", Tensor::from_vector({2}, {1, -2})}}, {{"k", "v"}});
#ifdef ATTNLAB_DOUBLE
    const std::string header =
        R"({"__metadata__":{"k":"v"},"a":{"data_offsets":[0,16],"dtype":"F64","shape":[2]}})";
    const std::string length("\x50\0\0\0\0\0\0\0", 8);  // 80, already a multiple of 8 with the 8
    const std::string data("\0\0\0\0\0\0\xF0\x3F\0\0\0\0\0\0\0\xC0", 16);  // 1.0, -2.0 as f64 LE
    const std::string padding;
#else
    const std::string header =
        R"({"__metadata__":{"k":"v"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})";
    const std::string length("\x50\0\0\0\0\0\0\0", 8);    // 79 bytes of JSON + 1 space = 80
    const std::string data("\0\0\x80\x3F\0\0\0\xC0", 8);  // 1.0f, -2.0f as f32 LE
    const std::string padding = " ";
#endif
    CHECK(testing::read_file(path) == length + header + padding + data);
}

TEST_CASE("safetensors: loads F32 and F64 files into either build", "[safetensors]") {
    testing::TempDir dir;
    const std::string path = dir.file("mixed.safetensors");
    const std::string header = R"({"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
                               R"("f":{"dtype":"F32","shape":[1,2],"data_offsets":[16,24]}})";
    double doubles[2] = {0.5, -1.25};
    float floats[2] = {3.0f, 0.125f};
    std::string data(24, '\0');
    std::memcpy(&data[0], doubles, 16);
    std::memcpy(&data[16], floats, 8);
    testing::write_file(path, u64_le(header.size()) + header + data);
    const SafetensorsFile loaded = load_safetensors(path);
    CHECK(loaded.tensors.at("d").to_vector() == std::vector<real>{0.5, -1.25});
    CHECK(loaded.tensors.at("f").shape() == Shape{1, 2});
    CHECK(loaded.tensors.at("f").to_vector() == std::vector<real>{3, 0.125});
    CHECK(loaded.metadata.empty());
}

TEST_CASE("safetensors: saving over a file replaces it and leaves no temp file", "[safetensors]") {
    testing::TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    save_safetensors(path, {{"old", Tensor::ones({100})}});
    save_safetensors(path, {{"new", Tensor::full({2}, 4)}}, {{"step", "9"}});
    const SafetensorsFile loaded = load_safetensors(path);
    CHECK(loaded.tensors.size() == 1);
    CHECK(loaded.tensors.at("new").to_vector() == std::vector<real>{4, 4});
    CHECK(loaded.metadata.at("step") == "9");
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("safetensors: a failed save leaves neither the file nor a temp file", "[safetensors]") {
    testing::TempDir dir;
    const std::string missing_dir = dir.file("no/such/dir/x.safetensors");
    CHECK_THROWS_WITH(save_safetensors(missing_dir, {{"a", Tensor::ones({2})}}),
                      Catch::Contains("cannot create") && Catch::Contains("No such file"));
    // The rename fails when the target is a non-empty directory; the directory must survive.
    const std::string occupied = dir.file("occupied");
    fs::create_directories(fs::path(occupied) / "inside");
    CHECK_THROWS_WITH(save_safetensors(occupied, {{"a", Tensor::ones({2})}}),
                      Catch::Contains("cannot rename"));
    CHECK(fs::is_directory(fs::path(occupied) / "inside"));
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
    CHECK_THROWS_WITH(save_safetensors(dir.file("y"), {{"__metadata__", Tensor::ones({1})}}),
                      Catch::Contains("cannot be named"));
    CHECK_THROWS_WITH(save_safetensors(dir.file("y"), {{"u", Tensor()}}),
                      Catch::Contains("'u' is undefined"));
    CHECK(!fs::exists(dir.file("y")));
}

TEST_CASE("safetensors: a missing file cannot be opened", "[safetensors][corrupt]") {
    testing::TempDir dir;
    CHECK_THROWS_WITH(load_safetensors(dir.file("absent.safetensors")),
                      Catch::Contains("absent.safetensors") && Catch::Contains("cannot open"));
}

TEST_CASE("safetensors: truncated files are rejected at every cut point",
          "[safetensors][corrupt]") {
    testing::TempDir dir;
    const std::string path = dir.file("full.safetensors");
    save_safetensors(path, {{"a", Tensor::ones({3, 4})}, {"b", Tensor::ones({5})}});
    const std::string full = testing::read_file(path);
    uint64_t header_bytes = 0;
    std::memcpy(&header_bytes, full.data(), 8);
    const size_t data_start = 8 + size_t(header_bytes);
    for (size_t cut : {size_t(0), size_t(1), size_t(7)})
        CHECK_THAT(safetensors_load_error(full.substr(0, cut)), Catch::Contains("shorter than"));
    for (size_t cut : {size_t(8), size_t(20), data_start - 1})
        CHECK_THAT(safetensors_load_error(full.substr(0, cut)),
                   Catch::Contains("exceeds the file"));
    for (size_t cut : {data_start, data_start + 1, full.size() - 1})
        CHECK_THAT(safetensors_load_error(full.substr(0, cut)), Catch::Contains("out of range"));
}

TEST_CASE("safetensors: header length beyond the file or absurd", "[safetensors][corrupt]") {
    const std::string header = kOneTensor;
    CHECK_THAT(safetensors_load_error(u64_le(header.size() + 100) + header),
               Catch::Contains("exceeds the file size"));
    CHECK_THAT(safetensors_load_error(u64_le(uint64_t(1) << 62) + header),
               Catch::Contains("absurd"));
    CHECK_THAT(safetensors_load_error(u64_le(~uint64_t(0)) + header), Catch::Contains("absurd"));
}

TEST_CASE("safetensors: garbage JSON and non-object headers", "[safetensors][corrupt]") {
    CHECK_THAT(safetensors_load_error(file_with("{\"x\": {\"dtype\": ", 0)),
               Catch::Contains("not valid JSON"));
    CHECK_THAT(safetensors_load_error(file_with(std::string("\xff garbage", 9), 0)),
               Catch::Contains("not valid JSON"));
    CHECK_THAT(safetensors_load_error(file_with("[1, 2]", 0)),
               Catch::Contains("array, not an object"));
    CHECK_THAT(safetensors_load_error(file_with(R"({"x": 3})", 0)),
               Catch::Contains("'x' is a JSON number, not an object"));
}

TEST_CASE("safetensors: entries with missing or mistyped fields", "[safetensors][corrupt]") {
    CHECK_THAT(safetensors_load_error(file_with(R"({"x":{"shape":[1],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("'x' lacks \"dtype\""));
    CHECK_THAT(
        safetensors_load_error(file_with(R"({"x":{"dtype":"F32","data_offsets":[0,4]}})", 4)),
        Catch::Contains("'x' lacks \"shape\""));
    CHECK_THAT(safetensors_load_error(file_with(R"({"x":{"dtype":"F32","shape":[1]}})", 4)),
               Catch::Contains("'x' lacks \"data_offsets\""));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("shape extent is negative"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("shape extent is not an integer"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":"2","data_offsets":[0,4]}})", 4)),
               Catch::Contains("shape is not an array"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4)),
               Catch::Contains("not a pair"));
    CHECK_THAT(safetensors_load_error(file_with(R"({"__metadata__":{"step":3}})", 0)),
               Catch::Contains("metadata value of \"step\" is not a string"));
    CHECK_THAT(safetensors_load_error(file_with(R"({"__metadata__":[]})", 0)),
               Catch::Contains("__metadata__ is a JSON array"));
}

TEST_CASE("safetensors: data_offsets out of range", "[safetensors][corrupt]") {
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4)),
               Catch::Contains("'x': data_offsets [0, 8] out of range"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8)),
               Catch::Contains("out of range"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 8)),
               Catch::Contains("data_offsets begin is negative"));
}

TEST_CASE("safetensors: overlapping byte ranges", "[safetensors][corrupt]") {
    const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    CHECK_THAT(safetensors_load_error(file_with(header, 12)),
               Catch::Contains("'a' [0, 8) and 'b' [4, 12) overlap"));
}

TEST_CASE("safetensors: header lying about sizes", "[safetensors][corrupt]") {
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)),
               Catch::Contains("'x': shape [3] of F32 needs 12 bytes but data_offsets span 8"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"x":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", 8)),
               Catch::Contains("size mismatch"));
    // An element count that would overflow 64 bits must not wrap around to a matching size.
    CHECK_THAT(
        safetensors_load_error(file_with(
            R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}})", 0)),
        Catch::Contains("size mismatch"));
}

TEST_CASE("safetensors: dtypes other than F32 and F64", "[safetensors][corrupt]") {
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"h":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("'h' has dtype \"BF16\" (expected F32 or F64)"));
    CHECK_THAT(safetensors_load_error(
                   file_with(R"({"h":{"dtype":32,"shape":[2],"data_offsets":[0,8]}})", 8)),
               Catch::Contains("expected F32 or F64"));
}

TEST_CASE("safetensors: duplicate names", "[safetensors][corrupt]") {
    const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                               R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
    CHECK_THAT(safetensors_load_error(file_with(header, 8)),
               Catch::Contains("duplicate key \"a\""));
    CHECK_THAT(safetensors_load_error(file_with(R"({"__metadata__":{"k":"1","k":"2"}})", 0)),
               Catch::Contains("duplicate key \"k\""));
}
