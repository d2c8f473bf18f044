import ProvableNumerics

/// Neuron pruning of W_O rows by a mask on the fixed output layer (spec §3.3): one-shot, after
/// training, no retraining. Neuron i's magnitude is n_i = ‖W_O[i,:]‖₂.
public enum PruningScheme: String, CaseIterable, Sendable {
    /// Remove the ⌊R·m⌉ smallest-norm neurons (the papers' magnitude-based pruning).
    case magnitude
    /// Remove a uniformly random subset of the same size (averaged over many masks).
    case random
    /// Remove the largest-norm neurons first (the sister theorem's adversarial case, error ≥ Ω(R)).
    case largestFirst = "largest_first"
}

public enum Pruning {
    /// Number of neurons removed at rate R: ⌊R·m⌉ (rounded to nearest).
    public static func prunedCount(rate: Double, neurons m: Int) -> Int {
        min(m, max(0, Int((rate * Double(m)).rounded())))
    }

    /// A 0/1 keep-mask of length m. Ties in the norm order break by index (deterministic).
    public static func mask(norms: [Double], rate: Double, scheme: PruningScheme, rng: inout RNG) -> [Double] {
        let m = norms.count
        let k = prunedCount(rate: rate, neurons: m)
        var keep = [Double](repeating: 1, count: m)
        guard k > 0 else { return keep }
        let removed: [Int]
        switch scheme {
        case .magnitude:
            removed = Array(Array(0..<m).sorted { (norms[$0], $0) < (norms[$1], $1) }.prefix(k))
        case .largestFirst:
            removed = Array(Array(0..<m).sorted { (norms[$0], -$0) > (norms[$1], -$1) }.prefix(k))
        case .random:
            removed = rng.sample(k, from: m)
        }
        for i in removed { keep[i] = 0 }
        return keep
    }
}

extension Pruning {
    /// Test loss and 0-1 error of a keep-mask without another forward pass: F_b = Σ_i C[b,i]·a_i·mask_i·scale,
    /// where C[b,i] is neuron i's summed ReLU output on sample b (masks only change the fixed output
    /// layer, so C is computed once per trained model).
    public static func evaluate(
        contributions C: Matrix, outputWeights a: [Double], mask: [Double], scale: Double,
        labels: [Double], loss: Loss
    ) -> (loss: Double, error: Double) {
        var w = Matrix(rows: a.count, cols: 1)
        for i in 0..<a.count { w.storage[i] = a[i] * mask[i] * scale }
        let f = C * w
        var l = 0.0, wrong = 0
        for b in 0..<C.rows {
            let y = labels[b]
            l += loss.value(f.storage[b], label: y)
            if y * f.storage[b] <= 0 { wrong += 1 }
        }
        return (l / Double(C.rows), Double(wrong) / Double(C.rows))
    }
}

/// Rank-r truncation of updates (spec §5.7, LoRA motivation): W = W^(0) + best rank-r approx of ΔW.
public enum Truncation {
    public static func truncate(initial w0: Matrix, trained w: Matrix, rank r: Int) throws -> Matrix {
        let svd = try SVD(w - w0)
        return w0 + svd.truncated(rank: r)
    }
}
