//! Content layout (FIG. 3A): each title is a sequence of extents striped
//! round-robin over the disks of a module, starting at a per-title disk,
//! and replicated on a subset of modules.

/// Where titles and extents live.
pub struct Layout {
    pub modules: u32,
    pub disks: u32,
    pub titles: u32,
    pub replicas: u32,
    pub title_packets: u64,
    /// Packets per extent on each module.
    pub extent_packets: Vec<u64>,
    pub cylinders: u32,
    /// Extent slots per disk on each module, to spread titles over the
    /// surface when placement is striped.
    slots_per_disk: Vec<u64>,
}

impl Layout {
    pub fn new(
        modules: u32,
        disks: u32,
        titles: u32,
        replicas: u32,
        title_packets: u64,
        extent_packets: Vec<u64>,
        cylinders: u32,
    ) -> Layout {
        let slots_per_disk = extent_packets
            .iter()
            .map(|&n| {
                let per_title = title_packets.div_ceil(n).div_ceil(disks as u64);
                // Titles on one module: each title has `replicas` copies spread over M modules.
                let titles_here = (titles as u64 * replicas as u64).div_ceil(modules as u64);
                (per_title * titles_here).max(1)
            })
            .collect();
        Layout { modules, disks, titles, replicas, title_packets, extent_packets, cylinders, slots_per_disk }
    }

    /// Extents of a title on module `m` (the last one may be short).
    pub fn extents(&self, m: usize) -> u32 {
        self.title_packets.div_ceil(self.extent_packets[m]) as u32
    }

    /// True if module `m` stores title `t`: title t is on modules t, t+1, …
    /// t+replicas-1 (mod M), so copies spread evenly.
    pub fn holds(&self, m: usize, t: u32) -> bool {
        let first = t % self.modules;
        (m as u32 + self.modules - first) % self.modules < self.replicas
    }

    /// FIG. 3A: extent e of title t is on disk (start(t) + e) mod D, with the
    /// title's first extent on disk t mod D.
    pub fn disk_of(&self, t: u32, e: u32) -> usize {
        ((t as u64 + e as u64) % self.disks as u64) as usize
    }

    /// Cylinder of extent e of title t on module m with striped placement:
    /// titles are laid out in order, each disk holding its share of every
    /// title's extents contiguously.
    pub fn cylinder_of(&self, m: usize, t: u32, e: u32) -> u32 {
        let per_title = self.title_packets.div_ceil(self.extent_packets[m]).div_ceil(self.disks as u64);
        let title_rank = (t as u64 * self.replicas as u64) / self.modules as u64;
        let slot = title_rank * per_title + e as u64 / self.disks as u64;
        ((slot % self.slots_per_disk[m]) * self.cylinders as u64 / self.slots_per_disk[m]) as u32
    }

    /// Packets of extent e of the title on module m, as [start, end).
    pub fn extent_span(&self, m: usize, e: u32) -> (u64, u64) {
        let n = self.extent_packets[m];
        let start = e as u64 * n;
        (start, (start + n).min(self.title_packets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fig_3a_striping_puts_extent_0_of_title_1_on_disk_1() {
        // FIG. 3A: six disks, extent 0 on disk 1, extent 4 on disk 5, extent 5 on disk 0.
        let l = Layout::new(2, 6, 10, 2, 2700 * 4987, vec![4987; 2], 6962);
        assert_eq!(l.disk_of(1, 0), 1);
        assert_eq!(l.disk_of(1, 4), 5);
        assert_eq!(l.disk_of(1, 5), 0);
        assert_eq!(l.extents(0), 2700);
    }

    #[test]
    fn replicas_cover_consecutive_modules() {
        let l = Layout::new(4, 2, 8, 2, 100, vec![10; 4], 100);
        let holders: Vec<usize> = (0..4).filter(|&m| l.holds(m, 3)).collect();
        assert_eq!(holders, vec![0, 3]);
        assert!((0..8).all(|t| (0..4).filter(|&m| l.holds(m, t)).count() == 2));
        assert!(l.cylinder_of(0, 7, 99) < 100);
    }
}
