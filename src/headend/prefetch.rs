//! Prefetching the state the next few events will touch. Changes nothing
//! the model computes (see `engine::prefetch`); on the metro scenario it cut
//! the wall time by a quarter (docs/performance.md).

use super::stream::Owner;
use super::{Headend, HeadendEv};
use crate::engine::prefetch;
use crate::headend::stream::NO_MODULE;

impl Headend {
    /// Starts loading the state the next few events will touch, in stages
    /// an event apart so each load has an event's time to arrive: two events
    /// ahead, a deadline's stream; one ahead, what the stream points to (its
    /// reads, and the disks of the extent about to play and of the next one
    /// to read, with their queues and random streams); next, the reads those
    /// disks have in service. A real disk completion: its disk and read, then
    /// the read's stream. `upcoming` lists the next events in order, `None`
    /// for another component's.
    pub fn prefetch_upcoming(&self, mut upcoming: impl Iterator<Item = Option<HeadendEv>>) {
        if !self.prefetch {
            // A small model's state mostly stays in cache, but not the next
            // stream's two lines (last touched a service period ago): one
            // prefetch, no more (docs/performance.md).
            if let Some(Some(HeadendEv::Boundary { stream, .. })) = upcoming.next() {
                prefetch(&self.streams[stream as usize]);
            }
            return;
        }
        for (k, ev) in upcoming.take(5).enumerate() {
            let Some(ev) = ev else { continue };
            match (ev, k) {
                (HeadendEv::Boundary { stream, .. }, 4) => prefetch(&self.streams[stream as usize]),
                (HeadendEv::Boundary { stream, .. }, 2 | 0) => {
                    let st = &self.streams[stream as usize];
                    if k == 2 {
                        for r in [st.playing, st.next_read].into_iter().flatten() {
                            prefetch(self.reads.get(r));
                        }
                    }
                    if st.module == NO_MODULE {
                        continue;
                    }
                    let m = st.module as usize;
                    for e in [st.cur.wrapping_add(1), st.cur.wrapping_add(2)] {
                        let d = self.layout.disk_of(st.title, e);
                        if k == 2 {
                            self.prefetch_disk(m, d);
                        } else if let Some(r) = self.disks[self.layout.disk_ix(m, d)].current {
                            prefetch(self.reads.get(r));
                        }
                    }
                }
                (HeadendEv::DiskDone { module, disk, read }, 1 | 2) => {
                    self.prefetch_disk(module as usize, disk as usize);
                    prefetch(self.reads.get(read));
                }
                (HeadendEv::DiskDone { read, .. }, 0) => {
                    if let Owner::Stream { stream, .. } = self.reads.get(read).owner {
                        prefetch(&self.streams[stream as usize]);
                    }
                }
                _ => {}
            }
        }
    }

    /// Starts loading what a dispatch on disk `d` of module `m` touches: its
    /// state, its queue and its random stream.
    fn prefetch_disk(&self, m: usize, d: usize) {
        let ix = self.layout.disk_ix(m, d);
        let disk = &self.disks[ix];
        prefetch(disk);
        disk.queue.prefetch();
        prefetch(&self.disk_rng[ix]);
    }
}
