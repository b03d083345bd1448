//! The quirks corpus (`tests/quirks/`, see its README): every non-conforming layout a real camera
//! sends decodes with its quirk named, the Init acks get an initiator through the handshake in the
//! in-memory harness, and the typed calls hand the dataset quirks to `Calls::tolerated`.

mod common;

use std::io::Read;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use common::Pair;
use ptpip_protocol::Encode;
use ptpip_protocol::calls::{Calls, ClientError, DataSink};
use ptpip_protocol::camera::{FujiCamera, VirtualCamera};
use ptpip_protocol::fuji::Container;
use ptpip_protocol::initiator::{Completion, DeviceEvent, Event, Operation};
use ptpip_protocol::packet::{InitAckLayout, InitCommandAck, InitEventAck};
use ptpip_protocol::ptp::codes::{DevicePropCode, ObjectFormatCode, StorageType};
use ptpip_protocol::ptp::dataset::{
    DeviceInfo, DevicePropDesc, ObjectHandle, ObjectInfo, PropForm, StorageId, StorageInfo,
};
use ptpip_protocol::ptp::{DataTypeCode, PropValue};
use ptpip_protocol::quirk::ReadAs;
use ptpip_protocol::{
    Channel, ConnectionNumber, Device, Dialect, OperationCode, Packet, Params, ProtocolVersion,
    Quirk, ResponseCode, Tolerant, TransactionId,
};

macro_rules! corpus {
    ($($name:ident = $file:literal;)*) => {
        $(const $name: &[u8] = include_bytes!(concat!("quirks/", $file));)*
        /// Every file of the corpus, by name.
        const FILES: &[&str] = &[$($file),*];
    };
}

corpus! {
    X_A2_ACK = "init_command_ack-fuji-x-a2.bin";
    NO_VERSION_ACK = "init_command_ack-no-version.bin";
    PADDED_EVENT_ACK = "init_event_ack-zero-padded.bin";
    VCAM_OBJECT_INFO = "object_info-vcam-no-modification-date.bin";
    SHORT_OBJECT_INFO = "object_info-ends-after-capture-date.bin";
    VCAMERA_DEVICE_INFO = "device_info-vcamera-extra-string.bin";
    PADDED_DEVICE_INFO = "device_info-xh1-zero-padded.bin";
    SHORT_STORAGE_INFO = "storage_info-ends-after-free-space.bin";
    PADDED_PROP_DESC = "device_prop_desc-trailing-zeros.bin";
    NO_FORM_PROP_DESC = "device_prop_desc-str-no-form.bin";
}

const README: &str = include_str!("quirks/README.md");

fn missing(context: &'static str, fields: &'static [&'static str], read_as: ReadAs) -> Quirk {
    Quirk::MissingFields {
        context,
        fields,
        read_as,
    }
}

fn trailing(context: &'static str, count: u64, all_zero: bool) -> Quirk {
    Quirk::TrailingBytes {
        context,
        count,
        all_zero,
    }
}

const NO_VERSION: Quirk = Quirk::MissingFields {
    context: "Init_Command_Ack",
    fields: &["ProtocolVersion"],
    read_as: ReadAs::Absent,
};

const X_A2_PADDED_NAME: Quirk = Quirk::PaddedField {
    context: "Init_Command_Ack",
    field: "FriendlyName",
    width: 40,
};

#[test]
fn every_file_is_tested_and_described() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/quirks");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".bin"))
        .collect();
    on_disk.sort();
    let mut known: Vec<&str> = FILES.to_vec();
    known.sort_unstable();
    assert_eq!(
        on_disk, known,
        "a corpus file without a test, or the reverse"
    );
    for file in FILES {
        assert!(
            README.contains(&format!("| `{file}` |")),
            "{file} has no row in README.md"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Init packets: decoded, and fed to an initiator
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn decode_ack(bytes: &[u8]) -> InitCommandAck {
    let [generic, fuji] = [Dialect::Generic, Dialect::Fuji].map(|d| Packet::decode(bytes, d));
    let packet = generic.unwrap();
    assert_eq!(fuji.as_ref(), Ok(&packet), "the dialects agree");
    assert_eq!(packet.to_bytes(), bytes, "re-encodes exactly");
    let quirks = packet.quirks();
    match packet {
        Packet::InitCommandAck(a) => {
            assert_eq!(a.quirks(), quirks);
            a
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn x_a2_ack_decodes() {
    let a = decode_ack(X_A2_ACK);
    assert_eq!(a.connection_number, ConnectionNumber(0));
    assert_eq!(a.guid.to_string(), "0870b061-0a8b-4593-b2e7-9357dd36e050");
    assert_eq!(a.friendly_name.as_str(), "X-A2");
    assert_eq!(a.version, None);
    assert_eq!(a.layout, InitAckLayout::FixedName { width: 40 });
    assert_eq!(a.quirks(), [X_A2_PADDED_NAME, NO_VERSION]);
}

#[test]
fn unpadded_ack_without_a_version_decodes() {
    let a = decode_ack(NO_VERSION_ACK);
    assert_eq!(a.friendly_name.as_str(), "camera");
    assert_eq!((a.version, a.layout), (None, InitAckLayout::Standard));
    assert_eq!(a.quirks(), [NO_VERSION]);
}

#[test]
fn padded_init_event_ack_decodes() {
    let p = Packet::decode(PADDED_EVENT_ACK, Dialect::Generic).unwrap();
    assert_eq!(p, Packet::InitEventAck(InitEventAck { padding: 4 }));
    assert_eq!(p.to_bytes(), PADDED_EVENT_ACK);
    assert_eq!(p.quirks(), [trailing("Init_Event_Ack", 4, true)]);
}

/// Delivers everything the initiator transmits to the responder, and returns what the responder
/// transmits back (not delivered).
fn exchange<D: Device>(p: &mut Pair<D>) -> Vec<(Channel, Bytes)> {
    while let Some(t) = p.ini.poll_transmit() {
        p.resp
            .handle_input(p.now, t.channel, BytesMut::from(&t.payload[..]))
            .unwrap();
    }
    std::iter::from_fn(|| p.resp.poll_transmit())
        .map(|t| (t.channel, t.payload))
        .collect()
}

/// The `Event::Connected` the initiator reported, with its quirks.
fn connected(p: &Pair<impl Device>) -> (Option<ProtocolVersion>, Vec<Quirk>) {
    p.events
        .iter()
        .find_map(|e| match e {
            Event::Connected {
                version, quirks, ..
            } => Some((*version, quirks.clone())),
            _ => None,
        })
        .expect("Event::Connected")
}

#[test]
fn fuji_initiator_gets_past_the_x_a2_ack_to_its_set_up() {
    let mut p = Pair::new(Dialect::Fuji, FujiCamera::new(), 7);
    // The request reaches the camera; its own ack is replaced by the X-A2's.
    let replies = exchange(&mut p);
    assert!(
        matches!(replies[..], [(Channel::Command, _)]),
        "{replies:?}"
    );
    p.ini
        .handle_input(p.now, Channel::Command, BytesMut::from(X_A2_ACK))
        .unwrap();
    // The first set-up step goes out: OpenSession, in a Fuji container.
    let t = p.ini.poll_transmit().expect("OpenSession");
    assert_eq!(t.channel, Channel::Command);
    match Container::decode(&t.payload).unwrap() {
        Container::Command {
            code,
            transaction_id,
            ..
        } => assert_eq!(
            (code, transaction_id),
            (OperationCode::OPEN_SESSION, TransactionId::OPEN_SESSION)
        ),
        other => panic!("{other:?}"),
    }
    p.resp
        .handle_input(p.now, t.channel, BytesMut::from(&t.payload[..]))
        .unwrap();
    // The rest of the Fujifilm set-up runs against the virtual camera.
    p.connect();
    assert_eq!(connected(&p), (None, vec![X_A2_PADDED_NAME, NO_VERSION]));
}

#[test]
fn generic_initiator_gets_past_an_ack_without_version_and_a_padded_event_ack() {
    let mut p = Pair::new(Dialect::Generic, VirtualCamera::sample(), 8);
    let replies = exchange(&mut p);
    assert!(
        matches!(replies[..], [(Channel::Command, _)]),
        "{replies:?}"
    );
    p.ini
        .handle_input(p.now, Channel::Command, BytesMut::from(NO_VERSION_ACK))
        .unwrap();
    // Init_Event_Request goes out with the connection number of the ack.
    let replies = exchange(&mut p);
    let [(Channel::Event, event_ack)] = &replies[..] else {
        panic!("{replies:?}");
    };
    assert_eq!(
        Packet::decode(event_ack, Dialect::Generic).unwrap(),
        Packet::InitEventAck(InitEventAck::new())
    );
    p.ini
        .handle_input(p.now, Channel::Event, BytesMut::from(PADDED_EVENT_ACK))
        .unwrap();
    // OpenSession goes out.
    let t = p.ini.poll_transmit().expect("OpenSession");
    match Packet::decode(&t.payload, Dialect::Generic).unwrap() {
        Packet::OperationRequest(r) => assert_eq!(r.code, OperationCode::OPEN_SESSION),
        other => panic!("{other:?}"),
    }
    p.resp
        .handle_input(p.now, t.channel, BytesMut::from(&t.payload[..]))
        .unwrap();
    p.connect();
    assert_eq!(connected(&p), (None, vec![NO_VERSION]));
}

// ---------------------------------------------------------------------------------------------
// Datasets: decoded leniently, refused strictly
// ---------------------------------------------------------------------------------------------

#[test]
fn vcam_object_info_without_modification_date() {
    assert!(ObjectInfo::decode(VCAM_OBJECT_INFO).is_err());
    let t = ObjectInfo::decode_lenient(VCAM_OBJECT_INFO).unwrap();
    assert_eq!(
        t.quirks,
        [missing("ObjectInfo", &["Keywords"], ReadAs::Empty)]
    );
    let oi = t.value;
    assert_eq!(oi.filename.as_str(), "test.jpg");
    assert_eq!(oi.object_format, ObjectFormatCode::EXIF_JPEG);
    assert_eq!(oi.object_compressed_size, 1234);
    assert_eq!(oi.parent_object, ObjectHandle(0xFFFF_FFFF));
    assert_eq!(oi.capture_date.as_str(), "20250605T162128");
    // The keywords text sits where ModificationDate belongs: the wire cannot say otherwise.
    assert_eq!(oi.modification_date.as_str(), "Orientation: 1");
    assert!(oi.keywords.is_empty());
}

#[test]
fn object_info_ending_after_capture_date() {
    assert!(ObjectInfo::decode(SHORT_OBJECT_INFO).is_err());
    let t = ObjectInfo::decode_lenient(SHORT_OBJECT_INFO).unwrap();
    assert_eq!(
        t.quirks,
        [missing(
            "ObjectInfo",
            &["ModificationDate", "Keywords"],
            ReadAs::Empty
        )]
    );
    assert_eq!(
        t.quirks[0].to_string(),
        "ObjectInfo: ends before ModificationDate; ModificationDate, Keywords read as empty"
    );
    assert_eq!(t.value.filename.as_str(), "DSCF0591.JPG");
    assert_eq!(t.value.capture_date.as_str(), "20160102T150136");
    assert!(t.value.modification_date.is_empty() && t.value.keywords.is_empty());
    assert_eq!(
        (t.value.image_pix_width, t.value.image_pix_height),
        (6000, 4000)
    );
}

#[test]
fn vcamera_device_info_with_an_extra_string() {
    assert!(DeviceInfo::decode(VCAMERA_DEVICE_INFO).is_err());
    let t = DeviceInfo::decode_lenient(VCAMERA_DEVICE_INFO).unwrap();
    assert_eq!(t.quirks, [trailing("DeviceInfo", 5, false)]);
    assert_eq!(
        t.quirks[0].to_string(),
        "DeviceInfo: 5 trailing bytes ignored"
    );
    let di = t.value;
    assert_eq!(di.vendor_extension_desc.as_str(), "G-V: 1.0;");
    assert_eq!(di.operations_supported.len(), 16);
    assert!(di.supports_operation(OperationCode::GET_OBJECT_INFO));
    assert_eq!(di.device_properties_supported.len(), 6);
    assert_eq!((di.manufacturer.as_str(), di.model.as_str()), ("GP", "VC"));
    assert_eq!(di.device_version.as_str(), "2.5.11");
    assert_eq!(di.serial_number.as_str(), "0.1");
}

#[test]
fn x_h1_device_info_with_zero_padding() {
    assert!(DeviceInfo::decode(PADDED_DEVICE_INFO).is_err());
    let t = DeviceInfo::decode_lenient(PADDED_DEVICE_INFO).unwrap();
    assert_eq!(t.quirks, [trailing("DeviceInfo", 3, true)]);
    assert_eq!(t.value.model.as_str(), "X-H1");
    assert_eq!(t.value.device_properties_supported.len(), 168);
    // Without its padding it is the exact fixture.
    let exact = &PADDED_DEVICE_INFO[..PADDED_DEVICE_INFO.len() - 3];
    assert_eq!(DeviceInfo::decode(exact).unwrap(), t.value);
}

#[test]
fn storage_info_ending_after_the_fixed_fields() {
    assert!(StorageInfo::decode(SHORT_STORAGE_INFO).is_err());
    let t = StorageInfo::decode_lenient(SHORT_STORAGE_INFO).unwrap();
    assert_eq!(
        t.quirks,
        [missing(
            "StorageInfo",
            &["StorageDescription", "VolumeLabel"],
            ReadAs::Empty
        )]
    );
    let si = t.value;
    assert_eq!(si.storage_type, StorageType(3));
    assert_eq!(
        (
            si.max_capacity,
            si.free_space_in_bytes,
            si.free_space_in_images
        ),
        (0x4242_4242, 0x2121_2121, 150)
    );
    assert!(si.storage_description.is_empty() && si.volume_label.is_empty());
}

#[test]
fn x_t1_prop_desc_with_trailing_zeros() {
    assert!(DevicePropDesc::decode(PADDED_PROP_DESC).is_err());
    let t = DevicePropDesc::decode_lenient(PADDED_PROP_DESC).unwrap();
    assert_eq!(t.quirks, [trailing("DevicePropDesc", 4, true)]);
    assert_eq!(t.value.code, DevicePropCode(0x5005));
    assert_eq!(t.value.current_value, PropValue::UInt16(2));
    match &t.value.form {
        PropForm::Enumeration { values } => assert_eq!(values.len(), 10),
        other => panic!("{other:?}"),
    }
}

#[test]
fn str_prop_desc_without_a_form() {
    assert!(DevicePropDesc::decode(NO_FORM_PROP_DESC).is_err());
    let t = DevicePropDesc::decode_lenient(NO_FORM_PROP_DESC).unwrap();
    assert_eq!(
        t.quirks,
        [missing("DevicePropDesc", &["FormFlag"], ReadAs::NoForm)]
    );
    assert_eq!(t.value.data_type, DataTypeCode::STR);
    assert!(t.value.is_settable());
    assert_eq!(t.value.form, PropForm::None);
}

// ---------------------------------------------------------------------------------------------
// The typed calls: the value comes back, the quirks go to `Calls::tolerated`
// ---------------------------------------------------------------------------------------------

/// A driver whose every data-in operation answers OK with `reply`.
struct Canned {
    reply: Bytes,
    tolerated: Vec<Quirk>,
}

impl Calls for Canned {
    fn run(&mut self, op: Operation, _: &mut dyn DataSink) -> Result<Completion, ClientError> {
        Ok(Completion {
            transaction: TransactionId::FIRST,
            operation: op.code,
            response: ResponseCode::OK,
            params: Params::new(),
            data: Some(self.reply.clone()),
        })
    }

    fn run_upload(
        &mut self,
        _: Operation,
        _: &mut dyn Read,
        _: u64,
    ) -> Result<Completion, ClientError> {
        unreachable!("no uploads here")
    }

    fn next_event(&mut self, _: Option<Duration>) -> Result<Option<DeviceEvent>, ClientError> {
        Ok(None)
    }

    fn tolerated(&mut self, quirk: Quirk) {
        self.tolerated.push(quirk);
    }
}

fn canned(reply: &[u8]) -> Canned {
    Canned {
        reply: Bytes::copy_from_slice(reply),
        tolerated: Vec::new(),
    }
}

#[test]
fn typed_calls_return_the_value_and_report_each_quirk() {
    let mut c = canned(VCAM_OBJECT_INFO);
    let oi = c.object_info(ObjectHandle(1)).unwrap();
    assert_eq!(
        Tolerant {
            value: oi,
            quirks: c.tolerated
        },
        ObjectInfo::decode_lenient(VCAM_OBJECT_INFO).unwrap()
    );

    let mut c = canned(VCAMERA_DEVICE_INFO);
    assert_eq!(c.device_info().unwrap().model.as_str(), "VC");
    assert_eq!(c.tolerated, [trailing("DeviceInfo", 5, false)]);

    let mut c = canned(SHORT_STORAGE_INFO);
    assert_eq!(
        c.storage_info(StorageId(0x0001_0001))
            .unwrap()
            .free_space_in_images,
        150
    );
    assert_eq!(c.tolerated.len(), 1);

    let mut c = canned(NO_FORM_PROP_DESC);
    assert_eq!(
        c.prop_desc(DevicePropCode(0x5011)).unwrap().form,
        PropForm::None
    );
    assert_eq!(
        c.tolerated,
        [missing("DevicePropDesc", &["FormFlag"], ReadAs::NoForm)]
    );

    // Bytes that do not decode even leniently are still an error.
    let mut c = canned(&VCAM_OBJECT_INFO[..40]);
    assert!(matches!(
        c.object_info(ObjectHandle(1)),
        Err(ClientError::Decode(e)) if e.field == "ParentObject"
    ));
    assert!(c.tolerated.is_empty());
}
