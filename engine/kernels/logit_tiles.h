// logit_tiles.h — attention logits produced one tile at a time, for the fused kernel
// (fused_attention.h), and the tile gradient handed back.
//
// A LogitTiles reads raw inputs (the tensors a logit source computes once per forward: vanilla's
// scaled Q and K, Random's R, ...) and computes S[b, head, rows, cols] for any tile; accumulate()
// adds ∂⟨dS, S_tile⟩/∂input into gradient buffers laid out like the inputs. The shapes below name
// the building blocks the softmax-frame kinds are made of:
//
// clang-format off
//   ProductTiles   S = Q Kᵀ (+ a bias per column)        dQ += dS K, dK += dSᵀ Q, dbias += Σ_rows dS
//   MatrixTiles    S = M[b, head, rows, cols]             dM[b, head, rows, cols] += dS
//   OuterTiles     S[i, j] = A[i, j / nb] · C[i, j % nb]  dA[i, j / nb] += dS·C, dC[i, j % nb] += dS·A
//   WeightedTiles  S = Σ_n w_n S_n                        dS_n = w_n dS, dw_n += ⟨dS, S_n⟩
// clang-format on
//
// Every input is addressed by a View: element (b, head, r, c) at b·batch_stride + head·head_stride
// + r·ld + c; a batch stride of 0 shares one matrix across the batch (its gradient then sums over
// the batch, and sharing() says so, so the backward never lets two threads add into one head).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "../common.h"

namespace attnlab::kernels {

struct Tile {
    int64_t batch, head, row0, row1, col0, col1;  // rows [row0, row1), cols [col0, col1)
    int64_t rows() const { return row1 - row0; }
    int64_t cols() const { return col1 - col0; }
};

struct View {
    int64_t batch_stride, head_stride, ld;
    int64_t offset(int64_t b, int64_t head, int64_t row) const {
        return b * batch_stride + head * head_stride + row * ld;
    }
};

// Which gradients several threads of a backward could add into at once.
enum class GradSharing {
    None,   // every gradient element belongs to one (batch, head)
    Batch,  // some belong to one head but sum over the batch
};

class LogitTiles {
  public:
    virtual ~LogitTiles() = default;
    // How many gradient buffers accumulate() takes, in the order of the inputs.
    virtual int64_t inputs() const = 0;
    virtual GradSharing sharing() const = 0;
    // out[r·ld + c] = S[b, head, row0 + r, col0 + c].
    virtual void compute(const Tile& tile, real* out, int64_t ld) const = 0;
    // grads[k] (null: input k needs none) += the gradient of ⟨dS, S_tile⟩ with respect to input k.
    virtual void accumulate(const Tile& tile, const real* dS, int64_t ld,
                            real* const* grads) const = 0;
    // Called once after the last accumulate(), single-threaded: adds what was gathered per head.
    virtual void finish(real* const* grads) const {}
};

// S = Q Kᵀ + bias: Q rows [.., L, dk]; K stored [.., cols, dk], or [.., dk, cols] when
// k_transposed (Dense's W2, vanilla's Kᵀ); bias (optional) a row of columns per head.
class ProductTiles : public LogitTiles {
  public:
    ProductTiles(const real* q, View q_view, const real* k, View k_view, bool k_transposed,
                 int64_t dk, const real* bias = nullptr, int64_t bias_head_stride = 0);
    int64_t inputs() const override { return bias_ ? 3 : 2; }
    GradSharing sharing() const override;
    void compute(const Tile& tile, real* out, int64_t ld) const override;
    void accumulate(const Tile& tile, const real* dS, int64_t ld,
                    real* const* grads) const override;

  private:
    const real *q_, *k_, *bias_;
    View q_view_, k_view_;
    bool k_transposed_;
    int64_t dk_, bias_head_stride_;
};

// S = M[b, head, rows, cols].
class MatrixTiles : public LogitTiles {
  public:
    MatrixTiles(const real* m, View view) : m_(m), view_(view) {}
    int64_t inputs() const override { return 1; }
    GradSharing sharing() const override;
    void compute(const Tile& tile, real* out, int64_t ld) const override;
    void accumulate(const Tile& tile, const real* dS, int64_t ld,
                    real* const* grads) const override;

  private:
    const real* m_;
    View view_;
};

// S[i, j] = A[i, j / nb] · C[i, j mod nb] (Factorized Dense's flattened outer product): A rows of
// na entries, C rows of nb entries, addressed by their views.
class OuterTiles : public LogitTiles {
  public:
    OuterTiles(const real* a, View a_view, const real* c, View c_view, int64_t nb);
    int64_t inputs() const override { return 2; }
    GradSharing sharing() const override;
    void compute(const Tile& tile, real* out, int64_t ld) const override;
    void accumulate(const Tile& tile, const real* dS, int64_t ld,
                    real* const* grads) const override;

  private:
    const real *a_, *c_;
    View a_view_, c_view_;
    int64_t nb_;
};

// S = Σ_n w_n S_n. Inputs: w [N] first, then each part's inputs in turn. ⟨dS, S_n⟩ is gathered
// per head (dw is shared by every thread) and added to dw by finish().
class WeightedTiles : public LogitTiles {
  public:
    WeightedTiles(const real* weights, std::vector<std::shared_ptr<const LogitTiles>> parts,
                  int64_t heads);
    int64_t inputs() const override;
    GradSharing sharing() const override { return GradSharing::Batch; }
    void compute(const Tile& tile, real* out, int64_t ld) const override;
    void accumulate(const Tile& tile, const real* dS, int64_t ld,
                    real* const* grads) const override;
    void finish(real* const* grads) const override;

  private:
    const real* weights_;
    std::vector<std::shared_ptr<const LogitTiles>> parts_;
    int64_t heads_;
    mutable std::vector<double> weight_grads_;  // [heads, N]: ⟨dS, S_n⟩ per head
};

}  // namespace attnlab::kernels
