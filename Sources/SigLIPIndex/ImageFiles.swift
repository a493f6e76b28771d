import Foundation

extension SiglipIndex {
    /// The extensions a folder walk takes.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif"]

    /// Image files under `paths` (folders are walked recursively for .jpg, .jpeg, .png, .webp and .gif, following
    /// symbolic links to files and folders, skipping hidden names; files named directly are taken whatever their
    /// name), sorted, without duplicates. A link to a folder already walked (a loop) is not followed again.
    /// Broken links with an image extension are reported.
    public static func imageFiles(under paths: [URL]) -> (files: [URL], failures: [(path: String, reason: String)]) {
        var files: [URL] = [], failures: [(String, String)] = []
        for path in paths {
            var info = stat()
            guard stat(path.path, &info) == 0 else {
                failures.append((path.path, lstat(path.path, &info) == 0 ? "broken symbolic link" : "no such file or directory"))
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                walk(path, root: info, into: &files, failures: &failures)
            } else {
                files.append(path)
            }
        }
        var seen = Set<String>()
        return (files.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }.sorted { $0.path < $1.path }, failures)
    }

    /// Appends the image files under `folder` (whose stat is `root`) to `files`. Folders are known by device and
    /// inode, so one reached again through a link (to itself or an ancestor) is skipped and loops end.
    private static func walk(_ folder: URL, root: stat, into files: inout [URL], failures: inout [(String, String)]) {
        var visited: Set<[UInt64]> = [[UInt64(root.st_dev), UInt64(root.st_ino)]]
        var pending = [folder]
        while let next = pending.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: next.path) else {
                failures.append((next.path, "cannot list this folder"))
                continue
            }
            for name in names where !name.hasPrefix(".") {
                let url = next.appendingPathComponent(name)
                let isImage = imageExtensions.contains(url.pathExtension.lowercased())
                var info = stat()
                guard stat(url.path, &info) == 0 else {
                    if isImage { failures.append((url.path, "broken symbolic link")) }
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    if visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted { pending.append(url) }
                case S_IFREG where isImage:
                    files.append(url)
                default:
                    break
                }
            }
        }
    }
}
