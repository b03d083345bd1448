//! Sharing mode: the sockets of a [`Share`] — every initiator's connections, and the relay's
//! own two to the camera — moved by readiness; the protocol's `Share` decides the rest.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::event::Event as MioEvent;
use mio::{Interest, Registry};
use ptpip_protocol::Channel;
use ptpip_protocol::relay::{ObserverConfig, Peer, Share, ShareConfig};

use super::{Ids, RelayEvent};
use crate::link::{Link, ReadOutcome, State};

/// The most bytes read from one connection in one call.
const READ_BUDGET: usize = 1 << 20;

/// An initiator's connection.
#[derive(Debug)]
struct FrontLink {
    link: Link,
    /// The share let it go: close once what is pending is written.
    closing: bool,
}

/// The relay's connection to the camera, with its number.
#[derive(Debug)]
struct CameraLink {
    id: u64,
    link: Link,
    opened: bool,
}

/// A [`Share`] and its sockets.
#[derive(Debug)]
pub(super) struct ShareDriver {
    share: Share,
    fronts: BTreeMap<u64, FrontLink>,
    camera: [Option<CameraLink>; 2],
    camera_addrs: [SocketAddr; 2],
}

fn index(ch: Channel) -> usize {
    match ch {
        Channel::Command => 0,
        Channel::Event => 1,
    }
}

impl ShareDriver {
    pub(super) fn new(
        config: ShareConfig,
        camera_addrs: [SocketAddr; 2],
        observer: ObserverConfig,
    ) -> Self {
        Self {
            share: Share::new(config, observer),
            fronts: BTreeMap::new(),
            camera: [None, None],
            camera_addrs,
        }
    }

    /// Which camera connection number `id` is.
    fn camera_channel(&self, id: u64) -> Option<Channel> {
        Channel::ALL
            .into_iter()
            .find(|&ch| self.camera[index(ch)].as_ref().is_some_and(|c| c.id == id))
    }

    pub(super) fn accept(
        &mut self,
        id: u64,
        link: Link,
        now: Instant,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) {
        self.fronts.insert(
            id,
            FrontLink {
                link,
                closing: false,
            },
        );
        self.share.handle_accept(now, id);
        self.pump(now, registry, ids, events);
    }

    pub(super) fn handle_event(
        &mut self,
        id: u64,
        event: &MioEvent,
        now: Instant,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) {
        if let Some(f) = self.fronts.get_mut(&id) {
            f.link.on_event(event);
        } else if let Some(ch) = self.camera_channel(id)
            && let Some(c) = self.camera[index(ch)].as_mut()
        {
            c.link.on_event(event);
        }
        self.pump(now, registry, ids, events);
    }

    pub(super) fn handle_timeout(
        &mut self,
        now: Instant,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) {
        if self.share.poll_timeout().is_some_and(|t| t <= now) {
            self.share.handle_timeout(now);
        }
        self.pump(now, registry, ids, events);
    }

    pub(super) fn timeout(&self, now: Instant) -> Option<Duration> {
        if self.has_work() {
            return Some(Duration::ZERO);
        }
        self.share
            .poll_timeout()
            .map(|t| t.saturating_duration_since(now))
    }

    pub(super) fn stop(
        &mut self,
        now: Instant,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) {
        self.share.stop(now);
        self.pump(now, registry, ids, events);
    }

    pub(super) fn is_finished(&self) -> bool {
        self.share.is_finished()
            && self.fronts.is_empty()
            && self.camera.iter().all(Option::is_none)
    }

    fn link(&mut self, peer: Peer) -> Option<&mut Link> {
        match peer {
            Peer::Initiator(id) => self.fronts.get_mut(&id).map(|f| &mut f.link),
            Peer::Camera(ch) => self.camera[index(ch)].as_mut().map(|c| &mut c.link),
        }
    }

    fn peer_of(&self, id: u64) -> Peer {
        self.camera_channel(id)
            .map_or(Peer::Initiator(id), Peer::Camera)
    }

    fn has_work(&self) -> bool {
        let busy = |peer: Peer, l: &Link| match l.state {
            State::Connecting => l.readable || l.writable,
            State::Open => {
                (l.readable && !l.eof && self.share.wants_read(peer))
                    || (l.writable && (l.has_pending() || self.share.wants_write(peer)))
            }
            State::Unopened | State::Closed => false,
        };
        self.fronts
            .iter()
            .any(|(&id, f)| busy(Peer::Initiator(id), &f.link))
            || Channel::ALL.into_iter().any(|ch| {
                self.camera[index(ch)]
                    .as_ref()
                    .is_some_and(|c| busy(Peer::Camera(ch), &c.link))
            })
    }

    /// Moves what can move: connects, reads, writes, closes; then sets interest.
    fn pump(
        &mut self,
        now: Instant,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) {
        for _ in 0..64 {
            let mut progress = self.finish_connects(now, registry);
            // The share's connections, and ours it let go of that still have bytes to write.
            let mut peers = self.share.peers();
            peers.extend(
                self.fronts
                    .iter()
                    .filter(|(_, f)| f.closing)
                    .map(|(&id, _)| Peer::Initiator(id)),
            );
            for &peer in &peers {
                progress |= self.read(now, peer, registry);
            }
            for &peer in &peers {
                progress |= self.write(now, peer, registry, ids, events);
            }
            progress |= self.closes(now, registry, ids, events);
            self.report(events);
            if !progress {
                break;
            }
        }
        self.set_interests(registry);
    }

    fn finish_connects(&mut self, now: Instant, registry: &Registry) -> bool {
        let mut progress = false;
        for ch in Channel::ALL {
            let Some(c) = self.camera[index(ch)].as_mut() else {
                continue;
            };
            match c.link.finish_connect() {
                Some(Ok(())) if !c.opened => {
                    c.opened = true;
                    progress = true;
                }
                Some(Err(e)) => {
                    c.link.close(registry, Some(e));
                    self.share.handle_eof(now, Peer::Camera(ch));
                    progress = true;
                }
                _ => {}
            }
        }
        progress
    }

    fn read(&mut self, now: Instant, peer: Peer, registry: &Registry) -> bool {
        let mut budget = READ_BUDGET;
        let mut progress = false;
        loop {
            let wants = self.share.wants_read(peer);
            let Some(link) = self.link(peer) else {
                return progress;
            };
            if link.state != State::Open || !link.readable || link.eof || budget == 0 || !wants {
                return progress;
            }
            match link.read() {
                ReadOutcome::Data(bytes) => {
                    budget = budget.saturating_sub(bytes.len());
                    self.share.handle_input(now, peer, bytes);
                    progress = true;
                }
                ReadOutcome::WouldBlock => return progress,
                ReadOutcome::Eof => {
                    link.eof = true;
                    link.readable = false;
                    self.share.handle_eof(now, peer);
                    return true;
                }
                ReadOutcome::Failed(e) => {
                    link.close(registry, Some(e));
                    self.share.handle_eof(now, peer);
                    return true;
                }
            }
        }
    }

    fn write(
        &mut self,
        now: Instant,
        peer: Peer,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) -> bool {
        let mut progress = false;
        loop {
            if let Peer::Camera(ch) = peer
                && self.camera[index(ch)].is_none()
            {
                if !self.share.wants_write(peer) {
                    return progress;
                }
                // The camera session asks for this connection: open it, numbered, before its
                // first bytes are taken.
                let id = ids.connection();
                let token = ids.token(id, 1);
                let mut link = Link::new(token);
                if let Err(e) = link.open(self.camera_addrs[index(ch)], registry) {
                    link.close(registry, Some(e));
                    self.share.handle_eof(now, peer);
                    return true;
                }
                self.share.handle_camera_opened(ch, id);
                // Reported now: the capture needs the connection before its first bytes.
                let remote = self.camera_addrs[index(ch)];
                events.push_back(RelayEvent::Opened {
                    connection: id,
                    initiator: link.local_addr().unwrap_or(remote),
                    responder: remote,
                });
                self.camera[index(ch)] = Some(CameraLink {
                    id,
                    link,
                    opened: false,
                });
                progress = true;
            }
            let wants = self.share.wants_write(peer);
            let Some(link) = self.link(peer) else {
                return progress;
            };
            if link.has_pending() {
                if link.state != State::Open || !link.writable {
                    return progress;
                }
                match link.write_pending() {
                    Ok(true) => progress = true,
                    Ok(false) => return progress,
                    Err(e) => {
                        link.close(registry, Some(e));
                        self.share.handle_eof(now, peer);
                        return true;
                    }
                }
                continue;
            }
            if !wants || link.state == State::Closed {
                return progress;
            }
            let Some(bytes) = self.share.poll_transmit(now, peer) else {
                return progress;
            };
            progress = true;
            if !bytes.is_empty()
                && let Some(link) = self.link(peer)
            {
                link.set_pending(bytes);
            }
        }
    }

    /// Closes what the share let go of; forgets what is closed.
    fn closes(
        &mut self,
        now: Instant,
        registry: &Registry,
        ids: &mut Ids,
        events: &mut VecDeque<RelayEvent>,
    ) -> bool {
        let mut progress = false;
        while let Some(peer) = self.share.poll_close() {
            progress = true;
            match peer {
                Peer::Initiator(id) => {
                    if let Some(f) = self.fronts.get_mut(&id) {
                        f.closing = true;
                    }
                }
                Peer::Camera(ch) => {
                    if let Some(mut c) = self.camera[index(ch)].take() {
                        c.link.close(registry, None);
                        ids.forget(c.id);
                        events.push_back(RelayEvent::Closed {
                            connection: c.id,
                            reason: None,
                        });
                    }
                }
            }
        }
        let done: Vec<u64> = self
            .fronts
            .iter()
            .filter(|(_, f)| f.closing && (!f.link.has_pending() || f.link.state != State::Open))
            .map(|(&id, _)| id)
            .collect();
        for id in done {
            if let Some(mut f) = self.fronts.remove(&id) {
                let reason = f.link.error.as_ref().map(ToString::to_string);
                f.link.close(registry, None);
                ids.forget(id);
                events.push_back(RelayEvent::Closed {
                    connection: id,
                    reason,
                });
                progress = true;
            }
        }
        // A camera connection that failed stays until the session lets it go.
        let _ = now;
        progress
    }

    fn report(&mut self, events: &mut VecDeque<RelayEvent>) {
        while let Some(r) = self.share.poll_record() {
            events.push_back(RelayEvent::Record(r));
        }
        while let Some((connection, direction, segment)) = self.share.poll_segment() {
            events.push_back(RelayEvent::Segment {
                connection,
                direction,
                segment,
            });
        }
    }

    fn set_interests(&mut self, registry: &Registry) {
        let mut wants = Vec::new();
        for (&id, f) in &self.fronts {
            let peer = Peer::Initiator(id);
            let read = !f.closing && !f.link.eof && self.share.wants_read(peer);
            let write = f.link.has_pending() || self.share.wants_write(peer);
            wants.push((self.peer_of(id), interest(&f.link, read, write)));
        }
        for ch in Channel::ALL {
            if let Some(c) = self.camera[index(ch)].as_ref() {
                let peer = Peer::Camera(ch);
                let read = !c.link.eof && self.share.wants_read(peer);
                let write = c.link.has_pending() || self.share.wants_write(peer);
                wants.push((peer, interest(&c.link, read, write)));
            }
        }
        for (peer, want) in wants {
            if let Some(link) = self.link(peer) {
                let _ = link.set_interest(registry, want);
            }
        }
    }
}

fn interest(link: &Link, read: bool, write: bool) -> Option<Interest> {
    match link.state {
        State::Connecting => Some(Interest::READABLE | Interest::WRITABLE),
        State::Open => match (read, write) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        },
        State::Unopened | State::Closed => None,
    }
}
