import Foundation
import SigLIPIndex
import Testing

@Suite("Path-prefix filter")
struct PathPrefixTests {
    /// Only items whose path starts with the prefix come back, the best of them, exactly and through FAISS.
    @Test func returnsOnlyAndTheBestMatchingItems() throws {
        let dir = Paths.scratch("prefix")
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try SiglipIndex(directory: dir, creatingForModel: "test", dimension: 4)
        // Unit vectors along x tilted towards y by i degrees: the query x ranks them by i.
        let angles = (0..<40).map { Float($0) * .pi / 180 }
        let vectors: [Float] = angles.flatMap { angle -> [Float] in [cos(angle), sin(angle), 0, 0] }
        let paths = (0..<40).map { $0 % 3 == 0 ? "/photos/2024/\($0).jpg" : "/photos/2025/\($0).jpg" }
        try index.add(vectors: vectors, paths: paths)
        for exact in [true, false] {
            if !exact { try index.setApproximateType("Flat") }
            let hits = try index.search(vector: [1, 0, 0, 0], k: 5, pathPrefix: "/photos/2024/", exact: exact)
            #expect(hits.map(\.item.path) == ["/photos/2024/0.jpg", "/photos/2024/3.jpg", "/photos/2024/6.jpg", "/photos/2024/9.jpg", "/photos/2024/12.jpg"])
            #expect(try index.search(vector: [1, 0, 0, 0], k: 5, pathPrefix: "/elsewhere/", exact: exact).isEmpty)
        }
    }
}
