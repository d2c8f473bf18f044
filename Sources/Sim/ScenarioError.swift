import Foundation

/// Where a scenario value came from: a file position, or a `--set` override on the command line.
///
/// Every node of a composed scenario keeps the location of the file that set it, so an error found
/// after `base:` composition still points at the preset (or the `--set`) that introduced the value.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// A file path as given (relative paths stay relative: that is what the user typed), or a
    /// `--set key=value` string.
    public var source: String
    /// 1-based line and column; nil for command-line overrides.
    public var line: Int?
    public var column: Int?

    public init(source: String, line: Int? = nil, column: Int? = nil) {
        self.source = source; self.line = line; self.column = column
    }

    /// `file.yaml:12:5`, or the override text.
    public var description: String {
        guard let line else { return source }
        if let column { return "\(source):\(line):\(column)" }
        return "\(source):\(line)"
    }
}

/// Everything that can be wrong with a scenario, as one value type.
///
/// `description` is a single paragraph — file, line and column, key path, expected vs found, and
/// a hint when one is cheap (did-you-mean for misspelt keys) — because that is what a researcher
/// needs to fix the file without reading code. The CLI prints it as `error: <paragraph>`.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The YAML itself does not parse (Yams' scanner/parser/composer error).
        case syntax
        case unknownKey
        case wrongType
        case missingKey
        case outOfRange
        /// A cross-field check of the experiment (`validate`) failed for some sweep point.
        case invalidParameters
        /// Sweep structure: empty or mismatched `zip`, empty grid list, a key on two axes.
        case invalidSweep
        case unknownExperiment
        case unknownRecipe
        case duplicateFigure
        case baseCycle
        case missingFile
        /// A `--set` argument that is not `key.path=value`.
        case badOverride
    }

    public var kind: Kind
    public var location: SourceLocation?
    /// Dotted path with list indices, e.g. `sweep.grid.n_rel[2]`.
    public var keyPath: String?
    /// What was expected and what was found, as a sentence fragment.
    public var message: String
    public var hint: String?

    public init(_ kind: Kind, at location: SourceLocation?, key keyPath: String?, _ message: String, hint: String? = nil) {
        self.kind = kind; self.location = location; self.keyPath = keyPath; self.message = message; self.hint = hint
    }

    public var description: String {
        var s = ""
        if let location { s += "\(location): " }
        if let keyPath, !keyPath.isEmpty { s += "`\(keyPath)`: " }
        s += message
        if let hint { s += " (\(hint))" }
        // One paragraph: fold any newline a wrapped message (e.g. Yams') brought in.
        return s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// "did you mean …" support: the closest candidate within a small edit distance.
enum Suggest {
    /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `tua` is
    /// one edit from `tau`), case-insensitive. Keys are short, so the O(n·m) table is fine.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased().unicodeScalars), y = Array(b.lowercased().unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }

    /// The closest candidate if it is plausibly a typo (distance ≤ max(1, len/3)), else nil.
    static func closest(to word: String, in candidates: [String]) -> String? {
        var best: (name: String, distance: Int)? = nil
        for c in candidates {
            let d = editDistance(word, c)
            if best == nil || d < best!.distance || (d == best!.distance && c < best!.name) { best = (c, d) }
        }
        guard let best, best.distance <= Swift.max(1, word.count / 3) else { return nil }
        return best.name
    }

    /// "did you mean `x`?" or nil.
    static func didYouMean(_ word: String, _ candidates: [String]) -> String? {
        closest(to: word, in: candidates).map { "did you mean `\($0)`?" }
    }
}
