//! Colours as councils give them, `#rrggbb`: the one reading of such a
//! colour and its relative luminance (WCAG 2.2), for the contrast checks of
//! validation and for the ink the HTML edition sets on a coloured cell.

/// Whether `colour` is `#rrggbb` (either case), the only form quire prints.
pub fn is_hex(colour: &str) -> bool {
    colour
        .strip_prefix('#')
        .is_some_and(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The relative luminance of `#rrggbb`, from 0 (black) to 1 (white); None
/// for anything else.
pub fn luminance(colour: &str) -> Option<f64> {
    if !is_hex(colour) {
        return None;
    }
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&colour[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    Some(0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5))
}

/// The contrast of a colour of luminance `l` with white (1 to 21).
pub fn on_white(l: f64) -> f64 {
    1.05 / (l + 0.05)
}

/// The contrast of a colour of luminance `l` with black (1 to 21).
pub fn on_black(l: f64) -> f64 {
    (l + 0.05) / 0.05
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        assert!(!is_hex("1d4f91") && !is_hex("#1d4f9") && !is_hex("#1d4f9g"));
        assert_eq!(luminance("#ffffff").map(on_white), Some(1.0));
        assert!((on_white(luminance("#000000").unwrap()) - 21.0).abs() < 1e-9);
        // The Harbourside blue reads on white; a pale amber does not.
        assert!(on_white(luminance("#1D4F91").unwrap()) >= 4.5);
        assert!((on_white(luminance("#ffd966").unwrap()) - 1.4).abs() < 0.05);
    }
}
