"""The monitor's panels, one module each; each shows one part of a Snapshot."""
