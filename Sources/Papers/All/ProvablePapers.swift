import Sim
import LowRankPaper
import ICLPaper
import GraphPaper
import MoEPaper

/// The papers Provable ships, in report order: the one place that lists them. The `sim` executable
/// registers these at start-up; a package that builds its own `sim` passes
/// `ProvablePapers.experiments + [its own experiments]` to `SimMain.main(papers:)`.
public enum ProvablePapers {
    public static let experiments: [any Experiment] = [
        LowRankExperiment(), ICLExperiment(), GraphExperiment(), MoEExperiment(), LowRankRelaxationExperiment(), ICLRelaxationExperiment(),
        GraphRelaxationExperiment(), MoERelaxationExperiment(),
    ]

    /// Register every shipped paper's experiments (idempotent).
    public static func register() { ExperimentRegistry.register(experiments) }
}
