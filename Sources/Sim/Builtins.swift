let builtinExperiments: [any Experiment] = []
