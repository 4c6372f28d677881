// Multi-query associative recall (train/data/mqar.h): determinism by seed, the layout of every
// sequence, where the query slots fall, option and config errors, and the mqar task's loss and
// accuracy against a hand count after a few training steps.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "engine/autograd.h"
#include "temp_dir.h"
#include "train/config.h"
#include "train/data/mqar.h"
#include "train/lm_task.h"
#include "train/trainer.h"

using namespace attnlab;
using Catch::Contains;

namespace {

MqarOptions small_mqar() {
    MqarOptions options;
    options.size = 300;
    options.pairs = 5;
    options.length = 31;  // odd: the last position is a filler
    options.key_alphabet = 9;
    options.value_alphabet = 7;
    options.random_fillers = false;
    return options;
}

// Checks every invariant mqar.h promises of one sequence.
void check_layout(const Mqar& data, const MqarOptions& o, const Example& e) {
    INFO(data.decode(e.input));
    const int64_t D = o.pairs, Q = data.query_count();
    REQUIRE(int64_t(e.input.size()) == o.length);
    REQUIRE(e.target.size() == e.input.size());
    CHECK(e.label == -1);
    CHECK(e.second.empty());
    for (int32_t t : e.input) CHECK((t >= 1 && t < data.vocab_size()));
    std::set<int32_t> keys, values;
    for (int64_t p = 0; p < D; ++p) {
        const int32_t key = e.input[size_t(2 * p)], value = e.input[size_t(2 * p + 1)];
        CHECK((key >= data.key_token(0) && key < data.value_token(0)));
        CHECK((value >= data.value_token(0) && value < data.vocab_size()));
        keys.insert(key);
        values.insert(value);
        CHECK(e.target[size_t(2 * p)] == kIgnoreIndex);
        CHECK(e.target[size_t(2 * p + 1)] == kIgnoreIndex);
    }
    CHECK(int64_t(keys.size()) == D);
    CHECK(int64_t(values.size()) == D);
    std::set<int32_t> asked;
    for (int64_t t = 2 * D; t < o.length; ++t) {
        const int32_t token = e.input[size_t(t)], target = e.target[size_t(t)];
        if (target == kIgnoreIndex) {  // a filler
            if (o.random_fillers)
                CHECK((token != kMqarFiller && keys.count(token) == 0));
            else
                CHECK(token == kMqarFiller);
            continue;
        }
        CHECK((t - 2 * D) % 2 == 0);  // a slot's first position
        CHECK(asked.insert(token).second);
        int64_t pair = 0;
        while (pair < D && e.input[size_t(2 * pair)] != token) ++pair;
        REQUIRE(pair < D);
        CHECK(target == e.input[size_t(2 * pair + 1)]);
    }
    CHECK(int64_t(asked.size()) == Q);
}

// The resolved config of a tiny mqar run in `dir` with `extra` overrides.
json tiny_mqar(const testing::TempDir& dir, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> overrides = {
        "data.task=mqar",       "data.pairs=3",          "data.length=12",
        "data.key_alphabet=6",  "data.value_alphabet=5", "data.train_size=64",
        "data.valid_size=8",    "data.test_size=8",      "model.d_model=16",
        "model.heads=2",        "model.layers=1",        "model.d_ff=32",
        "train.steps=5",        "train.batch_size=8",    "train.eval_every=5",
        "train.eval_batches=1", "train.threads=1",       "train.out_dir=" + dir.file("run")};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return load_config("", overrides);
}

}  // namespace

TEST_CASE("mqar: the same seed gives the same sequences, another seed others", "[data][mqar]") {
    const MqarOptions options = small_mqar();
    const Mqar a(options), b(options);
    MqarOptions reseeded = options;
    reseeded.seed = 2;
    const Mqar other(reseeded);
    int differ = 0;
    for (int64_t i = 0; i < 20; ++i) {
        const Example x = a.example(i), y = b.example(i);
        CHECK(x.input == y.input);
        CHECK(x.target == y.target);
        differ += other.example(i).input != x.input;
    }
    CHECK(differ == 20);
    CHECK(a.example(3).input != a.example(4).input);
}

TEST_CASE("mqar: every sequence keeps the layout of mqar.h", "[data][mqar]") {
    MqarOptions every_key = small_mqar();  // with the filler token
    MqarOptions fewer = small_mqar();
    fewer.queries = 2;
    fewer.gap_power = 1;
    fewer.random_fillers = true;
    MqarOptions tight = small_mqar();  // no room to spare: every slot holds a query
    tight.length = 20;
    tight.key_alphabet = tight.value_alphabet = 5;
    tight.random_fillers = true;  // so the fillers can only be values
    for (const MqarOptions& o : {every_key, fewer, tight}) {
        const Mqar data(o);
        CHECK(data.task() == TaskKind::LanguageModel);
        CHECK(data.max_length() == o.length);
        CHECK(data.vocab_size() == 2 + o.key_alphabet + o.value_alphabet);
        for (int64_t i = 0; i < o.size; ++i) check_layout(data, o, data.example(i));
    }
    CHECK(Mqar(fewer).query_count() == 2);
    CHECK(Mqar(every_key).query_count() == 5);
    CHECK(Mqar(every_key).decode({kPadId, kMqarFiller, 2, 10, 11, 17, 18}) ==
          "_ f k0 k8 v0 v6 <18>");
}

TEST_CASE("mqar: gap_power moves the queries towards the pairs or away from them", "[data][mqar]") {
    // 4 queries in 28 slots: count the first and the last slot's queries over 400 sequences.
    auto first_and_last = [](double power) {
        MqarOptions o;
        o.size = 400;
        o.pairs = 4;
        o.length = 64;
        o.gap_power = power;
        const Mqar data(o);
        int first = 0, last = 0;
        for (int64_t i = 0; i < o.size; ++i) {
            const Example e = data.example(i);
            first += e.target[8] != kIgnoreIndex;
            last += e.target[62] != kIgnoreIndex;
        }
        return std::make_pair(first, last);
    };
    const auto zoology = first_and_last(0.01), uniform = first_and_last(1),
               late = first_and_last(3);
    CHECK(zoology.first > 3 * zoology.second);
    CHECK(zoology.first > 2 * uniform.first);
    CHECK(std::abs(uniform.first - uniform.second) < 40);  // 4/28 of 400 = 57 each, expected
    CHECK(late.second > 3 * late.first);
}

TEST_CASE("mqar: options that do not fit are one-line errors, config errors name the key",
          "[data][mqar][config]") {
    struct Case {
        std::string override_, key, text;
    };
    const std::vector<Case> cases = {
        {"data.length=15", "data.length", "at least 2 × pairs + 2 × queries = 16"},
        {"data.key_alphabet=3", "data.key_alphabet", "the keys of a sequence are distinct"},
        {"data.value_alphabet=2", "data.value_alphabet", "the values of a sequence are distinct"},
        {"data.queries=5", "data.queries", "in [0, pairs = 4]"},
        {"data.queries=-1", "data.queries", "in [0, pairs = 4]"},
        {"data.pairs=0", "data.pairs", "positive"},
        {"data.gap_power=0", "data.gap_power", "in (0, 10]"},
        {"data.value_alphabet=16777215", "data.value_alphabet", "at most 16777214 - key_alphabet"},
        {"data.test_size=0", "data.test_size", "positive"},
    };
    for (const Case& c : cases) {
        INFO(c.override_);
        try {
            make_task(load_config("", {"data.task=mqar", "data.pairs=4", "data.length=16",
                                       "model.d_model=8", "model.heads=1", c.override_}));
            FAIL("no error");
        } catch (const ConfigError& e) {
            const std::string message = e.what();
            CHECK_THAT(message, Contains("\"" + c.key + "\"") && Contains(c.text));
            CHECK(message.find('\n') == std::string::npos);
        }
    }
    MqarOptions o = small_mqar();
    o.length = 19;
    CHECK_THROWS_WITH(Mqar(o),
                      "mqar: length must be at least 2 × pairs + 2 × queries = 20 (the "
                      "pairs, then a two-position slot per query), got 19");
    CHECK_THROWS_WITH(Mqar(small_mqar()).example(300), Contains("outside [0, 300)"));
    CHECK_NOTHROW(load_config("train/configs/mqar.json"));
}

TEST_CASE("mqar: a few training steps, then loss and accuracy over the queries by hand",
          "[tasks][mqar]") {
    testing::TempDir dir;
    Trainer trainer(tiny_mqar(dir));
    REQUIRE(trainer.run());
    auto* task = dynamic_cast<LmTask*>(&trainer.task());
    REQUIRE(task);
    CHECK(task->name() == "mqar");
    CHECK(task->lm().config().stack.vocab == 13);
    CHECK(task->lm().config().stack.max_len == 12);
    const Batch batch = make_batch(task->split("test"), {0, 1, 2, 3, 4, 5});
    task->model().set_training(false);
    NoGradGuard no_grad;
    const Tensor logits = task->lm().forward(batch.input);  // [6, 12, 13]
    const int64_t V = 13;
    double correct = 0, loss = 0, queries = 0;
    for (int64_t r = 0; r < 6 * 12; ++r) {
        const int32_t target = batch.target.values[size_t(r)];
        if (target == kIgnoreIndex) continue;
        const real* row = logits.data() + r * V;
        int64_t best = 0;
        double normaliser = 0;
        for (int64_t c = 0; c < V; ++c) {
            if (row[c] > row[best]) best = c;
            normaliser += std::exp(double(row[c]));
        }
        correct += best == target;
        loss += std::log(normaliser) - double(row[target]);
        ++queries;
    }
    CHECK(queries == 6 * 3);
    const Metrics sums = task->evaluate_batch(batch);
    CHECK(sums.at("tokens") == queries);
    CHECK(sums.at("correct") == correct);
    const Metrics metrics = task->finish_metrics(sums);
    CHECK(metrics.at("accuracy") == Approx(correct / queries));
    CHECK(metrics.at("loss") == Approx(loss / queries).epsilon(1e-5));
    CHECK(double(task->loss(batch).item()) == Approx(loss / queries).epsilon(1e-5));
}
