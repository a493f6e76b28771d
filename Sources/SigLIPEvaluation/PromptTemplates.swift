import Foundation

/// Prompt templates for zero-shot classification: each contains `{}`, replaced by the class name.
public struct PromptTemplates: Sendable, Equatable, Codable {
    /// The name shown in reports (a built-in set's name or the file it came from).
    public let name: String
    /// The templates.
    public let templates: [String]

    /// Templates from a list; every one must contain `{}`.
    public init(name: String, templates: [String]) throws {
        guard !templates.isEmpty else { throw EvaluationError("templates \(name): none given") }
        if let bad = templates.first(where: { !$0.contains("{}") }) {
            throw EvaluationError("templates \(name): \"\(bad)\" has no {} for the class name")
        }
        self.name = name
        self.templates = templates
    }

    /// The class name alone.
    public static let bare = try! PromptTemplates(name: "bare", templates: ["{}"])
    /// CLIP's single default prompt.
    public static let photo = try! PromptTemplates(name: "photo", templates: ["a photo of a {}."])
    /// A small ensemble in the spirit of CLIP's ImageNet prompts: photo quality, size, rendering.
    public static let ensemble = try! PromptTemplates(name: "ensemble", templates: [
        "a photo of a {}.", "a bad photo of a {}.", "a photo of the small {}.", "a photo of the large {}.",
        "a close-up photo of a {}.", "a drawing of a {}.", "a rendering of a {}.", "a {} in a video game.",
    ])
    /// The built-in sets by name.
    public static let builtIn: [String: PromptTemplates] = ["bare": bare, "photo": photo, "ensemble": ensemble]

    /// A built-in set by name, or else a file with one template per line (blank lines and `#` comments skipped).
    public static func named(_ nameOrPath: String) throws -> PromptTemplates {
        if let set = builtIn[nameOrPath] { return set }
        let text: String
        do { text = try String(contentsOfFile: nameOrPath, encoding: .utf8) } catch {
            throw EvaluationError("templates \(nameOrPath): not a built-in set (\(builtIn.keys.sorted().joined(separator: ", "))) and not a readable file")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return try PromptTemplates(name: nameOrPath, templates: lines)
    }

    /// The prompts for one class name.
    public func prompts(for className: String) -> [String] {
        templates.map { $0.replacingOccurrences(of: "{}", with: className) }
    }
}

/// An evaluation input or setting that cannot be used, with a message naming it.
public struct EvaluationError: Error, LocalizedError, CustomStringConvertible, Sendable {
    /// The message.
    public let message: String
    /// An error with a message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// The message.
    public var errorDescription: String? { message }
}

extension EvaluationError {
    /// One line for any error: the project's errors by their message (on Linux `localizedDescription` would
    /// only say "The operation could not be completed" for them), Foundation's by their localized description.
    public static func describe(_ error: Error) -> String {
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        if !(type(of: error) is NSError.Type) { return String(describing: error) }
        return error.localizedDescription
    }
}
