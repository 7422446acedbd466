//! The module's global allocator: a bump allocator that starts over whenever no allocation
//! is live.
//!
//! Why not the default (dlmalloc): it is about 7 kB of code, a tenth of the module, and the
//! module's life is a sequence of short calls (`alloc` the input, run, answer, and the host
//! gives both regions back), after which nothing is live. Bumping is then enough: memory
//! used during a call is reclaimed as a whole when its last region is given back, so a warm
//! instance that serves thousands of logins does not grow (the shim's tests call it 10,000
//! times and check that memory stays flat).
//!
//! Each entry is also an arena ([`Bump::rewind`]): when the answer is written, everything the
//! call allocated is given back at once and the answer moves down to where the call's first
//! allocation was, so the call's parsed input is never freed piece by piece.
//!
//! Architecture invariant: the module holds no allocation across calls (no lazily built
//! statics). If one ever did, nothing would be reclaimed after it and memory would grow by
//! one call's worth each time; that test would fail.

// Installed on wasm32 only; elsewhere (the native unit-test build) it is compiled but unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

const PAGE: usize = 65_536;

/// Where the next allocation may start, the end of memory, and how many allocations are
/// live. `start == 0` until the first allocation, which takes the end of what the linker
/// laid out (stack and data, `__heap_base`) as the start of the heap, and the memory's size
/// as its end.
#[derive(Debug)]
pub struct Bump {
    start: Cell<usize>,
    next: Cell<usize>,
    end: Cell<usize>,
    live: Cell<usize>,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
unsafe impl Sync for Bump {}

impl Bump {
    pub const fn new() -> Self {
        Bump { start: Cell::new(0), next: Cell::new(0), end: Cell::new(0), live: Cell::new(0) }
    }
}

impl Default for Bump {
    fn default() -> Self {
        Bump::new()
    }
}

/// Grows linear memory by `pages`; the old end in bytes, or `None` when refused.
#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> Option<usize> {
    let old = core::arch::wasm32::memory_grow(0, pages);
    (old != usize::MAX).then(|| old * PAGE)
}

/// Where the linker's layout (stack, then data) ends: the first byte of the heap. The memory
/// starts larger than that (`--initial-memory`, .cargo/config.toml), so a call's allocations
/// fit in the memory a fresh instance already has and it never grows.
#[cfg(target_arch = "wasm32")]
fn heap_base() -> usize {
    unsafe extern "C" {
        // wasm-ld's own symbol, defined in every module it links.
        static __heap_base: u8;
    }
    // Only the symbol's address is taken, never its byte.
    &raw const __heap_base as usize
}

#[cfg(target_arch = "wasm32")]
fn memory_end() -> usize {
    core::arch::wasm32::memory_size(0) * PAGE
}

// Off wasm the crate is only type-checked and unit-tested; the allocator is not installed.
#[cfg(not(target_arch = "wasm32"))]
fn grow(_pages: usize) -> Option<usize> {
    None
}

#[cfg(not(target_arch = "wasm32"))]
fn memory_end() -> usize {
    0
}

#[cfg(not(target_arch = "wasm32"))]
fn heap_base() -> usize {
    0
}

/// Where the heap stood when a call began: what [`Bump::rewind`] goes back to.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    next: usize,
    live: usize,
}

impl Bump {
    pub fn mark(&self) -> Mark {
        Mark { next: self.next.get(), live: self.live.get() }
    }

    /// Gives back every allocation made since `mark` but `keep`, whose bytes move down to
    /// where the first of them started; `keep` comes back as an allocation of exactly its
    /// length (so handing it out as a boxed slice copies nothing).
    ///
    /// # Safety
    /// Nothing allocated since `mark` may be used again but `keep` (every other value of the
    /// call was dropped or forgotten).
    pub unsafe fn rewind(&self, mark: Mark, keep: Vec<u8>) -> Vec<u8> {
        let mut keep = core::mem::ManuallyDrop::new(keep);
        let (from, len) = (keep.as_mut_ptr(), keep.len());
        let to = mark.next;
        // Before the heap's first allocation there is nothing to rewind to; and `keep` must
        // lie above the mark (allocated since), which it does when the contract holds.
        if to == 0 || (from as usize) < to || len == 0 {
            return core::mem::ManuallyDrop::into_inner(keep);
        }
        // SAFETY: both ranges lie inside the heap (`to` <= `from`, `from + len` <= `end`);
        // `copy` allows them to overlap.
        unsafe { core::ptr::copy(from, to as *mut u8, len) };
        self.next.set(to + len);
        self.live.set(mark.live + 1);
        // SAFETY: `[to, to + len)` is now this allocator's most recent allocation, of `len`
        // bytes of alignment 1, initialised by the copy.
        unsafe { Vec::from_raw_parts(to as *mut u8, len, len) }
    }
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.start.get() == 0 {
            let base = heap_base();
            self.start.set(base);
            self.next.set(base);
            self.end.set(memory_end());
        }
        let Some(at) = self.next.get().checked_next_multiple_of(layout.align()) else {
            return core::ptr::null_mut();
        };
        let Some(until) = at.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        if until > self.end.get() {
            let pages = (until - self.end.get()).div_ceil(PAGE);
            match grow(pages) {
                // Memory is only grown here, so the old end is ours.
                Some(old_end) if old_end == self.end.get() => self.end.set(old_end + pages * PAGE),
                _ => return core::ptr::null_mut(),
            }
        }
        self.next.set(until);
        self.live.set(self.live.get() + 1);
        at as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let live = self.live.get().saturating_sub(1);
        self.live.set(live);
        if live == 0 {
            self.next.set(self.start.get());
        } else if ptr as usize + layout.size() == self.next.get() {
            // The most recent allocation: give its bytes back at once.
            self.next.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let at = ptr as usize;
        // The most recent allocation grows or shrinks in place when memory allows.
        if at + layout.size() == self.next.get()
            && let Some(until) = at.checked_add(new_size)
            && until <= self.end.get()
        {
            self.next.set(until);
            return ptr;
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return core::ptr::null_mut();
        };
        // SAFETY: forwarded from this function's contract; the regions do not overlap.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
