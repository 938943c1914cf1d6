# pyreslib's R side for pooled models of several networks (ergm.multi). Plain functions over
# matrices, data frames and lists that return plain lists (see r/pyreslib.R for the conventions).
