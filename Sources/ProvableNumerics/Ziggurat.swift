import Foundation

/// Fast standard-normal draws by Marsaglia & Tsang's ziggurat (J. Stat. Software 5(8), 2000;
/// 128 layers, 32-bit resolution): one 64-bit draw, a table lookup and a multiply ≈ 99% of the time.
///
/// For bulk noise (the MoE data model draws n·d Gaussians per sample, where the polar method's
/// logarithm dominated a training step). A separate method from `gaussian()`, so existing streams
/// are unchanged; resolution is 2⁻³¹ of the layer width, ample for token noise.
public enum ZigguratTables {
    public static let tables: (k: [UInt32], w: [Double], f: [Double]) = {
        var k = [UInt32](repeating: 0, count: 128), w = [Double](repeating: 0, count: 128), f = [Double](repeating: 0, count: 128)
        let m1 = 2147483648.0
        var dn = 3.442619855899, tn = dn
        let vn = 9.91256303526217e-3
        let q = vn / exp(-0.5 * dn * dn)
        k[0] = UInt32((dn / q) * m1); k[1] = 0
        w[0] = q / m1; w[127] = dn / m1
        f[0] = 1; f[127] = exp(-0.5 * dn * dn)
        for i in stride(from: 126, through: 1, by: -1) {
            dn = (-2 * log(vn / dn + exp(-0.5 * dn * dn))).squareRoot()
            k[i + 1] = UInt32((dn / tn) * m1)
            tn = dn
            f[i] = exp(-0.5 * dn * dn)
            w[i] = dn / m1
        }
        return (k, w, f)
    }()
}

extension RNG {
    /// One N(0, 1) draw by the ziggurat method (see `ZigguratTables`).
    @inlinable public mutating func gaussianZiggurat() -> Double { gaussianZiggurat(ZigguratTables.tablesRef) }

    /// The same draw with the tables passed in, so a bulk loop reads the lazily initialised global
    /// once instead of once per draw (its `swift_once` check was 6% of an MoE step).
    @inlinable public mutating func gaussianZiggurat(_ t: ZigguratTables.Ref) -> Double {
        while true {
            let bits = next()
            let hz = Int32(truncatingIfNeeded: bits >> 32)
            let iz = Int(bits & 127)
            if UInt32(hz.magnitude) < t.k[iz] { return Double(hz) * t.w[iz] }
            // Tail or wedge.
            let x = Double(hz) * t.w[iz]
            if iz == 0 {
                let r = 3.442620
                var xx = 0.0, yy = 0.0
                repeat {
                    xx = -_log(uniformPositive()) * 0.2904764  // 1/r
                    yy = -_log(uniformPositive())
                } while yy + yy < xx * xx
                return hz > 0 ? r + xx : -r - xx
            }
            if t.f[iz] + uniform() * (t.f[iz - 1] - t.f[iz]) < _exp(-0.5 * x * x) { return x }
        }
    }

    /// out[i] = sd · N(0, 1) for i < count: the same draws as repeated `gaussianZiggurat()`. The
    /// rectangle test (≈ 99% of draws) is inlined here; the rare tail/wedge case goes out of line,
    /// so the loop stays small (the out-of-line call per draw was half of an MoE training step).
    @inlinable public mutating func fillGaussianZiggurat(_ out: UnsafeMutablePointer<Double>, count: Int, sd: Double = 1) {
        let t = ZigguratTables.tablesRef
        for i in 0..<count {
            let bits = next()
            let hz = Int32(truncatingIfNeeded: bits >> 32)
            let iz = Int(bits & 127)
            if UInt32(hz.magnitude) < t.k[iz] {
                out[i] = sd * (Double(hz) * t.w[iz])
            } else {
                out[i] = sd * zigguratOutsideRectangle(hz, iz, t)
            }
        }
    }

    /// `gaussianZiggurat` after a first draw (hz, iz) failed the rectangle test: its tail or wedge
    /// test, then, if rejected, fresh draws exactly as `gaussianZiggurat` would make them.
    @inline(never) @usableFromInline
    mutating func zigguratOutsideRectangle(_ hz: Int32, _ iz: Int, _ t: ZigguratTables.Ref) -> Double {
        let x = Double(hz) * t.w[iz]
        if iz == 0 {
            let r = 3.442620
            var xx = 0.0, yy = 0.0
            repeat {
                xx = -_log(uniformPositive()) * 0.2904764  // 1/r
                yy = -_log(uniformPositive())
            } while yy + yy < xx * xx
            return hz > 0 ? r + xx : -r - xx
        }
        if t.f[iz] + uniform() * (t.f[iz - 1] - t.f[iz]) < _exp(-0.5 * x * x) { return x }
        return gaussianZiggurat(t)
    }
}

extension ZigguratTables {
    public struct Ref: @unchecked Sendable {
        public let k: UnsafeMutablePointer<UInt32>
        public let w: UnsafeMutablePointer<Double>
        public let f: UnsafeMutablePointer<Double>
    }
    /// Stable pointers to the tables (allocated once, never freed), so the hot path does no array checks.
    public static let tablesRef: Ref = {
        let (k, w, f) = tables
        let pk = UnsafeMutablePointer<UInt32>.allocate(capacity: 128), pw = UnsafeMutablePointer<Double>.allocate(capacity: 128)
        let pf = UnsafeMutablePointer<Double>.allocate(capacity: 128)
        pk.initialize(from: k, count: 128); pw.initialize(from: w, count: 128); pf.initialize(from: f, count: 128)
        return Ref(k: pk, w: pw, f: pf)
    }()
}

@usableFromInline func _exp(_ x: Double) -> Double { Foundation.exp(x) }
