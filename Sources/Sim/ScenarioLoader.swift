import Foundation

/// How to load a scenario: the command-line knobs that modify it.
public struct ScenarioOptions: Sendable {
    /// Apply the scenario's `smoke:` overrides (a seconds-long version for CI).
    public var smoke: Bool
    /// `key.path=value` overrides; the value is parsed as YAML. Applied after base composition and smoke.
    public var overrides: [String]
    /// Replaces the scenario seed (applied last).
    public var seed: UInt64?

    public init(smoke: Bool = false, overrides: [String] = [], seed: UInt64? = nil) {
        self.smoke = smoke; self.overrides = overrides; self.seed = seed
    }
}

/// Loads scenario files strictly: YAML → located tree → `base:` composition → `smoke:` → `--set`
/// → schema checks → cross-field checks of every sweep point.
///
/// All problems are thrown as `ScenarioError` (never a trap), naming the file, line, key path and
/// what was expected.
///
/// Schema (top level): `experiment` (required, possibly inherited), `name`, `description`, `base`,
/// `seed`, `params`, `sweep {grid, zip, seeds}`, `smoke {params, sweep}`, `figures [{id, recipe, title, …}]`,
/// `claims [{id, statement, prediction, measure, kind, predicted, band, rationale, …}]` (see `ClaimDeclaration`).
public enum ScenarioLoader {
    static let topLevelKeys = ["experiment", "name", "description", "base", "seed", "params", "sweep", "smoke", "figures", "claims"]
    static let sweepKeys = ["grid", "zip", "seeds"]
    static let smokeKeys = ["params", "sweep"]
    /// Largest sweep (parameter points × replicates) a scenario may expand to.
    public static let maxRuns = 100_000

    /// Load the scenario file at `path`.
    public static func load(_ path: String, options: ScenarioOptions = ScenarioOptions()) throws -> Scenario {
        var files: [String] = []
        let root = try composeFile(path, referencedFrom: nil, stack: [], files: &files)
        return try finish(root: root, path: path, files: files, options: options)
    }

    /// Load a scenario from text; `path` names it in errors and anchors relative `base:` paths.
    public static func load(yaml: String, path: String, options: ScenarioOptions = ScenarioOptions()) throws -> Scenario {
        var files: [String] = []
        let root = try compose(text: yaml, path: path, stack: [canonicalPath(path)], files: &files)
        return try finish(root: root, path: path, files: files, options: options)
    }

    // MARK: Composition

    static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    private static func composeFile(
        _ path: String, referencedFrom: (SourceLocation, String)?, stack: [String],
        files: inout [String]
    ) throws -> ConfigNode {
        let canonical = canonicalPath(path)
        if let i = stack.firstIndex(of: canonical) {
            let chain = (stack[i...] + [canonical]).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " → ")
            throw ScenarioError(
                .baseCycle, at: referencedFrom?.0, key: referencedFrom?.1,
                "`base:` files form a cycle: \(chain)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let what = FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file"
            throw ScenarioError(
                .missingFile, at: referencedFrom?.0 ?? SourceLocation(source: path), key: referencedFrom?.1,
                "\(what): \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(.syntax, at: SourceLocation(source: path), key: nil, "the file is not UTF-8 text")
        }
        return try compose(text: text, path: path, stack: stack + [canonical], files: &files)
    }

    /// Parse one file and lay it over its bases (in order; this file wins).
    private static func compose(text: String, path: String, stack: [String], files: inout [String]) throws -> ConfigNode {
        guard let parsed = try ConfigNode.parse(yaml: text, source: path) else {
            files.append(path)
            return .mapping(ConfigMapping(entries: [], location: SourceLocation(source: path, line: 1, column: 1)))
        }
        guard case .mapping(var m) = parsed else {
            throw ScenarioError(
                .wrongType, at: parsed.location, key: nil,
                "expected a mapping of scenario keys at the top level, found \(parsed.kindDescription)")
        }
        var composed: ConfigNode? = nil
        if let baseEntry = m.entry("base") {
            m.remove("base")
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
            var refs: [(String, SourceLocation, String)] = []
            switch baseEntry.value {
            case .scalar(let s) where !s.quoted && s.value.isNull:
                break
            case .scalar(let s):
                refs.append((s.text, s.location, "base"))
            case .sequence(let items, _):
                for (i, item) in items.enumerated() {
                    guard case .scalar(let s) = item, case .string = s.value else {
                        throw ScenarioError(
                            .wrongType, at: item.location, key: "base[\(i)]",
                            "expected a file path, found \(item.kindDescription) `\(item.shortText)`")
                    }
                    refs.append((s.text, s.location, "base[\(i)]"))
                }
            case .mapping:
                throw ScenarioError(
                    .wrongType, at: baseEntry.value.location, key: "base",
                    "expected a file path or a list of file paths, found a mapping")
            }
            for (rel, loc, key) in refs {
                let full = rel.hasPrefix("/") ? rel : dir.appendingPathComponent(rel).path
                let shown = rel.hasPrefix("/") ? rel : relativeDisplay(full)
                let node = try composeFile(shown, referencedFrom: (loc, key), stack: stack, files: &files)
                composed = ConfigNode.merge(composed, node)
            }
        }
        files.append(path)
        return ConfigNode.merge(composed, .mapping(m))
    }

    /// A path as the user would like to read it: relative to the working directory when inside it.
    static func relativeDisplay(_ path: String) -> String {
        let std = URL(fileURLWithPath: path).standardizedFileURL.path
        let cwd = FileManager.default.currentDirectoryPath
        if std.hasPrefix(cwd + "/") { return String(std.dropFirst(cwd.count + 1)) }
        return std
    }

    // MARK: Smoke and overrides

    private static func applySmoke(_ root: inout ConfigMapping) throws {
        guard let entry = root.entry("smoke") else { return }
        root.remove("smoke")
        let smoke = try mapping(entry.value, keyPath: "smoke")
        var patch = ConfigMapping(entries: [], location: smoke.location)
        for e in smoke.entries { patch.entries.append(e) }
        let merged = ConfigNode.merge(.mapping(root), .mapping(patch))
        if case .mapping(let m) = merged { root = m }
    }

    /// Apply one `--set key.path=value`.
    static func applyOverride(_ arg: String, to root: inout ConfigMapping) throws {
        let source = SourceLocation(source: "--set \(arg)")
        guard let eq = arg.firstIndex(of: "=") else {
            throw ScenarioError(
                .badOverride, at: source, key: nil, "expected `key.path=value`, found no `=`",
                hint: "e.g. --set params.tau=0.2 or --set sweep.grid.n_rel=[2,4]")
        }
        let path = String(arg[..<eq]).trimmingCharacters(in: .whitespaces)
        let valueText = String(arg[arg.index(after: eq)...])
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw ScenarioError(.badOverride, at: source, key: path, "expected a dotted key path such as `params.tau`, found `\(path)`")
        }
        if parts[0] == "base" {
            throw ScenarioError(.badOverride, at: source, key: path, "`base` cannot be overridden from the command line")
        }
        let parsed: ConfigNode
        do {
            parsed =
                try ConfigNode.parse(yaml: valueText, source: source.source)?.relocated(to: source)
                ?? .scalar(ConfigScalar(text: "", value: .null, quoted: false, location: source))
        } catch var e as ScenarioError {
            e.location = source; e.keyPath = path
            throw e
        }
        try set(parts[...], parsed, in: &root, source: source, walked: [])
    }

    private static func set(
        _ parts: ArraySlice<String>, _ value: ConfigNode, in m: inout ConfigMapping,
        source: SourceLocation, walked: [String]
    ) throws {
        let key = parts.first!
        if parts.count == 1 {
            if value.isNull { m.remove(key) } else { m.set(key, value, keyLocation: source) }
            return
        }
        var child: ConfigMapping
        switch m[key] {
        case nil: child = ConfigMapping(entries: [], location: source)
        case .mapping(let c)?: child = c
        case let other?:
            throw ScenarioError(
                .badOverride, at: source, key: (walked + [key]).joined(separator: "."),
                "cannot set a key inside \(other.kindDescription) (set at \(other.location))")
        }
        try set(parts.dropFirst(), value, in: &child, source: source, walked: walked + [key])
        m.set(key, .mapping(child), keyLocation: m.entry(key)?.keyLocation ?? source)
    }

    // MARK: Decoding

    private static func finish(root: ConfigNode, path: String, files: [String], options: ScenarioOptions) throws -> Scenario {
        guard case .mapping(var m) = root else { fatalError("compose returns a mapping") }
        // Check the smoke block's shape even when it is not applied, so typos surface in CI.
        if let s = m["smoke"] {
            let sm = try mapping(s, keyPath: "smoke")
            try checkKeys(sm, allowed: smokeKeys, keyPath: "smoke")
        }
        if options.smoke { try applySmoke(&m) } else { m.remove("smoke") }
        for arg in options.overrides { try applyOverride(arg, to: &m) }
        var decoder = TreeDecoder(root: m, path: path, smokeBlock: options.smoke ? nil : root.mappingValue?["smoke"])
        var scenario = try decoder.decode(files: files, smoke: options.smoke, overrides: options.overrides)
        if let seed = options.seed { scenario.seed = seed; scenario.seedOverride = seed }
        scenario.hasSmokeBlock = root.mappingValue?["smoke"] != nil
        try decoder.validatePoints(of: scenario)
        return scenario
    }

    static func mapping(_ node: ConfigNode, keyPath: String) throws -> ConfigMapping {
        guard case .mapping(let m) = node else {
            throw ScenarioError(
                .wrongType, at: node.location, key: keyPath,
                "expected a mapping, found \(node.kindDescription) `\(node.shortText)`")
        }
        return m
    }

    static func checkKeys(_ m: ConfigMapping, allowed: [String], keyPath: String, what: String = "key") throws {
        for e in m.entries where !allowed.contains(e.key) {
            let path = keyPath.isEmpty ? e.key : "\(keyPath).\(e.key)"
            throw ScenarioError(
                .unknownKey, at: e.keyLocation, key: path,
                "unknown \(what) `\(e.key)`; expected one of \(allowed.joined(separator: ", "))",
                hint: Suggest.didYouMean(e.key, allowed))
        }
    }

    /// Decodes the composed tree; remembers where each parameter was set to attribute
    /// cross-field errors later.
    struct TreeDecoder {
        let root: ConfigMapping
        let path: String
        /// The unapplied smoke block (checked for parameter names only).
        let smokeBlock: ConfigNode?
        var experimentLocation: SourceLocation?
        var paramsLocation: SourceLocation?
        var paramLocations: [String: SourceLocation] = [:]
        /// axis key → (key path prefix, per-value locations)
        var axisLocations: [String: (path: String, values: [SourceLocation])] = [:]

        init(root: ConfigMapping, path: String, smokeBlock: ConfigNode?) {
            self.root = root; self.path = path; self.smokeBlock = smokeBlock
        }

        mutating func decode(files: [String], smoke: Bool, overrides: [String]) throws -> Scenario {
            try checkKeys(root, allowed: topLevelKeys, keyPath: "")

            // experiment
            guard let expEntry = root.entry("experiment") else {
                throw ScenarioError(
                    .missingKey, at: SourceLocation(source: path, line: 1), key: "experiment",
                    "the required key `experiment` is missing (set it here or in a `base:` file)",
                    hint: "registered experiments: " + ExperimentRegistry.all.map(\.name).joined(separator: ", "))
            }
            let expName = try string(expEntry.value, keyPath: "experiment")
            experimentLocation = expEntry.value.location
            guard let experiment = ExperimentRegistry.experiment(named: expName) else {
                let names = ExperimentRegistry.all.map(\.name)
                throw ScenarioError(
                    .unknownExperiment, at: expEntry.value.location, key: "experiment",
                    "expected a registered experiment (\(names.isEmpty ? "none registered" : names.joined(separator: ", "))), found `\(expName)`",
                    hint: Suggest.didYouMean(expName, names))
            }
            let specs = Dictionary(uniqueKeysWithValues: experiment.parameters.map { ($0.name, $0) })
            let specNames = experiment.parameters.map(\.name)

            let name: String
            if let n = root["name"] {
                name = try string(n, keyPath: "name")
                guard isFileStem(name) else {
                    throw ScenarioError(
                        .wrongType, at: n.location, key: "name",
                        "expected a name usable as a directory (letters, digits, `_`, `-`, `.`), found `\(name)`")
                }
            } else {
                // The file name becomes a directory name and reaches sbatch scripts (`sim slurm`):
                // held to the same rule as `name:`.
                name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                guard isFileStem(name) else {
                    throw ScenarioError(
                        .wrongType, at: SourceLocation(source: path), key: "name",
                        "the scenario's name comes from its file name, which is not usable as a directory (letters, digits, `_`, `-`, `.`): `\(name)`",
                        hint: "rename the file or give the scenario a `name:`")
                }
            }
            let description = try root["description"].map { try string($0, keyPath: "description") }

            var seed: UInt64 = 1
            if let s = root["seed"] {
                guard case .scalar(let sc) = s, let x = sc.number, !isBool(sc), x.isFinite, x == x.rounded() else {
                    throw ScenarioError(
                        .wrongType, at: s.location, key: "seed",
                        "expected a non-negative integer, found \(s.kindDescription) `\(s.shortText)`")
                }
                guard x >= 0, x < 9.0e15 else {
                    throw ScenarioError(
                        .outOfRange, at: s.location, key: "seed",
                        "expected a non-negative integer below 9e15, found `\(sc.text)`")
                }
                if case .int(let i) = sc.value { seed = UInt64(i) } else { seed = UInt64(x) }
            }
            return try decodeRest(
                experiment: experiment, specs: specs, specNames: specNames, name: name,
                description: description, seed: seed, files: files, smoke: smoke, overrides: overrides)
        }

        private mutating func decodeRest(
            experiment: any Experiment, specs: [String: ParameterSpec], specNames: [String],
            name: String, description: String?, seed: UInt64,
            files: [String], smoke: Bool, overrides: [String]
        ) throws -> Scenario {
            // params
            var params = Parameters()
            if let pn = root["params"] {
                let pm = try mapping(pn, keyPath: "params")
                paramsLocation = pm.location
                for e in pm.entries {
                    guard let spec = specs[e.key] else { throw unknownParameter(e, prefix: "params", experiment: experiment, specNames: specNames) }
                    params[e.key] = try ParameterSchema.value(of: e.value, for: spec, keyPath: "params.\(e.key)")
                    paramLocations[e.key] = e.keyLocation
                }
            }

            // sweep
            var sweep = Sweep()
            if let sn = root["sweep"] {
                let sm = try mapping(sn, keyPath: "sweep")
                try checkKeys(sm, allowed: sweepKeys, keyPath: "sweep")
                if let g = sm["grid"] {
                    let gm = try mapping(g, keyPath: "sweep.grid")
                    for e in gm.entries {
                        sweep.grid.append(try axis(e, prefix: "sweep.grid", specs: specs, specNames: specNames, experiment: experiment))
                    }
                }
                if let z = sm["zip"] {
                    let zm = try mapping(z, keyPath: "sweep.zip")
                    for e in zm.entries {
                        if sweep.grid.contains(where: { $0.key == e.key }) {
                            throw ScenarioError(
                                .invalidSweep, at: e.keyLocation, key: "sweep.zip.\(e.key)",
                                "`\(e.key)` is both a grid axis (set at \(axisLocations[e.key]?.values.first.map(\.description) ?? "?")) and a zip axis; a key can be swept on one axis only"
                            )
                        }
                        sweep.zip.append(try axis(e, prefix: "sweep.zip", specs: specs, specNames: specNames, experiment: experiment))
                    }
                    if let first = sweep.zip.first {
                        for (e, a) in zip(zm.entries, sweep.zip) where a.values.count != first.values.count {
                            throw ScenarioError(
                                .invalidSweep, at: e.value.location, key: "sweep.zip.\(e.key)",
                                "zip lists must have equal length: `\(first.key)` has \(first.values.count) values, `\(a.key)` has \(a.values.count)")
                        }
                    }
                }
                if let s = sm["seeds"] {
                    guard case .scalar(let sc) = s, let x = sc.number, !isBool(sc), x == x.rounded(), x.isFinite else {
                        throw ScenarioError(
                            .wrongType, at: s.location, key: "sweep.seeds",
                            "expected an integer number of replicates ≥ 1, found \(s.kindDescription) `\(s.shortText)`")
                    }
                    guard x >= 1, x < 1e9 else {
                        throw ScenarioError(
                            .outOfRange, at: s.location, key: "sweep.seeds",
                            "expected an integer number of replicates ≥ 1, found `\(sc.text)`")
                    }
                    sweep.seeds = Int(x)
                }
                try checkSize(of: sweep, at: root.entry("sweep")?.keyLocation ?? sn.location)
            }

            // The unapplied smoke block: its parameter names must exist too.
            if let smokeNode = smokeBlock, case .mapping(let smk) = smokeNode {
                if let p = smk["params"] {
                    for e in try mapping(p, keyPath: "smoke.params").entries where specs[e.key] == nil {
                        throw unknownParameter(e, prefix: "smoke.params", experiment: experiment, specNames: specNames)
                    }
                }
                if let s = smk["sweep"] {
                    let sm = try mapping(s, keyPath: "smoke.sweep")
                    try checkKeys(sm, allowed: sweepKeys, keyPath: "smoke.sweep")
                    for axisKind in ["grid", "zip"] {
                        guard let a = sm[axisKind] else { continue }
                        for e in try mapping(a, keyPath: "smoke.sweep.\(axisKind)").entries where specs[e.key] == nil && !e.value.isNull {
                            throw unknownParameter(e, prefix: "smoke.sweep.\(axisKind)", experiment: experiment, specNames: specNames)
                        }
                    }
                }
            }

            // figures
            var figures: [FigureRequest] = []
            if let fn = root["figures"] {
                guard case .sequence(let items, _) = fn else {
                    throw ScenarioError(
                        .wrongType, at: fn.location, key: "figures",
                        "expected a list of figure entries ({id, recipe, …}), found \(fn.kindDescription)")
                }
                var seen: [String: SourceLocation] = [:]
                let recipes = experiment.figureRecipes.keys.sorted()
                for (i, item) in items.enumerated() {
                    let kp = "figures[\(i)]"
                    let fm = try mapping(item, keyPath: kp)
                    guard let idNode = fm["id"] else {
                        throw ScenarioError(.missingKey, at: fm.location, key: "\(kp).id", "the required key `id` is missing from this figure entry")
                    }
                    let id = try string(idNode, keyPath: "\(kp).id")
                    guard isFileStem(id) else {
                        throw ScenarioError(
                            .wrongType, at: idNode.location, key: "\(kp).id",
                            "expected a figure id usable as a file name (letters, digits, `_`, `-`, `.`), found `\(id)`")
                    }
                    if let prev = seen[id] {
                        throw ScenarioError(
                            .duplicateFigure, at: idNode.location, key: "\(kp).id",
                            "figure id `\(id)` is already used at \(prev)")
                    }
                    seen[id] = idNode.location
                    guard let recipeNode = fm["recipe"] else {
                        throw ScenarioError(.missingKey, at: fm.location, key: "\(kp).recipe", "the required key `recipe` is missing from figure `\(id)`")
                    }
                    let recipe = try string(recipeNode, keyPath: "\(kp).recipe")
                    guard experiment.figureRecipes[recipe] != nil else {
                        throw ScenarioError(
                            .unknownRecipe, at: recipeNode.location, key: "\(kp).recipe",
                            "expected a figure recipe of `\(experiment.name)` (\(recipes.isEmpty ? "it has none" : recipes.joined(separator: ", "))), found `\(recipe)`",
                            hint: Suggest.didYouMean(recipe, recipes))
                    }
                    let title = try fm["title"].map { try string($0, keyPath: "\(kp).title") }
                    var options: [String: ParamValue] = [:]
                    for e in fm.entries where !["id", "recipe", "title"].contains(e.key) {
                        options[e.key] = try e.value.genericParamValue(keyPath: "\(kp).\(e.key)")
                    }
                    figures.append(FigureRequest(id: id, recipe: recipe, title: title, options: options))
                }
            }

            var scenario = Scenario(
                name: name, path: path, experiment: experiment, description: description, seed: seed,
                params: params, sweep: sweep, figures: figures, smoke: smoke, overrides: overrides, files: files)
            if let cn = root["claims"] { scenario.claims = try ScenarioLoader.claims(cn, figures: figures) }
            return scenario
        }

        /// Refuse sweeps too large to plan (the product of the axis lengths and `seeds`, computed
        /// without overflow): a typo such as `seeds: 100000000` should be an error, not an hour of
        /// planning or an out-of-memory crash.
        private func checkSize(of sweep: Sweep, at location: SourceLocation) throws {
            var runs = 1
            var factors: [String] = []
            for a in sweep.grid { factors.append("\(a.values.count) (`\(a.key)`)") }
            if let z = sweep.zip.first { factors.append("\(z.values.count) (zip)") }
            factors.append("\(sweep.seeds) (seeds)")
            for n in sweep.grid.map(\.values.count) + [sweep.zip.first?.values.count ?? 1, sweep.seeds] {
                let (product, overflow) = runs.multipliedReportingOverflow(by: n)
                runs = overflow ? Int.max : product
            }
            guard runs <= ScenarioLoader.maxRuns else {
                throw ScenarioError(
                    .invalidSweep, at: location, key: "sweep",
                    "the sweep expands to \(runs == Int.max ? "more than \(Int.max)" : String(runs)) runs (\(factors.joined(separator: " × "))); at most \(ScenarioLoader.maxRuns) runs are allowed per scenario",
                    hint: "split it into several scenarios or shard it with `sim run --shard i/n`")
            }
        }

        private mutating func axis(
            _ e: ConfigMapping.Entry, prefix: String, specs: [String: ParameterSpec],
            specNames: [String], experiment: any Experiment
        ) throws -> SweepAxis {
            guard let spec = specs[e.key] else { throw unknownParameter(e, prefix: prefix, experiment: experiment, specNames: specNames) }
            let kp = "\(prefix).\(e.key)"
            guard case .sequence(let items, _) = e.value else {
                throw ScenarioError(
                    .wrongType, at: e.value.location, key: kp,
                    "expected a non-empty list of values for the axis `\(e.key)`, found \(e.value.kindDescription) `\(e.value.shortText)`",
                    hint: "write `\(e.key): [\(e.value.shortText)]` to sweep a single value")
            }
            guard !items.isEmpty else {
                throw ScenarioError(
                    .invalidSweep, at: e.value.location, key: kp,
                    "expected a non-empty list of values for the axis `\(e.key)`, found an empty list")
            }
            var values: [ParamValue] = []
            for (i, item) in items.enumerated() {
                values.append(try ParameterSchema.value(of: item, for: spec, keyPath: "\(kp)[\(i)]"))
            }
            axisLocations[e.key] = (kp, items.map(\.location))
            return SweepAxis(key: e.key, values: values)
        }

        private func unknownParameter(
            _ e: ConfigMapping.Entry, prefix: String, experiment: any Experiment,
            specNames: [String]
        ) -> ScenarioError {
            ScenarioError(
                .unknownKey, at: e.keyLocation, key: "\(prefix).\(e.key)",
                "`\(e.key)` is not a parameter of experiment `\(experiment.name)`",
                hint: Suggest.didYouMean(e.key, specNames) ?? "run `sim list` to see its parameters")
        }

        /// Run the experiment's cross-field check on every sweep point; attribute a failure to
        /// the axis value, the `params` entry, or the `params` block that set the key.
        func validatePoints(of scenario: Scenario) throws {
            for point in scenario.points() {
                do {
                    try scenario.experiment.validate(point.parameters)
                } catch let pe as ParameterError {
                    let at =
                        point.coordinates.isEmpty
                        ? ""
                        : " at the sweep point "
                            + scenario.sweep.axes
                            .map { "\($0)=\(point.coordinates[$0]!)" }.joined(separator: ", ")
                    let message = "invalid parameters\(at): \(pe.message)"
                    if let (kp, locs) = axisLocations[pe.key], let j = point.axisIndices[pe.key] {
                        throw ScenarioError(.invalidParameters, at: locs[j], key: "\(kp)[\(j)]", message)
                    }
                    if let loc = paramLocations[pe.key] {
                        throw ScenarioError(.invalidParameters, at: loc, key: "params.\(pe.key)", message)
                    }
                    let isParam = scenario.experiment.parameters.contains { $0.name == pe.key }
                    throw ScenarioError(
                        .invalidParameters, at: paramsLocation ?? experimentLocation, key: isParam ? "params.\(pe.key)" : pe.key,
                        message + (isParam ? " (`\(pe.key)` has its default value \(point.parameters[pe.key]!))" : ""))
                } catch {
                    throw ScenarioError(
                        .invalidParameters, at: experimentLocation, key: "experiment",
                        "experiment `\(scenario.experiment.name)` rejected the parameters: \(error)")
                }
            }
        }

        private func string(_ node: ConfigNode, keyPath: String) throws -> String {
            guard case .scalar(let s) = node, !s.value.isNull else {
                throw ScenarioError(
                    .wrongType, at: node.location, key: keyPath,
                    "expected a string, found \(node.kindDescription) `\(node.shortText)`")
            }
            return s.text
        }

        private func isBool(_ s: ConfigScalar) -> Bool { if case .bool = s.value { return true }; return false }
    }

    static func isFileStem(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".."
            && s.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" || $0 == "."
            }
    }
}

extension ConfigScalar.Value {
    var isNull: Bool { if case .null = self { return true }; return false }
}

extension ConfigNode {
    var mappingValue: ConfigMapping? { if case .mapping(let m) = self { return m }; return nil }

    /// The same tree with every location replaced (command-line values have no file position).
    func relocated(to loc: SourceLocation) -> ConfigNode {
        switch self {
        case .scalar(var s): s.location = loc; return .scalar(s)
        case .sequence(let items, _): return .sequence(items.map { $0.relocated(to: loc) }, loc)
        case .mapping(var m):
            m.location = loc
            m.entries = m.entries.map {
                var e = $0; e.keyLocation = loc; e.value = e.value.relocated(to: loc); return e
            }
            return .mapping(m)
        }
    }
}
