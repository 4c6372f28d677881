// Checkpoints: exact round trips of parameters, optimizer state and training state; rejection of
// corrupted, truncated and mismatched files with messages naming the file and the problem.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "engine/ops.h"
#include "helpers.h"
#include "temp_dir.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/task.h"

using namespace attnlab;
using attnlab::testing::same_bits;
using Catch::Contains;

namespace {

json checkpoint_tiny_config(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> overrides = {"data.symbols=4",
                                          "data.length=3",
                                          "data.train_size=32",
                                          "data.valid_size=8",
                                          "data.test_size=8",
                                          "model.d_model=8",
                                          "model.heads=2",
                                          "model.layers=1",
                                          "model.d_ff=16",
                                          "model.dropout=0.1",
                                          "model.attention.kind=performer",
                                          "model.attention.performer_features=4"};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return load_config("", overrides);
}

// One AdamW step on a batch so the optimizer has non-trivial state and counters have moved.
void train_one_step(Task& task, AdamW& optimizer) {
    task.model().set_training(true);
    task.loss(make_batch(task.split("train"), {0, 1, 2})).backward();
    optimizer.step(1e-3);
}

// A saved checkpoint of a trained tiny task.
std::string saved_checkpoint(const testing::TempDir& dir) {
    std::unique_ptr<Task> task = make_task(checkpoint_tiny_config());
    AdamW optimizer(task->model().parameters());
    train_one_step(*task, optimizer);
    TrainingState state;
    state.config = checkpoint_tiny_config();
    state.step = 1;
    const std::string path = dir.file("ckpt.safetensors");
    save_checkpoint(path, task->model(), &optimizer, state);
    return path;
}

std::string checkpoint_load_error(const std::string& path) {
    try {
        std::unique_ptr<Task> task = make_task(checkpoint_tiny_config());
        load_model(read_checkpoint(path), task->model());
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("checkpoint: parameters, optimizer and training state round-trip exactly",
          "[checkpoint]") {
    testing::TempDir dir;
    std::unique_ptr<Task> task = make_task(checkpoint_tiny_config());
    AdamW optimizer(task->model().parameters());
    train_one_step(*task, optimizer);
    TrainingState state;
    state.config = checkpoint_tiny_config();
    state.step = 17;
    state.sampler_epoch = 2;
    state.sampler_position = 5;
    state.best_metric = 1.25;
    state.best_step = 12;
    state.wall_seconds = 3.5;
    const std::string path = dir.file("ckpt.safetensors");
    save_checkpoint(path, task->model(), &optimizer, state);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                        std::filesystem::directory_iterator()) == 1);  // no temporary left

    std::unique_ptr<Task> fresh = make_task(checkpoint_tiny_config({"train.seed=9"}));
    AdamW fresh_optimizer(fresh->model().parameters());
    const Checkpoint checkpoint = read_checkpoint(path);
    load_model(checkpoint, fresh->model());
    load_optimizer(checkpoint, fresh_optimizer);
    const auto params = task->model().parameters(), loaded = fresh->model().parameters();
    REQUIRE(params.size() == loaded.size());
    bool has_frozen = false;
    for (size_t i = 0; i < params.size(); ++i) {
        INFO(params[i].name);
        CHECK(same_bits(params[i].tensor, loaded[i].tensor));
        has_frozen = has_frozen || !params[i].trainable;
    }
    CHECK(has_frozen);  // the Performer projection is saved too
    CHECK(fresh->model().random_counters() == task->model().random_counters());
    const std::vector<uint64_t> counters = task->model().random_counters();
    CHECK(std::any_of(counters.begin(), counters.end(), [](uint64_t c) { return c > 0; }));
    const OptimizerState a = optimizer.state_dict(), b = fresh_optimizer.state_dict();
    CHECK(b.step == 1);
    for (const auto& [name, tensor] : a.tensors) CHECK(same_bits(tensor, b.tensors.at(name)));
    CHECK(checkpoint.state.config == state.config);
    CHECK(checkpoint.state.step == 17);
    CHECK(checkpoint.state.sampler_epoch == 2);
    CHECK(checkpoint.state.sampler_position == 5);
    CHECK(checkpoint.state.best_metric == 1.25);
    CHECK(checkpoint.state.best_step == 12);
    CHECK(checkpoint.state.wall_seconds == 3.5);
}

TEST_CASE("checkpoint: a flipped bit in the tensor data is caught by the checksum",
          "[checkpoint]") {
    testing::TempDir dir;
    const std::string path = saved_checkpoint(dir);
    std::string bytes = testing::read_file(path);
    bytes[bytes.size() - 3] ^= 0x10;  // inside the last tensor
    testing::write_file(path, bytes);
    CHECK_THAT(checkpoint_load_error(path),
               Contains("checkpoint " + path) && Contains("tensor data checksum mismatch"));
}

TEST_CASE("checkpoint: a changed metadata value is caught by the checksum", "[checkpoint]") {
    testing::TempDir dir;
    const std::string path = saved_checkpoint(dir);
    std::string bytes = testing::read_file(path);
    const size_t at = bytes.find("performer_features");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'q';  // still valid JSON, different config
    testing::write_file(path, bytes);
    CHECK_THAT(checkpoint_load_error(path),
               Contains(path) && Contains("metadata checksum mismatch"));
}

TEST_CASE("checkpoint: truncated and foreign files are rejected naming the file", "[checkpoint]") {
    testing::TempDir dir;
    const std::string path = saved_checkpoint(dir);
    const std::string bytes = testing::read_file(path);
    testing::write_file(path, bytes.substr(0, bytes.size() - 100));
    CHECK_THAT(checkpoint_load_error(path), Contains("checkpoint " + path));
    testing::write_file(path, bytes.substr(0, 5));
    CHECK_THAT(checkpoint_load_error(path), Contains("checkpoint " + path));
    CHECK_THAT(checkpoint_load_error(dir.file("absent.safetensors")),
               Contains("absent.safetensors") && Contains("cannot open"));
    save_safetensors(path, {{"w", Tensor::ones({2})}});
    CHECK_THAT(checkpoint_load_error(path), Contains("not an attnlab checkpoint"));
}

TEST_CASE("checkpoint: a model of another shape or size is refused, untouched", "[checkpoint]") {
    testing::TempDir dir;
    const std::string path = saved_checkpoint(dir);
    const Checkpoint checkpoint = read_checkpoint(path);

    std::unique_ptr<Task> wider = make_task(checkpoint_tiny_config({"model.d_model=12"}));
    const Tensor before = wider->model().parameters()[0].tensor.clone();
    CHECK_THROWS_WITH(load_model(checkpoint, wider->model()),
                      Contains(path) && Contains("tensor \"model.embed.weight\" has shape [6, 8] "
                                                 "but the model's is [6, 12]"));
    CHECK(same_bits(before, wider->model().parameters()[0].tensor));

    std::unique_ptr<Task> deeper = make_task(checkpoint_tiny_config({"model.layers=2"}));
    CHECK_THROWS_WITH(load_model(checkpoint, deeper->model()),
                      Contains("missing tensor \"model.blocks.1."));
    std::unique_ptr<Task> vanilla =
        make_task(checkpoint_tiny_config({"model.attention.kind=vanilla"}));
    CHECK_THROWS_WITH(load_model(checkpoint, vanilla->model()),
                      Contains("tensor \"model.blocks.0.attn"));
}
