// tasks.cpp — the registry of tasks: every name "data.task" accepts, its options and its factory.
//
// To add a task: write its datasets (train/data/), then append one TaskInfo below.
//
// Generated tasks (listops, associative_recall, mqar, pathfinder, copy, reverse, sort) draw the
// train split from data.seed and the valid and test splits from mix(data.seed, 1) and
// mix(data.seed, 2), so the three never share an example stream (listops.h). KJV tasks split the
// text itself (kjv.h).
#include <array>
#include <fstream>
#include <sstream>

#include "engine/rng.h"
#include "train/classifier_task.h"
#include "train/config.h"
#include "train/data/associative_recall.h"
#include "train/data/copy_lm.h"
#include "train/data/fashion_mnist.h"
#include "train/data/kjv_bpe.h"
#include "train/data/kjv_classify.h"
#include "train/data/kjv_lm.h"
#include "train/data/kjv_retrieval.h"
#include "train/data/kjv_transduce.h"
#include "train/data/listops.h"
#include "train/data/mqar.h"
#include "train/data/pathfinder.h"
#include "train/data/synthetic_seq2seq.h"
#include "train/data/text_lm.h"
#include "train/lm_task.h"
#include "train/seq2seq_task.h"

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

int64_t positive_int(const json& config, const std::string& key) {
    const int64_t value = config_int(config, key);
    config_require(value > 0, config, key, "positive");
    return value;
}

// The seed of split `index` (0 train, 1 valid, 2 test) of a generated task.
uint64_t split_seed(const json& config, uint64_t index) {
    const uint64_t seed = uint64_t(config_int(config, "data.seed"));
    return index == 0 ? seed : mix(seed, index);
}

const char* const kSplits[] = {"train", "valid", "test"};

// The train, valid and test splits of a generated task: the same options for all three, each
// with its own size (data.<split>_size) and seed (split_seed).
template <class Generated, class Options>
std::array<std::unique_ptr<Dataset>, 3> generated_splits(const json& config, Options options) {
    std::array<std::unique_ptr<Dataset>, 3> splits;
    for (uint64_t i = 0; i < 3; ++i) {
        options.size = positive_int(config, cat("data.", kSplits[i], "_size"));
        options.seed = split_seed(config, i);
        splits[i] = std::make_unique<Generated>(options);
    }
    return splits;
}

std::unique_ptr<Task> make_kjv_char(const json& config) {
    KjvLanguageModelOptions options;
    options.context_length = positive_int(config, "data.context_length");
    auto train = std::make_unique<KjvLanguageModel>("train", options);
    const KjvLanguageModel* vocabulary_owner = train.get();  // owned by the task, outlives encode
    return std::make_unique<LmTask>("kjv_char", config, std::move(train),
                                    std::make_unique<KjvLanguageModel>("valid", options),
                                    std::make_unique<KjvLanguageModel>("test", options),
                                    [vocabulary_owner](const std::string& s) {
                                        return vocabulary_owner->vocabulary().encode(s);
                                    });
}

std::unique_ptr<Task> make_kjv_bpe(const json& config) {
    KjvBpeOptions options;
    options.context_length = positive_int(config, "data.context_length");
    options.vocab_size = config_int(config, "data.vocab_size");
    config_require(options.vocab_size >= BpeTokenizer::kFirstMergeId && options.vocab_size <= 65536,
                   config, "data.vocab_size",
                   "in [257, 65536] (padding + 256 bytes + merges; 2000-8000 suit the KJV)");
    kjv_split_text(KjvSplit::Train);  // so that the catch below sees only the tokenizer's errors
    std::shared_ptr<const BpeTokenizer> tokenizer;
    try {
        tokenizer = kjv_bpe_tokenizer(options.vocab_size);
    } catch (const Error& e) {  // a vocabulary beyond what the train split's pairs reach
        throw ConfigError(cat("config: \"data.vocab_size\": ", e.what()));
    }
    std::unique_ptr<Dataset> splits[3];
    for (int i = 0; i < 3; ++i)
        splits[i] = std::make_unique<KjvBpeLanguageModel>(kSplits[i], options);
    LmTokenText text;
    for (int32_t id = 0; id < int32_t(tokenizer->vocab_size()); ++id)
        text.characters.push_back(int32_t(tokenizer->token(id).size()));
    text.checkpoint_metadata["tokenizer"] = tokenizer->fingerprint();
    return std::make_unique<LmTask>(
        "kjv_bpe", config, std::move(splits[0]), std::move(splits[1]), std::move(splits[2]),
        [tokenizer](const std::string& s) { return tokenizer->encode(s); }, std::move(text));
}

// Reads the passage-length and size options the KJV classification, retrieval and transduction
// tasks share into `options`.
template <class Options>
Options kjv_options(const json& config) {
    Options options;
    options.min_length = positive_int(config, "data.min_length");
    options.max_length = positive_int(config, "data.max_length");
    config_require(options.max_length >= options.min_length, config, "data.max_length",
                   "at least data.min_length");
    options.train_examples = positive_int(config, "data.train_examples");
    options.eval_examples = positive_int(config, "data.eval_examples");
    options.seed = uint64_t(config_int(config, "data.seed"));
    return options;
}

template <class Data, class Options>
std::unique_ptr<Task> make_kjv_classifier(const char* name, const json& config,
                                          const Options& options) {
    return std::make_unique<ClassifierTask>(name, config, std::make_unique<Data>("train", options),
                                            std::make_unique<Data>("valid", options),
                                            std::make_unique<Data>("test", options));
}

std::unique_ptr<Task> make_kjv_classify(const json& config) {
    auto options = kjv_options<KjvClassificationOptions>(config);
    const std::string label = config_string(config, "data.label");
    config_require(label == "book" || label == "testament", config, "data.label",
                   "\"book\" or \"testament\"");
    options.label = label == "book" ? KjvLabel::Book : KjvLabel::Testament;
    return make_kjv_classifier<KjvClassification>("kjv_classify", config, options);
}

std::unique_ptr<Task> make_kjv_retrieval(const json& config) {
    return make_kjv_classifier<KjvRetrieval>("kjv_retrieval", config,
                                             kjv_options<KjvRetrievalOptions>(config));
}

std::unique_ptr<Task> make_kjv_transduce(const json& config) {
    const auto options = kjv_options<KjvTransductionOptions>(config);
    auto train = std::make_unique<KjvTransduction>("train", options);
    const int32_t bos = train->vocabulary().bos_id(), eos = train->vocabulary().eos_id();
    return std::make_unique<Seq2SeqTask>("kjv_transduce", config, std::move(train),
                                         std::make_unique<KjvTransduction>("valid", options),
                                         std::make_unique<KjvTransduction>("test", options), bos,
                                         eos);
}

std::unique_ptr<Task> make_listops(const json& config) {
    ListOpsOptions options;
    options.min_length = positive_int(config, "data.min_length");
    options.max_length = positive_int(config, "data.max_length");
    options.max_depth = int(positive_int(config, "data.max_depth"));
    options.max_args = int(config_int(config, "data.max_args"));
    config_require(options.max_args >= 2, config, "data.max_args", "at least 2");
    config_require(options.max_length >= options.min_length, config, "data.max_length",
                   "at least data.min_length");
    auto splits = generated_splits<ListOps>(config, options);
    return std::make_unique<ClassifierTask>("listops", config, std::move(splits[0]),
                                            std::move(splits[1]), std::move(splits[2]));
}

std::unique_ptr<Task> make_associative_recall(const json& config) {
    AssociativeRecallOptions options;
    options.min_pairs = positive_int(config, "data.min_pairs");
    options.max_pairs = positive_int(config, "data.max_pairs");
    options.key_alphabet = int(positive_int(config, "data.key_alphabet"));
    options.value_alphabet = int(positive_int(config, "data.value_alphabet"));
    config_require(options.max_pairs >= options.min_pairs, config, "data.max_pairs",
                   "at least data.min_pairs");
    config_require(options.key_alphabet >= options.max_pairs, config, "data.key_alphabet",
                   "at least data.max_pairs (the keys of an example are distinct)");
    auto splits = generated_splits<AssociativeRecall>(config, options);
    return std::make_unique<ClassifierTask>("associative_recall", config, std::move(splits[0]),
                                            std::move(splits[1]), std::move(splits[2]));
}

std::unique_ptr<Task> make_mqar(const json& config) {
    MqarOptions options;
    options.pairs = config_int(config, "data.pairs");
    options.length = config_int(config, "data.length");
    options.key_alphabet = config_int(config, "data.key_alphabet");
    options.value_alphabet = config_int(config, "data.value_alphabet");
    options.queries = config_int(config, "data.queries");
    options.gap_power = config_real(config, "data.gap_power");
    options.random_fillers = config_bool(config, "data.random_fillers");
    if (const auto problem = mqar_option_problem(options))
        config_require(false, config, "data." + problem->option, problem->expectation);
    auto splits = generated_splits<Mqar>(config, options);
    return std::make_unique<LmTask>("mqar", config, std::move(splits[0]), std::move(splits[1]),
                                    std::move(splits[2]));
}

std::unique_ptr<Task> make_pathfinder(const json& config) {
    PathfinderOptions options;
    options.side = config_int(config, "data.side");
    options.contour_length = config_int(config, "data.contour_length");
    options.distractors = config_int(config, "data.distractors");
    options.distractor_length = config_int(config, "data.distractor_length");
    options.paddle_length = config_int(config, "data.paddle_length");
    options.gap = config_int(config, "data.gap");
    options.max_turn = config_real(config, "data.max_turn");
    if (const auto problem = pathfinder_option_problem(options))
        config_require(false, config, "data." + problem->option, problem->expectation);
    auto splits = generated_splits<Pathfinder>(config, options);
    return std::make_unique<ClassifierTask>("pathfinder", config, std::move(splits[0]),
                                            std::move(splits[1]), std::move(splits[2]));
}

std::unique_ptr<Task> make_fashion_mnist(const json& config) {
    std::unique_ptr<Dataset> splits[3];
    const FashionMnistSplit which[] = {FashionMnistSplit::Train, FashionMnistSplit::Valid,
                                       FashionMnistSplit::Test};
    for (int i = 0; i < 3; ++i) {
        FashionMnistOptions options;
        options.directory = config_string(config, "data.directory");
        options.split = which[i];
        options.valid_size = positive_int(config, "data.valid_size");
        options.max_examples = config_int(config, "data.max_examples");
        config_require(options.max_examples >= 0, config, "data.max_examples",
                       "0 (every image) or positive");
        options.downsample = positive_int(config, "data.downsample");
        splits[i] = std::make_unique<FashionMnist>(options);
    }
    return std::make_unique<ClassifierTask>("fashion_mnist", config, std::move(splits[0]),
                                            std::move(splits[1]), std::move(splits[2]));
}

// copy, reverse and sort (synthetic_seq2seq.h).
std::unique_ptr<Task> make_synthetic(const std::string& name, const json& config) {
    std::unique_ptr<Dataset> splits[3];
    for (uint64_t i = 0; i < 3; ++i) {
        SyntheticSeq2SeqOptions options;
        options.task = parse_synthetic_task(name);
        options.size = positive_int(config, cat("data.", kSplits[i], "_size"));
        options.seed = split_seed(config, i);
        options.min_length = positive_int(config, "data.min_length");
        options.max_length = positive_int(config, "data.max_length");
        options.alphabet_size = int(config_int(config, "data.alphabet_size"));
        config_require(options.max_length >= options.min_length, config, "data.max_length",
                       "at least data.min_length");
        config_require(options.alphabet_size >= 1 && options.alphabet_size <= 62, config,
                       "data.alphabet_size", "in [1, 62]");
        splits[i] = std::make_unique<SyntheticSeq2Seq>(options);
    }
    return std::make_unique<Seq2SeqTask>(name, config, std::move(splits[0]), std::move(splits[1]),
                                         std::move(splits[2]), kSeq2SeqBos, kSeq2SeqEos);
}

json kjv_passage_options(int64_t min_length, int64_t max_length) {
    return {{"min_length", min_length},
            {"max_length", max_length},
            {"train_examples", 10000},
            {"eval_examples", 1000},
            {"seed", 1}};
}

json generated_sizes(json options) {
    options["train_size"] = 10000;
    options["valid_size"] = 1000;
    options["test_size"] = 1000;
    options["seed"] = 1;
    return options;
}

json synthetic_options() {
    return generated_sizes({{"min_length", 4}, {"max_length", 16}, {"alphabet_size", 10}});
}

}  // namespace

const std::vector<TaskInfo>& task_infos() {
    static const std::vector<TaskInfo> infos = {
        {"copy_lm",
         "synthetic LM: copy a random string after a separator (train/data/copy_lm.h)",
         ModelFamily::LanguageModel,
         {{"symbols", 8},
          {"length", 8},
          {"train_size", 10000},
          {"valid_size", 500},
          {"test_size", 500},
          {"seed", 1}},
         make_copy_lm},
        {"text_file",
         "character LM over a local text file (train/data/text_lm.h)",
         ModelFamily::LanguageModel,
         {{"path", ""},
          {"seq_len", 128},
          {"stride", 0},
          {"valid_fraction", 0.05},
          {"test_fraction", 0.05}},
         make_text_file},
        {"kjv_char",
         "character LM over the King James Bible's train/valid/test chapters "
         "(train/data/kjv_lm.h)",
         ModelFamily::LanguageModel,
         {{"context_length", 256}},
         make_kjv_char},
        {"kjv_bpe",
         "subword (byte-level BPE) LM over the KJV chapters of kjv_char; context_length in "
         "subwords, vocab_size ids (train/data/kjv_bpe.h)",
         ModelFamily::LanguageModel,
         {{"context_length", 256}, {"vocab_size", 4000}},
         make_kjv_bpe},
        {"kjv_classify",
         "KJV passage -> its book (66 classes) or testament (2), byte level "
         "(train/data/kjv_classify.h)",
         ModelFamily::Classifier,
         [] {
             json options = kjv_passage_options(256, 1024);
             options["label"] = "book";
             return options;
         }(),
         make_kjv_classify},
        {"kjv_retrieval",
         "do two KJV passages come from the same book? two towers, byte level "
         "(train/data/kjv_retrieval.h)",
         ModelFamily::Classifier, kjv_passage_options(256, 1024), make_kjv_retrieval},
        {"listops",
         "LRA ListOps: the value 0-9 of a nested prefix expression (train/data/listops.h)",
         ModelFamily::Classifier,
         generated_sizes(
             {{"min_length", 64}, {"max_length", 256}, {"max_depth", 10}, {"max_args", 10}}),
         make_listops},
        {"associative_recall",
         "the value paired with a query key among key-value pairs "
         "(train/data/associative_recall.h)",
         ModelFamily::Classifier,
         generated_sizes(
             {{"min_pairs", 4}, {"max_pairs", 12}, {"key_alphabet", 16}, {"value_alphabet", 10}}),
         make_associative_recall},
        {"mqar",
         "multi-query associative recall (Zoology): key-value pairs, then the keys queried; LM "
         "scored at the queries, accuracy chance 1/value_alphabet (train/data/mqar.h)",
         ModelFamily::LanguageModel,
         [] {
             json options = generated_sizes({{"pairs", 4},
                                             {"length", 64},
                                             {"key_alphabet", 64},
                                             {"value_alphabet", 64},
                                             {"queries", 0},
                                             {"gap_power", 0.01},
                                             {"random_fillers", true}});
             options["train_size"] = 100000;
             return options;
         }(),
         make_mqar},
        {"pathfinder",
         "LRA Pathfinder: are the two dots joined by one dashed contour? side x side pixel "
         "tokens (32: 1,024; 128: Path-X), 2 classes (train/data/pathfinder.h)",
         ModelFamily::Classifier,
         generated_sizes({{"side", 32},
                          {"contour_length", 14},
                          {"distractors", 2},
                          {"distractor_length", 0},
                          {"paddle_length", 2},
                          {"gap", 1},
                          {"max_turn", 45.0}}),
         make_pathfinder},
        {"fashion_mnist",
         "Fashion-MNIST images as 784-pixel sequences (downsample 2: 196), 10 classes "
         "(train/data/fashion_mnist.h)",
         ModelFamily::Classifier,
         {{"directory", FashionMnistOptions().directory},
          {"valid_size", 5000},
          {"max_examples", 0},
          {"downsample", 1}},
         make_fashion_mnist},
        {"kjv_transduce",
         "KJV passage -> the same with every word's letters reversed, characters "
         "(train/data/kjv_transduce.h)",
         ModelFamily::Seq2Seq, kjv_passage_options(16, 48), make_kjv_transduce},
        {"copy", "seq2seq: copy a random string (train/data/synthetic_seq2seq.h)",
         ModelFamily::Seq2Seq, synthetic_options(),
         [](const json& config) { return make_synthetic("copy", config); }},
        {"reverse", "seq2seq: reverse a random string (train/data/synthetic_seq2seq.h)",
         ModelFamily::Seq2Seq, synthetic_options(),
         [](const json& config) { return make_synthetic("reverse", config); }},
        {"sort", "seq2seq: sort a random string ascending (train/data/synthetic_seq2seq.h)",
         ModelFamily::Seq2Seq, synthetic_options(),
         [](const json& config) { return make_synthetic("sort", config); }},
    };
    return infos;
}

}  // namespace attnlab
