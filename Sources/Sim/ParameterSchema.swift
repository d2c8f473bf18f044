import Foundation

/// Type and range checks of one parameter value against its `ParamKind`.
///
/// Values are normalised to the declared kind — `d: 20` for a double parameter becomes
/// `.double(20)`, `T: 400.0` for an int parameter becomes `.int(400)` — so that a point's
/// canonical form (and hence its run seed and id) does not depend on how the number was typed.
enum ParameterSchema {

    /// Check `node` against `spec` and return the normalised value.
    static func value(of node: ConfigNode, for spec: ParameterSpec, keyPath: String) throws -> ParamValue {
        func wrongType(_ expected: String) -> ScenarioError {
            ScenarioError(
                .wrongType, at: node.location, key: keyPath,
                "expected \(expected) for parameter `\(spec.name)`, found \(node.kindDescription) `\(node.shortText)`")
        }
        switch spec.kind {
        case .int(let lo, let hi):
            guard case .scalar(let s) = node, let x = s.number, !isBoolOrNull(s) else { throw wrongType(describe(spec.kind)) }
            guard x.isFinite, abs(x) < 9.0e15 else {
                throw ScenarioError(
                    .outOfRange, at: node.location, key: keyPath,
                    "expected \(describe(spec.kind)) for parameter `\(spec.name)`, found `\(s.text)`, which is not a finite integer below 9e15 in magnitude")
            }
            guard x == x.rounded() else {
                throw ScenarioError(
                    .wrongType, at: node.location, key: keyPath,
                    "expected \(describe(spec.kind)) for parameter `\(spec.name)`, found the non-integral number `\(s.text)`")
            }
            let v = Int(x)
            if let lo, v < lo { throw outOfRange(node, keyPath, spec, found: s.text) }
            if let hi, v > hi { throw outOfRange(node, keyPath, spec, found: s.text) }
            return .int(v)
        case .double(let lo, let hi, let exclusiveMin):
            guard case .scalar(let s) = node, let x = s.number, !isBoolOrNull(s) else { throw wrongType(describe(spec.kind)) }
            guard x.isFinite else {
                throw ScenarioError(
                    .outOfRange, at: node.location, key: keyPath,
                    "expected a finite number for parameter `\(spec.name)`, found `\(s.text)`")
            }
            if let lo, exclusiveMin ? !(x > lo) : !(x >= lo) { throw outOfRange(node, keyPath, spec, found: s.text) }
            if let hi, x > hi { throw outOfRange(node, keyPath, spec, found: s.text) }
            return .double(x)
        case .choice(let options):
            guard case .scalar(let s) = node, !isNull(s) else { throw wrongType(describe(spec.kind)) }
            guard options.contains(s.text) else {
                throw ScenarioError(
                    .outOfRange, at: node.location, key: keyPath,
                    "expected one of \(options.map { "`\($0)`" }.joined(separator: ", ")) for parameter `\(spec.name)`, found `\(s.text)`",
                    hint: Suggest.didYouMean(s.text, options))
            }
            return .string(s.text)
        case .bool:
            guard case .scalar(let s) = node, case .bool(let b) = s.value else { throw wrongType("a boolean (true/false)") }
            return .bool(b)
        case .string:
            guard case .scalar(let s) = node, !isNull(s) else { throw wrongType("a string") }
            return .string(s.text)
        case .doubleList:
            guard case .sequence(let items, _) = node else { throw wrongType("a list of numbers") }
            var out: [ParamValue] = []
            for (i, item) in items.enumerated() {
                guard case .scalar(let s) = item, let x = s.number, !isBoolOrNull(s), x.isFinite else {
                    throw ScenarioError(
                        .wrongType, at: item.location, key: "\(keyPath)[\(i)]",
                        "expected a finite number (element of the list parameter `\(spec.name)`), found \(item.kindDescription) `\(item.shortText)`")
                }
                out.append(.double(x))
            }
            return .list(out)
        }
    }

    /// Bring an already-typed value (e.g. read back from a point record) to the declared kind.
    static func normalise(_ v: ParamValue, kind: ParamKind) -> ParamValue {
        switch (kind, v) {
        case (.double, .int(let i)): return .double(Double(i))
        case (.int, .double(let d)) where d == d.rounded() && abs(d) < 9.0e15: return .int(Int(d))
        case (.doubleList, .list(let l)): return .list(l.map { $0.doubleValue.map(ParamValue.double) ?? $0 })
        default: return v
        }
    }

    /// "an integer ≥ 1", "a number > 0", "a number in [0, 1]" …
    static func describe(_ kind: ParamKind) -> String {
        switch kind {
        case .int(let lo, let hi):
            switch (lo, hi) {
            case let (l?, h?): return "an integer in [\(l), \(h)]"
            case let (l?, nil): return "an integer ≥ \(l)"
            case let (nil, h?): return "an integer ≤ \(h)"
            default: return "an integer"
            }
        case .double(let lo, let hi, let ex):
            let lower = lo.map { (ex ? "> " : "≥ ") + ParamValue.format($0) }
            switch (lower, hi) {
            case let (l?, h?): return "a number \(l) and ≤ \(ParamValue.format(h))"
            case let (l?, nil): return "a number \(l)"
            case let (nil, h?): return "a number ≤ \(ParamValue.format(h))"
            default: return "a number"
            }
        case .choice(let o): return "one of " + o.joined(separator: ", ")
        case .bool: return "a boolean"
        case .doubleList: return "a list of numbers"
        case .string: return "a string"
        }
    }

    private static func outOfRange(_ node: ConfigNode, _ keyPath: String, _ spec: ParameterSpec, found: String) -> ScenarioError {
        ScenarioError(
            .outOfRange, at: node.location, key: keyPath,
            "expected \(describe(spec.kind)) for parameter `\(spec.name)`, found `\(found)`")
    }

    private static func isBoolOrNull(_ s: ConfigScalar) -> Bool {
        switch s.value {
        case .bool, .null: return true;
        default: return false
        }
    }
    private static func isNull(_ s: ConfigScalar) -> Bool { if case .null = s.value { return true }; return false }
}
