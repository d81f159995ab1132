//! Messages exchanged over the SMBUS (FIG. 6) and the protocol's timers.
//!
//! The record of a migration holds the fields the patent lists; a message
//! event carries only its kind and the request round, and its size on the
//! bus is that of the fields it carries.

/// SMBUS messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgKind {
    /// Step 605: migrate user — source stream number, content id, network
    /// destination, extent number or packet offset, extent deadline, current time.
    Request,
    /// Step 526 / 635: accepted — destination stream number, content id,
    /// retrieved extent number, current time, extent deadline.
    Accept,
    /// Step 518 / 522: accepted with an alternate transitional extent.
    ModifiedAccept,
    /// Step 510.
    Reject,
    /// Step 613: the high-priority trigger with the destination stream number.
    Trigger,
    /// Step 641 (and the I/O start confirmation of step 534).
    StreamMigrated,
    /// Step 618 → 642: control of the user passes to the destination.
    ControlTransfer,
    /// Triage: take the user now, irrespective of artefacts.
    DirectMigrate,
    /// The source withdrew a request it had sent (alternate chosen).
    Cancel,
}

impl MsgKind {
    /// Bytes on the bus: a 16-byte header plus 8 bytes per field.
    pub fn bytes(self) -> u64 {
        16 + 8 * match self {
            MsgKind::Request => 7,
            MsgKind::Accept | MsgKind::ModifiedAccept => 6,
            MsgKind::DirectMigrate => 5,
            MsgKind::Reject | MsgKind::Cancel => 2,
            MsgKind::Trigger | MsgKind::StreamMigrated | MsgKind::ControlTransfer => 1,
        }
    }
}

/// Protocol timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// Source: no answer to the request in time (step 414).
    Response,
    /// Source: the transition instant — stop output, send the trigger (steps 428, 612).
    SourceStop,
    /// Source: "stream migrated" not received in a few packet times (step 616).
    StreamMigrated,
    /// Destination: no timely trigger (step 530).
    TriggerWait,
    /// Destination: control not transferred in time (step 644).
    ControlTransfer,
}
