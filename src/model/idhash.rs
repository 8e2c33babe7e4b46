//! A fast hash for the tables engine's maps of ids and cell positions.
//!
//! Stage: shared by read, check and render of declared tables. The standard
//! map's SipHash resists hash flooding, which costs a tenth of checking a
//! large document's tables; the keys here are short ids and `(row, column)`
//! pairs from the project's own files, so the tables engine uses this
//! multiply-and-add hash instead (the one rustc uses for its own maps).
//! Nothing depends on the order of these maps.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by short ids or positions, hashed by [`IdHasher`].
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// FxHash: each word is added in and the sum multiplied by an odd constant.
#[derive(Clone, Copy, Default)]
pub struct IdHasher(u64);

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl IdHasher {
    fn add(&mut self, w: u64) {
        self.0 = self.0.wrapping_add(w).wrapping_mul(K);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves its best bits at the top; the map indexes by
        // the low bits.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_positions_are_found() {
        let mut m: IdMap<&str, usize> = IdMap::default();
        let ids: Vec<String> = (0..2000).map(|i| format!("row-{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            m.insert(id, i);
        }
        assert!(
            ids.iter()
                .enumerate()
                .all(|(i, id)| m.get(id.as_str()) == Some(&i))
        );
        assert_eq!(m.get("row-2000"), None);
        let mut p: IdMap<(usize, usize), u32> = IdMap::default();
        p.insert((3, 1), 2);
        assert_eq!((p.get(&(3, 1)), p.get(&(1, 3))), (Some(&2), None));
    }
}
