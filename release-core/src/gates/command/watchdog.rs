//! The process groups command gates started, and a watchdog that kills them should this
//! process die without stopping them (`kill -9`, the OOM killer, a panic with `abort`).
//!
//! Each group is stopped by its gate, or killed on drop, or by [`kill_running_commands`]
//! before a hard exit; none of that runs when the process is killed. So the first group
//! started also starts a watchdog: a small `sh` in a process group of its own that ignores
//! `INT`, `TERM`, `HUP` and `QUIT` and reads lines `+ <pgid>` (started) and `- <pgid>` (stopped
//! or forgotten) from a pipe whose write end only this process holds (close-on-exec, so no
//! child inherits it). When this process dies, however it dies, the kernel closes the write
//! end; the watchdog reads end of file and sends every group still registered `SIGTERM`
//! (and `SIGCONT`), then `SIGKILL` 0.2 s later, and exits. A normal exit closes the pipe
//! too, with nothing registered.
//!
//! - A group id is registered only after its leader runs, and forgotten as soon as the group
//!   is stopped or empty: a group id cannot be reused while the group has a member, so the
//!   watchdog can only hit a stranger in the moment between a group's end and its `-` line.
//! - Should the watchdog die (killed by someone else), a thread waiting on it starts a new one
//!   and registers every live group again; so does a write that fails. A watchdog that cannot
//!   keep up (its pipe full: stopped, say) is killed and replaced. After
//!   [`MAX_STARTS`] failures it is given up, with a warning.
//! - What still escapes: processes that leave their group (`setsid`, a daemon's double fork
//!   into a new session), which only a service's `stop` command ends; a group started in the
//!   microseconds between its spawn and its registration; and everything if `/bin/sh` cannot
//!   be started. A service's temporary directory stays behind.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// The watchdog: registrations in, kills at end of file. Ids are checked to be numbers of 2
/// or more (`kill -- -1` would signal every process we may signal; no group we start can be
/// 0 or 1); a `-` removes the first registration of its id.
const SCRIPT: &str = r#"trap '' INT TERM HUP QUIT PIPE
groups=' '
while read -r op id; do
  case $id in ''|*[!0-9]*|0|1) continue ;; esac
  case $op in
    +) groups="$groups$id " ;;
    -) case $groups in *" $id "*) groups="${groups%% $id *} ${groups#* $id }" ;; esac ;;
  esac
done
[ "$groups" = ' ' ] && exit 0
for id in $groups; do kill -s TERM -- "-$id"; kill -s CONT -- "-$id"; done 2>/dev/null
sleep 0.2
for id in $groups; do kill -s KILL -- "-$id"; done 2>/dev/null
"#;

/// Watchdog starts (and deaths) after which it is given up.
const MAX_STARTS: u32 = 5;

/// Process groups started and not yet stopped, and the watchdog that knows them.
struct Registry {
    groups: BTreeSet<i32>,
    watchdog: Option<Watchdog>,
    /// Numbers each watchdog, so a thread waiting on an old one leaves a new one alone.
    generation: u64,
    starts: u32,
}

struct Watchdog {
    pipe: ChildStdin,
    pid: i32,
    generation: u64,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    groups: BTreeSet::new(),
    watchdog: None,
    generation: 0,
    starts: 0,
});

fn registry() -> MutexGuard<'static, Registry> {
    // Every change leaves the registry consistent, whatever panicked while holding it.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records a group that was just started, so that it dies with this process.
pub(crate) fn register(pgid: i32) {
    let mut registry = registry();
    registry.groups.insert(pgid);
    if registry.watchdog.is_some() {
        registry.send(&format!("+ {pgid}\n"));
    } else {
        registry.start();
    }
}

/// Forgets a group that was stopped or is empty: its id may soon name another group.
pub(crate) fn forget(pgid: i32) {
    let mut registry = registry();
    if registry.groups.remove(&pgid) && registry.watchdog.is_some() {
        registry.send(&format!("- {pgid}\n"));
    }
}

/// Sends `SIGKILL` to every process group a command gate started and has not stopped yet,
/// and returns how many there were. For a process about to exit without unwinding (a second
/// Ctrl-C): nothing it started may outlive it.
pub fn kill_running_commands() -> usize {
    let registry = registry();
    for pgid in &registry.groups {
        let _ = killpg(Pid::from_raw(*pgid), Signal::SIGKILL);
    }
    registry.groups.len()
}

/// The watchdog's process id, if one runs: for tests.
#[cfg(test)]
fn watchdog_pid() -> Option<i32> {
    registry().watchdog.as_ref().map(|w| w.pid)
}

impl Registry {
    /// Writes a line to the watchdog; one that cannot take it is replaced.
    fn send(&mut self, line: &str) {
        let Some(watchdog) = &mut self.watchdog else {
            return;
        };
        match watchdog.pipe.write_all(line.as_bytes()) {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the command watchdog stopped reading; starting another");
                self.discard();
                if !self.groups.is_empty() {
                    self.start();
                }
            }
        }
    }

    /// Kills the watchdog, so that it can never act on a stale list, and forgets it.
    fn discard(&mut self) {
        if let Some(watchdog) = self.watchdog.take() {
            // Killed before its pipe closes: at end of file it would kill every group.
            let _ = kill(Pid::from_raw(watchdog.pid), Signal::SIGKILL);
        }
    }

    /// Starts a watchdog that knows every live group, unless too many have failed.
    fn start(&mut self) {
        while self.watchdog.is_none() && self.starts < MAX_STARTS {
            self.starts += 1;
            self.generation += 1;
            match spawn(&self.groups, self.generation) {
                Ok(watchdog) => self.watchdog = Some(watchdog),
                Err(e) if self.starts == MAX_STARTS => tracing::warn!(
                    error = %e,
                    "cannot start the command watchdog; commands will outlive this process if it is killed"
                ),
                Err(e) => tracing::debug!(error = %e, "the command watchdog did not start"),
            }
        }
    }
}

/// Starts a watchdog and registers `groups` with it; a thread waits for it to end.
fn spawn(groups: &BTreeSet<i32>, generation: u64) -> std::io::Result<Watchdog> {
    let mut child = Command::new("/bin/sh")
        .args(["-c", SCRIPT])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Out of our group: a Ctrl-C in the terminal or a kill of our group does not reach it.
        .process_group(0)
        .spawn()?;
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    let Some(mut pipe) = child.stdin.take() else {
        let _ = child.kill();
        return Err(std::io::Error::other("no pipe to the watchdog"));
    };
    // A watchdog that stops reading must not stop us: a full pipe is a failed write.
    set_nonblocking(&pipe)?;
    let lines: String = groups.iter().map(|g| format!("+ {g}\n")).collect();
    if let Err(e) = pipe.write_all(lines.as_bytes()) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let watcher = std::thread::Builder::new()
        .name("command-watchdog".into())
        .spawn(move || {
            let _ = child.wait();
            restart_after_death(generation);
        });
    if let Err(e) = watcher {
        // It still works; only its death would go unnoticed until the next write fails.
        tracing::debug!(error = %e, "no thread to wait for the command watchdog");
    }
    Ok(Watchdog {
        pipe,
        pid,
        generation,
    })
}

fn set_nonblocking(pipe: &ChildStdin) -> std::io::Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = fcntl(pipe, FcntlArg::F_GETFL).map_err(std::io::Error::from)?;
    let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
    fcntl(pipe, FcntlArg::F_SETFL(flags)).map_err(std::io::Error::from)?;
    Ok(())
}

/// The watchdog of `generation` ended: unless it was replaced already, start another for
/// the groups still running.
fn restart_after_death(generation: u64) {
    let mut registry = registry();
    if registry
        .watchdog
        .as_ref()
        .is_none_or(|w| w.generation != generation)
    {
        return;
    }
    tracing::warn!("the command watchdog ended; starting another");
    registry.watchdog = None;
    if !registry.groups.is_empty() {
        registry.start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the script with `input` on stdin, as `sh` would after our death, with `kill`
    /// replaced by `echo` so nothing is signalled.
    fn dry(input: &str) -> String {
        let script = SCRIPT
            .replace("kill -s", "echo kill -s")
            .replace("sleep 0.2", ":");
        let mut child = Command::new("/bin/sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sh");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        String::from_utf8(out.stdout).expect("utf-8")
    }

    #[test]
    fn the_script_kills_what_is_still_registered_at_end_of_file() {
        let out = dry("+ 10\n+ 2\n+ 12\n+ 13\n- 2\nbogus line\n+ 1;rm\n- 99\n+ 7\n- 10\n");
        assert_eq!(
            out,
            "kill -s TERM -- -12\nkill -s CONT -- -12\nkill -s TERM -- -13\nkill -s CONT -- -13\n\
             kill -s TERM -- -7\nkill -s CONT -- -7\nkill -s KILL -- -12\nkill -s KILL -- -13\n\
             kill -s KILL -- -7\n"
        );
        assert_eq!(
            dry("+ 1\n+ 0\n+ -5\n"),
            "",
            "`kill -- -1` would signal every process: never sent"
        );
        assert_eq!(dry("+ 5\n- 5\n"), "", "nothing registered, nothing killed");
        assert_eq!(dry(""), "");
    }

    #[test]
    fn a_killed_watchdog_is_replaced_and_told_every_live_group() {
        // A group id that no process has: pid_max is far below it.
        let fake = 1_999_999_999;
        register(fake);
        let first = watchdog_pid().expect("a watchdog runs");
        kill(Pid::from_raw(first), Signal::SIGKILL).expect("kill the watchdog");
        let mut second = None;
        for _ in 0..200 {
            second = watchdog_pid().filter(|pid| *pid != first);
            if second.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(second.is_some(), "no new watchdog after the first died");
        assert!(registry().groups.contains(&fake));
        forget(fake);
        assert!(!registry().groups.contains(&fake));
    }
}
