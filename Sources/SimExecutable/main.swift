import ProvablePapers
import SimCommandLine

// `sim` with the papers Provable ships. Another package builds its own `sim` the same way, with its
// experiments added to the list (see docs/adding-a-paper.md).
SimMain.main(papers: ProvablePapers.experiments)
