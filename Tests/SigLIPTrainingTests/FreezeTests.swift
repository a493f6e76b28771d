import Foundation
import SigLIPTraining
import Tensor
import Testing

@Suite("Freezing: locked parts get no gradient, the rest still match PyTorch")
struct FreezeTests {
    @Test("trainable gradients equal the unfrozen reference; frozen ones are never computed", arguments: Freeze.allCases)
    func frozenGradients(freeze: Freeze) throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let model = try fixture.model()
        let gradients = Gradients()
        let ids = try fixture.inputIDs()
        let loss = try model.accumulateGradients(pixelValues: try fixture.pixelValues(), inputIDs: ids, freeze: freeze, into: gradients)
        // Freezing changes what is updated, not the loss or the gradient of what still trains.
        let expectedLoss = try fixture.scalar("loss")
        #expect(abs(loss - expectedLoss) / expectedLoss <= Tolerance.loss)

        let frozen = model.frozenParameters(freeze)
        let trainable = model.trainableParameters(freeze)
        #expect(frozen.count + trainable.count == model.parameters.count)
        for p in frozen { #expect(!gradients.contains(p), "a frozen parameter \(p.shape) got a gradient") }
        for p in trainable { #expect(gradients.contains(p), "a trainable parameter \(p.shape) got no gradient") }
        switch freeze {
        case .none: #expect(frozen.isEmpty)
        case .image: #expect(frozen.count == model.visionParameters.count)
        case .text: #expect(frozen.count == model.textParameters.count)
        case .encoders: #expect(trainable.count == 2 + 4 + 2 + 13)   // t′, b; text LN + head; post-LN; MAP head
        }

        // Frozen tensors come out as NaN-filled placeholders (a gradient never is) and are left out of the comparison.
        let trainableIDs = Set(trainable.map(ObjectIdentifier.init))
        let ours = model.huggingFaceTensors { p in
            trainableIDs.contains(ObjectIdentifier(p)) ? gradients[p] : Tensor(shape: p.shape, values: .init(repeating: .nan, count: p.count))
        }.filter { !$0.tensor.scalars.allSatisfy(\.isNaN) }
        let reference = try fixture.tensors("gradients")
        let zeroRow = [Float](repeating: 0, count: model.config.text.hiddenSize)
        let errors = try compare(ours, with: reference, usedIDs: Array(Set(ids.joined())).sorted(), otherRows: { _ in zeroRow })
        let compared = Set(ours.map(\.name))
        #expect(compared.count == (freeze == .none ? reference.entries.count : compared.count))
        #expect(!compared.isEmpty)
        for (tensor, error) in errors where compared.contains(tensor) {
            #expect(error <= Tolerance.tensor, "\(tensor): relative error \(error)")
        }
    }
}
