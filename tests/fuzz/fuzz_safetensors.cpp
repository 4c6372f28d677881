// fuzz_safetensors.cpp — the safetensors loader (engine/safetensors.h) on arbitrary file bytes.
// The bytes are the whole file: the 8-byte header length, the JSON header, the byte buffer.
#include "engine/safetensors.h"
#include "tests/fuzz/fuzz_support.h"

namespace attnlab::fuzz {

int safetensors_input(const uint8_t* data, size_t size) {
    static MemoryFile file;
    file.assign(data, size);
    last_rejection().clear();
    try {
        const SafetensorsFile loaded = load_safetensors(file.path());
        // A loaded tensor must own every element its shape promises: read them all (ASan
        // reports a short buffer).
        for (const auto& entry : loaded.tensors) {
            const Tensor& tensor = entry.second;
            real sum = 0;
            for (int64_t i = 0; i < tensor.numel(); ++i) sum += tensor.data()[i];
            volatile real sink = sum;
            (void)sink;
        }
    } catch (const Error& e) {
        last_rejection() = e.what();  // a rejected file: the promised one-line error
    }
    return 0;
}

}  // namespace attnlab::fuzz

ATTNLAB_FUZZ_ENTRY(attnlab::fuzz::safetensors_input)
