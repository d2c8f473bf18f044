// Placeholder: statistics (mean, sd, CI, log-log fits) are being written by the Sim/statistics work.
