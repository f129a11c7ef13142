# Thin wrapper over CMake: `make demo`, `make test`, `make bench`.
BUILD ?= build/release
JOBS ?= $(shell nproc)
DB ?= var/tuanjiehu
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 300

.PHONY: all deps build test demo bench clean crash soak fuzz tsan package

all: build

deps:
	./cmake/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# The Debian package in $(BUILD): poleloc_VERSION_ARCH.deb (cmake/packaging.cmake, docs/operations.md).
package: build
	cd $(BUILD) && cpack -G DEB

demo: build
	rm -rf $(DB)
	$(BUILD)/poleloc import --db $(DB) --poles data/tuanjiehu/poles.csv --grids data/tuanjiehu/grids.geojson --aliases data/tuanjiehu/aliases.csv --roads data/tuanjiehu/roads.geojson
	@echo '$$ poleloc locate TJH-0372';            $(BUILD)/poleloc locate --db $(DB) TJH-0372
	@echo '$$ poleloc resolve 团结湖三七二';        $(BUILD)/poleloc resolve --db $(DB) --limit 3 团结湖三七二
	@echo '$$ poleloc grid-at 116.4712 39.9251';   $(BUILD)/poleloc grid-at --db $(DB) 116.4712 39.9251
	@echo '$$ poleloc nearest 116.4712 39.9251 -k 3'; $(BUILD)/poleloc nearest --db $(DB) 116.4712 39.9251 -k 3
	$(BUILD)/poleloc serve --db $(DB) --listen $(LISTEN)

bench: build
	./bench/run.sh $(BUILD)

# SIGKILL during acknowledged writes and imports, then check the database (tests/crash/).
ROUNDS ?= 500
crash: build
	/usr/bin/python3 tests/crash/crash_harness.py --poleloc $(BUILD)/poleloc --workdir $(BUILD)/tests/crash/tmp --rounds $(ROUNDS)

# Mixed reads and writes against a server on the sample; RSS, errors and latency at the end (tests/soak/).
DURATION ?= 600
soak: build
	/usr/bin/python3 tests/soak/soak.py --poleloc $(BUILD)/poleloc --sample data/tuanjiehu --workdir $(BUILD)/tests/soak/tmp --duration $(DURATION)

# libFuzzer targets (tests/fuzz, docs/testing.md): a clang build in build/fuzz, FUZZ_SECONDS per target.
fuzz: deps
	JOBS=$(JOBS) ./tests/fuzz/run.sh --seconds $(FUZZ_SECONDS)

# The concurrency tests (writes racing readers, the background merge) under
# ThreadSanitizer, in build/tsan (tests/tsan.supp says what is suppressed and why).
TSAN_TESTS ?= overlay_test service_test open_decode_test overlap_free_test split_read_test
tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build build/tsan -j $(JOBS) --target $(TSAN_TESTS)
	for t in $(TSAN_TESTS); do TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" build/tsan/tests/$$t || exit 1; done

clean:
	rm -rf build var
