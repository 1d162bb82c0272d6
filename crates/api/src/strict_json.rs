//! JSON request bodies read as the OpenAPI description says: a struct only from a JSON
//! object.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array of its fields in
//! order (`[null, null]` reads as `{"add": null, "remove": null}`, `["k"]` as `{"key": "k"}`),
//! so an array sent where the description says object would be taken. [`from_slice`] wraps
//! `serde_json`'s deserializer so that every struct, however deeply nested, is read with
//! `deserialize_map`, which refuses anything but an object; everything else (unknown members,
//! duplicate members, types, numbers out of range) is `serde_json`'s own checking.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Reads `T` from JSON text, structs only from objects.
pub(crate) fn from_slice<T: de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(Strict(&mut de))?;
    de.end()?;
    Ok(value)
}

/// A deserializer whose structs are maps.
struct Strict<D>(D);

/// A visitor whose nested deserializers are [`Strict`].
struct Wrap<V>(V);

/// A seed whose deserializer is [`Strict`].
struct Seed<S>(S);

/// Sequence and map access whose elements and values are [`Strict`].
struct Access<A>(A);

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method($($arg,)* Wrap(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Wrap(visitor))
    }

    forward! {
        deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
        deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
        deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
        deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
        deserialize_string(), deserialize_bytes(), deserialize_byte_buf(), deserialize_option(),
        deserialize_unit(), deserialize_seq(), deserialize_map(), deserialize_identifier(),
        deserialize_ignored_any(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }

    visit! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64),
        visit_i128(i128), visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64),
        visit_u128(u128), visit_f32(f32), visit_f64(f64), visit_char(char), visit_str(&str),
        visit_borrowed_str(&'de str), visit_string(String), visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Access(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Access(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        // No request body holds an enum; serde_json's own reading is kept.
        self.0.visit_enum(data)
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::from_slice;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        key: String,
        #[serde(default)]
        value: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        add: Option<Vec<Inner>>,
        remove: Option<Vec<String>>,
        one: Option<Inner>,
        #[serde(default)]
        seed: u64,
    }

    #[test]
    fn structs_only_from_objects_at_every_depth() {
        // What plain serde_json takes and this refuses.
        for text in [
            r#"[null, null, null, 0]"#,
            r#"{"add": [["k"]]}"#,
            r#"{"add": [["k", "v"]]}"#,
            r#"{"one": ["k"]}"#,
        ] {
            assert!(serde_json::from_str::<Outer>(text).is_ok(), "serde_json takes {text}");
            let e = from_slice::<Outer>(text.as_bytes()).unwrap_err().to_string();
            assert!(e.contains("invalid type: sequence"), "{text}: {e}");
        }
        let ok = from_slice::<Outer>(
            br#" {"add": [{"key": "k"}], "remove": ["a"], "one": null, "seed": 18446744073709551615} "#,
        )
        .unwrap();
        assert_eq!(
            ok,
            Outer {
                add: Some(vec![Inner { key: "k".into(), value: String::new() }]),
                remove: Some(vec!["a".into()]),
                one: None,
                seed: u64::MAX,
            }
        );
    }

    #[test]
    fn serde_json_checks_are_kept() {
        for (text, want) in [
            (r#"{"add": null, "bogus": 1}"#, "unknown field `bogus`"),
            (r#"{"seed": 1, "seed": 2}"#, "duplicate field `seed`"),
            (r#"{"seed": -1}"#, "invalid value: integer `-1`"),
            (r#"{"seed": 1.5}"#, "invalid type: floating point"),
            (r#"{"one": {"value": "v"}}"#, "missing field `key`"),
            (r#"{} x"#, "trailing characters"),
            (r#"{"remove": [1]}"#, "invalid type: integer `1`, expected a string"),
        ] {
            let e = from_slice::<Outer>(text.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
