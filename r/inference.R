# pyreslib's R side for what comes after a fit: likelihood-ratio tables, prediction,
# simulation from a fit, saving and loading. Plain functions over fits, matrices and lists
# that return plain lists (see r/pyreslib.R for the conventions).
