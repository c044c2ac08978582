//! Fixed-point decimal parsing shared by [`crate::Money`] and [`crate::Quantity`].

/// Why a decimal text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("not a decimal number")]
    Malformed,
    #[error("more than {0} decimal places")]
    TooPrecise(u32),
    #[error("out of range")]
    OutOfRange,
}

/// Largest magnitude a JSON number may carry for a money amount or a quantity.
pub(crate) const MAX_MAGNITUDE: f64 = 1e12;

/// Parses `-12.345` into an integer scaled by `10^scale` without going through floats.
/// Exponent notation (`1e3`), which JSON allows, is accepted when the result is exact.
pub(crate) fn parse_scaled(text: &str, scale: u32) -> Result<i64, DecimalError> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exp: i32 = text[at + 1..]
                .parse()
                .map_err(|_| DecimalError::Malformed)?;
            (&text[..at], exp)
        }
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(DecimalError::Malformed);
    }
    // Value = int_part.frac_part * 10^exponent: the scaled integer is the first
    // `wanted` digits (zero-padded); every digit after them must be zero.
    let all_digits = format!("{int_part}{frac_part}");
    if all_digits.bytes().all(|b| b == b'0') {
        return Ok(0);
    }
    let wanted = int_part.len() as i64 + i64::from(exponent) + i64::from(scale);
    let kept = wanted.clamp(0, all_digits.len() as i64) as usize;
    if all_digits[kept..].bytes().any(|b| b != b'0') {
        return Err(DecimalError::TooPrecise(scale));
    }
    if wanted > 19 + all_digits.len() as i64 {
        return Err(DecimalError::OutOfRange);
    }
    let mut value: i64 = 0;
    for i in 0..wanted as usize {
        let digit = all_digits
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit))
            .ok_or(DecimalError::OutOfRange)?;
    }
    // The same bound for every input form (number, integer, string): below 10^12
    // units, sums of many values stay far inside i64.
    if value >= 10_i64.pow(12 + scale) {
        return Err(DecimalError::OutOfRange);
    }
    Ok(if negative { -value } else { value })
}

/// Formats an integer scaled by `10^scale` as a decimal with exactly `scale` places.
pub(crate) fn format_scaled(value: i64, scale: u32) -> String {
    let factor = 10_i64.pow(scale);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let factor = factor as u64;
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    format!(
        "{sign}{}.{:0width$}",
        abs / factor,
        abs % factor,
        width = scale as usize
    )
}

/// Converts to the nearest `f64` for JSON output, where decimals travel as numbers.
pub(crate) fn to_f64(value: i64, scale: u32) -> f64 {
    // Parsing our own exact decimal text gives the closest f64, with no drift.
    format_scaled(value, scale).parse().unwrap_or(f64::NAN)
}

/// Serialises a fixed-point newtype as a JSON number and deserialises it from a number
/// or a string, exactly: a float is read back through its shortest round-trip text.
/// With the `openapi` feature, the type is described as a JSON number (`$doc` says
/// how many decimals it keeps).
macro_rules! decimal_serde {
    ($ty:ty, $to_f64:ident, $parse:path, $doc:literal) => {
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .description(Some($doc))
                    .minimum(Some(-$crate::decimal::MAX_MAGNITUDE))
                    .maximum(Some($crate::decimal::MAX_MAGNITUDE))
                    .into()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $ty {}

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f64(self.$to_f64())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a decimal number")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        $parse(v).map_err(|e| E::custom(format_args!("{v}: {e}")))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$ty, E> {
                        // JSON numbers arrive as f64, exact to 15 significant digits:
                        // below 10^12 with at most 3 decimals, the shortest text of the
                        // f64 is exactly what the client wrote. Larger is refused.
                        if !v.is_finite() || v.abs() >= $crate::decimal::MAX_MAGNITUDE {
                            return Err(E::custom("out of range (at most 999999999999.999)"));
                        }
                        self.visit_str(&v.to_string())
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                d.deserialize_any(Visitor)
            }
        }
    };
}
pub(crate) use decimal_serde;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_fractional_decimals_exactly() {
        assert_eq!(parse_scaled("15", 2), Ok(1500));
        assert_eq!(parse_scaled("15.00", 2), Ok(1500));
        assert_eq!(parse_scaled("8.5", 2), Ok(850));
        assert_eq!(parse_scaled("0.4", 3), Ok(400));
        assert_eq!(parse_scaled("-3", 3), Ok(-3000));
        assert_eq!(parse_scaled(".5", 1), Ok(5));
        assert_eq!(parse_scaled("1e2", 2), Ok(10000));
        assert_eq!(parse_scaled("1.5e-1", 2), Ok(15));
    }

    #[test]
    fn refuses_digits_beyond_the_scale_and_garbage() {
        assert_eq!(parse_scaled("1.005", 2), Err(DecimalError::TooPrecise(2)));
        assert_eq!(parse_scaled("1.0050", 3), Ok(1005));
        assert_eq!(parse_scaled("abc", 2), Err(DecimalError::Malformed));
        assert_eq!(parse_scaled("", 2), Err(DecimalError::Malformed));
        assert_eq!(parse_scaled("1.2.3", 2), Err(DecimalError::Malformed));
        assert_eq!(
            parse_scaled("99999999999999999999", 2),
            Err(DecimalError::OutOfRange)
        );
        assert_eq!(
            parse_scaled("1000000000000", 3),
            Err(DecimalError::OutOfRange)
        );
        assert_eq!(parse_scaled("999999999999.999", 3), Ok(999_999_999_999_999));
    }

    #[test]
    fn a_huge_exponent_is_out_of_range_not_an_overflow() {
        assert_eq!(parse_scaled("1e40", 2), Err(DecimalError::OutOfRange));
        assert_eq!(parse_scaled("0e40", 2), Ok(0));
    }

    #[test]
    fn a_decimal_in_json_is_a_number_or_a_string_and_nothing_else() {
        let money: crate::Money = serde_json::from_str("\"12.50\"").expect("a string");
        assert_eq!(money, crate::Money::from_minor(1250));
        let refused = serde_json::from_str::<crate::Money>("true").expect_err("a bool");
        assert!(
            refused.to_string().contains("a decimal number"),
            "{refused}"
        );
    }

    #[test]
    fn formats_with_fixed_places() {
        assert_eq!(format_scaled(42, 0), "42");
        assert_eq!(format_scaled(1500, 2), "15.00");
        assert_eq!(format_scaled(-5, 3), "-0.005");
        assert_eq!(to_f64(850, 2), 8.5);
    }
}
