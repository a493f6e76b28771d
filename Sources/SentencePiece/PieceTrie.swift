/// A byte trie from piece bytes to piece ids, flattened into arrays for fast common-prefix search.
///
/// The root has a dense 256-way table (every search starts there); deeper nodes keep their children
/// as a sorted run of (label, child) edges.
struct PieceTrie: Sendable {
    private var value: [Int32] = []
    private var edgeStart: [Int32] = []
    private var edgeCount: [Int32] = []
    private var labels: [UInt8] = []
    private var targets: [Int32] = []
    private var root = [Int32](repeating: -1, count: 256)

    /// Ids of entries whose bytes an earlier entry already had (they are not in the trie).
    private(set) var duplicates: [Int32] = []

    /// Builds the trie; when two entries have the same bytes, the first one keeps the key.
    init(_ entries: [(bytes: [UInt8], id: Int32)]) {
        // Sort positions by bytes over raw buffers (a 256k vocabulary must load fast), ties by position.
        var order = entries.indices.filter { !entries[$0].bytes.isEmpty }
        order.sort { a, b in
            let c = entries[a].bytes.withUnsafeBufferPointer { x in
                entries[b].bytes.withUnsafeBufferPointer { y in
                    var i = 0
                    let n = min(x.count, y.count)
                    while i < n, x[i] == y[i] { i += 1 }
                    return i < n ? (x[i] < y[i] ? -1 : 1) : (x.count == y.count ? 0 : (x.count < y.count ? -1 : 1))
                }
            }
            return c != 0 ? c < 0 : a < b
        }
        var sorted: [(bytes: [UInt8], id: Int32)] = []
        sorted.reserveCapacity(order.count)
        for i in order {
            if let last = sorted.last, last.bytes == entries[i].bytes {
                duplicates.append(entries[i].id)
            } else {
                sorted.append(entries[i])
            }
        }
        build(sorted)
        var i = Int(edgeStart[0])
        for _ in 0..<Int(edgeCount[0]) {
            root[Int(labels[i])] = targets[i]
            i += 1
        }
    }

    /// Lays the sorted keys out node by node with an explicit stack (pieces can be thousands of bytes long,
    /// too deep to recurse on a small thread stack); each node's edges are appended in one contiguous run.
    private mutating func build(_ keys: [(bytes: [UInt8], id: Int32)]) {
        value = [-1]
        edgeStart = [0]
        edgeCount = [0]
        var stack: [(range: Range<Int>, depth: Int, node: Int)] = [(keys.startIndex..<keys.endIndex, 0, 0)]
        while let (range, depth, node) = stack.popLast() {
            var lo = range.lowerBound
            if lo < range.upperBound, keys[lo].bytes.count == depth {
                value[node] = keys[lo].id
                lo += 1
            }
            edgeStart[node] = Int32(labels.count)
            var count: Int32 = 0
            while lo < range.upperBound {
                let label = keys[lo].bytes[depth]
                var hi = lo + 1
                while hi < range.upperBound, keys[hi].bytes[depth] == label { hi += 1 }
                let child = value.count
                value.append(-1)
                edgeStart.append(0)
                edgeCount.append(0)
                labels.append(label)
                targets.append(Int32(child))
                count += 1
                stack.append((lo..<hi, depth + 1, child))
                lo = hi
            }
            edgeCount[node] = count
        }
    }

    /// The root node, where every search starts.
    static let rootNode: Int32 = 0

    /// The child of `node` along `byte`, or -1.
    @inline(__always)
    func child(_ node: Int32, _ byte: UInt8) -> Int32 {
        if node == 0 { return root[Int(byte)] }
        var lo = Int(edgeStart[Int(node)])
        var hi = lo + Int(edgeCount[Int(node)])
        while lo < hi {
            let mid = (lo + hi) >> 1
            let l = labels[mid]
            if l == byte { return targets[mid] }
            if l < byte { lo = mid + 1 } else { hi = mid }
        }
        return -1
    }

    /// The id stored at `node`, or -1 if no key ends there.
    @inline(__always)
    func id(at node: Int32) -> Int32 { value[Int(node)] }

    /// The longest key that is a prefix of `key[start..<end]`.
    func longestPrefix(_ key: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (length: Int, id: Int32)? {
        var node = Self.rootNode
        var best: (Int, Int32)?
        var i = start
        while i < end {
            node = child(node, key[i])
            if node < 0 { break }
            i += 1
            let v = value[Int(node)]
            if v >= 0 { best = (i - start, v) }
        }
        return best
    }

    /// The id of exactly `key`, or nil.
    func exact<Key: Sequence>(_ key: Key) -> Int32? where Key.Element == UInt8 {
        var node = Self.rootNode
        for byte in key {
            node = child(node, byte)
            if node < 0 { return nil }
        }
        let id = value[Int(node)]
        return node == Self.rootNode || id < 0 ? nil : id
    }
}
