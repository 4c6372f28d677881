// test_parity.cpp — the causal LM of every attention kind, and the bidirectional encoder of some,
// against PyTorch float64 fixtures (tests/parity/README.md): the same weights and batch must give
// the same logits (encoder: outputs), loss and gradient of the loss w.r.t. every parameter as an
// independent torch implementation of the papers.
//
// Fixtures are read relative to the working directory, which is the repository root when the
// suites run (tests/run_suites.sh). A missing fixture fails the test; torch is never needed here.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <type_traits>

#include "engine/autograd.h"
#include "engine/gradcheck.h"
#include "engine/safetensors.h"
#include "models/encoder.h"
#include "models/lm.h"

using namespace attnlab;

namespace {

const std::string kFixtureDir = "tests/parity/fixtures/";
// The fixtures are float64: each build must agree to what its own rounding through these small
// models allows. The double build's bound keeps orders of magnitude of room above double rounding
// and still sees a float-sized error or a 1e-6 constant added to a normaliser.
#ifdef ATTNLAB_DOUBLE
constexpr double kParityTolerance = 1e-10;
#else
constexpr double kParityTolerance = 1e-4;
#endif
// The denominator's floor in max|a − b| / max(max|b|, floor). Some gradients vanish exactly: the
// key bias of dot-product attention adds q_i·b_k to every logit of row i, which the softmax
// ignores, so torch gives ~1e-17 and the float build ~1e-8 of rounding noise. With the floor such
// a tensor must be below 1e-7 in absolute terms; every other gradient of the fixtures is ≥ 8e-3.
constexpr double kFloor = 1e-3;

// The tensors a fixture holds besides the parameters and their "grad." entries.
const std::set<std::string> kBatchAndOutputs = {"ids",         "targets",        "logits", "loss",
                                                "key_padding", "output_weights", "output"};
const std::string kGradPrefix = "grad.";

SafetensorsFile load_fixture(const std::string& path) {
    if (!std::ifstream(path).good())
        FAIL("parity fixture missing: " << path
                                        << " (run the tests from the repository root; regenerate "
                                           "with /usr/bin/python3 tests/parity/make_fixtures.py)");
    return load_safetensors(path);
}

// The StackConfig from the fixture's metadata; a key this test does not know fails, so an option
// the generator sets can never be silently ignored. "model" ("encoder", or absent for the LM) is
// read by check_parity.
StackConfig config_from(const Metadata& metadata) {
    StackConfig config;
    AttentionConfig& attention = config.attention;
    const std::map<std::string, int64_t*> integers = {
        {"vocab", &config.vocab},   {"d_model", &config.d_model}, {"heads", &config.heads},
        {"layers", &config.layers}, {"d_ff", &config.d_ff},       {"max_len", &config.max_len}};
    for (const char* key : {"vocab", "d_model", "heads", "layers", "d_ff", "max_len", "kind"}) {
        INFO("metadata key " << key);
        REQUIRE(metadata.count(key) == 1);
    }
    for (const auto& [key, value] : metadata) {
        if (integers.count(key))
            *integers.at(key) = std::stoll(value);
        else if (key == "kind")
            attention.kind = value;
        else if (key == "model")
            continue;
        else if (find_option(key).default_value.is_integer())  // an unknown key throws
            attention.set(key, int64_t(std::stoll(value)));
        else if (find_option(key).default_value.is_text())
            attention.set(key, value);
        else
            FAIL("unknown metadata key \"" << key << "\" = \"" << value << "\"");
    }
    return config;
}

// A float tensor of whole numbers (the fixture's ids and targets) as an IntTensor.
IntTensor integers_of(const std::string& name, const Tensor& t) {
    std::vector<int32_t> values;
    for (const real v : t.to_vector()) {
        INFO(name << " holds " << v);
        REQUIRE(v == std::round(v));
        values.push_back(int32_t(v));
    }
    return IntTensor(t.shape(), values);
}

// max|a − b| / max(max|b|, kFloor) over all elements, +Inf when either holds a NaN or ±Inf (then
// |a − b| is not finite and worst_error keeps +Inf); the shapes must agree.
double parity_relative_error(const Tensor& actual, const Tensor& expected) {
    REQUIRE(actual.shape() == expected.shape());
    double diff = 0, scale = kFloor;
    for (int64_t i = 0; i < expected.numel(); ++i) {
        diff = worst_error(diff, std::abs(double(actual.data()[i]) - double(expected.data()[i])));
        scale = std::max(scale, std::abs(double(expected.data()[i])));
    }
    return std::isfinite(diff) ? diff / scale : diff;
}

// Builds the model (LanguageModel or Encoder) of the fixture's config and copies the fixture's
// weights in by name, checking the names both ways: every parameter has a weight and every weight
// or gradient a parameter.
template <class Model>
std::unique_ptr<Model> model_from(const SafetensorsFile& fixture) {
    Rng rng(0);  // the initial values are all overwritten
    std::unique_ptr<Model> model;
    if constexpr (std::is_same_v<Model, LanguageModel>)
        model = std::make_unique<Model>(LmConfig{config_from(fixture.metadata)}, rng);
    else
        model = std::make_unique<Model>(config_from(fixture.metadata), rng);
    std::map<std::string, Parameter> parameters;
    for (const Parameter& p : model->parameters()) {
        INFO("parameter " << p.name);
        parameters[p.name] = p;
        REQUIRE(fixture.tensors.count(p.name) == 1);
        const Tensor& weight = fixture.tensors.at(p.name);
        REQUIRE(weight.shape() == p.tensor.shape());
        std::copy(weight.data(), weight.data() + weight.numel(), p.tensor.data());
        CHECK(fixture.tensors.count(kGradPrefix + p.name) == (p.trainable ? 1u : 0u));
    }
    for (const auto& entry : fixture.tensors) {
        const std::string& name = entry.first;
        if (kBatchAndOutputs.count(name)) continue;
        const bool is_grad = name.compare(0, kGradPrefix.size(), kGradPrefix) == 0;
        const std::string parameter = is_grad ? name.substr(kGradPrefix.size()) : name;
        INFO("fixture tensor " << name << " has no parameter of that name in the model");
        CHECK(parameters.count(parameter) == 1);
    }
    return model;
}

void require_tensors(const SafetensorsFile& fixture, const std::vector<const char*>& names) {
    for (const char* name : names) {
        INFO("tensor " << name);
        REQUIRE(fixture.tensors.count(name) == 1);
    }
}

// The loss (before backward) of the causal LM on the fixture's batch, after checking its logits.
Tensor lm_loss(const SafetensorsFile& fixture, std::unique_ptr<Module>& holder) {
    require_tensors(fixture, {"ids", "targets", "logits", "loss"});
    auto owned = model_from<LanguageModel>(fixture);
    LanguageModel* model = owned.get();
    holder = std::move(owned);
    const IntTensor ids = integers_of("ids", fixture.tensors.at("ids"));
    const IntTensor targets = integers_of("targets", fixture.tensors.at("targets"));
    {
        NoGradGuard no_grad;
        const double error =
            parity_relative_error(model->forward(ids), fixture.tensors.at("logits"));
        INFO("logits: relative error " << error);
        CHECK(error <= kParityTolerance);
    }
    return model->loss(ids, targets);
}

// The encoder's loss Σ output ⊙ output_weights on the fixture's padded batch, after checking
// its output.
Tensor encoder_loss(const SafetensorsFile& fixture, std::unique_ptr<Module>& holder) {
    require_tensors(fixture, {"ids", "key_padding", "output_weights", "output", "loss"});
    auto owned = model_from<Encoder>(fixture);
    Encoder* model = owned.get();
    holder = std::move(owned);
    const IntTensor ids = integers_of("ids", fixture.tensors.at("ids"));
    const Tensor output = model->forward(ids, fixture.tensors.at("key_padding"));
    const double error = parity_relative_error(output, fixture.tensors.at("output"));
    INFO("output: relative error " << error);
    CHECK(error <= kParityTolerance);
    return sum(mul(output, fixture.tensors.at("output_weights")));
}

// Loads tests/parity/fixtures/<name>.safetensors and checks the logits (encoder: output), the
// loss and every gradient.
void check_parity(const std::string& name) {
    const std::string path = kFixtureDir + name + ".safetensors";
    INFO("fixture " << path);
    const SafetensorsFile fixture = load_fixture(path);
    const auto model_key = fixture.metadata.find("model");
    const bool encoder = model_key != fixture.metadata.end();
    if (encoder) REQUIRE(model_key->second == "encoder");
    std::unique_ptr<Module> model;  // holds the graph's parameters until the end
    const Tensor loss = encoder ? encoder_loss(fixture, model) : lm_loss(fixture, model);
    const double loss_error = parity_relative_error(loss, fixture.tensors.at("loss"));
    INFO("loss " << loss.item() << " vs " << fixture.tensors.at("loss").item());
    CHECK(loss_error <= kParityTolerance);
    loss.backward();

    for (const Parameter& p : model->parameters()) {
        INFO("gradient of " << p.name);
        if (!p.trainable) {
            CHECK_FALSE(p.tensor.grad().defined());
            continue;
        }
        REQUIRE(p.tensor.grad().defined());
        const double error =
            parity_relative_error(p.tensor.grad(), fixture.tensors.at(kGradPrefix + p.name));
        INFO("relative error " << error);
        CHECK(error <= kParityTolerance);
    }
}

}  // namespace

TEST_CASE("parity: vanilla LM matches PyTorch", "[parity]") {
    check_parity("vanilla");
}

TEST_CASE("parity: dense synthesizer LM matches PyTorch", "[parity]") {
    check_parity("dense");
}

TEST_CASE("parity: factorized dense synthesizer LM matches PyTorch", "[parity]") {
    check_parity("factorized_dense");
}

TEST_CASE("parity: random synthesizer LM matches PyTorch", "[parity]") {
    check_parity("random");
}

TEST_CASE("parity: factorized random synthesizer LM matches PyTorch", "[parity]") {
    check_parity("factorized_random");
}

TEST_CASE("parity: random+vanilla mixture LM matches PyTorch", "[parity]") {
    check_parity("mixture_random_vanilla");
}

TEST_CASE("parity: dense+factorized_random+vanilla mixture LM matches PyTorch", "[parity]") {
    check_parity("mixture_dense_factorized_random_vanilla");
}

TEST_CASE("parity: performer (FAVOR+, causal) LM matches PyTorch", "[parity]") {
    check_parity("performer");
}

// Query and key projections ×3: the queries' per-token stabiliser is large, which is where an
// absolute guard on the normaliser (1e-6 added after stabilising) fails the tolerance.
TEST_CASE("parity: performer with large logits matches the unguarded estimator", "[parity]") {
    check_parity("performer_large_logits");
}

// φ(x) = relu(x) + 0.001 on the heads' queries and keys, no projection: the file holds no ω.
TEST_CASE("parity: performer with deterministic relu features (causal) LM matches PyTorch",
          "[parity]") {
    check_parity("performer_relu_deterministic");
}

// Katharopoulos et al. eq. 8–9: causal sums of φ(x) = elu(x) + 1 features.
TEST_CASE("parity: linear transformer (causal) LM matches PyTorch", "[parity]") {
    check_parity("linear_transformer");
}

TEST_CASE("parity: vanilla encoder with key padding matches PyTorch", "[parity]") {
    check_parity("encoder_vanilla");
}

TEST_CASE("parity: dense synthesizer encoder with key padding matches PyTorch", "[parity]") {
    check_parity("encoder_dense");
}

TEST_CASE("parity: random synthesizer encoder with key padding matches PyTorch", "[parity]") {
    check_parity("encoder_random");
}

// The paper's unguarded estimator: out_i = Σ_j (φq_i·φk_j) v_j / Σ_j φq_i·φk_j.
TEST_CASE("parity: performer (FAVOR+, bidirectional) encoder with key padding matches PyTorch",
          "[parity]") {
    check_parity("encoder_performer");
}

// The comparison can fail: adding 0.05 to one of the 256 entries of one W_q (entries are ~0.25)
// moves the gradients well past the tolerance.
TEST_CASE("parity: linear transformer (bidirectional) encoder with key padding matches PyTorch",
          "[parity]") {
    check_parity("encoder_linear_transformer");
}

TEST_CASE("parity: block-sparse LMs (local, Longformer, BigBird) match PyTorch", "[parity]") {
    for (const char* name : {"local", "longformer", "bigbird"}) check_parity(name);
}

TEST_CASE("parity: block-sparse encoders with key padding match PyTorch", "[parity]") {
    for (const char* name : {"encoder_local", "encoder_longformer", "encoder_bigbird"})
        check_parity(name);
}

TEST_CASE("parity: a perturbed weight is detected", "[parity]") {
    const SafetensorsFile fixture = load_fixture(kFixtureDir + "vanilla.safetensors");
    auto model = model_from<LanguageModel>(fixture);
    for (const Parameter& p : model->parameters())
        if (p.name == "blocks.1.attn.vanilla.w_q.weight") p.tensor.data()[0] += real(0.05);
    const IntTensor ids = integers_of("ids", fixture.tensors.at("ids"));
    const IntTensor targets = integers_of("targets", fixture.tensors.at("targets"));
    const Tensor loss = model->loss(ids, targets);
    loss.backward();
    double worst = 0;
    for (const Parameter& p : model->parameters())
        worst = worst_error(worst, parity_relative_error(p.tensor.grad(),
                                                         fixture.tensors.at(kGradPrefix + p.name)));
    INFO("worst relative error " << worst);
    CHECK(worst > 10 * kParityTolerance);
}

TEST_CASE("parity: a NaN or Inf is never within tolerance", "[parity]") {
    const Tensor expected = Tensor::from_vector({3}, {0.5, -2, 1});
    CHECK(parity_relative_error(expected, expected) == 0);
    for (const real bad :
         {std::numeric_limits<real>::quiet_NaN(), std::numeric_limits<real>::infinity()}) {
        INFO("bad value " << bad);
        Tensor actual = expected.clone();
        actual.data()[1] = bad;
        CHECK(std::isinf(parity_relative_error(actual, expected)));
        CHECK(std::isinf(parity_relative_error(expected, actual)));
        CHECK(std::isinf(parity_relative_error(Tensor::full({3}, bad), expected)));
    }
}
