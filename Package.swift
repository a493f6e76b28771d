// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "swift-siglip",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SigLIP", targets: ["SigLIP"]),
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "SentencePiece", targets: ["SentencePiece"]),
        .library(name: "ImageIO", targets: ["ImageIO"]),
        .library(name: "SigLIPTraining", targets: ["SigLIPTraining"]),
        .library(name: "SigLIPEvaluation", targets: ["SigLIPEvaluation"]),
        .library(name: "SigLIPIndex", targets: ["SigLIPIndex"]),
        .library(name: "SigLIPServer", targets: ["SigLIPServer"]),
        .library(name: "SigLIPDistributed", targets: ["SigLIPDistributed"]),
        .library(name: "SigLIPHub", targets: ["SigLIPHub"]),
        .library(name: "SigLIPPostgres", targets: ["SigLIPPostgres"]),
        .library(name: "SigLIPProbe", targets: ["SigLIPProbe"]),
        .executable(name: "siglip", targets: ["siglip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The HTTP service; default traits off (no swift-configuration) to keep the build short.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Hub downloads: already in the graph through HummingbirdTesting, streams bodies, and lets us stop at a redirect.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebpdemux", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CGIF", pkgConfig: "libgif", providers: [.apt(["libgif-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        // libpng reports errors by longjmp, which Swift cannot catch: a small C reader owns the setjmp.
        .target(name: "CPNGReader", dependencies: ["CPNG"]),

        // Image decoding, orientation, RGB conversion and Pillow-exact resampling; knows nothing of SigLIP.
        .target(name: "ImageIO", dependencies: ["CTurboJPEG", "CPNGReader", "CPNG", "CWebP", "CGIF", "CKernels"]),

        // bf16 (AVX-512 BF16) and int8 (AVX-512 VNNI) matrix products behind run-time CPU checks, with portable
        // loops: per-function target attributes, so no CPU flags and the library still runs on older CPUs.
        .target(name: "CLowPrecision"),

        // Float-row and 8-bit image kernels compiled for AVX-512, AVX2+FMA and the baseline, picked at run time:
        // the package needs no CPU flags (so it can be a dependency) and its binaries run on any x86-64.
        .target(name: "CKernels"),

        // Shapes, storage, threads and kernels; knows nothing of SigLIP.
        .target(
            name: "Tensor",
            dependencies: [
                "CLowPrecision", "CKernels",
                .target(name: "COpenBLAS", condition: .when(platforms: [.linux])),
                .target(name: "CDNNL", condition: .when(platforms: [.linux])),
            ]
        ),

        // File formats, each usable on its own.
        .target(name: "SafeTensors", dependencies: ["Tensor"]),
        .target(name: "NPY"),
        .target(name: "SentencePiece"),

        // The model: config, weights, towers, pipelines.
        .target(name: "SigLIP", dependencies: ["Tensor", "SafeTensors", "ImageIO", "SentencePiece"]),

        // FAISS behind a small C interface of our own (Debian's libfaiss ships no C API).
        .target(
            name: "CFaiss",
            linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("openblas"), .linkedLibrary("lapack")]
        ),

        // Retrieval: embeddings in SQLite, exact search, FAISS for approximate search.
        .target(
            name: "SigLIPIndex",
            dependencies: ["SigLIP", "Tensor", "ImageIO", "CSQLite", "CFaiss", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // The index in PostgreSQL + pgvector, for collections past one machine's SQLite; SigLIPIndex knows nothing of it.
        .target(
            name: "SigLIPPostgres",
            dependencies: ["SigLIPIndex", "SigLIP", "Tensor", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")]
        ),

        // Training: backward passes through both towers, the sigmoid loss, optimisers.
        .target(name: "SigLIPTraining", dependencies: ["SigLIP", "Tensor", "SafeTensors", "ImageIO"]),

        // MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are macros over global objects that Swift cannot import:
        // a few C functions of our own take plain pointers and counts, and only they include mpi.h.
        .target(name: "CMPIShim", dependencies: ["CMPI"]),

        // Data-parallel training over MPI: the sigmoid loss with text features passed round a ring of ranks, and
        // gradients summed across ranks, so N processes take the step one process takes on the whole batch.
        .target(name: "SigLIPDistributed", dependencies: ["SigLIPTraining", "Tensor", "CMPIShim"]),
        // Evaluation: zero-shot accuracy and retrieval recall of any ImageTextModel, multi-scale embeddings, reports.
        .target(name: "SigLIPEvaluation", dependencies: ["SigLIP", "SigLIPTraining", "ImageIO"]),
        // Linear probes: a logistic-regression head on image embeddings, trained to scikit-learn's optimum.
        .target(
            name: "SigLIPProbe",
            dependencies: ["SigLIP", "Tensor", "SafeTensors", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // The HTTP service: embeddings, zero-shot, search and a web page, with dynamic batching.
        .target(
            name: "SigLIPServer",
            dependencies: [
                "SigLIP", "SigLIPIndex", "SigLIPProbe", "ImageIO", "Tensor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/index.html")]
        ),

        // The Hugging Face cache and download protocol: `org/name` to a checkpoint folder; knows nothing of SigLIP.
        .target(
            name: "SigLIPHub",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The command-line tool: parses arguments and prints.
        .executableTarget(
            name: "siglip",
            dependencies: [
                "SigLIP", "SigLIPTraining", "SigLIPIndex", "SigLIPServer", "NPY", "SigLIPDistributed", "SigLIPHub", "SigLIPPostgres", "SigLIPEvaluation", "SigLIPProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Times the engine for benchmarks/bench.py (make bench); not part of the product.
        .executableTarget(
            name: "siglip-bench",
            dependencies: ["SigLIP", "SentencePiece", "Tensor", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "benchmarks/Swift"
        ),

        // Times the index on generated vectors for benchmarks/index.py (make bench-index); not part of the product.
        .executableTarget(
            name: "siglip-index-bench",
            dependencies: ["SigLIPIndex", "SigLIPPostgres", "Tensor", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "benchmarks/IndexSwift"
        ),

        // Runs the ring loss and data-parallel steps under mpirun for SigLIPDistributedTests, and times them
        // (docs/PERFORMANCE.md); not part of the product.
        .executableTarget(
            name: "siglip-distributed-runner",
            dependencies: ["SigLIPDistributed", "SigLIPTraining", "SigLIP", "Tensor", "SafeTensors", "NPY"],
            path: "benchmarks/DistributedSwift"
        ),

        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CKernels"]),
        .testTarget(name: "SigLIPIndexTests", dependencies: ["SigLIPIndex", "SigLIP", "siglip"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(name: "NPYTests", dependencies: ["NPY"]),
        .testTarget(name: "SigLIPTests", dependencies: ["SigLIP", "NPY", "SafeTensors", "Tensor"]),
        .testTarget(name: "CLITests", dependencies: ["NPY", "siglip", "SigLIP", "SafeTensors", "Tensor"]),
        .testTarget(
            name: "SigLIPServerTests",
            dependencies: ["SigLIPServer", "SigLIPIndex", "SigLIP", "SigLIPProbe", "siglip", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "SigLIPHubTests",
            dependencies: ["SigLIPHub", "siglip", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "SigLIPProbeTests", dependencies: ["SigLIPProbe", "SigLIP", "SafeTensors", "Tensor"]),
        .testTarget(name: "SentencePieceTests", dependencies: ["SentencePiece", "SigLIP"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "SigLIP", "NPY"]),
        .testTarget(name: "SigLIPDistributedTests", dependencies: ["siglip-distributed-runner", "siglip", "SafeTensors", "NPY", "Tensor"]),
        .testTarget(name: "SigLIPEvaluationTests", dependencies: ["SigLIPEvaluation", "SigLIP"]),
        .testTarget(name: "SigLIPPostgresTests", dependencies: ["SigLIPPostgres", "SigLIPIndex", "SigLIP"]),
        .testTarget(name: "SigLIPTrainingTests", dependencies: ["SigLIPTraining", "SigLIP", "Tensor", "SafeTensors", "NPY", "ImageIO"]),
    ],
    cxxLanguageStandard: .cxx17
)
