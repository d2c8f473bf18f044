import Foundation
import Yams

/// A YAML value with the source location of every node, independent of Yams.
///
/// Scenarios are composed from several files (`base:`), a `smoke:` block and `--set` overrides
/// before they are checked. Checking the composed tree — rather than each file — keeps the rules in
/// one place, and because each node remembers where it came from, an error still names the file
/// and line that set the offending value. (Yams' `Node` is not `Sendable` and has no notion of
/// several source files, hence this small tree.)
indirect enum ConfigNode: Sendable {
    case scalar(ConfigScalar)
    case mapping(ConfigMapping)
    case sequence([ConfigNode], SourceLocation)

    var location: SourceLocation {
        switch self {
        case .scalar(let s): return s.location
        case .mapping(let m): return m.location
        case .sequence(_, let l): return l
        }
    }

    /// What the node is, for "expected …, found …" messages.
    var kindDescription: String {
        switch self {
        case .scalar(let s): return s.kindDescription
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// Short rendering of the found value for messages: the scalar's text, or `[…]` / `{…}`.
    var shortText: String {
        switch self {
        case .scalar(let s): return s.quoted ? "\"\(s.text)\"" : (s.text.isEmpty ? "null" : s.text)
        case .sequence(let items, _): return "[" + items.prefix(6).map(\.shortText).joined(separator: ", ") + (items.count > 6 ? ", …" : "") + "]"
        case .mapping(let m):
            return "{" + m.entries.prefix(4).map { "\($0.key): \($0.value.shortText)" }.joined(separator: ", ") + (m.entries.count > 4 ? ", …" : "") + "}"
        }
    }

    var isNull: Bool { if case .scalar(let s) = self, case .null = s.value { return true }; return false }
}

/// A scalar with its YAML-resolved type. Quoted scalars are always strings.
struct ConfigScalar: Sendable {
    enum Value: Sendable { case null, bool(Bool), int(Int), double(Double), string }
    var text: String
    var value: Value
    var quoted: Bool
    var location: SourceLocation

    var kindDescription: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        }
    }

    /// The numeric value, if the scalar is a number. Plain scalars such as `1e-3` that YAML 1.1
    /// leaves as strings are read as numbers too: that is what the author meant.
    var number: Double? {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string where !quoted: return Double(text.replacingOccurrences(of: "_", with: ""))
        default: return nil
        }
    }
}

/// An ordered mapping (declaration order matters: grid axes expand in it).
struct ConfigMapping: Sendable {
    struct Entry: Sendable {
        var key: String
        var keyLocation: SourceLocation
        var value: ConfigNode
    }
    var entries: [Entry]
    var location: SourceLocation

    subscript(key: String) -> ConfigNode? { entries.first { $0.key == key }?.value }
    func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }
    var keys: [String] { entries.map(\.key) }

    mutating func set(_ key: String, _ value: ConfigNode, keyLocation: SourceLocation) {
        if let i = entries.firstIndex(where: { $0.key == key }) {
            entries[i].value = value; entries[i].keyLocation = keyLocation
        } else {
            entries.append(Entry(key: key, keyLocation: keyLocation, value: value))
        }
    }
    mutating func remove(_ key: String) { entries.removeAll { $0.key == key } }
}

extension ConfigNode {
    /// Parse YAML text into a located tree. `source` is the path used in error messages.
    /// Returns nil for an empty document.
    static func parse(yaml: String, source: String) throws -> ConfigNode? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let e as YamlError {
            var error = ScenarioError.fromYams(e, source: source)
            // At the end of a truncated file the scanner reports the line after the last one.
            let lines = max(1, yaml.split(separator: "\n", omittingEmptySubsequences: false).count - (yaml.hasSuffix("\n") ? 1 : 0))
            if let line = error.location?.line, line > lines { error.location?.line = lines; error.location?.column = nil }
            throw error
        }
        guard let node else { return nil }
        return try convert(node, source: source, path: "")
    }

    private static func loc(_ mark: Mark?, _ source: String) -> SourceLocation {
        SourceLocation(source: source, line: mark?.line, column: mark?.column)
    }

    private static func convert(_ node: Node, source: String, path: String) throws -> ConfigNode {
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded
            var value: ConfigScalar.Value = .string
            if !quoted {
                switch node.tag.rawValue {
                case Tag.Name.null.rawValue: value = .null
                case Tag.Name.bool.rawValue: value = node.bool.map { .bool($0) } ?? .string
                case Tag.Name.int.rawValue: value = node.int.map { .int($0) } ?? (node.float.map { .double($0) } ?? .string)
                case Tag.Name.float.rawValue: value = node.float.map { .double($0) } ?? .string
                default: value = .string
                }
            }
            return .scalar(ConfigScalar(text: s.string, value: value, quoted: quoted, location: loc(s.mark, source)))
        case .sequence(let seq):
            var items: [ConfigNode] = []
            for (i, n) in seq.enumerated() { items.append(try convert(n, source: source, path: "\(path)[\(i)]")) }
            return .sequence(items, loc(seq.mark, source))
        case .mapping(let map):
            var m = ConfigMapping(entries: [], location: loc(map.mark, source))
            for (k, v) in map {
                let keyPath = path.isEmpty ? "" : path + "."
                guard case .scalar(let ks) = k else {
                    throw ScenarioError(
                        .wrongType, at: loc(k.mark, source), key: path.isEmpty ? nil : path,
                        "expected a plain text key, found a complex key")
                }
                if ks.string.isEmpty {
                    throw ScenarioError(
                        .wrongType, at: loc(k.mark, source), key: keyPath + "<empty>",
                        "a mapping key is empty (a stray `:`, or an anchor `&name` written before the colon?)")
                }
                if m[ks.string] != nil {
                    throw ScenarioError(
                        .wrongType, at: loc(k.mark, source), key: keyPath + ks.string,
                        "this key appears twice in the same mapping")
                }
                let value = try convert(v, source: source, path: keyPath + ks.string)
                m.entries.append(.init(key: ks.string, keyLocation: loc(k.mark, source), value: value))
            }
            return .mapping(m)
        case .alias(let a):
            throw ScenarioError(.wrongType, at: loc(a.mark, source), key: path, "YAML aliases are not supported in scenarios")
        }
    }
}

extension ScenarioError {
    /// Surface Yams' error with its line and column as a one-paragraph `ScenarioError`.
    static func fromYams(_ e: YamlError, source: String) -> ScenarioError {
        func at(_ m: Mark) -> SourceLocation { SourceLocation(source: source, line: m.line, column: m.column) }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            var msg = "YAML syntax error: \(problem)"
            if let c = context { msg += " (\(c.text) at line \(c.mark.line), column \(c.mark.column))" }
            return ScenarioError(.syntax, at: at(mark), key: nil, msg)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ScenarioError(
                .syntax, at: at(context.mark), key: duplicates.sorted().joined(separator: ", "),
                "this mapping has the key twice (YAML keys must be unique in a mapping)")
        case let .reader(problem, offset, _, yaml):
            // The reader reports a byte offset (e.g. of a control character): turn it into a line.
            let line = 1 + (offset.map { yaml.utf8.prefix(max(0, $0)).lazy.filter { $0 == UInt8(ascii: "\n") }.count } ?? 0)
            return ScenarioError(.syntax, at: SourceLocation(source: source, line: line), key: nil, "cannot read the file as YAML: \(problem)")
        default:
            return ScenarioError(.syntax, at: SourceLocation(source: source, line: 1), key: nil, "YAML error: \(e)")
        }
    }
}

// MARK: - Composition

extension ConfigNode {
    /// `override` laid over `base`: mappings merge key by key (recursively, the override wins, new
    /// keys are appended in their order), anything else is replaced wholesale — lists included,
    /// so a preset's `grid: {n: [1, 2, 3]}` is replaced, not concatenated, by a child's `n: [4]`.
    /// An explicit `null` deletes the key, which is how a child drops an inherited axis.
    static func merge(_ base: ConfigNode?, _ override: ConfigNode) -> ConfigNode {
        guard case .mapping(let o) = override else { return override }
        guard let base, case .mapping(var b) = base else {
            // Strip nulls so that "deleting" something absent is harmless.
            var m = o
            m.entries = m.entries.filter { !$0.value.isNull }.map { e in
                var e = e; e.value = merge(nil, e.value); return e
            }
            return .mapping(m)
        }
        for e in o.entries {
            if e.value.isNull { b.remove(e.key); continue }
            b.set(e.key, merge(b[e.key], e.value), keyLocation: e.keyLocation)
        }
        // The mapping itself is attributed to the later file (the one the user is editing).
        b.location = o.location
        return .mapping(b)
    }
}

// MARK: - Conversions to parameter values

extension ConfigNode {
    /// A generic value (figure options): scalars by their YAML type, lists element-wise.
    func genericParamValue(keyPath: String) throws -> ParamValue {
        switch self {
        case .scalar(let s):
            switch s.value {
            case .null: throw ScenarioError(.wrongType, at: location, key: keyPath, "expected a value, found null")
            case .bool(let b): return .bool(b)
            case .int(let i):
                guard i.magnitude < 9_000_000_000_000_000 else {
                    throw ScenarioError(.outOfRange, at: location, key: keyPath, "expected a number below 9e15 in magnitude, found `\(s.text)`")
                }
                return .int(i)
            case .double(let d):
                // Recipes turn options into sizes and counts (`Int(…)`): NaN, ∞ or 1e300 would trap there.
                guard d.isFinite, abs(d) < 9.0e15 else {
                    throw ScenarioError(.outOfRange, at: location, key: keyPath, "expected a finite number below 9e15 in magnitude, found `\(s.text)`")
                }
                return .double(d)
            case .string: return .string(s.text)
            }
        case .sequence(let items, _):
            return .list(try items.enumerated().map { try $1.genericParamValue(keyPath: "\(keyPath)[\($0)]") })
        case .mapping:
            throw ScenarioError(.wrongType, at: location, key: keyPath, "expected a scalar or a list, found a mapping")
        }
    }
}
