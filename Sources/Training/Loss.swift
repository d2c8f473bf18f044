import Foundation

/// Binary-classification losses on the margin y·F, with their derivative in F.
public enum Loss: String, Sendable, CaseIterable {
    /// ℓ = max(0, 1 − yF); ∂ℓ/∂F = −y when yF < 1 (strictly; 0 at the kink), else 0. The papers' loss.
    case hinge
    /// ℓ = log(1 + e^{−yF}); ∂ℓ/∂F = −y σ(−yF).
    case logistic

    @inlinable public func value(_ f: Double, label y: Double) -> Double {
        let margin = y * f
        switch self {
        case .hinge: return max(0, 1 - margin)
        case .logistic: return margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin))
        }
    }

    @inlinable public func derivative(_ f: Double, label y: Double) -> Double {
        let margin = y * f
        switch self {
        case .hinge: return margin < 1 ? -y : 0
        case .logistic: return -y / (1 + exp(margin))
        }
    }
}
