extension SentencePieceProcessor {
    /// Decodes ids to text as SentencePiece's `DecodeIds`: `▁` becomes a space, the leading one is dropped,
    /// control pieces vanish, `<unk>` reads " ⁇ ", and byte pieces are reassembled as UTF-8 (bad bytes → U+FFFD).
    /// Out-of-range ids are skipped (the reference raises an error for them).
    public func decode(_ ids: [Int32]) -> String {
        let space = Array("\u{2581}".utf8)
        let spec = model.normalizer
        var text: [UInt8] = []
        var pendingBytes: [UInt8] = []
        var expectLeadingSpace = true
        var leadingSpaceSeen = false

        func flushBytes() {
            pendingBytes.withUnsafeBufferPointer { bytes in
                var i = 0
                while i < bytes.count {
                    let length = UTF8Scanner.validLength(bytes, at: i)
                    if length == 0 {
                        text.append(contentsOf: [0xEF, 0xBF, 0xBD])
                        i += 1
                    } else {
                        text.append(contentsOf: bytes[i..<(i + length)])
                        i += length
                    }
                }
            }
            pendingBytes.removeAll()
        }

        for id in ids {
            guard let type = type(of: id) else { continue }
            let piece = model.pieces[Int(id)]
            if type == .byte {
                if let value = Self.byteValue(piece.text) { pendingBytes.append(UInt8(value)) }
                continue
            }
            flushBytes()
            if leadingSpaceSeen || !text.isEmpty { expectLeadingSpace = false }
            switch type {
            case .control:
                leadingSpaceSeen = false
            case .unknown:
                text.append(contentsOf: Array(model.unkSurface.utf8))
                leadingSpaceSeen = false
            default:
                var bytes = piece.bytes[...]
                var consumed = false
                if expectLeadingSpace && (spec.addDummyPrefix || spec.removeExtraWhitespaces),
                   bytes.starts(with: space) {
                    bytes = bytes.dropFirst(space.count)
                    consumed = !spec.removeExtraWhitespaces
                }
                var i = bytes.startIndex
                while i < bytes.endIndex {
                    if bytes[i...].starts(with: space) {
                        text.append(0x20)
                        i += space.count
                    } else {
                        text.append(bytes[i])
                        i += 1
                    }
                }
                leadingSpaceSeen = consumed
            }
        }
        flushBytes()
        return String(decoding: text, as: UTF8.self)
    }
}
