import ProvableNumerics
import DataModels
import CBLAS

/// Classical per-prompt learners on the same prompts as the transformer (spec `icl.md` F-BASE):
/// each sees only the prompt's l context pairs (x_i, y_i) and predicts the query's label.
public enum ICLBaseline: String, CaseIterable, Sendable {
    /// Nearest context in Euclidean distance on x (ties toward +1).
    case nearest1 = "1nn"
    /// Majority of the 3 nearest contexts.
    case nearest3 = "3nn"
    /// Majority label of the contexts that share the query's relevant pattern (an oracle that knows
    /// the patterns; ties and no such context → +1).
    case samePatternMajority = "same_pattern_majority"
    /// L2-regularized logistic regression (λ = 1e-3) on [x; 1], Newton's method (LAPACKE dposv).
    case logistic

    /// Prediction in {±1} for prompt b of `prompts` (tokens [x; y·q], the query last), with `dX` input coords.
    public func predict(_ prompts: TokenBatch, prompt b: Int, dX: Int, workspace: inout LogisticWorkspace) -> Double {
        let L = prompts.length, l = L - 1, d = prompts.dimension
        let base = b * L
        func x(_ i: Int, _ j: Int) -> Double { prompts.x[(base + i) * d + j] }
        func y(_ i: Int) -> Double { prompts.x[(base + i) * d + dX] }
        switch self {
        case .nearest1, .nearest3:
            let k = self == .nearest1 ? 1 : 3
            var dist: [(Double, Int)] = (0..<l).map { i in
                var s = 0.0
                for j in 0..<dX { let t = x(i, j) - x(l, j); s += t * t }
                return (s, i)
            }
            dist.sort { $0 < $1 }
            let vote = dist.prefix(k).reduce(0.0) { $0 + y($1.1) }
            return vote >= 0 ? 1 : -1
        case .samePatternMajority:
            let qp = prompts.pattern[base + l]
            var vote = 0.0
            for i in 0..<l where prompts.pattern[base + i] == qp { vote += y(i) }
            return vote >= 0 ? 1 : -1
        case .logistic:
            return workspace.fitAndPredict(prompts, prompt: b, dX: dX)
        }
    }
}

/// Scratch for per-prompt logistic regression (no allocation per prompt).
public struct LogisticWorkspace {
    let p: Int
    var w: [Double], grad: [Double], hess: [Double], z: [Double]
    public let lambda: Double
    public let iterations: Int

    public init(dX: Int, lambda: Double = 1e-3, iterations: Int = 25) {
        p = dX + 1
        w = [Double](repeating: 0, count: p); grad = w; z = w
        hess = [Double](repeating: 0, count: p * p)
        self.lambda = lambda; self.iterations = iterations
    }

    /// Minimize (1/l) Σ log(1 + e^{−y_i wᵀ[x_i;1]}) + (λ/2)‖w‖² by Newton steps, predict sign(wᵀ[x_q;1]).
    mutating func fitAndPredict(_ prompts: TokenBatch, prompt b: Int, dX: Int) -> Double {
        let L = prompts.length, l = L - 1, d = prompts.dimension, base = b * L
        for j in 0..<p { w[j] = 0 }
        func feat(_ i: Int, _ j: Int) -> Double { j < dX ? prompts.x[(base + i) * d + j] : 1 }
        for _ in 0..<iterations {
            for j in 0..<p { grad[j] = lambda * w[j] }
            for j in 0..<(p * p) { hess[j] = 0 }
            for j in 0..<p { hess[j * p + j] = lambda }
            for i in 0..<l {
                let y = prompts.x[(base + i) * d + dX]
                var m = 0.0
                for j in 0..<p { m += w[j] * feat(i, j) }
                let s = 1 / (1 + Foundation_exp(y * m))  // σ(−y m)
                let c = -y * s / Double(l), h = s * (1 - s) / Double(l)
                for j in 0..<p {
                    let fj = feat(i, j)
                    grad[j] += c * fj
                    for k in 0...j { hess[j * p + k] += h * fj * feat(i, k) }
                }
            }
            for j in 0..<p { for k in 0..<j { hess[k * p + j] = hess[j * p + k] } }
            var gnorm = 0.0
            for j in 0..<p { z[j] = grad[j]; gnorm += grad[j] * grad[j] }
            if gnorm < 1e-20 { break }
            let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(p), 1, &hess, Int32(p), &z, 1)
            if info != 0 { break }
            for j in 0..<p { w[j] -= z[j] }
        }
        var m = 0.0
        for j in 0..<p { m += w[j] * feat(l, j) }
        return m >= 0 ? 1 : -1
    }
}

import Foundation
@inline(__always) func Foundation_exp(_ x: Double) -> Double { Foundation.exp(x) }
