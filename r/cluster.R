# Clusters of R workers on other machines: PSOCK workers started over ssh (parallel
# package), for ergm's parallel MCMC (pyreslib_fit, r/model.R) and for any caller that needs
# a cluster of the same hosts (btergm's bootstraps take one as `cl`). The host names and the
# ssh configuration file arrive validated by pyreslib.ergm.control (see r/bridge.R for the
# conventions); nothing here parses user text.
#
# What makes a worker on another host behave like a local one:
# - its library paths are this session's .libPaths(), set by the worker's first R command
#   (Rscript -e), because ssh passes none of this process's environment (R_LIBS included);
#   so pyreslib's R library must sit at the same path on every host (a shared file system,
#   or the same installation), and so must R itself (the workers run this R's Rscript);
# - ssh runs in batch mode (a password prompt is a failure, not a hang), with a connection
#   timeout, and with the user's OpenSSH client configuration file when one is given (user
#   names, keys, ports, known hosts, jump hosts: everything ssh itself can be told);
# - its random numbers come from the same L'Ecuyer-CMRG streams a local worker of the same
#   rank would get: for ergm, ergm starts the cluster from the specification below and seeds
#   it itself (clusterSetRNGStream from the master's generator, as it does for local workers);
#   for a cluster started here, pyreslib_cluster_start(seed = ) seeds it the same way.

# The ssh command line PSOCK runs (as `rshcmd`, pasted into a shell command: the
# configuration file's path is quoted).
pyreslib_ssh_command <- function(timeout, ssh_config = NULL) {
  paste(c("ssh", "-o", "BatchMode=yes", "-o", paste0("ConnectTimeout=", ceiling(timeout)),
          if (!is.null(ssh_config)) c("-F", shQuote(ssh_config))), collapse = " ")
}

# Rscript arguments that give a worker this session's library paths before it starts work
# (the paths are written as R string literals by encodeString, then quoted for the shell).
pyreslib_worker_rscript_args <- function(libs = .libPaths()) {
  code <- paste0(".libPaths(c(", paste(encodeString(libs, quote = '"'), collapse = ", "),
                 "))")
  c("-e", shQuote(code))
}

# The cluster specification of `hosts` (one worker per entry; a host listed twice runs two):
# a list of per-worker PSOCK options, of class "pyreslib_hosts". parallel::makePSOCKcluster
# starts it as it is, and so does ergm when it is control.ergm(parallel = ): ergm then starts
# and seeds the workers exactly as it does for parallel = <number>, which is what makes a fit
# on these hosts equal the same fit on as many local workers. ergm 4.12 counts a cluster
# specification's workers with its generic nthreads(), which knows numbers and clusters only:
# the method for this class is registered on ergm's generic here (S3: a new class brings its
# own method; nothing of ergm's is replaced).
pyreslib_hosts <- function(hosts, ssh_config = NULL, timeout = 60) {
  rshcmd <- pyreslib_ssh_command(timeout, ssh_config)
  rscript_args <- pyreslib_worker_rscript_args()
  spec <- lapply(as.character(hosts), function(host) {
    if (host == "localhost") list(host = host, rscript_args = rscript_args)
    else list(host = host, rshcmd = rshcmd, rscript_args = rscript_args)
  })
  pyreslib_register_hosts_class()
  structure(spec, class = "pyreslib_hosts")
}

# The nthreads() method of the class, registered in this session (again for a fit made
# elsewhere, by a pool worker or read from a file, whose control keeps the specification:
# pyreslib_need_for in r/bridge.R).
pyreslib_register_hosts_class <- function() {
  registerS3method("nthreads", "pyreslib_hosts", function(clinfo = NULL, ...) length(clinfo),
                   envir = asNamespace("ergm"))
}

# The distinct hosts of `spec` other than this machine, and the options of one of them.
pyreslib_remote_hosts <- function(spec) {
  hosts <- unique(vapply(spec, function(machine) machine$host, ""))
  hosts[hosts != "localhost"]
}

pyreslib_host_machine <- function(spec, host) {
  spec[[match(host, vapply(spec, function(machine) machine$host, ""))]]
}

# Check each distinct remote host of `spec` before any work, each within `timeout` seconds:
# ssh reaches it (a refused or unreachable host fails at once with ssh's own words), an R
# worker started there connects back to this session, and that R finds ergm in the library
# paths it was given. An error names the host ("pyreslib_worker_start:", which the Python
# side turns into a message about control['parallel']). Without this check parallel would
# wait 30 days (its accept timeout) for a worker that never connects.
pyreslib_check_hosts <- function(spec, timeout) {
  found <- function(package) nzchar(system.file(package = package))
  environment(found) <- globalenv()  # sent to the worker without this environment
  for (host in pyreslib_remote_hosts(spec)) {
    machine <- pyreslib_host_machine(spec, host)
    fail <- function(why) {
      stop("pyreslib_worker_start: could not start an R worker on host '", host, "' within ",
           timeout, " seconds (", why, ")", call. = FALSE)
    }
    said <- suppressWarnings(system(paste(machine$rshcmd, host, "true", "2>&1"),
                                    intern = TRUE, timeout = ceiling(timeout)))
    status <- attr(said, "status")
    if (!is.null(status) && status != 0) {
      fail(if (status == 124) "ssh did not finish"
           else paste0("ssh said: ", paste(trimws(said), collapse = " ")))
    }
    cl <- tryCatch(suppressWarnings(pyreslib_cluster_start(structure(list(machine),
                                                                     class = "pyreslib_hosts"),
                                                           timeout = timeout)),
                   error = function(e) fail(conditionMessage(e)))
    has_ergm <- tryCatch(isTRUE(parallel::clusterCall(cl, found, "ergm")[[1]]),
                         error = function(e) fail(conditionMessage(e)),
                         finally = pyreslib_cluster_stop(cl))
    if (!has_ergm) {
      fail(paste0("R there does not find ergm in the library paths it was given: ",
                  paste(.libPaths(), collapse = ", "), "; install pyreslib's R library at ",
                  "the same path on every host"))
    }
  }
  invisible(TRUE)
}

# Start the workers of `spec` (pyreslib_hosts, or a worker count); with `seed`, give them
# the random-number streams parallel::clusterSetRNGStream(cl, seed) gives, whatever the
# hosts. `timeout` (seconds) bounds a worker's start, but also every later wait for an
# answer, so leave it NULL (parallel's default) for a cluster that will do long work.
pyreslib_cluster_start <- function(spec, timeout = NULL, seed = NULL) {
  cl <- if (is.null(timeout)) parallel::makePSOCKcluster(spec)
        else parallel::makePSOCKcluster(spec, timeout = timeout)
  if (!is.null(seed)) parallel::clusterSetRNGStream(cl, seed)
  cl
}

# Stop a cluster's workers whatever state they are in: ask each to quit, then close its
# connection; a worker busy with a computation sees the closed connection when it sends its
# answer, and exits. Never fails (a worker that died cannot be told anything).
pyreslib_cluster_stop <- function(cl) {
  for (node in cl) {
    try(parallel:::postNode(node, "DONE"), silent = TRUE)
    try(close(node$con), silent = TRUE)
  }
  invisible(NULL)
}

# After an ergm fit that failed on its cluster: stop the cluster ergm started, if its own
# clean-up could not (ergm.stopCluster stops at the first worker it cannot tell to quit), and
# forget it, so that the next fit does not reuse a broken cluster and reloads packages on
# the new one (ergm keeps both in internal state: ergm.cluster.started,
# ergm.MCMC.packagenames).
pyreslib_ergm_cluster_reset <- function() {
  cl <- ergm:::ergm.cluster.started()
  if (!is.null(cl)) {
    pyreslib_cluster_stop(cl)
    ergm:::ergm.cluster.started(NULL)
    ergm:::ergm.MCMC.packagenames(reset = TRUE)
  }
  invisible(NULL)
}

# Whether an R error says that a worker's connection broke (the worker or its host died):
# parallel's reads and writes on the worker's socket, or a restarted cluster's start.
pyreslib_lost_worker <- function(message) {
  grepl(paste("reading from connection", "writing to connection", "SIGPIPE",
              "cannot open the connection", "Cluster setup failed", sep = "|"), message)
}

# The remote hosts of `spec` that no longer accept ssh (a quick check after a lost worker,
# at most `timeout` seconds per host), to name them in the error.
pyreslib_unreachable_hosts <- function(spec, timeout = 10) {
  hosts <- pyreslib_remote_hosts(spec)
  down <- vapply(hosts, function(host) {
    rshcmd <- pyreslib_host_machine(spec, host)$rshcmd
    status <- attr(suppressWarnings(system(paste(rshcmd, host, "true", "2>&1"), intern = TRUE,
                                           timeout = timeout)), "status")
    !is.null(status) && status != 0
  }, logical(1))
  hosts[down]
}
