#pragma once
/// The run's watchdog: a process forked at the harness's start that outlives it. When the harness
/// ends in any way (also SIGKILL, where no destructor or atexit handler runs), the watchdog takes
/// down what the run left: every process marked with the run's token (Kamailio's workers, a device
/// program's children: grandchildren that PR_SET_PDEATHSIG does not reach), the run's phl-*
/// namespaces and its folder /run/phonelab/<token>.

namespace phonelab::lab {

/// Forks the watchdog. Call it once, early, while the process has a single thread (it forks
/// without exec). Failure to fork is not fatal: the run goes on without one (returns false).
bool startWatchdog();

}  // namespace phonelab::lab
