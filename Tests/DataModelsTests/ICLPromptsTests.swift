import Testing
import ProvableNumerics
@testable import DataModels

/// Statistics of the ICL prompt model (spec `icl.md` §2).
@Suite("ICL prompts")
struct ICLPromptsTests {
    let model = ICLPrompts(config: .init())

    @Test("task families: ring covers every pattern once per role; unseen = the other 24")
    func families() {
        var rng = RNG(seed: 1)
        let ring = model.tasks(.ring, rng: &rng)
        #expect(ring.count == 6)
        #expect(Set(ring.map(\.a)) == Set(0..<6) && Set(ring.map(\.b)) == Set(0..<6))
        #expect(model.unseenTasks(ring).count == 24)
        #expect(model.tasks(.star, rng: &rng).allSatisfy { $0.a == 0 })
        let rings = model.tasks(.rings(2), rng: &rng)
        #expect(rings.count == 12 && Set(rings).count == 12)
        #expect(model.tasks(.random(9), rng: &rng).count == 9)
    }

    @Test("prompt composition: α/2 contexts per task pattern, labels ±q, query label slot 0, balanced z")
    func composition() {
        var rng = RNG(seed: 2)
        let tasks = model.tasks(.ring, rng: &rng)
        let p = model.prompts(4000, contexts: 20, domain: model.inDomain, tasks: tasks, alpha: 0.8, rng: &rng)
        var same = 0, total = 0, positives = 0
        for b in 0..<p.count {
            let qp = p.pattern[b * 21 + 20]
            if p.labels[b] > 0 { positives += 1 }
            #expect(p.x[(b * 21 + 20) * 40 + 30] == 0)  // query's label slot is 0
            for i in 0..<20 {
                if p.pattern[b * 21 + i] == qp { same += 1 }
                total += 1
                #expect(abs(p.x[(b * 21 + i) * 40 + 30]) == 1)  // y·q with q = e_1
            }
        }
        #expect(abs(Double(same) / Double(total) - 0.4) < 0.01, "same-pattern fraction \(Double(same) / Double(total))")
        #expect(abs(Double(positives) / Double(p.count) - 0.5) < 0.03)
    }

    @Test("exact composition puts exactly round(α·l) task contexts in every prompt")
    func exact() {
        var rng = RNG(seed: 3)
        let tasks = model.tasks(.ring, rng: &rng)
        let p = model.prompts(500, contexts: 10, domain: model.inDomain, tasks: tasks, alpha: 0.6, composition: .exact, rng: &rng)
        // Ring tasks (a, a+1): the query's partner is qp+1 when z = +1 (query = a) and qp−1 when z = −1.
        // Exactly round(0.6·10) = 6 contexts carry one of the two task patterns, each with its role's label.
        for b in 0..<p.count {
            let qp = Int(p.pattern[b * 11 + 10]), z = p.labels[b]
            let partner = z > 0 ? (qp + 1) % 6 : (qp + 5) % 6
            var task = 0
            for i in 0..<10 {
                let pat = Int(p.pattern[b * 11 + i]), y = p.x[(b * 11 + i) * 40 + 30]
                if pat == qp { task += 1; #expect(y == z) }
                if pat == partner { task += 1; #expect(y == -z) }
            }
            #expect(task == 6, "prompt \(b): \(task) task contexts")
        }
    }

    @Test("OOD construction A3(b): coefficient sum S1, norm S1, IDI rotated inside its span", arguments: [0.5, 1.0, 1.3])
    func scaled(S1: Double) throws {
        var rng = RNG(seed: 4)
        let dom = try model.oodDomain(S1: S1, construction: .scaled, rng: &rng)
        for j in 0..<6 {
            let row = dom.relevant.row(j)
            #expect(abs(row.prefix(6).reduce(0, +) - S1) < 1e-10)
            #expect(abs(row.map { $0 * $0 }.reduce(0, +).squareRoot() - S1) < 1e-10)
            #expect(row.dropFirst(6).allSatisfy { abs($0) < 1e-12 })
        }
        for k in 0..<24 { #expect(dom.irrelevant.row(k).prefix(6).allSatisfy { abs($0) < 1e-12 }) }
    }

    @Test("OOD construction A3(a): orthonormal ODR patterns with coefficient sum S1; infeasible S1 is an error")
    func unitNorm() throws {
        var rng = RNG(seed: 5)
        let dom = try model.oodDomain(S1: 1.2, construction: .unitNorm, relevantCount: 3, rng: &rng)
        let g = dom.relevant * dom.relevant.transposed
        #expect((g - Matrix.identity(rows: 3, cols: 3)).maxAbs < 1e-10)
        for j in 0..<3 { #expect(abs(dom.relevant.row(j).reduce(0, +) - 1.2) < 1e-10) }
        #expect(throws: ICLConstructionError.self) { try model.oodDomain(S1: 1.6, construction: .unitNorm, relevantCount: 3, rng: &rng) }
    }
}
