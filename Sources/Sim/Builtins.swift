let builtinExperiments: [any Experiment] = [LowRankExperiment(), ICLExperiment()]
