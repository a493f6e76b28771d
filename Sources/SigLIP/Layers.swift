import Tensor

/// `nn.Linear`: `y = x·Wᵀ + b` with the weight stored `[out, in]`.
struct Linear {
    let weight: Tensor
    let bias: Tensor

    init(weight: Tensor, bias: Tensor) {
        self.weight = weight
        self.bias = bias
    }

    init(_ w: Weights, inputs: Int, outputs: Int) throws {
        weight = try w("weight", [outputs, inputs])
        bias = try w("bias", [outputs])
    }

    @discardableResult
    func callAsFunction(_ x: Tensor, epilogue: Epilogue = .none) -> Tensor {
        linear(x, weight: weight, bias: bias, epilogue: epilogue)
    }
}

/// `nn.LayerNorm` over the last dimension.
struct LayerNorm {
    let weight: Tensor
    let bias: Tensor
    let eps: Float

    init(_ w: Weights, width: Int, eps: Float) throws {
        weight = try w("weight", [width])
        bias = try w("bias", [width])
        self.eps = eps
    }

    func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }
}

/// `SiglipMLP`: fc1 → GELU → fc2, its output added into the residual stream.
struct MLP {
    let fc1: Linear
    let fc2: Linear
    let activation: GELU

    init(_ w: Weights, width: Int, intermediate: Int, activation: GELU) throws {
        fc1 = try Linear(w.scope("fc1"), inputs: width, outputs: intermediate)
        fc2 = try Linear(w.scope("fc2"), inputs: intermediate, outputs: width)
        self.activation = activation
    }

    /// `residual += fc2(gelu(fc1(x)))`.
    func callAsFunction(_ x: Tensor, addingInto residual: Tensor) {
        fc2(fc1(x, epilogue: .gelu(activation)), epilogue: .addInto(residual))
    }
}
