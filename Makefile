# swift-siglip: `make demo` and `make test` work on a fresh Debian/Ubuntu machine with the Swift toolchain.
SWIFT      ?= swift
CONFIG     ?= release
BUILD_DIR  := .build/$(CONFIG)
SIGLIP     := $(BUILD_DIR)/siglip
PYTHON     ?= .venv/bin/python
DEMO_MODEL := Tests/Fixtures/models/tiny-siglip
SHAPES_MODEL := models/shapes-siglip

.PHONY: deps build test demo fixtures parity-base bench bench-train fuzz clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

# Tests run in release mode: the kernels are SIMD code that a debug build runs ~250x slower.
test: deps
	$(SWIFT) build -c $(CONFIG) --product siglip
	$(SWIFT) test -c $(CONFIG)
	@./scripts/golden-ids.sh $(SIGLIP)

demo: build
	@./scripts/demo.sh $(SIGLIP) $(DEMO_MODEL) $(SHAPES_MODEL)

# Regenerates the committed parity fixtures with the pinned reference stack (needs PyPI, not run by CI).
$(PYTHON):
	python3 -m venv .venv
	.venv/bin/pip install -q -r scripts/fixtures/requirements.txt

fixtures: $(PYTHON)
	$(PYTHON) scripts/fixtures/tokenizer_fixtures.py Tests/Fixtures/tokenizers
	$(PYTHON) scripts/fixtures/images.py Tests/Fixtures/images
	$(PYTHON) scripts/fixtures/configs.py Tests/Fixtures/configs
	$(PYTHON) scripts/fixtures/models.py Tests/Fixtures/models
	$(PYTHON) scripts/fixtures/training.py Tests/Fixtures/training

# Builds a random-init checkpoint with google/siglip-base-patch16-224's geometry and compares us with the reference.
parity-base: build $(PYTHON)
	$(PYTHON) scripts/parity_base.py --siglip $(SIGLIP) --work .build/parity-base

# Side-by-side CPU benchmark against PyTorch and ONNX Runtime (not in CI); installs its own Python environment.
BENCH_PYTHON := .venv-bench/bin/python
$(BENCH_PYTHON):
	python3 -m venv .venv-bench
	.venv-bench/bin/pip install -q -r benchmarks/requirements.txt

bench: deps $(BENCH_PYTHON)
	$(SWIFT) build -c release --product siglip-bench
	$(BENCH_PYTHON) benchmarks/bench.py --siglip-bench $(BUILD_DIR)/siglip-bench --work .build/bench --threads 2
	$(BENCH_PYTHON) benchmarks/tokenizer.py --siglip-bench $(BUILD_DIR)/siglip-bench --model $(DEMO_MODEL)
	$(BENCH_PYTHON) benchmarks/images.py --siglip-bench $(BUILD_DIR)/siglip-bench --model .build/bench/siglip-base-random --images benchmarks/images

# Training step time, siglip train against PyTorch eager fp32, shapes and base geometry (not in CI).
bench-train: deps $(BENCH_PYTHON)
	$(SWIFT) build -c release --product siglip
	$(BENCH_PYTHON) benchmarks/train_step.py --siglip $(SIGLIP) --work .build/bench-train --threads 2

# Fuzzes image decoding with libFuzzer + AddressSanitizer for FUZZ_SECONDS (not in CI).
FUZZ_SECONDS ?= 300
fuzz: deps
	cd fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer,address
	mkdir -p .build/fuzz-corpus && cp Tests/Fixtures/images/files/* .build/fuzz-corpus/
	fuzz/.build/release/imgfuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 .build/fuzz-corpus

clean:
	rm -rf .build
