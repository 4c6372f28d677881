// `attnlab attention-map` through run_cli on tiny trained checkpoints, and the matrices of
// attention_maps.h: one PNG per layer × head, the Random Synthesizer's input-independent
// alignment, the Performer's implicit attention rows, and the usage errors.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "cli_helpers.h"
#include "models/attn_linformer.h"
#include "temp_dir.h"
#include "train/attention_maps.h"
#include "train/cli.h"
#include "train/cli_common.h"

using namespace attnlab;
using attnlab::testing::cli;
using attnlab::testing::CliResult;
using attnlab::testing::one_error_line;
using Catch::Contains;

namespace {

// Trains a 2-layer, 2-head character LM of `kind` for 2 steps in `dir` on `sentence` repeated;
// returns its checkpoint.
std::string train_tiny_lm(const testing::TempDir& dir, const std::string& kind,
                          const std::string& sentence = "the cat sat on the mat. ") {
    std::string text;
    for (int i = 0; i < 40; ++i) text += sentence;
    testing::write_file(dir.file("corpus.txt"), text);
    const CliResult trained = cli({"train", "--quiet",
                                   "--set", "data.task=text_file",
                                   "--set", "data.path=" + dir.file("corpus.txt"),
                                   "--set", "data.seq_len=16",
                                   "--set", "model.d_model=16",
                                   "--set", "model.heads=2",
                                   "--set", "model.layers=2",
                                   "--set", "model.d_ff=32",
                                   "--set", "model.attention.kind=" + kind,
                                   "--set", "model.attention.performer_features=8",
                                   "--set", "train.steps=2",
                                   "--set", "train.batch_size=4",
                                   "--set", "train.eval_batches=1",
                                   "--set", "train.threads=1",
                                   "--set", "train.out_dir=" + dir.path()});
    INFO(trained.err);
    REQUIRE(trained.status == kExitOk);
    return dir.file("last.safetensors");
}

int64_t count_png(const std::string& directory) {
    int64_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(directory))
        count += entry.path().extension() == ".png";
    return count;
}

}  // namespace

TEST_CASE("attention-map: random+vanilla maps per layer and head; random ignores the input",
          "[attention-map]") {
    testing::TempDir dir;
    const std::string checkpoint = train_tiny_lm(dir, "random+vanilla");
    for (const auto& [input, out] : {std::pair<std::string, std::string>{"the cat", "a"},
                                     std::pair<std::string, std::string>{"sat on ", "b"}}) {
        const CliResult drawn = cli({"attention-map", checkpoint, "--input", input, "--what",
                                     "alignment", "--out", dir.file(out), "--threads", "1"});
        INFO(drawn.err);
        REQUIRE(drawn.status == kExitOk);
        CHECK_THAT(drawn.out, Contains("wrote 8 attention maps"));
        CHECK(count_png(dir.file(out)) == 8);  // 2 layers × 2 heads × 2 components
        for (const char* component : {"random", "vanilla"})
            for (const char* name :
                 {"layer0_head0_", "layer0_head1_", "layer1_head0_", "layer1_head1_"}) {
                const std::string png =
                    dir.file(out) + "/" + name + "alignment_" + component + ".png";
                INFO(png);
                REQUIRE(std::filesystem::exists(png));
                CHECK(std::filesystem::file_size(png) > 1024);
            }
    }
    // The numbers beside each PNG: the random pattern is the same for both inputs, vanilla's not.
    for (const char* name : {"layer0_head0_alignment_", "layer1_head1_alignment_"}) {
        auto numbers = [&](const char* out, const char* component) {
            return testing::read_file(dir.file(out) + "/" + name + component + ".dat");
        };
        CHECK(numbers("a", "random") == numbers("b", "random"));
        CHECK(numbers("a", "vanilla") != numbers("b", "vanilla"));
    }
    // The axes are labelled with the characters, a space drawn visibly.
    CHECK_THAT(testing::read_file(dir.file("a/layer0_head0_alignment_random.gp")),
               Contains("'t' 0") && Contains("'␣' 3"));

    // Defaults: auto draws a mixture's weights and both alignments, beside the checkpoint.
    const CliResult automatic =
        cli({"attention-map", checkpoint, "--example", "1", "--threads", "1"});
    INFO(automatic.err);
    REQUIRE(automatic.status == kExitOk);
    CHECK(count_png(dir.file("attention_maps")) == 12);
    CHECK(std::filesystem::exists(dir.file("attention_maps/layer1_head0_weights.png")));

    const CliResult chosen =
        cli({"attention-map", checkpoint, "--input", "the mat", "--layers", "1", "--heads", "0",
             "--what", "weights", "--out", dir.file("c")});
    REQUIRE(chosen.status == kExitOk);
    CHECK(count_png(dir.file("c")) == 1);
    CHECK(std::filesystem::exists(dir.file("c/layer1_head0_weights.png")));

    std::string long_input;
    for (int i = 0; i < 5; ++i) long_input += "the cat ";
    const CliResult cut = cli({"attention-map", checkpoint, "--input", long_input, "--layers", "0",
                               "--heads", "1", "--out", dir.file("d")});
    CHECK(cut.status == kExitOk);
    CHECK_THAT(cut.out, Contains("using the first 16"));

    CHECK(cli({"attention-map", checkpoint, "--layers", "2"}).status == kExitUsage);
    CHECK(cli({"attention-map", checkpoint, "--heads", "0,x"}).status == kExitUsage);
    CHECK(cli({"attention-map", checkpoint, "--input", "dog"}).status == kExitUsage);
    CHECK(cli({"attention-map", checkpoint, "--example", "100000"}).status == kExitUsage);
}

TEST_CASE("attention-map: the Performer's implicit attention is causal with rows summing to 1",
          "[attention-map]") {
    testing::TempDir dir;
    const std::string checkpoint = train_tiny_lm(dir, "performer");
    std::unique_ptr<Task> task = load_task(checkpoint);
    const AttentionMaps maps =
        attention_maps(*task, task->split("valid").example(0), MapChoice::Auto);
    REQUIRE(maps.maps.size() == 2);
    CHECK(maps.notes.empty());
    for (const AttentionMap& map : maps.maps) {
        CHECK(map.kind == "performer");
        REQUIRE(map.matrix.shape() == Shape({2, 16, 16}));
        const real* a = map.matrix.data();
        for (int64_t row = 0; row < 2 * 16; ++row) {
            double sum = 0;
            for (int64_t col = 0; col < 16; ++col) {
                sum += a[row * 16 + col];
                if (col > row % 16) CHECK(a[row * 16 + col] == 0);
            }
            CHECK(sum == Approx(1).epsilon(1e-4));
        }
    }
    CHECK(task->model().training());  // the mode is restored

    const CliResult drawn = cli({"attention-map", checkpoint, "--out", dir.file("maps")});
    INFO(drawn.err);
    REQUIRE(drawn.status == kExitOk);
    CHECK(count_png(dir.file("maps")) == 4);
    CHECK(std::filesystem::file_size(dir.file("maps/layer1_head1_implicit.png")) > 1024);
}

TEST_CASE("attention-map: Linformer's L × k weights, rows summing to 1", "[attention-map]") {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 6;
    config.set("linformer_k", 3);
    Rng rng(11);
    LinformerAttention linformer(config, rng);
    const Tensor weights = linformer.weights(Tensor::randn({2, 5, 8}, rng));
    REQUIRE(weights.shape() == Shape({2, 2, 5, 3}));
    for (int64_t row = 0; row < 2 * 2 * 5; ++row)
        CHECK(weights.data()[row * 3] + weights.data()[row * 3 + 1] + weights.data()[row * 3 + 2] ==
              Approx(1).epsilon(1e-5));
}

TEST_CASE("attention-map: usage and runtime errors", "[attention-map]") {
    testing::TempDir dir;
    const std::string missing = dir.file("missing.safetensors");
    const CliResult absent = cli({"attention-map", missing});
    CHECK(absent.status == kExitFailure);
    CHECK_THAT(absent.err, Contains(missing));
    CHECK(absent.err.find('\n') == absent.err.size() - 1);

    const CliResult what = cli({"attention-map", missing, "--what", "logits"});
    CHECK(what.status == kExitUsage);
    CHECK_THAT(what.err, Contains("--what must be auto, weights or alignment"));
    CHECK(cli({"attention-map"}).status == kExitUsage);
    CHECK(cli({"attention-map", missing, "--input", "x", "--example", "1"}).status == kExitUsage);
    CHECK(cli({"attention-map", missing, "--bogus"}).status == kExitUsage);
    const CliResult help = cli({"attention-map", "--help"});
    CHECK(help.status == kExitOk);
    CHECK_THAT(help.out, Contains("usage: attnlab attention-map") && Contains("example"));
}

namespace {

// Makes `directory` the working directory while alive.
class WorkingDirectory {
  public:
    explicit WorkingDirectory(const std::string& directory)
        : previous_(std::filesystem::current_path()) {
        std::filesystem::current_path(directory);
    }
    ~WorkingDirectory() { std::filesystem::current_path(previous_); }

  private:
    std::filesystem::path previous_;
};

}  // namespace

TEST_CASE("attention-map: shell and gnuplot metacharacters in --out and --input are plain text",
          "[attention-map]") {
    testing::TempDir dir;
    const std::string checkpoint = train_tiny_lm(dir, "vanilla", "a\\b\"c'd'`e`$f. ");
    const WorkingDirectory inside(dir.path());  // where a shell or gnuplot would run `touch`
    for (const std::string& out : std::vector<std::string>{
             "o $(touch PWNED) `touch PWNED` 'q\"\\b", "|touch PWNED", "<touch PWNED", "-", "~x",
             "new\nline", dir.file("abs `touch PWNED` $(touch PWNED)")}) {
        INFO(out);
        const CliResult drawn =
            cli({"attention-map", checkpoint, "--input", "a\\b\"c'd'`e`$f", "--out", out,
                 "--layers", "0", "--heads", "0", "--threads", "1"});
        INFO(drawn.err);
        CHECK(drawn.status == kExitOk);
        CHECK(count_png(out) == 1);
        CHECK(!std::filesystem::exists(dir.file("PWNED")));
    }
}
