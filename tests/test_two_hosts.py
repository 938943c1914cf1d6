"""ergm's MCMC on a PSOCK cluster of two real hosts, started by the test on this machine.

Each host is an OpenSSH server of its own on a loopback address (127.0.0.2 and 127.0.0.3,
never any other), with a throwaway host key, user key, ``authorized_keys`` and
``known_hosts`` in a temporary folder; the fits reach them through an ssh configuration file
in that folder (``fit(ssh_config=...)``, as a user's cluster would be configured).  Both hosts
are this machine, so R and its library sit at the same paths, as the library-path rule asks
(docs/python.md, "Running on a cluster").  The tests are skipped, with the reason, only where
sshd cannot be started (``scripts/ensure-sshd.sh`` installs it).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pyreslib.ergm import ERGM, statnet_network
from pyreslib.ergm.workers import FitPool, Job
from pyreslib.errors import InputError, RError

pytestmark = pytest.mark.r

ADDRESSES = ("127.0.0.2", "127.0.0.3")
SSHD = next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)),
            None)
MODEL = "edges + gwesp(0.25, fixed=TRUE)"


# ---- the test hosts ----------------------------------------------------------------------------

def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def _accepts(address: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=1):
        return True
    return False


class LoopbackHosts:
    """Two sshd daemons on 127.0.0.2 and 127.0.0.3 and the ssh configuration that reaches
    them (``config``), plus ``refused``: a host name whose port nothing listens on."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for key in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(folder / key)], check=True, capture_output=True)
        shutil.copy(folder / "user_key.pub", folder / "authorized_keys")
        self.ports = {address: _free_port(address) for address in ADDRESSES}
        self.daemons: dict[str, subprocess.Popen] = {}
        closed = _free_port(ADDRESSES[0])  # nothing listens there
        self.config = folder / "ssh_config"
        hosts = "".join(f"Host {address}\n  Port {port}\n"
                        for address, port in self.ports.items())
        self.config.write_text(
            f"{hosts}Host refused\n  HostName {ADDRESSES[0]}\n  Port {closed}\n"
            f"Host *\n  User {getpass.getuser()}\n  IdentityFile {folder / 'user_key'}\n"
            f"  IdentitiesOnly yes\n  UserKnownHostsFile {folder / 'known_hosts'}\n"
            "  StrictHostKeyChecking no\n  BatchMode yes\n  LogLevel ERROR\n")
        for address in ADDRESSES:
            self.start(address)

    def start(self, address: str) -> None:
        conf = self.folder / f"sshd_{address}.conf"
        conf.write_text(
            f"ListenAddress {address}:{self.ports[address]}\n"
            f"HostKey {self.folder / 'host_key'}\n"
            f"AuthorizedKeysFile {self.folder / 'authorized_keys'}\n"
            f"PidFile {self.folder / f'sshd_{address}.pid'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPrintMotd no\n")
        log = self.folder / f"sshd_{address}.log"
        # -D: in the foreground, so the listener's process id is this Popen's
        self.daemons[address] = subprocess.Popen([SSHD, "-D", "-f", str(conf), "-E", str(log)])
        deadline = time.monotonic() + 15
        while not _accepts(address, self.ports[address]):
            if self.daemons[address].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd on {address} did not start: "
                                   f"{log.read_text(errors='replace')[-500:]}")
            time.sleep(0.1)
        said = subprocess.run(["ssh", "-F", str(self.config), address, "true"],
                              capture_output=True, text=True, timeout=30, check=False)
        if said.returncode != 0:
            raise RuntimeError(f"ssh to the test host {address} failed: {said.stderr.strip()}")

    def kill(self, address: str) -> list[int]:
        """Kill the host: its sshd (listener and sessions) and every process under it."""
        listener = self.daemons[address].pid
        victims = [listener, *descendants(listener)]
        for pid in victims:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.daemons[address].wait(timeout=10)
        return victims

    def r_processes(self) -> list[int]:
        """R processes running on the test hosts (under their sshd)."""
        return [pid for daemon in self.daemons.values() if daemon.poll() is None
                for pid in descendants(daemon.pid) if _is_r(pid)]

    def ssh_clients(self) -> list[int]:
        """ssh processes on this side that use the test's configuration."""
        return [pid for pid in _all_pids() if str(self.config) in _cmdline(pid)
                and _cmdline(pid).startswith("ssh")]

    def close(self) -> None:
        for daemon in self.daemons.values():
            if daemon.poll() is None:
                for pid in [daemon.pid, *descendants(daemon.pid)]:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                daemon.wait(timeout=10)


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def _is_r(pid: int) -> bool:
    return "/exec/R " in _cmdline(pid) + " "


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc: each process's parent)."""
    children: dict[int, list[int]] = {}
    for child in _all_pids():
        try:
            parent = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(child)
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    reason = None
    if SSHD is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        reason = ("OpenSSH's sshd, ssh or ssh-keygen is not installed (scripts/ensure-sshd.sh "
                  "installs them as root)")
    elif os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation
    if reason is None:
        try:
            test_hosts = LoopbackHosts(tmp_path_factory.mktemp("two_hosts"))
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            reason = f"could not start the test hosts: {exc}"
    if reason is not None:
        pytest.skip(reason)
    yield test_hosts
    test_hosts.close()


def wait_until_gone(processes, seconds: float = 30) -> list[int]:
    """The processes ``processes()`` still lists after at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture(scope="module")
def flomarriage():
    flo = statnet_network("flomarriage", dataset="florentine")
    return ERGM(flo.adjacency, MODEL)


# ---- the fits ----------------------------------------------------------------------------------

def test_a_fit_on_two_hosts_equals_the_same_fit_on_two_local_workers(hosts, flomarriage):
    on_hosts = flomarriage.fit(seed=32, control={"parallel": list(ADDRESSES)},
                               ssh_config=hosts.config, verbose=False)
    here = flomarriage.fit(seed=32, control={"parallel": 2}, verbose=False)
    np.testing.assert_array_equal(on_hosts.params, here.params)
    np.testing.assert_array_equal(on_hosts.bse, here.bse)
    assert on_hosts.llf == here.llf  # the bridge sampler's chains ran on the hosts too
    assert on_hosts.warnings == here.warnings
    assert not wait_until_gone(hosts.r_processes), "R workers left on the hosts"
    assert not wait_until_gone(hosts.ssh_clients), "ssh left running here"


def test_a_pool_worker_runs_its_fits_chains_on_the_hosts(hosts, flomarriage):
    # the main job's way: each MCMC fit of the pool drives its own chains on the hosts
    prepared = flomarriage.prepare_fit(seed=7, control={"parallel": list(ADDRESSES)},
                                       ssh_config=hosts.config, eval_loglik=False)
    with FitPool(1) as pool:
        pool.submit(Job("hosts", prepared))
        (done,) = list(pool.completed())
    assert done.error is None, done.error
    here = flomarriage.fit(seed=7, control={"parallel": 2}, eval_loglik=False, verbose=False)
    np.testing.assert_array_equal(done.results.params, here.params)
    np.testing.assert_array_equal(done.results.bse, here.bse)
    assert not wait_until_gone(hosts.r_processes), "R workers left on the hosts"


def test_a_host_that_refuses_the_connection_is_an_error_within_60_seconds(hosts, flomarriage):
    started = time.monotonic()
    with pytest.raises(InputError, match=r"control\['parallel'\]: could not start an R worker "
                                         r"on host 'refused' within 60 seconds \(ssh said: .*"
                                         r"Connection refused"):
        flomarriage.fit(seed=1, control={"parallel": [ADDRESSES[0], "refused"]},
                        ssh_config=hosts.config, verbose=False)
    assert time.monotonic() - started < 60
    assert not wait_until_gone(hosts.r_processes), "R workers left on the hosts"
    assert not wait_until_gone(hosts.ssh_clients), "ssh left running here"


def test_a_host_that_dies_during_the_fit_ends_it_with_a_clear_error(hosts, flomarriage):
    # A fit of a few seconds on the hosts; once both hosts run ergm's workers (the start-up
    # check runs one host at a time, so both at once is the fit itself), host 127.0.0.3 dies:
    # its sshd and everything under it, the R worker included, are killed.
    dying = ADDRESSES[1]
    killed: dict[str, object] = {}

    def kill_when_both_hosts_work() -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            busy = [address for address, daemon in hosts.daemons.items()
                    if any(_is_r(pid) and "workRSOCK" in _cmdline(pid)
                           for pid in descendants(daemon.pid))]
            if len(busy) == len(ADDRESSES):
                time.sleep(1.0)  # into the MCMC
                killed["pids"] = hosts.kill(dying)
                killed["at"] = time.monotonic()
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_both_hosts_work, daemon=True)
    killer.start()
    try:
        with pytest.raises(RError, match=r"an R worker stopped answering during the fit .*"
                                         rf"host\(s\) no longer accepting ssh: {dying}") as lost:
            flomarriage.fit(seed=3, control={"parallel": list(ADDRESSES),
                                             "MCMC.samplesize": 20000,
                                             "MCMC.interval": 2048},
                            ssh_config=hosts.config, verbose=False)
        print(lost.value)  # the message a user sees
        assert "at" in killed, "the fit ended before the host was killed"
        assert time.monotonic() - killed["at"] < 60
        assert not wait_until_gone(hosts.r_processes), "R workers left on the other host"
        assert not wait_until_gone(hosts.ssh_clients), "ssh left running here"
        assert not [pid for pid in killed["pids"] if Path(f"/proc/{pid}").exists()
                    and _is_r(pid)]
    finally:
        killer.join(timeout=5)
        hosts.start(dying)  # back for the tests after this one
    # the session is fine afterwards: ergm does not reuse the broken cluster, and loads its
    # packages on the new one
    again = flomarriage.fit(seed=32, control={"parallel": list(ADDRESSES)},
                            ssh_config=hosts.config, eval_loglik=False, verbose=False)
    assert again.converged and np.isfinite(again.params).all()


def test_a_cluster_started_for_any_caller_gives_the_hosts_the_streams_of_local_workers(hosts):
    # r/cluster.R's set-up for callers that take a cluster (btergm's bootstraps): the same
    # seed gives worker k the same random numbers on a host as on this machine
    from pyreslib.ergm import bridge

    session = bridge.session()
    draw = session.ro.r("""function(env, hosts, ssh_config) {
      spec <- env$pyreslib_hosts(hosts, ssh_config, 60)
      env$pyreslib_check_hosts(spec, 60)
      cl <- env$pyreslib_cluster_start(spec, seed = 11)
      on.exit(env$pyreslib_cluster_stop(cl))
      unlist(parallel::clusterEvalQ(cl, c(stats::runif(1), length(.libPaths()))))
    }""")
    on_hosts = list(draw(session.env, session.ro.StrVector(ADDRESSES), str(hosts.config)))
    here = list(draw(session.env, session.ro.StrVector(["localhost"] * 2), str(hosts.config)))
    assert on_hosts == here  # the streams, and the library paths, of the workers
    assert on_hosts[0] != on_hosts[2]  # two workers, two streams
    assert not wait_until_gone(hosts.r_processes), "R workers left on the hosts"


# ---- settings ----------------------------------------------------------------------------------

def test_host_names_and_the_ssh_configuration_are_checked_before_r_is_asked(tmp_path,
                                                                           flomarriage):
    for bad in ("-oProxyCommand=touch /tmp/x", "a b", "host;reboot", "", "a..b", 5):
        with pytest.raises(InputError, match=r"control\['parallel'\]: .* is not a host name"):
            flomarriage.prepare_fit(seed=1, control={"parallel": ["node1", bad]})
    with pytest.raises(InputError, match=r"ssh_config: .*missing.ssh' is not a file"):
        flomarriage.prepare_fit(seed=1, control={"parallel": ["node1"]},
                                ssh_config=tmp_path / "missing.ssh")
    with pytest.raises(InputError, match="without control characters"):
        flomarriage.prepare_fit(seed=1, control={"parallel": ["node1"]},
                                ssh_config="cluster\n.ssh")


def test_a_pool_job_refuses_local_workers_but_takes_other_hosts(flomarriage, tmp_path):
    with pytest.raises(InputError, match="on this machine"):
        Job("local", flomarriage.prepare_fit(seed=1, control={"parallel": ["localhost", "a"]}))
    Job("remote", flomarriage.prepare_fit(seed=1, control={"parallel": ["a", "b"]}))


def test_the_stage_fits_pass_the_hosts_to_mcmc_fits_only(flomarriage):
    from pyreslib.stagemodels.fitting import fit_control

    exact = ERGM(flomarriage.adjacency, "edges")
    assert "parallel" not in fit_control(exact, hosts=["a", "b"])
    assert fit_control(flomarriage, profile="fast", hosts=["a", "b"])["parallel"] == ["a", "b"]
