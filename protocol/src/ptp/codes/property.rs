//! Device property codes (ISO 15740 §13): the settings and state a device exposes.

code_newtype! {
    /// A PTP device property code, as in GetDevicePropDesc and DevicePropChanged.
    ///
    /// 0x5000–0x502C are standard PTP (1.0, then the 1.1 stream, video and audio properties from
    /// 0x5020), 0xD401–0xD407 the common MTP ones and the other 0xD000–0xDFFF codes Fujifilm's.
    pub struct DevicePropCode(u16);
    /// Undefined property.
    UNDEFINED = 0x5000 => "Undefined";
    /// Battery charge, within the range the property's description gives.
    BATTERY_LEVEL = 0x5001 => "BatteryLevel";
    /// Standard or sleep mode (see `FunctionalMode`).
    FUNCTIONAL_MODE = 0x5002 => "FunctionalMode";
    /// Image width and height, as a string such as `"1600x1200"`.
    IMAGE_SIZE = 0x5003 => "ImageSize";
    /// Compression level, higher meaning better quality.
    COMPRESSION_SETTING = 0x5004 => "CompressionSetting";
    /// White balance mode.
    WHITE_BALANCE = 0x5005 => "WhiteBalance";
    /// Red, green and blue gains, as a string such as `"2:1:1"`.
    RGB_GAIN = 0x5006 => "RGBGain";
    /// Aperture, as the f-number times 100.
    F_NUMBER = 0x5007 => "FNumber";
    /// Focal length in hundredths of a millimetre.
    FOCAL_LENGTH = 0x5008 => "FocalLength";
    /// Focus distance in millimetres.
    FOCUS_DISTANCE = 0x5009 => "FocusDistance";
    /// Focus mode (manual, automatic, macro, ...).
    FOCUS_MODE = 0x500A => "FocusMode";
    /// Exposure metering mode.
    EXPOSURE_METERING_MODE = 0x500B => "ExposureMeteringMode";
    /// Flash mode.
    FLASH_MODE = 0x500C => "FlashMode";
    /// Shutter speed in tenths of a millisecond.
    EXPOSURE_TIME = 0x500D => "ExposureTime";
    /// Exposure program (manual, aperture priority, ...).
    EXPOSURE_PROGRAM_MODE = 0x500E => "ExposureProgramMode";
    /// Sensitivity as an ISO speed.
    EXPOSURE_INDEX = 0x500F => "ExposureIndex";
    /// Exposure compensation in thousandths of a stop.
    EXPOSURE_BIAS_COMPENSATION = 0x5010 => "ExposureBiasCompensation";
    /// Device clock, as an ISO 8601 string.
    DATE_TIME = 0x5011 => "DateTime";
    /// Self-timer delay in milliseconds.
    CAPTURE_DELAY = 0x5012 => "CaptureDelay";
    /// Still capture mode (single, burst, timelapse).
    STILL_CAPTURE_MODE = 0x5013 => "StillCaptureMode";
    /// Contrast setting.
    CONTRAST = 0x5014 => "Contrast";
    /// Sharpness setting.
    SHARPNESS = 0x5015 => "Sharpness";
    /// Digital zoom factor times 10.
    DIGITAL_ZOOM = 0x5016 => "DigitalZoom";
    /// Special effect mode (colour, black and white, sepia, ...).
    EFFECT_MODE = 0x5017 => "EffectMode";
    /// Number of images taken per burst.
    BURST_NUMBER = 0x5018 => "BurstNumber";
    /// Time between burst images in milliseconds.
    BURST_INTERVAL = 0x5019 => "BurstInterval";
    /// Number of images taken per timelapse.
    TIMELAPSE_NUMBER = 0x501A => "TimelapseNumber";
    /// Time between timelapse images in milliseconds.
    TIMELAPSE_INTERVAL = 0x501B => "TimelapseInterval";
    /// Focus metering mode (centre spot, multi-spot, ...).
    FOCUS_METERING_MODE = 0x501C => "FocusMeteringMode";
    /// URL that captured images are uploaded to.
    UPLOAD_URL = 0x501D => "UploadURL";
    /// Name of the photographer, stored with each image.
    ARTIST = 0x501E => "Artist";
    /// Copyright notice, stored with each image.
    COPYRIGHT_INFO = 0x501F => "CopyrightInfo";
    /// PTP 1.1: stream types the device can produce.
    SUPPORTED_STREAMS = 0x5020 => "SupportedStreams";
    /// PTP 1.1: stream types currently enabled.
    ENABLED_STREAMS = 0x5021 => "EnabledStreams";
    /// PTP 1.1: video stream format.
    VIDEO_FORMAT = 0x5022 => "VideoFormat";
    /// PTP 1.1: video stream resolution.
    VIDEO_RESOLUTION = 0x5023 => "VideoResolution";
    /// PTP 1.1: video stream quality.
    VIDEO_QUALITY = 0x5024 => "VideoQuality";
    /// PTP 1.1: video stream frame rate.
    VIDEO_FRAME_RATE = 0x5025 => "VideoFrameRate";
    /// PTP 1.1: video stream contrast.
    VIDEO_CONTRAST = 0x5026 => "VideoContrast";
    /// PTP 1.1: video stream brightness.
    VIDEO_BRIGHTNESS = 0x5027 => "VideoBrightness";
    /// PTP 1.1: audio stream format.
    AUDIO_FORMAT = 0x5028 => "AudioFormat";
    /// PTP 1.1: audio stream bit rate.
    AUDIO_BITRATE = 0x5029 => "AudioBitrate";
    /// PTP 1.1: audio stream sampling rate.
    AUDIO_SAMPLING_RATE = 0x502A => "AudioSamplingRate";
    /// PTP 1.1: audio stream bits per sample.
    AUDIO_BIT_PER_SAMPLE = 0x502B => "AudioBitPerSample";
    /// PTP 1.1: audio stream volume.
    AUDIO_VOLUME = 0x502C => "AudioVolume";
    /// Fujifilm: film simulation (Provia, Velvia, Astia, ...).
    FUJI_FILM_SIMULATION = 0xD001 => "FujiFilmSimulation";
    /// Fujifilm: image quality (fine, normal, RAW and combinations).
    FUJI_IMAGE_QUALITY = 0xD018 => "FujiImageQuality";
    /// Fujifilm: recording mode.
    FUJI_REC_MODE = 0xD019 => "FujiRecMode";
    /// Fujifilm: what the command dials control.
    FUJI_COMMAND_DIAL_MODE = 0xD028 => "FujiCommandDialMode";
    /// Fujifilm: still image sensitivity (ISO), with flag bits for auto modes.
    FUJI_EXPOSURE_INDEX = 0xD02A => "FujiExposureIndex";
    /// Fujifilm: movie sensitivity (ISO).
    FUJI_MOVIE_ISO = 0xD02B => "FujiMovieIso";
    /// Fujifilm: image size.
    FUJI_IMAGE_SIZE = 0xD174 => "FujiImageSize";
    /// Fujifilm: focus point position.
    FUJI_FOCUS_POINT = 0xD17C => "FujiFocusPoint";
    /// Fujifilm: focus lock state.
    FUJI_FOCUS_LOCK = 0xD209 => "FujiFocusLock";
    /// Fujifilm: camera state in the Wi-Fi session (waiting for access, transfer, remote, ...).
    FUJI_CURRENT_STATE = 0xD212 => "FujiCurrentState";
    /// Fujifilm: current device error, 0 when none.
    FUJI_DEVICE_ERROR = 0xD21B => "FujiDeviceError";
    /// Fujifilm: the camera has pictures selected for a multiple transfer (1), or not (0).
    FUJI_TRANSFER_REQUEST = 0xD220 => "FujiTransferRequest";
    /// Fujifilm: the number of pictures a browsing client may read (handles 1 to N).
    FUJI_OBJECT_COUNT = 0xD222 => "FujiObjectCount";
    /// Fujifilm: 1 makes GetObjectInfo and GetPartialObject use a small recompressed copy.
    FUJI_COMPRESS_SMALL = 0xD226 => "FujiCompressSmall";
    /// Fujifilm: 1 makes GetObjectInfo report, and GetPartialObject send, the true file.
    FUJI_CORRECT_FILE_SIZE = 0xD227 => "FujiCorrectFileSize";
    /// Fujifilm: number of still images that still fit on the card.
    FUJI_CAPTURES_REMAINING = 0xD229 => "FujiCapturesRemaining";
    /// Fujifilm: movie recording time left on the card.
    FUJI_MOVIE_REMAINING_TIME = 0xD22A => "FujiMovieRemainingTime";
    /// Fujifilm: shutter speed.
    FUJI_SHUTTER_SPEED = 0xD240 => "FujiShutterSpeed";
    /// Fujifilm: image aspect ratio.
    FUJI_IMAGE_ASPECT_RATIO = 0xD241 => "FujiImageAspectRatio";
    /// Fujifilm: battery level in the vendor's own scale.
    FUJI_BATTERY_LEVEL = 0xD242 => "FujiBatteryLevel";
    /// MTP: name of the host the device synchronises with.
    SYNCHRONIZATION_PARTNER = 0xD401 => "SynchronizationPartner";
    /// MTP: user-visible name of the device.
    DEVICE_FRIENDLY_NAME = 0xD402 => "DeviceFriendlyName";
    /// MTP: playback volume.
    VOLUME_LEVEL = 0xD403 => "VolumeLevel";
    /// MTP: icon of the device, as an icon file.
    DEVICE_ICON = 0xD405 => "DeviceIcon";
    /// MTP: version information of the session initiator (the spec's Session Initiator Version Info).
    SESSION_INITIATOR_INFO = 0xD406 => "SessionInitiatorInfo";
    /// MTP: kind of device the host should present it as.
    PERCEIVED_DEVICE_TYPE = 0xD407 => "PerceivedDeviceType";
    /// Fujifilm: geotag to store with images, sent by the phone.
    FUJI_GEO_TAG = 0xD500 => "FujiGeoTag";
    /// Fujifilm: what the camera is ready for in the Wi-Fi session (camera state, `fuji::CameraState`).
    FUJI_CAMERA_STATE = 0xDF00 => "FujiCameraState";
    /// Fujifilm: Wi-Fi session mode chosen during the connection sequence.
    FUJI_INIT_SEQUENCE = 0xDF01 => "FujiInitSequence";
    /// Fujifilm: app version for the image receive function.
    FUJI_APP_VERSION_RECEIVE = 0xDF21 => "FujiAppVersionReceive";
    /// Fujifilm: app version for the image browse function.
    FUJI_APP_VERSION_BROWSE = 0xDF22 => "FujiAppVersionBrowse";
    /// Fujifilm: app version for PC AutoSave.
    FUJI_APP_VERSION_AUTO_SAVE = 0xDF23 => "FujiAppVersionAutoSave";
    /// Fujifilm: app version for remote control.
    FUJI_APP_VERSION = 0xDF24 => "FujiAppVersion";
    /// Fujifilm: app version for browsing from a remote-mode session.
    FUJI_APP_VERSION_REMOTE_BROWSE = 0xDF25 => "FujiAppVersionRemoteBrowse";
    /// Fujifilm: app version for the geotagging function.
    FUJI_APP_VERSION_GEO = 0xDF31 => "FujiAppVersionGeo";
}
