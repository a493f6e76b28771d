import SigLIP
import Tensor

extension Linear {
    /// Adds `dW = dYᵀ·X` and `db = Σ dY` into `grads` (unless frozen) and returns `dX = dY·W`, added into
    /// `inputGradient` when one is given; with `needsInputGradient` false nothing is returned.
    @discardableResult
    package func backward(input x: Tensor, gradOutput dy: Tensor, _ grads: Gradients,
                          addingInto inputGradient: Tensor? = nil, needsInputGradient: Bool = true) -> Tensor? {
        if let dW = grads.trainable(weight) { matmul(dy, x, transposeA: true, accumulating: dW) }
        if let db = grads.trainable(bias) { sumRepeating(dy, into: db.reshaped([1, bias.count])) }
        guard needsInputGradient else { return nil }
        return matmul(dy, weight, accumulating: inputGradient)
    }
}

extension LayerNorm {
    /// Adds the parameter gradients into `grads` (unless frozen) and `dL/dx` into `inputGradient`.
    package func backward(input x: Tensor, gradOutput dy: Tensor, _ grads: Gradients, addingInto inputGradient: Tensor?) {
        layerNormBackward(input: x, weight: weight, eps: eps, gradOutput: dy, inputGradient: inputGradient,
                          weightGradient: grads.trainable(weight), biasGradient: grads.trainable(bias))
    }
}

extension MLP {
    /// `residual += fc2(gelu(fc1(x)))`, returning `fc1(x)` before the activation, which backward needs.
    package func forwardKeeping(_ x: Tensor, addingInto residual: Tensor) -> Tensor {
        let preActivation = fc1(x)
        fc2(activated(preActivation), epilogue: .addInto(residual))
        return preActivation
    }

    /// Adds the parameter gradients into `grads` and returns `dL/dx` for the MLP's input `x`.
    package func backward(input x: Tensor, preActivation: Tensor, gradOutput dy: Tensor, _ grads: Gradients) -> Tensor {
        let dHidden = fc2.backward(input: activated(preActivation), gradOutput: dy, grads)!
        activation.backward(input: preActivation, gradient: dHidden)
        return fc1.backward(input: x, gradOutput: dHidden, grads)!
    }

    private func activated(_ preActivation: Tensor) -> Tensor {
        let hidden = preActivation.copy()
        activation.apply(hidden.data, count: hidden.count)
        return hidden
    }
}
