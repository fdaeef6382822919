# maat - top-level convenience targets. CMake + ctest do the real work.
#   make        build (programs land in build/bin/)
#   make demo   install dependencies, build, run the main job on embedded defaults
#   make test   install dependencies, build a normal and an ASan+UBSan tree, run all tests,
#               the threaded tests once more under ThreadSanitizer (test-tsan), then run
#               each libFuzzer harness for a short bounded time
#   make fuzz-long  each harness for 10^7 executions (not in CI)
BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
TSAN_BUILD  ?= build-tsan
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20
MAAT_VECTORS ?= $(abspath ../shared/vectors)
export MAAT_VECTORS

.PHONY: all build deps demo test test-unit test-asan test-tsan fuzz fuzz-long fuzz-build clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMAAT_SANITIZE=ON

$(TSAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMAAT_TSAN=ON

$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAAT_FUZZ=ON

demo: deps build
	@bash scripts/demo.sh $(BUILD)/bin

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# ThreadSanitizer over the tests that run threads: the unit tests that start pthreads
# (collateral cache stall, PCCS client, claims jti, signing-key keyring race, store) and
# maatd's integration tests (thread-per-connection HTTP, log writer, store sync).
# Suppressions (library-internal false positives only, each with its reason):
# scripts/tsan.supp.
TSAN_TESTS ?= ^(test_collateral_stall|test_pccs|test_claims|test_signing_key|test_store|integration_test_maatd|integration_test_maatd_hostile)$$
test-tsan: $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(abspath scripts/tsan.supp)" \
	  ctest --output-on-failure -j$(JOBS) -R '$(TSAN_TESTS)'

fuzz-build: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j$(JOBS)

fuzz: fuzz-build
	@bash scripts/run-fuzzers.sh $(FUZZ_BUILD)/bin $(FUZZ_SECONDS)

# Not in CI: every harness for FUZZ_RUNS executions (default 10^7) with its dictionary and
# the vectors as seed corpus; hours on two cores. Findings land in fuzz/artifacts/.
FUZZ_RUNS ?= 10000000
fuzz-long: fuzz-build
	@FUZZ_RUNS=$(FUZZ_RUNS) bash scripts/run-fuzzers.sh $(FUZZ_BUILD)/bin 0

test: deps
	$(MAKE) test-unit
	$(MAKE) test-asan
	$(MAKE) test-tsan
	$(MAKE) fuzz

# The Debian packages (CPack DEB, one per component) from the build tree:
# $(BUILD)/{libmaat0,libmaat-dev,maatd,maat}_VERSION_ARCH.deb (docs/install.md).
# DEB_DIR=DIR puts them elsewhere.
DEB_DIR ?= $(abspath $(BUILD))
.PHONY: deb
deb: build
	cd $(BUILD) && cpack -G DEB -B $(DEB_DIR)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
