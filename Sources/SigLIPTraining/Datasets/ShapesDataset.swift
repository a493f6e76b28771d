import Foundation
import ImageIO
import Tensor

/// A synthetic image–caption data set: coloured shapes on plain backgrounds, captioned "a red circle".
///
/// Some colour–shape combinations never appear in training, so a model trained on it can be checked on
/// compositions it has only seen in parts (zero-shot over all captions). Generation is deterministic: the same
/// options give the same bytes.
public enum ShapesDataset {
    /// The colours, with the RGB value each is drawn around.
    public static let colours: [(name: String, rgb: SIMD3<Float>)] = [
        ("red", [220, 40, 40]), ("green", [40, 180, 60]), ("blue", [40, 80, 220]),
        ("yellow", [235, 210, 40]), ("purple", [150, 60, 190]), ("orange", [245, 140, 30]),
    ]
    /// The shapes.
    public static let shapes = ["circle", "square", "triangle", "cross", "ring"]

    /// One colour–shape pair.
    public struct Combination: Hashable, Sendable {
        /// Index into `colours`.
        public let colour: Int
        /// Index into `shapes`.
        public let shape: Int
        /// The pair of `colours[colour]` and `shapes[shape]`.
        public init(colour: Int, shape: Int) {
            self.colour = colour
            self.shape = shape
        }
        /// "a red circle", "an orange ring".
        public var caption: String { caption(template: 0) }
        /// The caption of a neutral (black, white or grey) drawing of the shape: "a circle".
        public var shapeCaption: String { "a \(shapes[shape])" }

        /// The caption in phrasing `template` (an index into `captionTemplates`); 0 is the canonical one.
        public func caption(template: Int) -> String {
            let name = colours[colour].name, article = "aeiou".contains(name.first ?? "x") ? "an" : "a"
            return captionTemplates[template % captionTemplates.count]
                .replacingOccurrences(of: "{a}", with: article)
                .replacingOccurrences(of: "{colour}", with: name)
                .replacingOccurrences(of: "{shape}", with: shapes[shape])
        }
    }

    /// Phrasings of a caption: with `Options.variedCaptions`, training images take one at random, so the text
    /// tower meets each word in several places and company rather than six fixed strings per colour.
    public static let captionTemplates = ["{a} {colour} {shape}", "the {colour} {shape}", "a {shape} that is {colour}",
                                          "{colour} {shape}", "a {shape} in {colour}", "the {shape} is {colour}"]

    /// Every caption in every phrasing, and the shape-only ones (what a tokenizer for the data set must cover).
    public static var allCaptions: [String] {
        combinations.flatMap { c in captionTemplates.indices.map { c.caption(template: $0) } }
            + shapes.indices.map { Combination(colour: 0, shape: $0).shapeCaption }
    }

    /// Every combination, colour-major.
    public static var combinations: [Combination] {
        colours.indices.flatMap { c in shapes.indices.map { Combination(colour: c, shape: $0) } }
    }

    /// The combinations kept out of training: one per colour, every shape among them, and no shape kept out for
    /// two neighbouring colours (red and orange, say), so each held-out pair has a near colour seen in that shape.
    public static let heldOut: Set<Combination> = Set([("red", "circle"), ("orange", "square"), ("yellow", "triangle"),
                                                       ("green", "cross"), ("blue", "ring"), ("purple", "square")].map { pair in
        Combination(colour: colours.firstIndex { $0.name == pair.0 } ?? 0, shape: shapes.firstIndex(of: pair.1) ?? 0)
    })

    /// The least RGB distance between a shape's colour and its background.
    static let minimumContrast: Float = 80

    /// How many images to write and how.
    public struct Options: Sendable {
        /// Training images (seen combinations only).
        public var count = 20_000
        /// Test images, spread over every combination, held-out ones included.
        public var testCount = 600
        /// Image side in pixels.
        public var size = 32
        /// The seed every random choice derives from.
        public var seed: UInt64 = 0
        /// Training captions in a random phrasing (`captionTemplates`) instead of always "a red circle"; test
        /// captions stay canonical. The images are the same either way.
        public var variedCaptions = false
        /// How far each channel of a shape's colour may stray from its named value (±, out of 255).
        public var colourJitter: Float = 20
        /// The shape's radius as a share of the image side.
        public var radius: ClosedRange<Float> = 0.3...0.42
        /// How far each channel of the background may stray from grey (±, out of 255). Strongly tinted
        /// backgrounds make the edge between shape and ground vary in colour, so the image tower has to learn
        /// shapes apart from the colours they come in (with a tint of 25, no held-out pair was generalised).
        public var backgroundTint: Float = 90
        /// The share of training images whose shape is drawn in black, white or grey instead of its colour and
        /// captioned by the shape alone ("a circle"): they show every shape apart from any colour, which is what
        /// a model needs to name a colour–shape pair it has never seen. The held-out pairs stay out all the same.
        public var neutralShapes: Float = 0.5
        /// Defaults: 20,000 training and 600 test images of 32×32 pixels, seed 0.
        public init() {}
    }

    /// Writes `images/{train,test}/*.png`, `train.jsonl`, `test.jsonl` and `labels.txt` under `directory`,
    /// calling `progress(done, total)` as images are written.
    public static func write(to directory: URL, options: Options, progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws {
        let fm = FileManager.default
        for split in ["train", "test"] {
            try fm.createDirectory(at: directory.appendingPathComponent("images/\(split)"), withIntermediateDirectories: true)
        }
        let seen = combinations.filter { !heldOut.contains($0) }
        let all = combinations
        let total = options.count + options.testCount
        let counter = ProgressCounter()
        let rows: [Result<String, Error>] = Compute.map(total) { i in
            let isTest = i >= options.count
            let index = isTest ? i - options.count : i
            var random = SplitMix64(seed: options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i))
            let combination = isTest ? all[index % all.count] : seen[random.int(below: seen.count)]
            let path = "images/\(isTest ? "test" : "train")/\(String(format: "%06d", index)).png"
            let neutral = !isTest && random.float(in: 0...1) < options.neutralShapes
            let result = Result {
                try render(combination, options: options, neutral: neutral, random: &random).pngData().write(to: directory.appendingPathComponent(path))
                let template = !isTest && options.variedCaptions ? random.int(below: captionTemplates.count) : 0
                var row: [String: Any] = ["image": path, "text": neutral ? combination.shapeCaption : combination.caption(template: template)]
                if isTest {
                    row["colour"] = colours[combination.colour].name
                    row["shape"] = shapes[combination.shape]
                    row["held_out"] = heldOut.contains(combination)
                }
                return String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            }
            progress(counter.increment(), total)
            return result
        }
        let lines = try rows.map { try $0.get() }
        try (lines[..<options.count].joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        try (lines[options.count...].joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("test.jsonl"), atomically: true, encoding: .utf8)
        try (all.map(\.caption).joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("labels.txt"), atomically: true, encoding: .utf8)
        try (allCaptions.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("captions.txt"), atomically: true, encoding: .utf8)
    }

    /// One image: a shape in a jittered version of its colour (`neutral`: in black, white or grey), of random size
    /// and place, on a plain tinted background.
    public static func render(_ combination: Combination, options: Options, neutral: Bool = false, random: inout SplitMix64) -> RGBImage {
        let size = options.size, j = options.colourJitter, t = options.backgroundTint
        let grey = random.float(in: 0...255)
        var background = SIMD3<Float>(repeating: grey) + SIMD3(random.float(in: -t...t), random.float(in: -t...t), random.float(in: -t...t))
        var colour = colours[combination.colour].rgb + SIMD3(random.float(in: -j...j), random.float(in: -j...j), random.float(in: -j...j))
        if neutral {   // dark on a light background, light on a dark one
            colour = SIMD3(repeating: grey > 127 ? random.float(in: 0...60) : random.float(in: 195...255))
        }
        background = visible(background, against: colour)
        let side = Float(size)
        let radius = random.float(in: options.radius) * side
        let cx = random.float(in: radius...(side - radius)), cy = random.float(in: radius...(side - radius))
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let samples = 4   // 4×4 supersampling for smooth edges
        for y in 0..<size {
            for x in 0..<size {
                var covered: Float = 0
                for sy in 0..<samples {
                    for sx in 0..<samples {
                        let dx = Float(x) + (Float(sx) + 0.5) / Float(samples) - cx
                        let dy = Float(y) + (Float(sy) + 0.5) / Float(samples) - cy
                        if inside(shapes[combination.shape], dx / radius, dy / radius) { covered += 1 }
                    }
                }
                let a = covered / Float(samples * samples)
                let c = background * (1 - a) + colour * a
                for k in 0..<3 { pixels[(y * size + x) * 3 + k] = UInt8(max(0, min(255, c[k].rounded()))) }
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    /// `background`, or if it lies within `minimumContrast` of `colour`, a colour that far from it (on the same
    /// side, or the other one when the RGB cube ends first), so the shape always shows.
    static func visible(_ background: SIMD3<Float>, against colour: SIMD3<Float>) -> SIMD3<Float> {
        func inCube(_ c: SIMD3<Float>) -> SIMD3<Float> { c.clamped(lowerBound: SIMD3(repeating: 0), upperBound: SIMD3(repeating: 255)) }
        func distance(_ c: SIMD3<Float>) -> Float { ((c - colour) * (c - colour)).sum().squareRoot() }
        let gap = distance(background)
        guard gap < minimumContrast else { return inCube(background) }
        let away = gap > 1 ? (background - colour) / gap : SIMD3(repeating: 1 / Float(3).squareRoot())
        let near = inCube(colour + away * minimumContrast), far = inCube(colour - away * minimumContrast)
        return distance(near) >= distance(far) ? near : far
    }

    /// Whether the point (x, y), in units of the shape's radius from its centre, lies inside the shape.
    static func inside(_ shape: String, _ x: Float, _ y: Float) -> Bool {
        switch shape {
        case "circle": return x * x + y * y <= 1
        case "square": return abs(x) <= 0.8 && abs(y) <= 0.8
        case "triangle": return y <= 0.75 && y >= -1 && abs(x) <= (y + 1) / 1.75 * 1.01   // apex up, base at 0.75
        case "cross": return (abs(x) <= 0.3 && abs(y) <= 1) || (abs(y) <= 0.3 && abs(x) <= 1)
        default: let r = x * x + y * y; return r <= 1 && r >= 0.36   // ring
        }
    }
}

/// A thread-safe counter for progress reports from parallel workers.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
