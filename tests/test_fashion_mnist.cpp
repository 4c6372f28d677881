// The gzipped IDX reader and Fashion-MNIST splits on the tiny committed fixture
// (tests/fixtures/idx, written by its make_fixture.py), rejection of corrupt files, and the
// installed Debian package.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "train/data/fashion_mnist.h"

using namespace attnlab;

namespace {

const std::string kFixture = "tests/fixtures/idx";  // the tests run from the repository root

std::string fixture(const std::string& file) {
    REQUIRE(std::filesystem::is_directory(kFixture));
    return kFixture + "/" + file;
}

FashionMnistOptions fixture_options(FashionMnistSplit split) {
    FashionMnistOptions options;
    options.directory = kFixture;
    options.split = split;
    options.valid_size = 1;
    return options;
}

}  // namespace

TEST_CASE("fashion_mnist: the IDX fixture is parsed exactly", "[data]") {
    const IdxArray images = read_idx_gz(fixture("train-images-idx3-ubyte.gz"), 3);
    CHECK(images.dims == std::vector<int64_t>({3, 4, 5}));
    REQUIRE(images.data.size() == 60);
    for (int i = 0; i < 3; ++i)
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 5; ++c)
                CHECK(images.data[size_t(20 * i + 5 * r + c)] == 50 * i + 5 * r + c);
    const IdxArray labels = read_idx_gz(fixture("train-labels-idx1-ubyte.gz"), 1);
    CHECK(labels.dims == std::vector<int64_t>({3}));
    CHECK(labels.data == std::vector<uint8_t>({7, 2, 9}));
}

TEST_CASE("fashion_mnist: splits and pixel tokens on the fixture", "[data]") {
    const FashionMnist train(fixture_options(FashionMnistSplit::Train));
    const FashionMnist valid(fixture_options(FashionMnistSplit::Valid));
    const FashionMnist test(fixture_options(FashionMnistSplit::Test));
    CHECK(train.name() == "fashion_mnist/train");
    CHECK(train.size() == 2);  // the first 3 - valid_size
    CHECK(valid.size() == 1);  // the last one
    CHECK(test.size() == 2);
    CHECK(train.vocab_size() == 257);
    CHECK(train.num_classes() == 10);
    CHECK(train.max_length() == 20);
    CHECK(train.rows() == 4);
    CHECK(train.cols() == 5);

    const Example first = train.example(1);
    REQUIRE(first.input.size() == 20);
    for (int p = 0; p < 20; ++p) CHECK(first.input[size_t(p)] == 50 + p + 1);  // token = pixel + 1
    CHECK(first.label == 2);
    CHECK(valid.example(0).input[0] == 101);
    CHECK(valid.example(0).label == 9);
    CHECK(test.example(1).input[19] == 200 + 19 - 40 + 1);
    CHECK(test.example(1).label == 5);
    CHECK(fashion_mnist_class_name(9) == std::string("Ankle boot"));

    FashionMnistOptions few = fixture_options(FashionMnistSplit::Test);
    few.max_examples = 1;
    CHECK(FashionMnist(few).size() == 1);
    // Pixels 200..219 print as 4 lines of 5 from the light end of the ramp (200..204 "#").
    CHECK(test.decode(test.example(0).input) == "#####\n%%%%%\n%%%%%\n%%%%%\n");
    CHECK(test.decode({1, 2}) == "1 2");
    const Batch batch = make_batch(train, {0, 1});
    CHECK(batch.input.shape == Shape({2, 20}));
}

TEST_CASE("fashion_mnist: downsample average-pools f×f blocks, dropping partial ones", "[data]") {
    // Train image 1 is pixel (r, c) = 50 + 5 r + c on 4×5. f = 2 keeps the top-left 4×4 as 2×2
    // blocks: {50, 51, 55, 56} → 53, {52, 53, 57, 58} → 55, {60, 61, 65, 66} → 63, {62, ...} → 65.
    FashionMnistOptions options = fixture_options(FashionMnistSplit::Train);
    options.downsample = 2;
    const FashionMnist pooled(options);
    CHECK(pooled.rows() == 2);
    CHECK(pooled.cols() == 2);
    CHECK(pooled.max_length() == 4);
    CHECK(pooled.example(1).input == std::vector<int32_t>({53 + 1, 55 + 1, 63 + 1, 65 + 1}));
    CHECK(pooled.example(1).label == 2);
    // f = 3: one block, rows 0..2 × columns 0..2 of test image 1 (160 + 5 r + c): mean 166.
    options = fixture_options(FashionMnistSplit::Test);
    options.downsample = 3;
    CHECK(FashionMnist(options).example(1).input == std::vector<int32_t>({166 + 1}));
    options.downsample = 1;  // the identity
    CHECK(FashionMnist(options).example(1).input ==
          FashionMnist(fixture_options(FashionMnistSplit::Test)).example(1).input);
}

TEST_CASE("fashion_mnist: corrupt files and bad options are rejected, naming the file", "[data]") {
    const std::string truncated = fixture("truncated-images-idx3-ubyte.gz");
    CHECK_THROWS_WITH(read_idx_gz(truncated, 3),
                      Catch::Contains(truncated) && Catch::Contains("truncated") &&
                          Catch::Contains("need 60 bytes of data, the file has 50"));
    const std::string cut = fixture("cut-labels-idx1-ubyte.gz");
    CHECK_THROWS_WITH(read_idx_gz(cut, 1), Catch::Contains(cut) && Catch::Contains("gzip"));
    const std::string labels = fixture("train-labels-idx1-ubyte.gz");
    CHECK_THROWS_WITH(read_idx_gz(labels, 3),
                      Catch::Contains(labels) && Catch::Contains("bad magic 0 0 8 1"));
    CHECK_THROWS_WITH(read_idx_gz(fixture("absent.gz"), 1), Catch::Contains("cannot open"));

    FashionMnistOptions options = fixture_options(FashionMnistSplit::Train);
    options.directory = kFixture + "/no-such-directory";
    CHECK_THROWS_WITH(FashionMnist(options), Catch::Contains("dataset-fashion-mnist"));
    options = fixture_options(FashionMnistSplit::Valid);
    options.valid_size = 3;
    CHECK_THROWS_WITH(FashionMnist(options), Catch::Contains("leaves no training images"));
    for (int64_t bad : {0, -2, 5}) {
        options = fixture_options(FashionMnistSplit::Train);
        options.downsample = bad;
        CHECK_THROWS_WITH(FashionMnist(options),
                          Catch::Contains("downsample " + std::to_string(bad)) &&
                              Catch::Contains("must be in [1, 4]"));
    }
    CHECK_THROWS_WITH(FashionMnist(fixture_options(FashionMnistSplit::Train)).example(2),
                      Catch::Contains("index 2 outside [0, 2)"));
}

TEST_CASE("fashion_mnist: the installed package holds 60,000 + 10,000 labelled 28x28 images",
          "[data]") {
    const std::string directory = FashionMnistOptions().directory;
    INFO("needs the Debian package dataset-fashion-mnist (make test installs it)");
    REQUIRE(std::filesystem::is_directory(directory));
    const IdxArray train_labels = read_idx_gz(directory + "/train-labels-idx1-ubyte.gz", 1);
    CHECK(train_labels.dims == std::vector<int64_t>({60000}));
    for (uint8_t label : train_labels.data) REQUIRE(label < 10);

    FashionMnistOptions options;
    options.split = FashionMnistSplit::Test;
    const FashionMnist test(options);
    CHECK(test.size() == 10000);
    CHECK(test.max_length() == 784);
    std::set<int32_t> classes;
    for (int64_t i = 0; i < test.size(); ++i) classes.insert(test.example(i).label);
    CHECK(classes == std::set<int32_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}
