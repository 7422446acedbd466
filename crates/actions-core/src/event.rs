//! The post-login `event` (trigger version v3), spelled as Auth0 spells it.
//!
//! Decoding is lenient, because the shape is Auth0's and grows over time: unknown keys are
//! ignored, a missing or `null` part is `None`, and a part of an unexpected type never fails
//! the whole event. Where an Action must tell "absent" from "present but unreadable" (so it
//! never overwrites what it cannot read), the part is a [`Field`].

use serde_json::{Map, Value};

/// A JSON object, as `app_metadata`, `user_metadata` and `organization.metadata` are.
pub type Object = Map<String, Value>;

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

/// The JSON type of a value, as an error message names it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value read from Auth0's JSON when it has the expected type.
///
/// Hand-written rather than derived with serde: the derive, with a lenient fallback on every
/// field, more than doubled the WebAssembly module's size.
pub trait FromJson: Sized {
    fn from_json(value: &Value) -> Option<Self>;
}

impl FromJson for String {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

impl FromJson for bool {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }
}

impl FromJson for f64 {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_f64()
    }
}

impl FromJson for Object {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_object().cloned()
    }
}

/// A list keeps the items of the expected type and drops the others.
impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Option<Self> {
        Some(value.as_array()?.iter().filter_map(T::from_json).collect())
    }
}

/// A string → string map (`metadata`, `secrets`): a few entries, in the order given.
///
/// A list rather than a `BTreeMap`: the maps hold a handful of keys, and the tree's code
/// cost the module about 5 kB.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StringMap(Vec<(String, String)>);

impl StringMap {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Keeps the string entries and drops the others.
impl FromJson for StringMap {
    fn from_json(value: &Value) -> Option<Self> {
        let entries = value.as_object()?.iter();
        Some(StringMap(entries.filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect()))
    }
}

/// How one field of an object is read from the value under its key, if any.
pub trait ReadField: Sized {
    fn read(value: Option<&Value>) -> Self;
}

/// For parts no Action needs to tell apart: the value when it has the type, else `None`.
impl<T: FromJson> ReadField for Option<T> {
    fn read(value: Option<&Value>) -> Self {
        value.and_then(T::from_json)
    }
}

impl<T: FromJson> ReadField for Field<T> {
    fn read(value: Option<&Value>) -> Self {
        match value {
            None | Some(Value::Null) => Field::Missing,
            Some(value) => T::from_json(value)
                .map_or(Field::Unreadable { found: json_type(value) }, Field::Present),
        }
    }
}

impl ReadField for StringMap {
    fn read(value: Option<&Value>) -> Self {
        value.and_then(FromJson::from_json).unwrap_or_default()
    }
}

/// Declares a struct read leniently from a JSON object, each field under Auth0's own key.
macro_rules! lenient_object {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty = $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        impl FromJson for $name {
            fn from_json(value: &Value) -> Option<Self> {
                let object = value.as_object()?;
                Some($name { $($field: ReadField::read(object.get($key)),)* })
            }
        }
    };
}

lenient_object! {
    /// The whole `event` argument of `onExecutePostLogin`.
    PostLoginEvent {
        user: Field<User> = "user",
        /// Present only when the login is in an organization's context.
        organization: Field<Organization> = "organization",
        stats: Option<Stats> = "stats",
        client: Option<Client> = "client",
        connection: Option<Connection> = "connection",
        tenant: Option<Tenant> = "tenant",
        request: Option<Request> = "request",
        authorization: Option<Authorization> = "authorization",
        transaction: Option<Transaction> = "transaction",
        /// The Action's secrets; only the ones its decision needs are ever passed in.
        secrets: StringMap = "secrets",
    }
}

lenient_object! {
    User {
        user_id: Option<String> = "user_id",
        app_metadata: Field<Object> = "app_metadata",
        user_metadata: Field<Object> = "user_metadata",
        email: Option<String> = "email",
        email_verified: Option<bool> = "email_verified",
        username: Option<String> = "username",
        name: Option<String> = "name",
        nickname: Option<String> = "nickname",
        given_name: Option<String> = "given_name",
        family_name: Option<String> = "family_name",
        picture: Option<String> = "picture",
        phone_number: Option<String> = "phone_number",
        created_at: Option<String> = "created_at",
        updated_at: Option<String> = "updated_at",
        identities: Option<Vec<Identity>> = "identities",
    }
}

lenient_object! {
    Identity {
        connection: Option<String> = "connection",
        provider: Option<String> = "provider",
        user_id: Option<String> = "user_id",
        is_social: Option<bool> = "isSocial",
    }
}

lenient_object! {
    Organization {
        id: Option<String> = "id",
        name: Option<String> = "name",
        display_name: Option<String> = "display_name",
        /// Auth0 documents string values only; the whole object is kept so that an Action can
        /// say what it found when a value is not a string.
        metadata: Field<Object> = "metadata",
    }
}

lenient_object! {
    Stats {
        /// A JSON number; 1 on the user's first login.
        logins_count: Option<f64> = "logins_count",
    }
}

lenient_object! {
    Client {
        client_id: Option<String> = "client_id",
        name: Option<String> = "name",
        metadata: StringMap = "metadata",
    }
}

lenient_object! {
    Connection {
        id: Option<String> = "id",
        name: Option<String> = "name",
        strategy: Option<String> = "strategy",
        metadata: StringMap = "metadata",
    }
}

lenient_object! {
    Tenant {
        id: Option<String> = "id",
    }
}

lenient_object! {
    Request {
        ip: Option<String> = "ip",
        method: Option<String> = "method",
        hostname: Option<String> = "hostname",
        language: Option<String> = "language",
        user_agent: Option<String> = "user_agent",
    }
}

lenient_object! {
    Authorization {
        roles: Option<Vec<String>> = "roles",
    }
}

lenient_object! {
    Transaction {
        id: Option<String> = "id",
        protocol: Option<String> = "protocol",
        requested_scopes: Option<Vec<String>> = "requested_scopes",
        locale: Option<String> = "locale",
    }
}

impl PostLoginEvent {
    /// Reads an event from a JSON value. Only a value that is not an object is refused.
    pub fn from_value(value: &Value) -> Result<Self, crate::InputError> {
        Self::from_json(value).ok_or(crate::InputError::NotAnObject { found: json_type(value) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parts_of_the_wrong_type_do_not_fail_the_event() {
        let event = PostLoginEvent::from_value(&json!({
            "user": {"user_id": 7, "app_metadata": "oops", "email_verified": "yes"},
            "stats": {"logins_count": "1"},
            "organization": {"id": "org_1", "metadata": []},
            "secrets": {"ROLE_ID": "rol_1", "N": 3},
            "client": 12,
            "brand_new_field": {"x": 1}
        }))
        .unwrap();
        let Field::Present(user) = &event.user else { panic!("user") };
        assert_eq!(user.user_id, None);
        assert_eq!(user.app_metadata, Field::Unreadable { found: "a string" });
        assert_eq!(event.stats, Some(Stats { logins_count: None }));
        let Field::Present(org) = &event.organization else { panic!("organization") };
        assert_eq!(org.metadata, Field::Unreadable { found: "an array" });
        assert_eq!(event.secrets.len(), 1);
        assert_eq!(event.client, None);
    }

    #[test]
    fn null_is_missing() {
        let event = PostLoginEvent::from_value(&json!({"organization": null, "user": null})).unwrap();
        assert_eq!(event.organization, Field::Missing);
        assert_eq!(event.user, Field::Missing);
    }

    #[test]
    fn only_an_object_is_an_event() {
        assert!(PostLoginEvent::from_value(&json!([1, 2])).is_err());
    }
}
