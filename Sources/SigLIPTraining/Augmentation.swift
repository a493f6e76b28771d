import Foundation
import ImageIO

/// `--augment`: a random resized crop (before the processor's resize) and a left–right flip, drawn per image
/// from the seed, the epoch and the image's path, so a run is reproducible and an image is augmented the same
/// way wherever it falls in a batch.
public struct Augmentation: Sendable {
    /// The crop's area as a fraction of the image's.
    public var area: ClosedRange<Double>
    /// The crop's width over height, drawn log-uniformly.
    public var aspectRatio: ClosedRange<Double>
    /// The probability of mirroring the image left to right.
    public var flipProbability: Double
    /// The base seed (the run's `--seed`).
    public var seed: UInt64

    /// Crops of 35–100 % of the image with aspect ratios 3:4 to 4:3, flipped half the time.
    public init(seed: UInt64, area: ClosedRange<Double> = 0.35...1, aspectRatio: ClosedRange<Double> = 0.75...(4.0 / 3),
                flipProbability: Double = 0.5) {
        self.seed = seed
        self.area = area
        self.aspectRatio = aspectRatio
        self.flipProbability = flipProbability
    }

    /// `image` (read from `path`) cropped and perhaps flipped as drawn for `epoch`.
    public func apply(_ image: RGBImage, path: String, epoch: Int) -> RGBImage {
        var random = WeightGenerator(seed: seed ^ fnv1a(path) &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03)
        let (x, y, w, h) = cropRectangle(width: image.width, height: image.height, &random)
        let flip = Double(random.unit()) < flipProbability
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            for column in 0..<w {
                let source = ((y + row) * image.width + x + (flip ? w - 1 - column : column)) * 3
                let target = (row * w + column) * 3
                pixels[target] = image.pixels[source]
                pixels[target + 1] = image.pixels[source + 1]
                pixels[target + 2] = image.pixels[source + 2]
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels, transparentColor: image.transparentColor)
    }

    /// Up to ten draws of an area and ratio that fit, as torchvision's `RandomResizedCrop` does; else the whole image.
    private func cropRectangle(width: Int, height: Int, _ random: inout WeightGenerator) -> (Int, Int, Int, Int) {
        for _ in 0..<10 {
            let target = Double(width * height) * (area.lowerBound + (area.upperBound - area.lowerBound) * Double(random.unit()))
            let logRatio = log(aspectRatio.lowerBound) + (log(aspectRatio.upperBound) - log(aspectRatio.lowerBound)) * Double(random.unit())
            let w = Int((target * exp(logRatio)).squareRoot().rounded()), h = Int((target / exp(logRatio)).squareRoot().rounded())
            if w > 0, h > 0, w <= width, h <= height {
                return (random.below(width - w + 1), random.below(height - h + 1), w, h)
            }
        }
        return (0, 0, width, height)
    }
}

/// The 64-bit FNV-1a hash of a string's UTF-8 bytes: stable across runs, unlike `Hasher`.
private func fnv1a(_ s: String) -> UInt64 {
    s.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
}
