//! A bump allocator: an adapter serves a handful of calls per instance (the environment is
//! read once at start-up), so never freeing costs little and saves a general allocator's code
//! in every virtualized component.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

const PAGE: usize = 65536;

struct Bump {
    next: Cell<usize>,
    end: Cell<usize>,
}

// Wasm instances here are single-threaded.
unsafe impl Sync for Bump {}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: Cell::new(0),
    end: Cell::new(0),
};

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let align = layout.align();
        let mut start = (self.next.get() + align - 1) & !(align - 1);
        if self.end.get() == 0 || start + layout.size() > self.end.get() {
            let pages = (layout.size() + align).div_ceil(PAGE);
            let previous = core::arch::wasm32::memory_grow(0, pages);
            if previous == usize::MAX {
                return core::ptr::null_mut();
            }
            // Memory grown elsewhere (the stack, data) lies between: start afresh at the new pages.
            if previous * PAGE != self.end.get() {
                start = (previous * PAGE + align - 1) & !(align - 1);
            }
            self.end.set((previous + pages) * PAGE);
        }
        self.next.set(start + layout.size());
        start as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}
