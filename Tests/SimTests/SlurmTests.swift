import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

@Suite("Slurm scripts and shards")
struct SlurmTests {
    @Test("shards: disjoint, covering, balanced, by sorted point id, independent of plan order")
    func shardSelection() throws {
        ToyExperiment.register()
        let plan = Plan(scenario: try loadScenario("experiment: test.quadratic\nsweep: {grid: {a: [1, 2, 3, 4, 5], b: [1, 2]}, seeds: 3}\n"))
        for n in [1, 2, 3, 7, 30, 31, 45] {
            let slices = try (0..<n).map { try Shard(index: $0, count: n).select(plan.points) }
            let ids = slices.flatMap { $0.map(\.id) }
            #expect(ids.count == plan.points.count && Set(ids).count == plan.points.count, "n = \(n)")
            let sizes = slices.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1, "n = \(n): \(sizes)")
            // The same slice whatever the order the points are listed in.
            let reversed = try Shard(index: 0, count: n).select(plan.points.reversed()).map(\.id)
            #expect(Set(reversed) == Set(slices[0].map(\.id)))
        }
        #expect(try Shard(parsing: "2/5") == Shard(index: 2, count: 5))
        for bad in ["5/5", "-1/3", "1/0", "a/b", "1", "1/2/3", ""] {
            #expect(throws: ShardError.self, "\(bad)") { try Shard(parsing: bad) }
        }
    }

    @Test("SlurmJob: sbatch options, shard argument, quoting, dependency")
    func scripts() throws {
        var job = SlurmJob(
            scenarioPath: "scenarios/x y/s.yaml", scenarioName: "s", sweepID: "s-0123abcd", shards: 4,
            simPath: "/opt/sim/bin/sim", out: "/shared/out", workingDirectory: "/home/me/provable")
        job.smoke = true
        job.overrides = ["params.tau=0.2", "sweep.grid.n=[1, 2]"]
        job.seed = 7
        job.partition = "short"; job.time = "02:00:00"; job.cpusPerTask = 8; job.arrayLimit = 2; job.memory = "4G"
        job.extra = ["--qos=low"]
        let a = try job.arrayScript()
        for line in [
            "#SBATCH --array=0-3%2", "#SBATCH --partition=short", "#SBATCH --time=02:00:00", "#SBATCH --cpus-per-task=8",
            "#SBATCH --mem=4G", "#SBATCH --qos=low", "#SBATCH --chdir=/home/me/provable",
            "#SBATCH --output=/shared/out/slurm/s/s-0123abcd/logs/shard-%a.out",
            "exec /opt/sim/bin/sim run 'scenarios/x y/s.yaml' --out /shared/out --smoke --set params.tau=0.2 --set 'sweep.grid.n=[1, 2]' --seed 7 --no-render --shard \"${SLURM_ARRAY_TASK_ID}/4\" --jobs \"${SLURM_CPUS_PER_TASK:-8}\"",
        ] {
            #expect(a.contains(line + "\n"), "missing `\(line)` in\n\(a)")
        }
        #expect(a.hasPrefix("#!/bin/bash\n"))
        let g = try job.aggregateScript()
        #expect(g.contains("/opt/sim/bin/sim status /shared/out/runs/s/s-0123abcd\n"))
        #expect(
            g.contains(
                "exec /opt/sim/bin/sim plot 'scenarios/x y/s.yaml' --out /shared/out --smoke --set params.tau=0.2 --set 'sweep.grid.n=[1, 2]' --seed 7\n"))
        #expect(job.submitScript.contains("sbatch --parsable --dependency=afterany:${array} aggregate.sbatch"))
        #expect(shellWords(["it's", "a b", "plain-1.0/x"]) == "'it'\\''s' 'a b' plain-1.0/x")
    }
}
