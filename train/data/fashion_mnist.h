// fashion_mnist.h — Fashion-MNIST (Xiao et al., 2017) as pixel sequences, read from gzipped IDX.
//
// Each 28×28 grey image becomes a sequence of 784 tokens in row-major order, token = pixel + 1
// (0..255 → 1..256; 0 stays padding, vocab 257); label = the class 0..9 (fashion_mnist_class_name).
// This is LRA's "Image" setup (a flattened grey image, one token per intensity) on 28×28 images.
// downsample = f > 1 average-pools f×f blocks first (rounded to the nearest intensity, halves up),
// so 28×28 becomes 14×14 (f = 2, 196 tokens) or 7×7 (f = 4, 49 tokens): quadratic attention on a
// CPU cannot afford 784. Trailing rows and columns that do not fill a block are dropped (f = 3:
// 9×9 from the top-left 27×27), as a "floor mode" pooling layer does.
// Splits: train = the first train_size - valid_size images of the train files (55,000 by default),
// valid = the last valid_size (5,000), test = the t10k files (10,000). The default directory is
// where the Debian package dataset-fashion-mnist puts the files:
//   train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz  t10k-images-idx3-ubyte.gz t10k-labels-…
// IDX (LeCun's format): the magic 0x00 0x00 <type 0x08 = unsigned byte> <number of dimensions>,
// then each dimension as a big-endian int32, then the bytes row-major.
#pragma once

#include <string>
#include <vector>

#include "train/data/dataset.h"

namespace attnlab {

// An unsigned-byte IDX array read from a .gz file (zlib also reads an uncompressed file as is).
struct IdxArray {
    std::vector<int64_t> dims;
    std::vector<uint8_t> data;  // numel(dims) bytes, row-major
};

// Reads `path`, checking the magic, that there are `expected_ndim` dimensions, and that the data
// is exactly as long as the dimensions say; errors name the file and what was wrong.
IdxArray read_idx_gz(const std::string& path, int expected_ndim);

enum class FashionMnistSplit { Train, Valid, Test };
const char* fashion_mnist_split_name(FashionMnistSplit split);  // "train", "valid", "test"
const char* fashion_mnist_class_name(int label);                // "T-shirt/top", ...

struct FashionMnistOptions {
    std::string directory = "/usr/share/datasets/fashion-mnist";
    FashionMnistSplit split = FashionMnistSplit::Train;
    int64_t valid_size = 5000;  // the last images of the train files
    int64_t max_examples = 0;   // > 0: keep only the split's first max_examples (quick CPU runs)
    int64_t downsample = 1;     // f: average-pool f×f blocks; 1 ≤ f ≤ the image's side
};

class FashionMnist : public Dataset {
  public:
    explicit FashionMnist(const FashionMnistOptions& options = {});

    std::string name() const override;  // "fashion_mnist/train", ...
    TaskKind task() const override { return TaskKind::Classification; }
    int64_t size() const override { return int64_t(labels_.size()); }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return 257; }
    int64_t num_classes() const override { return 10; }
    int64_t max_length() const override { return rows_ * cols_; }
    // A full image prints as rows of characters from dark ' ' to light '@'; other ids as numbers.
    std::string decode(const std::vector<int32_t>& ids) const override;

    int64_t rows() const { return rows_; }  // after downsampling
    int64_t cols() const { return cols_; }

  private:
    FashionMnistOptions options_;
    int64_t rows_ = 0, cols_ = 0;
    std::vector<uint8_t> pixels_;  // [size, rows, cols]
    std::vector<uint8_t> labels_;
};

}  // namespace attnlab
