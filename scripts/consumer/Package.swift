// swift-tools-version: 6.2
// A scratch package that uses swift-siglip the way another project would: scripts/consumer-check.sh copies it,
// replaces @SIGLIP_PACKAGE_URL@ by a file:// URL of a tagged copy of this repository, then builds and runs it.
import PackageDescription

let package = Package(
    name: "siglip-consumer",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "@SIGLIP_PACKAGE_URL@", from: "1.0.0")],
    targets: [
        .executableTarget(name: "siglip-consumer", dependencies: [.product(name: "SigLIP", package: "swift-siglip")])
    ]
)
