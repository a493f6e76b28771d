import Foundation
import Testing
import SigLIP
import SigLIPIndex

@Suite("The index knows its checkpoint by the hash of its weights")
struct ModelIdentityTests {
    /// A fine-tuned checkpoint keeps the folder name and config.json of the one it came from, so the
    /// "name@confighash" id cannot tell them apart: only the weights can.
    @Test func otherWeightsUnderTheSameNameAndConfigAreRefused() throws {
        let (changed, scratch) = try tinyModelCopy(lastWeight: 2)
        let (identical, scratch2) = try tinyModelCopy(lastWeight: nil)
        let dir = Paths.scratch("index")
        defer { for url in [scratch, scratch2, dir] { try? FileManager.default.removeItem(at: url) } }
        _ = try SiglipIndex(directory: dir, creatingFor: try SiglipPipeline(directory: Paths.model))
        #expect(try SiglipIndex.modelID(changed) == SiglipIndex.modelID(Paths.model))
        let error = #expect(throws: IndexError.self) { try SiglipIndex(directory: dir, creatingFor: try SiglipPipeline(directory: changed)) }
        // The message names both checkpoints.
        #expect(error?.message.contains(Paths.model.standardizedFileURL.path) == true, "\(String(describing: error))")
        #expect(error?.message.contains(changed.standardizedFileURL.path) == true, "\(String(describing: error))")
        // The same bytes in another folder are the same checkpoint.
        #expect(try SiglipIndex(directory: dir, creatingFor: try SiglipPipeline(directory: identical)).dimension == 64)
    }

    /// Weights rewritten in place (same path, same size) must not pass on a remembered hash.
    @Test func weightsEditedInPlaceAreNoticed() throws {
        let (model, scratch) = try tinyModelCopy(lastWeight: nil)
        let dir = Paths.scratch("index")
        defer { for url in [scratch, dir] { try? FileManager.default.removeItem(at: url) } }
        _ = try SiglipIndex(directory: dir, creatingFor: try SiglipPipeline(directory: model))
        _ = try SiglipIndex(directory: dir, creatingFor: try SiglipPipeline(directory: model))   // reopening is fine
        try setLastWeight(of: model, to: 3)
        #expect(throws: IndexError.self) { try SiglipIndex(directory: dir, creatingFor: try SiglipPipeline(directory: model)) }
    }
}
