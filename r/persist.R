# Saving and loading an R fit (pyreslib.ergm.persist) (see r/bridge.R for the conventions).

# saveRDS of the fit object (format version 3, gzip): ergm's own object, readable by R alone.
pyreslib_save_fit <- function(fit, path) {
  saveRDS(fit, file = path, version = 3L, compress = TRUE)
  list(bytes = file.size(path))
}

# readRDS of a file pyreslib wrote; anything but an ergm fit is refused. Note that readRDS
# itself restores whatever objects the file holds (docs/security.md, "Fit files").
pyreslib_load_fit <- function(path) {
  fit <- readRDS(path)
  if (!inherits(fit, "ergm")) {
    stop("the R object in the file is a ", paste(class(fit), collapse = "/"),
         ", not an ergm fit")
  }
  list(fit = fit, info = pyreslib_fit_info(fit))
}
