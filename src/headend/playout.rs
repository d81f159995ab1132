//! A stream's service periods (FIG. 3B): at each extent deadline the slot
//! of the next extent starts, and it is delivered or missed exactly once;
//! the read of the extent after it is issued, due at the slot's end.

use super::ledger::Impact;
use super::stream::*;
use super::transport::Grid;
use super::{Agenda, Headend, HeadendEv};
use crate::engine::SimTime;
use crate::scenario::TitleEnd;

impl Headend {
    #[inline(always)]
    pub(super) fn on_boundary(&mut self, q: &mut impl Agenda, s: StreamId, epoch: u32) {
        let now = q.now();
        let st = &self.streams[s as usize];
        if st.epoch != epoch || st.status != Status::Active || st.dark_since.is_some() {
            return;
        }
        if st.stop_at.is_some_and(|stop| now >= stop) {
            // The source has handed over (or is about to): the destination
            // resolves this deadline.
            return;
        }
        debug_assert_eq!(now, st.next_deadline);
        self.close_slot(q, s);
        let st = &mut self.streams[s as usize];
        let next = st.cur.wrapping_add(1);
        if next >= self.layout.extents_at(st.site as usize) {
            match self.sc.raw.workload.on_title_end {
                TitleEnd::Leave => {
                    self.end_stream(q, s, Status::Ended);
                    return;
                }
                TitleEnd::NewTitle => {
                    let t = match self.logs[s as usize].next_title.take() {
                        Some(t) => t,
                        None => self.draw_next_title(s),
                    };
                    let st = &mut self.streams[s as usize];
                    st.title = t;
                    st.grid = Grid { anchor_t: now, anchor_pkt: 0 };
                    st.cur = 0;
                }
            }
        } else {
            st.cur = next;
        }
        let r = self.streams[s as usize].next_read.take();
        self.open_slot(q, s, r);
    }

    /// Ends the current slot: the extent that played is released; one that
    /// never arrived is lost whole.
    fn close_slot(&mut self, q: &mut impl Agenda, s: StreamId) {
        if !self.streams[s as usize].cur_ok {
            let (from, end) = self.slot_packets(s);
            self.streams[s as usize].lost_pkts += end - from;
            let slot_start = self.streams[s as usize].grid.time_of(from, self.rate(s));
            let now = q.now();
            self.freeze(s, slot_start, now);
            if end > from {
                self.impact(now, s, Impact::Lost(end - from));
            }
        }
        if let Some(r) = self.streams[s as usize].playing.take() {
            if self.read_state(q, r) == ReadState::Done {
                self.release_settled(q, r, ReadState::Done);
            } else {
                // Still on its way: useless now, released when it lands.
                self.streams[s as usize].stale_read = Some(r);
            }
        }
    }

    /// Starts the slot of extent `cur` now; `read` is the read that was to
    /// bring it. Resolves the period (delivered or glitch, exactly once),
    /// schedules the next deadline and issues the next read if none is
    /// in flight.
    #[inline(always)]
    pub(super) fn open_slot(&mut self, q: &mut impl Agenda, s: StreamId, read: Option<ReadId>) {
        let now = q.now();
        if self.switch_dirty {
            self.recompute_switch(now);
        }
        let cur = self.streams[s as usize].cur;
        let slot_end = self.slot_end(s, cur);
        let m = self.streams[s as usize].module as usize;
        let factor = self.switch_factor[m];
        // What the viewer misses of the slot if the switch throttles the
        // module (nearly never, so not computed otherwise).
        let throttled_pkts = if factor < 1.0 {
            let (from, end) = self.slot_packets(s);
            ((1.0 - factor) * (end - from) as f64).round() as u64
        } else {
            0
        };
        let st = &mut self.streams[s as usize];
        st.next_deadline = slot_end;
        st.periods += 1;
        let state = read.map(|r| (r, self.read_state(q, r)));
        let st = &mut self.streams[s as usize];
        match state {
            Some((r, ReadState::Done)) => {
                st.playing = Some(r);
                st.cur_ok = true;
                if factor < 1.0 {
                    // The switch cannot carry the module's offered load: the
                    // extent trickles out at `factor` of the stream rate and the
                    // viewer misses the rest of the slot.
                    st.glitches += 1;
                    st.lost_pkts += throttled_pkts;
                } else {
                    st.delivered += 1;
                }
            }
            Some((r, ReadState::Failed)) => {
                st.glitches += 1;
                st.cur_ok = false;
                self.release_settled(q, r, ReadState::Failed);
            }
            Some((r, _)) => {
                // Late: shown from the moment it lands.
                st.glitches += 1;
                st.cur_ok = false;
                st.playing = Some(r);
                self.await_completion(q, r);
            }
            None => {
                st.glitches += 1;
                st.cur_ok = false;
            }
        }
        let st = &self.streams[s as usize];
        if !st.cur_ok || factor < 1.0 {
            self.impact(now, s, Impact::Glitch);
            if self.streams[s as usize].cur_ok && throttled_pkts > 0 {
                self.impact(now, s, Impact::Lost(throttled_pkts));
            }
        }
        if self.ledger.warming(now) {
            let delivered = self.streams[s as usize].cur_ok && factor >= 1.0;
            let log = &mut self.logs[s as usize];
            log.warm_periods += 1;
            log.warm_delivered += u32::from(delivered);
        }
        let st = &self.streams[s as usize];
        let epoch = st.epoch;
        if self.check && st.periods != st.delivered + st.glitches {
            let msg = format!("stream {s}: {} periods but {} delivered + {} glitches", st.periods, st.delivered, st.glitches);
            self.violated(now, msg);
        }
        // The next deadline is a period on, after every deadline scheduled
        // before it (nearly always): the queue's lane takes it in O(1). Not
        // when prefetching: the model then wants the next five events in
        // order at every event, which the lane's events would have to be
        // merged into (docs/performance.md).
        let (at, deadline) = (slot_end.max(now), HeadendEv::Boundary { stream: s, epoch });
        if self.prefetch {
            q.schedule(at, deadline);
        } else {
            q.schedule_in_order(at, deadline);
        }
        self.maybe_issue_next(q, s);
    }

    fn in_flight(&self, r: Option<ReadId>) -> bool {
        r.is_some_and(|r| matches!(self.reads.get(r).state, ReadState::WaitingBuffer | ReadState::Queued | ReadState::InService))
    }

    /// Issues the read of the next extent unless an earlier one is still in
    /// flight (reads of a stream are sequential).
    #[inline(always)]
    pub(super) fn maybe_issue_next(&mut self, q: &mut impl Agenda, s: StreamId) {
        let st = &self.streams[s as usize];
        // An extent that has arrived (`cur_ok`) is not in flight: the common
        // case skips looking its read up.
        debug_assert!(!st.cur_ok || !self.in_flight(st.playing));
        if st.next_read.is_some() || st.stale_read.is_some() || (!st.cur_ok && self.in_flight(st.playing)) {
            return;
        }
        self.issue_next_read(q, s);
    }

    /// Issues the read for the extent after the current one, due at the end
    /// of the current slot — unless the source stops before then.
    #[inline(always)]
    pub(super) fn issue_next_read(&mut self, q: &mut impl Agenda, s: StreamId) {
        let st = &self.streams[s as usize];
        if st.status != Status::Active || st.dark_since.is_some() || st.module == NO_MODULE {
            return;
        }
        if st.stop_at.is_some_and(|stop| st.next_deadline >= stop) {
            return;
        }
        let (m, site) = (st.module as usize, st.site as usize);
        let deadline = st.next_deadline;
        let next = st.cur.wrapping_add(1);
        let (title, extent) = if next < self.layout.extents_at(site) {
            (st.title, next)
        } else if self.leaves_at_title_end() {
            return;
        } else {
            (self.next_title_of(s), 0)
        };
        // The stream names the read before it reaches the disk, so a
        // dispatch at once already knows whom it is for.
        self.issue_stream_read(q, s, m, site, title, extent, deadline);
    }

    /// Deadlines of `s`'s grid in (from, to) fell due with nobody feeding
    /// the user: each is a missed period.
    pub(super) fn count_missed(&mut self, s: StreamId, from: SimTime, to: SimTime) {
        let st = &self.streams[s as usize];
        if st.module == NO_MODULE || to <= from {
            return;
        }
        let m = st.module as usize;
        let c = st.class as usize;
        let (n, title_packets, rate) = (self.layout.extent_packets(m, c), self.layout.title_packets(c), self.rates[c]);
        let grid = st.grid;
        let first = grid.position_at(from, rate) / n + 1;
        let mut count = 0;
        let mut e = first;
        while (e * n) < title_packets {
            let t = grid.time_of(e * n, rate);
            if t >= to {
                break;
            }
            if t > from {
                count += 1;
                self.impact(t, s, Impact::Glitch);
                if self.ledger.warming(t) {
                    self.logs[s as usize].warm_periods += 1;
                }
            }
            e += 1;
        }
        let st = &mut self.streams[s as usize];
        st.periods += count;
        st.glitches += count;
    }
}
