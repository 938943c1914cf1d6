# The example networks shipped with statnet's packages (pyreslib.ergm.examples) (see r/bridge.R for the conventions).

# A network from the datasets an R package ships (ergm's florentine, faux.mesa.high, ...):
# `dataset` and `object` are names checked in Python; data() loads into a private environment.
pyreslib_package_network <- function(dataset, object, package) {
  env <- new.env()
  utils::data(list = dataset, package = package, envir = env)
  if (!exists(object, envir = env, inherits = FALSE)) {
    stop("dataset '", dataset, "' of package ", package, " has no object '", object, "'")
  }
  nw <- get(object, envir = env, inherits = FALSE)
  if (!network::is.network(nw)) stop("'", object, "' is not a network object")
  attrs <- setdiff(network::list.vertex.attributes(nw), c("na", "vertex.names"))
  list(adjacency = network::as.matrix.network(nw, matrix.type = "adjacency"),
       names = as.character(network::network.vertex.names(nw)),
       directed = network::is.directed(nw),
       attributes = stats::setNames(lapply(attrs, function(a) {
         network::get.vertex.attribute(nw, a)
       }), attrs))
}
