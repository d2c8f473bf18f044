let builtinExperiments: [any Experiment] = [LowRankExperiment()]
