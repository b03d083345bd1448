//! [`FujiCalls`]: the Fujifilm calls, over any driver that implements [`Calls`].

use std::cmp::Ordering;
use std::io::Write;

use bytes::Bytes;

use super::{Calls, ClientError, op};
use crate::fuji::{ExposureControl, ExposureValue, FocusPoint, GeoTag};
use crate::ptp::codes::{DevicePropCode, OperationCode, ResponseCode};
use crate::ptp::dataset::{ObjectHandle, ObjectInfo};
use crate::types::TransactionId;

/// The most steps a target may take (a whole range is about 60 thirds).
pub const MAX_STEPS: u32 = 96;

/// The piece size of browse-mode downloads (what libfuji reads).
pub const DOWNLOAD_PIECE: u32 = 1 << 20;

/// Why a Fujifilm call could not do what it was asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FujiError {
    /// A step left the value where it was: the end of its range (or the control is fixed in
    /// this exposure mode).
    #[error(
        "the {control} is at the end of its range: it stays at {value} (after {steps} of the steps asked)"
    )]
    EndOfRange {
        /// The control.
        control: ExposureControl,
        /// Where it stays.
        value: ExposureValue,
        /// Steps that did move it.
        steps: u32,
    },
    /// The target lies between two of the camera's steps.
    #[error("the camera has no {control} of {target}: it went from {before} to {after}")]
    NotAStop {
        /// The control.
        control: ExposureControl,
        /// What was asked.
        target: ExposureValue,
        /// The value before the last step.
        before: ExposureValue,
        /// Where it stopped.
        after: ExposureValue,
    },
    /// The value cannot be compared with the target: the camera chooses it in this exposure
    /// mode (shutter speed in aperture priority, aperture in shutter priority…).
    #[error(
        "the camera chooses the {control} now ({value}): change the exposure mode on the camera"
    )]
    CameraChooses {
        /// The control.
        control: ExposureControl,
        /// What it reports.
        value: ExposureValue,
    },
    /// The target was not reached within [`MAX_STEPS`].
    #[error("the {control} did not reach {target} within {MAX_STEPS} steps (it is at {value})")]
    TooManySteps {
        /// The control.
        control: ExposureControl,
        /// What was asked.
        target: ExposureValue,
        /// Where it is.
        value: ExposureValue,
    },
    /// A property read back as a value of the wrong size.
    #[error("{code} came back as {len} bytes")]
    BadValue {
        /// The property.
        code: DevicePropCode,
        /// Its size.
        len: usize,
    },
    /// GetPartialObject sent nothing before the object's end.
    #[error("the camera sent nothing of object {handle} at offset {offset} of {size}")]
    Stalled {
        /// The object.
        handle: ObjectHandle,
        /// Where it stopped.
        offset: u64,
        /// Its size.
        size: u64,
    },
}

/// What a step or a target did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The control.
    pub control: ExposureControl,
    /// The value before.
    pub from: ExposureValue,
    /// The value after.
    pub to: ExposureValue,
    /// Steps sent.
    pub steps: u32,
}

/// A movie being recorded: StopMovieRecord names the start's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MovieRecording {
    /// The StartMovieRecord transaction.
    pub transaction: TransactionId,
}

/// One picture of a browse-mode listing.
#[derive(Debug)]
pub struct FujiObject {
    /// Its handle (1 to N).
    pub handle: ObjectHandle,
    /// Its ObjectInfo, with the true size; or why it could not be read.
    pub info: Result<ObjectInfo, ClientError>,
}

/// A browse-mode download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FujiDownload {
    /// The object's ObjectInfo (with the true size).
    pub info: ObjectInfo,
    /// Bytes written (from the offset asked).
    pub len: u64,
}

/// Whether `e` ends the session, rather than one operation.
fn session_over(e: &ClientError) -> bool {
    matches!(e, ClientError::Io(_) | ClientError::Protocol(_))
}

/// A property value of 1 to 4 bytes as a little-endian word.
fn word(code: DevicePropCode, raw: &[u8]) -> Result<u32, ClientError> {
    if raw.is_empty() || raw.len() > 4 {
        return Err(FujiError::BadValue {
            code,
            len: raw.len(),
        }
        .into());
    }
    let mut w = [0u8; 4];
    w[..raw.len()].copy_from_slice(raw);
    Ok(u32::from_le_bytes(w))
}

/// Counts what passes to a writer.
struct Counting<'a> {
    out: &'a mut dyn Write,
    n: u64,
    progress: &'a mut dyn FnMut(u64),
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.out.write(buf)?;
        self.n += k as u64;
        (self.progress)(self.n);
        Ok(k)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The Fujifilm calls; every [`Calls`] driver has them.
///
/// - **Remote shooting**: one-third-stop steps of shutter speed, aperture and exposure bias
///   (0x902C, 0x902D, 0x902E; parameter 1 up, 0 down), relative ([`fuji_step`]) or to a target
///   ([`fuji_set_exposure`]), each step read back from the camera; a step that changes nothing
///   is the end of the range (real bodies do not answer it with an error). Focus point (0x9026)
///   and unlock (0x9027); movie start (0x9020) and stop (0x9021, which names the start's
///   transaction).
/// - **Geotag**: a position written to 0xD500 ([`fuji_push_geotag`]).
/// - **Browsing**: the pictures are handles 1 to N, N from 0xD222 (the bodies do not list them
///   with GetObjectHandles); 0xD227 = 1 around GetObjectInfo and GetPartialObject makes them
///   report and send the true file rather than a placeholder size, and is set back to 0 after
///   (left on, it slows the camera's gallery). Downloads read 1 MiB pieces with GetPartialObject
///   and always finish the object (one left half-read can stall the next operation).
///   GetObjectInfo goes before GetThumb, without which newer bodies never answer it.
/// - **Multiple transfer**: the pictures the user chose on the camera come one after another at
///   handle 1 ([`fuji_receive_next`]).
///
/// [`fuji_step`]: FujiCalls::fuji_step
/// [`fuji_set_exposure`]: FujiCalls::fuji_set_exposure
/// [`fuji_push_geotag`]: FujiCalls::fuji_push_geotag
/// [`fuji_receive_next`]: FujiCalls::fuji_receive_next
pub trait FujiCalls: Calls {
    /// The current value of a property as a word: from the 0xD212 list when it is there (one
    /// read serves all), else with GetDevicePropValue.
    fn fuji_state_word(&mut self, code: DevicePropCode) -> Result<u32, ClientError> {
        if let Some(v) = self.fuji_state()?.get(code) {
            return Ok(v);
        }
        let raw = self.prop_value_raw(code)?;
        word(code, &raw)
    }

    /// The current value of an exposure control.
    fn fuji_exposure(&mut self, control: ExposureControl) -> Result<ExposureValue, ClientError> {
        Ok(control.value(self.fuji_state_word(control.property())?))
    }

    /// Sends one step of `control`, up (parameter 1) or down (0), without reading it back.
    fn fuji_step_once(&mut self, control: ExposureControl, up: bool) -> Result<(), ClientError> {
        self.call(op(control.operation(), &[u32::from(up)])?)?;
        Ok(())
    }

    /// Moves `control` by `steps` thirds of a stop (positive up, negative down), reading it back
    /// after each; a step that changes nothing is [`FujiError::EndOfRange`].
    fn fuji_step(
        &mut self,
        control: ExposureControl,
        steps: i32,
    ) -> Result<StepReport, ClientError> {
        let from = self.fuji_exposure(control)?;
        let mut cur = from;
        for done in 0..steps.unsigned_abs() {
            self.fuji_step_once(control, steps > 0)?;
            let next = self.fuji_exposure(control)?;
            if next == cur {
                return Err(FujiError::EndOfRange {
                    control,
                    value: cur,
                    steps: done,
                }
                .into());
            }
            cur = next;
        }
        Ok(StepReport {
            control,
            from,
            to: cur,
            steps: steps.unsigned_abs(),
        })
    }

    /// Brings `control` to `target` by stepping and reading back. The direction is found from
    /// the first step (the bodies do not document which way "up" goes for the shutter); the
    /// target must be one of the camera's stops.
    fn fuji_set_exposure(
        &mut self,
        control: ExposureControl,
        target: ExposureValue,
    ) -> Result<StepReport, ClientError> {
        let from = self.fuji_exposure(control)?;
        let mut cur = from;
        let Some(mut want) = target.compare(&cur) else {
            return Err(FujiError::CameraChooses {
                control,
                value: cur,
            }
            .into());
        };
        // First guess: "up" raises the F-number and the bias, and shortens the shutter time.
        let mut up = match control {
            ExposureControl::ShutterSpeed => want == Ordering::Less,
            _ => want == Ordering::Greater,
        };
        // Whether the direction was turned round, and whether that was because the first step
        // did not move (then either the guess was wrong at one end of the range, or the target
        // lies beyond the other end).
        let (mut reversed, mut stuck_first) = (false, false);
        let mut steps = 0;
        while want != Ordering::Equal {
            if steps == MAX_STEPS {
                return Err(FujiError::TooManySteps {
                    control,
                    target,
                    value: cur,
                }
                .into());
            }
            self.fuji_step_once(control, up)?;
            steps += 1;
            let next = self.fuji_exposure(control)?;
            if next == cur {
                if steps == 1 {
                    (reversed, stuck_first, up) = (true, true, !up);
                    continue;
                }
                return Err(FujiError::EndOfRange {
                    control,
                    value: cur,
                    steps,
                }
                .into());
            }
            let Some(now) = target.compare(&next) else {
                return Err(FujiError::CameraChooses {
                    control,
                    value: next,
                }
                .into());
            };
            if next.compare(&cur) == Some(want.reverse()) {
                if stuck_first || reversed {
                    // Away from the target after turning round: the target is beyond the end
                    // the first step found. Undo the step.
                    self.fuji_step_once(control, !up)?;
                    return Err(FujiError::EndOfRange {
                        control,
                        value: cur,
                        steps: 0,
                    }
                    .into());
                }
                // The wrong way: turn round (the next step comes back over `cur`).
                (reversed, up) = (true, !up);
            } else if now != want && now != Ordering::Equal {
                return Err(FujiError::NotAStop {
                    control,
                    target,
                    before: cur,
                    after: next,
                }
                .into());
            }
            cur = next;
            want = now;
        }
        Ok(StepReport {
            control,
            from,
            to: cur,
            steps,
        })
    }

    /// Sets the focus point (0x9026; the body must be in AF-S).
    fn fuji_set_focus_point(&mut self, point: FocusPoint) -> Result<(), ClientError> {
        self.call(op(OperationCode::FUJI_SET_FOCUS_POINT, &[point.to_u32()])?)?;
        Ok(())
    }

    /// Unlocks the focus (0x9027).
    fn fuji_unlock_focus(&mut self) -> Result<(), ClientError> {
        self.call(op(OperationCode::FUJI_RESET_FOCUS_POINT, &[])?)?;
        Ok(())
    }

    /// Starts recording a movie (0x9020 with parameters 0, 0).
    fn fuji_start_movie(&mut self) -> Result<MovieRecording, ClientError> {
        let c = self.call(op(OperationCode::FUJI_START_MOVIE_RECORD, &[0, 0])?)?;
        Ok(MovieRecording {
            transaction: c.transaction,
        })
    }

    /// Stops the recording (0x9021 with the start's transaction).
    fn fuji_stop_movie(&mut self, movie: MovieRecording) -> Result<(), ClientError> {
        let o = op(
            OperationCode::FUJI_STOP_MOVIE_RECORD,
            &[movie.transaction.0],
        )?;
        self.call(o)?;
        Ok(())
    }

    /// Gives the camera a position (SetDevicePropValue 0xD500, in geotag mode).
    fn fuji_push_geotag(&mut self, tag: &GeoTag) -> Result<(), ClientError> {
        self.set_prop_value_raw(DevicePropCode::FUJI_GEO_TAG, Bytes::from(tag.to_bytes()))
    }

    /// The number of pictures to browse (0xD222): handles 1 to N.
    fn fuji_object_count(&mut self) -> Result<u32, ClientError> {
        let raw = self.prop_value_raw(DevicePropCode::FUJI_OBJECT_COUNT)?;
        word(DevicePropCode::FUJI_OBJECT_COUNT, &raw)
    }

    /// Runs `f` with 0xD227 = 1 (true sizes), then sets it back to 0 unless the session is over.
    fn fuji_with_true_size<T>(
        &mut self,
        f: &mut dyn FnMut(&mut Self) -> Result<T, ClientError>,
    ) -> Result<T, ClientError>
    where
        Self: Sized,
    {
        let flag = DevicePropCode::FUJI_CORRECT_FILE_SIZE;
        self.set_prop_value_raw(flag, Bytes::from_static(&[1, 0]))?;
        let r = f(self);
        match &r {
            Err(e) if session_over(e) => {}
            _ => self.set_prop_value_raw(flag, Bytes::from_static(&[0, 0]))?,
        }
        r
    }

    /// Every picture, with its true size: handles 1 to N. An object whose ObjectInfo cannot be
    /// read is kept with the error; only the end of the session stops the listing.
    fn fuji_objects(&mut self) -> Result<Vec<FujiObject>, ClientError>
    where
        Self: Sized,
    {
        let n = self.fuji_object_count()?;
        self.fuji_with_true_size(&mut |c| {
            let mut out = Vec::with_capacity(n.min(4096) as usize);
            for h in 1..=n {
                let handle = ObjectHandle(h);
                match c.object_info(handle) {
                    Err(e) if session_over(&e) => return Err(e),
                    info => out.push(FujiObject { handle, info }),
                }
            }
            Ok(out)
        })
    }

    /// Downloads the whole picture `handle` from byte `offset` into `out` (true size, 1 MiB
    /// pieces of GetPartialObject); `progress` gets the bytes written so far.
    fn fuji_download(
        &mut self,
        handle: ObjectHandle,
        offset: u64,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<FujiDownload, ClientError>
    where
        Self: Sized,
    {
        self.fuji_with_true_size(&mut |c| c.fuji_read_object(handle, offset, out, progress))
    }

    /// GetObjectInfo, then the object from `offset` in GetPartialObject pieces (0xD227 as it
    /// stands).
    fn fuji_read_object(
        &mut self,
        handle: ObjectHandle,
        offset: u64,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<FujiDownload, ClientError> {
        let info = self.object_info(handle)?;
        let size = u64::from(info.object_compressed_size);
        let base = offset.min(size);
        let mut at = base;
        let mut report = |n: u64| progress(base + n, size);
        let mut w = Counting {
            out,
            n: 0,
            progress: &mut report,
        };
        while at < size {
            let want = (size - at).min(u64::from(DOWNLOAD_PIECE)) as u32;
            let before = w.n;
            let start = u32::try_from(at).unwrap_or(u32::MAX);
            self.get_partial_object(handle, start, want, &mut w)?;
            let got = w.n - before;
            if got == 0 {
                return Err(FujiError::Stalled {
                    handle,
                    offset: at,
                    size,
                }
                .into());
            }
            at += got;
        }
        Ok(FujiDownload {
            info,
            len: at - base,
        })
    }

    /// GetObjectInfo, then GetThumb (newer bodies never answer a GetThumb that is not preceded
    /// by GetObjectInfo).
    fn fuji_thumb(&mut self, handle: ObjectHandle) -> Result<(ObjectInfo, Bytes), ClientError> {
        let info = self.object_info(handle)?;
        let thumb = self.get_thumb(handle)?;
        Ok((info, thumb))
    }

    /// Multiple transfer: the next picture the user chose, at handle 1, into `out`; `Ok(None)`
    /// once the camera has no more (it answers InvalidObjectHandle; a real body may instead drop
    /// the connection, which the caller sees as the session's end).
    fn fuji_receive_next(
        &mut self,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Option<FujiDownload>, ClientError>
    where
        Self: Sized,
    {
        let r = self
            .fuji_with_true_size(&mut |c| c.fuji_read_object(ObjectHandle(1), 0, out, progress));
        match r {
            Err(ClientError::Response {
                operation: OperationCode::GET_OBJECT_INFO,
                response: ResponseCode::INVALID_OBJECT_HANDLE,
            }) => Ok(None),
            other => other.map(Some),
        }
    }
}

impl<T: Calls + ?Sized> FujiCalls for T {}
