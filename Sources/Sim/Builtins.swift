let builtinExperiments: [any Experiment] = [LowRankExperiment(), ICLExperiment(), GraphExperiment(), MoEExperiment()]
