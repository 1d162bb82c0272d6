//! The strict reader behind [`super::from_xml`]: a small element tree built without
//! recursion (depth-limited), and a serde `Deserializer` over it that tracks the path of every
//! element for error messages.

use std::collections::HashMap;
use std::fmt;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Error as _, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::{MAX_DEPTH, NAMESPACE, XmlError, XmlErrorKind};

/// Longest piece of a rejected value quoted back in an error message.
const QUOTE_MAX: usize = 64;

/// One element: its name, where it starts, its text (all text and CDATA directly inside it,
/// concatenated) and its child elements.
#[derive(Debug)]
pub(crate) struct Node {
    name: String,
    position: u64,
    text: String,
    children: Vec<Node>,
}

/// Whether `c` may appear in an XML 1.0 document (the `Char` production; Rust strings hold no
/// surrogates).
pub(crate) fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A piece of the body (a value or a name) as quoted in an error message: cut short.
fn quote(value: &str) -> String {
    truncate(value, QUOTE_MAX)
}

fn truncate(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// Parses `body` into an element tree, checking well-formedness, names, attributes, the
/// namespace and the nesting depth.
pub(crate) fn parse_document(body: &[u8]) -> Result<Node, XmlError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| XmlError::malformed(e.valid_up_to() as u64, "the body is not valid UTF-8"))?;
    let (text, offset) = match text.strip_prefix('\u{FEFF}') {
        Some(rest) => (rest, 3u64),
        None => (text, 0u64),
    };
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.allow_unmatched_ends = false;
    }

    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let start = reader.buffer_position() + offset;
        let event = reader.read_event().map_err(|e| {
            // The reader's messages may quote names from the body.
            XmlError::malformed(reader.error_position() + offset, truncate(&e.to_string(), 256))
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError::malformed(start, "only one root element is allowed"));
            }
            Event::Start(e) => {
                check_depth(stack.len(), start)?;
                stack.push(start_node(&e, start)?);
            }
            Event::Empty(e) => {
                check_depth(stack.len(), start)?;
                let node = start_node(&e, start)?;
                attach(&mut stack, &mut root, node);
            }
            Event::End(_) => match stack.pop() {
                Some(node) => attach(&mut stack, &mut root, node),
                None => return Err(XmlError::malformed(start, "unexpected end tag")),
            },
            Event::Text(t) => add_text(&mut stack, &t.xml10_content(), start)?,
            Event::CData(t) => {
                if stack.is_empty() {
                    return Err(XmlError::malformed(start, "CDATA outside the root element"));
                }
                add_text(&mut stack, &t.xml10_content(), start)?;
            }
            Event::GeneralRef(r) => {
                if stack.is_empty() {
                    return Err(XmlError::malformed(
                        start,
                        "entity reference outside the root element",
                    ));
                }
                let c = resolve_reference(&r, start)?;
                add_text(&mut stack, c.encode_utf8(&mut [0; 4]), start)?;
            }
            Event::DocType(_) => {
                return Err(XmlError::malformed(start, "DOCTYPE declarations are not allowed"));
            }
            Event::Decl(_) if start != offset => {
                return Err(XmlError::malformed(
                    start,
                    "the XML declaration must be at the start of the document",
                ));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(XmlError::malformed(
                        start,
                        format!(
                            "unexpected end of document: element <{}> is not closed",
                            quote(&open.name)
                        ),
                    ));
                }
                return root.ok_or_else(|| XmlError::malformed(start, "no root element"));
            }
        }
    }
}

fn check_depth(open: usize, position: u64) -> Result<(), XmlError> {
    if open >= MAX_DEPTH {
        Err(XmlError::malformed(
            position,
            format!("elements are nested more than {MAX_DEPTH} levels deep"),
        ))
    } else {
        Ok(())
    }
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

fn add_text(stack: &mut [Node], text: &str, position: u64) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(node) => {
            if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
                return Err(XmlError::malformed(
                    position,
                    format!("character U+{:04X} is not allowed in XML", u32::from(c)),
                ));
            }
            node.text.push_str(text);
            Ok(())
        }
        None if text.chars().all(is_xml_space) => Ok(()),
        None => Err(XmlError::malformed(position, "text outside the root element")),
    }
}

fn resolve_reference(r: &BytesRef<'_>, position: u64) -> Result<char, XmlError> {
    let bad = |what: String| XmlError::malformed(position, what);
    match r.resolve_char_ref() {
        Ok(Some(c)) if is_xml_char(c) => Ok(c),
        Ok(Some(c)) => Err(bad(format!(
            "character reference &{}; (U+{:04X}) is not allowed in XML",
            quote(r),
            u32::from(c)
        ))),
        Err(_) => Err(bad(format!("invalid character reference &{};", quote(r)))),
        Ok(None) => match &**r {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            other => Err(bad(format!("undefined entity &{};", quote(other)))),
        },
    }
}

fn start_node(e: &BytesStart<'_>, position: u64) -> Result<Node, XmlError> {
    let name = e.name().into_inner().to_owned();
    if name.contains(':') {
        return Err(XmlError::malformed(
            position,
            format!("namespace prefixes are not supported (element <{}>)", quote(&name)),
        ));
    }
    for attribute in e.attributes() {
        let attribute = attribute
            .map_err(|err| XmlError::malformed(position, truncate(&err.to_string(), 256)))?;
        let key = attribute.key.into_inner();
        if key != "xmlns" {
            return Err(XmlError::malformed(
                position,
                format!("unexpected attribute '{}' on element <{}>", quote(key), quote(&name)),
            ));
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| XmlError::malformed(position, truncate(&err.to_string(), 256)))?;
        if value != NAMESPACE {
            return Err(XmlError::malformed(
                position,
                format!(
                    "unexpected namespace '{}' on element <{}>; expected '{NAMESPACE}'",
                    quote(&value),
                    quote(&name)
                ),
            ));
        }
    }
    Ok(Node { name, position, text: String::new(), children: Vec::new() })
}

/// A deserialization error, with the path and position of the element it concerns once known.
#[derive(Debug)]
pub(crate) struct DeError {
    kind: XmlErrorKind,
    message: String,
    path: Option<String>,
    position: Option<u64>,
}

impl DeError {
    fn at(mut self, path: &str, position: u64) -> Self {
        if self.path.is_none() {
            self.path = Some(if path.is_empty() { "/".to_owned() } else { path.to_owned() });
            self.position = Some(position);
        }
        self
    }

    pub(crate) fn into_xml_error(self) -> XmlError {
        XmlError::invalid(self.kind, self.path, self.position, self.message)
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            kind: XmlErrorKind::Invalid,
            message: msg.to_string(),
            path: None,
            position: None,
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut message = format!("unknown element <{}>", quote(field));
        if expected.is_empty() {
            message.push_str("; no child elements are allowed here");
        } else {
            message.push_str("; expected ");
            if expected.len() > 1 {
                message.push_str("one of ");
            }
            let names: Vec<String> = expected.iter().map(|n| format!("<{n}>")).collect();
            message.push_str(&names.join(", "));
        }
        Self::custom(message)
    }

    fn missing_field(field: &'static str) -> Self {
        Self::custom(format!("missing required element <{field}>"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::custom(format!("element <{field}> must appear at most once"))
    }
}

/// One element, or the run of same-named sibling elements that fills one member (several only
/// for list items). `path` is the element's path below the root (`""` for the root).
pub(crate) struct Elements<'a> {
    nodes: Vec<&'a Node>,
    path: String,
    root: bool,
}

impl<'a> Elements<'a> {
    /// The deserializer for a whole document; it checks the root element's name.
    pub(crate) fn root(node: &'a Node) -> Self {
        Elements { nodes: vec![node], path: String::new(), root: true }
    }

    fn first(&self) -> &'a Node {
        // `nodes` is never empty: it is built from a root or from a non-empty group.
        self.nodes[0]
    }

    fn name(&self) -> &'a str {
        &self.first().name
    }

    fn error(&self, message: impl Into<String>) -> DeError {
        DeError { kind: XmlErrorKind::Invalid, message: message.into(), path: None, position: None }
            .at(&self.path, self.first().position)
    }

    fn single(&self) -> Result<&'a Node, DeError> {
        match self.nodes.as_slice() {
            [node] => Ok(node),
            [_, second, ..] => Err(DeError::custom(format!(
                "element <{}> must appear at most once",
                quote(&second.name)
            ))
            .at(&self.path, second.position)),
            [] => Err(self.error("no element")),
        }
    }

    /// The element's text; an element with child elements is an error.
    fn text(&self) -> Result<&'a str, DeError> {
        let node = self.single()?;
        if let Some(child) = node.children.first() {
            return Err(DeError::custom(format!(
                "unexpected element <{}> inside <{}>, which takes a text value",
                quote(&child.name),
                quote(&node.name)
            ))
            .at(&format!("{}/{}", self.path, quote(&child.name)), child.position));
        }
        Ok(&node.text)
    }

    fn parse<T: std::str::FromStr>(&self, expected: &str) -> Result<T, DeError> {
        let text = self.text()?;
        let value = text.trim_matches(is_xml_space);
        value.parse().map_err(|_| {
            self.error(format!(
                "invalid value '{}' for <{}>: expected {expected}",
                quote(value),
                quote(self.name())
            ))
        })
    }

    fn check_no_text(&self, node: &Node) -> Result<(), DeError> {
        if node.text.chars().all(is_xml_space) {
            Ok(())
        } else {
            Err(self.error(format!(
                "unexpected text '{}' inside <{}>, which takes elements",
                quote(node.text.trim_matches(is_xml_space)),
                quote(&node.name)
            )))
        }
    }

    fn check_root(&self, name: &str) -> Result<(), DeError> {
        if self.root && self.name() != name {
            let mut error = self
                .error(format!("expected root element <{name}>, found <{}>", quote(self.name())));
            error.kind = XmlErrorKind::UnexpectedRoot;
            Err(error)
        } else {
            Ok(())
        }
    }

    fn map<V: Visitor<'a>>(&self, visitor: V) -> Result<V::Value, DeError> {
        let node = self.single()?;
        self.check_no_text(node)?;
        // Same-named children are grouped (in order of first appearance): a list member gets
        // all of them, any other member rejects more than one.
        // The index keeps this linear however many distinct names a hostile body uses.
        let mut groups: Vec<(&'a str, Vec<&'a Node>)> = Vec::new();
        let mut index: HashMap<&'a str, usize> = HashMap::new();
        for child in &node.children {
            match index.get(child.name.as_str()) {
                Some(&i) => {
                    if let Some((_, nodes)) = groups.get_mut(i) {
                        nodes.push(child);
                    }
                }
                None => {
                    index.insert(&child.name, groups.len());
                    groups.push((&child.name, vec![child]));
                }
            }
        }
        visitor
            .visit_map(ElementMap { groups: groups.into_iter(), pending: None, parent: &self.path })
            .map_err(|e| e.at(&self.path, node.position))
    }
}

struct ElementMap<'a, 'p> {
    groups: std::vec::IntoIter<(&'a str, Vec<&'a Node>)>,
    pending: Option<(&'a str, Vec<&'a Node>)>,
    parent: &'p str,
}

impl<'a> MapAccess<'a> for ElementMap<'a, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((name, nodes)) = self.groups.next() else {
            return Ok(None);
        };
        let position = nodes.first().map_or(0, |n| n.position);
        let key = seed
            .deserialize(BorrowedStrDeserializer::<DeError>::new(name))
            .map_err(|e| e.at(&format!("{}/{}", self.parent, quote(name)), position))?;
        self.pending = Some((name, nodes));
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (name, nodes) =
            self.pending.take().ok_or_else(|| DeError::custom("value requested before key"))?;
        let elements = Elements { nodes, path: format!("{}/{}", self.parent, name), root: false };
        let position = elements.first().position;
        let path = elements.path.clone();
        seed.deserialize(elements).map_err(|e| e.at(&path, position))
    }
}

struct ElementSeq<'a> {
    nodes: std::iter::Enumerate<std::vec::IntoIter<&'a Node>>,
    path: String,
}

impl<'a> SeqAccess<'a> for ElementSeq<'a> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((index, node)) = self.nodes.next() else {
            return Ok(None);
        };
        let path = format!("{}[{}]", self.path, index + 1);
        let item = Elements { nodes: vec![node], path: path.clone(), root: false };
        seed.deserialize(item).map(Some).map_err(|e| e.at(&path, node.position))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.nodes.len())
    }
}

macro_rules! parse_number {
    ($method:ident, $visit:ident, $ty:ty, $expected:expr) => {
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
            let value: $ty = self.parse($expected)?;
            visitor.$visit(value)
        }
    };
}

impl<'a> de::Deserializer<'a> for Elements<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.nodes.len() > 1 {
            self.deserialize_seq(visitor)
        } else if self.first().children.is_empty() {
            visitor.visit_borrowed_str(self.text()?)
        } else {
            self.map(visitor)
        }
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.text()?;
        match text.trim_matches(is_xml_space) {
            "true" | "1" => visitor.visit_bool(true),
            "false" | "0" => visitor.visit_bool(false),
            other => Err(self.error(format!(
                "invalid value '{}' for <{}>: expected true or false",
                quote(other),
                quote(self.name())
            ))),
        }
    }

    parse_number!(deserialize_i8, visit_i8, i8, "an integer from -128 to 127");
    parse_number!(deserialize_i16, visit_i16, i16, "an integer from -32768 to 32767");
    parse_number!(deserialize_i32, visit_i32, i32, "an integer from -2147483648 to 2147483647");
    parse_number!(
        deserialize_i64,
        visit_i64,
        i64,
        "an integer from -9223372036854775808 to 9223372036854775807"
    );
    parse_number!(deserialize_u8, visit_u8, u8, "an integer from 0 to 255");
    parse_number!(deserialize_u16, visit_u16, u16, "an integer from 0 to 65535");
    parse_number!(deserialize_u32, visit_u32, u32, "an integer from 0 to 4294967295");
    parse_number!(deserialize_u64, visit_u64, u64, "an integer from 0 to 18446744073709551615");
    parse_number!(deserialize_f32, visit_f32, f32, "a number");
    parse_number!(deserialize_f64, visit_f64, f64, "a number");

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.text()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(self.error(format!(
                "invalid value '{}' for <{}>: expected one character",
                quote(text),
                quote(self.name())
            ))),
        }
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.text()?)
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_bytes(self.text()?.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        // A member that is present is `Some`, even when empty; absent members never get here.
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let node = self.single()?;
        if let Some(child) = node.children.first() {
            return Err(DeError::custom(format!(
                "unknown element <{}>; no child elements are allowed here",
                quote(&child.name)
            ))
            .at(&format!("{}/{}", self.path, quote(&child.name)), child.position));
        }
        self.check_no_text(node)?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.check_root(name)?;
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let position = self.first().position;
        let path = self.path.clone();
        visitor
            .visit_seq(ElementSeq { nodes: self.nodes.into_iter().enumerate(), path: self.path })
            .map_err(|e| e.at(&path, position))
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.check_root(name)?;
        self.map(visitor)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let text: &'a str = self.text()?;
        let position = self.first().position;
        visitor
            .visit_enum(IntoDeserializer::<DeError>::into_deserializer(text))
            .map_err(|e| e.at(&self.path, position))
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}
