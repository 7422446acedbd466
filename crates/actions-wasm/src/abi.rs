//! The raw ABI, and the only place in this workspace that touches pointers.
//!
//! Version 1, all integers little-endian `i32`/`u32` in wasm32 linear memory:
//! - `abi_version() -> u32`: 1.
//! - `alloc(len) -> ptr`: reserves `len` bytes for the host to write an input into; `0` when
//!   the module cannot grow its memory (the host reports that, nothing traps).
//! - `dealloc(ptr, len)`: gives back a region from `alloc` or from an entry's answer.
//! - one entry per Action, `manage_subscription(ptr, len, now_ms: f64) -> answer` and
//!   `set_default_member_role(ptr, len, now_ms: f64) -> answer`: reads `len` bytes of event
//!   JSON at `ptr` (it does not free them) and `now_ms` as `Date.now()` gives it. The answer
//!   points at a region of `4 + n` bytes, a `u32` `n` then `n` bytes of JSON:
//!   `{"effects": [...]}` or `{"error": {"code", "message"}}`. `0` only when the module could
//!   not allocate the answer. The host frees the answer with `dealloc(answer, 4 + n)`.
//!
//! No input traps: JSON that does not parse, a `now` that is not a time, a region outside
//! memory, each comes back as an `{"error": ...}` answer.

use actions_core::{Action, InputErrorData, Outcome, run_json};

mod allocator;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: allocator::Bump = allocator::Bump::new();

pub const ABI_VERSION: u32 = 1;

#[unsafe(no_mangle)]
pub extern "C" fn abi_version() -> u32 {
    ABI_VERSION
}

#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: u32) -> u32 {
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

/// # Safety
/// `ptr` and `len` must be a region returned by `alloc` or by an entry, not yet given back.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dealloc(ptr: u32, len: u32) {
    if ptr == 0 || !in_memory(ptr, len) {
        return;
    }
    // SAFETY: the caller returns a region this module leaked as a boxed slice of `len` bytes.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr as *mut u8, len as usize)) });
}

/// One entry per Action, named after its module in the table (`actions_core::for_each_action`),
/// which is also the `export` its spec names: the two cannot disagree.
macro_rules! entries {
    ($($variant:ident => $module:ident),* $(,)?) => {$(
        /// # Safety
        /// `ptr` and `len` must be a region from `alloc` that the host filled with the input.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $module(ptr: u32, len: u32, now_ms: f64) -> u32 {
            // SAFETY: forwarded from this function's contract.
            unsafe { entry(Action::$variant, ptr, len, now_ms) }
        }
    )*};
}

actions_core::for_each_action!(entries);

/// # Safety
/// As for the entries.
unsafe fn entry(action: Action, ptr: u32, len: u32, now_ms: f64) -> u32 {
    let outcome = if len == 0 {
        run_json(action, b"", now_ms)
    } else if ptr == 0 || !in_memory(ptr, len) {
        Outcome::Error(InputErrorData {
            code: "bad_region".to_owned(),
            message: format!("expected an input region inside memory, found {len} bytes at {ptr}"),
        })
    } else {
        // SAFETY: the region lies inside linear memory, and the host filled it after `alloc`.
        let input = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) };
        run_json(action, input, now_ms)
    };
    answer(&outcome)
}

fn answer(outcome: &Outcome) -> u32 {
    // Written once, behind a 4-byte header that is filled in last: no second buffer, no copy.
    let mut region: Vec<u8> = Vec::new();
    if region.try_reserve_exact(256).is_err() {
        return 0;
    }
    region.extend_from_slice(&[0; 4]);
    outcome.write_json(&mut region);
    let Ok(json_len) = u32::try_from(region.len() - 4) else {
        return 0;
    };
    if let Some(header) = region.get_mut(..4) {
        header.copy_from_slice(&json_len.to_le_bytes());
    }
    leak(region)
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
