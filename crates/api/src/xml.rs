//! The Route 53 `2013-04-01` REST/XML request and response shapes.
//!
//! Every shape is a plain Rust struct that mirrors one structure of the Route 53 service
//! model (botocore's `route53/2013-04-01/service-2.json`):
//!
//! - members keep the model's element names (`locationName`s) and the model's member order,
//!   which is the order they are written in;
//! - optional members are `Option<T>` and are left out of the output when `None`; required
//!   members are plain values;
//! - model lists are `Vec<T>` (or `Option<Vec<T>>`) and are written as a wrapper element that
//!   holds one element per item, named as the model says (`<TrafficPolicySummaries>` holding
//!   `<TrafficPolicySummary>` elements, `<NameServers>` holding `<NameServer>` elements);
//! - model `integer`s are `i32`, `long`s are `i64`, `double`s are `f64`, `boolean`s are `bool`
//!   (written `true`/`false`); enums and timestamps are `String`s (timestamps in ISO 8601 form,
//!   e.g. `2026-11-27T06:47:53.000Z`);
//! - members that the model places in the URI, the query string or a header (`Id`, `Location`,
//!   …) are not part of the body shapes.
//!
//! Request bodies are read with [`from_xml`], which is strict: see its documentation. Response
//! bodies are written with [`to_xml`], which adds the XML declaration and the Route 53
//! namespace ([`NAMESPACE`]) on the root element. Errors are sent as an [`ErrorResponse`].
//!
//! Every shape derives both `Serialize` and `Deserialize`, so responses can be read back and
//! requests written (tests, clients).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Declares a private module with `serialize`/`deserialize` functions (and an `opt` submodule
/// for `Option<Vec<_>>`) that write a `Vec<$ty>` as a wrapper element holding one `$item`
/// element per entry, for use with `#[serde(with = "...")]` on the wrapper member.
///
/// `xml_list!(module, "Item", Type)` reads only `<Item>` children; `xml_list!(module, any
/// "Item", Type)` writes `<Item>` but reads children of any name, for the lists whose items
/// the model leaves unnamed (botocore writes them as `<member>`, the API reference shows
/// the shape's name).
macro_rules! xml_list {
    ($module:ident, $item:literal, $ty:ty) => {
        xml_list!(@list $module, $item, $ty, named);
    };
    ($module:ident, any $item:literal, $ty:ty) => {
        xml_list!(@list $module, $item, $ty, any);
    };
    (@read named, $deserializer:ident) => {
        Ok(<In as serde::Deserialize>::deserialize($deserializer)?.items)
    };
    (@read any, $deserializer:ident) => {
        $crate::xml::any_children($deserializer)
    };
    (@list $module:ident, $item:literal, $ty:ty, $mode:ident) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            #[derive(serde::Serialize)]
            struct Out<'a> {
                #[serde(rename = $item)]
                items: &'a [$ty],
            }

            #[allow(dead_code)]
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct In {
                #[serde(rename = $item, default)]
                items: Vec<$ty>,
            }

            pub(super) fn serialize<S: serde::Serializer>(
                items: &[$ty],
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&Out { items }, serializer)
            }

            pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Vec<$ty>, D::Error> {
                xml_list!(@read $mode, deserializer)
            }

            #[allow(dead_code)]
            pub(super) mod opt {
                #[allow(unused_imports)]
                use super::*;

                pub(in super::super) fn serialize<S: serde::Serializer>(
                    items: &Option<Vec<$ty>>,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    match items {
                        Some(items) => super::serialize(items, serializer),
                        None => serializer.serialize_none(),
                    }
                }

                pub(in super::super) fn deserialize<'de, D: serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Option<Vec<$ty>>, D::Error> {
                    super::deserialize(deserializer).map(Some)
                }
            }
        }
    };
}

/// Reads the children of a list's wrapper element whatever their names, in document order
/// for children of one name (children of several names are taken name by name, in order of
/// first appearance).
pub(crate) fn any_children<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct Children<T>(std::marker::PhantomData<T>);

    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Children<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("list items")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                items.extend(map.next_value::<Vec<T>>()?);
            }
            Ok(items)
        }
    }

    deserializer.deserialize_map(Children(std::marker::PhantomData))
}

mod cidr;
mod de;
mod errors;
mod health;
mod misc;
mod records;
mod tags;
mod traffic;
mod zones;

pub use cidr::*;
pub use errors::*;
pub use health::*;
pub use misc::*;
pub use records::*;
pub use tags::*;
pub use traffic::*;
pub use zones::*;

/// The XML namespace of the Route 53 `2013-04-01` API, written on every response root and
/// accepted on request roots.
pub const NAMESPACE: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

/// The content type of XML bodies.
pub const CONTENT_TYPE: &str = "text/xml";

/// The deepest element nesting [`from_xml`] accepts; the deepest Route 53 request needs 8.
pub const MAX_DEPTH: usize = 32;

/// What went wrong in [`from_xml`] or [`to_xml`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlErrorKind {
    /// The body is not well-formed XML (or not UTF-8), has a `DOCTYPE`, attributes other than
    /// `xmlns`, a foreign namespace, or nests elements deeper than [`MAX_DEPTH`];
    /// [`XmlError::position`] says where.
    Malformed,
    /// The root element is not the expected one (e.g. `<Foo>` where
    /// `<ChangeResourceRecordSetsRequest>` was expected). Route 53 answers this case with
    /// `MalformedInput` ("… is not valid, expected ChangeResourceRecordSetsRequest").
    UnexpectedRoot,
    /// The body is well-formed XML but does not match the expected shape: unknown, missing or
    /// repeated element, text where elements belong (or the reverse), a number or boolean that
    /// does not parse. Route 53 answers these with `InvalidInput`.
    Invalid,
    /// A value could not be written (e.g. it contains a character XML cannot carry).
    Serialize,
}

/// An error from [`from_xml`] or [`to_xml`]; its `Display` form is meant to be sent as the
/// message of an AWS `InvalidInput` (or `MalformedInput`) error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    kind: XmlErrorKind,
    message: String,
    path: Option<String>,
    position: Option<u64>,
}

impl XmlError {
    pub(crate) fn malformed(position: u64, message: impl Into<String>) -> Self {
        XmlError {
            kind: XmlErrorKind::Malformed,
            message: message.into(),
            path: None,
            position: Some(position),
        }
    }

    pub(crate) fn invalid(
        kind: XmlErrorKind,
        path: Option<String>,
        position: Option<u64>,
        message: impl Into<String>,
    ) -> Self {
        XmlError { kind, message: message.into(), path, position }
    }

    fn serialize(message: impl Into<String>) -> Self {
        XmlError {
            kind: XmlErrorKind::Serialize,
            message: message.into(),
            path: None,
            position: None,
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> XmlErrorKind {
        self.kind
    }

    /// The bare description, without the path or position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the document the error is, as a path of element names below the root, with
    /// 1-based indexes for list items: `/ChangeBatch/Changes/Change[2]/ResourceRecordSet/TTL`
    /// (`/` is the root element itself).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The byte offset in the body where the error was found (for malformed XML), or where
    /// the offending element starts.
    pub fn position(&self) -> Option<u64> {
        self.position
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            XmlErrorKind::Malformed => {
                write!(f, "Malformed XML")?;
                if let Some(position) = self.position {
                    write!(f, " at byte {position}")?;
                }
                write!(f, ": {}", self.message)
            }
            XmlErrorKind::Invalid | XmlErrorKind::UnexpectedRoot => {
                write!(f, "Invalid XML")?;
                if let Some(path) = &self.path {
                    write!(f, " at {path}")?;
                }
                write!(f, ": {}", self.message)
            }
            XmlErrorKind::Serialize => write!(f, "Cannot write XML: {}", self.message),
        }
    }
}

impl std::error::Error for XmlError {}

/// Writes a response shape as a complete XML document: the declaration
/// `<?xml version="1.0" encoding="UTF-8"?>`, a newline, then the root element (named by the
/// shape, e.g. `GetTrafficPolicyResponse`) with `xmlns="https://route53.amazonaws.com/doc/2013-04-01/"`.
///
/// Fails if the value cannot be written as XML, including when a string holds a character
/// that XML 1.0 cannot carry (control characters other than tab, newline and carriage return).
pub fn to_xml<T: Serialize>(root: &T) -> Result<String, XmlError> {
    let body = quick_xml::se::to_string(root).map_err(|e| XmlError::serialize(e.to_string()))?;
    if let Some(c) = body.chars().find(|&c| !de::is_xml_char(c)) {
        return Err(XmlError::serialize(format!(
            "character U+{:04X} cannot be written in XML",
            u32::from(c)
        )));
    }
    // The serializer writes `<Name` first; the namespace goes right after the name.
    let name_end = body
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == ' ' || c == '>' || c == '/')
        .map(|(i, _)| i)
        .filter(|_| body.starts_with('<'))
        .ok_or_else(|| XmlError::serialize("the value is not a structure"))?;
    let mut out = String::with_capacity(body.len() + 100);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&body[..name_end]);
    out.push_str(" xmlns=\"");
    out.push_str(NAMESPACE);
    out.push('"');
    out.push_str(&body[name_end..]);
    Ok(out)
}

/// Reads a request body (or any shape) from XML, strictly:
///
/// - the body must be well-formed UTF-8 XML with one root element, else the error is
///   [`XmlErrorKind::Malformed`] with the byte position;
/// - the root element must be the shape's (e.g. `CreateTrafficPolicyRequest`);
/// - an `xmlns` attribute, where present, must be [`NAMESPACE`]; other attributes, namespace
///   prefixes and `DOCTYPE` declarations are refused;
/// - unknown elements, elements that appear more than once where one is expected, missing
///   required elements, text where elements are expected (and the reverse), and numbers or
///   booleans that don't parse are errors naming the element and its path;
/// - members may come in any order (botocore writes them in the caller's order);
/// - elements nested deeper than [`MAX_DEPTH`] are refused before any recursion.
///
/// Text is kept as written (after entity and end-of-line handling); numbers and booleans may
/// be surrounded by whitespace. Comments and processing instructions are ignored. The caller
/// bounds the body size.
pub fn from_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, XmlError> {
    let root = de::parse_document(body)?;
    T::deserialize(de::Elements::root(&root)).map_err(de::DeError::into_xml_error)
}
