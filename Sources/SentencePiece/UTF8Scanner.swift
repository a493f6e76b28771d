/// UTF-8 helpers with SentencePiece's exact rules (`util.cc`): what counts as one character and as valid.
enum UTF8Scanner {
    /// The length SentencePiece assumes from a lead byte alone (`OneCharLen`); trail bytes count as 1.
    @inline(__always)
    static func oneCharLength(_ lead: UInt8) -> Int {
        switch lead >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    /// The byte length of the valid character at `at`, or 0 if the bytes there are malformed.
    /// A literal U+FFFD counts as valid, as in `IsValidDecodeUTF8`.
    @inline(__always)
    static func validLength(_ s: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let remaining = s.count - i
        let b0 = s[i]
        @inline(__always) func trail(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        @inline(__always) func valid(_ c: UInt32) -> Bool { c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF) }
        if b0 < 0x80 { return 1 }
        if remaining >= 2, b0 & 0xE0 == 0xC0 {
            let c = UInt32(b0 & 0x1F) << 6 | UInt32(s[i + 1] & 0x3F)
            return trail(s[i + 1]) && c >= 0x80 && valid(c) ? 2 : 0
        }
        if remaining >= 3, b0 & 0xF0 == 0xE0 {
            let c = UInt32(b0 & 0x0F) << 12 | UInt32(s[i + 1] & 0x3F) << 6 | UInt32(s[i + 2] & 0x3F)
            return trail(s[i + 1]) && trail(s[i + 2]) && c >= 0x800 && valid(c) ? 3 : 0
        }
        if remaining >= 4, b0 & 0xF8 == 0xF0 {
            let c = UInt32(b0 & 0x07) << 18 | UInt32(s[i + 1] & 0x3F) << 12 | UInt32(s[i + 2] & 0x3F) << 6
                | UInt32(s[i + 3] & 0x3F)
            return trail(s[i + 1]) && trail(s[i + 2]) && trail(s[i + 3]) && c >= 0x10000 && valid(c) ? 4 : 0
        }
        return 0
    }
}
