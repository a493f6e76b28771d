import Foundation
import ImageIO
import SigLIP
import Testing

/// Broken, hostile and unsupported files: each is refused with an error that names the file; none crash.
@Suite("Bad input")
struct BadInputTests {
    @Test(arguments: Fixtures.bad)
    func refusedWithTheFileNamed(_ bad: Fixtures.Bad) throws {
        let url = Fixtures.url(bad.file)
        do {
            let image = try ImageDecoder().decode(contentsOf: url)
            Issue.record("\(bad.file) decoded to \(image.width)x\(image.height); the reference raised \(bad.reference)")
        } catch let error as ImageIOError {
            #expect(error.description.contains(url.path), "message must name the file: \(error)")
            if bad.file.contains("bomb") {
                guard case .tooLarge = error else {
                    Issue.record("a decompression bomb must be refused by size, got \(error)")
                    return
                }
            }
        }
    }

    @Test func missingFileNamesTheFile() {
        let url = Fixtures.url("files/does-not-exist.jpg")
        #expect {
            try ImageDecoder().decode(contentsOf: url)
        } throws: { error in
            (error as? ImageIOError).map { $0.description.contains(url.path) } ?? false
        }
    }

    @Test func pixelLimitIsConfigurable() throws {
        let url = Fixtures.url("files/jpeg_444.jpg")        // 90 x 60
        #expect(throws: ImageIOError.tooLarge(file: url.path, width: 90, height: 60, limit: 5399)) {
            try ImageDecoder(maxPixels: 5399).decode(contentsOf: url)
        }
        #expect(try ImageDecoder(maxPixels: 5400).decode(contentsOf: url).width == 90)
        let png = Fixtures.url("files/png_rgb8.png")         // 37 x 29
        #expect(throws: ImageIOError.tooLarge(file: png.path, width: 37, height: 29, limit: 1000)) {
            try ImageDecoder(maxPixels: 1000).decode(contentsOf: png)
        }
    }

    /// Every prefix of a few real files, and single-byte corruptions of them: errors or images, never a crash.
    @Test func truncationAndCorruptionNeverCrash() throws {
        for name in ["files/jpeg_progressive.jpg", "files/png_palette4_adam7.png", "files/webp_lossy.webp",
                     "files/exif_orientation_6.jpg", "files/png_rgba16.png"] {
            let data = try Data(contentsOf: Fixtures.url(name))
            var refused = 0
            for cut in stride(from: 0, to: data.count, by: max(1, data.count / 97)) {
                do { _ = try ImageDecoder().decode(data.prefix(cut), name: name) } catch { refused += 1 }
            }
            #expect(refused > 0, "\(name): some truncations must be refused")
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<60 {
                var copy = [UInt8](data)
                let i = Int.random(in: 0..<copy.count, using: &rng)
                copy[i] ^= UInt8.random(in: 1...255, using: &rng)
                _ = try? ImageDecoder().decode(Data(copy), name: name)
            }
        }
    }

    @Test func processorConfigErrorsNameTheFile() throws {
        let bad = Data(#"{"resample": 1, "size": {"height": 8, "width": 8}}"#.utf8)
        #expect(throws: SiglipError.self) { try SiglipImageProcessorConfig(json: bad, name: "x/preprocessor_config.json") }
        do {
            _ = try SiglipImageProcessorConfig(json: bad, name: "x/preprocessor_config.json")
        } catch {
            #expect("\(error)".contains("x/preprocessor_config.json"))
        }
        let shortest = Data(#"{"size": {"shortest_edge": 224}}"#.utf8)
        #expect(throws: SiglipError.self) { try SiglipImageProcessorConfig(json: shortest) }
    }
}

/// A batch keeps going past a bad file and gives each file its own result.
@Suite("Batches")
struct BatchTests {
    @Test func badFileDoesNotStopTheBatch() throws {
        let processor = try SiglipImageProcessor(directory: Fixtures.url("configs/bicubic_28x24"))
        let urls = ["files/jpeg_420.jpg", "bad/bad_truncated.png", "files/png_rgba8.png", "bad/bad_empty.jpg",
                    "files/gif_transparency.gif"].map { Fixtures.url($0) }
        let results = processor.pixelValues(contentsOf: urls, threads: 2)
        #expect(results.count == urls.count)
        for (url, result) in zip(urls, results) {
            switch result {
            case .success(let values):
                #expect(!url.path.contains("/bad/"), "\(url.lastPathComponent) should have failed")
                #expect(values == (try processor.pixelValues(contentsOf: url)))
            case .failure(let error):
                #expect(url.path.contains("/bad/"), "\(url.lastPathComponent) failed: \(error)")
                #expect("\(error)".contains(url.path))
            }
        }
    }
}
