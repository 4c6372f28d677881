// Files and settings a hostile but fair user could hand attnlab: every one must end in a one-line
// Error (a ConfigError for configs), never a crash, a hang, a wrapped size or a silent accept.
#include <sys/stat.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>

#include "cli_helpers.h"
#include "engine/json_strict.h"
#include "engine/optim.h"
#include "engine/safetensors.h"
#include "temp_dir.h"
#include "train/checkpoint.h"
#include "train/cli.h"
#include "train/config.h"
#include "train/data/associative_recall.h"
#include "train/data/copy_lm.h"
#include "train/data/fashion_mnist.h"
#include "train/data/listops.h"
#include "train/data/synthetic_seq2seq.h"
#include "train/data/text_lm.h"
#include "train/task.h"

using namespace attnlab;
using attnlab::testing::cli;
using attnlab::testing::CliResult;
using Catch::Contains;

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

std::string hostile_u64_le(uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char(value >> (8 * i));
    return bytes;
}

// What parsing `header` (followed by `data_bytes` zero bytes) as a safetensors file throws.
std::string parse_error(const std::string& header, size_t data_bytes = 0) {
    const std::string file = hostile_u64_le(header.size()) + header + std::string(data_bytes, '\0');
    try {
        parse_safetensors(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "mem");
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string nested(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

json hostile_tiny_config(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> overrides = {
        "data.symbols=4",   "data.length=3",     "data.train_size=8", "data.valid_size=4",
        "data.test_size=4", "model.d_model=8",   "model.heads=2",     "model.layers=1",
        "model.d_ff=16",    "train.batch_size=2"};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return load_config("", overrides);
}

// Saves a checkpoint of a model built from `model_config` whose metadata claims `claimed_config`.
std::string save_tiny(const testing::TempDir& dir, const std::string& name,
                      const json& model_config, const json& claimed_config, real poison = 0,
                      bool poison_it = false) {
    std::unique_ptr<Task> task = make_task(model_config);
    if (poison_it) task->model().parameters().back().tensor.data()[1] = poison;
    TrainingState state;
    state.config = claimed_config;
    const std::string path = dir.file(name);
    AdamW optimizer(task->model().parameters());
    save_checkpoint(path, task->model(), &optimizer, state);
    return path;
}

// Rewrites a safetensors file's header in place (the byte buffer stays as it is).
void edit_header(const std::string& path, const std::function<void(json&)>& edit) {
    const std::string file = testing::read_file(path);
    uint64_t length = 0;
    std::memcpy(&length, file.data(), 8);
    json header = json::parse(file.substr(8, size_t(length)));
    edit(header);
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    testing::write_file(path, hostile_u64_le(text.size()) + text + file.substr(8 + size_t(length)));
}

// checkpoint.cpp's metadata checksum, recomputed as a careful forger would.
void reseal_metadata(json& metadata) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (const auto& [key, value] : metadata.items()) {
        if (key == "payload_crc32" || key == "metadata_crc32") continue;
        const std::string line = key + "=" + value.get<std::string>() + "\n";
        crc = crc32_z(crc, reinterpret_cast<const Bytef*>(line.data()), line.size());
    }
    metadata["metadata_crc32"] = std::to_string(uint32_t(crc));
}

}  // namespace

// --- safetensors ---------------------------------------------------------------------------

TEST_CASE("hostile: a FIFO or a directory as checkpoint path fails at once", "[hostile]") {
    testing::TempDir dir;
    const std::string fifo = dir.file("pipe.safetensors");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    // Opening a FIFO for reading blocks until a writer comes: the check must come first.
    CHECK_THROWS_WITH(load_safetensors(fifo),
                      Contains("pipe.safetensors") && Contains("is a FIFO, not a regular file"));
    CHECK_THROWS_WITH(read_checkpoint(fifo), Contains("checkpoint ") && Contains("FIFO"));
    CHECK_THROWS_WITH(load_safetensors(dir.path()), Contains("is a directory"));
}

TEST_CASE("hostile: deeply nested JSON in a header or its metadata is refused before parsing",
          "[hostile]") {
    CHECK_THAT(parse_error(nested(100000)), Contains("header nests 100000 levels deep"));
    CHECK_THAT(parse_error("{\"__metadata__\":{\"k\":" + nested(50000) + "}}"),
               Contains("levels deep (at most 8 allowed)"));
    // Brackets inside strings are text, not nesting.
    CHECK_THAT(parse_error("{\"__metadata__\":{\"k\":\"" + nested(50000) + "\"}}"),
               Contains("no error"));
    // The JSON a checkpoint keeps inside its metadata strings ("config") is bounded as well.
    CHECK_THROWS_WITH(parse_json_strict(nested(100000)), Contains("nests 100000 levels"));
    CHECK_NOTHROW(parse_json_strict(nested(kMaxJsonDepth)));
    CHECK_THROWS(parse_json_strict(nested(kMaxJsonDepth + 1)));
}

TEST_CASE("hostile: a NUL byte cannot end a header early", "[hostile]") {
    const std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    CHECK_THAT(parse_error(header + std::string("\0garbage", 8), 4),
               Contains("NUL byte at offset " + std::to_string(header.size())));
    CHECK_THAT(parse_error(header + "  garbage", 4), Contains("not valid JSON"));
    CHECK_THAT(parse_error(header + "        ", 4), Contains("no error"));  // space padding
}

TEST_CASE("hostile: a header with a huge number of entries is refused before parsing",
          "[hostile]") {
    std::string header = "{";
    for (int i = 0; i <= 100000; ++i) header += (i ? ",\"t" : "\"t") + std::to_string(i) + "\":0";
    header += "}";
    CHECK_THAT(parse_error(header), Contains("header has 100001 entries (at most 100000"));
}

TEST_CASE("hostile: overflowing shapes never wrap to a matching size", "[hostile]") {
    const std::string max = std::to_string(kInt64Max);
    CHECK_THAT(
        parse_error(R"({"x":{"dtype":"F32","shape":[)" + max + R"(,2],"data_offsets":[0,0]}})"),
        Contains("size mismatch"));
    CHECK_THAT(parse_error(R"({"x":{"dtype":"F64","shape":[2305843009213693952],)"
                           R"("data_offsets":[0,0]}})"),
               Contains("size mismatch"));
    CHECK_THAT(parse_error(R"({"x":{"dtype":"F32","shape":[18446744073709551615],)"
                           R"("data_offsets":[0,0]}})"),
               Contains("too large"));
    CHECK_THAT(parse_error(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,)" +
                           std::string("18446744073709551615]}}")),
               Contains("out of range"));
}

TEST_CASE("hostile: Tensor::empty refuses shapes beyond the byte limit", "[hostile]") {
    CHECK_THROWS_WITH(Tensor::empty({int64_t(1) << 62}), Contains("bytes per tensor"));
    CHECK_THROWS_WITH(Tensor::empty({kInt64Max, 2}), Contains("fit in 64 bits"));
    CHECK_THROWS_WITH(Tensor::zeros({int64_t(1) << 30, int64_t(1) << 12}),
                      Contains("at most 1099511627776 bytes"));
}

// --- checkpoints ---------------------------------------------------------------------------

TEST_CASE("hostile: non-finite weights are refused on load, naming the tensor", "[hostile]") {
    testing::TempDir dir;
    const json config = hostile_tiny_config();
    for (real bad : {std::numeric_limits<real>::quiet_NaN(), std::numeric_limits<real>::infinity(),
                     -std::numeric_limits<real>::infinity()}) {
        const std::string path = save_tiny(dir, "bad.safetensors", config, config, bad, true);
        std::unique_ptr<Task> fresh = make_task(config);
        const Parameter last = fresh->model().parameters().back();
        const real before = last.tensor.data()[1];
        const Checkpoint checkpoint = read_checkpoint(path);
        CHECK_THROWS_WITH(load_model(checkpoint, fresh->model()),
                          Contains("tensor \"model." + last.name + "\" holds ") &&
                              Contains("at element 1") && Contains("expected finite values"));
        CHECK(last.tensor.data()[1] == before);  // untouched
    }
    // The optimizer's moments too: a resumed run would otherwise step to NaN.
    const std::string path = save_tiny(dir, "opt.safetensors", config, config);
    {
        std::string file = testing::read_file(path);
        uint64_t length = 0;
        std::memcpy(&length, file.data(), 8);
        const json header = json::parse(file.substr(8, size_t(length)));
        std::string name;
        for (const auto& [key, value] : header.items())
            if (key.rfind("optimizer.", 0) == 0) name = key;
        const uint64_t begin = header[name]["data_offsets"][0].get<uint64_t>();
        const real inf = std::numeric_limits<real>::infinity();
        std::memcpy(&file[8 + size_t(length) + size_t(begin)], &inf, sizeof(real));
        testing::write_file(path, file);
        edit_header(path, [&](json& h) {  // a forger who fixes the payload checksum
            uLong crc = crc32(0L, Z_NULL, 0);
            const std::string data = file.substr(8 + size_t(length));
            crc = crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size());
            h["__metadata__"]["payload_crc32"] = std::to_string(uint32_t(crc));
            reseal_metadata(h["__metadata__"]);
        });
        const Checkpoint checkpoint = read_checkpoint(path);
        std::unique_ptr<Task> fresh = make_task(config);
        AdamW optimizer(fresh->model().parameters());
        CHECK_THROWS_WITH(load_optimizer(checkpoint, optimizer),
                          Contains("tensor \"" + name + "\" holds inf"));
    }
}

TEST_CASE("hostile: two same-shape tensors swapped between names are caught", "[hostile]") {
    testing::TempDir dir;
    const json config = hostile_tiny_config();
    const std::string path = save_tiny(dir, "swap.safetensors", config, config);
    // payload_crc32 covers the bytes and metadata_crc32 the metadata: neither changes when the
    // header gives one name the other's byte range. layout_crc32 binds names to ranges.
    std::string first, second;
    edit_header(path, [&](json& h) {
        for (const auto& [a, ea] : h.items())
            for (const auto& [b, eb] : h.items())
                if (first.empty() && a < b && a.rfind("model.", 0) == 0 &&
                    b.rfind("model.", 0) == 0 && ea["shape"] == eb["shape"]) {
                    first = a;
                    second = b;
                }
        std::swap(h[first]["data_offsets"], h[second]["data_offsets"]);
    });
    REQUIRE(!first.empty());
    CHECK_THROWS_WITH(read_checkpoint(path), Contains("tensor layout checksum mismatch"));

    // Without layout_crc32 (a checkpoint from before it existed) the swap loads unnoticed: the
    // documented limit of what older files can detect.
    edit_header(path, [](json& h) {
        h["__metadata__"].erase("layout_crc32");
        reseal_metadata(h["__metadata__"]);
    });
    std::unique_ptr<Task> task = make_task(config);
    CHECK_NOTHROW(load_model(read_checkpoint(path), task->model()));
}

// --- inspect -------------------------------------------------------------------------------

TEST_CASE("hostile: inspect fails exactly where eval does", "[hostile][cli]") {
    testing::TempDir dir;
    const json config = hostile_tiny_config();
    const std::string good = save_tiny(dir, "good.safetensors", config, config);
    CHECK(cli({"inspect", good}).status == 0);
    const std::vector<std::string> bad = {
        save_tiny(dir, "nan.safetensors", config, config, std::numeric_limits<real>::quiet_NaN(),
                  true),
        // The config in the metadata disagrees with the tensors: wider, deeper, shallower.
        save_tiny(dir, "shape.safetensors", config, hostile_tiny_config({"model.d_ff=32"})),
        save_tiny(dir, "missing.safetensors", config, hostile_tiny_config({"model.layers=2"})),
        save_tiny(dir, "extra.safetensors", hostile_tiny_config({"model.layers=2"}), config),
        save_tiny(dir, "config.safetensors", config, json{{"model", {{"d_model", -1}}}}),
    };
    const std::vector<std::string> expected = {"holds nan", "has shape", "missing tensor",
                                               "unexpected tensor", "its config is invalid"};
    for (size_t i = 0; i < bad.size(); ++i) {
        const CliResult inspected = cli({"inspect", bad[i]});
        const CliResult evaluated = cli({"eval", bad[i], "--batches", "1"});
        INFO(bad[i] << ": " << inspected.err);
        CHECK(inspected.status == 1);
        CHECK(evaluated.status == 1);
        CHECK(inspected.err == evaluated.err);
        CHECK_THAT(inspected.err, Contains(expected[i]));
    }
}

// --- configs -------------------------------------------------------------------------------

TEST_CASE("hostile: configs with duplicate keys, null objects or deep nesting", "[hostile]") {
    testing::TempDir dir;
    auto load = [&](const std::string& text, const std::vector<std::string>& sets = {}) {
        testing::write_file(dir.file("c.json"), text);
        try {
            load_config(dir.file("c.json"), sets);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("(no ConfigError)");
    };
    CHECK_THAT(load(R"({"train": {"steps": 5, "steps": 6}})"), Contains("duplicate key \"steps\""));
    CHECK_THAT(load(R"({"model": null})"), Contains("\"model\" must be an object, got null"));
    CHECK_THAT(load(R"({"model": null})", {"model.d_model=8"}),
               Contains("\"model\" must be an object, got null"));
    CHECK_THAT(load("null", {"train.steps=3"}), Contains("the document must be an object"));
    CHECK_THAT(load(R"({"train": {"schedule": null}})"), Contains("must be an object"));
    CHECK_THAT(load(nested(100000)), Contains("nests 100000 levels deep"));
    CHECK_THAT(load("{}", {"model.attention=" + nested(1000)}), Contains("nests more than"));
    CHECK_THAT(load("{}\n"), Contains("no ConfigError"));
}

TEST_CASE("hostile: config sizes out of their plausible range are ConfigErrors", "[hostile]") {
    auto error = [](const std::string& set) {
        try {
            make_task(load_config("", {set}));
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("(no ConfigError)");
    };
    for (const char* key : {"model.d_model", "model.heads", "model.layers", "model.d_ff",
                            "model.attention.performer_features", "model.attention.linformer_k",
                            "model.attention.conv_kernel", "model.attention.factorized_k",
                            "train.batch_size", "train.grad_accum", "train.steps"}) {
        INFO(key);
        CHECK_THAT(error(std::string(key) + "=-3"), Contains(key) && Contains("must be in [1, "));
        CHECK_THAT(error(std::string(key) + "=0"), Contains(key));
    }
    CHECK_THAT(error("model.attention.dense_hidden=-1"), Contains("must be in [0, "));
    CHECK_THAT(error("train.schedule.warmup=-1"), Contains("must be in [0, "));
    CHECK_THAT(error("train.eval_batches=-1"), Contains("must be in [0, "));
    CHECK_THAT(error("train.lr=-0.1"), Contains("\"train.lr\" must be a finite number >= 0"));
    CHECK_THAT(error("train.weight_decay=-1"), Contains("finite number >= 0"));
    CHECK_THAT(error("model.d_model=288230376151711744"), Contains("must be in [1, 65536]"));
    CHECK_THAT(error("train.batch_size=1000000000000"), Contains("must be in [1, 1048576]"));
    CHECK_THAT(error("train.eval_batches=18446744073709551615"), Contains("must be in [0, "));
    CHECK_THAT(error("data.symbols=9223372036854775807"), Contains("must be at most 16777216"));
    CHECK_THAT(error("data.length=9223372036854775807"), Contains("must be at most 16777216"));
    CHECK_THAT(error("data.train_size=9223372036854775807"), Contains("must be at most"));
    CHECK_THAT(error("data.train_size=-5"), Contains("\"data.train_size\" must be positive"));
    CHECK_THAT(error("model.max_len=-1"), Contains("must be in [0, "));
}

// --- size arithmetic at the int64 limits (UBSan watches these in the san suite) -----------------

TEST_CASE("hostile: generators refuse sizes at the int64 limit without overflowing", "[hostile]") {
    CHECK_THROWS_WITH(CopyLmDataset("c", 4, kInt64Max, 3, 1, 0), Contains("must be at most"));
    CHECK_THROWS_WITH(CopyLmDataset("c", 4, 4, kInt64Max, 1, 0), Contains("must be at most"));
    CHECK_NOTHROW(CopyLmDataset("c", kInt64Max, 4, 3, 1, 0).example(kInt64Max - 1));

    SyntheticSeq2SeqOptions seq2seq;
    seq2seq.max_length = kInt64Max;
    for (SyntheticTask task : {SyntheticTask::Copy, SyntheticTask::Reverse, SyntheticTask::Sort}) {
        seq2seq.task = task;
        CHECK_THROWS_WITH(SyntheticSeq2Seq(seq2seq), Contains("must be below"));
    }
    seq2seq.max_length = 4;
    seq2seq.size = kInt64Max;
    CHECK(SyntheticSeq2Seq(seq2seq).example(kInt64Max - 1).input.size() >= 1);

    ListOpsOptions listops;
    listops.max_length = kInt64Max;
    CHECK_THROWS_WITH(ListOps(listops), Contains("must be at most"));
    listops.max_length = 256;
    listops.size = kInt64Max;
    CHECK(ListOps(listops).example(kInt64Max - 1).input.size() >= 64);

    AssociativeRecallOptions recall;
    recall.max_pairs = kInt64Max;
    CHECK_THROWS(AssociativeRecall(recall));
    recall.max_pairs = 12;
    recall.min_pairs = kInt64Max;
    CHECK_THROWS(AssociativeRecall(recall));

    FashionMnistOptions images;  // the IDX fixture of test_fashion_mnist.cpp (3 images)
    images.directory = "tests/fixtures/idx";
    images.valid_size = 1;
    images.max_examples = kInt64Max;
    images.split = FashionMnistSplit::Valid;
    CHECK(FashionMnist(images).size() == 1);
    images.valid_size = kInt64Max;
    CHECK_THROWS_WITH(FashionMnist(images), Contains("valid_size"));

    auto vocab = std::make_shared<CharVocab>("abc");
    CHECK_THROWS_WITH(TextLmDataset("t", vocab, vocab->encode("abcabc"), kInt64Max, 1),
                      Contains("must be at most"));

    CHECK_THROWS_WITH(BatchSampler(10, kInt64Max, 1), Contains("must be at most"));
    std::unique_ptr<Task> task = make_task(hostile_tiny_config());
    for (int64_t batches : {int64_t(0), int64_t(1)})
        CHECK_THROWS_WITH(task->evaluate(task->split("valid"), batches, kInt64Max),
                          Contains("batch size"));
    CHECK(task->evaluate(task->split("valid"), 0, kMaxBatchSize).count("loss") == 1);
}

TEST_CASE("hostile: an optimizer step count at its limit is a checked error", "[hostile]") {
    Tensor w = Tensor::ones({2});
    w.set_requires_grad(true);
    AdamW optimizer({{"w", w}});
    OptimizerState state = optimizer.state_dict();
    for (int64_t bad : {kInt64Max, kMaxOptimizerSteps + 1, int64_t(-1)}) {
        state.step = bad;
        CHECK_THROWS_WITH(optimizer.load_state_dict(state), Contains("step count"));
    }
    state.step = kMaxOptimizerSteps - 1;
    optimizer.load_state_dict(state);
    w.ensure_grad()[0] = 1;
    optimizer.step(1e-3);  // bias corrections at t = 2^53: finite
    CHECK(std::isfinite(w.data()[0]));
    CHECK(optimizer.steps_taken() == kMaxOptimizerSteps);
    CHECK_THROWS_WITH(optimizer.step(1e-3), Contains("is at its limit"));
    CHECK(optimizer.steps_taken() == kMaxOptimizerSteps);
}
