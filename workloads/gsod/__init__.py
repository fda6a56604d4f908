"""The tutorial's second experiment: NOAA GSOD archives loaded by two Ray actors.

`format` parses one station file, `synth` writes synthetic yearly archives, `actor` holds
a year as compact columns, `compare` runs `compare_years`, `fetch` downloads real ones.
"""
