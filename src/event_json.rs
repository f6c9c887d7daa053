//! Reading the few members of an event the function needs straight from its JSON text.
//!
//! Why not `serde_json::Value`: building a `Value` recurses once per level of nesting, and
//! serde_json stops at 128 levels, so an event holding a deeply nested field the function
//! never reads (an authorizer's context can be any JSON) could not be read at all; and it
//! allocates every string of the event into sorted maps, of which the function reads a
//! handful. Here a member nobody asked for is skipped by serde_json's scanner (a loop with
//! its own stack: no depth limit, no allocation per value), an asked-for member is kept as
//! its raw JSON text, and the typed readers below take exactly the shapes the front doors
//! send, failing on the first value of another type without descending into it. So reading
//! is linear in the event's size and no nesting depth can make it fail.
//!
//! Strings (values and member names) are read as serde_json reads byte strings, which does
//! not validate escapes: a lone UTF-16 surrogate escape (`\ud800`), which JSON's grammar
//! allows and Lambda passes on, becomes U+FFFD instead of failing the whole read. So such a
//! value in a header the token rules do not read cannot fail the request, and in the
//! token's own source it is a character outside the token alphabet (`bad_character`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The members `keys` of the JSON object `json`, each as its raw JSON text (of a repeated
/// key, the last, as `serde_json::Value` keeps it); `None` when `json` is not an object.
pub fn members<'a, const N: usize>(
    json: &'a str,
    keys: [&str; N],
) -> Option<[Option<&'a RawValue>; N]> {
    let mut de = serde_json::Deserializer::from_str(json);
    let found = de.deserialize_map(Members { keys: &keys }).ok()?;
    de.end().ok()?;
    Some(found)
}

/// `raw` read as `T`; `None` when it has another shape.
pub fn read<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// Whether `raw` is a JSON object (raw values start at their first byte).
pub fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

struct Members<'k, const N: usize> {
    keys: &'k [&'k str; N],
}

impl<'de, const N: usize> Visitor<'de> for Members<'_, N> {
    type Value = [Option<&'de RawValue>; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = [None; N];
        while let Some(index) = map.next_key_seed(KeyIndex(self.keys))? {
            match index {
                Some(i) => found[i] = Some(map.next_value::<&'de RawValue>()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

/// A key's position among the wanted keys, compared without allocating.
struct KeyIndex<'k>(&'k [&'k str]);

impl<'de> DeserializeSeed<'de> for KeyIndex<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl<'de> Visitor<'de> for KeyIndex<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|k| k.as_bytes() == key))
    }
}

/// A JSON string, borrowed from the event where it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

/// A JSON string, or `null` (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeText<'a>(pub Option<Cow<'a, str>>);

/// `null` (no value), a lone string (one value), or an array of strings and nulls (its
/// strings): how the front doors send a list of values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextList<'a>(pub Vec<Cow<'a, str>>);

/// The members of a JSON object whose names are among those asked for (in any ASCII case),
/// in document order, a repeated name kept each time: each with the index of the name it
/// matched and its value read as `V`. See [`select`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected<'a, V>(pub Vec<(usize, Cow<'a, str>, V)>);

/// A value type whose shape can be checked without keeping the value.
pub trait Checked<'de>: Deserialize<'de> {
    /// Deserializes from exactly the inputs `Self` does, keeping and allocating nothing.
    type Check: Deserialize<'de>;
}

impl<'de: 'a, 'a> Checked<'de> for MaybeText<'a> {
    type Check = TypeCheck<false>;
}

impl<'de: 'a, 'a> Checked<'de> for TextList<'a> {
    type Check = TypeCheck<true>;
}

/// The object `raw`'s members named as in `names` (any ASCII case), read as `V`; every other
/// member's value is only checked to be a `V` ([`Checked::Check`]), so a wrongly typed value
/// is an error wherever it is, while the cost of the rest is one scan (no allocation per
/// member, no lookup beyond `names`). `None` when `raw` is not such an object.
pub fn select<'a, V: Checked<'a>>(raw: &'a RawValue, names: &[&str]) -> Option<Selected<'a, V>> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    de.deserialize_map(SelectVisitor::<V> {
        names,
        value: PhantomData,
    })
    .ok()
}

/// A JSON string's bytes (escapes decoded, not validated: a lone surrogate is WTF-8) as
/// text, U+FFFD for what is not UTF-8; borrowed from the event where it has no escapes.
fn lossy<'de>(bytes: &'de [u8]) -> Cow<'de, str> {
    String::from_utf8_lossy(bytes)
}

/// Visits a JSON string (read as bytes, so that no escape can fail it) into a `Cow`;
/// every other type is an error.
struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(lossy(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Cow::Owned(lossy(v).into_owned()))
    }
}

/// `null`, or what `inner` reads.
struct OrNull<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OrNull<V>
where
    V::Value: Default,
{
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(StrVisitor).map(Text)
    }
}

/// [`StrVisitor`], `Some` of it (for [`OrNull`]).
struct SomeStrVisitor;

impl<'de> Visitor<'de> for SomeStrVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        StrVisitor.visit_borrowed_bytes(v).map(Some)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        StrVisitor.visit_bytes(v).map(Some)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for MaybeText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(OrNull(SomeStrVisitor)).map(MaybeText)
    }
}

struct TextListVisitor;

impl<'de> Visitor<'de> for TextListVisitor {
    type Value = TextList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("null, a string, or an array of strings")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(TextList(vec![StrVisitor.visit_borrowed_bytes(v)?]))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(TextList(vec![StrVisitor.visit_bytes(v)?]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(MaybeText(item)) = seq.next_element()? {
            out.extend(item);
        }
        Ok(TextList(out))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TextList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A string or an array through `deserialize_bytes`: serde_json reads a string as
        // bytes and hands an array to `visit_seq`.
        d.deserialize_option(OrNull(TextListVisitor))
    }
}

struct SelectVisitor<'n, V> {
    names: &'n [&'n str],
    value: PhantomData<V>,
}

impl<'de, V: Checked<'de>> Visitor<'de> for SelectVisitor<'_, V> {
    type Value = Selected<'de, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Text(name)) = map.next_key()? {
            match self
                .names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(&name))
            {
                Some(i) => out.push((i, name, map.next_value()?)),
                None => {
                    map.next_value::<V::Check>()?;
                }
            }
        }
        Ok(Selected(out))
    }
}

/// A string or null (`LIST`: also an array of strings and nulls), checked and dropped.
pub struct TypeCheck<const LIST: bool>;

impl<'de, const LIST: bool> Deserialize<'de> for TypeCheck<LIST> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(OrNull(TypeCheckVisitor::<LIST>))
            .map(|()| TypeCheck)
    }
}

struct TypeCheckVisitor<const LIST: bool>;

impl<'de, const LIST: bool> Visitor<'de> for TypeCheckVisitor<LIST> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if LIST {
            "null, a string, or an array of strings"
        } else {
            "a string or null"
        })
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if !LIST {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        while seq.next_element::<TypeCheck<false>>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> &RawValue {
        serde_json::from_str(json).unwrap()
    }

    /// A lone surrogate escape, anywhere, is read as U+FFFD (or skipped), never an error.
    #[test]
    fn lone_surrogates_are_read_lossily_never_fail() {
        let json = r#"{"\ud800": 1, "a": "x\udc00y", "b": ["\ud800", null]}"#;
        let [a, b] = members(json, ["a", "b"]).expect("an object");
        let Text(a) = read::<Text>(a.unwrap()).unwrap();
        assert_eq!(a, "x\u{fffd}\u{fffd}\u{fffd}y");
        let TextList(b) = read::<TextList>(b.unwrap()).unwrap();
        assert!(
            b.len() == 1 && b[0].chars().all(|c| c == '\u{fffd}'),
            "{b:?}"
        );
        let headers = raw(r#"{"x-other": "\ud800", "X-Dr-Session": "t\ud800", "\udfff": null}"#);
        let Selected(kept) = select::<MaybeText>(headers, &["x-dr-session"]).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].2 .0.as_deref(), Some("t\u{fffd}\u{fffd}\u{fffd}"));
        // Without escapes, a string is still borrowed from the event.
        let plain = raw(r#""plain""#);
        assert!(matches!(
            read::<Text>(plain),
            Some(Text(Cow::Borrowed("plain")))
        ));
    }

    #[test]
    fn members_are_found_and_others_skipped_at_any_depth() {
        let deep = format!(
            r#"{{"a": 1, "skip": {}{}, "b": "x", "a": [2]}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let [a, b, c] = members(&deep, ["a", "b", "c"]).unwrap();
        assert_eq!(
            a.map(RawValue::get),
            Some("[2]"),
            "the last of a repeated key"
        );
        assert_eq!(b.map(RawValue::get), Some(r#""x""#));
        assert!(c.is_none());
        for not_object in ["[]", "\"x\"", "null", "1", "{", "{} x"] {
            assert!(members(not_object, ["a"]).is_none(), "{not_object}");
        }
        let [k] = members(r#"{"h\u0065aders": true}"#, ["headers"]).unwrap();
        assert_eq!(
            k.map(RawValue::get),
            Some("true"),
            "escaped names are decoded"
        );
    }

    #[test]
    fn typed_readers_take_their_shape_and_nothing_else() {
        let text = read::<Text>(raw(r#""a\nb""#)).unwrap();
        assert_eq!(text.0, "a\nb");
        assert!(matches!(
            read::<Text>(raw(r#""ab""#)).unwrap().0,
            Cow::Borrowed(_)
        ));
        assert!(read::<Text>(raw("null")).is_none());
        assert_eq!(read::<MaybeText>(raw("null")), Some(MaybeText(None)));
        assert!(read::<MaybeText>(raw("[\"a\"]")).is_none());
        let list = |j| read::<TextList>(raw(j)).map(|l| l.0);
        assert_eq!(list("null").unwrap(), Vec::<Cow<str>>::new());
        assert_eq!(list(r#""a""#).unwrap(), ["a"]);
        assert_eq!(list(r#"["a", null, "b"]"#).unwrap(), ["a", "b"]);
        assert!(list("[1]").is_none());
        assert!(list("[[\"a\"]]").is_none());
        assert!(list("{}").is_none());
    }

    #[test]
    fn select_keeps_the_names_asked_for_and_checks_the_rest() {
        let json = raw(r#"{"a": "1", "B": null, "c": "3", "A": "2"}"#);
        let picked = select::<MaybeText>(json, &["b", "a"]).unwrap().0;
        let names: Vec<_> = picked.iter().map(|(i, n, _)| (*i, n.as_ref())).collect();
        assert_eq!(
            names,
            [(1, "a"), (0, "B"), (1, "A")],
            "document order, any case, repeats kept, others dropped"
        );
        assert_eq!(picked[0].2, MaybeText(Some("1".into())));
        for wrong in [
            r#"{"c": 1}"#,
            r#"{"c": ["x"]}"#,
            r#"{"a": {"b": "c"}}"#,
            "[]",
        ] {
            assert!(select::<MaybeText>(raw(wrong), &["a"]).is_none(), "{wrong}");
        }
        let lists = raw(r#"{"c": ["x", null], "d": "y", "e": null, "a": ["1"]}"#);
        assert_eq!(select::<TextList>(lists, &["a"]).unwrap().0.len(), 1);
        for wrong in [
            r#"{"c": [1]}"#,
            r#"{"c": [["x"]]}"#,
            r#"{"c": {}}"#,
            r#"{"c": true}"#,
        ] {
            assert!(select::<TextList>(raw(wrong), &["a"]).is_none(), "{wrong}");
        }
    }

    #[test]
    fn a_value_of_another_type_fails_without_descending_into_it() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(read::<TextList>(raw(&format!("[{deep}]"))).is_none());
        let nested = format!(r#"{{"a": [{deep}]}}"#);
        assert!(select::<TextList>(raw(&nested), &["a"]).is_none());
        assert!(
            select::<TextList>(raw(&nested), &["b"]).is_none(),
            "checked, not kept"
        );
        assert!(read::<MaybeText>(raw(&deep)).is_none());
    }
}
