// The attnlab command line through run_cli: exit statuses, one-line errors, and a smoke run of
// train → inspect → eval → sample.
#include <catch2/catch.hpp>
#include <sstream>

#include "cli_helpers.h"
#include "temp_dir.h"
#include "train/cli.h"
#include "train/config.h"

using namespace attnlab;
using attnlab::testing::cli;
using attnlab::testing::CliResult;
using attnlab::testing::one_error_line;
using Catch::Contains;
using Catch::StartsWith;

namespace {}  // namespace

TEST_CASE("cli: --help of every command exits 0 with an example", "[cli]") {
    for (const char* command : {"train", "eval", "sample", "inspect"}) {
        INFO(command);
        const CliResult result = cli({command, "--help"});
        CHECK(result.status == kExitOk);
        CHECK_THAT(result.out, StartsWith("usage: attnlab ") && Contains("example"));
    }
    CHECK(cli({"--help"}).status == kExitOk);
}

TEST_CASE("cli: usage and config mistakes exit 2 with one line", "[cli]") {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"train", "--bogus"},
                                               {"frobnicate"},
                                               {"train", "--set", "train.setps=3"},
                                               {"train", "--set", "train.steps=ten"},
                                               {"train", "--config"},
                                               {"eval"},
                                               {"sample", "a", "b"},
                                               {"sample", "x.safetensors", "--length", "many"}}) {
        const CliResult result = cli(args);
        INFO(args[0] << ": " << result.err);
        CHECK(result.status == kExitUsage);
        CHECK(one_error_line(result.err));
    }
    CHECK_THAT(cli({"train", "--bogus"}).err,
               Contains("unknown option --bogus for 'attnlab train'"));
    CHECK_THAT(cli({"train", "--set", "train.setps=3"}).err,
               Contains("unknown key \"train.setps\""));
    CHECK(cli({}).status == kExitUsage);
    CHECK(one_error_line(cli({}).err));
}

TEST_CASE("cli: missing or corrupted files exit 1 naming the file", "[cli]") {
    testing::TempDir dir;
    const std::string missing = dir.file("missing.safetensors");
    for (const char* command : {"eval", "sample", "inspect"}) {
        const CliResult result = cli({command, missing});
        CHECK(result.status == kExitFailure);
        CHECK(one_error_line(result.err));
        CHECK_THAT(result.err, Contains(missing));
    }
    testing::write_file(dir.file("junk.safetensors"), "not a checkpoint at all");
    CHECK(cli({"eval", dir.file("junk.safetensors")}).status == kExitFailure);
    // A config file that does not exist is a usage mistake, named.
    const CliResult config = cli({"train", "--config", dir.file("nope.json")});
    CHECK(config.status == kExitUsage);
    CHECK_THAT(config.err, Contains(dir.file("nope.json")));
}

TEST_CASE("cli: train, inspect, eval and sample a tiny copy model", "[cli]") {
    testing::TempDir dir;
    const std::vector<std::string> sets = {"--set", "data.train_size=64",
                                           "--set", "data.length=3",
                                           "--set", "model.d_model=16",
                                           "--set", "model.layers=1",
                                           "--set", "model.d_ff=32",
                                           "--set", "train.steps=6",
                                           "--set", "train.batch_size=4",
                                           "--set", "train.eval_every=3",
                                           "--set", "train.eval_batches=1",
                                           "--set", "train.threads=1",
                                           "--set", "train.out_dir=" + dir.path()};
    std::vector<std::string> train = {"train", "--quiet"};
    train.insert(train.end(), sets.begin(), sets.end());
    const CliResult trained = cli(train);
    INFO(trained.err);
    REQUIRE(trained.status == kExitOk);
    CHECK_THAT(trained.out, Contains("trained steps 1..6"));
    CHECK(cli(train).status == kExitUsage);  // the run is there already
    train.push_back("--resume");
    CHECK_THAT(cli(train).out, Contains("nothing to do"));

    const std::string checkpoint = dir.file("last.safetensors");
    const CliResult inspected = cli({"inspect", checkpoint});
    CHECK(inspected.status == kExitOk);
    CHECK_THAT(inspected.out, Contains("step 6") && Contains("embed.weight") &&
                                  Contains("[10, 16]") && Contains("total parameters: "));

    const CliResult evaluated =
        cli({"eval", checkpoint, "--split", "test", "--batches", "2", "--threads", "1"});
    CHECK(evaluated.status == kExitOk);
    CHECK_THAT(evaluated.out, Contains("on test:") && Contains("bpc") && Contains("accuracy"));
    CHECK(cli({"eval", checkpoint, "--split", "dev"}).status == kExitUsage);

    const CliResult sampled = cli({"sample", checkpoint, "--prompt", "2 3 1", "--length", "4",
                                   "--temperature", "0", "--threads", "1"});
    CHECK(sampled.status == kExitOk);
    CHECK_THAT(sampled.out, StartsWith("2 3 1 "));
    const CliResult again = cli({"sample", checkpoint, "--prompt", "2 3 1", "--length", "4",
                                 "--top-k", "3", "--seed", "5"});
    CHECK(again.status == kExitOk);
    CHECK(again.out == cli({"sample", checkpoint, "--prompt", "2 3 1", "--length", "4", "--top-k",
                            "3", "--seed", "5"})
                           .out);
    CHECK(again.out == cli({"sample", checkpoint, "--prompt", "2 3 1", "--length", "4", "--top-k",
                            "3", "--seed", "5", "--whole-prefix"})
                           .out);  // the reference decoding draws the same tokens
    CHECK(cli({"sample", checkpoint, "--prompt", "2 x"}).status == kExitUsage);

    std::vector<std::string> inspect = {"inspect", "--config", dir.file("config.json")};
    const CliResult from_config = cli(inspect);
    CHECK(from_config.status == kExitOk);
    CHECK_THAT(from_config.out, Contains("\"task\": \"copy_lm\""));
}

TEST_CASE("cli: a character model trains on a text file and samples from a text prompt", "[cli]") {
    testing::TempDir dir;
    std::string text;
    for (int i = 0; i < 40; ++i) text += "the cat sat on the mat. ";
    testing::write_file(dir.file("corpus.txt"), text);
    const CliResult trained = cli({"train", "--quiet",
                                   "--set", "data.task=text_file",
                                   "--set", "data.path=" + dir.file("corpus.txt"),
                                   "--set", "data.seq_len=16",
                                   "--set", "model.d_model=16",
                                   "--set", "model.layers=1",
                                   "--set", "model.d_ff=32",
                                   "--set", "train.steps=3",
                                   "--set", "train.batch_size=4",
                                   "--set", "train.eval_batches=1",
                                   "--set", "train.threads=1",
                                   "--set", "train.out_dir=" + dir.path()});
    INFO(trained.err);
    REQUIRE(trained.status == kExitOk);
    const std::string checkpoint = dir.file("last.safetensors");
    const CliResult sampled =
        cli({"sample", checkpoint, "--prompt", "the ", "--length", "5", "--threads", "1"});
    CHECK(sampled.status == kExitOk);
    CHECK(sampled.out.size() == 4 + 5 + 1);  // prompt, 5 characters, newline
    CHECK_THAT(sampled.out, StartsWith("the "));
    const CliResult unknown = cli({"sample", checkpoint, "--prompt", "the dog"});  // no 'd', 'g'
    CHECK(unknown.status == kExitUsage);
    CHECK_THAT(unknown.err, Contains("--prompt") && Contains("'d'"));
    const CliResult evaluated = cli({"eval", checkpoint, "--threads", "1"});
    CHECK(evaluated.status == kExitOk);
    CHECK_THAT(evaluated.out, Contains("on valid:") && Contains("bpc"));
}

TEST_CASE("cli: the sample configs resolve", "[cli]") {
    for (const char* path :
         {"train/configs/copy_lm.json", "train/configs/text_file_performer.json",
          "train/configs/kjv_char.json", "train/configs/listops.json",
          "train/configs/kjv_transduce.json", "train/configs/associative_recall.json",
          "train/configs/pathfinder.json"}) {
        INFO(path);
        CHECK_NOTHROW(load_config(path));
    }
}
