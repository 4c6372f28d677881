// fuzz_idx.cpp — the IDX reader (read_idx_gz) and the Fashion-MNIST loader built on it
// (train/data/fashion_mnist.h), on arbitrary bytes, gzipped or not (zlib reads both).
//
// Input: a mode byte, then
//   even mode: one IDX file; expected_ndim = (mode / 2) % 5
//   odd mode:  6 option bytes (split, downsample, valid_size, max_examples, 2 bytes: where the
//              images file ends and the labels file begins), then the two files' bytes;
//              the same two files serve as the train and the t10k files.
#include <filesystem>
#include <numeric>

#include "tests/fuzz/fuzz_support.h"
#include "tests/temp_dir.h"
#include "train/data/fashion_mnist.h"

namespace attnlab::fuzz {
namespace {

// A scratch directory whose four Fashion-MNIST file names link to two in-memory files.
class FashionMnistDirectory {
  public:
    FashionMnistDirectory() {
        for (const char* prefix : {"train", "t10k"}) {
            link(images_, cat(prefix, "-images-idx3-ubyte.gz"));
            link(labels_, cat(prefix, "-labels-idx1-ubyte.gz"));
        }
    }
    const std::string& path() const { return directory_.path(); }
    MemoryFile& images() { return images_; }
    MemoryFile& labels() { return labels_; }

  private:
    void link(const MemoryFile& file, const std::string& name) {
        std::filesystem::create_symlink(file.path(), directory_.file(name));
    }
    testing::TempDir directory_;
    MemoryFile images_, labels_;
};

void read_one_file(const uint8_t* data, size_t size, int expected_ndim) {
    static MemoryFile file;
    file.assign(data, size);
    const IdxArray array = read_idx_gz(file.path(), expected_ndim);
    require(int(array.dims.size()) == expected_ndim, "read_idx_gz: wrong number of dimensions");
    const int64_t total =
        std::accumulate(array.dims.begin(), array.dims.end(), int64_t(1), std::multiplies<>());
    require(int64_t(array.data.size()) == total, "read_idx_gz: data size != product of dims");
}

void load_fashion_mnist(const uint8_t* data, size_t size) {
    if (size < 6) return;
    static FashionMnistDirectory directory;
    FashionMnistOptions options;
    options.directory = directory.path();
    options.split = FashionMnistSplit(data[0] % 3);
    options.downsample = data[1] % 8;             // 0 is invalid: the loader must say so
    options.valid_size = int64_t(data[2]) - 8;    // < 1 is invalid
    options.max_examples = int64_t(data[3]) - 8;  // < 0 is invalid
    const size_t cut = std::min(size - 6, size_t(data[4]) << 8 | data[5]);
    directory.images().assign(data + 6, cut);
    directory.labels().assign(data + 6 + cut, size - 6 - cut);
    const FashionMnist dataset(options);
    require(dataset.max_length() == dataset.rows() * dataset.cols(), "FashionMnist: max_length");
    for (int64_t i = 0; i < std::min<int64_t>(dataset.size(), 4); ++i) {
        const Example example = dataset.example(i);
        require(int64_t(example.input.size()) == dataset.max_length(), "FashionMnist: length");
        require(example.label >= 0 && example.label < 10, "FashionMnist: label outside 0..9");
        dataset.decode(example.input);
    }
}

}  // namespace

int idx_input(const uint8_t* data, size_t size) {
    last_rejection().clear();
    if (size < 1) return 0;
    try {
        if (data[0] % 2 == 0)
            read_one_file(data + 1, size - 1, (data[0] / 2) % 5);
        else
            load_fashion_mnist(data + 1, size - 1);
    } catch (const Error& e) {
        last_rejection() = e.what();  // a rejected file or option: the promised error
    }
    return 0;
}

}  // namespace attnlab::fuzz

ATTNLAB_FUZZ_ENTRY(attnlab::fuzz::idx_input)
