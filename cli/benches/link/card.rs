//! The cards the link benchmark serves, and the camera that serves them: the built-in
//! `VirtualCamera` on the std server, in this process, counting the operations it answers.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ptpip_protocol::camera::{ObjectContent, ObjectStore, Parent, VirtualCamera};
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_protocol::responder::{Device, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_transport_std::{ServerHandle, serve_logging};

/// A card's layout: the objects and what a full download carries.
#[derive(Clone)]
pub(crate) struct Card {
    /// The objects.
    pub(crate) store: ObjectStore,
    /// Files (objects that are not folders).
    pub(crate) files: usize,
    /// Bytes in all files.
    pub(crate) bytes: u64,
    /// Objects, folders included.
    pub(crate) objects: usize,
    /// What it holds, for the tables.
    pub(crate) label: String,
}

/// The sizes of a JPEG (5–15 MB) and of a RAW file (25–50 MB), from a xorshift generator.
struct Sizes(u32);

impl Sizes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        u64::from(self.0)
    }

    fn jpeg(&mut self) -> u64 {
        5_000_000 + self.next() % 10_000_001
    }

    fn raw(&mut self) -> u64 {
        25_000_000 + self.next() % 25_000_001
    }
}

/// A store with one card of 256 GB and `DCIM/100PTPIP`.
fn empty() -> (VirtualCamera, Parent) {
    let mut cam = VirtualCamera::new();
    let card = cam.add_storage("SD", 256_000_000_000).expect("a card");
    let dcim = cam.add_folder(card, "DCIM").expect("DCIM");
    let folder = cam.add_folder(dcim, "100PTPIP").expect("a folder");
    (cam, folder.into())
}

fn finish(cam: VirtualCamera, label: String) -> Card {
    let store = cam.store().clone();
    let files: Vec<u64> = store
        .objects()
        .filter(|o| !o.is_folder())
        .map(|o| o.content.len())
        .collect();
    Card {
        files: files.len(),
        bytes: files.iter().sum(),
        objects: store.len(),
        store,
        label,
    }
}

/// A card like a real one: `jpegs` JPEGs of 5–15 MB, and a RAW file of 25–50 MB beside every
/// tenth (`raws` of them), in `DCIM/100PTPIP`, always the same sizes for the same counts. The RAW
/// files are DNGs (format 0x3811): gphoto2 saves a file of format Undefined under the name of
/// the JPEG beside it, and so skips it as existing.
pub(crate) fn real_card(jpegs: usize, raws: usize) -> Card {
    let (mut cam, folder) = empty();
    let mut sizes = Sizes(0x2545_F491);
    for n in 1..=jpegs {
        let name = format!("IMG_{n:04}.JPG");
        let content = ObjectContent::Pattern(sizes.jpeg());
        cam.add_object(folder, &name, ObjectFormatCode::EXIF_JPEG, content)
            .expect("room on the card");
        if n % 10 == 1 && n / 10 < raws {
            let content = ObjectContent::Pattern(sizes.raw());
            cam.add_object(
                folder,
                &format!("IMG_{n:04}.DNG"),
                ObjectFormatCode::DNG,
                content,
            )
            .expect("room on the card");
        }
    }
    let label = format!("{jpegs} JPEG + {raws} RAW");
    finish(cam, label)
}

/// A card of `objects` objects: DCIM, one folder and small JPEGs (for listing).
pub(crate) fn many_objects(objects: usize) -> Card {
    let (mut cam, folder) = empty();
    for n in 1..=objects.saturating_sub(2) {
        let content = ObjectContent::Pattern(4_000_000 + n as u64);
        cam.add_object(
            folder,
            &format!("IMG_{n:04}.JPG"),
            ObjectFormatCode::EXIF_JPEG,
            content,
        )
        .expect("room on the card");
    }
    finish(cam, format!("{objects} objects"))
}

/// A card with one RAW file of `size` bytes.
pub(crate) fn one_file(size: u64) -> Card {
    let (mut cam, folder) = empty();
    cam.add_object(
        folder,
        "IMG_0001.DNG",
        ObjectFormatCode::DNG,
        ObjectContent::Pattern(size),
    )
    .expect("room on the card");
    finish(cam, format!("1 file of {} MB", size / 1_000_000))
}

/// The camera of one session, counting the operations it answers.
struct Counting {
    camera: VirtualCamera,
    ops: Arc<AtomicU64>,
}

impl Device for Counting {
    fn operation(&mut self, r: &Request) -> Reply {
        self.ops.fetch_add(1, Ordering::SeqCst);
        self.camera.operation(r)
    }
    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        self.camera.data_out(r, piece);
    }
    fn data_out_done(&mut self, r: &Request, len: u64) -> Response {
        self.camera.data_out_done(r, len)
    }
    fn poll_event(&mut self) -> Option<ptpip_protocol::DeviceEvent> {
        self.camera.poll_event()
    }
}

/// A camera serving a card on 127.0.0.1 (a port the OS picks).
pub(crate) struct Camera {
    /// The server.
    pub(crate) server: ServerHandle,
    ops: Arc<AtomicU64>,
}

impl Camera {
    /// Serves `card`, every reply held `think`, with GetObjectPropList if `prop_list`.
    pub(crate) fn start(card: &Card, think: Duration, prop_list: bool) -> Self {
        let mut config = ResponderConfig::new(
            Guid([0x5a; 16]),
            FriendlyName::new("link bench").expect("a name"),
            Dialect::Generic,
        );
        config.think = think;
        let ops = Arc::new(AtomicU64::new(0));
        let (store, counter) = (card.store.clone(), ops.clone());
        let server = serve_logging(
            TcpListener::bind("127.0.0.1:0").expect("a listener"),
            None,
            config,
            move || {
                let mut camera = VirtualCamera::new();
                *camera.store_mut() = store.clone();
                camera.set_object_prop_list(prop_list);
                Counting {
                    camera,
                    ops: counter.clone(),
                }
            },
            Arc::new(|_, _| {}),
        )
        .expect("a camera server");
        Self { server, ops }
    }

    /// Operations answered since the last call (OpenSession and CloseSession, which the
    /// responder answers itself, not counted).
    pub(crate) fn take_ops(&self) -> u64 {
        self.ops.swap(0, Ordering::SeqCst)
    }
}
