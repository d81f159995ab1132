//! Ctrl-C and SIGTERM: a long run or sweep stops cleanly instead of dying
//! mid-write. The handler only records the signal (all a handler may safely
//! do); the event loop polls it at its progress cadence (every 65 536
//! events, `sim::World::advance`), the staging writer before it puts a run
//! in place, and a sweep between runs. Whoever sees it unwinds with an
//! error, which removes the staging directory, and the binary exits
//! 128 + the signal (130 for SIGINT, 143 for SIGTERM).
//!
//! Installed only by the commands that run simulations (`run`, `sweep`):
//! the others keep the default action, dying at once, which loses nothing.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The last SIGINT or SIGTERM received, 0 before; set by `signal-hook`'s
/// handler, which does nothing else (async-signal-safe) and is installed
/// with `SA_RESTART`, so a system call it lands in (a write, the
/// output-folder lock) resumes rather than failing with `EINTR`.
static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Routes SIGINT and SIGTERM to the flag.
pub fn install() {
    let flag = RECEIVED.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // signal-hook refuses only signals that must not be caught (SIGKILL,
        // SIGSTOP, SIGILL, SIGFPE, SIGSEGV); were these refused, they would
        // keep their default action and end the run at once.
        let _ = signal_hook::flag::register_usize(sig, Arc::clone(flag), sig as usize);
    }
}

/// The signal received since `install`, if any.
#[inline]
pub fn received() -> Option<i32> {
    match RECEIVED.get()?.load(Ordering::Relaxed) {
        0 => None,
        s => i32::try_from(s).ok(),
    }
}

/// The exit code of a process stopped by `sig`: 128 + its number.
pub fn exit_code(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(130)
}

/// The signal's name, for messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(exit_code(libc::SIGINT), 130);
        assert_eq!(exit_code(libc::SIGTERM), 143);
    }
}
