// attn_sinkhorn.h — Sparse Sinkhorn attention (Tay, Bahri, Yang, Metzler & Juan 2020, "Sparse
// Sinkhorn Attention", arXiv 2002.11296, §3; LRA's "Sinkhorn Trans." row): the sequence is cut
// into n non-overlapping blocks of b tokens, a learned sorting network scores every pair of
// blocks, Sinkhorn balancing turns the scores into a doubly stochastic (soft permutation) matrix
// P, and each query attends to the keys of its own block together with those of the block that P
// sorts into its place.
//
//     q, k, v = x·W_{q,k,v} + b_{q,k,v}, split into h heads           [B, h, L, dh]
//     blocks:  K_i = rows [i·b, (i + 1)·b) of k (V_i, Q_i alike)       i < n = ⌈L / b⌉
//     e_i = mean of the real rows of K_i                               (sort net input, ψ_P)
//     R_ij = e_i · W_s[:, j] + c_j        W_s [dh, N], c [N], N = ⌈max_len / b⌉, j < n
//     log S⁰ = R / τ;  log Sᵗ = F_c(F_r(log Sᵗ⁻¹)), t = 1..T            (Sinkhorn balancing)
//         F_r(A)_ij = A_ij − log Σ_j' exp A_ij',   F_c(A)_ij = A_ij − log Σ_i' exp A_i'j
//     P = exp(log Sᵀ)                                                  [B, h, n, n]
//     sorted blocks  K̃_i = Σ_j P_ij K_j,  Ṽ_i = Σ_j P_ij V_j          (ψ_S(K), ψ_S(V))
//     O_i = softmax(Q_i [K_i ; K̃_i]ᵀ / √dh + mask) [V_i ; Ṽ_i]         (own block + sorted block)
//     Y = merge_heads(O) · W_o + b_o
// Key padding: padded rows of k and v are zeroed before sorting and left out of e_i, so padded
// tokens change no real output. A padded key of the own block is removed (−10⁹); sorted slot s of
// block i gets the bias log(Σ_j P_ij keep_js / Σ_j P_ij), the share of P's row on real tokens at
// that slot (0 without padding; removed when slot s is padding in every block). A ragged last
// block is padded inside the layer the same way, so L need not be a multiple of b.
//
// Simplifications, all stated: the sort net is LRA's (one linear map of the pooled block keys,
// shared by the heads, its N outputs cut to the first n) rather than the paper's two-layer ReLU
// network on pooled inputs, and it pools by the mean over real tokens (LRA sums); no Gumbel noise
// in the Sinkhorn step; no SortCut; local and sorted keys share one softmax (LRA's code adds two
// separately normalised attentions). Bidirectional only: the paper's causal Sinkhorn balancing is
// not implemented, so KindInfo::causal is false and a causal config is refused; no incremental
// decoding.
//
// Options: "sinkhorn_block" b (default 50, LRA's block size, in [1, 65536]), "sinkhorn_iterations"
// T (default 7, in [1, 100]), "sinkhorn_temperature" τ (real, default 0.75, in [0.001, 1000]).
// T = 7 and τ = 0.75 are what public reimplementations take as the paper's best settings (not
// checked against the paper's tables here); LRA's code balances once at τ = 1.
// Parameters: "w_q", "w_k", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]), "sort_net"
// ("weight" [dh, N] + "bias" [N]).  Count: 4·(d² + d) + (dh + 1)·N.
// Forward FLOPs per token (kind.h; n = ⌈L / b⌉, Lp = n·b): 8d² (projections) + (8b·d + 4n·d)·Lp/L
// (two blocks' logits and mix; sorting K and V) + 2n²·d / L (the sort net). The Sinkhorn steps
// (T·n² exponentials per head) are not matmuls and not counted. Time and memory grow as
// L·(b + n)·d: the block terms linearly in L, the sorting term as L²/b (the paper's N_B²).
#pragma once

#include "kind.h"

namespace attnlab {

class SinkhornAttention : public TokenMixer {
  public:
    // Initialises, in order: w_q, w_k, w_v, w_o, sort_net, all from `rng`.
    SinkhornAttention(const AttentionConfig& config, Rng& rng);

    // x [B, L, d] (L ≤ max_len) → [B, L, d]; key_padding (optional) [B, L], 1 = real, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;
    const AttentionConfig& config() const override { return config_; }

    // log P [B, h, n, n] for x (the sorting the forward uses; recorded like the forward).
    Tensor log_sorting(const Tensor& x, const Tensor& key_padding = Tensor());

  private:
    Tensor checked_keep(const Tensor& x, const Tensor& key_padding) const;
    Tensor log_sorting_of(const Tensor& keys, const Tensor& keep);

    AttentionConfig config_;
    Linear w_q_, w_k_, w_v_, w_o_, sort_net_;
    uint64_t dropout_calls_ = 0;
};

// Sinkhorn balancing in log space: logits [..., n, n] → log P, `iterations` rounds of row then
// column normalisation of logits / temperature (after the last round every column sums to 1).
Tensor sinkhorn_log(const Tensor& logits, int64_t iterations, double temperature);

// The attention of the header on per-head q, k, v [B, h, L, dh], given log P [B, h, n, n] with
// n = ⌈L / block⌉ and keep [B, L] (1 real, 0 pad; undefined: all real) → [B, h, L, dh].
// dropout_p > 0 drops attention weights with `seed`.
Tensor sorted_block_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                              const Tensor& log_p, const Tensor& keep, int64_t block,
                              double dropout_p = 0, uint64_t seed = 0);

const KindInfo& sinkhorn_kind();

}  // namespace attnlab
