import AveragedSGD
import ProvablePapers
import SimCommandLine

// This package's `sim`: the four shipped papers plus averaged SGD.
SimMain.main(papers: ProvablePapers.experiments + [AveragedSGDExperiment()])
