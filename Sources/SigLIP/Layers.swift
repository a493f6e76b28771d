import Tensor

/// `nn.Linear`: `y = x·Wᵀ + b` with the weight stored `[out, in]`.
package struct Linear {
    package let weight: Tensor
    package let bias: Tensor
    /// The weight in bf16 or int8 when the model runs in that precision; nil in fp32.
    package let packed: PackedWeight?

    package init(weight: Tensor, bias: Tensor, precision: Precision = .fp32) {
        self.weight = weight
        self.bias = bias
        packed = precision == .fp32 ? nil : PackedWeight(weight, precision: precision)
    }

    package init(_ w: Weights, inputs: Int, outputs: Int) throws {
        self.init(weight: try w("weight", [outputs, inputs]), bias: try w("bias", [outputs]), precision: w.precision)
    }

    @discardableResult
    package func callAsFunction(_ x: Tensor, epilogue: Epilogue = .none) -> Tensor {
        linear(x, weight: weight, bias: bias, epilogue: epilogue, packed: packed)
    }
}

/// `nn.LayerNorm` over the last dimension.
package struct LayerNorm {
    package let weight: Tensor
    package let bias: Tensor
    package let eps: Float

    package init(_ w: Weights, width: Int, eps: Float) throws {
        weight = try w("weight", [width])
        bias = try w("bias", [width])
        self.eps = eps
    }

    package func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }
}

/// `SiglipMLP`: fc1 → GELU → fc2, its output added into the residual stream.
package struct MLP {
    package let fc1: Linear
    package let fc2: Linear
    package let activation: GELU

    package init(_ w: Weights, width: Int, intermediate: Int, activation: GELU) throws {
        fc1 = try Linear(w.scope("fc1"), inputs: width, outputs: intermediate)
        fc2 = try Linear(w.scope("fc2"), inputs: intermediate, outputs: width)
        self.activation = activation
    }

    /// `residual += fc2(gelu(fc1(x)))`.
    package func callAsFunction(_ x: Tensor, addingInto residual: Tensor) {
        fc2(fc1(x, epilogue: .gelu(activation)), epilogue: .addInto(residual))
    }
}
