//! Vendor extension IDs (ISO 15740 §5.5.2): whose extension a DeviceInfo declares.

code_newtype! {
    /// The VendorExtensionID field of DeviceInfo, a `u32`; it names the owner of the 0x9000,
    /// 0xA000, 0xB000, 0xC000 and 0xD000 code ranges on this device.
    pub struct VendorExtensionId(u32);
    /// Eastman Kodak.
    EASTMAN_KODAK = 0x0000_0001 => "EastmanKodak";
    /// Seiko Epson.
    SEIKO_EPSON = 0x0000_0002 => "SeikoEpson";
    /// Agilent.
    AGILENT = 0x0000_0003 => "Agilent";
    /// Polaroid.
    POLAROID = 0x0000_0004 => "Polaroid";
    /// Agfa-Gevaert.
    AGFA_GEVAERT = 0x0000_0005 => "AgfaGevaert";
    /// Microsoft, the owner of the MTP extension.
    MICROSOFT = 0x0000_0006 => "Microsoft";
    /// Equinox.
    EQUINOX = 0x0000_0007 => "Equinox";
    /// Viewquest.
    VIEWQUEST = 0x0000_0008 => "Viewquest";
    /// STMicroelectronics.
    ST_MICROELECTRONICS = 0x0000_0009 => "STMicroelectronics";
    /// Nikon.
    NIKON = 0x0000_000A => "Nikon";
    /// Canon.
    CANON = 0x0000_000B => "Canon";
    /// FotoNation.
    FOTO_NATION = 0x0000_000C => "FotoNation";
    /// Pentax.
    PENTAX = 0x0000_000D => "Pentax";
    /// Fujifilm.
    FUJIFILM = 0x0000_000E => "Fujifilm";
    /// NDD Medical Technologies.
    NDD = 0x0000_0012 => "NDD";
    /// Samsung.
    SAMSUNG = 0x0000_001A => "Samsung";
    /// Parrot.
    PARROT = 0x0000_001B => "Parrot";
    /// Panasonic.
    PANASONIC = 0x0000_001C => "Panasonic";
}
