# pyreslib's R side for running whole fits on R worker processes (pyreslib/ergm/workers.py).
#
# The embedded R session starts a PSOCK cluster of local Rscript workers (parallel package).
# Each worker sources these same R files and loads ergm once; then it receives one job at a
# time: the name of a pyreslib_* function and its arguments (R objects built in the main
# session: the network, validated term lists, control settings), runs it inside
# pyreslib_call exactly as the main session would, optionally runs follow-up calls on the
# fit it produced (goodness of fit), and sends the plain result lists back. The main session
# never blocks on a worker: it polls the workers' sockets with a short timeout, so Python
# can show progress and stop everything on Ctrl-C or SIGTERM between polls.
#
# Every job seeds R's generator itself (set.seed and control.ergm(seed=)), so its numbers
# do not depend on which worker ran it or what ran there before.

# Start `n` local workers; returns the cluster and the workers' process ids (Python stops
# them by pid if the run is interrupted).
pyreslib_pool_start <- function(n) {
  cluster <- parallel::makePSOCKcluster(as.integer(n))
  pids <- vapply(cluster, function(node) {
    parallel:::sendCall(node, Sys.getpid, list())
    as.numeric(parallel:::recvResult(node))
  }, numeric(1))
  list(cluster = cluster, pids = pids)
}

# What a worker runs first (asynchronously, like a job): the library paths, pyreslib's R
# files and ergm's namespace, which every job uses (the others load where a job first needs
# them, as in the main session: pyreslib_need in r/bridge.R). Built with the global
# environment as its closure so that sending it does not carry the main session's pyreslib
# environment along.
pyreslib_pool_setup_function <- function() {
  setup <- function(files, libs) {
    .libPaths(libs)
    for (file in files) sys.source(file, envir = globalenv())
    suppressPackageStartupMessages(loadNamespace("ergm"))
    Sys.getpid()
  }
  environment(setup) <- globalenv()
  setup
}

# Send a call to worker `i` without waiting for it: `fun` is a function or the name of one in
# the worker's global environment.
pyreslib_pool_send <- function(cluster, i, fun, args, tag) {
  parallel:::sendCall(cluster[[i]], fun, args, tag = tag)
  invisible(NULL)
}

# Wait at most `timeout` seconds for one of the workers `busy` (indices) to answer; returns
# NULL, or list(node, tag, success, value) of the first that did, or "interrupted": while R
# waits in select() it handles Ctrl-C (SIGINT) itself, as an R interrupt, which the Python
# side never sees; it is passed on as this value.
pyreslib_pool_poll <- function(cluster, busy, timeout) {
  busy <- as.integer(busy)
  ready <- tryCatch(
    socketSelect(lapply(cluster[busy], function(node) node$con), timeout = timeout),
    interrupt = function(condition) NULL)
  if (is.null(ready)) return("interrupted")
  if (!any(ready)) return(NULL)
  i <- busy[which(ready)[1]]
  message <- parallel:::recvData(cluster[[i]])
  list(node = i, tag = message$tag, success = isTRUE(message$success), value = message$value)
}

# Stop the workers: ask each to quit and close the connections (a worker still busy finishes
# its call first; Python kills those by pid when the run was interrupted).
pyreslib_pool_stop <- function(cluster) {
  for (node in cluster) {
    try(parallel:::postNode(node, "DONE"), silent = TRUE)
    try(close(node$con), silent = TRUE)
  }
  invisible(NULL)
}

# ---- on a worker ---------------------------------------------------------------------------

# One job: fun(args) inside pyreslib_call, with R's console output (progress lines, messages)
# written to `log` when it is not NULL; then each follow-up call in `then`
# (list(list(fun, args)), e.g. pyreslib_gof), given the job's fit as `fit`, unless the job
# failed. Returns list(main = <pyreslib_call result>, then = <list of them>, seconds).
pyreslib_worker_run <- function(fun, args, log = NULL, then = list()) {
  started <- proc.time()[["elapsed"]]
  con <- NULL
  if (!is.null(log)) {
    con <- file(log, open = "wt")
    sink(con)
    on.exit({
      sink()
      close(con)
    }, add = TRUE)
  }
  # ergm reports progress with message(); each goes to the log at once (flushed), so the
  # main session can show it while the fit runs.
  shown <- function(m) {
    if (!is.null(con)) {
      cat(conditionMessage(m), file = con)
      flush(con)
    }
    invokeRestart("muffleMessage")
  }
  main <- withCallingHandlers(pyreslib_call(get(fun), args), message = shown)
  followed <- list()
  if (is.null(main$error)) {
    for (step in then) {
      step_args <- step$args
      step_args$fit <- main$value$fit
      followed[[length(followed) + 1L]] <- withCallingHandlers(
        pyreslib_call(get(step$fun), step_args), message = shown)
    }
  }
  list(main = main, then = followed, seconds = proc.time()[["elapsed"]] - started)
}
