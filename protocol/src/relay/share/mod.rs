//! [`Share`]: one camera session shared by several initiators.

mod camera;
mod conn;
mod front;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::channel::{Channel, Reader};
use crate::deframer::{DeframerConfig, Framing};
use crate::initiator::InitiatorConfig;
use crate::packet::Dialect;
use crate::relay::observer::{ObserverConfig, Segment};
use crate::relay::record::{Direction, Record};
use crate::types::{FriendlyName, Guid, TransactionId};

use camera::Camera;
use conn::Conn;
use front::Front;

/// How a [`Share`] meets the camera and its initiators.
#[derive(Clone, Debug)]
pub struct ShareConfig {
    /// The camera session: the relay's GUID and name (a camera that pairs remembers them), the
    /// camera's dialect, timeouts. Its keep-alive keeps an idle session open.
    pub camera: InitiatorConfig,
    /// The most initiators at once; more are refused with Init_Fail (busy).
    pub max_initiators: usize,
    /// How long the camera session stays open after the last initiator left (`None`: until the
    /// relay stops).
    pub linger: Option<Duration>,
    /// Bytes that may wait for one initiator (data from the camera, or its data for the camera)
    /// before the relay stops reading the other side.
    pub high_water: usize,
}

impl ShareConfig {
    /// The GUID the relay presents to cameras: fixed, so that a camera that pairs knows it again.
    pub const GUID: Guid = Guid(*b"ptpip-relay-guid");

    /// Defaults for a camera of `dialect`.
    #[must_use]
    pub fn new(dialect: Dialect) -> Self {
        let name = FriendlyName::new("ptpip relay").expect("a valid name");
        let mut camera = InitiatorConfig::new(Self::GUID, name, dialect);
        camera.keep_alive = Some(Duration::from_secs(10));
        camera.keep_alive_method = crate::initiator::KeepAliveMethod::GetDeviceInfo;
        Self {
            camera,
            max_initiators: 16,
            linger: Some(Duration::from_secs(30)),
            high_water: 4 << 20,
        }
    }
}

impl Default for ShareConfig {
    fn default() -> Self {
        Self::new(Dialect::Generic)
    }
}

/// One end of a sharing relay's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// A connection an initiator opened, by the driver's number for it.
    Initiator(u64),
    /// The relay's connection to the camera.
    Camera(Channel),
}

/// An initiator's connection before its first packet says what it is, or after.
#[derive(Debug)]
struct Accepted {
    reader: Reader,
    conn: Conn,
    /// The front it belongs to (its own number for a command connection).
    front: Option<u64>,
    /// Closing: nothing more is read; it closes once its output is written.
    closing: bool,
}

/// One camera session shared by several initiators.
///
/// The relay owns the camera session: an [`Initiator`](crate::Initiator) towards the camera, in the camera's
/// dialect. Towards each initiator it plays a standard PTP/IP responder of its own:
/// - its own init handshake: Init_Command_Ack (with the camera's GUID and name, once the camera
///   session is ready) and Init_Event_Ack for the event connection that names it;
/// - OpenSession and CloseSession answered locally, per initiator (the camera's session stays
///   open); anything but GetDeviceInfo outside a session is answered SessionNotOpen, as a camera
///   would;
/// - every other operation runs on the camera under a transaction id of the camera session, in
///   the order the requests arrived (the initiator's queue), and its data and response go back
///   under the initiator's own id;
/// - the camera's events go to every initiator with an event connection; probes are answered
///   locally.
///
/// With a Fujifilm camera the initiators still speak standard PTP/IP: the Initiator speaks
/// containers to the camera, so the relay translates the framing.
///
/// Faults stay where they are: bad bytes or a protocol violation from an initiator are logged and
/// that initiator's connections closed; the others go on. A camera that fails or disappears is
/// logged, every initiator's connections are closed (an initiator still in its init handshake
/// gets Init_Fail first), and the next initiator to connect starts a new camera session.
///
/// The sans-IO contract is the state machines': the driver feeds bytes, ends and time, and after
/// every call writes what [`poll_transmit`](Share::poll_transmit) gives for each peer that
/// [`wants_write`](Share::wants_write), closes what [`poll_close`](Share::poll_close) names,
/// sleeps until [`poll_timeout`](Share::poll_timeout), and takes the
/// [`poll_record`](Share::poll_record)s and [`poll_segment`](Share::poll_segment)s.
#[derive(Debug)]
pub struct Share {
    config: ShareConfig,
    camera: Option<Camera>,
    /// The camera's connections (kept across camera sessions for their numbers).
    camera_ids: [u64; 2],
    accepted: BTreeMap<u64, Accepted>,
    fronts: BTreeMap<u64, Front>,
    /// Camera transaction → (front, the front's transaction).
    transactions: HashMap<TransactionId, (u64, TransactionId)>,
    records: VecDeque<Record>,
    segments: VecDeque<(u64, Direction, Segment)>,
    closes: VecDeque<Peer>,
    /// When the camera session closes for want of initiators.
    linger_until: Option<Instant>,
    stopping: bool,
    observer: ObserverConfig,
}

impl Share {
    /// A sharing relay; the camera session starts with the first initiator. `observer` says how
    /// traffic is logged and captured (its dialect is set per connection).
    #[must_use]
    pub fn new(config: ShareConfig, observer: ObserverConfig) -> Self {
        Self {
            config,
            camera: None,
            camera_ids: [0, 0],
            accepted: BTreeMap::new(),
            fronts: BTreeMap::new(),
            transactions: HashMap::new(),
            records: VecDeque::new(),
            segments: VecDeque::new(),
            closes: VecDeque::new(),
            linger_until: None,
            stopping: false,
            observer,
        }
    }

    fn front_observer(&self) -> ObserverConfig {
        ObserverConfig {
            dialect: Dialect::Generic,
            ..self.observer
        }
    }

    fn camera_observer(&self) -> ObserverConfig {
        ObserverConfig {
            dialect: self.config.camera.dialect,
            ..self.observer
        }
    }

    /// An initiator connected; `connection` is the driver's number for it.
    pub fn handle_accept(&mut self, _now: Instant, connection: u64) {
        let deframer = DeframerConfig {
            framing: Framing::PtpIp,
            dialect: Dialect::Generic,
            max_control_len: self.observer.max_control_len,
            ..DeframerConfig::default()
        };
        let conn = Conn::new(
            connection,
            self.front_observer(),
            None,
            Direction::ToInitiator,
        );
        self.accepted.insert(
            connection,
            Accepted {
                reader: Reader::new(deframer),
                conn,
                front: None,
                closing: false,
            },
        );
    }

    /// The driver opens the camera connection for `channel` and numbers it `connection`: call
    /// this before taking its first transmit, so that its records carry the number.
    pub fn handle_camera_opened(&mut self, channel: Channel, connection: u64) {
        self.camera_ids[channel.index()] = connection;
        if let Some(c) = self.camera.as_mut() {
            c.conns[channel.index()].renumber(connection);
        }
    }

    /// Bytes read from `peer`.
    pub fn handle_input(&mut self, now: Instant, peer: Peer, bytes: BytesMut) {
        let bytes = bytes.freeze();
        match peer {
            Peer::Initiator(id) => self.front_input(now, id, bytes),
            Peer::Camera(ch) => self.camera_input(now, ch, bytes),
        }
        self.pump(now);
    }

    /// `peer`'s connection ended (EOF, reset, or it could not be opened).
    pub fn handle_eof(&mut self, now: Instant, peer: Peer) {
        match peer {
            Peer::Initiator(id) => {
                let Some(a) = self.accepted.get(&id) else {
                    return;
                };
                let front = a.front.unwrap_or(id);
                self.drop_front(now, front, None);
            }
            Peer::Camera(ch) => {
                if let Some(c) = self.camera.as_mut() {
                    c.conns[ch.index()].finish(now);
                    c.ini.handle_eof(now, ch);
                }
            }
        }
        self.pump(now);
    }

    /// Handles deadlines that passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.linger_until.is_some_and(|t| t <= now) {
            self.linger_until = None;
            if let Some(c) = self.camera.as_mut() {
                c.note(now, "no initiator left: closing the camera session".into());
                c.ini.close(now);
            }
        }
        if let Some(c) = self.camera.as_mut()
            && c.ini.poll_timeout().is_some_and(|t| t <= now)
        {
            c.ini.handle_timeout(now);
        }
        self.pump(now);
    }

    /// The next deadline.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let camera = self.camera.as_ref().and_then(|c| c.ini.poll_timeout());
        match (camera, self.linger_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the driver should read `peer` now.
    #[must_use]
    pub fn wants_read(&self, peer: Peer) -> bool {
        match peer {
            Peer::Initiator(id) => self.accepted.get(&id).is_some_and(|a| {
                if a.closing {
                    return false;
                }
                let front = a.front.and_then(|f| self.fronts.get(&f));
                front.is_none_or(|f| f.pending_out_bytes < self.config.high_water)
            }),
            Peer::Camera(ch) => self.camera.as_ref().is_some_and(|c| c.ini.wants_read(ch)),
        }
    }

    /// Whether there are bytes for `peer` (for the camera, possibly an empty transmit that only
    /// asks for the connection to be opened).
    #[must_use]
    pub fn wants_write(&self, peer: Peer) -> bool {
        match peer {
            Peer::Initiator(id) => self.accepted.get(&id).is_some_and(|a| a.conn.has_output()),
            Peer::Camera(ch) => self.camera.as_ref().is_some_and(|c| c.wants_write(ch)),
        }
    }

    /// The next bytes for `peer`. A camera connection that is not open yet is opened by the
    /// driver when this first gives it something (maybe nothing but the request to open it).
    pub fn poll_transmit(&mut self, now: Instant, peer: Peer) -> Option<Bytes> {
        let out = match peer {
            Peer::Initiator(id) => {
                let a = self.accepted.get_mut(&id)?;
                let b = a.conn.pop(now);
                a.conn.drain(&mut self.records, &mut self.segments);
                b
            }
            Peer::Camera(ch) => {
                let c = self.camera.as_mut()?;
                let b = c.poll_transmit(now, ch);
                c.drain(&mut self.records, &mut self.segments);
                b
            }
        };
        // Room freed for an initiator: more of the camera's data may go to it.
        self.pump(now);
        out
    }

    /// A connection to close once what was given for it is written.
    pub fn poll_close(&mut self) -> Option<Peer> {
        self.closes.pop_front()
    }

    /// The next record for the log.
    pub fn poll_record(&mut self) -> Option<Record> {
        self.records.pop_front()
    }

    /// The next capture segment: its connection, direction and bytes.
    pub fn poll_segment(&mut self) -> Option<(u64, Direction, Segment)> {
        self.segments.pop_front()
    }

    /// The connections the relay has now: every initiator connection, and the camera's.
    #[must_use]
    pub fn peers(&self) -> Vec<Peer> {
        let mut v: Vec<Peer> = self
            .accepted
            .keys()
            .map(|&id| Peer::Initiator(id))
            .collect();
        if self.camera.is_some() {
            v.extend(Channel::ALL.map(Peer::Camera));
        }
        v
    }

    /// Whether a camera session exists (connecting, open or closing).
    #[must_use]
    pub const fn has_camera(&self) -> bool {
        self.camera.is_some()
    }

    /// Stops: every initiator's connections close and the camera session closes gracefully.
    pub fn stop(&mut self, now: Instant) {
        self.stopping = true;
        let ids: Vec<u64> = self.fronts.keys().copied().collect();
        for id in ids {
            self.drop_front(now, id, Some("the relay stopped".into()));
        }
        let ids: Vec<u64> = self.accepted.keys().copied().collect();
        for id in ids {
            self.close_accepted(now, id);
        }
        if let Some(c) = self.camera.as_mut() {
            c.ini.close(now);
        }
        self.pump(now);
    }

    /// Whether [`stop`](Self::stop) is done: no initiator, no camera session.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.stopping && self.camera.is_none() && self.accepted.is_empty()
    }

    // ----- internals -----

    /// Closes an initiator connection once what waits for it is written.
    fn close_accepted(&mut self, _now: Instant, id: u64) {
        if let Some(a) = self.accepted.get_mut(&id) {
            a.closing = true;
        }
    }

    /// Hands the driver the closing connections whose output is written.
    fn reap_closing(&mut self, now: Instant) {
        let done: Vec<u64> = self
            .accepted
            .iter()
            .filter(|(_, a)| a.closing && !a.conn.has_output())
            .map(|(&id, _)| id)
            .collect();
        for id in done {
            if let Some(mut a) = self.accepted.remove(&id) {
                a.conn.finish(now);
                a.conn.drain(&mut self.records, &mut self.segments);
                self.closes.push_back(Peer::Initiator(id));
            }
        }
    }

    /// Everything that follows from the last input: the camera's events to the initiators, the
    /// initiators' data to the camera, the session's life.
    fn pump(&mut self, now: Instant) {
        self.camera_events(now);
        let ids: Vec<u64> = self.fronts.keys().copied().collect();
        for id in ids {
            self.feed_camera(now, id);
        }
        self.camera_life(now);
        self.reap_closing(now);
        for a in self.accepted.values_mut() {
            a.conn.drain(&mut self.records, &mut self.segments);
        }
        if let Some(c) = self.camera.as_mut() {
            c.drain(&mut self.records, &mut self.segments);
        }
    }
}
