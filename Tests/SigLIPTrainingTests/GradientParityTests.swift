import Foundation
import SafeTensors
import SigLIPTraining
import Tensor
import Testing

@Suite("Gradients match PyTorch autograd")
struct GradientParityTests {
    /// (model, loss chunk): nil is the full B×B loss; B = 7, so chunks of 2 and 3 leave a short last chunk.
    static let cases: [(String, Int?)] = [("tiny-siglip", nil), ("tiny-siglip", 2), ("tiny-siglip", 3),
                                          ("tiny-unequal", nil), ("tiny-unequal", 2), ("tiny-unequal", 7)]

    @Test("loss and the gradient of every parameter", arguments: cases)
    func lossAndGradients(model name: String, chunk: Int?) throws {
        let fixture = TrainingFixture(name: name)
        let model = try fixture.model()
        let ids = try fixture.inputIDs()
        let gradients = Gradients()
        let loss = try model.accumulateGradients(pixelValues: try fixture.pixelValues(), inputIDs: ids, lossChunk: chunk, into: gradients)

        let expectedLoss = try fixture.scalar("loss")
        #expect(abs(loss - expectedLoss) / abs(expectedLoss) <= Tolerance.loss, "loss \(loss) vs \(expectedLoss)")

        let reference = try fixture.tensors("gradients")
        let zeroRow = [Float](repeating: 0, count: model.config.text.hiddenSize)
        let errors = try compare(model.huggingFaceTensors { gradients[$0] }, with: reference,
                                 usedIDs: Array(Set(ids.joined())).sorted(), otherRows: { _ in zeroRow })
        #expect(errors.count == reference.entries.count)
        for (tensor, error) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(error <= Tolerance.tensor, "\(tensor): relative error \(error)")
        }
        print("\(name) chunk \(chunk.map(String.init) ?? "full"): loss \(loss) vs \(expectedLoss), worst gradient",
              errors.max { $0.value < $1.value }.map { "\($0.key) \($0.value)" } ?? "-")
    }

    @Test("one SGD step updates every parameter as torch.optim.SGD does")
    func sgdStep() throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let model = try fixture.model()
        let before = try fixture.model()
        let reference = try fixture.tensors("sgd")
        let learningRate = try #require(reference.metadata["lr"].flatMap(Float.init))
        let pixels = try fixture.pixelValues(), ids = try fixture.inputIDs()

        let gradients = Gradients()
        _ = try model.accumulateGradients(pixelValues: pixels, inputIDs: ids, into: gradients)
        SGD().step(model.parameters, gradients, learningRate: learningRate)

        let table = before.text.embeddings.tokenEmbedding
        let errors = try compare(model.huggingFaceTensors { $0 }, with: reference, usedIDs: Array(Set(ids.joined())).sorted(),
                                 otherRows: { row in Array(table.scalars[row * table.columns..<(row + 1) * table.columns]) })
        #expect(errors.count == reference.entries.count)
        for (tensor, error) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(error <= Tolerance.tensor, "\(tensor): relative error \(error)")
        }

        // The step itself, not only where it lands: the loss on the same batch afterwards.
        let after = try model.accumulateGradients(pixelValues: pixels, inputIDs: ids, into: Gradients())
        let expected = try fixture.scalar("sgd_loss")
        #expect(abs(after - expected) / abs(expected) <= Tolerance.loss, "loss after the step \(after) vs \(expected)")
        print("SGD: loss after \(after) vs \(expected), worst parameter", errors.max { $0.value < $1.value }.map { "\($0.key) \($0.value)" } ?? "-")
    }
}
