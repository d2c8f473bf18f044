import Foundation

/// Measured matrix-multiply peak of the linked BLAS on one thread, in Double (dgemm) and Float
/// (sgemm): the yardsticks for "achieved GFLOP/s" lines (`sim bench peak`, `benchmarks/compare`).
///
/// Square C ← A·B (2n³ flops) at each size, repeated for at least `seconds` per trial; the
/// peak is the best trial over every size. The caller decides the thread count (`sim bench`
/// pins OpenBLAS to one thread first; `measure` does it too).
public enum BLASPeak {
    public struct Sample: Sendable {
        public var n: Int
        public var gflops: Double
    }

    /// Best GFLOP/s per size, over `trials` timed trials of at least `seconds` each (after a warm-up call).
    public static func measure<T: BLASScalar>(
        _: T.Type = Double.self, sizes: [Int] = [64, 128, 256, 512], trials: Int = 3,
        seconds: Double = 0.25
    ) -> [Sample] {
        BLASInfo.useSingleThread()
        return sizes.map { n in
            var a = [T](repeating: 0, count: n * n), b = a, c = a
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in 0..<(n * n) {  // deterministic values in [−1, 1): no denormals, no zeros
                state = state &* 6364136223846793005 &+ 1442695040888963407
                a[i] = T(Double(state >> 11) / Double(1 << 53) * 2 - 1)
                b[(i * 7) % (n * n)] = a[i] * 0.5
            }
            var best = 0.0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        func call() {
                            T.gemm(
                                .none, .none, m: n, n: n, k: n, alpha: 1, pa.baseAddress!, lda: n,
                                pb.baseAddress!, ldb: n, beta: 0, pc.baseAddress!, ldc: n)
                        }
                        call()  // warm-up: page in buffers, pick kernels
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

    /// Report lines of `sim bench peak`: sgemm first, and last `dgemm peak (1 core): X.X GFLOP/s`.
    public static func report() -> [String] {
        let single = measure(Float.self), double = measure(Double.self)
        var lines = ["square C = A·B, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName)), best of 3 trials ≥ 0.25 s each"]
        for (s, d) in zip(single, double) {
            lines.append(String(format: "  n=%4d: sgemm %.1f GFLOP/s, dgemm %.1f GFLOP/s", s.n, s.gflops, d.gflops))
        }
        lines.append(String(format: "sgemm peak (1 core): %.1f GFLOP/s", single.map(\.gflops).max() ?? 0))
        lines.append(String(format: "dgemm peak (1 core): %.1f GFLOP/s", double.map(\.gflops).max() ?? 0))
        return lines
    }
}
