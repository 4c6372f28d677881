// tasks.cpp — the registry of tasks: every name "data.task" accepts, its options and its factory.
//
// To add a task: write its datasets (train/data/), then append one TaskInfo below.
#include <fstream>
#include <sstream>

#include "train/config.h"
#include "train/data/copy_lm.h"
#include "train/data/text_lm.h"
#include "train/lm_task.h"

namespace attnlab {
namespace {

std::unique_ptr<Task> make_text_file(const json& config) {
    const std::string path = config_string(config, "data.path");
    config_require(!path.empty(), config, "data.path", "the path of a text file");
    const int64_t seq_len = config_int(config, "data.seq_len");
    const int64_t stride = config_int(config, "data.stride");
    config_require(seq_len >= 1, config, "data.seq_len", "positive");
    config_require(stride >= 0, config, "data.stride", "0 (= seq_len) or positive");
    std::ifstream in(path, std::ios::binary);
    ATTNLAB_CHECK(in, "text_file: cannot open \"", path, "\"");
    std::ostringstream text;
    text << in.rdbuf();
    TextLmSplits splits = make_text_lm_splits(
        path, text.str(), seq_len, stride == 0 ? seq_len : stride,
        config_real(config, "data.valid_fraction"), config_real(config, "data.test_fraction"));
    std::shared_ptr<const CharVocab> vocab = splits.vocab;
    return std::make_unique<LmTask>("text_file", config, std::move(splits.train),
                                    std::move(splits.valid), std::move(splits.test),
                                    [vocab](const std::string& s) { return vocab->encode(s); });
}

std::unique_ptr<Task> make_copy_lm(const json& config) {
    const int64_t symbols = config_int(config, "data.symbols");
    const int64_t length = config_int(config, "data.length");
    const uint64_t seed = uint64_t(config_int(config, "data.seed"));
    auto split = [&](const char* name, const char* size_key, uint64_t index) {
        const int64_t size = config_int(config, size_key);
        config_require(size > 0, config, size_key, "positive");
        return std::make_unique<CopyLmDataset>(std::string("copy_lm/") + name, size, symbols,
                                               length, seed, index);
    };
    config_require(symbols > 0, config, "data.symbols", "positive");
    config_require(length > 0, config, "data.length", "positive");
    return std::make_unique<LmTask>("copy_lm", config, split("train", "data.train_size", 0),
                                    split("valid", "data.valid_size", 1),
                                    split("test", "data.test_size", 2));
}

}  // namespace

const std::vector<TaskInfo>& task_infos() {
    static const std::vector<TaskInfo> infos = {
        {"copy_lm",
         "synthetic LM: copy a random string after a separator (train/data/copy_lm.h)",
         {{"symbols", 8},
          {"length", 8},
          {"train_size", 10000},
          {"valid_size", 500},
          {"test_size", 500},
          {"seed", 1}},
         make_copy_lm},
        {"text_file",
         "character LM over a local text file (train/data/text_lm.h)",
         {{"path", ""},
          {"seq_len", 128},
          {"stride", 0},
          {"valid_fraction", 0.05},
          {"test_fraction", 0.05}},
         make_text_file},
    };
    return infos;
}

}  // namespace attnlab
