//! Object content and its data sources.

use bytes::Bytes;

use crate::camera::ObjectContent;
use crate::responder::{DataSource, PatternSource};

/// Drains a source in pieces of at most `max`, checking each piece's size.
fn drain(mut s: Box<dyn DataSource>, max: usize) -> Vec<u8> {
    let announced = s.len();
    let mut out = Vec::new();
    loop {
        let piece = s.next_piece(max);
        assert!(
            piece.len() <= max,
            "a piece of {} for max {max}",
            piece.len()
        );
        if piece.is_empty() {
            break;
        }
        out.extend_from_slice(&piece);
    }
    assert_eq!(
        announced,
        Some(out.len() as u64),
        "len() disagrees with the data"
    );
    out
}

fn pattern(range: std::ops::Range<u64>) -> Vec<u8> {
    range.map(PatternSource::byte_at).collect()
}

/// A factory over `data` whose source hands out pieces of at most `chunk` bytes.
fn factory(data: &'static [u8], chunk: usize) -> ObjectContent {
    struct Chunky(Bytes, usize);
    impl DataSource for Chunky {
        fn len(&self) -> Option<u64> {
            None
        }
        fn next_piece(&mut self, max: usize) -> Bytes {
            let n = max.min(self.1).min(self.0.len());
            self.0.split_to(n)
        }
    }
    ObjectContent::factory(data.len() as u64, move || {
        Box::new(Chunky(Bytes::from_static(data), chunk))
    })
}

#[test]
fn every_kind_opens_whole_and_in_ranges() {
    static DATA: [u8; 300] = {
        let mut d = [0u8; 300];
        let mut i = 0;
        while i < 300 {
            d[i] = (i * 7 % 256) as u8;
            i += 1;
        }
        d
    };
    let kinds = [
        (
            ObjectContent::Bytes(Bytes::from_static(&DATA)),
            DATA.to_vec(),
        ),
        (ObjectContent::Pattern(300), pattern(0..300)),
        (factory(&DATA, 13), DATA.to_vec()),
    ];
    for (content, whole) in kinds {
        assert_eq!(content.len(), 300);
        assert_eq!(drain(content.open(), 64), whole, "{content:?}");
        for (offset, len) in [
            (0, 300),
            (0, 0),
            (5, 10),
            (250, 100),
            (299, 1),
            (300, 5),
            (400, 5),
        ] {
            let start = offset.min(300);
            let end = (start + len).min(300);
            let got = drain(content.open_range(offset as u64, len as u64), 7);
            assert_eq!(got, whole[start..end], "{content:?} at {offset}+{len}");
        }
    }
}

#[test]
fn a_factory_that_ends_early_ends_the_range_early() {
    static SHORT: [u8; 10] = [1; 10];
    // Announces 20 bytes but its source has 10.
    let content = ObjectContent::factory(20, || Box::new(Bytes::from_static(&SHORT)));
    let mut s = content.open_range(15, 5);
    assert_eq!(s.len(), Some(5));
    assert!(
        s.next_piece(100).is_empty(),
        "skipping past the end yields nothing"
    );
    let mut s = content.open();
    assert_eq!(s.next_piece(100).len(), 10);
    assert!(s.next_piece(100).is_empty());
}

#[test]
fn conversions_and_emptiness() {
    assert!(ObjectContent::EMPTY.is_empty());
    assert_eq!(ObjectContent::from(vec![1, 2, 3]).len(), 3);
    assert_eq!(ObjectContent::from(&b"abcd"[..]).len(), 4);
    assert_eq!(format!("{:?}", ObjectContent::Pattern(9)), "Pattern(9)");
}
