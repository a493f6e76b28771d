/// `table[indices[r]] += rows[r]` for every row `r`: the gradient of `gatherRows`, where repeated indices
/// (a token used twice) add up.
public func scatterAddRows(_ rows: Tensor, _ indices: [Int], into table: Tensor) {
    precondition(rows.rows == indices.count && rows.columns == table.columns, "scatterAddRows: \(rows.shape) does not match \(indices.count) indices into \(table.shape)")
    let n = table.columns
    for (r, i) in indices.enumerated() {
        precondition(i >= 0 && i < table.rows, "scatterAddRows: index \(i) out of 0..<\(table.rows)")
        addVector(table.data + i * n, rows.data + r * n, count: n)
    }
}

/// `pattern[r mod p] += x[r]` for every row of `x`: the gradient of `addRepeating` with respect to the pattern
/// (a position table shared by every sequence). With a one-row `pattern` it sums all rows (a bias gradient).
public func sumRepeating(_ x: Tensor, into pattern: Tensor) {
    precondition(x.columns == pattern.columns && pattern.rows > 0 && x.rows % pattern.rows == 0,
                 "sumRepeating: \(x.shape) does not tile \(pattern.shape)")
    let n = x.columns, p = pattern.rows
    // Split by columns so threads never write the same element; each thread walks every row.
    Compute.parallelFor(n, cost: Double(x.count)) { columns in
        for r in 0..<x.rows {
            addVector(pattern.data + (r % p) * n + columns.lowerBound, x.data + r * n + columns.lowerBound, count: columns.count)
        }
    }
}
