import Foundation

/// A scalar or list value of a scenario parameter.
public enum ParamValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case list([ParamValue])

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return ParamValue.format(v)
        case .string(let v): return v
        case .bool(let v): return v ? "true" : "false"
        case .list(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// Shortest round-tripping decimal form (stable: used in seeds and point ids).
    public static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v);
        case .double(let v): return v;
        default: return nil
        }
    }
    public var intValue: Int? {
        switch self {
        case .int(let v): return v
        // `Int(exactly:)`: nil for 1e300, NaN or 2.5 rather than a trap.
        case .double(let v): return Int(exactly: v)
        default: return nil
        }
    }
}

/// The resolved, flat parameters of one run (keys are snake_case paper symbols: `alpha_star`, `tau`, `m`).
public struct Parameters: Hashable, Sendable, Codable {
    public var values: [String: ParamValue]
    public init(_ values: [String: ParamValue] = [:]) { self.values = values }

    public subscript(key: String) -> ParamValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public func double(_ key: String) -> Double {
        guard let v = values[key]?.doubleValue else { preconditionFailure("parameter \(key) missing or not numeric (validated earlier)") }
        return v
    }
    public func int(_ key: String) -> Int {
        guard let v = values[key]?.intValue else { preconditionFailure("parameter \(key) missing or not an integer (validated earlier)") }
        return v
    }
    public func string(_ key: String) -> String {
        guard case .string(let s)? = values[key] else { preconditionFailure("parameter \(key) missing or not a string (validated earlier)") }
        return s
    }
    public func bool(_ key: String) -> Bool {
        guard case .bool(let b)? = values[key] else { preconditionFailure("parameter \(key) missing or not a bool (validated earlier)") }
        return b
    }
    public func doubles(_ key: String) -> [Double] {
        guard case .list(let l)? = values[key] else { preconditionFailure("parameter \(key) missing or not a list (validated earlier)") }
        return l.compactMap(\.doubleValue)
    }

    /// Stable text form, keys sorted: the basis of point ids (and, without the execution options, of
    /// run seeds). An execution option (`ParameterSpec.isExecutionOption`; `executionDefaults` maps
    /// each to its default) at its default value is left out, so adding one kept every existing id.
    public func canonical(executionDefaults: [String: ParamValue] = [:]) -> String {
        values.keys.sorted().compactMap { k in
            let v = values[k]!
            return executionDefaults[k] == v ? nil : "\(k)=\(v)"
        }.joined(separator: ";")
    }

    /// The canonical form without any execution option: what run seeds derive from, so a run with,
    /// say, `precision: float` sees exactly the data, initialization and test sets of its Double twin.
    public func seedCanonical(executionOptions: Set<String>) -> String {
        values.keys.sorted().compactMap { k in executionOptions.contains(k) ? nil : "\(k)=\(values[k]!)" }
            .joined(separator: ";")
    }
}

/// The declared type of a parameter.
public enum ParamKind: Sendable, Equatable {
    case int(min: Int? = nil, max: Int? = nil)
    /// `exclusiveMin`: the value must be strictly greater than `min` (e.g. α > 0).
    case double(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false)
    case choice([String])
    case bool
    case doubleList
    case string
}

/// One parameter an experiment accepts, with its default and a one-line doc (paper symbol and why).
public struct ParameterSpec: Sendable {
    public let name: String
    public let kind: ParamKind
    public let defaultValue: ParamValue
    public let doc: String
    /// Chooses how a run computes, not what it models (e.g. `precision`): left out of the run seed,
    /// and out of point and sweep ids at its default value.
    public let isExecutionOption: Bool
    public init(_ name: String, _ kind: ParamKind, default defaultValue: ParamValue, _ doc: String, executionOption: Bool = false) {
        self.name = name; self.kind = kind; self.defaultValue = defaultValue; self.doc = doc
        self.isExecutionOption = executionOption
    }
}

/// A parameter-level error an experiment's cross-field check reports (`d < M`, `n_conf ≥ n_rel`, …).
/// The scenario layer adds the file and line.
public struct ParameterError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let message: String
    public init(key: String, _ message: String) { self.key = key; self.message = message }
    public var description: String { "\(key): \(message)" }
}
