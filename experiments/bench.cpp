// bench.cpp — training-step speed and memory of the causal LM (models/lm.h) for every attention
// kind (issue 6 "Performance"): the attnlab side of the PyTorch reference torch_ref.py `train`
// (experiments/compare_torch.sh runs both back to back).
//
// A step is what a trainer does: zero_grad, forward + loss, backward, AdamW step (engine/optim.h),
// on real KJV windows (train split, context T; the first batches of a seeded BatchSampler, built
// before timing). Reported per (config, kind): the median step time over --steps steps after
// --warmup untimed ones, tokens/s, model FLOPs per step (experiments/lib/flops.h, torch_ref.py's
// convention), achieved GFLOP/s and MFU = achieved / the sgemm peak measured in this run (median
// GFLOP/s of n = 1024 and n = 2048 gemm through engine/kernels/blas.h, the better of the two).
//
// Memory: each measurement runs in its own child process (experiments/lib/measure.h), so its peak
// RSS is its own; a baseline child loads the same data but builds no model. The accounted bytes
// are parameters + gradients + AdamW state (2 × trainable parameters) + saved activations; the
// latter is the growth of the pool's live bytes (engine/buffer.h) across the forward, i.e. what
// the graph holds for the backward. The pool only tracks buffers ≥ 64 KiB, so smaller saved
// tensors are missed (negligible at LM-S/LM-M, most of it at "tiny").
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "engine/buffer.h"
#include "engine/kernels/blas.h"
#include "engine/launch.h"
#include "engine/optim.h"
#include "experiments/lib/flops.h"
#include "experiments/lib/measure.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"
#include "models/lm.h"
#include "models/zoo.h"
#include "train/data/kjv_lm.h"
#include "train/distributed.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr uint64_t kDataSeed = 1234, kInitSeed = 1234;
constexpr double kLearningRate = 1e-3;

const char* const kHelp =
    "bench — training-step time, throughput, FLOP/s, MFU and memory of the causal LM per "
    "attention kind\n"
    "\n"
    "usage: bench [--config LM-S|LM-M|tiny|all] [--kinds a,b,c] [--steps N] [--warmup N]\n"
    "             [--json-out FILE] [--help]\n"
    "\n"
    "  --config    LM-S (default): T 256, d 256, 4 heads, 4 layers, d_ff 1024, batch 16\n"
    "              LM-M: T 512, d 512, 8 heads, 6 layers, d_ff 2048, batch 8\n"
    "              tiny: T 32, d 32, 2 heads, 2 layers, d_ff 64, batch 2 (smoke tests)\n"
    "  --kinds     attention kinds, comma-separated (default: every causal kind and the mixtures\n"
    "              random+vanilla, dense+vanilla; linformer is bidirectional-only)\n"
    "  --steps     timed steps per measurement, median reported (default 10)\n"
    "  --warmup    untimed steps first (default 2)\n"
    "  --json-out  append one JSON line per measurement to FILE\n"
    "\n"
    "Each step: forward + loss, backward, AdamW, on KJV character windows. Each measurement runs\n"
    "in its own process for its peak RSS. MFU = model GFLOP/s / sgemm GFLOP/s measured in the\n"
    "same run. Exit status: 0 ok, 1 runtime failure, 2 bad usage.\n";

struct BenchConfig {
    std::string name;
    int64_t T, d_model, heads, layers, d_ff, batch;
};
// torch_ref.py's CONFIGS.
const std::vector<BenchConfig> kConfigs = {{"LM-S", 256, 256, 4, 4, 1024, 16},
                                           {"LM-M", 512, 512, 8, 6, 2048, 8},
                                           {"tiny", 32, 32, 2, 2, 64, 2}};

struct Options {
    std::vector<BenchConfig> configs;
    std::vector<std::string> kinds;
    int steps = 10, warmup = 2;
    std::string json_out;
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "bench: %s (see bench --help)\n", message.c_str());
    std::exit(2);
}

std::vector<std::string> default_kinds() {
    std::vector<std::string> kinds;
    for (const KindInfo* kind : registered_kinds())
        if (kind->causal) kinds.push_back(kind->name);
    kinds.push_back("random+vanilla");
    kinds.push_back("dense+vanilla");
    return kinds;
}

// A kind is valid if a small causal layer of it builds (the zoo's checks and messages).
void check_kind(const std::string& kind) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 4;
    config.causal = true;
    config.kind = kind;
    Rng rng(0);
    try {
        make_token_mixer(config, rng);
    } catch (const Error& e) {
        usage_error(std::string("--kinds: ") + e.what());
    }
}

int parse_count(const std::string& flag, const std::string& value, int minimum) {
    char* end = nullptr;
    const long n = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || n < minimum || n > 100000)
        usage_error(flag + " \"" + value + "\" must be an integer in [" + std::to_string(minimum) +
                    ", 100000]");
    return int(n);
}

const BenchConfig* find_config(const std::string& name) {
    for (const BenchConfig& c : kConfigs)
        if (c.name == name) return &c;
    return nullptr;
}

Options parse_options(int argc, char** argv) {
    Options options;
    std::string config = "LM-S", kinds;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::printf("%s", kHelp);
            std::exit(0);
        }
        if (flag != "--config" && flag != "--kinds" && flag != "--steps" && flag != "--warmup" &&
            flag != "--json-out")
            usage_error("unknown flag \"" + flag +
                        "\"; valid: --config, --kinds, --steps, --warmup, --json-out, --help");
        if (i + 1 >= argc) usage_error(flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--config") config = value;
        if (flag == "--kinds") kinds = value;
        if (flag == "--steps") options.steps = parse_count(flag, value, 1);
        if (flag == "--warmup") options.warmup = parse_count(flag, value, 0);
        if (flag == "--json-out") options.json_out = value;
    }
    if (config == "all")
        options.configs = kConfigs;
    else if (const BenchConfig* c = find_config(config))
        options.configs = {*c};
    else
        usage_error("--config \"" + config + "\" is not one of: LM-S, LM-M, tiny, all");
    if (kinds.empty()) {
        options.kinds = default_kinds();
    } else {
        for (size_t start = 0;;) {
            const size_t comma = kinds.find(',', start);
            const std::string kind = kinds.substr(start, comma - start);
            if (kind.empty()) usage_error("--kinds \"" + kinds + "\" has an empty entry");
            check_kind(kind);
            options.kinds.push_back(kind);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return options;
}

// --- child modes ---------------------------------------------------------------------------------

// `--run-sgemm`: median GFLOP/s of an n × n × n gemm for n = 1024 and 2048 (as sgemm_peak.c).
json measure_gemm() {
    json out;
    Rng rng(1);
    for (const int64_t n : {1024, 2048}) {
        std::vector<real> a(size_t(n * n)), b(size_t(n * n)), c(size_t(n * n));
        for (real& v : a) v = real(rng.uniform(-0.5, 0.5));
        for (real& v : b) v = real(rng.uniform(-0.5, 0.5));
        const double seconds = median_seconds(
            [&] {
                kernels::gemm(false, false, n, n, n, 1, a.data(), n, b.data(), n, 0, c.data(), n);
            },
            n == 1024 ? 20 : 7, 2);
        out["gflops_" + std::to_string(n)] = 2.0 * double(n) * n * n / seconds * 1e-9;
    }
    return out;
}

// `--run CONFIG KIND STEPS WARMUP`: times the training steps; KIND "none" only loads the data (the
// baseline).
json measure_training(const BenchConfig& config, const std::string& kind, int steps, int warmup) {
    const KjvLanguageModel data("train", {config.T});
    BatchSampler sampler(data.size(), config.batch, kDataSeed);
    std::vector<Batch> batches;
    for (int i = 0; i < steps + warmup; ++i) batches.push_back(make_batch(data, sampler.next()));
    if (kind == "none") return {{"vocab", data.vocab_size()}};

    LmConfig lm;
    lm.stack.vocab = data.vocab_size();
    lm.stack.d_model = config.d_model;
    lm.stack.heads = config.heads;
    lm.stack.layers = config.layers;
    lm.stack.d_ff = config.d_ff;
    lm.stack.max_len = config.T;
    lm.stack.attention.kind = kind;
    Rng rng(kInitSeed);
    LanguageModel model(lm, rng);
    AdamW optimizer(model.parameters());

    size_t next = 0, activation_bytes = 0;
    std::vector<double> losses;
    const double seconds = median_seconds(
        [&] {
            const Batch& batch = batches[next++];
            optimizer.zero_grad();
            const size_t live_before = pool_stats().live_bytes;
            const Tensor loss = model.loss(batch.input, batch.target);
            const size_t live_after = pool_stats().live_bytes;
            if (live_after > live_before)
                activation_bytes = std::max(activation_bytes, live_after - live_before);
            loss.backward();
            optimizer.step(kLearningRate);
            losses.push_back(double(loss.data()[0]));
        },
        steps, warmup);

    int64_t gradient_elements = 0;
    for (const Parameter& p : model.parameters())
        if (p.tensor.grad().defined()) gradient_elements += p.tensor.numel();
    const int64_t bytes = sizeof(real);
    const kernels::BlasInfo blas = kernels::blas_info();
    return {{"vocab", lm.stack.vocab},
            {"parameters", model.count_parameters()},
            {"trainable_parameters", model.count_parameters(true)},
            {"seconds", seconds},
            {"flops_per_step", lm_training_step_flops(lm, config.batch, config.T)},
            {"parameter_bytes", model.count_parameters() * bytes},
            {"gradient_bytes", gradient_elements * bytes},
            {"optimizer_bytes", 2 * model.count_parameters(true) * bytes},
            {"activation_bytes", activation_bytes},
            {"loss_first", losses.front()},
            {"loss_last", losses.back()},
            {"openblas_core", blas.core},
            {"omp_wait_policy", blas.omp_wait_policy},
            {"threads", blas.threads}};
}

// Runs a child mode, printing its JSON (or {"error": ...}) on one line.
int child_main(int argc, char** argv) {
    try {
        const std::string mode = argv[1];
        json result;
        if (mode == "--run-sgemm") {
            result = measure_gemm();
        } else {
            ATTNLAB_CHECK(argc == 6, "bench --run: expected CONFIG KIND STEPS WARMUP");
            const BenchConfig* config = find_config(argv[2]);
            ATTNLAB_CHECK(config, "bench --run: unknown config ", argv[2]);
            result = measure_training(*config, argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
        }
        std::printf("%s\n", result.dump().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::printf("%s\n", json{{"error", e.what()}}.dump().c_str());
        return 1;
    }
}

// --- parent ----------------------------------------------------------------------------------

// Runs a child and returns its JSON with "peak_rss_mib"; a failed child is an Error.
json run_child(const std::vector<std::string>& arguments, const std::string& what) {
    const ChildResult child = run_isolated(arguments, 0);
    json result;
    try {
        result = json::parse(child.output);
    } catch (const json::exception&) {
        throw Error(cat(what, ": the child process ended with status ", child.exit_status,
                        " and no result"));
    }
    if (child.exit_status != 0 || result.contains("error"))
        throw Error(cat(what, ": ",
                        result.value("error", "exit status " + std::to_string(child.exit_status))));
    result["peak_rss_mib"] = child.peak_rss_mib;
    return result;
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

double mib(const json& bytes) {
    return bytes.get<double>() / (1024.0 * 1024.0);
}

// The report's first lines: the machine, the commit and how OpenBLAS runs.
void print_header(const json& machine, const kernels::BlasInfo& blas) {
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    std::printf("# bench: training steps (forward + backward + AdamW) of the causal LM, %s\n\n",
                kRealName);
    std::printf("machine: %s, %s cores, %s; git %s\n", machine["cpu"].get<std::string>().c_str(),
                machine["cores"].dump().c_str(), machine["memory"].get<std::string>().c_str(),
                git_commit().c_str());
    std::printf(
        "OpenBLAS: core %s, %d threads, %s flavour; OPENBLAS_CORETYPE=%s%s; "
        "OMP_WAIT_POLICY=%s\n",
        blas.core, blas.threads, blas.openmp ? "OpenMP" : "pthreads",
        coretype ? coretype : "(unset)",
        blas.coretype_forced ? " (set by configure_process, engine/launch.h)" : "",
        blas.omp_wait_policy);
    std::fflush(stdout);
}

// The sgemm peak (GFLOP/s) that MFU is measured against, from a child process; printed.
double sgemm_peak(const Options& options) {
    const json gemm = run_child({"--run-sgemm"}, "sgemm peak");
    const double peak =
        std::max(gemm["gflops_1024"].get<double>(), gemm["gflops_2048"].get<double>());
    std::printf("sgemm peak: %.1f GFLOP/s (median GFLOP/s: n = 1024 %.1f, n = 2048 %.1f)\n", peak,
                gemm["gflops_1024"].get<double>(), gemm["gflops_2048"].get<double>());
    std::printf("steps: median of %d after %d warm-up\n\n", options.steps, options.warmup);
    std::fflush(stdout);
    return peak;
}

// What every (config, kind) measurement shares.
struct BenchRun {
    const Options& options;
    double peak;  // sgemm GFLOP/s
    json machine;
    std::ofstream json_out;  // open if --json-out was given
    Table speed{{"config", "kind", "ms/step", "tokens/s", "GFLOP/s", "MFU %", "peak RSS MiB",
                 "accounted MiB", "RSS/accounted"},
                {}};
    Table memory{{"config", "kind", "params MiB", "grads MiB", "AdamW MiB", "activations MiB",
                  "accounted MiB", "peak RSS MiB", "(RSS − baseline)/accounted"},
                 {}};
};

// Measures one (config, kind) in a child process: appends its JSON line to --json-out and its
// rows to the speed and memory tables.
void bench_kind(BenchRun& run, const BenchConfig& config, const std::string& kind,
                double base_mib) {
    const Options& options = run.options;
    std::fprintf(stderr, "bench: %s %s ...\n", config.name.c_str(), kind.c_str());
    json r = run_child(
        {"--run", config.name, kind, std::to_string(options.steps), std::to_string(options.warmup)},
        config.name + " " + kind);
    const double seconds = r["seconds"].get<double>();
    const double gflops = r["flops_per_step"].get<double>() / seconds * 1e-9;
    const double accounted = mib(r["parameter_bytes"]) + mib(r["gradient_bytes"]) +
                             mib(r["optimizer_bytes"]) + mib(r["activation_bytes"]);
    const double rss = r["peak_rss_mib"].get<double>();
    r.update({{"config", config.name},
              {"kind", kind},
              {"T", config.T},
              {"d_model", config.d_model},
              {"heads", config.heads},
              {"layers", config.layers},
              {"d_ff", config.d_ff},
              {"batch", config.batch},
              {"steps", options.steps},
              {"warmup", options.warmup},
              {"ms_median", seconds * 1e3},
              {"tok_per_s", double(config.batch * config.T) / seconds},
              {"gflops", gflops},
              {"sgemm_peak_gflops", run.peak},
              {"mfu", gflops / run.peak},
              {"baseline_rss_mib", base_mib},
              {"accounted_mib", accounted},
              {"rss_over_accounted", rss / accounted},
              {"machine", run.machine},
              {"git_commit", git_commit()}});
    if (run.json_out.is_open()) {
        run.json_out << r.dump() << "\n";
        run.json_out.flush();
        ATTNLAB_CHECK(run.json_out.good(), "write to ", options.json_out, " failed");
    }
    run.speed.rows.push_back({config.name, kind, fixed(seconds * 1e3, 1),
                              fixed(r["tok_per_s"].get<double>(), 0), fixed(gflops, 1),
                              fixed(100 * gflops / run.peak, 1), fixed(rss, 1), fixed(accounted, 1),
                              fixed(rss / accounted, 2)});
    run.memory.rows.push_back(
        {config.name, kind, fixed(mib(r["parameter_bytes"]), 1), fixed(mib(r["gradient_bytes"]), 1),
         fixed(mib(r["optimizer_bytes"]), 1), fixed(mib(r["activation_bytes"]), 1),
         fixed(accounted, 1), fixed(rss, 1), fixed((rss - base_mib) / accounted, 2)});
}

int run(const Options& options) {
    BenchRun bench{options, 0, json(), std::ofstream()};
    if (!options.json_out.empty()) {
        bench.json_out.open(options.json_out, std::ios::app);
        ATTNLAB_CHECK(bench.json_out.good(), "cannot open ", options.json_out, " for appending");
    }
    const kernels::BlasInfo blas = kernels::blas_info();
    bench.machine = machine_description();
    print_header(bench.machine, blas);
    bench.peak = sgemm_peak(options);

    std::vector<std::string> baselines;
    for (const BenchConfig& config : options.configs) {
        const json baseline =
            run_child({"--run", config.name, "none", "1", "0"}, config.name + " baseline");
        const double base_mib = baseline["peak_rss_mib"].get<double>();
        baselines.push_back(config.name + " " + fixed(base_mib, 1) + " MiB");
        for (const std::string& kind : options.kinds) bench_kind(bench, config, kind, base_mib);
    }
    std::printf("%s\n", bench.speed.markdown().c_str());
    std::printf(
        "Memory accounting: accounted = parameters + gradients + AdamW state (2 × trainable)"
        " + saved activations (pool live bytes gained across the forward; the pool tracks "
        "only buffers ≥ %zu KiB, smaller ones are missed).\n\n",
        kPoolMinBytes / 1024);
    std::printf("%s\n", bench.memory.markdown().c_str());
    std::string line;
    for (const std::string& b : baselines) line += (line.empty() ? "" : ", ") + b;
    std::printf("baseline peak RSS (process + KJV batches, no model): %s\n", line.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    if (argc >= 2 && (std::string(argv[1]) == "--run" || std::string(argv[1]) == "--run-sgemm"))
        return child_main(argc, argv);
    const Options options = parse_options(argc, argv);
    try {
        return run(options);
    } catch (const std::exception& e) {
        if (distributed::size() > 1) distributed::end_job(std::cerr, "bench", e.what(), 1);
        std::fprintf(stderr, "bench: %s\n", e.what());
        return 1;
    }
}
