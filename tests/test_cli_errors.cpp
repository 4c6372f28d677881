// The exit-code rule (2 for every usage and config mistake, with one line naming it; 1 for runtime
// failures) and no leftovers: a command that fails leaves its output directory as it was.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "cli_helpers.h"
#include "temp_dir.h"
#include "train/cli.h"
#include "train/output_dir.h"

using namespace attnlab;
using attnlab::testing::cli;
using attnlab::testing::CliResult;
using attnlab::testing::one_error_line;
using Catch::Contains;

namespace {

// `attnlab train` of a tiny copy model into `out_dir` with `extra` overrides.
std::vector<std::string> tiny_train(const std::string& out_dir,
                                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"train", "--quiet",
                                     "--set", "data.train_size=16",
                                     "--set", "data.length=3",
                                     "--set", "model.d_model=8",
                                     "--set", "model.heads=2",
                                     "--set", "model.layers=1",
                                     "--set", "model.d_ff=8",
                                     "--set", "train.steps=4",
                                     "--set", "train.batch_size=4",
                                     "--set", "train.eval_every=2",
                                     "--set", "train.eval_batches=1",
                                     "--set", "train.log_every=1",
                                     "--set", "train.threads=1",
                                     "--set", "train.out_dir=" + out_dir};
    for (const std::string& assignment : extra) {
        args.push_back("--set");
        args.push_back(assignment);
    }
    return args;
}

// The checkpoint of a tiny copy model (vocabulary 0..9), trained once for all tests.
const std::string& tiny_checkpoint() {
    static testing::TempDir dir;
    static const std::string path = [] {
        const CliResult trained = cli(tiny_train(dir.path()));
        REQUIRE(trained.status == kExitOk);
        return dir.file("last.safetensors");
    }();
    return path;
}

// A process id that no process has: a child that has exited and been reaped.
long dead_pid() {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    int status = 0;
    waitpid(child, &status, 0);
    return long(child);
}

}  // namespace

TEST_CASE("cli errors: every config and flag mistake exits 2 with one line naming it",
          "[cli][cli-errors]") {
    testing::TempDir dir;
    const std::string checkpoint = tiny_checkpoint();
    struct Case {
        std::vector<std::string> overrides;  // for train; empty: `args` instead
        std::vector<std::string> args;
        std::string message;
    };
    const std::string a = "model.attention.";
    const std::string fifo = dir.file("fifo.json");  // opening it to read would block
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    const std::vector<Case> cases = {
        {{a + "kind=performer", a + "performer_features=0"}, {}, "performer_features"},
        {{a + "kind=factorized_random", a + "factorized_k=0"}, {}, "factorized_k"},
        {{a + "kind=factorized_dense", a + "factorized_a=3"}, {}, "factorized_a"},
        {{a + "kind=linformer", a + "linformer_k=0"}, {}, "linformer_k"},
        {{a + "kind=linformer"}, {}, "bidirectional only"},
        {{a + "kind=lightweight_conv", a + "conv_kernel=0"}, {}, "conv_kernel"},
        {{a + "kind=dynamic_conv", a + "conv_kernel=-1"}, {}, "conv_kernel"},
        {{a + "kind=random+random"}, {}, "appears twice"},
        {{a + "kind=vanilla+"}, {}, "unknown kind \"\""},
        {{a + "kind=performer+vanilla"}, {}, "cannot be mixed"},
        {{"train.weight_decay=-1"}, {}, "train.weight_decay"},
        {{}, {"train", "--config", dir.path()}, "is a directory"},
        {{}, {"inspect", "--config", dir.path()}, "is a directory"},
        {{}, {"train", "--config", fifo}, "is not a regular file"},
        {{"train.out_dir=\xff"}, {}, "is not valid UTF-8"},
        {{}, {"sample", checkpoint, "--temperature", "nan"}, "finite number"},
        {{}, {"sample", checkpoint, "--temperature", "inf"}, "finite number"},
        {{}, {"sample", checkpoint, "--temperature", "-inf"}, "finite number"},
        {{}, {"sample", checkpoint, "--temperature", "1e400"}, "finite number"},
        {{}, {"sample", checkpoint, "--length", "1000000000000"}, "tokens one sequence may hold"},
        {{}, {"sample", checkpoint, "--prompt", "1 99"}, "token id 99 is outside the vocabulary"},
        {{},
         {"attention-map", checkpoint, "--input", "1 10", "--out", dir.file("maps")},
         "token id 10 is outside the vocabulary 0..9"},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const std::string run = dir.file("run" + std::to_string(i));
        const CliResult result =
            cli(c.overrides.empty() ? c.args : tiny_train(run + "/nested", c.overrides));
        INFO("case " << i << ": " << result.err);
        CHECK(result.status == kExitUsage);
        CHECK(one_error_line(result.err));
        CHECK_THAT(result.err, Contains(c.message));
        CHECK(!std::filesystem::exists(run));  // a failed train creates no directory
    }
    CHECK(!std::filesystem::exists(dir.file("maps")));
}

TEST_CASE("cli errors: a tiny positive temperature is a number", "[cli][cli-errors]") {
    for (const char* temperature : {"1e-310", "4.9e-324", "1e-400", "0"}) {
        const CliResult sampled = cli({"sample", tiny_checkpoint(), "--prompt", "1 2", "--length",
                                       "3", "--temperature", temperature, "--threads", "1"});
        INFO(temperature << ": " << sampled.err);
        CHECK(sampled.status == kExitOk);
        CHECK(sampled.out.rfind("1 2 ", 0) == 0);
    }
}

TEST_CASE("cli errors: runtime failures exit 1 and leave no directory behind",
          "[cli][cli-errors]") {
    testing::TempDir dir;
    // Resuming where there is no run: nothing is created.
    std::vector<std::string> resume = tiny_train(dir.file("none/run"));
    resume.push_back("--resume");
    const CliResult missing = cli(resume);
    CHECK(missing.status == kExitFailure);
    CHECK(one_error_line(missing.err));
    CHECK(!std::filesystem::exists(dir.file("none")));

    // gnuplot missing: attention-map fails and removes the directory it made.
    const char* saved = std::getenv("PATH");
    REQUIRE(saved);
    const std::string path = saved;
    setenv("PATH", "/nonexistent-attnlab-test-dir", 1);
    const CliResult drawn = cli({"attention-map", tiny_checkpoint(), "--example", "0", "--out",
                                 dir.file("maps/new"), "--threads", "1"});
    setenv("PATH", path.c_str(), 1);
    CHECK(drawn.status == kExitFailure);
    CHECK_THAT(drawn.err, Contains("gnuplot"));
    CHECK(!std::filesystem::exists(dir.file("maps")));
}

TEST_CASE("cli errors: a failed write leaves config.json and metrics.jsonl as they were",
          "[cli][cli-errors]") {
    testing::TempDir dir;
    // config.json cannot be replaced (it is a directory): neither file may change.
    std::filesystem::create_directories(dir.file("config.json"));
    testing::write_file(dir.file("metrics.jsonl"), "{\"step\": 1}\n");
    const CliResult failed = cli(tiny_train(dir.path()));
    CHECK(failed.status == kExitFailure);
    CHECK(one_error_line(failed.err));
    CHECK(testing::read_file(dir.file("metrics.jsonl")) == "{\"step\": 1}\n");
    CHECK(std::filesystem::is_directory(dir.file("config.json")));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        CHECK(!is_temporary_name(entry.path().filename().string()));
}

TEST_CASE("cli errors: temporaries of a killed writer are removed by the next checkpoint write",
          "[cli][cli-errors][checkpoint]") {
    testing::TempDir dir;
    const std::string dead = std::to_string(dead_pid());
    const std::string own = std::to_string(getpid());
    const std::vector<std::string> stale = {"last.safetensors.tmp." + dead,
                                            "best.safetensors.tmp." + dead};
    const std::vector<std::string> kept = {"notes.tmp.txt", "last.safetensors.tmp.", "tmp." + dead,
                                           "last.safetensors.tmp.12a", "x.tmp." + own};
    for (const std::string& name : stale) testing::write_file(dir.file(name), "torn");
    for (const std::string& name : kept) testing::write_file(dir.file(name), "keep");
    CHECK(is_temporary_name(stale[0]));
    CHECK(!is_temporary_name(kept[0]));
    const CliResult trained = cli(tiny_train(dir.path()));
    INFO(trained.err);
    REQUIRE(trained.status == kExitOk);
    for (const std::string& name : stale) CHECK(!std::filesystem::exists(dir.file(name)));
    for (const std::string& name : kept) CHECK(std::filesystem::exists(dir.file(name)));
}

TEST_CASE("cli errors: resuming with train.steps below the checkpoint's step is a config error",
          "[cli][cli-errors]") {
    testing::TempDir dir;
    REQUIRE(cli(tiny_train(dir.path())).status == kExitOk);
    const std::string metrics = testing::read_file(dir.file("metrics.jsonl"));
    std::vector<std::string> resume = tiny_train(dir.path(), {"train.steps=2"});
    resume.push_back("--resume");
    const CliResult resumed = cli(resume);
    CHECK(resumed.status == kExitUsage);
    CHECK(one_error_line(resumed.err));
    CHECK_THAT(resumed.err, Contains("\"train.steps\" is 2") && Contains("at step 4"));
    CHECK(testing::read_file(dir.file("metrics.jsonl")) == metrics);
}
