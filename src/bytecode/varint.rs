//! Unsigned LEB128 varints: writing, and bounds-checked reading for untrusted input.

/// Appends `value` as an unsigned LEB128 varint.
#[inline]
pub(crate) fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// The input ended inside the varint.
    Truncated,
    /// More than 64 bits, or more than 10 bytes.
    Overflow,
}

/// Reads an unsigned LEB128 varint from `bytes` at `*pos`, advancing `*pos` past it.
#[inline]
pub(crate) fn read_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    // Fast path: one byte.
    if let Some(&b) = bytes.get(*pos)
        && b < 0x80
    {
        *pos += 1;
        return Ok(u64::from(b));
    }
    let mut value: u64 = 0;
    let mut shift = 0u32;
    let mut i = *pos;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(VarintError::Truncated);
        };
        i += 1;
        let low = u64::from(b & 0x7f);
        if shift == 63 && low > 1 {
            return Err(VarintError::Overflow);
        }
        value |= low << shift;
        if b < 0x80 {
            *pos = i;
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            return Err(VarintError::Overflow);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest LEB128 encoding of a `u64`.
    const MAX_VARINT_LEN: usize = 10;

    #[test]
    fn varints_round_trip_at_every_length() {
        let values = [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u32::MAX as u64,
            u64::MAX,
        ];
        for &v in &values {
            let mut buf = Vec::new();
            write_varint(&mut buf, v);
            assert!(buf.len() <= MAX_VARINT_LEN);
            let mut pos = 0;
            assert_eq!(read_varint(&buf, &mut pos), Ok(v));
            assert_eq!(pos, buf.len());
        }
    }

    #[test]
    fn truncated_and_overlong_varints_are_errors() {
        let mut pos = 0;
        assert_eq!(read_varint(&[0x80], &mut pos), Err(VarintError::Truncated));
        assert_eq!(read_varint(&[], &mut pos), Err(VarintError::Truncated));
        let overlong = [0xff; 11];
        assert_eq!(read_varint(&overlong, &mut pos), Err(VarintError::Overflow));
        // Ten bytes whose last one carries more than the single remaining bit.
        let mut too_big = [0xffu8; 10];
        too_big[9] = 0x02;
        assert_eq!(read_varint(&too_big, &mut pos), Err(VarintError::Overflow));
        assert_eq!(pos, 0, "a failed read does not advance");
    }
}
