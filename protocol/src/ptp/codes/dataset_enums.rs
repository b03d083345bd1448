//! The enumerated fields of the PTP datasets (ISO 15740 §5.5): StorageInfo, ObjectInfo and the
//! FunctionalMode property.

code_newtype! {
    /// The StorageType field of StorageInfo: whether the medium is fixed or removable, ROM or RAM.
    pub struct StorageType(u16);
    /// Undefined storage type.
    UNDEFINED = 0x0000 => "Undefined";
    /// Built-in read-only memory.
    FIXED_ROM = 0x0001 => "FixedROM";
    /// Removable read-only memory.
    REMOVABLE_ROM = 0x0002 => "RemovableROM";
    /// Built-in writable memory.
    FIXED_RAM = 0x0003 => "FixedRAM";
    /// Removable writable memory, such as a memory card.
    REMOVABLE_RAM = 0x0004 => "RemovableRAM";
}

code_newtype! {
    /// The FilesystemType field of StorageInfo: how objects are organised on the store.
    pub struct FilesystemType(u16);
    /// Undefined filesystem type.
    UNDEFINED = 0x0000 => "Undefined";
    /// Flat: no associations, every object at the top level.
    GENERIC_FLAT = 0x0001 => "GenericFlat";
    /// Hierarchical: objects grouped in association folders.
    GENERIC_HIERARCHICAL = 0x0002 => "GenericHierarchical";
    /// Design rule for Camera File system (DCF) layout.
    DCF = 0x0003 => "DCF";
}

code_newtype! {
    /// The AccessCapability field of StorageInfo: what the Initiator may do to the store.
    pub struct AccessCapability(u16);
    /// Objects may be read, written and deleted.
    READ_WRITE = 0x0000 => "ReadWrite";
    /// Objects may only be read.
    READ_ONLY_WITHOUT_DELETION = 0x0001 => "ReadOnlyWithoutDeletion";
    /// Objects may be read and deleted but not written.
    READ_ONLY_WITH_DELETION = 0x0002 => "ReadOnlyWithDeletion";
}

code_newtype! {
    /// The ProtectionStatus field of ObjectInfo, and SetObjectProtection's parameter.
    pub struct ProtectionStatus(u16);
    /// The object may be modified and deleted.
    NO_PROTECTION = 0x0000 => "NoProtection";
    /// The object may be neither modified nor deleted.
    READ_ONLY = 0x0001 => "ReadOnly";
    /// MTP: the object's data is read-only but its properties may change.
    READ_ONLY_DATA = 0x8002 => "ReadOnlyData";
    /// MTP: the object's data may not be transferred to the Initiator.
    NON_TRANSFERABLE_DATA = 0x8003 => "NonTransferableData";
}

code_newtype! {
    /// The AssociationType field of ObjectInfo: what an association object groups.
    pub struct AssociationType(u16);
    /// Undefined association type.
    UNDEFINED = 0x0000 => "Undefined";
    /// A folder with no further meaning.
    GENERIC_FOLDER = 0x0001 => "GenericFolder";
    /// An album of related objects.
    ALBUM = 0x0002 => "Album";
    /// Objects taken one after another, such as a burst or timelapse.
    TIME_SEQUENCE = 0x0003 => "TimeSequence";
    /// Images forming a horizontal panorama.
    HORIZONTAL_PANORAMIC = 0x0004 => "HorizontalPanoramic";
    /// Images forming a vertical panorama.
    VERTICAL_PANORAMIC = 0x0005 => "VerticalPanoramic";
    /// Images forming a two-dimensional panorama.
    TWO_D_PANORAMIC = 0x0006 => "2DPanoramic";
    /// Data that accompanies another object.
    ANCILLARY_DATA = 0x0007 => "AncillaryData";
}

code_newtype! {
    /// The value of the FunctionalMode device property (0x5002).
    pub struct FunctionalMode(u16);
    /// The device is fully on.
    STANDARD_MODE = 0x0000 => "StandardMode";
    /// The device is in a low-power sleep state.
    SLEEP_STATE = 0x0001 => "SleepState";
}
