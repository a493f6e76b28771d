// swift-tools-version: 6.2
// The image-decoding fuzz target (libFuzzer + AddressSanitizer), kept out of the main package because it only
// links with -sanitize=fuzzer. Run it with `make fuzz` from the repository root.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory, which is whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "siglip-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "imgfuzz", dependencies: [.product(name: "ImageIO", package: root)],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
