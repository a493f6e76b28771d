import Foundation

/// The bytes of `config.json` in `directory`, and the path that names it in errors.
func readConfigFile(in directory: URL) throws -> (data: Data, source: String) {
    let url = directory.appendingPathComponent("config.json")
    do { return (try Data(contentsOf: url), url.path) } catch {
        throw SiglipError("\(url.path): cannot read the model config (\(error.localizedDescription))")
    }
}

/// Checks the sizes every transformer tower needs: positive, and a width its heads divide evenly.
func checkTowerShape(_ tower: String, width: Int, heads: Int, layers: Int, mlp: Int, source: String) throws {
    guard width > 0 && heads > 0 && layers >= 0 && mlp > 0 else {
        throw SiglipError("\(source): \(tower)_config has a non-positive size")
    }
    guard width % heads == 0 else {
        throw SiglipError("\(source): \(tower)_config hidden_size \(width) is not divisible by num_attention_heads \(heads)")
    }
}
