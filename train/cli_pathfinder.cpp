// cli_pathfinder.cpp — `attnlab pathfinder-samples`: a PNG of Pathfinder examples of both labels
// (pathfinder_picture.h), to see what a config's images look like.
#include "train/cli.h"
#include "train/cli_common.h"
#include "train/pathfinder_picture.h"

namespace attnlab {
namespace {

const char* kPathfinderHelp =
    R"(usage: attnlab pathfinder-samples --out PNG [--config FILE] [--set KEY=VALUE]...
                                 [--split NAME] [--count N]

Draws the first N examples of each label (default 4) of a split (default valid) of the pathfinder
task as one PNG heat map: label 1 (the dots joined by one contour) in the top row, label 0 below;
ink is dark, the frame light. The data options come from --config (whose data.task must be
pathfinder) and --set, else from the defaults (data.task=pathfinder). The .dat numbers and .gp
gnuplot script are written beside the PNG.

example:
  attnlab pathfinder-samples --out docs/results/pathfinder/samples.png
  attnlab pathfinder-samples --out pathx.png --set data.side=128 --set data.paddle_length=4
)";

}  // namespace

int cli_pathfinder_samples(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err) {
    const Args parsed("pathfinder-samples", args, {"out", "config", "set", "split", "count"}, {},
                      0);
    if (parsed.has("help")) {
        out << kPathfinderHelp;
        return kExitOk;
    }
    if (!parsed.has("out"))
        throw UsageError(
            "pathfinder-samples needs --out PNG (see attnlab pathfinder-samples --help)");
    std::vector<std::string> overrides = parsed.all("set");
    if (!parsed.has("config")) overrides.insert(overrides.begin(), "data.task=pathfinder");
    const json config = load_config(parsed.get("config", ""), overrides);
    const std::string task_name = config_string(config, "data.task");
    if (task_name != "pathfinder")
        throw UsageError(
            cat("pathfinder-samples: data.task is \"", task_name, "\" (expected pathfinder)"));
    const int64_t count = parsed.get_int("count", 4);
    if (count < 1)
        throw UsageError(cat("pathfinder-samples: --count ", count, " must be positive"));
    std::unique_ptr<Task> task = make_task(config);
    const auto* data = dynamic_cast<const Pathfinder*>(&task->split(parsed.get("split", "valid")));
    ATTNLAB_CHECK(data, "pathfinder-samples: the split is not Pathfinder data");
    const std::string png = parsed.get("out", "");
    write_heatmap(pathfinder_picture(*data, count), png);
    out << "wrote " << png << "\n";
    return kExitOk;
}

}  // namespace attnlab
