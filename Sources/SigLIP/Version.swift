/// The release of swift-siglip this library belongs to.
public enum SwiftSiglip {
    /// Semantic version, printed by `siglip --version`.
    public static let version = "0.5.0"
}
