import Tensor

extension TrainableSiglip {
    /// Runs both towers on a batch of `B` matching image–text pairs, computes the sigmoid loss and adds the
    /// gradient of every trainable parameter into `gradients`; returns the loss.
    ///
    /// `lossChunk` walks the texts in chunks of that many (memory O(B·C)); nil computes all B² logits at once.
    /// Gradients are added, not assigned, so several calls accumulate (call `gradients.zero()` between steps).
    /// Parts that `freeze` locks run inference-only, keep no activations and get no gradient.
    public func accumulateGradients(pixelValues: Tensor, inputIDs: [[Int]], lossChunk: Int? = nil, freeze: Freeze = .none,
                                    into gradients: Gradients) throws -> Float {
        guard pixelValues.shape.first == inputIDs.count, !inputIDs.isEmpty else {
            throw TrainingError("a batch needs as many texts as images and at least one pair; got \(pixelValues.shape.first ?? 0) images and \(inputIDs.count) texts")
        }
        if let lossChunk, lossChunk < 1 { throw TrainingError("the loss chunk must be at least 1; got \(lossChunk)") }
        return try accumulateGradients(pixelValues: pixelValues, inputIDs: inputIDs, freeze: freeze, into: gradients) { images, texts, scale, bias in
            if let lossChunk {
                chunkedSigmoidLoss(images: images, texts: texts, logitScale: scale, logitBias: bias, chunk: lossChunk)
            } else {
                sigmoidLoss(images: images, texts: texts, logitScale: scale, logitBias: bias)
            }
        }
    }

    /// `accumulateGradients` with the loss of the L2-normalised image and text features, `t′` and `b` computed
    /// by `loss` (a distributed loss sees other processes' features too).
    package func accumulateGradients(pixelValues: Tensor, inputIDs: [[Int]], freeze: Freeze, into gradients: Gradients,
                                     loss: (Tensor, Tensor, Float, Float) throws -> SigmoidLossResult) throws -> Float {
        guard pixelValues.shape.first == inputIDs.count, !inputIDs.isEmpty else {
            throw TrainingError("a batch needs as many texts as images and at least one pair; got \(pixelValues.shape.first ?? 0) images and \(inputIDs.count) texts")
        }
        let trainEncoders = freeze != .encoders
        let rawImages: Tensor, rawTexts: Tensor
        var visionTape: VisionTape?, textTape: TextTape?
        if freeze == .image {
            rawImages = try vision(pixelValues).pooled
        } else {
            (rawImages, visionTape) = try vision.forwardKeeping(pixelValues, trainEncoder: trainEncoders)
        }
        if freeze == .text {
            rawTexts = try text(inputIDs).pooled
        } else {
            (rawTexts, textTape) = try text.forwardKeeping(inputIDs, trainEncoder: trainEncoders)
        }
        guard rawImages.columns == rawTexts.columns else {
            throw TrainingError("image embeddings have \(rawImages.columns) dimensions but text embeddings \(rawTexts.columns)")
        }
        let images = l2Normalized(rawImages), texts = l2Normalized(rawTexts)
        let result = try loss(images, texts, logitScale[0], logitBias[0])
        gradients.trainable(logitScale)?.data[0] += result.logitScale
        gradients.trainable(logitBias)?.data[0] += result.logitBias
        // Each tape is handed over (not copied), so backward frees every layer's activations as soon as it is done.
        if let tape = textTape.take() {
            text.backward(tape, gradOutput: l2NormalizedBackward(input: rawTexts, gradOutput: result.texts), gradients)
        }
        if let tape = visionTape.take() {
            vision.backward(tape, gradOutput: l2NormalizedBackward(input: rawImages, gradOutput: result.images), gradients)
        }
        return result.loss
    }
}
