import ProvableNumerics
import DataModels

/// An attention layer with paired forward/backward, as the classifiers below use it:
/// `forward` leaves its per-sample (or per-token) outputs in `h`, `backward` takes ∂loss/∂h of the
/// active samples and sets dW_Q, dW_K, dW_V.
public protocol AttentionLayer: AnyObject {
    /// The working precision of activations and products.
    associatedtype Scalar: BLASScalar
    /// Token dimension d.
    var d: Int { get }
    var wQ: Matrix { get set }
    var wK: Matrix { get set }
    var wV: Matrix { get set }
    var dWQ: Matrix { get }
    var dWK: Matrix { get }
    var dWV: Matrix { get }
    var h: ScalarBuffer<Scalar> { get }
    /// Tokens per sequence.
    var length: Int { get }
    func forward(_ x: UnsafePointer<Scalar>, count: Int)
    func backward(_ x: UnsafePointer<Scalar>, active: UnsafeBufferPointer<Int>, dH: UnsafePointer<Scalar>)
    /// Floating-point operations the products of `forward` / `backward` execute (2 per multiply-add).
    func forwardFlops(count: Int) -> Double
    func backwardFlops(active: Int) -> Double
}

extension SoftmaxAttention: AttentionLayer {}
extension QueryAttention: AttentionLayer {}

/// The four trained matrices of an attention → ReLU-readout model (W_Q, W_K, W_V, W_O).
public struct TransformerWeights: Sendable, Equatable {
    public var wQ: Matrix, wK: Matrix, wV: Matrix, wO: Matrix
    public init(wQ: Matrix, wK: Matrix, wV: Matrix, wO: Matrix) { self.wQ = wQ; self.wK = wK; self.wV = wV; self.wO = wO }
    public subscript(name: TransformerWeightName) -> Matrix {
        get {
            switch name {
            case .Q: wQ;
            case .K: wK;
            case .V: wV;
            case .O: wO
            }
        }
        set {
            switch name {
            case .Q: wQ = newValue;
            case .K: wK = newValue;
            case .V: wV = newValue;
            case .O: wO = newValue
            }
        }
    }
}
public enum TransformerWeightName: String, CaseIterable, Sendable { case Q, K, V, O }

/// Backward scratch of a classifier: per-sample loss coefficients, ∂/∂h, the active-sample list, and
/// (below Double) the batch's tokens converted to the working precision.
public final class ClassifierScratch<Scalar: BLASScalar> {
    let coef: ScalarBuffer<Scalar>
    let dH: ScalarBuffer<Scalar>
    /// Tokens of one forward call in `Scalar` (unused when `Scalar` is Double: the data is read in place).
    let x: ScalarBuffer<Scalar>
    var active: [Int]
    /// Samples in the last `lossAndGradient` batch.
    var batchCount = 0
    public init(samples: Int, dHCount: Int, inputCount: Int) {
        coef = .init(samples); dH = .init(dHCount)
        x = .init(Scalar.self == Double.self ? 0 : inputCount)
        active = []; active.reserveCapacity(samples)
    }
}

/// Attention followed by a ReLU perceptron with a fixed output layer: the learner shared by the
/// low-rank (token-averaged readout) and ICL (query-only readout) papers. The SGD step is written
/// once here.
public protocol AttentionReadoutClassifier: AnyObject {
    associatedtype Attention: AttentionLayer
    var attention: Attention { get }
    var readout: ReLUReadout<Attention.Scalar> { get }
    /// F of the last forward, one per sample.
    var outputs: ScalarBuffer<Attention.Scalar> { get }
    var scratch: ClassifierScratch<Attention.Scalar> { get }
    /// Samples per forward call.
    var batchCapacity: Int { get }
}

extension AttentionReadoutClassifier {
    public typealias Scalar = Attention.Scalar

    /// `body` gets the tokens of `count` samples starting at `x` (Double data) in the working precision:
    /// `x` itself for Double, else a conversion into the scratch buffer.
    @inline(__always)
    func withWorkingInputs<R>(_ x: UnsafePointer<Double>, count: Int, _ body: (UnsafePointer<Scalar>) -> R) -> R {
        if Scalar.self == Double.self {
            return x.withMemoryRebound(to: Scalar.self, capacity: 1) { body($0) }
        }
        let n = count * attention.length * attention.d
        precondition(n <= scratch.x.count, "batch larger than the model's capacity")
        Scalar.convert(x, to: scratch.x.p, count: n)
        return body(scratch.x.p)
    }

    /// F for `count` samples whose tokens start at `x`, into `outputs`.
    public func forward(_ x: UnsafePointer<Double>, count: Int) {
        withWorkingInputs(x, count: count) { forwardWorking($0, count: count) }
    }

    func forwardWorking(_ x: UnsafePointer<Scalar>, count: Int) {
        attention.forward(x, count: count)
        readout.forward(attention.h.p, count: count, into: outputs.p)
    }

    /// F of sample b of the last forward, in Double.
    public func output(_ b: Int) -> Double { outputs.p[b].double }

    public func forward(_ batch: TokenBatch) {
        batch.x.withUnsafeBufferPointer { forward($0.baseAddress!, count: batch.count) }
    }

    /// Forward + backward on a batch: mean loss, and dW_Q, dW_K, dW_V, dW_O of the mean loss.
    /// Samples with zero loss derivative (hinge margin ≥ 1) are skipped in the backward pass: their
    /// contribution is exactly zero, and after convergence that is most of the batch.
    @discardableResult
    public func lossAndGradient(_ batch: TokenBatch, loss: Loss) -> Double {
        let s = scratch
        return batch.x.withUnsafeBufferPointer { xb in
            let B = batch.count
            return withWorkingInputs(xb.baseAddress!, count: B) { x in
                s.batchCount = B
                forwardWorking(x, count: B)
                var total = 0.0
                s.active.removeAll(keepingCapacity: true)
                for b in 0..<B {
                    let f = outputs.p[b].double, y = batch.labels[b]
                    total += loss.value(f, label: y)
                    let c = loss.derivative(f, label: y) / Double(B)
                    if c != 0 { s.coef.p[s.active.count] = Scalar(c); s.active.append(b) }
                }
                s.active.withUnsafeBufferPointer { act in
                    readout.backward(attention.h.p, active: act, coef: s.coef.p, dH: s.dH.p)
                    attention.backward(x, active: act, dH: s.dH.p)
                }
                return total / Double(B)
            }
        }
    }

    /// Forward a sample set larger than the batch in chunks of the batch capacity; `body(start, n)`
    /// reads each chunk's activations (samples start ..< start+n of `set` are slots 0 ..< n).
    public func forEachChunk(of set: TokenBatch, _ body: (_ start: Int, _ n: Int) -> Void) {
        precondition(set.length == attention.length, "sequence length \(set.length) ≠ the model's \(attention.length)")
        set.forEachChunk(capacity: batchCapacity) { tokens, start, n in
            forward(tokens, count: n)
            body(start, n)
        }
    }

    /// Number of samples with a non-zero loss derivative in the last `lossAndGradient`.
    public var activeSampleCount: Int { scratch.active.count }

    /// Floating-point operations the last `trainStep` executed in products (2 per multiply-add): the
    /// forward on every sample, the backward on the samples with a non-zero loss derivative, and the
    /// update (2 per trained weight) when any was. Softmax, ReLU and loss arithmetic are not counted.
    public var lastStepFlops: Double {
        let B = scratch.batchCount, nA = scratch.active.count
        var f = attention.forwardFlops(count: B) + readout.forwardFlops(count: B)
        if nA > 0 {
            f += readout.backwardFlops(active: nA) + attention.backwardFlops(active: nA)
            f += 2 * Double(attention.wQ.count + attention.wK.count + attention.wV.count + readout.wO.count)
        }
        return f
    }

    /// Plain SGD: W ← W − η dW for W_Q, W_K, W_V, W_O (no momentum, decay or clipping).
    public func sgdStep(learningRate eta: Double) {
        guard !scratch.active.isEmpty else { return }  // every gradient is exactly zero
        attention.wQ.add(attention.dWQ, scaledBy: -eta)
        attention.wK.add(attention.dWK, scaledBy: -eta)
        attention.wV.add(attention.dWV, scaledBy: -eta)
        readout.wO.add(readout.dWO, scaledBy: -eta)
    }

    /// One SGD iteration; returns the batch's mean loss before the step.
    @discardableResult
    public func trainStep(_ batch: TokenBatch, learningRate eta: Double, loss: Loss) -> Double {
        let l = lossAndGradient(batch, loss: loss)
        sgdStep(learningRate: eta)
        return l
    }

    /// A copy of the trained weights (for ΔW = W^(T) − W^(0), truncation, restore, evaluation models).
    public var weights: TransformerWeights {
        get { TransformerWeights(wQ: attention.wQ, wK: attention.wK, wV: attention.wV, wO: readout.wO) }
        set { attention.wQ = newValue.wQ; attention.wK = newValue.wK; attention.wV = newValue.wV; readout.wO = newValue.wO }
    }

    public var gradients: TransformerWeights {
        TransformerWeights(wQ: attention.dWQ, wK: attention.dWK, wV: attention.dWV, wO: readout.dWO)
    }
}
