"""Writes the seed corpus of the fuzz harnesses, tests/fuzz/corpus/<harness>/ (run from
tests/fuzz/): small valid inputs and edge cases, each in the input layout its harness documents.
Inputs that crashed or hung a harness go to regressions/<harness>/ by hand, never here."""
import gzip
import json
import os
import struct


def write(harness, name, payload):
    os.makedirs(f"corpus/{harness}", exist_ok=True)
    with open(f"corpus/{harness}/{name}", "wb") as f:
        f.write(payload if isinstance(payload, bytes) else payload.encode())


# --- safetensors: the whole file --------------------------------------------------------------
def safetensors(entries, buffer, metadata=None, raw_header=None, pad=True):
    header = {}
    for name, dtype, shape, begin, end in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}
    if metadata is not None:
        header["__metadata__"] = metadata
    text = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + buffer


f32 = struct.pack("<6f", 1, -2, 3.5, 0, 1e-30, 7)
f64 = struct.pack("<2d", 0.25, -1e30)  # finite in float too
write("safetensors", "valid_f32_metadata", safetensors([("w", "F32", [2, 3], 0, 24)], f32, {"step": "3"}))
write("safetensors", "valid_f32_f64_scalar", safetensors(
    [("a", "F64", [2], 0, 16), ("b", "F32", [], 16, 20)], f64 + f32[:4]))
write("safetensors", "valid_empty_header", safetensors([], b""))
write("safetensors", "valid_zero_extent", safetensors([("z", "F32", [0, 5], 0, 0)], b""))
write("safetensors", "bad_header_length", struct.pack("<Q", 1 << 40) + b"{}")
write("safetensors", "bad_short", b"\x02\x00\x00")
write("safetensors", "bad_overlap", safetensors(
    [("a", "F32", [2], 0, 8), ("b", "F32", [2], 4, 12)], f32[:12]))
write("safetensors", "bad_size_mismatch", safetensors([("a", "F32", [3], 0, 8)], f32[:8]))
write("safetensors", "bad_duplicate_key", safetensors(
    [], f32[:4], raw_header='{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                            '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'))
write("safetensors", "bad_huge_shape", safetensors(
    [("a", "F32", [1 << 31, 1 << 31, 1 << 31], 0, 4)], f32[:4]))
write("safetensors", "bad_dtype", safetensors([("a", "BF16", [2], 0, 4)], f32[:4]))
write("safetensors", "bad_metadata", safetensors([], b"", {"k": [1, 2]}))


# --- idx: a mode byte, then one IDX file (even mode) or options + two files (odd mode) --------
def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">i", d) for d in dims) + bytes(data)


def gz(payload):
    return gzip.compress(payload, mtime=0)


pixels = [(50 * i + 5 * r + c) % 256 for i in range(3) for r in range(4) for c in range(5)]
images, labels = idx([3, 4, 5], pixels), idx([3], [7, 2, 9])
write("idx", "images_raw", bytes([3 * 2]) + images)
write("idx", "images_gz", bytes([3 * 2]) + gz(images))
write("idx", "labels_gz", bytes([1 * 2]) + gz(labels))
write("idx", "bad_magic", bytes([3 * 2]) + bytes([0, 0, 9, 3]) + images[4:])
write("idx", "bad_truncated", bytes([3 * 2]) + images[:-7])
write("idx", "bad_trailing", bytes([1 * 2]) + labels + b"\x00")
write("idx", "bad_cut_gzip", bytes([1 * 2]) + gz(labels)[:-10])
write("idx", "bad_huge_dims", bytes([3 * 2]) + idx([1 << 30, 1 << 30, 2], []))


def fashion(split, downsample, valid_size, max_examples, images_file, labels_file):
    options = bytes([split, downsample, valid_size + 8, max_examples + 8])
    return b"\x01" + options + struct.pack(">H", len(images_file)) + images_file + labels_file


write("idx", "fashion_train", fashion(0, 1, 1, 0, gz(images), gz(labels)))
write("idx", "fashion_valid_pooled", fashion(1, 2, 1, 0, images, labels))
write("idx", "fashion_test_floor_pooling", fashion(2, 3, 1, 1, gz(images), labels))
write("idx", "bad_fashion_count_mismatch", fashion(0, 1, 1, 0, images, idx([2], [1, 2])))
write("idx", "bad_fashion_label", fashion(2, 1, 1, 0, images, idx([3], [1, 10, 2])))


# --- config: NUL-separated parts, the file's text then overrides ------------------------------
with open("../../train/configs/copy_lm.json") as f:
    copy_lm = f.read()
write("config", "file_copy_lm", copy_lm)
write("config", "file_and_overrides", copy_lm + "\0train.steps=10\0model.attention.kind=performer")
write("config", "overrides_only", "\0data.task=listops\0model.pooling=cls\0train.lr=0.5")
write("config", "empty_object", "{}")
write("config", "task_options", json.dumps(
    {"data": {"task": "text_file", "path": "x.txt", "seq_len": 16},
     "model": {"attention": {"kind": "dense+random", "performer_feature_kind": "relu"}}}))
write("config", "bad_json", '{"train": {"steps": 10,}}')
write("config", "bad_type", '{"train": {"steps": "ten"}}')
write("config", "bad_unknown_key", '{"train": {"setps": 10}}')
write("config", "bad_override", "{}\0train.steps\0=3\0a..b=1")
write("config", "bad_heads", '{"model": {"d_model": 30, "heads": 4}}')


# --- text: 4 option bytes (seq_len, stride, valid and test fractions / 256), then the text ----
verse = "And God said, Let there be light: and there was light.\n"
write("text", "short_lines", bytes([3, 1, 40, 40]) + (verse * 3).encode())
write("text", "utf8_bytes", bytes([2, 1, 60, 60]) + "naïve café — ünïcödé\n\x00\xff".encode("utf-8", "surrogateescape"))
write("text", "kjv_like", bytes([5, 2, 40, 40]) +
      b"Genesis 1\n\n  1 In the beginning God created the heaven and the earth.\n"
      b"  2 And the earth was without form, and void.\n\nGenesis 2\n\n  1 Thus the heavens.\n")
write("text", "bad_too_short", bytes([31, 1, 100, 100]) + b"abc")
write("text", "bad_empty_text", bytes([0, 1, 0, 0]))
write("text", "bad_stride_zero", bytes([2, 0, 10, 10]) + verse.encode())
write("text", "bad_fraction", bytes([2, 1, 128, 10]) + verse.encode())


# --- listops: a mode byte (0 text, 1 raw tokens, 2 generator options), then its bytes --------
write("listops", "text_nested", b"\x00[MAX 4 [SM 2 3 ] [MED 1 9 8 7 ] ]")
write("listops", "text_lra_parens", b"\x00( ( [MIN 3 ( [MED 1 2 ] ) ) ] )")
write("listops", "text_digit", b"\x009")
write("listops", "bad_text_unclosed", b"\x00[MIN 1 [MAX 2 3 ]")
write("listops", "bad_text_word", b"\x00[MUL 2 3 ]")
write("listops", "tokens_valid", bytes([1, 14, 3, 4, 13 + 2, 5, 6, 17, 17]))
write("listops", "bad_tokens_out_of_range", bytes([1, 13, 0, 19, 3, 17]))
write("listops", "generator_default_like", bytes([2, 16, 48, 10, 10, 0]) + struct.pack("<Q", 1))
write("listops", "generator_deep", bytes([2, 40, 20, 15, 3, 3]) + struct.pack("<Q", 42))
write("listops", "bad_generator_options", bytes([2, 0, 0, 0, 1, 0]) + struct.pack("<Q", 7))
