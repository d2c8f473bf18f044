import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// One relaxation of the expert-pruning theorems' assumptions (docs/relaxations.md). The paper's
/// learner is not a transformer, so its relaxations are its own: Theorems 1 and 2 are proved for
/// fixed expert output layers a_r = ±1/m, plain SGD, expert-choice routing (each expert takes its l
/// best tokens) and a linear router r_{s,j} = ⟨w_s, x^(j)⟩, at the widths of the construction.
enum MoERelaxation: String, CaseIterable, Sendable {
    /// The paper's own setting: `moe.finetune`'s learner and training, unchanged.
    case theorem
    /// Every expert's output layer a_{s,·} is trained too (with η_e), from the theory's ±1/m.
    case trainableOutput = "trainable_output"
    /// AdamW at `adam_learning_rate` (0.001, Adam's usual default) for every parameter, instead of
    /// SGD with η_e = η_r = 0.5.
    case adam
    /// 4× the token dimension d and the expert width m (see `MoERelaxationExperiment.moeParameters`).
    case width4 = "width_4"
    /// Token-choice top-2 routing (V-MoE's, the paper's real-model experiments): each token goes to
    /// its K = 2 highest-scoring experts with gates π = softmax over all k experts, a pruned expert's
    /// tokens get 0 ("drop", the official code). In the theorem's expert choice a token is served
    /// by however many experts pick it (k·l/n = 1 on average in Config A); here by exactly 2.
    case top2 = "top_2"
    /// A ReLU-MLP router r_{s,j} = ⟨w_s, ReLU(U x^(j))⟩ of hidden width k_r = 2d, U trained with η_r.
    case routerHidden = "router_hidden"
}

/// `moe.relax`: the expert-pruning paper's central claims outside its theorems' assumptions
/// (docs/relaxations.md). A run is a `moe.finetune` run of Config A (the constructed pre-trained
/// state, hinge fine-tuning for T steps, Δ_s = ‖w_s^(T)‖ − ‖w_s^(0)‖, then Δ-order pruning without
/// post-pruning fine-tuning at every ρ = j/k) with one assumption left (`relaxation`). `theorem`
/// runs exactly `moe.finetune`'s code; the others change only the learner's options or the
/// parameters named in `MoERelaxation`. Metrics are `moe.finetune`'s (`delta_imp_min`,
/// `delta_irr_absmax`, `separation_ratio`, `test_accuracy`, `acc_unpruned`, `acc_delta_at_gamma`, …)
/// plus `separation_index`, the router proficiencies after fine-tuning (`proficiency_imp_min_final`,
/// `proficiency_irr_max_final`) and, with a hidden router, `router_trunk_change`.
public struct MoERelaxationExperiment: Experiment {
    public init() {}
    public let name = "moe.relax"
    public let paper = "moe"
    public let paperTitle = MoEExperiment().paperTitle
    public let summary =
        "Router-change separation and pruning up to γ under a trained output layer, AdamW, 4× width, top-2 token choice and a hidden-layer router"

    /// `moe.finetune` parameters a relaxation scenario may set (the data, the construction, the network
    /// and the training; defaults are Config A).
    static let shared = [
        "d", "n", "F", "sigma_tok", "n_test", "k", "ipf", "alpha", "eps_bg", "alpha_u_min", "alpha_u_max", "router_noise", "expert_scale", "m", "l",
        "loss", "batch_size", "eta_e", "eta_r", "T", "divergence_loss",
    ]

    public var parameters: [ParameterSpec] {
        MoEExperiment().parameters.filter { Self.shared.contains($0.name) } + [
            .init(
                "relaxation", .choice(MoERelaxation.allCases.map(\.rawValue)), default: .string(MoERelaxation.theorem.rawValue),
                "which assumption is left: theorem (none), trainable_output (a_{s,r} trained), adam (AdamW), width_4 (4× d and m), top_2 (token-choice top-2 routing), router_hidden (ReLU router of width 2d)"
            ),
            .init(
                "adam_learning_rate", .double(min: 0, exclusiveMin: true), default: .double(0.001),
                "AdamW step size for the `adam` relaxation (β₁ = 0.9, β₂ = 0.999, ε = 1e-8; 0.001 is Adam's usual default, not tuned to the paper)"),
            .init("adam_weight_decay", .double(min: 0), default: .double(0), "AdamW's decoupled weight decay λ for the `adam` relaxation"),
            .init(
                "width_rate_scaling", .choice(["mean_field", "none"]), default: .string("mean_field"),
                "width_4: η_e × 4 (mean_field: with a_r = ±1/m each neuron's gradient is 1/m, so η_e ∝ m keeps each neuron's step and the experts' speed in function space) or η_e unchanged (none)"
            ),
        ]
    }

    /// The `moe.finetune` parameters of a relaxation run: Config A with this scenario's values, the Δ
    /// order only, no post-pruning fine-tuning, no logging along t. `width_4` multiplies d and m by 4:
    /// the construction's scales are already per d and m — hidden weights N(0, 1/d) (so a random
    /// neuron's response to a pattern stays O(1/√d), the smallness Theorem 1's irrelevant experts
    /// rest on), router noise 0.1/√d, token noise σ_tok/√d per coordinate (‖noise‖ = σ_tok), and
    /// router scores whose ratios do not depend on d (α on the own feature against ε_bg on a background
    /// token; an irrelevant router's α_u·u_i ≈ α_u/√M per background token against noise ≈ σ_tok·α_u/√d)
    /// — and a_r = ±1/m makes h_s an average over neurons, so only η_e needs the factor 4
    /// (`width_rate_scaling`). `top_2` sets token-choice routing with K = 2 and "drop" semantics.
    static func moeParameters(_ p: Parameters) -> Parameters {
        var q = MoEExperiment().defaults
        for name in shared { q[name] = p[name] }
        q["pretrained"] = .string("constructed")
        q["log_every"] = .int(0)
        q["pruning"] = .string("no_finetune")
        q["criteria"] = .string("delta")
        switch MoERelaxation(rawValue: p.string("relaxation"))! {
        case .width4:
            q["d"] = .int(4 * p.int("d"))
            q["m"] = .int(4 * p.int("m"))
            if p.string("width_rate_scaling") == "mean_field" { q["eta_e"] = .double(4 * p.double("eta_e")) }
        case .top2:
            q["routing"] = .string("token_choice")
            q["K"] = .int(2)
            q["pruned_semantics"] = .string("drop")
        case .theorem, .trainableOutput, .adam, .routerHidden:
            break
        }
        return q
    }

    public func validate(_ p: Parameters) throws {
        if p.string("relaxation") == MoERelaxation.top2.rawValue && p.int("k") < 2 {
            throw ParameterError(key: "k", "top_2 routes every token to 2 experts: k = \(p.int("k")) is too few")
        }
        try MoEExperiment().validate(Self.moeParameters(p))
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        let relax = MoERelaxation(rawValue: p.string("relaxation"))!
        let q = Self.moeParameters(p)
        let run = try MoERun(q, context: context)
        // Data, constructed checkpoint and test set are drawn in `MoERun`'s init exactly as for
        // `theorem`; a learner relaxation then swaps in a model with the same weights and its option on
        // (`execute` reads `model` and `evalModel` only from here on).
        var config = MoEExperiment.modelConfig(q)
        var trunk0: Matrix? = nil
        switch relax {
        case .theorem, .width4, .top2:
            break
        case .trainableOutput:
            config.trainableOutput = true
            run.model = SparseMoE(config: config, state: run.state)
        case .adam:
            config.update = .adamW(learningRate: p.double("adam_learning_rate"), weightDecay: p.double("adam_weight_decay"))
            run.model = SparseMoE(config: config, state: run.state)
        case .routerHidden:
            // The ReLU router that computes the pre-trained linear router exactly (U = [Q; −Q], heads
            // [W Qᵀ, −W Qᵀ], Q a random rotation from its own stream): the theorem's assumptions on the
            // pre-trained routing (which experts are proficient in o1/o2) hold as they are, and only
            // the router's architecture and training differ.
            var rotRNG = RNG(seed: context.seed, stream: "router_rotation")
            var g = Matrix(rows: config.d, cols: config.d)
            for i in 0..<g.count { g.storage[i] = rotRNG.gaussian() }
            let (heads, trunk) = SparseMoE.reluRouter(equalTo: run.state.routers, rotation: try orthonormalColumns(g))
            config.routerHidden = trunk.rows
            run.state.routers = heads
            run.model = SparseMoE(config: config, state: run.state, routerTrunk: trunk)
            trunk0 = trunk
        }
        run.evalModel = run.model.copy(capacity: 125)
        var result = try run.execute()
        if let lo = result.metrics["delta_imp_min"], let hi = result.metrics["delta_irr_absmax"] {
            // The separation claim's per-seed statistic: (min Δ_imp − max |Δ_irr|)/(|min Δ_imp| + max |Δ_irr|)
            // ∈ [−1, 1], > 0 exactly when every important expert's Δ exceeds every irrelevant |Δ|. It is
            // tanh(½ ln r) of moe.R-separation's ratio r, and stays defined when a relaxation makes an
            // important Δ negative (where r has no logarithm).
            result.metrics["separation_index"] = (lo - hi) / (abs(lo) + hi)
        }
        if result.status == .ok {
            // Router proficiency after fine-tuning (§2.1: the expert selects a task feature with gate ≥ 1/l;
            // under token choice, is routed one at all): whether an irrelevant expert came to route o1/o2,
            // or an important one stopped.
            let prof = run.proficiency(run.model), important = run.state.important
            result.metrics["proficiency_imp_min_final"] = zip(prof, important).filter(\.1).map(\.0).min() ?? .nan
            result.metrics["proficiency_irr_max_final"] = zip(prof, important).filter { !$0.1 }.map(\.0).max() ?? .nan
        }
        if let u0 = trunk0 {
            // How far the shared hidden layer moved: ‖U^(T) − U^(0)‖_F / ‖U^(0)‖_F.
            result.metrics["router_trunk_change"] = (run.model.routerTrunk - u0).frobeniusNorm / u0.frobeniusNorm
        }
        return result
    }

    public var figureRecipes: [String: FigureRecipe] { ["relaxations": SharedRecipes.relaxations] }
}
