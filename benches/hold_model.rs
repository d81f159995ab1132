//! Hold-model micro-benchmark of the pending-event set.
//!
//! The classic hold model (Jones 1986): keep `pending` events in the queue;
//! each operation pops the earliest and pushes one new event at its time
//! plus a random increment, so the queue size stays constant and every
//! event costs one pop and one push. It measures what a discrete-event
//! engine pays per event before any model work, so `scripts/bench.sh` can
//! state vodsim's whole-run events/s as a fraction of it.
//!
//! Variants, same keys and increments:
//! - `bare-binary-heap`: `std::collections::BinaryHeap<Reverse<(u64, u64)>>`,
//!   key only (time [ns], insertion sequence): the floor.
//! - `vodsim-event-queue`: `vodsim::engine::EventQueue<Ev>` carrying the
//!   model's real event type, as a run does.
//! - `quaternary-heap`: a 4-ary min-heap of the same (time, seq, Ev) entries,
//!   a candidate replacement measured for `docs/performance.md`.
//!
//! Usage: `cargo bench --bench hold_model [-- --pending N[,N...]] [--ops N] [--reps N]`.
//! Prints one line per variant and queue size:
//! `hold_model variant=<name> pending=<N> ops=<N> events_per_s=<X> ns_per_event=<Y>`
//! (median of the repetitions).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;
use vodsim::engine::{EventQueue, SimTime};
use vodsim::sim::Ev;

/// Mean increment between an event and the one it schedules [ns]: one
/// 2 s service period, as a stream's extent deadlines are.
const MEAN_INCREMENT_NS: u64 = 2_000_000_000;

/// SplitMix64: a few instructions per draw, so the generator does not
/// dominate what is measured; seeded identically for every variant.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 2 × mean) [ns].
    fn increment(&mut self) -> u64 {
        self.next() % (2 * MEAN_INCREMENT_NS)
    }
}

/// A payload of the model's own event type and size.
fn event(i: u64) -> Ev {
    Ev::Boundary { stream: i as u32, epoch: 0 }
}

/// One queue under test: fill to `pending`, then `ops` hold operations.
trait Hold {
    const NAME: &'static str;
    fn run(pending: usize, ops: u64) -> f64;
}

struct Bare;
impl Hold for Bare {
    const NAME: &'static str = "bare-binary-heap";
    fn run(pending: usize, ops: u64) -> f64 {
        let mut rng = SplitMix(1);
        let mut heap = BinaryHeap::with_capacity(pending + 1);
        let mut seq = 0u64;
        for _ in 0..pending {
            heap.push(Reverse((rng.increment(), seq)));
            seq += 1;
        }
        let t0 = Instant::now();
        for _ in 0..ops {
            let Some(Reverse((t, _))) = heap.pop() else { break };
            heap.push(Reverse((t + rng.increment(), seq)));
            seq += 1;
        }
        let wall = t0.elapsed().as_secs_f64();
        black_box(heap.len());
        ops as f64 / wall
    }
}

struct Vodsim;
impl Hold for Vodsim {
    const NAME: &'static str = "vodsim-event-queue";
    fn run(pending: usize, ops: u64) -> f64 {
        let mut rng = SplitMix(1);
        let mut q = EventQueue::with_capacity(pending + 1);
        for i in 0..pending as u64 {
            q.schedule(SimTime(rng.increment()), event(i));
        }
        let t0 = Instant::now();
        for _ in 0..ops {
            let Some((t, ev)) = q.pop() else { break };
            q.schedule(SimTime(t.0 + rng.increment()), black_box(ev));
        }
        let wall = t0.elapsed().as_secs_f64();
        black_box(q.len());
        ops as f64 / wall
    }
}

/// A 4-ary min-heap keyed by (time, seq): half the levels of a binary heap
/// and the four children of a node in one or two cache lines, so a pop from
/// a heap larger than the cache misses about half as often.
struct Quaternary {
    v: Vec<(u64, u64, Ev)>,
}

impl Quaternary {
    fn push(&mut self, e: (u64, u64, Ev)) {
        let mut i = self.v.len();
        self.v.push(e);
        while i > 0 {
            let p = (i - 1) / 4;
            if (self.v[p].0, self.v[p].1) <= (self.v[i].0, self.v[i].1) {
                break;
            }
            self.v.swap(p, i);
            i = p;
        }
    }

    fn pop(&mut self) -> Option<(u64, u64, Ev)> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.v[0], last);
        let n = self.v.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            for c in first + 1..(first + 4).min(n) {
                if (self.v[c].0, self.v[c].1) < (self.v[best].0, self.v[best].1) {
                    best = c;
                }
            }
            if (self.v[i].0, self.v[i].1) <= (self.v[best].0, self.v[best].1) {
                break;
            }
            self.v.swap(i, best);
            i = best;
        }
        Some(top)
    }
}

impl Hold for Quaternary {
    const NAME: &'static str = "quaternary-heap";
    fn run(pending: usize, ops: u64) -> f64 {
        let mut rng = SplitMix(1);
        let mut q = Quaternary { v: Vec::with_capacity(pending + 1) };
        let mut seq = 0u64;
        for i in 0..pending as u64 {
            q.push((rng.increment(), seq, event(i)));
            seq += 1;
        }
        let t0 = Instant::now();
        for _ in 0..ops {
            let Some((t, _, ev)) = q.pop() else { break };
            q.push((t + rng.increment(), seq, black_box(ev)));
            seq += 1;
        }
        let wall = t0.elapsed().as_secs_f64();
        black_box(q.v.len());
        ops as f64 / wall
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn report<H: Hold>(pending: usize, ops: u64, reps: usize) {
    // One untimed warm-up run pages the storage in and settles the clock.
    H::run(pending, ops / 10);
    let eps = median((0..reps).map(|_| H::run(pending, ops)).collect());
    println!("hold_model variant={} pending={pending} ops={ops} events_per_s={eps:.0} ns_per_event={:.1}", H::NAME, 1e9 / eps);
}

/// Flags as `--name value`; anything else (cargo bench adds `--bench`) is ignored.
fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pending: Vec<usize> = flag(&args, "--pending")
        .map(|s| s.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let ops: u64 = flag(&args, "--ops").and_then(|s| s.parse().ok()).unwrap_or(10_000_000);
    let reps: usize = flag(&args, "--reps").and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    for &n in &pending {
        report::<Bare>(n, ops, reps);
        report::<Vodsim>(n, ops, reps);
        report::<Quaternary>(n, ops, reps);
    }
}
