// fashion_mnist.cpp — the gzipped IDX reader and the Fashion-MNIST splits of fashion_mnist.h.
#include "fashion_mnist.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <memory>

namespace attnlab {

namespace {

constexpr int64_t kMaxIdxBytes = int64_t(1) << 31;  // guards against a corrupt header
constexpr int64_t kFirstChunkBytes = int64_t(1) << 16;

struct GzCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to `count` bytes; throws if zlib reports a corrupt or cut stream.
int64_t read_bytes(gzFile file, const std::string& path, uint8_t* out, int64_t count) {
    int64_t done = 0;
    while (done < count) {
        const unsigned chunk = unsigned(std::min<int64_t>(count - done, INT_MAX / 2));
        const int got = gzread(file, out + done, chunk);
        int status = Z_OK;
        const char* message = gzerror(file, &status);
        ATTNLAB_CHECK(got >= 0 && (status == Z_OK || status == Z_STREAM_END), "read_idx_gz: ", path,
                      ": corrupt or cut gzip stream (", message, ")");
        if (got == 0) break;
        done += got;
    }
    return done;
}

// Reads up to `count` bytes of data, growing the buffer (doubling) only as the bytes arrive: a
// header that claims gigabytes costs the memory of the data the file really holds.
std::vector<uint8_t> read_data(gzFile file, const std::string& path, int64_t count) {
    std::vector<uint8_t> data;
    while (int64_t(data.size()) < count) {
        const int64_t done = int64_t(data.size());
        const int64_t chunk = std::min(count - done, std::max(done, kFirstChunkBytes));
        data.resize(size_t(done + chunk));
        const int64_t got = read_bytes(file, path, data.data() + done, chunk);
        data.resize(size_t(done + got));
        if (got < chunk) break;
    }
    return data;
}

// Average-pools `images` [count, rows, cols] over factor×factor blocks, dropping the rows and
// columns that do not fill a block; rows and cols become the pooled sides.
std::vector<uint8_t> average_pool(const std::vector<uint8_t>& images, int64_t count, int64_t& rows,
                                  int64_t& cols, int64_t factor) {
    const int64_t out_rows = rows / factor, out_cols = cols / factor, block = factor * factor;
    std::vector<uint8_t> pooled(size_t(count * out_rows * out_cols));
    for (int64_t i = 0; i < count; ++i)
        for (int64_t r = 0; r < out_rows; ++r)
            for (int64_t c = 0; c < out_cols; ++c) {
                int64_t sum = 0;
                for (int64_t dr = 0; dr < factor; ++dr)
                    for (int64_t dc = 0; dc < factor; ++dc)
                        sum +=
                            images[size_t((i * rows + r * factor + dr) * cols + c * factor + dc)];
                pooled[size_t((i * out_rows + r) * out_cols + c)] =
                    uint8_t((sum + block / 2) / block);
            }
    rows = out_rows;
    cols = out_cols;
    return pooled;
}

}  // namespace

IdxArray read_idx_gz(const std::string& path, int expected_ndim) {
    GzFile file(gzopen(path.c_str(), "rb"));
    ATTNLAB_CHECK(file != nullptr, "read_idx_gz: cannot open ", path);
    gzbuffer(file.get(), 1 << 17);
    uint8_t magic[4];
    const int64_t got = read_bytes(file.get(), path, magic, 4);
    ATTNLAB_CHECK(got == 4, "read_idx_gz: ", path, ": truncated header (", got, " of 4 bytes)");
    ATTNLAB_CHECK(magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08 && magic[3] == expected_ndim,
                  "read_idx_gz: ", path, ": bad magic ", int(magic[0]), " ", int(magic[1]), " ",
                  int(magic[2]), " ", int(magic[3]), ", expected 0 0 8 ", expected_ndim,
                  " (unsigned-byte IDX with ", expected_ndim, " dimensions)");
    IdxArray array;
    int64_t total = 1;
    for (int axis = 0; axis < expected_ndim; ++axis) {
        uint8_t word[4];
        ATTNLAB_CHECK(read_bytes(file.get(), path, word, 4) == 4, "read_idx_gz: ", path,
                      ": truncated header (dimension ", axis, " missing)");
        const int64_t extent = int64_t(word[0]) << 24 | int64_t(word[1]) << 16 |
                               int64_t(word[2]) << 8 | int64_t(word[3]);
        ATTNLAB_CHECK(extent > 0, "read_idx_gz: ", path, ": dimension ", axis, " is 0");
        total *= extent;
        ATTNLAB_CHECK(total <= kMaxIdxBytes, "read_idx_gz: ", path,
                      ": header dimensions exceed 2 GiB (corrupt header?)");
        array.dims.push_back(extent);
    }
    array.data = read_data(file.get(), path, total);
    const int64_t read = int64_t(array.data.size());
    ATTNLAB_CHECK(read == total, "read_idx_gz: ", path, ": truncated: dimensions ",
                  shape_str(array.dims), " need ", total, " bytes of data, the file has ", read);
    uint8_t extra;
    ATTNLAB_CHECK(read_bytes(file.get(), path, &extra, 1) == 0, "read_idx_gz: ", path,
                  ": unexpected bytes after the ", total, " bytes of data ", shape_str(array.dims));
    return array;
}

const char* fashion_mnist_split_name(FashionMnistSplit split) {
    switch (split) {
        case FashionMnistSplit::Train:
            return "train";
        case FashionMnistSplit::Valid:
            return "valid";
        case FashionMnistSplit::Test:
            return "test";
    }
    return "?";
}

const char* fashion_mnist_class_name(int label) {
    static const char* const names[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                          "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                          "Bag",         "Ankle boot"};
    ATTNLAB_CHECK(label >= 0 && label < 10, "fashion_mnist_class_name: label ", label,
                  " outside 0..9");
    return names[label];
}

FashionMnist::FashionMnist(const FashionMnistOptions& options) : options_(options) {
    namespace fs = std::filesystem;
    ATTNLAB_CHECK(fs::is_directory(options.directory), "FashionMnist: directory ",
                  options.directory,
                  " not found; install the Debian package dataset-fashion-mnist "
                  "(apt-get install dataset-fashion-mnist) or set the directory");
    ATTNLAB_CHECK(options.valid_size >= 1, "FashionMnist: valid_size ", options.valid_size,
                  " must be positive");
    ATTNLAB_CHECK(options.max_examples >= 0, "FashionMnist: max_examples ", options.max_examples,
                  " must be >= 0 (0 keeps the whole split)");
    const std::string prefix = options.split == FashionMnistSplit::Test ? "t10k" : "train";
    const std::string image_path =
        (fs::path(options.directory) / (prefix + "-images-idx3-ubyte.gz")).string();
    const std::string label_path =
        (fs::path(options.directory) / (prefix + "-labels-idx1-ubyte.gz")).string();
    IdxArray images = read_idx_gz(image_path, 3);
    IdxArray labels = read_idx_gz(label_path, 1);
    const int64_t count = images.dims[0];
    ATTNLAB_CHECK(labels.dims[0] == count, "FashionMnist: ", image_path, " holds ", count,
                  " images but ", label_path, " holds ", labels.dims[0], " labels");
    for (int64_t i = 0; i < count; ++i)
        ATTNLAB_CHECK(labels.data[size_t(i)] < 10, "FashionMnist: ", label_path, ": label ",
                      int(labels.data[size_t(i)]), " at index ", i, " outside 0..9");
    rows_ = images.dims[1];
    cols_ = images.dims[2];
    ATTNLAB_CHECK(options.downsample >= 1 && options.downsample <= std::min(rows_, cols_),
                  "FashionMnist: downsample ", options.downsample, " must be in [1, ",
                  std::min(rows_, cols_), "] for ", rows_, "×", cols_, " images (", image_path,
                  ")");

    int64_t begin = 0, end = count;
    if (options.split != FashionMnistSplit::Test) {
        ATTNLAB_CHECK(options.valid_size < count, "FashionMnist: valid_size ", options.valid_size,
                      " leaves no training images out of the ", count, " in ", image_path);
        if (options.split == FashionMnistSplit::Train)
            end = count - options.valid_size;
        else
            begin = count - options.valid_size;
    }
    if (options.max_examples > 0 && options.max_examples < end - begin)  // never overflows
        end = begin + options.max_examples;
    const int64_t pixels = rows_ * cols_;
    pixels_.assign(images.data.begin() + begin * pixels, images.data.begin() + end * pixels);
    if (options.downsample > 1)
        pixels_ = average_pool(pixels_, end - begin, rows_, cols_, options.downsample);
    labels_.assign(labels.data.begin() + begin, labels.data.begin() + end);
}

std::string FashionMnist::name() const {
    return cat("fashion_mnist/", fashion_mnist_split_name(options_.split));
}

Example FashionMnist::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < size(), "FashionMnist: index ", index, " outside [0, ",
                  size(), ") of ", name());
    const int64_t pixels = rows_ * cols_;
    Example example;
    example.input.resize(size_t(pixels));
    for (int64_t p = 0; p < pixels; ++p)
        example.input[size_t(p)] = int32_t(pixels_[size_t(index * pixels + p)]) + 1;
    example.label = labels_[size_t(index)];
    return example;
}

std::string FashionMnist::decode(const std::vector<int32_t>& ids) const {
    if (int64_t(ids.size()) != rows_ * cols_) return Dataset::decode(ids);
    static const char ramp[] = " .:-=+*#%@";  // 10 levels, dark to light
    std::string out;
    for (int64_t r = 0; r < rows_; ++r) {
        for (int64_t c = 0; c < cols_; ++c) {
            const int32_t id = ids[size_t(r * cols_ + c)];
            out += id >= 1 && id <= 256 ? ramp[(id - 1) * 10 / 256] : '?';
        }
        out += '\n';
    }
    return out;
}

}  // namespace attnlab
