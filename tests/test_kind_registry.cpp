// The kind registry (models/zoo.h, models/kind.h): every kind declares a complete KindInfo, its
// options reach the config schema with their defaults, ranges and choices, typed option access
// falls back to the declared default and rejects unknown keys and wrong types, and kind names
// parse once for mixtures.
#include <catch2/catch.hpp>

#include "models/zoo.h"
#include "train/config.h"

using namespace attnlab;
using Catch::Contains;

TEST_CASE("kind registry: every kind is complete and its options are well formed", "[zoo]") {
    REQUIRE(registered_kinds().size() == token_mixer_kind_names().size());
    for (const KindInfo* kind : registered_kinds()) {
        INFO(kind->name);
        CHECK(bool(kind->make_logits) != bool(kind->make_layer));  // exactly one path
        CHECK(bool(kind->flops));
        CHECK(&find_kind(kind->name) == kind);
        for (const OptionSpec& option : kind->options) {
            INFO(option.key);
            const OptionSpec& registered = find_option(option.key);  // shared keys agree
            if (option.default_value.is_integer()) {
                CHECK(option.low <= option.default_value.integer());
                CHECK(option.default_value.integer() <= option.high);
                CHECK(registered.default_value.integer() == option.default_value.integer());
            }
            if (option.default_value.is_real()) {
                CHECK(option.real_low <= option.default_value.real_number());
                CHECK(option.default_value.real_number() <= option.real_high);
                CHECK(registered.default_value.real_number() == option.default_value.real_number());
            }
            if (!option.choices.empty()) {
                REQUIRE(option.default_value.is_text());
                CHECK(std::count(option.choices.begin(), option.choices.end(),
                                 option.default_value.text()) == 1);
            }
        }
    }
}

TEST_CASE("kind registry: options reach the config schema, and typed access checks", "[zoo]") {
    const json config = default_config("copy_lm");
    for (const OptionSpec& option : registered_options()) {
        INFO(option.key);
        CHECK(config["model"]["attention"].contains(option.key));
    }
    AttentionConfig attention;
    CHECK(attention.integer("linformer_k") == find_option("linformer_k").default_value.integer());
    attention.set("linformer_k", 5);
    CHECK(attention.integer("linformer_k") == 5);
    CHECK_THROWS_WITH(attention.integer("linformer_q"),
                      Contains("unknown option \"linformer_q\"") && Contains("linformer_k"));
    attention.set("performer_features", "many");
    CHECK_THROWS_WITH(attention.integer("performer_features"),
                      Contains("option \"performer_features\" must be an integer, got \"many\""));
    CHECK(attention.real_number("sinkhorn_temperature") == 0.75);  // the declared default
    attention.set("sinkhorn_temperature", 2);                      // an integer is a real
    CHECK(attention.real_number("sinkhorn_temperature") == 2.0);
    attention.set("sinkhorn_temperature", 0.5);
    CHECK(attention.real_number("sinkhorn_temperature") == 0.5);
    CHECK_THROWS_WITH(attention.integer("sinkhorn_temperature"),
                      Contains("option \"sinkhorn_temperature\" must be an integer, got 0.5 (a "
                               "real number)"));
    CHECK_THROWS_WITH(attention.real_number("performer_features"),
                      Contains("option \"performer_features\" must be a number, got \"many\""));
    CHECK_THROWS_WITH(
        load_config("", {"model.attention.performer_feature_kind=cosine"}),
        Contains("valid choices: softmax, hyperbolic, trig, relu, elu_plus_one, exp, "
                 "relu_deterministic, elu_plus_one_deterministic, exp_deterministic"));
    CHECK_THROWS_WITH(load_config("", {"model.attention.linformer_k=0"}),
                      Contains("must be in [1, "));
}

TEST_CASE("kind registry: mixtures parse once, with the reasons a name is refused", "[zoo]") {
    const std::vector<const KindInfo*> parts = parse_kind("random+vanilla");
    REQUIRE(parts.size() == 2);
    CHECK(parts[0]->name == "random");
    CHECK(parts[1]->name == "vanilla");
    CHECK_THROWS_WITH(parse_kind(""), Contains("unknown kind \"\""));
    CHECK_THROWS_WITH(parse_kind("vanilla+"), Contains("unknown kind \"\" in \"vanilla+\""));
    CHECK_THROWS_WITH(parse_kind("dense+dense"), Contains("\"dense\" appears twice"));
    CHECK_THROWS_WITH(parse_kind("vanilla+linformer"), Contains("cannot be mixed"));
    CHECK_THROWS_WITH(
        load_config("", {"model.attention.kind=random+random"}),
        Contains("\"model.attention.kind\" is \"random+random\"") && Contains("appears twice"));
}
