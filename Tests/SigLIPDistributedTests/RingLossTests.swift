import Foundation
import SafeTensors
import Testing

/// The ring loss against open_clip's SigLipLoss (scripts/fixtures/distributed.py), on twelve fixed pairs.
@Suite("The ring sigmoid loss equals open_clip's SigLipLoss", .serialized)
struct RingLossTests {
    /// Loss and every gradient: max |Δ| over the reference's max |value|; float32 sums in another order.
    static let tolerance: Float = 1e-6
    static let directory = MPIRun.fixtures.appendingPathComponent("training/siglip-loss")
    static let names = ["loss", "image_features", "text_features", "logit_scale", "logit_bias"]

    /// Runs the ring on `ranks` processes (rows per rank from `rows`, or even) and returns the global loss and
    /// gradients: the scalars as rank 0 has them (checked equal on every rank), the feature gradients concatenated.
    static func ring(ranks: Int, rows: String?) throws -> [String: [Float]] {
        let out = try MPIRun.folder("ring")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try MPIRun.run(ranks: ranks, "siglip-distributed-runner",
                                 ["ring", directory.appendingPathComponent("features.safetensors").path, out.path] + (rows.map { [$0] } ?? []))
        #expect(run.status == 0 && !run.timedOut, "\(run.stderr)")
        var result: [String: [Float]] = [:]
        for rank in 0..<ranks {
            let file = try SafeTensorsFile(url: out.appendingPathComponent("rank-\(rank).safetensors"))
            for name in names {
                let values = try file.tensor(named: name).scalars
                if name.hasSuffix("features") { result[name, default: []] += values }
                else if rank == 0 { result[name] = values }
                else { #expect(values == result[name], "rank \(rank) has another \(name)") }
            }
        }
        return result
    }

    static func check(_ result: [String: [Float]], against prefix: String) throws {
        let reference = try SafeTensorsFile(url: directory.appendingPathComponent("expected.safetensors"))
        for name in names {
            let error = relativeError(result[name] ?? [], try reference.tensor(named: "\(prefix).\(name)").scalars)
            #expect(error <= tolerance, "\(prefix) \(name): relative error \(error)")
        }
    }

    @Test("N ranks of 12/N pairs equal one process, and open_clip's shift and bidir rings over N processes", arguments: 1...4)
    func evenSlices(ranks: Int) throws {
        let result = try Self.ring(ranks: ranks, rows: nil)
        try Self.check(result, against: "single")
        if ranks > 1 {
            try Self.check(result, against: "shift-\(ranks)")
            try Self.check(result, against: "bidir-\(ranks)")
        }
    }

    @Test("unequal slices (open_clip cannot) still equal one process", arguments: [(2, "9,3"), (3, "2,7,3"), (4, "1,5,2,4")])
    func unequalSlices(ranks: Int, rows: String) throws {
        try Self.check(try Self.ring(ranks: ranks, rows: rows), against: "single")
    }
}
