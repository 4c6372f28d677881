// performer_features.h — the random features of the Performer (Choromanski et al., ICLR 2021):
// projection matrices ω and the feature maps φ whose dot products estimate the softmax kernel
// exp(qᵀk/√d), to be fed to linear_attention (engine/linear_attention.h).
//
// Projections ω [m, d] are drawn deterministically from a seed, iid Gaussian or orthogonal (§2.1
// "ORFs": Gram–Schmidt inside each d × d Gaussian block, blocks stacked to m rows). Row norms are
// Gaussian-like (χ(d): the norm of a fresh Gaussian d-vector, so each orthogonal row is still
// marginally N(0, I_d)) or all √d (SMREG, D = Unif(√d S^{d−1})).
//
// Every map with an ω scales its input by d^(−1/4) first, so for the softmax, hyperbolic and trig
// maps φ(q)·φ(k) estimates exp(qᵀk/√d), the softmax attention kernel with its usual temperature.
// The maps are compositions of engine ops and hence differentiable w.r.t. the input x [..., d]; ω
// is a constant.
#pragma once

#include <cstdint>

#include "engine/tensor.h"

namespace attnlab {

enum class ProjectionKind { Iid, Orthogonal };
enum class RowNorm {
    Gaussian,  // iid: the Gaussian rows as drawn; orthogonal: rows rescaled to χ(d) norms
    Sqrt_d,    // SMREG: every row rescaled to norm √d
};

// ω [m, d] (m, d ≥ 1), a plain tensor (no grad). The same arguments give the same bits.
Tensor random_projection(int64_t m, int64_t d, ProjectionKind kind, RowNorm norm, uint64_t seed);

// What the positive maps subtract from their exponents before exp. A constant c shared by all
// features of a token scales φ(x) by e^(−c); how that interacts with D⁻¹ decides the choice:
//   PerToken     c = max over the token's own features. For queries it cancels exactly in
//                out_i = φq_i·S / φq_i·z and is causal-safe: the default for queries. For keys it
//                reweights key j by e^(−c_j), a bias; use it for keys only as a last resort.
//   PerSequence  c = max over features AND positions (the official code's key stabiliser): shared
//                by every key, so it cancels exactly — but it sees the whole sequence, so in causal
//                attention it leaks the future into earlier outputs (performer-pytorch #82). Use it
//                for bidirectional keys only. x must be [..., L, d]; the max is per leading index.
//   None         c = 0: exact and causal-safe. The exponent ωᵀx − ‖x‖²/2 ≤ ‖ω‖²/2 is bounded by
//                a data-independent constant, so overflow needs ‖ω‖²/2 near the exp range; the
//                causal choice for keys.
enum class Stabilizer { PerToken, PerSequence, None };

// FAVOR+ positive features (Lemma 1): φ(x) = exp(ωᵀx − ‖x‖²/2 − c) / √m → [..., m].
Tensor softmax_features(const Tensor& x, const Tensor& omega, Stabilizer stabilizer);
// Hyperbolic positive features: exp(±ωᵀx − ‖x‖²/2 − c) / √(2m) → [..., 2m] ([plus | minus]).
Tensor hyperbolic_features(const Tensor& x, const Tensor& omega, Stabilizer stabilizer);
// Trigonometric features: exp(‖x‖²/2) · [sin(ωᵀx) | cos(ωᵀx)] / √m → [..., 2m]. Unbiased but not
// positive: the estimated row sums can be ≈ 0 or negative, so this map is an ablation arm only.
Tensor trig_features(const Tensor& x, const Tensor& omega);
// The function f of the generalised features (§2.2, "generalized attention"): f(z) = relu(z),
// elu(z) + 1 (the Linear Transformer's map) or exp(z). exp is unbounded: large inputs overflow.
enum class KernelFunction { Relu, EluPlusOne, Exp };

// Generalised features with a random projection: f(d^(−1/4) ωᵀx) + epsilon → [..., m] (kernels
// other than softmax; the official code's features_type "ortho" / "iid").
Tensor generalized_features(const Tensor& x, const Tensor& omega, KernelFunction f,
                            real epsilon = real(1e-3));
// Deterministic generalised features (§2.2 without a projection; the official code's
// features_type "deterministic", and with relu and epsilon 1e-3 the LRA Performer's default):
// f(x) + epsilon → [..., d], on x as given (no d^(−1/4) scale, no ω, nothing random).
Tensor deterministic_features(const Tensor& x, KernelFunction f, real epsilon = real(1e-3));

}  // namespace attnlab
