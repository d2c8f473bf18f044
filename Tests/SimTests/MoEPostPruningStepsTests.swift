import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// The accuracy along the post-pruning fine-tuning steps t′ (claim T6, Fig. S8) is a measurement
/// only: `post_eval_every` adds the curves `acc_delta_ft_steps_j<j>` and changes no other number,
/// so existing scenarios (which leave it at 0) keep their results.
@Suite("MoE: accuracy along the post-pruning steps (claim T6, Fig. S8)")
struct MoEPostPruningStepsTests {
    static let experiment = MoEExperiment()
    /// Config A (k = 8), short: ρ = 6/8 and 7/8, Δ order, T′ = 120 (not a multiple of the cadence).
    static let base: [String: ParamValue] = [
        "T": .int(200), "T_post": .int(120), "n_test": .int(300), "log_every": .int(0),
        "pruning": .string("finetune"), "criteria": .string("delta"), "prune_ratios": .list([.double(0.75), .double(0.875)]),
    ]

    @Test("post_eval_every adds the t′ curves and nothing else; each starts at the no-fine-tune accuracy and ends at acc_delta_ft")
    func curvesAreMeasurementOnly() {
        let plain = runExperiment(Self.experiment, Self.base, seed: 5)
        var overrides = Self.base
        overrides["post_eval_every"] = .int(50)
        let traced = runExperiment(Self.experiment, overrides, seed: 5)
        let isCurve = { (name: String) in name.hasPrefix("acc_delta_ft_steps_j") }
        #expect(traced.metrics == plain.metrics)
        #expect(traced.series.filter { !isCurve($0.key) } == plain.series)
        #expect(Set(traced.series.keys.filter(isCurve)) == ["acc_delta_ft_steps_j6", "acc_delta_ft_steps_j7"])
        let noFT = plain.series["acc_delta"]!, ft = plain.series["acc_delta_ft"]!
        for (i, j) in [6, 7].enumerated() {
            let curve = traced.series["acc_delta_ft_steps_j\(j)"]!
            #expect(curve.x == [0, 50, 100, 120])
            #expect(curve.y.first == noFT.y[i], "ρ = \(j)/8 at t′ = 0")
            #expect(curve.y.last == ft.y[i], "ρ = \(j)/8 at t′ = T′")
        }
    }

    @Test("post_eval_every without post-pruning fine-tuning is an error naming the key")
    func needsFinetune() {
        var p = Self.experiment.defaults
        p["pruning"] = .string("no_finetune")
        p["post_eval_every"] = .int(50)
        #expect(throws: ParameterError.self) { try Self.experiment.validate(p) }
    }
}
