import Foundation
import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// The general transformer (docs/relaxations.md): gradients against central differences on
/// every architecture switch, the one-layer, one-head reduction to each paper's learner (loss,
/// outputs and gradients to 1e-10), and an independent PyTorch float64 reference (fixtures
/// `transformer_mean`, `transformer_query`: loss, gradients, 3 steps of SGD, SGD with weight decay
/// and AdamW).
@Suite("General transformer")
struct GeneralTransformerTests {
    /// max_i |a_i − b_i| / max_i |b_i| (the fixture tests' measure).
    static func relative(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "\(a.count) ≠ \(b.count)")
        let scale = b.reduce(0) { max($0, abs($1)) }
        let diff = zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
        return scale > 0 ? diff / scale : diff
    }

    static func randomBatch(_ B: Int, _ L: Int, _ d: Int, seed: UInt64) -> TokenBatch {
        var rng = RNG(seed: seed, stream: .data)
        var batch = TokenBatch(capacity: B, length: L, dimension: d)
        for i in 0..<batch.x.count { batch.x[i] = rng.gaussian() }
        for b in 0..<B { batch.labels[b] = b % 2 == 0 ? 1 : -1 }
        return batch
    }

    static func meanLoss(_ model: GeneralTransformer, _ batch: TokenBatch, _ loss: Loss) -> Double {
        batch.x.withUnsafeBufferPointer { model.forward($0.baseAddress!, count: batch.count) }
        return (0..<batch.count).reduce(0) { $0 + loss.value(model.outputs.p[$1], label: batch.labels[$1]) } / Double(batch.count)
    }

    // MARK: central differences

    struct Architecture: CustomTestStringConvertible, Sendable {
        var name: String
        var configure: @Sendable (inout GeneralTransformer.Config) -> Void
        var testDescription: String { name }
    }

    static let architectures: [Architecture] = [
        .init(name: "1 layer, 1 head (the papers')") { _ in },
        .init(name: "2 layers, 2 heads, residual, LayerNorm, trainable a") { c in
            c.layers = 2; c.heads = 2; c.residual = true; c.layerNorm = true; c.trainableOutput = true
        },
        .init(name: "3 layers, 2 heads, residual, last-token readout, query not a key, score bias") { c in
            c.layers = 3; c.heads = 2; c.residual = true; c.readout = .last; c.queryIsKey = false
        },
        .init(name: "2 layers, no residual, LayerNorm, last-token readout") { c in
            c.layers = 2; c.layerNorm = true; c.readout = .last
        },
    ]

    /// Cache blocks of one sample, of two samples (the batch's last block has one), and the whole batch.
    static let blockRowChoices = [4, 8, 128]

    @Test("every parameter and the score bias match central differences", arguments: architectures, blockRowChoices)
    func gradientCheck(architecture: Architecture, blockRows: Int) {
        var c = GeneralTransformer.Config()
        c.d = 5; c.length = 4; c.mb = 3; c.m = 7; c.batchCapacity = 3; c.blockRows = blockRows
        c.qkScale = 0.5; c.qkNoise = 0.5; c.vScale = 0.8; c.vNoise = 0.5; c.outputInitSD = 0.6; c.randomOutputSigns = true
        architecture.configure(&c)
        let model = GeneralTransformer(config: c, seed: 7)
        let batch = Self.randomBatch(3, c.length, c.d, seed: 3)
        let bias = Buffer(3 * c.length)
        var rng = RNG(seed: 11, stream: .masks)
        for i in 0..<bias.count { bias.p[i] = 0.5 * rng.gaussian() }
        if c.readout == .last { bias.p[1] = -.infinity }  // a padded key of sample 0
        model.scoreBias = bias
        for loss in [Loss.logistic, .hinge] {
            model.lossAndGradient(batch, loss: loss)
            let g = model.gradients.array, biasGrad = model.scoreBiasGrad.array
            let theta0 = model.parameterValues, h = 1e-6
            var numeric = [Double](repeating: 0, count: model.trainedCount)
            for i in 0..<model.trainedCount {
                var tp = theta0, tm = theta0
                tp[i] += h; tm[i] -= h
                model.parameterValues = tp; let lp = Self.meanLoss(model, batch, loss)
                model.parameterValues = tm; let lm = Self.meanLoss(model, batch, loss)
                numeric[i] = (lp - lm) / (2 * h)
            }
            model.parameterValues = theta0
            let e = Self.relative(Array(g[0..<model.trainedCount]), numeric)
            #expect(e < 1e-6, "\(architecture.name), \(loss): parameter gradient relative error \(e)")
            #expect(numeric.contains { $0 != 0 }, "\(architecture.name), \(loss): the loss does not move")
            if !c.trainableOutput { #expect(g[model.outputWeightsOffset...].allSatisfy { $0 == 0 }, "a is fixed: no gradient") }
            var biasNumeric = [Double](repeating: 0, count: bias.count)
            for i in 0..<bias.count where bias.p[i].isFinite {
                let b0 = bias.p[i]
                bias.p[i] = b0 + h; let lp = Self.meanLoss(model, batch, loss)
                bias.p[i] = b0 - h; let lm = Self.meanLoss(model, batch, loss)
                bias.p[i] = b0
                biasNumeric[i] = (lp - lm) / (2 * h)
            }
            let eb = Self.relative(biasGrad, biasNumeric)
            #expect(eb < 1e-6, "\(architecture.name), \(loss): score-bias gradient relative error \(eb)")
        }
    }

    @Test("cache blocks change nothing beyond rounding: loss, outputs, gradients and score-bias gradients", arguments: architectures)
    func blockInvariance(architecture: Architecture) {
        var c = GeneralTransformer.Config()
        c.d = 6; c.length = 5; c.mb = 4; c.m = 9; c.batchCapacity = 7
        c.qkScale = 0.5; c.qkNoise = 0.5; c.vScale = 0.8; c.vNoise = 0.5; c.outputInitSD = 0.6; c.randomOutputSigns = true
        architecture.configure(&c)
        let batch = Self.randomBatch(7, c.length, c.d, seed: 5)
        func run(blockRows: Int) -> (loss: Double, outputs: [Double], gradients: [Double], bias: [Double]) {
            var cb = c
            cb.blockRows = blockRows
            let model = GeneralTransformer(config: cb, seed: 3)
            let bias = Buffer(7 * c.length)
            var rng = RNG(seed: 13, stream: .masks)
            for i in 0..<bias.count { bias.p[i] = 0.5 * rng.gaussian() }
            model.scoreBias = bias
            let l = model.lossAndGradient(batch, loss: .logistic)
            return (l, Array(model.outputs.array.prefix(7)), model.gradients.array, model.scoreBiasGrad.array)
        }
        let whole = run(blockRows: 1000)
        for rows in [1, 10, 15, 20] {  // 1, 2, 3 and 4 samples per block (the last block partial)
            let blocked = run(blockRows: rows)
            #expect(abs(blocked.loss - whole.loss) <= 1e-13 * abs(whole.loss), "\(architecture.name), \(rows) rows: loss")
            #expect(Self.relative(blocked.outputs, whole.outputs) < 1e-12, "\(architecture.name), \(rows) rows: outputs")
            #expect(Self.relative(blocked.gradients, whole.gradients) < 1e-12, "\(architecture.name), \(rows) rows: gradients")
            #expect(Self.relative(blocked.bias, whole.bias) < 1e-12, "\(architecture.name), \(rows) rows: score-bias gradients")
        }
    }

    // MARK: one layer, one head = the papers' learners

    /// The general model with the papers' restrictions, its weights copied from a paper learner.
    static func reduction(
        d: Int, length: Int, mb: Int, m: Int, capacity: Int, readout: GeneralTransformer.Config.Readout, queryIsKey: Bool,
        weights: TransformerWeights, a: [Double]
    ) -> GeneralTransformer {
        var c = GeneralTransformer.Config()
        c.d = d; c.length = length; c.mb = mb; c.m = m; c.batchCapacity = capacity; c.readout = readout; c.queryIsKey = queryIsKey
        let g = GeneralTransformer(config: c, seed: 1)
        g.setWeight(.Q, layer: 0, head: 0, to: weights.wQ)
        g.setWeight(.K, layer: 0, head: 0, to: weights.wK)
        g.setWeight(.V, layer: 0, head: 0, to: weights.wV)
        g.outputMatrix = weights.wO
        g.outputWeights = a
        return g
    }

    /// Loss, outputs and the four weight gradients of `general` against a paper learner's.
    static func expectSame(
        _ general: GeneralTransformer, paperLoss: Double, paperOutputs: [Double], paperGradients: TransformerWeights,
        generalLoss: Double, what: String
    ) {
        let e = abs(generalLoss - paperLoss) / abs(paperLoss)
        #expect(e < 1e-10, "\(what): loss \(generalLoss) vs \(paperLoss)")
        let eo = relative(Array(general.outputs.array.prefix(paperOutputs.count)), paperOutputs)
        #expect(eo < 1e-10, "\(what): outputs relative difference \(eo)")
        let pairs: [(String, Matrix, Matrix)] = [
            ("dW_Q", general.weight(.Q, layer: 0, head: 0, of: general.gradients), paperGradients.wQ),
            ("dW_K", general.weight(.K, layer: 0, head: 0, of: general.gradients), paperGradients.wK),
            ("dW_V", general.weight(.V, layer: 0, head: 0, of: general.gradients), paperGradients.wV),
            ("dW_O", general.outputMatrixGradient, paperGradients.wO),
        ]
        for (name, a, b) in pairs {
            #expect(b.maxAbs > 0, "\(what) \(name): the reference gradient is zero")
            let r = relative(a.storage, b.storage)
            #expect(r < 1e-10, "\(what) \(name): relative difference \(r)")
        }
    }

    @Test("1 layer, 1 head, token-averaged readout = the low-rank paper's OneLayerTransformer", arguments: [Loss.hinge, .logistic])
    func reducesToLowRank(loss: Loss) {
        var cfg = OneLayerTransformerConfig()
        cfg.d = 6; cfg.L = 5; cfg.m = 8; cfg.ma = 6; cfg.mb = 4; cfg.batchCapacity = 4
        cfg.initScale = 0.7; cfg.initNoise = 0.4; cfg.outputInitSD = 0.6; cfg.randomOutputSigns = true
        let paper = OneLayerTransformer<Double>(config: cfg, seed: 2)
        let batch = Self.randomBatch(4, 5, 6, seed: 5)
        let general = Self.reduction(
            d: 6, length: 5, mb: 4, m: 8, capacity: 4, readout: .mean, queryIsKey: true, weights: paper.weights, a: paper.readout.a)
        let lp = paper.lossAndGradient(batch, loss: loss)
        let lg = general.lossAndGradient(batch, loss: loss)
        #expect(paper.activeSampleCount > 0)
        Self.expectSame(
            general, paperLoss: lp, paperOutputs: paper.outputs.array.prefix(4).map { $0 }, paperGradients: paper.gradients,
            generalLoss: lg, what: "low-rank \(loss)")
    }

    @Test("1 layer, 1 head, query readout, query not a key = the ICL paper's ICLTransformer", arguments: [Loss.hinge, .logistic])
    func reducesToICL(loss: Loss) {
        var cfg = ICLTransformerConfig()
        cfg.d = 6; cfg.contexts = 5; cfg.m = 8; cfg.ma = 6; cfg.mb = 3; cfg.batchCapacity = 4
        cfg.initScale = 0.8; cfg.outputInitSD = 0.6
        let paper = ICLTransformer<Double>(config: cfg, seed: 4)
        var rng = RNG(seed: 9, stream: .`init`)
        for i in 0..<paper.attention.wQ.count { paper.attention.wQ.storage[i] += 0.4 * rng.gaussian() }
        for i in 0..<paper.attention.wK.count { paper.attention.wK.storage[i] += 0.4 * rng.gaussian() }
        let batch = Self.randomBatch(4, 6, 6, seed: 6)
        let general = Self.reduction(
            d: 6, length: 6, mb: 3, m: 8, capacity: 4, readout: .last, queryIsKey: false, weights: paper.weights, a: paper.readout.a)
        let lp = paper.lossAndGradient(batch, loss: loss)
        let lg = general.lossAndGradient(batch, loss: loss)
        Self.expectSame(
            general, paperLoss: lp, paperOutputs: paper.outputs.array.prefix(4).map { $0 }, paperGradients: paper.gradients,
            generalLoss: lg, what: "ICL \(loss)")
    }

    @Test("1 layer, 1 head, PE score bias with padding = the graph paper's GraphTransformer (GT+PE)", arguments: [Loss.hinge, .logistic])
    func reducesToGraph(loss: Loss) throws {
        let (paper, data, nodes) = try GraphGradientCheckTests.instance(variant: .gtPE)
        paper.gather(nodes, from: data)
        let B = paper.batch.count, L = paper.config.maxNeighborhood + 1, d = paper.config.d
        let general = Self.reduction(
            d: d, length: L, mb: d, m: paper.config.m, capacity: paper.config.batchCapacity, readout: .last, queryIsKey: false,
            weights: paper.weights, a: paper.readout.a)
        let bias = Buffer(paper.config.batchCapacity * L)
        bias.p.update(from: paper.attention.scoreBias!.p, count: bias.count)
        general.scoreBias = bias
        #expect((0..<(B * L)).contains { !bias.p[$0].isFinite }, "the instance has padded keys")
        let lp = paper.step(learningRate: 0, loss: loss)
        let lg = general.lossAndGradient(paper.batch, loss: loss)
        Self.expectSame(
            general, paperLoss: lp, paperOutputs: paper.outputs.array.prefix(B).map { $0 }, paperGradients: paper.gradients,
            generalLoss: lg, what: "graph \(loss)")
        // The PE gradient db_z sums the score gradient over keys: the per-key gradients must agree.
        var worst = 0.0, scale = 0.0
        for (j, b) in paper.scratch.active.enumerated() {
            for s in 0..<(L - 1) {
                let ref = paper.attention.scoreGrad.p[j * L + s]
                scale = max(scale, abs(ref))
                worst = max(worst, abs(general.scoreBiasGrad.p[b * L + s] - ref))
            }
        }
        #expect(scale > 0 && worst / scale < 1e-10, "graph \(loss): score gradient relative difference \(worst / scale)")
    }

    // MARK: PyTorch float64 reference

    @Test("loss, gradients and 3 steps of SGD, SGD + weight decay and AdamW match PyTorch to 1e-10", arguments: ["transformer_mean", "transformer_query"])
    func matchesPyTorch(variant: String) throws {
        let fx = try TransformerFixture.load(variant)
        for (lossName, ref) in fx.cases.sorted(by: { $0.key < $1.key }) {
            let loss = try #require(Loss(rawValue: lossName))
            #expect(ref.minGap >= 1e-4, "\(variant)/\(lossName): the fixture sits within \(ref.minGap) of a kink")
            for e in try Self.compare(fx, loss: loss, ref: ref) {
                #expect(e.1 <= 1e-10, "\(variant)/\(lossName) \(e.0): relative difference \(e.1)")
            }
        }
    }

    @Test("a 1e-6 change of one initial weight is detected", arguments: ["transformer_mean", "transformer_query"])
    func fixtureDetectsPerturbation(variant: String) throws {
        let fx = try TransformerFixture.load(variant)
        let ref = try #require(fx.cases["logistic"])
        let worst = try Self.compare(fx, loss: .logistic, ref: ref, perturb: 1e-6).map(\.1).max() ?? 0
        #expect(worst > 1e-8, "\(variant): perturbing Wqkv_0[0] by 1e-6 went unnoticed (\(worst))")
    }

    static func model(_ fx: TransformerFixture, perturb: Double = 0) throws -> GeneralTransformer {
        let c = fx.config
        var cfg = GeneralTransformer.Config()
        cfg.d = c.d; cfg.length = c.L; cfg.layers = c.layers; cfg.heads = c.heads; cfg.mb = c.mb; cfg.m = c.m
        cfg.residual = c.residual; cfg.layerNorm = c.layerNorm; cfg.queryIsKey = c.queryIsKey; cfg.trainableOutput = c.trainableOutput
        cfg.readout = try #require(GeneralTransformer.Config.Readout(rawValue: c.readout))
        cfg.batchCapacity = fx.batch.labels.count
        let g = GeneralTransformer(config: cfg, seed: 0)
        var theta = [Double]()
        for i in 0..<c.layers { theta += try #require(fx.initial["Wqkv_\(i)"]).data }
        theta += try #require(fx.initial["W_O"]).data
        theta += try #require(fx.initial["a"] ?? fx.fixed["a"]).data
        #expect(theta.count == g.parameters.count)
        theta[0] += perturb
        g.parameterValues = theta
        if let bias = fx.fixed["bias"] {
            let buf = Buffer(bias.data.count)
            buf.p.update(from: bias.data, count: bias.data.count)
            g.scoreBias = buf
        }
        return g
    }

    /// The trained tensors of `g`, flat in the fixture's order.
    static func trained(_ g: GeneralTransformer) -> [Double] { Array(g.parameterValues.prefix(g.trainedCount)) }

    static func flatten(_ fx: TransformerFixture, _ tensors: [String: FixtureTensor]) throws -> [Double] {
        var out = [Double]()
        for i in 0..<fx.config.layers { out += try #require(tensors["Wqkv_\(i)"]).data }
        out += try #require(tensors["W_O"]).data
        if fx.config.trainableOutput { out += try #require(tensors["a"]).data }
        return out
    }

    static func compare(
        _ fx: TransformerFixture, loss: Loss, ref: TransformerFixture.Case, perturb: Double = 0
    ) throws -> [(String, Double)] {
        var batch = TokenBatch(capacity: fx.batch.labels.count, length: fx.config.L, dimension: fx.config.d)
        batch.x = try #require(fx.batch.x).data
        batch.labels = fx.batch.labels
        var out: [(String, Double)] = []
        let g = try model(fx, perturb: perturb)
        let l0 = g.lossAndGradient(batch, loss: loss)
        out.append(("loss", abs(l0 - ref.loss) / abs(ref.loss)))
        out.append(("outputs", relative(g.outputs.array, ref.outputs)))
        out.append(("gradient", relative(Array(g.gradients.array.prefix(g.trainedCount)), try flatten(fx, ref.grad))))
        if let b = ref.grad["bias"] { out.append(("bias gradient", relative(g.scoreBiasGrad.array, b.data))) }
        let runs: [(String, FlatOptimizer.Rule, Double, TransformerFixture.Run)] = [
            ("SGD", .plainSGD, fx.hyper["learning_rate"]!, .init(lr: fx.hyper["learning_rate"]!, losses: ref.losses, after3Steps: ref.after3Steps)),
            ("SGD + weight decay", .sgd(weightDecay: ref.sgdWD.weightDecay ?? 0), ref.sgdWD.lr, ref.sgdWD),
            (
                "AdamW", .adam(beta1: ref.adam.beta1 ?? 0, beta2: ref.adam.beta2 ?? 0, epsilon: ref.adam.eps ?? 0, weightDecay: ref.adam.weightDecay ?? 0),
                ref.adam.lr, ref.adam
            ),
        ]
        for (name, rule, lr, run) in runs {
            let m = try model(fx, perturb: perturb)
            let opt = m.makeOptimizer(rule)
            var losses = [Double]()
            for _ in 0..<3 { losses.append(m.trainStep(batch, optimizer: opt, learningRate: lr, loss: loss)) }
            out.append(("\(name) losses", relative(losses, run.losses)))
            out.append(("\(name) weights after 3 steps", relative(trained(m), try flatten(fx, run.after3Steps))))
        }
        return out
    }
}

/// `Fixtures/transformer_*.json` (benchmarks/reference/make_fixtures.py): "-inf" entries are strings.
struct TransformerFixture: Decodable {
    struct Config: Decodable {
        var d: Int, L: Int, layers: Int, heads: Int, mb: Int, m: Int
        var residual: Bool, layerNorm: Bool, readout: String, queryIsKey: Bool, trainableOutput: Bool
        enum CodingKeys: String, CodingKey {
            case d, L, layers, heads, mb, m, residual, readout
            case layerNorm = "layer_norm", queryIsKey = "query_is_key", trainableOutput = "trainable_output"
        }
    }
    struct Run: Decodable {
        var lr: Double
        var beta1: Double? = nil, beta2: Double? = nil, eps: Double? = nil, weightDecay: Double? = nil
        var losses: [Double]
        var after3Steps: [String: FixtureTensor]
        enum CodingKeys: String, CodingKey {
            case lr, beta1, beta2, eps, losses
            case weightDecay = "weight_decay", after3Steps = "after_3_steps"
        }
    }
    struct Case: Decodable {
        var loss: Double
        var outputs: [Double]
        var grad: [String: FixtureTensor]
        var losses: [Double]
        var after3Steps: [String: FixtureTensor]
        var minGap: Double
        var adam: Run
        var sgdWD: Run
        enum CodingKeys: String, CodingKey {
            case loss, outputs, grad, losses, adam
            case after3Steps = "after_3_steps", minGap = "min_gap", sgdWD = "sgd_wd"
        }
    }
    struct Batch: Decodable {
        var labels: [Double]
        var x: FixtureTensor?
    }
    var variant: String
    var config: Config
    var hyper: [String: Double]
    var initial: [String: FixtureTensor]
    var fixed: [String: FixtureTensor]
    var batch: Batch
    var cases: [String: Case]
    enum CodingKeys: String, CodingKey {
        case variant, config, hyper, fixed, batch, cases
        case initial = "init"
    }

    static func load(_ variant: String) throws -> TransformerFixture {
        guard let url = Bundle.module.url(forResource: variant, withExtension: "json", subdirectory: "Fixtures") else {
            throw FixtureError("Fixtures/\(variant).json is not in the test bundle (regenerate: bash scripts/make-fixtures.sh \(variant))")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let fx = try decoder.decode(TransformerFixture.self, from: Data(contentsOf: url))
        guard fx.variant == variant else { throw FixtureError("\(url.lastPathComponent) says it is \(fx.variant)") }
        return fx
    }
}
