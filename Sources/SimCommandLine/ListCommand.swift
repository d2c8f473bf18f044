import ArgumentParser
import Foundation
import Sim

/// `sim list`: what can be run.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List papers, experiments (parameters, defaults, docs, figure recipes) and scenario files.")

    @Option(name: .long, help: "Directory holding scenarios/<paper>/*.yaml.")
    var scenarios: String = "scenarios"

    @Flag(name: .long, help: "Experiments only, without their parameter tables.")
    var brief = false

    func run() throws {
        let experiments = ExperimentRegistry.all
        let papers = Array(Set(experiments.map(\.paper))).sorted()
        print("Papers: \(papers.isEmpty ? "(none registered)" : papers.joined(separator: ", "))")
        for paper in papers {
            print("\n[\(paper)]")
            for e in experiments where e.paper == paper {
                print("  \(e.name) — \(e.summary)")
                if brief { continue }
                let width = e.parameters.map(\.name.count).max() ?? 0
                for p in e.parameters {
                    let name = p.name.padding(toLength: width, withPad: " ", startingAt: 0)
                    print("    \(name)  \(kind(p.kind)) = \(p.defaultValue)  — \(p.doc)")
                }
                let recipes = e.figureRecipes.keys.sorted()
                print("    figure recipes: \(recipes.isEmpty ? "(none)" : recipes.joined(separator: ", "))")
            }
        }
        let benches = BenchmarkRegistry.papers
        print("\nBenchmarks (sim bench <paper>): \(benches.isEmpty ? "(none registered)" : benches.joined(separator: ", "))")
        let files = CLI.allScenarioFiles(under: scenarios)
        print("\nScenarios under \(scenarios)/: \(files.isEmpty ? "(none)" : "")")
        for f in files {
            print("  \(f)\(f.split(separator: "/").contains("presets") ? "  (preset)" : "")")
        }
    }

    private func kind(_ k: ParamKind) -> String {
        switch k {
        case .int(let lo, let hi): return "int" + range(lo.map(String.init), hi.map(String.init), exclusive: false)
        case .double(let lo, let hi, let ex): return "double" + range(lo.map(ParamValue.format), hi.map(ParamValue.format), exclusive: ex)
        case .choice(let o): return "{" + o.joined(separator: "|") + "}"
        case .bool: return "bool"
        case .doubleList: return "[double]"
        case .string: return "string"
        }
    }
    private func range(_ lo: String?, _ hi: String?, exclusive: Bool) -> String {
        switch (lo, hi) {
        case let (l?, h?): return (exclusive ? "(" : "[") + "\(l), \(h)]"
        case let (l?, nil): return exclusive ? " >\(l)" : " ≥\(l)"
        case let (nil, h?): return " ≤\(h)"
        default: return ""
        }
    }
}
