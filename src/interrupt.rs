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

use std::sync::atomic::{AtomicI32, Ordering};

/// The first SIGINT or SIGTERM received, 0 before.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    // A second signal does not replace the first: its exit code is the
    // one the user caused first.
    let _ = RECEIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// Routes SIGINT and SIGTERM to the flag. `SA_RESTART`: system calls the
/// signal lands in (a write, the output-folder lock) resume rather than
/// failing with `EINTR`; the flag is looked at afterwards.
pub fn install() {
    #[cfg(unix)]
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `on_signal` only does an atomic compare-exchange, which
        // is async-signal-safe; the `sigaction` struct is zero-initialised
        // and then filled with a valid handler, flags and an empty mask.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// The signal received since `install`, if any.
#[inline]
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
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
