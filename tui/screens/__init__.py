"""Modal screens over the monitor: help, details of a row, the workload form."""
