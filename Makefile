# attnlab — one Makefile for the library, the tools, the experiments and the tests.
#
#   make             build every binary into build/ (parallel by default)
#   make test        install missing Debian packages, then run the test suite three times:
#                    float (f32), double (f64: tight gradient checks) and float under
#                    AddressSanitizer + UndefinedBehaviorSanitizer (san). Last line: N passed, N failed
#   make test SAN=1  only the sanitizer suite;  make check: only the f32 suite (quick loop)
#   make demo        the main job: the quick Synthesizer ablation (about 10 minutes), its table
#   make fuzz        build the fuzz harnesses (tests/fuzz/) with clang's libFuzzer + ASan/UBSan and
#                    run each FUZZ_SECONDS (60) seconds; FUZZ_TARGETS="idx config" picks harnesses
#   make format      clang-format every source file
#
# Optimisation flags: -O3 -march=native. -O3 lets GCC vectorise the elementwise loops with
# AVX-512 on the machine that builds (binaries are built where they run). Reductions use
# `#pragma omp simd reduction`, which vectorises them without licensing reassociation anywhere
# else. Never -ffast-math / -Ofast: they break NaN/Inf checks, erf/exp edge cases and
# reproducibility (llm.c issue #19).

MAKEFLAGS += --no-builtin-rules
# Parallel by default at the top level; recursive makes share the parent's job slots.
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += -j$(shell nproc)
endif
.SUFFIXES:

CXX      := g++
MULTIARCH := $(shell $(CXX) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# The OpenMP flavour of OpenBLAS shares libgomp's thread pool with our own OpenMP loops, so BLAS
# threads and ours never run at the same time and never oversubscribe the cores. It is not linked:
# engine/kernels/blas.cpp loads this file by its full path (whatever the system's libopenblas
# alternative points at) once configure_process() has chosen its core type (engine/launch.h).
BLAS_DIR := /usr/lib/$(MULTIARCH)/openblas-openmp
BLAS_INC := /usr/include/$(MULTIARCH)/openblas-openmp
BLAS_LIB := $(BLAS_DIR)/libopenblas.so.0

# Open MPI (data-parallel training): g++ with the flags of Open MPI's C interface, as its wrapper
# `mpicc --showme` prints them (the C++ bindings of mpicxx are deprecated and unused), so the
# compiler stays g++ and only train/distributed.cpp calls MPI. Its headers are system headers
# (-isystem): our warnings are not theirs. Empty until `deps` has installed libopenmpi-dev.
MPI_CPPFLAGS := $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile 2>/dev/null))
MPI_LDLIBS   := $(shell mpicc --showme:link 2>/dev/null)

WARN     := -Wall -Wextra -Wshadow -Wno-unused-parameter
CPPFLAGS := -I. -isystem $(BLAS_INC) $(MPI_CPPFLAGS) \
            -DATTNLAB_OPENBLAS_LIBRARY='"$(BLAS_LIB)"' -MMD -MP
# -fno-tree-slp-vectorize works around a GCC 12.2 wrong-code bug with -march=native on this
# AVX-512 Zen CPU: an 8-double braced list {1,1,1,1,1,1,1,0} is stored as eight 1.0s (one
# vpbroadcastq). Loop vectorisation, which our kernels rely on, stays on. A test pins it.
BASEFLAGS := -std=c++17 -fopenmp -fno-tree-slp-vectorize $(WARN)
LDLIBS   := -lz -fopenmp $(MPI_LDLIBS)

FLAGS_f32 := -O3 -march=native
FLAGS_f64 := -O2 -march=native -DATTNLAB_DOUBLE
# -g1 (line tables only) gives the sanitizers' reports their function names and file:line at
# half the compile time of -g, whose variable and type information a report never uses.
FLAGS_san := -O1 -g1 -march=native -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined -Wno-maybe-uninitialized
# The tests' own code (tests/) is compiled with less optimisation than the library it tests: it
# runs little but is macro-heavy (Catch2), so -O3 (and, under the sanitizers, -O1) cost most of
# `make test`'s compile time for little. The sanitized suite still instruments the tests' code.
TESTFLAGS_f32 := -O1 -march=native
TESTFLAGS_f64 := -O1 -march=native -DATTNLAB_DOUBLE
TESTFLAGS_san := -O0 -g1 -march=native -fsanitize=address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined
# (GCC 12 reports false maybe-uninitialized warnings inside std::function under -O1 + ASan.)

ENGINE_SRC := $(sort $(wildcard engine/*.cpp engine/*/*.cpp))
MODEL_SRC  := $(sort $(wildcard models/*.cpp models/*/*.cpp))
TRAIN_SRC  := $(sort $(filter-out train/main_%.cpp,$(wildcard train/*.cpp train/*/*.cpp)))
# The core library, what the attnlab tool links: each layer includes only the layers below it
# (engine ← models ← train ← experiments; tests/test_layers.cpp checks it). The experiment
# programs and the tests also link experiments/lib.
LIB_SRC    := $(ENGINE_SRC) $(MODEL_SRC) $(TRAIN_SRC)
EXPLIB_SRC := $(sort $(wildcard experiments/lib/*.cpp))
# tests/fuzz/fuzz_*.cpp are the fuzz harnesses; the suites replay their corpora through them.
TEST_SRC   := $(sort $(wildcard tests/*.cpp tests/fuzz/*.cpp))
# Every experiments/<name>.cpp (benchmarks included) is a program build/bin/<name>.
EXPERIMENT_SRC  := $(sort $(wildcard experiments/*.cpp))
TOOL_SRC   := $(sort $(wildcard train/main_*.cpp))

BIN := build/bin
EXPERIMENTS := $(patsubst experiments/%.cpp,$(BIN)/%,$(EXPERIMENT_SRC))
TOOLS   := $(patsubst train/main_%.cpp,$(BIN)/%,$(TOOL_SRC))

# Debian packages the build, the tests and the demo need (the tests read the KJV and Fashion-MNIST,
# draw with gnuplot and start data-parallel runs with Open MPI's mpirun); `deps` installs whichever
# are missing.
BUILD_PACKAGES := g++ make libopenblas-dev libopenblas-openmp-dev catch2 nlohmann-json3-dev \
                  zlib1g-dev gnuplot-nox bible-kjv dataset-fashion-mnist libopenmpi-dev openmpi-bin
DEMO_PACKAGES  := $(BUILD_PACKAGES)

.PHONY: all test check demo fuzz deps deps-demo deps-fuzz format clean
all: $(TOOLS) $(EXPERIMENTS) build/f32/tests

# --- unity chunks -------------------------------------------------------------------------------
# The library, experiments/lib and the tests are compiled in chunks of eight neighbouring files,
# each chunk one translation unit (build/unity/<its first file>.cpp includes the eight). Most of a
# file's compile time is the headers it includes (the standard library, nlohmann/json, Catch2), so
# parsing them once per chunk instead of once per file halves a fresh build, and `make test` builds
# three variants. The price: names private to a file (anonymous namespaces, statics) must not clash
# with a neighbour's, and an edit recompiles its whole chunk. tests/test_main.cpp compiles alone: it
# must be the first to include Catch2, whose implementation it instantiates.
empty :=
space := $(empty) $(empty)
# $(call chunks,LIST): LIST cut into groups of eight words, each group's words joined by '+'.
chunks = $(if $(1),$(subst $(space),+,$(wordlist 1,8,$(1))) $(call chunks,$(wordlist 9,$(words $(1)),$(1))))
# $(call chunk_names,LIST): the unity source names of LIST's chunks, without .cpp.
chunk_names = $(foreach c,$(call chunks,$(1)),$(basename $(firstword $(subst +, ,$(c)))))
TEST_MAIN  := tests/test_main.cpp
TEST_CHUNKED := $(filter-out $(TEST_MAIN),$(TEST_SRC))
LIB_CHUNKS    := $(call chunk_names,$(LIB_SRC))
EXPLIB_CHUNKS := $(call chunk_names,$(EXPLIB_SRC))
TEST_CHUNKS   := $(call chunk_names,$(TEST_CHUNKED))
$(foreach list,LIB_SRC EXPLIB_SRC TEST_CHUNKED,$(foreach c,$(call chunks,$($(list))),\
  $(eval UNITY_MEMBERS_$(basename $(firstword $(subst +, ,$(c)))) := $(subst +, ,$(c)))))
# Rewritten on every make but replaced only when its list changed, so nothing recompiles needlessly.
build/unity/%.cpp: FORCE
	@mkdir -p $(@D)
	@printf '#include "%s"\n' $(UNITY_MEMBERS_$*) > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
.PRECIOUS: build/unity/%.cpp
.PHONY: FORCE
FORCE:

# The commit the experiment programs are built from, "-dirty" when the sources they compile differ
# from it: cells record it (experiments/lib/results.h), so a number is credited to the code that
# produced it even after the tree has moved on. Rewritten on every make, replaced when it changed.
build/build_commit.cpp: FORCE
	@mkdir -p $(@D)
	@commit=$$(git describe --always --abbrev=12 2>/dev/null || echo unknown); \
	 if [ "$$commit" != unknown ] && \
	    [ -n "$$(git status --porcelain -- engine models train experiments Makefile)" ]; then \
	   commit=$$commit-dirty; fi; \
	 printf '%s\n' '// Generated by the Makefile: the commit these sources came from.' \
	   'namespace attnlab::experiments {' 'extern const char* const kBuildCommit;' \
	   "const char* const kBuildCommit = \"$$commit\";" '}' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
.PRECIOUS: build/build_commit.cpp

# --- one set of objects per variant -----------------------------------------------------------
# Objects of chunk X are build/<variant>/obj/unity/X.o; programs' own files compile one by one.
define variant
build/$(1)/obj/%.o: %.cpp
	@mkdir -p $$(@D)
	$$(CXX) $$(BASEFLAGS) $$(FLAGS_$(1)) $$(CPPFLAGS) -c $$< -o $$@
build/$(1)/obj/unity/%.o: build/unity/%.cpp
	@mkdir -p $$(@D)
	$$(CXX) $$(BASEFLAGS) $$(FLAGS_$(1)) $$(CPPFLAGS) -c $$< -o $$@
build/$(1)/obj/unity/tests/%.o: build/unity/tests/%.cpp
	@mkdir -p $$(@D)
	$$(CXX) $$(BASEFLAGS) $$(TESTFLAGS_$(1)) $$(CPPFLAGS) -c $$< -o $$@
build/$(1)/obj/tests/%.o: tests/%.cpp
	@mkdir -p $$(@D)
	$$(CXX) $$(BASEFLAGS) $$(TESTFLAGS_$(1)) $$(CPPFLAGS) -c $$< -o $$@
LIB_$(1)    := $$(patsubst %,build/$(1)/obj/unity/%.o,$$(LIB_CHUNKS))
EXPLIB_$(1) := $$(patsubst %,build/$(1)/obj/unity/%.o,$$(EXPLIB_CHUNKS)) \
               build/$(1)/obj/build/build_commit.o
TESTS_$(1)  := $$(patsubst %,build/$(1)/obj/unity/%.o,$$(TEST_CHUNKS)) \
               $$(patsubst %.cpp,build/$(1)/obj/%.o,$$(TEST_MAIN))
# The suite starts build/<variant>/attnlab and build/<variant>/grid_cells (a tiny experiment grid,
# tests/programs/) under mpirun (tests/mpi_helpers.h): built from the variant's own objects, so the
# tests under mpirun run in double and under the sanitizers too.
build/$(1)/tests: $$(LIB_$(1)) $$(EXPLIB_$(1)) $$(TESTS_$(1)) | build/$(1)/attnlab build/$(1)/grid_cells
	$$(CXX) $$(BASEFLAGS) $$(FLAGS_$(1)) $$(filter %.o,$$^) -o $$@ $$(LDLIBS)
build/$(1)/attnlab: build/$(1)/obj/train/main_attnlab.o $$(LIB_$(1))
	$$(CXX) $$(BASEFLAGS) $$(FLAGS_$(1)) $$^ -o $$@ $$(LDLIBS)
build/$(1)/grid_cells: build/$(1)/obj/tests/programs/grid_cells.o $$(LIB_$(1)) $$(EXPLIB_$(1))
	$$(CXX) $$(BASEFLAGS) $$(FLAGS_$(1)) $$^ -o $$@ $$(LDLIBS)
-include $$(patsubst %.o,%.d,$$(LIB_$(1)) $$(EXPLIB_$(1)) $$(TESTS_$(1)))
-include build/$(1)/obj/tests/programs/grid_cells.d
-include $$(patsubst %.cpp,build/$(1)/obj/%.d,$$(EXPERIMENT_SRC) $$(TOOL_SRC))
endef
$(foreach v,f32 f64 san,$(eval $(call variant,$(v))))

$(BIN)/%: build/f32/obj/experiments/%.o $(LIB_f32) $(EXPLIB_f32)
	@mkdir -p $(@D)
	$(CXX) $(BASEFLAGS) $(FLAGS_f32) $^ -o $@ $(LDLIBS)
$(BIN)/%: build/f32/obj/train/main_%.o $(LIB_f32)
	@mkdir -p $(@D)
	$(CXX) $(BASEFLAGS) $(FLAGS_f32) $^ -o $@ $(LDLIBS)

# --- tests --------------------------------------------------------------------------------------
SUITES := $(if $(SAN),san,f32 f64 san)
test: deps
	@$(MAKE) --no-print-directory $(foreach s,$(SUITES),build/$(s)/tests)
	@bash tests/run_suites.sh $(SUITES)

demo: deps-demo
	@$(MAKE) --no-print-directory $(BIN)/synthesizer_ablation
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(BIN)/synthesizer_ablation --preset quick

check: deps
	@$(MAKE) --no-print-directory build/f32/tests
	@bash tests/run_suites.sh f32

# --- fuzzing -----------------------------------------------------------------------------------
# Only `make fuzz` needs clang: its objects live apart in build/fuzz/. The library is compiled
# with libFuzzer's coverage instrumentation (fuzzer-no-link) and ASan + UBSan, each harness
# tests/fuzz/fuzz_<name>.cpp is linked with libFuzzer's main into build/fuzz/bin/<name>. clang's
# -fopenmp uses LLVM's OpenMP runtime (libomp-14-dev), which also serves OpenBLAS's GOMP calls.
# (-Wno-pass-failed: at -O1 clang reports every `omp simd` loop it did not vectorise.)
FUZZ_PACKAGES := $(BUILD_PACKAGES) clang libclang-rt-14-dev libomp-14-dev
FUZZ_CXX     := clang++
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.cpp,%,$(sort $(wildcard tests/fuzz/fuzz_*.cpp)))
FUZZ_FLAGS   := -std=c++17 -fopenmp -O1 -g -march=native -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined $(WARN) -Wno-pass-failed
# The library below the CLI: what the readers need.
FUZZ_LIB     := $(patsubst %.cpp,build/fuzz/obj/%.o,$(ENGINE_SRC) $(MODEL_SRC) \
                  $(filter-out train/cli%.cpp,$(TRAIN_SRC)))

build/fuzz/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c $< -o $@
build/fuzz/obj/tests/fuzz/%.o: tests/fuzz/%.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -DATTNLAB_LIBFUZZER $(CPPFLAGS) -c $< -o $@
build/fuzz/bin/%: build/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ -o $@ -lz $(MPI_LDLIBS)
FUZZ_HARNESS_OBJ := $(patsubst %.cpp,build/fuzz/obj/%.o,$(wildcard tests/fuzz/fuzz_*.cpp))
.SECONDARY: $(FUZZ_LIB) $(FUZZ_HARNESS_OBJ)  # made by pattern rules, but no scratch files
-include $(patsubst %.o,%.d,$(FUZZ_LIB) $(FUZZ_HARNESS_OBJ))

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(foreach t,$(FUZZ_TARGETS),build/fuzz/bin/$(t))
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# --- packages -----------------------------------------------------------------------------------
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || \
	  { echo "error: could not install:$$missing (run: apt-get install$$missing)"; exit 1; }; \
	fi
endef
deps:
	$(call install_missing,$(BUILD_PACKAGES))
deps-demo:
	$(call install_missing,$(DEMO_PACKAGES))
deps-fuzz:
	$(call install_missing,$(FUZZ_PACKAGES))

format:
	clang-format -i $(wildcard engine/*.h engine/*.cpp engine/*/*.h engine/*/*.cpp models/*.h \
	  models/*.cpp train/*.h train/*.cpp train/*/*.h train/*/*.cpp tests/*.h tests/*.cpp \
	  tests/fuzz/*.h tests/fuzz/*.cpp tests/programs/*.cpp \
	  experiments/*.h experiments/*.cpp experiments/*/*.h experiments/*/*.cpp)

clean:
	rm -rf build
