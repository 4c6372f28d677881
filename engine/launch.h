// launch.h — the first statement of every attnlab program's main: configure_process().
//
// Two settings only take effect when a library loads, and both matter for speed:
//
// OPENBLAS_CORETYPE, the kernel set of OpenBLAS 0.3.21, read once when OpenBLAS loads. Machine
// images pin it to Haswell (AVX2) to paper over CPUs that 0.3.21 does not know, and on an AVX-512
// CPU that leaves half of sgemm's speed unused. attnlab loads OpenBLAS itself
// (engine/kernels/blas.h), so configure_process() can set the core type first, in this process.
//
// OMP_WAIT_POLICY, read by libgomp when the program starts, before main. Nothing in the process
// can change it any more, so it stays the environment's: export OMP_WAIT_POLICY=PASSIVE on a
// machine shared with other jobs (README, Build details; the test and comparison scripts do).
#pragma once

namespace attnlab {

// The core type configure_process() sets: SkylakeX on a CPU with AVX-512 when OPENBLAS_CORETYPE
// names a kernel set without it, else null (keep `coretype`, which may be null: OpenBLAS detects
// the CPU itself, and 0.3.21 picks AVX-512 kernels on the AVX-512 CPUs it knows).
const char* openblas_coretype_override(bool cpu_has_avx512, const char* coretype);

// Sets OPENBLAS_CORETYPE as above, unless ATTNLAB_KEEP_CORETYPE is set, and loads OpenBLAS. Call
// it before anything multiplies matrices; a second call is an Error.
void configure_process();

}  // namespace attnlab
