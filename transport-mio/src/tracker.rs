//! [`Tracker`]: follows one transaction through the events of a [`MioClient`], without blocking.

use ptpip_protocol::initiator::{Completion, Event};
use ptpip_protocol::{OperationError, TransactionId};

use crate::client::MioClient;
use ptpip_protocol::calls::{ClientError, DataSink};

/// What an event meant for the tracked transaction.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step {
    /// Progress (data streamed into the sink, or nothing to do): keep feeding events.
    Pending,
    /// The data-out phase may take more data: call [`MioClient::send_data`].
    SendWindow,
    /// The transaction ended: its completion (whatever the response code), or why it failed.
    Done(Result<Completion, ClientError>),
    /// The event is not about this transaction; it is handed back.
    Other(Event),
}

/// Follows one transaction: streams its data into a [`DataSink`] and says when it is done.
///
/// Feed it every event from [`MioClient::poll_event`]; events of other transactions and device
/// events come back as [`Step::Other`]. If the sink fails, the transaction is cancelled and the
/// sink's error ends it.
pub struct Tracker<'s> {
    tid: TransactionId,
    total: Option<u64>,
    sink: &'s mut dyn DataSink,
}

impl std::fmt::Debug for Tracker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("tid", &self.tid)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<'s> Tracker<'s> {
    /// Follows `tid`, streaming its data into `sink`.
    pub fn new(tid: TransactionId, sink: &'s mut dyn DataSink) -> Self {
        Self {
            tid,
            total: None,
            sink,
        }
    }

    /// The transaction followed.
    #[must_use]
    pub const fn transaction(&self) -> TransactionId {
        self.tid
    }

    /// Takes one event; `client` is used only to cancel when the sink fails.
    pub fn on_event(&mut self, client: &mut MioClient, event: Event) -> Step {
        let tid = self.tid;
        match event {
            Event::DataStarted {
                transaction,
                total_len,
            } if transaction == tid => {
                self.total = total_len;
                Step::Pending
            }
            Event::DataChunk {
                transaction,
                offset,
                data,
            } if transaction == tid => match self.sink.piece(offset, self.total, &data) {
                Ok(()) => Step::Pending,
                Err(e) => {
                    let _ = client.cancel(tid);
                    Step::Done(Err(e.into()))
                }
            },
            Event::DataFinished { transaction, .. } if transaction == tid => Step::Pending,
            Event::SendWindowAvailable { transaction } if transaction == tid => Step::SendWindow,
            Event::OperationComplete(c) if c.transaction == tid => Step::Done(Ok(c)),
            Event::OperationFailed {
                transaction, error, ..
            } if transaction == tid => Step::Done(Err(error.into())),
            Event::ConnectionLost { reason } => Step::Done(Err(reason.into())),
            Event::Closed => Step::Done(Err(OperationError::Closed.into())),
            other => Step::Other(other),
        }
    }
}
