import Foundation
import CBLAS

/// Measured double-precision matrix-multiply peak of the linked BLAS on one thread: the yardstick
/// for "achieved GFLOP/s" lines (`sim bench peak`, `benchmarks/compare`).
///
/// Square C ← A·B (dgemm, 2n³ flops) at each size, repeated for at least `seconds` per trial; the
/// peak is the best trial over every size. The caller decides the thread count (`sim bench`
/// pins OpenBLAS to one thread first; `measure` does it too).
public enum BLASPeak {
    public struct Sample: Sendable {
        public var n: Int
        public var gflops: Double
    }

    /// Best GFLOP/s per size, over `trials` timed trials of at least `seconds` each (after a warm-up call).
    public static func measure(sizes: [Int] = [64, 128, 256, 512], trials: Int = 3, seconds: Double = 0.25) -> [Sample] {
        BLASInfo.useSingleThread()
        return sizes.map { n in
            var a = [Double](repeating: 0, count: n * n), b = a, c = a
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in 0..<(n * n) {                     // deterministic values in [−1, 1): no denormals, no zeros
                state = state &* 6364136223846793005 &+ 1442695040888963407
                a[i] = Double(state >> 11) / Double(1 << 53) * 2 - 1
                b[(i * 7) % (n * n)] = a[i] * 0.5
            }
            var best = 0.0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        let n32 = Int32(n)
                        func call() {
                            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n32, n32, n32, 1,
                                        pa.baseAddress!, n32, pb.baseAddress!, n32, 0, pc.baseAddress!, n32)
                        }
                        call()                          // warm-up: page in buffers, pick kernels
                        for _ in 0..<trials {
                            var reps = 0
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            var elapsed = 0.0
                            repeat {
                                call(); reps += 1
                                elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                            } while elapsed < seconds
                            best = max(best, 2 * Double(n) * Double(n) * Double(n) * Double(reps) / elapsed / 1e9)
                        }
                    }
                }
            }
            return Sample(n: n, gflops: best)
        }
    }

    /// Report lines of `sim bench peak`; the last is `dgemm peak (1 core): X.X GFLOP/s`.
    public static func report() -> [String] {
        let samples = measure()
        var lines = ["square dgemm C = A·B, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName)), best of 3 trials ≥ 0.25 s each"]
        for s in samples { lines.append(String(format: "  n=%4d: %.1f GFLOP/s", s.n, s.gflops)) }
        lines.append(String(format: "dgemm peak (1 core): %.1f GFLOP/s", samples.map(\.gflops).max() ?? 0))
        return lines
    }
}
