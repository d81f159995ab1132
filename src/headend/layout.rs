//! Content layout (FIG. 3A): each title is a sequence of extents striped
//! round-robin over the disks of a module, starting at a per-title disk,
//! and replicated on a subset of modules.

/// Where titles and extents live. Titles come in bit-rate classes
/// (`content.classes`; one class without it): a title's extents hold a
/// module's service period at its class's rate, so extent sizes depend on
/// the module and the class. Every figure of a title's extents is indexed
/// by a *site*, `class * modules + module` (`site`), which a stream keeps
/// (`Stream::site`) so that its deadlines index as they did with one class.
pub struct Layout {
    pub modules: u32,
    pub disks: u32,
    pub titles: u32,
    pub replicas: u32,
    pub cylinders: u32,
    /// A title's extents at each site.
    sites: Vec<Site>,
    /// Class of each title; empty when there is one class.
    class_of: Vec<u8>,
    /// `disks`' constant for `fast_mod` (2^64 / disks, rounded up).
    disks_magic: u64,
    /// Where titles occupy blocks (validated drive); `None` for the formula
    /// disk, whose titles take no space.
    blocks: Option<Blocks>,
}

/// A title's extents on one module for one class, in one place so that a
/// deadline finds them with one bounds check and one cache line.
#[derive(Clone, Copy, Debug)]
struct Site {
    /// Packets per extent.
    extent_packets: u64,
    /// Packets in a title.
    title_packets: u64,
    /// Extents of a title: `title_packets` / `extent_packets` rounded up.
    /// This, `per_title` and `slots_per_disk` are derived in `new`, so that
    /// a read does not redivide them.
    extents: u64,
    /// Extents of one title on one disk: `extents` / `disks` rounded up [extents].
    per_title: u64,
    /// Extent slots per disk, to spread titles over the surface when
    /// placement is striped (a slot is an extent of the class; the formula
    /// disk's cylinders are a position, not a capacity).
    slots_per_disk: u64,
}

/// The block layout of a module's disks under the validated drive: each
/// module lays out the titles it stores in title order (the most popular
/// first), each title taking `per_title` extent slots of `extent_sectors`
/// blocks on every disk, its extents on a disk contiguous and ascending.
#[derive(Clone, Debug)]
pub struct Blocks {
    /// Blocks on one disk [sectors].
    pub capacity_sectors: u64,
    /// Blocks of one extent slot on each module (an extent rounded up to
    /// whole sectors) [sectors].
    pub extent_sectors: Vec<u64>,
    /// Titles each module stores, in title order (`Scenario::titles_fit`).
    pub fit: Vec<u64>,
    /// The most popular titles at the last blocks (inner zones) instead of
    /// the first.
    pub popular_inner: bool,
}

/// Titles below `t` that module `m` holds a copy of (of `modules`, each
/// title on `replicas` consecutive modules from module `t mod modules`):
/// module m holds the titles whose residue mod `modules` lies in the
/// cyclic range m − replicas + 1 ..= m.
pub fn held_before(modules: u32, replicas: u32, m: u32, t: u32) -> u64 {
    let (q, j) = (u64::from(t / modules), i64::from(t % modules));
    let (r, m) = (i64::from(replicas.min(modules)), i64::from(m));
    let lo = m - r + 1;
    let below = if lo >= 0 { (j - lo).clamp(0, r) } else { j.min(m + 1) + (j - (lo + i64::from(modules))).max(0) };
    q * r as u64 + below as u64
}

/// Titles of a library of `titles` that module `m` holds a copy of.
pub fn titles_held(modules: u32, replicas: u32, titles: u32, m: u32) -> u64 {
    let (q, rest) = (u64::from(titles / modules), titles % modules);
    // `held_before` for a title one past the last, without overflowing u32.
    q * u64::from(replicas.min(modules)) + held_before(modules, replicas, m, rest)
}

/// `a % d` by two multiplications instead of a division (Lemire, Kaser and
/// Kurz, "Faster remainder by direct computation", 2019), exact for every
/// u32 `a` and `d` > 0 given `magic` = `u64::MAX / d + 1` (wrapping, so 0
/// for `d` = 1). A 32-bit division is ~10–14 cycles of latency on this
/// machine's cores and `disk_of` runs on every read.
#[inline]
fn fast_mod(a: u32, magic: u64, d: u32) -> u32 {
    let low = magic.wrapping_mul(u64::from(a));
    ((u128::from(low) * u128::from(d)) >> 64) as u32
}

impl Layout {
    /// A layout of one class: titles of `title_packets`, extents of
    /// `extent_packets[m]` on module m.
    pub fn new(
        modules: u32,
        disks: u32,
        titles: u32,
        replicas: u32,
        title_packets: u64,
        extent_packets: Vec<u64>,
        cylinders: u32,
    ) -> Layout {
        Layout::with_classes(modules, disks, titles, replicas, &[(title_packets, extent_packets)], Vec::new(), cylinders)
    }

    /// A layout of several classes: class c has titles of `classes[c].0`
    /// packets and extents of `classes[c].1[m]` on module m; title t is of
    /// class `class_of[t]` (every title of class 0 if `class_of` is empty).
    pub fn with_classes(
        modules: u32,
        disks: u32,
        titles: u32,
        replicas: u32,
        classes: &[(u64, Vec<u64>)],
        class_of: Vec<u8>,
        cylinders: u32,
    ) -> Layout {
        // Titles on one module: each title has `replicas` copies spread over M modules.
        let titles_here = (titles as u64 * replicas as u64).div_ceil(modules as u64);
        let sites = classes
            .iter()
            .flat_map(|(tp, ep)| {
                ep.iter().map(move |&n| {
                    let extents = tp.div_ceil(n);
                    let per_title = extents.div_ceil(disks as u64);
                    Site { extent_packets: n, title_packets: *tp, extents, per_title, slots_per_disk: (per_title * titles_here).max(1) }
                })
            })
            .collect();
        let disks_magic = (u64::MAX / u64::from(disks.max(1))).wrapping_add(1);
        Layout { modules, disks, titles, replicas, cylinders, sites, class_of, disks_magic, blocks: None }
    }

    /// Class of title `t`.
    #[inline]
    pub fn class_of(&self, t: u32) -> usize {
        if self.class_of.is_empty() { 0 } else { self.class_of.get(t as usize).map_or(0, |&c| c as usize) }
    }

    /// The site of module `m` for class `c`.
    #[inline]
    pub fn site(&self, m: usize, c: usize) -> usize {
        c * self.modules as usize + m
    }

    /// Packets in a title of class `c`.
    #[inline]
    pub fn title_packets(&self, c: usize) -> u64 {
        self.sites[self.site(0, c)].title_packets
    }

    /// Packets per extent of class `c` on module `m`.
    #[inline]
    pub fn extent_packets(&self, m: usize, c: usize) -> u64 {
        self.sites[self.site(m, c)].extent_packets
    }

    /// The layout with titles occupying blocks as `blocks` says.
    pub fn with_blocks(mut self, blocks: Blocks) -> Layout {
        self.blocks = Some(blocks);
        self
    }

    /// First block of extent `e` of title `t` on its disk of module `m`,
    /// and the extent's blocks; `None` without a block layout.
    pub fn lbn_of(&self, m: usize, t: u32, e: u32) -> Option<u64> {
        let b = self.blocks.as_ref()?;
        let sectors = b.extent_sectors[m];
        let rank = held_before(self.modules, self.replicas, m as u32, t);
        // One class: the block layout is refused with several.
        let per_title = self.sites[m].per_title;
        let slot = u64::from(e / self.disks);
        let lbn = match b.popular_inner {
            false => (rank * per_title + slot) * sectors,
            true => b.capacity_sectors.checked_sub((rank + 1) * per_title * sectors)? + slot * sectors,
        };
        Some(lbn)
    }

    /// Extents of a title of class `c` on module `m` (the last one may be short).
    #[inline]
    pub fn extents(&self, m: usize, c: usize) -> u32 {
        self.extents_at(self.site(m, c))
    }

    /// `extents` at a site.
    #[inline(always)]
    pub fn extents_at(&self, site: usize) -> u32 {
        self.sites[site].extents as u32
    }

    /// True if the library's replica map assigns title `t` to module `m`
    /// (title t to modules t, t+1, … t+replicas-1 mod M), whether or not
    /// the module found room to store it.
    pub fn catalogued(&self, m: usize, t: u32) -> bool {
        let first = t % self.modules;
        (m as u32 + self.modules - first) % self.modules < self.replicas
    }

    /// True if module `m` stores title `t`: title t is on modules t, t+1, …
    /// t+replicas-1 (mod M), so copies spread evenly.
    /// With a block layout, only the titles that fit are stored (the most
    /// popular first, `content.when_full`).
    pub fn holds(&self, m: usize, t: u32) -> bool {
        self.catalogued(m, t) && self.blocks.as_ref().is_none_or(|b| held_before(self.modules, self.replicas, m as u32, t) < b.fit[m])
    }

    /// FIG. 3A: extent e of title t is on disk (start(t) + e) mod D, with the
    /// title's first extent on disk t mod D.
    pub fn disk_of(&self, t: u32, e: u32) -> usize {
        match t.checked_add(e) {
            Some(sum) => fast_mod(sum, self.disks_magic, self.disks) as usize,
            None => ((t as u64 + e as u64) % self.disks as u64) as usize,
        }
    }

    /// Position of disk `d` of module `m` among all modules' disks, module by
    /// module (`Headend::disks`, the disks' random streams).
    #[inline]
    pub fn disk_ix(&self, m: usize, d: usize) -> usize {
        m * self.disks as usize + d
    }

    /// Cylinder of extent e of title t on module m with striped placement:
    /// titles are laid out in order, each disk holding its share of every
    /// title's extents contiguously.
    pub fn cylinder_of(&self, m: usize, t: u32, e: u32) -> u32 {
        self.cylinder_at(self.site(m, self.class_of(t)), t, e)
    }

    /// `cylinder_of` at the site of module m for title t's class.
    #[inline]
    pub fn cylinder_at(&self, site: usize, t: u32, e: u32) -> u32 {
        let Site { per_title, slots_per_disk: slots, .. } = self.sites[site];
        // Five u64 divisions per striped read, of which the two in
        // `per_title` depend on the module only (precomputed in `new`) and
        // `slot % slots` is the identity for the extents of a title (t <
        // titles, e < extents(m) make slot < slots), so it is taken only
        // when out of range. Callgrind on default: 69 to 43 instructions a
        // call, 65 k calls.
        let title_rank = (t as u64 * self.replicas as u64) / self.modules as u64;
        let slot = title_rank * per_title + u64::from(e / self.disks);
        let slot = if slot < slots { slot } else { slot % slots };
        (slot * self.cylinders as u64 / slots) as u32
    }

    /// Packets of extent e of a title of class `c` on module m, as [start, end).
    #[inline]
    pub fn extent_span(&self, m: usize, c: usize, e: u32) -> (u64, u64) {
        self.extent_span_at(self.site(m, c), e)
    }

    /// `extent_span` at a site.
    #[inline(always)]
    pub fn extent_span_at(&self, site: usize, e: u32) -> (u64, u64) {
        let Site { extent_packets: n, title_packets, .. } = self.sites[site];
        let start = e as u64 * n;
        (start, (start + n).min(title_packets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_mod_is_the_remainder() {
        let mut rng = crate::engine::RngStreams::new(5).stream("fast_mod");
        let mut divisors = vec![1, 2, 3, 6, 7, 16, 64, 1000, 65_537, u32::MAX - 1, u32::MAX];
        divisors.extend((0..200).map(|_| rng.below(u64::from(u32::MAX)) as u32 + 1));
        for d in divisors {
            let magic = (u64::MAX / u64::from(d)).wrapping_add(1);
            let mut numerators = vec![0, 1, d - 1, d, d.wrapping_add(1), u32::MAX - 1, u32::MAX];
            numerators.extend((0..200).map(|_| rng.below(1 << 32) as u32));
            for a in numerators {
                assert_eq!(fast_mod(a, magic, d), a % d, "{a} % {d}");
            }
        }
    }

    #[test]
    fn fig_3a_striping_puts_extent_0_of_title_1_on_disk_1() {
        // FIG. 3A: six disks, extent 0 on disk 1, extent 4 on disk 5, extent 5 on disk 0.
        let l = Layout::new(2, 6, 10, 2, 2700 * 4987, vec![4987; 2], 6962);
        assert_eq!(l.disk_of(1, 0), 1);
        assert_eq!(l.disk_of(1, 4), 5);
        assert_eq!(l.disk_of(1, 5), 0);
        assert_eq!(l.extents(0, 0), 2700);
    }

    /// The formulas `new` now precomputes, as they were computed per call.
    fn old_extents(l: &Layout, m: usize) -> u32 {
        l.title_packets(0).div_ceil(l.extent_packets(m, 0)) as u32
    }
    fn old_cylinder_of(l: &Layout, m: usize, t: u32, e: u32) -> u32 {
        let per_title = l.title_packets(0).div_ceil(l.extent_packets(m, 0)).div_ceil(l.disks as u64);
        let title_rank = (t as u64 * l.replicas as u64) / l.modules as u64;
        let slot = title_rank * per_title + e as u64 / l.disks as u64;
        let slots = l.sites[m].slots_per_disk;
        ((slot % slots) * l.cylinders as u64 / slots) as u32
    }

    #[test]
    fn precomputed_cylinder_of_equals_the_per_call_formula() {
        let mut rng = crate::engine::RngStreams::new(11).stream("layout");
        for case in 0..400 {
            let modules = 1 + rng.below(8) as u32;
            let replicas = 1 + rng.below(modules as u64) as u32;
            let disks = 1 + rng.below(12) as u32;
            // Small libraries of long titles and big libraries of short ones,
            // kept where slot × cylinders fits in u64 as the validator keeps
            // real scenarios.
            let small = case % 2 == 0;
            let titles = 1 + rng.below(if small { 50 } else { 10_000_000 }) as u32;
            // Short titles, titles of one extent, and an empty title among them.
            let title_packets = match case % 5 {
                0 => rng.below(40),
                _ => rng.below(2700 * 4987 * 2),
            };
            let min_extent = if small { 1 } else { 1_000 };
            let extent_packets: Vec<u64> = (0..modules).map(|_| min_extent + rng.below(10_000)).collect();
            let cylinders = 1 + rng.below(match case % 3 {
                0 => 100,
                _ if small => 10_000_000,
                _ => 1_000_000,
            }) as u32;
            let l = Layout::new(modules, disks, titles, replicas, title_packets, extent_packets, cylinders);
            for m in 0..modules as usize {
                assert_eq!(l.extents(m, 0), old_extents(&l, m));
                let ext = l.extents(m, 0).max(1);
                for _ in 0..250 {
                    // In range mostly, and beyond the last title and extent too.
                    let t = match rng.below(4) {
                        0 => titles - 1,
                        1 => rng.below(u32::MAX as u64 + 1) as u32,
                        _ => rng.below(titles as u64) as u32,
                    };
                    let e = match rng.below(4) {
                        0 => ext - 1,
                        1 => rng.below(u32::MAX as u64 + 1) as u32,
                        _ => rng.below(ext as u64) as u32,
                    };
                    assert_eq!(l.cylinder_of(m, t, e), old_cylinder_of(&l, m, t, e), "m {m} t {t} e {e}");
                }
            }
        }
    }

    #[test]
    fn held_before_counts_the_titles_a_module_holds() {
        for (modules, replicas) in [(1, 1), (4, 1), (4, 2), (4, 4), (5, 3), (7, 6)] {
            let l = Layout::new(modules, 2, 200, replicas, 100, vec![10; modules as usize], 100);
            for m in 0..modules {
                let mut count = 0;
                for t in 0..200 {
                    assert_eq!(held_before(modules, replicas, m, t), count, "M {modules} r {replicas} m {m} t {t}");
                    count += u64::from(l.holds(m as usize, t));
                }
                assert_eq!(titles_held(modules, replicas, 200, m), count);
            }
        }
    }

    #[test]
    fn extents_of_a_title_are_contiguous_on_each_disk_and_titles_do_not_overlap() {
        // 2 modules, 3 disks, every title on both; 10 extents of 4 sectors a
        // title: disk d holds extents e ≡ d − t (mod 3), at most 4 a title
        // (per_title = ceil(10 / 3) = 4), so title rank k starts at block
        // 16 k. Title 2 extent 5 (disk 1) is its second extent there
        // (5 / 3 = 1): block 32 + 4 = 36. Inner, capacity 1 000: title 2 ends
        // at 1 000 − 32 = 968, starts at 952, extent 5 at 956.
        let blocks = |inner| Blocks { capacity_sectors: 1000, extent_sectors: vec![4, 4], fit: vec![3, 3], popular_inner: inner };
        let outer = Layout::new(2, 3, 5, 2, 100, vec![10; 2], 100).with_blocks(blocks(false));
        assert_eq!(outer.lbn_of(0, 2, 5), Some(36));
        assert_eq!(outer.lbn_of(0, 2, 8), Some(40));
        let inner = Layout::new(2, 3, 5, 2, 100, vec![10; 2], 100).with_blocks(blocks(true));
        assert_eq!(inner.lbn_of(0, 2, 5), Some(956));
        // Three titles fit: titles 3 and 4 are not stored.
        assert!(outer.holds(1, 2) && !outer.holds(1, 3) && !outer.holds(0, 4));
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
