//! The post-login `event` (trigger version v3) as the decisions read it, spelled as Auth0
//! spells it, borrowing from the module's input.
//!
//! It holds exactly the parts the Actions declare in [`crate::SPECS`] (`event_paths` and the
//! decision secrets), because nothing else crosses into the module (see
//! [`crate::projection`]); a test checks, on generated events, that every decision gives the
//! same effects on an event and on its projection, so a path read but not declared fails it.
//!
//! Decoding is lenient, because the shape is Auth0's and grows over time: unknown keys are
//! ignored, a missing or `null` part is `None`, and a part of an unexpected type never fails
//! the whole event. Where an Action must tell "absent" from "present but unreadable" (so it
//! never overwrites what it cannot read), the part is a [`Field`].

use std::borrow::Cow;

use crate::json::{Kind, ParseError, Reader, number_value};


/// A part of Auth0's JSON that may be absent, readable, or present with another type.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Field<T> {
    /// Absent or `null`.
    #[default]
    Missing,
    Present(T),
    /// Present, but not the expected type; `found` names the JSON type that was there.
    Unreadable { found: &'static str },
}

impl<T> Field<T> {
    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Missing => Field::Missing,
            Field::Present(value) => Field::Present(value),
            Field::Unreadable { found } => Field::Unreadable { found },
        }
    }

    /// The value when present; `None` when missing or unreadable.
    pub fn present(self) -> Option<T> {
        match self {
            Field::Present(value) => Some(value),
            Field::Missing | Field::Unreadable { .. } => None,
        }
    }
}

/// A value where the Actions expect a string: the string, or the type found instead.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    String(Cow<'a, str>),
    /// Any other type; never `null`, which reads as absent.
    Other(Kind),
}

/// A metadata object (`app_metadata`, `organization.metadata`): the member the Actions read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata<'a> {
    /// `subscription`, absent when missing or `null`.
    pub subscription: Option<Scalar<'a>>,
}

/// The Action's secrets: string values by name; values of another type are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Secrets<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl Secrets<'_> {
    /// The value of `name` (the last one, as `JSON.parse` keeps the last of repeated keys).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(key, _)| key == name).map(|(_, value)| &**value)
    }
}

/// The parts of `event` the Actions read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostLoginEvent<'a> {
    pub user: Field<User<'a>>,
    /// Present only when the login is in an organization's context.
    pub organization: Field<Organization<'a>>,
    pub stats: Option<Stats>,
    /// Only the secrets a decision reads are ever passed in.
    pub secrets: Secrets<'a>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct User<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub app_metadata: Field<Metadata<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Organization<'a> {
    pub id: Option<Cow<'a, str>>,
    /// Auth0 documents string values only; a value of another type is kept as its type so
    /// that an Action can say what it found.
    pub metadata: Field<Metadata<'a>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// A JSON number; 1 on the user's first login.
    pub logins_count: Option<f64>,
}

impl<'a> PostLoginEvent<'a> {
    /// Reads an event from the module's input in one pass, taking the members the Actions
    /// read and checking (and skipping) the rest. Bytes that are not JSON are refused, and so
    /// is JSON that is not an object; any part of an unexpected type is not.
    pub fn read(input: &'a [u8]) -> Result<Self, crate::InputError> {
        let not_json = |error: ParseError| crate::InputError::NotJson { detail: error.to_string() };
        let mut reader = Reader::new(input).map_err(not_json)?;
        let kind = reader.kind().map_err(not_json)?;
        if kind != Kind::Object {
            reader.skip().map_err(not_json)?;
            reader.finish().map_err(not_json)?;
            return Err(crate::InputError::NotAnObject { found: kind.name() });
        }
        let mut event = PostLoginEvent::default();
        reader
            .members(&mut |reader, key| {
                match &*key {
                    "user" => event.user = field(reader, User::read)?,
                    "organization" => event.organization = field(reader, Organization::read)?,
                    "stats" => event.stats = field(reader, Stats::read)?.present(),
                    "secrets" => event.secrets = field(reader, Secrets::read)?.present().unwrap_or_default(),
                    _ => reader.skip()?,
                }
                Ok(())
            })
            .and_then(|()| reader.finish())
            .map_err(not_json)?;
        Ok(event)
    }
}

/// An object read by `read`: missing when `null`, unreadable (and skipped) when another type.
/// A repeated key is read again and replaces the first, as `JSON.parse` keeps the last.
fn field<'a, T>(
    reader: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, ParseError>,
) -> Result<Field<T>, ParseError> {
    match reader.kind()? {
        Kind::Object => read(reader).map(Field::Present),
        Kind::Null => reader.skip().map(|()| Field::Missing),
        other => reader.skip().map(|()| Field::Unreadable { found: other.name() }),
    }
}

/// A string, or `None` (and skipped) when another type.
fn string<'a>(reader: &mut Reader<'a>) -> Result<Option<Cow<'a, str>>, ParseError> {
    if reader.kind()? == Kind::String {
        reader.string().map(Some)
    } else {
        reader.skip().map(|()| None)
    }
}

impl<'a> User<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, ParseError> {
        let mut user = User::default();
        reader.members(&mut |reader, key| {
            match &*key {
                "user_id" => user.user_id = string(reader)?,
                "app_metadata" => user.app_metadata = field(reader, Metadata::read)?,
                _ => reader.skip()?,
            }
            Ok(())
        })?;
        Ok(user)
    }
}

impl<'a> Organization<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, ParseError> {
        let mut organization = Organization::default();
        reader.members(&mut |reader, key| {
            match &*key {
                "id" => organization.id = string(reader)?,
                "metadata" => organization.metadata = field(reader, Metadata::read)?,
                _ => reader.skip()?,
            }
            Ok(())
        })?;
        Ok(organization)
    }
}

impl<'a> Metadata<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, ParseError> {
        let mut metadata = Metadata::default();
        reader.members(&mut |reader, key| {
            if key != "subscription" {
                return reader.skip();
            }
            metadata.subscription = match reader.kind()? {
                Kind::String => Some(Scalar::String(reader.string()?)),
                Kind::Null => reader.skip().map(|()| None)?,
                other => reader.skip().map(|()| Some(Scalar::Other(other)))?,
            };
            Ok(())
        })?;
        Ok(metadata)
    }
}

impl Stats {
    fn read(reader: &mut Reader<'_>) -> Result<Self, ParseError> {
        let mut stats = Stats::default();
        reader.members(&mut |reader, key| {
            if key != "logins_count" {
                return reader.skip();
            }
            stats.logins_count = match reader.kind()? {
                Kind::Number => Some(number_value(reader.number()?)),
                _ => reader.skip().map(|()| None)?,
            };
            Ok(())
        })?;
        Ok(stats)
    }
}

impl<'a> Secrets<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, ParseError> {
        let mut secrets = Vec::new();
        reader.members(&mut |reader, key| {
            if let Some(value) = string(reader)? {
                secrets.push((key, value));
            }
            Ok(())
        })?;
        Ok(Secrets(secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> PostLoginEvent<'_> {
        PostLoginEvent::read(text.as_bytes()).unwrap()
    }

    #[test]
    fn parts_of_the_wrong_type_do_not_fail_the_event() {
        let event = read(
            r#"{
                "user": {"user_id": 7, "app_metadata": "oops"},
                "stats": {"logins_count": "1"},
                "organization": {"id": "org_1", "metadata": {"subscription": [1]}},
                "secrets": {"ROLE_ID": "rol_1", "N": 3},
                "brand_new_field": {"x": [1, {"y": null}]}
            }"#,
        );
        let Field::Present(user) = &event.user else { panic!("user") };
        assert_eq!(user.user_id, None);
        assert_eq!(user.app_metadata, Field::Unreadable { found: "a string" });
        assert_eq!(event.stats, Some(Stats { logins_count: None }));
        let Field::Present(org) = &event.organization else { panic!("organization") };
        assert_eq!(org.id.as_deref(), Some("org_1"));
        let Field::Present(metadata) = &org.metadata else { panic!("metadata") };
        assert_eq!(metadata.subscription, Some(Scalar::Other(Kind::Array)));
        assert_eq!(event.secrets.get("ROLE_ID"), Some("rol_1"));
        assert_eq!(event.secrets.get("N"), None);
    }

    #[test]
    fn null_is_missing_and_the_last_of_repeated_keys_wins() {
        let event = read(r#"{"organization": null, "user": null, "stats": {"logins_count": 1}, "stats": 3}"#);
        assert_eq!(event.organization, Field::Missing);
        assert_eq!(event.user, Field::Missing);
        assert_eq!(event.stats, None);
        let event = read(r#"{"user": {"user_id": "a", "user_id": "b"}, "secrets": {"K": "1", "K": "2"}}"#);
        assert_eq!(event.user.present().and_then(|user| user.user_id).as_deref(), Some("b"));
        assert_eq!(event.secrets.get("K"), Some("2"));
    }

    #[test]
    fn only_a_json_object_is_an_event() {
        assert!(matches!(PostLoginEvent::read(b"[1, 2]"), Err(crate::InputError::NotAnObject { found: "an array" })));
        assert!(matches!(PostLoginEvent::read(b"[1, 2"), Err(crate::InputError::NotJson { .. })));
        assert!(matches!(PostLoginEvent::read(br#"{"user": {"x": tru}}"#), Err(crate::InputError::NotJson { .. })));
    }
}
