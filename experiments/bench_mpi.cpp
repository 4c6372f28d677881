// bench_mpi.cpp — what data-parallel training costs (issue 23 "Numbers"), run under mpirun:
//
//   allreduce  for float buffers of 1 KiB .. --max-mib MiB (×4 each time): the median time of
//              --reps all-reduces (after one untimed) through train/distributed.h, as the
//              algorithm bandwidth bytes / time and the bus bandwidth 2(N − 1)/N · bytes / time
//              (what each process sends and receives in a ring all-reduce, the figure to compare
//              with a link's speed).
//   train      --steps steps of the attnlab Trainer (train/trainer.h) on kjv_char with LM-S's
//              sizes (bench.cpp: T 256, d 256, 4 heads, 4 layers, d_ff 1024, global batch 16),
//              the median tokens/s of the steps after --warmup, and the median step time.
//
// Process 0 prints. Compare `mpirun -np 2 bench_mpi --threads 1` with `bench_mpi --threads 2`
// (README "Multi-process training").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/launch.h"
#include "train/config.h"
#include "train/distributed.h"
#include "train/trainer.h"

using namespace attnlab;

namespace {

const char* const kBenchMpiHelp =
    "bench_mpi — all-reduce bandwidth and LM-S data-parallel training throughput\n"
    "\n"
    "usage: [mpirun -np N] bench_mpi [--what allreduce|train|all] [--max-mib M] [--reps R]\n"
    "                                [--steps S] [--warmup W] [--threads T] [--kind KIND]\n"
    "\n"
    "  --what     what to measure (default all)\n"
    "  --max-mib  the largest all-reduce buffer in MiB (default 256; from 1 KiB, ×4 each time)\n"
    "  --reps     timed all-reduces per size, median reported (default 5)\n"
    "  --steps    training steps (default 12), --warmup of them untimed (default 2)\n"
    "  --threads  OpenMP threads per process (default 0: all)\n"
    "  --kind     attention kind of the LM (default vanilla)\n";

struct BenchMpiOptions {
    std::string what = "all", kind = "vanilla";
    int64_t max_mib = 256, reps = 5, steps = 12, warmup = 2, threads = 0;
};

[[noreturn]] void bench_mpi_usage(const std::string& message) {
    if (distributed::is_root())
        std::fprintf(stderr, "bench_mpi: %s (see --help)\n", message.c_str());
    distributed::abort(2);
}

BenchMpiOptions parse(int argc, char** argv) {
    BenchMpiOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help") {
            if (distributed::is_root()) std::fputs(kBenchMpiHelp, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) bench_mpi_usage(flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--what" || flag == "--kind") {
            (flag == "--what" ? options.what : options.kind) = value;
            continue;
        }
        int64_t* target = flag == "--max-mib"   ? &options.max_mib
                          : flag == "--reps"    ? &options.reps
                          : flag == "--steps"   ? &options.steps
                          : flag == "--warmup"  ? &options.warmup
                          : flag == "--threads" ? &options.threads
                                                : nullptr;
        if (!target) bench_mpi_usage("unknown flag \"" + flag + "\"");
        char* end = nullptr;
        *target = std::strtoll(value.c_str(), &end, 10);
        if (*end != '\0' || *target < 0)
            bench_mpi_usage(flag + " \"" + value + "\" is not a count");
    }
    if (options.what != "all" && options.what != "allreduce" && options.what != "train")
        bench_mpi_usage("--what \"" + options.what + "\" is not one of allreduce, train, all");
    if (options.steps <= options.warmup) bench_mpi_usage("--steps must exceed --warmup");
    if (options.reps < 1 || options.max_mib < 1)
        bench_mpi_usage("--reps and --max-mib must be positive");
    return options;
}

double bench_mpi_median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double bench_mpi_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void measure_allreduce(const BenchMpiOptions& options) {
    const int ranks = distributed::size();
    if (distributed::is_root())
        std::printf("all-reduce over %d processes\n%12s %12s %14s %14s\n", ranks, "bytes",
                    "median_us", "algbw_GB/s", "busbw_GB/s");
    for (int64_t bytes = 1024; bytes <= options.max_mib << 20; bytes *= 4) {
        std::vector<float> buffer(size_t(bytes / 4), 1.0f);
        std::vector<double> seconds;
        for (int64_t rep = 0; rep <= options.reps; ++rep) {
            distributed::barrier();
            const double begin = bench_mpi_now();
            distributed::allreduce_sum(buffer.data(), int64_t(buffer.size()));
            if (rep > 0) seconds.push_back(bench_mpi_now() - begin);
        }
        // The slowest process's time is the collective's.
        double median = bench_mpi_median(seconds);
        distributed::allreduce_max(&median, 1);
        if (distributed::is_root())
            std::printf("%12lld %12.1f %14.3f %14.3f\n", (long long)bytes, median * 1e6,
                        double(bytes) / median / 1e9,
                        2.0 * (ranks - 1) / ranks * double(bytes) / median / 1e9);
    }
}

void measure_training(const BenchMpiOptions& options) {
    std::string out_dir;
    if (distributed::is_root()) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "bench_mpi_XXXXXX").string();
        ATTNLAB_CHECK(mkdtemp(pattern.data()), "bench_mpi: cannot make a scratch directory");
        out_dir = pattern;
    }
    distributed::broadcast(out_dir);
    const json config = load_config(
        "", {"data.task=kjv_char", "data.context_length=256", "model.d_model=256", "model.heads=4",
             "model.layers=4", "model.d_ff=1024", "model.attention.kind=" + options.kind,
             "train.batch_size=16", "train.steps=" + std::to_string(options.steps),
             "train.eval_every=0", "train.checkpoint_every=0", "train.log_every=0",
             "train.threads=" + std::to_string(options.threads), "train.out_dir=" + out_dir});
    TrainerOptions trainer_options;
    trainer_options.overwrite = true;
    Trainer trainer(config, trainer_options);
    trainer.run();
    std::vector<double> tokens_per_s, step_s;
    for (const StepRecord& record : trainer.history())
        if (record.step > options.warmup) tokens_per_s.push_back(record.tokens_per_s);
    const double throughput = bench_mpi_median(tokens_per_s);
    if (distributed::is_root()) {
        std::printf(
            "LM-S (%s) training, %d processes x %lld threads: median %.0f tokens/s, %.3f s/step "
            "(global batch 16 x 256 tokens, %lld timed steps)\n",
            options.kind.c_str(), distributed::size(), (long long)options.threads, throughput,
            16.0 * 256.0 / throughput, (long long)tokens_per_s.size());
        std::error_code ignored;
        std::filesystem::remove_all(out_dir, ignored);
    }
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    const BenchMpiOptions options = parse(argc, argv);
    try {
        if (options.what != "train") measure_allreduce(options);
        if (options.what != "allreduce") measure_training(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_mpi: %s\n", e.what());
        distributed::abort(1);
    }
    return 0;
}
