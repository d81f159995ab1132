//! Who is migrated how, when a module must shed its users.
//!
//! The patent gives priority to users who can be migrated seamlessly; users
//! whose next extent sits on a failed disk, or who are already interrupted,
//! "cannot be migrated seamlessly" and are migrated directly, after the
//! others, irrespective of artefacts.

use super::{Cause, Protocol};
use crate::engine::SimTime;
use crate::headend::Headend;
use crate::headend::stream::{Status, StreamId};

/// How one user is to be migrated.
pub struct Plan {
    pub stream: StreamId,
    /// `None`: through the handshake, the source streaming as long as needed;
    /// `Some(h)`: through the handshake, the source can stream until `h`.
    pub horizon: Option<SimTime>,
    pub direct: bool,
}

impl Protocol {
    /// Orders the users of module `m` for migration after `cause`: seamless
    /// candidates first, then direct ones, each group in stream order.
    pub fn triage(&self, now: SimTime, h: &Headend, m: usize, cause: Cause, failed_disk: Option<usize>) -> Vec<Plan> {
        let mut seamless = Vec::new();
        let mut direct = Vec::new();
        let layout = h.layout();
        for st in h.streams() {
            if st.status != Status::Active || st.module as usize != m || self.migrating(st.id).is_some() {
                continue;
            }
            let s = st.id;
            if st.dark_since.is_some() {
                // Already interrupted (module or buffer failure): nothing to
                // save by a careful hand-off, so move it as fast as possible.
                direct.push(Plan { stream: s, horizon: Some(now), direct: true });
                continue;
            }
            let horizon = match (cause, failed_disk) {
                (Cause::DiskFailure, Some(bad)) => {
                    // The source can stream up to the first extent (from the one
                    // being read on) that sits on the failed disk.
                    let c = st.class as usize;
                    let n_ext = layout.extents(m, c);
                    let first = st.cur.wrapping_add(1);
                    let threat = (first..n_ext).take(layout.disks as usize).find(|&e| layout.disk_of(st.title, e) == bad);
                    match threat {
                        Some(e) if e == st.cur.wrapping_add(1) || !st.cur_ok => {
                            // The very next extent (or the current one) is lost
                            // at the source: triage says migrate directly.
                            direct.push(Plan { stream: s, horizon: Some(st.next_deadline), direct: true });
                            continue;
                        }
                        Some(e) => {
                            let (a, _) = layout.extent_span(m, c, e);
                            Some(st.grid.time_of(a, h.bitrate(s)))
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            seamless.push(Plan { stream: s, horizon, direct: false });
        }
        seamless.extend(direct);
        seamless
    }
}
