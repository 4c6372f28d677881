// seq2seq.cpp — the decoder block and stack, the tied-embedding encoder-decoder, its loss and
// greedy decoding.
#include "seq2seq.h"

#include <algorithm>
#include <optional>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "zoo.h"

namespace attnlab {

// The cross-attention's config: the block's, with its own dropout stream.
static AttentionConfig cross_config(AttentionConfig config) {
    config.dropout_seed ^= 0xc2b2ae3d27d4eb4full;
    return config;
}

DecoderBlock::DecoderBlock(const AttentionConfig& attention, int64_t d_ff, Rng& rng)
    : residual_dropout_(attention.dropout, attention.dropout_seed),
      ln1_(attention.d_model),
      attn_(make_token_mixer(attention, rng)),
      ln_cross_(attention.d_model),
      cross_(cross_config(attention), rng),
      ln2_(attention.d_model),
      ffn_(attention.d_model, d_ff, rng) {
    ATTNLAB_CHECK(attention.causal, "DecoderBlock: the self-attention config must be causal");
    register_module("ln1", ln1_);
    register_module("attn", *attn_);
    register_module("ln_cross", ln_cross_);
    register_module("cross", cross_);
    register_module("ln2", ln2_);
    register_module("ffn", ffn_);
    register_counter(residual_dropout_.calls());
}

Tensor DecoderBlock::forward(const Tensor& x, const Tensor& self_padding, const Tensor& memory,
                             const Tensor& memory_padding) {
    return around_self_attention(x, attn_->forward(ln1_.forward(x), self_padding),
                                 cross_.prepare(memory, memory_padding));
}

Tensor DecoderBlock::step(DecodeState& self_attention, const Tensor& x,
                          const CrossAttention::Memory& memory) {
    return around_self_attention(x, self_attention.step(ln1_.forward(x)), memory);
}

Tensor DecoderBlock::around_self_attention(const Tensor& x, const Tensor& mixed,
                                           const CrossAttention::Memory& memory) {
    const bool train = training();
    Tensor h = add(x, residual_dropout_(mixed, train));
    h = add(h, residual_dropout_(cross_.attend(ln_cross_.forward(h), memory), train));
    return add(h, residual_dropout_(ffn_.forward(ln2_.forward(h)), train));
}

Decoder::Decoder(const Seq2SeqConfig& config, Rng& rng)
    : max_len_(config.stack.max_len),
      pos_(config.stack.positions, config.stack.max_len, config.stack.d_model, rng),
      ln_f_(config.stack.d_model) {
    for (int64_t i = 0; i < config.decoder_layers; ++i)
        blocks_.add(
            std::make_unique<DecoderBlock>(config.decoder_attention(i), config.stack.d_ff, rng));
    register_module("pos", pos_);
    register_module("blocks", blocks_);
    register_module("ln_f", ln_f_);
}

Tensor Decoder::forward(const Tensor& embedding_weight, const IntTensor& ids,
                        const Tensor& self_padding, const Tensor& memory,
                        const Tensor& memory_padding) {
    ATTNLAB_CHECK(ids.shape.size() == 2, "Decoder: ids ", shape_str(ids.shape),
                  " (expected [B, T])");
    const int64_t B = ids.shape[0], T = ids.shape[1];
    ATTNLAB_CHECK(T >= 1 && T <= max_len_, "Decoder: sequence length ", T, " exceeds max_len ",
                  max_len_, " (or is empty)");
    if (self_padding.defined()) check_key_padding(self_padding, B, T, "Decoder", true);
    Tensor h = embed(embedding_weight, ids, position_ids(B, T));
    for (size_t i = 0; i < blocks_.size(); ++i)
        h = blocks_[i].forward(h, self_padding, memory, memory_padding);
    return ln_f_.forward(h);
}

Tensor Decoder::embed(const Tensor& embedding_weight, const IntTensor& ids,
                      const IntTensor& positions) const {
    return add(embedding(embedding_weight, ids), pos_.at(positions));
}

// Checks the sizes before the members are built.
static const Seq2SeqConfig& checked(const Seq2SeqConfig& config) {
    config.stack.check("Seq2Seq");
    ATTNLAB_CHECK(config.decoder_layers > 0, "Seq2Seq: decoder_layers must be positive, got ",
                  config.decoder_layers);
    return config;
}

Seq2Seq::Seq2Seq(const Seq2SeqConfig& config, Rng& rng)
    : config_(checked(config)), encoder_(config.stack, rng), decoder_(config, rng) {
    register_module("encoder", encoder_);
    register_module("decoder", decoder_);
}

Tensor Seq2Seq::encode(const IntTensor& source, const Tensor& source_mask) {
    return encoder_.forward(source, source_mask);
}

Tensor Seq2Seq::decode(const IntTensor& decoder_input, const Tensor& decoder_mask,
                       const Tensor& memory, const Tensor& source_mask) {
    const Tensor& table = encoder_.embedding_weight();  // [V, d], tied
    const Tensor h = decoder_.forward(table, decoder_input, decoder_mask, memory, source_mask);
    return matmul(h, table, false, true);  // [B, T, d] · [V, d]ᵀ → [B, T, V]
}

Tensor Seq2Seq::forward(const IntTensor& source, const Tensor& source_mask,
                        const IntTensor& decoder_input, const Tensor& decoder_mask) {
    ATTNLAB_CHECK(source.shape.size() == 2 && decoder_input.shape.size() == 2 &&
                      source.shape[0] == decoder_input.shape[0],
                  "Seq2Seq: source ", shape_str(source.shape), " and decoder input ",
                  shape_str(decoder_input.shape), " (expected [B, S] and [B, T])");
    const Tensor memory = encode(source, source_mask);
    return decode(decoder_input, decoder_mask, memory, source_mask);
}

Tensor Seq2Seq::loss(const IntTensor& source, const Tensor& source_mask,
                     const IntTensor& decoder_input, const Tensor& decoder_mask,
                     const IntTensor& target) {
    ATTNLAB_CHECK(target.shape == decoder_input.shape, "Seq2Seq::loss: target ",
                  shape_str(target.shape), " differs from the decoder input ",
                  shape_str(decoder_input.shape));
    const Tensor logits = forward(source, source_mask, decoder_input, decoder_mask);
    return cross_entropy(reshape(logits, {-1, config_.stack.vocab}),
                         IntTensor({target.numel()}, target.values), kIgnoreIndex);
}

Seq2SeqDecoding Seq2Seq::start_decoding(const Tensor& memory, const Tensor& source_mask) {
    ATTNLAB_CHECK(!training(),
                  "Seq2Seq: decoding runs in eval mode (it applies no dropout); call "
                  "set_training(false) first");
    return Seq2SeqDecoding(*this, memory, source_mask);
}

Seq2SeqDecoding::Seq2SeqDecoding(Seq2Seq& model, const Tensor& memory, const Tensor& source_mask)
    : model_(model), batch_(memory.size(0)) {
    Decoder& decoder = model.decoder_;
    for (size_t i = 0; i < decoder.blocks_.size(); ++i) {
        blocks_.push_back(decoder.blocks_[i].start_decoding(batch_));
        memories_.push_back(decoder.blocks_[i].cross().prepare(memory, source_mask));
    }
}

Tensor Seq2SeqDecoding::step(const std::vector<int32_t>& ids) {
    Decoder& decoder = model_.decoder_;
    ATTNLAB_CHECK(int64_t(ids.size()) == batch_, "Seq2Seq decoding: ", ids.size(),
                  " tokens for a batch of ", batch_, " sequences (expected one per sequence)");
    ATTNLAB_CHECK(position_ < decoder.max_len_, "Seq2Seq decoding: position ", position_,
                  " is past max_len ", decoder.max_len_);
    NoGradGuard no_grad;
    const IntTensor positions({batch_, 1}, std::vector<int32_t>(ids.size(), int32_t(position_)));
    const Tensor& table = model_.encoder_.embedding_weight();                 // [V, d], tied
    Tensor h = decoder.embed(table, IntTensor({batch_, 1}, ids), positions);  // [B, 1, d]
    for (size_t i = 0; i < blocks_.size(); ++i)
        h = decoder.blocks_[i].step(*blocks_[i], h, memories_[i]);
    ++position_;
    const Tensor logits = matmul(decoder.ln_f_.forward(h), table, false, true);  // [B, 1, V]
    return reshape(logits, {batch_, model_.config_.stack.vocab});
}

std::vector<std::vector<int32_t>> Seq2Seq::greedy_decode(const IntTensor& source,
                                                         const Tensor& source_mask, int32_t bos,
                                                         int32_t eos, int64_t max_steps,
                                                         Decoding decoding) {
    const int64_t V = config_.stack.vocab;
    ATTNLAB_CHECK(bos >= 0 && bos < V && eos >= 0 && eos < V, "greedy_decode: bos ", bos,
                  " and eos ", eos, " must be token ids in [0, ", V, ")");
    ATTNLAB_CHECK(max_steps >= 1 && max_steps <= config_.stack.max_len, "greedy_decode: max_steps ",
                  max_steps, " outside [1, max_len = ", config_.stack.max_len, "]");
    ATTNLAB_CHECK(source.shape.size() == 2, "greedy_decode: source ", shape_str(source.shape),
                  " (expected [B, S])");
    NoGradGuard no_grad;
    EvalModeGuard eval(*this);
    const int64_t B = source.shape[0];
    const Tensor memory = encode(source, source_mask);
    std::optional<Seq2SeqDecoding> incremental;
    // A kind without incremental decoding (KindInfo::decodes) takes the whole-prefix path.
    if (decoding == Decoding::Incremental && decodes_incrementally(config_.stack.attention.kind))
        incremental.emplace(start_decoding(memory, source_mask));

    // prefix holds BOS and every prediction so far, row after row; finished rows keep decoding
    // (their tokens are ignored) so the batch stays rectangular.
    std::vector<std::vector<int32_t>> prefix(size_t(B), std::vector<int32_t>{bos});
    // The logits [B, V] of the newest position of every prefix.
    auto next_logits = [&](int64_t step) {
        std::vector<int32_t> ids;
        if (incremental) {
            for (const auto& row : prefix) ids.push_back(row.back());
            return incremental->step(ids);
        }
        for (const auto& row : prefix) ids.insert(ids.end(), row.begin(), row.end());
        const Tensor logits = decode(IntTensor({B, step}, ids), Tensor(), memory, source_mask);
        return reshape(slice(logits, 1, step - 1, step), {B, V});
    };
    std::vector<std::vector<int32_t>> out(static_cast<size_t>(B));
    std::vector<bool> finished(size_t(B), false);
    for (int64_t step = 1; step <= max_steps; ++step) {
        const Tensor logits = next_logits(step);
        bool all_finished = true;
        for (int64_t b = 0; b < B; ++b) {
            const real* last = logits.data() + b * V;
            const int32_t best = int32_t(std::max_element(last, last + V) - last);
            prefix[size_t(b)].push_back(best);
            if (!finished[size_t(b)]) {
                if (best == eos)
                    finished[size_t(b)] = true;
                else
                    out[size_t(b)].push_back(best);
            }
            all_finished = all_finished && finished[size_t(b)];
        }
        if (all_finished) break;
    }
    return out;
}

}  // namespace attnlab
