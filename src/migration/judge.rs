//! Outcome labels judged on what the viewer saw, not on what the hand-off
//! computed: a migration is `seamless` only if, from its start through the
//! first two deadlines the destination serves, its stream had no missed
//! deadline, no freeze beyond the one-packet grace, nothing lost and
//! nothing repeated. A destination's transitional read that lands after
//! its deadline, or a next read left too little time, shows up here as a
//! glitch after an otherwise clean hand-off.

use super::{Migration, Outcome, Protocol};
use crate::engine::SimTime;
use crate::headend::stream::NO_MODULE;
use crate::headend::{Headend, Impact, ImpactRec};

/// The worst the viewer saw in a window.
#[derive(Default)]
struct Seen {
    lost: bool,
    /// A missed deadline, a freeze beyond the grace, or content shown twice.
    spoiled: bool,
}

impl Protocol {
    /// Re-labels every settled hand-off on the viewer's record (the head-end's
    /// impact ledger); call once, at the end of the run.
    pub fn judge_on_viewer(&mut self, h: &Headend) {
        let r = h.results();
        // Each stream's records, in recording order.
        let mut by_stream: Vec<Vec<&ImpactRec>> = vec![Vec::new(); r.streams.len()];
        for rec in r.impacts {
            if let Some(v) = by_stream.get_mut(rec.stream as usize) {
                v.push(rec);
            }
        }
        for m in &mut self.migrations {
            let Some(label) = m.outcome else { continue };
            if matches!(label, Outcome::Failed | Outcome::Lost) || m.dest == NO_MODULE {
                continue;
            }
            let grace_ns = h.pkt_time(m.stream, self.cfg.trigger_grace_packets as u64).0;
            let until = Self::window_end(h, m);
            let seen = by_stream[m.stream as usize].iter().filter(|rec| rec.t >= m.started && rec.t <= until).fold(
                Seen::default(),
                |mut s, rec| {
                    match rec.kind {
                        Impact::Lost(_) | Impact::TerminatedLost(_) => s.lost = true,
                        Impact::Glitch | Impact::Duplicate(_) => s.spoiled = true,
                        Impact::Freeze { ns, .. } if ns > grace_ns => s.spoiled = true,
                        _ => {}
                    }
                    s
                },
            );
            let judged = if seen.lost {
                Outcome::Lost
            } else if seen.spoiled || label == Outcome::Duplicate {
                Outcome::Duplicate
            } else {
                Outcome::Seamless
            };
            if judged != label {
                m.note(if judged == Outcome::Lost {
                    "viewer lost content near the hand-off"
                } else {
                    "viewer saw a glitch near the hand-off"
                });
                m.outcome = Some(judged);
            }
        }
    }

    /// The second deadline the destination serves after the hand-off: two
    /// of its service periods after it, at most.
    fn window_end(h: &Headend, m: &Migration) -> SimTime {
        let period = h.period_of(m.dest as usize);
        m.ended + period + period
    }
}
