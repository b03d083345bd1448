//! The Fujifilm calls ([`FujiCalls`]) against the virtual body, in memory and in virtual time:
//! the set-up in each mode and personality, exposure steps and targets, focus, movies, geotags,
//! browsing with true sizes and partial reads, and the multiple transfer.

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;

use super::{Pair, Split};
use crate::calls::{
    Calls, ClientError, DataSink, FujiCalls, FujiError, MovieRecording, PreviewCheck,
};
use crate::camera::{FujiBody, FujiCamera, FujiPersonality, ObjectContent};
use crate::fuji::{
    CameraState, ConnectionMode, ExposureControl, FocusPoint, FujiMode, GeoTag, GeoTime,
    SetupLeniency, ShutterSpeed,
};
use crate::initiator::{Completion, DeviceEvent, Event, Operation, SetupProblem};
use crate::packet::Dialect;
use crate::ptp::codes::{DevicePropCode as P, OperationCode as Op, ResponseCode};
use crate::ptp::dataset::ObjectHandle;
use crate::types::TransactionId;

/// A [`Calls`] driver over the in-memory pair.
struct Driven(Pair<FujiCamera>);

impl Calls for Driven {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        let p = &mut self.0;
        let tid = p.ini.execute(p.now, op)?;
        p.pump();
        let mut err = None;
        p.events.retain(|e| match e {
            Event::DataChunk {
                transaction,
                offset,
                data,
            } if *transaction == tid => {
                if err.is_none() {
                    err = sink.piece(*offset, None, data).err();
                }
                false
            }
            Event::DataStarted { transaction, .. } | Event::DataFinished { transaction, .. }
                if *transaction == tid =>
            {
                false
            }
            _ => true,
        });
        if let Some(e) = err {
            return Err(e.into());
        }
        if let Some(e) = p.ini.error() {
            return Err(e.clone().into());
        }
        p.finish(tid).map_err(|e| match e {
            Event::OperationFailed { error, .. } => error.into(),
            other => panic!("{other:?}"),
        })
    }

    fn run_upload(
        &mut self,
        _op: Operation,
        _reader: &mut dyn Read,
        _len: u64,
    ) -> Result<Completion, ClientError> {
        unimplemented!("not used by the Fujifilm calls")
    }

    fn next_event(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<DeviceEvent>, ClientError> {
        let p = &mut self.0;
        p.pump();
        let mut events = p.device_events();
        if events.is_empty() {
            p.advance(timeout.unwrap_or(Duration::from_secs(1)));
            events = p.device_events();
        }
        let first = (!events.is_empty()).then(|| events.remove(0));
        // Put the rest back.
        p.events.extend(events.into_iter().map(Event::DeviceEvent));
        Ok(first)
    }
}

fn session(body: &FujiBody, mode: FujiMode) -> Driven {
    let mut p = Pair::with(Dialect::Fuji, body.session(), Split::Pieces(5), |ic, _| {
        ic.fuji_mode = mode;
    });
    p.pump();
    assert!(p.ini.is_ready(), "{:?}", p.events);
    p.events.clear();
    Driven(p)
}

fn shown(c: &mut Driven, control: ExposureControl) -> String {
    c.fuji_exposure(control).unwrap().to_string()
}

#[test]
fn each_mode_writes_its_value_and_echoes_its_version_property() {
    let body = FujiBody::default();
    for (mode, written, version, value) in [
        (FujiMode::Remote, 5, P::FUJI_APP_VERSION, 0x0002_0001),
        (FujiMode::Browse, 2, P::FUJI_APP_VERSION_BROWSE, 3),
        (FujiMode::Geotag, 10, P::FUJI_APP_VERSION_GEO, 2),
    ] {
        let mut p = Pair::with(Dialect::Fuji, body.session(), Split::Whole, |ic, _| {
            ic.fuji_mode = mode;
        });
        p.pump();
        assert!(p.ini.is_ready());
        // The pairing wait is announced whatever the mode.
        assert!(
            p.take(|e| matches!(e, Event::AwaitingConfirmation { .. }))
                .is_some(),
            "{mode}"
        );
        let f = p.ini.fuji_session().unwrap().clone();
        assert_eq!(f.mode, mode);
        assert_eq!(f.connection_mode, ConnectionMode(written));
        let echo = f.version.unwrap();
        assert_eq!(
            (echo.property, echo.camera, echo.written),
            (version, value, Some(value))
        );
        assert!(f.tolerated.is_empty(), "{mode}: {:?}", f.tolerated);
        assert_eq!(p.resp.device().mode(), Some(ConnectionMode(written)));
        if mode == FujiMode::Browse {
            assert_eq!(f.camera_state, Some(CameraState::REMOTE));
        }
    }
}

#[test]
fn personalities_refuse_or_degrade_as_bodies_do() {
    // A browse body refuses remote mode: the client degrades to browsing, and the card is there.
    let body = FujiBody::new(FujiPersonality::Browse);
    let mut p = Pair::with(Dialect::Fuji, body.session(), Split::Whole, |_, _| {});
    p.pump();
    let why = p.ini.remote_mode_unavailable().unwrap().clone();
    assert_eq!(why.step, "SetDevicePropValue 0xDF01");
    assert_eq!(
        why.problem,
        SetupProblem::Refused(ResponseCode::ACCESS_DENIED)
    );
    // A body without remote mode (the X-A2): 0xDF24 is OK with no value.
    let body = FujiBody::new(FujiPersonality::NoRemote);
    let mut p = Pair::with(Dialect::Fuji, body.session(), Split::Whole, |_, _| {});
    p.pump();
    let why = p.ini.remote_mode_unavailable().unwrap().clone();
    assert_eq!(why.step, "GetDevicePropValue 0xDF24");
    assert_eq!(why.problem, SetupProblem::EmptyValue);
    let mut c = Driven(p);
    assert_eq!(c.fuji_object_count().unwrap(), 3);
    for code in [Op::INITIATE_CAPTURE, Op::FUJI_SET_SHUTTER_SPEED] {
        let e = c.call(Operation::new(code, &[0]).unwrap()).unwrap_err();
        assert!(
            matches!(
                e,
                ClientError::Response {
                    response: ResponseCode::OPERATION_NOT_SUPPORTED,
                    ..
                }
            ),
            "{e}"
        );
    }
    // In browse mode the remote operations are refused.
    let mut c = session(&FujiBody::default(), FujiMode::Browse);
    assert!(matches!(
        c.fuji_step(ExposureControl::ShutterSpeed, 1),
        Err(ClientError::Response {
            response: ResponseCode::ACCESS_DENIED,
            ..
        })
    ));
}

#[test]
fn shutter_speed_steps_to_targets_and_back_and_stops_at_the_end() {
    let body = FujiBody::default();
    let mut c = session(&body, FujiMode::Remote);
    let s = ExposureControl::ShutterSpeed;
    assert_eq!(shown(&mut c, s), "1/250");
    let r = c.fuji_set_exposure(s, s.parse("1/1000").unwrap()).unwrap();
    assert_eq!(
        (r.from.to_string(), r.to.to_string(), r.steps),
        ("1/250".into(), "1/1000".into(), 6)
    );
    assert_eq!(shown(&mut c, s), "1/1000");
    let r = c.fuji_set_exposure(s, s.parse("1/250").unwrap()).unwrap();
    assert_eq!((r.to.to_string(), r.steps), ("1/250".into(), 6));
    // Relative steps: +2 thirds faster, then back.
    let r = c.fuji_step(s, 2).unwrap();
    assert_eq!(r.to.to_string(), "1/400");
    c.fuji_step(s, -2).unwrap();
    // Not one of the camera's stops.
    let e = c
        .fuji_set_exposure(s, s.parse("1/300").unwrap())
        .unwrap_err();
    assert!(
        matches!(e, ClientError::Fuji(FujiError::NotAStop { .. })),
        "{e}"
    );
    // Beyond the range: a clear error at the end.
    c.fuji_set_exposure(s, s.parse("1/4000").unwrap()).unwrap();
    let e = c.fuji_step(s, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the shutter speed is at the end of its range: it stays at 1/4000 (after 0 of the steps asked)"
    );
    assert_eq!(
        c.fuji_state_word(P::FUJI_COMMAND_DIAL_MODE).unwrap(),
        1,
        "shutter pinned"
    );
    let e = c
        .fuji_set_exposure(s, s.parse("1/8000").unwrap())
        .unwrap_err();
    assert!(
        matches!(e, ClientError::Fuji(FujiError::EndOfRange { .. })),
        "{e}"
    );
    assert_eq!(shown(&mut c, s), "1/4000", "the probe step was undone");
    c.fuji_set_exposure(s, s.parse("2s").unwrap()).unwrap();
    assert_eq!(
        ShutterSpeed(c.fuji_state_word(P::FUJI_SHUTTER_SPEED).unwrap()).to_string(),
        "2s"
    );
    // Aperture and bias.
    let a = ExposureControl::Aperture;
    c.fuji_set_exposure(a, a.parse("f/8").unwrap()).unwrap();
    assert_eq!(shown(&mut c, a), "f/8");
    let b = ExposureControl::ExposureBias;
    c.fuji_set_exposure(b, b.parse("-2/3").unwrap()).unwrap();
    assert_eq!(shown(&mut c, b), "-2/3");
    assert!(c.fuji_step(b, -8).is_err(), "-3 is the end");
    assert_eq!(shown(&mut c, b), "-3");
    // Settings outlive the session.
    drop(c);
    let mut c = session(&body, FujiMode::Remote);
    assert_eq!(shown(&mut c, a), "f/8");
    assert_eq!(shown(&mut c, s), "2s");
}

#[test]
fn focus_points_movies_and_the_preview_size() {
    let body = FujiBody::default();
    let mut c = session(&body, FujiMode::Remote);
    c.fuji_set_focus_point(FocusPoint::new(3, 5)).unwrap();
    assert_eq!(
        c.fuji_state_word(P::FUJI_FOCUS_POINT).unwrap(),
        0x0302_0305,
        "bytes [y, x, 2, 3]"
    );
    assert_eq!(c.fuji_state_word(P::FUJI_FOCUS_LOCK).unwrap(), 1);
    c.fuji_unlock_focus().unwrap();
    assert_eq!(c.fuji_state_word(P::FUJI_FOCUS_LOCK).unwrap(), 0);
    assert!(
        c.fuji_set_focus_point(FocusPoint::new(8, 1)).is_err(),
        "the grid is 7 × 7"
    );

    let movie = c.fuji_start_movie().unwrap();
    assert!(body.is_recording());
    assert!(c.fuji_start_movie().is_err(), "one at a time");
    let wrong = MovieRecording {
        transaction: TransactionId(movie.transaction.0 + 100),
    };
    assert!(c.fuji_stop_movie(wrong).is_err());
    c.fuji_stop_movie(movie).unwrap();
    assert_eq!(body.movies(), 1);

    let shot = c.capture(Duration::from_secs(5)).unwrap();
    assert!(shot.complete);
    assert_eq!(shot.preview_check(), PreviewCheck::Matches);
    assert_eq!(body.captures(), 1);
}

#[test]
fn geotags_need_geotag_mode() {
    let body = FujiBody::default();
    let t = GeoTime::from_unix_millis(1_700_000_000_000);
    let tag = GeoTag::from_degrees(48.858_4, 2.294_5, 330.0, t).unwrap();
    let mut c = session(&body, FujiMode::Remote);
    assert!(matches!(
        c.fuji_push_geotag(&tag),
        Err(ClientError::Response {
            response: ResponseCode::ACCESS_DENIED,
            ..
        })
    ));
    let mut c = session(&body, FujiMode::Geotag);
    c.fuji_push_geotag(&tag).unwrap();
    assert_eq!(body.position(), Some(tag));
    // Read back in the X-T1's layout.
    let raw = c.prop_value_raw(P::FUJI_GEO_TAG).unwrap();
    assert_eq!(raw.len(), 97);
    assert_eq!(GeoTag::decode(&raw).unwrap().0, tag);
}

#[test]
fn browsing_lists_with_true_sizes_and_downloads_in_pieces() {
    let big: Vec<u8> = (0..2_500_000u32).map(|i| (i % 253) as u8).collect();
    let body = FujiBody::with_card(
        FujiPersonality::Browse,
        vec![
            (
                "DSCF0001.JPG".into(),
                ObjectContent::Bytes(Bytes::from(big.clone())),
            ),
            (
                "DSCF0002.RAF".into(),
                ObjectContent::Bytes(Bytes::from_static(b"raw")),
            ),
        ],
    );
    let mut c = session(&body, FujiMode::Browse);
    // Without 0xD227 the size is a placeholder.
    let info = c.object_info(ObjectHandle(1)).unwrap();
    assert_eq!(info.object_compressed_size, 0x19000);
    let list = c.fuji_objects().unwrap();
    let sizes: Vec<u32> = list
        .iter()
        .map(|o| o.info.as_ref().unwrap().object_compressed_size)
        .collect();
    assert_eq!(sizes, [2_500_000, 3]);
    assert_eq!(
        c.fuji_state_word(P::FUJI_CORRECT_FILE_SIZE).unwrap(),
        0,
        "set back"
    );
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let d = c
        .fuji_download(ObjectHandle(1), 0, &mut out, &mut |n, total| {
            seen.push((n, total))
        })
        .unwrap();
    assert_eq!((d.len, out == big), (2_500_000, true));
    assert_eq!(seen.last(), Some(&(2_500_000, 2_500_000)));
    // Resumed from an offset.
    let mut rest = Vec::new();
    let d = c
        .fuji_download(ObjectHandle(1), 2_000_000, &mut rest, &mut |_, _| {})
        .unwrap();
    assert_eq!((d.len, &rest[..]), (500_000, &big[2_000_000..]));
    let (info, thumb) = c.fuji_thumb(ObjectHandle(2)).unwrap();
    assert_eq!(info.filename.as_str(), "DSCF0002.RAF");
    assert!(thumb.starts_with(&[0xFF, 0xD8]));
    assert!(c.object_info(ObjectHandle(3)).is_err());
    // A picture added on the camera shows in the count and the change list.
    body.add_picture(
        "DSCF0003.JPG",
        Bytes::from_static(&[0xFF, 0xD8, 0xFF, 0xD9]),
        None,
    );
    assert_eq!(c.fuji_object_count().unwrap(), 3);
    let changes = c.fuji_state().unwrap();
    assert_eq!(changes.get(P::FUJI_OBJECT_COUNT), Some(3));
    assert_eq!(
        c.fuji_state().unwrap().entries.len(),
        0,
        "nothing changed since"
    );
}

#[test]
fn a_multiple_transfer_hands_out_the_chosen_pictures_one_by_one() {
    let body = FujiBody::new(FujiPersonality::Receive);
    let mut p = Pair::with(Dialect::Fuji, body.session(), Split::Whole, |ic, _| {
        ic.fuji_mode = FujiMode::Browse;
    });
    p.pump();
    let f = p.ini.fuji_session().unwrap().clone();
    assert!(f.is_multiple_transfer());
    assert_eq!(f.connection_mode, ConnectionMode::VIEW_MULTIPLE_TRANSFER);
    let mut c = Driven(p);
    let mut names = Vec::new();
    loop {
        let mut out = Vec::new();
        match c.fuji_receive_next(&mut out, &mut |_, _| {}).unwrap() {
            Some(d) => {
                assert_eq!(d.len as usize, out.len());
                assert!(out.starts_with(&[0xFF, 0xD8]));
                names.push(d.info.filename.as_str().to_owned());
            }
            None => break,
        }
    }
    assert_eq!(names, ["DSCF0001.JPG", "DSCF0002.JPG", "DSCF0003.JPG"]);
    assert_eq!(c.fuji_object_count().unwrap(), 0);
}

#[test]
fn a_browse_body_with_no_version_property_is_tolerated() {
    /// Answers GetDevicePropValue 0xDF22 with OK and no data, as the X-T20 does for 0xDF44.
    struct NoBrowseVersion(FujiCamera);
    impl crate::responder::Device for NoBrowseVersion {
        fn operation(&mut self, r: &crate::responder::Request) -> crate::responder::Reply {
            if r.code == Op::GET_DEVICE_PROP_VALUE && r.params.get(1) == Some(0xDF22) {
                return crate::responder::Reply::Data {
                    source: Box::new(Bytes::new()),
                    response: crate::responder::Response::OK,
                };
            }
            self.0.operation(r)
        }
        fn data_out(&mut self, r: &crate::responder::Request, piece: &[u8]) {
            self.0.data_out(r, piece);
        }
        fn data_out_done(
            &mut self,
            r: &crate::responder::Request,
            len: u64,
        ) -> crate::responder::Response {
            self.0.data_out_done(r, len)
        }
    }
    let cam = NoBrowseVersion(FujiBody::new(FujiPersonality::Browse).session());
    let mut p = Pair::with(Dialect::Fuji, cam, Split::Whole, |ic, _| {
        ic.fuji_mode = FujiMode::Browse;
    });
    p.pump();
    assert!(p.ini.is_ready());
    let f = p.ini.fuji_session().unwrap();
    assert_eq!(
        f.tolerated,
        [SetupLeniency::VersionMissing(P::FUJI_APP_VERSION_BROWSE)]
    );
    assert_eq!(f.version, None);
}
