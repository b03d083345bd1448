//! Object format codes (ISO 15740 §6.2): what kind of data an object holds.

code_newtype! {
    /// A PTP object format code, as in ObjectInfo and GetObjectHandles.
    ///
    /// 0x3000–0x30FF are non-image formats, 0x3800–0x38FF image formats (see
    /// [`is_image`](Self::is_image)), and 0xB000–0xBFFF vendor formats, here the common MTP ones.
    pub struct ObjectFormatCode(u16);
    /// Undefined non-image object.
    UNDEFINED = 0x3000 => "Undefined";
    /// Association: a folder or other grouping of objects.
    ASSOCIATION = 0x3001 => "Association";
    /// Device-specific script.
    SCRIPT = 0x3002 => "Script";
    /// Device-specific executable.
    EXECUTABLE = 0x3003 => "Executable";
    /// Plain text file.
    TEXT = 0x3004 => "Text";
    /// HTML file.
    HTML = 0x3005 => "HTML";
    /// Digital Print Order Format file.
    DPOF = 0x3006 => "DPOF";
    /// AIFF audio clip.
    AIFF = 0x3007 => "AIFF";
    /// WAV audio clip.
    WAV = 0x3008 => "WAV";
    /// MP3 audio clip.
    MP3 = 0x3009 => "MP3";
    /// AVI video clip.
    AVI = 0x300A => "AVI";
    /// MPEG video clip.
    MPEG = 0x300B => "MPEG";
    /// Microsoft Advanced Streaming Format video.
    ASF = 0x300C => "ASF";
    /// QuickTime video.
    QT = 0x300D => "QT";
    /// Image of unknown format.
    UNDEFINED_IMAGE = 0x3800 => "UndefinedImage";
    /// EXIF JPEG image, what cameras normally store.
    EXIF_JPEG = 0x3801 => "EXIF/JPEG";
    /// TIFF for electronic photography (ISO 12234-2).
    TIFF_EP = 0x3802 => "TIFF/EP";
    /// FlashPix image.
    FLASH_PIX = 0x3803 => "FlashPix";
    /// Windows bitmap.
    BMP = 0x3804 => "BMP";
    /// Canon camera image file format.
    CIFF = 0x3805 => "CIFF";
    /// GIF image.
    GIF = 0x3807 => "GIF";
    /// JPEG File Interchange Format image.
    JFIF = 0x3808 => "JFIF";
    /// Kodak PhotoCD image.
    PCD = 0x3809 => "PCD";
    /// Apple QuickDraw image.
    PICT = 0x380A => "PICT";
    /// PNG image.
    PNG = 0x380B => "PNG";
    /// TIFF image.
    TIFF = 0x380D => "TIFF";
    /// TIFF for image technology (ISO 12639).
    TIFF_IT = 0x380E => "TIFF/IT";
    /// JPEG 2000 baseline image.
    JP2 = 0x380F => "JP2";
    /// JPEG 2000 extended image.
    JPX = 0x3810 => "JPX";
    /// PTP 1.1: Adobe Digital Negative raw image.
    DNG = 0x3811 => "DNG";
    /// HEIF image.
    HEIF = 0x3812 => "HEIF";
    /// MTP: device firmware.
    FIRMWARE = 0xB802 => "Firmware";
    /// MTP: audio of unknown format.
    UNDEFINED_AUDIO = 0xB900 => "UndefinedAudio";
    /// MTP: Windows Media Audio.
    WMA = 0xB901 => "WMA";
    /// MTP: Ogg container.
    OGG = 0xB902 => "OGG";
    /// MTP: AAC audio.
    AAC = 0xB903 => "AAC";
    /// MTP: FLAC audio.
    FLAC = 0xB906 => "FLAC";
    /// MTP: video of unknown format.
    UNDEFINED_VIDEO = 0xB980 => "UndefinedVideo";
    /// MTP: Windows Media Video.
    WMV = 0xB981 => "WMV";
    /// MTP: MPEG-4 container.
    MP4_CONTAINER = 0xB982 => "MP4Container";
    /// MTP: MPEG-2 video.
    MP2 = 0xB983 => "MP2";
    /// MTP: 3GPP container.
    THREE_GP_CONTAINER = 0xB984 => "3GPContainer";
    /// MTP: collection of unknown kind.
    UNDEFINED_COLLECTION = 0xBA00 => "UndefinedCollection";
    /// MTP: album of mixed media.
    ABSTRACT_MULTIMEDIA_ALBUM = 0xBA01 => "AbstractMultimediaAlbum";
    /// MTP: album of images.
    ABSTRACT_IMAGE_ALBUM = 0xBA02 => "AbstractImageAlbum";
    /// MTP: album of audio tracks.
    ABSTRACT_AUDIO_ALBUM = 0xBA03 => "AbstractAudioAlbum";
    /// MTP: album of videos.
    ABSTRACT_VIDEO_ALBUM = 0xBA04 => "AbstractVideoAlbum";
    /// MTP: playlist of audio and video.
    ABSTRACT_AUDIO_VIDEO_PLAYLIST = 0xBA05 => "AbstractAudioVideoPlaylist";
}

impl ObjectFormatCode {
    /// Whether this is in the image format range, 0x3800–0x38FF.
    #[must_use]
    pub const fn is_image(self) -> bool {
        self.0 >= 0x3800 && self.0 <= 0x38FF
    }
}
