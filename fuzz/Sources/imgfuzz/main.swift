// Every input goes through format detection, decoding, orientation, colour-key compositing and a resize:
// nothing may crash, read out of bounds or leak, whatever the bytes.
import ImageIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let image = try? ImageDecoder(maxPixels: 4_000_000).decode(bytes, name: "fuzz") {
        _ = image.compositedOntoWhite().resized(width: 7, height: 5, filter: .bicubic)
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM aliases `main` to `<target>_main` for executables; hand control to libFuzzer's driver.
@_cdecl("imgfuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return runDriver(&count, &vector) { data, size in fuzz(data, size) }
}
