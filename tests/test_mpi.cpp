// test_mpi.cpp — data-parallel `attnlab train` under mpirun (train/trainer.h): every logged loss
// of two processes against one process with the same global batch and seed, resumption across
// process counts, and a job that ends promptly when one of its processes fails. Each test starts
// the suite's own attnlab (tests/mpi_helpers.h); without a working mpirun they are skipped with
// one message.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/mpi_helpers.h"
#include "train/checkpoint.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// A copy_lm run of a few milliseconds per step that evaluates and checkpoints every 3 steps.
std::vector<std::string> mpi_train_command(const std::string& out_dir, int64_t steps,
                                           const std::vector<std::string>& extra) {
    std::vector<std::string> command = {attnlab_binary(), "train", "--quiet"};
    for (const char* set :
         {"data.train_size=64", "data.length=6", "model.d_model=16", "model.layers=2",
          "model.d_ff=32", "train.batch_size=6", "train.eval_every=3", "train.eval_batches=2",
          "train.checkpoint_every=3", "train.log_every=1", "train.threads=1",
          "train.schedule.kind=constant", "train.lr=1e-2", "train.seed=11"}) {
        command.push_back("--set");
        command.push_back(set);
    }
    for (const std::string& set : extra) {
        command.push_back("--set");
        command.push_back(set);
    }
    for (const std::string& set :
         {"train.steps=" + std::to_string(steps), "train.out_dir=" + out_dir}) {
        command.push_back("--set");
        command.push_back(set);
    }
    return command;
}

// metrics.jsonl: "train <step>" → loss, "valid <step>" → valid loss.
std::map<std::string, double> mpi_losses(const std::string& out_dir) {
    std::map<std::string, double> losses;
    std::ifstream in(out_dir + "/metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
        const nlohmann::json entry = nlohmann::json::parse(line);
        const std::string key = entry.contains("split") ? "valid " : "train ";
        losses[key + std::to_string(entry.at("step").get<int64_t>())] = entry.at("loss");
    }
    return losses;
}

void mpi_check_losses(const std::map<std::string, double>& expected,
                      const std::map<std::string, double>& actual, int64_t first_step) {
    int compared = 0;
    for (const auto& [key, loss] : expected) {
        if (std::stoll(key.substr(6)) < first_step) continue;
        INFO(key);
        REQUIRE(actual.count(key) == 1);
        CHECK(actual.at(key) == Approx(loss).epsilon(1e-5));
        ++compared;
    }
    CHECK(compared >= 2);
}

void mpi_require_ok(const ProcessResult& result) {
    INFO(result.err);
    REQUIRE(result.status == 0);
}

void mpi_compare_one_and_two(const std::vector<std::string>& extra) {
    TempDir dir;
    const std::string one = dir.file("one"), two = dir.file("two");
    mpi_require_ok(run_process(mpi_train_command(one, 6, extra), dir.file("1"), 60));
    mpi_require_ok(
        run_process(under_mpirun(2, mpi_train_command(two, 6, extra)), dir.file("2"), 60));
    mpi_check_losses(mpi_losses(one), mpi_losses(two), 1);
}

}  // namespace

TEST_CASE("mpi: two processes give one process's losses, softmax attention", "[mpi][mpirun]") {
    if (mpi_skip()) return;
    mpi_compare_one_and_two({"model.attention.kind=vanilla", "model.dropout=0.1"});
}

TEST_CASE("mpi: two processes give one process's losses, FAVOR+ with redraws and dropout",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    mpi_compare_one_and_two({"model.attention.kind=performer",
                             "model.attention.performer_features=8", "train.redraw_every=2",
                             "model.dropout=0.1"});
}

TEST_CASE("mpi: a checkpoint of two processes resumes on one and on two", "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::vector<std::string> extra = {"model.dropout=0.1"};
    const std::string whole = dir.file("whole"), part = dir.file("part");
    mpi_require_ok(run_process(mpi_train_command(whole, 6, extra), dir.file("w"), 60));
    mpi_require_ok(
        run_process(under_mpirun(2, mpi_train_command(part, 3, extra)), dir.file("p"), 60));
    for (int processes : {1, 2}) {
        INFO(processes << " processes resume");
        const std::string resumed = dir.file("resumed" + std::to_string(processes));
        std::filesystem::copy(part, resumed);
        std::vector<std::string> command = mpi_train_command(resumed, 6, extra);
        command.push_back("--resume");
        mpi_require_ok(run_process(processes == 1 ? command : under_mpirun(2, command),
                                   dir.file("r" + std::to_string(processes)), 60));
        mpi_check_losses(mpi_losses(whole), mpi_losses(resumed), 4);
    }
}

TEST_CASE("mpi: a config error is reported once and ends the job", "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    // Two processes cannot share a global batch of one.
    const ProcessResult result =
        run_process(under_mpirun(2, mpi_train_command(dir.file("run"), 3, {"train.batch_size=1"})),
                    dir.file("e"), 30);
    INFO(result.err);
    CHECK(result.status != 0);
    CHECK(result.status != -1);
    size_t lines = 0;
    for (size_t at = result.err.find("attnlab: "); at != std::string::npos;
         at = result.err.find("attnlab: ", at + 1))
        ++lines;
    CHECK(lines == 1);
    CHECK_THAT(result.err, Catch::Contains("train.batch_size") &&
                               Catch::Contains("at least the number of processes (2)"));
}

TEST_CASE("mpi: a killed process ends the job promptly, the last checkpoint intact",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::string out_dir = dir.file("run");
    Process job(under_mpirun(2, mpi_train_command(out_dir, 1000000, {})), dir.file("k"));
    REQUIRE(job.pid() > 0);
    // Once a checkpoint exists, kill process 1 (a child of mpirun whose rank variable says 1).
    const auto begin = std::chrono::steady_clock::now();
    while (job.running() && !std::filesystem::exists(out_dir + "/last.safetensors") &&
           std::chrono::steady_clock::now() - begin < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pid_t victim = -1;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string pid, comm, state;
        pid_t parent = -1;
        stat >> pid >> comm >> state >> parent;
        if (parent != job.pid()) continue;
        const std::string environment = read_file((entry.path() / "environ").string());
        if (environment.find(std::string("OMPI_COMM_WORLD_RANK=1") + '\0') != std::string::npos)
            victim = pid_t(std::stol(name));
    }
    REQUIRE(victim > 0);
    REQUIRE(kill(victim, SIGKILL) == 0);
    const ProcessResult result = job.wait(30);
    INFO(result.err);
    CHECK(result.status != 0);
    CHECK(result.status != -1);  // ended by itself, well within the limit
    CHECK_NOTHROW(read_checkpoint(out_dir + "/last.safetensors"));
}

TEST_CASE("mpi: Ctrl-C to mpirun stops every process after one step, process 0 saves once",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::string out_dir = dir.file("run");
    // No periodic checkpoint: whatever last.safetensors holds, the stop wrote.
    Process job(
        under_mpirun(2, mpi_train_command(out_dir, 1000000, {"train.checkpoint_every=1000000"})),
        dir.file("i"));
    REQUIRE(job.pid() > 0);
    const auto begin = std::chrono::steady_clock::now();
    auto logged_lines = [&] {
        std::ifstream log(out_dir + "/metrics.jsonl");
        return std::count(std::istreambuf_iterator<char>(log), {}, '\n');
    };
    while (job.running() && logged_lines() < 5 &&
           std::chrono::steady_clock::now() - begin < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(kill(job.pid(), SIGINT) == 0);  // mpirun: SIGTERM to each process, SIGKILL later
    const ProcessResult result = job.wait(30);
    INFO(result.err);
    CHECK(result.status != 0);
    CHECK(result.status != -1);
    const std::string said = "attnlab: interrupted at step ";
    const size_t at = result.err.find(said);
    REQUIRE(at != std::string::npos);
    CHECK(result.err.find(said, at + 1) == std::string::npos);  // said (and saved) once
    const int64_t step = std::stoll(result.err.substr(at + said.size()));
    CHECK(step >= 5);
    CHECK(read_checkpoint(out_dir + "/last.safetensors").state.step == step);
}
