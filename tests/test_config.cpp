// Run configurations: defaults, validation errors naming the key path, --set overrides, files.
#include <catch2/catch.hpp>
#include <cstring>

#include "temp_dir.h"
#include "train/config.h"

using namespace attnlab;
using Catch::Contains;

namespace {

// The ConfigError message of resolving `overrides` over the defaults ("" if none).
std::string error_of(const std::vector<std::string>& overrides) {
    try {
        load_config("", overrides);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("config: every key has a default and the resolved document is complete", "[config]") {
    const json config = load_config("");
    CHECK(config_int(config, "train.steps") == 1000);
    CHECK(config_string(config, "data.task") == "copy_lm");
    CHECK(config_string(config, "model.attention.kind") == "vanilla");
    CHECK(config_int(config, "model.attention.performer_features") == 256);
    CHECK(config_string(config, "train.schedule.kind") == "warmup_cosine");
    CHECK(config["data"].contains("symbols"));
}

TEST_CASE("config: an unknown key names its full path and the valid keys", "[config]") {
    const std::string message = error_of({"train.setps=10"});
    CHECK_THAT(message, Contains("config: unknown key \"train.setps\"; valid keys under train:"));
    CHECK_THAT(message, Contains("batch_size") && Contains("steps"));
    CHECK_THAT(error_of({"model.attention.kindd=dense"}),
               Contains("\"model.attention.kindd\"") && Contains("under model.attention"));
    CHECK_THAT(error_of({"optimizer.lr=1"}),
               Contains("valid keys at the top level: data, model, train"));
    // data keys depend on the task: copy_lm has no "path"
    CHECK_THAT(error_of({"data.path=x.txt"}), Contains("\"data.path\"") && Contains("symbols"));
    CHECK(error_of({"data.task=text_file", "data.path=x.txt"}).empty());
    CHECK(error_of({"train.setps=10"}).find('\n') == std::string::npos);
}

TEST_CASE("config: a wrong type names the key, the expected type and the value", "[config]") {
    CHECK_THAT(error_of({"train.steps=ten"}),
               Contains("\"train.steps\" must be an integer, got \"ten\" (string)"));
    CHECK_THAT(error_of({"train.steps=2.5"}), Contains("must be an integer"));
    CHECK_THAT(error_of({"train.lr=fast"}), Contains("\"train.lr\" must be a number"));
    CHECK_THAT(error_of({"model.attention.performer_orthogonal=1"}), Contains("true or false"));
    CHECK_THAT(error_of({"train.schedule=3"}), Contains("\"train.schedule\" must be an object"));
    CHECK(error_of({"train.lr=1"}).empty());  // an integer is a number
}

TEST_CASE("config: closed choices list the valid values", "[config]") {
    CHECK_THAT(
        error_of({"model.attention.kind=bogus"}),
        Contains("\"model.attention.kind\" is \"bogus\"; valid choices:") && Contains("performer"));
    CHECK(error_of({"model.attention.kind=random+vanilla"}).empty());
    CHECK_THAT(error_of({"train.schedule.kind=cosine"}),
               Contains("valid choices: constant, warmup_cosine, inverse_sqrt"));
    CHECK_THAT(error_of({"data.task=kjv"}),
               Contains("\"data.task\"") && Contains("copy_lm, text_file"));
}

TEST_CASE("config: --set overrides parse JSON or fall back to a string", "[config]") {
    const json config =
        load_config("", {"train.lr=3e-4", "model.attention.kind=dense",
                         "model.attention.performer_orthogonal=false", "train.out_dir=runs/x y",
                         "train.steps=7", "train.steps=8"});
    CHECK(config_real(config, "train.lr") == 3e-4);
    CHECK(config_string(config, "model.attention.kind") == "dense");
    CHECK_FALSE(config_bool(config, "model.attention.performer_orthogonal"));
    CHECK(config_string(config, "train.out_dir") == "runs/x y");
    CHECK(config_int(config, "train.steps") == 8);  // the last assignment wins
    CHECK_THAT(error_of({"train.steps"}), Contains("is not key.path=value"));
    CHECK_THAT(error_of({"train..steps=1"}), Contains("empty part"));
}

TEST_CASE("config: files are read, overridden, written and read back", "[config]") {
    testing::TempDir dir;
    testing::write_file(dir.file("run.json"),
                        R"({"train": {"steps": 50, "lr": 0.01}, "model": {"layers": 3}})");
    const json config = load_config(dir.file("run.json"), {"train.steps=60"});
    CHECK(config_int(config, "train.steps") == 60);
    CHECK(config_real(config, "train.lr") == 0.01);
    CHECK(config_int(config, "model.layers") == 3);
    CHECK(config_int(config, "model.heads") == 4);  // a default
    write_config(dir.file("resolved.json"), config);
    CHECK(load_config(dir.file("resolved.json")) == config);

    CHECK_THROWS_WITH(load_config(dir.file("missing.json")),
                      Contains("cannot open \"" + dir.file("missing.json") + "\""));
    testing::write_file(dir.file("bad.json"), "{\"train\": {\"steps\": }");
    CHECK_THROWS_WITH(load_config(dir.file("bad.json")),
                      Contains("\"" + dir.file("bad.json") + "\" is not valid JSON"));
    testing::write_file(dir.file("list.json"), "[1, 2]");
    CHECK_THROWS_WITH(load_config(dir.file("list.json")), Contains("must be an object"));
}

TEST_CASE("config: model settings map onto the stack config", "[config]") {
    const json config = load_config(
        "", {"model.d_model=48", "model.heads=3", "model.max_len=0",
             "model.attention.kind=performer", "model.attention.performer_features=16"});
    const StackConfig stack = stack_config_from(config, 11, 20);
    CHECK(stack.vocab == 11);
    CHECK(stack.max_len == 20);  // 0 → from the data
    CHECK(stack.d_model == 48);
    CHECK(stack.attention.kind == "performer");
    CHECK(stack.attention.integer("performer_features") == 16);
    CHECK_THROWS_WITH(stack_config_from(load_config("", {"model.heads=5"}), 11, 20),
                      Contains("\"model.d_model\" must be a multiple of model.heads"));
    CHECK_THROWS_WITH(stack_config_from(load_config("", {"model.max_len=10"}), 11, 20),
                      Contains("\"model.max_len\" must be 0 or at least the data's longest"));
}

TEST_CASE("config: real-valued kind options parse, check their range and round-trip exactly",
          "[config]") {
    // The default is a real number in the schema and in the stack config.
    const json defaults = load_config("");
    CHECK(defaults["model"]["attention"]["sinkhorn_temperature"].is_number_float());
    CHECK(stack_config_from(defaults, 11, 20).attention.real_number("sinkhorn_temperature") ==
          0.75);
    // A fraction is a real number; an integer where a real is expected is accepted as one.
    const json tenth = load_config("", {"model.attention.sinkhorn_temperature=0.1"});
    const AttentionConfig read = stack_config_from(tenth, 11, 20).attention;
    CHECK(read.options.at("sinkhorn_temperature").is_real());
    CHECK(read.real_number("sinkhorn_temperature") == 0.1);
    const json one = load_config("", {"model.attention.sinkhorn_temperature=2"});
    CHECK(stack_config_from(one, 11, 20).attention.options.at("sinkhorn_temperature").is_real());
    CHECK(stack_config_from(one, 11, 20).attention.real_number("sinkhorn_temperature") == 2.0);
    // A real where an integer is expected, or out of the declared range: one line each.
    const std::string fractional_block = error_of({"model.attention.sinkhorn_block=2.5"});
    CHECK_THAT(fractional_block,
               Contains("\"model.attention.sinkhorn_block\" must be an integer, got 2.5"));
    CHECK(fractional_block.find('\n') == std::string::npos);
    for (const char* bad : {"0", "-0.5", "1e9"})
        CHECK_THAT(error_of({std::string("model.attention.sinkhorn_temperature=") + bad}),
                   Contains("\"model.attention.sinkhorn_temperature\" must be a number in "
                            "[0.001, 1000], got"));
    CHECK_THAT(error_of({"model.attention.sinkhorn_temperature=\"warm\""}),
               Contains("\"model.attention.sinkhorn_temperature\" must be a number"));
    // Written and read back (as config.json and checkpoints hold it), the value keeps its bits.
    testing::TempDir dir;
    const json awkward =
        load_config("", {"model.attention.sinkhorn_temperature=0.30000000000000004"});
    write_config(dir.file("config.json"), awkward);
    const json back = load_config(dir.file("config.json"));
    CHECK(back == awkward);
    const double before = stack_config_from(awkward, 11, 20)
                              .attention.real_number("sinkhorn_temperature"),
                 after =
                     stack_config_from(back, 11, 20).attention.real_number("sinkhorn_temperature");
    CHECK(std::memcmp(&before, &after, sizeof before) == 0);
    CHECK(after != 0.3);
    CHECK(json::parse(awkward.dump()) == awkward);
}
