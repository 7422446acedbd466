//! `runner`: build, replay, bundle and deploy Auth0 Actions written in Rust. The command line
//! is the library's ([`runner::cli`]); this binary holds no Actions of its own: it runs
//! whatever modules it is given.

use std::process::ExitCode;

// A replay allocates and frees each event's JSON tree; mimalloc does that in about a third of
// glibc's time (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_huge_pages();
    // SAFETY: sets one of mimalloc's integer options; any value is valid for it.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    runner::cli::main(&[])
}

/// `mi_option_purge_delay` of mimalloc.h (its enum keeps retired options in place, so the
/// numbers hold across releases; the Rust binding does not name this one). Freed memory goes
/// back to the system at once instead of 10 ms later: 26.6 MB resident instead of 33 MB on
/// the default flow, for no measurable time.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Where transparent huge pages are on for every mapping (`always`), each of mimalloc's
/// arenas faults in 2 MiB at a time and a replay's resident memory triples (22 MB to 77 MB
/// on the default flow). Pages fault in after this as 4 KiB ones; nothing else changes.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and touches no memory of ours;
    // its result is ignored, as a kernel without it only leaves the default.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}
