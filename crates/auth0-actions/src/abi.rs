//! The raw ABI, and the only code of the framework that touches pointers. The entries
//! themselves are written into each Actions crate by [`crate::actions!`]; they call
//! [`entry`].
//!
//! Version 2, all integers little-endian `i32`/`u32` in wasm32 linear memory; the module
//! imports nothing and exports:
//! - `memory`; `abi_version() -> u32`: 2;
//! - `alloc(len) -> ptr`: reserves `len` bytes for the host to write an input into; `0` when
//!   the module cannot grow its memory (the host reports that, nothing traps);
//! - `dealloc(ptr, len)`: gives back a region from `alloc` or an answer;
//! - one entry per Action, `auth0_action:<Name>(handler, ptr, len, answers_ptr, answers_len,
//!   now_ms: f64) -> answer`: handler 0 describes the Action, 1 is its first handler
//!   (`onExecutePostLogin`, ...), 2 its second (`onContinuePostLogin`). It reads `len`
//!   bytes of event JSON at `ptr` and `answers_len` bytes of answers at `answers_ptr`
//!   (`0, 0` when there are none; it frees neither) and `now_ms` as `Date.now()` gives it.
//!   The answer points at a region of `4 + n` bytes, a `u32` `n` then `n` bytes of JSON
//!   ([`crate::action`]); `0` only when the module could not allocate it. The host frees it
//!   with `dealloc(answer, 4 + n)`.
//!
//! No input traps: JSON that does not parse, a `now` that is not a time, a region outside
//! memory, each comes back as an `{"error": ...}` answer.

use crate::action::{Heap, Registered, run_into, write_bad_region};

mod allocator;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: allocator::Bump = allocator::Bump::new();

/// The prefix of every Action's export: `auth0_action:Manage_Subscription`.
pub const EXPORT_PREFIX: &str = "auth0_action:";

/// `abi_version()`.
pub fn abi_version() -> u32 {
    crate::action::ABI_VERSION
}

/// `alloc(len)`.
pub fn alloc(len: u32) -> u32 {
    let mut buffer: Vec<u8> = Vec::new();
    if buffer.try_reserve_exact(len as usize).is_err() {
        return 0;
    }
    // Zeroed so that the region is initialised, which `dealloc` relies on: one `memory.fill`
    // (bulk memory), where `resize` wrote byte by byte.
    // SAFETY: the capacity is at least `len`, and every byte is written before `set_len`.
    unsafe {
        std::ptr::write_bytes(buffer.as_mut_ptr(), 0, len as usize);
        buffer.set_len(len as usize);
    }
    leak(buffer)
}

/// `dealloc(ptr, len)`.
///
/// # Safety
/// `ptr` and `len` must be a region returned by `alloc` or by an entry, not yet given back.
pub unsafe fn dealloc(ptr: u32, len: u32) {
    if ptr == 0 || !in_memory(ptr, len) {
        return;
    }
    // SAFETY: the caller returns a region this module leaked as a boxed slice of `len` bytes.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr as *mut u8, len as usize)) });
}

/// An Action's entry.
///
/// # Safety
/// Each region must be one from `alloc` that the host filled with the input (or `0, 0`).
pub unsafe fn entry(action: &Registered, handler: u32, ptr: u32, len: u32, answers_ptr: u32, answers_len: u32, now_ms: f64) -> u32 {
    #[cfg(target_arch = "wasm32")]
    let mark = ALLOCATOR.mark();
    // Written once, behind a 4-byte header that is filled in last: no second buffer.
    let mut out: Vec<u8> = Vec::new();
    if out.try_reserve_exact(256).is_err() {
        return 0;
    }
    out.extend_from_slice(&[0; 4]);
    // SAFETY: forwarded from this function's contract.
    match unsafe { (region(ptr, len), region(answers_ptr, answers_len)) } {
        (Some(input), Some(answers)) => run_into(&mut out, action, handler, input, answers, now_ms, Heap::Arena),
        _ => write_bad_region(&mut out),
    }
    let Ok(json_len) = u32::try_from(out.len() - 4) else {
        return 0;
    };
    if let Some(header) = out.get_mut(..4) {
        header.copy_from_slice(&json_len.to_le_bytes());
    }
    // SAFETY: the call is over; of what it allocated only `out` is used again.
    #[cfg(target_arch = "wasm32")]
    let out = unsafe { ALLOCATOR.rewind(mark, out) };
    leak(out)
}

/// The bytes of a region the host wrote; `None` when it lies outside memory.
///
/// # Safety
/// A region inside memory must be one the host filled after `alloc`.
unsafe fn region<'a>(ptr: u32, len: u32) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr == 0 || !in_memory(ptr, len) {
        return None;
    }
    // SAFETY: the region lies inside linear memory, and the host filled it after `alloc`.
    Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) })
}

/// Hands a buffer to the host as a boxed slice, so `dealloc(ptr, len)` can rebuild it exactly.
fn leak(buffer: Vec<u8>) -> u32 {
    let boxed = buffer.into_boxed_slice();
    if boxed.is_empty() {
        // A zero-length region needs no memory; its pointer is dangling and never read.
        return 1;
    }
    Box::into_raw(boxed).cast::<u8>() as usize as u32
}

/// Whether `[ptr, ptr + len)` lies inside this module's linear memory.
fn in_memory(ptr: u32, len: u32) -> bool {
    let end = u64::from(ptr) + u64::from(len);
    end <= memory_bytes()
}

#[cfg(target_arch = "wasm32")]
fn memory_bytes() -> u64 {
    (core::arch::wasm32::memory_size(0) as u64) * 65_536
}

/// Off wasm (unit tests of the rlib) pointers are not 32-bit; no region is checked there.
#[cfg(not(target_arch = "wasm32"))]
fn memory_bytes() -> u64 {
    u64::MAX
}
