import Tensor
import Testing

/// `BLAS.dgemm` against products worked out by hand, in each transpose layout.
@Suite("Float64 GEMM")
struct DoubleGEMMTests {
    /// A = [[1, 2, 3], [4, 5, 6]], B = [[1, 0], [0, 1], [2, -1]]: A·B = [[7, -1], [16, -1]].
    static let a: [Double] = [1, 2, 3, 4, 5, 6]
    static let b: [Double] = [1, 0, 0, 1, 2, -1]
    static let product: [Double] = [7, -1, 16, -1]

    static func gemm(_ a: [Double], _ b: [Double], transposeA: Bool, transposeB: Bool, beta: Double = 0, c: [Double] = [0, 0, 0, 0]) -> [Double] {
        var c = c
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.dgemm(m: 2, n: 2, k: 3, a: pa, transposeA: transposeA, b: pb, transposeB: transposeB, beta: beta, c: pc)
                }
            }
        }
        return c
    }

    @Test func plainProduct() {
        #expect(Self.gemm(Self.a, Self.b, transposeA: false, transposeB: false) == Self.product)
    }

    @Test func transposedOperands() {
        // Aᵀ stored [3×2] and Bᵀ stored [2×3] give the same product.
        let at: [Double] = [1, 4, 2, 5, 3, 6], bt: [Double] = [1, 0, 2, 0, 1, -1]
        #expect(Self.gemm(at, Self.b, transposeA: true, transposeB: false) == Self.product)
        #expect(Self.gemm(Self.a, bt, transposeA: false, transposeB: true) == Self.product)
        #expect(Self.gemm(at, bt, transposeA: true, transposeB: true) == Self.product)
    }

    @Test func accumulatesWithBeta() {
        #expect(Self.gemm(Self.a, Self.b, transposeA: false, transposeB: false, beta: 2, c: [1, 1, 1, 1]) == [9, 1, 18, 1])
    }
}
