/// Rows `indices` of `table` (`[rows, columns]`), stacked: an embedding lookup or a pooling gather.
/// Every index must lie in `0..<table.rows`.
public func gatherRows(_ table: Tensor, _ indices: [Int]) -> Tensor {
    let n = table.columns
    let out = Tensor(uninitialized: [indices.count, n])
    for (r, i) in indices.enumerated() {
        precondition(i >= 0 && i < table.rows, "gatherRows: index \(i) out of 0..<\(table.rows)")
        (out.data + r * n).update(from: table.data + i * n, count: n)
    }
    return out
}

/// Adds `pattern` (`[p, columns]`) to every consecutive group of `p` rows of `x`, in place:
/// row `r` of `x` gets row `r mod p` of `pattern` (a position table added to each sequence of a batch).
public func addRepeating(_ x: Tensor, _ pattern: Tensor) {
    precondition(x.columns == pattern.columns && pattern.rows > 0 && x.rows % pattern.rows == 0,
                 "addRepeating: \(pattern.shape) does not tile \(x.shape)")
    let n = x.columns
    for r in 0..<x.rows {
        addVector(x.data + r * n, pattern.data + (r % pattern.rows) * n, count: n)
    }
}

/// Cuts images `[batch, channels, height, width]` into non-overlapping `patch × patch` squares, one row per
/// patch in row-major grid order, each flattened as `(channel, y, x)`: the input of a stride-`patch`
/// convolution written as a matrix product. Pixels past the last whole patch are dropped ("valid" padding).
public func extractPatches(_ images: Tensor, patch: Int) -> Tensor {
    precondition(images.shape.count == 4, "extractPatches: expected [batch, channels, height, width]")
    let (batch, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let (rows, cols) = (height / patch, width / patch)
    let patchSize = channels * patch * patch
    let out = Tensor(uninitialized: [batch * rows * cols, patchSize])
    for b in 0..<batch {
        for gy in 0..<rows {
            for gx in 0..<cols {
                var dst = out.data + ((b * rows + gy) * cols + gx) * patchSize
                for c in 0..<channels {
                    for y in 0..<patch {
                        let src = images.data + ((b * channels + c) * height + gy * patch + y) * width + gx * patch
                        dst.update(from: src, count: patch)
                        dst += patch
                    }
                }
            }
        }
    }
    return out
}
