import Foundation
import Plots

/// A figure recipe failed or its output could not be written; names the figure.
public struct FigureBuildError: Error, CustomStringConvertible, Sendable {
    public var figureID: String
    public var recipe: String
    public var scenario: String
    public var underlying: String
    public var description: String {
        "figure `\(figureID)` (recipe `\(recipe)` of scenario \(scenario)): \(underlying)"
    }
}

/// Builds a scenario's `figures:` from aggregated results and writes them to
/// `<out>/figures/<paper>/` (`.tsv` + `.gp`, rendered to PNG and SVG, PDF on request).
public enum FigureBuilder {

    /// Render every figure of `plan.scenario`. Figures are independent: one recipe failing does not
    /// stop the others; all failures are collected and thrown together at the end.
    @discardableResult
    public static func build(
        _ plan: Plan, results: AggregateResults, out: URL,
        formats: FigureFormats = .standard, render: Bool = true, latex: LaTeXOptions? = nil
    ) throws -> [FigureFiles] {
        let directory = RunLayout(out: out, plan: plan).figuresDirectory(paper: plan.experiment.paper)
        var files: [FigureFiles] = []
        var errors: [FigureBuildError] = []
        for request in plan.scenario.figures {
            do {
                files.append(
                    try build(
                        request, experiment: plan.experiment, results: results, scenario: plan.scenario.path,
                        to: directory, formats: formats, render: render, latex: latex))
            } catch let e as FigureBuildError {
                errors.append(e)
            }
        }
        if errors.count == 1 { throw errors[0] }
        if errors.count > 1 { throw FigureBuildErrors(errors: errors) }
        return files
    }

    /// Run one recipe and write its figure. The recipe's figure takes the request's id (file stem)
    /// and, when given, its title.
    public static func build(
        _ request: FigureRequest, experiment: any Experiment, results: AggregateResults,
        scenario: String, to directory: URL, formats: FigureFormats = .standard,
        render: Bool = true, latex: LaTeXOptions? = nil
    ) throws -> FigureFiles {
        func fail(_ message: String) -> FigureBuildError {
            FigureBuildError(figureID: request.id, recipe: request.recipe, scenario: scenario, underlying: message)
        }
        guard let recipe = experiment.figureRecipes[request.recipe] else {
            throw fail("`\(experiment.name)` has no such recipe")
        }
        guard !results.groups.isEmpty else { throw fail("no finished runs to plot") }
        var figure: Figure
        do { figure = try recipe(request, results) } catch {
            // Say so when divergence is the likely cause (all-diverged points have only NaN data).
            let dead = results.groups.filter { $0.replicates > 0 && $0.diverged == $0.replicates }.count
            let why = dead == 0 ? "" : " (\(dead) of \(results.groups.count) points have only diverged runs, shown as missing; see `sim status`)"
            throw fail("the recipe failed: \(error)\(why)")
        }
        figure.id = request.id
        if let t = request.title { figure.title = t }
        do {
            return try FigureWriter.write(figure, to: directory, formats: formats, render: render, latex: latex)
        } catch {
            throw fail("\(error)")
        }
    }
}

/// Several figures failed.
public struct FigureBuildErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [FigureBuildError]
    public var description: String {
        "\(errors.count) figures failed: " + errors.map(\.description).joined(separator: "; ")
    }
}
