//! [`FujiBody`]: what a virtual Fujifilm body keeps from one connection to the next (its
//! settings, its card, a movie being recorded, the position it was given), shared by every
//! session's [`FujiCamera`](super::FujiCamera); and [`FujiPersonality`], the Wi-Fi menu its user
//! chose.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

use super::super::{Object, ObjectContent, PropTable, Thumbnail, sample};
use super::props::x_t1_props;
use crate::fuji::GeoTag;
use crate::ptp::codes::{AssociationType, ObjectFormatCode, ProtectionStatus};
use crate::ptp::dataset::{ObjectHandle, StorageId};
use crate::ptp::string::PtpString;
use crate::types::TransactionId;

/// The Wi-Fi function the body's user chose, which decides what a client may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FujiPersonality {
    /// Remote shooting (the X-T1 "remote control"): 0xDF01 = 5 gives capture, exposure steps,
    /// focus, movies and live view; browsing (2, 11) and geotagging (10) are allowed too.
    #[default]
    Remote,
    /// Image browsing: the card is served; 0xDF01 = 5 is refused (AccessDenied).
    Browse,
    /// A multiple transfer: the user chose pictures on the camera, which offers them one after
    /// another at handle 1 (0xDF00 = 1, 0xD220 = 1) and has no more after the last.
    Receive,
    /// A body without remote mode, as the X-A2: 0xDF24 answers OK with no value and
    /// InitiateOpenCapture is not supported; browsing works.
    NoRemote,
}

impl FujiPersonality {
    /// Every personality.
    pub const ALL: [Self; 4] = [Self::Remote, Self::Browse, Self::Receive, Self::NoRemote];

    /// Its name on the command line.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Remote => "remote",
            Self::Browse => "browse",
            Self::Receive => "receive",
            Self::NoRemote => "no-remote",
        }
    }

    /// The personality named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL.into_iter().find(|p| p.name() == n)
    }
}

impl std::fmt::Display for FujiPersonality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A movie being recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Recording {
    /// The StartMovieRecord transaction, which StopMovieRecord must name.
    pub(super) transaction: TransactionId,
    /// The session that started it (sessions are numbered as they attach).
    pub(super) session: u64,
}

/// The shared state.
#[derive(Debug)]
pub(super) struct BodyState {
    pub(super) personality: FujiPersonality,
    pub(super) props: PropTable,
    /// The pictures a browsing client sees as handles 1 to N.
    pub(super) card: Vec<Object>,
    /// Receive: the index in `card` of the picture at handle 1.
    pub(super) transfer_next: usize,
    pub(super) captures: u32,
    pub(super) movies: u32,
    pub(super) recording: Option<Recording>,
    pub(super) position: Option<GeoTag>,
    /// Sessions attached so far (numbers them).
    pub(super) sessions: u64,
    /// Sessions in remote mode with capture open: live view is served while there is one.
    pub(super) remote_sessions: usize,
}

impl BodyState {
    /// Whether a multiple transfer still has pictures to send.
    pub(super) fn transfer_pending(&self) -> bool {
        self.personality == FujiPersonality::Receive && self.transfer_next < self.card.len()
    }
}

/// A virtual Fujifilm body: settings, card and movie kept for the life of the process, shared
/// by every session ([`session`](Self::session) makes one). Cloning shares it.
#[derive(Clone, Debug)]
pub struct FujiBody(Arc<Mutex<BodyState>>);

impl Default for FujiBody {
    fn default() -> Self {
        Self::new(FujiPersonality::Remote)
    }
}

/// Where the virtual card's pictures live.
pub const CARD_STORAGE: StorageId = StorageId(0x1000_0001);

impl FujiBody {
    /// An X-T1 in `personality`, with three sample pictures on its card.
    #[must_use]
    pub fn new(personality: FujiPersonality) -> Self {
        let body = Self(Arc::new(Mutex::new(BodyState {
            personality,
            props: x_t1_props(),
            card: Vec::new(),
            transfer_next: 0,
            captures: 0,
            movies: 0,
            recording: None,
            position: None,
            sessions: 0,
            remote_sessions: 0,
        })));
        for n in 1..=3 {
            body.add_picture(&format!("DSCF{n:04}.JPG"), sample::sample_image(n), Some(n));
        }
        body
    }

    /// An X-T1 in `personality` whose card holds `pictures` (name and data) instead of the
    /// samples; thumbnails are generated.
    #[must_use]
    pub fn with_card(personality: FujiPersonality, pictures: Vec<(String, ObjectContent)>) -> Self {
        let body = Self::new(personality);
        body.lock().card.clear();
        for (name, content) in pictures {
            body.add_content(&name, content, None);
        }
        body
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, BodyState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new session with this body (what a server's factory returns for each connection).
    #[must_use]
    pub fn session(&self) -> super::FujiCamera {
        super::FujiCamera::attach(self.clone())
    }

    /// The Wi-Fi function chosen.
    #[must_use]
    pub fn personality(&self) -> FujiPersonality {
        self.lock().personality
    }

    /// The properties now (a copy).
    #[must_use]
    pub fn props(&self) -> PropTable {
        self.lock().props.clone()
    }

    /// Changes the properties (from the camera's side: a dial turned).
    pub fn with_props<T>(&self, f: impl FnOnce(&mut PropTable) -> T) -> T {
        f(&mut self.lock().props)
    }

    /// The pictures on the card.
    #[must_use]
    pub fn card_len(&self) -> usize {
        self.lock().card.len()
    }

    /// Pictures taken with InitiateCapture.
    #[must_use]
    pub fn captures(&self) -> u32 {
        self.lock().captures
    }

    /// Movies recorded (started and stopped).
    #[must_use]
    pub fn movies(&self) -> u32 {
        self.lock().movies
    }

    /// Whether a movie is being recorded.
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.lock().recording.is_some()
    }

    /// The last position a client gave (0xD500).
    #[must_use]
    pub fn position(&self) -> Option<GeoTag> {
        self.lock().position
    }

    /// Whether live view is on: a session is in remote mode with capture open (the port only
    /// serves then, as a body's 55742 listens only after InitiateOpenCapture).
    #[must_use]
    pub fn live_view_on(&self) -> bool {
        self.lock().remote_sessions > 0
    }

    /// Adds a picture to the card (with a generated thumbnail); its handle. Browsing sessions
    /// see the count (0xD222) change and get ObjectAdded.
    pub fn add_picture(&self, name: &str, jpeg: Bytes, seed: Option<u32>) -> ObjectHandle {
        self.add_content(name, ObjectContent::Bytes(jpeg), seed)
    }

    fn add_content(&self, name: &str, content: ObjectContent, seed: Option<u32>) -> ObjectHandle {
        let mut s = self.lock();
        let handle = ObjectHandle(u32::try_from(s.card.len() + 1).unwrap_or(u32::MAX));
        let seed = seed.unwrap_or(handle.0);
        let format = if name.to_ascii_uppercase().ends_with(".JPG") {
            ObjectFormatCode::EXIF_JPEG
        } else {
            ObjectFormatCode::UNDEFINED
        };
        let thumb = sample::thumbnail(seed);
        s.card.push(Object {
            handle,
            storage: CARD_STORAGE,
            parent: ObjectHandle::NONE,
            name: PtpString::new(name).unwrap_or_default(),
            format,
            association: AssociationType::UNDEFINED,
            content,
            thumbnail: Some(Thumbnail {
                jpeg: thumb,
                width: u32::from(sample::THUMB_WIDTH),
                height: u32::from(sample::THUMB_HEIGHT),
            }),
            image_size: (
                u32::from(sample::SAMPLE_WIDTH),
                u32::from(sample::SAMPLE_HEIGHT),
            ),
            bit_depth: 24,
            protection: ProtectionStatus::NO_PROTECTION,
            capture_date: PtpString::new(format!(
                "20160102T15{:02}{:02}",
                seed / 60 % 60,
                seed % 60
            ))
            .unwrap_or_default(),
            modification_date: PtpString::empty(),
            keywords: PtpString::new("Orientation:1").unwrap_or_default(),
        });
        handle
    }
}
