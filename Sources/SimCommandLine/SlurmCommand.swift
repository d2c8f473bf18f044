import ArgumentParser
import Foundation
import Sim

/// `sim slurm`: write (and optionally submit) a Slurm job array for a scenario.
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write sbatch scripts that run a scenario as a Slurm job array (one `sim run --shard` per task) plus a dependent aggregate/plot job.",
        discussion: """
            The scripts go to <out>/slurm/<scenario>/<sweep-id>/ (array.sbatch, aggregate.sbatch, submit.sh, logs/). \
            Every task writes into the same --out, which must be on a filesystem all nodes share. Submit with \
            `bash <dir>/submit.sh` (or --submit). A task that hits --time is stopped with SIGTERM, keeps its finished \
            points and marks the running ones interrupted: submit again to finish, or `sim run --resume <sweep dir>`.
            """)

    @OptionGroup var shared: SharedOptions
    @OptionGroup var figures: FigureOptions

    @Argument(help: "Scenario file.")
    var scenario: String

    @Option(name: .long, help: "Number of array tasks (shards); the plan's points are split among them by id.")
    var shards: Int

    @Option(name: .long, help: "Slurm partition (sbatch --partition).")
    var partition: String?

    @Option(name: .long, help: "Time limit per task, e.g. 01:00:00 (sbatch --time).")
    var time: String?

    @Option(name: .customLong("cpus-per-task"), help: "CPUs per task; each task runs that many points in parallel (--jobs).")
    var cpusPerTask: Int = 1

    @Option(name: .customLong("array-limit"), help: "Run at most this many tasks at once (--array=0-(n-1)%limit).")
    var arrayLimit: Int?

    @Option(name: .long, help: "Memory per task, e.g. 4G (sbatch --mem).")
    var mem: String?

    @Option(name: .long, help: "Slurm account (sbatch --account).")
    var account: String?

    @Option(name: .long, help: ArgumentHelp("An extra #SBATCH option, verbatim (repeatable), e.g. --sbatch=--qos=short.", valueName: "option"))
    var sbatch: [String] = []

    @Option(name: .customLong("sim"), help: "Path of the sim executable the jobs run (default: this one).")
    var simPath: String?

    @Flag(name: .long, help: "Submit right away (runs submit.sh: sbatch the array, then the aggregate job).")
    var submit = false

    func validate() throws {
        if shards < 1 { throw ValidationError("--shards must be at least 1, got \(shards)") }
        if cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1, got \(cpusPerTask)") }
        if let arrayLimit, arrayLimit < 1 { throw ValidationError("--array-limit must be at least 1, got \(arrayLimit)") }
        if shared.jobs != nil { throw ValidationError("--jobs does not apply: each task runs --cpus-per-task points at once") }
    }

    func run() throws {
        let plan = Plan(scenario: try ScenarioLoader.load(scenario, options: shared.scenarioOptions))
        if shards > plan.points.count {
            CLI.warn("\(shards) shards for \(plan.points.count) runs: \(shards - plan.points.count) tasks will have nothing to do")
        }
        let cwd = FileManager.default.currentDirectoryPath
        let sim = try simPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? CLI.executablePath()
        var job = SlurmJob(
            scenarioPath: scenario, scenarioName: plan.scenario.name, sweepID: plan.sweepID, shards: shards,
            simPath: sim, out: shared.outURL.standardizedFileURL.path, workingDirectory: cwd)
        job.smoke = shared.smoke
        job.overrides = shared.overrides
        job.seed = shared.seed
        job.partition = partition
        job.time = time
        job.cpusPerTask = cpusPerTask
        job.arrayLimit = arrayLimit
        job.memory = mem
        job.account = account
        job.extra = sbatch
        if figures.pdf { job.plotArguments.append("--pdf") }
        if figures.noRender { job.plotArguments.append("--no-render") }
        let files = try job.write()
        let perShard = Double(plan.points.count) / Double(shards)
        print(
            "\(plan.scenario.name): \(plan.points.count) runs in \(shards) array tasks (≈\(String(format: "%.1f", perShard)) each, \(cpusPerTask) at a time per task)"
        )
        print("  \(files.array.path)")
        print("  \(files.aggregate.path)   (after the array: sim status + sim plot)")
        print("  \(files.submit.path)")
        print("results: \(job.sweepDirectory.path)")
        if submit {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [files.submit.path]
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CLIError("submit.sh failed with status \(p.terminationStatus) (is sbatch on PATH?)") }
        } else {
            print("submit with: bash \(files.submit.path)")
        }
    }
}
