"""The tutorial's second experiment: NOAA GSOD archives loaded by two Ray actors.

`format` parses one station file, `synth` writes synthetic yearly archives, `actor` holds
a year as compact columns, `compare` runs `compare_years`, `fetch` downloads real ones.
`archive` streams an archive's station files, `bulk` parses them with numpy.
"""

# A synthetic scale whose load lasts long enough to watch two actors load in parallel
# (issue 13): about 10-20 s on 2 cores. Extrapolated, not measured at this scale: a
# scale-1 year (12,300 stations, 4 M rows) takes 2.4 s of one actor's CPU here
# (`make bench BENCH=gsod`), and the load grows with the rows. The price is paid once:
# each archive is ~490 MB and takes ~7-8 min to generate (synth writes ~36,000 rows a
# second), cached after under $XDG_CACHE_HOME/raytui/gsod/synthetic-scale4-seed0/.
# The default scale (compare.DEFAULT_SCALE, 0.02) loads in well under a second.
WATCHABLE_SCALE = 4.0
